//! `redis.config`: maxmemory set, eviction policy as expected, AOF and RDB persistence on.

use super::URL_PARAM;
use crate::live;
use gonogo_core::recognise::{Claim, Slot, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};

pub struct RedisConfig;

const ASPECTS: &[&str] = &["maxmemory", "policy", "aof", "rdb"];
const POLICIES: &[&str] = &[
    "noeviction",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
];

const POLICY_NAMES: &[(&str, &str)] = &[
    ("noeviction", "noeviction"),
    ("allkeys lru", "allkeys-lru"),
    ("allkeys lfu", "allkeys-lfu"),
    ("allkeys random", "allkeys-random"),
    ("volatile lru", "volatile-lru"),
    ("volatile lfu", "volatile-lfu"),
    ("volatile random", "volatile-random"),
    ("volatile ttl", "volatile-ttl"),
];
/// Words that place an eviction or snapshot item in Redis, in the item or its headings.
const REDIS_OR_POLICY: &[&str] = &[
    "redis",
    "valkey",
    "elasticache",
    "keydb",
    "cache",
    "noeviction",
    "allkeys lru",
    "allkeys lfu",
    "volatile lru",
    "volatile lfu",
    "volatile ttl",
    "lru",
    "lfu",
];
const NOT_CONFIG: &[&str] = &[
    "alert*",
    "dashboard*",
    "monitor*",
    "document*",
    "tested",
    "restor*",
    "backup*",
];

/// What the kind verifies, aspect by aspect, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[
    Claim {
        subject: &["eviction polic*", "maxmemory polic*", "eviction"],
        qualifiers: &[REDIS_OR_POLICY],
        support: &["configured", "set"],
        excludes: NOT_CONFIG,
        params: &[("require", "policy")],
        slots: &[Slot::optional("policy", Value::Choice(POLICY_NAMES))],
        weight: 85,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["aof", "append only file", "appendonly", "appendfsync"],
        support: &["enabled", "configured", "on"],
        excludes: NOT_CONFIG,
        params: &[("require", "aof")],
        weight: 85,
        ..Claim::EMPTY
    },
    // "Persistence configured" with neither named asks for both.
    Claim {
        subject: &["persistence"],
        qualifiers: &[&["redis", "valkey", "aof", "rdb", "cache"]],
        support: &["configured", "enabled"],
        excludes: NOT_CONFIG,
        params: &[("require", "aof,rdb")],
        weight: 80,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["rdb", "snapshotting", "bgsave", "rdb snapshot*"],
        qualifiers: &[&["redis", "valkey", "persistence", "aof", "cache"]],
        support: &["enabled", "configured"],
        excludes: NOT_CONFIG,
        params: &[("require", "rdb")],
        weight: 85,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["maxmemory", "max memory"],
        support: &["configured", "set"],
        excludes: &[
            "polic*",
            "percent",
            "usage",
            "used",
            "below",
            "under",
            "alert*",
            "dashboard*",
        ],
        params: &[("require", "maxmemory")],
        weight: 85,
        ..Claim::EMPTY
    },
];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Redis),
    targets: super::TARGETS,
    summary: "Redis has maxmemory set, the expected eviction policy, and AOF and RDB persistence on.",
    description: "Connects to Redis (`url=` or the `redis_url` target) and reads `CONFIG GET \
        maxmemory`, `maxmemory-policy`, `appendonly` and `save`, and `INFO persistence`. Each \
        aspect named in `require=` (default all four) is judged: `maxmemory` fails when it is \
        0 (unbounded); `policy` fails when it differs from `policy=`, and without `policy=` \
        warns on `noeviction` (writes fail once memory is full); `aof` fails when appendonly \
        is off or the last AOF write failed; `rdb` fails when no `save` schedule is set or the \
        last background save failed. Errors when CONFIG is refused (managed services often \
        rename it; bind the aspects you can verify some other way), when Redis cannot be \
        reached, or when it does not answer within the time bound; an error when no redis_url \
        is configured.",
    params: &[
        URL_PARAM,
        ParamDoc::with_default(
            "require",
            "Comma list of aspects to judge: maxmemory, policy, aof, rdb.",
            "maxmemory,policy,aof,rdb",
        ),
        ParamDoc::optional(
            "policy",
            "Expected maxmemory-policy (allkeys-lru, volatile-lfu, …).",
        ),
    ],
    examples: &[
        "redis.config",
        "redis.config require=policy policy=allkeys-lru",
        "redis.config require=aof,rdb",
    ],
    claims: CLAIMS,
    phrases: &[
        "Eviction policy configured (allkeys-lru)",
        "Persistence configured (AOF + RDB)",
        "Redis maxmemory configured",
        "Redis AOF enabled",
    ],
    not_phrases: &[
        "Redis configured for session storage",
        "PostgreSQL persistent volumes configured",
        "Redis caching implemented for hot paths",
        "Data retention policy documented",
        "Memory limits set appropriately",
    ],
    findings: &[
        (
            "redis-maxmemory-unset",
            "maxmemory is 0: Redis grows until the host runs out of memory.",
        ),
        (
            "redis-eviction-policy",
            "maxmemory-policy differs from the expected policy.",
        ),
        (
            "redis-noeviction",
            "maxmemory-policy is noeviction: writes fail once memory is full.",
        ),
        ("redis-aof-off", "Append-only file persistence is off."),
        (
            "redis-aof-failing",
            "The last append-only file write failed.",
        ),
        (
            "redis-rdb-off",
            "No RDB snapshot schedule (`save`) is configured.",
        ),
        ("redis-rdb-failing", "The last RDB background save failed."),
    ],
};

