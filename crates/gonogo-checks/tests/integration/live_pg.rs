//! PostgreSQL kinds against a real server: each test builds its own schema (or database) with
//! the defects it needs, and drops it.

use crate::live::{codes, ctx, run, wait_until};
use gonogo_checks::pg::{
    backups::PgBackups, connections::PgConnections, deadlocks::PgDeadlocks,
    fk_indexed::PgFkIndexed, fk_validated::PgFkValidated, migrations_applied::PgMigrationsApplied,
    replication::PgReplication, rls::PgRls, schema_applied::PgSchemaApplied,
    slow_queries::PgSlowQueries,
};
use gonogo_core::Status;
use gonogo_testkit::Service;
use sqlx::{Connection, PgConnection};
use std::time::{Duration, Instant};

/// The server's URL, or `None` (the test reports itself skipped).
fn server(test: &str) -> Option<String> {
    gonogo_testkit::require(Service::Postgres, test).map(|f| f.url().to_string())
}

async fn admin(url: &str) -> PgConnection {
    PgConnection::connect(url).await.expect("connect as admin")
}

/// A fresh schema named after the test, with `sql` run inside it.
async fn schema(url: &str, name: &str, sql: &str) -> PgConnection {
    let mut c = admin(url).await;
    sqlx::raw_sql(&format!(
        "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}; SET search_path = {name}; {sql}"
    ))
    .execute(&mut c)
    .await
    .expect("fixture SQL");
    c
}

async fn drop_schema(mut c: PgConnection, name: &str) {
    sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
        .execute(&mut c)
        .await
        .unwrap();
}

/// A fresh database `db` on the server at `url`: the admin connection that made it (for
/// [`drop_database`]) and the URL of the new database.
async fn database(url: &str, db: &str) -> (PgConnection, String) {
    let mut c = admin(url).await;
    // Two statements: CREATE DATABASE cannot run in the implicit transaction of a batch.
    for sql in [
        format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
        format!("CREATE DATABASE {db}"),
    ] {
        sqlx::raw_sql(&sql).execute(&mut c).await.unwrap();
    }
    (c, with_db(url, db))
}

async fn drop_database(mut c: PgConnection, db: &str) {
    sqlx::raw_sql(&format!("DROP DATABASE {db} WITH (FORCE)"))
        .execute(&mut c)
        .await
        .unwrap();
}

/// `url` with its database replaced by `db`.
fn with_db(url: &str, db: &str) -> String {
    let (base, _) = url.rsplit_once('/').unwrap();
    format!("{base}/{db}")
}

#[tokio::test]
async fn pg_fk_indexed_lists_foreign_keys_without_an_index() {
    let Some(url) = server("pg_fk_indexed_lists_foreign_keys_without_an_index") else {
        return;
    };
    let s = "gonogo_t_fk_indexed";
    let mut c = schema(
        &url,
        s,
        "CREATE TABLE customers (id int PRIMARY KEY);
         CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers(id));
         CREATE TABLE lines (order_id int REFERENCES orders(id), n int, PRIMARY KEY (order_id, n));",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path(), &[("database_url", &url)]);
    let o = run(&PgFkIndexed, &[("schemas", s)], &ctx).await;
    assert_eq!(o.status, Status::Fail, "{o:?}");
    // `lines.order_id` leads the primary key, so only `orders.customer_id` is unsupported.
    assert_eq!(codes(&o), ["pg-fk-without-index"]);
    let msg = &o.evidence.findings[0].message;
    assert!(
        msg.contains("gonogo_t_fk_indexed.orders") && msg.contains("customer_id"),
        "{msg}"
    );
    assert_eq!(
        o.evidence.summary,
        "1 foreign key of 2 without a supporting index"
    );

    sqlx::raw_sql("CREATE INDEX ON gonogo_t_fk_indexed.orders (customer_id)")
        .execute(&mut c)
        .await
        .unwrap();
    let o = run(&PgFkIndexed, &[("schemas", s)], &ctx).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert_eq!(
        o.evidence.summary,
        "all 2 foreign keys have a supporting index"
    );
    drop_schema(c, s).await;
}

