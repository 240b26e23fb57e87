//! `tls.cert`: the certificate chain is valid for the host, not about to expire, and the server
//! speaks TLS 1.2+ only.

use super::{Legacy, handshake, probe_legacy, roots};
use gonogo_core::recognise::{Claim, Slot, Text, Value};
use gonogo_core::redact::redact_url;
use gonogo_core::{
    CheckContext, CheckDoc, CheckKind, Finding, Location, MissingTarget, Outcome, ParamDoc,
    ParamError, Params, PreparedCheck,
};
use gonogo_repo::{read_bytes, resolve_in_repo};
use rustls::pki_types::ServerName;
use std::time::Duration;

pub struct TlsCert;

/// A CA bundle larger than this is not read (Mozilla's whole set is about 250 KiB).
const MAX_CA_BYTES: u64 = 4 << 20;

/// Certificates of other kinds (legal, client, code signing) and TLS settings other than the
/// served chain.
const NOT_SERVED_CERT: &[&str] = &[
    "incorporation",
    "client certificat*",
    "client cert*",
    "mtls",
    "mutual tls",
    "code signing",
    "signing",
    "pinning",
    "pinned",
    "rotat*",
    "compliance",
    "soc",
    "iso",
    "training",
    "at rest",
    "database",
    "db",
    "postgres*",
    "redis",
    "internal",
    "between services",
    "service mesh",
    "cipher*",
    "tls 1",
    "version*",
    "redirect*",
    "hsts",
    "monitor*",
    "alert*",
    "secret*",
    "vault",
    "document*",
    "inventory",
    "push",
    "apns",
    "apple",
    "android",
    "saml",
    "idp",
];

/// What the kind verifies, as the recognition engine reads items.
const CLAIMS: &[Claim] = &[
    Claim {
        subject: &[
            "certificat*",
            "cert",
            "certs",
            "let s encrypt",
            "letsencrypt",
        ],
        qualifiers: &[&[
            "valid",
            "configured",
            "installed",
            "expir*",
            "renew*",
            "enforced",
            "in place",
            "working",
        ]],
        support: &["tls", "ssl", "https"],
        excludes: NOT_SERVED_CERT,
        slots: &[
            Slot::optional("min_days", Value::Read(min_days_in)),
            Slot::optional("ca", Value::Read(ca_file_in)),
        ],
        weight: 75,
        ..Claim::EMPTY
    },
    // "Custom domain + HTTPS working": a handshake with a valid chain is what answers it.
    Claim {
        subject: &["https"],
        qualifiers: &[&[
            "work*",
            "enforced",
            "enabled",
            "configured",
            "set up",
            "valid",
            "in place",
        ]],
        excludes: NOT_SERVED_CERT,
        weight: 70,
        ..Claim::EMPTY
    },
];

