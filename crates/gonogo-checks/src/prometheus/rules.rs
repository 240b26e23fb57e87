//! `prometheus.rules`: Prometheus rule files parse and every alert is actionable (expr, for,
//! severity, summary, runbook); an Alertmanager config routes to real receivers.

use crate::util::{absent, blocking, inventory, rule_groups, unreadable, wants};
use gonogo_core::recognise::{Claim, Slot, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck, Status,
};
use gonogo_parsers::yaml::{Node, parse_documents};
use gonogo_repo::{RepoFile, read_repo_text};

pub struct PrometheusRules;

const RULES: &[&str] = &["alerts", "runbook", "alertmanager"];

/// What a test, a silence or a page says about alerts is not what the rule files hold.
const NOT_RULE_FILES: &[&str] = &[
    "tested",
    "fire*",
    "firing",
    "fired",
    "noisy",
    "tuned",
    "reviewed",
    "silenc*",
    "pagerduty",
    "slack",
    "loaded",
    "active",
    "evaluat*",
    "received",
    "working",
    "acknowledg*",
    "no critical alert*",
];

/// What the kind verifies, rule group by rule group, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[
    Claim {
        subject: &[
            "alert rule*",
            "alerting rule*",
            "prometheus rule*",
            "prometheusrul*",
            "alert definition*",
            "alerts defined",
            "alerts configured",
            "rule file*",
        ],
        support: &[
            "configured",
            "defined",
            "in the repository",
            "expr",
            "severity",
        ],
        excludes: NOT_RULE_FILES,
        params: &[("rules", "alerts")],
        slots: &[Slot::optional(
            "severity",
            Value::Choice(&[("critical", "critical")]),
        )],
        weight: 80,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["runbook*", "playbook*", "runbook url*", "runbook_url"],
        qualifiers: &[&["alert*"]],
        support: &["linked", "annotation*", "every", "each"],
        excludes: &["tested", "reviewed", "rehear*", "drill*"],
        params: &[("rules", "runbook")],
        weight: 85,
        prefer_over: &["files.exists"],
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "alert routing",
            "alertmanager",
            "alert rout*",
            "alert receiver*",
            "routing of alert*",
            "alerts routed",
            "alerts are routed",
            "alertmanager config*",
        ],
        // What the configuration says, not whether Prometheus reaches a running Alertmanager.
        qualifiers: &[&[
            "configured",
            "config*",
            "defined",
            "rout*",
            "receiver*",
            "in the repo",
            "repository",
        ]],
        // "Alertmanager configured in Prometheus" is Prometheus' side: `prom.alertmanager`.
        excludes: &[
            "tested",
            "fire*",
            "firing",
            "received",
            "working",
            "connected",
            "send*",
            "sent",
            "reach*",
            "running",
            "up",
            "silenc*",
            "pagerduty",
            "slack",
            "loaded",
            "prometheus",
        ],
        params: &[("rules", "alertmanager")],
        weight: 75,
        ..Claim::EMPTY
    },
];

