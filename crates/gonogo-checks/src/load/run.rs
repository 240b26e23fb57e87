//! `load.run`: a short load test against the API with gonogo's own engine, judged by the
//! thresholds the item states (p95, p50, throughput, error rate).

use gonogo_core::recognise::{Claim, Slot, Text, Value};
use gonogo_core::redact::redact_url;
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};
use gonogo_load::{LoadConfig, LoadReport, Model, Scenario, StatusSet, Stop, Threshold};
use regex::Regex;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

pub struct LoadRun;

/// The longest load a check may run (the command line allows longer runs).
const MAX_CHECK_DURATION: Duration = Duration::from_secs(600);

/// Words that place a figure in a load run, in the item or its headings.
const UNDER_LOAD: &[&str] = &[
    "load test*",
    "load run",
    "under load",
    "during load",
    "during the load",
    "stress test*",
    "performance test*",
    "k6",
    "locust",
    "jmeter",
    "gatling",
    "sustain*",
    "soak",
];
/// A latency figure measured some other way: in the browser, from Prometheus, in the database.
const NOT_LOAD_LATENCY: &[&str] = &[
    "frontend",
    "page load",
    "initial load",
    "prometheus",
    "histogram*",
    "database",
    "query",
    "queries",
    "db",
    "sla",
    "slo",
];

/// One claim per percentile bound the kind takes (`p50` … `p99`).
macro_rules! percentile_claim {
    ($param:literal, $terms:expr) => {
        Claim {
            subject: &[
                "response time*",
                "latency",
                "p50",
                "p90",
                "p95",
                "p99",
                "median",
            ],
            qualifiers: &[$terms, UNDER_LOAD],
            excludes: NOT_LOAD_LATENCY,
            slots: &[
                Slot::required($param, Value::Read(bound_ms_in)),
                Slot::optional("rate", Value::Read(offered_rate_in)),
                Slot::optional("duration", Value::Read(run_length_in)),
            ],
            weight: 80,
            // A percentile under load is a figure of a load run, not of twenty sequential
            // probes of an idle service.
            prefer_over: &["http.latency"],
            ..Claim::EMPTY
        }
    };
}

