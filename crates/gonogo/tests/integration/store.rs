//! The decision run from the command line with a memory, end to end on SQLite and on the real
//! PostgreSQL: check → sign off, approve, waive → check → a waiver expires → check.

use gonogo_testkit::Service;
use sqlx::Connection;
use std::path::{Path, PathBuf};

const CHECKLIST: &str = "# Release 2.4

## Security
- [ ] README present <!-- gonogo: files.exists path=README.md -->
- [ ] Penetration testing performed
- [ ] CHANGELOG present <!-- gonogo: files.exists path=CHANGELOG.md -->

## Compliance
- [ ] Privacy policy updated

## Sign-off
- [ ] Engineering Lead: ___________________ Date: ___________
- [ ] Product Manager: ___________________ Date: ___________
- [ ] Security Team: _____________________ Date: ___________
- [ ] DevOps Team: ______________________ Date: ___________
";

struct Session {
    dir: tempfile::TempDir,
    /// `GONOGO_STORE`: PostgreSQL, or a SQLite file shared by several sessions; none for the
    /// default SQLite file.
    store: Option<String>,
    pg: Option<(String, String)>,
}

impl Session {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("CHECKLIST.md"), CHECKLIST).unwrap();
        std::fs::write(
            dir.path().join("README.md"),
            "# Acme\n\nWhat it is, how to run it, and who to call.\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("gitconfig"),
            "[user]\n\tname = CI Bot\n\temail = ci@example.com\n",
        )
        .unwrap();
        Session {
            dir,
            store: None,
            pg: None,
        }
    }

    async fn postgres(test: &str) -> Option<Self> {
        let pg = gonogo_testkit::require(Service::Postgres, test)?;
        let admin = pg.url().to_string();
        let db = format!("gonogo_cli_{test}");
        let mut c = sqlx::PgConnection::connect(&admin).await.unwrap();
        sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
            .execute(&mut c)
            .await
            .unwrap();
        sqlx::raw_sql(&format!("CREATE DATABASE \"{db}\""))
            .execute(&mut c)
            .await
            .unwrap();
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        let mut s = Session::new();
        s.store = Some(format!("{base}/{db}"));
        s.pg = Some((admin, db));
        Some(s)
    }

    fn checklist(&self) -> PathBuf {
        self.dir.path().join("CHECKLIST.md")
    }

    fn db_file(&self) -> PathBuf {
        self.dir.path().join(".gonogo/gonogo.db")
    }

    /// `gonogo ARGS` at `now`, in the session's directory, with the session's store.
    fn run(&self, now: &str, args: &[&str]) -> (i32, String) {
        let (code, stdout, stderr) = self.run_apart(now, args);
        (code, stdout + &stderr)
    }

    /// [`Session::run`] with standard output and standard error apart.
    fn run_apart(&self, now: &str, args: &[&str]) -> (i32, String, String) {
        let mut cmd = crate::gonogo_with_store(args);
        cmd.current_dir(self.dir.path())
            .env("GONOGO_NOW", now)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", self.dir.path().join("gitconfig"));
        if let Some(url) = &self.store {
            cmd.env("GONOGO_STORE", url);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            self.scrub(&String::from_utf8_lossy(&out.stdout)),
            self.scrub(&String::from_utf8_lossy(&out.stderr)),
        )
    }

    /// Make the session's directory a git repository whose `origin` is `origin`.
    fn with_origin(self, origin: &str) -> Self {
        let dir = self.dir.path();
        git(dir, &["init", "-q"]);
        git(dir, &["remote", "add", "origin", origin]);
        self
    }

    /// Another project, in a directory of its own with the same checklist, on this session's
    /// store (the default SQLite file of this session when it has no other).
    fn sibling(&self) -> Session {
        let mut other = Session::new();
        other.store = Some(
            self.store
                .clone()
                .unwrap_or_else(|| format!("sqlite:{}", self.db_file().display())),
        );
        other
    }

    /// The SQLite file of the store, unless it is PostgreSQL.
    fn sqlite_file(&self) -> Option<PathBuf> {
        match &self.store {
            None => Some(self.db_file()),
            Some(url) => url.strip_prefix("sqlite:").map(PathBuf::from),
        }
    }

    fn scrub(&self, text: &str) -> String {
        let text = text.replace(&self.dir.path().display().to_string(), "[DIR]");
        let text = regex::Regex::new(r"\(\d+ ms\)")
            .unwrap()
            .replace_all(&text, "(N ms)")
            .into_owned();
        regex::Regex::new(r"head [0-9a-f]{12}")
            .unwrap()
            .replace_all(&text, "head [HASH]")
            .into_owned()
    }

    async fn sql(&self, sql: &str) {
        match (self.sqlite_file(), &self.store) {
            (None, Some(url)) => {
                let mut c = pg_connect(url).await;
                sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
                c.close().await.unwrap();
            }
            (file, _) => {
                let file = file.unwrap();
                let mut c = sqlx::SqliteConnection::connect(&format!("sqlite:{}", file.display()))
                    .await
                    .unwrap();
                sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
                c.close().await.unwrap();
            }
        }
    }

    async fn count(&self, sql: &str) -> i64 {
        self.query_one(sql).await
    }

    /// The one value `sql` selects.
    async fn query_one<T>(&self, sql: &str) -> T
    where
        T: Send + Unpin,
        T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
        T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
    {
        match (self.sqlite_file(), &self.store) {
            (None, Some(url)) => {
                let mut c = pg_connect(url).await;
                sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
            }
            (file, _) => {
                let file = file.unwrap();
                let mut c = sqlx::SqliteConnection::connect(&format!("sqlite:{}", file.display()))
                    .await
                    .unwrap();
                sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
            }
        }
    }

    async fn cleanup(self) {
        if let Some((admin, db)) = &self.pg {
            let mut c = sqlx::PgConnection::connect(admin).await.unwrap();
            sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
                .execute(&mut c)
                .await
                .unwrap();
        }
    }
}

