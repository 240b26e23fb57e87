//! gonogo's own rule format (documented in `docs/secrets-rules.md`) and the built-in rule set.
//!
//! A rule is either a raw `regex` or an *assignment*: `names` (regex fragments matched
//! case-insensitively) followed by an assignment operator and a `value` pattern. Examples are
//! templates (`{{alnum:36}}`) expanded at test time, so the rule file holds no realistic secret.

use super::{Allowlist, Rule, RuleSet, compile_bytes};
use serde::Deserialize;

/// The built-in rules, embedded at build time.
pub const BUILTIN_RULES: &str = include_str!("rules.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rule: Vec<RuleSpec>,
}

/// One rule as written in a rule file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub family: String,
    pub description: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub regex: Option<String>,
    #[serde(default)]
    pub names: Vec<String>,
    pub value: Option<String>,
    pub secret_group: Option<usize>,
    #[serde(default)]
    pub entropy: f64,
    #[serde(default)]
    pub multiline: bool,
    pub path: Option<String>,
    #[serde(default)]
    pub generic: bool,
    #[serde(default)]
    pub allow: Vec<String>,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub negatives: Vec<String>,
}

/// Parse a rule file in gonogo's format.
pub fn parse_rule_file(text: &str) -> Result<Vec<RuleSpec>, String> {
    let file: RuleFile = toml::from_str(text).map_err(|e| e.to_string())?;
    Ok(file.rule)
}

/// The regex an assignment rule stands for. Group 1 is the name, group 2 the value. Generic
/// rules do not take `,` as an assignment (`f(password, other)` is a call, not a secret).
pub fn assignment_regex(names: &[String], value: &str, generic: bool) -> String {
    let ops = if generic {
        r"=|:=|:|=>|->|\?=|\|\|"
    } else {
        r"=|:=|:|=>|->|\?=|\|\||,"
    };
    format!(
        r#"((?i:{names}))[\w.-]{{0,20}}?[\s'"]{{0,3}}(?:{ops})[\s'"`=]{{0,5}}({value})(?:[\s'"`;,)\]}}<>&|]|\\[nrt]|$)"#,
        names = names.join("|"),
    )
}

impl RuleSpec {
    /// The full regex source of this rule.
    pub fn regex_source(&self) -> Result<String, String> {
        match (&self.regex, &self.value) {
            (Some(r), None) if self.names.is_empty() => Ok(r.clone()),
            (None, Some(v)) if !self.names.is_empty() => {
                Ok(assignment_regex(&self.names, v, self.generic))
            }
            _ => Err(format!(
                "rule {}: give either `regex`, or `names` and `value`",
                self.id
            )),
        }
    }

    pub fn compile(&self) -> Result<Rule, String> {
        let source = self.regex_source()?;
        let regex = compile_bytes(&source).map_err(|e| format!("rule {}: {e}", self.id))?;
        let path = match &self.path {
            Some(p) => {
                Some(regex::Regex::new(p).map_err(|e| format!("rule {}: path: {e}", self.id))?)
            }
            None => None,
        };
        let mut allow = Vec::new();
        for a in &self.allow {
            allow.push(compile_bytes(a).map_err(|e| format!("rule {}: allow: {e}", self.id))?);
        }
        let allowlists = if allow.is_empty() {
            Vec::new()
        } else {
            vec![Allowlist {
                regexes: allow,
                ..Allowlist::default()
            }]
        };
        let keywords: Vec<String> = self.keywords.iter().map(|k| k.to_lowercase()).collect();
        Ok(Rule {
            id: self.id.clone(),
            description: self.description.clone(),
            family: self.family.clone(),
            keywords,
            regex: Some(regex),
            secret_group: self
                .secret_group
                .or(if self.value.is_some() { Some(2) } else { None }),
            entropy: self.entropy,
            path,
            whole_file: self.multiline,
            generic: self.generic,
            builtin: true,
            assignment: self.value.is_some(),
            allowlists,
            tags: Vec::new(),
        })
    }
}

/// The built-in rule set.
pub fn builtin_rules() -> RuleSet {
    static CACHE: std::sync::OnceLock<Vec<Rule>> = std::sync::OnceLock::new();
    let rules = CACHE.get_or_init(|| {
        let specs = parse_rule_file(BUILTIN_RULES).expect("built-in rules parse");
        specs
            .iter()
            .map(|s| s.compile().expect("built-in rule compiles"))
            .collect()
    });
    RuleSet {
        rules: rules.clone(),
        allowlists: vec![default_global_allowlist()],
        source: "built-in rules".into(),
    }
}

/// Paths no built-in rule reports from: lockfiles and checksums (integrity hashes, not
/// secrets), and vendored dependency folders.
fn default_global_allowlist() -> Allowlist {
    let paths = [
        r"(?:^|/)(?:package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|Cargo\.lock|go\.sum|poetry\.lock|Pipfile\.lock|composer\.lock|Gemfile\.lock|uv\.lock|bun\.lockb|flake\.lock)$",
        r"(?:^|/)node_modules/",
        r"(?:^|/)\.cargo_vcs_info\.json$",
    ];
    Allowlist {
        description: "built-in: lockfiles and node_modules".into(),
        paths: paths
            .iter()
            .map(|p| regex::Regex::new(p).expect("built-in allowlist path"))
            .collect(),
        builtin_only: true,
        ..Allowlist::default()
    }
}

