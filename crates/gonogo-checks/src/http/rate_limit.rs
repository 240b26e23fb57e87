//! `http.rate-limit`: a bounded burst meets 429 with `Retry-After` or `RateLimit-*` headers.

use super::{TargetSpec, http_params, location};
use crate::live;
use gonogo_core::recognise::{Claim, Slot, Text, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck,
};
use regex::Regex;
use std::sync::LazyLock;

pub struct HttpRateLimit;

/// The largest burst this kind will send, whatever `burst` says.
const MAX_BURST: u64 = 1000;

/// What the kind verifies, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[Claim {
    subject: &["rate limit*", "ratelimit*", "throttl*", "429"],
    support: &[
        "active",
        "enabled",
        "configured",
        "enforced",
        "in place",
        "applied",
        "endpoint*",
    ],
    excludes: &[
        "document*",
        "readme",
        "alert*",
        "dashboard*",
        "monitor*",
        "login attempt*",
        "upstream",
        "third party",
        "provider",
        "quota*",
    ],
    slots: &[
        Slot::optional("burst", Value::Read(burst_in)),
        Slot::optional("path", Value::Read(super::url_path_in)),
    ],
    weight: 80,
    ..Claim::EMPTY
}];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Http),
    targets: &["api_url"],
    summary: "A bounded burst of requests is answered 429 with Retry-After or RateLimit headers.",
    description: "Sends up to `burst` GET requests (default 100, at most 1000) one after another \
to the URL (default: the `api_url` target; point `path` at an endpoint whose limit you want to \
see) and stops at the first 429 Too Many Requests. Passes when a 429 comes within the burst and \
carries `Retry-After`, `RateLimit-*` (IETF draft) or `X-RateLimit-*` headers, so clients know \
when to come back. Fails when the whole burst is served without a 429, or when the service \
errors (5xx) under it. Warns when the 429 carries no retry information. The number of requests \
sent is part of the evidence. Error when the target does not answer; an error without a target. \
The burst is the only load it adds; it sends GET requests only.",
    params: http_params![ParamDoc::with_default(
        "burst",
        "Most requests sent before concluding that no limit applies (at most 1000).",
        "100"
    )],
    examples: &[
        "http.rate-limit",
        "http.rate-limit path=/api/items burst=50",
    ],
    claims: CLAIMS,
    phrases: &[
        "Rate limiting active (slowapi middleware)",
        "Rate limiting enabled on all endpoints",
        "Rate limiting configured",
        "API rate limits enforced",
        "`/api/items` returns 429 within 50 requests",
    ],
    not_phrases: &[
        "Rate limiting documented",
        "CORS origins restricted to production domains",
        "Target throughput achieved (>100 req/s)",
    ],
    findings: &[
        (
            "rate-limit-none",
            "The whole burst was served without a 429.",
        ),
        (
            "rate-limit-no-retry-after",
            "A 429 came without Retry-After or RateLimit headers.",
        ),
        (
            "rate-limit-server-error",
            "The service answered 5xx under the burst instead of limiting it.",
        ),
    ],
};

impl CheckKind for HttpRateLimit {
    fn id(&self) -> &'static str {
        "http.rate-limit"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let target = TargetSpec::from_params(params)?;
        let burst = params.value::<u64>("burst")?;
        if burst == 0 || burst > MAX_BURST {
            return Err(ParamError::new(
                "burst",
                format!("must be between 1 and {MAX_BURST}"),
            ));
        }
        Ok(live::prepared(Prepared { target, burst }))
    }
}

struct Prepared {
    target: TargetSpec,
    burst: u64,
}

fn retry_headers(resp: &super::Response) -> Vec<String> {
    resp.headers
        .iter()
        .filter(|(n, _)| {
            let n = n.as_str();
            n == "retry-after" || n.starts_with("ratelimit") || n.starts_with("x-ratelimit")
        })
        .map(|(n, v)| format!("{}: {}", n, v.to_str().unwrap_or("?")))
        .collect()
}

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        let (url, client) = self.target.open(ctx)?;
        let shown = super::shown(&url);
        let mut server_errors = 0u64;
        for n in 1..=self.burst {
            let resp = match client.send(client.get(url.clone())).await {
                Ok(r) => r,
                Err(e) => {
                    return Ok(
                        Outcome::error(format!("{shown}: request {n} of the burst: {e}"))
                            .at(location(&url)),
                    );
                }
            };
            if resp.status >= 500 {
                server_errors += 1;
            }
            if resp.status == 429 {
                let headers = retry_headers(&resp);
                let findings = if headers.is_empty() {
                    vec![
                        Finding::warn(
                            "rate-limit-no-retry-after",
                            format!("request {n} got 429 without Retry-After or RateLimit headers"),
                        )
                        .at(location(&url))
                        .fix("send Retry-After (or RateLimit-Reset) with 429 answers"),
                    ]
                } else {
                    Vec::new()
                };
                return Ok(Outcome::from_findings(
                    format!("{shown}: 429 after {n} requests"),
                    findings,
                )
                .observed(if headers.is_empty() {
                    format!("429 at request {n}")
                } else {
                    format!("429 at request {n}; {}", headers.join("; "))
                })
                .expected(format!("429 within {} requests", self.burst))
                .at(location(&url)));
            }
        }
        let mut findings = vec![
            Finding::fail(
                "rate-limit-none",
                format!("{} requests in a row were served without a 429", self.burst),
            )
            .at(location(&url))
            .fix("add a rate limiter (per client) in front of the endpoint"),
        ];
        if server_errors > 0 {
            findings.push(
                Finding::fail(
                    "rate-limit-server-error",
                    format!("{server_errors} of {} requests answered 5xx", self.burst),
                )
                .at(location(&url)),
            );
        }
        Ok(Outcome::from_findings(
            format!("{shown}: no 429 in {} requests", self.burst),
            findings,
        )
        .observed(format!("{} requests, no 429", self.burst))
        .expected(format!("429 within {} requests", self.burst))
        .at(location(&url)))
    }
}

/// The burst an item bounds: "429 within 50 requests", "after 100 requests".
fn burst_in(text: &Text<'_>) -> Option<String> {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b(?:within|after|by|at most)\s+(\d+)\s+(?:[a-z]+\s+)?requests?\b")
            .expect("valid regex")
    });
    RE.captures(&text.plain).map(|c| c[1].to_string())
}
