//! What the built-in kinds bind in the two seed checklists, item by item: the snapshot is the
//! list a reader reviews ("would I agree that this check judges this item?").

use gonogo_core::bind::{ItemBinding, bind};
use gonogo_core::config::Config;
use std::collections::BTreeMap;
use std::fmt::Write;

fn bindings(seed: &str) -> String {
    let path = format!(
        "{}/../../examples/checklists/{seed}",
        env!("CARGO_MANIFEST_DIR")
    );
    let src = std::fs::read_to_string(path).unwrap();
    let checklist = gonogo_checklist::parse(&src);
    let plan = bind(
        &checklist,
        seed,
        &Config::with_defaults(),
        &gonogo_checks::registry(),
        &BTreeMap::new(),
    );
    let mut out = String::new();
    let (mut bound, mut counted) = (0, 0);
    for (item, b) in checklist.items.iter().zip(&plan.items) {
        match b {
            ItemBinding::Derived => continue,
            ItemBinding::Check(c) => {
                bound += 1;
                counted += 1;
                let params: Vec<String> =
                    c.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
                assert!(
                    c.prepared.is_ok(),
                    "{}: {:?}",
                    item.text,
                    c.prepared.as_ref().err()
                );
                writeln!(
                    out,
                    "{:>4} {:<60} -> {} {}",
                    item.line,
                    item.text,
                    c.kind.id(),
                    params.join(" ")
                )
                .unwrap();
            }
            ItemBinding::Manual { .. } => {
                counted += 1;
                writeln!(out, "{:>4} {:<60} -> manual", item.line, item.text).unwrap();
            }
        }
    }
    writeln!(out, "bound {bound} of {counted}").unwrap();
    out
}

#[test]
fn seed_000_bindings() {
    insta::assert_snapshot!(bindings("seed-000.md"));
}

#[test]
fn seed_004_bindings() {
    insta::assert_snapshot!(bindings("seed-004.md"));
}
