//! Live HTTP checks: one file per kind, sharing the bounded client below.
//!
//! Every probe is bounded three ways: each request has a deadline covering the connection, the
//! headers and the body (a target that accepts and never answers, or trickles bytes, ends in a
//! timeout, not a hang); at most `max_bytes` of a body are read; each kind caps the number of
//! requests it sends. Redirects are followed (at most 5) only to the same host or to a
//! loopback address unless `follow_redirects=true`. URLs shown in evidence go through
//! [`redact_url`], and no request header value (tokens, cookies) is ever written into output.

// An `Err` here is the finished `Outcome` the check returns (once per run): boxing it buys
// nothing and costs every caller a `*`.
#![allow(clippy::result_large_err)]

pub mod auth;
pub mod cookies;
pub mod cors;
pub mod headers;
pub mod input_validation;
pub mod latency;
pub mod openapi;
pub mod rate_limit;
pub mod status;

use gonogo_core::recognise::Text;
use gonogo_core::redact::redact_url;
use gonogo_core::{CheckContext, Location, Outcome, ParamError, Params};
use reqwest::header::HeaderMap;
use std::time::{Duration, Instant};
use url::Url;

/// A kind's parameter docs followed by those every HTTP kind takes to name what it probes and
/// how far it may go (`url`, `path`, `target`, `max_bytes`, `follow_redirects`, `timeout`).
macro_rules! http_params {
    ($($p:expr),* $(,)?) => {
        &[
            $($p,)*
            gonogo_core::ParamDoc::optional(
                "url",
                "URL to probe; a relative one (`/health`) is resolved against the target.",
            ),
            gonogo_core::ParamDoc::optional(
                "path",
                "Path appended to the target URL (`/health`); ignored when `url` is absolute.",
            ),
            gonogo_core::ParamDoc::with_default(
                "target",
                "Which shared target of `gonogo.toml` `[targets]` the URL is resolved against.",
                "api_url",
            ),
            gonogo_core::ParamDoc::with_default(
                "max_bytes",
                "Most bytes of a response body read (at most 16 MiB); a longer body is cut there, and the evidence says so.",
                "1048576",
            ),
            gonogo_core::ParamDoc::with_default(
                "follow_redirects",
                "Follow redirects to other hosts (same-host and loopback redirects are always followed, at most 5).",
                "false",
            ),
            gonogo_core::ParamDoc::with_default(
                "timeout",
                "Deadline of each request: connection, headers and body.",
                "5s",
            ),
        ]
    };
}
pub(crate) use http_params;

/// The ceiling of `max_bytes`: no probe reads more of a body than this.
pub const MAX_BODY_BYTES: u64 = 16 << 20;

/// Where a kind's requests go and how they are bounded; parsed in `prepare` (pure).
#[derive(Debug, Clone)]
pub struct TargetSpec {
    url: Option<String>,
    path: Option<String>,
    target: String,
    pub timeout: Duration,
    pub max_bytes: usize,
    pub follow_redirects: bool,
}

impl TargetSpec {
    pub fn from_params(params: &Params) -> Result<Self, ParamError> {
        let url = params.str("url").map(str::to_string);
        if let Some(u) = &url {
            if u.contains("://") {
                let parsed = Url::parse(u)
                    .map_err(|e| ParamError::new("url", format!("not a URL ({e})")))?;
                if !matches!(parsed.scheme(), "http" | "https") {
                    return Err(ParamError::new("url", "must be an http or https URL"));
                }
            } else if !u.starts_with('/') {
                return Err(ParamError::new(
                    "url",
                    "must be an absolute http(s) URL or a path starting with `/`",
                ));
            }
        }
        let path = params.str("path").map(str::to_string);
        if let Some(p) = &path
            && !p.starts_with('/')
        {
            return Err(ParamError::new("path", "must start with `/`"));
        }
        let timeout = params.value::<Duration>("timeout")?;
        if timeout.is_zero() {
            return Err(ParamError::new("timeout", "must be more than zero"));
        }
        let max_bytes = params.value::<u64>("max_bytes")?;
        if max_bytes > MAX_BODY_BYTES {
            return Err(ParamError::new(
                "max_bytes",
                format!("must be at most {MAX_BODY_BYTES} (16 MiB)"),
            ));
        }
        let max_bytes = max_bytes as usize;
        Ok(TargetSpec {
            url,
            path,
            target: params.required("target")?.to_string(),
            timeout,
            max_bytes,
            follow_redirects: params.value::<bool>("follow_redirects")?,
        })
    }