impl CheckKind for RedisConfig {
    fn id(&self) -> &'static str {
        "redis.config"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let require = params.value::<Vec<String>>("require")?;
        if require.is_empty() {
            return Err(ParamError::new("require", "expected at least one aspect"));
        }
        for a in &require {
            if !ASPECTS.contains(&a.as_str()) {
                return Err(ParamError::new(
                    "require",
                    format!("unknown aspect `{a}` (known: {})", ASPECTS.join(", ")),
                ));
            }
        }
        let policy = match params.str("policy") {
            Some(p) if POLICIES.contains(&p.to_ascii_lowercase().as_str()) => {
                Some(p.to_ascii_lowercase())
            }
            Some(p) => {
                return Err(ParamError::new(
                    "policy",
                    format!(
                        "unknown eviction policy `{p}` (known: {})",
                        POLICIES.join(", ")
                    ),
                ));
            }
            None => None,
        };
        Ok(live::prepared(Prepared {
            url: params.str("url").map(String::from),
            require,
            policy,
        }))
    }
}

struct Prepared {
    url: Option<String>,
    require: Vec<String>,
    policy: Option<String>,
}

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        let mut r = super::connect(ctx, self.url.as_deref()).await?;
        let config = match r
            .config_get(&["maxmemory", "maxmemory-policy", "appendonly", "save"])
            .await
        {
            Ok(c) => c,
            Err(f) => {
                return Ok(Outcome::error(format!(
                    "{} (CONFIG GET refused or unavailable)",
                    f.message()
                )));
            }
        };
        let persistence = r.info("persistence").await?;
        let location = r.location();
        let get = |k: &str| config.get(k).map(String::as_str);
        let wants = |a: &str| self.require.iter().any(|x| x == a);
        let mut findings = Vec::new();
        let mut observed = Vec::new();
        if wants("maxmemory") {
            let Some(max) = get("maxmemory").and_then(|v| v.parse::<u64>().ok()) else {
                return Ok(Outcome::error("CONFIG GET maxmemory gave no number").at(location));
            };
            observed.push(format!(
                "maxmemory {}",
                if max == 0 {
                    "0 (unbounded)".into()
                } else {
                    super::bytes(max)
                }
            ));
            if max == 0 {
                findings.push(
                    Finding::fail("redis-maxmemory-unset", "maxmemory is 0: memory use is unbounded")
                        .fix("Set maxmemory (e.g. 75% of the host's memory) in redis.conf or the provider's parameter group"),
                );
            }
        }
        if wants("policy") {
            let Some(policy) = get("maxmemory-policy") else {
                return Ok(Outcome::error("CONFIG GET maxmemory-policy gave nothing").at(location));
            };
            observed.push(format!("maxmemory-policy {policy}"));
            match &self.policy {
                Some(expected) if expected != policy => findings.push(
                    Finding::fail(
                        "redis-eviction-policy",
                        format!("maxmemory-policy is {policy}, expected {expected}"),
                    )
                    .fix(format!("Set maxmemory-policy {expected}")),
                ),
                None if policy == "noeviction" => findings.push(
                    Finding::warn("redis-noeviction", "maxmemory-policy is noeviction: writes fail once memory is full")
                        .fix("For a cache use allkeys-lru or allkeys-lfu; keep noeviction only for data that must not be dropped"),
                ),
                _ => {}
            }
        }
        if wants("aof") {
            let on = get("appendonly").is_some_and(|v| v.eq_ignore_ascii_case("yes"));
            observed.push(format!("appendonly {}", if on { "yes" } else { "no" }));
            if !on {
                findings.push(
                    Finding::fail(
                        "redis-aof-off",
                        "append-only file persistence is off (appendonly no)",
                    )
                    .fix("Set appendonly yes (appendfsync everysec)"),
                );
            } else if persistence
                .get("aof_last_write_status")
                .is_some_and(|s| s != "ok")
            {
                findings.push(
                    Finding::fail(
                        "redis-aof-failing",
                        "the last AOF write failed (aof_last_write_status)",
                    )
                    .fix("Check free disk space and the Redis log"),
                );
            }
        }
        if wants("rdb") {
            let save = get("save").unwrap_or("").trim().to_string();
            observed.push(format!("save \"{save}\""));
            if save.is_empty() {
                findings.push(
                    Finding::fail("redis-rdb-off", "no RDB snapshot schedule (save \"\")")
                        .fix("Set save, e.g. `save 3600 1 300 100 60 10000`"),
                );
            } else if persistence
                .get("rdb_last_bgsave_status")
                .is_some_and(|s| s != "ok")
            {
                findings.push(
                    Finding::fail(
                        "redis-rdb-failing",
                        "the last RDB background save failed (rdb_last_bgsave_status)",
                    )
                    .fix("Check free disk space, the dir's permissions and the Redis log"),
                );
            }
        }
        let observed = observed.join(", ");
        let summary = if findings
            .iter()
            .any(|f| f.severity == gonogo_core::Status::Fail)
        {
            format!("Redis configuration not as required: {observed}")
        } else {
            format!("Redis configuration: {observed}")
        };
        let mut expected = Vec::new();
        for a in &self.require {
            expected.push(match a.as_str() {
                "maxmemory" => "maxmemory > 0".to_string(),
                "policy" => match &self.policy {
                    Some(p) => format!("maxmemory-policy {p}"),
                    None => "an eviction policy".to_string(),
                },
                "aof" => "appendonly yes".to_string(),
                _ => "an RDB save schedule".to_string(),
            });
        }
        Ok(Outcome::from_findings(summary, findings)
            .observed(observed)
            .expected(expected.join(", "))
            .at(location))
    }
}
