//! What is sent: one request from the command line, or a scenario file with several weighted
//! requests, headers, bodies and variables.
//!
//! ```toml
//! base_url = "http://127.0.0.1:8080"
//!
//! [variables]
//! tenant = "acme"
//!
//! [[requests]]
//! name = "list"
//! url = "/api/items?tenant={{tenant}}"
//! weight = 3
//!
//! [[requests]]
//! name = "create"
//! method = "POST"
//! url = "/api/items"
//! headers = { content-type = "application/json" }
//! body = '{"name": "item-{{seq}}"}'
//! ```
//!
//! `{{name}}` is replaced by the variable of that name when the file is read; three built-ins
//! change per request: `{{seq}}` (a counter, unique within the run), `{{rand}}` (a random
//! 32-bit number) and `{{worker}}` (the worker thread's number). Every request of a scenario
//! goes to the same origin (scheme, host and port), because connections are reused across them.

use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Method, Uri};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A scenario that cannot be used, with the reason (and the line, for files).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ScenarioError(pub String);

fn err(msg: impl Into<String>) -> ScenarioError {
    ScenarioError(msg.into())
}

/// Text with per-request placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template(Vec<Part>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Lit(String),
    Seq,
    Rand,
    Worker,
}

/// What the per-request placeholders are filled with.
#[derive(Debug, Clone, Copy)]
pub struct Fill {
    pub seq: u64,
    pub rand: u32,
    pub worker: usize,
}

impl Template {
    /// Parses `{{…}}` placeholders: variables are substituted now, built-ins kept.
    fn parse(
        text: &str,
        vars: &BTreeMap<String, String>,
        what: &str,
    ) -> Result<Self, ScenarioError> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            lit.push_str(&rest[..open]);
            let after = &rest[open + 2..];
            let close = after
                .find("}}")
                .ok_or_else(|| err(format!("{what}: `{{{{` without a closing `}}}}`")))?;
            let name = after[..close].trim();
            let builtin = match name {
                "seq" => Some(Part::Seq),
                "rand" => Some(Part::Rand),
                "worker" => Some(Part::Worker),
                _ => None,
            };
            match builtin {
                Some(part) => {
                    if !lit.is_empty() {
                        parts.push(Part::Lit(std::mem::take(&mut lit)));
                    }
                    parts.push(part);
                }
                None => match vars.get(name) {
                    Some(v) => lit.push_str(v),
                    None => {
                        return Err(err(format!(
                            "{what}: unknown variable `{name}` (define it under [variables]; built-ins: seq, rand, worker)"
                        )));
                    }
                },
            }
            rest = &after[close + 2..];
        }
        lit.push_str(rest);
        if !lit.is_empty() || parts.is_empty() {
            parts.push(Part::Lit(lit));
        }
        Ok(Template(parts))
    }

    fn literal(text: &str) -> Self {
        Template(vec![Part::Lit(text.to_string())])
    }

    /// The text when it has no per-request placeholder.
    pub fn as_static(&self) -> Option<&str> {
        match self.0.as_slice() {
            [Part::Lit(s)] => Some(s),
            _ => None,
        }
    }

    pub fn render(&self, fill: Fill) -> String {
        let mut out = String::new();
        for p in &self.0 {
            match p {
                Part::Lit(s) => out.push_str(s),
                Part::Seq => {
                    let _ = write!(out, "{}", fill.seq);
                }
                Part::Rand => {
                    let _ = write!(out, "{}", fill.rand);
                }
                Part::Worker => {
                    let _ = write!(out, "{}", fill.worker);
                }
            }
        }
        out
    }
}

/// One request of a scenario.
#[derive(Debug, Clone)]
pub struct RequestSpec {
    pub name: String,
    pub method: Method,
    /// Path and query (origin form), possibly with placeholders.
    pub path: Template,
    pub headers: Vec<(HeaderName, Template)>,
    pub body: Template,
    pub weight: u32,
}

/// The origin every request goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub https: bool,
    pub host: String,
    pub port: u16,
}

