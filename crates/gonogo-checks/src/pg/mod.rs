//! PostgreSQL checks and the connection they share.
//!
//! Every PostgreSQL kind connects the same way: the DSN comes from the kind's `dsn=` parameter
//! or the `database_url` target; the connection attempt is bounded by [`CONNECT_TIMEOUT`]; the
//! session is opened with `default_transaction_read_only=on` (every statement runs in a
//! read-only transaction, so a check cannot write even by mistake), `statement_timeout`,
//! `lock_timeout` and `idle_in_transaction_session_timeout`; every listing query carries a
//! `LIMIT` ([`MAX_ROWS`]), and the connection goes through a `gonogo_wire` relay that cuts a
//! server message over 16 MiB (or a connection over its byte budget) before it is read, so the
//! bytes read are bounded even from a hostile server. Connection strings appear in evidence
//! only through [`crate::live::shown`], and driver error texts through [`crate::live::scrub`].

// An `Err` here is the finished `Outcome` the check returns (once per run): boxing it buys
// nothing and costs every caller a `*`.
#![allow(clippy::result_large_err)]

pub mod backups;
pub mod connections;
pub mod deadlocks;
pub mod fk_indexed;
pub mod fk_validated;
pub mod migrations_applied;
pub mod replication;
pub mod rls;
pub mod schema_applied;
pub mod slow_queries;

use crate::live;
use gonogo_core::{CheckContext, Location, Outcome, ParamError, Params};
use gonogo_wire::{Limits, Relay};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};
use std::str::FromStr;
use std::time::Duration;

/// How long establishing a connection (TCP, TLS, startup, authentication) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Server-side bound on every statement a check runs.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);
/// Client-side bound on one query, a little above the server's so the server's error wins.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(6);
/// At most this many rows are read from any listing query; the evidence says when it is cut.
pub const MAX_ROWS: i64 = 200;

/// One read-only session to the database under check. Queries borrow `conn` while
/// `meta.bounded` bounds them in time.
pub struct Pg {
    pub conn: PgConnection,
    pub meta: Meta,
    /// The capped relay the connection goes through; it stops with the session.
    _relay: Relay,
}

/// What a session knows of its connection string.
#[derive(Clone)]
pub struct Meta {
    dsn: String,
    /// The connection string as it may be shown (password hidden).
    pub shown: String,
}

/// The shared target every `pg.*` kind reads (its `DOC.targets`).
pub(crate) const TARGETS: &[&str] = &["database_url"];

/// The DSN this check talks to, or the `error` outcome when none is configured.
pub fn dsn(own: Option<&str>, ctx: &CheckContext) -> Result<String, Outcome> {
    live::resolve(own, ctx, TARGETS[0])
}

/// Connect to the DSN of `own` or the `database_url` target. `Err` is the outcome to return:
/// `error` without a target, or when the connection fails or times out.
pub async fn connect(ctx: &CheckContext, own: Option<&str>) -> Result<Pg, Outcome> {
    let dsn = dsn(own, ctx)?;
    connect_to(&dsn).await
}

/// Connect to `dsn` (see [`connect`]).
pub async fn connect_to(dsn: &str) -> Result<Pg, Outcome> {
    let shown = live::shown(dsn);
    let opts = PgConnectOptions::from_str(dsn).map_err(|e| {
        Outcome::error(format!(
            "{shown} is not a valid PostgreSQL connection string: {}",
            live::scrub(&e.to_string(), dsn)
        ))
    })?;
    let opts = opts
        .application_name("gonogo")
        .statement_cache_capacity(0)
        .options([
            (
                "statement_timeout",
                STATEMENT_TIMEOUT.as_millis().to_string(),
            ),
            ("lock_timeout", "1000".to_string()),
            ("idle_in_transaction_session_timeout", "10000".to_string()),
            ("default_transaction_read_only", "on".to_string()),
        ])
        .disable_statement_logging();
    // sqlx reads whatever length a server announces: the connection goes through a relay
    // that cuts a message over the cap before its bytes are read.
    let attempt = async {
        let (opts, relay) = gonogo_wire::pg::connect_through_relay(opts, Limits::LIVE)
            .await
            .map_err(sqlx::Error::Io)?;
        Ok::<_, sqlx::Error>((opts.connect().await?, relay))
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, attempt).await {
        Ok(Ok((conn, relay))) => Ok(Pg {
            conn,
            meta: Meta {
                dsn: dsn.to_string(),
                shown,
            },
            _relay: relay,
        }),
        Ok(Err(e)) => Err(Outcome::error(format!(
            "cannot connect to {shown}: {}",
            live::scrub(&e.to_string(), dsn)
        ))),
        Err(_) => Err(Outcome::error(format!(
            "no answer from {shown} within {} s (connect timeout)",
            CONNECT_TIMEOUT.as_secs()
        ))),
    }
}

