//! `gonogo validate`: every item of a checklist and how it is bound, before anything runs.

use gonogo_checklist::Checklist;
use gonogo_core::bind::{BindingPlan, ItemBinding};
use gonogo_core::config::Diagnostic;
use gonogo_core::decide;
use gonogo_core::recognise::CANDIDATE_FLOOR;
use gonogo_core::redact::{Redactor, redact_params};
use std::fmt::Write;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidateFormat {
    Text,
    Json,
}

/// One item as `validate --format json` shows it: the fields of `check`'s items without outcomes.
#[derive(serde::Serialize)]
struct ValidatedItem<'a> {
    id: &'a str,
    line: usize,
    section: &'a [String],
    text: &'a str,
    kind: gonogo_checklist::ItemKind,
    checked: bool,
    /// Ticked in the file with no check bound: the tick is a person's, not an attestation.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    ticked_by_hand: bool,
    check: Option<&'static str>,
    binding: Option<decide::BindingSource>,
    params: gonogo_core::Params,
    /// Why the item is manual, or why its check cannot run.
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    derived: bool,
    /// For an automatic binding: the score and the words that decided it.
    #[serde(skip_serializing_if = "Option::is_none")]
    recognition: Option<Recognition>,
    /// For a manual item the engine read: its best candidates (none stood clear).
    #[serde(skip_serializing_if = "Option::is_none")]
    candidates: Option<Vec<CandidateView>>,
}

#[derive(serde::Serialize)]
struct Recognition {
    score: u8,
    matched: Vec<String>,
}

#[derive(serde::Serialize)]
struct CandidateView {
    check: &'static str,
    params: gonogo_core::Params,
    score: u8,
}

/// How many candidates a manual item shows.
const SHOWN_CANDIDATES: usize = 3;

fn validated_items<'a>(checklist: &'a Checklist, plan: &'a BindingPlan) -> Vec<ValidatedItem<'a>> {
    checklist
        .items
        .iter()
        .zip(&plan.items)
        .zip(&plan.assessments)
        .map(|((item, b), assessment)| {
            let (check, binding, params, note, derived) = match b {
                ItemBinding::Check(bc) => (
                    Some(bc.kind.id()),
                    Some(bc.source),
                    redact_params(&bc.written, &Redactor::new()),
                    bc.prepared
                        .as_ref()
                        .err()
                        .map(|e| format!("will be `error`: {e}")),
                    false,
                ),
                ItemBinding::Manual { reason } => (
                    None,
                    None,
                    gonogo_core::Params::new(),
                    Some(reason.clone()),
                    false,
                ),
                ItemBinding::Derived => (None, None, gonogo_core::Params::new(), None, true),
            };
            let assessment = assessment.as_ref();
            let recognition = match b {
                ItemBinding::Check(bc) if bc.source == decide::BindingSource::Auto => {
                    assessment.and_then(|a| a.chosen()).map(|c| Recognition {
                        score: c.score,
                        matched: c.matched.clone(),
                    })
                }
                _ => None,
            };
            let candidates = match b {
                ItemBinding::Manual { .. } => assessment.map(|a| {
                    a.candidates
                        .iter()
                        .filter(|c| c.score >= CANDIDATE_FLOOR)
                        .take(SHOWN_CANDIDATES)
                        .map(|c| CandidateView {
                            check: c.kind.id(),
                            params: redact_params(&c.params, &Redactor::new()),
                            score: c.score,
                        })
                        .collect()
                }),
                _ => None,
            };
            ValidatedItem {
                id: &item.id,
                line: item.line,
                section: &item.section_path,
                text: &item.text,
                kind: item.kind,
                checked: item.checked,
                ticked_by_hand: item.checked && check.is_none() && !derived,
                check,
                binding,
                params,
                note,
                derived,
                recognition,
                candidates,
            }
        })
        .collect()
}

/// Every item and how it is bound (or why it is manual), with the diagnostics.
pub fn validation(
    checklist: &Checklist,
    display_path: &str,
    plan: &BindingPlan,
    diagnostics: &[Diagnostic],
    repo: &Path,
    format: ValidateFormat,
) -> String {
    let items = validated_items(checklist, plan);
    match format {
        ValidateFormat::Json => {
            let doc = serde_json::json!({
                "version": decide::REPORT_SCHEMA_VERSION,
                "checklist": display_path,
                "items": items,
                "diagnostics": diagnostics,
            });
            serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
        }
        ValidateFormat::Text => validation_text(checklist, display_path, &items, repo),
    }
}

fn validation_text(
    checklist: &Checklist,
    display_path: &str,
    items: &[ValidatedItem<'_>],
    repo: &Path,
) -> String {
    let mut out = String::new();
    let mut section: Option<&[String]> = None;
    let (mut bound, mut manual, mut derived) = (0, 0, 0);
    for item in items {
        if section != Some(item.section) {
            let _ = writeln!(
                out,
                "\n{}",
                crate::section_heading(item.section, checklist.title.as_deref())
            );
            section = Some(item.section);
        }
        let depth = {
            let mut d = 0;
            let mut p = checklist
                .items
                .iter()
                .find(|i| i.id == item.id)
                .and_then(|i| i.parent);
            while let Some(pi) = p {
                d += 1;
                p = checklist.items[pi].parent;
            }
            d
        };
        let indent = "  ".repeat(depth + 1);
        let how = match (item.check, item.binding, item.derived) {
            (Some(id), Some(src), _) => {
                bound += 1;
                let params: Vec<String> = item
                    .params
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                let params = if params.is_empty() {
                    String::new()
                } else {
                    format!(" {}", params.join(" "))
                };
                let src = match src {
                    decide::BindingSource::Annotation => "annotation",
                    decide::BindingSource::Config => "config",
                    decide::BindingSource::Auto => "auto",
                };
                let why = item
                    .recognition
                    .as_ref()
                    .map(|r| format!(" (score {}: {})", r.score, r.matched.join(", ")))
                    .unwrap_or_default();
                format!("{id}{params}  [{src}]{why}")
            }
            (_, _, true) => {
                derived += 1;
                "derived from sub-items".into()
            }
            _ => {
                manual += 1;
                format!("manual: {}", item.note.as_deref().unwrap_or(""))
            }
        };
        let how = if item.ticked_by_hand {
            format!("{how}; [x] {}", decide::TICKED_BY_HAND)
        } else {
            how
        };
        let _ = writeln!(out, "{indent}{:>4}  {}", item.line, item.text);
        let _ = writeln!(out, "{indent}      → {how}");
        if let (Some(_), Some(note)) = (item.check, &item.note) {
            let _ = writeln!(out, "{indent}      ! {note}");
        }
        if let Some(candidates) = item.candidates.as_ref().filter(|c| !c.is_empty()) {
            let best: Vec<String> = candidates
                .iter()
                .map(|c| format!("{} ({})", c.check, c.score))
                .collect();
            let _ = writeln!(out, "{indent}        best candidates: {}", best.join(", "));
        }
    }
    let total = items.len();
    let counted = total - derived;
    let pct = if counted > 0 {
        100.0 * bound as f64 / counted as f64
    } else {
        0.0
    };
    let _ = writeln!(
        out,
        "\n{}: {total} items — {bound} bound to checks ({pct:.0}%), {manual} manual, {derived} derived from sub-items; repository {}",
        display_path,
        repo.display()
    );
    out
}
