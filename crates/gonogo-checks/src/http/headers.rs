//! `http.headers`: security headers, scored the way the Mozilla HTTP Observatory scores them.

use super::{TargetSpec, http_params, location};
use crate::live;
use gonogo_core::recognise::{Claim, Slot, Value};
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Outcome, ParamDoc, ParamError, Params,
    PreparedCheck, Status,
};

pub struct HttpHeaders;

/// The headers an item names, as `require` keys.
const NAMED_HEADERS: &[(&str, &str)] = &[
    ("hsts", "hsts"),
    ("strict transport security", "hsts"),
    ("csp", "csp"),
    ("content security policy", "csp"),
    ("x frame options", "xfo"),
    ("clickjacking", "xfo"),
    ("x content type options", "xcto"),
    ("nosniff", "xcto"),
    ("referrer policy", "referrer"),
];
const HEADER_SUBJECTS: &[&str] = &[
    "hsts",
    "strict transport security",
    "csp",
    "content security policy",
    "x frame options",
    "x content type options",
    "nosniff",
    "referrer policy",
];
/// Asking for more than the header being sent well: a preload list entry, a report endpoint.
const NOT_HEADERS: &[&str] = &[
    "preload list",
    "report uri",
    "report to",
    "violation*",
    "nonc*",
    "cors",
    "request header*",
    "logged",
    "document*",
];

/// What the kind verifies, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[
    Claim {
        subject: &[
            "security header*",
            "http security header*",
            "response header*",
        ],
        support: &[
            "configured",
            "enabled",
            "set",
            "present",
            "in place",
            "sent",
        ],
        excludes: NOT_HEADERS,
        slots: &[Slot::optional("require", Value::Choices(NAMED_HEADERS))],
        weight: 80,
        ..Claim::EMPTY
    },
    // "Security headers score at least 90 on the Observatory".
    Claim {
        subject: &["security header*", "observatory"],
        qualifiers: &[&["scor*", "grade"]],
        excludes: NOT_HEADERS,
        slots: &[Slot::required("min_score", Value::Count)],
        weight: 85,
        ..Claim::EMPTY
    },
    Claim {
        subject: HEADER_SUBJECTS,
        support: &[
            "configured",
            "enabled",
            "set",
            "present",
            "in place",
            "sent",
            "every response",
        ],
        excludes: NOT_HEADERS,
        slots: &[Slot::required("require", Value::Choices(NAMED_HEADERS))],
        weight: 80,
        ..Claim::EMPTY
    },
];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Http),
    targets: &["api_url"],
    summary: "Security headers (CSP, HSTS, X-Content-Type-Options, X-Frame-Options, Referrer-Policy) are set, scored like the Mozilla HTTP Observatory.",
    description: "GETs the URL (default: the `api_url` target) and scores its response headers \
with the Mozilla HTTP Observatory's header modifiers: a baseline of 100; Content-Security-Policy \
missing -25, allowing 'unsafe-inline' in scripts -20, http: sources -20, 'unsafe-eval' -10, \
without unsafe sources +5, with default-src 'none' +10; Strict-Transport-Security missing or \
unparsable -20, max-age under six months -10; X-Content-Type-Options not `nosniff` -5; \
X-Frame-Options missing -20 (+5 when CSP frame-ancestors is set instead); Referrer-Policy \
private +5, unsafe (`unsafe-url`, `no-referrer-when-downgrade`) -5. As in the Observatory, \
bonuses count only when the score without them is at least 90. One finding per header that \
costs points: it fails the item when the header is named in `require` (the headers the item \
names, e.g. \"HSTS, CSP\"), otherwise it warns. The item fails when the score is below \
`min_score`. Over plain http the HSTS header is scored as sent (a TLS terminator in front is \
assumed) and the summary says so. Error when the URL gives no answer; an error without a target.",
    params: http_params![
        ParamDoc::with_default(
            "min_score",
            "Lowest acceptable score (Observatory grade B is 70).",
            "70"
        ),
        ParamDoc::optional(
            "require",
            "Headers that must be set well: any of csp, hsts, xcto, xfo, referrer.",
        ),
    ],
    examples: &[
        "http.headers",
        "http.headers path=/ min_score=90 require=hsts,csp",
    ],
    claims: CLAIMS,
    phrases: &[
        "Security headers configured (HSTS, CSP, etc.)",
        "Security headers configured",
        "HSTS enabled",
        "Content Security Policy configured",
        "Referrer-Policy set to a private value",
        "Security headers score at least 90 on the Observatory",
    ],
    not_phrases: &[
        "CORS origins restricted to production domains",
        "Request headers logged",
        "API keys rotated and secured",
    ],
    findings: &[
        (
            "headers-csp-missing",
            "No Content-Security-Policy header (Observatory -25).",
        ),
        (
            "headers-csp-unsafe",
            "The CSP allows 'unsafe-inline' or 'unsafe-eval' scripts, or http: sources (-10 to -20).",
        ),
        (
            "headers-hsts-missing",
            "No valid Strict-Transport-Security header (-20).",
        ),
        (
            "headers-hsts-short",
            "HSTS max-age under six months, 15768000 s (-10).",
        ),
        (
            "headers-xcto-missing",
            "X-Content-Type-Options is not `nosniff` (-5).",
        ),
        (
            "headers-xfo-missing",
            "Neither X-Frame-Options nor CSP frame-ancestors protects against framing (-20).",
        ),
        (
            "headers-referrer-unsafe",
            "Referrer-Policy leaks full URLs (`unsafe-url`, `no-referrer-when-downgrade`) or is invalid (-5).",
        ),
        ("headers-score-low", "The score is below `min_score`."),
    ],
};

