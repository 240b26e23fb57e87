//! History scanning against real git repositories.

use crate::fixture::{history_repo, token};
use gonogo_secrets::history::{HistoryOptions, scan_history};
use gonogo_secrets::{RuleSource, ScanOptions, Scanner, load_rules};
use std::path::Path;
use std::process::Command;

fn rev(dir: &Path, spec: &str) -> String {
    let out = Command::new("git")
        .args(["rev-parse", spec])
        .current_dir(dir)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
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
