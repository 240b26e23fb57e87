//! The secret scanner behind `secrets.scan` and `gonogo secrets`.
//!
//! - [`rules`]: gonogo's own rule format and the built-in rule set (`rules.toml`).
//! - [`gitleaks`]: a team's `.gitleaks.toml`, read with gitleaks' semantics.
//! - [`engine`]: the per-file scanner (keyword prefilter, regexes, entropy, filters).
//! - [`history`]: every reachable blob of a git repository, scanned once.
//! - [`redact`]: how a secret may appear anywhere gonogo writes, and the secret-name predicate.
//!
//! Everything a caller sees is redacted: a [`SecretFinding`] holds the secret only as
//! [`crate::redact::redact_secret`] shows it, plus a fingerprint.

pub mod engine;
pub mod gitleaks;
pub mod history;
pub mod redact;
pub mod rules;

use gonogo_repo::{RepoFile, RepoFiles, read_text};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

pub use engine::Scanner;

/// Files larger than this are scanned up to this size only, with a note.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;
/// The most bytes of one file a scan may be asked to read (each scanning thread holds one).
pub const MAX_FILE_SIZE_CEILING: u64 = 64 * 1024 * 1024;

/// One compiled detection rule, from the built-in set or a gitleaks config.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub description: String,
    /// Rule family for reporting ("cloud", "vcs", "generic", …); "custom" for gitleaks rules.
    pub family: String,
    /// Lowercase keywords; a rule only runs where one occurs. Empty: always runs.
    pub keywords: Vec<String>,
    /// `None` for a gitleaks path-only rule (reports matching files).
    pub regex: Option<regex::bytes::Regex>,
    /// Which capture group holds the secret; `None`: the first group that matched, else the
    /// whole match (gitleaks' rule).
    pub secret_group: Option<usize>,
    /// Shannon entropy the secret must exceed; 0 = no floor.
    pub entropy: f64,
    /// Only files whose path matches.
    pub path: Option<regex::Regex>,
    /// Run the regex over the whole file rather than the lines holding a keyword.
    pub whole_file: bool,
    /// Generic assignment rule: code-shaped values are not secrets.
    pub generic: bool,
    /// Built-in rule: placeholder and stopword filters apply.
    pub builtin: bool,
    /// Assignment-form rule (group 1 = name, group 2 = value).
    pub assignment: bool,
    pub allowlists: Vec<Allowlist>,
    pub tags: Vec<String>,
}

/// Which text an allowlist's regexes are tested against.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RegexTarget {
    #[default]
    Secret,
    Match,
    Line,
}

/// gitleaks' allowlist: a finding is allowed when any (OR, default) or all (AND) of the
/// given criteria hold.
#[derive(Debug, Clone, Default)]
pub struct Allowlist {
    pub description: String,
    pub and: bool,
    pub commits: Vec<String>,
    pub paths: Vec<regex::Regex>,
    pub regex_target: RegexTarget,
    pub regexes: Vec<regex::bytes::Regex>,
    pub stopwords: Vec<String>,
    /// Applies only to built-in rules (the default lockfile allowlist).
    pub builtin_only: bool,
}

/// What an allowlist is asked about one finding.
pub struct Candidate<'a> {
    pub path: &'a str,
    pub commit: Option<&'a str>,
    pub secret: &'a [u8],
    pub matched: &'a [u8],
    pub line: &'a [u8],
}

impl Allowlist {
    pub fn allows(&self, c: &Candidate<'_>) -> bool {
        let mut checks: Vec<bool> = Vec::with_capacity(4);
        if !self.commits.is_empty() {
            checks.push(
                c.commit
                    .is_some_and(|id| self.commits.iter().any(|a| commit_matches(a, id))),
            );
        }
        if !self.paths.is_empty() {
            checks.push(self.paths.iter().any(|p| p.is_match(c.path)));
        }
        if !self.regexes.is_empty() {
            let target = match self.regex_target {
                RegexTarget::Secret => c.secret,
                RegexTarget::Match => c.matched,
                RegexTarget::Line => c.line,
            };
            checks.push(self.regexes.iter().any(|r| r.is_match(target)));
        }
        if !self.stopwords.is_empty() {
            let secret = String::from_utf8_lossy(c.secret).to_lowercase();
            checks.push(
                self.stopwords
                    .iter()
                    .any(|w| secret.contains(&w.to_lowercase())),
            );
        }
        if checks.is_empty() {
            return false;
        }
        if self.and {
            checks.iter().all(|b| *b)
        } else {
            checks.iter().any(|b| *b)
        }
    }

