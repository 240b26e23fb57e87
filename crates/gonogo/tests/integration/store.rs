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
    /// `--store` for PostgreSQL; none for the default SQLite file.
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
        let mut cmd = crate::gonogo_with_store(args);
        cmd.current_dir(self.dir.path())
            .env("GONOGO_NOW", now)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", self.dir.path().join("gitconfig"));
        if let Some(url) = &self.store {
            cmd.env("GONOGO_STORE", url);
        }
        let out = cmd.output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.code().unwrap_or(-1), self.scrub(&text))
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
        match &self.store {
            Some(url) => {
                let mut c = sqlx::PgConnection::connect(url).await.unwrap();
                sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
                c.close().await.unwrap();
            }
            None => {
                let mut c = sqlx::SqliteConnection::connect(&format!(
                    "sqlite:{}",
                    self.db_file().display()
                ))
                .await
                .unwrap();
                sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
                c.close().await.unwrap();
            }
        }
    }

    async fn count(&self, sql: &str) -> i64 {
        match &self.store {
            Some(url) => {
                let mut c = sqlx::PgConnection::connect(url).await.unwrap();
                sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
            }
            None => {
                let mut c = sqlx::SqliteConnection::connect(&format!(
                    "sqlite:{}",
                    self.db_file().display()
                ))
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
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
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
