//! `prom.query`: a PromQL instant query's value is within a threshold.

use super::{Api, URL_PARAM};
use crate::live;
use crate::support::re;
use gonogo_core::recognise::{Claim, Slot, Text, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};
use std::sync::LazyLock;

pub struct PromQuery;

const LISTED: usize = 20;

/// node_exporter's host CPU use in percent over 5 minutes.
const CPU: &str = r#"100 * (1 - avg(rate(node_cpu_seconds_total{mode="idle"}[5m])))"#;
/// node_exporter's host memory use in percent.
const MEMORY: &str =
    "100 * (1 - sum(node_memory_MemAvailable_bytes) / sum(node_memory_MemTotal_bytes))";

/// The labels services put the HTTP status in: `code` (the Prometheus client libraries),
/// `status` and `status_code` (many web frameworks' exporters). A query that named only one
/// would see no 5xx at all on a service using another, and pass whatever it served.
const STATUS_LABELS: [&str; 3] = ["code", "status", "status_code"];

/// Share of HTTP requests answered with a 5xx over `window`, from `http_requests_total`. No
/// 5xx series at all is a share of 0; no traffic at all stays "no samples" (gonogo cannot
/// tell).
pub fn error_ratio(window: &str) -> String {
    let five_xx = STATUS_LABELS
        .iter()
        .map(|label| format!(r#"rate(http_requests_total{{{label}=~"5.."}}[{window}])"#))
        .collect::<Vec<_>>()
        .join(" or ");
    format!("(sum({five_xx}) or vector(0)) / sum(rate(http_requests_total[{window}]))")
}

/// Share of HTTP requests answered without a 5xx over `window`.
pub fn success_ratio(window: &str) -> String {
    format!("1 - {}", error_ratio(window))
}

/// A percentage as a fraction, without float noise: 99.9 → "0.999".
fn fraction(percent: f64) -> String {
    let s = format!("{:.6}", percent / 100.0);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Critical alerts firing now (0 when none: `ALERTS` has no series then).
const CRITICAL_ALERTS: &str =
    r#"count(ALERTS{alertstate="firing",severity="critical"}) or vector(0)"#;

/// Other systems' CPU and memory, and resource settings rather than use.
const NOT_HOST: &[&str] = &[
    "redis",
    "postgres*",
    "database",
    "db",
    "jvm",
    "heap",
    "container*",
    "pod*",
    "limit*",
    "request*",
    "throttl*",
    "leak*",
    "stable",
    "normal range",
    "node pool",
    "quota*",
];
/// Where an error rate is read from production traffic, in the item or its headings.
const IN_PRODUCTION: &[&str] = &[
    "prometheus",
    "hypercare",
    "monitor*",
    "5xx",
    "http",
    "post deploy*",
    "post launch",
    "after launch",
    "after deploy*",
    "signal*",
    "observ*",
];
/// Figures of a load run, a browser or a contract rather than of production traffic.
const NOT_PRODUCTION: &[&str] = &[
    "load test*",
    "load run",
    "during the load",
    "under load",
    "stress",
    "k6",
    "sla",
    "slo",
    "budget",
    "defined",
    "document*",
    "agreed",
    "contract*",
    "status page",
    "frontend",
    // A window longer than a query's rate range ("in the canary for 24 hours").
    "hour*",
    "day*",
    "week*",
];

/// "Monitoring enabled" under the heading of a server: its exporter's target is up.
macro_rules! exporter_claim {
    ($server:expr, $query:literal) => {
        Claim {
            subject: &[
                "monitoring enabled",
                "monitoring configured",
                "monitoring set up",
                "monitoring in place",
                "metrics exported",
                "exporter*",
            ],
            qualifiers: &[$server],
            excludes: &["dashboard*", "alert*", "document*", "log*"],
            params: &[("query", $query), ("min", "1")],
            weight: 75,
            ..Claim::EMPTY
        }
    };
}

/// What the kind verifies, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[
    Claim {
        subject: &["cpu usage", "cpu utili*", "cpu use", "cpu load"],
        excludes: NOT_HOST,
        params: &[("query", CPU)],
        slots: &[Slot::required("max", Value::Read(percent_below_in))],
        weight: 75,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["memory usage", "memory utili*", "memory use", "memory used"],
        excludes: NOT_HOST,
        params: &[("query", MEMORY)],
        slots: &[Slot::required("max", Value::Read(percent_below_in))],
        weight: 75,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["success rate*", "success ratio"],
        excludes: NOT_PRODUCTION,
        slots: &[
            Slot::required("min", Value::Read(share_above_in)),
            Slot::required("query", Value::Read(|_| Some(success_ratio("5m")))),
        ],
        weight: 75,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["availability", "uptime"],
        excludes: &[
            "high availability",
            "multi az",
            "zone*",
            "region*",
            "ha",
            "load test*",
            "sla",
            "slo",
            "budget",
            "defined",
            "document*",
            "agreed",
            "contract*",
            "status page",
        ],
        slots: &[
            Slot::required("min", Value::Read(share_above_in)),
            Slot::required("query", Value::Read(|_| Some(success_ratio("1h")))),
        ],
        weight: 75,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "error rate*",
            "error ratio",
            "5xx share",
            "5xx rate",
            "share of 5xx",
            "5xx",
        ],
        qualifiers: &[IN_PRODUCTION],
        excludes: NOT_PRODUCTION,
        slots: &[
            Slot::required("max", Value::Read(share_below_in)),
            Slot::required("query", Value::Read(|_| Some(error_ratio("5m")))),
        ],
        weight: 75,
        ..Claim::EMPTY
    },
    // "Monitor error rates": the conventional 1 % bound.
    Claim {
        subject: &[
            "monitor error rate*",
            "watch error rate*",
            "check error rate*",
            "monitor the error rate*",
        ],
        excludes: &["dashboard*", "alert*", "load test*"],
        params: &[("max", "0.01")],
        slots: &[Slot::required(
            "query",
            Value::Read(|_| Some(error_ratio("5m"))),
        )],
        weight: 75,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["critical alert*"],
        excludes: &[
            "rule*",
            "defined",
            "configured",
            "rout*",
            "runbook*",
            "page*",
            "pagerduty",
            "document*",
            "tested",
        ],
        params: &[("query", CRITICAL_ALERTS), ("max", "0")],
        weight: 75,
        ..Claim::EMPTY
    },
    // "p95 latency from Prometheus under 0.5 s (`histogram_quantile`)".
    Claim {
        subject: &["latency", "response time*", "p50", "p90", "p95", "p99"],
        qualifiers: &[&["prometheus", "histogram*"]],
        excludes: &["load test*", "under load", "frontend"],
        slots: &[
            Slot::required("max", Value::Read(seconds_in)),
            Slot::required("query", Value::Read(latency_quantile_in)),
        ],
        weight: 80,
        prefer_over: &["http.latency"],
        ..Claim::EMPTY
    },
    exporter_claim!(
        &["postgres*", "postgresql"],
        r#"count(up{job=~".*postgres.*"} == 1) or vector(0)"#
    ),
    exporter_claim!(
        &["redis"],
        r#"count(up{job=~".*redis.*"} == 1) or vector(0)"#
    ),
    exporter_claim!(
        &["mysql", "mariadb"],
        r#"count(up{job=~".*mysql.*"} == 1) or vector(0)"#
    ),
    exporter_claim!(
        &["mongodb"],
        r#"count(up{job=~".*mongodb.*"} == 1) or vector(0)"#
    ),
    exporter_claim!(
        &["rabbitmq"],
        r#"count(up{job=~".*rabbitmq.*"} == 1) or vector(0)"#
    ),
    exporter_claim!(
        &["kafka"],
        r#"count(up{job=~".*kafka.*"} == 1) or vector(0)"#
    ),
];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Prometheus),
    targets: super::TARGETS,
    summary: "A PromQL instant query evaluates to values within a bound (error rate, p95 latency, CPU, memory).",
    description: "Runs `query=` as an instant query against Prometheus (`url=` or the \
        `prometheus_url` target, `/api/v1/query`) and compares every returned value with \
        `max=` (fails with `prom-query-above-max` when a value is above it) and/or `min=` \
        (`prom-query-below-min` when below); one finding per offending series (first 20), \
        with its labels. A query returning no sample, NaN, a range vector or a string is \
        `error` (\"query returned no samples\": gonogo cannot tell; append `or vector(0)` \
        when absence means zero). Items saying \"CPU usage < 70%\" or \"Memory usage < 80%\" \
        bind node_exporter's host CPU and memory queries with that bound. Items about \
        outcomes the service's own metrics show bind the conventional queries, each shown in \
        the evidence and overridable in `gonogo.toml`: \"API endpoint success rates >99%\" \
        and \"Availability > 99.9%\" the share of `http_requests_total` without a 5xx status \
        (label `code`, `status` or `status_code`; over 5 minutes, over an hour for \
        availability) with `min=` the stated share; \
        \"Monitor error rates\" the share with a 5xx (`max=0.01`, the error bound `gonogo \
        load` applies by default); \"Verify no critical alerts\" the count of firing \
        `ALERTS` with `severity=\"critical\"` (`max=0`); \"Monitoring enabled\" under a \
        PostgreSQL or Redis heading, that Prometheus scrapes an up target of a job named \
        after it (`min=1`). Errors when \
        Prometheus cannot be reached, rejects the query, or does not answer within 5 s; \
        an error when no prometheus_url is configured.",
    params: &[
        URL_PARAM,
        ParamDoc::required(
            "query",
            "The PromQL expression, e.g. `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))`.",
        ),
        ParamDoc::optional("max", "Highest acceptable value (inclusive)."),
        ParamDoc::optional("min", "Lowest acceptable value (inclusive)."),
    ],
    examples: &[
        "prom.query query=up min=1",
        "prom.query query=\"sum(rate(http_requests_total{code=~'5..'}[5m])) / sum(rate(http_requests_total[5m]))\" max=0.005",
        "prom.query query=\"histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))\" max=2",
    ],
    claims: CLAIMS,
    phrases: &[
        "CPU usage < 70%",
        "Memory usage < 80%",
        "Host CPU utilisation below 75%",
        "API endpoint success rates >99%",
        "Availability > 99.9%",
        "Monitor error rates",
        "Verify no critical alerts",
        "No critical alerts firing",
        "5xx error rate < 0.5%",
        "p95 latency from Prometheus under 0.5 s (`histogram_quantile`)",
    ],
    not_phrases: &[
        "CPU usage within normal range",
        "Memory usage stable",
        "No memory leaks detected",
        "Redis memory usage < 75%",
        "Error rate < 0.5%",
        "Alert rules configured",
        "Monitoring dashboards showing green metrics",
        "Monitoring enabled",
    ],
    findings: &[
        (
            "prom-query-above-max",
            "A value of the query is above `max`.",
        ),
        (
            "prom-query-below-min",
            "A value of the query is below `min`.",
        ),
    ],
};

