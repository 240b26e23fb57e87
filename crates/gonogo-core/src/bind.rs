//! Binding: which check verifies which item.
//!
//! Precedence: an inline annotation, then a `[[bind]]` rule in `gonogo.toml`, then automatic
//! recognition of the item's wording. Whatever stays unbound is manual, with the reason.

use crate::check::{CheckKind, ItemRef, PreparedCheck, Registry};
use crate::config::{Config, Diagnostic, Severity};
use crate::decide::BindingSource;
use crate::params::Params;
use crate::recognise::{Assessment, Engine};
use gonogo_checklist::{Checklist, ItemKind};
use std::collections::BTreeMap;
use std::sync::Arc;

/// How one item is to be evaluated.
pub enum ItemBinding {
    Check(BoundCheck),
    /// A person must attest it; the reason says why no check applies.
    Manual {
        reason: String,
    },
    /// A parent item whose status derives from its children.
    Derived,
}

pub struct BoundCheck {
    pub kind: &'static dyn CheckKind,
    pub source: BindingSource,
    /// Parameters as bound (after `$VAR` expansion): what the check runs with.
    pub params: Params,
    /// Parameters as written (`$VAR` unexpanded): what is shown and stored, so a variable's
    /// value never is.
    pub written: Params,
    /// The prepared check, or why it could not be prepared (an auto-binding whose parameters
    /// do not prepare, or a `$VAR` that is not set: reported as `error` at run time).
    /// Shared so the runner can hand it to the thread that runs it.
    pub prepared: Result<Arc<dyn PreparedCheck>, String>,
}

pub struct BindingPlan {
    /// One entry per checklist item, same order.
    pub items: Vec<ItemBinding>,
    /// Problems in the checklist's annotations or the config's rules. Errors stop `check`.
    pub diagnostics: Vec<Diagnostic>,
    /// One entry per item: what the recognition engine read, for every item neither an
    /// annotation nor a `[[bind]]` rule binds (`None` for those and for sign-off slots).
    pub assessments: Vec<Option<Assessment>>,
}

impl BindingPlan {
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// Expand `$VAR` and `${VAR}` from `env`. Returns the expanded string and the names that were
/// not set (expanded to nothing). `$$` is a literal `$`.
pub fn expand_vars(s: &str, env: &BTreeMap<String, String>) -> (String, Vec<String>) {
    let mut out = String::with_capacity(s.len());
    let mut missing = Vec::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let rest = &s[i + 1..];
        let (name, consumed) = if let Some(inner) = rest.strip_prefix('{') {
            match inner.find('}') {
                Some(end) => (&inner[..end], end + 2),
                None => {
                    out.push(c);
                    continue;
                }
            }
        } else if rest.starts_with('$') {
            out.push('$');
            chars.next();
            continue;
        } else {
            let end = rest
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                .unwrap_or(rest.len());
            (&rest[..end], end)
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        {
            out.push(c);
            continue;
        }
        match env.get(name) {
            Some(v) => out.push_str(v),
            None => missing.push(name.to_string()),
        }
        // Skip the characters of the reference.
        let target = i + 1 + consumed;
        while chars.peek().is_some_and(|(j, _)| *j < target) {
            chars.next();
        }
    }
    (out, missing)
}

/// An annotation's content: `check.id key=value key="quoted value"`.
#[derive(Debug, PartialEq)]
pub struct ParsedAnnotation {
    pub check: String,
    pub params: Vec<(String, String)>,
}

/// Parse an annotation; the error names the column (1-based, within `content`).
pub fn parse_annotation(content: &str) -> Result<ParsedAnnotation, (usize, String)> {
    let content_trim = content.trim_end();
    let mut pos = content_trim.len() - content_trim.trim_start().len();
    let bytes = content_trim.as_bytes();
    let word_end = |from: usize| {
        content_trim[from..]
            .find(char::is_whitespace)
            .map_or(content_trim.len(), |e| from + e)
    };
    let end = word_end(pos);
    let check = content_trim[pos..end].to_string();
    if check.is_empty() {
        return Err((
            pos + 1,
            "annotation names no check: write `gonogo: check.id key=value …`".into(),
        ));
    }
    if check == "manual" {
        // `gonogo: manual reason="…"` is allowed.
    } else if !check.contains('.') || check.contains('=') {
        return Err((
            pos + 1,
            format!("`{check}` is not a check id (ids look like `files.exists`)"),
        ));
    }
    pos = end;
    let mut params = Vec::new();
    loop {
        while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if pos >= bytes.len() {
            break;
        }
        let start = pos;
        let Some(eq) = content_trim[pos..].find('=').map(|e| pos + e) else {
            return Err((
                start + 1,
                format!(
                    "expected key=value, found `{}`",
                    &content_trim[start..word_end(start)]
                ),
            ));
        };
        let key = &content_trim[start..eq];
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err((
                start + 1,
                format!(
                    "expected key=value, found `{}`",
                    &content_trim[start..word_end(start)]
                ),
            ));
        }
        pos = eq + 1;
        let value = if content_trim[pos..].starts_with('"') {
            let body = pos + 1;
            let mut out = String::new();
            let mut it = content_trim[body..].char_indices();
            let mut closed = None;
            while let Some((j, ch)) = it.next() {
                match ch {
                    '\\' => {
                        if let Some((_, next)) = it.next() {
                            out.push(next);
                        }
                    }
                    '"' => {
                        closed = Some(body + j + 1);
                        break;
                    }
                    _ => out.push(ch),
                }
            }
            let Some(after) = closed else {
                return Err((pos + 1, format!("unterminated quoted value for `{key}`")));
            };
            pos = after;
            out
        } else {
            let end = word_end(pos);
            let v = content_trim[pos..end].to_string();
            pos = end;
            v
        };
        params.push((key.to_string(), value));
    }
    Ok(ParsedAnnotation { check, params })
}

