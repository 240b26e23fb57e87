//! `gonogo suggest` end to end: what it proposes, `--accept`, `--min-score`, `--write`, and a
//! later `validate`/`check` binding by the written rules. The kinds asserted on are Kubernetes
//! items, which bind today; assertions on other items are on structure only, so they hold as
//! more kinds learn their vocabulary.

use crate::gonogo;
use std::path::Path;

const CHECKLIST: &str = "# Release\n\n\
## Kubernetes\n\n\
- [ ] PDBs configured\n\
- [ ] Liveness and readiness probes configured\n\
- [ ] HPA configured for the API\n\
- [ ] PDBs configured, reviewed with the SRE team\n\n\
## Team\n\n\
- [ ] Celebrate with the team\n\
- [ ] Docs reviewed <!-- gonogo: manual reason=\"by hand\" -->\n\
- [ ] Engineering Lead: ____ Date: ____\n";

const PDB: &str = "kubernetes/pdbs-configured";
const PROBES: &str = "kubernetes/liveness-and-readiness-probes-configured";
const CELEBRATE: &str = "team/celebrate-with-the-team";
/// Asks for an act by people as well: below the threshold, so manual, with a candidate.
const REVIEWED: &str = "kubernetes/pdbs-configured-reviewed-with-the-sre-team";

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join("CHECKLIST.md"), CHECKLIST).unwrap();
    dir
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = gonogo(args)
        .current_dir(dir)
        .write_stdin("")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let (code, out, err) = run(dir, args);
    assert_eq!(code, 0, "{out}{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn item<'a>(doc: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no item {id} in {doc:#}"))
}

/// `        2. http.status …`: a candidate after the best.
fn is_a_further_candidate(line: &str) -> bool {
    line.trim_start()
        .split_once(". ")
        .and_then(|(n, _)| n.parse::<usize>().ok())
        .is_some_and(|n| n > 1)
}

fn config(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("gonogo.toml")).unwrap_or_default()
}

#[test]
fn suggest_text_lists_every_unbound_item_with_its_candidates() {
    let dir = repo();
    let (code, out, err) = run(dir.path(), &["suggest", "CHECKLIST.md"]);
    assert_eq!(code, 0, "{err}");
    // Only the Kubernetes items and their best candidate are pinned: the rest changes as kinds
    // learn words.
    let kubernetes: String = out
        .lines()
        .skip_while(|l| !l.starts_with("Kubernetes"))
        .take_while(|l| !l.starts_with("Team"))
        .filter(|l| !is_a_further_candidate(l))
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!("suggest-text-kubernetes", kubernetes);
    assert!(out.contains(CELEBRATE), "{out}");
    assert!(
        !out.contains("docs-reviewed"),
        "annotated items are bound: {out}"
    );
    assert!(
        !out.contains("Engineering Lead"),
        "sign-off slots are for people: {out}"
    );
    assert!(
        !dir.path().join("gonogo.toml").exists(),
        "without --write nothing is written"
    );
}

