//! The two canonical checklists parse completely, and nothing makes the parser panic.

use gonogo_checklist::{Checklist, ItemKind, parse};
use proptest::prelude::*;

fn seed(name: &str) -> (String, Checklist) {
    let path = format!(
        "{}/../../examples/checklists/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let parsed = parse(&src);
    (src, parsed)
}

fn count(c: &Checklist, pred: impl Fn(&gonogo_checklist::Item) -> bool) -> usize {
    c.items.iter().filter(|i| pred(i)).count()
}

#[test]
fn seed_000_counts() {
    let (_, c) = seed("seed-000.md");
    assert_eq!(
        count(&c, |i| i.kind != ItemKind::Criterion),
        71,
        "task items"
    );
    assert_eq!(count(&c, |i| i.kind == ItemKind::Criterion), 9, "criteria");
    assert_eq!(count(&c, |i| i.kind == ItemKind::Signoff), 0);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
}

#[test]
fn seed_004_counts() {
    let (_, c) = seed("seed-004.md");
    assert_eq!(
        count(&c, |i| i.kind != ItemKind::Criterion),
        180,
        "task items"
    );
    assert_eq!(
        count(&c, |i| i.kind != ItemKind::Criterion && i.numbered),
        21,
        "numbered"
    );
    assert_eq!(
        count(&c, |i| i.kind == ItemKind::Signoff),
        8,
        "sign-off slots"
    );
    assert_eq!(count(&c, |i| i.kind == ItemKind::Criterion), 15, "criteria");
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let labels: Vec<_> = c
        .items_of(ItemKind::Signoff)
        .filter_map(|i| i.signoff_label.as_deref())
        .collect();
    assert_eq!(
        labels,
        [
            "Engineering Lead",
            "Product Manager",
            "Security Team",
            "DevOps Team",
            "Deployment Window Approved",
            "Risk Assessment Complete",
            "Rollback Plan Tested",
            "Go/No-Go Decision"
        ]
    );
}

#[test]
fn ids_are_unique_and_stable() {
    for name in ["seed-000.md", "seed-004.md"] {
        let (src, a) = seed(name);
        let b = parse(&src);
        let mut ids: Vec<_> = a.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(
            ids,
            b.items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>()
        );
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len(), "{name}: ids unique");
    }
}

#[test]
fn mojibake_is_repaired_for_display() {
    let (_, c) = seed("seed-000.md");
    let titles: Vec<_> = c.sections.iter().map(|s| s.title.as_str()).collect();
    assert!(
        titles.contains(&"✅ Pre-Deployment Validation"),
        "{titles:?}"
    );
    assert!(titles.contains(&"2. Testing Coverage 🧪"), "{titles:?}");
    let (_, c) = seed("seed-004.md");
    assert_eq!(c.sections[1].title, "📋 Pre-Deployment Checklist");
}

/// The parsed model of both seeds, line by line: kind, line, depth, id, label and text.
#[test]
fn seed_models_snapshot() {
    for name in ["seed-000.md", "seed-004.md"] {
        let (_, c) = seed(name);
        let mut out = String::new();
        for s in &c.sections {
            let blocks = s.code_blocks.len();
            let tables = s.tables.len();
            out.push_str(&format!(
                "§{} L{} {}{}{}\n",
                s.level,
                s.line,
                s.title,
                if blocks > 0 {
                    format!(" [{blocks} code]")
                } else {
                    String::new()
                },
                if tables > 0 {
                    format!(" [{tables} table]")
                } else {
                    String::new()
                }
            ));
        }
        for i in &c.items {
            let mut depth = 0;
            let mut p = i.parent;
            while let Some(pi) = p {
                depth += 1;
                p = c.items[pi].parent;
            }
            let kind = match i.kind {
                ItemKind::Task if i.numbered => "num",
                ItemKind::Task => "task",
                ItemKind::Criterion => "crit",
                ItemKind::Signoff => "sign",
            };
            out.push_str(&format!(
                "{kind:4} L{:<3} {}{}  {{{}}}{}\n",
                i.line,
                "  ".repeat(depth),
                i.display,
                i.id,
                i.signoff_label
                    .as_ref()
                    .map(|l| format!(" role={l}"))
                    .unwrap_or_default()
            ));
        }
        insta::assert_snapshot!(format!("model-{name}"), out);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Arbitrary text never makes the parser panic, and every item's span is a real line.
    #[test]
    fn never_panics(src in "(?s)[-*+ \\[\\]xX0-9.()<>!#`|_:\n\r\t\u{feff}âœ…ğŸ§ªéa-z]{0,400}") {
        let c = parse(&src);
        for i in &c.items {
            prop_assert!(src.get(i.line_span.clone()).is_some());
        }
    }

    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let src = String::from_utf8_lossy(&bytes);
        let _ = parse(&src);
    }
}