#[tokio::test]
async fn pg_fk_validated_finds_not_valid_constraints() {
    let Some(url) = server("pg_fk_validated_finds_not_valid_constraints") else {
        return;
    };
    let s = "gonogo_t_fk_validated";
    let mut c = schema(
        &url,
        s,
        "CREATE TABLE a (id int PRIMARY KEY);
         CREATE TABLE b (id int PRIMARY KEY, a_id int);
         CREATE INDEX ON b (a_id);
         ALTER TABLE b ADD CONSTRAINT b_a_fk FOREIGN KEY (a_id) REFERENCES a(id) NOT VALID;
         ALTER TABLE b ADD CONSTRAINT b_id_positive CHECK (id > 0);",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path(), &[]);
    let dsn = url.as_str();
    let o = run(&PgFkValidated, &[("dsn", dsn), ("schemas", s)], &ctx).await;
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(codes(&o), ["pg-constraint-not-valid"]);
    assert!(
        o.evidence.findings[0]
            .message
            .starts_with("foreign key b_a_fk on gonogo_t_fk_validated.b is NOT VALID")
    );
    assert_eq!(
        o.evidence.findings[0].fix.as_deref(),
        Some("ALTER TABLE gonogo_t_fk_validated.b VALIDATE CONSTRAINT b_a_fk;")
    );

    sqlx::raw_sql("ALTER TABLE gonogo_t_fk_validated.b VALIDATE CONSTRAINT b_a_fk")
        .execute(&mut c)
        .await
        .unwrap();
    let o = run(&PgFkValidated, &[("dsn", dsn), ("schemas", s)], &ctx).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert_eq!(o.evidence.summary, "all 2 constraints validated");
    drop_schema(c, s).await;
}

#[tokio::test]
async fn pg_rls_flags_tables_without_row_level_security() {
    let Some(url) = server("pg_rls_flags_tables_without_row_level_security") else {
        return;
    };
    let s = "gonogo_t_rls";
    let mut c = schema(
        &url,
        s,
        "CREATE TABLE profiles (id int, owner text);
         ALTER TABLE profiles ENABLE ROW LEVEL SECURITY;
         CREATE POLICY own ON profiles USING (owner = current_user);
         CREATE TABLE invoices (id int);
         CREATE TABLE audit (id int);
         ALTER TABLE audit ENABLE ROW LEVEL SECURITY;",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path(), &[("database_url", &url)]);
    let o = run(&PgRls, &[("schemas", s)], &ctx).await;
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(codes(&o), ["pg-rls-no-policies", "pg-rls-disabled"]);
    assert_eq!(
        o.evidence.findings[1].message,
        "gonogo_t_rls.invoices has row-level security disabled"
    );
    assert_eq!(
        o.evidence.summary,
        "1 table of 3 in gonogo_t_rls without row-level security"
    );

    // Excluding the table leaves only the warning.
    let o = run(&PgRls, &[("schemas", s), ("exclude", "invoices")], &ctx).await;
    assert_eq!(o.status, Status::Warn, "{o:?}");

    sqlx::raw_sql(
        "ALTER TABLE gonogo_t_rls.invoices ENABLE ROW LEVEL SECURITY;
         CREATE POLICY r ON gonogo_t_rls.invoices USING (true);
         CREATE POLICY r ON gonogo_t_rls.audit USING (true);",
    )
    .execute(&mut c)
    .await
    .unwrap();
    let o = run(&PgRls, &[("schemas", s)], &ctx).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert_eq!(
        o.evidence.summary,
        "row-level security on for all 3 tables in gonogo_t_rls"
    );
    drop_schema(c, s).await;

    let o = run(&PgRls, &[("schemas", "gonogo_t_rls_absent")], &ctx).await;
    assert_eq!(o.status, Status::Skipped);
    assert_eq!(
        o.evidence.summary,
        "no tables in schema gonogo_t_rls_absent"
    );
}

#[tokio::test]
async fn pg_connections_compares_with_max_connections() {
    let Some(url) = server("pg_connections_compares_with_max_connections") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path(), &[("database_url", &url)]);
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(admin(&url).await);
    }
    let limit: i64 = sqlx::query_scalar("SELECT current_setting('max_connections')::int8")
        .fetch_one(&mut held[0])
        .await
        .unwrap();
    // Two held connections plus the check's own: at least 3 are in use.
    let tight = format!("{}", 300.0 / limit as f64);
    let o = run(&PgConnections, &[("max", &tight)], &ctx).await;
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(codes(&o), ["pg-connections-high"]);
    assert!(
        o.evidence
            .observed
            .as_deref()
            .unwrap()
            .contains(&format!(" of {limit} connections"))
    );

    let o = run(&PgConnections, &[("max", "80")], &ctx).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert_eq!(
        o.evidence.expected.as_deref(),
        Some("< 80% of max_connections")
    );
    for c in held {
        c.close().await.unwrap();
    }
}