    /// The URL to probe: `url` when absolute, else the target joined with `url` or `path`.
    /// `Err` carries the outcome to return: `error` when no target is configured, when a
    /// variable in it is not set, or when it is not a URL.
    pub fn resolve(&self, ctx: &CheckContext) -> Result<Url, Outcome> {
        self.resolve_path(ctx, None)
    }

    /// Like [`resolve`](Self::resolve), with `path` replacing the configured path.
    pub fn resolve_path(&self, ctx: &CheckContext, path: Option<&str>) -> Result<Url, Outcome> {
        if let Some(u) = &self.url
            && u.contains("://")
            && path.is_none()
        {
            return Url::parse(u).map_err(|e| Outcome::error(format!("url: {e}")));
        }
        let base = match (&self.url, ctx.target(&self.target)) {
            (Some(u), _) if u.contains("://") => u.clone(),
            (_, Ok(t)) => t.to_string(),
            (_, Err(missing)) => return Err(missing.outcome()),
        };
        let rel = path
            .map(str::to_string)
            .or_else(|| self.url.clone().filter(|u| !u.contains("://")))
            .or_else(|| self.path.clone());
        join_url(&base, rel.as_deref()).map_err(|e| {
            Outcome::error(format!(
                "{} `{}` is not a usable URL: {e}",
                self.target,
                redact_url(&base)
            ))
        })
    }

    pub fn client(&self) -> Result<Client, Outcome> {
        Client::new(self.timeout, self.max_bytes, self.follow_redirects)
            .map_err(|e| Outcome::error(format!("cannot build the HTTP client: {e}")))
    }

    /// The URL to probe and the bounded client that sends to it; `Err` is the outcome to
    /// return (see [`resolve`](Self::resolve)).
    pub fn open(&self, ctx: &CheckContext) -> Result<(Url, Client), Outcome> {
        Ok((self.resolve(ctx)?, self.client()?))
    }
}

/// `base` with `rel` appended to its path (`http://h/api` + `/health` = `http://h/api/health`);
/// a `rel` carrying a query keeps it.
pub fn join_url(base: &str, rel: Option<&str>) -> Result<Url, String> {
    let mut url = Url::parse(base).map_err(|e| e.to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("not an http or https URL".into());
    }
    if let Some(rel) = rel {
        let (p, q) = rel.split_once('?').unwrap_or((rel, ""));
        let joined = format!(
            "{}/{}",
            url.path().trim_end_matches('/'),
            p.trim_start_matches('/')
        );
        url.set_path(&joined);
        if !q.is_empty() {
            url.set_query(Some(q));
        }
    }
    Ok(url)
}

/// A URL as it may be shown: no password, no query (queries carry tokens).
pub fn shown(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    redact_url(u.as_str())
}

pub fn location(url: &Url) -> Location {
    Location::file(shown(url))
}

/// Is `host` a loopback address or `localhost`?
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The bounded client every HTTP kind uses.
#[derive(Clone)]
pub struct Client {
    inner: reqwest::Client,
    pub timeout: Duration,
    pub max_bytes: usize,
}

/// A response read within the bounds.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// The body was longer than `max_bytes`; only the first `max_bytes` were read.
    pub truncated: bool,
    /// From sending the request to the last byte read.
    pub elapsed: Duration,
    /// Time to the response headers.
    pub ttfb: Duration,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn header_all(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect()
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// `body cut at N bytes` when the body was longer than `max_bytes`, for evidence.
    pub fn cut_note(&self) -> Option<String> {
        self.truncated
            .then(|| format!("body cut at {} bytes", self.body.len()))
    }
}

/// Why a request got no response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeError {
    /// No connection (refused, unreachable, DNS, TLS).
    Connect(String),
    /// The deadline passed before the response was complete.
    Timeout {
        after: Duration,
        stage: &'static str,
    },
    /// Anything else (protocol error, reset mid-body).
    Other(String),
}

impl std::fmt::Display for ProbeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProbeError::Connect(m) => write!(f, "cannot connect: {m}"),
            ProbeError::Timeout { after, stage } => write!(
                f,
                "no complete response within {} ({stage})",
                gonogo_core::run::human_duration(*after)
            ),
            ProbeError::Other(m) => write!(f, "request failed: {m}"),
        }
    }
}

