//! The terminal report: items grouped by section, evidence under the items that need
//! attention, the verdict last.

use gonogo_core::Status;
use gonogo_core::decide::{Decision, ItemReport, NOTHING_VERIFIED, Report, TICKED_BY_HAND};
use owo_colors::OwoColorize;
use std::fmt::Write;

pub struct TerminalOptions {
    /// ANSI colour (off when `NO_COLOR` is set or the output is not a terminal).
    pub color: bool,
    /// Columns to fit lines into.
    pub width: usize,
    /// Show the evidence of passing items too, and every finding.
    pub verbose: bool,
}

/// Findings shown per item unless verbose.
const FINDINGS_SHOWN: usize = 5;
/// Reasons listed under a No-Go verdict.
const REASONS_SHOWN: usize = 8;

fn mark(status: Status) -> &'static str {
    match status {
        Status::Pass => "✔",
        Status::Attested => "✔",
        Status::Waived => "~",
        Status::Fail => "✘",
        Status::Warn => "!",
        Status::Error => "?",
        Status::Skipped => "-",
        Status::Manual => "○",
    }
}

struct Painter {
    color: bool,
}

impl Painter {
    fn status(&self, status: Status) -> String {
        let label = format!("{} {:<8}", mark(status), status.as_str());
        if !self.color {
            return label;
        }
        match status {
            Status::Pass | Status::Attested => label.green().to_string(),
            Status::Fail => label.red().bold().to_string(),
            Status::Error => label.magenta().bold().to_string(),
            Status::Warn | Status::Waived => label.yellow().to_string(),
            Status::Manual => label.cyan().to_string(),
            Status::Skipped => label.dimmed().to_string(),
        }
    }
    fn dim(&self, s: &str) -> String {
        if self.color {
            s.dimmed().to_string()
        } else {
            s.to_string()
        }
    }
    fn bold(&self, s: &str) -> String {
        if self.color {
            s.bold().to_string()
        } else {
            s.to_string()
        }
    }
    fn verdict(&self, decision: Decision, s: &str) -> String {
        if !self.color {
            return s.to_string();
        }
        match decision {
            Decision::Go => s.green().bold().to_string(),
            Decision::NoGo => s.red().bold().to_string(),
        }
    }
}