/// Two sessions that lock two rows in opposite orders: PostgreSQL aborts one of them.
async fn make_deadlock(db_url: &str) {
    let mut a = admin(db_url).await;
    let mut b = admin(db_url).await;
    let pid_a: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut a)
        .await
        .unwrap();
    for c in [&mut a, &mut b] {
        sqlx::raw_sql("SET deadlock_timeout = '50ms'; BEGIN")
            .execute(&mut *c)
            .await
            .unwrap();
    }
    sqlx::raw_sql("UPDATE t SET v = 1 WHERE id = 1")
        .execute(&mut a)
        .await
        .unwrap();
    sqlx::raw_sql("UPDATE t SET v = 1 WHERE id = 2")
        .execute(&mut b)
        .await
        .unwrap();
    // A waits for B's row; once it waits, B closes the cycle.
    let mut watcher = admin(db_url).await;
    let a_side = async {
        let failed = sqlx::raw_sql("UPDATE t SET v = 2 WHERE id = 2")
            .execute(&mut a)
            .await
            .is_err();
        sqlx::raw_sql("ROLLBACK").execute(&mut a).await.unwrap();
        failed
    };
    let b_side = async {
        wait_until!("session A to wait on a lock", 10, {
            sqlx::query_scalar::<_, bool>(
                "SELECT coalesce(wait_event_type = 'Lock', false) FROM pg_stat_activity WHERE pid = $1",
            )
            .bind(pid_a)
            .fetch_one(&mut watcher)
            .await
            .unwrap_or(false)
        });
        let failed = sqlx::raw_sql("UPDATE t SET v = 2 WHERE id = 1")
            .execute(&mut b)
            .await
            .is_err();
        sqlx::raw_sql("ROLLBACK").execute(&mut b).await.unwrap();
        failed
    };
    let (a_failed, b_failed) = tokio::join!(a_side, b_side);
    assert!(
        a_failed ^ b_failed,
        "exactly one session is the deadlock victim"
    );
    // Closing the sessions flushes their statistics.
    a.close().await.unwrap();
    b.close().await.unwrap();
    watcher.close().await.unwrap();
}

#[tokio::test]
async fn pg_deadlocks_counts_deadlocks_in_the_database() {
    let Some(url) = server("pg_deadlocks_counts_deadlocks_in_the_database") else {
        return;
    };
    let db = "gonogo_t_deadlocks";
    let (c, db_url) = database(&url, db).await;
    {
        let mut d = admin(&db_url).await;
        sqlx::raw_sql(
            "CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 0), (2, 0)",
        )
        .execute(&mut d)
        .await
        .unwrap();
        d.close().await.unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path(), &[("database_url", &db_url)]);
    let o = run(&PgDeadlocks, &[], &ctx).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert!(
        o.evidence
            .summary
            .starts_with("0 deadlocks in gonogo_t_deadlocks since"),
        "{}",
        o.evidence.summary
    );

    make_deadlock(&db_url).await;
    let mut seen = Vec::new();
    wait_until!("the deadlock to reach pg_stat_database", 15, {
        let o = run(&PgDeadlocks, &[], &ctx).await;
        let failed = o.status == Status::Fail;
        seen.push(o);
        failed
    });
    let o = seen.pop().unwrap();
    assert_eq!(codes(&o), ["pg-deadlocks-found"]);
    assert!(
        o.evidence
            .summary
            .starts_with("1 deadlocks in gonogo_t_deadlocks"),
        "{}",
        o.evidence.summary
    );
    // Tolerating one passes; a window with no new deadlock passes too.
    assert_eq!(
        run(&PgDeadlocks, &[("max", "1")], &ctx).await.status,
        Status::Pass
    );
    let o = run(&PgDeadlocks, &[("window", "200ms")], &ctx).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert!(
        o.evidence.summary.ends_with("in the last 200ms"),
        "{}",
        o.evidence.summary
    );
    drop_database(c, db).await;
}

