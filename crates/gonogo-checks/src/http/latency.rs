//! `http.latency`: a few sequential samples of one endpoint, a percentile under a bound.

use super::{StatusSet, TargetSpec, http_params, location};
use crate::live;
use gonogo_core::recognise::{Claim, Slot, Text, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};
use std::time::Duration;

pub struct HttpLatency;

const MAX_SAMPLES: u64 = 200;

/// Where a latency figure is not one of the idle service: a load run, the browser, the
/// database, or a query over what Prometheus recorded.
const NOT_IDLE_LATENCY: &[&str] = &[
    "frontend",
    "page load",
    "initial load",
    "first contentful",
    "lcp",
    "ttfb",
    "under load",
    "load test*",
    "load run",
    "during the load",
    "sustain*",
    "throughput",
    "req s",
    "rps",
    "prometheus",
    "histogram*",
    "database",
    "query",
    "queries",
    "db",
    "sla",
    "slo",
];

/// What the kind verifies, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[Claim {
    subject: &[
        "response time*",
        "latency",
        "respond*",
        "median",
        "p50",
        "p90",
        "p95",
        "p99",
    ],
    excludes: NOT_IDLE_LATENCY,
    slots: &[
        Slot::required("max", Value::Read(super::bound_in)),
        Slot::optional("percentile", Value::Read(percentile_in)),
        Slot::optional("path", Value::Read(super::url_path_in)),
    ],
    weight: 70,
    // A bound on how fast an endpoint answers is a latency figure, even of a health endpoint.
    prefer_over: &["http.status"],
    ..Claim::EMPTY
}];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Http),
    targets: &["api_url"],
    summary: "The latency percentile of a few sequential requests stays under a bound.",
    description: "Sends `samples` GET requests (default 20, at most 200) one after another to the \
URL (default: the `api_url` target), after one unmeasured warm-up request, and computes the \
nearest-rank `percentile` (default 95) of the full exchange times. Fails when it exceeds `max`, \
or when any sample answers outside `expect` (default 2xx, 3xx) — a fast error is no answer. \
Error when a sample gets no answer within the timeout; an error without a target. This measures \
an idle service; a load test with a target rate belongs to `load.run`, which is why items \
under a load-testing heading or naming a load run bind there.",
    params: http_params![
        ParamDoc::required("max", "Bound of the percentile (`200ms`, `2s`)."),
        ParamDoc::with_default("percentile", "Which percentile is bounded (50–100).", "95"),
        ParamDoc::with_default("samples", "Requests measured (at most 200).", "20"),
        ParamDoc::with_default("expect", "Statuses that count as answers.", "2xx,3xx"),
    ],
    examples: &[
        "http.latency max=200ms",
        "http.latency path=/api/items max=500ms percentile=99 samples=50",
    ],
    claims: CLAIMS,
    phrases: &[
        "Backend API response times < 200ms (p95)",
        "API latency p99 < 500ms",
        "Health endpoint responds in under 100ms",
        "`/search?q=test` median under 150 ms",
    ],
    not_phrases: &[
        "API response times within SLA",
        "Frontend initial load < 3s",
        "Target throughput achieved (>100 req/s)",
        "Error rate < 0.5%",
        "Response time p95 < 2000ms during the load test",
        "p95 latency from Prometheus under 0.5 s",
    ],
    findings: &[
        (
            "http-latency-over-bound",
            "The percentile exceeds the bound.",
        ),
        (
            "http-latency-bad-status",
            "Samples answered with a status outside `expect`.",
        ),
    ],
};

impl CheckKind for HttpLatency {
    fn id(&self) -> &'static str {
        "http.latency"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let target = TargetSpec::from_params(params)?;
        let max = params
            .duration("max")?
            .ok_or_else(|| ParamError::new("max", "is required (a bound like 200ms)"))?;
        let percentile = params.value::<f64>("percentile")?;
        if !(50.0..=100.0).contains(&percentile) {
            return Err(ParamError::new("percentile", "must be between 50 and 100"));
        }
        let samples = params.value::<u64>("samples")?;
        if samples == 0 || samples > MAX_SAMPLES {
            return Err(ParamError::new(
                "samples",
                format!("must be between 1 and {MAX_SAMPLES}"),
            ));
        }
        let expect = StatusSet::parse("expect", params.required("expect")?)?;
        Ok(live::prepared(Prepared {
            target,
            max,
            percentile,
            samples,
            expect,
        }))
    }
}

