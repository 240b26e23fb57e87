//! `prom.alertmanager`: Prometheus has an Alertmanager to send alerts to.

use super::{Api, URL_PARAM, str_of};
use crate::live::{self, shown};
use gonogo_core::recognise::{Claim, Slot, Text, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, ParamDoc, ParamError, Params, PreparedCheck,
};

pub struct PromAlertmanager;

/// What the kind verifies, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[Claim {
    subject: &["alertmanager", "alertmanagers", "alert manager*"],
    support: &[
        "connected",
        "configured",
        "active",
        "send*",
        "discovered",
        "prometheus",
    ],
    // Routing, receivers and paging integrations are Alertmanager's own configuration.
    excludes: &[
        "rout*",
        "receiver*",
        "silenc*",
        "inhibit*",
        "templat*",
        "pagerduty",
        "slack",
        "opsgenie",
        "email",
        "tested",
        "escalat*",
    ],
    slots: &[Slot::optional("min", Value::Read(count_in))],
    weight: 80,
    ..Claim::EMPTY
}];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Prometheus),
    targets: super::TARGETS,
    summary: "Prometheus has at least one active Alertmanager to send its alerts to.",
    description: "Asks Prometheus (`url=` or the `prometheus_url` target) for its \
        Alertmanagers (`/api/v1/alertmanagers`). Passes when at least `min` (default 1) are \
        active (discovered from `alerting.alertmanagers` and not dropped by relabelling); \
        fails with `prom-no-alertmanager` otherwise (alerts fire into the void), and warns \
        with `prom-alertmanager-dropped` for each Alertmanager that discovery found but \
        relabelling dropped. It shows what Prometheus is configured to reach, not whether \
        that Alertmanager routes alerts onward. Errors when Prometheus cannot be reached, \
        answers something other than its API, or not within 5 s; an error when no \
        prometheus_url is configured.",
    params: &[
        URL_PARAM,
        ParamDoc::with_default("min", "Fewest active Alertmanagers expected.", "1"),
    ],
    examples: &["prom.alertmanager", "prom.alertmanager min=2"],
    claims: CLAIMS,
    phrases: &[
        "Alertmanager connected",
        "Prometheus sends alerts to Alertmanager",
        "Alertmanager configured in Prometheus",
        "Two Alertmanagers active for HA",
    ],
    not_phrases: &[
        "Alert routing configured",
        "Alert rules configured",
        "PagerDuty integration tested",
        "Slack notifications working",
    ],
    findings: &[
        (
            "prom-no-alertmanager",
            "Prometheus has fewer active Alertmanagers than expected.",
        ),
        (
            "prom-alertmanager-dropped",
            "An Alertmanager was discovered but dropped by relabelling.",
        ),
    ],
};

impl CheckKind for PromAlertmanager {
    fn id(&self) -> &'static str {
        "prom.alertmanager"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        Ok(live::prepared(Prepared {
            url: params.str("url").map(String::from),
            min: params.value::<u64>("min")? as usize,
        }))
    }
}

struct Prepared {
    url: Option<String>,
    min: usize,
}

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        let api = Api::resolve(self.url.as_deref(), ctx)?;
        let data = api.get("alertmanagers", &[]).await?;
        let list = |key: &str| -> Vec<String> {
            data.get(key)
                .and_then(|a| a.as_array())
                .map(|a| a.iter().map(|m| shown(str_of(m, "url"))).collect())
                .unwrap_or_default()
        };
        let active = list("activeAlertmanagers");
        let dropped = list("droppedAlertmanagers");
        let mut findings = Vec::new();
        if active.len() < self.min {
            findings.push(
                Finding::fail(
                    "prom-no-alertmanager",
                    format!("{} active Alertmanagers, {} expected", active.len(), self.min),
                )
                .fix("Configure alerting.alertmanagers in prometheus.yml (static_configs or service discovery)"),
            );
        }
        for url in &dropped {
            findings.push(Finding::warn(
                "prom-alertmanager-dropped",
                format!("{url} was discovered but dropped by relabelling"),
            ));
        }
        let observed = if active.is_empty() {
            "no active Alertmanager".to_string()
        } else {
            format!("{} active: {}", active.len(), active.join(", "))
        };
        Ok(live::judged(
            observed,
            format!("≥ {} active Alertmanagers", self.min),
            findings,
            api.location(),
        ))
    }
}

/// How many Alertmanagers the item asks for: "Two Alertmanagers", "at least 3".
fn count_in(text: &Text<'_>) -> Option<String> {
    const WORDS: &[(&str, &str)] = &[("two", "2"), ("three", "3"), ("four", "4"), ("five", "5")];
    let plain = text.plain.to_ascii_lowercase();
    WORDS
        .iter()
        .find(|(w, _)| plain.split(|c: char| !c.is_alphanumeric()).any(|x| x == *w))
        .map(|(_, n)| n.to_string())
        .or_else(|| gonogo_core::recognise::values::count(&text.plain))
}
