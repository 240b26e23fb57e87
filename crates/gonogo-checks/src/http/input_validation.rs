//! `http.input-validation`: invalid input to every operation of the OpenAPI document gets a
//! 4xx, never a 5xx, a stack trace or a database error.

use super::openapi::{Operation, ParamIn, Spec, SpecSource, encode, fill_path, sample_value};
use super::{TargetSpec, http_params, location};
use gonogo_core::recognise::{self, Claim, Slot};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};
use serde_json::{Value, json};
use std::collections::HashSet;

pub struct HttpInputValidation;

const MAX_REQUESTS: u64 = 2000;

/// What the kind verifies, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[Claim {
    subject: &[
        "input validation",
        "invalid input",
        "invalid payload*",
        "invalid request*",
        "malformed",
        "sql injection",
        "sqli",
        "injection attack*",
    ],
    support: &[
        "endpoint*",
        "operation*",
        "4xx",
        "400",
        "prevented",
        "protected",
        "blocked",
        "rejected",
        "enabled",
        "implemented",
    ],
    // Client-side forms, static analysis and code review answer other questions.
    excludes: &[
        "form validation",
        "translat*",
        "messag*",
        "client side",
        "frontend",
        "sast",
        "scanner",
        "static analysis",
        "code review",
        "parameteri*",
        "orm",
        "xss",
        "training",
        "audit*",
        "pentest*",
        "penetration",
        "vulnerabilit*",
    ],
    slots: &[Slot::optional("spec", recognise::Value::Path)],
    weight: 80,
    // Probing the running API answers the item; the static check only finds one way it fails.
    prefer_over: &["code.sql-concat"],
    ..Claim::EMPTY
}];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Http),
    targets: &["api_url"],
    summary: "Invalid input to each OpenAPI operation gets a 4xx: never a 5xx, a stack trace or database error text.",
    description: "Reads the service's OpenAPI 3 document (`spec`, a JSON or YAML file in the \
repository, else `openapi` fetched from the target, default `/openapi.json`) and probes each \
operation whose method is in `methods` (default GET, POST, PUT, PATCH: DELETE only when named). \
Operations with a JSON body get malformed JSON, a body with every property of the wrong type, a \
body missing the required properties, and values over a declared maxLength or maximum; path and \
query parameters get wrong types (for integers), SQL-injection and path-traversal payloads (on \
GET operations only). Write operations only ever receive bodies that violate the schema, so a \
conforming service cannot change state. Fails when a probe gets a 5xx, when a body carries a \
stack trace or database error text, or when a schema-invalid request is accepted (2xx). At most \
`max_requests` requests are sent (a warning says when operations were left out); the count is in \
the evidence. Warns when every answer was 401/403 (nothing reached validation). Error when the \
document cannot be read, an error without a target.",
    params: http_params![
        ParamDoc::optional("spec", "OpenAPI document in the repository (JSON or YAML)."),
        ParamDoc::with_default(
            "openapi",
            "Path of the OpenAPI document on the target.",
            "/openapi.json"
        ),
        ParamDoc::with_default(
            "methods",
            "Operations probed, by method.",
            "GET,POST,PUT,PATCH"
        ),
        ParamDoc::with_default("max_requests", "Most requests sent (at most 2000).", "200"),
    ],
    examples: &[
        "http.input-validation",
        "http.input-validation spec=openapi.yaml max_requests=100 methods=GET,POST",
    ],
    claims: CLAIMS,
    phrases: &[
        "Input validation on all API endpoints",
        "Input validation on all endpoints",
        "SQL injection prevented",
    ],
    not_phrases: &[
        "OpenAPI documentation complete",
        "Form validation messages translated",
        "Rate limiting enabled on all endpoints",
    ],
    findings: &[
        ("input-server-error", "Invalid input caused a 5xx."),
        (
            "input-leaks-stack-trace",
            "An answer carries a stack trace or exception text.",
        ),
        (
            "input-leaks-db-error",
            "An answer carries database error text (SQL syntax, driver messages).",
        ),
        (
            "input-accepted-invalid",
            "A request violating the schema (malformed JSON, wrong types, missing fields, oversize) got a 2xx.",
        ),
        (
            "input-budget-exhausted",
            "`max_requests` was reached before every operation was probed.",
        ),
        (
            "input-all-unauthorized",
            "Every probe was refused 401/403: validation behind authentication was not reached.",
        ),
        (
            "input-no-operations",
            "The OpenAPI document lists no operation that can be probed.",
        ),
    ],
};