/// What the kind verifies, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[
    percentile_claim!("p50", &["p50", "50th percentile", "median"]),
    percentile_claim!("p90", &["p90", "90th percentile"]),
    percentile_claim!("p95", &["p95", "95th percentile"]),
    percentile_claim!("p99", &["p99", "99th percentile"]),
    Claim {
        subject: &["throughput", "requests per second", "req s", "rps"],
        excludes: &[
            "forecast",
            "peak traffic",
            "capacity model",
            "database",
            "db",
            "queu*",
        ],
        slots: &[Slot::required("min_rps", Value::Read(min_rps_in))],
        weight: 80,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["error rate*", "error ratio", "errors"],
        qualifiers: &[UNDER_LOAD],
        slots: &[Slot::required(
            "max_error_rate",
            Value::Read(max_error_rate_in),
        )],
        weight: 80,
        ..Claim::EMPTY
    },
    // The item itself says the run happened: a heading's "running" is not a load run.
    Claim {
        subject: &[
            "load test* run",
            "load test* ran",
            "load test* execut*",
            "load test* perform*",
            "load test* pass*",
            "load test* complet*",
            "load test* done",
            "load test* succeed*",
            "load test* green",
            "run load test*",
            "ran load test*",
            "execut* load test*",
            "perform* load test*",
            "k6 test* pass*",
            "k6 run",
            "stress test* pass*",
            "stress test* complet*",
            "performance test* pass*",
            "performance test* complet*",
        ],
        // A plan, a scenario review or a soak are more than one short run shows.
        excludes: &[
            "scenario*",
            "review*",
            "realistic",
            "soak",
            "plan*",
            "document*",
            "result*",
            "capacity",
            "report*",
            "schedul*",
            "baseline",
            "hour*",
        ],
        weight: 75,
        ..Claim::EMPTY
    },
];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Http),
    targets: &["api_url"],
    summary: "A load test against the API meets the stated latency, throughput and error-rate thresholds.",
    description: "Runs gonogo's load engine against `url` (else the `api_url` target): by default \
10 connections in a closed loop for 10 s after a 1 s warm-up, or a constant arrival rate with \
`rate=`. Latency thresholds (`p50`, `p90`, `p95`, `p99`, `max`) are upper bounds; with `rate=` \
they read the latency corrected for coordinated omission (measured from each request's \
scheduled time). `min_rps` is a lower bound on achieved throughput, and fails too when an \
open-model run falls short of its requested rate. `max_error_rate` is an upper bound in \
percent; without it a run with more than 1 % errors fails. Responses outside `expect` \
(default 2xx and 3xx) are errors. Fails when a threshold is not met or no request could be \
measured; errors when the target cannot be reached at all (every request a connection error) \
or the run cannot start; an error when no URL is configured. Items with the same load settings \
share one run. The load is bounded: at most 10 minutes, and the engine's hard caps on rate \
and connections apply; the target must be named explicitly. Requests are GETs and do not \
change the target.",
    params: &[
        ParamDoc::optional("url", "The URL to load [default: the `api_url` target]."),
        ParamDoc::with_default("duration", "How long to measure (at most 10m).", "10s"),
        ParamDoc::with_default("warmup", "Excluded from the figures.", "1s"),
        ParamDoc::with_default(
            "connections",
            "Closed model: connections kept busy; with `rate`: connections to start with.",
            "10",
        ),
        ParamDoc::optional(
            "rate",
            "Open model: a constant arrival rate in requests per second.",
        ),
        ParamDoc::with_default(
            "max_connections",
            "With `rate`: the most connections opened to keep the schedule.",
            "1000",
        ),
        ParamDoc::optional("p50", "Upper bound on the median latency (`500ms`, `2s`)."),
        ParamDoc::optional("p90", "Upper bound on the 90th percentile latency."),
        ParamDoc::optional("p95", "Upper bound on the 95th percentile latency."),
        ParamDoc::optional("p99", "Upper bound on the 99th percentile latency."),
        ParamDoc::optional("max", "Upper bound on the slowest response."),
        ParamDoc::optional("min_rps", "Lower bound on achieved requests per second."),
        ParamDoc::optional(
            "max_error_rate",
            "Upper bound on errors, in percent [default rule: above 1 % fails].",
        ),
        ParamDoc::with_default("expect", "Statuses that count as success.", "2xx,3xx"),
    ],
    examples: &[
        "load.run p95=2s min_rps=100",
        "load.run url=http://127.0.0.1:8080/health duration=30s rate=200 p99=500ms max_error_rate=0.5",
    ],
    claims: CLAIMS,
    phrases: &[
        "K6 load tests executed",
        "Target throughput achieved (>100 req/s)",
        "Response time < 2s (p95) under load",
        "Response time p50 < 500ms in the load test",
        "Response time p99 < 5000ms during the load test",
        "Sustains 300 req/s for 5 minutes at p99 < 800ms",
        "Error rate under 0.5% during the load run",
        "Load tests run",
    ],
    not_phrases: &[
        "Error rate > 5%",
        "Response time p95 > 5s",
        "Monitor error rates",
        "Load balancer configured",
        "Frontend initial load < 3s",
        "No memory leaks detected",
        "API response times within SLA",
        "Database queries optimized",
        "Response time monitoring set up",
        "Backend API response times < 200ms (p95)",
        "Load test scenarios reviewed by product (realistic query mix)",
    ],
    findings: &[
        (
            "load-latency-above-threshold",
            "A latency percentile under load is above the item's bound.",
        ),
        (
            "load-throughput-below-threshold",
            "The achieved requests per second are below the item's bound (or short of the requested rate).",
        ),
        (
            "load-error-rate-above-threshold",
            "The share of failed requests is above the item's bound.",
        ),
        (
            "load-error-rate-above-default",
            "More than 1 % of requests failed and the item sets no error-rate bound.",
        ),
        (
            "load-no-requests-measured",
            "No request completed within the run (all still in flight at the end).",
        ),
        (
            "load-rate-shortfall",
            "An open-model run achieved less than 95 % of its requested rate (the figures describe a lighter load).",
        ),
        (
            "load-requests-unfinished",
            "Requests were still in flight when the drain window closed.",
        ),
    ],
};