#[test]
fn suggest_json_has_ids_lines_and_scored_candidates() {
    let dir = repo();
    let doc = json(dir.path(), &["suggest", "CHECKLIST.md", "--format", "json"]);
    assert_eq!(doc["threshold"], 60);
    assert_eq!(doc["min_score"], 60);
    assert!(doc["written"].is_null());
    let pdb = item(&doc, PDB);
    insta::assert_snapshot!(
        "suggest-json-pdb-item",
        serde_json::to_string_pretty(pdb).unwrap()
    );
    assert_eq!(pdb["line"], 5);
    assert_eq!(pdb["text"], "PDBs configured");
    assert_eq!(pdb["auto_bound"], "k8s.workloads");
    let best = &pdb["candidates"][0];
    assert_eq!(best["check"], "k8s.workloads");
    assert_eq!(best["params"]["rules"], "pdb");
    assert!(best["score"].as_u64().unwrap() >= 60, "{best}");
    assert!(!best["matched"].as_array().unwrap().is_empty(), "{best}");
    assert_eq!(best["acceptable"], true);
    for i in doc["items"].as_array().unwrap() {
        for (n, c) in i["candidates"].as_array().unwrap().iter().enumerate() {
            assert!(c["score"].as_u64().unwrap() >= 30, "{c}");
            assert_eq!(c["acceptable"], n == 0 && c["score"].as_u64() >= Some(60));
        }
    }
    let ids: Vec<&str> = doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&CELEBRATE), "{ids:?}");
    assert!(!ids.contains(&"team/docs-reviewed"), "{ids:?}");
    assert_eq!(ids.len(), 5, "{ids:?}");
    let reviewed = item(&doc, REVIEWED);
    assert!(reviewed["auto_bound"].is_null(), "{reviewed}");
    assert_eq!(reviewed["candidates"][0]["acceptable"], false, "{reviewed}");
}

