//! `redis.memory`: a memory limit is set and used memory stays below N % of it.

use super::{InfoReading, REDIS_NAMES, URL_PARAM, bytes, info_u64};
use crate::live;
use gonogo_core::recognise::{Claim, Slot, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};

pub struct RedisMemory;

/// What the kind verifies, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[Claim {
    subject: &[
        "memory usage",
        "memory use",
        "used memory",
        "memory used",
        "memory limit*",
        "memory utili*",
    ],
    qualifiers: &[REDIS_NAMES],
    // The host's or a container's memory, leaks and eviction are other questions.
    excludes: &[
        "cpu",
        "leak*",
        "stable",
        "container*",
        "pod*",
        "kubernetes",
        "k8s",
        "host",
        "node*",
        "jvm",
        "heap",
        "eviction",
        "polic*",
        "alert*",
        "dashboard*",
    ],
    slots: &[Slot::optional("max", Value::Percent)],
    weight: 85,
    // Under a Redis heading "Memory usage < 80%" is Redis' own memory, not the host's.
    prefer_over: &["prom.query"],
    ..Claim::EMPTY
}];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Redis),
    targets: super::TARGETS,
    summary: "Redis has a memory limit, and used memory is below N % of it.",
    description: "Connects to Redis (`url=` or the `redis_url` target) and reads `INFO memory`. \
        Fails with `redis-memory-unlimited` when `maxmemory` is 0 (no limit: Redis grows until \
        the host kills it), with `redis-memory-high` when `used_memory` is at or above `max` \
        percent (default 80) of `maxmemory`; warns with `redis-maxmemory-above-system` when \
        the limit exceeds the host's memory (`total_system_memory`). The evidence shows used, \
        limit and share. Errors when Redis cannot be reached or does not answer within the \
        time bound; an error when no redis_url is configured. Items that name Redis only in \
        their heading (\"Redis Cache › Memory limits set appropriately\") are recognised \
        through that context.",
    params: &[
        URL_PARAM,
        ParamDoc::with_default(
            "max",
            "Highest acceptable used share of maxmemory, percent (exclusive).",
            "80",
        ),
    ],
    examples: &["redis.memory", "redis.memory max=75"],
    claims: CLAIMS,
    phrases: &[
        "Redis memory limits set appropriately",
        "Redis memory usage < 75%",
        "Redis used memory below 70% of maxmemory",
    ],
    not_phrases: &[
        "Memory usage < 80%",
        "Memory limits set appropriately",
        "No memory leaks detected",
        "Memory usage stable",
        "Resource limits (CPU/memory) set on all containers",
    ],
    findings: &[
        (
            "redis-memory-unlimited",
            "maxmemory is 0: Redis has no memory limit.",
        ),
        (
            "redis-memory-high",
            "Used memory is at or above the allowed share of maxmemory.",
        ),
        (
            "redis-maxmemory-above-system",
            "maxmemory is larger than the host's memory.",
        ),
    ],
};

impl CheckKind for RedisMemory {
    fn id(&self) -> &'static str {
        "redis.memory"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        Ok(live::prepared(Prepared {
            url: params.str("url").map(String::from),
            max: live::share_bound(params, "max")?,
        }))
    }
}

struct Prepared {
    url: Option<String>,
    max: f64,
}

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        let memory = InfoReading::read(ctx, self.url.as_deref(), "memory").await?;
        let (used, limit) = memory.pair("used_memory", "maxmemory")?;
        let system = info_u64(&memory.info, "total_system_memory").unwrap_or(0);
        let location = memory.location;
        let expected = format!("maxmemory set, used < {}% of it", self.max);
        if limit == 0 {
            return Ok(Outcome::from_findings(
                format!("no memory limit ({} used, maxmemory 0)", bytes(used)),
                vec![Finding::fail("redis-memory-unlimited", "maxmemory is 0: no memory limit")
                    .fix("Set maxmemory below the host's memory (leave room for fork on BGSAVE) and an eviction policy")],
            )
            .observed(format!("{} used, no limit", bytes(used)))
            .expected(expected)
            .at(location));
        }
        let share = live::share(used, limit);
        let observed = format!("{} of {} used ({share:.1}%)", bytes(used), bytes(limit));
        let mut findings: Vec<Finding> = live::share_finding(
            share,
            self.max,
            "redis-memory-high",
            &observed,
            "Raise maxmemory, shorten TTLs, or check what grows (redis-cli --bigkeys)",
        )
        .into_iter()
        .collect();
        if system > 0 && limit > system {
            findings.push(
                Finding::warn(
                    "redis-maxmemory-above-system",
                    format!(
                        "maxmemory {} exceeds the host's {}",
                        bytes(limit),
                        bytes(system)
                    ),
                )
                .fix("Lower maxmemory below the host's memory"),
            );
        }
        Ok(live::judged(observed, expected, findings, location))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_limits_bind_only_in_a_redis_context() {
        let redis = vec![
            "Pre-Deployment Checklist".to_string(),
            "Redis Cache".to_string(),
        ];
        let k8s = vec!["Kubernetes".to_string()];
        let text = "Memory limits set appropriately";
        assert!(crate::util::testing::recognise_in(&RedisMemory, text, &redis).is_some());
        assert!(crate::util::testing::recognise_in(&RedisMemory, text, &k8s).is_none());
    }
}