static NUMBER_UNIT: &str = r"(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|sec|secs|seconds?)\b";

static THROUGHPUT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:\bthroughput\b.*?(?:>=?|\bover\b|\babove\b|\bat least\b)\s*(\d+(?:\.\d+)?)\s*(?:req(?:uests)?\s*/\s*s(?:ec)?|rps|requests per second)|(?:>=?|\bover\b|\babove\b|\bat least\b)\s*(\d+(?:\.\d+)?)\s*(?:req(?:uests)?\s*/\s*s(?:ec)?|rps|requests per second))",
    )
    .expect("static regex")
});
static ERROR_RATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\berror[ -]rates?\b\s*(?:<=?|\bunder\b|\bbelow\b|\bless than\b)\s*(\d+(?:\.\d+)?)\s*%")
        .expect("static regex")
});

fn to_ms(n: &str, unit: &str) -> Option<String> {
    let v: f64 = n.parse().ok()?;
    let ms = if unit.to_ascii_lowercase().starts_with('m') {
        v
    } else {
        v * 1000.0
    };
    Some(format!("{ms}ms"))
}

impl CheckKind for LoadRun {
    fn id(&self) -> &'static str {
        "load.run"
    }

    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }

    /// A load test: run after every other check, so their error rates never include it.
    fn generates_load(&self) -> bool {
        true
    }

    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let url = params.str("url").map(str::to_string);
        if let Some(u) = &url {
            Scenario::single(u).map_err(|e| ParamError::new("url", e.to_string()))?;
        }
        let duration = params.value::<Duration>("duration")?;
        if duration.is_zero() || duration > MAX_CHECK_DURATION {
            return Err(ParamError::new(
                "duration",
                "must be above 0 and at most 10m",
            ));
        }
        let warmup = params.value::<Duration>("warmup")?;
        if warmup > Duration::from_secs(60) {
            return Err(ParamError::new("warmup", "must be at most 60s"));
        }
        let connections = params.value::<u64>("connections")? as usize;
        let rate = params.f64("rate")?;
        let max_connections = params.value::<u64>("max_connections")? as usize;
        let model = match rate {
            Some(rate) => Model::Open {
                rate,
                connections,
                max_connections: max_connections.max(connections),
            },
            None => Model::Closed { connections },
        };
        let mut thresholds = Vec::new();
        for key in ["p50", "p90", "p95", "p99", "max"] {
            if let Some(d) = params.duration(key)? {
                let t = Threshold::parse(&format!("{key}<={}ms", d.as_secs_f64() * 1000.0))
                    .map_err(|e| ParamError::new(key, e))?;
                thresholds.push(t);
            }
        }
        if let Some(rps) = params.f64("min_rps")? {
            thresholds.push(
                Threshold::parse(&format!("rps>={rps}"))
                    .map_err(|e| ParamError::new("min_rps", e))?,
            );
        }
        if let Some(pct) = params.f64("max_error_rate")? {
            thresholds.push(
                Threshold::parse(&format!("error_rate<={pct}%"))
                    .map_err(|e| ParamError::new("max_error_rate", e))?,
            );
        }
        let expect = StatusSet::parse(params.required("expect")?)
            .map_err(|m| ParamError::new("expect", m))?;
        let settings = Settings {
            model,
            duration,
            warmup,
            expect,
        };
        // Validate the engine's limits now, against a placeholder origin.
        settings
            .config(Scenario::single("http://127.0.0.1/").expect("static url"))
            .validate()
            .map_err(|p| {
                ParamError::new(
                    if rate.is_some() {
                        "rate"
                    } else {
                        "connections"
                    },
                    p.join("; "),
                )
            })?;
        Ok(Box::new(Prepared {
            url,
            settings,
            thresholds,
        }))
    }
}

