//! `grafana.dashboards`: Grafana dashboard JSON files are present and valid, and provisioning
//! loads them.

use crate::util::{absent, blocking, inventory, unreadable};
use gonogo_core::recognise::{Claim, Slot, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck, Status,
};
use gonogo_parsers::yaml::{Node, parse_documents};
use gonogo_repo::read_repo_text;
use std::collections::BTreeMap;

pub struct GrafanaDashboards;

/// What the kind verifies, as the recognition engine reads items: dashboards kept as code
/// and provisioned into Grafana (one whose title names what the item asks for).
const CLAIMS: &[Claim] = &[Claim {
    subject: &["dashboard*"],
    qualifiers: &[
        // Grafana named, or dashboards as code, or a monitoring heading above the item.
        &[
            "grafana",
            "provision*",
            "observability",
            "dashboard json",
            "dashboards as code",
            "monitoring",
        ],
        // A bare "Dashboards" heads a group; the item must say what holds.
        &[
            "provision*",
            "imported",
            "grafana",
            "tracking",
            "exist*",
            "created",
            "in place",
            "available",
            "load*",
            "json",
            "as code",
            "in the repo",
            "in git",
            "version*",
            "sla",
            "slo",
            "business",
        ],
    ],
    support: &["provisioned", "imported", "in the repo"],
    // Looking at dashboards (what they show, who reviewed them) is people's work.
    excludes: &[
        "reviewed",
        "review",
        "show*",
        "green",
        "check",
        "pr",
        "merged",
        "walk*",
        "alert*",
        "deployed",
        "install*",
        "access",
        "sso",
        "shared",
        "screenshot*",
        "tv",
        "wall",
    ],
    slots: &[Slot::optional(
        "title",
        Value::Choice(&[("sla", "SLA"), ("slo", "SLO"), ("business", "business")]),
    )],
    weight: 80,
    ..Claim::EMPTY
}];

static DOC: CheckDoc = CheckDoc {
    live: None,
    targets: &[],
    summary: "Grafana dashboard JSON files are present and valid, and a provisioning config loads them.",
    description: "Finds dashboard JSON (files with `panels` and `schemaVersion`, bare or wrapped in \
`{\"dashboard\": …}` as the HTTP API exports them, and any `.json` under a `dashboards` or \
`grafana` folder). Each must parse, have a title and at least one panel; query panels without \
`targets` are warned about; two dashboards with the same `uid` overwrite each other on import \
and fail. Dashboards must be loaded by provisioning: a YAML file with `providers:` (each with \
`options.path`) or a Kubernetes ConfigMap labelled `grafana_dashboard` (the sidecar's \
convention). With `title=` a dashboard whose title contains that text must exist (\"SLA tracking \
dashboard\" → `title=SLA`). Fails on any failing finding; skips with \"no Grafana dashboards \
found\" (fails with `required=true`). A file that does not parse is `grafana-parse-error` at its \
line.",
    params: &[
        ParamDoc::optional(
            "title",
            "A dashboard whose title contains this (case-insensitive) must exist.",
        ),
        ParamDoc::with_default("provisioning", "Require a provisioning config.", "true"),
        ParamDoc::with_default(
            "required",
            "Fail instead of skipping when no dashboard is found.",
            "false",
        ),
    ],
    examples: &[
        "grafana.dashboards",
        "grafana.dashboards title=SLA",
        "grafana.dashboards provisioning=false required=true",
    ],
    claims: CLAIMS,
    phrases: &[
        "Grafana dashboards imported",
        "Grafana dashboards provisioned",
        "SLA tracking dashboard in Grafana",
    ],
    not_phrases: &[
        "Grafana deployed",
        "Check monitoring dashboards",
        "Monitoring dashboards showing green metrics",
        "**PR #10** merged (All 5 dashboards complete)",
    ],
    findings: &[
        (
            "grafana-parse-error",
            "A dashboard or provisioning file is not valid JSON/YAML.",
        ),
        (
            "grafana-dashboard-invalid",
            "A dashboard has no title or no panels.",
        ),
        (
            "grafana-panel-no-query",
            "A graph/stat/table panel has no query (`targets`).",
        ),
        (
            "grafana-duplicate-uid",
            "Two dashboards share a uid, so one overwrites the other on import.",
        ),
        (
            "grafana-no-provisioning",
            "No provisioning config (providers:, or a grafana_dashboard ConfigMap) loads the dashboards.",
        ),
        (
            "grafana-provisioning-invalid",
            "A dashboard provider has no `options.path`.",
        ),
        (
            "grafana-dashboard-missing",
            "No dashboard has the title the item names.",
        ),
        (
            "grafana-not-found",
            "No dashboard was found while `required=true`.",
        ),
    ],
};

