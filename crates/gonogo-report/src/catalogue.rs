//! `gonogo checks` and `gonogo explain`: the catalogue of check kinds and one kind's page,
//! generated from their documentation.

use gonogo_core::CheckKind;
use std::fmt::Write;

/// How the catalogue is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogueFormat {
    Text,
    Json,
    /// The Markdown table used in README.md.
    Markdown,
}

/// Every kind: id and summary (text), a Markdown table, or their whole documentation (JSON).
pub fn catalogue(kinds: &[&dyn CheckKind], format: CatalogueFormat) -> String {
    let mut out = String::new();
    match format {
        CatalogueFormat::Text => {
            let w = kinds.iter().map(|k| k.id().len()).max().unwrap_or(0);
            for k in kinds {
                let _ = writeln!(out, "{:w$}  {}", k.id(), k.doc().summary);
            }
            let _ = writeln!(
                out,
                "\n{} check kinds. `gonogo explain ID` shows one in full.",
                kinds.len()
            );
        }
        CatalogueFormat::Markdown => {
            out.push_str("| Check | What it verifies |\n|---|---|\n");
            for k in kinds {
                let _ = writeln!(
                    out,
                    "| `{}` | {} |",
                    k.id(),
                    k.doc().summary.replace('|', "\\|")
                );
            }
        }
        CatalogueFormat::Json => {
            let list: Vec<_> = kinds
                .iter()
                .map(|k| {
                    let d = k.doc();
                    serde_json::json!({
                        "id": k.id(),
                        "summary": d.summary,
                        "description": d.description,
                        "params": d.params.iter().map(|p| serde_json::json!({
                            "name": p.name, "description": p.description, "default": p.default, "required": p.required,
                        })).collect::<Vec<_>>(),
                        "examples": d.examples,
                        "phrases": d.phrases,
                        "findings": d.findings.iter().map(|(c, w)| serde_json::json!({"code": c, "explanation": w})).collect::<Vec<_>>(),
                    })
                })
                .collect();
            out = serde_json::to_string_pretty(&list).unwrap_or_default() + "\n";
        }
    }
    out
}

/// One kind in full: description, parameters, phrasings it recognises, findings, examples.
pub fn explain(kind: &dyn CheckKind) -> String {
    let d = kind.doc();
    let mut out = String::new();
    let _ = writeln!(out, "{} — {}\n", kind.id(), d.summary);
    let _ = writeln!(out, "{}\n", d.description);
    if !d.params.is_empty() {
        let _ = writeln!(out, "Parameters:");
        for p in d.params {
            let extra = match (p.required, p.default) {
                (true, _) => " (required)".to_string(),
                (false, Some(def)) => format!(" (default: {def})"),
                (false, None) => String::new(),
            };
            let _ = writeln!(out, "  {}{extra}\n      {}", p.name, p.description);
        }
        out.push('\n');
    }
    if !d.targets.is_empty() {
        let _ = writeln!(
            out,
            "Targets (gonogo.toml [targets], when no address is given): {}\n",
            d.targets.join(", ")
        );
    }
    if !d.phrases.is_empty() {
        let _ = writeln!(out, "Recognises items such as:");
        for ph in d.phrases {
            let _ = writeln!(out, "  - [ ] {ph}");
        }
        out.push('\n');
    }
    if !d.findings.is_empty() {
        let _ = writeln!(out, "Findings:");
        for (code, why) in d.findings {
            let _ = writeln!(out, "  {code}: {why}");
        }
        out.push('\n');
    }
    let _ = writeln!(out, "Example:");
    for ex in d.examples {
        let _ = writeln!(out, "  - [ ] … <!-- gonogo: {ex} -->");
    }
    out
}
