//! `secrets.scan`: no hardcoded secrets in the repository's working tree (and, with
//! `history=true`, in any commit reachable from its branches).

use crate::util::{check_relative, inventory_blocking, unusable_path};
use gonogo_core::recognise::{Claim, Slot, Text, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};
use gonogo_repo::resolve_in_repo;
use gonogo_secrets::history::{HistoryOptions, parse_since, scan_history};
use gonogo_secrets::{
    Baseline, MAX_FILE_SIZE_CEILING, NoteKind, RuleSource, ScanOptions, ScanReport, Scanner,
    SecretFinding, load_rules, scan_files,
};
use std::path::PathBuf;

pub struct SecretsScan;

/// What the kind verifies, as the recognition engine reads items: no secret in the
/// repository's files (or, asked for, in its history).
const CLAIMS: &[Claim] = &[Claim {
    subject: &[
        "secret*",
        "credential*",
        "password*",
        "api key*",
        "apikey*",
        "token*",
        "private key*",
        "aws key*",
        "access key*",
        "cloud key*",
        "ssh key*",
        "keys",
        "leaked credential*",
        "leaked secret*",
        "secret leak*",
        "credential leak*",
        "gitleaks",
        "trufflehog",
    ],
    qualifiers: &[&[
        "hardcoded",
        "hard coded",
        "committed",
        "checked in",
        "in code",
        "in the code",
        "left in",
        "nobody left",
        "codebase",
        "source code",
        "in source",
        "in the repo",
        "repo",
        "repository",
        "git history",
        "history",
        "leaked",
        "leak*",
        "secret scan*",
        "secrets scan*",
        "scanner",
        "in git",
        "plaintext in",
        "scan*",
        "clean",
    ]],
    support: &["no", "clean", "pass"],
    // Where secrets are kept, how strong they are, and the env files are `env.strength`'s;
    // a CI job or a hook that blocks them is configuration, not the repository's state.
    excludes: &[
        "rotat*",
        "vault",
        "encrypt*",
        "stored in",
        "manager",
        "strong",
        "secure",
        "expir*",
        "env example",
        "env file*",
        "job*",
        "pipelin*",
        "hook*",
        "fails the build",
        "enabled",
        "configured",
        "push protection",
        "log*",
        "url*",
        "error messag*",
        "respons*",
    ],
    slots: &[
        Slot::optional(
            "history",
            Value::Choice(&[
                ("history", "true"),
                ("any commit", "true"),
                ("past commit*", "true"),
                ("every commit", "true"),
            ]),
        ),
        Slot::optional("path", Value::Read(folder)),
    ],
    weight: 80,
    ..Claim::EMPTY
}];

/// A folder named in a code span: "scan of `services/billing`".
fn folder(text: &Text<'_>) -> Option<String> {
    text.code_spans()
        .map(|s| s.trim_end_matches('/'))
        .find(|s| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/_-".contains(c))
                && check_relative("path", s).is_ok()
                && s.contains('/')
        })
        .map(str::to_string)
}

