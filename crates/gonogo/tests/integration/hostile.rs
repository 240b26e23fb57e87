//! The hostile-input suite: what a stranger's pull request can put in front of gonogo. Every
//! case runs the real binary under a memory limit (`prlimit --as`, 1 GB of address space) and a
//! wall-clock bound, and must end with a clear error or a blocking status inside both: never a
//! hang, never an allocation the size a file or a server announces, never a Go.

use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Address space a case may use: far below what an announced 1 GB message plus its copy needs.
const ADDRESS_SPACE: &str = "--as=1000000000";
/// The longest a case may take (each sets its checks' timeouts well below it).
const WALL: Duration = Duration::from_secs(30);

struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

impl Ran {
    fn both(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.both()))
    }

    /// The status of the item whose text contains `text`, from a `--format json` report.
    fn status_of(&self, text: &str) -> String {
        let json = self.json();
        let item = json["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["text"].as_str().is_some_and(|t| t.contains(text)))
            .unwrap_or_else(|| panic!("no item `{text}` in\n{}", self.stdout));
        item["status"].as_str().expect("status").to_string()
    }
}

/// `gonogo ARGS…` in `dir` under the memory limit, killed (and the case failed) past [`WALL`].
fn hostile(dir: &Path, args: &[&str]) -> Ran {
    hostile_env(dir, args, &[])
}

