//! `tests.junit`: JUnit XML test reports say every test passed.

use super::{MAX_REPORT_BYTES, ReportPaths};
use gonogo_core::recognise::{Claim, Slot, Text, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck, Status,
};
use gonogo_parsers::LineIndex;
use gonogo_repo::read_text;
use quick_xml::events::{BytesStart, Event};
use regex::Regex;
use std::sync::LazyLock;

pub struct TestsJunit;

/// Where test runners usually write JUnit XML (matched case-insensitively; files whose root
/// element is not `<testsuites>`/`<testsuite>` are passed over).
const DEFAULT_PATHS: &[&str] = &[
    "**/junit*.xml",
    "**/*[-_.]junit.xml",
    "**/TEST-*.xml",
    "**/test-results/**/*.xml",
    "**/test-reports/**/*.xml",
    "**/surefire-reports/*.xml",
    "**/pytest*.xml",
    "**/reports/**/*.xml",
];

/// Reports of end-to-end and smoke runs, for items that name them.
const E2E_PATHS: &str =
    "**/*e2e*.xml,**/*smoke*.xml,**/*end-to-end*.xml,**/playwright*.xml,**/cypress*.xml";

/// At most this many failing tests are listed one by one.
const MAX_LISTED: usize = 50;

/// Test suites that a JUnit report answers for (a frontend's runner rarely writes one).
const SUITES: &[&str] = &[
    "unit test*",
    "integration test*",
    "backend test*",
    "api test*",
    "server test*",
    "regression test*",
    "python test*",
    "test suit*",
    "all test*",
    "tests pass",
    "tests passing",
    "tests passed",
    "tests are passing",
    "tests green",
    "junit",
    "test report*",
    "test result*",
];
/// Tests of another sort (load, restore, penetration) or of another place are not the suite's
/// report; coverage is `tests.coverage`.
const NOT_SUITE: &[&str] = &[
    "frontend",
    "component",
    "coverage",
    "load test*",
    "performance",
    "penetration",
    "pen test*",
    "restor*",
    "backup*",
    "written",
    "added",
    "manual*",
    "staging",
    "production",
    "flaky",
    "browser*",
    "mobile",
    "devic*",
    "accessibility",
    "chaos",
    // A test command written out is `cmd.succeeds`'s to run.
    "make test",
    "npm test",
    "npm run test",
    "yarn test",
    "pnpm test",
    "cargo test",
    "go test",
    "mvn test",
];

/// What the kind verifies, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[
    Claim {
        subject: SUITES,
        qualifiers: &[&[
            "pass",
            "green",
            "succeed*",
            "success*",
            "junit",
            "report*",
            "no failur*",
            "no failing",
            "at least",
        ]],
        excludes: NOT_SUITE,
        slots: &[Slot::optional("min_tests", Value::Read(min_tests))],
        weight: 75,
        prefer_over: &["cmd.succeeds"],
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "e2e test*",
            "end to end test*",
            "smoke test*",
            "e2e smoke test*",
        ],
        qualifiers: &[&[
            "pass",
            "green",
            "succeed*",
            "success*",
            "report*",
            "no failur*",
            "no failing",
        ]],
        excludes: NOT_SUITE,
        params: &[("path", E2E_PATHS)],
        // Above the general reading, which these items also meet.
        weight: 78,
        prefer_over: &["cmd.succeeds"],
        ..Claim::EMPTY
    },
    Claim {
        subject: &["skipped test*", "tests skipped", "test skipped", "skipped"],
        qualifiers: &[&["test*"]],
        // Skips that are allowed when justified are a judgement, not "none skipped".
        excludes: &[
            "allowed",
            "acceptable",
            "documented",
            "justified",
            "ticket*",
            "tracked",
            "reviewed",
        ],
        params: &[("allow_skipped", "false")],
        weight: 80,
        ..Claim::EMPTY
    },
];

/// "at least 400 tests": the fewest tests the reports must hold.
fn min_tests(text: &Text<'_>) -> Option<String> {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)(?:at least|>=|≥|minimum of|min\.?|over|more than)\s*(\d{1,7})\s+tests?\b")
            .expect("regex")
    });
    Some(RE.captures(&text.plain)?[1].to_string())
}

