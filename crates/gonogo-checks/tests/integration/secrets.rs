//! `secrets.scan` against real git histories and gitleaks configurations.

#[path = "../../../gonogo-secrets/tests/integration/fixture.rs"]
mod fixture;

use fixture::{history_repo, token};
use gonogo_core::{CheckContext, Params, Status};
use std::path::Path;

fn run_check(dir: &Path, params: Params) -> gonogo_core::Outcome {
    let kind = gonogo_checks::registry().get("secrets.scan").unwrap();
    let check = kind.prepare(&params).unwrap();
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(check.run(&CheckContext::new(dir.to_path_buf())))
}

#[test]
fn the_check_reports_history_only_when_asked() {
    let repo = history_repo();
    let d = repo.path();
    assert_eq!(run_check(d, Params::new()).status, Status::Pass);
    let o = run_check(d, Params::new().with("history", "true"));
    assert_eq!(o.status, Status::Fail);
    let codes: Vec<_> = o
        .evidence
        .findings
        .iter()
        .map(|f| (f.code, f.location.as_ref().unwrap().to_string()))
        .collect();
    assert_eq!(
        codes,
        [
            ("secrets-in-history", "config.py:1:10".to_string()),
            ("secrets-in-history", "feature.env:1:4".to_string())
        ]
    );
    assert!(o.evidence.findings[0].message.contains("2024-01-10"));
    let o = run_check(
        d,
        Params::new()
            .with("history", "true")
            .with("branch", "main")
            .with("since", "2024-02-01"),
    );
    assert_eq!(o.status, Status::Pass, "{}", o.evidence.summary);
}

#[test]
fn a_gitleaks_config_with_a_custom_rule_and_allowlist_behaves_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join(".gitleaks.toml"),
        r#"
title = "acme"

[extend]
useDefault = true

[[rules]]
id = "acme-service-key"
description = "ACME service key"
regex = '''acme_sk_([a-z0-9]{20})'''
secretGroup = 1
keywords = ["acme_sk_"]

[[allowlists]]
description = "test fixtures"
paths = ['''(^|/)fixtures/''']

[[allowlists]]
description = "the documented sample key"
targetRules = ["acme-service-key"]
regexes = ['''^0000''']
"#,
    )
    .unwrap();
    let key = format!("acme_sk_{}", "q8w7e6r5t4y3u2i1o9p8");
    let sample = format!("acme_sk_{}", "0000r5t4y3u2i1o9p8aa");
    std::fs::create_dir_all(d.join("fixtures")).unwrap();
    std::fs::write(
        d.join("app.py"),
        format!("K = '{key}'\nS = '{sample}'\nG = '{}'\n", token('3')),
    )
    .unwrap();
    std::fs::write(d.join("fixtures/f.py"), format!("K = '{key}'\n")).unwrap();
    let o = run_check(d, Params::new());
    let got: Vec<_> = o
        .evidence
        .findings
        .iter()
        .map(|f| (f.location.as_ref().unwrap().to_string(), f.message.clone()))
        .collect();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].0, "app.py:1:14");
    assert!(got[0].1.contains("acme-service-key") && got[0].1.contains("q8w7…(20 chars)"));
    assert_eq!(got[1].0, "app.py:3:6");
    assert!(got[1].1.contains("github-pat"));
}
