//! `gonogo history`: past runs with verdict, score, counts and commit.

use gonogo_core::Status;
use gonogo_store::clock::minute_of;
use gonogo_store::{RunAudit, RunSummary};
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

/// How the audit log's verdict on a run is named, and the problem when there is one.
fn audit_of(run: &RunSummary) -> (&'static str, Option<&str>) {
    match &run.audit {
        RunAudit::Intact => ("intact", None),
        RunAudit::ItemsUnaudited => ("items-unaudited", None),
        RunAudit::Broken(why) => ("broken", Some(why)),
    }
}

/// How a run's project is shown: rows recorded before projects were told apart have none.
fn project_of(run: &RunSummary) -> &str {
    run.project.as_deref().unwrap_or("before projects")
}

/// Runs, newest first: a table, or JSON. A run the audit log does not vouch for is flagged
/// (`!` and a note naming what changed); one recorded before run items were audited is
/// marked `*`. The project is shown when the runs are of more than one.
pub fn history(runs: &[RunSummary], format: HistoryFormat) -> String {
    if format == HistoryFormat::Json {
        let v: Vec<serde_json::Value> = runs
            .iter()
            .map(|r| {
                let (audit, problem) = audit_of(r);
                serde_json::json!({
                    "run": r.id,
                    "at": minute_of(r.at),
                    "project": r.project,
                    "checklist": r.checklist,
                    "checklist_hash": r.checklist_hash,
                    "commit": r.commit,
                    "decision": r.decision,
                    "verdict": r.verdict,
                    "score": r.score,
                    "counts": counts_of(&r.counts),
                    "items": r.item_count,
                    "by": r.actor,
                    "audit": audit,
                    "audit_problem": problem,
                })
            })
            .collect();
        return serde_json::to_string_pretty(&v).unwrap_or_default() + "\n";
    }
    if runs.is_empty() {
        return "no runs recorded\n".into();
    }
    let mut out = String::new();
    let many_projects = runs.iter().any(|r| r.project != runs[0].project);
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
        let mark = match r.audit {
            RunAudit::Intact => "",
            RunAudit::ItemsUnaudited => "*",
            RunAudit::Broken(_) => "!",
        };
        let project = if many_projects {
            format!("  ({})", project_of(r))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{:>5}  {:<16}  {:<18}  {:>5}  {}  {:<8}  {}{project}",
            format!("{}{mark}", r.id),
            minute_of(r.at),
            r.verdict,
            score,
            n.join(" "),
            commit,
            r.checklist
        );
    }
    let mut notes = String::new();
    for r in runs {
        if let (_, Some(problem)) = audit_of(r) {
            let _ = writeln!(notes, "! run {}: {problem}", r.id);
        }
    }
    if runs.iter().any(|r| r.audit == RunAudit::ItemsUnaudited) {
        notes.push_str(
            "* recorded before run items were audited: the run is as recorded, its items are not covered\n",
        );
    }
    if !notes.is_empty() {
        out.push('\n');
        out.push_str(&notes);
    }
    out
}