static DOC: CheckDoc = CheckDoc {
    live: None,
    targets: &[],
    summary: "JUnit XML test reports show every test passing (optionally none skipped, a minimum count).",
    description: "Reads JUnit XML reports — the format pytest (`--junitxml`), Jest \
        (jest-junit), Maven Surefire, Gradle, Go (gotestsum), Playwright and most CI tools \
        write — as a stream, so large reports are cheap. `path` names the reports (paths or \
        globs); by default the usual places are searched, gitignored files included \
        (`junit*.xml`, `TEST-*.xml`, `test-results/`, `test-reports/`, `surefire-reports/`, \
        `pytest*.xml`, `reports/**/*.xml`), keeping the files whose root element is \
        `<testsuites>` or `<testsuite>`. Every `<testcase>` counts once: with a `<failure>` \
        it failed, with an `<error>` it errored, with a `<skipped>` it was skipped. Fails \
        when any test failed or errored (each listed with its file and line), when tests \
        were skipped and `allow_skipped=false`, or when fewer than `min_tests` tests ran \
        (a report without tests fails). Errors when no report is found (gonogo cannot tell \
        whether tests pass: run them with a JUnit reporter), or when a report is malformed \
        XML (with its file and line) and nothing failed. Auto-binding reads \"Integration \
        tests passing\", \"Backend tests passing (`pytest`)\", \"API integration tests \
        passing\" and \"No skipped tests\" (`allow_skipped=false`); \"E2E smoke tests \
        passing\" binds only to reports named like end-to-end or smoke runs (`*e2e*.xml`, \
        `*smoke*.xml`, `playwright*.xml`, `cypress*.xml`), so a unit-test report never \
        stands in for them. Frontend items naming `npm test` are left to `cmd.succeeds`.",
    params: &[
        ParamDoc::optional(
            "path",
            "Report paths or globs, comma-separated (default: the usual report locations).",
        ),
        ParamDoc::with_default(
            "allow_skipped",
            "Whether skipped tests are acceptable.",
            "true",
        ),
        ParamDoc::with_default("min_tests", "Fewest tests the reports must hold.", "1"),
    ],
    examples: &[
        "tests.junit",
        "tests.junit path=reports/junit.xml",
        "tests.junit path=\"build/test-results/**/*.xml\" allow_skipped=false min_tests=100",
    ],
    claims: CLAIMS,
    phrases: &[
        "Integration tests passing (this PR)",
        "Integration tests passed",
        "Backend tests passing (`pytest`)",
        "API integration tests passing",
        "No skipped tests",
        "E2E smoke tests passing",
        "All unit tests pass",
    ],
    not_phrases: &[
        "Frontend tests passing (`npm test`)",
        "Frontend component tests passing",
        "K6 load tests executed",
        "Run smoke tests",
        "End-to-end workflows tested",
        "Backup restoration tested",
        "Penetration testing performed",
        "**PR #16** merged (Test infrastructure in place)",
        "Test pipeline running",
    ],
    findings: &[
        ("junit-test-failed", "A test failed (`<failure>`)."),
        (
            "junit-test-error",
            "A test errored (`<error>`): it could not run to a verdict.",
        ),
        (
            "junit-test-skipped",
            "A test was skipped while `allow_skipped=false`.",
        ),
        (
            "junit-too-few-tests",
            "The reports hold fewer tests than `min_tests`.",
        ),
        ("junit-no-tests", "A report holds no test at all."),
        ("junit-malformed", "A report is not well-formed XML."),
    ],
};

impl CheckKind for TestsJunit {
    fn id(&self) -> &'static str {
        "tests.junit"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let paths = ReportPaths::from_params(params, DEFAULT_PATHS)?;
        let allow_skipped = params.value::<bool>("allow_skipped")?;
        let min_tests = params.value::<u64>("min_tests")?;
        Ok(Box::new(Prepared {
            paths,
            allow_skipped,
            min_tests,
        }))
    }
}

