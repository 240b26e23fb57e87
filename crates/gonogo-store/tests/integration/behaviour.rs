//! The store's behaviour, the same tests against SQLite (always) and the real PostgreSQL
//! (127.0.0.1:5432, each test in a database of its own, dropped at the end).

use gonogo_store::audit::{self, Broken};
use gonogo_store::{
    Access, ChecklistKey, NewApproval, NewAttestation, NewRun, NewWaiver, RecordKind, RunAudit,
    RunItem, Store, StoreUrl,
};
use gonogo_testkit::Service;
use sqlx::Connection;

const DAY: i64 = 86_400;
const NOW: i64 = 1_795_000_000;
const PROJECT: &str = "github.com/org/app";

/// `checklist` of [`PROJECT`].
fn key(checklist: &str) -> ChecklistKey {
    ChecklistKey::new(PROJECT, checklist)
}

/// Open the store at `url` to write.
async fn open(url: &StoreUrl) -> Box<dyn Store> {
    gonogo_store::open(url, Access::Write).await.unwrap()
}

/// A place for one test's store: a SQLite file in a tempdir, or a fresh PostgreSQL database.
enum Place {
    Sqlite(tempfile::TempDir),
    Postgres { admin: String, db: String },
}

impl Place {
    fn url(&self) -> StoreUrl {
        match self {
            Place::Sqlite(dir) => StoreUrl::Sqlite(dir.path().join(".gonogo/gonogo.db")),
            Place::Postgres { admin, db } => StoreUrl::Postgres(pg_url_for(admin, db)),
        }
    }

    /// A raw connection for altering rows behind the store's back.
    async fn exec(&self, sql: &str) -> u64 {
        match self {
            Place::Sqlite(dir) => {
                let mut c = sqlx::SqliteConnection::connect(&format!(
                    "sqlite:{}",
                    dir.path().join(".gonogo/gonogo.db").display()
                ))
                .await
                .unwrap();
                sqlx::raw_sql(sql)
                    .execute(&mut c)
                    .await
                    .unwrap()
                    .rows_affected()
            }
            Place::Postgres { admin, db } => {
                let mut c = pg_connect(admin, db).await;
                sqlx::raw_sql(sql)
                    .execute(&mut c)
                    .await
                    .unwrap()
                    .rows_affected()
            }
        }
    }

    async fn count(&self, sql: &str) -> i64 {
        match self {
            Place::Sqlite(dir) => {
                let mut c = sqlx::SqliteConnection::connect(&format!(
                    "sqlite:{}",
                    dir.path().join(".gonogo/gonogo.db").display()
                ))
                .await
                .unwrap();
                sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
            }
            Place::Postgres { admin, db } => {
                let mut c = pg_connect(admin, db).await;
                sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
            }
        }
    }

    async fn cleanup(self) {
        if let Place::Postgres { admin, db } = self {
            let mut c = sqlx::PgConnection::connect(&admin).await.unwrap();
            sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
                .execute(&mut c)
                .await
                .unwrap();
        }
    }
}

/// A raw connection to the test's database, in gonogo's schema.
async fn pg_connect(admin: &str, db: &str) -> sqlx::PgConnection {
    let mut c = sqlx::PgConnection::connect(&pg_url_for(admin, db))
        .await
        .unwrap();
    sqlx::raw_sql("SET search_path TO gonogo")
        .execute(&mut c)
        .await
        .unwrap();
    c
}

fn pg_url_for(admin: &str, db: &str) -> String {
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    format!("{base}/{db}")
}

/// The places a test runs in: SQLite always, PostgreSQL when it answers (required under CI).
async fn places(test: &str) -> Vec<(&'static str, Place)> {
    let mut out = vec![("sqlite", Place::Sqlite(tempfile::tempdir().unwrap()))];
    if let Some(pg) = gonogo_testkit::require(Service::Postgres, test) {
        let admin = pg.url().to_string();
        let db = format!("gonogo_store_{test}");
        let mut c = sqlx::PgConnection::connect(&admin).await.unwrap();
        sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
            .execute(&mut c)
            .await
            .unwrap();
        sqlx::raw_sql(&format!("CREATE DATABASE \"{db}\""))
            .execute(&mut c)
            .await
            .unwrap();
        out.push(("postgres", Place::Postgres { admin, db }));
    }
    out
}

fn run(checklist: &str, statuses: &[(&str, &str)]) -> NewRun {
    NewRun {
        project: PROJECT.into(),
        checklist: checklist.into(),
        checklist_path: format!("./{checklist}"),
        checklist_hash: "ab".repeat(32),
        commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
        decision: "no-go".into(),
        verdict: "No-Go".into(),
        score: Some(50.0),
        counts: r#"{"pass":1,"fail":1}"#.into(),
        report: r#"{"version":1}"#.into(),
        items: statuses
            .iter()
            .enumerate()
            .map(|(i, (id, status))| RunItem {
                item_id: id.to_string(),
                line: i as i64 + 3,
                text: format!("item {id}"),
                status: status.to_string(),
                evidence: r#"{"summary":"ok"}"#.into(),
            })
            .collect(),
    }
}