impl CheckKind for PromQuery {
    fn id(&self) -> &'static str {
        "prom.query"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let query = params.required("query")?.trim().to_string();
        if query.is_empty() {
            return Err(ParamError::new("query", "is empty"));
        }
        let max = params.f64("max")?;
        let min = params.f64("min")?;
        if max.is_none() && min.is_none() {
            return Err(ParamError::new(
                "max",
                "give `max=`, `min=` or both: a query without a bound cannot fail",
            ));
        }
        if let (Some(lo), Some(hi)) = (min, max)
            && lo > hi
        {
            return Err(ParamError::new("min", format!("{lo} is above max {hi}")));
        }
        Ok(live::prepared(Prepared {
            url: params.str("url").map(String::from),
            query,
            max,
            min,
        }))
    }
}

struct Prepared {
    url: Option<String>,
    query: String,
    max: Option<f64>,
    min: Option<f64>,
}

fn labels(metric: Option<&serde_json::Value>) -> String {
    let Some(obj) = metric.and_then(|m| m.as_object()) else {
        return "{}".into();
    };
    let inner: Vec<String> = obj
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", v.as_str().unwrap_or("")))
        .collect();
    format!("{{{}}}", inner.join(", "))
}

fn value_of(pair: Option<&serde_json::Value>) -> Option<f64> {
    let s = pair?.as_array()?.get(1)?.as_str()?;
    match s {
        "+Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => s.parse().ok(),
    }
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}").trim_end_matches('0').to_string()
    }
}

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        let api = Api::resolve(self.url.as_deref(), ctx)?;
        let data = api.get("query", &[("query", &self.query)]).await?;
        let location = api.location();
        let series: Vec<(String, Option<f64>)> = match super::str_of(&data, "resultType") {
            "vector" => data
                .get("result")
                .and_then(|r| r.as_array())
                .map(|rs| {
                    rs.iter()
                        .map(|s| (labels(s.get("metric")), value_of(s.get("value"))))
                        .collect()
                })
                .unwrap_or_default(),
            "scalar" => vec![("scalar".into(), value_of(data.get("result")))],
            other => {
                return Ok(Outcome::error(format!(
                    "query returned a {} (an instant query must give a vector or a scalar): {}",
                    if other.is_empty() {
                        "result of no known type"
                    } else {
                        other
                    },
                    self.query
                ))
                .at(location));
            }
        };
        if series.is_empty() {
            return Ok(Outcome::error(format!(
                "query returned no samples: {} (append `or vector(0)` if absence means zero)",
                self.query
            ))
            .at(location));
        }
        if let Some((name, _)) = series.iter().find(|(_, v)| v.is_none_or(f64::is_nan)) {
            return Ok(Outcome::error(format!(
                "query gave NaN or no number for {name}: {}",
                self.query
            ))
            .at(location));
        }
        let values: Vec<(String, f64)> = series
            .into_iter()
            .map(|(n, v)| (n, v.unwrap_or(f64::NAN)))
            .collect();
        let mut findings = Vec::new();
        for (name, v) in &values {
            if let Some(max) = self.max
                && *v > max
            {
                findings.push(Finding::fail(
                    "prom-query-above-max",
                    format!("{name} = {} > max {}", number(*v), number(max)),
                ));
            } else if let Some(min) = self.min
                && *v < min
            {
                findings.push(Finding::fail(
                    "prom-query-below-min",
                    format!("{name} = {} < min {}", number(*v), number(min)),
                ));
            }
        }
        let total_bad = findings.len();
        findings.truncate(LISTED);
        let observed = if values.len() == 1 {
            number(values[0].1)
        } else {
            let lo = values.iter().map(|v| v.1).fold(f64::INFINITY, f64::min);
            let hi = values.iter().map(|v| v.1).fold(f64::NEG_INFINITY, f64::max);
            format!(
                "{} series, from {} to {}",
                values.len(),
                number(lo),
                number(hi)
            )
        };
        let expected = match (self.min, self.max) {
            (Some(lo), Some(hi)) => format!("{} ≤ value ≤ {}", number(lo), number(hi)),
            (Some(lo), None) => format!("≥ {}", number(lo)),
            (None, Some(hi)) => format!("≤ {}", number(hi)),
            (None, None) => String::new(),
        };
        let summary = if total_bad == 0 {
            format!("{observed} ({expected})")
        } else {
            format!(
                "{total_bad} of {} series out of bounds ({expected}): {observed}",
                values.len()
            )
        };
        Ok(Outcome::from_findings(summary, findings)
            .observed(format!("{} = {observed}", self.query))
            .expected(expected)
            .at(location))
    }
}