#[derive(Clone)]
struct Prepared {
    paths: ReportPaths,
    allow_skipped: bool,
    min_tests: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CaseStatus {
    Passed,
    Failed,
    Errored,
    Skipped,
}

#[derive(Debug, Clone)]
struct Case {
    name: String,
    line: usize,
    status: CaseStatus,
    message: String,
}

/// What one report holds.
#[derive(Debug, Default)]
struct Report {
    cases: Vec<Case>,
    /// Totals from `<testsuite tests= failures= errors= skipped=>` when no `<testcase>` is
    /// listed (some tools write only the totals).
    attr_totals: Option<[u64; 4]>,
}

enum Parsed {
    Report(Report),
    /// Root element is not a JUnit one: (its name).
    NotJunit(String),
    /// Not well-formed: (line, message).
    Malformed(usize, String),
}

fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

fn one_line(s: &str) -> String {
    let first = s.trim().lines().next().unwrap_or("").trim();
    let mut out: String = first.chars().take(200).collect();
    if first.chars().count() > 200 {
        out.push('…');
    }
    out
}

/// Stream a JUnit report.
fn parse(text: &str) -> Parsed {
    let bytes = text.as_bytes();
    let lines = LineIndex::new(bytes);
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut report = Report::default();
    let mut depth = 0usize;
    let mut root_seen = false;
    let mut current: Option<Case> = None;
    // Inside a <failure>/<error>/<skipped>: collect its text when it has no message.
    let mut in_outcome = false;
    let mut totals = [0u64; 4];
    let mut saw_suite_totals = false;
    loop {
        let before = reader.buffer_position() as usize;
        let ev = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                let at = reader.error_position() as usize;
                return Parsed::Malformed(lines.line(at), e.to_string());
            }
        };
        let tag_line = || {
            let start = bytes[before.min(bytes.len())..]
                .iter()
                .position(|&b| b == b'<')
                .map_or(before, |p| before + p);
            lines.line(start)
        };
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(ev, Event::Empty(_));
                let name = e.local_name();
                let name = name.as_ref();
                if !root_seen {
                    root_seen = true;
                    if name != b"testsuites" && name != b"testsuite" {
                        return Parsed::NotJunit(String::from_utf8_lossy(name).into_owned());
                    }
                }
                match name {
                    b"testsuite" => {
                        let n = |k: &[u8]| {
                            attr(e, k)
                                .and_then(|v| v.trim().parse::<u64>().ok())
                                .unwrap_or(0)
                        };
                        if attr(e, b"tests").is_some() {
                            saw_suite_totals = true;
                            totals[0] += n(b"tests");
                            totals[1] += n(b"failures");
                            totals[2] += n(b"errors");
                            totals[3] += n(b"skipped") + n(b"disabled");
                        }
                    }
                    b"testcase" => {
                        let case_name = attr(e, b"name").unwrap_or_else(|| "(unnamed)".into());
                        let class = attr(e, b"classname").unwrap_or_default();
                        let full = if class.is_empty() {
                            case_name
                        } else {
                            format!("{class}.{case_name}")
                        };
                        let case = Case {
                            name: full,
                            line: tag_line(),
                            status: CaseStatus::Passed,
                            message: String::new(),
                        };
                        if empty {
                            report.cases.push(case);
                        } else {
                            current = Some(case);
                        }
                    }
                    b"failure" | b"error" | b"skipped" => {
                        if let Some(c) = current.as_mut() {
                            let status = match name {
                                b"failure" => CaseStatus::Failed,
                                b"error" => CaseStatus::Errored,
                                _ => CaseStatus::Skipped,
                            };
                            // A failure outweighs a skip reported beside it.
                            if c.status == CaseStatus::Passed || c.status == CaseStatus::Skipped {
                                c.status = status;
                            }
                            if c.message.is_empty() {
                                c.message = attr(e, b"message")
                                    .map(|m| one_line(&m))
                                    .unwrap_or_default();
                            }
                            in_outcome = !empty;
                        }
                    }
                    _ => {}
                }
                if !empty {
                    depth += 1;
                }
            }
            Event::Text(t) if in_outcome => {
                if let Some(c) = current.as_mut()
                    && c.message.is_empty()
                    && let Ok(s) = t.decode()
                {
                    c.message = one_line(&s);
                }
            }
            Event::CData(t) if in_outcome => {
                if let Some(c) = current.as_mut()
                    && c.message.is_empty()
                {
                    c.message = one_line(&String::from_utf8_lossy(&t));
                }
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                match e.local_name().as_ref() {
                    b"testcase" => {
                        if let Some(c) = current.take() {
                            report.cases.push(c);
                        }
                    }
                    b"failure" | b"error" | b"skipped" => in_outcome = false,
                    _ => {}
                }
            }
            Event::Eof => {
                if !root_seen {
                    return Parsed::Malformed(1, "empty document: no root element".into());
                }
                if depth > 0 {
                    return Parsed::Malformed(
                        lines.line(bytes.len()),
                        "unexpected end of file: elements left open".into(),
                    );
                }
                break;
            }
            _ => {}
        }
    }
    if report.cases.is_empty() && saw_suite_totals {
        report.attr_totals = Some(totals);
    }
    Parsed::Report(report)
}

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        let this = self.clone();
        let ctx = ctx.clone();
        tokio::task::spawn_blocking(move || this.evaluate(&ctx))
            .await
            .unwrap_or_else(|e| Outcome::error(format!("tests.junit stopped: {e}")))
    }
}