/// Bind every item of `checklist`. `file` names the checklist in diagnostics; `env` expands
/// `$VAR`s.
pub fn bind(
    checklist: &Checklist,
    file: &str,
    config: &Config,
    registry: &Registry,
    env: &BTreeMap<String, String>,
) -> BindingPlan {
    let mut diagnostics = Vec::new();
    let mut items = Vec::with_capacity(checklist.items.len());
    let mut assessments = Vec::with_capacity(checklist.items.len());
    let engine = Engine::new(registry);
    for (index, item) in checklist.items.iter().enumerate() {
        assessments.push(None);
        let mut context: Vec<String> = item.section_path.clone();
        let mut parents = Vec::new();
        let mut p = item.parent;
        while let Some(pi) = p {
            parents.push(checklist.items[pi].text.clone());
            p = checklist.items[pi].parent;
        }
        context.extend(parents.into_iter().rev());

        // 1. Inline annotation.
        if let Some(ann) = &item.annotation {
            let locate = |col: usize, code: &'static str, message: String| Diagnostic {
                severity: Severity::Error,
                code,
                file: file.to_string(),
                line: ann.line,
                column: ann.column + col.saturating_sub(1),
                message,
            };
            match parse_annotation(&ann.content) {
                Err((col, msg)) => {
                    diagnostics.push(locate(col, "annotation-syntax", msg));
                    items.push(ItemBinding::Manual {
                        reason: "annotation could not be read".into(),
                    });
                }
                Ok(parsed) if parsed.check == "manual" => {
                    let reason = parsed
                        .params
                        .iter()
                        .find(|(k, _)| k == "reason")
                        .map(|(_, v)| v.clone())
                        .unwrap_or_else(|| "marked manual by annotation".into());
                    items.push(ItemBinding::Manual { reason });
                }
                Ok(parsed) => match registry.get(&parsed.check) {
                    None => {
                        diagnostics.push(locate(
                            1,
                            "unknown-check",
                            format!("unknown check `{}` (see `gonogo checks`)", parsed.check),
                        ));
                        items.push(ItemBinding::Manual {
                            reason: "annotation names an unknown check".into(),
                        });
                    }
                    Some(kind) => {
                        let mut params = Params::new();
                        let mut written = Params::new();
                        let mut missing = Vec::new();
                        for (k, v) in &parsed.params {
                            written.insert(k, v.clone());
                            let (v, m) = expand_vars(v, env);
                            missing.extend(m);
                            params.insert(k, v);
                        }
                        let prepared = prepare(kind, &params, &missing);
                        if let Err(e) = &prepared
                            && missing.is_empty()
                        {
                            diagnostics.push(locate(
                                1,
                                "annotation-params",
                                format!("{}: {e}", kind.id()),
                            ));
                        }
                        items.push(ItemBinding::Check(BoundCheck {
                            kind,
                            source: BindingSource::Annotation,
                            params,
                            written,
                            prepared,
                        }));
                    }
                },
            }
            continue;
        }

        // 2. A `[[bind]]` rule.
        if let Some(rule) = config
            .binds
            .iter()
            .find(|r| r.matcher.matches(&item.id, &item.text))
        {
            if rule.check == "manual" {
                let reason = rule
                    .reason
                    .clone()
                    .unwrap_or_else(|| "marked manual in the config".into());
                items.push(ItemBinding::Manual { reason });
                continue;
            }
            let kind = registry
                .get(&rule.check)
                .expect("config validated check ids");
            let mut params = Params::new();
            let mut missing = Vec::new();
            for (k, v) in rule.params.iter() {
                let (v, m) = expand_vars(v, env);
                missing.extend(m);
                params.insert(k, v);
            }
            let prepared = prepare(kind, &params, &missing);
            if let Err(e) = &prepared
                && missing.is_empty()
            {
                diagnostics.push(Diagnostic {
                    severity: Severity::Error,
                    code: "config-bind-params",
                    file: config_file_name(file),
                    line: rule.line,
                    column: 1,
                    message: format!("{} (bound to line {} of {file}): {e}", kind.id(), item.line),
                });
            }
            items.push(ItemBinding::Check(BoundCheck {
                kind,
                source: BindingSource::Config,
                params,
                written: rule.params.clone(),
                prepared,
            }));
            continue;
        }

        // 3. Automatic recognition; sign-off slots are always for people.
        let mut close_call = None;
        if item.kind != ItemKind::Signoff {
            let item_ref = ItemRef {
                text: &item.text,
                lead: &item.lead,
                display: &item.display,
                context: &context,
            };
            let assessment = engine.assess(item_ref);
            let chosen = assessment.chosen().filter(|_| config.auto_bind).cloned();
            close_call = assessment.close_call.clone();
            assessments[index] = Some(assessment);
            if let Some(candidate) = chosen {
                let prepared = prepare(candidate.kind, &candidate.params, &[]);
                items.push(ItemBinding::Check(BoundCheck {
                    kind: candidate.kind,
                    source: BindingSource::Auto,
                    written: candidate.params.clone(),
                    params: candidate.params,
                    prepared,
                }));
                continue;
            }
        }

        if !item.children.is_empty() {
            items.push(ItemBinding::Derived);
            let _ = index;
        } else if item.kind == ItemKind::Signoff {
            let role = item.signoff_label.as_deref().unwrap_or("the named role");
            let reason = match &item.signoff_filled {
                // A hand-written name proves nothing on its own: it must be recorded.
                Some(filled) => {
                    let by = written_name(filled)
                        .map(|n| format!(" --by \"{n}\""))
                        .unwrap_or_default();
                    format!(
                        "sign-off slot \"{role}\": filled in by hand (\"{filled}\") but not recorded: waits for `gonogo approve --role \"{role}\"{by}`"
                    )
                }
                None => format!("sign-off slot \"{role}\": waits for an approval"),
            };
            items.push(ItemBinding::Manual { reason });
        } else if let Some(close) = close_call.filter(|_| config.auto_bind) {
            items.push(ItemBinding::Manual {
                reason: format!(
                    "no one check stands clear ({close}): a person must attest it, or choose with `gonogo suggest`"
                ),
            });
        } else {
            items.push(ItemBinding::Manual {
                reason: "no check recognises this item: a person must attest it".into(),
            });
        }
    }
    diagnostics.extend(unknown_targets(config, registry, &items));
    // A parameter error may quote an expanded value: no variable's secret reaches a
    // diagnostic or the item's error.
    let redactor = crate::redact::Redactor::for_env(env);
    for d in &mut diagnostics {
        redactor.redact_string(&mut d.message);
    }
    for item in &mut items {
        if let ItemBinding::Check(BoundCheck {
            prepared: Err(reason),
            ..
        }) = item
        {
            redactor.redact_string(reason);
        }
    }
    BindingPlan {
        items,
        diagnostics,
        assessments,
    }
}