/// The percentage an item puts an upper bound on: "< 70%", "below 85 %".
fn percent_below_in(text: &Text<'_>) -> Option<String> {
    static BELOW: LazyLock<regex::Regex> = LazyLock::new(|| {
        re(
            r"(?:<=?|≤|\bunder\b|\bbelow\b|\bless than\b|\bat most\b)\s*(\d+(?:\.\d+)?)\s*(?:%|percent\b)",
        )
    });
    BELOW.captures(&text.plain).map(|c| c[1].to_string())
}

/// The percentage an item puts a lower bound on: "> 99%", "at least 99.9 %".
fn percent_above_in(text: &Text<'_>) -> Option<String> {
    static ABOVE: LazyLock<regex::Regex> = LazyLock::new(|| {
        re(r"(?:>=?|≥|\babove\b|\bover\b|\bat least\b)\s*(\d+(?:\.\d+)?)\s*(?:%|percent\b)")
    });
    ABOVE.captures(&text.plain).map(|c| c[1].to_string())
}

/// An upper bound on a share, as a fraction: "< 0.5%" → `0.005`.
fn share_below_in(text: &Text<'_>) -> Option<String> {
    Some(fraction(percent_below_in(text)?.parse().ok()?))
}

/// A lower bound on a share, as a fraction: "> 99.95%" → `0.9995`.
fn share_above_in(text: &Text<'_>) -> Option<String> {
    Some(fraction(percent_above_in(text)?.parse().ok()?))
}