static DOC: CheckDoc = CheckDoc {
    live: None,
    targets: &[],
    summary: "No hardcoded secrets (keys, tokens, passwords, private keys) in the repository.",
    description: "Scans every file of the working tree that git would track (honours .gitignore) \
with more than 150 built-in detectors (cloud providers, VCS and CI tokens, chat, email, payment \
and AI APIs, private keys, JWTs, database URLs with passwords, generic password/secret \
assignments with an entropy floor). A keyword prefilter runs before any regex; the captured \
secret must pass the rule's Shannon entropy floor and must not be a placeholder (changeme, \
xxxxx, <your-key>, ${VAR}, the providers' documented example keys). A line holding \
`gonogo:allow` (or `gitleaks:allow`) is ignored. When the repository has a .gitleaks.toml (or \
`config=` names one) its rules and allowlists are used with gitleaks' semantics, including \
`[extend] useDefault`. With `history=true` every blob reachable from the branches is scanned \
once, and each finding names the commit that introduced it. Fails when a secret is found that \
the baseline (`baseline=`, a file written by `gonogo secrets --write-baseline`) does not list; \
warns when a file was too large to scan in full or could not be read; errors when the config \
or baseline is invalid or the history cannot be read; skipped when nothing was scanned (no \
text file in the working tree and, with `history=true`, no blob in history): an empty scan is \
never a pass; fails when the `path=` folder does not exist. \
Evidence shows each secret only as a short prefix and its length.",
    params: &[
        ParamDoc::optional(
            "path",
            "Subdirectory of the repository to scan (default: the whole repository).",
        ),
        ParamDoc::optional(
            "config",
            "A gitleaks config file to use instead of the repository's .gitleaks.toml or the built-in rules.",
        ),
        ParamDoc::optional(
            "baseline",
            "Baseline file of known findings' fingerprints; only findings not in it fail.",
        ),
        ParamDoc::with_default(
            "history",
            "Also scan every commit reachable from the branches.",
            "false",
        ),
        ParamDoc::optional(
            "since",
            "With history: only commits since this date (2024-05-01) or age (90d).",
        ),
        ParamDoc::optional(
            "branch",
            "With history: comma-separated branches to scan (default: every ref).",
        ),
        ParamDoc::with_default(
            "max_file_size",
            "Bytes scanned per file (at most 64 MiB); larger files are scanned up to this size, with a warning.",
            "10485760",
        ),
    ],
    examples: &[
        "secrets.scan",
        "secrets.scan history=true since=90d",
        "secrets.scan config=.gitleaks.toml baseline=.gonogo/secrets-baseline.json",
    ],
    claims: CLAIMS,
    phrases: &[
        "Make sure nobody left AWS keys in the code",
        "No hardcoded secrets in codebase",
        "No hardcoded credentials in code",
        "No secrets committed to the repository",
        "No API keys or passwords in source code",
        "No secrets in git history",
        "Secret scanning passes (no leaked credentials)",
        "No hard-coded passwords or tokens",
    ],
    not_phrases: &[
        "Secrets stored in secure vault (AWS Secrets Manager/HashiCorp Vault)",
        "Secrets encrypted at rest",
        "All secrets rotated from development values",
        "JWT secrets rotated and secured",
        "API keys rotated and secured",
        "`.env` properly configured with strong secrets",
        "JWT_SECRET is cryptographically secure (min 32 chars)",
        "Database credentials rotated from defaults",
        "Environment variables noted (URL, Anon Key, Service Role Key)",
    ],
    findings: &[
        (
            "secrets-hardcoded",
            "A secret is written in a file of the working tree.",
        ),
        (
            "secrets-in-history",
            "A secret is in a commit reachable from a branch, though no longer in the working tree.",
        ),
        (
            "secrets-file-capped",
            "A file is larger than max_file_size and was scanned only in part.",
        ),
        (
            "secrets-file-unreadable",
            "A file could not be read, so it was not scanned.",
        ),
        (
            "secrets-path-missing",
            "The folder `path=` names does not exist in the repository, so nothing was scanned.",
        ),
    ],
};

impl CheckKind for SecretsScan {
    fn id(&self) -> &'static str {
        "secrets.scan"
    }

    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }

    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let history = params.value::<bool>("history")?;
        let since = params.str("since").map(str::to_string);
        if let Some(s) = &since {
            // Validate the form now; the age is counted from the run's clock later.
            parse_since(s, 0).map_err(|m| ParamError::new("since", m))?;
        }
        let branches = params.list("branch").unwrap_or_default();
        if !history && (since.is_some() || !branches.is_empty()) {
            let key = if since.is_some() { "since" } else { "branch" };
            return Err(ParamError::new(key, "only applies with history=true"));
        }
        let max_file_size = params.value::<u64>("max_file_size")?;
        if max_file_size == 0 {
            return Err(ParamError::new("max_file_size", "must be at least 1"));
        }
        if max_file_size > MAX_FILE_SIZE_CEILING {
            return Err(ParamError::new(
                "max_file_size",
                format!("must be at most {MAX_FILE_SIZE_CEILING} (64 MiB)"),
            ));
        }
        for key in ["config", "baseline"] {
            if let Some(p) = params.str(key) {
                check_relative(key, p)?;
            }
        }
        Ok(Box::new(Prepared {
            path: params.str("path").map(PathBuf::from),
            config: params.str("config").map(PathBuf::from),
            baseline: params.str("baseline").map(PathBuf::from),
            history,
            since,
            branches,
            max_file_size,
        }))
    }
}

