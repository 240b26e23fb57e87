//! Secrets never leave gonogo in full. The one of each primitive every part of gonogo uses to
//! tell and hide a secret: which names hold secrets ([`is_secret_name`], [`is_secret_header`]),
//! how a secret is shown ([`redact_secret`]), where a URL keeps its credentials
//! ([`UrlUserinfo`], [`redact_url`]), how random a string is ([`shannon_entropy`]), and the one
//! redactor of free text ([`Redactor`], [`redact_text`]) that everything gonogo shows or keeps
//! goes through.

use crate::Scanner;
use std::borrow::Cow;
use std::sync::LazyLock;

/// How a secret is shown anywhere gonogo writes: at most 4 leading characters (fewer for short
/// values) and the length, e.g. `AKIA…(20 chars)`.
pub fn redact_secret(secret: &str) -> String {
    let len = secret.chars().count();
    // Short values reveal too much even with 4 characters; show proportionally less.
    let shown = match len {
        0..=7 => 0,
        8..=15 => 2,
        _ => 4,
    };
    let prefix: String = secret.chars().take(shown).collect();
    format!("{prefix}…({len} chars)")
}

/// True when `value` is already what [`redact_secret`] shows (`abcd…(21 chars)`): redacting
/// it again would change the length it reports.
pub fn is_redacted(value: &str) -> bool {
    value.split_once('…').is_some_and(|(prefix, rest)| {
        prefix.chars().count() <= 4
            && rest
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(" chars)"))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// True when `value` is only a variable reference (`$DB_PASSWORD`, `${TOKEN}`, `%TOKEN%`): it
/// names a secret, it does not hold one.
pub fn is_variable_reference(value: &str) -> bool {
    let v = value.trim();
    let name = v
        .strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .or_else(|| v.strip_prefix('$'))
        .or_else(|| v.strip_prefix('%').and_then(|r| r.strip_suffix('%')));
    name.is_some_and(|n| {
        !n.is_empty()
            && !n.starts_with(|c: char| c.is_ascii_digit())
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// True for variable and parameter names that hold secrets (`DB_PASSWORD`, `JWT_SECRET`,
/// `API_KEY`, `private_key`, `passphrase`, …), case-insensitively; names that only describe a
/// secret (`JWT_SECRET_FILE`, `TOKEN_TTL`, `AWS_ACCESS_KEY_ID`) are not secrets.
pub fn is_secret_name(name: &str) -> bool {
    let k = name.to_ascii_uppercase();
    const SECRETISH: &[&str] = &[
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "PASSPHRASE",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "ACCESS_KEY",
        "SIGNING_KEY",
        "ENCRYPTION_KEY",
        "MASTER_KEY",
        "AUTH_KEY",
        "CLIENT_KEY",
        "SERVICE_KEY",
        "ROLE_KEY",
        "SALT",
        "CREDENTIAL",
    ];
    // Names about a secret rather than holding one.
    const NOT: &[&str] = &[
        "_ID",
        "_FILE",
        "_PATH",
        "_DIR",
        "_URL",
        "_URI",
        "_ENDPOINT",
        "_HOST",
        "_PORT",
        "_USER",
        "_USERNAME",
        "_NAME",
        "_TTL",
        "_EXPIRE",
        "_EXPIRES",
        "_EXPIRY",
        "_EXPIRATION",
        "_LIFETIME",
        "_AGE",
        "_LENGTH",
        "_ALGORITHM",
        "_ALG",
        "_ISSUER",
        "_AUDIENCE",
        "_HEADER",
        "_PREFIX",
        "_TYPE",
        "_MINUTES",
        "_SECONDS",
        "_HOURS",
        "_DAYS",
        "_ENABLED",
        "_REQUIRED",
        "_REGION",
        "_VERSION",
        "_ROUNDS",
    ];
    let credentials = k == "AUTH" || k.ends_with("_AUTH") || k.contains("AUTHORIZATION");
    (credentials || SECRETISH.iter().any(|s| k.contains(s)))
        && !NOT.iter().any(|s| k.ends_with(s))
        && !k.contains("_EXPIRE")
}

/// Where a URL keeps its credentials: `scheme://user:password@host/…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlUserinfo<'a> {
    /// Everything before `://`.
    pub scheme: &'a str,
    pub user: &'a str,
    /// `None` without a `:` in the userinfo (`redis://token@h`).
    pub password: Option<&'a str>,
    /// From the `@` on: `@host:5432/db?x`.
    pub rest: &'a str,
}

impl<'a> UrlUserinfo<'a> {
    /// The userinfo of `url`, when its authority holds one (an `@` before the path).
    pub fn parse(url: &'a str) -> Option<Self> {
        let scheme_end = url.find("://")?;
        let after = &url[scheme_end + 3..];
        let authority_end = after.find(['/', '?', '#']).unwrap_or(after.len());
        let at = after[..authority_end].rfind('@')?;
        let userinfo = &after[..at];
        let (user, password) = match userinfo.split_once(':') {
            Some((u, p)) => (u, Some(p)),
            None => (userinfo, None),
        };
        Some(UrlUserinfo {
            scheme: &url[..scheme_end],
            user,
            password,
            rest: &after[at..],
        })
    }
}

/// A URL as it may be shown: the password of its userinfo replaced (`postgres://app:…@db/x`;
/// a userinfo without a password is taken as a token: `https://…@host`), and the values of
/// secret query parameters redacted (`?access_token=ghp_…(40 chars)`). A variable reference
/// in their place (`$DB_PASSWORD`) is kept: it names the secret.
pub fn redact_url(value: &str) -> String {
    let shown = match UrlUserinfo::parse(value) {
        None => value.to_string(),
        // `postgres://app:${DB_PASSWORD}@db` names its password: shown as written.
        Some(u) if u.password.is_some_and(is_variable_reference) => value.to_string(),
        Some(u) => {
            let hidden = if u.password.is_some() {
                format!("{}:…", u.user)
            } else {
                "…".to_string()
            };
            format!("{}://{}{}", u.scheme, hidden, u.rest)
        }
    };
    match redact_query(&shown) {
        Cow::Borrowed(_) => shown,
        Cow::Owned(s) => s,
    }
}

/// Query parameter names that hold a secret beyond what [`is_secret_name`] says: short forms
/// and signatures (`?key=`, `?sig=`, `X-Amz-Signature`).
fn is_secret_query_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    is_secret_name(&name.replace('-', "_"))
        || [
            "key",
            "pass",
            "pwd",
            "auth",
            "apikey",
            "sig",
            "code_verifier",
        ]
        .contains(&lower.as_str())
        || lower.ends_with("signature")
}

/// The values of a URL's secret query parameters redacted.
fn redact_query(url: &str) -> Cow<'_, str> {
    let Some(q) = url.find('?') else {
        return Cow::Borrowed(url);
    };
    let end = url[q..].find('#').map_or(url.len(), |e| q + e);
    let mut changed = false;
    let pairs: Vec<String> = url[q + 1..end]
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, v))
                if !v.is_empty()
                    && !v.contains('…')
                    && !is_variable_reference(v)
                    && is_secret_query_name(k) =>
            {
                changed = true;
                format!("{k}={}", redact_secret(v))
            }
            _ => kv.to_string(),
        })
        .collect();
    if !changed {
        return Cow::Borrowed(url);
    }
    Cow::Owned(format!("{}?{}{}", &url[..q], pairs.join("&"), &url[end..]))
}