impl Meta {
    /// Run one query future under the client-side timeout; errors become an `error` outcome
    /// naming `what` was being read.
    pub async fn bounded<T>(
        &self,
        what: &str,
        fut: impl std::future::Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, Outcome> {
        match tokio::time::timeout(QUERY_TIMEOUT, fut).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(Outcome::error(format!(
                "reading {what} from {} failed: {}",
                self.shown,
                live::scrub(&e.to_string(), &self.dsn)
            ))),
            Err(_) => Err(Outcome::error(format!(
                "reading {what} from {} took longer than {} s",
                self.shown,
                QUERY_TIMEOUT.as_secs()
            ))),
        }
    }

    /// Where the evidence was read: the redacted connection string.
    pub fn location(&self) -> Location {
        Location::file(self.shown.clone())
    }
}

impl Pg {
    /// Close the session politely (errors are irrelevant once the data is read).
    pub async fn close(self) {
        let _ = tokio::time::timeout(Duration::from_secs(1), self.conn.close()).await;
    }

    /// Close the session once every query is read; where the evidence was read.
    pub async fn finish(self) -> Location {
        let location = self.meta.location();
        self.close().await;
        location
    }

    /// An audit over the user schemas (or `schemas`): how many objects `count_sql` counts
    /// (named `counted` in errors), and the offending ones `list_sql` lists (`listed`), at most
    /// [`MAX_ROWS`]. Both filter with [`SCHEMA_FILTER`] on `$1`; `list_sql` takes the row
    /// limit as `$2`.
    pub async fn count_and_list<R>(
        &mut self,
        schemas: &Option<Vec<String>>,
        (counted, count_sql): (&str, &str),
        (listed, list_sql): (&str, &str),
    ) -> Result<(i64, Vec<R>), Outcome>
    where
        R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        let total: i64 = self
            .meta
            .bounded(
                counted,
                sqlx::query_scalar(count_sql)
                    .bind(schemas.clone())
                    .fetch_one(&mut self.conn),
            )
            .await?;
        let rows: Vec<R> = self
            .meta
            .bounded(
                listed,
                sqlx::query_as(list_sql)
                    .bind(schemas.clone())
                    .bind(MAX_ROWS)
                    .fetch_all(&mut self.conn),
            )
            .await?;
        Ok((total, rows))
    }
}

/// The `dsn` parameter every PostgreSQL kind accepts.
pub const DSN_PARAM: gonogo_core::ParamDoc = gonogo_core::ParamDoc::optional(
    "dsn",
    "PostgreSQL connection string; default: the `database_url` target.",
);

/// The `schemas` parameter: a comma list of schema names.
pub fn schemas(params: &Params, key: &str) -> Result<Option<Vec<String>>, ParamError> {
    let Some(list) = params.list(key) else {
        return Ok(None);
    };
    if list.is_empty() {
        return Err(ParamError::new(key, "expected at least one schema name"));
    }
    Ok(Some(list))
}

/// Words that place an item in a relational database (any one, in the item or its headings).
pub(crate) const DATABASE: &[&str] = &[
    "postgr*",
    "pg",
    "psql",
    "databas*",
    "db",
    "rds",
    "aurora",
    "cloud sql",
    "supabase",
    "sql",
    // PostgreSQL's own names say which database an item means.
    "max_connections",
    "pg_stat_statements",
    "pg_stat_activity",
];