const HEADER_KEYS: &[&str] = &["csp", "hsts", "xcto", "xfo", "referrer"];

impl CheckKind for HttpHeaders {
    fn id(&self) -> &'static str {
        "http.headers"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        let target = TargetSpec::from_params(params)?;
        let min_score = params.value::<f64>("min_score")?;
        let require = params.list("require").unwrap_or_default();
        for r in &require {
            if !HEADER_KEYS.contains(&r.as_str()) {
                return Err(ParamError::new(
                    "require",
                    format!("unknown header `{r}` (known: {})", HEADER_KEYS.join(", ")),
                ));
            }
        }
        Ok(live::prepared(Prepared {
            target,
            min_score,
            require,
        }))
    }
}

/// One header's contribution to the score.
#[derive(Debug, Clone, PartialEq)]
pub struct Modifier {
    /// Which header: one of [`HEADER_KEYS`].
    pub header: &'static str,
    /// The Observatory's name of the result (`csp-not-implemented`).
    pub result: &'static str,
    pub points: i32,
    /// The finding to report when the modifier costs points.
    pub code: Option<&'static str>,
    pub message: String,
}

/// The Observatory's score of a response's headers, and each modifier.
pub fn score(headers: &reqwest::header::HeaderMap) -> (i32, Vec<Modifier>) {
    let get = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).map(str::trim);
    let mut mods = Vec::new();
    let csp = get("content-security-policy");
    mods.push(score_csp(csp));
    mods.push(score_hsts(get("strict-transport-security")));
    mods.push(match get("x-content-type-options") {
        Some(v) if v.eq_ignore_ascii_case("nosniff") => {
            m("xcto", "x-content-type-options-nosniff", 0, None, "nosniff")
        }
        Some(v) => m(
            "xcto",
            "x-content-type-options-header-invalid",
            -5,
            Some("headers-xcto-missing"),
            &format!(
                "X-Content-Type-Options is `{}`, not `nosniff`",
                super::clip(v)
            ),
        ),
        None => m(
            "xcto",
            "x-content-type-options-not-implemented",
            -5,
            Some("headers-xcto-missing"),
            "X-Content-Type-Options header not set",
        ),
    });
    let frame_ancestors =
        csp.is_some_and(|c| directives(c).iter().any(|(d, _)| d == "frame-ancestors"));
    mods.push(if frame_ancestors {
        m(
            "xfo",
            "x-frame-options-implemented-via-csp",
            5,
            None,
            "framing restricted by CSP frame-ancestors",
        )
    } else {
        match get("x-frame-options").map(str::to_ascii_lowercase) {
            Some(v) if v == "deny" || v == "sameorigin" => m(
                "xfo",
                "x-frame-options-sameorigin-or-deny",
                0,
                None,
                &format!("X-Frame-Options {}", v.to_uppercase()),
            ),
            Some(v) if v.starts_with("allow-from") => m(
                "xfo",
                "x-frame-options-allow-from-origin",
                0,
                None,
                "X-Frame-Options ALLOW-FROM",
            ),
            Some(v) => m(
                "xfo",
                "x-frame-options-header-invalid",
                -20,
                Some("headers-xfo-missing"),
                &format!("X-Frame-Options `{}` is not recognised", super::clip(&v)),
            ),
            None => m(
                "xfo",
                "x-frame-options-not-implemented",
                -20,
                Some("headers-xfo-missing"),
                "neither X-Frame-Options nor CSP frame-ancestors set",
            ),
        }
    });
    mods.push(match get("referrer-policy") {
        None => m(
            "referrer",
            "referrer-policy-not-implemented",
            0,
            None,
            "Referrer-Policy not set (browsers default to strict-origin-when-cross-origin)",
        ),
        Some(v) => {
            // The last recognised token wins, as in browsers.
            let tokens: Vec<String> = v
                .split(',')
                .map(|t| t.trim().to_ascii_lowercase())
                .collect();
            let private = [
                "no-referrer",
                "same-origin",
                "strict-origin",
                "strict-origin-when-cross-origin",
            ];
            let unsafe_ = [
                "origin",
                "origin-when-cross-origin",
                "unsafe-url",
                "no-referrer-when-downgrade",
            ];
            match tokens
                .iter()
                .rev()
                .find(|t| private.contains(&t.as_str()) || unsafe_.contains(&t.as_str()))
            {
                Some(t) if private.contains(&t.as_str()) => m(
                    "referrer",
                    "referrer-policy-private",
                    5,
                    None,
                    &format!("Referrer-Policy {t}"),
                ),
                Some(t) => m(
                    "referrer",
                    "referrer-policy-unsafe",
                    -5,
                    Some("headers-referrer-unsafe"),
                    &format!("Referrer-Policy `{t}` sends the full URL or origin to other sites"),
                ),
                None => m(
                    "referrer",
                    "referrer-policy-header-invalid",
                    -5,
                    Some("headers-referrer-unsafe"),
                    &format!("Referrer-Policy `{}` is not recognised", super::clip(v)),
                ),
            }
        }
    });
    let base: i32 = 100 + mods.iter().map(|x| x.points.min(0)).sum::<i32>();
    let bonus: i32 = mods.iter().map(|x| x.points.max(0)).sum();
    let total = if base >= 90 { base + bonus } else { base };
    (total.max(0), mods)
}