impl Prepared {
    fn evaluate(&self, ctx: &CheckContext) -> Outcome {
        let (files, missing) = match self.paths.find(ctx) {
            Ok(found) => found,
            Err(why) => return Outcome::error(why),
        };
        if self.paths.explicit && !missing.is_empty() {
            return Outcome::error(format!(
                "{} not found: run the tests with a JUnit reporter (e.g. `pytest --junitxml={}`)",
                missing.join(", "),
                missing[0]
            ));
        }
        let mut findings = Vec::new();
        let mut problems = Vec::new();
        let mut reports = Vec::new();
        let [mut total, mut failed, mut errored, mut skipped] = [0u64; 4];
        let mut listed = 0usize;
        let mut unlisted = 0u64;
        for (rel, full) in &files {
            let text = match read_text(full, MAX_REPORT_BYTES) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(format!("{rel}: {e}"));
                    continue;
                }
            };
            match parse(&text) {
                Parsed::NotJunit(root) => {
                    if self.paths.explicit {
                        problems.push(format!(
                            "{rel} is not a JUnit report (root element <{root}>)"
                        ));
                    }
                }
                Parsed::Malformed(line, msg) => {
                    problems.push(format!("{rel}:{line}: malformed XML: {msg}"));
                    findings.push(
                        Finding::fail(
                            "junit-malformed",
                            format!("{rel}:{line}: malformed XML: {msg}"),
                        )
                        .at(Location::at(rel.clone(), line))
                        .fix("regenerate the report; a run that was killed leaves it truncated"),
                    );
                }
                Parsed::Report(r) => {
                    reports.push(rel.clone());
                    let before = total;
                    if let Some([t, f, e, s]) = r.attr_totals {
                        total += t;
                        failed += f;
                        errored += e;
                        skipped += s;
                        if f + e > 0 {
                            findings.push(
                                Finding::fail(
                                    if f > 0 { "junit-test-failed" } else { "junit-test-error" },
                                    format!("{rel}: {f} failed, {e} errored (the report lists totals only)"),
                                )
                                .at(Location::file(rel.clone())),
                            );
                        }
                        if s > 0 && !self.allow_skipped {
                            findings.push(
                                Finding::fail("junit-test-skipped", format!("{rel}: {s} skipped"))
                                    .at(Location::file(rel.clone())),
                            );
                        }
                    }
                    for c in &r.cases {
                        total += 1;
                        let (code, verb) = match c.status {
                            CaseStatus::Passed => continue,
                            CaseStatus::Failed => {
                                failed += 1;
                                ("junit-test-failed", "failed")
                            }
                            CaseStatus::Errored => {
                                errored += 1;
                                ("junit-test-error", "errored")
                            }
                            CaseStatus::Skipped => {
                                skipped += 1;
                                if self.allow_skipped {
                                    continue;
                                }
                                ("junit-test-skipped", "was skipped")
                            }
                        };
                        if listed >= MAX_LISTED {
                            unlisted += 1;
                            continue;
                        }
                        listed += 1;
                        let why = if c.message.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", c.message)
                        };
                        findings.push(
                            Finding::fail(code, format!("{} {verb}{why}", c.name))
                                .at(Location::at(rel.clone(), c.line))
                                .fix(if c.status == CaseStatus::Skipped {
                                    "make the test run, or remove it"
                                } else {
                                    "fix the test or the code it tests, then rerun the suite"
                                }),
                        );
                    }
                    if total == before {
                        findings.push(
                            Finding::fail("junit-no-tests", format!("{rel} holds no test"))
                                .at(Location::file(rel.clone()))
                                .fix("check that the test run collected its tests"),
                        );
                    }
                }
            }
        }
        if reports.is_empty() && problems.is_empty() {
            return Outcome::error(format!(
                "no JUnit report found (looked for {}): run the tests with a JUnit reporter (e.g. `pytest --junitxml=reports/junit.xml`) or name the report with path=",
                self.paths.shown
            ));
        }
        if unlisted > 0 {
            findings.push(Finding::fail(
                "junit-test-failed",
                format!("… and {unlisted} more tests not listed"),
            ));
        }
        if !reports.is_empty() && total < self.min_tests {
            findings.push(
                Finding::fail(
                    "junit-too-few-tests",
                    format!(
                        "{total} tests ran, fewer than the {} expected",
                        self.min_tests
                    ),
                )
                .fix("check that the whole suite ran"),
            );
        }
        let passed = total.saturating_sub(failed + errored + skipped);
        let observed = format!(
            "{total} tests: {passed} passed, {failed} failed, {errored} errored, {skipped} skipped"
        );
        let expected = format!(
            "all pass, ≥ {} test{}{}",
            self.min_tests,
            if self.min_tests == 1 { "" } else { "s" },
            if self.allow_skipped {
                ""
            } else {
                ", none skipped"
            }
        );
        let shown_reports = if reports.len() > 3 {
            format!("{}, … ({} reports)", reports[..3].join(", "), reports.len())
        } else {
            reports.join(", ")
        };
        let location = reports.first().map(|r| Location::file(r.clone()));
        let real_failures = findings
            .iter()
            .any(|f| f.severity == Status::Fail && f.code != "junit-malformed");
        let mut o = if real_failures {
            Outcome::from_findings(format!("{observed} ({shown_reports})"), findings)
        } else if !problems.is_empty() {
            Outcome::error(format!("cannot tell: {}", problems.join("; "))).with_findings(findings)
        } else {
            let note = if skipped > 0 {
                format!(" ({skipped} skipped, allowed)")
            } else {
                String::new()
            };
            Outcome::pass(format!(
                "all {} tests passed{note} ({shown_reports})",
                total - skipped
            ))
        };
        o = o.observed(observed).expected(expected);
        o.evidence.location = location;
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::testing::{codes, locations, recognise, repo, run};

    const GOOD: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<testsuites>
  <testsuite name="pytest" tests="3" failures="0" errors="0" skipped="1">
    <testcase classname="tests.test_api" name="test_health" time="0.01"/>
    <testcase classname="tests.test_api" name="test_orders" time="0.2"></testcase>
    <testcase classname="tests.test_auth" name="test_expiry">
      <skipped message="needs a clock"/>
    </testcase>
  </testsuite>
