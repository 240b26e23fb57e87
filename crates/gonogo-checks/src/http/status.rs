//! `http.status`: a URL answers with the expected status, in time, with the expected content.

use super::{ProbeError, StatusSet, TargetSpec, clip, http_params, location};
use crate::live;
use gonogo_core::recognise::{Claim, Slot, Text, Value};
use gonogo_core::redact::{is_secret_name, redact_header, redact_secret};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};
use regex::Regex;
use std::sync::OnceLock;
use std::time::Duration;

pub struct HttpStatus;

/// Health endpoints defined in files, container states and failing checks are other kinds';
/// so are a latency percentile (`http.latency`) and a 429 after a burst (`http.rate-limit`).
const NOT_LIVE: &[&str] = &[
    "docker*",
    "compose",
    "defined",
    "container*",
    "dockerfile",
    "kubernetes",
    "k8s",
    "probe",
    "probes",
    "fail*",
    "load balancer*",
    "monitor*",
    "alert*",
    "dashboard*",
    "document*",
    "p50",
    "p90",
    "p95",
    "p99",
    "percentile",
    "median",
    "latency",
    "429",
    "rate limit*",
];

/// What the kind verifies, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[
    // "Healthcheck endpoints responding": `/health` unless the item names another path.
    Claim {
        subject: &[
            "health check*",
            "healthcheck*",
            "health endpoint*",
            "healthz",
            "health route",
        ],
        qualifiers: &[&[
            "respond*",
            "reachable",
            "up",
            "ok",
            "green",
            "pass*",
            "return*",
            "answer*",
            "wait",
            "200",
            "available",
        ]],
        excludes: NOT_LIVE,
        params: &[("path", "/health")],
        slots: &[
            Slot::optional("path", Value::Read(super::url_path_in)),
            Slot::optional("expect", Value::Read(status_code_in)),
            Slot::optional("max_latency", Value::Read(super::bound_in)),
        ],
        weight: 75,
        ..Claim::EMPTY
    },
    // "Worker `/healthz` returns 204", "`GET /v1/items` → 301".
    Claim {
        subject: &["return*", "answer*", "respond*", "redirect*"],
        excludes: NOT_LIVE,
        slots: &[
            Slot::required("path", Value::Read(super::url_path_in)),
            Slot::required("expect", Value::Read(status_code_in)),
        ],
        weight: 75,
        ..Claim::EMPTY
    },
    // "Gateway `/status` returns JSON with `"healthy": true`".
    Claim {
        subject: &["json"],
        qualifiers: &[&["return*", "answer*", "respond*", "serv*"]],
        excludes: NOT_LIVE,
        slots: &[
            Slot::required("path", Value::Read(super::url_path_in)),
            Slot::required("json", Value::Read(json_expectation_in)),
        ],
        weight: 75,
        ..Claim::EMPTY
    },
    // "Does `/healthz` answer within 100 ms?": one request in time, not a percentile.
    Claim {
        subject: &["answer*", "respond*", "return*"],
        excludes: &[
            "p50",
            "p90",
            "p95",
            "p99",
            "percentile",
            "median",
            "latency",
            "under load",
            "load test*",
        ],
        slots: &[
            Slot::required("path", Value::Read(super::url_path_in)),
            Slot::required("max_latency", Value::Read(super::bound_in)),
        ],
        weight: 75,
        ..Claim::EMPTY
    },
    Claim {
        subject: &["frontend", "front end", "web app", "website"],
        qualifiers: &[&[
            "accessible",
            "reachable",
            "up",
            "loading",
            "serving",
            "available",
            "online",
        ]],
        excludes: &[
            "initial load",
            "load time",
            "page load",
            "performance",
            "lighthouse",
            "bundle",
            "cdn",
            "seo",
            "test*",
            "build*",
            "deployed",
            "error*",
            "analytic*",
        ],
        params: &[("target", "frontend_url")],
        weight: 75,
        ..Claim::EMPTY
    },
];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Http),
    targets: &["api_url", "frontend_url"],
    summary: "An HTTP endpoint answers with the expected status, within a latency bound, with the expected headers and body.",
    description: "Sends one request (GET unless `method=`) to `url`, or to the `api_url` target joined \
with `path`, and reads at most `max_bytes` of the answer within `timeout`. Passes when the status \
is in `expect` (default any 2xx), the whole exchange took at most `max_latency` (when set), every \
`header` expectation holds, the body contains `body` and the `json` expression holds. Fails when \
the connection is refused, the answer does not come within the timeout (with the stage it was \
stuck at), or any expectation does not hold: one finding each. An error when neither `url` nor the \
target is configured (\"no api_url configured\"). Items about a frontend bind to the \
`frontend_url` target.",
    params: http_params![
        ParamDoc::with_default("method", "HTTP method.", "GET"),
        ParamDoc::with_default(
            "expect",
            "Expected status: codes, ranges and classes (`200`, `200,204`, `2xx`).",
            "2xx"
        ),
        ParamDoc::optional(
            "max_latency",
            "Longest acceptable time for the whole exchange (`500ms`)."
        ),
        ParamDoc::optional(
            "header",
            "Expected response headers, `;`-separated: `Name` (present) or `Name: text` (value contains text).",
        ),
        ParamDoc::optional("body", "Text the body must contain."),
        ParamDoc::optional(
            "json",
            "A JSON-path expectation on the body: `$.status == \"ok\"`, `$.checks.db == true`, or a bare path that must exist.",
        ),
    ],
    examples: &[
        "http.status url=http://127.0.0.1:8000/health expect=200",
        "http.status path=/health expect=2xx max_latency=500ms json=\"$.status == ok\"",
        "http.status path=/ header=\"content-type: text/html\" body=<title>",
        "http.status target=frontend_url",
    ],
    claims: CLAIMS,
    phrases: &[
        "Our API answers on /health with 200 once deployed",
        "Healthcheck endpoints responding",
        "Backend /health endpoint responding (200 OK)",
        "Health check endpoints responding",
        "Frontend accessible and loading",
        "Wait for health checks",
        "Worker `/healthz` returns 204",
        "Legacy `/v1` routes return 301 to `/v2` (`GET /v1/items` → 301)",
        "Gateway `/status` returns JSON with `\"healthy\": true`",
        "Does `/healthz` answer within 100 ms?",
    ],
    not_phrases: &[
        "All containers running and healthy",
        "Healthchecks defined in docker-compose",
        "Redis configured for session storage",
        "All services start without errors",
        "Service health checks failing",
    ],
    findings: &[
        (
            "http-status-unreachable",
            "No connection could be made (refused, unreachable, DNS or TLS failure).",
        ),
        (
            "http-status-timeout",
            "No complete answer within the timeout.",
        ),
        (
            "http-status-unexpected",
            "The status is not one of the expected ones.",
        ),
        (
            "http-status-slow",
            "The exchange took longer than `max_latency`.",
        ),
        (
            "http-status-header-missing",
            "An expected header is absent or does not contain the expected text.",
        ),
        (
            "http-status-body-mismatch",
            "The body does not contain the expected text (or was cut at `max_bytes`).",
        ),
        (
            "http-status-json-mismatch",
            "The body is not JSON, or the JSON-path expectation does not hold.",
        ),
    ],
};