/// `[targets]` keys no check reads: a misspelt `api_ulr` would otherwise leave every live item
/// without its target. A name is known when a kind of `registry` reads it (`CheckDoc::targets`)
/// or an item or rule names it with `target=`. Located in the config (its file is
/// [`CONFIG_FILE_PLACEHOLDER`] until the caller names it).
pub fn unknown_targets(
    config: &Config,
    registry: &Registry,
    items: &[ItemBinding],
) -> Vec<Diagnostic> {
    let mut known: Vec<&str> = registry
        .iter()
        .flat_map(|k| k.doc().targets)
        .copied()
        .collect();
    let named = items
        .iter()
        .filter_map(|b| match b {
            ItemBinding::Check(bc) => bc.params.str("target"),
            _ => None,
        })
        .chain(config.binds.iter().filter_map(|r| r.params.str("target")));
    known.extend(named);
    known.sort_unstable();
    known.dedup();
    config
        .target_keys
        .iter()
        .filter(|(name, _)| !known.contains(&name.as_str()))
        .map(|(name, &(line, column))| {
            let hint = match gonogo_parsers::did_you_mean(name, known.iter().copied()) {
                Some(k) => format!("; did you mean `{k}`?"),
                None => format!(" (known: {})", known.join(", ")),
            };
            Diagnostic {
                severity: Severity::Error,
                code: "config-unknown-key",
                file: CONFIG_FILE_PLACEHOLDER.to_string(),
                line,
                column,
                message: format!("unknown target `{name}` in [targets]{hint}"),
            }
        })
        .collect()
}

