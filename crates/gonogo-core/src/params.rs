//! Check parameters: `key=value` pairs from an annotation, a `[[bind]]` table or auto-binding.
//!
//! Values are strings as the user wrote them (after `$VAR` expansion). A kind's `prepare`
//! reads them against its documentation: `params.with_doc(&DOC)` first, then the typed getters
//! below, which return the documented default when a parameter is not given, so a default is
//! written once, in `CheckDoc::params`. Binding rejects parameters a kind does not document
//! ([`crate::check::prepare`]), and reading an undocumented name is a bug the registry tests
//! catch ([`record_reads`]).

use crate::check::{CheckDoc, ParamDoc};
use serde::Serialize;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Debug, Clone, Default, Serialize)]
#[serde(transparent)]
pub struct Params {
    values: BTreeMap<String, String>,
    /// The documentation the getters read defaults from, once [`Params::with_doc`] set it.
    #[serde(skip)]
    doc: Option<&'static [ParamDoc]>,
}

/// Parameters are equal when their values are: the documentation is how they are read.
impl PartialEq for Params {
    fn eq(&self, other: &Self) -> bool {
        self.values == other.values
    }
}
impl Eq for Params {}

/// A parameter that is missing or does not parse. Turned into a diagnostic at the item's line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("parameter `{key}`: {message}")]
pub struct ParamError {
    pub key: String,
    pub message: String,
}

impl ParamError {
    pub fn new(key: &str, message: impl Into<String>) -> Self {
        ParamError {
            key: key.to_string(),
            message: message.into(),
        }
    }
}

/// One parameter read by a kind's `prepare`, as [`record_reads`] saw it.
#[derive(Debug, Clone)]
pub struct ParamRead {
    pub name: String,
    /// Whether a value parses with the getter that read it.
    pub parses: fn(&str) -> Result<(), String>,
}

thread_local! {
    static READS: RefCell<Option<Vec<ParamRead>>> = const { RefCell::new(None) };
}

/// Runs `f` (a kind's `prepare`) and returns the parameters it read, for the registry tests:
/// every name read must be documented, and every documented default must parse with the
/// getter that reads it.
pub fn record_reads<R>(f: impl FnOnce() -> R) -> (R, Vec<ParamRead>) {
    let outer = READS.with(|r| r.borrow_mut().replace(Vec::new()));
    let result = f();
    let reads = READS.with(|r| std::mem::replace(&mut *r.borrow_mut(), outer));
    (result, reads.unwrap_or_default())
}

fn note_read(name: &str, parses: fn(&str) -> Result<(), String>) {
    READS.with(|r| {
        if let Some(reads) = r.borrow_mut().as_mut() {
            reads.push(ParamRead {
                name: name.to_string(),
                parses,
            });
        }
    });
}

impl Params {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.values.insert(key.to_string(), value.into());
        self
    }

    /// These parameters as `doc`'s kind reads them: getters fall back to the documented
    /// defaults.
    pub fn with_doc(&self, doc: &'static CheckDoc) -> Params {
        Params {
            values: self.values.clone(),
            doc: Some(doc.params),
        }
    }

    pub fn insert(&mut self, key: &str, value: impl Into<String>) {
        self.values.insert(key.to_string(), value.into());
    }

    /// Set `key` only when it is not set already (explicit parameters win over defaults).
    pub fn insert_default(&mut self, key: &str, value: impl Into<String>) {
        self.values
            .entry(key.to_string())
            .or_insert_with(|| value.into());
    }

    /// Whether `key` was given (a documented default does not count).
    pub fn contains(&self, key: &str) -> bool {
        self.values.contains_key(key)
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// How many parameters were given.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// The parameters as given, without defaults.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The value given for `key`, else its documented default.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.lookup(key, |_| Ok(()))
    }

    pub fn required(&self, key: &str) -> Result<&str, ParamError> {
        self.str(key)
            .ok_or_else(|| ParamError::new(key, "is required"))
    }

    pub fn u64(&self, key: &str) -> Result<Option<u64>, ParamError> {
        self.parse_with(key, parse_u64, |v| parse_u64(v).map(drop))
    }

    /// A number, optionally with a trailing `%` (ignored): `80`, `80.5`, `80%`.
    pub fn f64(&self, key: &str) -> Result<Option<f64>, ParamError> {
        self.parse_with(key, parse_f64, |v| parse_f64(v).map(drop))
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, ParamError> {
        self.parse_with(key, parse_bool, |v| parse_bool(v).map(drop))
    }

    /// A duration: `500ms`, `2s`, `1.5s`, `3m`, `1h`, `7d`; a bare number is seconds.
    pub fn duration(&self, key: &str) -> Result<Option<Duration>, ParamError> {
        self.parse_with(key, parse_duration, |v| parse_duration(v).map(drop))
    }

    /// A comma-separated list; empty entries dropped.
    pub fn list(&self, key: &str) -> Option<Vec<String>> {
        self.str(key).map(split_list)
    }

    /// A parameter that always has a value: given, or its documented default. Missing with no
    /// default is "is required".
    pub fn value<T: ParamValue>(&self, key: &str) -> Result<T, ParamError> {
        self.parse_with(key, T::parse, |v| T::parse(v).map(drop))?
            .ok_or_else(|| ParamError::new(key, "is required"))
    }

    /// The value given for `key`, else the documented default; records the read.
    fn lookup(&self, key: &str, parses: fn(&str) -> Result<(), String>) -> Option<&str> {
        note_read(key, parses);
        if let Some(v) = self.values.get(key) {
            return Some(v.as_str());
        }
        let doc = self.doc?;
        let documented = doc.iter().find(|p| p.name == key);
        debug_assert!(
            documented.is_some() || GLOBAL_PARAMS.contains(&key),
            "parameter `{key}` is read but not documented"
        );
        documented.and_then(|p| p.default)
    }

    /// Fails on the first key not in `known`, so typos are caught at `validate` time.
    pub fn reject_unknown(&self, known: &[&str]) -> Result<(), ParamError> {
        for key in self.values.keys() {
            if !known.contains(&key.as_str()) && !GLOBAL_PARAMS.contains(&key.as_str()) {
                let hint = if known.is_empty() {
                    "this check takes no parameters".to_string()
                } else {
                    format!("unknown parameter (known: {})", known.join(", "))
                };
                return Err(ParamError::new(key, hint));
            }
        }
        Ok(())
    }

    /// `validates` is `parse` without its value, kept by [`record_reads`] so the registry
    /// tests can parse every documented default with the getter that reads it.
    fn parse_with<T>(
        &self,
        key: &str,
        parse: fn(&str) -> Result<T, String>,
        validates: fn(&str) -> Result<(), String>,
    ) -> Result<Option<T>, ParamError> {
        match self.lookup(key, validates) {
            None => Ok(None),
            Some(v) => parse(v)
                .map(Some)
                .map_err(|m| ParamError::new(key, format!("{m}, got `{v}`"))),
        }
    }
}

