//! `redis.ping`: Redis accepts a connection with the configured URL and answers PING.

use super::{REDIS_NAMES, URL_PARAM};
use crate::live;
use gonogo_core::recognise::Claim;
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Outcome, ParamError, Params, PreparedCheck,
};
use std::time::Instant;

pub struct RedisPing;

/// What the kind verifies, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[Claim {
    // The item says Redis answers; the Redis it speaks of may be named in its heading.
    subject: &[
        "reachable",
        "connect*",
        "up and",
        "is up",
        "respond*",
        "ping*",
        "available",
        "running",
        "healthy",
        "alive",
        "working",
    ],
    qualifiers: &[REDIS_NAMES],
    // Pools, provisioning, replication and settings are more than one PING shows.
    excludes: &[
        "pool*",
        "provision*",
        "session storage",
        "configured for",
        "failover",
        "sentinel",
        "replica*",
        "tls",
        "password",
        "auth*",
        "persistence",
        "memory",
        "hit",
        "eviction",
        "cluster",
        "monitor*",
        "alert*",
        "backup*",
        "ttl",
        "fill*",
        "down",
    ],
    weight: 80,
    ..Claim::EMPTY
}];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Redis),
    targets: super::TARGETS,
    summary: "Redis accepts a connection with the configured URL and answers PING with PONG.",
    description: "Connects to Redis with the configured URL (`url=` or the `redis_url` target, \
        credentials included) and sends `PING`; the evidence is the round-trip time. Unlike \
        the other Redis kinds, a connection that fails or times out is this item's finding \
        (`redis-unreachable`, a `fail`: the item asks whether the connection works), and so \
        are rejected credentials or any reply other than PONG (`redis-ping-refused`). \
        An error when no redis_url is configured.",
    params: &[URL_PARAM],
    examples: &["redis.ping", "redis.ping url=redis://127.0.0.1:6379/0"],
    claims: CLAIMS,
    phrases: &[
        "Redis connection working",
        "Redis reachable",
        "Redis is up and responding",
    ],
    not_phrases: &[
        "Redis configured for session storage",
        "Redis cluster provisioned (AWS ElastiCache/Redis Cloud)",
        "Database connection pool adequate",
    ],
    findings: &[
        (
            "redis-unreachable",
            "No connection to Redis within the time bound.",
        ),
        (
            "redis-ping-refused",
            "Redis refused PING (credentials rejected, or an error reply).",
        ),
    ],
};

impl CheckKind for RedisPing {
    fn id(&self) -> &'static str {
        "redis.ping"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        Ok(live::prepared(Prepared {
            url: params.str("url").map(String::from),
        }))
    }
}

struct Prepared {
    url: Option<String>,
}

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        let url = super::url(self.url.as_deref(), ctx)?;
        let location = gonogo_core::Location::file(crate::live::shown(&url));
        let started = Instant::now();
        let mut r = match super::connect_to(&url).await {
            Ok(r) => r,
            Err(f) => {
                let (code, fix) = match f {
                    super::Failure::Refused(_) => (
                        "redis-ping-refused",
                        "Check the password or ACL user in the URL",
                    ),
                    super::Failure::Unreachable(_) => (
                        "redis-unreachable",
                        "Check the host, port, network policy and that Redis runs",
                    ),
                };
                return Ok(Outcome::from_findings(
                    "Redis connection not working",
                    vec![Finding::fail(code, f.message().to_string()).fix(fix)],
                )
                .at(location));
            }
        };
        let reply = r.query::<String>(&::redis::cmd("PING"), "PING").await;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        Ok(match reply {
            Ok(pong) if pong.eq_ignore_ascii_case("PONG") => {
                Outcome::pass(format!("PONG in {ms:.1} ms (connect included)"))
                    .observed(format!("PONG in {ms:.1} ms"))
                    .expected("PONG")
                    .at(location)
            }
            Ok(other) => Outcome::from_findings(
                "Redis answered PING with something else",
                vec![Finding::fail(
                    "redis-ping-refused",
                    format!(
                        "PING answered {:?}",
                        other.chars().take(60).collect::<String>()
                    ),
                )],
            )
            .at(location),
            Err(f) => {
                let code = match f {
                    super::Failure::Refused(_) => "redis-ping-refused",
                    super::Failure::Unreachable(_) => "redis-unreachable",
                };
                Outcome::from_findings(
                    "Redis connection not working",
                    vec![Finding::fail(code, f.message().to_string())],
                )
                .at(location)
            }
        })
    }
}
