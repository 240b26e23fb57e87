//! Secrets never leave gonogo in full. The one of each primitive every part of gonogo uses to
//! tell and hide a secret: which names hold secrets ([`is_secret_name`]), how a secret is
//! shown ([`redact_secret`]), where a URL keeps its credentials ([`UrlUserinfo`],
//! [`redact_url`]), and how random a string is ([`shannon_entropy`]).

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

/// A URL with the password of its userinfo replaced: `postgres://app:…@db/x`.
pub fn redact_url(value: &str) -> String {
    let Some(u) = UrlUserinfo::parse(value) else {
        return value.to_string();
    };
    let hidden = if u.password.is_some() {
        format!("{}:…", u.user)
    } else {
        "…".to_string()
    };
    format!("{}://{}{}", u.scheme, hidden, u.rest)
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

    #[test]
    fn entropy() {
        assert_eq!(shannon_entropy(b""), 0.0);
        assert_eq!(shannon_entropy(b"aaaa"), 0.0);
        assert!((shannon_entropy(b"ab") - 1.0).abs() < 1e-9);
        assert!(shannon_entropy(b"aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6") > 4.5);
    }
}