impl CheckKind for HttpStatus {
    fn id(&self) -> &'static str {
        "http.status"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let target = TargetSpec::from_params(params)?;
        let method = params.required("method")?.to_ascii_uppercase();
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|_| ParamError::new("method", format!("`{method}` is not an HTTP method")))?;
        let expect = StatusSet::parse("expect", params.required("expect")?)?;
        let max_latency = params.duration("max_latency")?;
        let headers = match params.str("header") {
            None => Vec::new(),
            Some(h) => parse_header_expectations(h)?,
        };
        let json = params.str("json").map(JsonExpect::parse).transpose()?;
        Ok(live::prepared(Prepared {
            target,
            method,
            expect,
            max_latency,
            headers,
            body: params.str("body").map(str::to_string),
            json,
        }))
    }
}

fn parse_header_expectations(s: &str) -> Result<Vec<(String, Option<String>)>, ParamError> {
    let mut out = Vec::new();
    for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, value) = match part.split_once(':') {
            Some((n, v)) => (n.trim(), Some(v.trim().to_string())),
            None => (part, None),
        };
        if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(ParamError::new(
                "header",
                format!("`{name}` is not a header name"),
            ));
        }
        out.push((name.to_ascii_lowercase(), value));
    }
    Ok(out)
}

/// A JSON-path expectation: a path (`$.a.b[0]`) and, optionally, the value it must equal.
#[derive(Debug, Clone)]
pub struct JsonExpect {
    source: String,
    path: Vec<PathStep>,
    equals: Option<String>,
}

