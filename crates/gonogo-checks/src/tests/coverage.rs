//! `tests.coverage`: line coverage from a coverage report meets a threshold.

use super::{MAX_REPORT_BYTES, ReportPaths};
use gonogo_core::recognise::{Claim, Slot, Text, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck, Status,
};
use gonogo_parsers::line_of;
use gonogo_repo::read_text;
use quick_xml::events::Event;

pub struct TestsCoverage;

const DEFAULT_PATHS: &[&str] = &[
    "**/coverage.xml",
    "**/cobertura*.xml",
    "**/lcov.info",
    "**/*.lcov",
    "**/coverage.json",
    "**/coverage-summary.json",
];

/// What the kind verifies, as the recognition engine reads items: line coverage at or above
/// the percentage the item states.
const CLAIMS: &[Claim] = &[Claim {
    subject: &["coverage"],
    qualifiers: &[&[
        "test*",
        "code",
        "line*",
        "unit",
        "statement*",
        "backend",
        "frontend",
        "at least",
        "above",
        "minimum",
        "target",
    ]],
    // Trends, diffs and other kinds of coverage (mutation, monitoring) are not a line rate.
    excludes: &[
        "uploaded",
        "trend",
        "increa*",
        "decrea*",
        "diff",
        "delta",
        "mutation",
        "branch coverage",
        "monitoring",
        "alert*",
        "tracing",
        "trace",
        "on call",
        "insurance",
        "dashboard*",
        "slo*",
        "runbook*",
    ],
    slots: &[Slot::required("min", Value::Read(percentage))],
    weight: 85,
    prefer_over: &["tests.junit"],
    ..Claim::EMPTY
}];

/// A percentage between 0 and 100.
fn percentage(text: &Text<'_>) -> Option<String> {
    let p = Value::Percent.read(text)?;
    let n: f64 = p.parse().ok()?;
    (0.0..=100.0).contains(&n).then_some(p)
}

static DOC: CheckDoc = CheckDoc {
    live: None,
    targets: &[],
    summary: "Line coverage in a coverage report (Cobertura, LCOV, coverage.py JSON, Istanbul json-summary) meets a threshold.",
    description: "Reads coverage reports named by `path` (paths or globs), or by default the \
        usual ones, gitignored files included (`coverage.xml`, `cobertura*.xml`, `lcov.info`, \
        `*.lcov`, `coverage.json`, `coverage-summary.json`). The format is told from the \
        content, not the name: Cobertura XML (`<coverage lines-covered= lines-valid=` or \
        `line-rate=`; pytest-cov, coverage.py, Istanbul, JaCoCo converters), LCOV (`LF:`/`LH:` \
        totals, or `DA:` lines), coverage.py JSON (`totals.covered_lines` / \
        `totals.num_statements`) and Istanbul `json-summary` (`total.lines`). Every report \
        found must reach `min` percent of lines covered (inclusive: `min=80` accepts 80.0%); \
        evidence gives the measured percentage, the lines covered and the threshold. Fails \
        with `coverage-below-threshold` for each report under it and `coverage-no-lines` for \
        a report that measured nothing. Errors when no report is found, when a named file is \
        in no known format, or when a report is malformed (`coverage-malformed`, with file \
        and line) and nothing failed. Auto-binding reads the percentage from the item: \
        \"Code coverage > 70%\" gives `min=70`.",
    params: &[
        ParamDoc::optional(
            "path",
            "Report paths or globs, comma-separated (default: the usual report names).",
        ),
        ParamDoc::with_default("min", "Lowest acceptable line coverage, in percent.", "80"),
    ],
    examples: &[
        "tests.coverage min=80",
        "tests.coverage path=reports/coverage.xml min=70",
        "tests.coverage path=frontend/coverage/coverage-summary.json min=60%",
    ],
    claims: CLAIMS,
    phrases: &[
        "Backend unit tests passing (>80% coverage target)",
        "Code coverage > 70%",
        "Test coverage at least 85%",
    ],
    not_phrases: &[
        "**PR #16** merged (Test infrastructure in place)",
        "Integration tests passing (this PR)",
        "Availability > 99.9%",
        "Error rate < 0.5%",
        "API endpoint success rates >99%",
    ],
    findings: &[
        (
            "coverage-below-threshold",
            "A report's line coverage is below `min`.",
        ),
        ("coverage-no-lines", "A report measured no lines at all."),
        (
            "coverage-malformed",
            "A report cannot be parsed (bad XML, JSON or LCOV line).",
        ),
    ],
};

