//! Check parameters: `key=value` pairs from an annotation, a `[[bind]]` table or auto-binding.
//!
//! Values are strings as the user wrote them (after `$VAR` expansion); each check kind parses
//! the ones it declares in its `prepare` step with the typed getters below, so that a mistake
//! is reported with the parameter's name.

use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Params(pub BTreeMap<String, String>);

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

impl Params {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.0.insert(key.to_string(), value.into());
        self
    }

    pub fn insert(&mut self, key: &str, value: impl Into<String>) {
        self.0.insert(key.to_string(), value.into());
    }

    /// Set `key` only when it is not set already (explicit parameters win over defaults).
    pub fn insert_default(&mut self, key: &str, value: impl Into<String>) {
        self.0
            .entry(key.to_string())
            .or_insert_with(|| value.into());
    }

    pub fn contains(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    pub fn required(&self, key: &str) -> Result<&str, ParamError> {
        self.str(key)
            .ok_or_else(|| ParamError::new(key, "is required"))
    }

    pub fn u64(&self, key: &str) -> Result<Option<u64>, ParamError> {
        self.parse_with(key, |v| {
            v.parse::<u64>()
                .map_err(|_| "expected a whole number".into())
        })
    }

    /// A number, optionally with a trailing `%` (ignored): `80`, `80.5`, `80%`.
    pub fn f64(&self, key: &str) -> Result<Option<f64>, ParamError> {
        self.parse_with(key, |v| {
            let v = v.trim().trim_end_matches('%');
            match v.parse::<f64>() {
                Ok(n) if n.is_finite() => Ok(n),
                _ => Err("expected a number".into()),
            }
        })
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, ParamError> {
        self.parse_with(key, |v| match v.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Ok(true),
            "false" | "no" | "off" | "0" => Ok(false),
            _ => Err("expected true or false".into()),
        })
    }

    /// A duration: `500ms`, `2s`, `1.5s`, `3m`, `1h`, `7d`; a bare number is seconds.
    pub fn duration(&self, key: &str) -> Result<Option<Duration>, ParamError> {
        self.parse_with(key, parse_duration)
    }

    /// A comma-separated list; empty entries dropped.
    pub fn list(&self, key: &str) -> Option<Vec<String>> {
        self.str(key).map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        })
    }

    /// Fails on the first key not in `known`, so typos are caught at `validate` time.
    pub fn reject_unknown(&self, known: &[&str]) -> Result<(), ParamError> {
        for key in self.0.keys() {
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

    fn parse_with<T>(
        &self,
        key: &str,
        f: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ParamError> {
        match self.str(key) {
            None => Ok(None),
            Some(v) => f(v)
                .map(Some)
                .map_err(|m| ParamError::new(key, format!("{m}, got `{v}`"))),
        }
    }
}

/// Parameters every check accepts; handled by the runner, not by the kind.
pub const GLOBAL_PARAMS: &[&str] = &["timeout", "blocking"];

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
