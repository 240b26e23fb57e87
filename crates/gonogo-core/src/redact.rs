//! Secrets never leave gonogo in full: evidence shows at most a short prefix and the length.

pub use gonogo_secrets::redact::{is_secret_name, redact_secret, redact_url};

/// Parameters as they may be shown or stored: secret-keyed values redacted, passwords in
/// URLs hidden ([`is_secret_name`] says which keys are secret).
pub fn redact_params(params: &crate::Params) -> crate::Params {
    let mut out = crate::Params::new();
    for (k, v) in params.iter() {
        let shown = if is_secret_name(k) {
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
    fn private_keys_and_passphrases_are_redacted() {
        // The redactor's own list once missed these two.
        let p = crate::Params::new()
            .with("private_key", "-----BEGIN PRIVATE KEY-----abc")
            .with("passphrase", "correct horse battery staple");
        let r = redact_params(&p);
        assert_eq!(r.str("private_key"), Some("----…(30 chars)"));
        assert_eq!(r.str("passphrase"), Some("corr…(28 chars)"));
    }
}