static DOC: CheckDoc = CheckDoc {
    live: Some(gonogo_core::Service::Tls),
    targets: &["tls_url", "api_url"],
    summary: "The TLS certificate chain is valid for the host name, expires in at least N days, and only TLS 1.2+ is accepted.",
    description: "Connects to the https URL (`url`, else the `tls_url` target, else `api_url` when \
it is https) and completes a TLS 1.2/1.3 handshake with rustls, verifying the chain for the host \
name (or `host`) against the Mozilla root store (webpki-roots) or the PEM file `ca` from the \
repository. The negotiated protocol and cipher suite, the subject, issuer and expiry are the \
evidence. Fails when the chain does not verify (unknown issuer, wrong host name, expired or not \
yet valid), when fewer than `min_days` days remain, or when the server accepts TLS 1.0 or 1.1. \
rustls cannot speak TLS 1.0/1.1, so that part is a raw probe: a ClientHello offering only TLS 1.0 \
(then only 1.1) is sent and the first record of the answer read — a ServerHello with that \
version means accepted, an alert or a close means refused, no answer within the timeout leaves \
it unknown (a warning). Error when no handshake can be made; an error when no https target is \
configured (`tls_url`, or an https `api_url`).",
    params: &[
        ParamDoc::optional(
            "url",
            "The https URL (`https://api.example.com`); default the tls_url or an https api_url target.",
        ),
        ParamDoc::optional(
            "host",
            "Host name the certificate must be valid for (default: the URL's host).",
        ),
        ParamDoc::optional(
            "ca",
            "PEM file of trust anchors in the repository (private CAs); default: the Mozilla roots.",
        ),
        ParamDoc::with_default("min_days", "Fewest days to expiry accepted.", "14"),
        ParamDoc::with_default(
            "legacy_probe",
            "Probe whether TLS 1.0/1.1 are refused.",
            "true",
        ),
        ParamDoc::with_default(
            "timeout",
            "Deadline of the handshake and of each probe.",
            "5s",
        ),
    ],
    examples: &[
        "tls.cert",
        "tls.cert url=https://api.example.com min_days=30",
        "tls.cert url=https://127.0.0.1:8443 host=localhost ca=certs/ca.pem",
    ],
    claims: CLAIMS,
    phrases: &[
        "TLS/SSL certificates configured (Let's Encrypt)",
        "SSL certificate valid",
        "TLS certificates not expiring within 30 days",
        "HTTPS enforced with valid certificates",
        "Is the TLS certificate valid for at least 14 days?",
        "Custom domain + HTTPS working",
    ],
    not_phrases: &[
        "Security headers configured (HSTS, CSP, etc.)",
        "Certificate of incorporation filed",
        "Secrets encrypted at rest",
    ],
    findings: &[
        (
            "tls-chain-invalid",
            "The chain does not verify against the trust anchors (unknown issuer, bad signature, not yet valid).",
        ),
        (
            "tls-name-mismatch",
            "The certificate is not valid for the host name.",
        ),
        ("tls-cert-expired", "The certificate has expired."),
        (
            "tls-cert-expiring",
            "The certificate expires in fewer than `min_days` days.",
        ),
        (
            "tls-legacy-protocol",
            "The server accepts TLS 1.0 or TLS 1.1.",
        ),
        (
            "tls-legacy-unknown",
            "Whether TLS 1.0/1.1 are refused could not be told.",
        ),
    ],
};

impl CheckKind for TlsCert {
    fn id(&self) -> &'static str {
        "tls.cert"
    }
    fn doc(&self) -> &'static CheckDoc {
        &DOC
    }
    fn prepare(&self, params: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
        let params = &params.with_doc(&DOC);
        if let Some(u) = params.str("url") {
            let parsed = url::Url::parse(u)
                .map_err(|e| ParamError::new("url", format!("not a URL ({e})")))?;
            if parsed.scheme() != "https" {
                return Err(ParamError::new("url", "must be an https URL"));
            }
        }
        let host = params.str("host").map(str::to_string);
        if let Some(h) = &host {
            ServerName::try_from(h.clone())
                .map_err(|_| ParamError::new("host", format!("`{h}` is not a host name")))?;
        }
        let timeout = params.value::<Duration>("timeout")?;
        Ok(Box::new(Prepared {
            url: params.str("url").map(str::to_string),
            host,
            ca: params.str("ca").map(str::to_string),
            min_days: params.value::<u64>("min_days")? as i64,
            legacy_probe: params.value::<bool>("legacy_probe")?,
            timeout,
        }))
    }
}

struct Prepared {
    url: Option<String>,
    host: Option<String>,
    ca: Option<String>,
    min_days: i64,
    legacy_probe: bool,
    timeout: Duration,
}

/// The leaf's subject, issuer and expiry (seconds since the epoch).
fn leaf_facts(der: &[u8]) -> Option<(String, String, i64)> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    Some((
        cert.subject().to_string(),
        cert.issuer().to_string(),
        cert.validity().not_after.timestamp(),
    ))
}

fn classify(e: &rustls::Error) -> (&'static str, String) {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::Expired | C::ExpiredContext { .. } => {
                ("tls-cert-expired", "the certificate has expired".into())
            }
            C::NotValidForName | C::NotValidForNameContext { .. } => (
                "tls-name-mismatch",
                "the certificate is not valid for this host name".into(),
            ),
            C::UnknownIssuer => (
                "tls-chain-invalid",
                "the chain ends at an unknown issuer (not a trusted root)".into(),
            ),
            other => (
                "tls-chain-invalid",
                format!("the chain does not verify: {other:?}"),
            ),
        },
        other => (
            "tls-chain-invalid",
            format!("the chain does not verify: {other}"),
        ),
    }
}