impl Origin {
    /// `host:port`, with brackets for IPv6 literals.
    pub fn authority(&self) -> String {
        let default = if self.https { 443 } else { 80 };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    pub fn url(&self) -> String {
        format!(
            "{}://{}",
            if self.https { "https" } else { "http" },
            self.authority()
        )
    }
}

/// What a run sends.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub origin: Origin,
    pub requests: Vec<RequestSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileScenario {
    base_url: Option<String>,
    #[serde(default)]
    variables: BTreeMap<String, String>,
    #[serde(default)]
    requests: Vec<FileRequest>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRequest {
    name: Option<String>,
    method: Option<String>,
    url: String,
    weight: Option<u32>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    body: Option<String>,
}

/// Splits an absolute `http(s)://` URL into its origin and its path-and-query.
fn split_url(url: &str) -> Result<(Origin, String), ScenarioError> {
    let uri: Uri = url
        .parse()
        .map_err(|e| err(format!("`{url}` is not a URL: {e}")))?;
    let https = match uri.scheme_str() {
        Some("http") => false,
        Some("https") => true,
        Some(other) => {
            return Err(err(format!(
                "`{url}`: scheme `{other}` is not http or https"
            )));
        }
        None => {
            return Err(err(format!(
                "`{url}` must be an absolute http:// or https:// URL"
            )));
        }
    };
    let host = uri
        .host()
        .ok_or_else(|| err(format!("`{url}` has no host")))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "/".into());
    Ok((Origin { https, host, port }, path))
}

fn parse_method(m: &str) -> Result<Method, ScenarioError> {
    Method::from_bytes(m.to_ascii_uppercase().as_bytes())
        .map_err(|_| err(format!("`{m}` is not an HTTP method")))
}

fn parse_header_name(name: &str) -> Result<HeaderName, ScenarioError> {
    HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| err(format!("`{name}` is not a header name")))
}

impl Scenario {
    /// A single GET of `url`.
    pub fn single(url: &str) -> Result<Self, ScenarioError> {
        Self::request(url, "GET", &[], None)
    }

    /// One request from the command line: `headers` are `Name: value` lines. Placeholders are
    /// not interpreted here (the text is sent as given).
    pub fn request(
        url: &str,
        method: &str,
        headers: &[String],
        body: Option<&str>,
    ) -> Result<Self, ScenarioError> {
        let (origin, path) = split_url(url)?;
        let mut hs = Vec::new();
        for h in headers {
            let (name, value) = h
                .split_once(':')
                .ok_or_else(|| err(format!("header `{h}` must be `Name: value`")))?;
            let value = value.trim();
            HeaderValue::from_str(value)
                .map_err(|_| err(format!("header `{name}` has an invalid value")))?;
            hs.push((parse_header_name(name)?, Template::literal(value)));
        }
        Ok(Scenario {
            origin,
            requests: vec![RequestSpec {
                name: "request".into(),
                method: parse_method(method)?,
                path: Template::literal(&path),
                headers: hs,
                body: Template::literal(body.unwrap_or("")),
                weight: 1,
            }],
        })
    }

