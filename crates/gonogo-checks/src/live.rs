//! What every live check (PostgreSQL, Redis, Prometheus) shares: which target it talks to, and
//! how a connection string may appear in evidence.

// An `Err` here is the finished `Outcome` the check returns (once per run): boxing it buys
// nothing and costs every caller a `*`.
#![allow(clippy::result_large_err)]

use gonogo_core::{CheckContext, Finding, Location, Outcome, ParamError, Params, PreparedCheck};
use gonogo_secrets::redact::{Redactor, UrlUserinfo, redact_url};

/// The address a live check talks to: its own parameter (`dsn=`, `url=`) wins over the shared
/// target from `gonogo.toml`. `Err` is the `error` outcome naming the missing target (or its
/// unset variable): a live check without an address cannot tell, and never passes or skips.
pub fn resolve(own: Option<&str>, ctx: &CheckContext, target: &str) -> Result<String, Outcome> {
    match own.filter(|s| !s.trim().is_empty()) {
        Some(v) => Ok(v.trim().to_string()),
        None => ctx
            .target(target)
            .map(str::to_string)
            .map_err(|missing| missing.outcome()),
    }
}

/// A live check's body: `Err` is an outcome settled before the end (error without a target or
/// when the service cannot be reached or read), so every step can end the check with `?`.
pub type Concluded = Result<Outcome, Outcome>;

/// A prepared live check whose body ends early with `?` (see [`Concluded`]).
#[async_trait::async_trait]
pub trait Check: Send + Sync {
    async fn check(&self, ctx: &CheckContext) -> Concluded;
}

/// Runs a [`Check`] as the runner's [`PreparedCheck`]: an early `Err` is the outcome.
struct Settled<C>(C);

#[async_trait::async_trait]
impl<C: Check> PreparedCheck for Settled<C> {
    async fn run(&self, ctx: &CheckContext) -> Outcome {
        self.0
            .check(ctx)
            .await
            .unwrap_or_else(|settled_early| settled_early)
    }
}

/// A prepared live check, boxed for the runner.
pub fn prepared(check: impl Check + 'static) -> Box<dyn PreparedCheck> {
    Box::new(Settled(check))
}

/// A reading judged by its findings: summarised and observed as `observed`, against `expected`,
/// read at `location`.
pub fn judged(
    observed: String,
    expected: impl Into<String>,
    findings: Vec<Finding>,
    location: Location,
) -> Outcome {
    Outcome::from_findings(observed.clone(), findings)
        .observed(observed)
        .expected(expected)
        .at(location)
}

/// A percentage parameter that bounds a share from above (`max=80`): above 0, at most 100.
pub fn share_bound(params: &Params, key: &str) -> Result<f64, ParamError> {
    let max = params.value::<f64>(key)?;
    if !(0.0..=100.0).contains(&max) || max == 0.0 {
        return Err(ParamError::new(
            key,
            "expected a percentage above 0 and at most 100",
        ));
    }
    Ok(max)
}

/// `used` as a percentage of `limit` (which the caller has checked is above 0).
pub fn share(used: u64, limit: u64) -> f64 {
    used as f64 * 100.0 / limit as f64
}

/// The `code` finding when `share` is at or above the `max` percent allowed: `reading` says
/// what was measured, `fix` what to do.
pub fn share_finding(
    share: f64,
    max: f64,
    code: &'static str,
    reading: &str,
    fix: &str,
) -> Option<Finding> {
    (share >= max).then(|| Finding::fail(code, format!("{reading}, at or above {max}%")).fix(fix))
}

/// The password of `url`'s userinfo, if any, so error texts can be scrubbed of it.
fn url_password(url: &str) -> Option<&str> {
    UrlUserinfo::parse(url)?.password.filter(|p| !p.is_empty())
}

/// A connection string as it may be shown: password in the userinfo and secret query
/// parameters replaced ([`redact_url`]).
pub fn shown(url: &str) -> String {
    redact_url(url)
}

/// An error text from a client library as it may be shown: through the one redactor, which
/// also knows `url`'s password (raw and percent-decoded) wherever the client quoted it.
pub fn scrub(message: &str, url: &str) -> String {
    let mut redactor = Redactor::new();
    if let Some(pw) = url_password(url) {
        redactor = redactor
            .knowing_password(pw)
            .knowing_password(&percent_decode(pw));
    }
    redactor.redact(message).into_owned()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_passwords_from_error_texts() {
        let url = "postgres://app:s%40cret@db:5432/x?sslpassword=zzz";
        let msg = format!("failed to connect to {url}: password s@cret rejected, s%40cret");
        let out = scrub(&msg, url);
        assert!(!out.contains("s@cret") && !out.contains("s%40cret") && !out.contains("zzz"));
        assert_eq!(
            shown("redis://:hunter2@h:6379/0?password=x"),
            "redis://:…@h:6379/0?password=…(1 chars)"
        );
    }

    #[test]
    fn own_parameter_wins_over_target() {
        let mut ctx = CheckContext::new(".".into());
        ctx.targets
            .insert("database_url".into(), "postgres://a@b/c".into());
        assert_eq!(
            resolve(Some("postgres://x@y/z"), &ctx, "database_url").unwrap(),
            "postgres://x@y/z"
        );
        assert_eq!(
            resolve(None, &ctx, "database_url").unwrap(),
            "postgres://a@b/c"
        );
        let missing = resolve(None, &ctx, "redis_url").unwrap_err();
        assert_eq!(missing.status, gonogo_core::Status::Error);
        assert_eq!(
            missing.evidence.summary,
            "no redis_url configured: set it under [targets] in gonogo.toml, or run with --only static"
        );
        ctx.unset_targets
            .insert("redis_url".into(), vec!["REDIS_URL".into()]);
        let unset = resolve(None, &ctx, "redis_url").unwrap_err();
        assert_eq!(unset.status, gonogo_core::Status::Error);
        assert_eq!(
            unset.evidence.summary,
            "redis_url: $REDIS_URL is not set (set it in the environment or pass --env-file)"
        );
        assert_eq!(
            resolve(Some("redis://own"), &ctx, "redis_url").unwrap(),
            "redis://own",
            "the kind's own address needs no target"
        );
    }
}
