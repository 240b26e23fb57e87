//! SARIF 2.1.0: every finding of a failing or warning item as a result whose rule is the check
//! kind, located at the file and line the finding names (or the checklist line when it names
//! none), so code-scanning UIs annotate the right place.

use gonogo_core::decide::{ItemReport, Report};
use gonogo_core::{Location, Registry, Status};
use serde_json::{Value, json};

fn level(status: Status) -> &'static str {
    match status {
        Status::Fail => "error",
        Status::Warn | Status::Error => "warning",
        _ => "note",
    }
}

fn physical(loc: &Location) -> Value {
    let mut region = serde_json::Map::new();
    if let Some(line) = loc.line {
        region.insert("startLine".into(), json!(line));
        if let Some(col) = loc.column {
            region.insert("startColumn".into(), json!(col));
        }
    }
    let is_url = loc.path.contains("://");
    let mut artifact = json!({ "uri": loc.path });
    if !is_url {
        artifact["uriBaseId"] = json!("%SRCROOT%");
    }
    let mut physical = json!({ "artifactLocation": artifact });
    if !region.is_empty() {
        physical["region"] = Value::Object(region);
    }
    json!([{ "physicalLocation": physical }])
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
        out.push(json!({
            "ruleId": check,
            "ruleIndex": rule_index,
            "level": level(item.status),
            "message": { "text": text },
            "locations": physical(location),
            "partialFingerprints": { "gonogo/v1": fingerprint(&[check, &item.id, &item.status.to_string()]) },
            "properties": { "item": item.id, "status": item.status.as_str() },
        }));
        return;
    }
    for f in &item.evidence.findings {
        let location = f.location.as_ref().unwrap_or(&item_location);
        let mut text = f.message.clone();
        if let Some(fix) = &f.fix {
            text.push_str(&format!(" Fix: {fix}"));
        }
        out.push(json!({
            "ruleId": check,
            "ruleIndex": rule_index,
            "level": level(f.severity),
            "message": { "text": text },
            "locations": physical(location),
            "partialFingerprints": { "gonogo/v1": fingerprint(&[check, f.code, &location.path, &f.message]) },
            "properties": { "code": f.code, "item": item.id },
        }));
    }
}

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
            json!({
                "id": id,
                "name": id,
                "shortDescription": { "text": doc.map_or("", |d| d.summary) },
                "fullDescription": { "text": doc.map_or("", |d| d.description) },
                "help": { "text": format!("gonogo explain {id}") },
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "gonogo",
                "version": version,
                "rules": rules,
            }},
            "originalUriBaseIds": { "%SRCROOT%": { "description": { "text": "The repository under check" } } },
            "results": results,
            "properties": { "decision": report.decision.as_str(), "checklist": report.checklist },
        }],
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}
