//! `prom.rules-loaded`: Prometheus has alerting (or recording) rules loaded and healthy.

use super::{Api, URL_PARAM, str_of};
use crate::live;
use gonogo_core::recognise::{Claim, Slot, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, ParamDoc, ParamError, Params,
    PreparedCheck,
};

pub struct PromRulesLoaded;

/// Routing, runbooks, firewalls and reviews share the words but not the question.
/// Rules read from files in the repository are `prometheus.rules`'.
const NOT_LOADED: &[&str] = &[
    "rout*",
    "runbook*",
    "firewall",
    "tested",
    "silenc*",
    "waf",
    "lint*",
    "unit test*",
    "annotation*",
    "severity label*",
    "pagerduty",
    "document*",
    "repositor*",
    "repo",
    "file*",
    "expr",
];
/// The server that evaluates the rules, in the item or its headings: what it loaded, not what
/// a file holds.
const IN_SERVER: &[&str] = &["prometheus", "thanos", "mimir", "victoriametrics", "cortex"];

/// What the kind verifies, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[
    Claim {
        subject: &[
            "alert rule*",
            "alerting rule*",
            "alerts rule*",
            "prometheus rule*",
        ],
        qualifiers: &[IN_SERVER],
        support: &["loaded", "active"],
        excludes: NOT_LOADED,
        slots: &[Slot::optional(
            "severity",
            Value::Choice(&[
                ("critical", "critical"),
                ("warning", "warning"),
                ("page", "page"),
            ]),
        )],
        weight: 80,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["recording rule*"],
        qualifiers: &[IN_SERVER],
        support: &["loaded", "active"],
        excludes: NOT_LOADED,
        params: &[("type", "record")],
        weight: 85,
        ..Claim::EMPTY
    },
];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Prometheus),
    targets: super::TARGETS,
    summary: "Prometheus has at least N alerting (or recording) rules loaded, all evaluating without error.",
    description: "Asks Prometheus (`url=` or the `prometheus_url` target) for its rule groups \
        (`/api/v1/rules`) and counts the rules of `type=` (`alert`, the default; `record`; or \
        `any`). Fails with `prom-rules-none` when fewer than `min` (default 1) are loaded, \
        `prom-rule-error` for each rule whose last evaluation failed (its group's file as \
        location, Prometheus' error as message), and `prom-rules-no-severity` when \
        `severity=` is given and no alerting rule carries that `severity` label (\"Critical alerting \
        rules active in Prometheus\" binds `severity=critical`). Errors when Prometheus \
        cannot be reached, answers something other than its API, or not within 5 s; an error \
        when no prometheus_url is configured.",
    params: &[
        URL_PARAM,
        ParamDoc::with_default("type", "Which rules count: alert, record or any.", "alert"),
        ParamDoc::with_default("min", "Fewest rules expected.", "1"),
        ParamDoc::optional(
            "severity",
            "A `severity` label value at least one alerting rule must carry.",
        ),
    ],
    examples: &[
        "prom.rules-loaded",
        "prom.rules-loaded min=5 severity=critical",
        "prom.rules-loaded type=record",
    ],
    claims: CLAIMS,
    phrases: &[
        "Alert rules loaded in Prometheus",
        "Critical alerting rules active in Prometheus",
        "Prometheus alerting rules loaded",
        "Recording rules loaded in Prometheus",
    ],
    not_phrases: &[
        "Alert rules configured",
        "Alert rules defined for critical errors",
        "Alert routing configured",
        "Runbooks linked to alerts",
        "Verify no critical alerts",
        "PagerDuty integration tested",
        "Firewall rules configured",
    ],
    findings: &[
        (
            "prom-rules-none",
            "Fewer rules of the asked type are loaded than expected.",
        ),
        ("prom-rule-error", "A rule's last evaluation failed."),
        (
            "prom-rules-no-severity",
            "No alerting rule carries the asked severity label.",
        ),
    ],
};

impl CheckKind for PromRulesLoaded {
    fn id(&self) -> &'static str {
        "prom.rules-loaded"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let kind = match params.required("type")? {
            "alert" | "alerting" => "alerting",
            "record" | "recording" => "recording",
            "any" => "any",
            other => {
                return Err(ParamError::new(
                    "type",
                    format!("expected alert, record or any, got `{other}`"),
                ));
            }
        };
        Ok(live::prepared(Prepared {
            url: params.str("url").map(String::from),
            kind,
            min: params.value::<u64>("min")? as usize,
            severity: params.str("severity").map(String::from),
        }))
    }
}

struct Prepared {
    url: Option<String>,
    kind: &'static str,
    min: usize,
    severity: Option<String>,
}

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        let api = Api::resolve(self.url.as_deref(), ctx)?;
        let groups = api.get_list("rules", &[], "groups").await?;
        let mut findings = Vec::new();
        let mut counted = 0;
        let mut with_severity = 0;
        let mut files = std::collections::BTreeSet::new();
        for g in &groups {
            let file = str_of(g, "file");
            let group = str_of(g, "name");
            for rule in g
                .get("rules")
                .and_then(|r| r.as_array())
                .into_iter()
                .flatten()
            {
                let rtype = str_of(rule, "type");
                if self.kind != "any" && rtype != self.kind {
                    continue;
                }
                counted += 1;
                files.insert(file.to_string());
                if rtype == "alerting"
                    && let Some(want) = &self.severity
                    && rule.get("labels").map(|l| str_of(l, "severity")) == Some(want.as_str())
                {
                    with_severity += 1;
                }
                if str_of(rule, "health") == "err" {
                    let mut f = Finding::fail(
                        "prom-rule-error",
                        format!(
                            "rule {} in group {group} fails to evaluate: {}",
                            str_of(rule, "name"),
                            str_of(rule, "lastError")
                        ),
                    )
                    .fix("Fix the rule's expression (promtool check rules) and reload Prometheus");
                    if !file.is_empty() {
                        f = f.at(Location::file(file.to_string()));
                    }
                    findings.push(f);
                }
            }
        }
        let noun = match self.kind {
            "alerting" => "alerting rules",
            "recording" => "recording rules",
            _ => "rules",
        };
        if counted < self.min {
            findings.insert(
                0,
                Finding::fail(
                    "prom-rules-none",
                    format!("{counted} {noun} loaded, {} expected", self.min),
                )
                .fix("Add rule_files to prometheus.yml (or PrometheusRule resources) and reload"),
            );
        }
        if let Some(want) = &self.severity
            && with_severity == 0
            && counted > 0
        {
            findings.push(
                Finding::fail(
                    "prom-rules-no-severity",
                    format!("no alerting rule has severity={want}"),
                )
                .fix(format!(
                    "Label the rules that must page with severity: {want}"
                )),
            );
        }
        let mut observed = format!("{counted} {noun} loaded from {} files", files.len());
        if let Some(want) = &self.severity {
            observed.push_str(&format!(", {with_severity} with severity={want}"));
        }
        let mut expected = format!("≥ {} {noun}, all evaluating", self.min);
        if let Some(want) = &self.severity {
            expected.push_str(&format!(", one with severity={want}"));
        }
        Ok(live::judged(observed, expected, findings, api.location()))
    }
}