fn m(
    header: &'static str,
    result: &'static str,
    points: i32,
    code: Option<&'static str>,
    message: &str,
) -> Modifier {
    Modifier {
        header,
        result,
        points,
        code,
        message: message.to_string(),
    }
}

/// CSP directives, lowercased, with their sources.
fn directives(csp: &str) -> Vec<(String, Vec<String>)> {
    csp.split(';')
        .filter_map(|d| {
            let mut parts = d.split_whitespace();
            let name = parts.next()?.to_ascii_lowercase();
            Some((name, parts.map(|s| s.to_ascii_lowercase()).collect()))
        })
        .collect()
}

fn score_csp(csp: Option<&str>) -> Modifier {
    let Some(csp) = csp.filter(|c| !c.is_empty()) else {
        return m(
            "csp",
            "csp-not-implemented",
            -25,
            Some("headers-csp-missing"),
            "Content-Security-Policy header not set",
        );
    };
    let dirs = directives(csp);
    let find = |name: &str| dirs.iter().find(|(d, _)| d == name).map(|(_, s)| s.clone());
    let default = find("default-src");
    let script = find("script-src").or_else(|| default.clone());
    let style = find("style-src").or_else(|| default.clone());
    let Some(script) = script else {
        return m(
            "csp",
            "csp-implemented-with-unsafe-inline",
            -20,
            Some("headers-csp-unsafe"),
            "CSP sets neither script-src nor default-src, so scripts are unrestricted",
        );
    };
    let has = |srcs: &[String], s: &str| srcs.iter().any(|x| x == s);
    let unsafe_inline_script = (has(&script, "'unsafe-inline'")
        && !script
            .iter()
            .any(|s| s.starts_with("'nonce-") || s.starts_with("'sha")))
        || has(&script, "*")
        || has(&script, "data:");
    let insecure = dirs
        .iter()
        .any(|(_, s)| s.iter().any(|x| x == "http:" || x.starts_with("http://")));
    if unsafe_inline_script {
        return m(
            "csp",
            "csp-implemented-with-unsafe-inline",
            -20,
            Some("headers-csp-unsafe"),
            "CSP allows 'unsafe-inline' (or any source) in script-src",
        );
    }
    if insecure {
        return m(
            "csp",
            "csp-implemented-with-insecure-scheme",
            -20,
            Some("headers-csp-unsafe"),
            "CSP allows resources over http:",
        );
    }
    if has(&script, "'unsafe-eval'") {
        return m(
            "csp",
            "csp-implemented-with-unsafe-eval",
            -10,
            Some("headers-csp-unsafe"),
            "CSP allows 'unsafe-eval'",
        );
    }
    if style.as_ref().is_some_and(|s| has(s, "'unsafe-inline'")) {
        return m(
            "csp",
            "csp-implemented-with-unsafe-inline-in-style-src-only",
            0,
            None,
            "CSP set ('unsafe-inline' in style-src only)",
        );
    }
    if default
        .as_ref()
        .is_some_and(|d| d.len() == 1 && d[0] == "'none'")
    {
        return m(
            "csp",
            "csp-implemented-with-no-unsafe-default-src-none",
            10,
            None,
            "CSP with default-src 'none' and no unsafe sources",
        );
    }
    m(
        "csp",
        "csp-implemented-with-no-unsafe",
        5,
        None,
        "CSP without unsafe sources",
    )
}

