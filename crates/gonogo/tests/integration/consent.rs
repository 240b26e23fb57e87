//! Commands only with consent, what a consented command sees, process groups, interrupts and a
//! relative `--repo`, through the real binary and real child processes.

use crate::{gonogo, gonogo_process, gonogo_process_with_store};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

fn executable(dir: &Path, rel: &str, script: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = write(dir, rel, script);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn json_of(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// `(status, summary)` of the report's item at `line`.
fn item_at(report: &serde_json::Value, line: u64) -> (String, String) {
    let item = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["line"] == line)
        .unwrap_or_else(|| panic!("no item at line {line}: {report}"));
    (
        item["status"].as_str().unwrap().to_string(),
        item["evidence"]["summary"].as_str().unwrap().to_string(),
    )
}

/// The PATH gonogo runs with: a directory of stand-ins first (a fake `npm`), then the real one.
fn path_with(bin: &Path) -> String {
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// A repository whose checklist names a command three ways: an annotation, a `[[bind]]` rule
/// and wording that binds by itself (`npm test`, answered by a fake `npm` on PATH). Each
/// command leaves a file in `marks` when it runs.
struct ThreeWays {
    repo: tempfile::TempDir,
    marks: tempfile::TempDir,
    bin: tempfile::TempDir,
}

impl ThreeWays {
    fn new() -> Self {
        let (repo, marks, bin) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        let m = marks.path().display();
        write(
            repo.path(),
            "CHECKLIST.md",
            &format!(
                "# Release\n\n\
                 - [ ] Stack validated <!-- gonogo: cmd.succeeds cmd=\"touch {m}/annotation\" -->\n\
                 - [ ] Lint is clean\n\
                 - [ ] Frontend tests passing (`npm test`)\n"
            ),
        );
        write(
            repo.path(),
            "gonogo.toml",
            &format!(
                "[[bind]]\ntext = \"Lint is clean\"\ncheck = \"cmd.succeeds\"\nparams = {{ cmd = \"touch {m}/bind\" }}\n"
            ),
        );
        write(repo.path(), "package.json", "{}\n");
        executable(bin.path(), "npm", &format!("#!/bin/sh\ntouch {m}/npm\n"));
        ThreeWays { repo, marks, bin }
    }

    fn check(&self, extra: &[&str]) -> Command {
        let mut cmd = gonogo_process(["check", "CHECKLIST.md", "--format", "json"]);
        cmd.args(extra)
            .current_dir(self.repo.path())
            .env("PATH", path_with(self.bin.path()))
            .env_remove("GONOGO_ALLOW_COMMANDS");
        cmd
    }

    fn ran(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.marks.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

#[test]
fn without_consent_no_command_runs_and_each_item_blocks() {
    let t = ThreeWays::new();
    let out = t.check(&[]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(t.ran().is_empty(), "ran without consent: {:?}", t.ran());
    let report = json_of(&out);
    let m = t.marks.path().display();
    for (line, cmd, binding) in [
        (3, format!("touch {m}/annotation"), "annotation"),
        (4, format!("touch {m}/bind"), "config"),
        (5, "npm test".to_string(), "auto"),
    ] {
        assert_eq!(
            item_at(&report, line),
            (
                "error".to_string(),
                format!("not run: `{cmd}` — commands need --allow-commands")
            )
        );
        let item = report["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["line"] == line)
            .unwrap();
        assert_eq!(item["binding"], binding);
        assert_eq!(item["holds_back"], true);
    }
    assert_eq!(report["decision"], "no-go");

    // The same checklist with consent: every command runs.
    let out = t.check(&["--allow-commands"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", json_of(&out));
    assert_eq!(t.ran(), ["annotation", "bind", "npm"]);
}

#[test]
fn consent_comes_from_the_environment_variable_but_not_from_files_in_the_repository() {
    let t = ThreeWays::new();
    // An env file is the repository's as much as gonogo.toml is: it grants nothing.
    write(t.repo.path(), ".env.ci", "GONOGO_ALLOW_COMMANDS=1\n");
    let out = t.check(&["--env-file", ".env.ci"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(t.ran().is_empty(), "{:?}", t.ran());

    let out = t
        .check(&[])
        .env("GONOGO_ALLOW_COMMANDS", "0")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(t.ran().is_empty(), "{:?}", t.ran());

    let out = t
        .check(&[])
        .env("GONOGO_ALLOW_COMMANDS", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", json_of(&out));
    assert_eq!(t.ran(), ["annotation", "bind", "npm"]);
}

#[test]
fn a_config_in_the_repository_cannot_grant_consent() {
    let t = ThreeWays::new();
    let config = std::fs::read_to_string(t.repo.path().join("gonogo.toml")).unwrap();
    // No key grants it: one that tries is refused, naming the file and line.
    for attempt in ["allow_commands = true\n", "[run]\nallow_commands = true\n"] {
        write(t.repo.path(), "gonogo.toml", &format!("{attempt}{config}"));
        let out = t.check(&[]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("gonogo.toml:"), "{stderr}");
        assert!(stderr.contains("allow_commands"), "{stderr}");
        assert!(t.ran().is_empty(), "{:?}", t.ran());
    }
    // Nor does a target of that name: targets are the known ones only.
    write(
        t.repo.path(),
        "gonogo.toml",
        &format!("[targets]\nallow_commands = \"true\"\nGONOGO_ALLOW_COMMANDS = \"1\"\n\n{config}"),
    );
    let out = t.check(&[]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unknown target `allow_commands`"),
        "{stderr}"
    );
    assert!(t.ran().is_empty(), "{:?}", t.ran());
}

#[test]
fn a_command_sees_only_the_minimal_environment_and_what_its_item_passes() {
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("seen-env");
    write(
        dir.path(),
        "CHECKLIST.md",
        &format!(
            "# Env\n\n- [ ] Env <!-- gonogo: cmd.succeeds cmd=\"env > {}\" shell=true env=\"NODE_ENV=test,DEPLOY_REGION,DEPLOY_TOKEN=$RELEASE_TOKEN\" -->\n",
            dump.display()
        ),
    );
    let secret = format!("{}{}", "wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYEXAMPLEKEY");
    let token = format!("{}{}", "rel-", "Qm83xZp2Lk5vN7wR");
    let out = gonogo([
        "check",
        "CHECKLIST.md",
        "--allow-commands",
        "--format",
        "json",
    ])
    .current_dir(dir.path())
    .env("AWS_SECRET_ACCESS_KEY", &secret)
    .env("RELEASE_TOKEN", &token)
    .env("DATABASE_URL", "postgres://app:hunter22@db/app")
    .env("DEPLOY_REGION", "eu-west-3")
    .env("HOME", dir.path())
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // What the item hands over is never shown: the report keeps the parameter as written.
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(!report.contains(&token), "{report}");
    assert!(report.contains("DEPLOY_TOKEN=$RELEASE_TOKEN"), "{report}");
    let seen = std::fs::read_to_string(&dump).unwrap();
    let names: Vec<&str> = seen.lines().filter_map(|l| l.split('=').next()).collect();
    assert!(
        !seen.contains(&secret),
        "the child saw gonogo's secret:\n{seen}"
    );
    assert!(!seen.contains("hunter22"), "{seen}");
    assert!(!names.contains(&"AWS_SECRET_ACCESS_KEY"), "{seen}");
    assert!(!names.contains(&"DATABASE_URL"), "{seen}");
    assert!(!names.contains(&"NO_COLOR"), "{seen}");
    assert!(seen.contains("NODE_ENV=test\n"), "{seen}");
    assert!(seen.contains("DEPLOY_REGION=eu-west-3\n"), "{seen}");
    assert!(seen.contains(&format!("DEPLOY_TOKEN={token}\n")), "{seen}");
    assert!(
        seen.contains(&format!("HOME={}\n", dir.path().display())),
        "{seen}"
    );
    assert!(names.contains(&"PATH"), "{seen}");
}

/// Whether a process whose command line contains `needle` is running.
fn running(needle: &str) -> bool {
    Command::new("pgrep")
        .args(["-f", needle])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .expect("pgrep runs")
}

/// Waits up to `limit` for `done`.
fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    done()
}

#[test]
fn a_timeout_kills_the_whole_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("grandchild-finished");
    // The background grandchild would leave the marker after 3 s; the sleep names the group.
    let needle = "sleep 27.1828";
    write(
        dir.path(),
        "CHECKLIST.md",
        &format!(
            "# T\n\n- [ ] Slow <!-- gonogo: cmd.succeeds cmd=\"(sleep 3; touch {}) & {needle}\" shell=true timeout=1s -->\n",
            marker.display()
        ),
    );
    let started = Instant::now();
    let out = gonogo([
        "check",
        "CHECKLIST.md",
        "--allow-commands",
        "--format",
        "json",
    ])
    .current_dir(dir.path())
    .timeout(Duration::from_secs(30))
    .output()
    .unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(1));
    let (status, summary) = item_at(&json_of(&out), 3);
    assert_eq!(status, "error");
    assert!(
        summary.contains("its process group was killed"),
        "{summary}"
    );
    assert!(!running(needle), "the group leader survived its timeout");
    std::thread::sleep(Duration::from_millis(3500));
    assert!(
        !marker.exists(),
        "the background grandchild survived the timeout"
    );
}

/// `gonogo ARGS…` started in `dir`, not waited for.
fn spawn_gonogo(dir: &Path, args: &[&str]) -> Child {
    gonogo_process(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gonogo starts")
}

fn signal(child: &Child, name: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{name}");
}

/// Waits for `child` at most `limit`; kills it and fails when it does not end.
fn finish_within(mut child: Child, limit: Duration) -> (Output, Duration) {
    let started = Instant::now();
    let ended = wait_for(limit, || child.try_wait().unwrap().is_some());
    if !ended {
        let _ = child.kill();
        panic!("gonogo still running {limit:?} after the signal");
    }
    (child.wait_with_output().unwrap(), started.elapsed())
}

/// A checklist with a quick item, a slow command and an item behind it that never starts
/// (one check at a time).
fn slow_checklist(dir: &Path, needle: &str) {
    write(
        dir,
        "README.md",
        "# x\n\nA service that answers requests, with its runbook and its contacts.\n",
    );
    write(
        dir,
        "CHECKLIST.md",
        &format!(
            "# I\n\n\
             - [ ] Readme <!-- gonogo: files.exists path=README.md -->\n\
             - [ ] Slow <!-- gonogo: cmd.succeeds cmd=\"{needle}\" timeout=60s -->\n\
             - [ ] After <!-- gonogo: cmd.succeeds cmd=\"true\" -->\n"
        ),
    );
}

fn interrupted_check(signal_name: &str, needle: &str, format: &str) -> (Output, Duration) {
    let dir = tempfile::tempdir().unwrap();
    slow_checklist(dir.path(), needle);
    let child = spawn_gonogo(
        dir.path(),
        &[
            "check",
            "CHECKLIST.md",
            "--allow-commands",
            "--concurrency",
            "1",
            "--format",
            format,
        ],
    );
    assert!(
        wait_for(Duration::from_secs(20), || running(needle)),
        "the slow command never started"
    );
    signal(&child, signal_name);
    let (out, took) = finish_within(child, Duration::from_secs(8));
    assert!(
        wait_for(Duration::from_secs(2), || !running(needle)),
        "the command outlived the interrupt"
    );
    (out, took)
}

#[test]
fn sigint_during_check_prints_a_partial_report_and_exits_130() {
    let (out, took) = interrupted_check("INT", "sleep 23.1406", "tty");
    assert_eq!(out.status.code(), Some(130), "{out:?}");
    assert!(took < Duration::from_secs(5), "took {took:?} to stop");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("INTERRUPTED, NO-GO"), "{text}");
    assert!(text.contains("the run was interrupted"), "{text}");
    assert!(!text.contains("GO: every"), "{text}");
    insta::with_settings!({filters => vec![
        (r"\d+ ms\)", "[ms])"),
        (r"after \d+\.\d s", "after [s]"),
    ]}, {
        insta::assert_snapshot!("interrupted_tty", text);
    });
}

#[test]
fn sigterm_during_check_records_the_partial_report_marked_interrupted() {
    let (out, took) = interrupted_check("TERM", "sleep 19.2837", "json");
    assert_eq!(out.status.code(), Some(130), "{out:?}");
    assert!(took < Duration::from_secs(5), "took {took:?} to stop");
    let report = json_of(&out);
    assert_eq!(report["interrupted"], true);
    assert_eq!(report["decision"], "no-go");
    assert_eq!(report["verdict"], "No-Go (interrupted)");
    assert_eq!(item_at(&report, 3).0, "pass", "finished checks are kept");
    let (status, summary) = item_at(&report, 4);
    assert_eq!(status, "error");
    assert!(
        summary.starts_with("interrupted: `sleep 19.2837` was stopped"),
        "{summary}"
    );
    assert_eq!(
        item_at(&report, 5),
        (
            "error".to_string(),
            "not run: the run was interrupted".to_string()
        )
    );
}

#[test]
fn an_interrupted_run_is_recorded_as_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let needle = "sleep 17.3205";
    slow_checklist(dir.path(), needle);
    let child = gonogo_process_with_store(["check", "CHECKLIST.md", "--allow-commands"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(wait_for(Duration::from_secs(20), || running(needle)));
    signal(&child, "INT");
    let (out, _) = finish_within(child, Duration::from_secs(8));
    assert_eq!(out.status.code(), Some(130), "{out:?}");
    let history = gonogo_process_with_store(["history", "CHECKLIST.md"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&history.stdout);
    assert_eq!(history.status.code(), Some(0), "{history:?}");
    assert!(text.contains("No-Go (interrupted)"), "{text}");
}

#[test]
fn an_interrupted_load_prints_what_it_measured_never_a_pass_and_exits_130() {
    let url = crate::load::server("200 OK");
    for signal_name in ["INT", "TERM"] {
        let dir = tempfile::tempdir().unwrap();
        let child = spawn_gonogo(
            dir.path(),
            &[
                "load",
                &url,
                "-c",
                "2",
                "-d",
                "60s",
                "--warmup",
                "0s",
                "--threshold",
                "p99<10s",
            ],
        );
        std::thread::sleep(Duration::from_millis(1500));
        signal(&child, signal_name);
        let (out, took) = finish_within(child, Duration::from_secs(8));
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(130), "{signal_name}: {text}");
        assert!(took < Duration::from_secs(5), "took {took:?}");
        assert!(text.contains("(interrupted: stopped early)"), "{text}");
        assert!(text.contains("result      INTERRUPTED"), "{text}");
        assert!(!text.contains("PASS"), "{text}");
        // It measured something, and says what.
        assert!(!text.contains("requests    0 "), "{text}");
    }
}

#[test]
fn a_relative_repo_resolves_scripts_from_the_repository_root() {
    let root = tempfile::tempdir().unwrap();
    let repo = root.path().join("x");
    // Two levels down: `../../x` read from inside the repository names nothing.
    let elsewhere = root.path().join("work/elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let marker = root.path().join("script-ran");
    executable(
        &repo,
        "scripts/validate_docker_stack.sh",
        &format!("#!/bin/sh\npwd > {}\n", marker.display()),
    );
    write(
        &repo,
        "CHECKLIST.md",
        "# Infra\n\n- [ ] Docker compose stack validated (`scripts/validate_docker_stack.sh`)\n",
    );
    let out = gonogo([
        "check",
        "../../x/CHECKLIST.md",
        "--repo",
        "../../x",
        "--allow-commands",
        "--format",
        "json",
    ])
    .current_dir(&elsewhere)
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", json_of(&out));
    let ran_in = std::fs::read_to_string(&marker).expect("the script ran");
    assert_eq!(
        Path::new(ran_in.trim()),
        repo.canonicalize().unwrap(),
        "the script runs in the repository's root"
    );
}

/// Only `cmd.succeeds` starts processes: no other code of gonogo outside tests does, so no
/// other path can run what a checklist or repository names without consent.
#[test]
fn no_code_but_cmd_succeeds_starts_a_process() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let starts = regex::Regex::new(
        r"process::Command|Command::new|tokio::process|process::spawn|posix_spawn|\bexecv",
    )
    .unwrap();
    let mut offences = Vec::new();
    let mut files = Vec::new();
    for krate in std::fs::read_dir(&crates).unwrap() {
        let krate = krate.unwrap().path();
        // Test support: starts the PostgreSQL, Redis and Prometheus servers tests use.
        if krate.ends_with("gonogo-testkit") {
            continue;
        }
        rust_files(&krate.join("src"), &mut files);
    }
    assert!(files.len() > 100, "sources found: {}", files.len());
    for file in files {
        if file.ends_with("gonogo-checks/src/cmd/succeeds.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        // Test modules come last in each file.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for (n, line) in code.lines().enumerate() {
            if starts.is_match(line) && !line.trim_start().starts_with("//") {
                offences.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(offences.is_empty(), "{}", offences.join("\n"));
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}
