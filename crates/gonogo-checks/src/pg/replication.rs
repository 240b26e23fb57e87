//! `pg.replication`: replicas are attached and streaming, within a lag bound.

use super::{DSN_PARAM, MAX_ROWS, plural};
use crate::live;
use gonogo_core::recognise::text::Text;
use gonogo_core::recognise::{Claim, Slot, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};
use std::sync::OnceLock;
use std::time::Duration;

pub struct PgReplication;

/// What the kind verifies: the database has streaming replicas, with replay lag under a bound.
const CLAIMS: &[Claim] = &[Claim {
    subject: &[
        "read replica*",
        "replication",
        "replica lag",
        "streaming replica*",
        "standby*",
        "hot standby",
        "database replica*",
        "db replica*",
        "postgr* replica*",
    ],
    support: &[
        "database",
        "db",
        "postgr*",
        "streaming",
        "healthy",
        "configur*",
        "set up",
    ],
    // Replicas of other stores, and acts (failover drills, promotion) the count cannot show.
    excludes: &[
        "redis",
        "kafka",
        "kubernetes",
        "k8s",
        "pod*",
        "s3",
        "bucket*",
        "mongo*",
        "elastic*",
        "cross region",
        "failover",
        "promot*",
        "tested",
        "logical replication",
        "cdc",
        "debezium",
        "for more than",
        "for over",
        "sustained",
        "slot*",
        "monitor*",
        "alert*",
        "dashboard*",
    ],
    slots: &[
        Slot::optional("max_lag", Value::Duration),
        Slot::optional("min", Value::Read(replica_count)),
    ],
    weight: 80,
    ..Claim::EMPTY
}];

/// How many replicas the item asks for: "both replicas", "3 replicas", "at least two standbys".
fn replica_count(text: &Text<'_>) -> Option<String> {
    static COUNT: OnceLock<regex::Regex> = OnceLock::new();
    let count = COUNT.get_or_init(|| {
        regex::Regex::new(r"(?i)\b(both|two|three|four|\d+)\s+(?:read\s+|streaming\s+|hot\s+)?(?:replicas|standbys)\b")
            .expect("valid regex")
    });
    let n = match count.captures(&text.plain)?[1]
        .to_ascii_lowercase()
        .as_str()
    {
        "both" | "two" => 2,
        "three" => 3,
        "four" => 4,
        digits => digits.parse::<u32>().ok().filter(|n| *n > 0)?,
    };
    Some(n.to_string())
}

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Postgres),
    targets: super::TARGETS,
    summary: "The database has streaming replicas (or is one), with replay lag under a bound.",
    description: "Connects read-only to the database (`dsn=` or the `database_url` target) and \
        asks whether it is a standby (`pg_is_in_recovery()`). On a primary it reads \
        `pg_stat_replication`: fewer than `min` (default 1) attached replicas fails with \
        `pg-replication-too-few` — unless the primary has none at all and `required=false`, \
        which makes the item `skipped` (\"no replicas attached\") for deployments where \
        replicas are optional; a replica whose state is not `streaming` fails with \
        `pg-replica-not-streaming`; a replay lag above `max_lag` (default 30s) fails with \
        `pg-replica-lagging` (an idle, caught-up replica reports no lag and counts as 0). On a \
        standby it reads `pg_stat_wal_receiver`: not streaming fails, and the time since the \
        last replayed transaction counts as lag when replay is behind what was received. \
        Errors when the server cannot be reached or read within the time bound; an error when \
        no database_url is configured.",
    params: &[
        DSN_PARAM,
        ParamDoc::with_default("min", "Fewest streaming replicas a primary must have.", "1"),
        ParamDoc::with_default("max_lag", "Largest acceptable replay lag.", "30s"),
        ParamDoc::with_default(
            "required",
            "`false`: a primary without any replica is skipped instead of failed.",
            "true",
        ),
    ],
    examples: &[
        "pg.replication",
        "pg.replication min=2 max_lag=5s",
        "pg.replication required=false",
    ],
    claims: CLAIMS,
    phrases: &[
        "Read replicas set up for scaling",
        "Database replication configured",
        "PostgreSQL streaming replication healthy",
    ],
    not_phrases: &[
        "Redis cluster provisioned (AWS ElastiCache/Redis Cloud)",
        "Kubernetes replicas set to 3",
        "Disaster recovery plan documented",
    ],
    findings: &[
        (
            "pg-replication-too-few",
            "The primary has fewer attached replicas than required.",
        ),
        (
            "pg-replica-not-streaming",
            "A replica (or this standby's WAL receiver) is not in the streaming state.",
        ),
        (
            "pg-replica-lagging",
            "A replica's replay lag is above the bound.",
        ),
    ],
};

