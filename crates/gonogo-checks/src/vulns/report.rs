//! `vulns.report`: vulnerability scanner reports (Trivy, Grype, npm audit, pip-audit,
//! cargo-audit, Snyk JSON) hold no finding at or above a severity.

use crate::util::{absent, blocking, inventory, unreadable};
use gonogo_core::recognise::{self, Claim, Slot};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};
use gonogo_parsers::line_of;
use gonogo_repo::classify::FileClass;
use gonogo_repo::{RepoFile, read_repo_text};
use serde_json::Value;

pub struct VulnsReport;

/// Vulnerability scanners whose reports the kind reads, and what their users call them.
const SCANNERS: &[&str] = &[
    "trivy",
    "grype",
    "snyk",
    "pip audit",
    "npm audit",
    "yarn audit",
    "cargo audit",
    "osv scanner",
    "dependency check",
    "govulncheck",
    "vulnerability scan*",
    "vulnerability report*",
    "audit report*",
    "security report*",
];
/// Policies (fix within N days), people's tests and CI wiring are not a report's findings.
const NOT_REPORT: &[&str] = &[
    "penetration",
    "pen test*",
    "pentest*",
    "owasp",
    "sla",
    "within",
    "day*",
    "hour*",
    "policy",
    "process",
    "disclo*",
    "bounty",
    "threat model*",
    "dast",
    "enabled",
    "configured",
    "in ci",
    "scheduled",
    "monitor*",
    "licens*",
];

/// What the kind verifies, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[
    Claim {
        // "No high or critical vulnerabilities": the lowest severity named is the threshold.
        subject: &[
            "vulnerabilit*",
            "cve*",
            "finding",
            "advisor*",
            "trivy",
            "grype",
            "snyk",
            "pip audit",
            "npm audit",
            "cargo audit",
            "osv scanner",
        ],
        support: &["no", "report*", "clean", "open"],
        excludes: NOT_REPORT,
        slots: &[
            Slot::required(
                "severity",
                recognise::Value::Choice(&[
                    ("low", "low"),
                    ("medium", "medium"),
                    ("moderate", "medium"),
                    ("high", "high"),
                    ("critical", "critical"),
                ]),
            ),
            Slot::optional("path", recognise::Value::Read(report_path)),
        ],
        weight: 80,
        ..Claim::EMPTY
    },
    Claim {
        // "Vulnerability scan completed": a report must exist and parse; no severity asked.
        subject: SCANNERS,
        qualifiers: &[&[
            "completed",
            "done",
            "run",
            "present",
            "parseable",
            "exist*",
            "generated",
            "available",
            "attached",
            "produced",
        ]],
        excludes: NOT_REPORT,
        params: &[("severity", "none"), ("required", "true")],
        slots: &[Slot::optional("path", recognise::Value::Read(report_path))],
        weight: 80,
        ..Claim::EMPTY
    },
];

/// The report the item names: `reports/trivy.json`.
fn report_path(text: &recognise::Text<'_>) -> Option<String> {
    let path = recognise::Value::Path.read(text)?;
    let lower = path.to_ascii_lowercase();
    [".json", ".sarif", ".xml"]
        .iter()
        .any(|e| lower.ends_with(e))
        .then_some(path)
}

