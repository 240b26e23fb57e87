//! `http.auth`: protected endpoints refuse anonymous and forged requests; a configured login
//! yields a token that works and expires within the session timeout.

use super::openapi::{SpecSource, fill_path, sample_value};
use super::{Client, TargetSpec, http_params, location};
use crate::live;
use base64::Engine;
use gonogo_core::recognise::{Claim, Slot, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck, Status,
};
use std::time::Duration;

pub struct HttpAuth;

/// Most protected endpoints probed in one run.
const MAX_PROTECTED: usize = 20;

/// Words that rule out any reading: another auth mechanism, or metrics and secrets about it.
const NOT_AUTH: &[&str] = &[
    "mfa",
    "2fa",
    "two factor",
    "sso",
    "saml",
    "oauth provider*",
    "provider*",
    "social login",
    "metric*",
    "secret*",
    "rotat*",
    "password polic*",
    "password reset",
    "supabase",
    "ui",
    "translat*",
    "rate limit*",
    "brute force",
    "lockout",
    "captcha",
    // Another server's authentication: Redis, a database, a dashboard.
    "redis",
    "postgres*",
    "database",
    "db",
    "mongo*",
    "rabbitmq",
    "kafka",
    "grafana",
    "prometheus",
    "dashboard*",
];

/// What the kind verifies, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[
    // Protected endpoints refuse anonymous and forged credentials.
    Claim {
        subject: &[
            "require authentication",
            "require auth",
            "authentication required",
            "auth required",
            "requires a valid token",
            "protected endpoint*",
            "protected rout*",
            "unauthenticated request*",
            "without credentials",
        ],
        support: &["endpoint*", "401", "403", "refused", "rejected"],
        excludes: NOT_AUTH,
        weight: 75,
        ..Claim::EMPTY
    },
    // The login yields a working token: needs a login configured.
    Claim {
        subject: &[
            "login flow",
            "authentication flow",
            "auth flow",
            "sign in flow",
            "login works",
            "login working",
        ],
        qualifiers: &[&[
            "work*",
            "functional",
            "verified",
            "succeed*",
            "end to end",
            "pass*",
        ]],
        excludes: NOT_AUTH,
        params: &[("require_login", "true")],
        weight: 75,
        ..Claim::EMPTY
    },
    Claim {
        subject: &[
            "session timeout",
            "session expir*",
            "session lifetime",
            "idle timeout",
        ],
        support: &["configured", "set", "enforced"],
        excludes: NOT_AUTH,
        params: &[("require_login", "true")],
        slots: &[Slot::optional("session_timeout", Value::Duration)],
        weight: 75,
        ..Claim::EMPTY
    },
    // A token lifetime bound: read from the JWT the login yields.
    Claim {
        subject: &[
            "jwt",
            "jwts",
            "access token*",
            "session token*",
            "bearer token*",
        ],
        qualifiers: &[&["expir*", "lifetime", "ttl", "live*", "valid for"]],
        excludes: NOT_AUTH,
        params: &[("require_login", "true")],
        slots: &[Slot::required("session_timeout", Value::Duration)],
        weight: 75,
        ..Claim::EMPTY
    },
];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Http),
    targets: &["api_url"],
    summary: "Protected endpoints answer 401/403 without (or with forged) credentials; the login yields a working token whose lifetime is bounded.",
    description: "Probes each endpoint in `protected` (comma-separated paths), or, when none is \
given, the GET operations the service's OpenAPI document (`spec` file or `openapi` path, default \
`/openapi.json`) marks with a security requirement (at most 20). Each must answer 401, 403 or a \
redirect (to a login page) both without credentials and with a forged bearer token; a 2xx is a \
fail, and so is a 5xx. When `login_path`, `username` and `password` are given, it POSTs them \
(JSON, or a form with `login_format=form`), takes the token from the JSON field `token_field` \
(or a Set-Cookie), and the first protected endpoint must then answer 2xx. A JWT token must carry \
`exp`, and its lifetime (exp − iat) must not exceed `session_timeout` when that is set. Tokens, \
cookies and the password never appear in evidence. Skipped when nothing protected is known; \
error when `require_login` is set (items about the login flow or the session timeout) and no \
login is configured, and when the target does not answer.",
    params: http_params![
        ParamDoc::optional(
            "protected",
            "Comma-separated paths that need credentials (`/api/me,/api/admin`)."
        ),
        ParamDoc::optional(
            "spec",
            "OpenAPI document in the repository, used when `protected` is not given."
        ),
        ParamDoc::with_default(
            "openapi",
            "Path of the OpenAPI document on the target.",
            "/openapi.json"
        ),
        ParamDoc::optional(
            "login_path",
            "Login endpoint (`/login`), POSTed the credentials."
        ),
        ParamDoc::optional("username", "Login user name."),
        ParamDoc::optional("password", "Login password (use `$VAR`; never shown)."),
        ParamDoc::with_default(
            "login_format",
            "How the credentials are sent: `json` or `form`.",
            "json"
        ),
        ParamDoc::with_default(
            "token_field",
            "JSON field of the login answer holding the token.",
            "access_token"
        ),
        ParamDoc::optional(
            "session_timeout",
            "Longest acceptable token lifetime (`1h`)."
        ),
        ParamDoc::with_default(
            "require_login",
            "The item is about the login flow: without one configured it cannot be verified (error).",
            "false"
        ),
    ],
    examples: &[
        "http.auth protected=/api/me",
        "http.auth login_path=/login username=demo password=$DEMO_PASSWORD session_timeout=1h",
    ],
    claims: CLAIMS,
    phrases: &[
        "Authentication flow functional",
        "Authentication flow working",
        "Session timeout configured",
        "Protected endpoints require authentication",
        "Do JWTs expire in 15 minutes or less?",
    ],
    not_phrases: &[
        "Authentication providers configured",
        "Supabase Auth configured with production settings",
        "User authentication metrics normal",
        "JWT secrets rotated and secured",
    ],
    findings: &[
        (
            "auth-unprotected",
            "A protected endpoint answered 2xx without credentials.",
        ),
        (
            "auth-forged-token-accepted",
            "A protected endpoint answered 2xx to a forged bearer token.",
        ),
        (
            "auth-server-error",
            "A protected endpoint answered 5xx instead of 401/403.",
        ),
        (
            "auth-unexpected-status",
            "A protected endpoint answered neither 401/403 nor a redirect (e.g. 404).",
        ),
        (
            "auth-login-failed",
            "The configured login did not succeed or returned no token.",
        ),
        (
            "auth-token-rejected",
            "The token from the login was refused by a protected endpoint.",
        ),
        (
            "auth-jwt-no-exp",
            "The JWT has no `exp`: the session never expires.",
        ),
        (
            "auth-jwt-too-long",
            "The JWT lives longer than `session_timeout`.",
        ),
    ],
};