#[derive(Debug, Clone)]
enum PathStep {
    Key(String),
    Index(usize),
}

impl JsonExpect {
    pub fn parse(s: &str) -> Result<Self, ParamError> {
        let (path, equals) = match s.split_once("==") {
            Some((p, v)) => (p.trim(), Some(v.trim().to_string())),
            None => (s.trim(), None),
        };
        let path = path.strip_prefix('$').unwrap_or(path);
        let mut steps = Vec::new();
        for seg in path.split('.').filter(|s| !s.is_empty()) {
            let (key, mut rest) = match seg.find('[') {
                Some(i) => (&seg[..i], &seg[i..]),
                None => (seg, ""),
            };
            if !key.is_empty() {
                steps.push(PathStep::Key(key.to_string()));
            }
            while let Some(r) = rest.strip_prefix('[') {
                let end = r
                    .find(']')
                    .ok_or_else(|| ParamError::new("json", format!("unclosed `[` in `{s}`")))?;
                let idx = r[..end].trim().parse::<usize>().map_err(|_| {
                    ParamError::new("json", format!("`{}` is not an index", &r[..end]))
                })?;
                steps.push(PathStep::Index(idx));
                rest = &r[end + 1..];
            }
        }
        if steps.is_empty() {
            return Err(ParamError::new("json", "expected a path like `$.status`"));
        }
        Ok(JsonExpect {
            source: s.to_string(),
            path: steps,
            equals,
        })
    }

    /// `Ok(())` when it holds, else why not.
    pub fn check(&self, body: &[u8]) -> Result<(), String> {
        let doc: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| format!("the body is not JSON ({e})"))?;
        let mut cur = &doc;
        for step in &self.path {
            let next = match step {
                PathStep::Key(k) => cur.get(k),
                PathStep::Index(i) => cur.get(*i),
            };
            cur = next.ok_or_else(|| format!("`{}`: the path does not exist", self.source))?;
        }
        let Some(want) = &self.equals else {
            return match cur {
                serde_json::Value::Null => Err(format!("`{}` is null", self.source)),
                _ => Ok(()),
            };
        };
        let want_json: Option<serde_json::Value> = serde_json::from_str(want).ok();
        let matches = match (&want_json, cur) {
            (Some(w), c) if w == c => true,
            (_, serde_json::Value::String(s)) => s == want.trim_matches('"'),
            _ => false,
        };
        if matches {
            Ok(())
        } else {
            // A value under a secret-named key (`$.password`) is a secret whatever it looks like.
            let secret_key =
                matches!(self.path.last(), Some(PathStep::Key(k)) if is_secret_name(k));
            let found = match cur {
                serde_json::Value::String(s) if secret_key => format!("\"{}\"", redact_secret(s)),
                _ => cur.to_string(),
            };
            Err(format!("`{}`: found {found}", self.source))
        }
    }
}