/// One of each record, then a revocation: eight audit entries.
async fn fill(store: &dyn Store) {
    store
        .record_run(
            &run("CHECKLIST.md", &[("a", "pass"), ("b", "fail")]),
            "ci",
            NOW,
        )
        .await
        .unwrap();
    store
        .add_attestation(
            &NewAttestation {
                project: PROJECT.into(),
                checklist: "CHECKLIST.md".into(),
                item_id: "b".into(),
                item_text: "item b".into(),
                by: "Jane Roe <jane@example.com>".into(),
                role: Some("Security Team".into()),
                evidence: Some("https://tickets.example.com/SEC-9".into()),
                note: None,
                expires_at: Some(NOW + 30 * DAY),
            },
            NOW + 1,
        )
        .await
        .unwrap();
    store
        .add_approval(
            &NewApproval {
                project: PROJECT.into(),
                checklist: "CHECKLIST.md".into(),
                role: "Engineering Lead".into(),
                by: "Jane Roe".into(),
                note: None,
                expires_at: None,
            },
            NOW + 2,
        )
        .await
        .unwrap();
    let w = store
        .add_waiver(
            &NewWaiver {
                project: PROJECT.into(),
                checklist: "CHECKLIST.md".into(),
                item_id: "a".into(),
                item_text: "item a".into(),
                reason: "vendor fix due".into(),
                by: "Sam Poe".into(),
                expires_at: NOW + 7 * DAY,
            },
            NOW + 3,
        )
        .await
        .unwrap();
    store
        .revoke(RecordKind::Waiver, &[w], "Sam Poe", Some("fixed"), NOW + 4)
        .await
        .unwrap();
    store
        .record_run(
            &run("CHECKLIST.md", &[("a", "pass"), ("b", "pass")]),
            "ci",
            NOW + 5,
        )
        .await
        .unwrap();
    store
        .record_run(&run("OTHER.md", &[("x", "pass")]), "ci", NOW + 6)
        .await
        .unwrap();
}