struct Prepared {
    target: TargetSpec,
    max: Duration,
    percentile: f64,
    samples: u64,
    expect: StatusSet,
}

/// Nearest-rank percentile of sorted samples.
pub fn nearest_rank(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        let (url, client) = self.target.open(ctx)?;
        let shown = super::shown(&url);
        // Warm-up: connection set-up is not the service's latency.
        if let Err(e) = client.send(client.get(url.clone())).await {
            return Ok(Outcome::error(format!("GET {shown}: {e}")).at(location(&url)));
        }
        let mut times = Vec::with_capacity(self.samples as usize);
        let mut bad = Vec::new();
        for n in 1..=self.samples {
            match client.send(client.get(url.clone())).await {
                Ok(r) => {
                    if !self.expect.contains(r.status) {
                        bad.push(r.status);
                    }
                    times.push(r.elapsed);
                }
                Err(e) => {
                    return Ok(
                        Outcome::error(format!("GET {shown}: sample {n}: {e}")).at(location(&url))
                    );
                }
            }
        }
        times.sort();
        let p = nearest_rank(&times, self.percentile);
        let p50 = nearest_rank(&times, 50.0);
        let pname = format!("p{}", self.percentile);
        let mut findings = Vec::new();
        if p > self.max {
            findings.push(
                Finding::fail(
                    "http-latency-over-bound",
                    format!("{pname} {} over the bound {}", ms(p), ms(self.max)),
                )
                .at(location(&url))
                .fix("profile the endpoint, or raise max if the bound is too strict"),
            );
        }
        if !bad.is_empty() {
            findings.push(
                Finding::fail(
                    "http-latency-bad-status",
                    format!(
                        "{} of {} samples answered outside {} (first: {})",
                        bad.len(),
                        self.samples,
                        self.expect.describe(),
                        super::status_text(bad[0])
                    ),
                )
                .at(location(&url)),
            );
        }
        Ok(Outcome::from_findings(
            format!("{shown}: {pname} {} over {} samples", ms(p), self.samples),
            findings,
        )
        .observed(format!(
            "{pname} {}, p50 {}, max {}",
            ms(p),
            ms(p50),
            ms(*times.last().unwrap_or(&Duration::ZERO))
        ))
        .expected(format!("{pname} ≤ {}", ms(self.max)))
        .at(location(&url)))
    }
}

/// The percentile an item bounds: `p95`, `95th percentile`, or the median.
fn percentile_in(text: &Text<'_>) -> Option<String> {
    gonogo_core::recognise::values::percentile(&text.plain).or_else(|| {
        text.plain
            .to_ascii_lowercase()
            .contains("median")
            .then(|| "50".to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles() {
        let v: Vec<Duration> = (1..=20).map(Duration::from_millis).collect();
        assert_eq!(nearest_rank(&v, 95.0), Duration::from_millis(19));
        assert_eq!(nearest_rank(&v, 50.0), Duration::from_millis(10));
        assert_eq!(nearest_rank(&v, 100.0), Duration::from_millis(20));
    }

    #[test]
    fn load_test_sections_belong_to_load_run() {
        let ctx = ["Testing", "Load Testing"];
        let text = "Response time < 2s (p95)";
        // `load.run` takes it there (its own tests say so).
        assert!(crate::util::testing::recognise_in(&HttpLatency, text, &ctx).is_none());
        let r = crate::util::testing::recognise(&HttpLatency, text).unwrap();
        assert_eq!(r.str("max"), Some("2s"));
        let r = crate::util::testing::recognise(
            &HttpLatency,
            "Backend API response times < 200ms (p95)",
        )
        .unwrap();
        assert_eq!(r.str("percentile"), Some("95"));
        assert_eq!(r.str("max"), Some("200ms"));
    }

    #[test]
    fn paths_and_the_median_come_from_the_item() {
        let r =
            crate::util::testing::recognise(&HttpLatency, "`/search?q=test` median under 150 ms")
                .unwrap();
        assert_eq!(r.str("path"), Some("/search?q=test"));
        assert_eq!(r.str("percentile"), Some("50"));
        assert_eq!(r.str("max"), Some("150ms"));
    }
}