struct Prepared {
    target: TargetSpec,
    method: reqwest::Method,
    expect: StatusSet,
    max_latency: Option<Duration>,
    headers: Vec<(String, Option<String>)>,
    body: Option<String>,
    json: Option<JsonExpect>,
}

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        let (url, client) = self.target.open(ctx)?;
        let shown = super::shown(&url);
        let resp = match client
            .send(client.request(self.method.clone(), url.clone()))
            .await
        {
            Ok(r) => r,
            Err(e) => {
                let code = match e {
                    ProbeError::Timeout { .. } => "http-status-timeout",
                    _ => "http-status-unreachable",
                };
                return Ok(Outcome::from_findings(
                    format!("{} {shown}: {e}", self.method),
                    vec![
                        Finding::fail(code, e.to_string())
                            .at(location(&url))
                            .fix("start the service, or point the target at where it runs"),
                    ],
                )
                .expected(self.expect.describe())
                .at(location(&url)));
            }
        };
        let ms = resp.elapsed.as_millis();
        let mut findings = Vec::new();
        if !self.expect.contains(resp.status) {
            findings.push(
                Finding::fail(
                    "http-status-unexpected",
                    format!(
                        "answered {}, expected {}",
                        super::status_text(resp.status),
                        self.expect.describe()
                    ),
                )
                .at(location(&url))
                .fix("make the endpoint answer the expected status"),
            );
        }
        if let Some(max) = self.max_latency
            && resp.elapsed > max
        {
            findings.push(
                Finding::fail(
                    "http-status-slow",
                    format!("took {ms} ms, bound {} ms", max.as_millis()),
                )
                .at(location(&url))
                .fix("make the endpoint faster or raise max_latency"),
            );
        }
        for (name, want) in &self.headers {
            let got = resp.header_all(name);
            let ok = match want {
                None => !got.is_empty(),
                Some(w) => got
                    .iter()
                    .any(|g| g.to_ascii_lowercase().contains(&w.to_ascii_lowercase())),
            };
            if !ok {
                let msg = match (want, got.first()) {
                    (None, _) | (Some(_), None) => format!("header `{name}` absent"),
                    (Some(w), Some(g)) => format!(
                        "header `{name}` is `{}`, expected it to contain `{w}`",
                        clip(&redact_header(name, g))
                    ),
                };
                findings.push(
                    Finding::fail("http-status-header-missing", msg)
                        .at(location(&url))
                        .fix(format!("send the `{name}` header")),
                );
            }
        }
        if let Some(want) = &self.body
            && !resp.text().contains(want.as_str())
        {
            let cut = resp
                .cut_note()
                .map(|note| format!(" ({note})"))
                .unwrap_or_default();
            findings.push(
                Finding::fail(
                    "http-status-body-mismatch",
                    format!("the body does not contain `{}`{cut}", clip(want)),
                )
                .at(location(&url)),
            );
        }
        if let Some(j) = &self.json
            && let Err(why) = j.check(&resp.body)
        {
            let why = match resp.cut_note() {
                Some(note) => format!("{why} ({note})"),
                None => why,
            };
            findings.push(Finding::fail("http-status-json-mismatch", why).at(location(&url)));
        }
        let mut expected = self.expect.describe();
        if let Some(max) = self.max_latency {
            expected.push_str(&format!(" within {} ms", max.as_millis()));
        }
        Ok(Outcome::from_findings(
            format!(
                "{} {shown}: {} in {ms} ms",
                self.method,
                super::status_text(resp.status)
            ),
            findings,
        )
        .observed(match resp.cut_note() {
            Some(note) => format!("{} in {ms} ms, {note}", resp.status),
            None => format!("{} in {ms} ms", resp.status),
        })
        .expected(expected)
        .at(location(&url)))
    }
}

