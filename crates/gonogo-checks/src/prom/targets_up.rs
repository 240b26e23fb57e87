//! `prom.targets-up`: Prometheus scrapes targets, and every one is up.

use super::{Api, URL_PARAM, str_of};
use crate::live::{self, shown};
use crate::support::re;
use gonogo_core::recognise::{Claim, Slot, Text, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, ParamDoc, ParamError, Params, PreparedCheck,
};
use std::sync::LazyLock;

pub struct PromTargetsUp;

const LISTED: usize = 50;

/// Words that place scrape targets in Prometheus, in the item or its headings.
const SCRAPING: &[&str] = &[
    "prometheus",
    "metric*",
    "job*",
    "scrap*",
    "monitoring",
    "observability",
    "exporter*",
];
const NOT_TARGETS: &[&str] = &[
    "grafana",
    "dashboard*",
    "retention",
    "rule*",
    "alert*",
    "storage",
    "thanos",
    "federat*",
    "document*",
    "load balancer*",
    "ha",
];

/// What the kind verifies, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[
    Claim {
        subject: &["target* up", "targets are up", "target* healthy", "scrap*"],
        qualifiers: &[SCRAPING],
        excludes: NOT_TARGETS,
        slots: &[
            Slot::optional("job", Value::Read(jobs_in)),
            Slot::optional("min", Value::Read(at_least_in)),
        ],
        weight: 80,
        ..Claim::EMPTY
    },
    Claim {
        // The state is said of Prometheus itself, not of a heading ("running a service").
        subject: &[
            "prometheus deployed",
            "prometheus is deployed",
            "prometheus configured",
            "prometheus is configured",
            "prometheus running",
            "prometheus is running",
            "prometheus up",
            "prometheus is up",
            "prometheus installed",
            "prometheus set up",
        ],
        excludes: &[
            "grafana",
            "dashboard*",
            "retention",
            "rule*",
            "alert*",
            "storage",
            "metric*",
            "expos*",
            "query",
            "federat*",
            "document*",
            "ha",
        ],
        weight: 70,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["all services", "every service", "each service"],
        qualifiers: &[&["metric*", "scrap*"]],
        excludes: NOT_TARGETS,
        weight: 75,
        ..Claim::EMPTY
    },
];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Prometheus),
    targets: super::TARGETS,
    summary: "Prometheus answers, has at least N active scrape targets, and every one is up.",
    description: "Asks Prometheus (`url=` or the `prometheus_url` target) for its active \
        targets (`/api/v1/targets?state=active`), optionally only those of the jobs in \
        `job=`. Fails with `prom-no-targets` when fewer than `min` (default 1) targets \
        remain, and with `prom-target-down` for each target whose last scrape failed (its \
        job, scrape URL and Prometheus' last error; first 50 listed). A target not scraped \
        yet (`unknown`) warns with `prom-target-unknown`. Errors when Prometheus cannot be \
        reached, answers something other than its API, or not within 5 s; an error when no \
        prometheus_url is configured.",
    params: &[
        URL_PARAM,
        ParamDoc::optional(
            "job",
            "Comma list of scrape jobs to consider; default: all.",
        ),
        ParamDoc::with_default("min", "Fewest active targets expected.", "1"),
    ],
    examples: &["prom.targets-up", "prom.targets-up job=api,worker min=2"],
    claims: CLAIMS,
    phrases: &[
        "Prometheus deployed and configured",
        "All services exposing metrics",
        "All Prometheus targets up",
        "Prometheus scraping all services",
        "At least 3 targets up for the `payments` and `ledger` jobs",
    ],
    not_phrases: &[
        "Grafana deployed",
        "Prometheus metrics exposed",
        "All services start without errors",
        "Retention policies configured",
    ],
    findings: &[
        (
            "prom-no-targets",
            "Prometheus has fewer active scrape targets than expected.",
        ),
        ("prom-target-down", "A scrape target's last scrape failed."),
        (
            "prom-target-unknown",
            "A scrape target has not been scraped yet.",
        ),
    ],
};

