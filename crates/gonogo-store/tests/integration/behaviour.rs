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

#[tokio::test]
async fn projects_with_the_same_checklist_path_stay_apart() {
    for (backend, place) in places("projects_stay_apart").await {
        let store = open(&place.url()).await;
        fill(store.as_ref()).await;
        let other = ChecklistKey::new("github.com/org/other", "CHECKLIST.md");
        let records = store.records(&other).await.unwrap();
        assert_eq!(
            records,
            gonogo_store::Records::default(),
            "{backend}: another project sees nothing of this one's"
        );
        assert!(store.runs(Some(&other), 10).await.unwrap().is_empty());
        assert!(store.previous_run(&other, None).await.unwrap().is_none());
        // Its own records and runs are its own.
        let mut theirs = run("CHECKLIST.md", &[("a", "fail")]);
        theirs.project = "github.com/org/other".into();
        let id = store.record_run(&theirs, "ci", NOW + 9).await.unwrap();
        let previous = store.previous_run(&other, None).await.unwrap().unwrap();
        assert_eq!(previous.summary.id, id, "{backend}");
        let mine = store
            .previous_run(&key("CHECKLIST.md"), None)
            .await
            .unwrap()
            .unwrap();
        assert_ne!(mine.summary.id, id, "{backend}");
        assert_eq!(
            store
                .records(&key("CHECKLIST.md"))
                .await
                .unwrap()
                .waivers
                .len(),
            1
        );
        store.close().await;
        place.cleanup().await;
    }
}

#[tokio::test]
async fn edited_run_items_are_detected_and_named() {
    for (backend, place) in places("edited_run_items").await {
        let store = open(&place.url()).await;
        fill(store.as_ref()).await;
        let verify = || async {
            let store = open(&place.url()).await;
            let r = audit::verify(&store.audit_snapshot().await.unwrap());
            let run = store.run(1).await.unwrap().unwrap().summary.audit;
            store.close().await;
            (r, run)
        };
        assert_eq!(verify().await.1, RunAudit::Intact, "{backend}");
        let items_changed = Err(Broken::ItemsChanged {
            subject: "run:1".into(),
            seq: 1,
        });
        let named = RunAudit::Broken(
            "the items of run:1 were changed after audit entry 1 recorded them".into(),
        );
        // A forged "fixed": the failing item of run 1 made to pass.
        place
            .exec("UPDATE run_items SET status = 'pass' WHERE run_id = 1 AND position = 1")
            .await;
        assert_eq!(
            verify().await,
            (items_changed.clone(), named.clone()),
            "{backend}"
        );
        let listed = store.runs(None, 10).await.unwrap();
        let run_1 = listed.iter().find(|r| r.id == 1).unwrap();
        assert_eq!(run_1.audit, named, "{backend}: history flags it");
        assert!(
            listed
                .iter()
                .filter(|r| r.id != 1)
                .all(|r| r.audit == RunAudit::Intact)
        );
        place
            .exec("UPDATE run_items SET status = 'fail' WHERE run_id = 1 AND position = 1")
            .await;
        assert_eq!(verify().await.1, RunAudit::Intact, "{backend}: restored");
        // An item deleted, an item added, evidence edited.
        for (change, undo) in [
            (
                "CREATE TABLE saved AS SELECT * FROM run_items WHERE run_id = 1 AND position = 0; DELETE FROM run_items WHERE run_id = 1 AND position = 0",
                "INSERT INTO run_items SELECT * FROM saved; DROP TABLE saved",
            ),
            (
                "INSERT INTO run_items (run_id, position, item_id, line, text, status, evidence) VALUES (1, 2, 'c', 9, 'item c', 'pass', '{}')",
                "DELETE FROM run_items WHERE run_id = 1 AND position = 2",
            ),
            (
                "UPDATE run_items SET evidence = '{\"summary\":\"fine\"}' WHERE run_id = 1 AND position = 1",
                "UPDATE run_items SET evidence = '{\"summary\":\"ok\"}' WHERE run_id = 1 AND position = 1",
            ),
        ] {
            place.exec(change).await;
            assert_eq!(verify().await.0, items_changed, "{backend}: {change}");
            place.exec(undo).await;
            verify().await.0.unwrap();
        }
        // The run's own columns are covered too, its commit and who recorded it among them.
        place
            .exec("UPDATE runs SET commit_sha = 'feedface' WHERE id = 1")
            .await;
        assert_eq!(
            verify().await.0,
            Err(Broken::RecordChanged {
                subject: "run:1".into(),
                seq: 1
            }),
            "{backend}"
        );
        store.close().await;
        place.cleanup().await;
    }
}

