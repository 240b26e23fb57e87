//! `gonogo secrets` as a user meets it: every output format, exit codes 0, 1 and 2.

use crate::gonogo;
use std::path::Path;

/// Values that look like leaks, assembled at run time so this file holds none.
fn aws_key() -> String {
    format!("AK{}{}", "IA", "QYLPMN5HHHFQ2RJX")
}
fn gh_token(last: char) -> String {
    format!(
        "gh{}_{}{}",
        "p", "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ", last
    )
}
fn pg_url() -> String {
    format!(
        "postgres://app:{}@db.internal:5432/app",
        "Qm9vZ2xlMTIzNDU2Nzg5MA"
    )
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn leaky() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "README.md", "# acme\n");
    write(
        d,
        "app/settings.py",
        &format!(
            "DEBUG = False\nAWS_ACCESS_KEY_ID = \"{}\"\nDATABASE_URL = \"{}\"\n",
            aws_key(),
            pg_url()
        ),
    );
    write(
        d,
        "deploy/ci.sh",
        &format!("#!/bin/sh\nexport GITHUB_TOKEN={}\n", gh_token('6')),
    );
    write(
        d,
        ".env.example",
        "JWT_SECRET=changethis\nAPI_KEY=<your-key>\n",
    );
    write(d, "assets/logo.png", "\u{0}\u{1}PNG binary");
    dir
}

fn run(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = gonogo(args).current_dir(dir).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_no_secret(text: &str) {
    for s in [
        aws_key(),
        gh_token('6'),
        "Qm9vZ2xlMTIzNDU2Nzg5MA".to_string(),
    ] {
        assert!(!text.contains(&s), "output leaks a secret:\n{text}");
    }
}

#[test]
fn tty_output_and_exit_1() {
    let dir = leaky();
    let (code, out, _) = run(&["secrets", "."], dir.path());
    assert_eq!(code, 1);
    assert_no_secret(&out);
    insta::assert_snapshot!("secrets_tty", out);
}

#[test]
fn json_output() {
    let dir = leaky();
    let (code, out, _) = run(&["secrets", ".", "--format", "json"], dir.path());
    assert_eq!(code, 1);
    assert_no_secret(&out);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["findings"][0]["rule_id"], "aws-access-token");
    insta::assert_snapshot!("secrets_json", out);
}

#[test]
fn sarif_output_with_stable_fingerprints() {
    let dir = leaky();
    let (code, out, _) = run(&["secrets", ".", "--format", "sarif"], dir.path());
    assert_eq!(code, 1);
    assert_no_secret(&out);
    insta::assert_snapshot!("secrets_sarif", out);
    // Moving the secret down a line keeps its fingerprint.
    let settings = dir.path().join("app/settings.py");
    let text = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(&settings, format!("\n\n{text}")).unwrap();
    let (_, moved, _) = run(&["secrets", ".", "--format", "sarif"], dir.path());
    let fps = |s: &str| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(s).unwrap();
        v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["gonogoSecret/v1"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(fps(&out), fps(&moved));
    assert_ne!(out, moved);
}

#[test]
fn clean_tree_exits_0_and_baseline_silences_known_findings() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "src/lib.rs",
        "pub fn f(password: &str) -> bool { !password.is_empty() }\n",
    );
    let (code, out, _) = run(&["secrets"], dir.path());
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("secrets_clean", out);

    let dir = leaky();
    let (code, _, err) = run(
        &["secrets", ".", "--write-baseline", "baseline.json"],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let baseline = std::fs::read_to_string(dir.path().join("baseline.json")).unwrap();
    assert_no_secret(&baseline);
    let (code, out, _) = run(&["secrets", ".", "--baseline", "baseline.json"], dir.path());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("3 in the baseline"), "{out}");
    write(
        dir.path(),
        "app/new.py",
        &format!("T = '{}'\n", gh_token('7')),
    );
    let (code, out, _) = run(&["secrets", ".", "--baseline", "baseline.json"], dir.path());
    assert_eq!(code, 1);
    assert!(out.starts_with("app/new.py:1:6  github-pat"), "{out}");
}

#[test]
fn usage_and_config_errors_exit_2() {
    let dir = leaky();
    let (code, _, err) = run(&["secrets", "no/such/dir"], dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("not a directory"), "{err}");
    let (code, _, err) = run(&["secrets", ".", "--since", "90d"], dir.path());
    assert_eq!(code, 2, "{err}");
    write(
        dir.path(),
        "bad.toml",
        "[[rules]]\nid = \"x\"\nregex = '''(open'''\n",
    );
    let (code, _, err) = run(&["secrets", ".", "--config", "bad.toml"], dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("bad.toml") && err.contains("rule x"), "{err}");
    let (code, _, err) = run(&["secrets", ".", "--history"], dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("git repository"), "{err}");
}

fn git(dir: &Path, args: &[&str], date: &str) {
    let out = std::process::Command::new("git")
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
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn history_output_names_the_commit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"], "2024-01-01T00:00:00Z");
    write(d, "config.py", &format!("TOKEN = \"{}\"\n", gh_token('8')));
    git(d, &["add", "-A"], "2024-01-10T12:00:00Z");
    git(d, &["commit", "-qm", "add"], "2024-01-10T12:00:00Z");
    std::fs::remove_file(d.join("config.py")).unwrap();
    write(d, "README.md", "# app\n");
    git(d, &["add", "-A"], "2024-02-10T12:00:00Z");
    git(d, &["commit", "-qm", "remove"], "2024-02-10T12:00:00Z");
    let (code, out, _) = run(&["secrets", "."], d);
    assert_eq!(code, 0, "{out}");
    let (code, out, err) = run(&["secrets", ".", "--history"], d);
    assert_eq!(code, 1, "{err}");
    insta::assert_snapshot!("secrets_history_tty", out);
    let (_, json, _) = run(&["secrets", ".", "--history", "--format", "json"], d);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["findings"][0]["commit"]["date"], "2024-01-10T12:00:00Z");
    let (code, _, _) = run(&["secrets", ".", "--history", "--since", "2024-02-01"], d);
    assert_eq!(code, 0);
}
