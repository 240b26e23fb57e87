//! Values an item states, read into parameters: durations, percentiles, percentages, counts,
//! file names, URLs, versions, code spans. One reader of each, shared by every kind.

use std::sync::OnceLock;

use regex::Regex;

use super::text::Text;

/// What a slot reads from the item.
#[derive(Debug, Clone, Copy)]
pub enum Value {
    /// A bound like `< 200ms`, `under 2 s`, `within 5 minutes`: as `200ms`, `2s`, `5m`.
    Duration,
    /// `p95`, `p99.9`, `95th percentile`: as `95`.
    Percentile,
    /// `80%`, `80 percent`: as `80`.
    Percent,
    /// The first plain count not part of a duration, percentage or percentile: `3 replicas`.
    Count,
    /// A file name or repository path: `README.md`, `docs/runbook.md`, `` `schema.sql` ``.
    Path,
    /// An `http(s)://` URL.
    Url,
    /// A release version: `v1.4.0`, `2.0.1`.
    Version,
    /// The first code span of the item as written.
    Code,
    /// The first term of the list found in the item, as its value: `("daily", "25h")`.
    Choice(&'static [(&'static str, &'static str)]),
    /// Every term of the list found in the item, values joined with commas, deduplicated.
    Choices(&'static [(&'static str, &'static str)]),
    /// A kind's own reader, for a value with a shape of its own (a merge order, a PR
    /// reference, a variable name).
    Read(fn(&Text<'_>) -> Option<String>),
}

use super::re;

/// A duration as `gonogo_parsers::parse_duration` reads it.
pub fn duration(s: &str) -> Option<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let c = re(
        &RE,
        r"(?i)(\d+(?:\.\d+)?)\s*(ms|millis(?:econds?)?|msec|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)\b",
    )
    .captures(s)?;
    let unit = match c[2].to_ascii_lowercase().as_str() {
        "ms" | "msec" => "ms",
        u if u.starts_with("milli") => "ms",
        "s" | "sec" | "secs" | "second" | "seconds" => "s",
        "m" | "min" | "mins" | "minute" | "minutes" => "m",
        "h" | "hr" | "hrs" | "hour" | "hours" => "h",
        _ => "d",
    };
    Some(format!("{}{unit}", &c[1]))
}

pub fn percentile(s: &str) -> Option<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let c = re(
        &RE,
        r"(?i)\bp(\d{2}(?:\.\d+)?)\b|\b(\d{2}(?:\.\d+)?)(?:th|st|nd|rd)?[- ]percentile",
    )
    .captures(s)?;
    Some(c.get(1).or_else(|| c.get(2))?.as_str().to_string())
}

pub fn percent(s: &str) -> Option<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let c = re(&RE, r"(?i)(\d+(?:\.\d+)?)\s*(?:%|percent\b)").captures(s)?;
    Some(c[1].to_string())
}

pub fn count(s: &str) -> Option<String> {
    static NUMBER: OnceLock<Regex> = OnceLock::new();
    static UNIT: OnceLock<Regex> = OnceLock::new();
    let unit = re(
        &UNIT,
        r"(?i)^\s*(?:%|(?:percent|ms|millis|msec|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|th|st|nd|rd|x{2})\b)",
    );
    re(&NUMBER, r"\d+(?:\.\d+)*")
        .find_iter(s)
        .find(|m| {
            let glued = s[..m.start()].ends_with(|c: char| c.is_alphanumeric() || c == '.');
            !m.as_str().contains('.') && !glued && !unit.is_match(&s[m.end()..])
        })
        .map(|m| m.as_str().to_string())
}

pub fn path(s: &str) -> Option<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let c = re(
        &RE,
        r"(?:^|[\s(`'\x22\[])((?:\.{0,2}/)?(?:[\w.-]+/)*[\w-]+(?:\.[\w-]+)*\.(?:md|markdown|txt|rst|adoc|ya?ml|json|toml|sql|sh|py|js|ts|cfg|ini|conf|lock|env|example|xml|html|pem|crt))\b",
    )
    .captures(s)?;
    let p = c[1].trim_start_matches("./");
    (!p.starts_with('/') && !p.split('/').any(|c| c == "..")).then(|| p.to_string())
}

