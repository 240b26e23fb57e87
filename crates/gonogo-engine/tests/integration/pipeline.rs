//! The pipeline on a small repository: load → bind → run → decide, records applied, a subset
//! of items evaluated alone, and inputs held in memory.

use gonogo_core::Status;
use gonogo_engine::decide::apply_records;
use gonogo_engine::{
    CheckOptions, Decision, Engine, Error, Inputs, Selection, Silent, StoreOptions,
};
use gonogo_store::{Attestation, Records};
use std::path::Path;

const CHECKLIST: &str = "# Release

## Docs
- [ ] README present <!-- gonogo: files.exists path=README.md -->
- [ ] Runbook written <!-- gonogo: files.exists path=RUNBOOK.md -->
- [ ] Privacy policy reviewed
- [ ] **Site**
  - [ ] Changelog kept <!-- gonogo: files.exists path=CHANGELOG.md -->
";

/// A repository with a README and a changelog, but no runbook.
fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("CHECKLIST.md"), CHECKLIST).unwrap();
    std::fs::write(
        root.join("README.md"),
        "# Service\n\nWhat it does and how to run it.\n",
    )
    .unwrap();
    std::fs::write(
        root.join("CHANGELOG.md"),
        "# Changelog\n\n## 1.0.0\n- First release.\n",
    )
    .unwrap();
    dir
}

fn inputs(root: &Path) -> Inputs {
    let mut inputs = Inputs::from_path(root.join("CHECKLIST.md"));
    inputs.repo = Some(root.to_path_buf());
    inputs.env.inherit_process = false;
    inputs
}

fn status_of(report: &gonogo_engine::Report, id: &str) -> Status {
    report
        .items
        .iter()
        .find(|i| i.id == id)
        .unwrap_or_else(|| panic!("no item {id}"))
        .status
}

#[tokio::test]
async fn stages_one_by_one_bind_run_and_decide() {
    let dir = fixture();
    let engine = Engine::default();
    let loaded = engine.load(&inputs(dir.path())).unwrap();
    assert_eq!(loaded.repo, dir.path());
    let mut bound = engine.bind(loaded).unwrap();
    assert!(bound.diagnostics.is_empty(), "{:?}", bound.diagnostics);
    bound.require_items().unwrap();

    let seen = std::sync::Mutex::new(Vec::new());
    let progress = |done: usize, total: usize, check: &str| {
        seen.lock().unwrap().push((done, total, check.to_string()));
    };
    let outcomes = engine
        .run(&mut bound, &Selection::All, &Default::default(), &progress)
        .await;
    assert_eq!(outcomes.items.len(), 5);
    assert_eq!(seen.lock().unwrap().len(), 3, "three distinct checks ran");

    let report = engine.decide(&bound, outcomes);
    assert_eq!(report.decision, Decision::NoGo);
    assert_eq!(status_of(&report, "docs/readme-present"), Status::Pass);
    assert_eq!(status_of(&report, "docs/runbook-written"), Status::Fail);
    assert_eq!(
        status_of(&report, "docs/privacy-policy-reviewed"),
        Status::Manual
    );
    assert_eq!(
        status_of(&report, "docs/site"),
        Status::Pass,
        "derived from its sub-item"
    );
}

#[tokio::test]
async fn a_subset_is_run_and_decided_alone() {
    let dir = fixture();
    let engine = Engine::default();
    let mut bound = engine
        .bind(engine.load(&inputs(dir.path())).unwrap())
        .unwrap();
    let selection = Selection::items(["docs/readme-present", "docs/site"]);
    let outcomes = engine
        .run(&mut bound, &selection, &Default::default(), &Silent)
        .await;
    let ran = outcomes.items.iter().filter(|o| o.is_some()).count();
    assert_eq!(ran, 2, "README and the site's sub-item only");
    let report = engine.decide(&bound, outcomes);
    let ids: Vec<&str> = report.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "docs/readme-present",
            "docs/site",
            "docs/site/changelog-kept"
        ]
    );
    assert_eq!(report.items[2].parent, Some(1), "parent links renumbered");
    assert_eq!(
        report.decision,
        Decision::Go,
        "the failing runbook is not in the subset"
    );

    // The plan is whole again: a full run afterwards evaluates every item.
    let outcomes = engine
        .run(&mut bound, &Selection::All, &Default::default(), &Silent)
        .await;
    let report = engine.decide(&bound, outcomes);
    assert_eq!(report.items.len(), 5);
    assert_eq!(status_of(&report, "docs/runbook-written"), Status::Fail);
}