fn score_hsts(v: Option<&str>) -> Modifier {
    let Some(v) = v else {
        return m(
            "hsts",
            "hsts-not-implemented",
            -20,
            Some("headers-hsts-missing"),
            "Strict-Transport-Security header not set",
        );
    };
    let max_age = v.split(';').find_map(|d| {
        let (k, val) = d.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("max-age")
            .then(|| val.trim().trim_matches('"').parse::<u64>().ok())?
    });
    match max_age {
        None => m(
            "hsts",
            "hsts-header-invalid",
            -20,
            Some("headers-hsts-missing"),
            &format!(
                "Strict-Transport-Security `{}` has no valid max-age",
                super::clip(v)
            ),
        ),
        Some(a) if a < 15_768_000 => m(
            "hsts",
            "hsts-implemented-max-age-less-than-six-months",
            -10,
            Some("headers-hsts-short"),
            &format!("HSTS max-age={a} is under six months (15768000)"),
        ),
        Some(a) => m(
            "hsts",
            "hsts-implemented-max-age-at-least-six-months",
            0,
            None,
            &format!("HSTS max-age={a}"),
        ),
    }
}

struct Prepared {
    target: TargetSpec,
    min_score: f64,
    require: Vec<String>,
}

#[async_trait::async_trait]
impl live::Check for Prepared {
    async fn check(&self, ctx: &CheckContext) -> live::Concluded {
        let (url, client) = self.target.open(ctx)?;
        let resp = match client.send(client.get(url.clone())).await {
            Ok(r) => r,
            Err(e) => {
                return Ok(
                    Outcome::error(format!("GET {}: {e}", super::shown(&url))).at(location(&url))
                );
            }
        };
        let (score, mods) = score(&resp.headers);
        let mut findings = Vec::new();
        for md in &mods {
            if let Some(code) = md.code {
                let required = self.require.iter().any(|r| r == md.header);
                let mut f = Finding::fail(code, format!("{} ({:+})", md.message, md.points))
                    .at(location(&url))
                    .fix(fix_for(md.header));
                if !required {
                    f.severity = Status::Warn;
                }
                findings.push(f);
            }
        }
        if (score as f64) < self.min_score {
            findings.push(
                Finding::fail(
                    "headers-score-low",
                    format!("score {score} is below {}", self.min_score),
                )
                .at(location(&url))
                .fix("set the headers listed above"),
            );
        }
        let set: Vec<String> = mods
            .iter()
            .map(|x| format!("{} {:+}", x.result, x.points))
            .collect();
        let plain = if url.scheme() == "http" {
            "; served over http, HSTS scored as sent"
        } else {
            ""
        };
        Ok(Outcome::from_findings(
            format!("security headers score {score} ({}){plain}", grade(score)),
            findings,
        )
        .observed(format!("{score}: {}", set.join(", ")))
        .expected(format!("≥ {}", self.min_score))
        .at(location(&url)))
    }
}

