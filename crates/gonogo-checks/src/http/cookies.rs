//! `http.cookies`: cookies the service sets carry Secure, HttpOnly (session cookies) and SameSite.

use super::{TargetSpec, http_params, location};
use crate::live;
use gonogo_core::recognise::Claim;
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck, Status,
};

pub struct HttpCookies;

/// What the kind verifies, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[Claim {
    subject: &["cookie", "cookies", "session cooki*"],
    qualifiers: &[&[
        "secure",
        "httponly",
        "http only",
        "samesite",
        "same site",
        "flag*",
        "attribut*",
    ]],
    support: &["set", "marked", "configured"],
    // Consent banners and cookie policies are legal pages, not Set-Cookie attributes.
    excludes: &[
        "consent",
        "polic*",
        "banner",
        "gdpr",
        "tracking",
        "third party",
    ],
    weight: 80,
    ..Claim::EMPTY
}];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Http),
    targets: &["api_url"],
    summary: "Cookies set by the service carry Secure, HttpOnly (session cookies) and SameSite.",
    description: "Requests the URL (default: the `api_url` target; point `path` at the page or \
endpoint that sets the session cookie) and reads every Set-Cookie header. A cookie is a session \
cookie when its name is in `session` or looks like one (session, sid, auth, token, jwt). Fails \
when a cookie lacks Secure, when a session cookie lacks HttpOnly, or when a session cookie has \
no SameSite or `SameSite=None` (cross-site requests carry it); other cookies without SameSite \
only warn. Cookie values are never read into evidence: only names and attributes. Skipped when \
the URL sets no cookie (nothing to judge; name the endpoint that does), error when it does not \
answer, an error without a target.",
    params: http_params![
        ParamDoc::with_default(
            "method",
            "HTTP method of the request that sets cookies.",
            "GET"
        ),
        ParamDoc::optional(
            "session",
            "Comma-separated names of session cookies (default: names containing session, sid, auth, token or jwt).",
        ),
    ],
    examples: &["http.cookies", "http.cookies path=/ session=session_id"],
    claims: CLAIMS,
    phrases: &[
        "Session cookies secure (HttpOnly, Secure, SameSite)",
        "Secure cookie flags set",
        "Cookies marked Secure and HttpOnly",
    ],
    not_phrases: &[
        "Cookie consent implemented (if applicable)",
        "Cookie policy published",
        "Session timeout configured",
    ],
    findings: &[
        (
            "cookies-no-secure",
            "A cookie is set without the Secure flag (sent over plain http).",
        ),
        (
            "cookies-session-no-httponly",
            "A session cookie is readable by scripts (no HttpOnly).",
        ),
        (
            "cookies-no-samesite",
            "A cookie has no SameSite attribute, or SameSite=None.",
        ),
    ],
};

impl CheckKind for HttpCookies {
    fn id(&self) -> &'static str {
        "http.cookies"
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
        Ok(live::prepared(Prepared {
            target,
            method,
            session: params.list("session"),
        }))
    }
}

struct Prepared {
    target: TargetSpec,
    method: reqwest::Method,
    session: Option<Vec<String>>,
}

/// A cookie's name and attributes (never its value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieAttrs {
    pub name: String,
    pub secure: bool,
    pub http_only: bool,
    pub same_site: Option<String>,
}

pub fn parse_set_cookie(header: &str) -> Option<CookieAttrs> {
    let mut parts = header.split(';');
    let (name, _value) = parts.next()?.split_once('=')?;
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let mut c = CookieAttrs {
        name: name.to_string(),
        secure: false,
        http_only: false,
        same_site: None,
    };
    for attr in parts {
        let (k, v) = attr.split_once('=').unwrap_or((attr, ""));
        match k.trim().to_ascii_lowercase().as_str() {
            "secure" => c.secure = true,
            "httponly" => c.http_only = true,
            "samesite" => c.same_site = Some(v.trim().to_ascii_lowercase()),
            _ => {}
        }
    }
    Some(c)
}

fn looks_like_session(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["session", "sid", "auth", "token", "jwt"]
        .iter()
        .any(|w| n.contains(w))
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
                return Ok(
                    Outcome::error(format!("{} {shown}: {e}", self.method)).at(location(&url))
                );
            }
        };
        let cookies: Vec<CookieAttrs> = resp
            .header_all("set-cookie")
            .iter()
            .filter_map(|h| parse_set_cookie(h))
            .collect();
        if cookies.is_empty() {
            return Ok(Outcome::skipped(format!(
                "{} {shown} sets no cookie; point path= at the endpoint that sets the session cookie",
                self.method
            ))
            .at(location(&url)));
        }
        let mut findings = Vec::new();
        for c in &cookies {
            let session = match &self.session {
                Some(names) => names.iter().any(|n| n == &c.name),
                None => looks_like_session(&c.name),
            };
            if !c.secure {
                findings.push(
                    Finding::fail(
                        "cookies-no-secure",
                        format!("cookie `{}` is set without Secure", c.name),
                    )
                    .at(location(&url))
                    .fix("add the Secure attribute"),
                );
            }
            if session && !c.http_only {
                findings.push(
                    Finding::fail(
                        "cookies-session-no-httponly",
                        format!("session cookie `{}` is set without HttpOnly", c.name),
                    )
                    .at(location(&url))
                    .fix("add the HttpOnly attribute"),
                );
            }
            let weak = match c.same_site.as_deref() {
                None => Some("no SameSite"),
                Some("none") => Some("SameSite=None"),
                Some(_) => None,
            };
            if let Some(w) = weak {
                let mut f = Finding::fail(
                    "cookies-no-samesite",
                    format!("cookie `{}` has {w}", c.name),
                )
                .at(location(&url))
                .fix("add SameSite=Lax (or Strict)");
                if !session {
                    f.severity = Status::Warn;
                }
                findings.push(f);
            }
        }
        let observed: Vec<String> = cookies
            .iter()
            .map(|c| {
                let mut a = vec![c.name.clone()];
                if c.secure {
                    a.push("Secure".into());
                }
                if c.http_only {
                    a.push("HttpOnly".into());
                }
                if let Some(s) = &c.same_site {
                    a.push(format!("SameSite={s}"));
                }
                a.join(" ")
            })
            .collect();
        Ok(Outcome::from_findings(
            format!("{shown}: {} cookie(s) set", cookies.len()),
            findings,
        )
        .observed(observed.join("; "))
        .expected("Secure; HttpOnly and SameSite on session cookies")
        .at(location(&url)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_cookie_attributes() {
        let c = parse_set_cookie("session=abc; Path=/; Secure; HttpOnly; SameSite=Lax").unwrap();
        assert!(c.secure && c.http_only);
        assert_eq!(c.same_site.as_deref(), Some("lax"));
        let c = parse_set_cookie("theme=dark").unwrap();
        assert!(!c.secure && !c.http_only && c.same_site.is_none());
        assert!(parse_set_cookie("garbage").is_none());
    }
}