static DOC: CheckDoc = CheckDoc {
    live: None,
    targets: &[],
    summary: "Vulnerability reports (Trivy, Grype, npm audit, pip-audit, cargo-audit, Snyk JSON) have no finding at or above a severity.",
    description: "Reads the scanner reports committed or produced in the repository (`path=` names \
one; otherwise every JSON file whose name mentions trivy, grype, audit, snyk, vuln, osv or sbom \
scan, recognised by its structure): Trivy (`Results[].Vulnerabilities`), Grype (`matches`), \
npm audit v1 (`advisories`) and v2 (`vulnerabilities`), pip-audit (`dependencies[].vulns`), \
cargo-audit (`vulnerabilities.list`) and Snyk (`vulnerabilities`). Counts by severity are the \
evidence. Every vulnerability at or above `severity` (default `high`) is a failing finding at \
the line of the report where its id appears; `severity=none` only requires a readable report. \
Reports without a severity (pip-audit, cargo-audit advisories without one) count as `unknown`, \
which fails unless `unknown=ignore`, because an unrated vulnerability is not known to be minor. \
Skips when no report is found (fails with `required=true` or when `path=` names a missing file); a report that does not parse is \
`vulns-report-invalid` at its line.",
    params: &[
        ParamDoc::with_default(
            "severity",
            "Fail at or above: critical, high, medium, low, or none.",
            "high",
        ),
        ParamDoc::optional("path", "The report file, relative to the repository."),
        ParamDoc::with_default(
            "unknown",
            "How to treat vulnerabilities without a severity: fail or ignore.",
            "fail",
        ),
        ParamDoc::with_default(
            "required",
            "Fail instead of skipping when no report is found.",
            "false",
        ),
    ],
    examples: &[
        "vulns.report",
        "vulns.report severity=critical",
        "vulns.report path=reports/trivy.json severity=none required=true",
    ],
    claims: CLAIMS,
    phrases: &[
        "Vulnerability scan completed (Trivy/Snyk)",
        "No critical vulnerabilities",
        "No high or critical vulnerabilities in dependencies",
    ],
    not_phrases: &[
        "Penetration testing performed",
        "OWASP Top 10 addressed",
        "Image scanning enabled",
        "Security scanning enabled",
    ],
    findings: &[
        (
            "vulns-found",
            "A vulnerability at or above the severity threshold is reported.",
        ),
        (
            "vulns-report-invalid",
            "A report is not valid JSON or is in no known format.",
        ),
        (
            "vulns-no-report",
            "No vulnerability report was found while `required=true`, or none is at the `path=` given.",
        ),
    ],
};

impl CheckKind for VulnsReport {
    fn id(&self) -> &'static str {
        "vulns.report"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let severity = params.required("severity")?.to_ascii_lowercase();
        let threshold = match severity.as_str() {
            "critical" => Some(4),
            "high" => Some(3),
            "medium" | "moderate" => Some(2),
            "low" => Some(1),
            "none" => None,
            _ => {
                return Err(ParamError::new(
                    "severity",
                    "one of critical, high, medium, low, none",
                ));
            }
        };
        let ignore_unknown = match params.required("unknown")? {
            "fail" => false,
            "ignore" => true,
            _ => return Err(ParamError::new("unknown", "fail or ignore")),
        };
        Ok(Box::new(Prepared {
            threshold,
            ignore_unknown,
            path: params.str("path").map(str::to_string),
            required: params.value::<bool>("required")?,
        }))
    }
}

#[derive(Clone)]
struct Prepared {
    /// Rank at or above which a vulnerability fails; `None` = never.
    threshold: Option<u8>,
    ignore_unknown: bool,
    path: Option<String>,
    required: bool,
}

/// One reported vulnerability.
#[derive(Debug, Clone, PartialEq)]
pub struct Vuln {
    pub id: String,
    pub package: String,
    pub version: String,
    /// 0 unknown, 1 low, 2 medium, 3 high, 4 critical.
    pub rank: u8,
    pub fixed: Option<String>,
}

const NAMES: [&str; 5] = ["unknown", "low", "medium", "high", "critical"];

fn rank(s: &str) -> u8 {
    match s.to_ascii_lowercase().as_str() {
        "critical" => 4,
        "high" => 3,
        "medium" | "moderate" => 2,
        "low" | "negligible" | "info" => 1,
        _ => 0,
    }
}

