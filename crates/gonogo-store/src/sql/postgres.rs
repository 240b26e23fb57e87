//! PostgreSQL: a team server; writers queue on a lock of the audit chain's head.

use super::{Dialect, migrate_error, open_error};
use crate::{Backend, Error, Result};
use gonogo_wire::{Limits, pg};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, Pool, Postgres, Transaction};
use std::time::Duration;

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// How long opening a PostgreSQL store waits for a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

impl Dialect for Postgres {
    const BACKEND: Backend = Backend::Postgres;
    type Location = str;

    async fn connect(url: &str, shown: &str) -> Result<Pool<Postgres>> {
        let open_err = open_error(shown);
        let opts: PgConnectOptions = url.parse().map_err(|e| Error::BadUrl {
            url: shown.to_string(),
            why: format!("{e}"),
        })?;
        // One direct connection first: a pool only says "timed out"; this says why. Every
        // connection goes through a relay that caps the server's messages (sqlx would read
        // whatever length a server announces).
        let probe = tokio::time::timeout(CONNECT_TIMEOUT, async {
            let (opts, _relay) = pg::connect_through_relay(opts.clone(), Limits::STORE)
                .await
                .map_err(sqlx::Error::Io)?;
            PgConnection::connect_with(&opts).await?.close().await
        })
        .await;
        match probe {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(open_err(e.to_string())),
            Err(_) => {
                return Err(open_err(format!(
                    "no answer within {} s",
                    CONNECT_TIMEOUT.as_secs()
                )));
            }
        }
        let (opts, relay) =
            pg::through_relay(opts, Limits::STORE).map_err(|e| open_err(e.to_string()))?;
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_with(opts)
            .await
            .map_err(|e| open_err(e.to_string()))?;
        relay.serve_until(pool.close_event());
        // PostgreSQL migrations hold an advisory lock: concurrent openers wait for each other.
        MIGRATIONS.run(&pool).await.map_err(migrate_error(shown))?;
        Ok(pool)
    }

    async fn begin_write(
        pool: &Pool<Postgres>,
    ) -> std::result::Result<Transaction<'static, Postgres>, sqlx::Error> {
        let mut tx = pool.begin().await?;
        // Writers queue on the head; readers are not blocked.
        sqlx::query("LOCK TABLE audit_head IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }
}
