//! PostgreSQL: a team server; writers queue on a lock of the audit chain's head.
//!
//! gonogo's tables live in a schema of their own (`gonogo`, or `?schema=NAME`), reached
//! through the connection's `search_path`, so the database's application schemas never hold
//! them (and checks of that database, `pg.rls` for one, never see them). Only a writer creates
//! the schema; an older gonogo's tables in `public` are moved into it by the first writer.

use super::{Applied, Dialect, compare_migrations, migrate_error, open_error};
use crate::url::postgres_parts;
use crate::{Access, Backend, Error, Result};
use gonogo_wire::{Limits, pg};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, Pool, Postgres, Transaction};
use std::time::Duration;

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// How long opening a PostgreSQL store waits for a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The tables of gonogo's first migration: an older gonogo kept them in `public`.
const TABLES: [&str; 8] = [
    "runs",
    "run_items",
    "attestations",
    "approvals",
    "waivers",
    "revocations",
    "audit_log",
    "audit_head",
];

/// The advisory lock writers hold while creating the schema or moving tables into it.
const SCHEMA_LOCK: i64 = 0x676f_6e6f_676f_0001;

impl Dialect for Postgres {
    const BACKEND: Backend = Backend::Postgres;
    type Location = str;

    async fn connect(
        url: &str,
        shown: &str,
        access: Access,
    ) -> Result<(Pool<Postgres>, Vec<String>)> {
        let open_err = open_error(shown);
        let bad_url = |why: String| Error::BadUrl {
            url: shown.to_string(),
            why,
        };
        let (url, schema) = postgres_parts(url).map_err(bad_url)?;
        let opts: PgConnectOptions = url.parse().map_err(|e| bad_url(format!("{e}")))?;
        // Unqualified names, sqlx's migration table included, resolve in gonogo's schema only.
        let opts = opts.options([("search_path", schema.as_str())]);
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
        let opened = match access {
            Access::Read => check_current(&pool, &schema, shown)
                .await
                .map(|()| Vec::new()),
            Access::Write => prepare(&pool, &schema, shown).await,
        };
        match opened {
            Ok(notices) => Ok((pool, notices)),
            Err(e) => {
                pool.close().await;
                Err(e)
            }
        }
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

/// The `(version, checksum)` pairs applied in `schema` (none when it has no migration table).
async fn applied(
    conn: &mut PgConnection,
    schema: &str,
) -> std::result::Result<Vec<(i64, Vec<u8>)>, sqlx::Error> {
    let table = format!("{schema}._sqlx_migrations");
    let exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
        .bind(&table)
        .fetch_one(&mut *conn)
        .await?;
    if !exists {
        return Ok(Vec::new());
    }
    sqlx::query_as(&format!(
        "SELECT version, checksum FROM {table} WHERE success"
    ))
    .fetch_all(&mut *conn)
    .await
}

/// Whether `public` holds the tables of an older gonogo: all of them, and sqlx's migration
/// table with gonogo's first migration.
async fn older_tables_in_public(conn: &mut PgConnection, shown: &str) -> Result<bool> {
    let found = async {
        for table in TABLES {
            let exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
                .bind(format!("public.{table}"))
                .fetch_one(&mut *conn)
                .await?;
            if !exists {
                return Ok(None);
            }
        }
        applied(conn, "public").await.map(Some)
    }
    .await
    .map_err(|e: sqlx::Error| open_error(shown)(e.to_string()))?;
    let Some(applied) = found else {
        return Ok(false);
    };
    let first = MIGRATIONS.iter().next();
    Ok(first.is_some_and(|m| {
        applied
            .iter()
            .any(|(v, c)| *v == m.version && c.as_slice() == m.checksum.as_ref())
    }))
}

/// A reader's open: the schema holds a current store, or the error says what there is.
/// Nothing is created.
async fn check_current(pool: &Pool<Postgres>, schema: &str, shown: &str) -> Result<()> {
    let mut conn = pool
        .acquire()
        .await
        .map_err(|e| open_error(shown)(e.to_string()))?;
    let applied = applied(&mut conn, schema)
        .await
        .map_err(|e| open_error(shown)(e.to_string()))?;
    match compare_migrations(&MIGRATIONS, &applied, shown)? {
        Applied::Current => Ok(()),
        Applied::Behind => Err(Error::Outdated {
            url: shown.to_string(),
        }),
        Applied::Nothing => {
            let why = if schema != "public" && older_tables_in_public(&mut conn, shown).await? {
                format!(
                    "schema {schema} does not exist or is empty; an older gonogo's tables are in schema public: a command that records (gonogo check without --no-store, signoff, approve, waive, revoke) moves them into {schema}"
                )
            } else {
                format!(
                    "schema {schema} holds no gonogo tables (a command that records creates them: gonogo check without --no-store, signoff, approve, waive, revoke)"
                )
            };
            Err(Error::Missing {
                url: shown.to_string(),
                why,
            })
        }
    }
}

/// A writer's open: create the schema if need be, move an older gonogo's tables from `public`
/// into it, then apply the migrations. Returns what was done that the user should know.
async fn prepare(pool: &Pool<Postgres>, schema: &str, shown: &str) -> Result<Vec<String>> {
    let open_err = open_error(shown);
    let mut notices = Vec::new();
    let mut tx = pool.begin().await.map_err(|e| open_err(e.to_string()))?;
    let steps = async {
        // Concurrent first writers wait for each other instead of racing on the schema.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(SCHEMA_LOCK)
            .execute(&mut *tx)
            .await?;
        sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
            .execute(&mut *tx)
            .await?;
        Ok::<_, sqlx::Error>(())
    };
    steps
        .await
        .map_err(|e| open_err(format!("cannot create schema {schema}: {e}")))?;
    let empty = applied(&mut tx, schema)
        .await
        .map_err(|e| open_err(e.to_string()))?
        .is_empty();
    if schema != "public" && empty && older_tables_in_public(&mut tx, shown).await? {
        move_from_public(&mut tx, schema).await.map_err(|e| {
            open_err(format!(
                "cannot move gonogo's tables from public into {schema}: {e}"
            ))
        })?;
        notices.push(format!(
            "moved gonogo's tables ({}) from schema public into schema {schema} of {shown}",
            TABLES.join(", ")
        ));
    }
    tx.commit().await.map_err(|e| open_err(e.to_string()))?;
    // PostgreSQL migrations hold an advisory lock: concurrent openers wait for each other.
    MIGRATIONS.run(pool).await.map_err(migrate_error(shown))?;
    Ok(notices)
}

/// Move gonogo's tables (their indexes, constraints and id sequences go with them) and its
/// rows of sqlx's migration table from `public` into `schema`. The migration table moves
/// whole when it holds only gonogo's migrations; an application's rows stay where they are.
async fn move_from_public(
    tx: &mut PgConnection,
    schema: &str,
) -> std::result::Result<(), sqlx::Error> {
    for table in TABLES {
        sqlx::query(&format!("ALTER TABLE public.{table} SET SCHEMA {schema}"))
            .execute(&mut *tx)
            .await?;
    }
    // gonogo's rows: a version of gonogo's with gonogo's checksum (an application's own
    // migration may share a version number).
    let rows: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT version, checksum FROM public._sqlx_migrations")
            .fetch_all(&mut *tx)
            .await?;
    let ours: Vec<i64> = rows
        .iter()
        .filter(|(v, c)| {
            MIGRATIONS
                .iter()
                .any(|m| m.version == *v && m.checksum.as_ref() == c.as_slice())
        })
        .map(|(v, _)| *v)
        .collect();
    if ours.len() == rows.len() {
        sqlx::query(&format!(
            "ALTER TABLE public._sqlx_migrations SET SCHEMA {schema}"
        ))
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query(&format!(
            "CREATE TABLE {schema}._sqlx_migrations (LIKE public._sqlx_migrations INCLUDING ALL)"
        ))
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!(
            "INSERT INTO {schema}._sqlx_migrations SELECT * FROM public._sqlx_migrations \
             WHERE version = ANY($1)"
        ))
        .bind(&ours)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM public._sqlx_migrations WHERE version = ANY($1)")
            .bind(&ours)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}