fn s(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

/// The scanner and its vulnerabilities, or `None` when the JSON is no known report.
pub fn parse_report(v: &Value) -> Option<(&'static str, Vec<Vuln>)> {
    let mut out = Vec::new();
    if let Some(results) = v.get("Results").and_then(Value::as_array) {
        for r in results {
            for x in r
                .get("Vulnerabilities")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                out.push(Vuln {
                    id: s(x, "VulnerabilityID"),
                    package: s(x, "PkgName"),
                    version: s(x, "InstalledVersion"),
                    rank: rank(&s(x, "Severity")),
                    fixed: x
                        .get("FixedVersion")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                });
            }
        }
        return Some(("trivy", out));
    }
    if let Some(matches) = v.get("matches").and_then(Value::as_array) {
        for m in matches {
            let vuln = m.get("vulnerability").unwrap_or(&Value::Null);
            let art = m.get("artifact").unwrap_or(&Value::Null);
            let fixed = vuln
                .pointer("/fix/versions")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(Value::as_str)
                .map(str::to_string);
            out.push(Vuln {
                id: s(vuln, "id"),
                package: s(art, "name"),
                version: s(art, "version"),
                rank: rank(&s(vuln, "severity")),
                fixed,
            });
        }
        return Some(("grype", out));
    }
    if v.get("auditReportVersion").is_some()
        || (v.get("vulnerabilities").is_some_and(Value::is_object) && v.get("metadata").is_some())
    {
        for (name, x) in v
            .get("vulnerabilities")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let id = x
                .get("via")
                .and_then(Value::as_array)
                .and_then(|via| {
                    via.iter().find_map(|e| {
                        e.get("url")
                            .and_then(Value::as_str)
                            .or(e.get("source").and_then(Value::as_str))
                            .map(str::to_string)
                    })
                })
                .unwrap_or_else(|| name.clone());
            out.push(Vuln {
                id,
                package: name.clone(),
                version: s(x, "range"),
                rank: rank(&s(x, "severity")),
                fixed: None,
            });
        }
        return Some(("npm audit", out));
    }
    if let Some(adv) = v.get("advisories").and_then(Value::as_object) {
        for (id, x) in adv {
            let cve = x
                .get("cves")
                .and_then(Value::as_array)
                .and_then(|c| c.first())
                .and_then(Value::as_str)
                .map(str::to_string);
            out.push(Vuln {
                id: cve.unwrap_or_else(|| id.clone()),
                package: s(x, "module_name"),
                version: s(x, "vulnerable_versions"),
                rank: rank(&s(x, "severity")),
                fixed: x
                    .get("patched_versions")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            });
        }
        return Some(("npm audit", out));
    }
    let pip_deps = v.get("dependencies").and_then(Value::as_array).or_else(|| {
        v.as_array()
            .filter(|a| a.iter().any(|d| d.get("vulns").is_some()))
    });
    if let Some(deps) = pip_deps
        && deps.iter().all(|d| d.get("name").is_some())
    {
        for d in deps {
            for x in d
                .get("vulns")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let fixed = x
                    .get("fix_versions")
                    .and_then(Value::as_array)
                    .and_then(|a| a.first())
                    .and_then(Value::as_str)
                    .map(str::to_string);
                out.push(Vuln {
                    id: s(x, "id"),
                    package: s(d, "name"),
                    version: s(d, "version"),
                    rank: x.get("severity").and_then(Value::as_str).map_or(0, rank),
                    fixed,
                });
            }
        }
        return Some(("pip-audit", out));
    }
    if let Some(list) = v.pointer("/vulnerabilities/list").and_then(Value::as_array) {
        for x in list {
            let adv = x.get("advisory").unwrap_or(&Value::Null);
            let pkg = x.get("package").unwrap_or(&Value::Null);
            let sev = adv.get("severity").and_then(Value::as_str).map_or(0, rank);
            let fixed = x
                .pointer("/versions/patched")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(Value::as_str)
                .map(str::to_string);
            out.push(Vuln {
                id: s(adv, "id"),
                package: s(pkg, "name"),
                version: s(pkg, "version"),
                rank: sev,
                fixed,
            });
        }
        return Some(("cargo-audit", out));
    }
    if let Some(list) = v.get("vulnerabilities").and_then(Value::as_array) {
        for x in list {
            out.push(Vuln {
                id: s(x, "id"),
                package: s(x, "packageName"),
                version: s(x, "version"),
                rank: rank(&s(x, "severity")),
                fixed: x
                    .get("fixedIn")
                    .and_then(Value::as_array)
                    .and_then(|a| a.first())
                    .and_then(Value::as_str)
                    .map(str::to_string),
            });
        }
        return Some(("snyk", out));
    }
    None
}

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        let files = inventory(ctx).await;
        let this = self.clone();
        blocking(move || {
            let reports: Vec<&RepoFile> = match &this.path {
                Some(p) => files.files.iter().filter(|f| f.rel == p.trim_start_matches("./")).collect(),
                None => files.of(FileClass::VulnerabilityReport).collect(),
            };
            if reports.is_empty() {
                let reason = match &this.path {
                    Some(p) => format!("vulnerability report {p} not found"),
                    None => "no vulnerability report found (Trivy, Grype, npm audit, pip-audit, cargo-audit or Snyk JSON)".into(),
                };
                // A report the item names is required.
                let required = this.required || this.path.is_some();
                return absent(required, "vulns-no-report", &reason, "run the scanner in CI and keep its JSON report (trivy fs --format json -o trivy.json .)");
            }
            let mut findings = Vec::new();
            let mut counts = [0usize; 5];
            let mut scanners = Vec::new();
            for f in reports {
                let src = match read_repo_text(f) {
                    Ok(s) => s,
                    Err(why) => {
                        findings.push(unreadable("vulns-report-invalid", &f.rel, None, &why));
                        continue;
                    }
                };
                let v: Value = match serde_json::from_str(&src) {
                    Ok(v) => v,
                    Err(e) => {
                        findings.push(unreadable("vulns-report-invalid", &f.rel, Some(e.line()), &format!("{}: {e}", f.rel)));
                        continue;
                    }
                };
                let Some((scanner, vulns)) = parse_report(&v) else {
                    if this.path.is_some() {
                        findings.push(unreadable("vulns-report-invalid", &f.rel, Some(1), &format!("{} is not a Trivy, Grype, npm audit, pip-audit, cargo-audit or Snyk JSON report", f.rel)));
                    }
                    continue;
                };
                scanners.push(format!("{scanner} ({})", f.rel));
                for x in &vulns {
                    counts[x.rank as usize] += 1;
                    let failing = match this.threshold {
                        None => false,
                        Some(t) => x.rank >= t || (x.rank == 0 && !this.ignore_unknown),
                    };
                    if failing && findings.len() < 500 {
                        let line = src.find(&format!("\"{}\"", x.id)).map_or(1, |p| line_of(src.as_bytes(), p));
                        let fixed = x.fixed.as_deref().map(|v| format!(", fixed in {v}")).unwrap_or_default();
                        findings.push(
                            Finding::fail("vulns-found", format!("{} in {}@{} ({}){fixed}", x.id, x.package, x.version, NAMES[x.rank as usize]))
                                .at(Location::at(&f.rel, line))
                                .fix(match &x.fixed {
                                    Some(v) => format!("upgrade {} to {v}", x.package),
                                    None => format!("replace {} or waive the finding with a reason and an expiry", x.package),
                                }),
                        );
                    }
                }
            }
            if scanners.is_empty() && findings.is_empty() {
                return absent(this.required, "vulns-no-report", "no vulnerability report found (the JSON files found are not scanner reports)", "keep the scanner's JSON report");
            }
            let by_sev = format!("critical {}, high {}, medium {}, low {}, unknown {}", counts[4], counts[3], counts[2], counts[1], counts[0]);
            let expected = match this.threshold {
                Some(t) => format!("none at or above {}", NAMES[t as usize]),
                None => "a readable report".into(),
            };
            Outcome::from_findings(format!("{}: {by_sev}", scanners.join(", ")), findings)
                .observed(by_sev)
                .expected(expected)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::testing::{at, check as run, found as codes};
    use gonogo_core::Status;

    const TRIVY: &str = r#"{
  "SchemaVersion": 2,
  "Results": [
    {
      "Target": "requirements.txt",
      "Vulnerabilities": [
        {"VulnerabilityID": "CVE-2024-0001", "PkgName": "django", "InstalledVersion": "4.2.0", "FixedVersion": "4.2.11", "Severity": "CRITICAL"},
        {"VulnerabilityID": "CVE-2024-0002", "PkgName": "requests", "InstalledVersion": "2.31.0", "Severity": "MEDIUM"}
      ]
    }
  ]
}
"#;
    const GRYPE: &str = r#"{"matches": [{"vulnerability": {"id": "GHSA-aaaa", "severity": "High", "fix": {"versions": ["1.2.3"]}}, "artifact": {"name": "lodash", "version": "4.17.0"}}]}"#;
    const NPM: &str = r#"{"auditReportVersion": 2, "vulnerabilities": {"minimist": {"severity": "low", "range": "<1.2.6", "via": [{"source": 1179, "url": "https://github.com/advisories/GHSA-xvch"}]}}, "metadata": {}}"#;
    const PIP: &str = r#"{"dependencies": [{"name": "flask", "version": "2.0.0", "vulns": [{"id": "PYSEC-2023-62", "fix_versions": ["2.2.5"]}]}, {"name": "six", "version": "1.16.0", "vulns": []}]}"#;
    const CARGO: &str = r#"{"vulnerabilities": {"found": true, "count": 1, "list": [{"advisory": {"id": "RUSTSEC-2023-0001", "package": "tokio"}, "package": {"name": "tokio", "version": "1.0.0"}, "versions": {"patched": [">=1.18.5"]}}]}}"#;

    #[test]
    fn counts_and_thresholds() {
        let files = [
            ("reports/trivy.json", TRIVY),
            ("reports/grype.json", GRYPE),
            ("reports/npm-audit.json", NPM),
        ];
        let o = run(&VulnsReport, &files, &[]);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.evidence.observed.as_deref(),
            Some("critical 1, high 1, medium 1, low 1, unknown 0")
        );
        assert_eq!(
            codes(&o),
            at(&[
                ("vulns-found", "reports/grype.json:1"),
                ("vulns-found", "reports/trivy.json:7")
            ])
        );
        assert_eq!(
            o.evidence.findings[1].message,
            "CVE-2024-0001 in django@4.2.0 (critical), fixed in 4.2.11"
        );
        let o = run(&VulnsReport, &files, &[("severity", "critical")]);
        assert_eq!(codes(&o), at(&[("vulns-found", "reports/trivy.json:7")]));
        let o = run(
            &VulnsReport,
            &[("reports/npm-audit.json", NPM)],
            &[("severity", "critical")],
        );
        assert_eq!(o.status, Status::Pass);
        let o = run(&VulnsReport, &files, &[("severity", "none")]);
        assert_eq!(o.status, Status::Pass);
    }

    #[test]
    fn unrated_vulnerabilities_fail_unless_ignored() {
        let files = [("pip-audit.json", PIP), ("cargo-audit.json", CARGO)];
        let o = run(&VulnsReport, &files, &[("severity", "critical")]);
        assert_eq!(
            codes(&o),
            at(&[
                ("vulns-found", "cargo-audit.json:1"),
                ("vulns-found", "pip-audit.json:1")
            ])
        );
        let o = run(
            &VulnsReport,
            &files,
            &[("severity", "critical"), ("unknown", "ignore")],
        );
        assert_eq!(o.status, Status::Pass);
        assert_eq!(
            o.evidence.observed.as_deref(),
            Some("critical 0, high 0, medium 0, low 0, unknown 2")
        );
    }

    #[test]
    fn broken_missing_and_the_scan_completed_item() {
        let o = run(
            &VulnsReport,
            &[("trivy.json", "{\n  \"Results\": [\n")],
            &[],
        );
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            codes(&o)[0],
            (
                "vulns-report-invalid".to_string(),
                "trivy.json:3".to_string()
            )
        );
        let o = run(&VulnsReport, &[("README.md", "x")], &[]);
        assert_eq!(o.status, Status::Skipped);
        let r = crate::util::testing::recognise(
            &VulnsReport,
            "Vulnerability scan completed (Trivy/Snyk)",
        )
        .unwrap();
        let kv: Vec<(&str, &str)> = r.iter().collect();
        let o = run(&VulnsReport, &[("README.md", "x")], &kv);
        assert_eq!(codes(&o), at(&[("vulns-no-report", "")]));
        let o = run(&VulnsReport, &[("trivy.json", TRIVY)], &kv);
        assert_eq!(o.status, Status::Pass);
        let r =
            crate::util::testing::recognise(&VulnsReport, "No critical vulnerabilities").unwrap();
        assert_eq!(r.str("severity"), Some("critical"));
        let r =
            crate::util::testing::recognise(&VulnsReport, "No high or critical vulnerabilities")
                .unwrap();
        assert_eq!(r.str("severity"), Some("high"));
    }
}