#[tokio::test]
async fn records_the_log_does_not_vouch_for_are_left_out() {
    for (backend, place) in places("records_the_log_does_not_vouch").await {
        let store = open(&place.url()).await;
        fill(store.as_ref()).await;
        let records = || async { store.records(&key("CHECKLIST.md")).await.unwrap() };
        assert!(records().await.ignored.is_empty(), "{backend}");
        // A waiver written straight into the table, with no audit entry.
        place
            .exec(&format!(
                "INSERT INTO waivers (project, checklist, item_id, item_text, reason, by_whom, at, expires_at) \
                 VALUES ('{PROJECT}', 'CHECKLIST.md', 'b', 'item b', 'trust me', 'Mallory', {NOW}, {})",
                NOW + 90 * DAY
            ))
            .await;
        let r = records().await;
        assert!(r.waivers.iter().all(|w| w.by != "Mallory"), "{backend}");
        assert_eq!(
            r.ignored,
            ["waiver:2 is in the store but no audit entry records it"],
            "{backend}"
        );
        place.exec("DELETE FROM waivers WHERE id = 2").await;
        // The revoked waiver put back in force.
        place
            .exec("UPDATE waivers SET revoked_at = NULL WHERE id = 1")
            .await;
        let r = records().await;
        assert!(r.waivers.is_empty(), "{backend}");
        assert_eq!(
            r.ignored,
            ["waiver:1 was revoked by audit entry 5 but is marked in force again"]
        );
        let snap = store.audit_snapshot().await.unwrap();
        assert_eq!(
            audit::verify(&snap),
            Err(Broken::Unrevoked {
                subject: "waiver:1".into(),
                seq: 5
            })
        );
        place
            .exec(&format!(
                "UPDATE waivers SET revoked_at = {} WHERE id = 1",
                NOW + 4
            ))
            .await;
        // An approval moved to another project: that project does not get it.
        place
            .exec("UPDATE approvals SET project = 'github.com/org/other'")
            .await;
        let other = ChecklistKey::new("github.com/org/other", "CHECKLIST.md");
        let theirs = store.records(&other).await.unwrap();
        assert!(theirs.approvals.is_empty(), "{backend}");
        assert_eq!(
            theirs.ignored,
            ["approval:1 was changed after audit entry 3 recorded it"]
        );
        store.close().await;
        place.cleanup().await;
    }
}