#[async_trait::async_trait]
impl PreparedCheck for Prepared {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        let raw = match (&self.url, ctx.target("tls_url"), ctx.target("api_url")) {
            (Some(u), _, _) => u.clone(),
            (None, Ok(t), _) => t.to_string(),
            // A tls_url whose variable is unset is a mistake to report, not a reason to probe
            // api_url instead.
            (None, Err(unset @ MissingTarget::Unset { .. }), _) => return unset.outcome(),
            (None, Err(_), Ok(a)) if a.starts_with("https://") => a.to_string(),
            (None, Err(_), Ok(_)) => {
                return Outcome::error(
                    "no tls_url configured and api_url is not https: set tls_url under [targets], or run with --only static",
                );
            }
            (None, Err(_), Err(unset @ MissingTarget::Unset { .. })) => return unset.outcome(),
            (None, Err(_), Err(_)) => {
                return Outcome::error(
                    "no tls_url or https api_url configured: set one under [targets] in gonogo.toml, or run with --only static",
                );
            }
        };
        let url = match url::Url::parse(&raw) {
            Ok(u) if u.scheme() == "https" => u,
            Ok(_) => return Outcome::error(format!("{} is not an https URL", redact_url(&raw))),
            Err(e) => return Outcome::error(format!("{}: not a URL ({e})", redact_url(&raw))),
        };
        let Some(url_host) = url
            .host_str()
            .map(|h| h.trim_matches(['[', ']']).to_string())
        else {
            return Outcome::error("the URL has no host");
        };
        let port = url.port_or_known_default().unwrap_or(443);
        let addr = if url_host.contains(':') {
            format!("[{url_host}]:{port}")
        } else {
            format!("{url_host}:{port}")
        };
        let name_str = self.host.clone().unwrap_or_else(|| url_host.clone());
        let name = match ServerName::try_from(name_str.clone()) {
            Ok(n) => n,
            Err(_) => return Outcome::error(format!("`{name_str}` is not a host name")),
        };
        let ca = match &self.ca {
            None => None,
            Some(f) => {
                match resolve_in_repo(&ctx.repo, f).and_then(|p| read_bytes(&p, MAX_CA_BYTES)) {
                    Ok(b) => Some(b),
                    Err(e) => return Outcome::error(format!("{f}: cannot read the CA file: {e}")),
                }
            }
        };
        let roots = match roots(ca.as_deref()) {
            Ok(r) => r,
            Err(e) => {
                return Outcome::error(format!("{}: {e}", self.ca.as_deref().unwrap_or("roots")));
            }
        };
        let shown = format!("https://{addr}");
        let loc = Location::file(shown.clone());
        let hs = match handshake(&addr, name, roots, self.timeout).await {
            Ok(h) => h,
            Err(e) => return Outcome::error(format!("{shown}: {e}")).at(loc),
        };
        let mut findings = Vec::new();
        if let Err(e) = &hs.verdict {
            let (code, msg) = classify(e);
            findings.push(
                Finding::fail(code, format!("{msg} ({name_str})"))
                    .at(loc.clone())
                    .fix("install a certificate for this host from a trusted CA (e.g. Let's Encrypt) with its full chain"),
            );
        }
        let facts = hs.chain.first().and_then(|d| leaf_facts(d));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let days_left = facts
            .as_ref()
            .map(|(_, _, exp)| (exp - now).div_euclid(86_400));
        if let Some(days) = days_left {
            let expired = findings.iter().any(|f| f.code == "tls-cert-expired");
            if days < self.min_days && !expired {
                findings.push(
                    Finding::fail(
                        "tls-cert-expiring",
                        format!(
                            "the certificate expires in {days} days (minimum {})",
                            self.min_days
                        ),
                    )
                    .at(loc.clone())
                    .fix("renew the certificate (automate it: certbot/cert-manager)"),
                );
            }
        }
        let mut legacy_note = String::new();
        if self.legacy_probe {
            let sni = self
                .host
                .clone()
                .or_else(|| url.domain().map(str::to_string));
            let mut accepted = Vec::new();
            let mut unknown = Vec::new();
            for (v, label) in [(0x0301u16, "TLS 1.0"), (0x0302, "TLS 1.1")] {
                match probe_legacy(&addr, sni.as_deref(), v, self.timeout).await {
                    Legacy::Accepted(_) => accepted.push(label),
                    Legacy::Refused => {}
                    Legacy::Unknown(why) => unknown.push(format!("{label}: {why}")),
                }
            }
            if !accepted.is_empty() {
                findings.push(
                    Finding::fail(
                        "tls-legacy-protocol",
                        format!("the server accepts {}", accepted.join(" and ")),
                    )
                    .at(loc.clone())
                    .fix("allow only TLS 1.2 and 1.3 (ssl_protocols TLSv1.2 TLSv1.3)"),
                );
            }
            if !unknown.is_empty() {
                findings.push(
                    Finding::warn(
                        "tls-legacy-unknown",
                        format!(
                            "legacy protocol probe inconclusive ({})",
                            unknown.join("; ")
                        ),
                    )
                    .at(loc.clone()),
                );
            }
            legacy_note = if accepted.is_empty() && unknown.is_empty() {
                "; TLS 1.0/1.1 refused".into()
            } else {
                String::new()
            };
        }
        let (subject, issuer) = facts
            .as_ref()
            .map(|(s, i, _)| (s.clone(), i.clone()))
            .unwrap_or_else(|| ("?".into(), "?".into()));
        let days_text = days_left
            .map(|d| format!("{d} days left"))
            .unwrap_or_else(|| "expiry unreadable".into());
        Outcome::from_findings(
            format!(
                "{shown}: {}, {}; {days_text}{legacy_note}",
                hs.protocol, hs.cipher
            ),
            findings,
        )
        .observed(format!(
            "{}, {}, subject {subject}, issuer {issuer}, {days_text}",
            hs.protocol, hs.cipher
        ))
        .expected(format!(
            "valid chain for {name_str}, ≥ {} days left, TLS 1.2+ only",
            self.min_days
        ))
        .at(loc)
    }
}

