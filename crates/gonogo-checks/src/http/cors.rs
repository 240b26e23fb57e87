//! `http.cors`: a hostile origin is not allowed by a preflight nor by a simple request.

use super::{TargetSpec, http_params, location};
use crate::live;
use gonogo_core::recognise::{Claim, Slot, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck, Status,
};

pub struct HttpCors;

/// What the kind verifies, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[Claim {
    subject: &[
        "cors",
        "cross origin resource sharing",
        "access control allow origin",
        "hostile origin*",
    ],
    support: &[
        "restricted",
        "configured",
        "refused",
        "locked down",
        "allowlist",
        "production domain*",
        "origin*",
    ],
    excludes: &[
        "document*",
        "readme",
        "tested in browser",
        "preflight cach*",
        "frontend",
        // An item about the value in the env files asks for that file, not the live answer.
        "env file*",
        "dotenv",
        "environment file*",
    ],
    slots: &[Slot::optional("allowed", Value::Url)],
    weight: 80,
    // The live answer is stronger evidence than `CORS_ORIGINS=*` in an env file.
    prefer_over: &["env.strength"],
    ..Claim::EMPTY
}];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Http),
    targets: &["api_url"],
    summary: "CORS refuses a hostile origin (preflight and simple request) and never pairs `*` with credentials.",
    description: "Sends two requests to the URL (default: the `api_url` target) with \
`Origin: <origin>` (a hostile origin, default `https://gonogo-hostile.example`): a preflight \
(OPTIONS with Access-Control-Request-Method: POST and Access-Control-Request-Headers: \
authorization, content-type) and a simple GET. Fails when either answer allows that origin: \
Access-Control-Allow-Origin echoing it, `*`, or `null`; and when `*` comes with \
Access-Control-Allow-Credentials: true (browsers refuse it, but it shows a reflect-anything \
configuration). When `allowed` names production origins, a preflight from each must be allowed, \
otherwise the item warns. This is the live half of \"CORS origins restricted\": the static half \
(`CORS_ORIGINS=*` in env files) belongs to `env.strength`; this kind wins that item's binding \
and is an error when no `api_url` is configured. Error when the target does not answer.",
    params: http_params![
        ParamDoc::with_default(
            "origin",
            "The hostile origin sent.",
            "https://gonogo-hostile.example"
        ),
        ParamDoc::optional(
            "allowed",
            "Comma-separated origins that must be allowed (`https://app.example.com`)."
        ),
    ],
    examples: &[
        "http.cors",
        "http.cors path=/api/items allowed=https://app.example.com",
    ],
    claims: CLAIMS,
    phrases: &[
        "CORS origins restricted to production domains",
        "CORS configured",
        "CORS policy restricted",
    ],
    not_phrases: &[
        "Security headers configured (HSTS, CSP, etc.)",
        "Rate limiting enabled on all endpoints",
        "CORS_ORIGINS documented in README",
    ],
    findings: &[
        (
            "cors-origin-reflected",
            "The hostile origin is echoed in Access-Control-Allow-Origin: any site may read the answers.",
        ),
        (
            "cors-wildcard",
            "Access-Control-Allow-Origin is `*`: every origin is allowed.",
        ),
        (
            "cors-wildcard-credentials",
            "`*` together with Access-Control-Allow-Credentials: true.",
        ),
        (
            "cors-null-origin",
            "Access-Control-Allow-Origin is `null` (sandboxed frames and files are allowed).",
        ),
        (
            "cors-allowed-origin-refused",
            "An origin listed in `allowed` is not allowed by the preflight.",
        ),
    ],
};

impl CheckKind for HttpCors {
    fn id(&self) -> &'static str {
        "http.cors"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let target = TargetSpec::from_params(params)?;
        let origin = params.required("origin")?.to_string();
        for o in std::iter::once(origin.clone()).chain(params.list("allowed").unwrap_or_default()) {
            if !(o.starts_with("http://") || o.starts_with("https://")) {
                return Err(ParamError::new(
                    "origin",
                    format!("`{o}` is not an origin like https://host"),
                ));
            }
        }
        Ok(live::prepared(Prepared {
            target,
            origin,
            allowed: params.list("allowed").unwrap_or_default(),
        }))
    }
}