fn hostile_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Ran {
    let started = Instant::now();
    let mut child = Command::new("prlimit")
        .arg(ADDRESS_SPACE)
        .arg("--")
        .arg(assert_cmd::cargo::cargo_bin("gonogo"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env_remove("GONOGO_STORE")
        .env_remove("GONOGO_ALLOW_COMMANDS")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("prlimit (util-linux) runs gonogo");
    let out = drain(child.stdout.take().expect("stdout"));
    let err = drain(child.stderr.take().expect("stderr"));
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > WALL {
            let _ = child.kill();
            let _ = child.wait();
            panic!("gonogo {args:?} still running after {WALL:?}");
        }
        thread::sleep(Duration::from_millis(20));
    };
    Ran {
        code: status.code(),
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
        took: started.elapsed(),
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// A scratch git repository holding `CHECKLIST.md`.
fn repo(checklist: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    git(dir.path(), &["init", "-q", "."]);
    std::fs::write(dir.path().join("CHECKLIST.md"), checklist).expect("checklist");
    dir
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git")
        .success();
    assert!(ok, "git {args:?}");
}

fn fifo(path: &Path) {
    let ok = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo")
        .success();
    assert!(ok, "mkfifo {}", path.display());
}

fn symlink(target: &str, link: &Path) {
    std::os::unix::fs::symlink(target, link).expect("symlink");
}

/// The case ended as a usage error (exit 2) naming `file`, inside the bound.
fn refused(ran: &Ran, file: &str, case: &str) {
    assert_eq!(
        ran.code,
        Some(2),
        "{case}: exit {:?}\n{}",
        ran.code,
        ran.both()
    );
    assert!(
        ran.stderr.contains(file),
        "{case}: the error does not name `{file}`:\n{}",
        ran.stderr
    );
    assert!(ran.took < WALL, "{case}: took {:?}", ran.took);
}

/// The run ended No-Go (exit 1) with the item `text` blocking (`error` or `fail`).
fn blocks(ran: &Ran, text: &str, case: &str) {
    assert_eq!(
        ran.code,
        Some(1),
        "{case}: exit {:?}\n{}",
        ran.code,
        ran.both()
    );
    let status = ran.status_of(text);
    assert!(
        status == "error" || status == "fail",
        "{case}: item `{text}` is {status}:\n{}",
        ran.stdout
    );
}

const LIVE_ITEMS: &str = "# Live\n\n- [ ] Backend /health endpoint responding (200 OK)\n- [ ] Rate limiting enabled on API endpoints\n";

#[test]
fn devices_fifos_and_endless_files_are_refused_as_cli_inputs() {
    let dir = repo(LIVE_ITEMS);
    let root = dir.path();
    symlink("/dev/zero", &root.join("zero.md"));
    fifo(&root.join("pipe.md"));
    fifo(&root.join("pipe.toml"));
    fifo(&root.join("pipe.env"));
    // Sparse: 3 GB on paper, nothing on disk.
    let huge = std::fs::File::create(root.join("huge.md")).unwrap();
    huge.set_len(3 << 30).unwrap();
    drop(huge);

    for (args, file) in [
        (vec!["check", "zero.md"], "zero.md"),
        (vec!["check", "pipe.md"], "pipe.md"),
        (vec!["check", "huge.md"], "huge.md"),
        (vec!["validate", "zero.md"], "zero.md"),
        (
            vec!["check", "CHECKLIST.md", "--config", "/dev/zero"],
            "/dev/zero",
        ),
        (
            vec!["check", "CHECKLIST.md", "--config", "pipe.toml"],
            "pipe.toml",
        ),
        (
            vec!["check", "CHECKLIST.md", "--env-file", "/dev/urandom"],
            "/dev/urandom",
        ),
        (
            vec!["check", "CHECKLIST.md", "--env-file", "pipe.env"],
            "pipe.env",
        ),
    ] {
        let mut with_store = args.clone();
        if args[0] == "check" {
            with_store.push("--no-store");
        }
        let ran = hostile(root, &with_store);
        refused(&ran, file, &args.join(" "));
    }
}

#[test]
fn load_merge_inputs_are_bounded() {
    let dir = repo(LIVE_ITEMS);
    let root = dir.path();
    fifo(&root.join("pipe.json"));
    for file in ["/dev/zero", "pipe.json"] {
        let ran = hostile(root, &["load", "--merge", file]);
        refused(&ran, file, &format!("load --merge {file}"));
    }
}

#[test]
fn file_parameters_refuse_devices_fifos_and_paths_outside_the_repository() {
    let dir = repo(
        "# Files\n\n\
         - [ ] schema from a FIFO <!-- gonogo: pg.schema-applied file=pipe.sql dsn=postgres://127.0.0.1:9/x timeout=3s -->\n\
         - [ ] doc is a device <!-- gonogo: files.exists path=zero.md -->\n\
         - [ ] doc outside <!-- gonogo: files.exists path=passwd.md -->\n\
         - [ ] ca is a device <!-- gonogo: tls.cert url=https://127.0.0.1:9 ca=zero.pem timeout=3s -->\n\
         - [ ] spec is a FIFO <!-- gonogo: openapi.complete path=openapi.json -->\n",
    );
    let root = dir.path();
    fifo(&root.join("pipe.sql"));
    fifo(&root.join("openapi.json"));
    symlink("/dev/zero", &root.join("zero.md"));
    symlink("/dev/zero", &root.join("zero.pem"));
    symlink("/etc/passwd", &root.join("passwd.md"));
    let ran = hostile(
        root,
        &["check", "CHECKLIST.md", "--no-store", "--format", "json"],
    );
    for item in [
        "schema from a FIFO",
        "doc is a device",
        "doc outside",
        "ca is a device",
        "spec is a FIFO",
    ] {
        blocks(&ran, item, item);
    }
    assert!(ran.took < Duration::from_secs(20), "took {:?}", ran.took);
}

/// A TCP server on loopback that answers the first bytes of every connection with `greeting`,
/// then streams `filler` until the client goes away: a message announced at 1 GB that never
/// ends.
fn hostile_server(greeting: &'static [u8], filler: u8) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            thread::spawn(move || feed(conn, greeting, filler));
        }
    });
    port
}

fn feed(mut conn: TcpStream, greeting: &[u8], filler: u8) {
    let mut first = [0u8; 1024];
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = conn.read(&mut first);
    // PostgreSQL clients may ask for TLS first (an 8-byte SSLRequest): refuse it, then read
    // the startup message the client sends next.
    if first[..8] == [0, 0, 0, 8, 4, 210, 22, 47] {
        let _ = conn.write_all(b"N");
        let _ = conn.read(&mut first);
    }
    if conn.write_all(greeting).is_err() {
        return;
    }
    let chunk = [filler; 64 * 1024];
    let until = Instant::now() + Duration::from_secs(60);
    while Instant::now() < until {
        if conn.write_all(&chunk).is_err() {
            return;
        }
    }
}

/// An authentication request announcing 1 GB.
const PG_GREETING: &[u8] = &[b'R', 0x40, 0, 0, 0];
/// A bulk string announcing 1 GB.
const REDIS_GREETING: &[u8] = b"$1073741824\r\n";
const HTTP_GREETING: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\n";

