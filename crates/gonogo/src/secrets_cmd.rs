//! `gonogo secrets`: the secret scanner on its own, for a directory and its git history.
//! Exit codes: 0 nothing found, 1 secrets found, 2 gonogo could not run.

use anyhow::Context;
use gonogo_engine::secrets::{DEFAULT_MAX_FILE_SIZE, SecretsRequest, scan};
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
    /// Bytes scanned per file (at most 64 MiB); larger files are scanned in part, with a note.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_FILE_SIZE)]
    pub max_file_size: u64,
    /// Worker threads [default: one per core].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

pub fn secrets(args: SecretsArgs) -> anyhow::Result<u8> {
    let request = SecretsRequest {
        root: args.path.clone().unwrap_or_else(|| PathBuf::from(".")),
        history: args.history,
        since: args.since.clone(),
        branches: args.branch.clone(),
        baseline: args.baseline.clone(),
        config: args.config.clone(),
        max_file_size: args.max_file_size,
        threads: args.threads.unwrap_or(0),
        now: None,
    };
    let scan = scan(&request, args.write_baseline.is_some())?;
    if let Some(path) = &args.write_baseline {
        let b = scan.baseline();
        std::fs::write(path, b.to_json()).with_context(|| format!("writing {}", path.display()))?;
        eprintln!(
            "wrote {} fingerprint(s) to {}",
            b.findings.len(),
            path.display()
        );
        return Ok(0);
    }
    let text = match args.format {
        SecretsFormat::Tty => gonogo_report::secrets::tty(&scan.report, &scan.rules),
        SecretsFormat::Json => gonogo_report::secrets::json(&scan.report, &scan.rules),
        SecretsFormat::Sarif => {
            gonogo_report::secrets::sarif(&scan.report, env!("CARGO_PKG_VERSION"))
        }
    };
    match &args.output {
        Some(p) => std::fs::write(p, &text).with_context(|| format!("writing {}", p.display()))?,
        None => print!("{text}"),
    }
    Ok(if scan.report.findings.is_empty() {
        0
    } else {
        1
    })
}
