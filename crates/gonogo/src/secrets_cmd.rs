//! `gonogo secrets`: the secret scanner on its own, for a directory and its git history.
//! Exit codes: 0 nothing found, 1 secrets found, 2 gonogo could not run.

use anyhow::{Context, bail};
use gonogo_secrets::history::{HistoryOptions, parse_since, scan_history};
use gonogo_secrets::{
    Baseline, DEFAULT_MAX_FILE_SIZE, RuleSource, ScanOptions, ScanReport, Scanner, SecretFinding,
    load_rules, scan_files, walk_dir,
};
use serde_json::json;
use std::path::PathBuf;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SecretsFormat {
    /// One line per finding, then a summary.
    Tty,
    Json,
    /// SARIF 2.1.0 with stable partialFingerprints.
    Sarif,
}

#[derive(clap::Args)]
pub struct SecretsArgs {
    /// Directory to scan (honours .gitignore) [default: the current directory].
    pub path: Option<PathBuf>,
    /// Also scan every commit reachable from the branches (each blob once).
    #[arg(long)]
    pub history: bool,
    /// With --history: only commits since a date (2024-05-01) or an age (90d).
    #[arg(long, value_name = "DATE|AGE", requires = "history")]
    pub since: Option<String>,
    /// With --history: scan this branch (repeatable) [default: every ref].
    #[arg(long, value_name = "NAME", requires = "history")]
    pub branch: Vec<String>,
    /// Known findings: fingerprints in this file do not fail the scan.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write every current finding's fingerprint to this baseline file and exit 0.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// gitleaks config to use [default: PATH/.gitleaks.toml if present, else the built-in rules].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "tty")]
    pub format: SecretsFormat,
    /// Write the report here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Bytes scanned per file; larger files are scanned in part, with a note.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_FILE_SIZE)]
    pub max_file_size: u64,
    /// Worker threads [default: one per core].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

pub fn secrets(args: SecretsArgs) -> anyhow::Result<u8> {
    let root = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    if !root.is_dir() {
        bail!("{}: not a directory", root.display());
    }
    if args.max_file_size == 0 {
        bail!("--max-file-size must be at least 1");
    }
    let source = match &args.config {
        Some(p) => RuleSource::Gitleaks(std::env::current_dir()?.join(p)),
        None => RuleSource::Auto,
    };
    let rules = load_rules(&root, &source).map_err(|e| anyhow::anyhow!("config: {e}"))?;
    let baseline = match &args.baseline {
        Some(p) => Some(Baseline::load(p).map_err(|e| anyhow::anyhow!("baseline: {e}"))?),
        None => None,
    };
    let since = match &args.since {
        Some(s) => {
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            Some(parse_since(s, now).map_err(|e| anyhow::anyhow!("--since: {e}"))?)
        }
        None => None,
    };
    let scanner = Scanner::new(rules);
    let opts = ScanOptions {
        max_file_size: args.max_file_size,
        threads: args.threads.unwrap_or(0),
    };

    let walked = walk_dir(&root);
    let mut report = scan_files(&scanner, &walked.files, &opts);
    if args.history {
        let hist = HistoryOptions {
            branches: args.branch.clone(),
            since,
        };
        let h = scan_history(&root, &scanner, &hist, &opts)
            .map_err(|e| anyhow::anyhow!("history: {e}"))?;
        let known: std::collections::HashSet<String> = report
            .findings
            .iter()
            .map(|f| f.fingerprint.clone())
            .collect();
        report.findings.extend(
            h.findings
                .into_iter()
                .filter(|f| !known.contains(&f.fingerprint)),
        );
        report.notes.extend(h.notes);
        report.stats.commits = h.stats.commits;
        report.stats.blobs_scanned = h.stats.blobs_scanned;
        report.stats.bytes_scanned += h.stats.bytes_scanned;
    }

    if let Some(path) = &args.write_baseline {
        let b = Baseline::from_findings(&report.findings);
        std::fs::write(path, b.to_json()).with_context(|| format!("writing {}", path.display()))?;
        eprintln!(
            "wrote {} fingerprint(s) to {}",
            b.findings.len(),
            path.display()
        );
        return Ok(0);
    }
    if let Some(b) = &baseline {
        report.apply_baseline(b);
    }
    // A team switching from gitleaks keeps its ignore list.
    let ignore =
        gonogo_secrets::gitleaks::IgnoreList::load(&root).map_err(|e| anyhow::anyhow!("{e}"))?;
    report.apply_ignore(&ignore);

    let text = match args.format {
        SecretsFormat::Tty => render_tty(&report, scanner.source()),
        SecretsFormat::Json => render_json(&report, scanner.source()),
        SecretsFormat::Sarif => render_sarif(&report),
    };
    match &args.output {
        Some(p) => std::fs::write(p, &text).with_context(|| format!("writing {}", p.display()))?,
        None => print!("{text}"),
    }
    Ok(if report.findings.is_empty() { 0 } else { 1 })
}

fn location(f: &SecretFinding) -> String {
    format!("{}:{}:{}", f.file, f.line, f.column)
}

/// Human-readable: one line per finding, notes, a summary line.
pub fn render_tty(report: &ScanReport, source: &str) -> String {
    let mut out = String::new();
    for f in &report.findings {
        out.push_str(&format!(
            "{}  {}  {}  {}",
            location(f),
            f.rule_id,
            f.description,
            f.secret
        ));
        if let Some(c) = &f.commit {
            out.push_str(&format!(
                "  commit {} {}",
                &c.id[..c.id.len().min(12)],
                &c.date[..c.date.len().min(10)]
            ));
        }
        out.push('\n');
    }
    for n in &report.notes {
        out.push_str(&format!("note: {}: {}\n", n.file, n.message));
    }
    if !report.findings.is_empty() || !report.notes.is_empty() {
        out.push('\n');
    }
    let s = &report.stats;
    let files: std::collections::BTreeSet<&str> =
        report.findings.iter().map(|f| f.file.as_str()).collect();
    let mut scanned = format!(
        "{} file{}, {} bytes scanned with {}",
        s.files_scanned,
        if s.files_scanned == 1 { "" } else { "s" },
        s.bytes_scanned,
        source
    );
    if s.commits > 0 || s.blobs_scanned > 0 {
        scanned.push_str(&format!(
            "; history: {} commits, {} blobs",
            s.commits, s.blobs_scanned
        ));
    }
    if s.binary_skipped > 0 {
        scanned.push_str(&format!("; {} binary skipped", s.binary_skipped));
    }
    if s.baselined > 0 {
        scanned.push_str(&format!("; {} in the baseline", s.baselined));
    }
    let n = report.findings.len();
    if n == 0 {
        out.push_str(&format!("no secrets found ({scanned})\n"));
    } else {
        out.push_str(&format!(
            "{n} secret{} found in {} file{} ({scanned})\n",
            if n == 1 { "" } else { "s" },
            files.len(),
            if files.len() == 1 { "" } else { "s" },
        ));
    }
    out
}

/// JSON, versioned: rule id, file, line, column, commit per finding; secrets redacted.
pub fn render_json(report: &ScanReport, source: &str) -> String {
    let v = json!({
        "version": 1,
        "rules": source,
        "findings": report.findings,
        "notes": report.notes,
        "stats": report.stats,
    });
    serde_json::to_string_pretty(&v).expect("json") + "\n"
}

/// SARIF 2.1.0. `partialFingerprints` hold the finding's fingerprint (rule, path, secret), so
/// code-scanning services track a secret across line moves.
pub fn render_sarif(report: &ScanReport) -> String {
    let mut rules: Vec<&SecretFinding> = Vec::new();
    for f in &report.findings {
        if !rules.iter().any(|r| r.rule_id == f.rule_id) {
            rules.push(f);
        }
    }
    rules.sort_by(|a, b| a.rule_id.cmp(&b.rule_id));
    let rule_json: Vec<_> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.rule_id,
                "name": r.rule_id,
                "shortDescription": { "text": r.description },
                "defaultConfiguration": { "level": "error" },
                "properties": { "tags": ["security", "secret", r.family] },
            })
        })
        .collect();
    let results: Vec<_> = report
        .findings
        .iter()
        .map(|f| {
            let index = rules
                .iter()
                .position(|r| r.rule_id == f.rule_id)
                .unwrap_or(0);
            let mut result = json!({
                "ruleId": f.rule_id,
                "ruleIndex": index,
                "level": "error",
                "message": { "text": format!("{}: {}", f.description, f.secret) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": f.file },
                        "region": { "startLine": f.line, "startColumn": f.column },
                    }
                }],
                "partialFingerprints": { "gonogoSecret/v1": f.fingerprint },
            });
            if let Some(c) = &f.commit {
                result["properties"] = json!({ "commit": c.id, "commitDate": c.date });
            }
            result
        })
        .collect();
    let v = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "gonogo",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rule_json,
            }},
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&v).expect("sarif") + "\n"
}
