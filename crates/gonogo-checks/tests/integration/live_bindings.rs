//! How the seed checklists' live items bind to the PostgreSQL, Redis and Prometheus kinds, and
//! what every live kind says when its target is not configured.

use gonogo_core::bind::{ItemBinding, bind};
use gonogo_core::config::Config;
use gonogo_core::{CheckKind, Service, Status};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The kinds this test covers: the data and monitoring services (HTTP and TLS have theirs).
fn is_data_or_monitoring(kind: &dyn CheckKind) -> bool {
    matches!(
        kind.doc().live,
        Some(Service::Postgres | Service::Redis | Service::Prometheus)
    )
}

/// Every item of `seed` bound to a live kind: line, text, kind and parameters.
fn live_bindings(seed: &str) -> String {
    let path = format!(
        "{}/../../examples/checklists/{seed}",
        env!("CARGO_MANIFEST_DIR")
    );
    let source = std::fs::read_to_string(&path).unwrap();
    let checklist = gonogo_checklist::parse(&source);
    let registry = gonogo_checks::registry();
    let plan = bind(
        &checklist,
        seed,
        &Config::with_defaults(),
        &registry,
        &BTreeMap::new(),
    );
    let mut out = String::new();
    for (item, binding) in checklist.items.iter().zip(&plan.items) {
        if let ItemBinding::Check(b) = binding
            && is_data_or_monitoring(b.kind)
        {
            let params: Vec<String> = b.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            writeln!(
                out,
                "{:>3}: {} → {} {}",
                item.line,
                item.text,
                b.kind.id(),
                params.join(" ")
            )
            .unwrap();
            assert!(
                b.prepared.is_ok(),
                "{}: {:?}",
                item.text,
                b.prepared.as_ref().err()
            );
        }
    }
    out
}

#[test]
fn seed_000_live_items_bind_to_live_kinds() {
    insta::assert_snapshot!(live_bindings("seed-000.md"));
}

#[test]
fn seed_004_live_items_bind_to_live_kinds() {
    insta::assert_snapshot!(live_bindings("seed-004.md"));
}

#[tokio::test]
async fn every_live_kind_is_an_error_without_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = crate::live::ctx(dir.path(), &[]);
    let mut out = String::new();
    for kind in gonogo_checks::KINDS
        .iter()
        .filter(|k| is_data_or_monitoring(**k))
    {
        // Only prom.query and pg.schema-applied have required parameters.
        let needs_query: &[(&str, &str)] = match kind.id() {
            "prom.query" => &[("query", "up"), ("min", "1")],
            "pg.schema-applied" => &[("file", "schema.sql")],
            _ => &[],
        };
        let o = crate::live::run(*kind as &dyn CheckKind, needs_query, &ctx).await;
        // It cannot run, so it cannot tell: never a skip that would let Go through.
        assert_eq!(o.status, Status::Error, "{}: {o:?}", kind.id());
        writeln!(out, "{}: {}", kind.id(), o.evidence.summary).unwrap();
    }
    insta::assert_snapshot!(out);
}

/// `CheckDoc::targets` is what makes a `[targets]` key known (a misspelt one is an error): every
/// live kind declares the targets it reads, and without them says which one is missing.
#[tokio::test]
async fn every_live_kind_declares_the_targets_it_reads() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = crate::live::ctx(dir.path(), &[]);
    for kind in gonogo_checks::KINDS.iter().filter(|k| k.doc().is_live()) {
        let doc = kind.doc();
        assert!(!doc.targets.is_empty(), "{}: no targets", kind.id());
        // Its first example, without an address of its own.
        let example = gonogo_core::bind::parse_annotation(doc.examples[0]).unwrap();
        let params: Vec<(&str, &str)> = example
            .params
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "url" | "dsn"))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let o = crate::live::run(*kind as &dyn CheckKind, &params, &ctx).await;
        assert_eq!(o.status, Status::Error, "{}: {o:?}", kind.id());
        assert!(
            doc.targets
                .iter()
                .any(|t| o.evidence.summary.starts_with(&format!("no {t} "))),
            "{}: {} names none of {:?}",
            kind.id(),
            o.evidence.summary,
            doc.targets
        );
    }
}