/// The load settings: items with equal settings share one run.
#[derive(Clone, PartialEq)]
struct Settings {
    model: Model,
    duration: Duration,
    warmup: Duration,
    expect: StatusSet,
}

impl Settings {
    fn config(&self, scenario: Scenario) -> LoadConfig {
        let mut cfg = LoadConfig::new(scenario);
        cfg.model = self.model.clone();
        cfg.stop = Stop::Duration(self.duration);
        cfg.warmup = self.warmup;
        cfg.expect = self.expect.clone();
        cfg
    }

    fn key(&self, url: &str) -> String {
        format!(
            "{url}|{:?}|{:?}|{:?}|{}",
            self.model,
            self.duration,
            self.warmup,
            self.expect.describe()
        )
    }
}

struct Prepared {
    url: Option<String>,
    settings: Settings,
    thresholds: Vec<Threshold>,
}

type RunResult = Arc<Result<LoadReport, String>>;

/// Load runs of this gonogo run, by settings: several items share one load.
#[derive(Default)]
struct LoadRuns(Mutex<HashMap<String, Arc<tokio::sync::OnceCell<RunResult>>>>);

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        let url = match &self.url {
            Some(own) => own.clone(),
            None => match ctx.target("api_url") {
                Ok(t) => t.to_string(),
                Err(missing) => return missing.outcome(),
            },
        };
        let shown = redact_url(&url);
        let scenario = match Scenario::single(&url) {
            Ok(s) => s,
            Err(e) => return Outcome::error(format!("api_url {shown}: {}", redact_url(&e.0))),
        };
        let cell = {
            let runs = ctx.cache.get_or_init(LoadRuns::default);
            let mut map = runs.0.lock().unwrap_or_else(|e| e.into_inner());
            map.entry(self.settings.key(&url)).or_default().clone()
        };
        let cfg = self.settings.config(scenario);
        let interrupt = ctx.cancel.clone();
        let result = cell
            .get_or_init(|| async move {
                let control = gonogo_load::Control::new();
                // The load stops when the run is interrupted, or when the runner drops this
                // check at its timeout: no load outlives the check that started it.
                let _stop_on_drop = StopOnDrop(control.clone());
                let stopper = control.clone();
                let run = tokio::task::spawn_blocking(move || {
                    gonogo_load::run(&cfg, &control, &mut |_| {})
                });
                let run = tokio::select! {
                    run = run => run,
                    () = interrupt.cancelled() => {
                        stopper.stop();
                        return Arc::new(Err("interrupted: the load was stopped".to_string()));
                    }
                };
                Arc::new(match run {
                    Ok(Ok(r)) => Ok(r),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(e) => Err(format!("the load run failed: {e}")),
                })
            })
            .await
            .clone();
        if ctx.cancel.is_cancelled() {
            return Outcome::error(format!("interrupted: the load on {shown} was stopped"));
        }
        match result.as_ref() {
            Ok(report) => judge(report.clone(), &self.thresholds, &shown),
            Err(e) => Outcome::error(format!("cannot load {shown}: {}", redact_url(e))),
        }
    }
}

/// Stops a load when dropped.
struct StopOnDrop(gonogo_load::Control);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.stop();
    }
}

