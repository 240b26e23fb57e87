//! `gonogo suggest`: the bindings the recognition engine proposes for the items no annotation
//! or `[[bind]]` rule binds, and the one way accepted ones become `[[bind]]` rules in
//! `gonogo.toml`, so a team reviews the bindings once and the result is versioned.

use crate::error::{Error, Result};
use crate::load::{ConfigChoice, MAX_CONFIG_BYTES, Source};
use crate::pipeline::Bound;
use gonogo_checklist::ItemKind;
use gonogo_core::bind::ItemBinding;
use gonogo_core::config::{self, Config};
use gonogo_core::recognise::CANDIDATE_FLOOR;
use gonogo_core::{Params, Registry};
use gonogo_repo::{ReadError, read_text};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One item no annotation or rule binds, with what the engine proposes for it.
#[derive(Debug, Clone, Serialize)]
pub struct ItemSuggestion {
    pub id: String,
    pub line: usize,
    pub section: Vec<String>,
    /// The item as written.
    pub text: String,
    /// The item's plain text, which `text` and `pattern` rules match.
    #[serde(skip)]
    pub plain_text: String,
    /// The check that binds it automatically today, if any.
    pub auto_bound: Option<&'static str>,
    /// Best first, down to [`CANDIDATE_FLOOR`]; only candidates whose parameters prepare.
    pub candidates: Vec<Suggested>,
}

/// One candidate binding.
#[derive(Debug, Clone, Serialize)]
pub struct Suggested {
    pub check: &'static str,
    pub params: Params,
    pub score: u8,
    /// The words and values that decided.
    pub matched: Vec<String>,
}

/// A candidate someone accepted for an item: what becomes a `[[bind]]` rule.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub item_id: String,
    /// The item's text, to tell whether an existing `text`/`pattern` rule already covers it.
    pub item_text: String,
    pub candidate: Suggested,
}

/// Every item of `bound` that no annotation or rule binds, in checklist order. Sign-off slots
/// (for people) and parent items (derived from their children) are left out.
pub fn suggestions(bound: &Bound) -> Vec<ItemSuggestion> {
    let items = &bound.loaded.checklist.checklist.items;
    items
        .iter()
        .zip(&bound.plan.assessments)
        .zip(&bound.plan.items)
        .filter(|((item, _), _)| item.kind != ItemKind::Signoff && item.children.is_empty())
        .filter_map(|((item, assessment), binding)| {
            let assessment = assessment.as_ref()?;
            let candidates = assessment
                .candidates
                .iter()
                .filter(|c| c.score >= CANDIDATE_FLOOR)
                // A candidate whose parameters do not prepare would make the written rule an
                // error on the next run: it is no suggestion.
                .filter(|c| gonogo_core::check::prepare(c.kind, &c.params).is_ok())
                .map(|c| Suggested {
                    check: c.kind.id(),
                    params: c.params.clone(),
                    score: c.score,
                    matched: c.matched.clone(),
                })
                .collect();
            let auto_bound = match binding {
                ItemBinding::Check(bc) => Some(bc.kind.id()),
                _ => None,
            };
            Some(ItemSuggestion {
                id: item.id.clone(),
                line: item.line,
                section: item.section_path.clone(),
                text: item.display.clone(),
                plain_text: item.text.clone(),
                auto_bound,
                candidates,
            })
        })
        .collect()
}

/// `--accept all`: each item's best candidate scoring at least `min_score`.
pub fn accept_all(suggestions: &[ItemSuggestion], min_score: u8) -> Vec<Accepted> {
    suggestions
        .iter()
        .filter_map(|s| {
            let best = s.candidates.first().filter(|c| c.score >= min_score)?;
            Some(accepted(s, best))
        })
        .collect()
}

