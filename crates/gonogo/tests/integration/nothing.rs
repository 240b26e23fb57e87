//! No Go on nothing, as the command line shows it: exit codes, the static-only verdict, the
//! messages for unknown keys and malformed annotations.

use crate::gonogo;

const LIVE: &str = "# Live

- [ ] README present <!-- gonogo: files.exists path=README.md -->
- [ ] Backend /health endpoint responding (200 OK)
- [ ] Rate limiting enabled on API endpoints
";

/// A repository holding a README, the checklist and, when given, a `gonogo.toml`.
fn repo(checklist: &str, config: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("CHECKLIST.md"), checklist).unwrap();
    std::fs::write(
        dir.path().join("README.md"),
        "# Service\n\nWhat it does and how to run it.\n",
    )
    .unwrap();
    if let Some(config) = config {
        std::fs::write(dir.path().join("gonogo.toml"), config).unwrap();
    }
    dir
}

/// `gonogo ARGS…` in `dir`: exit code, stdout, stderr.
fn run(dir: &tempfile::TempDir, args: &[&str]) -> (i32, String, String) {
    let out = gonogo(args)
        .current_dir(dir.path())
        .env_remove("GONOGO_NOTHING_UNSET")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(r"\(\d+ ms\)", "(N ms)");
    s
}

#[test]
fn live_items_without_configuration_are_no_go() {
    // No gonogo.toml at all.
    let dir = repo(LIVE, None);
    let (code, out, _) = run(&dir, &["check", "CHECKLIST.md"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("http.status: no api_url configured"), "{out}");
    // An empty one, and an empty [targets].
    for config in ["", "[targets]\n"] {
        let dir = repo(LIVE, Some(config));
        let (code, out, _) = run(&dir, &["check", "CHECKLIST.md"]);
        assert_eq!(code, 1, "{config:?}: {out}");
    }
}

#[test]
fn an_unset_variable_in_a_target_is_no_go_naming_it() {
    let dir = repo(
        LIVE,
        Some("[targets]\napi_url = \"$GONOGO_NOTHING_UNSET\"\n"),
    );
    let (code, out, _) = run(&dir, &["check", "CHECKLIST.md", "--format", "json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for item in &v["items"].as_array().unwrap()[1..] {
        assert_eq!(item["status"], "error");
        assert_eq!(
            item["evidence"]["summary"],
            "api_url: $GONOGO_NOTHING_UNSET is not set (set it in the environment or pass --env-file)"
        );
    }
}

#[test]
fn unknown_keys_are_exit_2_with_their_place_and_a_did_you_mean() {
    let dir = repo(LIVE, Some("[targets]\napi_ulr = \"http://127.0.0.1:9\"\n"));
    for verb in ["check", "validate"] {
        let (code, out, err) = run(&dir, &[verb, "CHECKLIST.md"]);
        assert_eq!(code, 2, "{verb}: {out}");
        assert_eq!(
            err.trim_end(),
            "error: gonogo.toml:2:1: unknown target `api_ulr` in [targets]; did you mean `api_url`? [config-unknown-key]",
            "{verb}"
        );
    }
    let config = "[run]\ntimout = \"30s\"\n\n[policy]\nmanual_block = false\n\n[[bind]]\ntext = \"README\"\ncheck = \"files.exists\"\nparms = { path = \"README.md\" }\n";
    let dir = repo(LIVE, Some(config));
    let (code, _, err) = run(&dir, &["check", "CHECKLIST.md"]);
    assert_eq!(code, 2);
    insta::assert_snapshot!("unknown_keys", err);
}

#[test]
fn a_missing_explicit_path_fails() {
    let checklist = "# R\n\n- [ ] README <!-- gonogo: files.exists path=README.md -->\n- [ ] Manifests <!-- gonogo: k8s.workloads path=deploy/k8s -->\n";
    let dir = repo(checklist, None);
    let (code, out, _) = run(&dir, &["check", "CHECKLIST.md"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("k8s.workloads: path=deploy/k8s: deploy/k8s does not exist in the repository"),
        "{out}"
    );
}

#[test]
fn a_static_only_run_is_go_and_says_what_it_did_not_verify() {
    let dir = repo(LIVE, None);
    let (code, out, _) = run(&dir, &["check", "CHECKLIST.md", "--only", "static"]);
    assert_eq!(code, 0, "{out}");
    let _guard = settings().bind_to_scope();
    insta::assert_snapshot!("static_only_tty", out);

    // The same declared in the config, read by a machine.
    let dir = repo(LIVE, Some("[run]\nlive = false\n"));
    let (code, out, _) = run(&dir, &["check", "CHECKLIST.md", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verdict"], "Go (static only: 2 live items not verified)");
    assert_eq!(
        v["partial"],
        serde_json::json!({"scope": "static", "unverified": 2})
    );
    // A full run has no `partial`.
    let dir = repo(LIVE, None);
    let (_, out, _) = run(&dir, &["check", "CHECKLIST.md", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["partial"].is_null());
}

#[test]
fn nothing_verified_is_no_go() {
    let checklist = "# R\n\n- [ ] Legal reviewed the privacy policy\n- [ ] Backend /health endpoint responding (200 OK)\n";
    let dir = repo(checklist, Some("[policy]\nmanual_blocks = false\n"));
    let (code, out, _) = run(&dir, &["check", "CHECKLIST.md", "--only", "static"]);
    assert_eq!(code, 1, "{out}");
    let _guard = settings().bind_to_scope();
    insta::assert_snapshot!("nothing_verified_tty", out);
}

#[test]
fn malformed_annotations_are_exit_2_in_check_and_validate() {
    let checklist = "# R\n\n- [ ] README <!-- gonogo files.exists path=README.md -->\n- [ ] Runbook <!-- GONOGO: files.exists path=RUNBOOK.md -->\n- [ ] Tests <!-- gonogo: tests.junit path=junit.xml\n";
    let dir = repo(checklist, None);
    for verb in ["check", "validate"] {
        let (code, out, err) = run(&dir, &[verb, "CHECKLIST.md"]);
        assert_eq!(code, 2, "{verb}: {out}");
        insta::assert_snapshot!(format!("malformed_annotations_{verb}"), err);
    }
}

#[test]
fn explain_names_the_targets_a_live_kind_reads() {
    let out = gonogo(["explain", "redis.ping"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(
        page.contains("Targets (gonogo.toml [targets], when no address is given): redis_url"),
        "{page}"
    );
    insta::assert_snapshot!("explain_redis_ping", page);
}
