//! A team's `.gitleaks.toml`, read with gitleaks' semantics:
//!
//! - A config without `[extend]` replaces the default rules; `[extend] useDefault = true`
//!   builds on gonogo's built-in rules (whose ids follow gitleaks' default set), and
//!   `[extend] path = "…"` on another config file (relative to the extending file), to a
//!   depth of two. `disabledRules` drops rules of the extended config.
//! - A rule of the extending config with the id of an extended rule overrides its
//!   description, regex, secretGroup, entropy and path, and adds its keywords, tags and
//!   allowlists.
//! - `[[rules]]`: `id`, `description`, `regex`, `secretGroup`, `entropy`, `keywords`, `path`,
//!   `tags`, `[[rules.allowlists]]` (or the older `[rules.allowlist]`).
//! - `[[allowlists]]` (or the older `[allowlist]`): `description`, `condition` (OR, AND),
//!   `commits`, `paths`, `regexTarget` (secret, match, line), `regexes`, `stopWords`;
//!   `targetRules` confines one to the named rules.
//! - Keywords are matched case-insensitively anywhere in the file before a rule runs; the
//!   entropy floor is exclusive; a rule without keywords runs on every file; a path-only rule
//!   reports every file whose path matches.
//! - `.gitleaksignore` at the root of the scan: one gitleaks fingerprint a line
//!   (`file:rule-id:line`, or `commit:file:rule-id:line` for a finding in history), `#`
//!   comments; a listed finding is dropped like a baselined one.

use super::{Allowlist, RegexTarget, Rule, RuleSet, compile_bytes, rules::builtin_rules};
use gonogo_repo::{ReadError, read_bytes, read_text, resolve_in_repo};
use serde::Deserialize;
use std::path::Path;

const MAX_EXTEND_DEPTH: usize = 2;

/// The findings a `.gitleaksignore` lists, by gitleaks' fingerprint.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IgnoreList {
    /// (commit, file, rule id, line); no commit matches the finding wherever it was found.
    entries: std::collections::HashSet<(Option<String>, String, String, usize)>,
}

impl IgnoreList {
    /// Reads `root/.gitleaksignore`; an absent file is an empty list. A line that is not a
    /// fingerprint is an error naming it.
    pub fn load(root: &Path) -> Result<IgnoreList, String> {
        match resolve_in_repo(root, ".gitleaksignore")
            .and_then(|path| read_bytes(&path, MAX_CONFIG_BYTES))
        {
            Ok(bytes) => Self::parse(&String::from_utf8_lossy(&bytes)),
            Err(ReadError::Missing) => Ok(IgnoreList::default()),
            Err(e) => Err(format!(".gitleaksignore: {e}")),
        }
    }