    /// True when a path match alone allows every finding in the file (an OR allowlist).
    pub fn allows_whole_path(&self, path: &str) -> bool {
        !self.and && self.paths.iter().any(|p| p.is_match(path))
    }
}

fn commit_matches(allowed: &str, id: &str) -> bool {
    !allowed.is_empty() && id.starts_with(allowed)
}

/// A set of rules and global allowlists.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub allowlists: Vec<Allowlist>,
    /// Where the rules came from, for evidence ("built-in rules", ".gitleaks.toml").
    pub source: String,
}

/// Compile a regex the way every rule is compiled: over bytes (non-UTF-8 input is fine),
/// ASCII classes (as in Go's RE2, which gitleaks uses), generous size limits.
pub fn compile_bytes(pattern: &str) -> Result<regex::bytes::Regex, regex::Error> {
    let build = |unicode: bool| {
        regex::bytes::RegexBuilder::new(pattern)
            .unicode(unicode)
            .size_limit(64 << 20)
            .dfa_size_limit(64 << 20)
            .build()
    };
    build(false).or_else(|_| build(true))
}

/// One secret found, as reported. Holds no secret in full.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SecretFinding {
    pub rule_id: String,
    pub description: String,
    pub family: String,
    /// Path relative to the scanned root, forward slashes.
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The secret as it may be shown: a short prefix and the length.
    pub secret: String,
    pub entropy: f64,
    /// Stable across line moves: hash of rule, path and secret.
    pub fingerprint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<CommitRef>,
}

/// The commit that introduced a secret found in history.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CommitRef {
    pub id: String,
    /// Commit date, RFC 3339 UTC.
    pub date: String,
}

/// The fingerprint of a finding: first 16 bytes of SHA-256 over rule, path and secret, hex.
pub fn fingerprint(rule_id: &str, path: &str, secret: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0]);
    h.update(path.as_bytes());
    h.update([0]);
    h.update(secret);
    hex::encode(&h.finalize()[..16])
}

/// Something about the scan a reader should know (a capped file, an unreadable one).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ScanNote {
    pub file: String,
    pub kind: NoteKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum NoteKind {
    /// Only the first `max_file_size` bytes were scanned.
    Capped,
    /// The file could not be read.
    Unreadable,
}

/// Counters of one scan.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ScanStats {
    pub files_scanned: usize,
    pub bytes_scanned: u64,
    pub binary_skipped: usize,
    pub allowlisted_paths: usize,
    #[serde(skip_serializing_if = "is_zero")]
    pub commits: usize,
    #[serde(skip_serializing_if = "is_zero")]
    pub blobs_scanned: usize,
    pub baselined: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The result of a scan.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanReport {
    pub findings: Vec<SecretFinding>,
    pub notes: Vec<ScanNote>,
    pub stats: ScanStats,
}

impl ScanReport {
    fn sort(&mut self) {
        self.findings.sort_by(|a, b| {
            (&a.file, a.line, a.column, &a.rule_id).cmp(&(&b.file, b.line, b.column, &b.rule_id))
        });
        self.notes.sort_by(|a, b| a.file.cmp(&b.file));
    }

    /// Drop findings a `.gitleaksignore` lists; counts them with the baselined ones.
    pub fn apply_ignore(&mut self, ignore: &gitleaks::IgnoreList) {
        let before = self.findings.len();
        self.findings.retain(|f| !ignore.ignores(f));
        self.stats.baselined += before - self.findings.len();
    }

    /// Drop findings whose fingerprint the baseline knows; counts them.
    pub fn apply_baseline(&mut self, baseline: &Baseline) {
        let before = self.findings.len();
        self.findings.retain(|f| !baseline.contains(&f.fingerprint));
        self.stats.baselined += before - self.findings.len();
    }
}

/// Options of a scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub max_file_size: u64,
    /// Worker threads; 0 = available parallelism.
    pub threads: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            threads: 0,
        }
    }
}

fn threads(n: usize) -> usize {
    if n > 0 {
        n
    } else {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    }
}