/// The innermost cause of an error, without URLs (they may carry credentials).
fn cause(e: &reqwest::Error) -> String {
    use std::error::Error;
    let mut msg = String::new();
    let mut src: Option<&dyn Error> = e.source();
    while let Some(s) = src {
        msg = s.to_string();
        src = s.source();
    }
    if msg.is_empty() {
        msg = if e.is_body() {
            "the body could not be read".into()
        } else {
            "the request could not be completed".into()
        };
    }
    msg
}

impl Client {
    pub fn new(timeout: Duration, max_bytes: usize, follow_any: bool) -> Result<Self, String> {
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 {
                return attempt.stop();
            }
            let first = &attempt.previous()[0];
            let next = attempt.url();
            if follow_any || next.host_str() == first.host_str() || is_loopback(next) {
                attempt.follow()
            } else {
                attempt.stop()
            }
        });
        let inner = reqwest::Client::builder()
            .redirect(policy)
            .connect_timeout(timeout)
            .user_agent(concat!("gonogo/", env!("CARGO_PKG_VERSION")))
            .no_proxy()
            .build()
            .map_err(|e| cause(&e))?;
        Ok(Client {
            inner,
            timeout,
            max_bytes,
        })
    }

    pub fn request(&self, method: reqwest::Method, url: Url) -> reqwest::RequestBuilder {
        self.inner.request(method, url)
    }

    pub fn get(&self, url: Url) -> reqwest::RequestBuilder {
        self.inner.get(url)
    }

    /// Send and read the response within the deadline and the byte cap.
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Result<Response, ProbeError> {
        let started = Instant::now();
        let deadline = tokio::time::Instant::now() + self.timeout;
        let resp = match tokio::time::timeout_at(deadline, req.send()).await {
            Err(_) => {
                return Err(ProbeError::Timeout {
                    after: self.timeout,
                    stage: "waiting for the response headers",
                });
            }
            Ok(Err(e)) if e.is_connect() => return Err(ProbeError::Connect(cause(&e))),
            Ok(Err(e)) if e.is_timeout() => {
                return Err(ProbeError::Timeout {
                    after: self.timeout,
                    stage: "connecting",
                });
            }
            Ok(Err(e)) => return Err(ProbeError::Other(cause(&e))),
            Ok(Ok(r)) => r,
        };
        let ttfb = started.elapsed();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let mut resp = resp;
        let mut body = Vec::new();
        let mut truncated = false;
        loop {
            match tokio::time::timeout_at(deadline, resp.chunk()).await {
                Err(_) => {
                    return Err(ProbeError::Timeout {
                        after: self.timeout,
                        stage: "reading the body",
                    });
                }
                Ok(Err(e)) => return Err(ProbeError::Other(cause(&e))),
                Ok(Ok(None)) => break,
                Ok(Ok(Some(chunk))) => {
                    let room = self.max_bytes.saturating_sub(body.len());
                    if chunk.len() > room {
                        body.extend_from_slice(&chunk[..room]);
                        truncated = true;
                        break;
                    }
                    body.extend_from_slice(&chunk);
                }
            }
        }
        Ok(Response {
            status,
            headers,
            body,
            truncated,
            elapsed: started.elapsed(),
            ttfb,
        })
    }
}

/// A status expectation: `200`, `200,204`, `2xx`, `2xx,301`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusSet(Vec<(u16, u16)>);

