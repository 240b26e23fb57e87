//! Secrets never leave gonogo in full: evidence shows at most a short prefix and the length.

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

/// Parameter keys whose values are secrets.
fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "secret",
        "token",
        "api_key",
        "apikey",
        "credential",
        "auth",
    ]
    .iter()
    .any(|s| k.contains(s))
}

/// A URL with the password of its userinfo replaced: `postgres://app:…@db/x`.
pub fn redact_url(value: &str) -> String {
    let Some(scheme_end) = value.find("://") else {
        return value.to_string();
    };
    let rest = &value[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return value.to_string();
    };
    let userinfo = &authority[..at];
    let user = userinfo.split(':').next().unwrap_or("");
    let hidden = if userinfo.contains(':') {
        format!("{user}:…")
    } else {
        "…".to_string()
    };
    format!("{}://{}{}", &value[..scheme_end], hidden, &rest[at..])
}

/// Parameters as they may be shown or stored: secret-keyed values redacted, passwords in
/// URLs hidden.
pub fn redact_params(params: &crate::Params) -> crate::Params {
    let mut out = crate::Params::new();
    for (k, v) in params.iter() {
        let shown = if is_secret_key(k) {
            redact_secret(v)
        } else {
            redact_url(v)
        };
        out.insert(k, shown);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_and_urls() {
        assert_eq!(
            redact_url("postgres://app:hunter2@db:5432/x"),
            "postgres://app:…@db:5432/x"
        );
        assert_eq!(redact_url("redis://:pw@h"), "redis://:…@h");
        assert_eq!(
            redact_url("https://example.com/a@b"),
            "https://example.com/a@b"
        );
        let p = crate::Params::new()
            .with("api_token", "abcdefghijklmnopqrstu")
            .with("url", "http://u:p@h/");
        let r = redact_params(&p);
        assert_eq!(r.str("api_token"), Some("abcd…(21 chars)"));
        assert_eq!(r.str("url"), Some("http://u:…@h/"));
    }

    #[test]
    fn never_reveals_more_than_a_prefix() {
        assert_eq!(redact_secret("AKIAIOSFODNN7EXAMPLE"), "AKIA…(20 chars)");
        assert_eq!(redact_secret("changethis"), "ch…(10 chars)");
        assert_eq!(redact_secret("admin"), "…(5 chars)");
        assert_eq!(redact_secret(""), "…(0 chars)");
    }
}