/// Applies the item's thresholds to a finished run.
fn judge(mut report: LoadReport, thresholds: &[Threshold], shown: &str) -> Outcome {
    report.evaluate(thresholds);
    let location = Location::file(shown);
    if report.requests > 0 && report.errors.connect == report.requests {
        return Outcome::error(format!(
            "could not connect to {shown}: all {} requests failed to connect",
            report.requests
        ))
        .at(location);
    }
    let lat = report.primary_latency();
    let which = if report.corrected_latency.is_some() {
        "corrected "
    } else {
        ""
    };
    let summary = format!(
        "{} requests in {:.0}s: {:.1} req/s, {which}p50 {}, p95 {}, p99 {}, {:.2}% errors",
        report.requests,
        report.duration_s,
        report.rps,
        gonogo_load::threshold::format_ms(lat.p50_ms),
        gonogo_load::threshold::format_ms(lat.p95_ms),
        gonogo_load::threshold::format_ms(lat.p99_ms),
        report.error_rate * 100.0
    );
    let mut findings = Vec::new();
    if report.requests == 0 {
        findings.push(
            Finding::fail(
                "load-no-requests-measured",
                format!(
                    "no request to {shown} completed during the run ({} still in flight at the end)",
                    report.unfinished
                ),
            )
            .at(location.clone())
            .fix("check that the target answers at all, or raise duration="),
        );
    }
    for t in &report.thresholds {
        if t.pass {
            continue;
        }
        let (code, fix) = match t.metric {
            "rps" => (
                "load-throughput-below-threshold",
                "scale the service or find the bottleneck; compare against the target at this load",
            ),
            "error_rate" => (
                "load-error-rate-above-threshold",
                "look at the failing responses (statuses and classes in the evidence)",
            ),
            _ => (
                "load-latency-above-threshold",
                "profile the slow path under load; check saturation of CPU, pools and the database",
            ),
        };
        let mut msg = format!(
            "{} is {} under load, expected {}",
            t.metric, t.observed_text, t.threshold
        );
        if let Some(n) = &t.note {
            msg.push_str(&format!(" ({n})"));
        }
        findings.push(Finding::fail(code, msg).at(location.clone()).fix(fix));
    }
    let has_error_threshold = report.thresholds.iter().any(|t| t.metric == "error_rate");
    if !has_error_threshold
        && report.requests > 0
        && report.error_rate > gonogo_load::report::DEFAULT_MAX_ERROR_RATE
    {
        let classes: Vec<String> = report
            .errors
            .nonzero()
            .into_iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        findings.push(
            Finding::fail(
                "load-error-rate-above-default",
                format!(
                    "{:.2}% of {} requests failed ({}), above the 1% default limit",
                    report.error_rate * 100.0,
                    report.requests,
                    classes.join(", ")
                ),
            )
            .at(location.clone())
            .fix("fix the failing responses, or state the acceptable rate with max_error_rate="),
        );
    }
    if let Some(s) = report.schedule.as_ref().filter(|s| s.shortfall)
        && !report.thresholds.iter().any(|t| t.metric == "rps")
    {
        findings.push(
            Finding::warn(
                "load-rate-shortfall",
                format!(
                    "achieved {:.1} req/s of the {} req/s requested ({} dropped, {} late)",
                    report.rps, s.requested_rps, s.dropped, s.late
                ),
            )
            .at(location.clone())
            .fix(
                "the target (or the connection cap) could not keep the rate; lower rate= or scale",
            ),
        );
    }
    if report.unfinished > 0 && report.requests > 0 {
        findings.push(
            Finding::warn(
                "load-requests-unfinished",
                format!(
                    "{} requests were still in flight when the run ended",
                    report.unfinished
                ),
            )
            .at(location.clone()),
        );
    }
    let expected: Vec<String> = report
        .thresholds
        .iter()
        .map(|t| t.threshold.clone())
        .collect();
    let mut outcome = Outcome::from_findings(summary, findings)
        .observed(format!(
            "{:.1} req/s, p95 {}, {:.2}% errors",
            report.rps,
            gonogo_load::threshold::format_ms(lat.p95_ms),
            report.error_rate * 100.0
        ))
        .at(location);
    outcome.evidence.expected = Some(if expected.is_empty() {
        "error rate ≤ 1%".to_string()
    } else {
        expected.join(", ")
    });
    outcome
}

/// The latency bound of an item in milliseconds: "< 2s" → `2000ms`.
fn bound_ms_in(text: &Text<'_>) -> Option<String> {
    static BOUND: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(&format!(
            r"(?i)(?:<=?|≤|\bunder\b|\bbelow\b|\bless than\b|\bwithin\b)\s*{NUMBER_UNIT}"
        ))
        .expect("static regex")
    });
    let c = BOUND.captures(&text.plain)?;
    to_ms(&c[1], &c[2])
}

