//! The canonical inputs: both seed checklists, read, bound and checked against the shipped
//! example repository.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `gonogo ARGS…` run from the workspace root.
fn gonogo_at_root(args: &[&str]) -> assert_cmd::Command {
    let mut cmd = crate::gonogo(args);
    cmd.current_dir(root());
    cmd
}

fn validate_json(seed: &str) -> serde_json::Value {
    let out = gonogo_at_root(&[
        "validate",
        &format!("examples/checklists/{seed}"),
        "--repo",
        "examples/acme-api",
        "--format",
        "json",
    ])
    .output()
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Share of items (derived parents excluded) bound to a check.
fn bound_share(v: &serde_json::Value) -> (usize, usize) {
    let items = v["items"].as_array().unwrap();
    let counted: Vec<_> = items.iter().filter(|i| i["derived"] != true).collect();
    let bound = counted.iter().filter(|i| !i["check"].is_null()).count();
    (bound, counted.len())
}

#[test]
fn seeds_bind_a_fifth_of_their_items_automatically() {
    let (mut bound, mut total) = (0, 0);
    for seed in ["seed-000.md", "seed-004.md"] {
        let v = validate_json(seed);
        let (b, t) = bound_share(&v);
        bound += b;
        total += t;
    }
    let share = bound as f64 / total as f64;
    assert!(
        share >= 0.20,
        "only {bound} of {total} seed items bound ({:.0}%)",
        share * 100.0
    );
}

/// Every binding of both seeds, one line per item: reviewing this snapshot is reviewing
/// whether each auto-binding is one a reader would agree with.
#[test]
fn seed_bindings_snapshot() {
    for seed in ["seed-000.md", "seed-004.md"] {
        let v = validate_json(seed);
        let mut lines = Vec::new();
        for item in v["items"].as_array().unwrap() {
            let how = match (&item["check"], item["derived"].as_bool()) {
                (serde_json::Value::String(c), _) => {
                    let params: Vec<String> = item["params"]
                        .as_object()
                        .unwrap()
                        .iter()
                        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                        .collect();
                    format!("{c} {}", params.join(" ")).trim_end().to_string()
                }
                (_, Some(true)) => "(derived)".into(),
                _ => "manual".into(),
            };
            lines.push(format!(
                "{:>3} {:<60} {how}",
                item["line"],
                item["text"].as_str().unwrap_or_default()
            ));
        }
        insta::assert_snapshot!(format!("bindings-{seed}"), lines.join("\n"));
    }
}

#[test]
fn seed_000_against_the_example_is_a_mixed_no_go() {
    let out = gonogo_at_root(&[
        "check",
        "examples/checklists/seed-000.md",
        "--repo",
        "examples/acme-api",
        "--format",
        "json",
    ])
    .output()
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // No service runs for the example: its config declares the run static only.
    assert_eq!(v["partial"]["scope"], "static");
    assert!(v["partial"]["unverified"].as_u64().unwrap_or(0) > 0);
    assert!(
        v["verdict"]
            .as_str()
            .unwrap()
            .starts_with("No-Go (static only: "),
        "{}",
        v["verdict"]
    );
    let counts = &v["summary"]["counts"];
    for status in ["pass", "fail", "manual"] {
        assert!(
            counts[status].as_u64().unwrap_or(0) > 0,
            "expected some `{status}` items: {counts}"
        );
    }
}
