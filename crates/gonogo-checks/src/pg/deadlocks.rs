//! `pg.deadlocks`: no deadlock since the statistics were reset, or during a window.

use super::DSN_PARAM;
use crate::live;
use gonogo_core::recognise::text::Text;
use gonogo_core::recognise::{Claim, Slot, Value, values};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, ParamDoc, ParamError, Params, PreparedCheck,
};
use std::time::Duration;

pub struct PgDeadlocks;

/// The longest window the check will watch (the runner's timeout must allow for it).
const MAX_WINDOW: Duration = Duration::from_secs(60);

/// What the kind verifies: the database counts no (or few) deadlocks.
const CLAIMS: &[Claim] = &[Claim {
    subject: &["deadlock*"],
    // The check reads a count, so the item must ask for none.
    qualifiers: &[&["no", "zero", "0", "none", "free", "without"]],
    support: &["database", "db", "postgr*", "detected", "recorded"],
    excludes: &[
        "java",
        "thread*",
        "goroutin*",
        "mysql",
        "mongo*",
        "mutex*",
        "retr*",
        "handl*",
        "tested",
        "detection",
    ],
    slots: &[Slot::optional("window", Value::Read(watch_window))],
    weight: 80,
    ..Claim::EMPTY
}];

/// A watch the check can keep ("during a 30s watch"); a longer period is what the counter
/// since the statistics reset already covers.
fn watch_window(text: &Text<'_>) -> Option<String> {
    let window = values::duration(&text.plain)?;
    let length = gonogo_parsers::parse_duration(&window).ok()?;
    (!length.is_zero() && length <= MAX_WINDOW).then_some(window)
}

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Postgres),
    targets: super::TARGETS,
    summary: "The database has recorded no deadlock since its statistics were reset (or during a window).",
    description: "Connects read-only to the database (`dsn=` or the `database_url` target) and \
        reads the `deadlocks` counter of `pg_stat_database` for the connected database. \
        Without `window=`, the counter covers the time since the statistics were last reset \
        (the evidence says since when). With `window=` (at most 60s) the counter is read \
        twice, `window` apart, and only deadlocks in between count. Fails when more than `max` \
        (default 0) deadlocks are counted. Errors when the database cannot be reached or read \
        within the time bound; an error when no database_url is configured.",
    params: &[
        DSN_PARAM,
        ParamDoc::with_default("max", "Most deadlocks tolerated.", "0"),
        ParamDoc::optional(
            "window",
            "Watch this long (e.g. 30s, at most 60s) instead of reading the total since the stats reset.",
        ),
    ],
    examples: &[
        "pg.deadlocks",
        "pg.deadlocks window=30s",
        "pg.deadlocks max=2",
    ],
    claims: CLAIMS,
    phrases: &[
        "No deadlocks",
        "No database deadlocks detected",
        "Zero deadlocks in PostgreSQL",
    ],
    not_phrases: &["No memory leaks", "No data loss", "No error spikes in logs"],
    findings: &[(
        "pg-deadlocks-found",
        "PostgreSQL recorded more deadlocks than allowed.",
    )],
};

impl CheckKind for PgDeadlocks {
    fn id(&self) -> &'static str {
        "pg.deadlocks"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let window = params.duration("window")?;
        if window.is_some_and(|w| w > MAX_WINDOW || w.is_zero()) {
            return Err(ParamError::new(
                "window",
                "expected a duration above 0 and at most 60s",
            ));
        }
        Ok(live::prepared(Prepared {
            dsn: params.str("dsn").map(String::from),
            max: params.value::<u64>("max")? as i64,
            window,
        }))
    }
}

struct Prepared {
    dsn: Option<String>,
    max: i64,
    window: Option<Duration>,
}

const QUERY: &str = "SELECT datname::text, deadlocks, coalesce(to_char(stats_reset, 'YYYY-MM-DD HH24:MI:SS TZ'), 'the server started') \
   FROM pg_stat_database WHERE datname = current_database()";

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        let mut pg = super::connect(ctx, self.dsn.as_deref()).await?;
        let first: (String, i64, String) = pg
            .meta
            .bounded(
                "pg_stat_database",
                sqlx::query_as(QUERY).fetch_one(&mut pg.conn),
            )
            .await?;
        let (db, count, since) = match self.window {
            None => (first.0, first.1, format!("since {}", first.2)),
            Some(w) => {
                tokio::time::sleep(w).await;
                // Statistics are cached per transaction; each query here is its own transaction.
                let second: (String, i64, String) = pg
                    .meta
                    .bounded(
                        "pg_stat_database",
                        sqlx::query_as(QUERY).fetch_one(&mut pg.conn),
                    )
                    .await?;
                (
                    second.0,
                    (second.1 - first.1).max(0),
                    format!("in the last {}", humantime(w)),
                )
            }
        };
        let location = pg.finish().await;
        let observed = format!("{count} deadlocks in {db} {since}");
        let mut findings = Vec::new();
        if count > self.max {
            findings.push(
                Finding::fail("pg-deadlocks-found", observed.clone()).fix(
                    "Make transactions take locks in one consistent order; enable log_lock_waits to find them",
                ),
            );
        }
        Ok(live::judged(
            observed,
            format!("≤ {}", self.max),
            findings,
            location,
        ))
    }
}

fn humantime(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}
