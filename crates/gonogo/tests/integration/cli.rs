//! The command line as a user meets it: exit codes, messages, formats.

use crate::gonogo;
use std::path::{Path, PathBuf};

/// A fresh directory holding `files` (path, content).
fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, content) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    dir
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}
fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const README_ONLY: &str =
    "# Release\n\n- [ ] README present <!-- gonogo: files.exists path=README.md -->\n";

#[test]
fn go_when_the_only_item_passes() {
    let dir = repo(&[
        ("CHECKLIST.md", README_ONLY),
        ("README.md", "# Project\n\nWhat it is and how to run it.\n"),
    ]);
    let out = gonogo(["check"])
        .arg(dir.path().join("CHECKLIST.md"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
}

#[test]
fn no_go_when_the_only_item_fails() {
    let dir = repo(&[("CHECKLIST.md", README_ONLY)]);
    let out = gonogo(["check"])
        .arg(dir.path().join("CHECKLIST.md"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
}

#[test]
fn unknown_check_in_annotation_exits_2_naming_file_and_line() {
    let dir = repo(&[(
        "CHECKLIST.md",
        "# R\n\n- [ ] a\n- [ ] b <!-- gonogo: nope.nothing x=1 -->\n",
    )]);
    let path = dir.path().join("CHECKLIST.md");
    let out = gonogo(["check"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains(&format!("{}:4:", path.display())), "{err}");
    assert!(err.contains("unknown check `nope.nothing`"), "{err}");
}

#[test]
fn bad_parameter_in_annotation_exits_2() {
    let dir = repo(&[(
        "CHECKLIST.md",
        "- [ ] b <!-- gonogo: files.exists pth=README.md -->\n",
    )]);
    let out = gonogo(["validate"])
        .arg(dir.path().join("CHECKLIST.md"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains(":1:"), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("pth"), "{}", stderr_of(&out));
}

#[test]
fn a_file_without_items_is_an_error_never_a_go() {
    let dir = repo(&[("CHECKLIST.md", "# Nothing to see\n\nJust prose.\n")]);
    let out = gonogo(["check"])
        .arg(dir.path().join("CHECKLIST.md"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("no checklist items found"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn binary_and_missing_checklists_exit_2() {
    let dir = repo(&[]);
    std::fs::write(dir.path().join("bin.md"), b"- [ ] a\n\x00\x01\x02").unwrap();
    let out = gonogo(["check"])
        .arg(dir.path().join("bin.md"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("bin.md:2: not a text file"),
        "{}",
        stderr_of(&out)
    );
    let out = gonogo(["check"])
        .arg(dir.path().join("missing.md"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("missing.md"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn bad_config_exits_2_with_line() {
    let dir = repo(&[
        ("CHECKLIST.md", README_ONLY),
        ("gonogo.toml", "[policy]\nadvisory = [\"sections:Docs\"]\n"),
    ]);
    let out = gonogo(["check"])
        .arg(dir.path().join("CHECKLIST.md"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("gonogo.toml:2:"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn unset_variable_makes_the_item_error_not_pass() {
    let dir = repo(&[(
        "CHECKLIST.md",
        "- [ ] health <!-- gonogo: files.exists path=$GONOGO_TEST_UNSET_VAR -->\n",
    )]);
    let out = gonogo(["check"])
        .arg(dir.path().join("CHECKLIST.md"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["items"][0]["status"], "error");
    assert!(
        json["items"][0]["evidence"]["summary"]
            .as_str()
            .unwrap()
            .contains("$GONOGO_TEST_UNSET_VAR not set")
    );
}

#[test]
fn env_file_variables_expand_in_annotations() {
    let dir = repo(&[
        (
            "CHECKLIST.md",
            "- [ ] readme <!-- gonogo: files.exists path=${DOC} -->\n",
        ),
        ("README.md", "# Project\n\nWhat it is and how to run it.\n"),
        ("vars.env", "DOC=README.md\n"),
    ]);
    let out = gonogo(["check"])
        .arg(dir.path().join("CHECKLIST.md"))
        .arg("--env-file")
        .arg(dir.path().join("vars.env"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
}

/// `--env-file` reads what `env.strength` reads: a dotted key and a multi-line quoted PEM key
/// were once rejected as malformed lines.
#[test]
fn env_file_with_a_dotted_key_and_a_multi_line_pem_value_is_accepted() {
    let dir = repo(&[
        (
            "CHECKLIST.md",
            "- [ ] readme <!-- gonogo: files.exists path=${DOC} -->\n",
        ),
        ("README.md", "# Project\n\nWhat it is and how to run it.\n"),
        (
            ".env",
            "SENTRY.DSN=https://key@o1.ingest.sentry.io/2\nTLS_KEY=\"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\"\nDOC=README.md\n",
        ),
    ]);
    let out = gonogo(["validate"])
        .arg(dir.path().join("CHECKLIST.md"))
        .arg("--env-file")
        .arg(dir.path().join(".env"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    assert!(
        !stderr_of(&out).contains("env-file-syntax"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn json_report_has_the_documented_fields() {
    let dir = repo(&[
        ("CHECKLIST.md", README_ONLY),
        ("README.md", "# Project\n\nWhat it is and how to run it.\n"),
    ]);
    let out = gonogo(["check"])
        .arg(dir.path().join("CHECKLIST.md"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["decision"], "go");
    let item = &json["items"][0];
    for key in [
        "id",
        "line",
        "section",
        "text",
        "kind",
        "checked",
        "status",
        "check",
        "binding",
        "params",
        "evidence",
        "duration_ms",
    ] {
        assert!(item.get(key).is_some(), "item lacks `{key}`: {item}");
    }
    assert_eq!(item["check"], "files.exists");
    assert_eq!(item["binding"], "annotation");
    assert_eq!(item["params"]["path"], "README.md");
    assert_eq!(json["summary"]["counts"]["pass"], 1);
}

#[test]
fn help_is_stable() {
    let out = gonogo(["--help"]).output().unwrap();
    insta::assert_snapshot!("help", stdout_of(&out));
    let out = gonogo(["check", "--help"]).output().unwrap();
    insta::assert_snapshot!("check_help", stdout_of(&out));
}

#[test]
fn explain_and_catalogue() {
    let out = gonogo(["explain", "files.exists"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("explain_files_exists", stdout_of(&out));
    let out = gonogo(["explain", "files.nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("did you mean: files.exists"),
        "{}",
        stderr_of(&out)
    );
}

/// README.md's catalogue is generated from the registry; this fails when it is stale.
#[test]
fn readme_catalogue_is_up_to_date() {
    let out = gonogo(["checks", "--format", "markdown"]).output().unwrap();
    let generated = stdout_of(&out);
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let start = readme
        .find("<!-- catalogue:start -->")
        .expect("catalogue start marker")
        + "<!-- catalogue:start -->\n".len();
    let end = readme
        .find("<!-- catalogue:end -->")
        .expect("catalogue end marker");
    assert_eq!(
        &readme[start..end],
        generated,
        "README.md catalogue is stale: replace it with `gonogo checks --format markdown`"
    );
}