#[tokio::test]
async fn records_people_made_are_applied() {
    let dir = fixture();
    let engine = Engine::default();
    let mut bound = engine
        .bind(engine.load(&inputs(dir.path())).unwrap())
        .unwrap();
    let selection = Selection::items(["docs/readme-present", "docs/privacy-policy-reviewed"]);
    let outcomes = engine
        .run(&mut bound, &selection, &Default::default(), &Silent)
        .await;
    let mut report = engine.decide(&bound, outcomes);
    assert_eq!(report.decision, Decision::NoGo, "a manual item is pending");
    let now = 1_800_000_000;
    let records = Records {
        attestations: vec![Attestation {
            id: 1,
            project: Some("github.com/org/x".into()),
            checklist: "CHECKLIST.md".into(),
            item_id: "docs/privacy-policy-reviewed".into(),
            item_text: String::new(),
            by: "Jane Roe".into(),
            role: None,
            evidence: None,
            note: None,
            at: now - 60,
            expires_at: None,
            revoked_at: None,
        }],
        ..Records::default()
    };
    apply_records(&mut report, &records, &bound.loaded.config.policy, now);
    assert_eq!(
        status_of(&report, "docs/privacy-policy-reviewed"),
        Status::Attested
    );
    assert_eq!(report.decision, Decision::Go);
}

#[tokio::test]
async fn in_memory_inputs_with_a_store_are_checked_and_recorded() {
    let dir = fixture();
    let engine = Engine::default();
    let config = "[policy]\nblocking = [\"section:docs\"]\n[store]\nurl = \"sqlite:runs.db\"\n";
    let inputs = Inputs::in_memory(
        dir.path().join("pushed.md").display().to_string(),
        "# Pushed\n\n## Docs\n- [ ] README present <!-- gonogo: files.exists path=README.md -->\n",
        Some(config.to_string()),
        dir.path(),
    );
    let options = CheckOptions {
        store: Some(StoreOptions {
            now: Some("2026-11-22T10:00:00Z".into()),
            ..StoreOptions::default()
        }),
        ..CheckOptions::default()
    };
    let first = engine.check(&inputs, &options, &Silent).await.unwrap();
    assert_eq!(first.report.decision, Decision::Go);
    assert_eq!(first.report.run, Some(1));
    assert!(
        dir.path().join("runs.db").exists(),
        "the config's store, beside the checklist"
    );
    let second = engine.check(&inputs, &options, &Silent).await.unwrap();
    assert_eq!(
        (second.report.run, second.report.previous_run),
        (Some(2), Some(1))
    );
}

#[tokio::test]
async fn mistakes_are_returned_as_located_diagnostics() {
    let dir = fixture();
    let engine = Engine::default();
    let inputs = Inputs::in_memory(
        "pushed.md",
        "# Pushed\n\n- [ ] README <!-- gonogo: files.nope path=README.md -->\n",
        Some("[run]\nconcurrency = 0\n".into()),
        dir.path(),
    );
    let Err(Error::Diagnostics(diags)) = engine.load(&inputs) else {
        panic!("a bad config is diagnostics");
    };
    assert_eq!(diags[0].file, "gonogo.toml");

    let inputs = Inputs::in_memory(
        "pushed.md",
        "# Pushed\n\n- [ ] README <!-- gonogo: files.nope path=README.md -->\n",
        None,
        dir.path(),
    );
    let loaded = engine.load(&inputs).unwrap();
    let Err(Error::Diagnostics(diags)) = engine.bind(loaded) else {
        panic!("an unknown check is diagnostics");
    };
    assert_eq!((diags[0].file.as_str(), diags[0].line), ("pushed.md", 3));

    let empty = Inputs::in_memory("empty.md", "# Nothing here\n", None, dir.path());
    let err = engine
        .check(&empty, &CheckOptions::default(), &Silent)
        .await
        .err()
        .expect("no items, nothing to decide");
    assert!(
        err.to_string().contains("no checklist items found"),
        "{err}"
    );
}