/// `git ARGS` in `dir`, isolated from the user's and the system's configuration.
fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A raw connection to a PostgreSQL store, in gonogo's schema.
async fn pg_connect(url: &str) -> sqlx::PgConnection {
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::raw_sql("SET search_path TO gonogo")
        .execute(&mut c)
        .await
        .unwrap();
    c
}

const T0: &str = "2026-11-22T10:00:00Z";
const T1: &str = "2026-11-22T11:00:00Z";
const EXPIRED: &str = "2027-01-02T09:00:00Z";

/// The judged session. Every verb's output is a snapshot, the same for both backends.
async fn scripted_session(s: &Session) {
    let c = s.checklist();
    let c = c.to_str().unwrap();
    let check = |now| s.run(now, &["check", c]);

    let (code, out) = check(T0);
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("check_1_no_go_manual_pending", out);

    let by = "Jane Roe <jane@example.com>";
    let (code, out) = s.run(
        T0,
        &[
            "signoff",
            c,
            "Penetration testing",
            "--by",
            by,
            "--role",
            "Security Team",
            "--evidence",
            "https://tickets.example.com/SEC-42",
            "--expires",
            "90d",
        ],
    );
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("signoff", out);
    let (code, out) = s.run(
        T0,
        &[
            "signoff",
            c,
            "compliance/privacy-policy-updated",
            "--note",
            "legal review LR-7",
        ],
    );
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("signoff_by_git_identity", out);

    let mut approvals = String::new();
    for role in [
        "Engineering Lead",
        "Product Manager",
        "Security Team",
        "DevOps Team",
    ] {
        let (code, out) = s.run(T0, &["approve", c, "--role", role, "--by", by]);
        assert_eq!(code, 0, "{out}");
        approvals.push_str(&out);
    }
    insta::assert_snapshot!("approve", approvals);

    let (code, out) = s.run(
        T0,
        &[
            "waive",
            c,
            "CHANGELOG",
            "--reason",
            "generated at release time",
            "--until",
            "2026-12-31",
            "--by",
            "Sam Poe <sam@example.com>",
        ],
    );
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("waive", out);

    let (code, out) = check(T1);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("GO with 1 waiver"), "{out}");
    insta::assert_snapshot!("check_2_go_with_1_waiver", out);

    let (code, out) = check(EXPIRED);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("waiver by Sam Poe <sam@example.com> expired after 2026-12-31"),
        "{out}"
    );
    insta::assert_snapshot!("check_3_no_go_waiver_expired", out);

    let (code, out) = s.run(EXPIRED, &["history", c]);
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("history", out);
    let (code, out) = s.run(EXPIRED, &["history", "--format", "json", "--limit", "1"]);
    assert_eq!(code, 0, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json[0]["verdict"], "No-Go");
    assert_eq!(json[0]["counts"]["fail"], 1);

    let (code, out) = s.run(EXPIRED, &["diff"]);
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("diff_latest", out);
    let (code, out) = s.run(EXPIRED, &["diff", "1", "2"]);
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("diff_1_2", out);

    let (code, out) = s.run(
        EXPIRED,
        &[
            "revoke",
            "approval",
            c,
            "--role",
            "devops team",
            "--by",
            by,
            "--reason",
            "left the team",
        ],
    );
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("revoke", out);

    let (code, out) = s.run(EXPIRED, &["audit", "verify"]);
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("audit_verify_intact", out);

    // The report as JSON: the new fields.
    let (code, out) = s.run(EXPIRED, &["check", c, "--format", "json", "--no-store"]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["verdict"], "No-Go");
    assert_eq!(report["previous_run"], 3);
    assert!(report["run"].is_null(), "--no-store records nothing");
    let changelog = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "security/changelog-present")
        .unwrap();
    assert_eq!(changelog["signoff"]["kind"], "waived");
    assert_eq!(changelog["signoff"]["expired"], true);
    let pentest = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "security/penetration-testing-performed")
        .unwrap();
    assert_eq!(pentest["status"], "attested");
    assert_eq!(pentest["signoff"]["until"], "2027-02-20");

    // Markdown write-back: sign-off lines filled, attested and waived items say who.
    let (_, md) = s.run(T1, &["check", c, "--format", "markdown", "--no-store"]);
    assert!(
        md.contains("- [x] Engineering Lead: Jane Roe Date: 2026-11-22"),
        "{md}"
    );
    insta::assert_snapshot!("markdown_write_back", md);
}