struct Prepared {
    path: Option<PathBuf>,
    config: Option<PathBuf>,
    baseline: Option<PathBuf>,
    history: bool,
    since: Option<String>,
    branches: Vec<String>,
    max_file_size: u64,
}

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        let ctx = ctx.clone();
        let this = Prepared {
            path: self.path.clone(),
            config: self.config.clone(),
            baseline: self.baseline.clone(),
            history: self.history,
            since: self.since.clone(),
            branches: self.branches.clone(),
            max_file_size: self.max_file_size,
        };
        crate::util::blocking(move || this.run_blocking(&ctx)).await
    }
}

impl Prepared {
    fn run_blocking(&self, ctx: &CheckContext) -> Outcome {
        let source = match &self.config {
            Some(p) => RuleSource::Gitleaks(p.clone()),
            None => RuleSource::Auto,
        };
        let rules = match load_rules(&ctx.repo, &source) {
            Ok(r) => r,
            Err(e) => return Outcome::error(format!("invalid secrets config: {e}")),
        };
        let baseline = match &self.baseline {
            Some(p) => match resolve_in_repo(&ctx.repo, p)
                .map_err(|e| format!("{}: {e}", p.display()))
                .and_then(|full| Baseline::load(&full))
            {
                Ok(b) => Some(b),
                Err(e) => return Outcome::error(format!("invalid baseline: {e}")),
            },
            None => None,
        };
        let ignore = match gonogo_secrets::gitleaks::IgnoreList::load(&ctx.repo) {
            Ok(i) => i,
            Err(e) => return Outcome::error(format!("invalid ignore list: {e}")),
        };
        let scanner = Scanner::new(rules);
        let opts = ScanOptions {
            max_file_size: self.max_file_size,
            threads: 0,
        };
        let walked = inventory_blocking(ctx);
        if let Some(missing) = self
            .path
            .as_ref()
            .and_then(|p| unusable_path(ctx, "path", &p.to_string_lossy(), "secrets-path-missing"))
        {
            return missing;
        }
        let prefix = self.path.as_ref().map(|p| {
            let s = p.to_string_lossy().replace('\\', "/");
            format!("{}/", s.trim_matches('/'))
        });
        let files: Vec<_> = walked
            .files
            .iter()
            .filter(|f| {
                prefix
                    .as_ref()
                    .is_none_or(|p| f.rel.starts_with(p.as_str()))
            })
            .cloned()
            .collect();
        let mut report = scan_files(&scanner, &files, &opts);
        let mut history_findings: Vec<SecretFinding> = Vec::new();
        let mut history_skipped = None;
        if self.history && !ctx.repo.join(".git").exists() {
            // No history to leak from: the working tree is all there is.
            history_skipped = Some(format!(
                "; history not scanned: {} is not the root of a git repository",
                ctx.repo.display()
            ));
        } else if self.history {
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            let since = match self.since.as_deref().map(|s| parse_since(s, now)) {
                Some(Ok(t)) => Some(t),
                Some(Err(e)) => return Outcome::error(e),
                None => None,
            };
            let hist = HistoryOptions {
                branches: self.branches.clone(),
                since,
            };
            match scan_history(&ctx.repo, &scanner, &hist, &opts) {
                Ok(h) => {
                    let known: std::collections::HashSet<_> = report
                        .findings
                        .iter()
                        .map(|f| f.fingerprint.clone())
                        .collect();
                    history_findings = h
                        .findings
                        .into_iter()
                        .filter(|f| !known.contains(&f.fingerprint))
                        .filter(|f| {
                            prefix
                                .as_ref()
                                .is_none_or(|p| f.file.starts_with(p.as_str()))
                        })
                        .collect();
                    report.stats.commits = h.stats.commits;
                    report.stats.blobs_scanned = h.stats.blobs_scanned;
                }
                Err(e) => return Outcome::error(format!("could not read git history: {e}")),
            }
        }
        // An empty scan proves nothing, with or without history: it is never a pass.
        let place = match &prefix {
            Some(p) => format!("under {p}"),
            None => "in the repository".to_string(),
        };
        if let Some(why) = nothing_scanned(
            &report,
            &history_findings,
            files.is_empty(),
            &place,
            self.history.then_some(history_skipped.as_deref()),
        ) {
            return Outcome::skipped(why);
        }
        if let Some(b) = &baseline {
            report.apply_baseline(b);
            let before = history_findings.len();
            history_findings.retain(|f| !b.contains(&f.fingerprint));
            report.stats.baselined += before - history_findings.len();
        }
        if !ignore.is_empty() {
            report.apply_ignore(&ignore);
            let before = history_findings.len();
            history_findings.retain(|f| !ignore.ignores(f));
            report.stats.baselined += before - history_findings.len();
        }
        let mut outcome = conclude(&scanner, &report, &history_findings, self.history);
        if let Some(note) = history_skipped {
            outcome.evidence.summary.push_str(&note);
        }
        outcome
    }
}

