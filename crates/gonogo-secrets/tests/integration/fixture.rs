//! A git history with secrets added and deleted, shared with the `secrets.scan` kind's tests
//! in gonogo-checks (which include this file by path).

use std::path::Path;
use std::process::Command;

/// A token assembled at run time so this file does not itself look like a leak.
pub fn token(seed: char) -> String {
    format!(
        "gh{}_{}{}",
        "p", "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ", seed
    )
}

pub fn git(dir: &Path, args: &[&str], date: &str) {
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

pub fn commit_all(dir: &Path, msg: &str, date: &str) {
    git(dir, &["add", "-A"], date);
    git(dir, &["commit", "-q", "--allow-empty", "-m", msg], date);
}

/// main: c1 adds a token (2024-01-10), c2 deletes it (2024-02-10), c3 copies an unrelated
/// file under two names (2024-03-10). feature (from c3): c4 adds another token (2024-04-10).
pub fn history_repo() -> tempfile::TempDir {
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