static DOC: CheckDoc = CheckDoc {
    live: None,
    targets: &[],
    summary: "Prometheus alert rules parse and every alert has expr, for, severity, summary and a runbook; Alertmanager routes to receivers.",
    description: "Finds Prometheus rule files (YAML with `groups:` of `rules:`, and \
`PrometheusRule` objects) and Alertmanager configurations (`route:` plus `receivers:`) anywhere \
in the repository. Every alerting rule needs an `expr` whose brackets and quotes balance, a \
valid `for` duration, `labels.severity`, `annotations.summary` and a runbook link \
(`annotations.runbook_url`/`runbook`); recording rules need `expr`. With `severity=critical` at \
least one alert must carry that severity (\"alert rules for critical errors\"). An Alertmanager \
config needs a top-level route whose receiver exists and receivers with at least one integration \
(Slack, PagerDuty, webhook, e-mail, Opsgenie, …). `rules=` restricts the groups (alerts, \
runbook, alertmanager). Fails on any failing finding; skips when no rule file (or, for \
`rules=alertmanager`, no Alertmanager config) is found, fails then with `required=true`. A file \
that does not parse is `prometheus-parse-error` at its line.",
    params: &[
        ParamDoc::optional(
            "rules",
            "Comma list of rule groups: alerts, runbook, alertmanager (default: all).",
        ),
        ParamDoc::optional(
            "severity",
            "At least one alert must have this `labels.severity` (`critical`).",
        ),
        ParamDoc::with_default(
            "required",
            "Fail instead of skipping when nothing is found.",
            "false",
        ),
    ],
    examples: &[
        "prometheus.rules",
        "prometheus.rules severity=critical",
        "prometheus.rules rules=alertmanager required=true",
    ],
    claims: CLAIMS,
    phrases: &[
        "Alert rules defined for critical errors",
        "Alert rules configured",
        "Alert routing configured",
        "Runbooks linked to alerts",
    ],
    not_phrases: &[
        "Verify no critical alerts",
        "PagerDuty integration tested",
        "Slack notifications working",
        "Prometheus metrics exposed",
        "Prometheus deployed and configured",
    ],
    findings: &[
        (
            "prometheus-parse-error",
            "A rule or Alertmanager file is not valid YAML.",
        ),
        (
            "prometheus-rule-invalid",
            "A rule lacks `expr`, is neither `alert` nor `record`, or has an invalid `for` duration.",
        ),
        (
            "prometheus-expr-invalid",
            "An alert expression has unbalanced brackets or quotes.",
        ),
        (
            "prometheus-alert-no-for",
            "An alert fires on the first evaluation (no `for`), so it pages on blips.",
        ),
        (
            "prometheus-alert-no-severity",
            "An alert has no `labels.severity`, so it cannot be routed by urgency.",
        ),
        (
            "prometheus-alert-no-summary",
            "An alert has no `annotations.summary` (or `description`) telling the responder what broke.",
        ),
        (
            "prometheus-alert-no-runbook",
            "An alert has no runbook link (`annotations.runbook_url`).",
        ),
        (
            "prometheus-no-severity-alert",
            "No alert has the severity the item asks for (e.g. critical).",
        ),
        (
            "prometheus-alertmanager-invalid",
            "The Alertmanager config has no route, or routes to an undefined receiver.",
        ),
        (
            "prometheus-receiver-empty",
            "An Alertmanager receiver has no integration (Slack, PagerDuty, webhook, …).",
        ),
        (
            "prometheus-not-found",
            "No rule file (or Alertmanager config) was found while `required=true`.",
        ),
    ],
};

impl CheckKind for PrometheusRules {
    fn id(&self) -> &'static str {
        "prometheus.rules"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        Ok(Box::new(Prepared {
            rules: rule_groups(params, RULES)?,
            severity: params.str("severity").map(str::to_string),
            required: params.value::<bool>("required")?,
        }))
    }
}

#[derive(Clone)]
struct Prepared {
    rules: Option<Vec<String>>,
    severity: Option<String>,
    required: bool,
}

/// A Prometheus duration (`5m`, `1h30m`, `90s`, `0s`).
pub fn valid_duration(s: &str) -> bool {
    let mut rest = s.trim();
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = &rest[digits..];
        let unit = ["ms", "s", "m", "h", "d", "w", "y"]
            .into_iter()
            .find(|u| rest.starts_with(u));
        match unit {
            Some(u) => rest = &rest[u.len()..],
            None => return false,
        }
    }
    true
}

/// Balanced `()`, `[]`, `{}` and quotes, outside string literals.
pub fn balanced(expr: &str) -> Result<(), String> {
    let mut stack = Vec::new();
    let mut chars = expr.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' | '`' => {
                let mut closed = false;
                while let Some(n) = chars.next() {
                    if n == '\\' && c != '`' {
                        chars.next();
                    } else if n == c {
                        closed = true;
                        break;
                    }
                }
                if !closed {
                    return Err(format!("unterminated {c} string"));
                }
            }
            '(' | '[' | '{' => stack.push(c),
            ')' | ']' | '}' => {
                let want = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if stack.pop() != Some(want) {
                    return Err(format!("unexpected {c}"));
                }
            }
            '#' => break,
            _ => {}
        }
    }
    match stack.last() {
        Some(c) => Err(format!("unclosed {c}")),
        None => Ok(()),
    }
}

