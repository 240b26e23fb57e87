//! Prometheus checks: the service's own `/metrics` exposition, and Prometheus' HTTP API.
//!
//! Every request here is bounded: [`CONNECT_TIMEOUT`] to connect, [`REQUEST_TIMEOUT`] for the
//! whole exchange (headers and body, so a server that trickles bytes is cut off), at most
//! [`MAX_BODY`] bytes read, at most 3 redirects, no proxy. One request per check (the
//! Prometheus API answers a whole listing in one reply). URLs appear in evidence only through
//! [`crate::live::shown`].

// An `Err` here is the finished `Outcome` the check returns (once per run): boxing it buys
// nothing and costs every caller a `*`.
#![allow(clippy::result_large_err)]

pub mod alertmanager;
pub mod query;
pub mod rules_loaded;
pub mod targets_up;

use crate::live;
use gonogo_core::{CheckContext, Location, Outcome};
use std::sync::LazyLock;
use std::time::Duration;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// The most bytes read from one response.
pub const MAX_BODY: usize = 8 << 20;

/// The `url` parameter of the Prometheus API kinds.
pub const URL_PARAM: gonogo_core::ParamDoc = gonogo_core::ParamDoc::optional(
    "url",
    "Prometheus base URL (`http://prometheus:9090`); default: the `prometheus_url` target.",
);

static CLIENT: LazyLock<Result<reqwest::Client, String>> = LazyLock::new(|| {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::limited(3))
        .no_proxy()
        .user_agent(concat!("gonogo/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())
});

/// A response read within the bounds.
pub struct Fetched {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    /// The body was longer than the limit and was cut.
    pub truncated: bool,
}

/// GET `url` with `accept`, reading at most `max_bytes` of the body, all within
/// [`REQUEST_TIMEOUT`]. `Err` is a reason with the URL redacted.
pub async fn get(url: &str, accept: &str, max_bytes: usize) -> Result<Fetched, String> {
    let shown = live::shown(url);
    let client = CLIENT
        .as_ref()
        .map_err(|e| format!("HTTP client unavailable: {e}"))?;
    let exchange = async {
        let mut resp = client
            .get(url)
            .header(reqwest::header::ACCEPT, accept)
            .send()
            .await?;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let mut body = Vec::new();
        let mut truncated = false;
        while let Some(chunk) = resp.chunk().await? {
            let room = max_bytes - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok::<_, reqwest::Error>(Fetched {
            status,
            content_type,
            body,
            truncated,
        })
    };
    match tokio::time::timeout(REQUEST_TIMEOUT, exchange).await {
        Ok(Ok(f)) => Ok(f),
        Ok(Err(e)) if e.is_timeout() => Err(format!(
            "{shown} did not answer within {} s",
            REQUEST_TIMEOUT.as_secs()
        )),
        Ok(Err(e)) => Err(format!(
            "request to {shown} failed: {}",
            live::scrub(&error_chain(&e), url)
        )),
        Err(_) => Err(format!(
            "{shown} did not answer within {} s",
            REQUEST_TIMEOUT.as_secs()
        )),
    }
}

/// An error with its causes ("error sending request: connection refused").
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// The shared target every `prom.*` kind reads (its `DOC.targets`).
pub(crate) const TARGETS: &[&str] = &["prometheus_url"];

/// A Prometheus server to ask.
pub struct Api {
    base: String,
    pub shown: String,
}

impl Api {
    /// From `own` (`url=`) or the `prometheus_url` target; `Err` is the `error` outcome.
    pub fn resolve(own: Option<&str>, ctx: &CheckContext) -> Result<Api, Outcome> {
        let base = live::resolve(own, ctx, TARGETS[0])?;
        let base = base.trim_end_matches('/').to_string();
        Ok(Api {
            shown: live::shown(&base),
            base,
        })
    }

    pub fn location(&self) -> Location {
        Location::file(self.shown.clone())
    }

    /// GET `/api/v1/<path>` and return its `data`; any failure is the `error` outcome.
    pub async fn get(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<serde_json::Value, Outcome> {
        let mut url = format!("{}/api/v1/{path}", self.base);
        if !query.is_empty() {
            url.push('?');
            let pairs: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect();
            url.push_str(&pairs.join("&"));
        }
        let what = format!("{}/api/v1/{path}", self.shown);
        let f = get(&url, "application/json", MAX_BODY)
            .await
            .map_err(|e| Outcome::error(e).at(self.location()))?;
        if f.truncated {
            return Err(Outcome::error(format!(
                "{what}: answer larger than {} MiB",
                MAX_BODY >> 20
            ))
            .at(self.location()));
        }
        let json: serde_json::Value = serde_json::from_slice(&f.body).map_err(|e| {
            Outcome::error(format!(
                "{what} answered HTTP {} with something that is not the Prometheus API's JSON ({e})",
                f.status
            ))
            .at(self.location())
        })?;
        if json.get("status").and_then(|s| s.as_str()) != Some("success") {
            let kind = json
                .get("errorType")
                .and_then(|s| s.as_str())
                .unwrap_or("unknown");
            let error = json
                .get("error")
                .and_then(|s| s.as_str())
                .unwrap_or("no error text");
            return Err(Outcome::error(format!("{what}: {kind}: {error}")).at(self.location()));
        }
        Ok(json.get("data").cloned().unwrap_or(serde_json::Value::Null))
    }

    /// GET `/api/v1/<path>` and return the list under `key` of its `data`; an answer without
    /// that list is the `error` outcome.
    pub async fn get_list(
        &self,
        path: &str,
        query: &[(&str, &str)],
        key: &str,
    ) -> Result<Vec<serde_json::Value>, Outcome> {
        match self
            .get(path, query)
            .await?
            .get_mut(key)
            .map(serde_json::Value::take)
        {
            Some(serde_json::Value::Array(list)) => Ok(list),
            _ => Err(
                Outcome::error(format!("{}/api/v1/{path} has no {key} list", self.shown))
                    .at(self.location()),
            ),
        }
    }
}

/// Percent-encoding for a query component (RFC 3986 unreserved characters kept).
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A string field of a JSON object, or "".
pub(crate) fn str_of<'a>(v: &'a serde_json::Value, key: &str) -> &'a str {
    v.get(key).and_then(|s| s.as_str()).unwrap_or("")
}
