//! `gonogo.toml`: shared targets, explicit bindings, policy and run settings.
//!
//! Parsing is pure (a string in, a config or located diagnostics out). Every problem found is
//! reported with its line, not just the first one the TOML parser meets, where possible.

use crate::params::Params;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

pub use gonogo_parsers::{Diagnostic, Severity};

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub targets: BTreeMap<String, String>,
    /// Where each target is set (line, column of its key), for diagnostics about it: which
    /// target names exist is known only once items are bound (`target=` on an item may name
    /// one of the config's own).
    pub target_keys: BTreeMap<String, (usize, usize)>,
    pub binds: Vec<BindRule>,
    pub policy: Policy,
    /// Recognise common phrasings automatically (default on).
    pub auto_bind: bool,
    /// How many checks run at once.
    pub concurrency: usize,
    /// Default timeout per check, in seconds.
    pub timeout_secs: f64,
    /// `[run] live = false`: the run leaves live checks out on purpose (a partial run, which
    /// the verdict says), as `--only static` does.
    pub live: bool,
    /// `[store] url`: where runs and sign-offs are kept (`postgres://…`, `sqlite:PATH`);
    /// none means the default SQLite file beside the checklist.
    pub store_url: Option<String>,
}

impl Config {
    pub fn with_defaults() -> Self {
        Config {
            auto_bind: true,
            live: true,
            concurrency: 8,
            timeout_secs: 120.0,
            ..Config::default()
        }
    }
}

/// A `[[bind]]` table: which items it matches and what it binds them to.
#[derive(Debug, Clone)]
pub struct BindRule {
    pub matcher: ItemMatcher,
    /// A check id, or `manual` to keep matching items manual.
    pub check: String,
    pub params: Params,
    pub reason: Option<String>,
    /// Line of the `[[bind]]` table in the config file.
    pub line: usize,
}

#[derive(Debug, Clone)]
pub enum ItemMatcher {
    Id(String),
    /// Case-insensitive substring of the item's text.
    Text(String),
    Pattern(regex::Regex),
}

impl ItemMatcher {
    pub fn matches(&self, id: &str, text: &str) -> bool {
        match self {
            ItemMatcher::Id(want) => want == id,
            ItemMatcher::Text(t) => text.to_lowercase().contains(&t.to_lowercase()),
            ItemMatcher::Pattern(re) => re.is_match(text),
        }
    }
}

/// Which items block Go.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Manual items without attestation block (default true).
    pub manual_blocks: bool,
    /// `warn` blocks (default false).
    pub warn_blocks: bool,
    /// Items matching these never block.
    pub advisory: Vec<Selector>,
    /// Items matching these always block (wins over `advisory`).
    pub blocking: Vec<Selector>,
    /// Sign-off roles that must hold a valid approval for Go ("Security Team").
    pub required_roles: Vec<String>,
    /// Items matching these cannot be waived.
    pub no_waivers: Vec<Selector>,
    /// At most this many waived items for Go.
    pub max_waivers: Option<usize>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            manual_blocks: true,
            warn_blocks: false,
            advisory: Vec::new(),
            blocking: Vec::new(),
            required_roles: Vec::new(),
            no_waivers: Vec::new(),
            max_waivers: None,
        }
    }
}

/// `section:TITLE`, `check:ID` (or `check:family.*`), `item:ID`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    Section(String),
    Check(String),
    Item(String),
}

impl Selector {
    pub fn parse(s: &str) -> Result<Self, String> {
        let (kind, value) = s.split_once(':').ok_or_else(|| {
            format!("selector `{s}` must be `section:TITLE`, `check:ID` or `item:ID`")
        })?;
        let value = value.trim().to_string();
        if value.is_empty() {
            return Err(format!("selector `{s}` has an empty value"));
        }
        match kind.trim() {
            "section" => Ok(Selector::Section(value.to_lowercase())),
            "check" => Ok(Selector::Check(value)),
            "item" => Ok(Selector::Item(value)),
            other => Err(format!(
                "unknown selector kind `{other}` (use section, check or item)"
            )),
        }
    }