    /// Reads a scenario file's text; `file` names it in errors. `base_url` (from the command
    /// line) wins over the file's own.
    pub fn from_toml(
        text: &str,
        file: &str,
        base_url: Option<&str>,
    ) -> Result<Self, ScenarioError> {
        let parsed: FileScenario = toml::from_str(text)
            .map_err(|e| err(format!("{file}: {}", e.to_string().trim_end())))?;
        if parsed.requests.is_empty() {
            return Err(err(format!("{file}: no [[requests]] defined")));
        }
        let base = base_url.map(str::to_string).or(parsed.base_url.clone());
        let base = match base {
            Some(b) => Some(split_url(&b).map_err(|e| err(format!("{file}: base_url {e}")))?),
            None => None,
        };
        let mut origin: Option<Origin> = base.as_ref().map(|(o, _)| o.clone());
        let mut requests = Vec::new();
        for (i, r) in parsed.requests.iter().enumerate() {
            let name = r
                .name
                .clone()
                .unwrap_or_else(|| format!("request {}", i + 1));
            let what = format!("{file}: request `{name}`");
            let url = Template::parse(&r.url, &parsed.variables, &what)?;
            // The origin must be fixed: placeholders are only allowed after it.
            let (req_origin, path) = if r.url.starts_with('/') {
                let (o, base_path) = base.clone().ok_or_else(|| {
                    err(format!("{what}: relative url `{}` needs a base_url", r.url))
                })?;
                let prefix = base_path.trim_end_matches('/');
                let prefix = if prefix == "/" { "" } else { prefix };
                let path =
                    Template::parse(&format!("{prefix}{}", r.url), &parsed.variables, &what)?;
                (o, path)
            } else {
                let text = url.render(Fill {
                    seq: 0,
                    rand: 0,
                    worker: 0,
                });
                let (o, _) = split_url(&text).map_err(|e| err(format!("{what}: {e}")))?;
                let cut = r.url.find("://").map(|s| s + 3).unwrap_or(0);
                let path_start = r.url[cut..].find('/').map(|p| p + cut);
                let path_text = path_start.map(|p| &r.url[p..]).unwrap_or("/");
                if r.url[..path_start.unwrap_or(r.url.len())].contains("{{") {
                    return Err(err(format!(
                        "{what}: placeholders are not allowed in the scheme, host or port"
                    )));
                }
                (o, Template::parse(path_text, &parsed.variables, &what)?)
            };
            match &origin {
                None => origin = Some(req_origin),
                Some(o) if *o != req_origin => {
                    return Err(err(format!(
                        "{what}: every request must go to {} (one origin per run), not {}",
                        o.url(),
                        req_origin.url()
                    )));
                }
                Some(_) => {}
            }
            let mut headers = Vec::new();
            for (k, v) in &r.headers {
                let t = Template::parse(v, &parsed.variables, &format!("{what}: header {k}"))?;
                if let Some(s) = t.as_static() {
                    HeaderValue::from_str(s)
                        .map_err(|_| err(format!("{what}: header `{k}` has an invalid value")))?;
                }
                headers.push((parse_header_name(k)?, t));
            }
            let weight = r.weight.unwrap_or(1);
            if weight == 0 || weight > 1_000_000 {
                return Err(err(format!("{what}: weight must be between 1 and 1000000")));
            }
            requests.push(RequestSpec {
                name,
                method: parse_method(r.method.as_deref().unwrap_or("GET"))
                    .map_err(|e| err(format!("{what}: {e}")))?,
                path,
                headers,
                body: Template::parse(r.body.as_deref().unwrap_or(""), &parsed.variables, &what)?,
                weight,
            });
        }
        Ok(Scenario {
            origin: origin.expect("at least one request"),
            requests,
        })
    }

    /// The target as shown in reports: the origin and the first request's path.
    pub fn describe(&self) -> String {
        match self.requests.as_slice() {
            [one] => format!(
                "{} {}{}",
                one.method,
                self.origin.url(),
                one.path.as_static().unwrap_or("/…")
            ),
            many => format!("{} ({} requests)", self.origin.url(), many.len()),
        }
    }
}

/// A request ready to send, built once when nothing in it varies.
pub(crate) struct Prepared {
    pub method: Method,
    /// Origin-form for HTTP/1.1, absolute for HTTP/2.
    pub uri_h1: Option<Uri>,
    pub uri_h2: Option<Uri>,
    pub headers: hyper::HeaderMap,
    pub body: Option<Bytes>,
    /// Something in it changes per request.
    pub templated: bool,
    pub spec: RequestSpec,
}

impl Prepared {
    pub fn new(spec: &RequestSpec, origin: &Origin) -> Result<Self, ScenarioError> {
        let mut headers = hyper::HeaderMap::new();
        headers.insert(
            hyper::header::USER_AGENT,
            HeaderValue::from_static(concat!("gonogo-load/", env!("CARGO_PKG_VERSION"))),
        );
        for (name, value) in &spec.headers {
            if let Some(v) = value.as_static() {
                headers.append(
                    name.clone(),
                    HeaderValue::from_str(v)
                        .map_err(|_| err(format!("header `{name}` is invalid")))?,
                );
            }
        }
        let (uri_h1, uri_h2) = match spec.path.as_static() {
            Some(p) => (Some(origin_form(p)?), Some(absolute(origin, p)?)),
            None => (None, None),
        };
        let templated = uri_h1.is_none()
            || spec.body.as_static().is_none()
            || spec.headers.iter().any(|(_, t)| t.as_static().is_none());
        Ok(Prepared {
            templated,
            method: spec.method.clone(),
            uri_h1,
            uri_h2,
            headers,
            body: spec.body.as_static().map(|b| Bytes::from(b.to_string())),
            spec: spec.clone(),
        })
    }
}