/// True for HTTP header names whose values are credentials: `Authorization`,
/// `Proxy-Authorization`, `Cookie`, `Set-Cookie`, and any name [`is_secret_name`] takes for a
/// secret (`X-Api-Key`, `X-Auth-Token`).
pub fn is_secret_header(name: &str) -> bool {
    let lower = name.trim().to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "cookie" | "set-cookie" | "authorization" | "proxy-authorization"
    ) || is_secret_name(&lower.replace('-', "_"))
}

/// A header's value as it may be shown: redacted whole when the header holds credentials
/// ([`is_secret_header`]), else through [`redact_text`].
pub fn redact_header(name: &str, value: &str) -> String {
    if is_secret_header(name) {
        redact_secret(value)
    } else {
        redact_text(value).into_owned()
    }
}

/// An environment variable whose value is taken for a secret wherever it appears: a secret
/// name, a key (`STRIPE_KEY`), a DSN.
fn env_holds_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    is_secret_name(name)
        || upper.ends_with("_KEY")
        || upper.contains("PRIVATE")
        || upper.contains("DSN")
}

/// Values of secret-named variables that are service names or defaults, not secrets.
const DEFAULT_VALUES: &[&str] = &[
    "postgres",
    "postgresql",
    "password",
    "localhost",
    "mongodb",
    "rabbitmq",
    "development",
    "production",
    "staging",
];

