//! `secrets.scan` against real git histories and arbitrary input.

use gonogo_core::{CheckContext, Params, Status};
use gonogo_secrets::history::{HistoryOptions, scan_history};
use gonogo_secrets::{RuleSource, ScanOptions, Scanner, load_rules};
use proptest::prelude::*;
use std::path::Path;
use std::process::Command;

/// A token assembled at run time so this file does not itself look like a leak.
fn token(seed: char) -> String {
    format!(
        "gh{}_{}{}",
        "p", "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ", seed
    )
}

fn git(dir: &Path, args: &[&str], date: &str) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Dev")
        .env("GIT_AUTHOR_EMAIL", "dev@example.invalid")
        .env("GIT_COMMITTER_NAME", "Dev")
        .env("GIT_COMMITTER_EMAIL", "dev@example.invalid")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn commit_all(dir: &Path, msg: &str, date: &str) {
    git(dir, &["add", "-A"], date);
    git(dir, &["commit", "-q", "--allow-empty", "-m", msg], date);
}

fn rev(dir: &Path, spec: &str) -> String {
    let out = Command::new("git")
        .args(["rev-parse", spec])
        .current_dir(dir)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// main: c1 adds a token (2024-01-10), c2 deletes it (2024-02-10), c3 copies an unrelated
/// file under two names (2024-03-10). feature (from c3): c4 adds another token (2024-04-10).
fn history_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"], "2024-01-01T00:00:00Z");
    std::fs::write(d.join("README.md"), "# app\n").unwrap();
    std::fs::write(d.join("config.py"), format!("TOKEN = \"{}\"\n", token('1'))).unwrap();
    commit_all(d, "add config", "2024-01-10T12:00:00Z");
    std::fs::remove_file(d.join("config.py")).unwrap();
    commit_all(d, "remove token", "2024-02-10T12:00:00Z");
    std::fs::write(d.join("a.txt"), "same content\n").unwrap();
    std::fs::write(d.join("b.txt"), "same content\n").unwrap();
    commit_all(d, "copies", "2024-03-10T12:00:00Z");
    git(
        d,
        &["checkout", "-q", "-b", "feature"],
        "2024-04-01T00:00:00Z",
    );
    std::fs::write(d.join("feature.env"), format!("GH={}\n", token('2'))).unwrap();
    commit_all(d, "feature", "2024-04-10T12:00:00Z");
    git(d, &["checkout", "-q", "main"], "2024-04-11T00:00:00Z");
    dir
}

fn scanner(dir: &Path) -> Scanner {
    Scanner::new(load_rules(dir, &RuleSource::Auto).unwrap())
}

fn since(s: &str) -> Option<i64> {
    Some(gonogo_secrets::history::parse_since(s, 0).unwrap())
}

#[test]
fn deleted_secret_is_found_in_the_commit_that_added_it() {
    let repo = history_repo();
    let d = repo.path();
    let r = scan_history(
        d,
        &scanner(d),
        &HistoryOptions::default(),
        &ScanOptions::default(),
    )
    .unwrap();
    let found: Vec<_> = r
        .findings
        .iter()
        .map(|f| {
            let c = f.commit.as_ref().unwrap();
            (
                f.file.as_str(),
                f.line,
                f.rule_id.as_str(),
                c.id.clone(),
                c.date.clone(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "config.py",
                1,
                "github-pat",
                rev(d, "main~2"),
                "2024-01-10T12:00:00Z".to_string()
            ),
            (
                "feature.env",
                1,
                "github-pat",
                rev(d, "feature"),
                "2024-04-10T12:00:00Z".to_string()
            ),
        ]
    );
    assert_eq!(r.stats.commits, 4);
    // README, config.py, the shared a.txt/b.txt blob, feature.env: four distinct blobs.
    assert_eq!(r.stats.blobs_scanned, 4);
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains(&token('1')) && !json.contains(&token('2')));
}

#[test]
fn branch_and_since_select_history() {
    let repo = history_repo();
    let d = repo.path();
    let s = scanner(d);
    let main_only = HistoryOptions {
        branches: vec!["main".into()],
        since: None,
    };
    let r = scan_history(d, &s, &main_only, &ScanOptions::default()).unwrap();
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].file, "config.py");

    let recent = HistoryOptions {
        branches: vec![],
        since: since("2024-02-01"),
    };
    let r = scan_history(d, &s, &recent, &ScanOptions::default()).unwrap();
    assert_eq!(r.findings.len(), 1, "{:?}", r.findings);
    assert_eq!(r.findings[0].file, "feature.env");
    // README was added before the cut and is not scanned again.
    assert_eq!(r.stats.blobs_scanned, 2);

    let bad = HistoryOptions {
        branches: vec!["nope".into()],
        since: None,
    };
    assert!(
        scan_history(d, &s, &bad, &ScanOptions::default())
            .unwrap_err()
            .contains("nope")
    );
    let not_git = tempfile::tempdir().unwrap();
    assert!(
        scan_history(
            not_git.path(),
            &s,
            &HistoryOptions::default(),
            &ScanOptions::default()
        )
        .is_err()
    );
}

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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096), keyword in 0usize..8) {
        let s = Scanner::new(gonogo_secrets::rules::builtin_rules());
        // Seed keywords so regexes really run over the noise.
        let mut input = bytes.clone();
        let kw: &[&[u8]] = &[b"password=", b"-----BEGIN RSA PRIVATE KEY-----", b"ghp_", b"xoxb-", b"eyJ", b"postgres://", b"api_key: ", b"\n"];
        input.splice(input.len() / 2..input.len() / 2, kw[keyword].iter().copied());
        let r = s.scan_bytes("f.txt", &input);
        for f in &r.findings {
            prop_assert!(f.start <= f.end && f.end <= input.len());
            prop_assert!(f.line >= 1 && f.column >= 1);
        }
    }

    #[test]
    fn arbitrary_gitleaks_configs_never_panic(text in "\\PC{0,400}") {
        let _ = gonogo_secrets::gitleaks::parse(&text, Path::new("."), "t");
    }
}
