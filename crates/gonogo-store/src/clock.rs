//! Time is injected: every write and every expiry decision takes "now" from a [`Clock`], so
//! tests can let a waiver expire without waiting. The command line offers a fixed clock only in
//! test builds: a release binary always uses the system's.

use time::OffsetDateTime;

pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
    /// Unix seconds.
    fn unix(&self) -> i64 {
        self.now().unix_timestamp()
    }
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock stopped at one instant.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

/// Parse an instant: RFC 3339 (`2026-11-22T10:00:00Z`) or a date (`2026-11-22`, midnight UTC).
pub fn parse_instant(s: &str) -> Result<OffsetDateTime, String> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Ok(t);
    }
    parse_date(s).map(|d| d.midnight().assume_utc())
}

/// `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<time::Date, String> {
    time::Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| format!("`{s}` is not a date (YYYY-MM-DD) or an RFC 3339 time"))
}

/// `2026-11-22` for a Unix time.
pub fn date_of(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| {
            t.date()
                .format(time::macros::format_description!("[year]-[month]-[day]"))
                .unwrap_or_default()
        })
        .unwrap_or_else(|_| unix.to_string())
}

/// `2026-11-22 10:04` (UTC) for a Unix time.
pub fn minute_of(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]"
            ))
            .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

/// The last day a record expiring at `expires_at` still holds: a waiver `--until 2026-12-31`
/// expires at 2027-01-01T00:00Z and holds until 2026-12-31.
pub fn last_day(expires_at: i64) -> String {
    date_of(expires_at - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_and_days() {
        let t = parse_instant("2026-12-31").unwrap();
        assert_eq!(date_of(t.unix_timestamp()), "2026-12-31");
        let end = parse_date("2026-12-31")
            .unwrap()
            .next_day()
            .unwrap()
            .midnight()
            .assume_utc();
        assert_eq!(last_day(end.unix_timestamp()), "2026-12-31");
        assert!(parse_instant("2026-11-22T10:00:00Z").is_ok());
        assert!(parse_instant("tomorrow").is_err());
        assert_eq!(minute_of(0), "1970-01-01 00:00");
    }
}
