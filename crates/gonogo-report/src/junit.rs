//! JUnit XML: one `<testsuite>` per section, one `<testcase>` per item.
//!
//! CI systems read JUnit to show what failed, so the mapping follows what holds the release
//! back: `fail` is a failure, `error` an error, a blocking item still waiting for a person is a
//! failure of type `manual`, and what does not count (skipped, advisory manual) is skipped.

use gonogo_core::Status;
use gonogo_core::decide::{ItemReport, Report};
use quick_xml::escape::escape;
use std::fmt::Write;

fn details(item: &ItemReport) -> String {
    let mut out = String::new();
    if let Some(check) = item.check {
        let _ = writeln!(out, "check: {check}");
    }
    let _ = writeln!(out, "item: {} (line {})", item.id, item.line);
    if item.ticked_by_hand {
        let _ = writeln!(out, "box: [x] {}", gonogo_core::decide::TICKED_BY_HAND);
    }
    if let Some(o) = &item.evidence.observed {
        let _ = writeln!(out, "observed: {o}");
    }
    if let Some(e) = &item.evidence.expected {
        let _ = writeln!(out, "expected: {e}");
    }
    if let Some(l) = &item.evidence.location {
        let _ = writeln!(out, "at: {l}");
    }
    for f in &item.evidence.findings {
        let at = f
            .location
            .as_ref()
            .map(|l| format!("{l}: "))
            .unwrap_or_default();
        let _ = writeln!(out, "- {at}{} [{}]", f.message, f.code);
        if let Some(fix) = &f.fix {
            let _ = writeln!(out, "  fix: {fix}");
        }
    }
    out
}

fn seconds(ms: u64) -> String {
    format!("{:.3}", ms as f64 / 1000.0)
}

pub fn junit(report: &Report) -> String {
    // Sections in order of first appearance; derived parents are represented by their children.
    let mut suites: Vec<(&[String], Vec<&ItemReport>)> = Vec::new();
    for item in report.items.iter().filter(|i| !i.derived) {
        match suites
            .iter_mut()
            .find(|(s, _)| *s == item.section.as_slice())
        {
            Some((_, items)) => items.push(item),
            None => suites.push((item.section.as_slice(), vec![item])),
        }
    }
    let outcome = |i: &ItemReport| match i.status {
        Status::Fail => "failure",
        Status::Error => "error",
        Status::Manual if i.holds_back => "failure",
        Status::Warn if i.holds_back => "failure",
        Status::Skipped | Status::Manual => "skipped",
        _ => "ok",
    };
    let count =
        |items: &[&ItemReport], what: &str| items.iter().filter(|i| outcome(i) == what).count();
    let all: Vec<&ItemReport> = suites.iter().flat_map(|(_, i)| i.iter().copied()).collect();

    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">",
        escape(report.title.as_deref().unwrap_or(&report.checklist)),
        all.len(),
        count(&all, "failure"),
        count(&all, "error"),
        count(&all, "skipped"),
        seconds(report.duration_ms)
    );
    for (section, items) in &suites {
        let name = if section.is_empty() {
            "(no section)".to_string()
        } else {
            section.join(" › ")
        };
        let time: u64 = items.iter().map(|i| i.duration_ms).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">",
            escape(&name),
            items.len(),
            count(items, "failure"),
            count(items, "error"),
            count(items, "skipped"),
            seconds(time)
        );
        for item in items {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\" time=\"{}\"",
                escape(&item.text),
                escape(item.check.unwrap_or("manual")),
                escape(&report.checklist),
                item.line,
                seconds(item.duration_ms)
            );
            let message = escape(&item.evidence.summary);
            match outcome(item) {
                "ok" => {
                    out.push_str(">\n");
                    let _ = writeln!(
                        out,
                        "      <system-out>{} — {}</system-out>",
                        item.status, message
                    );
                    out.push_str("    </testcase>\n");
                }
                "skipped" => {
                    let _ = writeln!(
                        out,
                        ">\n      <skipped message=\"{} — {message}\"/>\n    </testcase>",
                        item.status
                    );
                }
                kind => {
                    let ty = match item.status {
                        Status::Manual => "manual".to_string(),
                        _ => item.check.unwrap_or("gonogo").to_string(),
                    };
                    let _ = writeln!(
                        out,
                        ">\n      <{kind} message=\"{message}\" type=\"{}\">{}</{kind}>\n    </testcase>",
                        escape(&ty),
                        escape(details(item))
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