#[test]
fn write_accept_all_appends_rules_that_validate_and_check_then_use() {
    let dir = repo();
    let (code, out, err) = run(
        dir.path(),
        &["suggest", "CHECKLIST.md", "--write", "--accept", "all"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Wrote "), "{out}");
    assert!(out.contains("(created)"), "{out}");
    let written = config(dir.path());
    assert!(
        written.starts_with("# Bindings accepted from `gonogo suggest`.\n"),
        "{written}"
    );
    assert!(written.contains(&format!("item = \"{PDB}\"")), "{written}");
    assert!(written.contains("check = \"k8s.workloads\""), "{written}");
    assert!(written.contains("# suggested: score "), "{written}");

    let validated = json(
        dir.path(),
        &["validate", "CHECKLIST.md", "--format", "json"],
    );
    for id in [PDB, PROBES] {
        assert_eq!(item(&validated, id)["binding"], "config", "{validated:#}");
        assert!(item(&validated, id).get("recognition").is_none());
    }
    let (_, checked, err) = run(dir.path(), &["check", "CHECKLIST.md", "--format", "json"]);
    let checked: serde_json::Value =
        serde_json::from_str(&checked).unwrap_or_else(|e| panic!("{e}: {checked}{err}"));
    assert_eq!(item(&checked, PDB)["binding"], "config", "{checked:#}");
    assert_eq!(item(&checked, PDB)["check"], "k8s.workloads");

    // A second write finds every item bound by a rule: nothing left to add, nothing changed.
    let (code, out, _) = run(
        dir.path(),
        &["suggest", "CHECKLIST.md", "--write", "--accept", "all"],
    );
    assert_eq!(code, 0);
    assert_eq!(config(dir.path()), written, "{out}");
}

#[test]
fn accept_by_id_takes_that_item_only_and_keeps_the_existing_config() {
    let dir = repo();
    let before = "# ours\n[run]\nconcurrency = 2\n";
    std::fs::write(dir.path().join("gonogo.toml"), before).unwrap();
    let (code, out, err) = run(
        dir.path(),
        &["suggest", "CHECKLIST.md", "--write", "--accept", PROBES],
    );
    assert_eq!(code, 0, "{out}{err}");
    let after = config(dir.path());
    assert!(after.starts_with(before), "{after}");
    insta::assert_snapshot!("suggest-accept-id-appended", &after[before.len()..]);
    let report = &out[out.find("Wrote ").unwrap_or(0)..];
    insta::assert_snapshot!("suggest-accept-id-report", report);
    assert_eq!(after.matches("[[bind]]").count(), 1, "{after}");
}

#[test]
fn accept_names_a_missing_or_candidateless_item_and_writes_nothing() {
    let dir = repo();
    for bad in ["kubernetes/no-such-item", CELEBRATE] {
        let (code, _, err) = run(
            dir.path(),
            &["suggest", "CHECKLIST.md", "--write", "--accept", PDB, bad],
        );
        if bad == CELEBRATE && !err.contains(bad) {
            // A kind learnt to read the item: it is no longer without a candidate.
            continue;
        }
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(bad), "{err}");
        assert!(!dir.path().join("gonogo.toml").exists());
    }
}

#[test]
fn min_score_limits_what_accept_all_takes() {
    let dir = repo();
    let doc = json(
        dir.path(),
        &[
            "suggest",
            "CHECKLIST.md",
            "--format",
            "json",
            "--min-score",
            "100",
        ],
    );
    assert_eq!(doc["min_score"], 100);
    let (code, out, err) = run(
        dir.path(),
        &[
            "suggest",
            "CHECKLIST.md",
            "--write",
            "--accept",
            "all",
            "--min-score",
            "100",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let perfect = doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["candidates"][0]["score"] == 100)
        .count();
    assert_eq!(
        config(dir.path()).matches("[[bind]]").count(),
        perfect,
        "{out}"
    );
    let (code, _, err) = run(
        dir.path(),
        &["suggest", "CHECKLIST.md", "--min-score", "101"],
    );
    assert_eq!(code, 2, "{err}");
}

#[test]
fn write_without_accept_off_a_terminal_is_exit_2() {
    let dir = repo();
    let (code, out, err) = run(dir.path(), &["suggest", "CHECKLIST.md", "--write"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("--write needs --accept all|ID… when not on a terminal"),
        "{err}"
    );
    assert!(!dir.path().join("gonogo.toml").exists());
}

#[test]
fn a_broken_config_is_refused_not_made_worse() {
    let dir = repo();
    let broken = "[run\nconcurrency = 2\n";
    std::fs::write(dir.path().join("gonogo.toml"), broken).unwrap();
    let (code, _, err) = run(
        dir.path(),
        &["suggest", "CHECKLIST.md", "--write", "--accept", "all"],
    );
    assert_eq!(code, 2, "{err}");
    assert_eq!(config(dir.path()), broken);
}

#[test]
fn validate_explains_automatic_bindings_and_shows_candidates_of_manual_items() {
    let dir = repo();
    let doc = json(
        dir.path(),
        &["validate", "CHECKLIST.md", "--format", "json"],
    );
    let pdb = item(&doc, PDB);
    assert_eq!(pdb["binding"], "auto");
    assert!(pdb["recognition"]["score"].as_u64().unwrap() >= 60, "{pdb}");
    assert!(!pdb["recognition"]["matched"].as_array().unwrap().is_empty());
    assert!(pdb.get("candidates").is_none(), "{pdb}");
    for i in doc["items"].as_array().unwrap() {
        let read = i["kind"] != "signoff" && i["id"] != "team/docs-reviewed";
        if i["check"].is_null() && read {
            let candidates = i["candidates"].as_array().unwrap_or_else(|| panic!("{i}"));
            assert!(candidates.len() <= 3, "{i}");
            for c in candidates {
                assert!(c["check"].is_string() && c["score"].is_u64() && c["params"].is_object());
            }
        }
    }
    let reviewed = item(&doc, REVIEWED);
    assert!(reviewed["check"].is_null(), "{reviewed}");
    let candidates = reviewed["candidates"].as_array().unwrap();
    assert!(
        candidates.iter().any(|c| c["check"] == "k8s.workloads"),
        "{reviewed}"
    );
    // Bound by an annotation: nothing was recognised, so nothing to explain.
    let annotated = item(&doc, "team/docs-reviewed");
    assert!(annotated.get("candidates").is_none() && annotated.get("recognition").is_none());

    let (code, out, _) = run(dir.path(), &["validate", "CHECKLIST.md"]);
    assert_eq!(code, 0);
    let kubernetes: String = out
        .lines()
        .skip_while(|l| !l.starts_with("Kubernetes"))
        .take_while(|l| !l.starts_with("Team"))
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!("validate-text-kubernetes", kubernetes);
}