/// Shortest known value ([`Redactor::knowing`]) hidden wherever it occurs: shorter ones are
/// too likely to be ordinary words of the evidence.
pub const MIN_KNOWN_SECRET: usize = 8;

/// The built-in rules, compiled once: the redactor finds secrets with the scanner's own rules.
fn scanner() -> &'static Scanner {
    static SCANNER: LazyLock<Scanner> =
        LazyLock::new(|| Scanner::new(crate::rules::builtin_rules()));
    &SCANNER
}

/// One pass of the redactor: the text with what it finds hidden, or `None` when it found
/// nothing.
type Step<'a> = dyn Fn(&str) -> Option<String> + 'a;

/// The one redactor of text gonogo shows or keeps (evidence, findings, error messages, command
/// output, parameters). It hides, each as [`redact_secret`] shows a secret:
///
/// - private key blocks, also when their `BEGIN` or `END` line was cut off (a command's
///   output tail);
/// - URL credentials and secret query parameters ([`redact_url`]);
/// - known values: those given with [`Redactor::knowing`], and with [`Redactor::for_env`]
///   the values of the environment's secret-named variables;
/// - whatever the secret scanner's built-in rules find (provider tokens, JWTs, keys);
/// - values assigned to secret names (`password=…`, `"api_key": "…"`, `Authorization: …`);
/// - `Bearer` and `Basic` credentials;
/// - long base64 runs that look random (key material with no line around it).
///
/// Hex strings (commit ids, checksums) and ordinary URLs are kept.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Hidden wherever they occur; longest first, so a value inside another goes second.
    known: Vec<String>,
}

/// Shows how many values it knows, never the values.
impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor {{ {} known values }}", self.known.len())
    }
}

impl Redactor {
    /// A redactor that knows no values: patterns only.
    pub fn new() -> Self {
        Redactor::default()
    }

    /// A redactor that also hides the values of `env`'s secret-named variables (`API_TOKEN`,
    /// `DB_PASSWORD`, `STRIPE_KEY`) of at least [`MIN_KNOWN_SECRET`] characters.
    pub fn for_env<I, K, V>(env: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        env.into_iter()
            .filter(|(k, _)| env_holds_secret(k.as_ref()))
            .fold(Redactor::new(), |r, (_, v)| r.knowing(v.as_ref()))
    }

    /// Also hide `value` wherever it occurs, when it has at least [`MIN_KNOWN_SECRET`]
    /// characters and is neither a path nor a default (`postgres`, `changeme`).
    pub fn knowing(mut self, value: &str) -> Self {
        let v = value.trim();
        let path = v.starts_with('/') || v.starts_with("./") || v.starts_with("~/");
        // A default (`postgres`, `changeme`) is a word of ordinary evidence too: hiding it
        // everywhere would hide `postgres://…` itself. Such values are findings of their own.
        let default = crate::engine::is_placeholder(v)
            || DEFAULT_VALUES.contains(&v.to_ascii_lowercase().as_str());
        if v.chars().count() >= MIN_KNOWN_SECRET
            && !path
            && !default
            && !self.known.iter().any(|k| k == v)
        {
            self.known.push(v.to_string());
            self.known.sort_by_key(|k| std::cmp::Reverse(k.len()));
        }
        self
    }