impl CheckKind for PromTargetsUp {
    fn id(&self) -> &'static str {
        "prom.targets-up"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        Ok(live::prepared(Prepared {
            url: params.str("url").map(String::from),
            jobs: params.list("job").unwrap_or_default(),
            min: params.value::<u64>("min")? as usize,
        }))
    }
}

struct Prepared {
    url: Option<String>,
    jobs: Vec<String>,
    min: usize,
}

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        let api = Api::resolve(self.url.as_deref(), ctx)?;
        let targets = api
            .get_list("targets", &[("state", "active")], "activeTargets")
            .await?;
        let targets: Vec<&serde_json::Value> = targets
            .iter()
            .filter(|t| {
                let job = t.get("labels").map(|l| str_of(l, "job")).unwrap_or("");
                self.jobs.is_empty() || self.jobs.iter().any(|j| j == job)
            })
            .collect();
        let mut findings = Vec::new();
        let (mut up, mut down, mut unknown) = (0, 0, 0);
        for t in &targets {
            let job = t.get("labels").map(|l| str_of(l, "job")).unwrap_or("");
            let url = shown(str_of(t, "scrapeUrl"));
            match str_of(t, "health") {
                "up" => up += 1,
                "down" => {
                    down += 1;
                    if down <= LISTED {
                        let err = str_of(t, "lastError");
                        findings.push(
                            Finding::fail("prom-target-down", format!("job {job}: {url} is down: {}", crate::live::scrub(err, str_of(t, "scrapeUrl"))))
                                .fix("Check the service runs and exposes /metrics at that address, and the network path from Prometheus"),
                        );
                    }
                }
                other => {
                    unknown += 1;
                    if unknown <= LISTED {
                        findings.push(Finding::warn(
                            "prom-target-unknown",
                            format!(
                                "job {job}: {url} is {} (not scraped yet)",
                                if other.is_empty() { "unknown" } else { other }
                            ),
                        ));
                    }
                }
            }
        }
        let scope = if self.jobs.is_empty() {
            String::new()
        } else {
            format!(" in job {}", self.jobs.join(", "))
        };
        if targets.len() < self.min {
            findings.insert(
                0,
                Finding::fail(
                    "prom-no-targets",
                    format!(
                        "{} active targets{scope}, {} expected",
                        targets.len(),
                        self.min
                    ),
                )
                .fix("Add scrape_configs (or ServiceMonitors) for every service"),
            );
        }
        let observed = format!(
            "{up} up, {down} down, {unknown} unknown of {} targets{scope}",
            targets.len()
        );
        Ok(live::judged(
            observed,
            format!("≥ {} targets, all up", self.min),
            findings,
            api.location(),
        ))
    }
}

/// The jobs an item names in code spans when it speaks of jobs: "the `payments` and
/// `ledger` jobs".
fn jobs_in(text: &Text<'_>) -> Option<String> {
    static SPAN: LazyLock<regex::Regex> = LazyLock::new(|| re(r"`([a-z0-9_.-]+)`"));
    if !text.plain.to_ascii_lowercase().contains("job") {
        return None;
    }
    let jobs: Vec<&str> = SPAN
        .captures_iter(text.display)
        .filter_map(|c| c.get(1).map(|m| m.as_str()))
        .collect();
    (!jobs.is_empty()).then(|| jobs.join(","))
}

/// "At least 3 targets".
fn at_least_in(text: &Text<'_>) -> Option<String> {
    static AT_LEAST: LazyLock<regex::Regex> =
        LazyLock::new(|| re(r"\b(?:at least|minimum of|>=?)\s*(\d+)\s+targets?\b"));
    AT_LEAST.captures(&text.plain).map(|c| c[1].to_string())
}