#[tokio::test]
async fn pg_slow_queries_needs_pg_stat_statements() {
    let Some(url) = server("pg_slow_queries_needs_pg_stat_statements") else {
        return;
    };
    let db = "gonogo_t_slow_queries";
    let (mut c, db_url) = database(&url, db).await;
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path(), &[("database_url", &db_url)]);
    let o = run(&PgSlowQueries, &[], &ctx).await;
    assert_eq!(o.status, Status::Skipped, "{o:?}");
    assert_eq!(
        o.evidence.summary,
        "pg_stat_statements is not installed in this database"
    );

    let preloaded: String =
        sqlx::query_scalar("SELECT current_setting('shared_preload_libraries')")
            .fetch_one(&mut c)
            .await
            .unwrap();
    let mut d = admin(&db_url).await;
    sqlx::raw_sql("CREATE EXTENSION pg_stat_statements")
        .execute(&mut d)
        .await
        .unwrap();
    let o = run(&PgSlowQueries, &[], &ctx).await;
    if preloaded.contains("pg_stat_statements") {
        // A statement slower than 1 ms, run often enough to count.
        for _ in 0..5 {
            sqlx::raw_sql("SELECT pg_sleep(0.01)")
                .execute(&mut d)
                .await
                .unwrap();
        }
        let o = run(&PgSlowQueries, &[("max", "5ms"), ("min_calls", "5")], &ctx).await;
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert!(codes(&o).contains(&"pg-slow-query"));
        let o = run(&PgSlowQueries, &[("max", "10s")], &ctx).await;
        assert_eq!(o.status, Status::Pass, "{o:?}");
    } else {
        // Installed but not preloaded: the view cannot be read, and the check says why.
        assert_eq!(o.status, Status::Error, "{o:?}");
        assert!(
            o.evidence.summary.contains("shared_preload_libraries"),
            "{}",
            o.evidence.summary
        );
    }
    d.close().await.unwrap();
    drop_database(c, db).await;
}

#[tokio::test]
async fn pg_replication_on_a_primary_without_replicas() {
    let Some(url) = server("pg_replication_on_a_primary_without_replicas") else {
        return;
    };
    let mut c = admin(&url).await;
    let replicas: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_stat_replication")
        .fetch_one(&mut c)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path(), &[("database_url", &url)]);
    if replicas > 0 {
        eprintln!("the test server has replicas; checking it passes with them");
        assert_eq!(
            run(&PgReplication, &[("max_lag", "1h")], &ctx).await.status,
            Status::Pass
        );
        return;
    }
    let o = run(&PgReplication, &[], &ctx).await;
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(codes(&o), ["pg-replication-too-few"]);
    assert_eq!(
        o.evidence.findings[0].message,
        "0 replicas streaming, 1 required"
    );
    let o = run(&PgReplication, &[("required", "false")], &ctx).await;
    assert_eq!(o.status, Status::Skipped, "{o:?}");
    assert_eq!(
        o.evidence.summary,
        "primary with no replicas attached (required=false)"
    );
}

