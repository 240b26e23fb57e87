//! `metrics.exposed`: the service's `/metrics` parses as Prometheus text or OpenMetrics.

use crate::live::{self, shown};
use crate::prom::MAX_BODY;
use crate::support::re;
use gonogo_core::recognise::{Claim, Slot, Text, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};
use gonogo_parsers::exposition;
use std::sync::LazyLock;

pub struct MetricsExposed;

/// At most this many bad lines are listed per endpoint; the summary counts them all.
const LISTED: usize = 20;

/// What the kind verifies, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[Claim {
    subject: &[
        "metric endpoint",
        "metrics endpoint",
        "prometheus metric*",
        "exposition",
        "openmetrics",
    ],
    qualifiers: &[&[
        "expos*",
        "instrument*",
        "includ*",
        "served",
        "available",
        "enabled",
        "publish*",
    ]],
    // Dashboards, business metrics, alerts and scraping are other questions.
    excludes: &[
        "grafana",
        "dashboard*",
        "business",
        "custom",
        "alert*",
        "retention",
        "normal",
        "scrap*",
        "target*",
        "cardinality",
        "document*",
    ],
    slots: &[Slot::optional("require", Value::Read(metric_names_in))],
    weight: 80,
    ..Claim::EMPTY
}];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Prometheus),
    targets: &["metrics_url"],
    summary: "The service's /metrics endpoint answers 200 with a valid Prometheus or OpenMetrics exposition.",
    description: "GETs each endpoint (`url=`, or the `metrics_url` target; a comma list checks \
        several services) asking for OpenMetrics or the Prometheus text format, reads at most \
        8 MiB within 5 s, and parses the whole exposition with gonogo's own parser of both \
        formats: metric and label names, quoting and escapes, values and timestamps, `# \
        HELP`/`# TYPE`/`# UNIT` placement, duplicate series, families split across the page, \
        histogram buckets (`le`, `+Inf`, monotonic counts) and OpenMetrics' `# EOF`. Fails \
        with `metrics-invalid-line` at each bad line (URL:line, first 20 listed), \
        `metrics-http-status` for a non-200 answer, `metrics-empty` when there is no sample, \
        `metrics-missing` for each metric named in `require=` that is absent, \
        `metrics-too-large` when the page exceeds the limit. Errors when an endpoint cannot \
        be reached or does not answer in time; an error when no metrics_url is configured.",
    params: &[
        ParamDoc::optional(
            "url",
            "The /metrics URL (comma list for several services); default: the `metrics_url` target.",
        ),
        ParamDoc::optional(
            "require",
            "Comma list of metric names that must be present (family or sample name).",
        ),
    ],
    examples: &[
        "metrics.exposed",
        "metrics.exposed url=http://127.0.0.1:8000/metrics require=http_requests_total,process_cpu_seconds_total",
    ],
    claims: CLAIMS,
    phrases: &[
        "Prometheus metrics exposed",
        "Prometheus metrics instrumented",
        "/metrics endpoint exposed",
        "Service exposes Prometheus metrics",
        "The exposition includes `process_cpu_seconds_total`",
    ],
    not_phrases: &[
        "Custom business metrics defined",
        "Grafana dashboards imported",
        "Monitoring dashboards showing green metrics",
        "User authentication metrics normal",
    ],
    findings: &[
        (
            "metrics-invalid-line",
            "A line of the exposition does not follow the format.",
        ),
        (
            "metrics-http-status",
            "The metrics endpoint did not answer 200.",
        ),
        ("metrics-empty", "The exposition holds no sample."),
        ("metrics-missing", "A metric named in `require=` is absent."),
        (
            "metrics-too-large",
            "The exposition is larger than gonogo reads (8 MiB).",
        ),
    ],
};

impl CheckKind for MetricsExposed {
    fn id(&self) -> &'static str {
        "metrics.exposed"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let require = params.list("require").unwrap_or_default();
        for name in &require {
            let ok = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
            if !ok {
                return Err(ParamError::new(
                    "require",
                    format!("`{name}` is not a metric name"),
                ));
            }
        }
        Ok(live::prepared(Prepared {
            url: params.str("url").map(String::from),
            require,
        }))
    }
}

struct Prepared {
    url: Option<String>,
    require: Vec<String>,
}

const ACCEPT: &str =
    "application/openmetrics-text;version=1.0.0;q=0.9,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/// What one endpoint gave: findings, and counts for the summary.
struct Endpoint {
    shown: String,
    findings: Vec<Finding>,
    families: usize,
    samples: usize,
    format: &'static str,
}