    pub fn parse(text: &str) -> Result<IgnoreList, String> {
        let mut list = IgnoreList::default();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = || {
                format!(
                    ".gitleaksignore:{}: not a fingerprint (file:rule-id:line or commit:file:rule-id:line)",
                    n + 1
                )
            };
            // From the right: the line number and the rule id never hold a colon; a file may.
            let mut parts = line.rsplitn(3, ':');
            let line_no: usize = parts.next().and_then(|l| l.parse().ok()).ok_or_else(bad)?;
            let rule = parts.next().filter(|r| !r.is_empty()).ok_or_else(bad)?;
            let rest = parts.next().filter(|r| !r.is_empty()).ok_or_else(bad)?;
            let (commit, file) = match rest.split_once(':') {
                Some((c, f)) if c.len() >= 7 && c.chars().all(|x| x.is_ascii_hexdigit()) => {
                    (Some(c.to_ascii_lowercase()), f)
                }
                _ => (None, rest),
            };
            list.entries
                .insert((commit, file.to_string(), rule.to_string(), line_no));
        }
        Ok(list)
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether `f` is listed: with its commit (full id or a prefix of at least 7), or without.
    pub fn ignores(&self, f: &super::SecretFinding) -> bool {
        let key = (None, f.file.clone(), f.rule_id.clone(), f.line);
        if self.entries.contains(&key) {
            return true;
        }
        let Some(c) = &f.commit else { return false };
        self.entries.iter().any(|(commit, file, rule, line)| {
            commit
                .as_ref()
                .is_some_and(|x| c.id.starts_with(x.as_str()))
                && *file == f.file
                && *rule == f.rule_id
                && *line == f.line
        })
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Config {
    #[serde(default)]
    extend: Option<Extend>,
    #[serde(default)]
    rules: Vec<RuleCfg>,
    #[serde(default)]
    allowlist: Option<AllowlistCfg>,
    #[serde(default)]
    allowlists: Vec<AllowlistCfg>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Extend {
    #[serde(default)]
    use_default: bool,
    path: Option<String>,
    url: Option<String>,
    #[serde(default)]
    disabled_rules: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RuleCfg {
    id: String,
    #[serde(default)]
    description: String,
    regex: Option<String>,
    #[serde(default)]
    secret_group: usize,
    #[serde(default)]
    entropy: f64,
    keywords: Option<Vec<String>>,
    path: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    allowlist: Option<AllowlistCfg>,
    #[serde(default)]
    allowlists: Vec<AllowlistCfg>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AllowlistCfg {
    #[serde(default)]
    description: String,
    #[serde(default)]
    condition: String,
    #[serde(default)]
    commits: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    regex_target: String,
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    stop_words: Vec<String>,
    #[serde(default)]
    target_rules: Vec<String>,
}

/// A gitleaks config (or a `.gitleaksignore`) larger than this is not read.
pub const MAX_CONFIG_BYTES: u64 = 4 << 20;

/// Load a gitleaks config file (and what it extends) the user named.
pub fn load(path: &Path) -> Result<RuleSet, String> {
    load_within(path, None)
}

/// Load a gitleaks config file that `root` holds: it and every file it extends must resolve
/// inside `root` (a repository's config cannot make gonogo read, and echo in its errors, a
/// file outside the repository).
pub fn load_in_repo(root: &Path, path: &Path) -> Result<RuleSet, String> {
    load_within(path, Some(root))
}

fn load_within(path: &Path, root: Option<&Path>) -> Result<RuleSet, String> {
    let mut set = load_depth(path, 0, root)?;
    set.source = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    Ok(set)
}

/// Parse a gitleaks config from text; `base_dir` resolves `[extend] path`.
pub fn parse(text: &str, base_dir: &Path, origin: &str) -> Result<RuleSet, String> {
    parse_depth(text, base_dir, origin, 0, None)
}

fn load_depth(path: &Path, depth: usize, root: Option<&Path>) -> Result<RuleSet, String> {
    let resolved = match root {
        Some(root) => resolve_in_repo(root, path),
        None => Ok(path.to_path_buf()),
    };
    let text = resolved
        .and_then(|p| read_text(&p, MAX_CONFIG_BYTES))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    parse_depth(&text, dir, &path.display().to_string(), depth, root)
}

fn parse_depth(
    text: &str,
    base_dir: &Path,
    origin: &str,
    depth: usize,
    root: Option<&Path>,
) -> Result<RuleSet, String> {
    let cfg: Config = toml::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
    let err = |m: String| format!("{origin}: {m}");

    if cfg.allowlist.is_some() && !cfg.allowlists.is_empty() {
        return Err(err(
            "[allowlist] is deprecated, it cannot be used alongside [[allowlists]]".into(),
        ));
    }

    let mut rules: Vec<Rule> = Vec::new();
    for rc in &cfg.rules {
        rules.push(compile_rule(rc).map_err(&err)?);
    }

    let mut global = Vec::new();
    let mut targeted: Vec<(String, Allowlist)> = Vec::new();
    for a in cfg.allowlist.iter().chain(cfg.allowlists.iter()) {
        let al = compile_allowlist(a).map_err(|m| err(format!("[[allowlists]] {m}")))?;
        if a.target_rules.is_empty() {
            global.push(al);
        } else {
            for id in &a.target_rules {
                targeted.push((id.clone(), al.clone()));
            }
        }
    }

    let mut set = RuleSet {
        rules,
        allowlists: global,
        source: origin.to_string(),
    };

    if let Some(ext) = &cfg.extend {
        if ext.use_default && ext.path.is_some() {
            return Err(err(
                "unable to load config due to extend.path and extend.useDefault being set".into(),
            ));
        }
        if ext.url.is_some() && !ext.use_default && ext.path.is_none() {
            return Err(err(
                "[extend] url is not supported; use path or useDefault".into()
            ));
        }
        if depth < MAX_EXTEND_DEPTH {
            let base = if ext.use_default {
                Some(builtin_rules())
            } else if let Some(p) = &ext.path {
                let p = base_dir.join(p);
                Some(load_depth(&p, depth + 1, root)?)
            } else {
                None
            };
            if let Some(base) = base {
                set = extend(set, base, &ext.disabled_rules);
            }
        }
    }

    if depth == 0 {
        // As gitleaks: validated once the extended configs are merged in.
        if let Some(r) = set
            .rules
            .iter()
            .find(|r| r.regex.is_none() && r.path.is_none())
        {
            return Err(err(format!("rule {}: needs a regex or a path", r.id)));
        }
    }
    for (id, al) in targeted {
        let Some(rule) = set.rules.iter_mut().find(|r| r.id == id) else {
            return Err(err(format!(
                "[[allowlists]] target rule ID '{id}' does not exist"
            )));
        };
        rule.allowlists.push(al);
    }
    Ok(set)
}

/// gitleaks' `extend`: rules of `base` not disabled are added; a rule defined in both is the
/// base rule with the extending rule's non-empty fields laid over it.
fn extend(mut top: RuleSet, base: RuleSet, disabled: &[String]) -> RuleSet {
    for base_rule in base.rules {
        if disabled.contains(&base_rule.id) {
            continue;
        }
        match top.rules.iter().position(|r| r.id == base_rule.id) {
            None => top.rules.push(base_rule),
            Some(i) => {
                let cur = top.rules[i].clone();
                let mut merged = base_rule;
                if !cur.description.is_empty() {
                    merged.description = cur.description;
                }
                if cur.entropy != 0.0 {
                    merged.entropy = cur.entropy;
                }
                if cur.secret_group.is_some() {
                    merged.secret_group = cur.secret_group;
                }
                if cur.regex.is_some() {
                    merged.regex = cur.regex;
                    // The team's regex follows gitleaks' semantics from here on.
                    merged.whole_file = true;
                    merged.assignment = false;
                    merged.builtin = false;
                }
                if cur.path.is_some() {
                    merged.path = cur.path;
                }
                merged.tags.extend(cur.tags);
                for k in cur.keywords {
                    if !merged.keywords.contains(&k) {
                        merged.keywords.push(k);
                    }
                }
                merged.allowlists.extend(cur.allowlists);
                top.rules[i] = merged;
            }
        }
    }
    top.allowlists.extend(base.allowlists);
    top
}

fn compile_rule(rc: &RuleCfg) -> Result<Rule, String> {
    if rc.id.is_empty() {
        return Err("a [[rules]] entry has no id".into());
    }
    let regex = match rc.regex.as_deref() {
        Some(r) if !r.is_empty() => {
            Some(compile_bytes(r).map_err(|e| format!("rule {}: regex: {e}", rc.id))?)
        }
        _ => None,
    };
    let path = match rc.path.as_deref() {
        Some(p) if !p.is_empty() => {
            Some(regex::Regex::new(p).map_err(|e| format!("rule {}: path: {e}", rc.id))?)
        }
        _ => None,
    };
    if let Some(re) = &regex
        && rc.secret_group > 0
        && rc.secret_group >= re.captures_len()
    {
        return Err(format!(
            "rule {}: secretGroup {} but the regex has {} group(s)",
            rc.id,
            rc.secret_group,
            re.captures_len() - 1
        ));
    }
    if rc.allowlist.is_some() && !rc.allowlists.is_empty() {
        return Err(format!(
            "{}: [rules.allowlist] is deprecated, it cannot be used alongside [[rules.allowlists]]",
            rc.id
        ));
    }
    let mut allowlists = Vec::new();
    for a in rc.allowlist.iter().chain(rc.allowlists.iter()) {
        allowlists.push(
            compile_allowlist(a).map_err(|m| format!("{}: [[rules.allowlists]] {m}", rc.id))?,
        );
    }
    Ok(Rule {
        id: rc.id.clone(),
        description: rc.description.clone(),
        family: "custom".into(),
        keywords: rc
            .keywords
            .iter()
            .flatten()
            .map(|k| k.to_lowercase())
            .collect(),
        regex,
        secret_group: (rc.secret_group > 0).then_some(rc.secret_group),
        entropy: rc.entropy,
        path,
        whole_file: true,
        generic: false,
        builtin: false,
        assignment: false,
        allowlists,
        tags: rc.tags.clone(),
    })
}

fn compile_allowlist(a: &AllowlistCfg) -> Result<Allowlist, String> {
    let and = match a.condition.to_ascii_uppercase().as_str() {
        "AND" | "&&" => true,
        "" | "OR" | "||" => false,
        other => {
            return Err(format!(
                "unknown allowlist |condition| '{other}' (expected 'and', 'or')"
            ));
        }
    };
    let regex_target = match a.regex_target.as_str() {
        "" | "secret" => RegexTarget::Secret,
        "match" => RegexTarget::Match,
        "line" => RegexTarget::Line,
        other => {
            return Err(format!(
                "unknown allowlist |regexTarget| '{other}' (expected 'match', 'line')"
            ));
        }
    };
    let mut regexes = Vec::new();
    for r in &a.regexes {
        regexes.push(compile_bytes(r).map_err(|e| format!("regex {r:?}: {e}"))?);
    }
    let mut paths = Vec::new();
    for p in &a.paths {
        paths.push(regex::Regex::new(p).map_err(|e| format!("path {p:?}: {e}"))?);
    }
    if a.commits.is_empty() && paths.is_empty() && regexes.is_empty() && a.stop_words.is_empty() {
        return Err(
            "must contain at least one check for: commits, paths, regexes, or stopwords".into(),
        );
    }
    Ok(Allowlist {
        description: a.description.clone(),
        and,
        commits: a.commits.clone(),
        paths,
        regex_target,
        regexes,
        stopwords: a.stop_words.clone(),
        builtin_only: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repository_config_reads_nothing_outside_the_repository() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(dir.path().join("outside.toml"), "title = \"outside\"\n").unwrap();
        // `[extend] path` naming a file outside, directly or through a symlink, or a device.
        for (name, extends) in [
            ("direct.toml", "../outside.toml"),
            ("device.toml", "/dev/zero"),
            ("linked.toml", "link.toml"),
        ] {
            std::fs::write(root.join(name), format!("[extend]\npath = \"{extends}\"\n")).unwrap();
        }
        std::os::unix::fs::symlink("../outside.toml", root.join("link.toml")).unwrap();
        for name in ["direct.toml", "device.toml", "linked.toml"] {
            let e = load_in_repo(&root, &root.join(name)).err().unwrap();
            assert!(
                e.ends_with("resolves outside the repository"),
                "{name}: {e}"
            );
        }
        // The same config named by the user on the command line is read as named.
        assert!(load(&root.join("direct.toml")).is_ok());
        // A .gitleaksignore that is a symlink to a device is refused by name.
        std::os::unix::fs::symlink("/dev/zero", root.join(".gitleaksignore")).unwrap();
        assert_eq!(
            IgnoreList::load(&root).unwrap_err(),
            ".gitleaksignore: resolves outside the repository"
        );
    }

    #[test]
    fn gitleaksignore_lists_findings_by_fingerprint() {
        let list = IgnoreList::parse(
            "# known test keys\nsrc/a.py:aws-access-token:3\n\n0123abcdef456789:conf/dir:with:colon.env:generic-api-key:12\n",
        )
        .unwrap();
        let finding =
            |file: &str, rule: &str, line: usize, commit: Option<&str>| crate::SecretFinding {
                rule_id: rule.into(),
                description: String::new(),
                family: String::new(),
                file: file.into(),
                line,
                column: 1,
                secret: String::new(),
                entropy: 0.0,
                fingerprint: String::new(),
                commit: commit.map(|id| crate::CommitRef {
                    id: id.into(),
                    date: String::new(),
                }),
            };
        assert!(list.ignores(&finding("src/a.py", "aws-access-token", 3, None)));
        assert!(list.ignores(&finding("src/a.py", "aws-access-token", 3, Some("ffff"))));
        assert!(!list.ignores(&finding("src/a.py", "aws-access-token", 4, None)));
        assert!(!list.ignores(&finding("src/a.py", "github-pat", 3, None)));
        let c = "0123abcdef4567890000000000000000deadbeef";
        assert!(list.ignores(&finding(
            "conf/dir:with:colon.env",
            "generic-api-key",
            12,
            Some(c)
        )));
        assert!(!list.ignores(&finding(
            "conf/dir:with:colon.env",
            "generic-api-key",
            12,
            None
        )));
        assert!(!list.ignores(&finding(
            "conf/dir:with:colon.env",
            "generic-api-key",
            12,
            Some("99")
        )));
        let err = IgnoreList::parse("ok.py:rule:1\nnot a fingerprint\n").unwrap_err();
        assert!(err.starts_with(".gitleaksignore:2:"), "{err}");
        assert!(IgnoreList::parse("").unwrap().is_empty());
    }
    use crate::engine::Scanner;

    fn ids(set: RuleSet, path: &str, text: &str) -> Vec<String> {
        let s = Scanner::new(set);
        s.scan_bytes(path, text.as_bytes())
            .findings
            .iter()
            .map(|f| s.rule(f.rule).id.clone())
            .collect()
    }

    fn cfg(text: &str) -> RuleSet {
        parse(text, Path::new("."), ".gitleaks.toml").unwrap()
    }

    const CUSTOM: &str = r#"
[[rules]]
id = "acme-internal-token"
description = "ACME internal service token"
regex = '''acme_[a-z0-9]{24}'''
keywords = ["acme_"]
entropy = 3.0

[[allowlists]]
description = "fixtures"
paths = ['''^testdata/''']
"#;

    fn acme() -> String {
        format!("acme_{}", "k3j5h7g9f2d4s6a8q1w3e5r7")
    }

    #[test]
    fn a_config_without_extend_replaces_the_default_rules() {
        let set = cfg(CUSTOM);
        assert_eq!(set.rules.len(), 1);
        let gh = format!("gh{}_{}", "p", "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6");
        let text = format!("x = \"{}\"\ny = \"{gh}\"\n", acme());
        assert_eq!(ids(set, "src/a.py", &text), ["acme-internal-token"]);
    }

    #[test]
    fn path_allowlist_and_keywords() {
        let text = format!("t = {}\n", acme());
        assert_eq!(ids(cfg(CUSTOM), "src/a.py", &text), ["acme-internal-token"]);
        assert!(ids(cfg(CUSTOM), "testdata/a.py", &text).is_empty());
        // Without the keyword in the file the rule does not run (gitleaks' prefilter).
        let mut c = CUSTOM.replace(r#"keywords = ["acme_"]"#, r#"keywords = ["nothere"]"#);
        assert!(ids(cfg(&c), "src/a.py", &text).is_empty());
        // Entropy floor is exclusive: a low-entropy value is dropped.
        c = CUSTOM.replace("entropy = 3.0", "entropy = 4.9");
        assert!(ids(cfg(&c), "src/a.py", &text).is_empty());
    }

    #[test]
    fn use_default_extends_and_disables_and_targets() {
        let gh = format!("gh{}_{}", "p", "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6");
        let text = format!("x = \"{}\"\ny = \"{gh}\"\n", acme());
        let mut c = format!("[extend]\nuseDefault = true\n{CUSTOM}");
        let found = ids(cfg(&c), "src/a.py", &text);
        assert!(found.contains(&"github-pat".to_string()), "{found:?}");
        assert!(found.contains(&"acme-internal-token".to_string()));
        c = format!("[extend]\nuseDefault = true\ndisabledRules = [\"github-pat\"]\n{CUSTOM}");
        assert!(!ids(cfg(&c), "src/a.py", &text).contains(&"github-pat".to_string()));
        c = format!(
            "[extend]\nuseDefault = true\n{CUSTOM}\n[[allowlists]]\ntargetRules = [\"github-pat\"]\nregexTarget = \"line\"\nregexes = ['''^y = ''']\n"
        );
        assert_eq!(ids(cfg(&c), "src/a.py", &text), ["acme-internal-token"]);
        c = "[[allowlists]]\ntargetRules = [\"nope\"]\nregexes = ['''x''']\n".to_string();
        assert!(parse(&c, Path::new("."), "t").unwrap_err().contains("nope"));
    }

    #[test]
    fn and_condition_needs_every_check() {
        let c = format!(
            "{}\n[[rules.allowlists]]\ncondition = \"AND\"\npaths = ['''^src/''']\nstopWords = [\"k3j5\"]\n",
            CUSTOM.split("[[allowlists]]").next().unwrap()
        );
        let text = format!("t = {}\n", acme());
        assert!(ids(cfg(&c), "src/a.py", &text).is_empty());
        assert_eq!(ids(cfg(&c), "lib/a.py", &text), ["acme-internal-token"]);
    }

    #[test]
    fn legacy_allowlist_and_rule_allowlist() {
        let c = r#"
[[rules]]
id = "acme"
regex = '''acme_([a-z0-9]{24})'''
secretGroup = 1
[rules.allowlist]
regexes = ['''^k3j5''']

[allowlist]
paths = ['''\.md$''']
"#;
        let text = format!("t = {}\n", acme());
        assert!(ids(cfg(c), "src/a.py", &text).is_empty());
        let other = "t = acme_zz9y8x7w6v5u4t3s2r1q0p9o\n";
        assert_eq!(ids(cfg(c), "src/a.py", other), ["acme"]);
        assert!(ids(cfg(c), "README.md", other).is_empty());
    }

    #[test]
    fn extend_path_overrides_fields() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("base.toml"),
            "[[rules]]\nid = \"acme\"\nregex = '''acme_[a-z0-9]{24}'''\nkeywords = [\"acme_\"]\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join(".gitleaks.toml"),
            "[extend]\npath = \"base.toml\"\n[[rules]]\nid = \"acme\"\ndescription = \"overridden\"\nentropy = 4.9\n",
        )
        .unwrap();
        let set = load(&dir.path().join(".gitleaks.toml")).unwrap();
        assert_eq!(set.rules.len(), 1);
        assert_eq!(set.rules[0].description, "overridden");
        assert_eq!(set.rules[0].entropy, 4.9);
        assert!(set.rules[0].regex.is_some());
    }

    #[test]
    fn bad_configs_are_errors_not_panics() {
        for bad in [
            "[[rules]]\nid = \"x\"\nregex = '''(unclosed'''\n",
            "[[rules]]\nid = \"x\"\n",
            "[[rules]]\nregex = 'a'\n",
            "[[allowlists]]\ndescription = \"empty\"\n",
            "[[allowlists]]\ncondition = \"XOR\"\npaths=['a']\n",
            "[extend]\nuseDefault = true\npath = \"x\"\n",
            "not toml [",
        ] {
            assert!(parse(bad, Path::new("."), "t").is_err(), "{bad}");
        }
    }
}