const RECEIVER_KEYS: &[&str] = &[
    "slack_configs",
    "pagerduty_configs",
    "webhook_configs",
    "email_configs",
    "opsgenie_configs",
    "msteams_configs",
    "msteamsv2_configs",
    "victorops_configs",
    "pushover_configs",
    "sns_configs",
    "telegram_configs",
    "discord_configs",
    "webex_configs",
    "wechat_configs",
    "rocketchat_configs",
    "jira_configs",
];

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        let files = inventory(ctx).await;
        let this = self.clone();
        blocking(move || {
            let mut findings = Vec::new();
            let (mut rule_files, mut am_files, mut alerts, mut with_severity) = (0, 0, 0, 0);
            let mut first_rule_file: Option<String> = None;
            for f in files.yaml_files() {
                let Ok(src) = read_repo_text(f) else { continue };
                let maybe_rules = src.contains("groups:") && src.contains("rules:");
                let maybe_am = src.contains("receivers:") && src.contains("route:");
                if !maybe_rules && !maybe_am {
                    continue;
                }
                let docs = match parse_documents(&src) {
                    Ok(d) => d,
                    Err(e) => {
                        findings.push(unreadable("prometheus-parse-error", &f.rel, Some(e.line), &format!("{}: {e}", f.rel)));
                        continue;
                    }
                };
                for d in &docs {
                    let groups = if d.str_of("kind") == Some("PrometheusRule") {
                        d.path(&["spec", "groups"])
                    } else {
                        d.get("groups")
                    };
                    if let Some(groups) = groups.filter(|g| g.as_seq().is_some()) {
                        rule_files += 1;
                        first_rule_file.get_or_insert_with(|| f.rel.clone());
                        for g in groups.items() {
                            for r in g.get("rules").map(Node::items).unwrap_or(&[]) {
                                let (a, s) = this.rule(f, r, &mut findings);
                                alerts += a;
                                with_severity += s;
                            }
                        }
                    }
                    if d.get("route").is_some() && d.get("receivers").is_some() {
                        am_files += 1;
                        if wants(&this.rules, "alertmanager") {
                            alertmanager(f, d, &mut findings);
                        }
                    }
                }
            }
            let only_am = this.rules.as_ref().is_some_and(|r| r.iter().all(|g| g == "alertmanager"));
            if only_am && am_files == 0 && findings.is_empty() {
                return absent(this.required, "prometheus-not-found", "no Alertmanager configuration found", "commit alertmanager.yml with a route and receivers");
            }
            if !only_am && rule_files == 0 && findings.is_empty() {
                return absent(this.required, "prometheus-not-found", "no Prometheus rule files found", "commit the alert rules (groups: - rules: - alert: …)");
            }
            if let Some(sev) = &this.severity
                && with_severity == 0
                && rule_files > 0
            {
                findings.push(
                    Finding::fail("prometheus-no-severity-alert", format!("no alert has severity {sev} ({alerts} alert(s) in total)"))
                        .at(Location::file(first_rule_file.clone().unwrap_or_default()))
                        .fix(format!("add an alert for the critical failure modes with labels.severity: {sev}")),
                );
            }
            let failing = findings.iter().filter(|f| f.severity == Status::Fail).count();
            Outcome::from_findings(
                format!("{alerts} alert(s) in {rule_files} rule group file(s), {am_files} Alertmanager config(s): {failing} problem(s)"),
                findings,
            )
            .observed(format!("{failing} failing finding(s)"))
            .expected("0")
        })
        .await
    }
}