    /// `section` titles are matched case-insensitively as a substring of any enclosing section.
    pub fn matches(&self, id: &str, section: &[String], check: Option<&str>) -> bool {
        match self {
            Selector::Section(want) => section
                .iter()
                .any(|s| s.to_lowercase().contains(want.as_str())),
            Selector::Check(want) => check.is_some_and(|c| match want.strip_suffix(".*") {
                Some(family) => c.split('.').next() == Some(family),
                None => c == want,
            }),
            Selector::Item(want) => want == id,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    targets: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    bind: Vec<Spanned<RawBind>>,
    #[serde(default)]
    policy: Option<RawPolicy>,
    #[serde(default)]
    run: Option<RawRun>,
    #[serde(default)]
    store: Option<RawStore>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStore {
    url: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBind {
    item: Option<String>,
    text: Option<String>,
    pattern: Option<Spanned<String>>,
    check: Spanned<String>,
    #[serde(default)]
    params: BTreeMap<String, toml::Value>,
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    manual_blocks: Option<bool>,
    warn_blocks: Option<bool>,
    #[serde(default)]
    advisory: Vec<Spanned<String>>,
    #[serde(default)]
    blocking: Vec<Spanned<String>>,
    #[serde(default)]
    required_roles: Vec<Spanned<String>>,
    #[serde(default)]
    no_waivers: Vec<Spanned<String>>,
    max_waivers: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRun {
    auto_bind: Option<bool>,
    live: Option<bool>,
    concurrency: Option<Spanned<i64>>,
    timeout: Option<Spanned<String>>,
}

/// Parse `gonogo.toml`. `file` names it in diagnostics; `known_check` says whether a check id
/// exists; `expand` expands `$VAR` in values (see [`crate::bind::expand_vars`]).
pub fn parse(
    src: &str,
    file: &str,
    known_check: &dyn Fn(&str) -> bool,
) -> Result<Config, Vec<Diagnostic>> {
    let index = gonogo_parsers::LineIndex::new(src);
    let diag = |span: std::ops::Range<usize>, code: &'static str, message: String| {
        let (line, column) = index.line_col(src, span.start);
        Diagnostic {
            severity: Severity::Error,
            code,
            file: file.to_string(),
            line,
            column,
            message,
        }
    };
    // Unknown keys first: every one of them, each with a did-you-mean (serde would stop at the
    // first, without one).
    let doc = toml::de::DeTable::parse(src).ok();
    if let Some(doc) = &doc {
        let unknown = unknown_keys(doc.get_ref(), &diag);
        if !unknown.is_empty() {
            return Err(unknown);
        }
    }
    let raw: RawConfig = match toml::from_str(src) {
        Ok(r) => r,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            return Err(vec![diag(
                span,
                "config-syntax",
                e.message().trim().to_string(),
            )]);
        }
    };
    let mut diags = Vec::new();
    let mut config = Config::with_defaults();
    let target_keys = doc
        .as_ref()
        .and_then(|d| d.get_ref().get("targets"))
        .and_then(|t| t.get_ref().as_table());
    for (name, value) in raw.targets {
        let at = target_keys
            .and_then(|t| t.keys().find(|k| k.get_ref().as_ref() == name.as_str()))
            .map_or(value.span().start, |k| k.span().start);
        config
            .target_keys
            .insert(name.clone(), index.line_col(src, at));
        config.targets.insert(name, value.into_inner());
    }
    for bind in raw.bind {
        let span = bind.span();
        let line = index.line_col(src, span.start).0;
        let b = bind.into_inner();
        let matchers = [b.item.is_some(), b.text.is_some(), b.pattern.is_some()];
        if matchers.iter().filter(|m| **m).count() != 1 {
            diags.push(diag(
                span.clone(),
                "config-bind-matcher",
                "a [[bind]] table needs exactly one of `item`, `text` or `pattern`".into(),
            ));
            continue;
        }
        let matcher = if let Some(id) = b.item {
            ItemMatcher::Id(id)
        } else if let Some(t) = b.text {
            ItemMatcher::Text(t)
        } else {
            let p = b.pattern.expect("one matcher");
            match regex::RegexBuilder::new(p.get_ref())
                .case_insensitive(true)
                .size_limit(1 << 20)
                .build()
            {
                Ok(re) => ItemMatcher::Pattern(re),
                Err(e) => {
                    diags.push(diag(
                        p.span(),
                        "config-bad-pattern",
                        format!("invalid pattern: {e}"),
                    ));
                    continue;
                }
            }
        };
        let check = b.check.get_ref().clone();
        if check != "manual" && !known_check(&check) {
            diags.push(diag(
                b.check.span(),
                "unknown-check",
                format!("unknown check `{check}` (see `gonogo checks`)"),
            ));
            continue;
        }
        let mut params = Params::new();
        for (k, v) in b.params {
            let v = match v {
                toml::Value::String(s) => s,
                toml::Value::Array(items) => items
                    .into_iter()
                    .map(|i| match i {
                        toml::Value::String(s) => s,
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(","),
                other => other.to_string(),
            };
            params.insert(&k, v);
        }
        config.binds.push(BindRule {
            matcher,
            check,
            params,
            reason: b.reason,
            line,
        });
    }
    if let Some(p) = raw.policy {
        config.policy.manual_blocks = p.manual_blocks.unwrap_or(true);
        config.policy.warn_blocks = p.warn_blocks.unwrap_or(false);
        for role in p.required_roles {
            let name = role.get_ref().trim();
            if name.is_empty() {
                diags.push(diag(
                    role.span(),
                    "config-bad-value",
                    "a required role cannot be empty".into(),
                ));
            } else {
                config.policy.required_roles.push(name.to_string());
            }
        }
        if let Some(m) = p.max_waivers {
            match usize::try_from(*m.get_ref()) {
                Ok(n) => config.policy.max_waivers = Some(n),
                Err(_) => diags.push(diag(
                    m.span(),
                    "config-bad-value",
                    "max_waivers must be 0 or more".into(),
                )),
            }
        }
        for (list, out) in [
            (p.advisory, &mut config.policy.advisory),
            (p.blocking, &mut config.policy.blocking),
            (p.no_waivers, &mut config.policy.no_waivers),
        ] {
            for s in list {
                match Selector::parse(s.get_ref()) {
                    Ok(sel) => out.push(sel),
                    Err(m) => diags.push(diag(s.span(), "config-bad-selector", m)),
                }
            }
        }
    }
    if let Some(run) = raw.run {
        config.auto_bind = run.auto_bind.unwrap_or(true);
        config.live = run.live.unwrap_or(true);
        if let Some(c) = run.concurrency {
            match usize::try_from(*c.get_ref()) {
                Ok(n) if (1..=256).contains(&n) => config.concurrency = n,
                _ => diags.push(diag(
                    c.span(),
                    "config-bad-value",
                    "concurrency must be 1 to 256".into(),
                )),
            }
        }
        if let Some(t) = run.timeout {
            match crate::params::parse_duration(t.get_ref()) {
                Ok(d) if !d.is_zero() => config.timeout_secs = d.as_secs_f64(),
                Ok(_) => diags.push(diag(
                    t.span(),
                    "config-bad-value",
                    "timeout must be positive".into(),
                )),
                Err(m) => diags.push(diag(t.span(), "config-bad-value", m)),
            }
        }
    }
    if let Some(url) = raw.store.and_then(|s| s.url) {
        let u = url.get_ref().trim();
        let known_scheme = ["postgres://", "postgresql://", "sqlite:"]
            .iter()
            .any(|p| u.starts_with(p))
            || (!u.contains("://") && !u.is_empty());
        if known_scheme {
            config.store_url = Some(u.to_string());
        } else {
            diags.push(diag(
                url.span(),
                "config-bad-store-url",
                "store url must be `postgres://…`, `sqlite:PATH` or a file path".into(),
            ));
        }
    }
    if diags.is_empty() {
        Ok(config)
    } else {
        Err(diags)
    }
}

/// Every key of `src` that no table of `gonogo.toml` has, located, with the key it most likely
/// meant. The known keys are the fields of the `Raw*` structs, read from serde itself (one list);
/// `[targets]` names are checked after binding ([`crate::bind::unknown_targets`]) and
/// `[[bind]] params` by the kind they bind. A document that does not parse is left to serde,
/// whose error says where.
fn unknown_keys(
    top: &toml::de::DeTable<'_>,
    diag: &dyn Fn(std::ops::Range<usize>, &'static str, String) -> Diagnostic,
) -> Vec<Diagnostic> {
    use toml::de::{DeTable, DeValue};
    let mut out = Vec::new();
    let mut check = |table: &DeTable<'_>, known: &[&str], place: &str| {
        for key in table.keys() {
            let name = key.get_ref().as_ref();
            if known.contains(&name) {
                continue;
            }
            let hint = gonogo_parsers::did_you_mean(name, known.iter().copied())
                .map(|k| format!("; did you mean `{k}`?"))
                .unwrap_or_else(|| format!(" (known: {})", known.join(", ")));
            out.push(diag(
                key.span(),
                "config-unknown-key",
                format!("unknown key `{name}` {place}{hint}"),
            ));
        }
    };
    check(top, fields_of::<RawConfig>(), "in gonogo.toml");
    let table = |name: &str| top.get(name).and_then(|v| v.get_ref().as_table());
    for (name, fields) in [
        ("policy", fields_of::<RawPolicy>()),
        ("run", fields_of::<RawRun>()),
        ("store", fields_of::<RawStore>()),
    ] {
        if let Some(t) = table(name) {
            check(t, fields, &format!("in [{name}]"));
        }
    }
    if let Some(DeValue::Array(binds)) = top.get("bind").map(|v| v.get_ref()) {
        for bind in binds {
            if let Some(t) = bind.get_ref().as_table() {
                check(t, fields_of::<RawBind>(), "in [[bind]]");
            }
        }
    }
    // Tables iterate by key; the user reads the file top to bottom.
    out.sort_by_key(|d| (d.line, d.column));
    out
}

/// The field names serde's derive gives struct `T`: it hands them to `deserialize_struct`,
/// which is all this deserializer answers before it stops.
fn fields_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    use serde::de::{self, Visitor};
    struct Fields<'a>(&'a mut &'static [&'static str]);
    impl<'de> de::Deserializer<'de> for Fields<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("fields read"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Fields(&mut fields));
    fields
}

/// Parse a dotenv file for `--env-file` (the one dotenv parser, [`gonogo_parsers::dotenv`]):
/// the variables, later lines winning, and a diagnostic per malformed line.
pub fn parse_env_file(src: &str, file: &str) -> (BTreeMap<String, String>, Vec<Diagnostic>) {
    let parsed = gonogo_parsers::dotenv::parse(src);
    let diags = parsed
        .problems
        .iter()
        .map(|p| Diagnostic::error("env-file-syntax", file, p.line, 1, p.kind.to_string()))
        .collect();
    let vars = parsed
        .entries
        .into_iter()
        .map(|e| (e.key, e.value))
        .collect();
    (vars, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(id: &str) -> bool {
        id == "files.exists"
    }

    #[test]
    fn full_config() {
        let src = r#"
[targets]
api_url = "http://127.0.0.1:8000"

[[bind]]
text = "runbook"
check = "files.exists"
params = { path = "docs/RUNBOOK.md", min_bytes = 10 }

[[bind]]
item = "a/b"
check = "manual"
reason = "judged by legal"

[policy]
advisory = ["section:Documentation", "check:docs.*"]

[run]
concurrency = 4
timeout = "30s"
"#;
        let c = parse(src, "gonogo.toml", &known).unwrap();
        assert_eq!(c.targets["api_url"], "http://127.0.0.1:8000");
        assert_eq!(c.binds.len(), 2);
        assert_eq!(c.binds[0].params.str("min_bytes"), Some("10"));
        assert_eq!(c.binds[0].line, 5);
        assert_eq!(c.concurrency, 4);
        assert_eq!(c.timeout_secs, 30.0);
        assert!(c.policy.advisory[1].matches("x", &[], Some("docs.fresh")));
        assert!(c.policy.advisory[0].matches("x", &["8. Documentation 📚".into()], None));
    }

    #[test]
    fn every_problem_is_located() {
        let src =
            "[[bind]]\ntext = \"x\"\ncheck = \"nope.nope\"\n\n[policy]\nadvisory = [\"bogus\"]\n";
        let errs = parse(src, "g.toml", &known).unwrap_err();
        let shown: Vec<String> = errs.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            shown,
            [
                "error: g.toml:3:9: unknown check `nope.nope` (see `gonogo checks`) [unknown-check]",
                "error: g.toml:6:13: selector `bogus` must be `section:TITLE`, `check:ID` or `item:ID` [config-bad-selector]",
            ]
        );
    }

    #[test]
    fn policy_for_sign_offs_and_the_store() {
        let src = "[policy]\nrequired_roles = [\"Engineering Lead\", \"Security Team\"]\nno_waivers = [\"section:Security\"]\nmax_waivers = 2\n\n[store]\nurl = \"postgres://gonogo@db/gonogo\"\n";
        let c = parse(src, "g.toml", &known).unwrap();
        assert_eq!(
            c.policy.required_roles,
            ["Engineering Lead", "Security Team"]
        );
        assert!(c.policy.no_waivers[0].matches("x", &["🔒 Security".into()], None));
        assert_eq!(c.policy.max_waivers, Some(2));
        assert_eq!(c.store_url.as_deref(), Some("postgres://gonogo@db/gonogo"));

        let src = "[policy]\nrequired_roles = [\" \"]\nno_waivers = [\"Security\"]\nmax_waivers = -1\n[store]\nurl = \"mysql://x\"\n";
        let shown: Vec<String> = parse(src, "g.toml", &known)
            .unwrap_err()
            .iter()
            .map(|d| d.to_string())
            .collect();
        assert_eq!(
            shown,
            [
                "error: g.toml:2:19: a required role cannot be empty [config-bad-value]",
                "error: g.toml:4:15: max_waivers must be 0 or more [config-bad-value]",
                "error: g.toml:3:15: selector `Security` must be `section:TITLE`, `check:ID` or `item:ID` [config-bad-selector]",
                "error: g.toml:6:7: store url must be `postgres://…`, `sqlite:PATH` or a file path [config-bad-store-url]",
            ]
        );
    }

    #[test]
    fn unknown_keys_in_every_table_are_located_with_a_did_you_mean() {
        let src = "\
[run]
timout = \"30s\"
live = false

[policy]
manual_block = false

[[bind]]
text = \"x\"
check = \"files.exists\"
parms = { path = \"a\" }

[store]
uri = \"sqlite:x.db\"

[polcy]
";
        let shown: Vec<String> = parse(src, "g.toml", &known)
            .unwrap_err()
            .iter()
            .map(|d| d.to_string())
            .collect();
        assert_eq!(
            shown,
            [
                "error: g.toml:2:1: unknown key `timout` in [run]; did you mean `timeout`? [config-unknown-key]",
                "error: g.toml:6:1: unknown key `manual_block` in [policy]; did you mean `manual_blocks`? [config-unknown-key]",
                "error: g.toml:11:1: unknown key `parms` in [[bind]]; did you mean `params`? [config-unknown-key]",
                "error: g.toml:14:1: unknown key `uri` in [store]; did you mean `url`? [config-unknown-key]",
                "error: g.toml:16:2: unknown key `polcy` in gonogo.toml; did you mean `policy`? [config-unknown-key]",
            ]
        );
        // Far from every known key: the known keys are listed instead.
        let errs = parse("[run]\nspeed = 3\n", "g.toml", &known).unwrap_err();
        assert_eq!(
            errs[0].message,
            "unknown key `speed` in [run] (known: auto_bind, live, concurrency, timeout)"
        );
    }

    #[test]
    fn targets_are_kept_with_where_they_are_set_and_live_can_be_turned_off() {
        let c = parse(
            "[targets]\napi_url = \"$API_URL\"\n  api_ulr = \"x\"\n[run]\nlive = false\n",
            "g.toml",
            &known,
        )
        .unwrap();
        // Target names are judged once items are bound (`target=` may name one).
        assert_eq!(c.target_keys["api_url"], (2, 1));
        assert_eq!(c.target_keys["api_ulr"], (3, 3));
        assert!(!c.live);
        assert!(Config::with_defaults().live);
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let errs = parse("[targets]\napi_url = \n", "g.toml", &known).unwrap_err();
        assert_eq!(errs[0].line, 2);
        let errs = parse("[run]\nconcurrency = \"x\"\n", "g.toml", &known).unwrap_err();
        assert_eq!(errs[0].code, "config-syntax");
        assert_eq!(errs[0].line, 2);
        let errs = parse("\n[targts]\n", "g.toml", &known).unwrap_err();
        assert_eq!(errs[0].code, "config-unknown-key");
        assert_eq!((errs[0].line, errs[0].column), (2, 2));
        assert!(errs[0].message.ends_with("did you mean `targets`?"));
    }

    #[test]
    fn env_files() {
        let (vars, diags) = parse_env_file(
            "# c\nexport A=1\nB=\"two words\"\nC=x # note\nnot a line\n",
            "e",
        );
        assert_eq!(vars["A"], "1");
        assert_eq!(vars["B"], "two words");
        assert_eq!(vars["C"], "x");
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].line, 5);
    }

    #[test]
    fn env_files_read_dotted_keys_and_multi_line_keys() {
        let (vars, diags) = parse_env_file(
            "SENTRY.DSN=https://k@o1.ingest.sentry.io/2\nTLS_KEY=\"-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----\"\n",
            ".env",
        );
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(vars["SENTRY.DSN"], "https://k@o1.ingest.sentry.io/2");
        assert_eq!(
            vars["TLS_KEY"],
            "-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----"
        );
    }
}