#[tokio::test]
async fn pg_backups_reads_the_archiver_and_backup_files() {
    let Some(url) = server("pg_backups_reads_the_archiver_and_backup_files") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path(), &[("database_url", &url)]);
    let mut c = admin(&url).await;
    let mode: String = sqlx::query_scalar("SHOW archive_mode")
        .fetch_one(&mut c)
        .await
        .unwrap();
    let o = run(&PgBackups, &[], &ctx).await;
    if mode == "off" {
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(codes(&o), ["pg-archive-off"]);
    } else {
        assert_ne!(o.status, Status::Error, "{o:?}");
    }

    // File mode: a fresh dump passes, an old one is stale, an empty directory has none.
    let backups = dir.path().join("backups");
    std::fs::create_dir_all(backups.join("daily")).unwrap();
    let o = run(&PgBackups, &[("path", "backups")], &ctx).await;
    assert_eq!(codes(&o), ["pg-backup-none"]);
    let old = backups.join("daily/app-2024-01-01.dump");
    std::fs::write(&old, b"PGDMP old").unwrap();
    let f = std::fs::File::options().write(true).open(&old).unwrap();
    f.set_modified(std::time::SystemTime::now() - Duration::from_secs(3 * 86400))
        .unwrap();
    let o = run(&PgBackups, &[("path", "backups"), ("max_age", "25h")], &ctx).await;
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(codes(&o), ["pg-backup-stale"]);
    assert_eq!(
        o.evidence.findings[0].location.as_ref().unwrap().path,
        "backups/daily/app-2024-01-01.dump"
    );
    std::fs::write(backups.join("app-today.dump"), b"PGDMP new").unwrap();
    let o = run(&PgBackups, &[("path", "backups"), ("max_age", "25h")], &ctx).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert!(
        o.evidence
            .summary
            .starts_with("newest backup backups/app-today.dump is"),
        "{}",
        o.evidence.summary
    );
    let o = run(&PgBackups, &[("path", "no/such/dir")], &ctx).await;
    assert_eq!(o.status, Status::Error, "{o:?}");
}

/// A repository with three Alembic revisions a1 → b2 → c3.
fn alembic_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let versions = dir.path().join("alembic/versions");
    std::fs::create_dir_all(&versions).unwrap();
    std::fs::write(
        dir.path().join("alembic.ini"),
        "[alembic]\nscript_location = alembic\n",
    )
    .unwrap();
    for (file, rev, down) in [
        ("001_init.py", "a1", "None"),
        ("002_users.py", "b2", "'a1'"),
        ("003_orders.py", "c3", "'b2'"),
    ] {
        std::fs::write(
            versions.join(file),
            format!("\"\"\"{file}\"\"\"\nrevision = '{rev}'\ndown_revision = {down}\n\ndef upgrade():\n    pass\n"),
        )
        .unwrap();
    }
    dir
}

#[tokio::test]
async fn pg_migrations_applied_compares_alembic_version_with_the_head() {
    let Some(url) = server("pg_migrations_applied_compares_alembic_version_with_the_head") else {
        return;
    };
    let s = "gonogo_t_alembic";
    let repo = alembic_repo();
    let ctx = ctx(repo.path(), &[("database_url", &url)]);
    let params = [("tool", "alembic"), ("schema", s)];
    let mut c = schema(&url, s, "SELECT 1").await;
    let o = run(&PgMigrationsApplied, &params, &ctx).await;
    assert_eq!(codes(&o), ["pg-migrations-table-missing"]);

    sqlx::raw_sql("CREATE TABLE gonogo_t_alembic.alembic_version (version_num varchar(32) PRIMARY KEY); INSERT INTO gonogo_t_alembic.alembic_version VALUES ('b2')")
        .execute(&mut c)
        .await
        .unwrap();
    let o = run(&PgMigrationsApplied, &params, &ctx).await;
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(codes(&o), ["pg-migrations-pending"]);
    let f = &o.evidence.findings[0];
    assert_eq!(f.message, "alembic migration c3 is not applied");
    assert_eq!(
        f.location.as_ref().unwrap().path,
        "alembic/versions/003_orders.py"
    );
    assert_eq!(
        o.evidence.summary,
        "1 alembic migration pending (database at b2, head c3)"
    );

    sqlx::raw_sql("UPDATE gonogo_t_alembic.alembic_version SET version_num = 'c3'")
        .execute(&mut c)
        .await
        .unwrap();
    let o = run(&PgMigrationsApplied, &params, &ctx).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert_eq!(
        o.evidence.summary,
        "all 3 alembic migrations applied (database at c3)"
    );

    sqlx::raw_sql("UPDATE gonogo_t_alembic.alembic_version SET version_num = 'ffee99'")
        .execute(&mut c)
        .await
        .unwrap();
    let o = run(&PgMigrationsApplied, &params, &ctx).await;
    assert_eq!(
        codes(&o),
        [
            "pg-migrations-unknown",
            "pg-migrations-pending",
            "pg-migrations-pending",
            "pg-migrations-pending"
        ]
    );
    drop_schema(c, s).await;
}