pub(crate) fn origin_form(path: &str) -> Result<Uri, ScenarioError> {
    path.parse()
        .map_err(|_| err(format!("`{path}` is not a valid path")))
}

pub(crate) fn absolute(origin: &Origin, path: &str) -> Result<Uri, ScenarioError> {
    format!("{}{}", origin.url(), path)
        .parse()
        .map_err(|_| err(format!("`{path}` is not a valid path")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_url() {
        let s = Scenario::single("http://127.0.0.1:8080/health?x=1").unwrap();
        assert_eq!(s.origin.authority(), "127.0.0.1:8080");
        assert_eq!(s.requests[0].path.as_static(), Some("/health?x=1"));
        assert_eq!(s.describe(), "GET http://127.0.0.1:8080/health?x=1");
        assert!(Scenario::single("ftp://x/").is_err());
        assert!(Scenario::single("/relative").is_err());
        let s = Scenario::request(
            "https://example.test",
            "post",
            &["X-A: b".into()],
            Some("{}"),
        )
        .unwrap();
        assert_eq!(s.origin.port, 443);
        assert_eq!(s.requests[0].method, Method::POST);
        assert_eq!(s.requests[0].path.as_static(), Some("/"));
        assert!(Scenario::request("http://h/", "GET", &["nocolon".into()], None).is_err());
    }

    #[test]
    fn scenario_file_with_variables_and_weights() {
        let text = r#"
base_url = "http://127.0.0.1:9000/api"
[variables]
tenant = "acme"
[[requests]]
name = "list"
url = "/items?tenant={{tenant}}"
weight = 3
[[requests]]
method = "post"
url = "/items"
headers = { content-type = "application/json", x-req = "r{{seq}}" }
body = '{"name": "{{tenant}}-{{seq}}-{{worker}}"}'
"#;
        let s = Scenario::from_toml(text, "s.toml", None).unwrap();
        assert_eq!(s.requests.len(), 2);
        assert_eq!(
            s.requests[0].path.as_static(),
            Some("/api/items?tenant=acme")
        );
        assert_eq!(s.requests[0].weight, 3);
        assert_eq!(s.requests[1].name, "request 2");
        let fill = Fill {
            seq: 7,
            rand: 1,
            worker: 2,
        };
        assert_eq!(s.requests[1].body.render(fill), r#"{"name": "acme-7-2"}"#);
        assert!(s.requests[1].body.as_static().is_none());
        assert_eq!(s.requests[1].headers[1].1.render(fill), "r7");
    }

    #[test]
    fn scenario_file_errors_name_the_problem() {
        let e = Scenario::from_toml("requests = 3", "s.toml", None).unwrap_err();
        assert!(e.0.starts_with("s.toml:"), "{e}");
        let e = Scenario::from_toml("[[requests]]\nurl = \"/x\"\n", "s.toml", None).unwrap_err();
        assert!(e.0.contains("needs a base_url"), "{e}");
        let e = Scenario::from_toml(
            "[[requests]]\nurl = \"http://a/{{nope}}\"\n",
            "s.toml",
            None,
        )
        .unwrap_err();
        assert!(e.0.contains("unknown variable `nope`"), "{e}");
        let e = Scenario::from_toml(
            "[[requests]]\nurl = \"http://a/\"\n[[requests]]\nurl = \"http://b/\"\n",
            "s.toml",
            None,
        )
        .unwrap_err();
        assert!(e.0.contains("one origin per run"), "{e}");
        let e = Scenario::from_toml("[[requests]]\nurl = \"http://a/\"\nweight = 0\n", "s", None)
            .unwrap_err();
        assert!(e.0.contains("weight"), "{e}");
        let e = Scenario::from_toml("[[requests]]\nurl = \"http://a/\"\nbogus = 1\n", "s", None)
            .unwrap_err();
        assert!(e.0.contains("bogus"), "{e}");
    }
}