#[tokio::test]
async fn session_on_sqlite() {
    let s = Session::new();
    scripted_session(&s).await;
    assert!(
        s.db_file().exists(),
        "the default store is .gonogo/gonogo.db beside the checklist"
    );
}

#[tokio::test]
async fn session_on_postgres() {
    let Some(s) = Session::postgres("session_on_postgres").await else {
        return;
    };
    scripted_session(&s).await;
    assert!(
        !s.db_file().exists(),
        "nothing written to the default SQLite file"
    );
    s.cleanup().await;
}

/// Filling a sign-off line in by hand (what the seed's form invites) keeps it a slot with the
/// same id: an approval recorded before still fills it, and a slot filled only by hand says
/// that it still has to be recorded.
#[tokio::test]
async fn a_slot_filled_in_by_hand_stays_a_slot() {
    let s = Session::new();
    let c = s.checklist();
    let c = c.to_str().unwrap();
    let by = "Jane Roe <jane@example.com>";
    let (code, out) = s.run(
        T0,
        &["approve", c, "--role", "Engineering Lead", "--by", by],
    );
    assert_eq!(code, 0, "{out}");
    let filled = CHECKLIST
        .replace(
            "- [ ] Engineering Lead: ___________________ Date: ___________",
            "- [x] Engineering Lead: Jane Roe Date: 2026-11-21",
        )
        .replace(
            "- [ ] Product Manager: ___________________ Date: ___________",
            "- [x] Product Manager: Sam Poe Date: 2026-11-21",
        );
    std::fs::write(s.checklist(), filled).unwrap();
    let (code, out) = s.run(T1, &["check", c]);
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("check_slots_filled_by_hand", out);
    let (code, out) = s.run(T1, &["validate", c]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("sign-off slot \"Product Manager\": filled in by hand (\"Sam Poe Date: 2026-11-21\") but not recorded"),
        "{out}"
    );
}

async fn altered_audit_row_fails_verify(s: &Session) {
    let c = s.checklist();
    let c = c.to_str().unwrap();
    assert_eq!(s.run(T0, &["check", c]).0, 1);
    assert_eq!(
        s.run(
            T0,
            &[
                "waive",
                c,
                "CHANGELOG",
                "--reason",
                "r",
                "--until",
                "2026-12-31"
            ]
        )
        .0,
        0
    );
    assert_eq!(s.run(T0, &["approve", c, "--role", "DevOps Team"]).0, 0);
    assert_eq!(s.run(T0, &["audit", "verify"]).0, 0);
    s.sql("UPDATE audit_log SET actor = 'Mallory' WHERE seq = 2")
        .await;
    let (code, out) = s.run(T0, &["audit", "verify"]);
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("audit_verify_broken", out);
}

#[tokio::test]
async fn altered_audit_row_fails_verify_sqlite() {
    altered_audit_row_fails_verify(&Session::new()).await;
}

#[tokio::test]
async fn altered_audit_row_fails_verify_postgres() {
    let Some(s) = Session::postgres("altered_audit_row_fails_verify").await else {
        return;
    };
    altered_audit_row_fails_verify(&s).await;
    s.cleanup().await;
}

