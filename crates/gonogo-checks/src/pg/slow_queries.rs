//! `pg.slow-queries`: no statement's mean execution time exceeds a bound (pg_stat_statements).

use super::{DATABASE, DSN_PARAM};
use crate::live;
use gonogo_core::recognise::text::Text;
use gonogo_core::recognise::{Claim, Slot, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};
use std::sync::{LazyLock, OnceLock};
use std::time::Duration;

pub struct PgSlowQueries;

/// At most this many slow statements are listed.
const LISTED: i64 = 20;

/// Acts on slow queries, or slowness the statistics do not show.
const NOT_MEAN_TIME: &[&str] = &[
    "log*",
    "review*",
    "dashboard*",
    "alert*",
    "monitor*",
    "identified",
    "optimi*",
    "analy*",
    "explain",
    "index*",
    "load test*",
    "api",
    "endpoint*",
    "p95",
    "p99",
    "percentile",
];

/// What the kind verifies: no statement is slower on average than a bound.
const CLAIMS: &[Claim] = &[
    Claim {
        subject: &[
            "slow quer*",
            "slow statement*",
            "slow database quer*",
            "slow db quer*",
            "slow sql",
        ],
        support: &["no", "none", "under", "below", "database", "db", "postgr*"],
        excludes: NOT_MEAN_TIME,
        slots: &[Slot::optional("max", Value::Duration)],
        weight: 80,
        ..Claim::EMPTY
    },
    // No bound stated: the default (500 ms mean) says whether performance held.
    Claim {
        subject: &["query performance", "query latency", "query time*"],
        qualifiers: &[
            DATABASE,
            &[
                "stable",
                "acceptable",
                "normal",
                "ok",
                "healthy",
                "no regress*",
                "not regress*",
            ],
        ],
        excludes: NOT_MEAN_TIME,
        weight: 70,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "statement*",
            "sql quer*",
            "database quer*",
            "db quer*",
            "pg stat statements",
        ],
        qualifiers: &[&["averag*", "mean"]],
        excludes: NOT_MEAN_TIME,
        slots: &[
            Slot::required("max", Value::Duration),
            Slot::optional("min_calls", Value::Read(min_calls)),
        ],
        weight: 80,
        ..Claim::EMPTY
    },
];

/// The fewest calls a statement needs to count: "across 50+ calls", "called 100 times".
fn min_calls(text: &Text<'_>) -> Option<String> {
    static CALLS: OnceLock<regex::Regex> = OnceLock::new();
    let calls = CALLS.get_or_init(|| {
        regex::Regex::new(r"(?i)\b(\d+)\s*\+?\s*(?:calls|executions|times)\b").expect("valid regex")
    });
    Some(calls.captures(&text.plain)?[1].to_string())
}

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Postgres),
    targets: super::TARGETS,
    summary: "No statement recorded by pg_stat_statements is slower on average than a bound.",
    description: "Connects read-only to the database (`dsn=` or the `database_url` target). \
        When the `pg_stat_statements` extension is not installed in that database the check \
        is skipped with that reason. Otherwise it reads the statements called at least \
        `min_calls` times (default 5) whose mean execution time is above `max` (default \
        500ms) and fails with one finding per statement (the 20 slowest, normalised text cut \
        to 200 characters with every string literal masked), the mean time and the call \
        count. Errors when the extension is installed but unreadable (not in \
        shared_preload_libraries), or when the database cannot be reached within the time \
        bound; an error when no database_url is configured. \"Database query performance \
        stable\" binds with the default bound: no statement slower than 500 ms on average.",
    params: &[
        DSN_PARAM,
        ParamDoc::with_default("max", "Slowest acceptable mean execution time.", "500ms"),
        ParamDoc::with_default(
            "min_calls",
            "Statements called fewer times are ignored.",
            "5",
        ),
    ],
    examples: &["pg.slow-queries", "pg.slow-queries max=200ms min_calls=50"],
    claims: CLAIMS,
    phrases: &[
        "No slow queries",
        "No slow database queries (> 500ms)",
        "Slow queries under 200ms",
        "Database query performance stable",
    ],
    not_phrases: &[
        "Database query optimization complete",
        "API response times within SLA",
        "Slow query log reviewed weekly",
    ],
    findings: &[(
        "pg-slow-query",
        "A statement's mean execution time is above the bound.",
    )],
};

