//! The PostgreSQL kinds that need server settings a shared test server does not have
//! (`pg_stat_statements` preloaded, WAL archiving, a streaming replica): the test builds a
//! private primary and a streaming standby with the server's own tools (initdb, pg_ctl,
//! pg_basebackup) on free loopback ports, in a temporary directory, and stops them at the end.

use crate::live::{codes, ctx, run, wait_until};
use gonogo_checks::pg::{
    backups::PgBackups, replication::PgReplication, slow_queries::PgSlowQueries,
};
use gonogo_core::Status;
use gonogo_testkit::Service;
use sqlx::{Connection, PgConnection};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The directory holding initdb, pg_ctl and pg_basebackup (the newest installed version).
fn bindir() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").exists() && b.join("pg_basebackup").exists())
        .collect();
    versions.sort();
    versions.pop()
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
    })
}

/// The server refuses to run as root: under root, tools run as the `postgres` user.
fn tool(bin: &Path, name: &str) -> Command {
    if running_as_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join(name));
        c
    } else {
        Command::new(bin.join(name))
    }
}

fn ok(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A data directory with a running server, stopped (immediately) when dropped.
struct Server {
    bin: PathBuf,
    data: PathBuf,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = tool(&self.bin, "pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "stop"])
            .output();
    }
}

fn start(bin: &Path, data: &Path, port: u16, extra: &str) -> Server {
    let conf = data.join("postgresql.conf");
    let mut text = std::fs::read_to_string(&conf).unwrap();
    text.push_str(&format!(
        "\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n{extra}\n",
        data.display()
    ));
    std::fs::write(&conf, text).unwrap();
    ok(
        tool(bin, "pg_ctl")
            .arg("-D")
            .arg(data)
            .arg("-l")
            .arg(data.join("server.log"))
            .args(["-w", "-t", "60", "start"]),
        "pg_ctl start",
    );
    Server {
        bin: bin.to_path_buf(),
        data: data.to_path_buf(),
        url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
    }
}

#[tokio::test]
async fn pg_replication_slow_queries_and_archiving_on_a_private_cluster() {
    let test = "pg_replication_slow_queries_and_archiving_on_a_private_cluster";
    if gonogo_testkit::require(Service::Postgres, test).is_none() {
        return;
    }
    let Some(bin) = bindir() else {
        assert!(
            std::env::var("CI").is_err(),
            "{test}: PostgreSQL server binaries required under CI"
        );
        eprintln!(
            "SKIPPED {test}: no PostgreSQL server binaries (initdb, pg_basebackup) under /usr/lib/postgresql"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    if running_as_root() {
        ok(
            Command::new("chown").arg("postgres").arg(dir.path()),
            "chown the cluster directory",
        );
    }
    let primary_data = dir.path().join("primary");
    let standby_data = dir.path().join("standby");
    let archive = dir.path().join("archive");
    ok(
        tool(&bin, "initdb").arg("-D").arg(&primary_data).args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
        ]),
        "initdb",
    );
    std::fs::create_dir(&archive).unwrap();
    if running_as_root() {
        ok(
            Command::new("chown").arg("postgres").arg(&archive),
            "chown the archive directory",
        );
    }
    let (p1, p2) = (crate::live::free_port(), crate::live::free_port());
    let primary = start(
        &bin,
        &primary_data,
        p1,
        &format!(
            "shared_preload_libraries = 'pg_stat_statements'\narchive_mode = on\narchive_command = 'cp %p {}/%f'\nfsync = off",
            archive.display()
        ),
    );
    ok(
        tool(&bin, "pg_basebackup")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &p1.to_string(),
                "-U",
                "postgres",
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "-D",
            ])
            .arg(&standby_data),
        "pg_basebackup",
    );
    let standby = start(
        &bin,
        &standby_data,
        p2,
        "archive_mode = off\nshared_preload_libraries = ''",
    );
    let mut admin = PgConnection::connect(&primary.url).await.unwrap();
    wait_until!("the standby to stream", 30, {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'",
        )
        .fetch_one(&mut admin)
        .await
        .unwrap()
            == 1
    });
    let repo = tempfile::tempdir().unwrap();
    let on_primary = ctx(repo.path(), &[("database_url", &primary.url)]);
    let on_standby = ctx(repo.path(), &[("database_url", &standby.url)]);

    // pg.replication: the primary has one streaming replica, the standby streams.
    let o = run(&PgReplication, &[], &on_primary).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert_eq!(
        o.evidence.summary,
        "primary with 1 of 1 attached replicas streaming"
    );
    let o = run(&PgReplication, &[("min", "2")], &on_primary).await;
    assert_eq!(
        (o.status, codes(&o)),
        (Status::Fail, vec!["pg-replication-too-few"])
    );
    let o = run(&PgReplication, &[], &on_standby).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert!(
        o.evidence
            .summary
            .starts_with("standby, WAL receiver streaming, lag "),
        "{}",
        o.evidence.summary
    );

    // pg.slow-queries: five 20 ms statements are slow against 10 ms, fine against 5 s.
    sqlx::raw_sql("CREATE EXTENSION pg_stat_statements; SELECT pg_stat_statements_reset()")
        .execute(&mut admin)
        .await
        .unwrap();
    for _ in 0..5 {
        sqlx::query("SELECT pg_sleep(0.02)")
            .execute(&mut admin)
            .await
            .unwrap();
    }
    let o = run(
        &PgSlowQueries,
        &[("max", "10ms"), ("min_calls", "5")],
        &on_primary,
    )
    .await;
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(codes(&o), ["pg-slow-query"]);
    assert!(
        o.evidence.findings[0]
            .message
            .ends_with("over 5 calls: SELECT pg_sleep($1)"),
        "{}",
        o.evidence.findings[0].message
    );
    let o = run(&PgSlowQueries, &[("max", "5s")], &on_primary).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");

    // pg.backups: a switched WAL segment is archived; then a failing archive_command shows.
    sqlx::raw_sql("CREATE TABLE t (v int); INSERT INTO t VALUES (1); SELECT pg_switch_wal()")
        .execute(&mut admin)
        .await
        .unwrap();
    wait_until!("a WAL segment archived", 30, {
        sqlx::query_scalar::<_, i64>("SELECT archived_count FROM pg_stat_archiver")
            .fetch_one(&mut admin)
            .await
            .unwrap()
            > 0
    });
    let o = run(&PgBackups, &[("max_age", "1h")], &on_primary).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert!(
        o.evidence
            .summary
            .starts_with("WAL archiving: archive_mode=on, "),
        "{}",
        o.evidence.summary
    );
    sqlx::raw_sql("ALTER SYSTEM SET archive_command = 'false'")
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::raw_sql("SELECT pg_reload_conf()")
        .execute(&mut admin)
        .await
        .unwrap();
    wait_until!("the new archive_command loaded", 30, {
        sqlx::query_scalar::<_, String>("SELECT current_setting('archive_command')")
            .fetch_one(&mut admin)
            .await
            .unwrap()
            == "false"
    });
    sqlx::raw_sql("INSERT INTO t VALUES (2); SELECT pg_switch_wal()")
        .execute(&mut admin)
        .await
        .unwrap();
    wait_until!("an archiving failure", 30, {
        sqlx::query_scalar::<_, i64>("SELECT failed_count FROM pg_stat_archiver")
            .fetch_one(&mut admin)
            .await
            .unwrap()
            > 0
    });
    let o = run(&PgBackups, &[("max_age", "1h")], &on_primary).await;
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(codes(&o), ["pg-archive-failing"]);

    admin.close().await.unwrap();
    drop(standby);
    drop(primary);
}