impl StatusSet {
    pub fn parse(key: &str, s: &str) -> Result<Self, ParamError> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let lower = part.to_ascii_lowercase();
            if let Some(class) = lower.strip_suffix("xx") {
                match class.parse::<u16>() {
                    Ok(c @ 1..=5) => out.push((c * 100, c * 100 + 99)),
                    _ => return Err(ParamError::new(key, format!("bad status class `{part}`"))),
                }
            } else if let Some((a, b)) = part.split_once('-') {
                let (a, b) = (parse_code(key, a)?, parse_code(key, b)?);
                out.push((a.min(b), a.max(b)));
            } else {
                let c = parse_code(key, part)?;
                out.push((c, c));
            }
        }
        if out.is_empty() {
            return Err(ParamError::new(
                key,
                "expected status codes like 200 or 2xx",
            ));
        }
        Ok(StatusSet(out))
    }
    pub fn contains(&self, code: u16) -> bool {
        self.0.iter().any(|(a, b)| (*a..=*b).contains(&code))
    }
    pub fn describe(&self) -> String {
        self.0
            .iter()
            .map(|(a, b)| {
                if a == b {
                    a.to_string()
                } else if a % 100 == 0 && *b == a + 99 {
                    format!("{}xx", a / 100)
                } else {
                    format!("{a}-{b}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn parse_code(key: &str, s: &str) -> Result<u16, ParamError> {
    match s.trim().parse::<u16>() {
        Ok(c @ 100..=599) => Ok(c),
        _ => Err(ParamError::new(
            key,
            format!("`{s}` is not an HTTP status code"),
        )),
    }
}

/// The reason phrase of a status code, for evidence ("200 OK").
pub fn status_text(code: u16) -> String {
    match reqwest::StatusCode::from_u16(code)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(r) => format!("{code} {r}"),
        None => code.to_string(),
    }
}

/// A number and a unit from an item's text: "< 200ms" -> 200 ms, "< 2s" -> 2 s.
pub fn duration_in_text(text: &str) -> Option<String> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"(?i)(?:<|≤|<=|under|below|within)\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|seconds?)\b",
        )
        .expect("valid regex")
    });
    let c = re.captures(text)?;
    let unit = match c[2].to_ascii_lowercase().as_str() {
        "ms" => "ms",
        _ => "s",
    };
    Some(format!("{}{unit}", &c[1]))
}

/// A header or expectation value cut for display.
pub(crate) fn clip(s: &str) -> String {
    if s.chars().count() > 80 {
        let head: String = s.chars().take(77).collect();
        format!("{head}…")
    } else {
        s.to_string()
    }
}

/// The latency bound an item states (`< 200ms`, `under 150 ms`), for claims' slots.
pub(crate) fn bound_in(text: &Text<'_>) -> Option<String> {
    duration_in_text(&text.plain)
}

/// The URL path an item names: `GET /v1/items` first, then a code span or a word that
/// starts with `/` (`/healthz`, `/search?q=test`).
pub(crate) fn url_path_in(text: &Text<'_>) -> Option<String> {
    static METHOD: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    static CODE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    static WORD: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let path = r"(/[A-Za-z0-9_.~%/?=&:-]*)";
    let method = METHOD.get_or_init(|| {
        regex::Regex::new(&format!(r"\b(?:GET|HEAD|POST|PUT|PATCH|DELETE)\s+{path}"))
            .expect("valid regex")
    });
    let code = CODE.get_or_init(|| regex::Regex::new(&format!("`{path}`")).expect("valid regex"));
    let word = WORD
        .get_or_init(|| regex::Regex::new(&format!(r"(?:^|\s|\(){path}")).expect("valid regex"));
    let found = method
        .captures(text.display)
        .or_else(|| code.captures(text.display))
        .or_else(|| word.captures(&text.plain))?;
    let p = found[1].trim_end_matches(['.', ',', ':', '?']);
    // `/v1` alone is a path; `/` alone is not.
    (p.len() > 1 && p[1..].starts_with(|c: char| c.is_ascii_alphanumeric())).then(|| p.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_join_onto_the_target_path() {
        assert_eq!(
            join_url("http://h:1", Some("/health")).unwrap().as_str(),
            "http://h:1/health"
        );
        assert_eq!(
            join_url("http://h:1/api/", Some("/v1/x?a=1"))
                .unwrap()
                .as_str(),
            "http://h:1/api/v1/x?a=1"
        );
        assert!(join_url("ftp://h", None).is_err());
        assert!(join_url("not a url", None).is_err());
    }

    #[test]
    fn status_sets() {
        let s = StatusSet::parse("expect", "2xx, 301").unwrap();
        assert!(s.contains(204) && s.contains(301) && !s.contains(302));
        assert_eq!(s.describe(), "2xx, 301");
        assert!(StatusSet::parse("expect", "9xx").is_err());
        assert!(StatusSet::parse("expect", "abc").is_err());
        assert!(StatusSet::parse("expect", "").is_err());
    }

    #[test]
    fn durations_in_text() {
        assert_eq!(
            duration_in_text("Backend API response times < 200ms (p95)").as_deref(),
            Some("200ms")
        );
        assert_eq!(
            duration_in_text("Response time < 2s (p95)").as_deref(),
            Some("2s")
        );
        assert_eq!(duration_in_text("API response times within SLA"), None);
    }

    #[test]
    fn shown_urls_hide_credentials_and_queries() {
        let u = Url::parse("http://u:pw@h/x?token=abc").unwrap();
        assert_eq!(shown(&u), "http://u:…@h/x");
    }
}