impl Prepared {
    /// Checks one rule; returns (1 if it is an alert, 1 if it has the wanted severity).
    fn rule(&self, f: &RepoFile, r: &Node, out: &mut Vec<Finding>) -> (usize, usize) {
        let loc = |n: &Node| Location::at(&f.rel, n.line);
        let alert = r.str_of("alert");
        let name = alert.or(r.str_of("record")).unwrap_or("?");
        let want_alerts = wants(&self.rules, "alerts");
        let expr = r.get("expr");
        if want_alerts {
            if alert.is_none() && r.str_of("record").is_none() {
                out.push(
                    Finding::fail(
                        "prometheus-rule-invalid",
                        "a rule has neither `alert` nor `record`",
                    )
                    .at(loc(r))
                    .fix("name the rule with alert: or record:"),
                );
            }
            match expr.and_then(Node::scalar) {
                None => out.push(
                    Finding::fail(
                        "prometheus-rule-invalid",
                        format!("rule {name} has no expr"),
                    )
                    .at(loc(r))
                    .fix("add the PromQL expression"),
                ),
                Some(e) => {
                    if let Err(why) = balanced(e) {
                        out.push(
                            Finding::fail("prometheus-expr-invalid", format!("rule {name}: expr does not parse ({why})"))
                                .at(loc(expr.unwrap_or(r)))
                                .fix("fix the expression; `promtool check rules` shows the parser's message"),
                        );
                    }
                }
            }
        }
        let Some(alert) = alert else { return (0, 0) };
        let sev = r.path(&["labels", "severity"]).and_then(Node::scalar);
        let wanted = self
            .severity
            .as_deref()
            .is_some_and(|w| sev.is_some_and(|s| s.eq_ignore_ascii_case(w)));
        let ann = r.get("annotations");
        if want_alerts {
            match r.get("for") {
                None => out.push(
                    Finding::fail(
                        "prometheus-alert-no-for",
                        format!("alert {alert} has no `for`, so it fires on a single evaluation"),
                    )
                    .at(loc(r))
                    .fix("add `for: 5m` (how long the condition must hold)"),
                ),
                Some(d) if !d.scalar().is_some_and(valid_duration) => out.push(
                    Finding::fail(
                        "prometheus-rule-invalid",
                        format!(
                            "alert {alert}: `for: {}` is not a duration",
                            d.scalar().unwrap_or("?")
                        ),
                    )
                    .at(loc(d))
                    .fix("use a Prometheus duration such as 5m or 1h"),
                ),
                Some(_) => {}
            }
            if sev.is_none() {
                out.push(
                    Finding::fail(
                        "prometheus-alert-no-severity",
                        format!("alert {alert} has no labels.severity"),
                    )
                    .at(loc(r))
                    .fix("add labels: {severity: critical|warning}"),
                );
            }
            if ann
                .and_then(|a| a.get("summary").or(a.get("description")))
                .is_none()
            {
                out.push(
                    Finding::fail(
                        "prometheus-alert-no-summary",
                        format!("alert {alert} has no annotations.summary"),
                    )
                    .at(loc(r))
                    .fix("add annotations.summary saying what is wrong, with {{ $labels }}"),
                );
            }
        }
        if wants(&self.rules, "runbook") {
            let has_runbook = ann.is_some_and(|a| {
                a.keyed().any(|(k, _, v)| {
                    let k = k.to_ascii_lowercase();
                    (k.contains("runbook") || k.contains("playbook"))
                        && v.as_str().is_some_and(|s| !s.trim().is_empty())
                })
            });
            if !has_runbook {
                out.push(Finding::fail("prometheus-alert-no-runbook", format!("alert {alert} links no runbook")).at(loc(r)).fix("add annotations.runbook_url pointing at the runbook section for this alert"));
            }
        }
        (1, usize::from(wanted))
    }
}