impl CheckKind for PgReplication {
    fn id(&self) -> &'static str {
        "pg.replication"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        Ok(live::prepared(Prepared {
            dsn: params.str("dsn").map(String::from),
            min: params.value::<u64>("min")? as usize,
            max_lag: params.value::<Duration>("max_lag")?,
            required: params.value::<bool>("required")?,
        }))
    }
}

struct Prepared {
    dsn: Option<String>,
    min: usize,
    max_lag: Duration,
    required: bool,
}

const PRIMARY: &str = "SELECT coalesce(nullif(application_name, ''), client_addr::text, 'local')::text, \
        coalesce(state, 'unknown')::text, coalesce(extract(epoch FROM replay_lag)::float8, 0), \
        coalesce(sync_state, '')::text \
   FROM pg_stat_replication ORDER BY 1 LIMIT $1";
const STANDBY: &str = "SELECT coalesce((SELECT status FROM pg_stat_wal_receiver LIMIT 1), 'not running')::text, \
        CASE WHEN pg_last_wal_receive_lsn() IS NULL OR pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0 \
             ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8, 0) END";

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        let mut pg = super::connect(ctx, self.dsn.as_deref()).await?;
        let standby: bool = pg
            .meta
            .bounded(
                "pg_is_in_recovery()",
                sqlx::query_scalar("SELECT pg_is_in_recovery()").fetch_one(&mut pg.conn),
            )
            .await?;
        let location = pg.meta.location();
        let max_lag = self.max_lag.as_secs_f64();
        if standby {
            let (status, lag): (String, f64) = pg
                .meta
                .bounded(
                    "pg_stat_wal_receiver",
                    sqlx::query_as(STANDBY).fetch_one(&mut pg.conn),
                )
                .await?;
            pg.close().await;
            let mut findings = Vec::new();
            if status != "streaming" {
                findings.push(
                    Finding::fail(
                        "pg-replica-not-streaming",
                        format!("this standby's WAL receiver is {status}"),
                    )
                    .fix("Check primary_conninfo and the primary's pg_hba.conf replication entry"),
                );
            }
            if lag > max_lag {
                findings.push(Finding::fail(
                    "pg-replica-lagging",
                    format!("this standby replays {lag:.1}s behind (bound {max_lag:.0}s)"),
                ));
            }
            return Ok(Outcome::from_findings(
                format!("standby, WAL receiver {status}, lag {lag:.1}s"),
                findings,
            )
            .observed(format!("lag {lag:.1}s"))
            .expected(format!("streaming, lag ≤ {max_lag:.0}s"))
            .at(location));
        }
        let rows: Vec<(String, String, f64, String)> = pg
            .meta
            .bounded(
                "pg_stat_replication",
                sqlx::query_as(PRIMARY)
                    .bind(MAX_ROWS)
                    .fetch_all(&mut pg.conn),
            )
            .await?;
        pg.close().await;
        if rows.is_empty() && !self.required {
            return Ok(
                Outcome::skipped("primary with no replicas attached (required=false)").at(location),
            );
        }
        let mut findings = Vec::new();
        let streaming = rows.iter().filter(|r| r.1 == "streaming").count();
        for (name, state, lag, sync) in &rows {
            if state != "streaming" {
                findings.push(
                    Finding::fail(
                        "pg-replica-not-streaming",
                        format!("replica {name} is {state}, not streaming"),
                    )
                    .fix("Look at the replica's log: it is catching up, or its WAL receiver is failing"),
                );
            } else if *lag > max_lag {
                findings.push(
                    Finding::fail(
                        "pg-replica-lagging",
                        format!("replica {name} ({sync}) replays {lag:.1}s behind (bound {max_lag:.0}s)"),
                    )
                    .fix("Check the replica's IO and network; long queries on it with hot_standby_feedback"),
                );
            }
        }
        if streaming < self.min {
            findings.insert(
                0,
                Finding::fail(
                    "pg-replication-too-few",
                    format!(
                        "{} streaming, {} required",
                        plural(streaming, "replica", "replicas"),
                        self.min
                    ),
                )
                .fix("Attach a streaming replica (pg_basebackup + primary_conninfo, or your provider's read replica)"),
            );
        }
        let worst = rows.iter().map(|r| r.2).fold(0.0_f64, f64::max);
        Ok(Outcome::from_findings(
            format!(
                "primary with {} of {} attached replicas streaming",
                streaming,
                rows.len()
            ),
            findings,
        )
        .observed(format!("{streaming} streaming, worst lag {worst:.1}s"))
        .expected(format!("≥ {} streaming, lag ≤ {max_lag:.0}s", self.min))
        .at(location))
    }
}
