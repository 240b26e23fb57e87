//! `redis.hit-rate`: the keyspace hit ratio is at least N.

use super::{InfoReading, REDIS_NAMES, URL_PARAM};
use crate::live;
use gonogo_core::recognise::{Claim, Slot, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};

pub struct RedisHitRate;

/// What the kind verifies, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[Claim {
    subject: &["hit rate", "hit ratio", "cache hit*", "keyspace hit*"],
    qualifiers: &[REDIS_NAMES],
    // An HTTP cache in front of the service is not Redis.
    excludes: &[
        "cdn",
        "edge",
        "varnish",
        "cloudfront",
        "browser",
        "http cache",
        "static asset*",
        "alert*",
        "dashboard*",
    ],
    slots: &[Slot::optional("min", Value::Percent)],
    weight: 85,
    ..Claim::EMPTY
}];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Redis),
    targets: super::TARGETS,
    summary: "The Redis keyspace hit ratio (hits / lookups since the stats reset) is at least N %.",
    description: "Connects to Redis (`url=` or the `redis_url` target) and reads \
        `keyspace_hits` and `keyspace_misses` from `INFO stats` (counted since the server \
        started or `CONFIG RESETSTAT`). Fails with `redis-hit-rate-low` when hits / (hits + \
        misses) is below `min` percent (default 80). With fewer than `min_lookups` lookups \
        (default 100) the ratio means nothing and the item is `error` (\"too few lookups to \
        judge\"), never a pass. Errors when Redis cannot be reached or does not answer within \
        the time bound; an error when no redis_url is configured.",
    params: &[
        URL_PARAM,
        ParamDoc::with_default("min", "Lowest acceptable hit ratio, percent.", "80"),
        ParamDoc::with_default(
            "min_lookups",
            "Fewest lookups that make the ratio meaningful.",
            "100",
        ),
    ],
    examples: &["redis.hit-rate", "redis.hit-rate min=95 min_lookups=1000"],
    claims: CLAIMS,
    phrases: &[
        "Redis cache hit rate > 90%",
        "Cache hit ratio above 80% (Redis)",
        "Redis hit rate healthy",
    ],
    not_phrases: &[
        "Redis caching implemented for hot paths",
        "CDN cache hit ratio > 90%",
        "Cache headers set on static assets",
    ],
    findings: &[(
        "redis-hit-rate-low",
        "The keyspace hit ratio is below the bound.",
    )],
};

impl CheckKind for RedisHitRate {
    fn id(&self) -> &'static str {
        "redis.hit-rate"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let min = params.value::<f64>("min")?;
        if !(0.0..=100.0).contains(&min) {
            return Err(ParamError::new(
                "min",
                "expected a percentage from 0 to 100",
            ));
        }
        Ok(live::prepared(Prepared {
            url: params.str("url").map(String::from),
            min,
            min_lookups: params.value::<u64>("min_lookups")?,
        }))
    }
}

struct Prepared {
    url: Option<String>,
    min: f64,
    min_lookups: u64,
}

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        let stats = InfoReading::read(ctx, self.url.as_deref(), "stats").await?;
        let (hits, misses) = stats.pair("keyspace_hits", "keyspace_misses")?;
        let location = stats.location;
        let lookups = hits + misses;
        let expected = format!("≥ {}% over ≥ {} lookups", self.min, self.min_lookups);
        if lookups < self.min_lookups {
            return Ok(Outcome::error(format!(
                "too few lookups to judge: {lookups} since the stats reset, {} needed",
                self.min_lookups
            ))
            .observed(format!("{hits} hits, {misses} misses"))
            .expected(expected)
            .at(location));
        }
        let ratio = hits as f64 * 100.0 / lookups as f64;
        let observed = format!("hit ratio {ratio:.1}% ({hits} hits, {misses} misses)");
        let mut findings = Vec::new();
        if ratio < self.min {
            findings.push(
                Finding::fail("redis-hit-rate-low", format!("{observed}, below {}%", self.min))
                    .fix("Check key naming and TTLs, warm the cache, or raise maxmemory if keys are evicted early"),
            );
        }
        Ok(live::judged(observed, expected, findings, location))
    }
}