/// Expands an example template: `{{class:N}}` becomes N pseudo-random characters of the class,
/// drawn from a generator seeded by `seed`. Any other text (including `{{ other }}`) is kept.
pub fn expand_template(template: &str, seed: u64) -> String {
    let mut rng = XorShift::new(seed);
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let parsed = after.find("}}").and_then(|end| {
            let inner = &after[..end];
            let (class, n) = inner.split_once(':')?;
            let n: usize = n.parse().ok()?;
            let alphabet = template_class(class)?;
            Some((alphabet, n, end))
        });
        match parsed {
            Some((alphabet, n, end)) => {
                let bytes = alphabet.as_bytes();
                for _ in 0..n {
                    out.push(bytes[rng.below(bytes.len())] as char);
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn template_class(name: &str) -> Option<&'static str> {
    Some(match name {
        "alnum" => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        "alpha" => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        "hex" => "0123456789abcdef",
        "HEX" => "0123456789ABCDEF",
        "digit" => "0123456789",
        "upper" => "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "lower" => "abcdefghijklmnopqrstuvwxyz",
        "ualnum" => "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        "lalnum" => "abcdefghijklmnopqrstuvwxyz0123456789",
        "b64" => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        "b64url" => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        "b32" => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
        "b32l" => "abcdefghijklmnopqrstuvwxyz234567",
        "bech32" => "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
        _ => return None,
    })
}

/// A small deterministic generator for test values (not for anything security-related).
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> Self {
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Scanner;

    fn seed_of(id: &str, i: usize) -> u64 {
        id.bytes().fold(i as u64 + 7, |h, b| {
            h.wrapping_mul(31).wrapping_add(b as u64)
        })
    }

    #[test]
    fn builtin_rule_file_is_well_formed() {
        let specs = parse_rule_file(BUILTIN_RULES).unwrap();
        assert!(specs.len() >= 150, "only {} rules", specs.len());
        let mut ids = std::collections::HashSet::new();
        for s in &specs {
            assert!(ids.insert(s.id.clone()), "duplicate rule id {}", s.id);
            assert!(
                s.id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}: ids are kebab-case",
                s.id
            );
            assert!(!s.description.is_empty(), "{}: description", s.id);
            assert!(
                !s.keywords.is_empty(),
                "{}: keywords feed the prefilter",
                s.id
            );
            s.compile().unwrap();
            // Examples are mandatory except for rules bound to a file name (tested elsewhere).
            if s.path.is_none() {
                assert!(!s.examples.is_empty(), "{}: needs examples", s.id);
                assert!(!s.negatives.is_empty(), "{}: needs negatives", s.id);
            }
        }
    }

    #[test]
    fn every_rule_finds_its_examples_and_not_its_negatives() {
        let specs = parse_rule_file(BUILTIN_RULES).unwrap();
        let scanner = Scanner::new(builtin_rules());
        let mut failures = Vec::new();
        for s in &specs {
            for (i, ex) in s.examples.iter().enumerate() {
                let text = expand_template(ex, seed_of(&s.id, i));
                let found = scanner.scan_bytes("src/config.env", text.as_bytes());
                if !found
                    .findings
                    .iter()
                    .any(|f| scanner.rule(f.rule).id == s.id)
                {
                    let got: Vec<_> = found
                        .findings
                        .iter()
                        .map(|f| scanner.rule(f.rule).id.as_str())
                        .collect();
                    failures.push(format!("{}: example {i} not found (got {got:?})", s.id));
                }
            }
            for (i, neg) in s.negatives.iter().enumerate() {
                let text = expand_template(neg, seed_of(&s.id, 100 + i));
                let found = scanner.scan_bytes("src/config.env", text.as_bytes());
                if let Some(f) = found
                    .findings
                    .iter()
                    .find(|f| scanner.rule(f.rule).id == s.id)
                {
                    failures.push(format!(
                        "{}: negative {i} matched ({})",
                        s.id,
                        crate::redact::redact_secret(&f.secret)
                    ));
                }
            }
            // A positive with its random parts replaced by a placeholder run must not match.
            for (i, ex) in s.examples.iter().enumerate() {
                let text = ex
                    .split("{{")
                    .enumerate()
                    .map(|(k, part)| {
                        if k == 0 {
                            return part.to_string();
                        }
                        match part.split_once("}}") {
                            Some((inner, tail)) => {
                                let n: usize = inner
                                    .split_once(':')
                                    .and_then(|(_, n)| n.parse().ok())
                                    .unwrap_or(0);
                                format!("{}{tail}", "x".repeat(n))
                            }
                            None => part.to_string(),
                        }
                    })
                    .collect::<String>();
                let found = scanner.scan_bytes("src/config.env", text.as_bytes());
                if found
                    .findings
                    .iter()
                    .any(|f| scanner.rule(f.rule).id == s.id)
                {
                    failures.push(format!("{}: placeholder form of example {i} matched", s.id));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn templates_expand_deterministically() {
        let a = expand_template("k={{hex:8}} {{ secrets.X }}", 1);
        let b = expand_template("k={{hex:8}} {{ secrets.X }}", 1);
        assert_eq!(a, b);
        assert!(a.starts_with("k="));
        assert!(a.ends_with(" {{ secrets.X }}"));
        assert_eq!(a.len(), "k=".len() + 8 + " {{ secrets.X }}".len());
    }
}