/// A PostgreSQL quoted identifier, for messages (`public.orders`).
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The user schemas filter in SQL, with `$1` an optional `text[]` of schema names.
pub(crate) const SCHEMA_FILTER: &str = "(CASE WHEN $1::text[] IS NULL \
     THEN n.nspname NOT IN ('pg_catalog', 'information_schema') \
          AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%' \
     ELSE n.nspname = ANY($1::text[]) END)";

#[cfg(test)]
mod tests {
    use crate::util::testing::{recognise, recognise_in};
    use gonogo_core::CheckKind;

    /// The parameters the registry binds `text` to `kind` with, as `key=value` pairs.
    fn bound(kind: &dyn CheckKind, text: &str, context: &[&str]) -> Option<Vec<String>> {
        let params = recognise_in(kind, text, context)?;
        let mut kv: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        kv.sort();
        Some(kv)
    }

    /// A kind, an item, its headings and the parameters it must bind with.
    type Case = (
        &'static dyn CheckKind,
        &'static str,
        &'static [&'static str],
        &'static [&'static str],
    );

    #[test]
    fn items_bind_with_the_values_they_state() {
        let cases: &[Case] = &[
            (
                &super::backups::PgBackups,
                "Take full database backup",
                &[],
                &["max_age=6h"],
            ),
            (
                &super::backups::PgBackups,
                "Daily database backups configured",
                &[],
                &["max_age=25h"],
            ),
            (
                &super::backups::PgBackups,
                "Are nightly database backups running?",
                &[],
                &["max_age=25h"],
            ),
            (
                &super::backups::PgBackups,
                "PostgreSQL WAL archiving enabled",
                &[],
                &[],
            ),
            (
                &super::connections::PgConnections,
                "DB connection usage < 60%",
                &[],
                &["max=60"],
            ),
            (
                &super::connections::PgConnections,
                "Database connection pool adequate",
                &[],
                &[],
            ),
            (
                &super::deadlocks::PgDeadlocks,
                "No database deadlocks during a 30s watch",
                &[],
                &["window=30s"],
            ),
            (
                &super::deadlocks::PgDeadlocks,
                "No deadlocks in the last 24 hours",
                &[],
                &[],
            ),
            (
                &super::replication::PgReplication,
                "Replication lag under 10s on both replicas",
                &[],
                &["max_lag=10s", "min=2"],
            ),
            (
                &super::rls::PgRls,
                "RLS enabled on `public` and `storage`, except `public.waitlist`",
                &[],
                &["exclude=public.waitlist", "schemas=public,storage"],
            ),
            (
                &super::slow_queries::PgSlowQueries,
                "No slow database queries (> 300ms)",
                &[],
                &["max=300ms"],
            ),
            (
                &super::slow_queries::PgSlowQueries,
                "No statement averages over 100ms across 50+ calls",
                &["Database"],
                &["max=100ms", "min_calls=50"],
            ),
            (
                &super::migrations_applied::PgMigrationsApplied,
                "Django migrations applied to production",
                &[],
                &["tool=django"],
            ),
            (
                &super::fk_indexed::PgFkIndexed,
                "Update indexes if needed",
                &[],
                &[],
            ),
            (
                &super::fk_validated::PgFkValidated,
                "All constraints validated",
                &[],
                &[],
            ),
        ];
        for (kind, text, context, want) in cases {
            assert_eq!(
                bound(*kind, text, context),
                Some(want.iter().map(|s| s.to_string()).collect()),
                "{text}"
            );
        }
    }

    #[test]
    fn acts_on_the_database_stay_manual() {
        for text in [
            "Backup restoration tested",
            "Restore from backup rehearsed",
            "Failover to the replica drilled",
            "Slow query log reviewed weekly",
            "Migrations tested against a production-sized copy",
            "Connection pooling configured (PgBouncer)",
            "Kubernetes replicas set to 3",
        ] {
            for kind in crate::registry()
                .iter()
                .filter(|k| k.id().starts_with("pg."))
            {
                assert_eq!(recognise(kind, text), None, "{text} bound to {}", kind.id());
            }
        }
    }
}