/// `--accept ID…`: each named item's best candidate, whatever its score. An id that names no
/// suggested item, or an item without a candidate, is an error naming it.
pub fn accept_ids(suggestions: &[ItemSuggestion], ids: &[String]) -> Result<Vec<Accepted>> {
    let mut out: Vec<Accepted> = Vec::new();
    for id in ids {
        let Some(s) = suggestions.iter().find(|s| &s.id == id) else {
            return Err(Error::input(format!(
                "no item `{id}` to bind: it does not exist, or an annotation or a [[bind]] rule already binds it (see `gonogo suggest` for the ids)"
            )));
        };
        let Some(best) = s.candidates.first() else {
            return Err(Error::input(format!(
                "item `{id}` has no candidate check: bind it by hand or leave it manual"
            )));
        };
        if !out.iter().any(|a| a.item_id == *id) {
            out.push(accepted(s, best));
        }
    }
    Ok(out)
}

/// The item's candidate `index` (0 is the best), accepted.
pub fn accept_candidate(suggestion: &ItemSuggestion, index: usize) -> Option<Accepted> {
    suggestion
        .candidates
        .get(index)
        .map(|c| accepted(suggestion, c))
}

fn accepted(s: &ItemSuggestion, c: &Suggested) -> Accepted {
    Accepted {
        item_id: s.id.clone(),
        item_text: s.plain_text.clone(),
        candidate: c.clone(),
    }
}

/// The `gonogo.toml` that `check` and `validate` would read for these inputs, and so the one
/// accepted rules are written to: the given `--config`, else the one found beside the
/// checklist or in the repository root, else a new one beside the checklist. `None` when the
/// config is not a file (defaults forced, or text in memory).
pub fn config_file_for(choice: &ConfigChoice, checklist: &Path, repo: &Path) -> Option<PathBuf> {
    match choice {
        ConfigChoice::Given(Source::Path(p)) => Some(p.clone()),
        ConfigChoice::Given(Source::Text { .. }) | ConfigChoice::Defaults => None,
        ConfigChoice::Discover => {
            let candidates = crate::load::discovered_configs(checklist, repo);
            let found = candidates
                .iter()
                .find(|p| std::fs::symlink_metadata(p).is_ok())
                .or(candidates.first());
            found.cloned()
        }
    }
}

/// What [`append_rules`] did.
#[derive(Debug, Clone)]
pub struct Written {
    pub path: PathBuf,
    /// The file did not exist before.
    pub created: bool,
    /// The text appended (empty when every accepted item already had a rule).
    pub appended: String,
    /// Accepted items left alone because a rule in the file already covers them.
    pub skipped: Vec<String>,
    /// The config as read back after writing.
    pub config: Config,
}

/// Append one `[[bind]]` rule per accepted item to the config at `path`, creating it if
/// needed. The existing content is never rewritten: a file that does not parse is refused (so
/// a broken file is never made worse), an item a rule already covers is skipped, and the
/// result is read back to prove it parses.
pub fn append_rules(path: &Path, accepted: &[Accepted], registry: &Registry) -> Result<Written> {
    let shown = path.display().to_string();
    let known = |id: &str| registry.get(id).is_some();
    // The file may come with the repository under check: a link could point anywhere.
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(Error::input(format!(
            "{shown} is a symbolic link: gonogo suggest writes only to a regular file"
        )));
    }
    let (existing, created) = match read_text(path, MAX_CONFIG_BYTES) {
        Ok(text) => (text, false),
        Err(ReadError::Missing) => (String::new(), true),
        Err(e) => return Err(Error::input(format!("cannot read {shown}: {e}"))),
    };
    let config = config::parse(&existing, &shown, &known).map_err(|mut diagnostics| {
        diagnostics.push(config::Diagnostic {
            severity: config::Severity::Error,
            code: "config-not-written",
            file: shown.clone(),
            line: 1,
            column: 1,
            message: "the config has errors: fix them first; no rule was written".into(),
        });
        Error::Diagnostics(diagnostics)
    })?;
    let (new, skipped): (Vec<&Accepted>, Vec<&Accepted>) = accepted.iter().partition(|a| {
        !config
            .binds
            .iter()
            .any(|r| r.matcher.matches(&a.item_id, &a.item_text))
    });
    let skipped = skipped.iter().map(|a| a.item_id.clone()).collect();
    let appended = rules_text(&existing, &new);
    let after = format!("{existing}{appended}");
    // Checked before anything is written: what is appended must leave a config that parses.
    if let Err(diagnostics) = config::parse(&after, &shown, &known) {
        return Err(Error::Diagnostics(diagnostics));
    }
    if appended.is_empty() {
        return Ok(Written {
            path: path.to_path_buf(),
            created: false,
            appended,
            skipped,
            config,
        });
    }
    {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| Error::input(format!("cannot write {shown}: {e}")))?;
        file.write_all(appended.as_bytes())
            .map_err(|e| Error::input(format!("cannot write {shown}: {e}")))?;
    }
    let reread = read_text(path, MAX_CONFIG_BYTES)
        .map_err(|e| Error::input(format!("cannot read {shown} back: {e}")))?;
    let config = config::parse(&reread, &shown, &known).map_err(Error::Diagnostics)?;
    Ok(Written {
        path: path.to_path_buf(),
        created,
        appended,
        skipped,
        config,
    })
}

