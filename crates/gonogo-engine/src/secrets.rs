//! `gonogo secrets` as a library call: the working tree and, when asked, the git history
//! scanned for secrets, with the baseline and gitleaks' ignore list applied.

use crate::error::{Error, Result};
use gonogo_secrets::history::{HistoryOptions, parse_since, scan_history};
use gonogo_secrets::{
    Baseline, MAX_FILE_SIZE_CEILING, RuleSource, ScanOptions, ScanReport, Scanner, load_rules,
    scan_files, walk_dir,
};
use std::path::PathBuf;

/// Bytes scanned per file unless the request says otherwise.
pub use gonogo_secrets::DEFAULT_MAX_FILE_SIZE;

/// What to scan and how.
#[derive(Debug, Clone, Default)]
pub struct SecretsRequest {
    /// The directory (honours `.gitignore`).
    pub root: PathBuf,
    /// Also every commit reachable from the branches (each blob once).
    pub history: bool,
    /// With `history`: only commits since a date (2024-05-01) or an age (90d).
    pub since: Option<String>,
    /// With `history`: these branches [default: every ref].
    pub branches: Vec<String>,
    /// Known findings: fingerprints in this file do not count.
    pub baseline: Option<PathBuf>,
    /// A gitleaks config [default: ROOT/.gitleaks.toml if present, else the built-in rules].
    pub config: Option<PathBuf>,
    pub max_file_size: u64,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Unix seconds, for `since` given as an age [default: the system clock].
    pub now: Option<i64>,
}

/// A finished scan and the name of the rule set it used.
pub struct SecretsScan {
    pub report: ScanReport,
    pub rules: String,
}

impl SecretsScan {
    /// A baseline holding every current finding.
    pub fn baseline(&self) -> Baseline {
        Baseline::from_findings(&self.report.findings)
    }
}

/// Scan; the baseline is not applied when `for_baseline` (the findings become the baseline).
pub fn scan(req: &SecretsRequest, for_baseline: bool) -> Result<SecretsScan> {
    let root = &req.root;
    if !root.is_dir() {
        return Err(Error::input(format!("{}: not a directory", root.display())));
    }
    if req.max_file_size == 0 {
        return Err(Error::input("--max-file-size must be at least 1"));
    }
    if req.max_file_size > MAX_FILE_SIZE_CEILING {
        return Err(Error::input(format!(
            "--max-file-size must be at most {MAX_FILE_SIZE_CEILING} (64 MiB)"
        )));
    }
    let source = match &req.config {
        Some(p) => RuleSource::Gitleaks(
            std::env::current_dir()
                .map_err(|e| Error::input(format!("cannot read the working directory: {e}")))?
                .join(p),
        ),
        None => RuleSource::Auto,
    };
    let rules = load_rules(root, &source).map_err(|e| Error::input(format!("config: {e}")))?;
    let baseline = match &req.baseline {
        Some(p) => Some(Baseline::load(p).map_err(|e| Error::input(format!("baseline: {e}")))?),
        None => None,
    };
    let since = match &req.since {
        Some(s) => Some(
            parse_since(
                s,
                req.now
                    .unwrap_or_else(|| gonogo_store::Clock::unix(&gonogo_store::SystemClock)),
            )
            .map_err(|e| Error::input(format!("--since: {e}")))?,
        ),
        None => None,
    };
    let scanner = Scanner::new(rules);
    let opts = ScanOptions {
        max_file_size: req.max_file_size,
        threads: req.threads,
    };

    let walked = walk_dir(root);
    let mut report = scan_files(&scanner, &walked.files, &opts);
    if req.history {
        let hist = HistoryOptions {
            branches: req.branches.clone(),
            since,
        };
        let h = scan_history(root, &scanner, &hist, &opts)
            .map_err(|e| Error::input(format!("history: {e}")))?;
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
    let rules = scanner.source().to_string();
    if for_baseline {
        return Ok(SecretsScan { report, rules });
    }
    if let Some(b) = &baseline {
        report.apply_baseline(b);
    }
    // A team switching from gitleaks keeps its ignore list.
    let ignore = gonogo_secrets::gitleaks::IgnoreList::load(root).map_err(Error::Input)?;
    report.apply_ignore(&ignore);
    Ok(SecretsScan { report, rules })
}