/// Bad input: a clear message, exit 2, and nothing written.
async fn bad_input_exits_2_and_writes_nothing(s: &Session) {
    let c = s.checklist();
    let c = c.to_str().unwrap();
    assert_eq!(s.run(T0, &["check", c]).0, 1);
    let entries = || s.count("SELECT COUNT(*) FROM audit_log");
    let before = entries().await;
    let mut transcript = String::new();
    for args in [
        vec!["signoff", c, "no such item", "--by", "x"],
        vec!["signoff", c, "present", "--by", "x"],
        vec!["signoff", c, "README present", "--by", "x"],
        vec![
            "signoff",
            c,
            "Penetration",
            "--by",
            "x",
            "--expires",
            "2026-01-01",
        ],
        vec![
            "waive",
            c,
            "CHANGELOG",
            "--reason",
            "r",
            "--until",
            "2026-11-01",
            "--by",
            "x",
        ],
        vec!["approve", c, "--role", "Chief Vibes Officer", "--by", "x"],
        vec!["revoke", "waiver", c, "CHANGELOG", "--by", "x"],
        vec!["check", c, "--store", "mysql://root:hunter2@127.0.0.1/x"],
        vec![
            "check",
            c,
            "--store",
            "postgres://gonogo:hunter2@127.0.0.1:1/none",
        ],
    ] {
        let (code, out) = s.run(T0, &args);
        assert_eq!(code, 2, "{args:?}: {out}");
        assert!(!out.contains("hunter2"), "{out}");
        transcript.push_str(&format!(
            "$ gonogo {}\n{out}\n",
            args.join(" ").replace(c, "CHECKLIST.md")
        ));
    }
    insta::assert_snapshot!("bad_input", transcript);
    assert_eq!(entries().await, before, "a rejected command wrote nothing");
}

#[tokio::test]
async fn bad_input_exits_2_and_writes_nothing_sqlite() {
    bad_input_exits_2_and_writes_nothing(&Session::new()).await;
}

#[tokio::test]
async fn bad_input_exits_2_and_writes_nothing_postgres() {
    let Some(s) = Session::postgres("bad_input_exits_2").await else {
        return;
    };
    bad_input_exits_2_and_writes_nothing(&s).await;
    s.cleanup().await;
}