/// The rules [`append_rules`] would append to an empty file.
pub fn rules_preview(accepted: &[Accepted]) -> String {
    let all: Vec<&Accepted> = accepted.iter().collect();
    rules_text("", &all)
}

/// The rules as TOML, after a blank line and a one-line header; empty when there are none.
fn rules_text(existing: &str, accepted: &[&Accepted]) -> String {
    if accepted.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    if !existing.is_empty() {
        if !existing.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str("# Bindings accepted from `gonogo suggest`.\n");
    for (i, a) in accepted.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let c = &a.candidate;
        out.push_str("[[bind]]\n");
        out.push_str(&format!("item = {}\n", toml_string(&a.item_id)));
        out.push_str(&format!("check = {}\n", toml_string(c.check)));
        if !c.params.is_empty() {
            let params: Vec<String> = c
                .params
                .iter()
                .map(|(k, v)| format!("{} = {}", toml_key(k), toml_string(v)))
                .collect();
            out.push_str(&format!("params = {{ {} }}\n", params.join(", ")));
        }
        // A comment ends at the line's end: whatever the item said stays on one line.
        let why = one_line(&c.matched.join(", "));
        out.push_str(&format!("# suggested: score {} ({why})\n", c.score));
    }
    out
}

/// A TOML basic string, quoted and escaped by the `toml` crate.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A bare key when TOML allows one, else a quoted key.
fn toml_key(k: &str) -> String {
    let bare = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare { k.to_string() } else { toml_string(k) }
}

fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> Registry {
        gonogo_checks::registry()
    }

    fn accepted(item_id: &str, check: &'static str, params: &[(&str, &str)]) -> Accepted {
        let mut p = Params::new();
        for (k, v) in params {
            p.insert(k, *v);
        }
        Accepted {
            item_id: item_id.into(),
            item_text: format!("text of {item_id}"),
            candidate: Suggested {
                check,
                params: p,
                score: 82,
                matched: vec!["pdb".into(), "configured".into()],
            },
        }
    }

    #[test]
    fn a_missing_config_is_created_with_the_rules() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gonogo.toml");
        let w = append_rules(
            &path,
            &[accepted(
                "k8s/pdbs-configured",
                "k8s.workloads",
                &[("rules", "pdb")],
            )],
            &registry(),
        )
        .unwrap();
        assert!(w.created);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "# Bindings accepted from `gonogo suggest`.\n\
             [[bind]]\n\
             item = \"k8s/pdbs-configured\"\n\
             check = \"k8s.workloads\"\n\
             params = { rules = \"pdb\" }\n\
             # suggested: score 82 (pdb, configured)\n"
        );
        assert_eq!(w.config.binds.len(), 1);
        assert_eq!(w.config.binds[0].params.str("rules"), Some("pdb"));
    }

    #[test]
    fn existing_content_and_comments_are_kept_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gonogo.toml");
        // No final newline, odd spacing, comments: all of it must survive untouched.
        let before = "# our config\n[targets]\napi_url   =  \"http://x\"   # staging\n\n[run]\nconcurrency = 2";
        std::fs::write(&path, before).unwrap();
        let w = append_rules(
            &path,
            &[
                accepted("a/one", "k8s.workloads", &[("rules", "pdb")]),
                accepted("a/two", "k8s.workloads", &[]),
            ],
            &registry(),
        )
        .unwrap();
        assert!(!w.created);
        let after = std::fs::read_to_string(&path).unwrap();
        assert!(after.starts_with(before), "{after}");
        assert_eq!(&after[before.len()..], w.appended);
        assert!(
            w.appended.starts_with("\n\n# Bindings accepted"),
            "{}",
            w.appended
        );
        assert!(
            w.appended.contains("\n\n[[bind]]\nitem = \"a/two\""),
            "{}",
            w.appended
        );
        assert_eq!(w.config.binds.len(), 2);
        assert_eq!(w.config.concurrency, 2);
    }

    #[test]
    fn an_item_a_rule_already_covers_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gonogo.toml");
        let before = "[[bind]]\nitem = \"a/one\"\ncheck = \"manual\"\n";
        std::fs::write(&path, before).unwrap();
        let w = append_rules(
            &path,
            &[accepted("a/one", "k8s.workloads", &[("rules", "pdb")])],
            &registry(),
        )
        .unwrap();
        assert_eq!(w.skipped, vec!["a/one".to_string()]);
        assert!(w.appended.is_empty());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    }

    #[test]
    fn a_broken_config_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gonogo.toml");
        let before = "[targets\napi_url = 1\n";
        std::fs::write(&path, before).unwrap();
        let err = append_rules(
            &path,
            &[accepted("a/one", "k8s.workloads", &[])],
            &registry(),
        )
        .unwrap_err();
        let messages: Vec<&str> = err.diagnostics().iter().map(|d| d.code).collect();
        assert_eq!(messages.last(), Some(&"config-not-written"), "{err}");
        assert!(
            messages.len() > 1,
            "the config's own errors come first: {err}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    }

    #[test]
    fn rules_go_to_the_config_check_would_read() {
        let dir = tempfile::tempdir().unwrap();
        let checklist = dir.path().join("docs").join("CHECKLIST.md");
        let beside = dir.path().join("docs").join("gonogo.toml");
        let at_root = dir.path().join("gonogo.toml");
        let discover = || config_file_for(&ConfigChoice::Discover, &checklist, dir.path());
        assert_eq!(
            discover(),
            Some(beside.clone()),
            "none yet: beside the checklist"
        );
        std::fs::write(&at_root, "").unwrap();
        assert_eq!(discover(), Some(at_root), "the repository's");
        let named = PathBuf::from("ci/gonogo.toml");
        let given = ConfigChoice::Given(Source::Path(named.clone()));
        assert_eq!(config_file_for(&given, &checklist, dir.path()), Some(named));
        let defaults = config_file_for(&ConfigChoice::Defaults, &checklist, dir.path());
        assert_eq!(defaults, None);
    }

    #[cfg(unix)]
    #[test]
    fn a_config_that_is_a_symlink_is_not_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere.toml");
        std::fs::write(&elsewhere, "").unwrap();
        let path = dir.path().join("gonogo.toml");
        std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
        let err = append_rules(
            &path,
            &[accepted("a/one", "k8s.workloads", &[])],
            &registry(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "");
    }

    #[test]
    fn values_are_toml_escaped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gonogo.toml");
        let mut a = accepted(
            "a/say-\"hi\"",
            "k8s.workloads",
            &[
                ("rules", "p\"d\\b"),
                ("odd key", "x"),
                ("both", "it's \"x\""),
            ],
        );
        a.candidate.matched = vec!["line\nbreak".into()];
        let w = append_rules(&path, &[a], &registry()).unwrap();
        // The crate picks the quoting (literal, basic, multi-line): it must read back as written.
        assert!(
            w.appended.contains(r#"item = 'a/say-"hi"'"#),
            "{}",
            w.appended
        );
        assert!(w.appended.contains(r#""odd key" = "x""#), "{}", w.appended);
        assert!(w.appended.contains("(line break)"), "{}", w.appended);
        let rule = &w.config.binds[0];
        assert_eq!(rule.params.str("rules"), Some("p\"d\\b"));
        assert_eq!(rule.params.str("both"), Some("it's \"x\""));
        assert!(rule.matcher.matches("a/say-\"hi\"", ""));
    }
}