fn fix_for(header: &str) -> &'static str {
    match header {
        "csp" => {
            "send Content-Security-Policy: default-src 'self' (no 'unsafe-inline'/'unsafe-eval' in script-src)"
        }
        "hsts" => "send Strict-Transport-Security: max-age=63072000; includeSubDomains",
        "xcto" => "send X-Content-Type-Options: nosniff",
        "xfo" => "send X-Frame-Options: DENY or CSP frame-ancestors 'none'",
        _ => "send Referrer-Policy: strict-origin-when-cross-origin",
    }
}

/// The Observatory's letter grade of a score.
pub fn grade(score: i32) -> &'static str {
    match score {
        100.. => "A+",
        90..=99 => "A",
        85..=89 => "A-",
        80..=84 => "B+",
        70..=79 => "B",
        65..=69 => "B-",
        60..=64 => "C+",
        50..=59 => "C",
        45..=49 => "C-",
        40..=44 => "D+",
        30..=39 => "D",
        25..=29 => "D-",
        _ => "F",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn hm(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn observatory_scores() {
        // Nothing set: 100 - 25 - 20 - 5 - 20 = 30 (grade D), as the Observatory scores it.
        let (s, _) = score(&HeaderMap::new());
        assert_eq!((s, grade(s)), (30, "D"));
        let good = hm(&[
            (
                "content-security-policy",
                "default-src 'none'; frame-ancestors 'none'",
            ),
            (
                "strict-transport-security",
                "max-age=63072000; includeSubDomains",
            ),
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "no-referrer"),
        ]);
        // 100 + 10 (default-src 'none') + 5 (frame-ancestors) + 5 (referrer) = 120.
        assert_eq!(score(&good).0, 120);
        let unsafe_csp = hm(&[
            (
                "content-security-policy",
                "script-src 'self' 'unsafe-inline'",
            ),
            ("strict-transport-security", "max-age=300"),
            ("x-frame-options", "DENY"),
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "unsafe-url"),
        ]);
        // 100 - 20 - 10 - 5 = 65, no bonuses below 90.
        let (s, mods) = score(&unsafe_csp);
        assert_eq!(s, 65);
        let codes: Vec<_> = mods.iter().filter_map(|m| m.code).collect();
        assert_eq!(
            codes,
            [
                "headers-csp-unsafe",
                "headers-hsts-short",
                "headers-referrer-unsafe"
            ]
        );
    }

    #[test]
    fn items_name_required_headers() {
        let require = |text: &str| {
            crate::util::testing::recognise(&HttpHeaders, text)
                .and_then(|p| p.str("require").map(str::to_string))
        };
        assert_eq!(
            require("Security headers configured (HSTS, CSP, etc.)").as_deref(),
            Some("hsts,csp")
        );
        assert_eq!(
            require("Is Strict-Transport-Security sent on every response").as_deref(),
            Some("hsts")
        );
        assert_eq!(require("Security headers configured"), None);
        let score = crate::util::testing::recognise(
            &HttpHeaders,
            "Security headers score at least 90 on the Observatory",
        )
        .unwrap();
        assert_eq!(score.str("min_score"), Some("90"));
    }
}