impl CheckKind for HttpAuth {
    fn id(&self) -> &'static str {
        "http.auth"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let target = TargetSpec::from_params(params)?;
        let protected = params.list("protected").unwrap_or_default();
        for p in &protected {
            if !p.starts_with('/') {
                return Err(ParamError::new(
                    "protected",
                    format!("`{p}` must be a path starting with `/`"),
                ));
            }
        }
        let login = match (
            params.str("login_path"),
            params.str("username"),
            params.str("password"),
        ) {
            (None, None, None) => None,
            (Some(path), Some(user), Some(pass)) => {
                if !path.starts_with('/') {
                    return Err(ParamError::new(
                        "login_path",
                        "must be a path starting with `/`",
                    ));
                }
                let form = match params.required("login_format")? {
                    "json" => false,
                    "form" => true,
                    other => {
                        return Err(ParamError::new(
                            "login_format",
                            format!("`{other}`: use json or form"),
                        ));
                    }
                };
                Some(Login {
                    path: path.to_string(),
                    username: user.to_string(),
                    password: pass.to_string(),
                    form,
                    token_field: params.required("token_field")?.to_string(),
                })
            }
            _ => {
                let missing = ["login_path", "username", "password"]
                    .into_iter()
                    .find(|k| !params.contains(k))
                    .unwrap_or("login_path");
                return Err(ParamError::new(
                    missing,
                    "a login needs login_path, username and password",
                ));
            }
        };
        Ok(live::prepared(Prepared {
            target,
            protected,
            spec: SpecSource {
                file: params.str("spec").map(str::to_string),
                path: params.required("openapi")?.to_string(),
            },
            login,
            session_timeout: params.duration("session_timeout")?,
            require_login: params.value::<bool>("require_login")?,
        }))
    }
}

struct Login {
    path: String,
    username: String,
    password: String,
    form: bool,
    token_field: String,
}

struct Prepared {
    target: TargetSpec,
    protected: Vec<String>,
    spec: SpecSource,
    login: Option<Login>,
    session_timeout: Option<Duration>,
    require_login: bool,
}

/// What the login gave: a bearer token or a cookie header. Never shown.
enum Credential {
    Bearer(String),
    Cookie(String),
}

