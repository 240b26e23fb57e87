//! Inputs that never end or never arrive: a device, a FIFO or a symlink to one is refused by
//! name at once, whichever input names it, and a run whose checks meet them ends with errors.

use crate::gonogo;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::{Duration, Instant};

fn mkfifo(path: &Path) {
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        path,
        rustix::fs::Mode::from_raw_mode(0o600),
    )
    .expect("mkfifo");
}

/// A directory with `zero.md` (a symlink to /dev/zero), FIFOs `pipe.md` and `pipe.sql`, files
/// over every limit (`huge.md`, `huge.toml`), and a one-item checklist.
fn hostile_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    symlink("/dev/zero", dir.path().join("zero.md")).unwrap();
    mkfifo(&dir.path().join("pipe.md"));
    mkfifo(&dir.path().join("pipe.sql"));
    // Larger than any limit, without taking the disk: sparse files of zeros.
    for (name, len) in [("huge.md", 17 << 20), ("huge.toml", 5 << 20)] {
        std::fs::File::create(dir.path().join(name))
            .unwrap()
            .set_len(len)
            .unwrap();
    }
    std::fs::write(
        dir.path().join("CHECKLIST.md"),
        "# Release\n\n- [ ] README present <!-- gonogo: files.exists path=README.md -->\n",
    )
    .unwrap();
    dir
}

/// Runs `gonogo ARGS` in `dir`, bounded: (exit code, stderr with `dir` shown as `DIR`).
fn run_in(dir: &Path, args: &[&str]) -> (Option<i32>, String, Duration) {
    let started = Instant::now();
    let out = gonogo(args)
        .current_dir(dir)
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).replace(&dir.display().to_string(), "DIR");
    (out.status.code(), stderr, started.elapsed())
}

#[test]
fn endless_and_blocking_inputs_are_refused_by_name_with_exit_2() {
    let dir = hostile_dir();
    let mut transcript = String::new();
    for args in [
        &["check", "zero.md"][..],
        &["check", "pipe.md"],
        &["check", "CHECKLIST.md", "--config", "/dev/zero"],
        &["check", "CHECKLIST.md", "--config", "pipe.md"],
        &["check", "CHECKLIST.md", "--env-file", "/dev/urandom"],
        &["check", "CHECKLIST.md", "--env-file", "pipe.md"],
        &["validate", "zero.md"],
        &["check", "huge.md"],
        &["check", "CHECKLIST.md", "--config", "huge.toml"],
        &["check", "CHECKLIST.md", "--env-file", "huge.toml"],
        &["load", "--merge", "zero.md", "pipe.md"],
        &["load", "--scenario", "pipe.md"],
    ] {
        let (code, stderr, took) = run_in(dir.path(), args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(took < Duration::from_secs(10), "{args:?} took {took:?}");
        transcript.push_str(&format!("$ gonogo {}\n{stderr}\n", args.join(" ")));
    }
    insta::assert_snapshot!("bounded_inputs_refused", transcript);
}

#[test]
fn checks_that_meet_a_fifo_or_a_device_end_in_errors_and_the_run_ends() {
    let dir = hostile_dir();
    std::fs::write(
        dir.path().join("CHECKLIST.md"),
        "# S\n\n\
         - [ ] schema <!-- gonogo: pg.schema-applied file=pipe.sql dsn=postgres://127.0.0.1:9/x timeout=3s -->\n\
         - [ ] files <!-- gonogo: files.exists path=zero.md -->\n\
         - [ ] pipe <!-- gonogo: files.exists path=pipe.md -->\n",
    )
    .unwrap();
    let started = Instant::now();
    let out = gonogo(["check", "CHECKLIST.md", "--format", "json"])
        .current_dir(dir.path())
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let summaries: Vec<(String, String)> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["status"].as_str().unwrap().to_string(),
                i["evidence"]["summary"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        summaries,
        [
            (
                "error".to_string(),
                "pipe.sql: is a FIFO, not a regular file".to_string()
            ),
            (
                "error".to_string(),
                "cannot read zero.md: resolves outside the repository".to_string()
            ),
            (
                "error".to_string(),
                "cannot read pipe.md: is a FIFO, not a regular file".to_string()
            ),
        ]
    );
}

#[test]
fn a_found_config_may_not_lead_outside_the_repository() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.toml"), "token = \"s3cr3t\"\n").unwrap();
    let dir = hostile_dir();
    symlink(
        outside.path().join("secret.toml"),
        dir.path().join("gonogo.toml"),
    )
    .unwrap();
    let (code, stderr, _) = run_in(dir.path(), &["check", "CHECKLIST.md"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("gonogo.toml:1:1: cannot read config: resolves outside the repository"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cr3t"), "{stderr}");
    // Named on the command line, it is the user's choice, read as named.
    let named = outside.path().join("secret.toml").display().to_string();
    let (_, stderr, _) = run_in(dir.path(), &["check", "CHECKLIST.md", "--config", &named]);
    assert!(!stderr.contains("resolves outside"), "{stderr}");
    // A link that stays inside the repository is followed.
    std::fs::remove_file(dir.path().join("gonogo.toml")).unwrap();
    std::fs::create_dir(dir.path().join("conf")).unwrap();
    std::fs::write(dir.path().join("conf/gonogo.toml"), "[targets]\n").unwrap();
    symlink("conf/gonogo.toml", dir.path().join("gonogo.toml")).unwrap();
    let (code, stderr, _) = run_in(dir.path(), &["check", "CHECKLIST.md"]);
    assert_ne!(code, Some(2), "{stderr}");
}