/// Every schema and relation of a PostgreSQL database, to see that nothing was created.
async fn pg_objects(admin: &str, db: &str) -> Vec<String> {
    let mut c = sqlx::PgConnection::connect(&pg_url_for(admin, db))
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

#[tokio::test]
async fn readers_never_create_or_change_a_store() {
    // SQLite: a missing file stays missing; another program's database stays as it was.
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo.db");
    let e = gonogo_store::open(&StoreUrl::Sqlite(missing.clone()), Access::Read)
        .await
        .err()
        .unwrap();
    assert!(matches!(e, gonogo_store::Error::Missing { .. }), "{e}");
    assert!(!missing.exists());
    let app = dir.path().join("app.db");
    {
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite:{}?mode=rwc", app.display()))
            .await
            .unwrap();
        sqlx::raw_sql("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
            .execute(&mut c)
            .await
            .unwrap();
        c.close().await.unwrap();
    }
    let before = std::fs::read(&app).unwrap();
    let files = || {
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        names
    };
    let listed = files();
    let e = gonogo_store::open(&StoreUrl::Sqlite(app.clone()), Access::Read)
        .await
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        format!(
            "no gonogo store in sqlite:{}: the file holds no gonogo tables",
            app.display()
        )
    );
    assert_eq!(
        std::fs::read(&app).unwrap(),
        before,
        "the file is unchanged"
    );
    assert_eq!(files(), listed, "no file was added beside it");

    // PostgreSQL: a database without gonogo's schema gets no schema, table or sequence.
    let Some(pg) = gonogo_testkit::require(Service::Postgres, "readers_never_create") else {
        return;
    };
    let mut places = places("readers_never_create").await;
    let (_, place) = places.pop().unwrap();
    let Place::Postgres { admin, db } = &place else {
        panic!("PostgreSQL answers: {}", pg.url());
    };
    let before = pg_objects(admin, db).await;
    let e = gonogo_store::open(&place.url(), Access::Read)
        .await
        .err()
        .unwrap();
    assert!(matches!(e, gonogo_store::Error::Missing { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("schema gonogo holds no gonogo tables"),
        "{e}"
    );
    assert_eq!(pg_objects(admin, db).await, before, "nothing was created");
    // A writer creates the store in its own schema, and nothing in public.
    let store = open(&place.url()).await;
    store.close().await;
    let after = pg_objects(admin, db).await;
    assert!(after.iter().any(|o| o == "gonogo.audit_log"), "{after:?}");
    assert!(
        after
            .iter()
            .all(|o| !o.starts_with("public.") || o == "public."),
        "{after:?}"
    );
    // `?schema=` names another schema.
    let StoreUrl::Postgres(url) = place.url() else {
        unreachable!()
    };
    let elsewhere = StoreUrl::parse(&format!("{url}?schema=release_gate")).unwrap();
    let e = gonogo_store::open(&elsewhere, Access::Read)
        .await
        .err()
        .unwrap();
    assert!(e.to_string().contains("schema release_gate"), "{e}");
    let store = open(&elsewhere).await;
    store.close().await;
    assert!(
        pg_objects(admin, db)
            .await
            .iter()
            .any(|o| o == "release_gate.audit_log")
    );
    place.cleanup().await;
}

/// A store as gonogo kept it before projects were told apart: its first migration only (in
/// PostgreSQL in schema public, beside an application's own sqlx migration), one run of two
/// items and one waiver, each audited the way it was then.
async fn older_store(place: &Place) {
    use sha2::{Digest, Sha256};
    let sha = |s: &str| hex::encode(Sha256::digest(s.as_bytes()));
    let report = r#"{"version":1}"#;
    let run_fp =
        sha(
            &serde_json::json!(["CHECKLIST.md", "ab".repeat(32), "no-go", 50.0, sha(report)])
                .to_string(),
        );
    let run_detail = serde_json::json!({
        "sha256": run_fp, "checklist": "CHECKLIST.md", "decision": "no-go", "verdict": "No-Go", "items": 2
    })
    .to_string();
    let h1 = audit::entry_hash(
        1,
        NOW,
        "ci",
        "run.recorded",
        "run:1",
        &run_detail,
        audit::GENESIS,
    );
    let waiver_fp = sha(&serde_json::json!([
        "CHECKLIST.md",
        "b",
        "item b",
        "vendor fix due",
        "Sam Poe",
        NOW + 1,
        NOW + 90 * DAY
    ])
    .to_string());
    let waiver_detail = serde_json::json!({
        "sha256": waiver_fp, "checklist": "CHECKLIST.md", "item": "b", "expires_at": NOW + 90 * DAY
    })
    .to_string();
    let h2 = audit::entry_hash(
        2,
        NOW + 1,
        "Sam Poe",
        "waiver.added",
        "waiver:1",
        &waiver_detail,
        &h1,
    );
    let rows = format!(
        "INSERT INTO runs (checklist, checklist_path, checklist_hash, commit_sha, decision, verdict, score, counts, item_count, report, actor, at) \
         VALUES ('CHECKLIST.md', './CHECKLIST.md', '{hash}', NULL, 'no-go', 'No-Go', 50.0, '{{}}', 2, '{report}', 'ci', {NOW});
         INSERT INTO run_items VALUES (1, 0, 'a', 3, 'item a', 'pass', '{{}}'), (1, 1, 'b', 4, 'item b', 'fail', '{{}}');
         INSERT INTO waivers (checklist, item_id, item_text, reason, by_whom, at, expires_at) \
         VALUES ('CHECKLIST.md', 'b', 'item b', 'vendor fix due', 'Sam Poe', {w_at}, {w_until});
         INSERT INTO audit_log VALUES (1, {NOW}, 'ci', 'run.recorded', 'run:1', '{run_detail}', '{genesis}', '{h1}'),
                                      (2, {w_at}, 'Sam Poe', 'waiver.added', 'waiver:1', '{waiver_detail}', '{h1}', '{h2}');
         INSERT INTO audit_head VALUES (1, 2, '{h2}');",
        hash = "ab".repeat(32),
        w_at = NOW + 1,
        w_until = NOW + 90 * DAY,
        genesis = audit::GENESIS,
    );
    match place {
        Place::Sqlite(dir) => {
            let path = dir.path().join(".gonogo/gonogo.db");
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let mut first = sqlx::migrate!("migrations/sqlite");
            first.migrations = first.migrations[..1].to_vec().into();
            let mut c =
                sqlx::SqliteConnection::connect(&format!("sqlite:{}?mode=rwc", path.display()))
                    .await
                    .unwrap();
            first.run(&mut c).await.unwrap();
            sqlx::raw_sql(&rows).execute(&mut c).await.unwrap();
            c.close().await.unwrap();
        }
        Place::Postgres { admin, db } => {
            let mut first = sqlx::migrate!("migrations/postgres");
            first.migrations = first.migrations[..1].to_vec().into();
            let mut c = sqlx::PgConnection::connect(&pg_url_for(admin, db))
                .await
                .unwrap();
            first.run(&mut c).await.unwrap();
            sqlx::raw_sql(&rows).execute(&mut c).await.unwrap();
            // The application's own migration, in the same table.
            sqlx::raw_sql(
                "INSERT INTO _sqlx_migrations VALUES (20240101000000, 'users', now(), true, '\\x00', 1)",
            )
            .execute(&mut c)
            .await
            .unwrap();
            c.close().await.unwrap();
        }
    }
}

#[tokio::test]
async fn an_older_store_is_migrated_by_a_writer_and_its_rows_apply_to_no_project() {
    for (backend, place) in places("an_older_store_is_migrated").await {
        older_store(&place).await;
        // A reader changes nothing and says what to do.
        let e = gonogo_store::open(&place.url(), Access::Read)
            .await
            .err()
            .unwrap()
            .to_string();
        match backend {
            "sqlite" => assert!(e.contains("was made by an older gonogo"), "{e}"),
            _ => assert!(
                e.contains("an older gonogo's tables are in schema public: a command that records"),
                "{e}"
            ),
        }
        let store = open(&place.url()).await;
        if let Place::Postgres { admin, db } = &place {
            assert_eq!(
                store.notices(),
                [format!(
                    "moved gonogo's tables (runs, run_items, attestations, approvals, waivers, revocations, audit_log, audit_head) from schema public into schema gonogo of {}",
                    place.url().shown()
                )]
            );
            let objects = pg_objects(admin, db).await;
            let public: Vec<&String> = objects
                .iter()
                .filter(|o| o.starts_with("public."))
                .collect();
            assert_eq!(
                public,
                ["public._sqlx_migrations", "public._sqlx_migrations_pkey"],
                "only the application's migration row stays in public"
            );
            let mut c = sqlx::PgConnection::connect(&pg_url_for(admin, db))
                .await
                .unwrap();
            let versions: Vec<i64> =
                sqlx::query_scalar("SELECT version FROM public._sqlx_migrations")
                    .fetch_all(&mut c)
                    .await
                    .unwrap();
            assert_eq!(versions, [20240101000000]);
        }
        // The trail of the older rows still verifies.
        assert_eq!(
            audit::verify(&store.audit_snapshot().await.unwrap()),
            Ok(audit::Intact {
                entries: 2,
                head: store.audit_snapshot().await.unwrap().head.map(|h| h.1)
            }),
            "{backend}"
        );
        // The older waiver applies to no project, and is counted for the notice.
        let records = store.records(&key("CHECKLIST.md")).await.unwrap();
        assert!(records.waivers.is_empty(), "{backend}");
        assert_eq!(records.legacy, 1, "{backend}");
        assert!(
            store
                .previous_run(&key("CHECKLIST.md"), None)
                .await
                .unwrap()
                .is_none()
        );
        // Its run is listed, as recorded, its items not covered.
        let runs = store.runs(None, 10).await.unwrap();
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].project, None);
        assert_eq!(runs[0].audit, RunAudit::ItemsUnaudited, "{backend}");
        place
            .exec("UPDATE runs SET project = 'github.com/org/app' WHERE id = 1")
            .await;
        assert!(
            matches!(
                store.runs(None, 10).await.unwrap()[0].audit,
                RunAudit::Broken(_)
            ),
            "{backend}: claiming an older run for a project is a change the log sees"
        );
        place
            .exec("UPDATE runs SET project = NULL WHERE id = 1")
            .await;
        // New records go on the same chain.
        fill(store.as_ref()).await;
        assert_eq!(
            audit::verify(&store.audit_snapshot().await.unwrap())
                .unwrap()
                .entries,
            9,
            "{backend}"
        );
        store.close().await;
        // Now current: a reader opens it.
        let reader = gonogo_store::open(&place.url(), Access::Read)
            .await
            .unwrap();
        assert_eq!(reader.runs(None, 10).await.unwrap().len(), 4);
        reader.close().await;
        place.cleanup().await;
    }
}