/// `git ARGS` in `dir`, isolated from the user's and the system's configuration (the test
/// builds a repository with git; the engine reads it with gitoxide).
fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "T")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "T")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn git_facts_come_from_the_repository_itself() {
    let dir = fixture();
    let root = dir.path();
    assert_eq!(
        gonogo_engine::git::head_commit(root),
        None,
        "not a repository"
    );
    git(root, &["init", "-q"]);
    assert_eq!(gonogo_engine::git::head_commit(root), None, "unborn HEAD");
    git(root, &["add", "README.md"]);
    git(root, &["commit", "-q", "-m", "first"]);
    let head = git(root, &["rev-parse", "HEAD"]);
    assert_eq!(gonogo_engine::git::head_commit(root), Some(head));
    // A sub-directory is not the root of the repository: its HEAD says nothing.
    std::fs::create_dir(root.join("sub")).unwrap();
    assert_eq!(gonogo_engine::git::head_commit(&root.join("sub")), None);

    // The repository's own config names the signer, from anywhere inside the work tree.
    git(root, &["config", "user.name", "Jane Roe"]);
    git(root, &["config", "user.email", "jane@example.com"]);
    assert_eq!(
        gonogo_engine::git::identity(&root.join("sub")).as_deref(),
        Some("Jane Roe <jane@example.com>")
    );
}

#[test]
fn runs_are_filed_under_the_checklist_path_in_its_work_tree() {
    use gonogo_engine::record::checklist_key;
    let dir = fixture();
    let root = dir.path();
    std::fs::create_dir(root.join("docs")).unwrap();
    std::fs::write(root.join("docs/READY.md"), CHECKLIST).unwrap();
    assert_eq!(
        checklist_key(&root.join("docs/READY.md")),
        "READY.md",
        "no work tree"
    );
    std::fs::create_dir(root.join(".git")).unwrap();
    assert_eq!(checklist_key(&root.join("docs/READY.md")), "docs/READY.md");

    let options = StoreOptions::default();
    let (url, default) = options.url_for(None, &root.join("docs/READY.md")).unwrap();
    assert!(default);
    assert_eq!(
        url,
        gonogo_store::StoreUrl::Sqlite(root.join("docs/.gonogo/gonogo.db"))
    );
    let (url, default) = options
        .url_for(Some("sqlite:runs.db"), &root.join("docs/READY.md"))
        .unwrap();
    assert!(!default);
    assert_eq!(
        url,
        gonogo_store::StoreUrl::Sqlite(root.join("docs/runs.db"))
    );
}

#[test]
fn a_project_is_its_origin_else_its_path() {
    use gonogo_engine::git::project_identity;
    let dir = fixture();
    let root = dir.path();
    let canonical = root.canonicalize().unwrap().display().to_string();
    assert_eq!(project_identity(root), canonical, "not a repository");
    git(root, &["init", "-q"]);
    assert_eq!(project_identity(root), canonical, "no origin");
    git(
        root,
        &[
            "remote",
            "add",
            "origin",
            "https://ci:ghp_token@GitHub.com/Org/App.git",
        ],
    );
    assert_eq!(
        project_identity(root),
        "github.com/Org/App",
        "no credentials, host in lower case, no .git"
    );
    std::fs::create_dir(root.join("services")).unwrap();
    assert_eq!(
        project_identity(&root.join("services")),
        "github.com/Org/App//services",
        "a directory inside the work tree is a project of its own"
    );
    // The key of a checklist in it: the project and the path in the work tree.
    let key = gonogo_engine::record::key_of(root, &root.join("CHECKLIST.md"));
    assert_eq!(
        (key.project.as_deref(), key.checklist.as_str()),
        (Some("github.com/Org/App"), "CHECKLIST.md")
    );
}