</testsuites>
"#;

    const BAD: &str = r#"<testsuite name="jest" tests="3">
  <testcase classname="cart" name="adds items"/>
  <testcase classname="cart" name="totals">
    <failure message="expected 3 got 4">AssertionError: expected 3 got 4
    at cart.test.js:12</failure>
  </testcase>
  <testcase classname="db" name="connects">
    <error><![CDATA[ConnectionRefused: 127.0.0.1:5432]]></error>
  </testcase>
</testsuite>
"#;

    #[tokio::test]
    async fn passing_report_passes_and_skips_are_allowed_by_default() {
        let dir = repo(&[
            ("reports/junit.xml", GOOD),
            ("reports/coverage.xml", "<coverage line-rate=\"1\"/>"),
        ]);
        let o = run(&TestsJunit, &[], dir.path()).await;
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(
            o.evidence.observed.as_deref(),
            Some("3 tests: 2 passed, 0 failed, 0 errored, 1 skipped")
        );
        assert_eq!(o.evidence.location.unwrap().path, "reports/junit.xml");
        let o = run(&TestsJunit, &[("allow_skipped", "false")], dir.path()).await;
        assert_eq!(codes(&o), ["junit-test-skipped"]);
        assert_eq!(locations(&o), ["reports/junit.xml:6"]);
        let o = run(&TestsJunit, &[("min_tests", "10")], dir.path()).await;
        assert_eq!(codes(&o), ["junit-too-few-tests"]);
    }

    #[tokio::test]
    async fn failures_and_errors_are_listed_with_lines() {
        let dir = repo(&[("frontend/junit.xml", BAD)]);
        let o = run(&TestsJunit, &[("path", "frontend/junit.xml")], dir.path()).await;
        assert_eq!(o.status, Status::Fail);
        assert_eq!(codes(&o), ["junit-test-failed", "junit-test-error"]);
        assert_eq!(
            locations(&o),
            ["frontend/junit.xml:3", "frontend/junit.xml:7"]
        );
        assert!(
            o.evidence.findings[0]
                .message
                .contains("cart.totals failed: expected 3 got 4")
        );
        assert!(o.evidence.findings[1].message.contains("ConnectionRefused"));
    }

    #[tokio::test]
    async fn malformed_reports_are_errors_with_the_line() {
        let truncated = &GOOD[..GOOD.find("</testsuite>").unwrap()];
        let dir = repo(&[
            ("junit.xml", truncated),
            ("other.xml", "<testsuite><testcase name='a'></testsuite>"),
        ]);
        let o = run(&TestsJunit, &[("path", "junit.xml")], dir.path()).await;
        assert_eq!(o.status, Status::Error, "{o:?}");
        assert_eq!(codes(&o), ["junit-malformed"]);
        assert!(
            o.evidence.summary.contains("junit.xml:"),
            "{}",
            o.evidence.summary
        );
        let o = run(&TestsJunit, &[("path", "other.xml")], dir.path()).await;
        assert_eq!(o.status, Status::Error);
        assert_eq!(locations(&o), ["other.xml:1"]);
    }

    #[tokio::test]
    async fn missing_or_foreign_reports_are_errors_never_passes() {
        let dir = repo(&[("README.md", "x"), ("pom.xml", "<project/>")]);
        let o = run(&TestsJunit, &[], dir.path()).await;
        assert_eq!(o.status, Status::Error);
        assert!(o.evidence.summary.contains("no JUnit report found"));
        let o = run(&TestsJunit, &[("path", "reports/junit.xml")], dir.path()).await;
        assert_eq!(o.status, Status::Error);
        let o = run(&TestsJunit, &[("path", "pom.xml")], dir.path()).await;
        assert_eq!(o.status, Status::Error);
        assert!(o.evidence.summary.contains("not a JUnit report"));
        let dir = repo(&[("TEST-empty.xml", "<testsuite name='x' tests='0'/>")]);
        let o = run(&TestsJunit, &[], dir.path()).await;
        assert_eq!(codes(&o), ["junit-no-tests", "junit-too-few-tests"]);
    }

    #[tokio::test]
    async fn gitignored_reports_are_found_and_totals_only_reports_count() {
        let dir = repo(&[
            (".gitignore", "build/\n"),
            (
                "build/test-results/test/TEST-Api.xml",
                "<testsuite name='Api' tests='4' failures='1' errors='0' skipped='0'></testsuite>",
            ),
        ]);
        let o = run(&TestsJunit, &[], dir.path()).await;
        assert_eq!(codes(&o), ["junit-test-failed"]);
        assert_eq!(
            o.evidence.observed.as_deref(),
            Some("4 tests: 3 passed, 1 failed, 0 errored, 0 skipped")
        );
    }

    /// Regression: the line of every test case used to be counted from the start of the file,
    /// which made a 200 000-case report take minutes. The index must also stay exact.
    #[test]
    fn lines_of_many_testcases_are_exact() {
        let mut xml = String::from("<testsuite name='big'>\n");
        for i in 0..5000 {
            xml.push_str(&format!("  <testcase name='t{i}'/>\n"));
        }
        xml.push_str("  <testcase name='last'>\n    <failure message='boom'/>\n  </testcase>\n</testsuite>\n");
        let Parsed::Report(r) = parse(&xml) else {
            panic!("parses")
        };
        assert_eq!(r.cases.len(), 5001);
        assert_eq!(r.cases[0].line, 2);
        let last = r.cases.last().unwrap();
        assert_eq!((last.line, last.status), (5002, CaseStatus::Failed));
        for (i, b) in [0usize, 1, 23, xml.len()].iter().zip([1usize, 1, 2, 5006]) {
            assert_eq!(LineIndex::new(xml.as_bytes()).line(*i), b, "offset {i}");
            assert_eq!(gonogo_parsers::line_of(xml.as_bytes(), *i), b, "offset {i}");
        }
    }

    #[test]
    fn recognition() {
        assert!(
            recognise(&TestsJunit, "Integration tests passing (this PR)")
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            recognise(&TestsJunit, "No skipped tests")
                .unwrap()
                .str("allow_skipped"),
            Some("false")
        );
        assert!(
            recognise(&TestsJunit, "E2E smoke tests passing")
                .unwrap()
                .str("path")
                .unwrap()
                .contains("*e2e*")
        );
        assert!(
            recognise(
                &TestsJunit,
                "Backend unit tests passing (>80% coverage target)"
            )
            .is_none()
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_reports_never_panic(text in "(?s)(<testsuites?>|<testcase name='a'>|<failure>|</testcase>|</testsuite>|<skipped/>|<!\\[CDATA\\[|x|\n|&amp;|<){0,40}") {
            let _ = parse(&text);
        }
    }
}