    /// Also hide `password` (a connection string's) wherever it occurs, from 4 characters on:
    /// it is known to be a secret, so a shorter one than [`Redactor::knowing`] takes is hidden.
    pub fn knowing_password(mut self, password: &str) -> Self {
        if password.chars().count() >= 4 && !self.known.iter().any(|k| k == password) {
            self.known.push(password.to_string());
            self.known.sort_by_key(|k| std::cmp::Reverse(k.len()));
        }
        self
    }

    /// `text` with every secret it holds redacted; borrowed when there was none.
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        let steps: [&Step<'_>; 7] = [
            &hide_key_blocks,
            &hide_url_credentials,
            &|t| self.hide_known(t),
            &hide_scanner_findings,
            &hide_secret_assignments,
            &hide_auth_schemes,
            &hide_base64_runs,
        ];
        for step in steps {
            if let Some(changed) = step(&out) {
                out = Cow::Owned(changed);
            }
        }
        out
    }

    /// [`Redactor::redact`] in place.
    pub fn redact_string(&self, text: &mut String) {
        if let Cow::Owned(changed) = self.redact(text) {
            *text = changed;
        }
    }

    fn hide_known(&self, text: &str) -> Option<String> {
        let mut out: Option<String> = None;
        for v in &self.known {
            let cur = out.as_deref().unwrap_or(text);
            if cur.contains(v.as_str()) {
                out = Some(cur.replace(v.as_str(), &redact_secret(v)));
            }
        }
        out
    }
}

/// [`Redactor::redact`] with no known values.
pub fn redact_text(text: &str) -> Cow<'_, str> {
    Redactor::new().redact(text)
}

/// Replaces byte ranges of `text` (sorted by start; overlapping ones are skipped) with what
/// `shown` makes of them.
fn replace_spans(
    text: &str,
    spans: impl IntoIterator<Item = (usize, usize)>,
    shown: impl Fn(&str) -> String,
) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (mut start, mut end) in spans {
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        while end < text.len() && !text.is_char_boundary(end) {
            end += 1;
        }
        if start < at || end <= start {
            continue;
        }
        out.push_str(&text[at..start]);
        out.push_str(&shown(&text[start..end]));
        at = end;
    }
    if at == 0 {
        return None;
    }
    out.push_str(&text[at..]);
    Some(out)
}

static KEY_EDGE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"-----(BEGIN|END)[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----")
        .expect("valid regex")
});

/// A line of a key's body: base64, or one of PEM's `Name: value` headers.
fn is_key_body_line(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty()
        && (t
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
            || t.starts_with("Proc-Type:")
            || t.starts_with("DEK-Info:")
            || t.starts_with("Comment:"))
}

/// Private key bodies next to a `BEGIN`/`END … PRIVATE KEY` line, even when the other edge
/// is missing (a tail of output that starts inside the key).
fn hide_key_blocks(text: &str) -> Option<String> {
    if !text.contains("PRIVATE KEY") {
        return None;
    }
    let mut lines = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        lines.push((at, at + content.len(), content));
        at += line.len();
    }
    fn edge(line: &str) -> Option<&str> {
        KEY_EDGE.captures(line)?.get(1).map(|m| m.as_str())
    }
    let mut body = vec![false; lines.len()];
    for (i, (_, _, content)) in lines.iter().enumerate() {
        match edge(content) {
            Some("BEGIN") => {
                for j in i + 1..lines.len() {
                    if !is_key_body_line(lines[j].2) {
                        break;
                    }
                    body[j] = true;
                }
            }
            Some("END") => {
                for j in (0..i).rev() {
                    if !is_key_body_line(lines[j].2) {
                        break;
                    }
                    body[j] = true;
                }
            }
            _ => {}
        }
    }
    // Runs of body lines, each hidden as one value.
    let mut spans = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !body[i] {
            i += 1;
            continue;
        }
        let start = lines[i].0;
        while i + 1 < lines.len() && body[i + 1] {
            i += 1;
        }
        spans.push((start, lines[i].1));
        i += 1;
    }
    replace_spans(text, spans, redact_secret)
}

