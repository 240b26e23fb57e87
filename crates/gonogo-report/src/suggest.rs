//! `gonogo suggest`: the proposed bindings of the items no annotation or rule binds (text or
//! JSON), and what `--write` appended.

use gonogo_core::recognise::THRESHOLD;
use gonogo_engine::suggest::{ItemSuggestion, Suggested, Written};
use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuggestFormat {
    Text,
    Json,
}

/// What one `gonogo suggest` shows.
pub struct SuggestView<'a> {
    pub checklist: &'a str,
    pub title: Option<&'a str>,
    pub items: &'a [ItemSuggestion],
    /// The score `--accept all` takes a best candidate from.
    pub min_score: u8,
    /// What `--write` did, if it ran.
    pub written: Option<&'a Written>,
}

#[derive(serde::Serialize)]
struct JsonCandidate<'a> {
    #[serde(flatten)]
    candidate: &'a Suggested,
    /// `--accept all` would take it: the item's best candidate, at or above min-score.
    acceptable: bool,
}

#[derive(serde::Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    line: usize,
    section: &'a [String],
    text: &'a str,
    auto_bound: Option<&'static str>,
    candidates: Vec<JsonCandidate<'a>>,
}

fn acceptable(index: usize, candidate: &Suggested, min_score: u8) -> bool {
    index == 0 && candidate.score >= min_score
}

/// The suggestions as `format`.
pub fn suggest(view: &SuggestView<'_>, format: SuggestFormat) -> String {
    match format {
        SuggestFormat::Json => suggest_json(view),
        SuggestFormat::Text => suggest_text(view),
    }
}

fn suggest_json(view: &SuggestView<'_>) -> String {
    let items: Vec<JsonItem<'_>> = view
        .items
        .iter()
        .map(|s| JsonItem {
            id: &s.id,
            line: s.line,
            section: &s.section,
            text: &s.text,
            auto_bound: s.auto_bound,
            candidates: s
                .candidates
                .iter()
                .enumerate()
                .map(|(i, c)| JsonCandidate {
                    candidate: c,
                    acceptable: acceptable(i, c, view.min_score),
                })
                .collect(),
        })
        .collect();
    let written = view.written.map(|w| {
        serde_json::json!({
            "path": w.path.display().to_string(),
            "created": w.created,
            "appended": w.appended,
            "skipped": w.skipped,
        })
    });
    let doc = serde_json::json!({
        "checklist": view.checklist,
        "threshold": THRESHOLD,
        "min_score": view.min_score,
        "items": items,
        "written": written,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// One candidate on one line: `k8s.workloads rules=pdb  score 82 (pdb, configured)`.
pub fn candidate_line(c: &Suggested) -> String {
    let params: String = c.params.iter().map(|(k, v)| format!(" {k}={v}")).collect();
    format!(
        "{}{params}  score {} ({})",
        c.check,
        c.score,
        c.matched.join(", ")
    )
}

fn suggest_text(view: &SuggestView<'_>) -> String {
    let mut out = String::new();
    let mut section: Option<&[String]> = None;
    let (mut with_candidate, mut acceptable_items) = (0, 0);
    for s in view.items {
        if section != Some(s.section.as_slice()) {
            let _ = writeln!(out, "\n{}", crate::section_heading(&s.section, view.title));
            section = Some(s.section.as_slice());
        }
        let _ = writeln!(out, "  {:>4}  {}", s.line, s.text);
        let _ = writeln!(out, "        id: {}", s.id);
        if let Some(check) = s.auto_bound {
            let _ = writeln!(out, "        auto-bound today to {check}");
        }
        if s.candidates.is_empty() {
            let _ = writeln!(out, "        no candidate");
            continue;
        }
        with_candidate += 1;
        for (i, c) in s.candidates.iter().enumerate() {
            let mark = if acceptable(i, c, view.min_score) {
                acceptable_items += 1;
                "  ← accepted by --accept all"
            } else {
                ""
            };
            let _ = writeln!(out, "        {}. {}{mark}", i + 1, candidate_line(c));
        }
    }
    let _ = writeln!(
        out,
        "\n{}: {} items not bound by an annotation or a [[bind]] rule — {with_candidate} with a candidate, {acceptable_items} at or above score {} (the automatic binding threshold is {THRESHOLD})",
        view.checklist,
        view.items.len(),
        view.min_score,
    );
    match view.written {
        Some(w) => out.push_str(&written(w)),
        None if with_candidate > 0 => {
            let _ = writeln!(
                out,
                "Make them [[bind]] rules in gonogo.toml: gonogo suggest {} --write --accept all|ID…",
                view.checklist
            );
        }
        None => {}
    }
    out
}

/// What `--write` did, as text.
pub fn written(w: &Written) -> String {
    let mut out = String::new();
    let rules = w.appended.matches("[[bind]]").count();
    if rules == 0 {
        let _ = writeln!(out, "Nothing written to {}.", w.path.display());
    } else {
        let _ = writeln!(
            out,
            "Wrote {rules} [[bind]] rule{} to {}{}; it now holds {} rule{} and parses:\n{}",
            if rules == 1 { "" } else { "s" },
            w.path.display(),
            if w.created { " (created)" } else { "" },
            w.config.binds.len(),
            if w.config.binds.len() == 1 { "" } else { "s" },
            w.appended.trim_start_matches('\n'),
        );
    }
    if !w.skipped.is_empty() {
        let _ = writeln!(
            out,
            "Skipped (a rule already covers them): {}",
            w.skipped.join(", ")
        );
    }
    out
}