/// Why a scan read nothing (no file `place`, only binary files, no blob of history); `None`
/// when something was scanned or reported. `history` is `None` without `history=true`, else
/// why history was not read, if it was not.
fn nothing_scanned(
    report: &ScanReport,
    history_findings: &[SecretFinding],
    no_files: bool,
    place: &str,
    history: Option<Option<&str>>,
) -> Option<String> {
    let s = &report.stats;
    let reported =
        !report.findings.is_empty() || !history_findings.is_empty() || !report.notes.is_empty();
    if reported || s.files_scanned > 0 || s.blobs_scanned > 0 {
        return None;
    }
    let mut why = if no_files {
        format!("no files to scan {place}")
    } else {
        format!(
            "nothing to scan {place}: {} binary file(s) skipped",
            s.binary_skipped
        )
    };
    match history {
        None => {}
        Some(Some(not_read)) => why.push_str(not_read),
        Some(None) => why.push_str(&format!(
            "; history: no blobs to scan in {} commit(s)",
            s.commits
        )),
    }
    Some(why)
}

fn conclude(
    scanner: &Scanner,
    report: &ScanReport,
    history: &[SecretFinding],
    scanned_history: bool,
) -> Outcome {
    let mut findings = Vec::new();
    for f in &report.findings {
        findings.push(
            Finding::fail(
                "secrets-hardcoded",
                format!("{}: {} ({})", f.description, f.secret, f.rule_id),
            )
            .at(Location::at_col(&f.file, f.line, f.column))
            .fix("Remove the secret, rotate it, and read it from the environment or a secret manager"),
        );
    }
    for f in history {
        let commit = f.commit.as_ref();
        findings.push(
            Finding::fail(
                "secrets-in-history",
                format!(
                    "{}: {} ({}) added in commit {} on {}",
                    f.description,
                    f.secret,
                    f.rule_id,
                    commit.map_or("?", |c| &c.id[..c.id.len().min(12)]),
                    commit.map_or("?", |c| &c.date[..c.date.len().min(10)]),
                ),
            )
            .at(Location::at_col(&f.file, f.line, f.column))
            .fix("Rotate the secret: it stays readable in history even after the file changed"),
        );
    }
    for n in &report.notes {
        let (code, fix) = match n.kind {
            NoteKind::Capped => (
                "secrets-file-capped",
                "Raise max_file_size or exclude the generated file via .gitignore",
            ),
            NoteKind::Unreadable => ("secrets-file-unreadable", "Make the file readable"),
        };
        findings.push(
            Finding::warn(code, format!("{}: {}", n.file, n.message))
                .at(Location::file(&n.file))
                .fix(fix),
        );
    }
    let secrets = report.findings.len() + history.len();
    let files: std::collections::BTreeSet<&str> = report
        .findings
        .iter()
        .chain(history.iter())
        .map(|f| f.file.as_str())
        .collect();
    let s = &report.stats;
    let mut scanned = format!(
        "{} files ({}) scanned with {}",
        s.files_scanned,
        human_bytes(s.bytes_scanned),
        scanner.source()
    );
    if scanned_history {
        scanned.push_str(&format!(
            ", {} commits / {} blobs of history",
            s.commits, s.blobs_scanned
        ));
    }
    if s.binary_skipped > 0 {
        scanned.push_str(&format!(", {} binary skipped", s.binary_skipped));
    }
    if s.baselined > 0 {
        scanned.push_str(&format!(", {} known in the baseline", s.baselined));
    }
    let summary = if secrets == 0 {
        format!("no secrets found: {scanned}")
    } else {
        format!(
            "{secrets} secret{} found in {} file{}: {scanned}",
            if secrets == 1 { "" } else { "s" },
            files.len(),
            if files.len() == 1 { "" } else { "s" }
        )
    };
    Outcome::from_findings(summary, findings)
        .observed(format!("{secrets} secrets"))
        .expected("0 secrets")
}