/// The rate a run offers: "Sustains 300 req/s".
fn offered_rate_in(text: &Text<'_>) -> Option<String> {
    static RATE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)\bsustains?\s+(\d+)\s*(?:req(?:uests)?\s*/\s*s(?:ec)?|rps|requests per second)",
        )
        .expect("static regex")
    });
    RATE.captures(&text.plain).map(|c| c[1].to_string())
}

/// How long the run lasts: "for 5 minutes".
fn run_length_in(text: &Text<'_>) -> Option<String> {
    static LENGTH: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\bfor\s+(\d+)\s*(s|secs?|seconds?|m|mins?|minutes?)\b")
            .expect("static regex")
    });
    let c = LENGTH.captures(&text.plain)?;
    let unit = if c[2].to_ascii_lowercase().starts_with('s') {
        "s"
    } else {
        "m"
    };
    Some(format!("{}{unit}", &c[1]))
}

fn min_rps_in(text: &Text<'_>) -> Option<String> {
    let c = THROUGHPUT.captures(&text.plain)?;
    Some(c.get(1).or(c.get(2))?.as_str().to_string())
}

fn max_error_rate_in(text: &Text<'_>) -> Option<String> {
    ERROR_RATE.captures(&text.plain).map(|c| c[1].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(text: &str) -> Option<Params> {
        crate::util::testing::recognise(&LoadRun, text)
    }

    fn under_load(text: &str) -> Option<Params> {
        crate::util::testing::recognise_in(&LoadRun, text, &["Load Testing"])
    }

    #[test]
    fn thresholds_come_from_the_item_text() {
        let p = |text: &str| under_load(text).unwrap();
        assert_eq!(
            p("Target throughput achieved (>100 req/s)"),
            Params::new().with("min_rps", "100")
        );
        assert_eq!(
            p("Response time < 2s (p95)"),
            Params::new().with("p95", "2000ms")
        );
        assert_eq!(
            p("Response time p50 < 500ms"),
            Params::new().with("p50", "500ms")
        );
        assert_eq!(
            p("Response time p99 < 5000ms"),
            Params::new().with("p99", "5000ms")
        );
        assert_eq!(
            p("Error rate < 0.5%"),
            Params::new().with("max_error_rate", "0.5")
        );
        assert_eq!(p("K6 load tests executed"), Params::new());
        assert_eq!(
            rec("Sustains 300 req/s for 5 minutes at p99 < 800ms"),
            Some(
                Params::new()
                    .with("p99", "800ms")
                    .with("rate", "300")
                    .with("duration", "5m")
            )
        );
        assert!(under_load("Error rate > 5%").is_none());
        assert!(under_load("Response time p95 > 5s").is_none());
        assert!(
            under_load("Response time < 2s").is_none(),
            "no percentile, no binding"
        );
    }

    #[test]
    fn latency_figures_bind_only_under_load() {
        // The same figure of an idle service is `http.latency`'s: twenty sequential probes.
        assert!(rec("Response time < 2s (p95)").is_none());
        assert!(rec("Backend API response times < 200ms (p95)").is_none());
        assert!(rec("Error rate < 0.5%").is_none());
        assert_eq!(
            rec("Response time < 1s (p95) under load"),
            Some(Params::new().with("p95", "1000ms"))
        );
    }

    #[test]
    fn prepare_checks_limits() {
        assert!(
            LoadRun
                .prepare(&Params::new().with("duration", "2h"))
                .is_err()
        );
        assert!(LoadRun.prepare(&Params::new().with("rate", "1e9")).is_err());
        assert!(
            LoadRun
                .prepare(&Params::new().with("url", "ftp://x/"))
                .is_err()
        );
        assert!(LoadRun.prepare(&Params::new().with("p95", "fast")).is_err());
        assert!(gonogo_core::check::prepare(&LoadRun, &Params::new().with("bogus", "1")).is_err());
        assert!(
            LoadRun
                .prepare(&Params::new().with("p95", "2s").with("min_rps", "100"))
                .is_ok()
        );
    }
}
