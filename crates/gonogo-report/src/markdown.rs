//! Markdown write-back: the checklist as the author wrote it, with `[x]` on passing items and
//! a short evidence note at the end of each evaluated item's first line.
//!
//! Only those lines change, and only by the box and the note; a note from an earlier
//! write-back is replaced, so writing back twice gives the same file. A note carries nothing
//! that changes from one run to the next on the same checklist and repository (durations,
//! timestamps, ages): the written-back file is byte-stable.

use gonogo_checklist::{Checklist, ItemKind};
use gonogo_core::Status;
use gonogo_core::decide::{ItemReport, Report};

/// The note's delimiters. The parser recognises them and leaves them out of the item's text,
/// so ids and bindings do not change when a written-back checklist is checked again.
pub const NOTE_OPEN: &str = gonogo_checklist::NOTE_OPEN;
pub const NOTE_CLOSE: &str = gonogo_checklist::NOTE_CLOSE;

/// Longest note summary, in characters.
const NOTE_MAX: usize = 140;

/// What stands in for a value that changes between runs.
const VOLATILE: &str = "…";

/// The summary without values that change between two runs on unchanged input: timestamps,
/// ages and remaining times ("3 days ago", "12 days left"), and durations ("in 12 ms").
fn without_volatile(summary: &str) -> std::borrow::Cow<'_, str> {
    use regex::Regex;
    use std::sync::LazyLock;
    static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?",
        )
        .expect("timestamp pattern")
    });
    static AGE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b\d+(?:\.\d+)? ?(?:seconds?|minutes?|min|hours?|days?|weeks?|months?|years?|[smhd]) (ago|left|old)\b")
            .expect("age pattern")
    });
    static DURATION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b\d+(?:\.\d+)? ?(?:ns|µs|us|ms|s)\b").expect("duration pattern")
    });
    let s = TIMESTAMP.replace_all(summary, VOLATILE);
    let s = match AGE.replace_all(&s, format!("{VOLATILE} $1")) {
        std::borrow::Cow::Borrowed(_) => s,
        std::borrow::Cow::Owned(o) => o.into(),
    };
    // A duration that states a bound ("bound 500 ms", "p95 < 2 s") is part of the requirement,
    // not a measurement: it stays.
    let text = s.clone();
    let replaced = DURATION.replace_all(&text, |c: &regex::Captures<'_>| {
        let at = c.get(0).map_or(0, |m| m.start());
        if states_a_bound(&text[..at]) {
            c[0].to_string()
        } else {
            VOLATILE.to_string()
        }
    });
    match replaced {
        std::borrow::Cow::Borrowed(_) => s,
        std::borrow::Cow::Owned(o) => o.into(),
    }
}

/// Whether the text before a value ends with words that make the value a bound.
fn states_a_bound(before: &str) -> bool {
    const BOUND_WORDS: &[&str] = &[
        "bound",
        "limit",
        "threshold",
        "max",
        "maximum",
        "min",
        "minimum",
        "budget",
        "within",
        "under",
        "over",
        "below",
        "above",
        "target",
        "timeout",
        "<",
        ">",
        "≤",
        "≥",
        "<=",
        ">=",
        "=",
    ];
    let before = before.trim_end().trim_end_matches([':', '(']).trim_end();
    let last = before
        .rsplit(|c: char| c.is_whitespace() || c == '(' || c == ',')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    BOUND_WORDS.contains(&last.as_str())
}

fn note(item: &ItemReport) -> String {
    let mut summary: String = without_volatile(&item.evidence.summary)
        .chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            c => c,
        })
        .collect();
    if summary.chars().count() > NOTE_MAX {
        summary = summary.chars().take(NOTE_MAX - 1).collect::<String>() + "…";
    }
    // The note must not open markup of its own.
    let summary = summary
        .replace('<', "‹")
        .replace('>', "›")
        .replace('|', "¦");
    let mut what = match item.check {
        Some(check) => format!("{} ({check})", item.status),
        None => item.status.to_string(),
    };
    if let Some(n) = &item.signoff {
        what = signed(n)
            .replace('<', "‹")
            .replace('>', "›")
            .replace('|', "¦");
        if !n.expired && item.check.is_none() {
            // A person decided this item: who and until when is the whole note.
            return format!("{NOTE_OPEN}{what}{NOTE_CLOSE}");
        }
    }
    if summary.is_empty() {
        format!("{NOTE_OPEN}{what}{NOTE_CLOSE}")
    } else {
        format!("{NOTE_OPEN}{what} — {summary}{NOTE_CLOSE}")
    }
}

