//! SQLite: an embedded file in WAL mode; a writer waits for another up to a busy timeout.

use super::{Applied, Dialect, compare_migrations, migrate_error, open_error};
use crate::{Access, Backend, Error, Result};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Sqlite, Transaction};
use std::path::Path;
use std::time::Duration;

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// How long a SQLite writer waits for another writer before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);
/// How often opening retries when another process is creating the same new file.
const OPEN_ATTEMPTS: u64 = 8;

impl Dialect for Sqlite {
    const BACKEND: Backend = Backend::Sqlite;
    type Location = Path;

    async fn connect(
        path: &Path,
        shown: &str,
        access: Access,
    ) -> Result<(Pool<Sqlite>, Vec<String>)> {
        match access {
            Access::Read => read(path, shown).await.map(|pool| (pool, Vec::new())),
            Access::Write => write(path, shown).await.map(|pool| (pool, Vec::new())),
        }
    }

    async fn begin_write(
        pool: &Pool<Sqlite>,
    ) -> std::result::Result<Transaction<'static, Sqlite>, sqlx::Error> {
        // IMMEDIATE takes the write lock up front (waiting up to the busy timeout), so reading
        // the chain's head and appending to it cannot interleave with another writer.
        pool.begin_with("BEGIN IMMEDIATE").await
    }
}

/// Open an existing, current store without changing the file: no creation, no journal mode
/// switch, no migration.
async fn read(path: &Path, shown: &str) -> Result<Pool<Sqlite>> {
    let missing = |why: &str| Error::Missing {
        url: shown.to_string(),
        why: why.to_string(),
    };
    if !path.is_file() {
        return Err(missing("no such file"));
    }
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT);
    let pool = SqlitePoolOptions::new()
        .max_connections(2)
        .connect_with(opts)
        .await
        .map_err(|e| open_error(shown)(e.to_string()))?;
    let applied = async {
        let has_table: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
        )
        .fetch_one(&pool)
        .await?;
        if !has_table {
            return Ok(Vec::new());
        }
        sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success")
            .fetch_all(&pool)
            .await
    }
    .await
    .map_err(|e: sqlx::Error| open_error(shown)(e.to_string()));
    let state = applied.and_then(|applied| compare_migrations(&MIGRATIONS, &applied, shown));
    let refusal = match state {
        Ok(Applied::Current) => return Ok(pool),
        Ok(Applied::Nothing) => missing("the file holds no gonogo tables"),
        Ok(Applied::Behind) => Error::Outdated {
            url: shown.to_string(),
        },
        Err(e) => e,
    };
    pool.close().await;
    Err(refusal)
}

/// Open the store, creating the file and its directory if need be, and apply the migrations.
async fn write(path: &Path, shown: &str) -> Result<Pool<Sqlite>> {
    let open_err = open_error(shown);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| open_err(format!("cannot create {}: {e}", dir.display())))?;
    }
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // WAL + NORMAL: a committed transaction survives the process being killed.
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT);
    // Two processes creating the same new file race on switching it to WAL and on the first
    // migration (SQLite migrations take no lock): the loser retries and finds the work done.
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = async {
            let pool = SqlitePoolOptions::new()
                .max_connections(2)
                .connect_with(opts.clone())
                .await
                .map_err(|e| open_err(e.to_string()))?;
            MIGRATIONS.run(&pool).await.map_err(migrate_error(shown))?;
            Ok::<_, Error>(pool)
        }
        .await;
        match result {
            Ok(pool) => return Ok(pool),
            Err(e) if attempt >= OPEN_ATTEMPTS => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(25 * attempt)).await,
        }
    }
}