impl CheckKind for TestsCoverage {
    fn id(&self) -> &'static str {
        "tests.coverage"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let paths = ReportPaths::from_params(params, DEFAULT_PATHS)?;
        let min = params.value::<f64>("min")?;
        if !(0.0..=100.0).contains(&min) {
            return Err(ParamError::new(
                "min",
                format!("must be a percentage from 0 to 100, got {min}"),
            ));
        }
        Ok(Box::new(Prepared { paths, min }))
    }
}

#[derive(Clone)]
struct Prepared {
    paths: ReportPaths,
    min: f64,
}

/// What a report measured.
#[derive(Debug, Clone, PartialEq)]
struct Measure {
    format: &'static str,
    covered: u64,
    total: u64,
    /// The percentage when the report gives only a rate.
    rate_only: Option<f64>,
}

impl Measure {
    fn percent(&self) -> Option<f64> {
        if self.total > 0 {
            Some(self.covered as f64 * 100.0 / self.total as f64)
        } else {
            self.rate_only
        }
    }
    fn shown(&self) -> String {
        match (self.percent(), self.total) {
            (Some(p), t) if t > 0 => format!("{p:.2}% of lines ({}/{t})", self.covered),
            (Some(p), _) => format!("{p:.2}% of lines"),
            (None, _) => "no lines".into(),
        }
    }
}

#[derive(Debug, PartialEq)]
enum Read {
    Measured(Measure),
    /// Not a coverage report gonogo knows (with what it looks like).
    Unknown(String),
    /// (line, message).
    Malformed(usize, String),
}

fn parse(text: &str) -> Read {
    let trimmed = text.trim_start();
    if trimmed.starts_with('<') {
        parse_cobertura(text)
    } else if trimmed.starts_with('{') {
        parse_json(text)
    } else if text
        .lines()
        .any(|l| l.starts_with("SF:") || l.starts_with("DA:") || l.starts_with("LF:"))
    {
        parse_lcov(text)
    } else {
        Read::Unknown("neither XML, JSON nor LCOV".into())
    }
}

fn parse_cobertura(text: &str) -> Read {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().trim_text(true);
    loop {
        match reader.read_event() {
            Err(e) => {
                return Read::Malformed(
                    line_of(text.as_bytes(), reader.error_position() as usize),
                    e.to_string(),
                );
            }
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let line = line_of(text.as_bytes(), reader.buffer_position() as usize);
                if e.local_name().as_ref() != b"coverage" {
                    return Read::Unknown(format!(
                        "XML with root element <{}>",
                        String::from_utf8_lossy(e.local_name().as_ref())
                    ));
                }
                let get = |k: &[u8]| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == k)
                        .and_then(|a| a.unescape_value().ok().map(|v| v.trim().to_string()))
                };
                let num = |k: &[u8]| -> Result<Option<f64>, Read> {
                    match get(k) {
                        None => Ok(None),
                        Some(v) => v
                            .parse::<f64>()
                            .ok()
                            .filter(|n| n.is_finite() && *n >= 0.0)
                            .map(Some)
                            .ok_or_else(|| {
                                Read::Malformed(
                                    line,
                                    format!(
                                        "attribute {}=\"{v}\" is not a number",
                                        String::from_utf8_lossy(k)
                                    ),
                                )
                            }),
                    }
                };
                let (valid, covered, rate) = match (
                    num(b"lines-valid"),
                    num(b"lines-covered"),
                    num(b"line-rate"),
                ) {
                    (Ok(v), Ok(c), Ok(r)) => (v, c, r),
                    (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => return e,
                };
                return match (valid, covered, rate) {
                    (Some(v), Some(c), _) if v > 0.0 => {
                        if c > v {
                            return Read::Malformed(
                                line,
                                format!("lines-covered ({c}) exceeds lines-valid ({v})"),
                            );
                        }
                        Read::Measured(Measure {
                            format: "Cobertura",
                            covered: c as u64,
                            total: v as u64,
                            rate_only: None,
                        })
                    }
                    (_, _, Some(r)) if r <= 1.0 => Read::Measured(Measure {
                        format: "Cobertura",
                        covered: 0,
                        total: 0,
                        rate_only: if valid == Some(0.0) {
                            None
                        } else {
                            Some(r * 100.0)
                        },
                    }),
                    (_, _, Some(r)) => Read::Malformed(line, format!("line-rate {r} is above 1")),
                    (Some(_), Some(_), None) => Read::Measured(Measure {
                        format: "Cobertura",
                        covered: 0,
                        total: 0,
                        rate_only: None,
                    }),
                    _ => Read::Malformed(
                        line,
                        "<coverage> has neither lines-valid/lines-covered nor line-rate".into(),
                    ),
                };
            }
            Ok(Event::Eof) => return Read::Malformed(1, "empty document".into()),
            Ok(_) => {}
        }
    }
}