/// Whether write-back touches this item: it was evaluated (a check ran, or its status derives
/// from sub-items that did), or a person's attestation or a waiver decided it.
fn evaluated(item: &ItemReport) -> bool {
    item.check.is_some()
        || matches!(item.status, Status::Attested | Status::Waived)
        || (item.derived && item.status != Status::Skipped)
}

/// "approved by Jane Roe <jane@example.com> on 2026-11-22", "waived by Sam Poe until
/// 2026-12-31: vendor fix due", "attestation by Jane Roe expired after 2026-12-22".
fn signed(n: &gonogo_core::decide::SignoffNote) -> String {
    use gonogo_core::decide::SignoffKind;
    if n.expired {
        return n.expiry_text();
    }
    let what = match n.kind {
        SignoffKind::Attested => "attested",
        SignoffKind::Approved => "approved",
        SignoffKind::Waived => "waived",
    };
    let until = match (&n.until, n.kind) {
        (Some(u), _) => format!(" until {u}"),
        (None, _) => String::new(),
    };
    let reason = match (n.kind, &n.reason) {
        (SignoffKind::Waived, Some(r)) => format!(": {r}"),
        _ => String::new(),
    };
    format!("{what} by {} on {}{until}{reason}", n.by, n.date)
}

/// A sign-off line with its blanks filled: the first run of underscores gets the approver's
/// name (without the address), the one after `Date:` the day it was signed.
/// `Engineering Lead: ____ Date: ____` → `Engineering Lead: Jane Roe Date: 2026-11-22`.
fn fill_slot(line: &str, n: &gonogo_core::decide::SignoffNote) -> String {
    let name = n.by.split('<').next().unwrap_or(&n.by).trim();
    let name = if name.is_empty() { n.by.trim() } else { name };
    let blank = |s: &str, from: usize| -> Option<std::ops::Range<usize>> {
        let start = from + s[from..].find("___")?;
        let len = s[start..].bytes().take_while(|b| *b == b'_').count();
        Some(start..start + len)
    };
    let mut out = line.to_string();
    let date_at = out.to_lowercase().find("date:");
    // The name goes into the first blank before `Date:`.
    if let Some(r) = blank(&out, 0).filter(|r| date_at.is_none_or(|d| r.start < d)) {
        out.replace_range(r, name);
    }
    if let Some(d) = out.to_lowercase().find("date:")
        && let Some(r) = blank(&out, d)
    {
        out.replace_range(r, &n.date);
    } else if date_at.is_none()
        && let Some(r) = blank(&out, 0)
    {
        out.replace_range(r, &n.date);
    }
    out
}

/// Replace the box of a task line (`- [ ]`, `1. [x]`, `> - [ ]`, tolerant of `- []`).
fn set_box(line: &str, checked: bool) -> String {
    let bytes = line.as_bytes();
    let mut i = 0;
    // Indentation and blockquote markers.
    while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t' || bytes[i] == b'>') {
        i += 1;
    }
    // The bullet or the number.
    if i < bytes.len() && matches!(bytes[i], b'-' | b'*' | b'+') {
        i += 1;
    } else {
        let digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || !matches!(bytes.get(i + digits), Some(b'.' | b')')) {
            return line.to_string();
        }
        i += digits + 1;
    }
    while i < bytes.len() && bytes[i] == b' ' {
        i += 1;
    }
    if bytes.get(i) != Some(&b'[') {
        return line.to_string();
    }
    let Some(close) = line[i..].find(']').map(|c| i + c) else {
        return line.to_string();
    };
    if close - i > 2 {
        return line.to_string();
    }
    let mark = if checked { "[x]" } else { "[ ]" };
    format!("{}{mark}{}", &line[..i], &line[close + 1..])
}