/// The claims of a JWT that matter here; `None` when the token is not a JWT.
pub fn jwt_times(token: &str) -> Option<(Option<i64>, Option<i64>)> {
    let mut parts = token.split('.');
    let (_h, payload, _s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let claims = claims.as_object()?;
    Some((
        claims.get("iat").and_then(serde_json::Value::as_i64),
        claims.get("exp").and_then(serde_json::Value::as_i64),
    ))
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Prepared {
    async fn protected_paths(
        &self,
        ctx: &CheckContext,
        client: &Client,
    ) -> Result<(Vec<String>, String), Outcome> {
        if !self.protected.is_empty() {
            return Ok((self.protected.clone(), "protected=".into()));
        }
        let spec = self.spec.load(ctx, &self.target, client).await?;
        let paths: Vec<String> = spec
            .operations()
            .into_iter()
            .filter(|o| o.secured && o.method == reqwest::Method::GET)
            .map(|o| {
                fill_path(&o.path, &|name| {
                    o.params
                        .iter()
                        .find(|p| p.name == name)
                        .map(|p| sample_value(&p.schema))
                        .unwrap_or_else(|| "1".into())
                })
            })
            .collect();
        Ok((paths, spec.source))
    }

    async fn login(
        &self,
        login: &Login,
        ctx: &CheckContext,
        client: &Client,
    ) -> Result<Credential, Finding> {
        let url = self
            .target
            .resolve_path(ctx, Some(&login.path))
            .map_err(|o| Finding::fail("auth-login-failed", o.evidence.summary))?;
        let req = client.request(reqwest::Method::POST, url.clone());
        let req = if login.form {
            req.header("content-type", "application/x-www-form-urlencoded")
                .body(format!(
                    "username={}&password={}",
                    super::openapi::encode(&login.username),
                    super::openapi::encode(&login.password)
                ))
        } else {
            req.json(&serde_json::json!({"username": login.username, "password": login.password}))
        };
        let resp = client.send(req).await.map_err(|e| {
            Finding::fail(
                "auth-login-failed",
                format!("POST {}: {e}", super::shown(&url)),
            )
            .at(location(&url))
        })?;
        if !(200..300).contains(&resp.status) {
            return Err(Finding::fail(
                "auth-login-failed",
                format!(
                    "POST {} answered {}",
                    super::shown(&url),
                    super::status_text(resp.status)
                ),
            )
            .at(location(&url))
            .fix("check the login credentials given to the check"));
        }
        let token = serde_json::from_slice::<serde_json::Value>(&resp.body)
            .ok()
            .and_then(|v| {
                v.get(&login.token_field)
                    .and_then(|t| t.as_str())
                    .map(str::to_string)
            });
        if let Some(t) = token {
            return Ok(Credential::Bearer(t));
        }
        let cookies: Vec<String> = resp
            .header_all("set-cookie")
            .iter()
            .filter_map(|c| c.split(';').next().map(str::to_string))
            .collect();
        if cookies.is_empty() {
            let cut = resp
                .cut_note()
                .map(|note| format!(" ({note})"))
                .unwrap_or_default();
            return Err(Finding::fail(
                "auth-login-failed",
                format!(
                    "the login answered without a `{}` field or a cookie{cut}",
                    login.token_field
                ),
            )
            .at(location(&url))
            .fix("set token_field= to the field holding the token"));
        }
        Ok(Credential::Cookie(cookies.join("; ")))
    }
}

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        let base = self.target.resolve(ctx)?;
        if self.require_login && self.login.is_none() {
            return Ok(Outcome::error(
                "no login flow configured: set login_path, username and password (via $VAR) to verify it",
            ));
        }
        let client = self.target.client()?;
        let (mut paths, source) = self.protected_paths(ctx, &client).await?;
        if paths.is_empty() {
            return Ok(Outcome::skipped(format!(
                "no protected endpoint known: {source} declares no secured GET operation; set protected="
            )));
        }
        paths.truncate(MAX_PROTECTED);
        let mut findings = Vec::new();
        let mut refused = 0;
        let mut requests = 0;
        for p in &paths {
            let url = self.target.resolve_path(ctx, Some(p))?;
            let shown = super::shown(&url);
            for forged in [false, true] {
                let mut req = client.get(url.clone());
                if forged {
                    req = req.header("authorization", "Bearer gonogo.forged.token");
                }
                requests += 1;
                let resp = match client.send(req).await {
                    Ok(r) => r,
                    Err(e) => {
                        return Ok(Outcome::error(format!("GET {shown}: {e}")).at(location(&url)));
                    }
                };
                let what = if forged {
                    "with a forged token"
                } else {
                    "without credentials"
                };
                match resp.status {
                    401 | 403 | 300..=399 => refused += 1,
                    200..=299 => findings.push(
                        Finding::fail(
                            if forged {
                                "auth-forged-token-accepted"
                            } else {
                                "auth-unprotected"
                            },
                            format!(
                                "GET {shown} {what} answered {}",
                                super::status_text(resp.status)
                            ),
                        )
                        .at(location(&url))
                        .fix("require and verify credentials on this endpoint"),
                    ),
                    500..=599 => findings.push(
                        Finding::fail(
                            "auth-server-error",
                            format!(
                                "GET {shown} {what} answered {}",
                                super::status_text(resp.status)
                            ),
                        )
                        .at(location(&url))
                        .fix("answer 401 to missing or invalid credentials"),
                    ),
                    s => findings.push(
                        Finding::warn(
                            "auth-unexpected-status",
                            format!(
                                "GET {shown} {what} answered {}, not 401/403",
                                super::status_text(s)
                            ),
                        )
                        .at(location(&url)),
                    ),
                }
            }
        }
        let mut login_note = "no login configured".to_string();
        if let Some(login) = &self.login {
            requests += 1;
            match self.login(login, ctx, &client).await {
                Err(f) => findings.push(f),
                Ok(cred) => {
                    let url = self.target.resolve_path(ctx, Some(&paths[0]))?;
                    let req = match &cred {
                        Credential::Bearer(t) => client.get(url.clone()).bearer_auth(t),
                        Credential::Cookie(c) => client.get(url.clone()).header("cookie", c),
                    };
                    requests += 1;
                    match client.send(req).await {
                        Ok(r) if (200..300).contains(&r.status) => {
                            login_note = "login token accepted".into();
                        }
                        Ok(r) => findings.push(
                            Finding::fail(
                                "auth-token-rejected",
                                format!(
                                    "GET {} with the login's token answered {}",
                                    super::shown(&url),
                                    super::status_text(r.status)
                                ),
                            )
                            .at(location(&url)),
                        ),
                        Err(e) => {
                            return Ok(Outcome::error(format!("GET {}: {e}", super::shown(&url))));
                        }
                    }
                    if let Credential::Bearer(t) = &cred {
                        match jwt_times(t) {
                            Some((_, None)) => findings.push(
                                Finding::fail(
                                    "auth-jwt-no-exp",
                                    "the login's JWT has no `exp` claim: it never expires",
                                )
                                .at(location(&base))
                                .fix("issue tokens with an `exp` claim"),
                            ),
                            Some((iat, Some(exp))) => {
                                let life = exp - iat.unwrap_or_else(now_unix);
                                login_note
                                    .push_str(&format!("; JWT lifetime {}", human_secs(life)));
                                if let Some(max) = self.session_timeout
                                    && life > max.as_secs() as i64
                                {
                                    findings.push(
                                        Finding::fail(
                                            "auth-jwt-too-long",
                                            format!(
                                                "the JWT lives {}, over the session timeout {}",
                                                human_secs(life),
                                                human_secs(max.as_secs() as i64)
                                            ),
                                        )
                                        .at(location(&base))
                                        .fix("shorten the token lifetime to the session timeout"),
                                    );
                                }
                            }
                            None => login_note.push_str("; opaque token (lifetime not readable)"),
                        }
                    }
                }
            }
        }
        let fails = findings
            .iter()
            .filter(|f| f.severity == Status::Fail)
            .count();
        Ok(Outcome::from_findings(
            format!(
                "{refused} of {} anonymous/forged requests refused on {} endpoint(s); {login_note}",
                paths.len() * 2,
                paths.len()
            ),
            findings,
        )
        .observed(format!("{requests} requests, {fails} failing"))
        .expected("401/403 without credentials; login token works")
        .at(location(&base)))
    }
}

fn human_secs(s: i64) -> String {
    if s % 3600 == 0 && s >= 3600 {
        format!("{} h", s / 3600)
    } else if s % 60 == 0 && s >= 60 {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwt_claims() {
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let tok = format!(
            "{}.{}.sig",
            e.encode(b"{\"alg\":\"HS256\"}"),
            e.encode(b"{\"iat\":100,\"exp\":3700}")
        );
        assert_eq!(jwt_times(&tok), Some((Some(100), Some(3700))));
        assert_eq!(jwt_times("opaque-token"), None);
        assert_eq!(human_secs(3600), "1 h");
    }
}