/// A latency bound in seconds, the unit of Prometheus histograms: "under 0.5 s", "< 300ms".
fn seconds_in(text: &Text<'_>) -> Option<String> {
    let bound = gonogo_core::recognise::values::duration(&text.plain)?;
    let seconds = gonogo_parsers::parse_duration(&bound).ok()?.as_secs_f64();
    Some(number(seconds))
}

/// The conventional request-duration histogram at the item's percentile (p95 without one).
fn latency_quantile_in(text: &Text<'_>) -> Option<String> {
    let percentile: f64 = gonogo_core::recognise::values::percentile(&text.plain)
        .and_then(|p| p.parse().ok())
        .unwrap_or(95.0);
    Some(format!(
        "histogram_quantile({}, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
        number(percentile / 100.0)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bound(text: &str, context: &[&str]) -> Option<Vec<(String, String)>> {
        let context: Vec<String> = context.iter().map(|s| s.to_string()).collect();
        crate::util::testing::recognise_in(&PromQuery, text, &context).map(|r| {
            r.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
    }

    fn query_of(p: &[(String, String)]) -> &str {
        &p.iter().find(|(k, _)| k == "query").expect("a query").1
    }

    #[test]
    fn outcome_items_bind_conventional_queries_with_their_bounds() {
        let p = bound("API endpoint success rates >99%", &[]).unwrap();
        assert!(p.contains(&("min".into(), "0.99".into())), "{p:?}");
        assert!(
            query_of(&p).contains(r#"{code=~"5.."}"#)
                && query_of(&p).contains(r#"{status=~"5.."}"#)
                && query_of(&p).contains(r#"{status_code=~"5.."}"#)
                && query_of(&p).contains("[5m]"),
            "{p:?}"
        );
        let p = bound("Availability > 99.9%", &["Performance Metrics"]).unwrap();
        assert!(p.contains(&("min".into(), "0.999".into())), "{p:?}");
        assert!(query_of(&p).contains("[1h]"), "{p:?}");
        let p = bound("Monitor error rates", &["Phase 5: Post-Deployment"]).unwrap();
        assert!(p.contains(&("max".into(), "0.01".into())), "{p:?}");
        let p = bound("Verify no critical alerts", &[]).unwrap();
        assert_eq!(query_of(&p), CRITICAL_ALERTS);
        assert!(p.contains(&("max".into(), "0".into())), "{p:?}");
    }

    #[test]
    fn monitoring_enabled_binds_the_exporter_of_the_server_it_sits_under() {
        let p = bound(
            "Monitoring enabled",
            &[
                "Environment Setup",
                "PostgreSQL Database (if not using Supabase)",
            ],
        )
        .unwrap();
        assert!(query_of(&p).contains(r#"job=~".*postgres.*""#), "{p:?}");
        assert!(p.contains(&("min".into(), "1".into())));
        let p = bound("Monitoring enabled", &["Environment Setup", "Redis Cache"]).unwrap();
        assert!(query_of(&p).contains(r#"job=~".*redis.*""#), "{p:?}");
        // Under a heading that names no server there is nothing definite to ask for.
        assert!(bound("Monitoring enabled", &["Frontend"]).is_none());
        assert!(bound("Error rate < 0.5%", &[]).is_none());
    }

    #[test]
    fn fractions_carry_no_float_noise() {
        assert_eq!(fraction(99.9), "0.999");
        assert_eq!(fraction(99.0), "0.99");
        assert_eq!(fraction(100.0), "1");
    }
}
