//! `gonogo diff`: what changed between two recorded runs.

use gonogo_core::Status;
use gonogo_store::clock::minute_of;
use gonogo_store::{RunItem, StoredRun};
use std::fmt::Write as _;

/// Two runs item by item: newly failing, fixed, newly waived, no longer waived, newly
/// attested, other changes, added, removed; then how many stayed the same.
pub fn diff(a: &StoredRun, b: &StoredRun) -> String {
    let status = |s: &str| Status::parse(s).unwrap_or(Status::Error);
    let before: std::collections::HashMap<&str, &RunItem> =
        a.items.iter().map(|i| (i.item_id.as_str(), i)).collect();
    let after_ids: std::collections::HashSet<&str> =
        b.items.iter().map(|i| i.item_id.as_str()).collect();
    let bad = |s: Status| matches!(s, Status::Fail | Status::Error);
    let mut groups: Vec<(&str, Vec<String>)> = [
        "newly failing",
        "fixed",
        "newly waived",
        "no longer waived",
        "newly attested",
        "other changes",
        "added",
        "removed",
    ]
    .into_iter()
    .map(|g| (g, Vec::new()))
    .collect();
    let mut unchanged = 0;
    let line = |i: &RunItem, change: &str| {
        format!(
            "  line {:>4}  {}  {change}\n             {}",
            i.line, i.item_id, i.text
        )
    };
    for item in &b.items {
        let now = status(&item.status);
        let Some(prev) = before.get(item.item_id.as_str()) else {
            groups[6].1.push(line(item, now.as_str()));
            continue;
        };
        let was = status(&prev.status);
        if was == now {
            unchanged += 1;
            continue;
        }
        let change = format!("{was} → {now}");
        let g = if bad(now) && !bad(was) {
            0
        } else if now.is_passing() && now != Status::Attested && !was.is_passing() {
            1
        } else if now == Status::Waived {
            2
        } else if was == Status::Waived {
            3
        } else if now == Status::Attested {
            4
        } else {
            5
        };
        groups[g].1.push(line(item, &change));
    }
    for item in &a.items {
        if !after_ids.contains(item.item_id.as_str()) {
            groups[7]
                .1
                .push(line(item, &format!("was {}", item.status)));
        }
    }
    let head = |r: &StoredRun| {
        format!(
            "run {} ({} UTC, {}, score {})",
            r.summary.id,
            minute_of(r.summary.at),
            r.summary.verdict,
            r.summary
                .score
                .map(|s| format!("{s:.1}"))
                .unwrap_or_else(|| "-".into())
        )
    };
    let mut out = format!("{}\n  → {}\n", head(a), head(b));
    if a.summary.checklist_hash != b.summary.checklist_hash {
        out.push_str("  (the checklist changed between the runs)\n");
    }
    for (name, lines) in &groups {
        if lines.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{name} ({}):", lines.len());
        for l in lines {
            let _ = writeln!(out, "{l}");
        }
    }
    let s = if unchanged == 1 { "" } else { "s" };
    let _ = writeln!(out, "\n{unchanged} item{s} unchanged");
    out
}
