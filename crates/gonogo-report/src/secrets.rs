//! `gonogo secrets`' outputs: a secret scan as lines for a person, JSON, or SARIF.

use crate::sarif::{SarifResult, locations, log, rule};
use gonogo_secrets::{ScanReport, SecretFinding};
use serde_json::{Value, json};

fn location(f: &SecretFinding) -> String {
    format!("{}:{}:{}", f.file, f.line, f.column)
}

/// Human-readable: one line per finding, notes, a summary line. `rules` names the rule set.
pub fn tty(report: &ScanReport, rules: &str) -> String {
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
        rules
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
pub fn json(report: &ScanReport, rules: &str) -> String {
    let v = json!({
        "version": 1,
        "rules": rules,
        "findings": report.findings,
        "notes": report.notes,
        "stats": report.stats,
    });
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

/// SARIF 2.1.0. `partialFingerprints` hold the finding's fingerprint (rule, path, secret), so
/// code-scanning services track a secret across line moves.
pub fn sarif(report: &ScanReport, version: &str) -> String {
    let mut rules: Vec<&SecretFinding> = Vec::new();
    for f in &report.findings {
        if !rules.iter().any(|r| r.rule_id == f.rule_id) {
            rules.push(f);
        }
    }
    rules.sort_by(|a, b| a.rule_id.cmp(&b.rule_id));
    let rule_json: Vec<Value> = rules
        .iter()
        .map(|r| {
            rule(
                &r.rule_id,
                &r.description,
                json!({
                    "defaultConfiguration": { "level": "error" },
                    "properties": { "tags": ["security", "secret", r.family] },
                }),
            )
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            SarifResult {
                rule_id: &f.rule_id,
                rule_index: rules
                    .iter()
                    .position(|r| r.rule_id == f.rule_id)
                    .unwrap_or(0),
                level: "error",
                message: format!("{}: {}", f.description, f.secret),
                locations: locations(&f.file, Some(f.line), Some(f.column), None),
                fingerprint: ("gonogoSecret/v1", f.fingerprint.clone()),
                properties: f
                    .commit
                    .as_ref()
                    .map(|c| json!({ "commit": c.id, "commitDate": c.date })),
            }
            .to_json()
        })
        .collect();
    log(version, rule_json, results, json!({}))
}
