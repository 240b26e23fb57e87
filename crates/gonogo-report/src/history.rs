//! `gonogo history`: past runs with verdict, score, counts and commit.

use gonogo_core::Status;
use gonogo_store::RunSummary;
use gonogo_store::clock::minute_of;
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryFormat {
    Text,
    Json,
}

/// A run's counts as stored (JSON: status -> count).
fn counts_of(json: &str) -> std::collections::BTreeMap<String, usize> {
    serde_json::from_str(json).unwrap_or_default()
}

/// Runs, newest first: a table, or JSON.
pub fn history(runs: &[RunSummary], format: HistoryFormat) -> String {
    if format == HistoryFormat::Json {
        let v: Vec<serde_json::Value> = runs
            .iter()
            .map(|r| {
                serde_json::json!({
                    "run": r.id,
                    "at": minute_of(r.at),
                    "checklist": r.checklist,
                    "checklist_hash": r.checklist_hash,
                    "commit": r.commit,
                    "decision": r.decision,
                    "verdict": r.verdict,
                    "score": r.score,
                    "counts": counts_of(&r.counts),
                    "items": r.item_count,
                    "by": r.actor,
                })
            })
            .collect();
        return serde_json::to_string_pretty(&v).unwrap_or_default() + "\n";
    }
    if runs.is_empty() {
        return "no runs recorded\n".into();
    }
    let mut out = String::new();
    let cols = [
        Status::Pass,
        Status::Attested,
        Status::Waived,
        Status::Fail,
        Status::Error,
        Status::Warn,
        Status::Manual,
    ];
    let _ = writeln!(
        out,
        "{:>5}  {:<16}  {:<18}  {:>5}  {:>4} {:>4} {:>4} {:>4} {:>4} {:>4} {:>4}  {:<8}  CHECKLIST",
        "RUN",
        "WHEN (UTC)",
        "VERDICT",
        "SCORE",
        "pass",
        "att",
        "waiv",
        "fail",
        "err",
        "warn",
        "man",
        "COMMIT"
    );
    for r in runs {
        let counts = counts_of(&r.counts);
        let n: Vec<String> = cols
            .iter()
            .map(|s| format!("{:>4}", counts.get(s.as_str()).copied().unwrap_or(0)))
            .collect();
        let score = r
            .score
            .map(|s| format!("{s:.1}"))
            .unwrap_or_else(|| "-".into());
        let commit = r
            .commit
            .as_deref()
            .map(|c| &c[..c.len().min(8)])
            .unwrap_or("-");
        let _ = writeln!(
            out,
            "{:>5}  {:<16}  {:<18}  {:>5}  {}  {:<8}  {}",
            r.id,
            minute_of(r.at),
            r.verdict,
            score,
            n.join(" "),
            commit,
            r.checklist
        );
    }
    out
}