/// The line without a note left by an earlier write-back.
fn strip_note(line: &str) -> &str {
    match line.rfind(NOTE_OPEN) {
        Some(start) if line[start..].trim_end().ends_with(NOTE_CLOSE) => line[..start].trim_end(),
        _ => line,
    }
}

pub fn markdown(source: &str, checklist: &Checklist, report: &Report) -> String {
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for (item, result) in checklist.items.iter().zip(&report.items) {
        // A table row has no list box to set, and a note would become a cell of its own.
        if !evaluated(result) || item.table_row {
            continue;
        }
        let Some(line) = source.get(item.line_span.clone()) else {
            continue;
        };
        let base = strip_note(line);
        let base = match item.kind {
            ItemKind::Task => set_box(base, result.status.is_passing()),
            ItemKind::Signoff => {
                let filled = match &result.signoff {
                    Some(n) if !n.expired && result.status.is_passing() => fill_slot(base, n),
                    _ => base.to_string(),
                };
                set_box(&filled, result.status.is_passing())
            }
            ItemKind::Criterion => base.to_string(),
        };
        let rewritten = format!("{} {}", base.trim_end(), note(result));
        if rewritten != line {
            edits.push((item.line_span.clone(), rewritten));
        }
    }
    let mut out = String::with_capacity(source.len() + edits.len() * 64);
    let mut at = 0;
    for (span, text) in edits {
        out.push_str(&source[at..span.start]);
        out.push_str(&text);
        at = span.end;
    }
    out.push_str(&source[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_off_lines_are_filled() {
        let n = gonogo_core::decide::SignoffNote {
            kind: gonogo_core::decide::SignoffKind::Approved,
            by: "Jane Roe <jane@example.com>".into(),
            date: "2026-11-22".into(),
            until: None,
            role: Some("Engineering Lead".into()),
            reason: None,
            evidence: None,
            expired: false,
        };
        assert_eq!(
            fill_slot(
                "- [ ] Engineering Lead: ___________________ Date: ___________",
                &n
            ),
            "- [ ] Engineering Lead: Jane Roe Date: 2026-11-22"
        );
        assert_eq!(
            fill_slot("- [ ] Go/No-Go Decision: ___________", &n),
            "- [ ] Go/No-Go Decision: Jane Roe"
        );
        assert_eq!(
            signed(&n),
            "approved by Jane Roe <jane@example.com> on 2026-11-22"
        );
    }

    #[test]
    fn notes_carry_no_volatile_value() {
        assert_eq!(without_volatile("200 OK in 12 ms"), "200 OK in …");
        assert_eq!(
            without_volatile("took 812 ms, bound 500 ms; still running after 1.5 s"),
            "took …, bound 500 ms; still running after …"
        );
        assert_eq!(
            without_volatile("p95 1.2 s (threshold: 2 s); p99 < 5 s; timeout 10s"),
            "p95 … (threshold: 2 s); p99 < 5 s; timeout 10s"
        );
        assert_eq!(
            without_volatile("last WAL archived 3.2 h ago; 12 days left; at 2026-11-22T10:00:00Z"),
            "last WAL archived … ago; … left; at …"
        );
        assert_eq!(
            without_volatile("README.md exists (43 bytes), 5 sections, released 2026-11-22"),
            "README.md exists (43 bytes), 5 sections, released 2026-11-22"
        );
    }

    #[test]
    fn boxes() {
        assert_eq!(set_box("- [ ] a", true), "- [x] a");
        assert_eq!(set_box("  * [X] a", false), "  * [ ] a");
        assert_eq!(set_box("12. [ ] a", true), "12. [x] a");
        assert_eq!(set_box("> - [ ] a", true), "> - [x] a");
        assert_eq!(set_box("- [] a", true), "- [x] a");
        assert_eq!(set_box("- ✅ a", true), "- ✅ a");
        assert_eq!(set_box("- [link](x) a", true), "- [link](x) a");
    }
}