fn alertmanager(f: &RepoFile, d: &Node, out: &mut Vec<Finding>) {
    let receivers = d.get("receivers").map(Node::items).unwrap_or(&[]);
    let names: Vec<&str> = receivers.iter().filter_map(|r| r.str_of("name")).collect();
    let route = d.get("route").unwrap_or(Node::null());
    match route.str_of("receiver") {
        None => out.push(
            Finding::fail(
                "prometheus-alertmanager-invalid",
                "the top-level route names no receiver",
            )
            .at(Location::at(&f.rel, route.line))
            .fix("set route.receiver to a defined receiver"),
        ),
        Some(r) if !names.contains(&r) => out.push(
            Finding::fail(
                "prometheus-alertmanager-invalid",
                format!("route receiver {r} is not defined"),
            )
            .at(Location::at(
                &f.rel,
                route.get("receiver").map_or(route.line, |n| n.line),
            ))
            .fix("define the receiver under receivers:"),
        ),
        _ => {}
    }
    fn walk<'a>(route: &'a Node, acc: &mut Vec<&'a Node>) {
        for r in route.get("routes").map(Node::items).unwrap_or(&[]) {
            if let Some(n) = r.get("receiver") {
                acc.push(n);
            }
            walk(r, acc);
        }
    }
    let mut subs = Vec::new();
    walk(route, &mut subs);
    for n in subs {
        if let Some(r) = n.as_str()
            && !names.contains(&r)
        {
            out.push(
                Finding::fail(
                    "prometheus-alertmanager-invalid",
                    format!("a route sends to undefined receiver {r}"),
                )
                .at(Location::at(&f.rel, n.line))
                .fix("define the receiver under receivers:"),
            );
        }
    }
    for r in receivers {
        let integrations = r
            .keyed()
            .filter(|(k, _, v)| RECEIVER_KEYS.contains(k) && !v.items().is_empty())
            .count();
        if integrations == 0 {
            out.push(
                Finding::warn(
                    "prometheus-receiver-empty",
                    format!(
                        "receiver {} has no integration, alerts sent to it go nowhere",
                        r.str_of("name").unwrap_or("?")
                    ),
                )
                .at(Location::at(&f.rel, r.line))
                .fix("add slack_configs, pagerduty_configs or webhook_configs"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::testing::{at, check as run, found as codes};

    const GOOD: &str = "groups:
  - name: api
    rules:
      - record: job:http_errors:rate5m
        expr: sum by (job) (rate(http_requests_total{status=~\"5..\"}[5m]))
      - alert: HighErrorRate
        expr: job:http_errors:rate5m > 0.05
        for: 5m
        labels:
          severity: critical
        annotations:
          summary: \"Error rate above 5% on {{ $labels.job }}\"
          runbook_url: https://runbooks.example.com/high-error-rate
";

    const BAD: &str = "apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: api}
spec:
  groups:
    - name: api
      rules:
        - alert: ApiDown
          expr: up{job=\"api\" == 0
          labels: {team: web}
        - alert: Slow
          expr: histogram_quantile(0.95, rate(x_bucket[5m])) > 2
          for: five minutes
          labels: {severity: warning}
          annotations: {summary: slow}
";

    const AM: &str = "route:
  receiver: oncall
  routes:
    - receiver: slack
receivers:
  - name: oncall
    pagerduty_configs:
      - routing_key_file: /etc/am/pd
  - name: nobody
";

    #[test]
    fn good_rules_pass() {
        let o = run(
            &PrometheusRules,
            &[("monitoring/alerts.yml", GOOD)],
            &[("severity", "critical")],
        );
        assert_eq!(o.status, Status::Pass, "{:?}", codes(&o));
    }

    #[test]
    fn bad_rules_fail_with_lines() {
        let f = "k8s/rules.yaml";
        let o = run(&PrometheusRules, &[(f, BAD)], &[("severity", "critical")]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            codes(&o),
            at(&[
                ("prometheus-expr-invalid", &format!("{f}:9")),
                ("prometheus-alert-no-for", &format!("{f}:8")),
                ("prometheus-alert-no-severity", &format!("{f}:8")),
                ("prometheus-alert-no-summary", &format!("{f}:8")),
                ("prometheus-alert-no-runbook", &format!("{f}:8")),
                ("prometheus-rule-invalid", &format!("{f}:13")),
                ("prometheus-alert-no-runbook", &format!("{f}:11")),
                ("prometheus-no-severity-alert", f),
            ])
        );
    }

    #[test]
    fn alertmanager_routes_and_receivers() {
        let o = run(
            &PrometheusRules,
            &[("alertmanager.yml", AM)],
            &[("rules", "alertmanager")],
        );
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            codes(&o),
            at(&[
                ("prometheus-alertmanager-invalid", "alertmanager.yml:4"),
                ("prometheus-receiver-empty", "alertmanager.yml:9")
            ])
        );
        let o = run(
            &PrometheusRules,
            &[("x.yml", GOOD)],
            &[("rules", "alertmanager")],
        );
        assert_eq!(o.status, Status::Skipped);
        assert_eq!(o.evidence.summary, "no Alertmanager configuration found");
    }

    #[test]
    fn critical_item_binds_severity() {
        let r = crate::util::testing::recognise(
            &PrometheusRules,
            "Alert rules defined for critical errors",
        )
        .unwrap();
        assert_eq!(r.str("severity"), Some("critical"));
        let o = run(
            &PrometheusRules,
            &[("rules.yml", &GOOD.replace("critical", "warning"))],
            &r.iter().collect::<Vec<_>>(),
        );
        assert_eq!(
            codes(&o),
            at(&[("prometheus-no-severity-alert", "rules.yml")])
        );
    }

    #[test]
    fn broken_and_missing() {
        let o = run(
            &PrometheusRules,
            &[("rules.yml", "groups:\n  - name: x\n    rules: [\n")],
            &[],
        );
        assert_eq!(codes(&o)[0].0, "prometheus-parse-error");
        assert_eq!(o.status, Status::Fail);
        let o = run(&PrometheusRules, &[("a.yml", "a: 1\n")], &[]);
        assert_eq!(o.status, Status::Skipped);
        assert!(valid_duration("1h30m") && !valid_duration("5 m"));
    }
}