#[test]
fn servers_announcing_a_gigabyte_are_cut_off() {
    let pg = hostile_server(PG_GREETING, 0);
    let redis = hostile_server(REDIS_GREETING, b'a');
    let http = hostile_server(HTTP_GREETING, b'a');
    let dir = repo(&format!(
        "# Live\n\n\
         - [ ] pg <!-- gonogo: pg.connections dsn=postgres://app@127.0.0.1:{pg}/x timeout=10s -->\n\
         - [ ] redis <!-- gonogo: redis.ping url=redis://127.0.0.1:{redis} timeout=10s -->\n\
         - [ ] http <!-- gonogo: http.status url=http://127.0.0.1:{http}/health body=ok timeout=10s -->\n"
    ));
    let ran = hostile(
        dir.path(),
        &["check", "CHECKLIST.md", "--no-store", "--format", "json"],
    );
    for item in ["pg", "redis", "http"] {
        blocks(&ran, item, item);
    }
    assert!(ran.took < Duration::from_secs(20), "took {:?}", ran.took);
}

#[test]
fn a_hostile_store_server_is_cut_off() {
    let pg = hostile_server(PG_GREETING, 0);
    let dir = repo("# R\n\n- [ ] README present <!-- gonogo: files.exists path=CHECKLIST.md -->\n");
    let store = format!("postgres://app@127.0.0.1:{pg}/x");
    for args in [
        vec!["check", "CHECKLIST.md", "--store", &store],
        vec!["history", "CHECKLIST.md", "--store", &store],
        vec!["audit", "verify", "--store", &store],
    ] {
        let ran = hostile(dir.path(), &args);
        assert_eq!(ran.code, Some(2), "{args:?}: {}", ran.both());
        assert!(
            ran.took < Duration::from_secs(20),
            "{args:?} took {:?}",
            ran.took
        );
    }
}

#[test]
fn missing_or_broken_configuration_is_never_go() {
    let dir = repo(LIVE_ITEMS);
    let root = dir.path();
    let check = ["check", "CHECKLIST.md", "--no-store"];
    let cases: [(&str, Option<&str>, i32); 5] = [
        (
            "unset variable",
            Some("[targets]\napi_url = \"$GONOGO_HOSTILE_UNSET\"\n"),
            1,
        ),
        (
            "misspelled key",
            Some("[targets]\napi_ulr = \"http://127.0.0.1:9\"\n"),
            2,
        ),
        (
            "misspelled table",
            Some("[polcy]\nmanual_blocks = false\n"),
            2,
        ),
        ("empty config", Some(""), 1),
        ("no config", None, 1),
    ];
    for (case, config, want) in cases {
        match config {
            Some(text) => std::fs::write(root.join("gonogo.toml"), text).unwrap(),
            None => {
                let _ = std::fs::remove_file(root.join("gonogo.toml"));
            }
        }
        let ran = hostile(root, &check);
        assert_eq!(ran.code, Some(want), "{case}:\n{}", ran.both());
        if want == 2 {
            assert!(
                ran.stderr.contains("gonogo.toml:"),
                "{case}: {}",
                ran.stderr
            );
        }
    }
    // Nothing verified is never Go, even when manual items do not block.
    std::fs::write(
        root.join("gonogo.toml"),
        "[policy]\nmanual_blocks = false\n",
    )
    .unwrap();
    std::fs::write(
        root.join("CHECKLIST.md"),
        "# People\n\n- [ ] Stakeholders informed\n- [ ] Team trained\n",
    )
    .unwrap();
    let ran = hostile(root, &check);
    assert_eq!(ran.code, Some(1), "nothing verified:\n{}", ran.both());
    // An explicit path that does not exist fails its item.
    std::fs::remove_file(root.join("gonogo.toml")).unwrap();
    std::fs::write(
        root.join("CHECKLIST.md"),
        "# Docs\n\n- [ ] Runbook <!-- gonogo: files.exists path=docs/RUNBOOK.md -->\n",
    )
    .unwrap();
    let ran = hostile(
        root,
        &["check", "CHECKLIST.md", "--no-store", "--format", "json"],
    );
    assert_eq!(ran.status_of("Runbook"), "fail", "{}", ran.stdout);
}