/// The status an item expects: "returns 204", "(200 OK)", "→ 301"; not "within 100 ms".
fn status_code_in(text: &Text<'_>) -> Option<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"(?i)(?:\breturns?|\banswers?(?: with)?|\bresponds?(?: with)?|\bresponding(?: with)?|\bwith|\bstatus(?: code)?|\bgives|\bHTTP|→|->|\()\s*([1-5]\d\d)\b\s*(?:(ms|s|sec|seconds?|milliseconds?|%|percent)\b)?")
            .expect("valid regex")
    });
    re.captures_iter(&text.plain)
        .find(|c| c.get(2).is_none())
        .map(|c| c[1].to_string())
}

/// A JSON field the item expects in the body, `"healthy": true`, as a `json=` expectation.
fn json_expectation_in(text: &Text<'_>) -> Option<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r#""([A-Za-z_][A-Za-z0-9_]*)"\s*:\s*("?[A-Za-z0-9_.-]+"?)"#)
            .expect("valid regex")
    });
    let c = re.captures(text.display)?;
    Some(format!("$.{} == {}", &c[1], c[2].trim_matches('"')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_named_value_is_shown_redacted() {
        let body = br#"{"auth":{"password":"plainlowercase"},"user":"jane"}"#;
        let why = JsonExpect::parse("$.auth.password == x")
            .unwrap()
            .check(body)
            .unwrap_err();
        assert_eq!(why, "`$.auth.password == x`: found \"pl…(14 chars)\"");
        let why = JsonExpect::parse("$.user == x")
            .unwrap()
            .check(body)
            .unwrap_err();
        assert_eq!(why, "`$.user == x`: found \"jane\"");
    }

    #[test]
    fn json_expectations() {
        let body = br#"{"status":"ok","checks":{"db":true},"items":[{"n":3}]}"#;
        assert!(
            JsonExpect::parse("$.status == ok")
                .unwrap()
                .check(body)
                .is_ok()
        );
        assert!(
            JsonExpect::parse("$.status == \"ok\"")
                .unwrap()
                .check(body)
                .is_ok()
        );
        assert!(
            JsonExpect::parse("$.checks.db == true")
                .unwrap()
                .check(body)
                .is_ok()
        );
        assert!(
            JsonExpect::parse("$.items[0].n == 3")
                .unwrap()
                .check(body)
                .is_ok()
        );
        assert!(
            JsonExpect::parse("$.items[1]")
                .unwrap()
                .check(body)
                .is_err()
        );
        assert!(
            JsonExpect::parse("$.status == down")
                .unwrap()
                .check(body)
                .is_err()
        );
        assert!(
            JsonExpect::parse("$.status")
                .unwrap()
                .check(b"<html>")
                .is_err()
        );
        assert!(JsonExpect::parse("$").is_err());
    }

    #[test]
    fn paths_statuses_and_json_come_from_the_item() {
        let bound = |text: &str| crate::util::testing::recognise(&HttpStatus, text).unwrap();
        let p = bound("Legacy `/v1` routes return 301 to `/v2` (`GET /v1/items` → 301)");
        assert_eq!(p.str("path"), Some("/v1/items"));
        assert_eq!(p.str("expect"), Some("301"));
        let p = bound("Gateway `/status` returns JSON with `\"healthy\": true`");
        assert_eq!(p.str("path"), Some("/status"));
        assert_eq!(p.str("json"), Some("$.healthy == true"));
        let p = bound("Does `/healthz` answer within 100 ms?");
        assert_eq!(p.str("path"), Some("/healthz"));
        assert_eq!(p.str("max_latency"), Some("100ms"));
        assert_eq!(p.str("expect"), None);
        let p = bound("Backend /health endpoint responding (200 OK)");
        assert_eq!(p.str("path"), Some("/health"));
        assert_eq!(p.str("expect"), Some("200"));
        // A 429 after a burst is `http.rate-limit`'s, a percentile `http.latency`'s.
        assert!(
            crate::util::testing::recognise(
                &HttpStatus,
                "`/api/items` returns 429 within 50 requests"
            )
            .is_none()
        );
    }
}