impl CheckKind for HttpInputValidation {
    fn id(&self) -> &'static str {
        "http.input-validation"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let target = TargetSpec::from_params(params)?;
        let methods = params.value::<Vec<String>>("methods")?;
        let mut ms = Vec::new();
        for m in methods {
            let up = m.to_ascii_uppercase();
            if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&up.as_str()) {
                return Err(ParamError::new(
                    "methods",
                    format!("`{m}`: use GET, POST, PUT, PATCH or DELETE"),
                ));
            }
            ms.push(reqwest::Method::from_bytes(up.as_bytes()).expect("known method"));
        }
        let max_requests = params.value::<u64>("max_requests")?;
        if max_requests == 0 || max_requests > MAX_REQUESTS {
            return Err(ParamError::new(
                "max_requests",
                format!("must be between 1 and {MAX_REQUESTS}"),
            ));
        }
        Ok(Box::new(Prepared {
            target,
            spec: SpecSource {
                file: params.str("spec").map(str::to_string),
                path: params.required("openapi")?.to_string(),
            },
            methods: ms,
            max_requests,
        }))
    }
}

struct Prepared {
    target: TargetSpec,
    spec: SpecSource,
    methods: Vec<reqwest::Method>,
    max_requests: u64,
}

/// One request to send and what a correct service answers.
#[derive(Debug, Clone)]
pub struct Probe {
    pub what: String,
    pub path: String,
    /// Raw body (JSON or deliberately malformed).
    pub body: Option<String>,
    /// A correct service must answer 4xx (the request violates the schema); otherwise only
    /// 5xx and leaks count.
    pub must_reject: bool,
}

const SQLI: &[&str] = &["' OR '1'='1", "1 UNION SELECT NULL--", "\" OR \"\"=\""];
const TRAVERSAL: &[&str] = &["../../../../etc/passwd", "..\\..\\..\\windows\\win.ini"];

/// A value of the wrong type for `schema`.
fn wrong_type(schema: &Value) -> Value {
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => json!({"gonogo": ["not", "a", "string"]}),
        Some("integer") | Some("number") => json!("not-a-number"),
        Some("boolean") => json!("maybe"),
        Some("array") => json!("not-an-array"),
        Some("object") => json!(12345),
        _ => json!([[[]]]),
    }
}