impl CheckKind for GrafanaDashboards {
    fn id(&self) -> &'static str {
        "grafana.dashboards"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        Ok(Box::new(Prepared {
            title: params.str("title").map(str::to_string),
            provisioning: params.value::<bool>("provisioning")?,
            required: params.value::<bool>("required")?,
        }))
    }
}

#[derive(Clone)]
struct Prepared {
    title: Option<String>,
    provisioning: bool,
    required: bool,
}

const QUERY_PANELS: &[&str] = &[
    "graph",
    "timeseries",
    "stat",
    "gauge",
    "table",
    "bargauge",
    "heatmap",
    "piechart",
    "singlestat",
];

/// Byte offset of the first `"key"` occurrence, for a line number.
fn key_line(src: &str, key: &str, from: usize) -> usize {
    let needle = format!("\"{key}\"");
    src[from.min(src.len())..]
        .find(&needle)
        .map(|p| gonogo_parsers::line_of(src.as_bytes(), from + p))
        .unwrap_or(1)
}

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        let files = inventory(ctx).await;
        let this = self.clone();
        blocking(move || {
            let mut findings = Vec::new();
            let mut dashboards: Vec<(String, String, usize)> = Vec::new(); // (rel, title, line)
            let mut uids: BTreeMap<String, String> = BTreeMap::new();
            let mut providers = 0;
            for f in &files.files {
                let lower = f.rel.to_ascii_lowercase();
                let in_dash_dir = lower.contains("dashboards/") || lower.contains("grafana/");
                if lower.ends_with(".json") {
                    let Ok(src) = read_repo_text(f) else { continue };
                    let looks = src.contains("\"panels\"") && (src.contains("\"schemaVersion\"") || src.contains("\"dashboard\""));
                    if !looks && !in_dash_dir {
                        continue;
                    }
                    let v: serde_json::Value = match serde_json::from_str(&src) {
                        Ok(v) => v,
                        Err(e) => {
                            findings.push(unreadable("grafana-parse-error", &f.rel, Some(e.line()), &format!("{}: {e}", f.rel)));
                            continue;
                        }
                    };
                    let d = v.get("dashboard").filter(|d| d.is_object()).unwrap_or(&v);
                    if d.get("panels").is_none() && d.get("rows").is_none() {
                        continue; // some other JSON in a grafana folder (datasource export, …)
                    }
                    let title = d.get("title").and_then(|t| t.as_str()).unwrap_or("");
                    let mut panels: Vec<&serde_json::Value> = Vec::new();
                    for p in d.get("panels").and_then(|p| p.as_array()).into_iter().flatten() {
                        panels.push(p);
                        panels.extend(p.get("panels").and_then(|p| p.as_array()).into_iter().flatten());
                    }
                    for r in d.get("rows").and_then(|r| r.as_array()).into_iter().flatten() {
                        panels.extend(r.get("panels").and_then(|p| p.as_array()).into_iter().flatten());
                    }
                    let real: Vec<_> = panels.iter().filter(|p| p.get("type").and_then(|t| t.as_str()) != Some("row")).collect();
                    if title.trim().is_empty() || real.is_empty() {
                        let what = if title.trim().is_empty() { "has no title" } else { "has no panels" };
                        findings.push(
                            Finding::fail("grafana-dashboard-invalid", format!("dashboard {} {what}", f.rel))
                                .at(Location::at(&f.rel, 1))
                                .fix("export the dashboard again from Grafana (Share → Export → Save to file)"),
                        );
                    }
                    for p in real {
                        let ty = p.get("type").and_then(|t| t.as_str()).unwrap_or("");
                        let has_targets = p.get("targets").and_then(|t| t.as_array()).is_some_and(|t| !t.is_empty());
                        if QUERY_PANELS.contains(&ty) && !has_targets {
                            let ptitle = p.get("title").and_then(|t| t.as_str()).unwrap_or("?");
                            let at = src.find(&format!("\"{ptitle}\"")).unwrap_or(0);
                            findings.push(
                                Finding::warn("grafana-panel-no-query", format!("dashboard {title:?}: {ty} panel {ptitle:?} has no query"))
                                    .at(Location::at(&f.rel, gonogo_parsers::line_of(src.as_bytes(), at)))
                                    .fix("add the PromQL/SQL target the panel should show, or remove the panel"),
                            );
                        }
                    }
                    if let Some(uid) = d.get("uid").and_then(|u| u.as_str()).filter(|u| !u.is_empty()) {
                        if let Some(other) = uids.get(uid) {
                            findings.push(
                                Finding::fail("grafana-duplicate-uid", format!("dashboards {other} and {} share uid {uid}", f.rel))
                                    .at(Location::at(&f.rel, key_line(&src, "uid", 0)))
                                    .fix("give each dashboard its own uid"),
                            );
                        } else {
                            uids.insert(uid.to_string(), f.rel.clone());
                        }
                    }
                    dashboards.push((f.rel.clone(), title.to_string(), 1));
                } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
                    let Ok(src) = read_repo_text(f) else { continue };
                    let provider_file = src.contains("providers:");
                    let sidecar = src.contains("grafana_dashboard") && src.contains("ConfigMap");
                    if !provider_file && !sidecar {
                        continue;
                    }
                    let docs = match parse_documents(&src) {
                        Ok(d) => d,
                        Err(e) => {
                            findings.push(unreadable("grafana-parse-error", &f.rel, Some(e.line), &format!("{}: {e}", f.rel)));
                            continue;
                        }
                    };
                    for d in &docs {
                        if let Some(ps) = d.get("providers").and_then(|p| p.as_seq()) {
                            for p in ps {
                                providers += 1;
                                if p.path(&["options", "path"]).and_then(Node::as_str).is_none() {
                                    findings.push(
                                        Finding::fail("grafana-provisioning-invalid", format!("dashboard provider {} has no options.path", p.str_of("name").unwrap_or("?")))
                                            .at(Location::at(&f.rel, p.line))
                                            .fix("set options.path to the folder the dashboard JSON is mounted at"),
                                    );
                                }
                            }
                        }
                        if d.str_of("kind") == Some("ConfigMap") && d.path(&["metadata", "labels", "grafana_dashboard"]).is_some() {
                            providers += 1;
                            if let Some(data) = d.get("data") {
                                for (name, _, _) in data.keyed().filter(|(n, _, _)| n.ends_with(".json")) {
                                    dashboards.push((f.rel.clone(), name.to_string(), d.line));
                                }
                            }
                        }
                    }
                }
            }
            if dashboards.is_empty() && findings.is_empty() {
                return absent(this.required, "grafana-not-found", "no Grafana dashboards found", "export the dashboards as JSON into the repository and provision them");
            }
            if this.provisioning && providers == 0 && !dashboards.is_empty() {
                findings.push(
                    Finding::fail("grafana-no-provisioning", format!("{} dashboard(s) but no provisioning config loads them", dashboards.len()))
                        .at(Location::file(dashboards[0].0.clone()))
                        .fix("add grafana/provisioning/dashboards/dashboards.yaml with a file provider pointing at the JSON folder"),
                );
            }
            if let Some(want) = &this.title {
                let w = want.to_lowercase();
                if !dashboards.iter().any(|(rel, t, _)| t.to_lowercase().contains(&w) || rel.to_lowercase().contains(&w)) {
                    findings.push(
                        Finding::fail("grafana-dashboard-missing", format!("no dashboard titled like {want:?} among {}", dashboards.len()))
                            .fix(format!("create the {want} dashboard and commit its JSON")),
                    );
                }
            }
            let failing = findings.iter().filter(|f| f.severity == Status::Fail).count();
            Outcome::from_findings(
                format!("{} dashboard(s), {providers} provisioning provider(s): {failing} problem(s)", dashboards.len()),
                findings,
            )
            .observed(format!("{} dashboard(s)", dashboards.len()))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::testing::{at, check as run, found as codes};

    const DASH: &str = r#"{
  "uid": "api-overview",
  "title": "API overview",
  "schemaVersion": 39,
  "panels": [
    {"type": "timeseries", "title": "Requests", "targets": [{"expr": "rate(http_requests_total[5m])"}]}
  ]
}
"#;
    const PROV: &str = "apiVersion: 1\nproviders:\n  - name: default\n    type: file\n    options:\n      path: /var/lib/grafana/dashboards\n";

    #[test]
    fn provisioned_dashboards_pass() {
        let o = run(
            &GrafanaDashboards,
            &[
                ("grafana/dashboards/api.json", DASH),
                ("grafana/provisioning/dashboards/default.yaml", PROV),
            ],
            &[],
        );
        assert_eq!(o.status, Status::Pass, "{:?}", codes(&o));
    }

    #[test]
    fn bad_dashboards_fail_with_lines() {
        let empty_panel = DASH.replace("\"API overview\"", "\"Copy\"").replace(
            ", \"targets\": [{\"expr\": \"rate(http_requests_total[5m])\"}]",
            "",
        );
        let o = run(
            &GrafanaDashboards,
            &[
                ("grafana/dashboards/a.json", DASH),
                ("grafana/dashboards/b.json", &empty_panel),
                (
                    "grafana/dashboards/broken.json",
                    "{\n  \"title\": \"x\",\n  \"panels\": [\n}\n",
                ),
            ],
            &[("title", "SLA")],
        );
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            codes(&o),
            at(&[
                ("grafana-panel-no-query", "grafana/dashboards/b.json:6"),
                ("grafana-duplicate-uid", "grafana/dashboards/b.json:2"),
                ("grafana-parse-error", "grafana/dashboards/broken.json:4"),
                ("grafana-no-provisioning", "grafana/dashboards/a.json"),
                ("grafana-dashboard-missing", ""),
            ])
        );
    }

    #[test]
    fn context_binds_dashboard_items() {
        let ctx = vec![
            "Monitoring & Observability".to_string(),
            "Dashboards".to_string(),
        ];
        let r =
            crate::util::testing::recognise_in(&GrafanaDashboards, "SLA tracking dashboard", &ctx)
                .unwrap();
        assert_eq!(r.str("title"), Some("SLA"));
        assert!(
            crate::util::testing::recognise_in(&GrafanaDashboards, "Dashboards", &ctx).is_none()
        );
        assert!(
            crate::util::testing::recognise(&GrafanaDashboards, "SLA tracking dashboard").is_none()
        );
    }

    #[test]
    fn none_is_skipped() {
        let o = run(&GrafanaDashboards, &[("package.json", "{}")], &[]);
        assert_eq!(o.status, Status::Skipped);
        assert_eq!(o.evidence.summary, "no Grafana dashboards found");
    }
}