#[tokio::test]
async fn records_round_trip_and_the_chain_verifies() {
    for (backend, place) in places("records_round_trip").await {
        let store = open(&place.url()).await;
        fill(store.as_ref()).await;

        let records = store.records(&key("CHECKLIST.md")).await.unwrap();
        assert_eq!(records.attestations.len(), 1, "{backend}");
        assert_eq!(
            records.attestations[0].role.as_deref(),
            Some("Security Team")
        );
        assert_eq!(records.attestations[0].expires_at, Some(NOW + 30 * DAY));
        assert_eq!(records.approvals[0].role, "Engineering Lead");
        assert_eq!(records.waivers[0].revoked_at, Some(NOW + 4), "{backend}");
        assert!(
            store
                .records(&key("OTHER.md"))
                .await
                .unwrap()
                .attestations
                .is_empty()
        );

        let runs = store.runs(None, 10).await.unwrap();
        assert_eq!(runs.len(), 3, "{backend}");
        assert_eq!(runs[0].checklist, "OTHER.md", "newest first");
        let mine = store.runs(Some(&key("CHECKLIST.md")), 10).await.unwrap();
        assert_eq!(mine.len(), 2);
        let newest = store
            .previous_run(&key("CHECKLIST.md"), None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(newest.items.len(), 2);
        assert_eq!(newest.items[1].status, "pass");
        let before = store
            .previous_run(&key("CHECKLIST.md"), Some(newest.summary.id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(before.items[1].status, "fail", "{backend}");
        assert_eq!(before.summary.commit.as_deref().map(str::len), Some(40));
        assert!(store.run(9999).await.unwrap().is_none());

        let snap = store.audit_snapshot().await.unwrap();
        let actions: Vec<&str> = snap.entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "run.recorded",
                "attestation.added",
                "approval.added",
                "waiver.added",
                "waiver.revoked",
                "run.recorded",
                "run.recorded"
            ],
            "{backend}"
        );
        assert_eq!(audit::verify(&snap).unwrap().entries, 7, "{backend}");
        store.close().await;
        place.cleanup().await;
    }
}

#[tokio::test]
async fn any_single_altered_audit_row_is_detected_and_named() {
    for (backend, place) in places("any_single_altered_audit_row").await {
        let store = open(&place.url()).await;
        fill(store.as_ref()).await;
        store.close().await;
        let n = place.count("SELECT COUNT(*) FROM audit_log").await;
        assert_eq!(n, 7);
        let verify = || async {
            let store = open(&place.url()).await;
            let r = audit::verify(&store.audit_snapshot().await.unwrap());
            store.close().await;
            r
        };
        // Each column of each row, changed alone, then restored.
        for seq in 1..=n {
            for (column, value) in [
                ("at", "at + 1"),
                ("actor", "'mallory'"),
                ("action", "'waiver.edited'"),
                ("subject", "'run:42'"),
                ("detail", "'{}'"),
                ("prev_hash", "'00'"),
                ("hash", "'ff'"),
            ] {
                place
                    .exec(&format!(
                        "CREATE TABLE saved AS SELECT * FROM audit_log WHERE seq = {seq}"
                    ))
                    .await;
                let changed = place
                    .exec(&format!(
                        "UPDATE audit_log SET {column} = {value} WHERE seq = {seq}"
                    ))
                    .await;
                assert_eq!(changed, 1);
                let broken = verify()
                    .await
                    .expect_err(&format!("{backend}: {column} of {seq}"));
                let names = |s: i64| broken.to_string().contains(&format!("entry {s}"));
                assert!(
                    names(seq)
                        || names(seq + 1)
                            && matches!(
                                broken,
                                Broken::Unchained { .. } | Broken::HeadMismatch { .. }
                            ),
                    "{backend}: {column} of {seq}: {broken}"
                );
                place
                    .exec(&format!(
                        "DELETE FROM audit_log WHERE seq = {seq}; INSERT INTO audit_log SELECT * FROM saved; DROP TABLE saved"
                    ))
                    .await;
                verify().await.unwrap();
            }
        }
        // A deleted entry, in the middle and at the end.
        place.exec("DELETE FROM audit_log WHERE seq = 3").await;
        assert!(
            matches!(verify().await, Err(Broken::Gap { expected: 3, .. })),
            "{backend}"
        );
        place.exec("DELETE FROM audit_log WHERE seq >= 3").await;
        assert!(matches!(
            verify().await,
            Err(Broken::Truncated { last: 2, head: 7 })
        ));
        place.cleanup().await;
    }
}

#[tokio::test]
async fn reordered_entries_and_edited_records_are_detected() {
    for (backend, place) in places("reordered_entries_and_edited").await {
        let store = open(&place.url()).await;
        fill(store.as_ref()).await;
        store.close().await;
        let verify = || async {
            let store = open(&place.url()).await;
            let r = audit::verify(&store.audit_snapshot().await.unwrap());
            store.close().await;
            r
        };
        // Swap entries 2 and 3.
        place
            .exec("UPDATE audit_log SET seq = 100 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 100")
            .await;
        assert_eq!(verify().await, Err(Broken::Altered { seq: 2 }), "{backend}");
        place
            .exec("UPDATE audit_log SET seq = 100 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 100")
            .await;
        verify().await.unwrap();
        // A waiver's date moved behind the log's back.
        place
            .exec("UPDATE waivers SET expires_at = expires_at + 86400")
            .await;
        assert_eq!(
            verify().await,
            Err(Broken::RecordChanged {
                subject: "waiver:1".into(),
                seq: 4
            }),
            "{backend}"
        );
        place
            .exec("UPDATE waivers SET expires_at = expires_at - 86400")
            .await;
        place
            .exec("UPDATE runs SET decision = 'go' WHERE id = 1")
            .await;
        assert!(
            matches!(verify().await, Err(Broken::RecordChanged { .. })),
            "{backend}"
        );
        place.cleanup().await;
    }
}

#[tokio::test]
async fn concurrent_writers_all_succeed_and_the_chain_holds() {
    for (backend, place) in places("concurrent_writers").await {
        // Separate pools, as separate processes would have.
        let a = open(&place.url()).await;
        let b = open(&place.url()).await;
        async fn write(s: &dyn Store, tag: &'static str) {
            let r = run(tag, &[("a", "pass"), ("b", "fail"), ("c", "manual")]);
            for i in 0..25 {
                s.record_run(&r, tag, NOW + i).await.unwrap();
            }
        }
        tokio::join!(write(a.as_ref(), "A.md"), write(b.as_ref(), "B.md"));
        assert_eq!(a.runs(None, 100).await.unwrap().len(), 50, "{backend}");
        assert_eq!(
            audit::verify(&a.audit_snapshot().await.unwrap())
                .unwrap()
                .entries,
            50
        );
        a.close().await;
        b.close().await;
        place.cleanup().await;
    }
}

#[tokio::test]
async fn a_failed_revocation_writes_nothing() {
    for (backend, place) in places("a_failed_revocation").await {
        let store = open(&place.url()).await;
        fill(store.as_ref()).await;
        // Approval 1 exists; 77 does not: neither is revoked.
        let e = store
            .revoke(RecordKind::Approval, &[1, 77], "x", None, NOW)
            .await
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "approval 77 does not exist or is already revoked",
            "{backend}"
        );
        assert!(
            store.records(&key("CHECKLIST.md")).await.unwrap().approvals[0]
                .revoked_at
                .is_none()
        );
        assert_eq!(store.audit_snapshot().await.unwrap().entries.len(), 7);
        assert_eq!(place.count("SELECT COUNT(*) FROM revocations").await, 1);
        store.close().await;
        place.cleanup().await;
    }
}