/// `s` on one line (line breaks and runs of whitespace collapsed), cut to `width` characters
/// with the cut marked.
fn fit(s: &str, width: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= width {
        return s;
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A section's path as shown under the report's title: the title itself is not repeated.
pub fn section_heading(section: &[String], title: Option<&str>) -> String {
    let path = match (section.first(), title) {
        (Some(first), Some(t)) if first == t && section.len() > 1 => &section[1..],
        _ => section,
    };
    if path.is_empty() {
        "(no section)".to_string()
    } else {
        path.join(" › ")
    }
}

fn depth(report: &Report, item: &ItemReport) -> usize {
    let mut d = 0;
    let mut p = item.parent;
    while let Some(pi) = p {
        d += 1;
        p = report.items.get(pi).and_then(|i| i.parent);
        if d > 16 {
            break;
        }
    }
    d
}

/// Whether the item's evidence is worth a line of its own.
fn shows_evidence(item: &ItemReport, verbose: bool) -> bool {
    if item.evidence.summary.is_empty() || item.derived {
        return false;
    }
    match item.status {
        Status::Fail | Status::Error | Status::Warn | Status::Waived => true,
        // A person's sign-off is the whole story; why the item needed one ("waits for an
        // approval") is stale once it has it.
        Status::Attested => verbose || item.check.is_some(),
        Status::Skipped => true,
        Status::Manual => verbose || !item.evidence.summary.starts_with("no check recognises"),
        Status::Pass => verbose,
    }
}

pub fn terminal(report: &Report, opts: &TerminalOptions) -> String {
    let p = Painter { color: opts.color };
    let width = opts.width.max(40);
    let mut out = String::new();
    let title = report.title.as_deref().unwrap_or("Checklist");
    let _ = writeln!(out, "{} — {}", p.bold(title), report.checklist);
    // Regressions first: what passed in the previous run and does not now.
    if !report.regressions.is_empty() {
        let since = report
            .previous_run
            .map(|r| format!(" since run {r}"))
            .unwrap_or_default();
        let _ = writeln!(out, "\n{}", p.bold(&format!("Regressions{since}:")));
        for r in &report.regressions {
            let _ = writeln!(
                out,
                "  {} L{:<4} {} ({} → {})",
                p.status(r.now),
                r.line,
                fit(&r.text, width.saturating_sub(40)),
                r.was,
                r.now
            );
        }
    }

    let mut current: Option<&[String]> = None;
    for item in &report.items {
        if current != Some(item.section.as_slice()) {
            current = Some(item.section.as_slice());
            let heading = section_heading(&item.section, report.title.as_deref());
            let score = report
                .summary
                .sections
                .iter()
                .find(|s| s.section == item.section)
                .and_then(|s| s.score)
                .map(|s| format!("{s:.0}%"))
                .unwrap_or_default();
            let room = width.saturating_sub(score.chars().count() + 2);
            let heading = fit(&heading, room);
            let pad = width.saturating_sub(heading.chars().count() + score.chars().count());
            let _ = writeln!(
                out,
                "\n{}{}{}",
                p.bold(&heading),
                " ".repeat(pad),
                p.dim(&score)
            );
        }
        let indent = "  ".repeat(depth(report, item) + 1);
        let status = p.status(item.status);
        let line = format!("L{:<4}", item.line);
        let advisory = if item.blocking || item.status.is_passing() || item.derived {
            ""
        } else {
            " (advisory)"
        };
        let text_room = width.saturating_sub(indent.len() + 11 + 6 + advisory.len());
        let _ = writeln!(
            out,
            "{indent}{status} {} {}{}",
            p.dim(&line),
            fit(&item.text, text_room),
            p.dim(advisory)
        );
        let detail_indent = format!("{indent}{}", " ".repeat(17));
        let detail_room = width.saturating_sub(detail_indent.len());
        if item.ticked_by_hand {
            let _ = writeln!(
                out,
                "{detail_indent}{}",
                p.dim(&format!("[x] {TICKED_BY_HAND}"))
            );
        }
        if shows_evidence(item, opts.verbose) {
            let mut summary = item.evidence.summary.clone();
            if let Some(check) = item.check {
                summary = format!("{check}: {summary}");
            }
            match (&item.evidence.observed, &item.evidence.expected) {
                (Some(o), Some(e)) => summary.push_str(&format!(" (observed {o}, expected {e})")),
                (Some(o), None) => summary.push_str(&format!(" (observed {o})")),
                _ => {}
            }
            if let Some(loc) = &item.evidence.location {
                summary.push_str(&format!(" [{loc}]"));
            }
            let _ = writeln!(out, "{detail_indent}{}", p.dim(&fit(&summary, detail_room)));
        }
        if let Some(note) = &item.signoff {
            let _ = writeln!(
                out,
                "{detail_indent}{}",
                p.dim(&fit(&signoff_text(note), detail_room))
            );
        }
        if matches!(item.status, Status::Fail | Status::Warn | Status::Error) || opts.verbose {
            let findings = &item.evidence.findings;
            let shown = if opts.verbose {
                findings.len()
            } else {
                FINDINGS_SHOWN
            };
            for f in findings.iter().take(shown) {
                let at = f
                    .location
                    .as_ref()
                    .map(|l| format!("{l}: "))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "{detail_indent}{}",
                    fit(&format!("• {at}{} [{}]", f.message, f.code), detail_room)
                );
                if opts.verbose
                    && let Some(fix) = &f.fix
                {
                    let _ = writeln!(
                        out,
                        "{detail_indent}  {}",
                        p.dim(&fit(&format!("fix: {fix}"), detail_room.saturating_sub(2)))
                    );
                }
            }
            if findings.len() > shown {
                let _ = writeln!(
                    out,
                    "{detail_indent}{}",
                    p.dim(&format!(
                        "… and {} more (--verbose shows all)",
                        findings.len() - shown
                    ))
                );
            }
        }
    }

    // Totals, then the verdict.
    let counts: Vec<String> = Status::ALL
        .iter()
        .filter_map(|s| {
            report
                .summary
                .counts
                .get(s)
                .filter(|n| **n > 0)
                .map(|n| format!("{n} {s}"))
        })
        .collect();
    let score = report
        .summary
        .score
        .map(|s| format!(", score {s:.1}%"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "\n{} items: {}{score} ({} ms)",
        report.summary.total,
        counts.join(", "),
        report.duration_ms
    );
    out.push_str(&verdict(report, &p));
    out
}

fn verdict(report: &Report, p: &Painter) -> String {
    let mut out = String::new();
    let waived: Vec<&ItemReport> = report.waived().collect();
    // A partial run says what it left out on the verdict line itself.
    let partial = report
        .partial
        .map(|part| format!(" ({})", part.text()))
        .unwrap_or_default();
    match report.decision {
        Decision::Go if waived.is_empty() => {
            let headline = if partial.is_empty() {
                "GO: every blocking item passes".to_string()
            } else {
                format!("GO{partial}")
            };
            let _ = writeln!(out, "{}", p.verdict(Decision::Go, &headline));
        }
        Decision::Go => {
            let n = waived.len();
            let s = if n == 1 { "" } else { "s" };
            let _ = writeln!(
                out,
                "{}",
                p.verdict(Decision::Go, &format!("GO with {n} waiver{s}{partial}"))
            );
            for w in waived {
                let by = w
                    .signoff
                    .as_ref()
                    .map(|n| format!(" ({})", signoff_text(n)))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  waived: line {}: {} — {}{by}",
                    w.line, w.text, w.evidence.summary
                );
            }
        }
        Decision::NoGo => {
            let blocking: Vec<&ItemReport> = report.items.iter().filter(|i| i.holds_back).collect();
            let by = |s: Status| blocking.iter().filter(|i| i.status == s).count();
            let mut parts = Vec::new();
            for (s, label) in [
                (Status::Fail, "failing"),
                (Status::Error, "could not be verified"),
                (Status::Manual, "need a person's sign-off"),
                (Status::Warn, "warning"),
            ] {
                let n = by(s);
                if n > 0 {
                    parts.push(format!("{n} {label}"));
                }
            }
            // An interrupted run says so first: its report is partial.
            let stopped = if report.interrupted {
                "INTERRUPTED, "
            } else {
                ""
            };
            // The decide stage gives "nothing verified" only to a run that was not interrupted.
            let nothing_verified = !report.interrupted && !report.verified();
            let held = report
                .reasons
                .len()
                .saturating_sub(usize::from(report.interrupted) + usize::from(nothing_verified));
            let headline = if report.interrupted && held == 0 {
                format!("{stopped}NO-GO{partial}: the run was stopped before every check finished")
            } else if held == 0 {
                format!("NO-GO{partial}: nothing verified")
            } else {
                format!(
                    "{stopped}NO-GO{partial}: {held} blocking items hold the release ({})",
                    parts.join(", ")
                )
            };
            let _ = writeln!(out, "{}", p.verdict(Decision::NoGo, &headline));
            // The actionable reasons first: failures, then errors, then people.
            let mut ordered: Vec<&ItemReport> = blocking.clone();
            ordered.sort_by_key(|i| match i.status {
                Status::Fail => 0,
                Status::Error => 1,
                _ => 2,
            });
            for i in ordered.iter().take(REASONS_SHOWN) {
                let mut why = if i.evidence.summary.is_empty() {
                    String::new()
                } else {
                    format!(": {}", i.evidence.summary)
                };
                if let Some(note) = i.signoff.as_ref().filter(|n| n.expired) {
                    why.push_str(&format!(" ({})", note.expiry_text()));
                }
                if i.ticked_by_hand {
                    why.push_str(&format!(" ({TICKED_BY_HAND})"));
                }
                let _ = writeln!(
                    out,
                    "  line {}: {} — {}{why}",
                    i.line,
                    fit(&i.text, 60),
                    i.status
                );
            }
            if ordered.len() > REASONS_SHOWN {
                let _ = writeln!(
                    out,
                    "  … and {} more (see above, or --format json)",
                    ordered.len() - REASONS_SHOWN
                );
            }
            for v in &report.violations {
                let _ = writeln!(out, "  policy: {v}");
            }
            if report.interrupted {
                let _ = writeln!(out, "  {}", gonogo_core::decide::INTERRUPTED_REASON);
            }
            if nothing_verified {
                let _ = writeln!(out, "  {NOTHING_VERIFIED}");
            }
        }
    }
    out
}

/// "attested by Jane Roe on 2026-11-22, until 2026-12-22", or what expired.
fn signoff_text(note: &gonogo_core::decide::SignoffNote) -> String {
    use gonogo_core::decide::SignoffKind;
    if note.expired {
        return format!("{}: it no longer counts", note.expiry_text());
    }
    let what = match note.kind {
        SignoffKind::Attested => "attested",
        SignoffKind::Approved => "approved",
        SignoffKind::Waived => "waived",
    };
    let role = note
        .role
        .as_deref()
        .map(|r| format!(" as {r}"))
        .unwrap_or_default();
    let until = note
        .until
        .as_deref()
        .map(|u| format!(", until {u}"))
        .unwrap_or_default();
    let reason = match (note.kind, note.reason.as_deref()) {
        (SignoffKind::Waived, Some(r)) => format!(": {r}"),
        _ => String::new(),
    };
    format!(
        "{what} by {}{role} on {}{until}{reason}",
        note.by, note.date
    )
}
