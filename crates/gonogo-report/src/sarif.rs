//! SARIF 2.1.0, the one writer behind both SARIF outputs: the log, its tool and rules, results
//! and their locations are built here; [`sarif`] (a check report) and
//! [`crate::secrets::sarif`] (a secret scan) say only what goes into them.
//!
//! A check report: every finding of a failing or warning item is a result whose rule is the
//! check kind, located at the file and line the finding names (or the checklist line when it
//! names none), so code-scanning UIs annotate the right place.

use gonogo_core::decide::{ItemReport, Report};
use gonogo_core::{Location, Registry, Status};
use serde_json::{Map, Value, json};

/// A rule: its id (also its name) and one-line description, plus fields of the caller's.
pub(crate) fn rule(id: &str, short: &str, extra: Value) -> Value {
    let mut rule = json!({
        "id": id,
        "name": id,
        "shortDescription": { "text": short },
    });
    merge(&mut rule, extra);
    rule
}

/// Where a result points: a file (relative to `base` when given) and, when known, a line and
/// column.
pub(crate) fn locations(
    uri: &str,
    line: Option<usize>,
    column: Option<usize>,
    base: Option<&str>,
) -> Value {
    let mut region = Map::new();
    if let Some(line) = line {
        region.insert("startLine".into(), json!(line));
        if let Some(col) = column {
            region.insert("startColumn".into(), json!(col));
        }
    }
    let mut artifact = json!({ "uri": uri });
    if let Some(base) = base {
        artifact["uriBaseId"] = json!(base);
    }
    let mut physical = json!({ "artifactLocation": artifact });
    if !region.is_empty() {
        physical["region"] = Value::Object(region);
    }
    json!([{ "physicalLocation": physical }])
}

/// One result. `fingerprint` is the (key, value) of its `partialFingerprints`.
pub(crate) struct SarifResult<'a> {
    pub rule_id: &'a str,
    pub rule_index: usize,
    pub level: &'static str,
    pub message: String,
    pub locations: Value,
    pub fingerprint: (&'static str, String),
    pub properties: Option<Value>,
}

impl SarifResult<'_> {
    pub(crate) fn to_json(&self) -> Value {
        let mut result = json!({
            "ruleId": self.rule_id,
            "ruleIndex": self.rule_index,
            "level": self.level,
            "message": { "text": self.message },
            "locations": self.locations,
            "partialFingerprints": { self.fingerprint.0: self.fingerprint.1 },
        });
        if let Some(p) = &self.properties {
            result["properties"] = p.clone();
        }
        result
    }
}

/// The whole log: one run of gonogo `version` with `rules` and `results`, and fields of the
/// caller's on the run.
pub(crate) fn log(
    version: &str,
    rules: Vec<Value>,
    results: Vec<Value>,
    run_extra: Value,
) -> String {
    let mut run = json!({
        "tool": { "driver": {
            "name": "gonogo",
            "version": version,
            "rules": rules,
        }},
        "results": results,
    });
    merge(&mut run, run_extra);
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

fn merge(into: &mut Value, extra: Value) {
    if let (Value::Object(into), Value::Object(extra)) = (into, extra) {
        into.extend(extra);
    }
}

/// A fingerprint that survives unrelated edits: the check, the finding code, the item and the
/// place, never the line number alone.
fn fingerprint(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..16])
}

fn level(status: Status) -> &'static str {
    match status {
        Status::Fail => "error",
        Status::Warn | Status::Error => "warning",
        _ => "note",
    }
}

/// A check's location: relative to the repository unless it is a URL.
fn physical(loc: &Location) -> Value {
    let base = (!loc.path.contains("://")).then_some("%SRCROOT%");
    locations(&loc.path, loc.line, loc.column, base)
}

fn results_of(item: &ItemReport, checklist: &str, out: &mut Vec<Value>, rule_index: usize) {
    let Some(check) = item.check else {
        return;
    };
    if !matches!(item.status, Status::Fail | Status::Warn | Status::Error) {
        return;
    }
    let item_location = Location::at(checklist, item.line);
    if item.evidence.findings.is_empty() || item.status == Status::Error {
        let text = match item.status {
            Status::Error => format!(
                "could not verify \"{}\": {}",
                item.text, item.evidence.summary
            ),
            _ => format!("{}: {}", item.text, item.evidence.summary),
        };
        let location = item.evidence.location.as_ref().unwrap_or(&item_location);
        out.push(
            SarifResult {
                rule_id: check,
                rule_index,
                level: level(item.status),
                message: text,
                locations: physical(location),
                fingerprint: (
                    "gonogo/v1",
                    fingerprint(&[check, &item.id, &item.status.to_string()]),
                ),
                properties: Some(json!({ "item": item.id, "status": item.status.as_str() })),
            }
            .to_json(),
        );
        return;
    }
    for f in &item.evidence.findings {
        let location = f.location.as_ref().unwrap_or(&item_location);
        let mut text = f.message.clone();
        if let Some(fix) = &f.fix {
            text.push_str(&format!(" Fix: {fix}"));
        }
        out.push(
            SarifResult {
                rule_id: check,
                rule_index,
                level: level(f.severity),
                message: text,
                locations: physical(location),
                fingerprint: (
                    "gonogo/v1",
                    fingerprint(&[check, f.code, &location.path, &f.message]),
                ),
                properties: Some(json!({ "code": f.code, "item": item.id })),
            }
            .to_json(),
        );
    }
}

/// A check report as SARIF.
pub fn sarif(report: &Report, registry: &Registry, version: &str) -> String {
    let mut rule_ids: Vec<&str> = Vec::new();
    let mut results = Vec::new();
    for item in &report.items {
        let Some(check) = item.check else { continue };
        let index = match rule_ids.iter().position(|r| *r == check) {
            Some(i) => i,
            None => {
                rule_ids.push(check);
                rule_ids.len() - 1
            }
        };
        results_of(item, &report.checklist, &mut results, index);
    }
    let rules: Vec<Value> = rule_ids
        .iter()
        .map(|id| {
            let doc = registry.get(id).map(|k| k.doc());
            rule(
                id,
                doc.map_or("", |d| d.summary),
                json!({
                    "fullDescription": { "text": doc.map_or("", |d| d.description) },
                    "help": { "text": format!("gonogo explain {id}") },
                }),
            )
        })
        .collect();
    log(
        version,
        rules,
        results,
        json!({
            "originalUriBaseIds": { "%SRCROOT%": { "description": { "text": "The repository under check" } } },
            "properties": { "decision": report.decision.as_str(), "checklist": report.checklist },
        }),
    )
}