fn parse_json(text: &str) -> Read {
    let v: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Read::Malformed(e.line().max(1), e.to_string()),
    };
    let count = |v: &serde_json::Value| {
        v.as_f64()
            .filter(|n| n.is_finite() && *n >= 0.0)
            .map(|n| n as u64)
    };
    // coverage.py: {"meta": …, "totals": {"covered_lines": …, "num_statements": …}}
    if let Some(t) = v.get("totals") {
        return match (
            t.get("covered_lines").and_then(count),
            t.get("num_statements").and_then(count),
        ) {
            (Some(c), Some(n)) if c <= n => Read::Measured(Measure {
                format: "coverage.py JSON",
                covered: c,
                total: n,
                rate_only: None,
            }),
            _ => Read::Malformed(
                1,
                "coverage.py JSON without totals.covered_lines and totals.num_statements".into(),
            ),
        };
    }
    // Istanbul json-summary: {"total": {"lines": {"total": …, "covered": …, "pct": …}}}
    if let Some(lines) = v.get("total").and_then(|t| t.get("lines")) {
        return match (
            lines.get("covered").and_then(count),
            lines.get("total").and_then(count),
        ) {
            (Some(c), Some(n)) if c <= n => Read::Measured(Measure {
                format: "Istanbul json-summary",
                covered: c,
                total: n,
                rate_only: None,
            }),
            _ => Read::Malformed(
                1,
                "Istanbul summary without total.lines.covered and total.lines.total".into(),
            ),
        };
    }
    if v.as_object()
        .is_some_and(|o| o.values().any(|f| f.get("statementMap").is_some()))
    {
        return Read::Unknown(
            "Istanbul coverage-final.json (use the json-summary reporter)".into(),
        );
    }
    Read::Unknown("JSON that is neither coverage.py nor Istanbul json-summary".into())
}