struct Prepared {
    target: TargetSpec,
    origin: String,
    allowed: Vec<String>,
}

/// What one answer says about an origin.
fn verdict(resp: &super::Response, origin: &str, what: &str, url: &url::Url) -> Vec<Finding> {
    let acao = resp.header("access-control-allow-origin").map(str::trim);
    let creds = resp
        .header("access-control-allow-credentials")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    let mut out = Vec::new();
    let fix = "allow only the production origins, from an explicit list";
    match acao {
        Some(a) if a == origin => out.push(
            Finding::fail(
                "cors-origin-reflected",
                format!(
                    "{what}: Access-Control-Allow-Origin echoes the hostile origin {origin}{}",
                    if creds { " with credentials" } else { "" }
                ),
            )
            .at(location(url))
            .fix(fix),
        ),
        Some("*") if creds => out.push(
            Finding::fail(
                "cors-wildcard-credentials",
                format!("{what}: `*` with Access-Control-Allow-Credentials: true"),
            )
            .at(location(url))
            .fix(fix),
        ),
        Some("*") => out.push(
            Finding::fail(
                "cors-wildcard",
                format!("{what}: Access-Control-Allow-Origin is `*`"),
            )
            .at(location(url))
            .fix(fix),
        ),
        Some(a) if a.eq_ignore_ascii_case("null") => out.push(
            Finding::fail(
                "cors-null-origin",
                format!("{what}: Access-Control-Allow-Origin is `null`"),
            )
            .at(location(url))
            .fix(fix),
        ),
        _ => {}
    }
    out
}

fn preflight(client: &super::Client, url: &url::Url, origin: &str) -> reqwest::RequestBuilder {
    client
        .request(reqwest::Method::OPTIONS, url.clone())
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
}

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        let (url, client) = self.target.open(ctx)?;
        let shown = super::shown(&url);
        let (pre, simple) = futures::join!(
            client.send(preflight(&client, &url, &self.origin)),
            client.send(client.get(url.clone()).header("origin", &self.origin)),
        );
        let (pre, simple) = match (pre, simple) {
            (Ok(p), Ok(s)) => (p, s),
            (Err(e), _) | (_, Err(e)) => {
                return Ok(Outcome::error(format!("{shown}: {e}")).at(location(&url)));
            }
        };
        let mut findings = verdict(&pre, &self.origin, "preflight", &url);
        findings.extend(verdict(&simple, &self.origin, "GET", &url));
        for ok in &self.allowed {
            match client.send(preflight(&client, &url, ok)).await {
                Ok(r) => {
                    let a = r.header("access-control-allow-origin").map(str::trim);
                    if a != Some(ok.as_str()) && a != Some("*") {
                        let mut f = Finding::fail(
                            "cors-allowed-origin-refused",
                            format!("preflight from {ok} is not allowed"),
                        )
                        .at(location(&url))
                        .fix("add the production origin to the allowed list");
                        f.severity = Status::Warn;
                        findings.push(f);
                    }
                }
                Err(e) => return Ok(Outcome::error(format!("{shown}: {e}")).at(location(&url))),
            }
        }
        let shown_acao = |r: &super::Response| {
            r.header("access-control-allow-origin")
                .map(|v| format!("`{}`", super::clip(v)))
                .unwrap_or_else(|| "none".into())
        };
        let summary = if findings.iter().any(|f| f.severity == Status::Fail) {
            format!("{shown}: the hostile origin {} is allowed", self.origin)
        } else {
            format!("{shown}: the hostile origin {} is refused", self.origin)
        };
        Ok(Outcome::from_findings(summary, findings)
            .observed(format!(
                "Access-Control-Allow-Origin: preflight {} ({}), GET {} ({})",
                shown_acao(&pre),
                pre.status,
                shown_acao(&simple),
                simple.status
            ))
            .expected(format!("{} not allowed", self.origin))
            .at(location(&url)))
    }
}