static LITERAL: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"'(?:[^']|'')*'").expect("valid regex"));
static SPACE: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"\s+").expect("valid regex"));

impl CheckKind for PgSlowQueries {
    fn id(&self) -> &'static str {
        "pg.slow-queries"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        Ok(live::prepared(Prepared {
            dsn: params.str("dsn").map(String::from),
            max: params.value::<Duration>("max")?,
            min_calls: params.value::<u64>("min_calls")? as i64,
        }))
    }
}

struct Prepared {
    dsn: Option<String>,
    max: Duration,
    min_calls: i64,
}

/// A statement as it may be shown: whitespace collapsed, string literals masked (utility
/// statements such as `ALTER ROLE … PASSWORD '…'` are recorded verbatim), cut to 200 chars.
pub(crate) fn shown_statement(query: &str) -> String {
    let masked = LITERAL.replace_all(query, "'…'");
    let flat = SPACE.replace_all(masked.trim(), " ");
    let mut out: String = flat.chars().take(200).collect();
    if flat.chars().count() > 200 {
        out.push('…');
    }
    out
}

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        let mut pg = super::connect(ctx, self.dsn.as_deref()).await?;
        let ext: Option<(String, String, i32)> = pg
            .meta
            .bounded(
                "installed extensions",
                sqlx::query_as(
                    "SELECT e.extversion::text, n.nspname::text, current_setting('server_version_num')::int4 \
                       FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace \
                      WHERE e.extname = 'pg_stat_statements'",
                )
                .fetch_optional(&mut pg.conn),
            )
            .await?;
        let location = pg.meta.location();
        let Some((version, schema, server)) = ext else {
            pg.close().await;
            return Ok(
                Outcome::skipped("pg_stat_statements is not installed in this database")
                    .at(location),
            );
        };
        let mean = if server >= 130000 {
            "mean_exec_time"
        } else {
            "mean_time"
        };
        let sql = format!(
            "SELECT query, calls, {mean}::float8 FROM \"{}\".pg_stat_statements \
              WHERE calls >= $1 AND {mean} > $2 ORDER BY {mean} DESC LIMIT $3",
            schema.replace('"', "\"\"")
        );
        let rows: Vec<(Option<String>, i64, f64)> = pg
            .meta
            .bounded(
                "pg_stat_statements",
                sqlx::query_as(&sql)
                    .bind(self.min_calls)
                    .bind(self.max.as_secs_f64() * 1000.0)
                    .bind(LISTED)
                    .fetch_all(&mut pg.conn),
            )
            .await?;
        pg.close().await;
        let max_ms = self.max.as_secs_f64() * 1000.0;
        let findings: Vec<Finding> = rows
            .iter()
            .map(|(query, calls, mean)| {
                let text = query
                    .as_deref()
                    .map(shown_statement)
                    .unwrap_or_else(|| "<statement text not visible to this role>".into());
                Finding::fail(
                    "pg-slow-query",
                    format!("{mean:.1} ms mean over {calls} calls: {text}"),
                )
                .fix(
                    "EXPLAIN (ANALYZE, BUFFERS) the statement; add the missing index or rewrite it",
                )
            })
            .collect();
        let summary = if findings.is_empty() {
            format!("no statement averages above {max_ms:.0} ms (pg_stat_statements {version})")
        } else {
            format!(
                "{} average above {max_ms:.0} ms (pg_stat_statements {version})",
                super::plural(findings.len(), "statement", "statements")
            )
        };
        let slowest = rows
            .first()
            .map(|r| format!("slowest mean {:.1} ms", r.2))
            .unwrap_or_else(|| format!("none above {max_ms:.0} ms"));
        Ok(Outcome::from_findings(summary, findings)
            .observed(slowest)
            .expected(format!(
                "mean ≤ {max_ms:.0} ms for statements with ≥ {} calls",
                self.min_calls
            ))
            .at(location))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn statements_are_shown_without_literals() {
        assert_eq!(
            super::shown_statement("ALTER ROLE app\n  PASSWORD 'hunter''2'"),
            "ALTER ROLE app PASSWORD '…'"
        );
    }
}
