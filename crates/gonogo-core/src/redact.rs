//! Secrets never leave gonogo in full: evidence shows at most a short prefix and the length.

pub use gonogo_secrets::redact::{is_secret_name, redact_secret, redact_url};

/// Parameters as they may be shown or stored: secret-keyed values redacted, passwords in
/// URLs hidden ([`is_secret_name`] says which keys are secret), and the values an `env`
/// parameter assigns (`env="TOKEN=$API_TOKEN,CI"`: variables handed to a command, often
/// expanded from secrets) redacted with their names kept.
pub fn redact_params(params: &crate::Params) -> crate::Params {
    let mut out = crate::Params::new();
    for (k, v) in params.iter() {
        let shown = if is_secret_name(k) {
            redact_secret(v)
        } else if k == "env" {
            v.split(',')
                .map(|entry| match entry.split_once('=') {
                    Some((name, value)) => format!("{name}={}", redact_secret(value)),
                    None => entry.to_string(),
                })
                .collect::<Vec<_>>()
                .join(",")
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
    fn values_assigned_by_env_are_redacted_names_kept() {
        let p = crate::Params::new().with("env", "API_TOKEN=s3cr3t-Vq2LmN9pR4sT6uW8,CI");
        assert_eq!(
            redact_params(&p).str("env"),
            Some("API_TOKEN=s3cr…(23 chars),CI")
        );
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