/// Parameters every check accepts; handled by the runner, not by the kind.
pub const GLOBAL_PARAMS: &[&str] = &["timeout", "blocking"];

/// A value type a parameter can be read as with [`Params::value`].
pub trait ParamValue: Sized + 'static {
    fn parse(v: &str) -> Result<Self, String>;
}

impl ParamValue for u64 {
    fn parse(v: &str) -> Result<Self, String> {
        parse_u64(v)
    }
}
impl ParamValue for f64 {
    fn parse(v: &str) -> Result<Self, String> {
        parse_f64(v)
    }
}
impl ParamValue for bool {
    fn parse(v: &str) -> Result<Self, String> {
        parse_bool(v)
    }
}
impl ParamValue for Duration {
    fn parse(v: &str) -> Result<Self, String> {
        parse_duration(v)
    }
}
impl ParamValue for String {
    fn parse(v: &str) -> Result<Self, String> {
        Ok(v.to_string())
    }
}
/// A comma-separated list; empty entries dropped.
impl ParamValue for Vec<String> {
    fn parse(v: &str) -> Result<Self, String> {
        Ok(split_list(v))
    }
}

fn split_list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn parse_u64(v: &str) -> Result<u64, String> {
    v.parse::<u64>()
        .map_err(|_| "expected a whole number".into())
}

fn parse_f64(v: &str) -> Result<f64, String> {
    let v = v.trim().trim_end_matches('%');
    match v.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(n),
        _ => Err("expected a number".into()),
    }
}

fn parse_bool(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Ok(true),
        "false" | "no" | "off" | "0" => Ok(false),
        _ => Err("expected true or false".into()),
    }
}

pub use gonogo_parsers::parse_duration;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("3").unwrap(), Duration::from_secs(3));
        assert_eq!(
            parse_duration("7d").unwrap(),
            Duration::from_secs(7 * 86400)
        );
        assert!(parse_duration("2 fortnights").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn documented_defaults_are_read_from_the_doc() {
        static DOC: CheckDoc = CheckDoc {
            live: None,
            targets: &[],
            summary: "",
            description: "",
            params: &[
                ParamDoc::with_default("min", "", "80"),
                ParamDoc::required("path", ""),
                ParamDoc::optional("note", ""),
            ],
            examples: &[],
            claims: &[],
            phrases: &[],
            not_phrases: &[],
            findings: &[],
        };
        let given = Params::new().with("path", "x");
        let p = given.with_doc(&DOC);
        assert_eq!(p.value::<f64>("min").unwrap(), 80.0);
        assert_eq!(p.f64("note").unwrap(), None);
        assert_eq!(
            p.value::<f64>("note").unwrap_err().to_string(),
            "parameter `note`: is required"
        );
        assert_eq!(p.with("min", "90").value::<u64>("min").unwrap(), 90);
        // Defaults are how parameters are read, not what was given.
        assert!(!given.with_doc(&DOC).contains("min"));
        assert_eq!(given.with_doc(&DOC), given);
        let (_, reads) = record_reads(|| given.with_doc(&DOC).value::<u64>("min"));
        assert_eq!(reads.len(), 1);
        assert_eq!(reads[0].name, "min");
        assert!((reads[0].parses)("80").is_ok());
        assert!((reads[0].parses)("eighty").is_err());
    }

    #[test]
    fn typed_getters_name_the_key() {
        let p = Params::new().with("min", "eighty");
        assert_eq!(
            p.f64("min").unwrap_err().to_string(),
            "parameter `min`: expected a number, got `eighty`"
        );
        assert_eq!(
            Params::new().with("min", "80%").f64("min").unwrap(),
            Some(80.0)
        );
        assert!(p.reject_unknown(&["max"]).is_err());
        assert!(p.reject_unknown(&["min"]).is_ok());
    }
}