#[tokio::test]
async fn pg_migrations_applied_reads_sqlx_bookkeeping() {
    let Some(url) = server("pg_migrations_applied_reads_sqlx_bookkeeping") else {
        return;
    };
    let s = "gonogo_t_sqlx";
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(repo.path().join("migrations")).unwrap();
    std::fs::write(
        repo.path().join("migrations/20240101000000_init.sql"),
        "CREATE TABLE a ();",
    )
    .unwrap();
    std::fs::write(
        repo.path().join("migrations/20240202000000_users.sql"),
        "CREATE TABLE b ();",
    )
    .unwrap();
    let ctx = ctx(repo.path(), &[("database_url", &url)]);
    let mut c = schema(
        &url,
        s,
        "CREATE TABLE _sqlx_migrations (version bigint PRIMARY KEY, description text, success boolean NOT NULL);
         INSERT INTO _sqlx_migrations VALUES (20240101000000, 'init', true), (20240202000000, 'users', false);",
    )
    .await;
    // Auto-detected: no `tool=`.
    let o = run(&PgMigrationsApplied, &[("schema", s)], &ctx).await;
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(codes(&o), ["pg-migrations-failed", "pg-migrations-pending"]);
    assert_eq!(
        o.evidence.findings[1].location.as_ref().unwrap().path,
        "migrations/20240202000000_users.sql"
    );
    sqlx::raw_sql("UPDATE gonogo_t_sqlx._sqlx_migrations SET success = true")
        .execute(&mut c)
        .await
        .unwrap();
    let o = run(&PgMigrationsApplied, &[("schema", s)], &ctx).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert_eq!(o.evidence.observed.as_deref(), Some("2 of 2 applied"));
    drop_schema(c, s).await;

    let empty = tempfile::tempdir().unwrap();
    let o = run(
        &PgMigrationsApplied,
        &[],
        &crate::live::ctx(empty.path(), &[("database_url", &url)]),
    )
    .await;
    assert_eq!(o.status, Status::Skipped);
}

#[tokio::test]
async fn pg_passwords_never_appear_in_outcomes() {
    let Some(url) = server("pg_passwords_never_appear_in_outcomes") else {
        return;
    };
    // Trust authentication ignores the password, so the check runs for real with it in the URL.
    let with_pw = url.replacen("postgres@", "postgres:hunter2-secret@", 1);
    assert_ne!(with_pw, url, "test URL has the expected user");
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path(), &[("database_url", &with_pw)]);
    let o = run(&PgReplication, &[], &ctx).await;
    assert_ne!(o.status, Status::Error, "{o:?}");
    let text = crate::live::shown(&o);
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("postgres:…@127.0.0.1"), "{text}");
    // A refused connection's error names the redacted URL only.
    let refused = format!(
        "postgres://app:hunter2-secret@127.0.0.1:{}/x",
        crate::live::free_port()
    );
    let o = run(&PgRls, &[("dsn", &refused)], &ctx).await;
    assert_eq!(o.status, Status::Error);
    assert!(!crate::live::shown(&o).contains("hunter2"), "{o:?}");
}