#[tokio::test]
async fn bad_locations_are_clear_errors() {
    let e = StoreUrl::parse("mysql://root:hunter2@127.0.0.1/db").unwrap_err();
    assert!(!e.to_string().contains("hunter2"), "{e}");
    let url = StoreUrl::parse("postgres://gonogo:hunter2@127.0.0.1:1/nothing").unwrap();
    let e = gonogo_store::open(&url, Access::Write)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.starts_with("cannot open the store at postgres://gonogo:…@127.0.0.1:1/nothing:"),
        "{e}"
    );
    assert!(!e.contains("hunter2"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("file"), "x").unwrap();
    let e = gonogo_store::open(
        &StoreUrl::Sqlite(dir.path().join("file/sub/g.db")),
        Access::Write,
    )
    .await
    .err()
    .unwrap()
    .to_string();
    assert!(e.starts_with("cannot open the store at sqlite:"), "{e}");
}

/// `kill -9` while a process writes runs in a loop: every run it reported committed is there,
/// whole, and no half-written run is visible. The test is its own writer: it re-runs itself
/// with `GONOGO_STORE_WRITER` set, and that child writes until it is killed.
#[tokio::test]
async fn kill_9_loses_nothing_committed_and_shows_no_half_run() {
    if let Ok(url) = std::env::var("GONOGO_STORE_WRITER") {
        let store = open(&StoreUrl::parse(&url).unwrap()).await;
        let items: Vec<(String, &str)> = (0..200).map(|i| (format!("item-{i}"), "pass")).collect();
        let items: Vec<(&str, &str)> = items.iter().map(|(a, b)| (a.as_str(), *b)).collect();
        let r = run("LOOP.md", &items);
        for i in 0.. {
            let id = store.record_run(&r, "writer", NOW + i).await.unwrap();
            println!("committed {id}");
        }
        return;
    }
    for (backend, place) in places("kill_9_loses_nothing").await {
        let url = match place.url() {
            StoreUrl::Sqlite(p) => format!("sqlite:{}", p.display()),
            StoreUrl::Postgres(u) => u,
        };
        // This test's name as the harness knows it: its module path without the crate.
        let name = concat!(
            module_path!(),
            "::kill_9_loses_nothing_committed_and_shows_no_half_run"
        );
        let name = name.split_once("::").map_or(name, |(_, in_crate)| in_crate);
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", name, "--nocapture"])
            .env("GONOGO_STORE_WRITER", &url)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut lines =
            std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
        let mut committed = Vec::new();
        // Wait for the condition: the writer has committed 20 runs and is mid-stream.
        while committed.len() < 20 {
            let line = lines.next().expect("writer stopped early").unwrap();
            if let Some(id) = line.strip_prefix("committed ") {
                committed.push(id.parse::<i64>().unwrap());
            }
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        for line in lines.map_while(Result::ok) {
            if let Some(id) = line.strip_prefix("committed ") {
                committed.push(id.parse::<i64>().unwrap());
            }
        }

        let store = open(&place.url()).await;
        for id in &committed {
            let r = store
                .run(*id)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("{backend}: run {id} lost"));
            assert_eq!(r.items.len(), 200, "{backend}: run {id} is incomplete");
        }
        let half = place
            .count(
                "SELECT COUNT(*) FROM runs r WHERE r.item_count <> (SELECT COUNT(*) FROM run_items i WHERE i.run_id = r.id)",
            )
            .await;
        assert_eq!(half, 0, "{backend}: a half-written run is visible");
        let orphans = place
            .count("SELECT COUNT(*) FROM run_items WHERE run_id NOT IN (SELECT id FROM runs)")
            .await;
        assert_eq!(orphans, 0);
        let snap = store.audit_snapshot().await.unwrap();
        let intact = audit::verify(&snap).unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert!(intact.entries >= committed.len(), "{backend}");
        // And the store still takes writes.
        store
            .record_run(&run("LOOP.md", &[("a", "pass")]), "after", NOW)
            .await
            .unwrap();
        store.close().await;
        place.cleanup().await;
    }
}
