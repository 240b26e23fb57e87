//! Every output format of `gonogo check`, snapshotted on one small repository: what a user
//! and a CI system actually read.

const CHECKLIST: &str = "# Release readiness

## Documentation 📚
- [ ] README present <!-- gonogo: files.exists path=README.md -->
- [ ] Runbook written <!-- gonogo: files.exists path=docs/RUNBOOK.md -->
- [ ] Privacy policy reviewed
- [x] **Docs site**
  - [ ] Changelog kept <!-- gonogo: files.exists path=CHANGELOG.md -->
  - [ ] License present <!-- gonogo: files.exists path=LICENSE -->

## Operations
- [ ] Config template present <!-- gonogo: files.exists path=$GONOGO_REPORTS_UNSET -->
- ✅ On-call rotation agreed
- [ ] Release Manager: ________ Date: ______
";

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

fn run(dir: &tempfile::TempDir, format: &str) -> (i32, String) {
    // Recorded: the JSON report names this run and the one before it.
    let out = crate::gonogo_with_store(["check", "CHECKLIST.md", "--format", format])
        .current_dir(dir.path())
        .env_remove("GONOGO_REPORTS_UNSET")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(r#""duration_ms": \d+"#, r#""duration_ms": 0"#);
    s.add_filter(r"\(\d+ ms\)", "(N ms)");
    s.add_filter(r#"time="[0-9.]+""#, r#"time="0""#);
    s.add_filter(r#""version": "\d+\.\d+\.\d+""#, r#""version": "X""#);
    s
}

#[test]
fn every_format_snapshot() {
    let dir = fixture();
    let _guard = settings().bind_to_scope();
    for format in ["tty", "json", "junit", "sarif", "markdown"] {
        let (code, out) = run(&dir, format);
        assert_eq!(code, 1, "{format}: the fixture is a No-Go");
        insta::assert_snapshot!(format!("report-{format}"), out);
    }
}

#[test]
fn json_is_valid_and_counts_add_up() {
    let dir = fixture();
    let (_, out) = run(&dir, "json");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["decision"], "no-go");
    let items = v["items"].as_array().unwrap();
    let counted = items.iter().filter(|i| i["derived"] != true).count();
    let sum: u64 = v["summary"]["counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(sum as usize, counted);
    let unset = items
        .iter()
        .find(|i| i["text"] == "Config template present")
        .unwrap();
    assert_eq!(
        unset["status"], "error",
        "an unset variable is never a pass"
    );
    // Reports show the text without its Markdown.
    let parent = items.iter().find(|i| i["text"] == "Docs site").unwrap();
    assert_eq!(
        parent["status"], "fail",
        "a parent derives from its children"
    );
    assert_eq!(parent["checked"], true, "checked as written in the file");
    let signoff = items.iter().find(|i| i["kind"] == "signoff").unwrap();
    assert_eq!(signoff["role"], "Release Manager");
    assert_eq!(signoff["status"], "manual");
}

#[test]
fn junit_and_sarif_parse() {
    let dir = fixture();
    let (_, junit) = run(&dir, "junit");
    let mut reader = quick_xml::Reader::from_str(&junit);
    let mut suites = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e)) if e.name().as_ref() == b"testsuite" => {
                suites += 1
            }
            Ok(quick_xml::events::Event::Eof) => break,
            Err(e) => panic!("JUnit is not well-formed XML: {e}"),
            _ => {}
        }
    }
    assert_eq!(suites, 2, "a test suite per section");
    let (_, sarif) = run(&dir, "sarif");
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().all(|r| r["ruleId"] == "files.exists"));
    assert!(
        results
            .iter()
            .any(|r| r["locations"][0]["physicalLocation"]["region"]["startLine"] == 5)
    );
}

/// Write-back changes evaluated items' lines only, only by the box and the note, and a
/// second write-back of its own output changes nothing.
#[test]
fn markdown_write_back_is_minimal_and_idempotent() {
    let dir = fixture();
    let (_, once) = run(&dir, "markdown");
    let before: Vec<&str> = CHECKLIST.lines().collect();
    let after: Vec<&str> = once.lines().collect();
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        if b == a {
            continue;
        }
        let (note_at, _) = a
            .split_once(" <sub>gonogo: ")
            .expect("a changed line carries a note");
        let normalise = |s: &str| s.replace("[x]", "[ ]");
        assert_eq!(
            normalise(note_at),
            normalise(b),
            "only the box and the note change"
        );
        assert!(a.ends_with("</sub>"));
    }
    std::fs::write(dir.path().join("CHECKLIST.md"), &once).unwrap();
    let (_, twice) = run(&dir, "markdown");
    assert_eq!(once, twice, "writing back twice changes nothing more");
}

/// A write-back carries nothing that changes between two runs on the same checklist and
/// repository (here the command's run time): checking twice gives the same bytes.
#[test]
fn markdown_write_back_is_byte_stable() {
    let dir = fixture();
    std::fs::write(
        dir.path().join("STABLE.md"),
        "# Release\n\n\
         - [ ] README present <!-- gonogo: files.exists path=README.md -->\n\
         - [ ] Build passes <!-- gonogo: cmd.succeeds cmd=\"sleep 0.2\" -->\n",
    )
    .unwrap();
    let write_back = || {
        let out = crate::gonogo([
            "check",
            "STABLE.md",
            "--format",
            "markdown",
            "--allow-commands",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let first = write_back();
    assert_eq!(first, write_back(), "two runs, two different files");
    insta::assert_snapshot!(
        "markdown-byte-stable",
        String::from_utf8_lossy(&first).into_owned()
    );
}

/// Checklist structure seen in the wild, in every output: item text with Markdown shown as
/// plain text, a manual item ticked by hand, a table of tasks, sign-off tasks naming roles,
/// and boxes that are not read (reported on stderr with their lines).
#[test]
fn structure_seen_in_the_wild_in_every_output() {
    const WILD: &str = "# Release

## Security
- [ ] **SEC-1** — Enable [HSTS](https://example.com/hsts) on *all* hosts <!-- gonogo: files.exists path=README.md -->
- [x] Threat model reviewed

[ ] Pen test booked
- [ ]

| Item | Done |
|---|---|
| Vendor contract signed | [x] |
| Runbook written | [ ] |

## Required sign-offs
- [ ] Security lead
- [x] Product owner approves
";
    let dir = fixture();
    std::fs::write(dir.path().join("WILD.md"), WILD).unwrap();
    let mut settings = settings();
    settings.add_filter(r"repository /\S+", "repository [repo]");
    let _guard = settings.bind_to_scope();
    let output = |args: &[&str]| {
        let out = crate::gonogo(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for format in ["tty", "json", "junit", "sarif", "markdown"] {
        let (code, out, err) = output(&["check", "WILD.md", "--format", format]);
        assert_eq!(code, 1, "{format}: a No-Go\n{err}");
        insta::assert_snapshot!(
            format!("wild-{format}"),
            format!("{out}\n--- stderr\n{err}")
        );
    }
    let (_, out, err) = output(&["validate", "WILD.md"]);
    insta::assert_snapshot!("wild-validate", format!("{out}\n--- stderr\n{err}"));
    let (_, json, _) = output(&["check", "WILD.md", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ticked: Vec<&str> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["ticked_by_hand"] == true)
        .map(|i| i["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        ticked,
        [
            "Threat model reviewed",
            "Vendor contract signed",
            "Product owner approves"
        ]
    );
}