/// The days of validity an item asks for: "valid for the next 30 days", "not expiring
/// within 21 days".
fn min_days_in(text: &Text<'_>) -> Option<String> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r"(?i)\b(\d+)\s*(?:more\s+|further\s+|remaining\s+)?days?\b")
            .expect("valid regex")
    });
    re.captures(&text.plain).map(|c| c[1].to_string())
}

/// A CA bundle the item names (`certs/ca.pem`), wherever in the item it stands.
fn ca_file_in(text: &Text<'_>) -> Option<String> {
    static BUNDLE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re =
        BUNDLE.get_or_init(|| regex::Regex::new(r"[\w./-]+\.(?:pem|crt)\b").expect("valid regex"));
    re.find_iter(text.display)
        .chain(re.find_iter(&text.plain))
        .find_map(|m| gonogo_core::recognise::values::path(m.as_str()))
}

#[cfg(test)]
mod ca_tests {
    use super::TlsCert;
    use crate::util::testing::{hostile_repo, run};
    use gonogo_core::Status;

    #[tokio::test]
    async fn a_ca_file_that_never_ends_or_never_arrives_is_an_error_naming_it() {
        let dir = hostile_repo(&[], "ca.pem", "zero.pem");
        for (ca, why) in [
            (
                "ca.pem",
                "ca.pem: cannot read the CA file: is a FIFO, not a regular file",
            ),
            (
                "zero.pem",
                "zero.pem: cannot read the CA file: resolves outside the repository",
            ),
        ] {
            let params = [("url", "https://127.0.0.1:1"), ("ca", ca)];
            let o = run(&TlsCert, &params, dir.path()).await;
            assert_eq!(o.status, Status::Error, "{o:?}");
            assert_eq!(o.evidence.summary, why);
        }
    }
}
