//! Secrets never leave gonogo in full: what gonogo shows or keeps goes through the one
//! redactor of `gonogo_secrets::redact` ([`Redactor`]). The runner redacts every outcome as it
//! is made ([`redact_outcome`]), and a finished report is redacted again before it is
//! rendered or stored ([`redact_report`]): a secret that slipped into a reason or a sign-off
//! note is caught there.

pub use gonogo_secrets::redact::{
    Redactor, is_redacted, is_secret_header, is_secret_name, is_variable_reference, redact_header,
    redact_secret, redact_text, redact_url,
};

use crate::decide::Report;
use crate::outcome::{Evidence, Location, Outcome};

/// Parameters as they may be shown or stored. They are the parameters as written (`$VAR`
/// unexpanded: the variable's name is shown, never its value); a secret-keyed value is
/// redacted whole unless it is a variable reference, the values an `env` parameter assigns
/// (`env="TOKEN=$API_TOKEN,CI"`: variables handed to a command) likewise with their names
/// kept, and every other value goes through the redactor (passwords in URLs, secret query
/// parameters, tokens).
pub fn redact_params(params: &crate::Params, redactor: &Redactor) -> crate::Params {
    let mut out = crate::Params::new();
    for (k, v) in params.iter() {
        let shown = if is_secret_name(k) && !is_variable_reference(v) && !is_redacted(v) {
            redact_secret(v)
        } else if k == "env" {
            v.split(',')
                .map(|entry| match entry.split_once('=') {
                    Some((name, value)) if !is_variable_reference(value) => {
                        format!("{name}={}", redact_secret(value))
                    }
                    Some(_) => entry.to_string(),
                    None => entry.to_string(),
                })
                .collect::<Vec<_>>()
                .join(",")
        } else {
            redactor.redact(v).into_owned()
        };
        out.insert(k, shown);
    }
    out
}

fn redact_location(location: &mut Location, redactor: &Redactor) {
    redactor.redact_string(&mut location.path);
}

/// Every text of `evidence` through the redactor.
pub fn redact_evidence(evidence: &mut Evidence, redactor: &Redactor) {
    redactor.redact_string(&mut evidence.summary);
    for text in [&mut evidence.observed, &mut evidence.expected]
        .into_iter()
        .flatten()
    {
        redactor.redact_string(text);
    }
    if let Some(l) = &mut evidence.location {
        redact_location(l, redactor);
    }
    for f in &mut evidence.findings {
        redactor.redact_string(&mut f.message);
        if let Some(fix) = &mut f.fix {
            redactor.redact_string(fix);
        }
        if let Some(l) = &mut f.location {
            redact_location(l, redactor);
        }
    }
}

/// An outcome as it may be shown and kept.
pub fn redact_outcome(mut outcome: Outcome, redactor: &Redactor) -> Outcome {
    redact_evidence(&mut outcome.evidence, redactor);
    outcome
}

/// A finished report as it may be rendered or stored: evidence, parameters, reasons, policy
/// violations and sign-off notes through the redactor. The checklist's own text is kept.
pub fn redact_report(report: &mut Report, redactor: &Redactor) {
    for item in &mut report.items {
        redact_evidence(&mut item.evidence, redactor);
        item.params = redact_params(&item.params, redactor);
        if let Some(note) = &mut item.signoff {
            for text in [&mut note.reason, &mut note.evidence].into_iter().flatten() {
                redactor.redact_string(text);
            }
        }
    }
    for text in report.reasons.iter_mut().chain(&mut report.violations) {
        redactor.redact_string(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Finding;

    #[test]
    fn params_and_urls() {
        let p = crate::Params::new()
            .with("api_token", "abcdefghijklmnopqrstu")
            .with(
                "url",
                "http://u:p@h/?access_token=tok3nValue99x&key=$API_KEY",
            )
            .with("password", "$DB_PASSWORD")
            .with("dsn", "postgres://app:${DB_PASSWORD}@db/app");
        let r = redact_params(&p, &Redactor::new());
        assert_eq!(r.str("api_token"), Some("abcd…(21 chars)"));
        assert_eq!(
            r.str("url"),
            Some("http://u:…@h/?access_token=to…(13 chars)&key=$API_KEY")
        );
        // A variable's name is shown: it is not its value.
        assert_eq!(r.str("password"), Some("$DB_PASSWORD"));
        assert_eq!(r.str("dsn"), Some("postgres://app:${DB_PASSWORD}@db/app"));
    }

    #[test]
    fn values_assigned_by_env_are_redacted_names_kept() {
        let p = crate::Params::new().with("env", "API_TOKEN=s3cr3t-Vq2LmN9pR4sT6uW8,CI");
        assert_eq!(
            redact_params(&p, &Redactor::new()).str("env"),
            Some("API_TOKEN=s3cr…(23 chars),CI")
        );
    }

    #[test]
    fn private_keys_and_passphrases_are_redacted() {
        // The redactor's own list once missed these two.
        let p = crate::Params::new()
            .with("private_key", "-----BEGIN PRIVATE KEY-----abc")
            .with("passphrase", "correct horse battery staple");
        let r = redact_params(&p, &Redactor::new());
        assert_eq!(r.str("private_key"), Some("----…(30 chars)"));
        assert_eq!(r.str("passphrase"), Some("corr…(28 chars)"));
    }

    #[test]
    fn every_text_of_an_outcome() {
        let known = Redactor::new().knowing("plainlowercasevalue");
        let o = Outcome::fail("plainlowercasevalue in the summary")
            .observed("observed plainlowercasevalue")
            .expected("expected plainlowercasevalue")
            .at(Location::file("http://h/?token=plainlowercasevalue"))
            .with_findings(vec![
                Finding::fail("x", "message plainlowercasevalue")
                    .fix("fix plainlowercasevalue")
                    .at(Location::file("plainlowercasevalue")),
            ]);
        let o = redact_outcome(o, &known);
        let all = format!("{o:?}");
        assert!(!all.contains("plainlowercasevalue"), "{all}");
        assert_eq!(all.matches("plai…(19 chars)").count(), 7, "{all}");
    }
}