pub fn url(s: &str) -> Option<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let m = re(&RE, r"https?://[^\s<>`'\x22)\]]+").find(s)?;
    Some(
        m.as_str()
            .trim_end_matches(['.', ',', ';', ':'])
            .to_string(),
    )
}

pub fn version(s: &str) -> Option<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let m = re(&RE, r"\bv?\d+\.\d+(?:\.\d+)?(?:-[0-9A-Za-z.]+)?\b").find(s)?;
    Some(m.as_str().to_string())
}

/// The first code span of `text`.
pub fn code(text: &Text<'_>) -> Option<String> {
    text.code_spans().next().map(str::to_string)
}

impl Value {
    /// The value `text` states, if it states one.
    pub fn read(&self, text: &Text<'_>) -> Option<String> {
        let s = text.plain.as_str();
        match self {
            Value::Duration => duration(s),
            Value::Percentile => percentile(s),
            Value::Percent => percent(s),
            Value::Count => count(s),
            Value::Path => code(text).and_then(|c| path(&c)).or_else(|| path(s)),
            Value::Url => url(s),
            Value::Version => version(s),
            Value::Code => code(text),
            Value::Choice(list) => list.iter().find_map(|(term, value)| {
                text.find_in_item(&super::text::Term::new(term))
                    .map(|_| value.to_string())
            }),
            Value::Choices(list) => {
                let mut found: Vec<&str> = Vec::new();
                for (term, value) in *list {
                    if text.find_in_item(&super::text::Term::new(term)).is_some()
                        && !found.contains(value)
                    {
                        found.push(value);
                    }
                }
                (!found.is_empty()).then(|| found.join(","))
            }
            Value::Read(f) => f(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_percentiles_percentages() {
        assert_eq!(duration("p95 < 200ms").as_deref(), Some("200ms"));
        assert_eq!(duration("under 2 seconds").as_deref(), Some("2s"));
        assert_eq!(duration("within 5 minutes").as_deref(), Some("5m"));
        assert_eq!(duration("older than 25 hours").as_deref(), Some("25h"));
        assert_eq!(duration("no unit 200"), None);
        assert_eq!(percentile("p99.9 under 1s").as_deref(), Some("99.9"));
        assert_eq!(percentile("95th percentile latency").as_deref(), Some("95"));
        assert_eq!(percent("coverage above 80 %").as_deref(), Some("80"));
        assert_eq!(percent("0.1 percent errors").as_deref(), Some("0.1"));
    }

    #[test]
    fn counts_skip_durations_percentages_and_percentiles() {
        assert_eq!(
            count("p95 under 200ms with 3 replicas").as_deref(),
            Some("3")
        );
        assert_eq!(count("at least 2 replicas").as_deref(), Some("2"));
        assert_eq!(count("80% coverage"), None);
    }

    #[test]
    fn paths_urls_versions_code() {
        assert_eq!(
            path("Runbook in docs/runbook.md").as_deref(),
            Some("docs/runbook.md")
        );
        assert_eq!(path("README.md up to date").as_deref(), Some("README.md"));
        assert_eq!(path("see ../secret.md"), None);
        assert_eq!(path("/etc/passwd.conf"), None);
        assert_eq!(
            url("Status page at https://status.example.com.").as_deref(),
            Some("https://status.example.com")
        );
        assert_eq!(version("Release v1.4.0 tagged").as_deref(), Some("v1.4.0"));
        let item = crate::check::ItemRef::plain("`make test` passes");
        assert_eq!(code(&Text::new(&item)).as_deref(), Some("make test"));
    }
}