fn parse_lcov(text: &str) -> Read {
    let (mut lf, mut lh) = (0u64, 0u64);
    let (mut da_total, mut da_hit) = (0u64, 0u64);
    let mut saw_totals = false;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        let bad = |what: &str| {
            Read::Malformed(
                i + 1,
                format!("{what}: `{}`", line.chars().take(80).collect::<String>()),
            )
        };
        if let Some(v) = line.strip_prefix("LF:") {
            match v.trim().parse::<u64>() {
                Ok(n) => {
                    lf += n;
                    saw_totals = true;
                }
                Err(_) => return bad("LF is not a count"),
            }
        } else if let Some(v) = line.strip_prefix("LH:") {
            match v.trim().parse::<u64>() {
                Ok(n) => lh += n,
                Err(_) => return bad("LH is not a count"),
            }
        } else if let Some(v) = line.strip_prefix("DA:") {
            let mut parts = v.split(',');
            let (Some(l), Some(hits)) = (parts.next(), parts.next()) else {
                return bad("DA needs line,hits");
            };
            if l.trim().parse::<u64>().is_err() {
                return bad("DA line is not a number");
            }
            // Hit counts may be written as floats by some tools.
            match hits.trim().parse::<f64>() {
                Ok(h) => {
                    da_total += 1;
                    if h > 0.0 {
                        da_hit += 1;
                    }
                }
                Err(_) => return bad("DA hits is not a number"),
            }
        }
    }
    let (covered, total) = if saw_totals {
        (lh, lf)
    } else {
        (da_hit, da_total)
    };
    if covered > total {
        return Read::Malformed(1, format!("LH ({covered}) exceeds LF ({total})"));
    }
    Read::Measured(Measure {
        format: "LCOV",
        covered,
        total,
        rate_only: None,
    })
}

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        let this = self.clone();
        let ctx = ctx.clone();
        tokio::task::spawn_blocking(move || this.evaluate(&ctx))
            .await
            .unwrap_or_else(|e| Outcome::error(format!("tests.coverage stopped: {e}")))
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
                "{} not found: generate it (e.g. `pytest --cov --cov-report=xml`)",
                missing.join(", ")
            ));
        }
        let expected = format!("≥ {}% of lines covered", fmt_pct(self.min));
        let mut findings = Vec::new();
        let mut problems = Vec::new();
        let mut measured: Vec<(String, Measure)> = Vec::new();
        for (rel, full) in &files {
            let text = match read_text(full, MAX_REPORT_BYTES) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(format!("{rel}: {e}"));
                    continue;
                }
            };
            match parse(&text) {
                Read::Measured(m) => measured.push((rel.clone(), m)),
                Read::Unknown(what) => {
                    if self.paths.explicit {
                        problems.push(format!(
                            "{rel} is not a coverage report gonogo reads ({what})"
                        ));
                    }
                }
                Read::Malformed(line, msg) => {
                    problems.push(format!("{rel}:{line}: {msg}"));
                    findings.push(
                        Finding::fail("coverage-malformed", format!("{rel}:{line}: {msg}"))
                            .at(Location::at(rel.clone(), line))
                            .fix("regenerate the coverage report"),
                    );
                }
            }
        }
        if measured.is_empty() && problems.is_empty() {
            return Outcome::error(format!(
                "no coverage report found (looked for {}): generate one (e.g. `pytest --cov --cov-report=xml`) or name it with path=",
                self.paths.shown
            ));
        }
        for (rel, m) in &measured {
            match m.percent() {
                None => findings.push(
                    Finding::fail("coverage-no-lines", format!("{rel} measured no lines"))
                        .at(Location::file(rel.clone()))
                        .fix("check that the coverage run included the source"),
                ),
                Some(p) if p + 1e-9 < self.min => findings.push(
                    Finding::fail(
                        "coverage-below-threshold",
                        format!("{rel}: {} is below {}%", m.shown(), fmt_pct(self.min)),
                    )
                    .at(Location::file(rel.clone()))
                    .fix("add tests for the uncovered code, or agree on a lower threshold"),
                ),
                Some(_) => {}
            }
        }
        let observed = measured
            .iter()
            .map(|(rel, m)| format!("{} in {rel} ({})", m.shown(), m.format))
            .collect::<Vec<_>>()
            .join("; ");
        let location = measured.first().map(|(r, _)| Location::file(r.clone()));
        let real = findings
            .iter()
            .any(|f| f.severity == Status::Fail && f.code != "coverage-malformed");
        let mut o = if real {
            Outcome::from_findings(
                format!("coverage below {}%: {observed}", fmt_pct(self.min)),
                findings,
            )
        } else if !problems.is_empty() {
            Outcome::error(format!("cannot tell: {}", problems.join("; "))).with_findings(findings)
        } else {
            Outcome::pass(format!("coverage meets {}%: {observed}", fmt_pct(self.min)))
        };
        if !observed.is_empty() {
            o = o.observed(observed);
        }
        o = o.expected(expected);
        o.evidence.location = location;
        o
    }
}