async fn check_one(url: &str, require: &[String]) -> Result<Endpoint, Outcome> {
    let shown = shown(url);
    let f = crate::prom::get(url, ACCEPT, MAX_BODY)
        .await
        .map_err(Outcome::error)?;
    let mut out = Endpoint {
        shown: shown.clone(),
        findings: Vec::new(),
        families: 0,
        samples: 0,
        format: "",
    };
    if f.status != 200 {
        out.findings.push(
            Finding::fail("metrics-http-status", format!("{shown} answered HTTP {}", f.status))
                .at(Location::file(shown.clone()))
                .fix("Expose a Prometheus client's handler at this path (prometheus_client, prometheus-fastapi-instrumentator, …)"),
        );
        return Ok(out);
    }
    if f.truncated {
        out.findings.push(
            Finding::fail(
                "metrics-too-large",
                format!("{shown} sent more than {} MiB", MAX_BODY >> 20),
            )
            .at(Location::file(shown.clone()))
            .fix("Drop high-cardinality labels; a scrape this large slows Prometheus too"),
        );
        return Ok(out);
    }
    let om_hint = f.content_type.starts_with("application/openmetrics-text");
    let body = f.body;
    let parsed = tokio::task::spawn_blocking(move || {
        let text = String::from_utf8_lossy(&body);
        exposition::parse(&text, om_hint)
    })
    .await
    .map_err(|e| Outcome::error(format!("parsing {shown} failed: {e}")))?;
    out.format = if parsed.openmetrics {
        "OpenMetrics"
    } else {
        "Prometheus text"
    };
    out.families = parsed.families.len();
    out.samples = parsed.samples.len();
    let total = parsed.problems.len();
    for p in parsed.problems.iter().take(LISTED) {
        out.findings.push(
            Finding::fail("metrics-invalid-line", p.message.clone())
                .at(Location::at(shown.clone(), p.line))
                .fix(
                    "Use the Prometheus client library's exposition instead of hand-written output",
                ),
        );
    }
    if total > LISTED {
        out.findings.push(
            Finding::fail(
                "metrics-invalid-line",
                format!("… and {} more invalid lines", total - LISTED),
            )
            .at(Location::file(shown.clone())),
        );
    }
    if parsed.samples.is_empty() {
        out.findings.push(
            Finding::fail("metrics-empty", format!("{shown} exposes no sample"))
                .at(Location::file(shown.clone()))
                .fix("Register the default process and runtime collectors and your own metrics"),
        );
    }
    for name in require {
        if !parsed.has(name) {
            out.findings.push(
                Finding::fail(
                    "metrics-missing",
                    format!("{name} is not exposed by {shown}"),
                )
                .at(Location::file(shown.clone()))
                .fix(format!("Instrument the service with {name}")),
            );
        }
    }
    Ok(out)
}

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        let urls = live::resolve(self.url.as_deref(), ctx, "metrics_url")?;
        let urls: Vec<&str> = urls
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .collect();
        let results =
            futures::future::join_all(urls.iter().map(|u| check_one(u, &self.require))).await;
        let mut findings = Vec::new();
        let mut parts = Vec::new();
        for r in results {
            match r {
                Ok(e) => {
                    let bad = e.findings.len();
                    parts.push(if e.format.is_empty() {
                        e.shown.clone()
                    } else if bad == 0 {
                        format!(
                            "{}: {} families, {} samples ({})",
                            e.shown, e.families, e.samples, e.format
                        )
                    } else {
                        format!(
                            "{}: {} families, {} samples ({}), {bad} problems",
                            e.shown, e.families, e.samples, e.format
                        )
                    });
                    findings.extend(e.findings);
                }
                Err(o) => return Ok(o),
            }
        }
        let summary = parts.join("; ");
        let mut o = Outcome::from_findings(summary.clone(), findings).observed(summary);
        if !self.require.is_empty() {
            o = o.expected(format!("valid exposition with {}", self.require.join(", ")));
        } else {
            o = o.expected("valid exposition with at least one sample");
        }
        if urls.len() == 1 {
            o = o.at(Location::file(shown(urls[0])));
        }
        Ok(o)
    }
}

/// Metric names the item asks for, from its code spans: `process_cpu_seconds_total`.
fn metric_names_in(text: &Text<'_>) -> Option<String> {
    static SPAN: LazyLock<regex::Regex> =
        LazyLock::new(|| re(r"`([a-z_:][a-z0-9_:]*_[a-z0-9_:]+)`"));
    let names: Vec<&str> = SPAN
        .captures_iter(text.display)
        .filter_map(|c| c.get(1).map(|m| m.as_str()))
        .collect();
    (!names.is_empty()).then(|| names.join(","))
}
