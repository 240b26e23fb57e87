//! `prom.query`: a PromQL instant query's value is within a threshold.

use super::{Api, PROM_CONTEXT, URL_PARAM};
use crate::live::mentions;
use crate::pg::re;
use gonogo_core::check::ItemRef;
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck, Recognition,
};
use std::sync::LazyLock;

pub struct Query;

const LISTED: usize = 20;

/// node_exporter's host CPU use in percent over 5 minutes.
const CPU: &str = r#"100 * (1 - avg(rate(node_cpu_seconds_total{mode="idle"}[5m])))"#;
/// node_exporter's host memory use in percent.
const MEMORY: &str =
    "100 * (1 - sum(node_memory_MemAvailable_bytes) / sum(node_memory_MemTotal_bytes))";

static DOC: CheckDoc = CheckDoc {
    summary: "A PromQL instant query evaluates to values within a bound (error rate, p95 latency, CPU, memory).",
    description: "Runs `query=` as an instant query against Prometheus (`url=` or the \
        `prometheus_url` target, `/api/v1/query`) and compares every returned value with \
        `max=` (fails with `prom-query-above-max` when a value is above it) and/or `min=` \
        (`prom-query-below-min` when below); one finding per offending series (first 20), \
        with its labels. A query returning no sample, NaN, a range vector or a string is \
        `error` (\"query returned no samples\": gonogo cannot tell; append `or vector(0)` \
        when absence means zero). Items saying \"CPU usage < 70%\" or \"Memory usage < 80%\" \
        bind node_exporter's host CPU and memory queries with that bound. Errors when \
        Prometheus cannot be reached, rejects the query, or does not answer within 5 s; \
        skipped when no prometheus_url is configured.",
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
    phrases: &[
        "CPU usage < 70%",
        "Memory usage < 80%",
        "Host CPU utilisation below 75%",
    ],
    not_phrases: &[
        "CPU usage within normal range",
        "Memory usage stable",
        "No memory leaks detected",
        "Redis memory usage < 75%",
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

static USAGE: LazyLock<regex::Regex> = LazyLock::new(|| {
    re(
        r"\b(cpu|memory)\s+(usage|utili[sz]ation|use)\s*(<|<=|≤|below|under|less than)\s*(\d+(?:\.\d+)?)\s*%",
    )
});
static NOT: LazyLock<regex::Regex> =
    LazyLock::new(|| re(r"\b(redis|postgres\w*|database|jvm|heap|container|pod)\b"));

impl CheckKind for Query {
    fn id(&self) -> &'static str {
        "prom.query"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn recognise(&self, item: ItemRef<'_>) -> Option<Recognition> {
        if NOT.is_match(item.text) {
            return None;
        }
        let c = USAGE.captures(item.text)?;
        let query = if c[1].eq_ignore_ascii_case("cpu") {
            CPU
        } else {
            MEMORY
        };
        let confidence = if mentions(&item, &PROM_CONTEXT) {
            70
        } else {
            55
        };
        Some(
            Recognition::new(confidence)
                .with("query", query)
                .with("max", &c[4]),
        )
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        params.reject_unknown(&["url", "query", "max", "min"])?;
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
        Ok(Box::new(Prepared {
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
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        let api = match Api::resolve(self.url.as_deref(), ctx) {
            Ok(a) => a,
            Err(o) => return o,
        };
        let data = match api.get("query", &[("query", &self.query)]).await {
            Ok(d) => d,
            Err(o) => return o,
        };
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
                return Outcome::error(format!(
                    "query returned a {} (an instant query must give a vector or a scalar): {}",
                    if other.is_empty() {
                        "result of no known type"
                    } else {
                        other
                    },
                    self.query
                ))
                .at(location);
            }
        };
        if series.is_empty() {
            return Outcome::error(format!(
                "query returned no samples: {} (append `or vector(0)` if absence means zero)",
                self.query
            ))
            .at(location);
        }
        if let Some((name, _)) = series.iter().find(|(_, v)| v.is_none_or(f64::is_nan)) {
            return Outcome::error(format!(
                "query gave NaN or no number for {name}: {}",
                self.query
            ))
            .at(location);
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
        Outcome::from_findings(summary, findings)
            .observed(format!("{} = {observed}", self.query))
            .expected(expected)
            .at(location)
    }
}