fn human_bytes(n: u64) -> String {
    match n {
        0..1024 => format!("{n} B"),
        1024..1_048_576 => format!("{:.1} KiB", n as f64 / 1024.0),
        _ => format!("{:.1} MiB", n as f64 / 1_048_576.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gonogo_core::Status;
    use std::path::Path;

    fn gh_token() -> String {
        format!("gh{}_{}", "p", "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6")
    }
    fn aws_key() -> String {
        format!("AK{}{}", "IA", "QYLPMN5HHHFQ2RJX")
    }

    fn run(dir: &Path, params: Params) -> Outcome {
        let check = SecretsScan.prepare(&params).unwrap();
        let ctx = CheckContext::new(dir.to_path_buf());
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(check.run(&ctx))
    }

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn codes(o: &Outcome) -> Vec<(&'static str, String)> {
        o.evidence
            .findings
            .iter()
            .map(|f| {
                (
                    f.code,
                    f.location
                        .as_ref()
                        .map(|l| l.to_string())
                        .unwrap_or_default(),
                )
            })
            .collect()
    }

    fn leaky_repo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "README.md", "# acme\n");
        write(
            dir.path(),
            "app/settings.py",
            &format!("DEBUG = False\nAWS_ACCESS_KEY_ID = \"{}\"\n", aws_key()),
        );
        write(
            dir.path(),
            "deploy/ci.sh",
            &format!("#!/bin/sh\nexport GITHUB_TOKEN={}\n", gh_token()),
        );
        write(
            dir.path(),
            ".env.example",
            "JWT_SECRET=changethis\nAPI_KEY=<your-key>\n",
        );
        dir
    }

    #[test]
    fn planted_secrets_fail_with_locations_and_redaction() {
        let dir = leaky_repo();
        let o = run(dir.path(), Params::new());
        assert_eq!(o.status, Status::Fail, "{}", o.evidence.summary);
        assert_eq!(
            codes(&o),
            [
                ("secrets-hardcoded", "app/settings.py:2:22".to_string()),
                ("secrets-hardcoded", "deploy/ci.sh:2:21".to_string()),
            ]
        );
        let all = serde_json::to_string(&o).unwrap();
        assert!(
            !all.contains(&gh_token()) && !all.contains(&aws_key()),
            "{all}"
        );
        assert!(all.contains("AKIA…(20 chars)"));
        assert!(o.evidence.summary.starts_with("2 secrets found in 2 files"));
    }

    #[test]
    fn clean_repo_passes_and_empty_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "src/main.rs",
            "fn main() { let password = read_password(); }\n",
        );
        write(
            dir.path(),
            ".env.example",
            "DB_PASSWORD=changeme\nSECRET_KEY=${SECRET_KEY}\n",
        );
        let o = run(dir.path(), Params::new());
        assert_eq!(o.status, Status::Pass, "{:?}", o.evidence);
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(run(empty.path(), Params::new()).status, Status::Skipped);
    }

    #[test]
    fn an_empty_scan_with_history_is_never_a_pass() {
        use crate::util::testing::dated_git::{commit, init};
        let history = Params::new().with("history", "true");
        // No commit at all, one commit without files, and no repository.
        let unborn = tempfile::tempdir().unwrap();
        init(unborn.path());
        let empty = tempfile::tempdir().unwrap();
        init(empty.path());
        commit(empty.path(), 1, &[], "empty");
        let bare = tempfile::tempdir().unwrap();
        for (dir, why) in [
            (
                unborn.path(),
                "no files to scan in the repository; history: no blobs to scan in 0 commit(s)",
            ),
            (
                empty.path(),
                "no files to scan in the repository; history: no blobs to scan in 1 commit(s)",
            ),
        ] {
            let o = run(dir, history.clone());
            assert_eq!(o.status, Status::Skipped, "{:?}", o.evidence);
            assert_eq!(o.evidence.summary, why);
        }
        let o = run(bare.path(), history.clone());
        assert_eq!(o.status, Status::Skipped, "{:?}", o.evidence);
        assert!(
            o.evidence
                .summary
                .starts_with("no files to scan in the repository; history not scanned: "),
            "{}",
            o.evidence.summary
        );
        // The same without history; binary files alone are nothing to scan either.
        assert_eq!(
            run(empty.path(), Params::new()).evidence.summary,
            "no files to scan in the repository"
        );
        write(bare.path(), "logo.png", "\u{0}\u{1}PNG\u{0}\u{0}");
        let o = run(bare.path(), Params::new());
        assert_eq!(o.status, Status::Skipped, "{:?}", o.evidence);
        assert_eq!(
            o.evidence.summary,
            "nothing to scan in the repository: 1 binary file(s) skipped"
        );
        // Once a file is committed, history=true scans and passes.
        commit(empty.path(), 2, &[("README.md", "# acme\n")], "readme");
        let o = run(empty.path(), history);
        assert_eq!(o.status, Status::Pass, "{:?}", o.evidence);
    }

    #[test]
    fn gitignored_files_are_not_scanned() {
        let dir = leaky_repo();
        write(dir.path(), ".gitignore", "app/\ndeploy/\n");
        assert_eq!(run(dir.path(), Params::new()).status, Status::Pass);
    }

    #[test]
    fn gitleaksignore_drops_the_findings_it_lists() {
        let dir = leaky_repo();
        let first = run(dir.path(), Params::new());
        assert_eq!(first.status, Status::Fail);
        let listed: Vec<String> = first
            .evidence
            .findings
            .iter()
            .filter_map(|f| {
                let l = f.location.as_ref()?;
                // The message ends with the rule id in parentheses.
                let rule = f.message.rsplit_once('(')?.1.trim_end_matches(')');
                Some(format!("{}:{}:{}", l.path, rule, l.line?))
            })
            .collect();
        assert!(!listed.is_empty());
        write(
            dir.path(),
            ".gitleaksignore",
            &format!("# reviewed\n{}\n", listed.join("\n")),
        );
        let o = run(dir.path(), Params::new());
        assert_eq!(o.status, Status::Pass, "{}", o.evidence.summary);
        write(dir.path(), ".gitleaksignore", "garbage\n");
        let o = run(dir.path(), Params::new());
        assert_eq!(o.status, Status::Error);
        assert!(
            o.evidence.summary.contains(".gitleaksignore:1"),
            "{}",
            o.evidence.summary
        );
    }

    #[test]
    fn baseline_lets_known_findings_pass() {
        let dir = leaky_repo();
        let first = {
            let rules = load_rules(dir.path(), &RuleSource::Auto).unwrap();
            let scanner = Scanner::new(rules);
            let files = gonogo_secrets::walk_dir(dir.path());
            scan_files(&scanner, &files.files, &ScanOptions::default())
        };
        let baseline = Baseline::from_findings(&first.findings);
        write(dir.path(), ".gonogo/baseline.json", &baseline.to_json());
        let p = Params::new().with("baseline", ".gonogo/baseline.json");
        let o = run(dir.path(), p.clone());
        assert_eq!(o.status, Status::Pass, "{}", o.evidence.summary);
        assert!(o.evidence.summary.contains("2 known in the baseline"));
        // A new secret still fails.
        write(
            dir.path(),
            "app/new.py",
            &format!("TOKEN = '{}'\n", gh_token().replace('a', "b")),
        );
        assert_eq!(
            codes(&run(dir.path(), p)),
            [("secrets-hardcoded", "app/new.py:1:10".to_string())]
        );
        write(dir.path(), ".gonogo/bad.json", "{not json");
        let o = run(
            dir.path(),
            Params::new().with("baseline", ".gonogo/bad.json"),
        );
        assert_eq!(o.status, Status::Error);
    }

    #[test]
    fn repository_gitleaks_config_is_used() {
        let dir = leaky_repo();
        write(
            dir.path(),
            ".gitleaks.toml",
            "[extend]\nuseDefault = true\n[[allowlists]]\npaths = ['''^deploy/''']\n",
        );
        assert_eq!(codes(&run(dir.path(), Params::new())).len(), 1);
        write(
            dir.path(),
            ".gitleaks.toml",
            "[[rules]]\nid = 'x'\nregex = '''(bad'''\n",
        );
        let o = run(dir.path(), Params::new());
        assert_eq!(o.status, Status::Error);
        assert!(
            o.evidence.summary.contains(".gitleaks.toml"),
            "{}",
            o.evidence.summary
        );
    }

    #[test]
    fn huge_files_are_capped_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "dump.sql",
            &"insert into t values (1);\n".repeat(100),
        );
        let o = run(dir.path(), Params::new().with("max_file_size", "1000"));
        assert_eq!(o.status, Status::Warn);
        assert_eq!(codes(&o), [("secrets-file-capped", "dump.sql".to_string())]);
    }

    #[test]
    fn params_are_validated() {
        assert!(
            SecretsScan
                .prepare(&Params::new().with("since", "90d"))
                .is_err()
        );
        assert!(
            SecretsScan
                .prepare(&Params::new().with("history", "true").with("since", "soon"))
                .is_err()
        );
        assert!(
            SecretsScan
                .prepare(&Params::new().with("max_file_size", "0"))
                .is_err()
        );
        let too_much = SecretsScan
            .prepare(&Params::new().with("max_file_size", "67108865"))
            .err()
            .unwrap();
        assert!(
            too_much.to_string().contains("at most 67108864"),
            "{too_much}"
        );
        for (key, outside) in [("config", "/etc/gitleaks.toml"), ("baseline", "../b.json")] {
            assert!(
                SecretsScan
                    .prepare(&Params::new().with(key, outside))
                    .is_err(),
                "{key}={outside}"
            );
        }
        assert!(
            gonogo_core::check::prepare(&SecretsScan, &Params::new().with("bogus", "1")).is_err()
        );
    }

    #[test]
    fn recognition() {
        let ctx: Vec<String> = Vec::new();
        let rec = |t: &str| crate::util::testing::recognise_in(&SecretsScan, t, &ctx);
        assert_eq!(
            rec("No secrets in git history").unwrap().str("history"),
            Some("true")
        );
        assert!(rec("No hardcoded secrets in codebase").unwrap().is_empty());
        assert!(rec("Token expiry configured").is_none());
    }
}