/// Diagnostics about `[[bind]]` rules point at the config file; the CLI rewrites this
/// placeholder to the config's real path.
pub const CONFIG_FILE_PLACEHOLDER: &str = "<config>";

fn config_file_name(_checklist: &str) -> String {
    CONFIG_FILE_PLACEHOLDER.to_string()
}

fn prepare(
    kind: &dyn CheckKind,
    params: &Params,
    missing: &[String],
) -> Result<Arc<dyn PreparedCheck>, String> {
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(|m| format!("${m}")).collect();
        return Err(format!(
            "{} not set: set it in the environment or pass --env-file",
            names.join(", ")
        ));
    }
    crate::check::prepare(kind, params)
        .map(Arc::from)
        .map_err(|e| e.to_string())
}

/// The name someone wrote into a sign-off slot: the words before the next field
/// (`Jane Roe Date: 2026-11-30` → `Jane Roe`); none when what was written is not a name
/// (`yes`, a date, a ticket number).
fn written_name(filled: &str) -> Option<&str> {
    let end = filled
        .split_whitespace()
        .find(|w| w.ends_with(':'))
        .and_then(|field| filled.find(field))
        .unwrap_or(filled.len());
    let name = filled[..end].trim().trim_end_matches(',').trim();
    let words: Vec<&str> = name.split_whitespace().collect();
    let looks_like_name = (2..=4).contains(&words.len())
        && words
            .iter()
            .all(|w| w.chars().next().is_some_and(char::is_alphabetic))
        && !name.contains(['"', '`']);
    looks_like_name.then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_variables() {
        let env: BTreeMap<String, String> =
            [("API_URL".to_string(), "http://x".to_string())].into();
        assert_eq!(
            expand_vars("$API_URL/health", &env),
            ("http://x/health".into(), vec![])
        );
        assert_eq!(
            expand_vars("${API_URL}v1", &env),
            ("http://xv1".into(), vec![])
        );
        assert_eq!(
            expand_vars("$NOPE/x", &env),
            ("/x".into(), vec!["NOPE".into()])
        );
        assert_eq!(
            expand_vars("cost $$5 and $", &env),
            ("cost $5 and $".into(), vec![])
        );
        assert_eq!(
            expand_vars("é$API_URLé", &env),
            ("éhttp://xé".into(), vec![])
        );
    }

    #[test]
    fn annotations() {
        assert_eq!(
            parse_annotation(
                r#"http.status url=$API_URL/health expect=200 note="two words \"q\"""#
            )
            .unwrap(),
            ParsedAnnotation {
                check: "http.status".into(),
                params: vec![
                    ("url".into(), "$API_URL/health".into()),
                    ("expect".into(), "200".into()),
                    ("note".into(), "two words \"q\"".into())
                ]
            }
        );
        assert_eq!(parse_annotation("files.exists path").unwrap_err().0, 14);
        assert!(parse_annotation("").is_err());
        assert!(parse_annotation("filesexists").is_err());
        assert!(parse_annotation("files.exists a=\"open").is_err());
        assert_eq!(
            parse_annotation("manual reason=legal").unwrap().check,
            "manual"
        );
    }

    #[test]
    fn unknown_targets_are_errors_with_a_did_you_mean() {
        use crate::check::{CheckContext, CheckDoc, ParamDoc, Service};
        use crate::outcome::Outcome;
        struct Probe;
        struct Ready;
        #[async_trait::async_trait]
        impl PreparedCheck for Ready {
            async fn run(&self, _: &CheckContext) -> Outcome {
                Outcome::pass("ran")
            }
        }
        static DOC: CheckDoc = CheckDoc {
            live: Some(Service::Http),
            targets: &["api_url"],
            summary: "",
            description: "",
            params: &[ParamDoc::optional("target", "")],
            examples: &[],
            claims: &[],
            phrases: &[],
            not_phrases: &[],
            findings: &[],
        };
        impl CheckKind for Probe {
            fn id(&self) -> &'static str {
                "t.probe"
            }
            fn doc(&self) -> &'static CheckDoc {
                &DOC
            }
            fn prepare(
                &self,
                _: &Params,
            ) -> Result<Box<dyn PreparedCheck>, crate::params::ParamError> {
                Ok(Box::new(Ready))
            }
        }
        let registry = Registry::new(vec![&Probe]);
        let config = crate::config::parse(
            "[targets]\napi_url = \"http://a\"\napi_ulr = \"http://b\"\nadmin_url = \"http://c\"\n  zzz = \"d\"\n",
            "g.toml",
            &|_| true,
        )
        .unwrap();
        // `admin_url` is known because an item names it with `target=`.
        let checklist =
            gonogo_checklist::parse("- [ ] Admin <!-- gonogo: t.probe target=admin_url -->\n");
        let plan = bind(&checklist, "c.md", &config, &registry, &BTreeMap::new());
        let shown: Vec<String> = plan.diagnostics.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            shown,
            [
                "error: <config>:3:1: unknown target `api_ulr` in [targets]; did you mean `api_url`? [config-unknown-key]",
                "error: <config>:5:3: unknown target `zzz` in [targets] (known: admin_url, api_url) [config-unknown-key]",
            ]
        );
        assert!(plan.has_errors());
    }

    #[test]
    fn names_written_into_slots_are_read_for_the_approve_hint() {
        assert_eq!(
            super::written_name("Jane Roe Date: 2026-11-30"),
            Some("Jane Roe")
        );
        assert_eq!(
            super::written_name("Sam Poe, Date: 2026-11-30"),
            Some("Sam Poe")
        );
        for not_a_name in [
            "yes",
            "2026-11-30",
            "Date: 2026-11-30",
            "JIRA-42 approved by the team lead today",
            "ok \"x\"",
        ] {
            assert_eq!(super::written_name(not_a_name), None, "{not_a_name}");
        }
    }
}