/// Two `gonogo check` processes on the same store at once: both record their run.
async fn two_checks_at_once(s: &Session) {
    // Two processes at once need std's `spawn`, which assert_cmd's `Command` does not offer;
    // the environment is the one `gonogo_with_store` sets.
    let spawn = || {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("gonogo"));
        cmd.current_dir(s.dir.path())
            .env("GONOGO_NOW", T0)
            .env("GIT_CONFIG_GLOBAL", s.dir.path().join("gitconfig"))
            .args(["check", s.checklist().to_str().unwrap(), "--format", "json"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        if let Some(url) = &s.store {
            cmd.env("GONOGO_STORE", url);
        } else {
            cmd.env_remove("GONOGO_STORE");
        }
        cmd.spawn().unwrap()
    };
    for round in 0..3 {
        let children: Vec<_> = (0..2).map(|_| spawn()).collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(1),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    assert_eq!(s.count("SELECT COUNT(*) FROM runs").await, 6);
    assert_eq!(s.run(T0, &["audit", "verify"]).0, 0);
}

#[tokio::test]
async fn two_checks_at_once_sqlite() {
    two_checks_at_once(&Session::new()).await;
}

#[tokio::test]
async fn two_checks_at_once_postgres() {
    let Some(s) = Session::postgres("two_checks_at_once").await else {
        return;
    };
    two_checks_at_once(&s).await;
    s.cleanup().await;
}

fn aws_key() -> String {
    format!("AKIA{}", "Q3EGUJ7RX4MKT2WB")
}

/// Secrets planted in the repository fail their items and never reach the store in full.
async fn no_secret_reaches_the_store(s: &Session) {
    let root = s.dir.path();
    std::fs::write(
        root.join("CHECKLIST.md"),
        "# R\n\n## Security\n- [ ] No hardcoded secrets in codebase\n- [ ] JWT_SECRET is cryptographically secure (min 32 chars)\n- [ ] DB creds <!-- gonogo: files.exists path=README.md -->\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("src/settings.py"),
        format!("AWS_ACCESS_KEY_ID = \"{}\"\n", aws_key()),
    )
    .unwrap();
    std::fs::write(
        root.join(".env"),
        "JWT_SECRET=changethis\nDATABASE_URL=postgres://app:S3cr3tPassw0rd!@db/app\n",
    )
    .unwrap();
    let c = s.checklist();
    let (code, out) = s.run(
        T0,
        &[
            "check",
            c.to_str().unwrap(),
            "--repo",
            root.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{out}");
    let secrets = [
        aws_key(),
        "S3cr3tPassw0rd!".to_string(),
        "JWT_SECRET=changethis".to_string(),
    ];
    let dump = match &s.store {
        None => {
            // Checkpoint the WAL so the file holds everything, then read its bytes.
            s.sql("PRAGMA wal_checkpoint(TRUNCATE)").await;
            String::from_utf8_lossy(&std::fs::read(s.db_file()).unwrap()).into_owned()
        }
        Some(url) => {
            let mut c = pg_connect(url).await;
            let rows: Vec<(String,)> = sqlx::query_as(
                "SELECT report FROM runs UNION ALL SELECT evidence FROM run_items UNION ALL SELECT detail FROM audit_log",
            )
            .fetch_all(&mut c)
            .await
            .unwrap();
            rows.into_iter().map(|r| r.0).collect::<Vec<_>>().join("\n")
        }
    };
    assert!(dump.contains("No hardcoded secrets"), "the run was stored");
    for secret in &secrets {
        assert!(
            !dump.contains(secret.as_str()),
            "the store holds a secret in full"
        );
    }
}

#[tokio::test]
async fn no_secret_reaches_the_store_sqlite() {
    no_secret_reaches_the_store(&Session::new()).await;
}

#[tokio::test]
async fn no_secret_reaches_the_store_postgres() {
    let Some(s) = Session::postgres("no_secret_reaches_the_store").await else {
        return;
    };
    no_secret_reaches_the_store(&s).await;
    s.cleanup().await;
}

#[test]
fn store_paths_are_relative_to_the_checklist() {
    let s = Session::new();
    std::fs::write(
        s.dir.path().join("gonogo.toml"),
        "[store]\nurl = \"sqlite:state/runs.db\"\n",
    )
    .unwrap();
    let (code, out) = s.run(T0, &["check", s.checklist().to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(Path::new(&s.dir.path().join("state/runs.db")).exists());
    assert!(!s.db_file().exists());
}

/// `audit verify --store sqlite:typo.db` once created an empty store and called it intact.
#[test]
fn read_only_verbs_never_create_a_store_they_are_pointed_at() {
    let s = Session::new();
    let typo = s.dir.path().join("typo.db");
    let store = format!("sqlite:{}", typo.display());
    for verb in [
        vec!["audit", "verify", "--store", &store],
        vec!["history", "--store", &store],
        vec!["diff", "--store", &store],
    ] {
        let (code, out) = s.run(T0, &verb);
        assert_eq!(code, 2, "{verb:?}: {out}");
        assert!(
            out.contains("no store at [DIR]/typo.db (no such file: check the path)"),
            "{verb:?}: {out}"
        );
        assert!(!typo.exists(), "{verb:?} created {}", typo.display());
    }
}

/// The status of item `id` in a JSON report.
fn status_in(report: &str, id: &str) -> String {
    let report: serde_json::Value = serde_json::from_str(report).unwrap_or_else(|e| {
        panic!("not a JSON report ({e}): {report}");
    });
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no item {id}"))["status"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Two projects whose checklists have the same path, on one store: a waiver or an approval
/// of one never applies to the other. A clone of the first under another spelling of its
/// remote is the same project.
async fn two_projects_keep_their_records_apart(a: Session) {
    let a = a.with_origin("git@example.com:Org/a.git");
    let b = a.sibling().with_origin("https://example.com/Org/b");
    let a_again = a.sibling().with_origin("https://EXAMPLE.com/Org/a");
    let changelog = "security/changelog-present";
    let c = |s: &Session| s.checklist().display().to_string();
    let (code, out) = a.run(
        T0,
        &[
            "waive",
            &c(&a),
            "CHANGELOG",
            "--reason",
            "generated at release time",
            "--until",
            "2026-12-31",
            "--by",
            "Sam Poe",
        ],
    );
    assert_eq!(code, 0, "{out}");
    let (code, out) = b.run(
        T0,
        &["approve", &c(&b), "--role", "DevOps Team", "--by", "x"],
    );
    assert_eq!(code, 0, "{out}");
    let check = |s: &Session| {
        let (code, report, errors) = s.run_apart(T1, &["check", &c(s), "--format", "json"]);
        assert_eq!(code, 1, "{errors}");
        assert!(errors.is_empty(), "{errors}");
        report
    };
    let (in_a, in_b, in_a_again) = (check(&a), check(&b), check(&a_again));
    assert_eq!(status_in(&in_a, changelog), "waived");
    assert_eq!(status_in(&in_b, changelog), "fail", "b sees a's waiver");
    assert_eq!(status_in(&in_a_again, changelog), "waived");
    let devops = "sign-off/devops-team-date";
    assert_eq!(status_in(&in_b, devops), "attested");
    assert_eq!(status_in(&in_a, devops), "manual", "a sees b's approval");
    // Each project's history holds its own runs; the store's, all of them with their project.
    let (code, out) = b.run(T1, &["history", &c(&b), "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let runs: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(runs.as_array().unwrap().len(), 1, "{out}");
    assert_eq!(runs[0]["project"], "example.com/Org/b");
    let (code, out) = a.run(T1, &["history", &c(&a), "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let runs: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(runs.as_array().unwrap().len(), 2, "a and its clone: {out}");
    let (code, out) = a.run(T1, &["history"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("CHECKLIST.md  (example.com/Org/b)"), "{out}");
    // `--repo` files a record under another project than the checklist's own.
    let (code, out) = a.run(
        T0,
        &[
            "waive",
            &c(&a),
            "CHANGELOG",
            "--reason",
            "b ships without it",
            "--until",
            "2026-12-31",
            "--by",
            "Sam Poe",
            "--repo",
            &b.dir.path().display().to_string(),
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(status_in(&check(&b), changelog), "waived");
    assert_eq!(a.run(T1, &["audit", "verify"]).0, 0);
}

#[tokio::test]
async fn two_projects_keep_their_records_apart_sqlite() {
    two_projects_keep_their_records_apart(Session::new()).await;
}

#[tokio::test]
async fn two_projects_keep_their_records_apart_postgres() {
    let Some(s) = Session::postgres("two_projects_keep_their_records_apart").await else {
        return;
    };
    let pg = s.pg.clone();
    two_projects_keep_their_records_apart(s).await;
    Session {
        dir: tempfile::tempdir().unwrap(),
        store: None,
        pg,
    }
    .cleanup()
    .await;
}

/// A run's items edited behind the log's back: `audit verify` names the run, `diff` refuses
/// it, `history` flags it.
async fn edited_run_items_are_caught(s: &Session) {
    let c = s.checklist();
    let c = c.to_str().unwrap();
    assert_eq!(s.run(T0, &["check", c]).0, 1);
    assert_eq!(s.run(T1, &["check", c]).0, 1);
    assert_eq!(s.run(T1, &["audit", "verify"]).0, 0);
    // The failing CHANGELOG item of run 2 made to look fixed.
    s.sql(
        "UPDATE run_items SET status = 'pass' WHERE run_id = 2 AND item_id = 'security/changelog-present'",
    )
    .await;
    let mut transcript = String::new();
    for (args, expected) in [
        (vec!["audit", "verify"], 1),
        (vec!["diff"], 2),
        (vec!["diff", "1", "2"], 2),
        (vec!["history"], 0),
    ] {
        let (code, out) = s.run(T1, &args);
        assert_eq!(code, expected, "{args:?}: {out}");
        transcript.push_str(&format!("$ gonogo {}\n{out}\n", args.join(" ")));
    }
    assert!(
        transcript.contains("the items of run:2 were changed after audit entry 2 recorded them"),
        "{transcript}"
    );
    assert!(!transcript.contains("fixed"), "{transcript}");
    insta::assert_snapshot!("edited_run_items", transcript);
}

#[tokio::test]
async fn edited_run_items_are_caught_sqlite() {
    edited_run_items_are_caught(&Session::new()).await;
}

#[tokio::test]
async fn edited_run_items_are_caught_postgres() {
    let Some(s) = Session::postgres("edited_run_items_are_caught").await else {
        return;
    };
    edited_run_items_are_caught(&s).await;
    s.cleanup().await;
}

/// A waiver written into the store without its audit entry is not applied, and `check` says
/// so on stderr.
async fn a_record_without_its_audit_entry_is_ignored(s: &Session) {
    let c = s.checklist();
    let c = c.to_str().unwrap();
    assert_eq!(s.run(T0, &["check", c]).0, 1);
    let project: String = s.query_one("SELECT project FROM runs WHERE id = 1").await;
    s.sql(&format!(
        "INSERT INTO waivers (project, checklist, item_id, item_text, reason, by_whom, at, expires_at) \
         VALUES ('{project}', 'CHECKLIST.md', 'security/changelog-present', 'CHANGELOG present', 'trust me', 'Mallory', 1795000000, 4102444800)"
    ))
    .await;
    let (code, report, errors) = s.run_apart(T1, &["check", c, "--format", "json"]);
    assert_eq!(code, 1, "{errors}");
    assert_eq!(status_in(&report, "security/changelog-present"), "fail");
    assert_eq!(
        errors,
        "warning: waiver:1 is in the store but no audit entry records it: not applied (`gonogo audit verify` checks the whole store)\n"
    );
}

#[tokio::test]
async fn a_record_without_its_audit_entry_is_ignored_sqlite() {
    a_record_without_its_audit_entry_is_ignored(&Session::new()).await;
}

#[tokio::test]
async fn a_record_without_its_audit_entry_is_ignored_postgres() {
    let Some(s) = Session::postgres("a_record_without_its_audit_entry").await else {
        return;
    };
    a_record_without_its_audit_entry_is_ignored(&s).await;
    s.cleanup().await;
}

/// Every schema and relation of the session's PostgreSQL database.
async fn pg_objects(s: &Session) -> Vec<String> {
    let mut c = sqlx::PgConnection::connect(s.store.as_deref().unwrap())
        .await
        .unwrap();
    sqlx::query_scalar(
        "SELECT n.nspname || '.' || coalesce(c.relname, '') FROM pg_namespace n \
         LEFT JOIN pg_class c ON c.relnamespace = n.oid \
         WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' ORDER BY 1",
    )
    .fetch_all(&mut c)
    .await
    .unwrap()
}

/// On a PostgreSQL database without gonogo's schema (an application's database), the
/// read-only verbs exit 2 and create nothing; `check --no-store` applies nothing and says so.
#[tokio::test]
async fn read_only_verbs_create_nothing_in_postgres() {
    let Some(s) = Session::postgres("read_only_verbs_create_nothing").await else {
        return;
    };
    s.sql("CREATE TABLE public.users (id BIGINT PRIMARY KEY)")
        .await;
    let before = pg_objects(&s).await;
    let c = s.checklist();
    let c = c.to_str().unwrap();
    let mut transcript = String::new();
    for (args, expected) in [
        (vec!["history"], 2),
        (vec!["history", c], 2),
        (vec!["diff"], 2),
        (vec!["audit", "verify"], 2),
        (vec!["check", c, "--no-store"], 1),
    ] {
        let (code, _, errors) = s.run_apart(T0, &args);
        assert_eq!(code, expected, "{args:?}: {errors}");
        transcript.push_str(&format!(
            "$ gonogo {}\n{errors}\n",
            args.join(" ").replace(c, "CHECKLIST.md")
        ));
    }
    let url = s.store.as_deref().unwrap();
    insta::assert_snapshot!(
        "read_only_verbs_on_postgres",
        transcript.replace(
            url.rsplit_once('@').map_or(url, |(_, host)| host),
            "HOST/DB"
        )
    );
    assert_eq!(pg_objects(&s).await, before, "nothing was created");
    s.cleanup().await;
}

/// The store refuses the run's record at the end: the report is still printed and written,
/// and the exit code is 2 with the reason.
async fn a_run_the_store_refuses_still_has_its_report(s: &Session, refuse: &str) {
    let c = s.checklist();
    let c = c.to_str().unwrap();
    assert_eq!(s.run(T0, &["check", c]).0, 1);
    s.sql(refuse).await;
    let (code, report, errors) = s.run_apart(T1, &["check", c, "--format", "json"]);
    assert_eq!(code, 2, "{errors}");
    assert_eq!(status_in(&report, "security/readme-present"), "pass");
    let json: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(
        (&json["verdict"], &json["run"]),
        (&"No-Go".into(), &serde_json::Value::Null)
    );
    assert_eq!(
        json["previous_run"], 1,
        "the store was read before the checks ran"
    );
    assert!(
        errors.starts_with("error: the run was not recorded: store ")
            && errors.contains("disk quota exceeded"),
        "{errors}"
    );
    let file = s.dir.path().join("report.md");
    let (code, stdout, errors) = s.run_apart(
        T1,
        &[
            "check",
            c,
            "--format",
            "markdown",
            "--output",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2, "{errors}");
    assert!(stdout.is_empty(), "{stdout}");
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains("- [x] README present"), "{written}");
    assert_eq!(
        s.count("SELECT COUNT(*) FROM runs").await,
        1,
        "nothing recorded"
    );
}

#[tokio::test]
async fn a_run_the_store_refuses_still_has_its_report_sqlite() {
    a_run_the_store_refuses_still_has_its_report(
        &Session::new(),
        "CREATE TRIGGER refuse_runs BEFORE INSERT ON runs \
         BEGIN SELECT RAISE(ABORT, 'disk quota exceeded'); END;",
    )
    .await;
}

#[tokio::test]
async fn a_run_the_store_refuses_still_has_its_report_postgres() {
    let Some(s) = Session::postgres("a_run_the_store_refuses").await else {
        return;
    };
    a_run_the_store_refuses_still_has_its_report(
        &s,
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN RAISE EXCEPTION 'disk quota exceeded'; END $$; \
         CREATE TRIGGER refuse_runs BEFORE INSERT ON runs FOR EACH ROW EXECUTE FUNCTION refuse();",
    )
    .await;
    s.cleanup().await;
}

/// A store that cannot be opened stops `check` before any check runs: the HTTP item's
/// server is never called. With a store that opens, the same checklist calls it.
#[test]
fn a_store_that_cannot_be_opened_stops_check_before_any_check_runs() {
    let s = Session::new();
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    server.set_nonblocking(true).unwrap();
    let port = server.local_addr().unwrap().port();
    std::fs::write(
        s.checklist(),
        format!(
            "# R\n\n- [ ] API answers <!-- gonogo: http.status url=http://127.0.0.1:{port}/ -->\n"
        ),
    )
    .unwrap();
    std::fs::write(s.dir.path().join("file"), "not a directory").unwrap();
    let c = s.checklist();
    let c = c.to_str().unwrap();
    let called = || match server.accept() {
        Ok(_) => true,
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => false,
        Err(e) => panic!("{e}"),
    };
    for store in [
        "postgres://gonogo:hunter2@127.0.0.1:1/none",
        "sqlite:file/sub/gonogo.db",
    ] {
        let (code, out) = s.run(T0, &["check", c, "--store", store]);
        assert_eq!(code, 2, "{store}: {out}");
        assert!(out.starts_with("error: cannot open the store at "), "{out}");
        assert!(!out.contains("hunter2"), "{out}");
        assert!(
            !called(),
            "{store}: a check ran before the store was opened"
        );
    }
    let (code, out) = s.run(T0, &["check", c]);
    assert_eq!(code, 1, "{out}");
    assert!(called(), "the control: with a store, the check runs");
}

/// The clock override is compiled out of release builds: `--now` is an unknown argument and
/// `GONOGO_NOW` is not read. (Under `cargo test --release`; debug builds keep it for tests.)
#[cfg(not(debug_assertions))]
#[test]
fn a_release_build_has_no_clock_override() {
    let s = Session::new();
    let c = s.checklist();
    let c = c.to_str().unwrap();
    let (code, out) = s.run(T0, &["check", c, "--now", "2026-01-01"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("unexpected argument '--now'"), "{out}");
    // Under GONOGO_NOW (set by `run`) 2020-06-30 is the future; under the real clock it is not.
    let (code, out) = s.run(
        "2020-01-01T00:00:00Z",
        &[
            "waive",
            c,
            "CHANGELOG",
            "--reason",
            "r",
            "--until",
            "2020-06-30",
            "--by",
            "x",
        ],
    );
    assert_eq!(code, 2, "backdated: {out}");
    assert!(
        out.contains("--until 2020-06-30 is not in the future"),
        "{out}"
    );
}

/// A store an older gonogo made, before projects: its waiver applies to no project, `check`
/// migrates the store and says so until the project records its own.
#[tokio::test]
async fn records_from_before_projects_apply_to_none_and_check_says_so() {
    let s = Session::new();
    let file = s.db_file();
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let mut first = sqlx::migrate!("../gonogo-store/migrations/sqlite");
    first.migrations = first.migrations[..1].to_vec().into();
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite:{}?mode=rwc", file.display()))
        .await
        .unwrap();
    first.run(&mut c).await.unwrap();
    sqlx::raw_sql(
        "INSERT INTO waivers (checklist, item_id, item_text, reason, by_whom, at, expires_at) \
         VALUES ('CHECKLIST.md', 'security/changelog-present', 'CHANGELOG present', 'r', 'Sam Poe', 1795000000, 4102444800)",
    )
    .execute(&mut c)
    .await
    .unwrap();
    c.close().await.unwrap();
    let checklist = s.checklist();
    let c = checklist.to_str().unwrap();
    let (code, report, errors) = s.run_apart(T1, &["check", c, "--format", "json"]);
    assert_eq!(code, 1, "{errors}");
    assert_eq!(status_in(&report, "security/changelog-present"), "fail");
    insta::assert_snapshot!("records_from_before_projects", errors);
    let (code, out) = s.run(
        T1,
        &[
            "waive",
            c,
            "CHANGELOG",
            "--reason",
            "r",
            "--until",
            "2026-12-31",
            "--by",
            "x",
        ],
    );
    assert_eq!(code, 0, "{out}");
    let (code, report, errors) = s.run_apart(T1, &["check", c, "--format", "json"]);
    assert_eq!(code, 1, "{errors}");
    assert_eq!(status_in(&report, "security/changelog-present"), "waived");
    assert_eq!(errors, "", "the project has records of its own now");
}