/// What the secret scanner's built-in rules find.
fn hide_scanner_findings(text: &str) -> Option<String> {
    let mut found = scanner().scan_bytes("evidence", text.as_bytes()).findings;
    // What an earlier step redacted is not found again (`app:…@db` is no password).
    found.retain(|f| f.end > f.start && !f.secret.contains('…'));
    found.sort_by_key(|f| (f.start, std::cmp::Reverse(f.end)));
    replace_spans(text, found.iter().map(|f| (f.start, f.end)), redact_secret)
}

static URL_IN_TEXT: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r#"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s<>"'`]+"#).expect("valid regex")
});

/// URLs' credentials and secret query parameters.
fn hide_url_credentials(text: &str) -> Option<String> {
    if !text.contains("://") {
        return None;
    }
    let mut changed = false;
    let out = URL_IN_TEXT.replace_all(text, |c: &regex::Captures<'_>| {
        let shown = redact_url(&c[0]);
        changed |= shown != c[0];
        shown
    });
    changed.then(|| out.into_owned())
}

static ASSIGNMENT: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r#"(?i)([A-Za-z_][A-Za-z0-9_.-]{0,63})["']?[ \t]*(=|:)[ \t]*(["']?)(?:(?:bearer|basic|token|digest)[ \t]+)?([^\s"',;&<>()\[\]{}=][^\s"',;&<>()\[\]{}]*)"#,
    )
    .expect("valid regex")
});

/// Values assigned to secret names (`password=…`, `"api_key": "…"`, `X-Api-Key: …`).
/// After `:` in prose (`token: expired`) a bare word is kept: only a quoted value, one that
/// looks like a credential, or a cookie's or an `Authorization` header's is hidden.
fn hide_secret_assignments(text: &str) -> Option<String> {
    let mut spans = Vec::new();
    for c in ASSIGNMENT.captures_iter(text) {
        let name = &c[1];
        if !(is_secret_name(name) || is_secret_header(name)) {
            continue;
        }
        let value = c.get(4).expect("group 4");
        let v = value.as_str();
        let quoted = !c[3].is_empty();
        let reference = is_variable_reference(v);
        let word = [
            "true", "false", "null", "none", "nil", "yes", "no", "on", "off",
        ]
        .contains(&v.to_ascii_lowercase().as_str());
        if v.contains('…') || reference || word || v.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        // A cookie or an authorization header holds a credential whatever it looks like.
        let credential_header = matches!(
            name.to_ascii_lowercase().as_str(),
            "cookie" | "set-cookie" | "authorization" | "proxy-authorization"
        );
        if &c[2] == ":" && !quoted && !credential_header && !looks_like_credential(v) {
            continue;
        }
        spans.push((value.start(), value.end()));
    }
    replace_spans(text, spans, redact_secret)
}

/// Letters and digits, three classes of characters (lower, upper, digits, symbols), or long:
/// not a word of prose (`expired`, `expected-cookie`).
fn looks_like_credential(v: &str) -> bool {
    let b = v.as_bytes();
    let lower = b.iter().any(u8::is_ascii_lowercase);
    let upper = b.iter().any(u8::is_ascii_uppercase);
    let digit = b.iter().any(u8::is_ascii_digit);
    let symbol = b.iter().any(|c| !c.is_ascii_alphanumeric());
    let classes = [lower, upper, digit, symbol].iter().filter(|x| **x).count();
    ((lower || upper) && digit) || classes >= 3 || v.chars().count() >= 24
}