/// Probes for one operation, in a fixed order.
pub fn probes(spec: &Spec, op: &Operation) -> Vec<Probe> {
    let mut out = Vec::new();
    let valid = |name: &str| {
        op.params
            .iter()
            .find(|p| p.name == name)
            .map(|p| sample_value(&p.schema))
            .unwrap_or_else(|| "1".into())
    };
    let base_path = fill_path(&op.path, &valid);
    let read_only = op.method == reqwest::Method::GET;
    // Path parameters.
    for p in op.params.iter().filter(|p| p.location == ParamIn::Path) {
        let ty = p.schema.get("type").and_then(Value::as_str);
        let mut payloads: Vec<(String, String, bool)> = Vec::new();
        if matches!(ty, Some("integer") | Some("number")) {
            payloads.push((
                format!("path `{}` not a number", p.name),
                "not-a-number".into(),
                true,
            ));
        }
        if read_only {
            for s in SQLI {
                payloads.push((
                    format!("path `{}` SQL injection", p.name),
                    s.to_string(),
                    matches!(ty, Some("integer") | Some("number")),
                ));
            }
            for s in TRAVERSAL {
                payloads.push((
                    format!("path `{}` path traversal", p.name),
                    s.to_string(),
                    false,
                ));
            }
        }
        for (what, payload, must_reject) in payloads {
            let path = fill_path(&op.path, &|n| {
                if n == p.name {
                    payload.clone()
                } else {
                    valid(n)
                }
            });
            out.push(Probe {
                what,
                path,
                body: None,
                must_reject,
            });
        }
    }
    // Query parameters (GET only: they filter reads).
    if read_only {
        for p in op.params.iter().filter(|p| p.location == ParamIn::Query) {
            let ty = p.schema.get("type").and_then(Value::as_str);
            let mut payloads: Vec<(String, String, bool)> = Vec::new();
            if matches!(ty, Some("integer") | Some("number")) {
                payloads.push((
                    format!("query `{}` not a number", p.name),
                    "not-a-number".into(),
                    true,
                ));
            }
            for s in SQLI.iter().chain(TRAVERSAL) {
                let kind = if SQLI.contains(s) {
                    "SQL injection"
                } else {
                    "path traversal"
                };
                payloads.push((
                    format!("query `{}` {kind}", p.name),
                    s.to_string(),
                    matches!(ty, Some("integer") | Some("number")),
                ));
            }
            for (what, payload, must_reject) in payloads {
                out.push(Probe {
                    what,
                    path: format!("{base_path}?{}={}", encode(&p.name), encode(&payload)),
                    body: None,
                    must_reject,
                });
            }
        }
    }
    // JSON bodies.
    if let Some(schema) = &op.body {
        out.push(Probe {
            what: "malformed JSON body".into(),
            path: base_path.clone(),
            body: Some("{\"gonogo\": [1, 2,".into()),
            must_reject: true,
        });
        let props = schema.get("properties").and_then(Value::as_object);
        if let Some(props) = props.filter(|p| !p.is_empty()) {
            let wrong: serde_json::Map<String, Value> = props
                .iter()
                .map(|(k, s)| (k.clone(), wrong_type(spec.deref(s))))
                .collect();
            out.push(Probe {
                what: "body with wrong types".into(),
                path: base_path.clone(),
                body: Some(Value::Object(wrong).to_string()),
                must_reject: true,
            });
            for (k, s) in props {
                let s = spec.deref(s);
                let over = if let Some(max) = s
                    .get("maxLength")
                    .and_then(Value::as_u64)
                    .filter(|m| *m < 1 << 20)
                {
                    Some(json!("A".repeat(max as usize + 1)))
                } else {
                    s.get("maximum")
                        .and_then(Value::as_f64)
                        .map(|m| json!(m * 10.0 + 1e6))
                };
                if let Some(v) = over {
                    out.push(Probe {
                        what: format!("body `{k}` over its declared bound"),
                        path: base_path.clone(),
                        body: Some(json!({ k: v }).to_string()),
                        must_reject: true,
                    });
                }
            }
        }
        let required = schema
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| !r.is_empty());
        if required {
            out.push(Probe {
                what: "body missing required fields".into(),
                path: base_path.clone(),
                body: Some("{}".into()),
                must_reject: true,
            });
        }
    }
    out
}