#[test]
fn malformed_annotations_are_diagnostics_with_their_line() {
    let dir = repo(
        "# A\n\n\
         - [ ] colon missing <!-- gonogo files.exists path=CHECKLIST.md -->\n\
         - [ ] upper case <!-- GONOGO: files.exists path=CHECKLIST.md -->\n\
         - [ ] unclosed <!-- gonogo: files.exists path=CHECKLIST.md\n",
    );
    for verb in ["check", "validate"] {
        let mut args = vec![verb, "CHECKLIST.md"];
        if verb == "check" {
            args.push("--no-store");
        }
        let ran = hostile(dir.path(), &args);
        assert_ne!(
            ran.code,
            Some(0),
            "{verb}: malformed annotations gave exit 0"
        );
        for line in [3, 4, 5] {
            assert!(
                ran.stderr.contains(&format!("CHECKLIST.md:{line}")),
                "{verb}: no diagnostic for line {line}:\n{}",
                ran.stderr
            );
        }
    }
}

#[test]
fn commands_never_run_without_consent() {
    let marker = tempfile::tempdir().unwrap();
    let pwned = marker.path().join("PWNED");
    let dir = repo(&format!(
        "# Cmd\n\n- [ ] Stack validated <!-- gonogo: cmd.succeeds cmd=\"touch {}\" -->\n",
        pwned.display()
    ));
    let root = dir.path();
    // A config in the repository cannot grant consent, whatever it tries.
    std::fs::write(root.join("gonogo.toml"), "[run]\nallow_commands = true\n").unwrap();
    let ran = hostile(root, &["check", "CHECKLIST.md", "--no-store"]);
    assert_ne!(ran.code, Some(0), "{}", ran.both());
    assert!(
        !pwned.exists(),
        "a config in the repository granted consent"
    );
    std::fs::remove_file(root.join("gonogo.toml")).unwrap();
    let ran = hostile(
        root,
        &["check", "CHECKLIST.md", "--no-store", "--format", "json"],
    );
    blocks(&ran, "Stack validated", "no consent");
    assert!(!pwned.exists(), "the command ran without consent");
    assert!(ran.stdout.contains("--allow-commands"), "{}", ran.stdout);
    let ran = hostile_env(
        root,
        &["check", "CHECKLIST.md", "--no-store"],
        &[("GONOGO_ALLOW_COMMANDS", "1")],
    );
    assert_eq!(ran.code, Some(0), "{}", ran.both());
    assert!(
        pwned.exists(),
        "GONOGO_ALLOW_COMMANDS=1 did not run the command"
    );
}

/// Whether any process has `needle` in its command line.
fn running(needle: &str) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|p| {
        std::fs::read(p.path().join("cmdline")).is_ok_and(|c| {
            String::from_utf8_lossy(&c)
                .replace('\0', " ")
                .contains(needle)
        })
    })
}

#[test]
fn interrupts_end_the_run_and_its_children() {
    for (signal, marker) in [("INT", "27.1828"), ("TERM", "27.3141")] {
        let dir = repo(&format!(
            "# I\n\n- [ ] slow <!-- gonogo: cmd.succeeds cmd=\"sh -c 'sleep {marker} & sleep {marker}'\" timeout=60s -->\n\
             - [ ] readme <!-- gonogo: files.exists path=CHECKLIST.md -->\n"
        ));
        let child = Command::new(assert_cmd::cargo::cargo_bin("gonogo"))
            .args(["check", "CHECKLIST.md", "--no-store", "--allow-commands"])
            .args(["--format", "json"])
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !running(&format!("sleep {marker}")) {
            assert!(Instant::now() < deadline, "the command never started");
            thread::sleep(Duration::from_millis(50));
        }
        let sent = Instant::now();
        let ok = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
        let out = child.wait_with_output().unwrap();
        let took = sent.elapsed();
        thread::sleep(Duration::from_millis(300));
        let orphaned = running(&format!("sleep {marker}"));
        if orphaned {
            let _ = Command::new("pkill")
                .args(["-f", &format!("sleep {marker}")])
                .status();
        }
        assert_eq!(out.status.code(), Some(130), "SIG{signal}");
        assert!(
            took < Duration::from_secs(5),
            "SIG{signal}: stopped after {took:?}"
        );
        assert!(!orphaned, "SIG{signal}: a child survived");
        let report: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("SIG{signal}: no partial report ({e})"));
        assert_eq!(report["interrupted"], true, "SIG{signal}: {report}");
        assert_ne!(report["decision"], "go");
    }
}