static AUTH_SCHEME: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)\b(?:bearer|basic)[ \t]+([A-Za-z0-9._~+/=-]{8,})").expect("valid regex")
});

/// `Bearer …` and `Basic …` credentials wherever they are written.
fn hide_auth_schemes(text: &str) -> Option<String> {
    let spans = AUTH_SCHEME
        .captures_iter(text)
        .filter_map(|c| c.get(1))
        .filter(|m| {
            let v = m.as_str();
            looks_like_credential(v) && !v.bytes().all(|b| b.is_ascii_lowercase())
        })
        .map(|m| (m.start(), m.end()))
        .collect::<Vec<_>>();
    replace_spans(text, spans, redact_secret)
}

static BASE64_RUN: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"[A-Za-z0-9+/]{40,}={0,2}").expect("valid regex"));

/// Long base64 runs that look random (key material whose surrounding lines were cut off).
/// Hex (commit ids, checksums) is kept, and so are runs glued to a word (`sha512-…` integrity
/// hashes, identifiers).
fn hide_base64_runs(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let glued = |i: usize| {
        bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    };
    let spans = BASE64_RUN
        .find_iter(text)
        .filter(|m| {
            let run = m.as_str().as_bytes();
            (m.start() == 0 || !glued(m.start() - 1))
                && !glued(m.end())
                && run.iter().any(u8::is_ascii_uppercase)
                && run.iter().any(u8::is_ascii_lowercase)
                && run.iter().any(u8::is_ascii_digit)
                && shannon_entropy(run) >= 4.5
        })
        .map(|m| (m.start(), m.end()))
        .collect::<Vec<_>>();
    replace_spans(text, spans, redact_secret)
}