/// Scans the given working-tree files in parallel.
pub fn scan_files(scanner: &Scanner, files: &[RepoFile], opts: &ScanOptions) -> ScanReport {
    let next = AtomicUsize::new(0);
    let n = threads(opts.threads).min(files.len().max(1));
    // The workers keep the caller's deadline (a check's): past it they stop taking files.
    let deadline = gonogo_repo::read::deadline();
    let mut parts: Vec<ScanReport> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|_| {
                s.spawn(|| {
                    gonogo_repo::read::with_deadline(deadline, || {
                        let mut out = ScanReport::default();
                        while !gonogo_repo::read::past_deadline() {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(file) = files.get(i) else { break };
                            scan_one_file(scanner, file, opts, &mut out);
                        }
                        out
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut report = ScanReport::default();
    for p in parts.iter_mut() {
        report.findings.append(&mut p.findings);
        report.notes.append(&mut p.notes);
        let s = &p.stats;
        report.stats.files_scanned += s.files_scanned;
        report.stats.bytes_scanned += s.bytes_scanned;
        report.stats.binary_skipped += s.binary_skipped;
        report.stats.allowlisted_paths += s.allowlisted_paths;
    }
    report.sort();
    report
}

fn scan_one_file(scanner: &Scanner, file: &RepoFile, opts: &ScanOptions, out: &mut ScanReport) {
    if scanner.path_fully_allowed(&file.rel, None) {
        out.stats.allowlisted_paths += 1;
        return;
    }
    let (bytes, capped) = match file.read_head(opts.max_file_size) {
        Ok(head) => (head.bytes, head.cut),
        Err(e) => {
            out.notes.push(ScanNote {
                file: file.rel.clone(),
                kind: NoteKind::Unreadable,
                message: format!("could not read: {e}"),
            });
            return;
        }
    };
    let result = scanner.scan_bytes(&file.rel, &bytes);
    if result.binary {
        out.stats.binary_skipped += 1;
        return;
    }
    out.stats.files_scanned += 1;
    out.stats.bytes_scanned += bytes.len() as u64;
    if capped {
        out.notes.push(ScanNote {
            file: file.rel.clone(),
            kind: NoteKind::Capped,
            message: format!(
                "{} bytes, only the first {} scanned",
                file.size, opts.max_file_size
            ),
        });
    }
    for raw in result.findings {
        out.findings.push(scanner.finding(&raw, &file.rel, None));
    }
}

/// Files of a directory, walked as the check walks the repository (honours `.gitignore`).
pub fn walk_dir(root: &Path) -> std::sync::Arc<RepoFiles> {
    std::sync::Arc::new(gonogo_repo::walk(root, true))
}

/// A baseline larger than this is not read.
pub const MAX_BASELINE_BYTES: u64 = 64 << 20;

/// A baseline: fingerprints of known findings that no longer fail a scan.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
    #[serde(skip)]
    set: BTreeSet<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub rule_id: String,
    pub file: String,
}

impl Baseline {
    pub fn from_findings(findings: &[SecretFinding]) -> Self {
        let mut seen = BTreeSet::new();
        let mut entries: Vec<BaselineEntry> = findings
            .iter()
            .filter(|f| seen.insert(f.fingerprint.clone()))
            .map(|f| BaselineEntry {
                fingerprint: f.fingerprint.clone(),
                rule_id: f.rule_id.clone(),
                file: f.file.clone(),
            })
            .collect();
        entries.sort_by(|a, b| (&a.file, &a.fingerprint).cmp(&(&b.file, &b.fingerprint)));
        Baseline {
            version: 1,
            findings: entries,
            set: seen,
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let mut b: Baseline = serde_json::from_str(text)
            .map_err(|e| format!("not a gonogo baseline (line {}): {e}", e.line()))?;
        if b.version != 1 {
            return Err(format!("unsupported baseline version {}", b.version));
        }
        b.set = b.findings.iter().map(|e| e.fingerprint.clone()).collect();
        Ok(b)
    }

    pub fn load(path: &Path) -> Result<Self, String> {
        let text =
            read_text(path, MAX_BASELINE_BYTES).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn contains(&self, fp: &str) -> bool {
        self.set.contains(fp)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("baseline serialises") + "\n"
    }
}

/// Where the rules come from.
#[derive(Debug, Clone, Default)]
pub enum RuleSource {
    /// `.gitleaks.toml` in the root if present, else the built-in rules.
    #[default]
    Auto,
    /// A gitleaks config file.
    Gitleaks(PathBuf),
}

/// Loads the rule set for a scan of `root`. An absolute config path is the user's choice and
/// read as named; a relative one, and the root's own `.gitleaks.toml`, must resolve inside
/// `root`.
pub fn load_rules(root: &Path, source: &RuleSource) -> Result<RuleSet, String> {
    match source {
        RuleSource::Gitleaks(p) if p.is_absolute() => gitleaks::load(p),
        RuleSource::Gitleaks(p) => gitleaks::load_in_repo(root, &root.join(p)),
        RuleSource::Auto => {
            let p = root.join(".gitleaks.toml");
            if std::fs::symlink_metadata(&p).is_ok() {
                gitleaks::load_in_repo(root, &p)
            } else {
                Ok(rules::builtin_rules())
            }
        }
    }
}