fn fmt_pct(p: f64) -> String {
    if p.fract() == 0.0 {
        format!("{p:.0}")
    } else {
        format!("{p}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::testing::{codes, locations, recognise, repo, run};

    const COBERTURA: &str = "<?xml version=\"1.0\" ?>\n<coverage version=\"7.6\" lines-valid=\"412\" lines-covered=\"346\" line-rate=\"0.8398\">\n<packages/>\n</coverage>\n";

    #[tokio::test]
    async fn cobertura_against_thresholds() {
        let dir = repo(&[("reports/coverage.xml", COBERTURA)]);
        let o = run(&TestsCoverage, &[("min", "80")], dir.path()).await;
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(
            o.evidence.observed.as_deref(),
            Some("83.98% of lines (346/412) in reports/coverage.xml (Cobertura)")
        );
        assert_eq!(
            o.evidence.expected.as_deref(),
            Some("≥ 80% of lines covered")
        );
        let o = run(&TestsCoverage, &[("min", "90")], dir.path()).await;
        assert_eq!(codes(&o), ["coverage-below-threshold"]);
        assert_eq!(locations(&o), ["reports/coverage.xml"]);
    }

    #[tokio::test]
    async fn every_format_is_read_from_its_content() {
        let lcov = "TN:\nSF:src/a.ts\nDA:1,1\nDA:2,0\nLF:2\nLH:1\nend_of_record\nSF:src/b.ts\nLF:2\nLH:2\nend_of_record\n";
        let py = r#"{"meta": {"version": "7.6"}, "files": {}, "totals": {"covered_lines": 70, "num_statements": 100, "percent_covered": 70.0}}"#;
        let ist =
            r#"{"total": {"lines": {"total": 200, "covered": 150, "skipped": 0, "pct": 75}}}"#;
        let dir = repo(&[
            ("a/lcov.info", lcov),
            ("b/coverage.json", py),
            ("c/coverage-summary.json", ist),
        ]);
        let o = run(&TestsCoverage, &[("min", "70")], dir.path()).await;
        assert_eq!(o.status, Status::Pass, "{o:?}");
        let obs = o.evidence.observed.unwrap();
        assert!(
            obs.contains("75.00% of lines (3/4) in a/lcov.info (LCOV)"),
            "{obs}"
        );
        assert!(
            obs.contains("70.00% of lines (70/100) in b/coverage.json (coverage.py JSON)"),
            "{obs}"
        );
        assert!(
            obs.contains(
                "75.00% of lines (150/200) in c/coverage-summary.json (Istanbul json-summary)"
            ),
            "{obs}"
        );
        let o = run(&TestsCoverage, &[("min", "72.5")], dir.path()).await;
        assert_eq!(codes(&o), ["coverage-below-threshold"]);
        assert_eq!(locations(&o), ["b/coverage.json"]);
    }

    #[tokio::test]
    async fn malformed_and_empty_reports() {
        let dir = repo(&[
            (
                "bad.json",
                "{\"totals\": {\"covered_lines\": 3,\n\"num_statements\": }",
            ),
            ("bad.info", "SF:a\nDA:1,x\n"),
            (
                "empty.xml",
                "<coverage lines-valid=\"0\" lines-covered=\"0\" line-rate=\"0\"/>",
            ),
            ("pom.xml", "<project/>"),
        ]);
        let o = run(&TestsCoverage, &[("path", "bad.json")], dir.path()).await;
        assert_eq!(o.status, Status::Error);
        assert_eq!(locations(&o), ["bad.json:2"]);
        let o = run(&TestsCoverage, &[("path", "bad.info")], dir.path()).await;
        assert_eq!(locations(&o), ["bad.info:2"]);
        let o = run(&TestsCoverage, &[("path", "empty.xml")], dir.path()).await;
        assert_eq!(codes(&o), ["coverage-no-lines"]);
        let o = run(&TestsCoverage, &[("path", "pom.xml")], dir.path()).await;
        assert_eq!(o.status, Status::Error);
        let none = repo(&[("README.md", "x")]);
        let o = run(&TestsCoverage, &[], none.path()).await;
        assert_eq!(o.status, Status::Error);
        assert!(o.evidence.summary.contains("no coverage report found"));
    }

    #[test]
    fn recognition_reads_the_threshold() {
        let p = recognise(
            &TestsCoverage,
            "Backend unit tests passing (>80% coverage target)",
        )
        .unwrap();
        assert_eq!(p.str("min"), Some("80"));
        assert_eq!(
            recognise(&TestsCoverage, "Code coverage > 70%")
                .unwrap()
                .str("min"),
            Some("70")
        );
        assert!(recognise(&TestsCoverage, "Coverage reports uploaded").is_none());
        assert!(
            TestsCoverage
                .prepare(&Params::new().with("min", "120"))
                .is_err()
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_reports_never_panic(text in "(?s).{0,300}") {
            let _ = parse(&text);
            let _ = parse(&format!("SF:x\n{text}"));
            let _ = parse(&format!("<coverage {text}"));
        }
    }
}