/// Text in an answer that betrays an unhandled error: at most one marker per finding code.
pub fn leaks(body: &str) -> Vec<(&'static str, &'static str)> {
    const STACK: &[&str] = &[
        "Traceback (most recent call last)",
        "Exception in thread",
        "panicked at",
        "stack backtrace",
        "at java.",
        "at org.springframework",
        "System.NullReferenceException",
        "node_modules/",
        "goroutine 1 [running]",
        "Fatal error: Uncaught",
        "in /var/www/",
    ];
    const DB: &[&str] = &[
        "syntax error at or near",
        "SQLSTATE",
        "You have an error in your SQL syntax",
        "unterminated quoted string",
        "psycopg2.",
        "sqlalchemy.exc",
        "sqlite3.OperationalError",
        "ORA-0",
        "PG::",
        "pq: ",
        "relation \"",
        "SqlException",
    ];
    let lower = body.to_ascii_lowercase();
    let find = |list: &[&'static str]| {
        list.iter()
            .copied()
            .find(|s| lower.contains(&s.to_ascii_lowercase()))
    };
    let mut out = Vec::new();
    if let Some(s) = find(STACK) {
        out.push(("input-leaks-stack-trace", s));
    }
    if let Some(s) = find(DB) {
        out.push(("input-leaks-db-error", s));
    }
    out
}

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        let base = match self.target.resolve(ctx) {
            Ok(u) => u,
            Err(o) => return o,
        };
        let client = match self.target.client() {
            Ok(c) => c,
            Err(o) => return o,
        };
        let spec = match self.spec.load(ctx, &self.target, &client).await {
            Ok(s) => s,
            Err(o) => return o,
        };
        let ops: Vec<Operation> = spec
            .operations()
            .into_iter()
            .filter(|o| self.methods.contains(&o.method))
            .collect();
        let planned: Vec<(Operation, Vec<Probe>)> = ops
            .into_iter()
            .map(|o| {
                let p = probes(&spec, &o);
                (o, p)
            })
            .filter(|(_, p)| !p.is_empty())
            .collect();
        if planned.is_empty() {
            return Outcome::from_findings(
                format!(
                    "{}: no operation with parameters or a body to probe",
                    spec.source
                ),
                vec![Finding::warn(
                    "input-no-operations",
                    format!("{} lists no probeable operation", spec.source),
                )],
            );
        }
        let total_probes: usize = planned.iter().map(|(_, p)| p.len()).sum();
        let mut findings = Vec::new();
        let mut seen: HashSet<(String, &'static str)> = HashSet::new();
        let mut sent = 0u64;
        let mut unauthorized = 0u64;
        let mut cut = 0u64;
        let mut ops_done = 0;
        'ops: for (op, probes) in &planned {
            for probe in probes {
                if sent >= self.max_requests {
                    break 'ops;
                }
                let url = match self.target.resolve_path(ctx, Some(&probe.path)) {
                    Ok(u) => u,
                    Err(o) => return o,
                };
                let mut req = client.request(op.method.clone(), url.clone());
                if let Some(b) = &probe.body {
                    req = req
                        .header("content-type", "application/json")
                        .body(b.clone());
                }
                sent += 1;
                let resp = match client.send(req).await {
                    Ok(r) => r,
                    Err(e) => {
                        return Outcome::error(format!(
                            "{} {}: {e}",
                            op.method,
                            super::shown(&url)
                        ))
                        .at(location(&url));
                    }
                };
                if resp.status == 401 || resp.status == 403 {
                    unauthorized += 1;
                }
                if resp.truncated {
                    cut += 1;
                }
                let opname = format!("{} {}", op.method, op.path);
                let mut add = |code: &'static str, msg: String, fix: &str| {
                    if seen.insert((opname.clone(), code)) {
                        findings.push(Finding::fail(code, msg).at(location(&url)).fix(fix));
                    }
                };
                if resp.status >= 500 {
                    add(
                        "input-server-error",
                        format!(
                            "{opname}: {} answered {}",
                            probe.what,
                            super::status_text(resp.status)
                        ),
                        "validate input before using it and answer 400/422",
                    );
                } else if probe.must_reject && (200..300).contains(&resp.status) {
                    add(
                        "input-accepted-invalid",
                        format!(
                            "{opname}: {} was accepted ({})",
                            probe.what,
                            super::status_text(resp.status)
                        ),
                        "validate request bodies and parameters against the schema",
                    );
                }
                for (code, marker) in leaks(&resp.text()) {
                    add(
                        code,
                        format!("{opname}: the answer to {} contains `{marker}`", probe.what),
                        "never return exception or database details to clients",
                    );
                }
            }
            ops_done += 1;
        }
        if ops_done < planned.len() {
            findings.push(Finding::warn(
                "input-budget-exhausted",
                format!(
                    "max_requests={} reached: {} of {} operations probed",
                    self.max_requests,
                    ops_done,
                    planned.len()
                ),
            ));
        }
        if unauthorized == sent && findings.is_empty() {
            findings.push(Finding::warn(
                "input-all-unauthorized",
                format!("all {sent} probes answered 401/403: validation behind authentication was not reached"),
            ));
        }
        let _ = base;
        Outcome::from_findings(
            format!(
                "{sent} requests to {} operation(s) from {}",
                ops_done, spec.source
            ),
            findings,
        )
        .observed(if cut > 0 {
            // Leaks are looked for in what was read.
            format!(
                "{sent} of {total_probes} planned probes sent, {cut} answer {} cut at {} bytes",
                if cut == 1 { "body" } else { "bodies" },
                client.max_bytes
            )
        } else {
            format!("{sent} of {total_probes} planned probes sent")
        })
        .expected("4xx to invalid input, no 5xx, no leaked errors")
        .at(gonogo_core::Location::file(spec.source.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaks_are_recognised() {
        assert_eq!(
            leaks("Traceback (most recent call last):\n  File")[0].0,
            "input-leaks-stack-trace"
        );
        assert_eq!(
            leaks("ERROR: syntax error at or near \"OR\"")[0].0,
            "input-leaks-db-error"
        );
        assert!(leaks("{\"detail\":\"invalid id\"}").is_empty());
    }
}