/// Shannon entropy in bits per byte.
pub fn shannon_entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in s {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            redact_url("postgres://app:hunter2@db:5432/x"),
            "postgres://app:…@db:5432/x"
        );
        assert_eq!(redact_url("redis://:pw@h"), "redis://:…@h");
        assert_eq!(redact_url("redis://tok@h"), "redis://…@h");
        assert_eq!(
            redact_url("https://example.com/a@b"),
            "https://example.com/a@b"
        );
        let u = UrlUserinfo::parse("postgres://a:b:c@h/x").unwrap();
        assert_eq!((u.user, u.password, u.rest), ("a", Some("b:c"), "@h/x"));
        assert_eq!(UrlUserinfo::parse("http://h/x@y"), None);
    }

    #[test]
    fn never_reveals_more_than_a_prefix() {
        assert_eq!(redact_secret("AKIAIOSFODNN7EXAMPLE"), "AKIA…(20 chars)");
        assert_eq!(redact_secret("changethis"), "ch…(10 chars)");
        assert_eq!(redact_secret("admin"), "…(5 chars)");
        assert_eq!(redact_secret(""), "…(0 chars)");
    }

    #[test]
    fn secret_names() {
        for n in [
            "JWT_SECRET",
            "aws_secret_access_key",
            "DB_PASSWORD",
            "api_token",
            // The redactor once missed these two.
            "private_key",
            "passphrase",
            "SSH_PRIVATE_KEY",
            "GPG_PASSPHRASE",
            "basic_auth",
            "authorization",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "ACCESS_TOKEN_EXPIRE_MINUTES",
            "AWS_ACCESS_KEY_ID",
            "JWT_SECRET_FILE",
            "url",
            "database",
            "author",
            "AUTH_MODE_ENABLED",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    // Fake values in the providers' formats, assembled at run time so this file does not look
    // like a leak to scanners.
    fn stripe() -> String {
        format!("sk_{}_{}", "live", "4eC39HqLyjWDarjtT1zdp7dcTYoo9Wq2")
    }
    fn github() -> String {
        format!("gh{}_{}", "p", "Zr8kW2mQ9vT4xL7nB3cY6pD1sF5gH0jK2aE8")
    }
    fn jwt() -> String {
        format!(
            "{}.{}.{}",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
            "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkphbmUgUm9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",
            "Qm9rZW5TaWduYXR1cmVWYWx1ZTEyMzQ1Njc4OTBhYmNk"
        )
    }
    /// A private key block's body: `lines` random-looking base64 lines.
    fn key_body(lines: usize) -> Vec<String> {
        let mut rng = crate::rules::XorShift::new(lines as u64);
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        (0..lines)
            .map(|_| {
                (0..64)
                    .map(|_| alphabet[rng.below(alphabet.len())] as char)
                    .collect()
            })
            .collect()
    }

    fn hidden(text: &str, secret: &str) {
        let out = redact_text(text);
        let middle = &secret[secret.len() / 3..secret.len() * 2 / 3];
        assert!(!out.contains(middle), "{secret} shown in: {out}");
        assert!(out.contains('…'), "{out}");
    }

    #[test]
    fn scanner_rules_find_provider_tokens_and_jwts() {
        hidden(&format!("payment failed for key {}", stripe()), &stripe());
        hidden(&format!("clone with {} failed", github()), &github());
        let aws_id = format!("AKIA{}", "QZ7T4M2LX9RB5WNC");
        let aws_secret = format!("{}/{}", "wJalrXUtnFEMIK7MDENGb", "PxRfiCYq8Zt3vXk29fL");
        hidden(&format!("aws_access_key_id = {aws_id}"), &aws_id);
        hidden(
            &format!("aws_secret_access_key = {aws_secret}"),
            &aws_secret,
        );
        let j = jwt();
        hidden(&format!("`$.token`: found \"{j}\""), &j);
        // The signature goes too, not only the header.
        let out = redact_text(&j).into_owned();
        assert!(!out.contains("Qm9rZW5TaWduYXR1cmVWYWx1ZTEy"), "{out}");
    }

    #[test]
    fn key_blocks_whole_and_cut() {
        let body = key_body(24);
        let whole = format!(
            "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n",
            body.join("\n")
        );
        let out = redact_text(&whole);
        assert!(body.iter().all(|l| !out.contains(&l[10..50])), "{out}");
        // A tail of output that starts inside the key: no BEGIN line.
        let cut = format!(
            "{}\n-----END RSA PRIVATE KEY-----\nexit 1",
            body[6..].join("\n")
        );
        let out = redact_text(&cut);
        assert!(body.iter().all(|l| !out.contains(&l[10..50])), "{out}");
        assert!(
            out.ends_with("\n-----END RSA PRIVATE KEY-----\nexit 1"),
            "{out}"
        );
        assert_eq!(out.lines().count(), 3, "one redaction for the body: {out}");
        // No END line either: the base64 lines alone.
        let neither = format!("  {}\n  {}\n", body[3], body[4]);
        let out = redact_text(&neither);
        assert!(
            !out.contains(&body[3][10..50]) && !out.contains(&body[4][10..50]),
            "{out}"
        );
        // A head of output that stops inside the key: no END line.
        let head = format!(
            "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n{}",
            body[0],
            &body[1][..30]
        );
        let out = redact_text(&head);
        assert!(
            !out.contains(&body[0][10..50]) && !out.contains(&body[1][5..25]),
            "{out}"
        );
    }

    #[test]
    fn urls_assignments_and_auth_schemes() {
        let out = redact_text(
            "GET https://api.acme.dev/v1/items?page=2&access_token=tok3nValue99x&sort=asc",
        );
        assert_eq!(
            out,
            "GET https://api.acme.dev/v1/items?page=2&access_token=to…(13 chars)&sort=asc"
        );
        assert_eq!(
            redact_text("connect to postgres://app:Xk29fLq8Zt3v@127.0.0.1:1/app: refused"),
            "connect to postgres://app:…@127.0.0.1:1/app: refused"
        );
        for (text, secret) in [
            ("DB_PASSWORD=hunter22", "hunter22"),
            ("JWT_SECRET=changethis", "changethis"),
            ("{\"api_key\": \"q8Zt3vXk29fL\"}", "q8Zt3vXk29fL"),
            (
                "Authorization: Bearer q8Zt3vXk29fLq8Zt3v",
                "q8Zt3vXk29fLq8Zt3v",
            ),
            ("x-api-key: Q8zt3vxk29fl", "Q8zt3vxk29fl"),
            (
                "set-cookie: session=q8Zt3vXk29fL; Path=/; HttpOnly",
                "q8Zt3vXk29fL",
            ),
            ("Cookie: sid=plainlowercase", "plainlowercase"),
            (
                "sent basic dXNlcjpxOFp0M3ZYazI5Zkw=",
                "dXNlcjpxOFp0M3ZYazI5Zkw=",
            ),
        ] {
            let out = redact_text(text);
            assert!(!out.contains(secret), "{text} → {out}");
        }
        assert_eq!(redact_header("X-Api-Key", "abc"), "…(3 chars)");
        assert_eq!(redact_header("Content-Type", "text/html"), "text/html");
        assert!(is_secret_header("Set-Cookie") && is_secret_header("proxy-authorization"));
        assert!(!is_secret_header("content-security-policy"));
    }

    #[test]
    fn known_values_of_the_environment() {
        let env = [
            ("DEPLOY_TOKEN", "plainlowercasevalue"),
            ("STRIPE_KEY", "another-known-value"),
            ("HOME", "/root/home-dir-not-secret"),
            ("API_TOKEN", "short"),
            ("GREETING", "hello world, friends"),
            ("DB_PASSWORD", "postgres"),
        ];
        let r = Redactor::for_env(env);
        assert_eq!(format!("{r:?}"), "Redactor { 2 known values }");
        let out = r.redact(
            "plainlowercasevalue another-known-value hello world, friends short /root/home-dir-not-secret postgres://db",
        );
        assert_eq!(
            out,
            "plai…(19 chars) anot…(19 chars) hello world, friends short /root/home-dir-not-secret postgres://db"
        );
    }

    #[test]
    fn ordinary_evidence_is_kept() {
        for text in [
            "GET http://127.0.0.1:8080/health: 200 OK in 12 ms",
            "https://example.com/a@b",
            "HEAD is 3f786850e387550fdab836ed7e6dc881de23001b, merged into main",
            "package-lock.json: integrity sha512-9kZ3vR8mQ2xL7nB3cY6pD1sF5gH0jK2aE8Zr8kW2mQ9vT4xL7nB3cY6pD1sF5gH0jK2aE8Zr8kW2mQ9vT4xL7nB3cQ==",
            "checksum e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "crates/gonogo-checks/src/http/mod.rs:12: TOKEN_TTL: 3600",
            "JWT_SECRET is too short (ch…(10 chars), at least 32)",
            "token: expired",
            "password: required",
            "max_tokens=100 and secret=$JWT_SECRET",
            "Bearer authentication is enabled",
            "`$.token == none`: found \"ok\"",
            "x-api-key: expected-key",
            "`mypy .` succeeded in 1.2 s (in backend)",
        ] {
            assert_eq!(redact_text(text), text);
        }
    }

    #[test]
    fn redaction_is_stable() {
        // Redacting what was redacted changes nothing.
        let text = format!(
            "token={} url=https://u:p4ssw0rd@h/x?key=abcdefgh {}",
            github(),
            jwt()
        );
        let once = redact_text(&text).into_owned();
        assert_eq!(redact_text(&once), once);
    }

    #[test]
    fn entropy() {
        assert_eq!(shannon_entropy(b""), 0.0);
        assert_eq!(shannon_entropy(b"aaaa"), 0.0);
        assert!((shannon_entropy(b"ab") - 1.0).abs() < 1e-9);
        assert!(shannon_entropy(b"aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6") > 4.5);
    }
}