#[tokio::test]
async fn pg_a_server_that_never_answers_is_an_error_within_the_timeout() {
    let silent = crate::live::silent_listener();
    let dsn = format!(
        "postgres://app:pw-secret@{}/db?sslmode=disable",
        silent.addr
    );
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path(), &[("database_url", &dsn)]);
    let started = Instant::now();
    let o = run(&PgFkIndexed, &[], &ctx).await;
    let took = started.elapsed();
    assert_eq!(o.status, Status::Error, "{o:?}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert_eq!(
        o.evidence.summary,
        format!(
            "no answer from postgres://app:…@{}/db?sslmode=disable within 3 s (connect timeout)",
            silent.addr
        )
    );
}

#[tokio::test]
async fn pg_a_server_announcing_a_gigabyte_is_cut_and_named_within_the_timeout() {
    // An authentication request announcing 1 GiB, then zeros without end: the driver would
    // allocate the gigabyte; the capped relay cuts the message at its header.
    let addr = crate::live::hostile_server(&[b'R', 0x40, 0, 0, 4], &[0; 4096]).await;
    let dsn = format!("postgres://app:pw-secret@{addr}/db?sslmode=disable");
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let o = run(
        &PgFkIndexed,
        &[],
        &ctx(dir.path(), &[("database_url", &dsn)]),
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(o.status, Status::Error, "{o:?}");
    assert_eq!(
        o.evidence.summary,
        format!(
            "cannot connect to postgres://app:…@{addr}/db?sslmode=disable: error returned from \
             database: connection cut by gonogo: the server announced a message of 1073741824 \
             bytes (type 'R'), over the 16 MiB limit"
        )
    );
}

/// A schema file in two parts: the test applies the first, then the rest.
const SCHEMA_PART_1: &str = "-- part one
CREATE EXTENSION IF NOT EXISTS plpgsql;
CREATE TABLE IF NOT EXISTS profiles (id int PRIMARY KEY, name text);
CREATE TABLE \"Weird Name\" (id int);
CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  CREATE TABLE never_made (id int); -- inside the body: not one of the file's objects
  RETURN NEW;
END $$;
";
const SCHEMA_PART_2: &str = "/* part two */
CREATE UNIQUE INDEX profiles_name_idx ON profiles (name);
CREATE VIEW active AS SELECT id FROM profiles;
CREATE TYPE mood AS ENUM ('sad', 'ok');
ALTER TABLE profiles ENABLE ROW LEVEL SECURITY;
CREATE POLICY \"Read own\" ON profiles FOR SELECT USING (true);
CREATE TRIGGER profiles_touch BEFORE UPDATE ON profiles FOR EACH ROW EXECUTE FUNCTION touch();
";

#[tokio::test]
async fn pg_schema_applied_reports_what_the_file_creates_and_the_database_lacks() {
    let Some(url) =
        server("pg_schema_applied_reports_what_the_file_creates_and_the_database_lacks")
    else {
        return;
    };
    let s = "gonogo_t_schema_applied";
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(repo.path().join("db")).unwrap();
    std::fs::write(
        repo.path().join("db/setup.sql"),
        format!("{SCHEMA_PART_1}{SCHEMA_PART_2}"),
    )
    .unwrap();
    let ctx = ctx(repo.path(), &[("database_url", &url)]);
    let params = [("file", "db/setup.sql"), ("schema", s)];

    let mut c = schema(&url, s, SCHEMA_PART_1).await;
    let o = run(&PgSchemaApplied, &params, &ctx).await;
    assert_eq!(o.status, Status::Fail, "{o:?}");
    let found: Vec<(&str, String, String)> = o
        .evidence
        .findings
        .iter()
        .map(|f| {
            (
                f.code,
                f.message.clone(),
                f.location.as_ref().unwrap().to_string(),
            )
        })
        .collect();
    let at = |code, msg: &str, line: usize| (code, msg.to_string(), format!("db/setup.sql:{line}"));
    assert_eq!(
        found,
        [
            at(
                "pg-schema-index-missing",
                "index gonogo_t_schema_applied.profiles_name_idx does not exist",
                11
            ),
            at(
                "pg-schema-view-missing",
                "view gonogo_t_schema_applied.active does not exist",
                12
            ),
            at(
                "pg-schema-type-missing",
                "type gonogo_t_schema_applied.mood does not exist",
                13
            ),
            at(
                "pg-schema-rls-off",
                "gonogo_t_schema_applied.profiles has row-level security off",
                14
            ),
            at(
                "pg-schema-policy-missing",
                "policy \"Read own\" on gonogo_t_schema_applied.profiles does not exist",
                15
            ),
            at(
                "pg-schema-trigger-missing",
                "trigger profiles_touch on gonogo_t_schema_applied.profiles does not exist",
                16
            ),
        ]
    );
    assert_eq!(o.evidence.observed.as_deref(), Some("4 of 10 present"));

    sqlx::raw_sql(SCHEMA_PART_2).execute(&mut c).await.unwrap();
    let o = run(&PgSchemaApplied, &params, &ctx).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert_eq!(
        o.evidence.summary,
        "all 10 objects of db/setup.sql are in the database (2 tables, 1 view, 1 index, \
         1 function, 1 type, 1 extension, 1 policy, 1 trigger, row-level security on 1 table)"
    );

    // An object of the right name and the wrong sort is not the object.
    sqlx::raw_sql("DROP VIEW gonogo_t_schema_applied.active; CREATE TABLE gonogo_t_schema_applied.active (id int)")
        .execute(&mut c)
        .await
        .unwrap();
    let o = run(&PgSchemaApplied, &params, &ctx).await;
    assert_eq!(codes(&o), ["pg-schema-view-missing"]);
    assert_eq!(
        o.evidence.findings[0].message,
        "gonogo_t_schema_applied.active is a table in the database, not a view"
    );
    drop_schema(c, s).await;

    std::fs::write(
        repo.path().join("db/ext.sql"),
        "CREATE EXTENSION IF NOT EXISTS gonogo_no_such_extension;\n",
    )
    .unwrap();
    let o = run(&PgSchemaApplied, &[("file", "db/ext.sql")], &ctx).await;
    assert_eq!(codes(&o), ["pg-schema-extension-missing"]);
    assert_eq!(
        o.evidence.findings[0].message,
        "extension gonogo_no_such_extension is not installed"
    );

    let o = run(&PgSchemaApplied, &[("file", "db/absent.sql")], &ctx).await;
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(codes(&o), ["pg-schema-file-missing"]);
    assert!(o.evidence.findings[0].message.contains("db/absent.sql"));

    std::fs::write(
        repo.path().join("db/empty.sql"),
        "-- CREATE TABLE x ();\nSELECT 1;\n",
    )
    .unwrap();
    let o = run(&PgSchemaApplied, &[("file", "db/empty.sql")], &ctx).await;
    assert_eq!(o.status, Status::Error, "{o:?}");
    assert!(
        o.evidence
            .summary
            .starts_with("no CREATE statements found in db/empty.sql"),
        "{}",
        o.evidence.summary
    );
}

#[tokio::test]
async fn pg_schema_applied_without_a_database_is_skipped_or_an_error() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::write(repo.path().join("schema.sql"), "CREATE TABLE t (id int);\n").unwrap();
    let params = [("file", "schema.sql")];
    let o = run(&PgSchemaApplied, &params, &ctx(repo.path(), &[])).await;
    assert_eq!(o.status, Status::Skipped, "{o:?}");
    assert!(
        o.evidence.summary.contains("database_url"),
        "{}",
        o.evidence.summary
    );

    let refused = format!(
        "postgres://app:hunter2-secret@127.0.0.1:{}/x",
        crate::live::free_port()
    );
    let started = Instant::now();
    let o = run(
        &PgSchemaApplied,
        &params,
        &ctx(repo.path(), &[("database_url", &refused)]),
    )
    .await;
    assert_eq!(o.status, Status::Error, "{o:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(!crate::live::shown(&o).contains("hunter2"), "{o:?}");
}
