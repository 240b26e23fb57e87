//! SQLite: an embedded file in WAL mode; a writer waits for another up to a busy timeout.

use super::{Dialect, migrate_error, open_error};
use crate::{Backend, Error, Result};
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

    async fn connect(path: &Path, shown: &str) -> Result<Pool<Sqlite>> {
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

    async fn begin_write(
        pool: &Pool<Sqlite>,
    ) -> std::result::Result<Transaction<'static, Sqlite>, sqlx::Error> {
        // IMMEDIATE takes the write lock up front (waiting up to the busy timeout), so reading
        // the chain's head and appending to it cannot interleave with another writer.
        pool.begin_with("BEGIN IMMEDIATE").await
    }
}
