//! `pg.connections`: connections in use stay below a share of `max_connections`.

use super::{DATABASE, DSN_PARAM};
use crate::live;
use gonogo_core::recognise::{Claim, Slot, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Outcome, ParamDoc, ParamError, Params, PreparedCheck,
};

pub struct PgConnections;

/// Connections of something other than the server's own limit.
const OTHER_CONNECTIONS: &[&str] = &[
    "pgbouncer",
    "redis",
    "http",
    "keep alive",
    "keepalive",
    "websocket*",
    "upstream",
    "tls",
    "ssl",
    "encrypt*",
    "timeout*",
    "retr*",
    "leak*",
    "string*",
    "secret*",
    "credential*",
];

/// What the kind verifies: the share of `max_connections` in use is below a bound.
const CLAIMS: &[Claim] = &[
    Claim {
        subject: &["connection*", "max_connections", "max connection*"],
        qualifiers: &[DATABASE],
        support: &["usage", "below", "under", "less than"],
        excludes: OTHER_CONNECTIONS,
        slots: &[Slot::required("max", Value::Percent)],
        weight: 80,
        ..Claim::EMPTY
    },
    // The pools' headroom stated without a number: every pool's connections end on the
    // server, so the server's share in use answers it with the default bound.
    Claim {
        subject: &[
            "connection pool*",
            "pool exhaustion",
            "connection exhaustion",
            "connections exhausted",
        ],
        qualifiers: &[
            DATABASE,
            &[
                "exhaust*",
                "adequate",
                "sufficient",
                "sized",
                "headroom",
                "saturat*",
                "enough",
            ],
        ],
        excludes: OTHER_CONNECTIONS,
        weight: 75,
        ..Claim::EMPTY
    },
];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Postgres),
    targets: super::TARGETS,
    summary: "Client connections in use are below N % of the server's max_connections.",
    description: "Connects read-only to the database (`dsn=` or the `database_url` target), \
        counts the client backends in `pg_stat_activity` (every database of the server, the \
        check's own session included) and compares them with `max_connections`. Fails when \
        the share in use is at or above `max` percent (default 80); the evidence shows the \
        count, the limit and the share. Errors when the server cannot be reached or read \
        within the time bound; an error when no database_url is configured. Numbers in the \
        item (\"Database connections < 80%\") become `max`; \"No database connection pool \
        exhaustion\" and \"Connection pool adequate\" are judged on the server side, where \
        every pool's connections end up, with the default bound.",
    params: &[
        DSN_PARAM,
        ParamDoc::with_default(
            "max",
            "Highest acceptable share of max_connections in use, percent (exclusive).",
            "80",
        ),
    ],
    examples: &["pg.connections", "pg.connections max=70"],
    claims: CLAIMS,
    phrases: &[
        "Database connections < 80%",
        "PostgreSQL connections below 70% of max_connections",
        "DB connection usage < 75%",
        "No database connection pool exhaustion",
        "Database connection pool adequate",
    ],
    not_phrases: &[
        "Connection pooling configured (PgBouncer)",
        "Redis connection working",
        "Memory usage < 80%",
    ],
    findings: &[(
        "pg-connections-high",
        "Connections in use are at or above the allowed share of max_connections.",
    )],
};

impl CheckKind for PgConnections {
    fn id(&self) -> &'static str {
        "pg.connections"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        Ok(live::prepared(Prepared {
            dsn: params.str("dsn").map(String::from),
            max: live::share_bound(params, "max")?,
        }))
    }
}

struct Prepared {
    dsn: Option<String>,
    max: f64,
}

const QUERY: &str = "SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'), \
        current_setting('max_connections')::int8";

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        let mut pg = super::connect(ctx, self.dsn.as_deref()).await?;
        let (used, limit): (i64, i64) = pg
            .meta
            .bounded(
                "connection counts",
                sqlx::query_as(QUERY).fetch_one(&mut pg.conn),
            )
            .await?;
        let location = pg.finish().await;
        if limit <= 0 {
            return Ok(Outcome::error(format!("max_connections reads {limit}")).at(location));
        }
        let share = live::share(used as u64, limit as u64);
        let observed = format!("{used} of {limit} connections ({share:.1}%)");
        let in_use = format!("{observed} in use");
        let findings = live::share_finding(
            share,
            self.max,
            "pg-connections-high",
            &in_use,
            "Put a pooler (PgBouncer) in front, shrink application pools, or raise max_connections",
        );
        Ok(
            Outcome::from_findings(in_use, findings.into_iter().collect())
                .observed(observed)
                .expected(format!("< {}% of max_connections", self.max))
                .at(location),
        )
    }
}
