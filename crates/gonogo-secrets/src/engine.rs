//! The per-file scanner: an Aho-Corasick keyword prefilter over the whole file, then each
//! candidate rule's regex over the lines where its keywords occur (or the whole file for
//! multi-line rules), then the filters: entropy floor, placeholders, code-shaped values,
//! inline allow markers, allowlists.

use super::{Candidate, Rule, RuleSet, SecretFinding, fingerprint};
use crate::redact::shannon_entropy;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use gonogo_parsers::LineIndex;

/// Bytes scanned for a NUL to decide a file is binary (as git and ripgrep do).
const BINARY_PROBE: usize = 8192;
/// Around a keyword in a very long line (minified code), only this many bytes either side
/// are handed to the rule's regex.
const WINDOW: usize = 1024;
/// Inline markers that allow a finding on their line.
const ALLOW_MARKERS: [&[u8]; 2] = [b"gonogo:allow", b"gitleaks:allow"];

/// A match before it is turned into a [`SecretFinding`].
#[derive(Debug, Clone)]
pub struct RawFinding {
    pub rule: usize,
    pub secret: String,
    pub secret_bytes: Vec<u8>,
    pub start: usize,
    pub end: usize,
    pub line: usize,
    pub column: usize,
    pub entropy: f64,
}

/// What scanning one file gave.
#[derive(Debug, Default)]
pub struct FileResult {
    pub binary: bool,
    pub findings: Vec<RawFinding>,
}

/// A compiled rule set, ready to scan many files from many threads.
pub struct Scanner {
    set: RuleSet,
    ac: Option<AhoCorasick>,
    /// Keyword pattern index → rules using it.
    keyword_rules: Vec<Vec<usize>>,
    /// Rules with no keyword (run on every file).
    always: Vec<usize>,
    /// gitleaks path-only rules.
    path_only: Vec<usize>,
}

impl Scanner {
    pub fn new(set: RuleSet) -> Self {
        let mut keywords: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut always = Vec::new();
        let mut path_only = Vec::new();
        for (i, rule) in set.rules.iter().enumerate() {
            if rule.regex.is_none() {
                path_only.push(i);
                continue;
            }
            if rule.keywords.is_empty() {
                always.push(i);
                continue;
            }
            for k in &rule.keywords {
                let k = k.to_lowercase();
                match keywords.iter().position(|x| *x == k) {
                    Some(p) => {
                        if !keyword_rules[p].contains(&i) {
                            keyword_rules[p].push(i)
                        }
                    }
                    None => {
                        keywords.push(k);
                        keyword_rules.push(vec![i]);
                    }
                }
            }
        }
        let ac = (!keywords.is_empty()).then(|| {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(&keywords)
                .expect("keyword automaton")
        });
        Scanner {
            set,
            ac,
            keyword_rules,
            always,
            path_only,
        }
    }

    pub fn rules(&self) -> &[Rule] {
        &self.set.rules
    }

    pub fn rule(&self, i: usize) -> &Rule {
        &self.set.rules[i]
    }

    pub fn source(&self) -> &str {
        &self.set.source
    }

    /// True when a global allowlist allows every finding in this path, so the file need not
    /// be read at all.
    pub fn path_fully_allowed(&self, path: &str, _commit: Option<&str>) -> bool {
        let custom = self.set.rules.iter().any(|r| !r.builtin);
        self.set
            .allowlists
            .iter()
            .any(|a| (!a.builtin_only || !custom) && a.allows_whole_path(path))
    }

    /// The reportable form of a raw finding.
    pub fn finding(
        &self,
        raw: &RawFinding,
        path: &str,
        commit: Option<super::CommitRef>,
    ) -> SecretFinding {
        let rule = self.rule(raw.rule);
        SecretFinding {
            rule_id: rule.id.clone(),
            description: rule.description.clone(),
            family: rule.family.clone(),
            file: path.to_string(),
            line: raw.line,
            column: raw.column,
            secret: crate::redact::redact_secret(&raw.secret),
            entropy: (raw.entropy * 100.0).round() / 100.0,
            fingerprint: fingerprint(&rule.id, path, &raw.secret_bytes),
            commit,
        }
    }

    /// Scan one file's bytes. `path` is relative with forward slashes (rules and allowlists
    /// match on it). Never panics, whatever the bytes.
    pub fn scan_bytes(&self, path: &str, bytes: &[u8]) -> FileResult {
        self.scan_bytes_at(path, bytes, None)
    }

    pub fn scan_bytes_at(&self, path: &str, bytes: &[u8], commit: Option<&str>) -> FileResult {
        let mut out = FileResult::default();
        let probe = &bytes[..bytes.len().min(BINARY_PROBE)];
        if memchr::memchr(0, probe).is_some() {
            out.binary = true;
            return out;
        }
        let lines = LineIndex::new(bytes);

        for &i in &self.path_only {
            let rule = &self.set.rules[i];
            if rule.path.as_ref().is_some_and(|p| p.is_match(path)) {
                let cand = Candidate {
                    path,
                    commit,
                    secret: b"",
                    matched: b"",
                    line: b"",
                };
                if !self.allowed(rule, &cand) {
                    out.findings.push(RawFinding {
                        rule: i,
                        secret: String::new(),
                        secret_bytes: Vec::new(),
                        start: 0,
                        end: 0,
                        line: 1,
                        column: 1,
                        entropy: 0.0,
                    });
                }
            }
        }

        // Keyword prefilter: which rules may match, and where.
        let mut hits: Vec<(usize, usize)> = Vec::new();
        if let Some(ac) = &self.ac {
            for m in ac.find_overlapping_iter(bytes) {
                for &r in &self.keyword_rules[m.pattern().as_usize()] {
                    hits.push((r, m.start()));
                }
            }
        }
        for &r in &self.always {
            hits.push((r, usize::MAX));
        }
        if hits.is_empty() {
            return out;
        }
        hits.sort_unstable();

        let mut k = 0;
        while k < hits.len() {
            let rule_idx = hits[k].0;
            let mut j = k;
            while j < hits.len() && hits[j].0 == rule_idx {
                j += 1;
            }
            let rule = &self.set.rules[rule_idx];
            if rule.path.as_ref().is_none_or(|p| p.is_match(path)) {
                let whole = rule.whole_file || hits[k].1 == usize::MAX;
                if whole {
                    self.run_rule(
                        rule_idx,
                        bytes,
                        0,
                        bytes.len(),
                        path,
                        commit,
                        &lines,
                        &mut out,
                    );
                } else {
                    let mut windows: Vec<(usize, usize)> = Vec::new();
                    for &(_, pos) in &hits[k..j] {
                        let w = window(&lines, pos);
                        match windows.last_mut() {
                            Some(last) if w.0 <= last.1 => last.1 = last.1.max(w.1),
                            _ => windows.push(w),
                        }
                    }
                    for (s, e) in windows {
                        self.run_rule(rule_idx, bytes, s, e, path, commit, &lines, &mut out);
                    }
                }
            }
            k = j;
        }
        dedup_overlaps(&self.set.rules, &mut out.findings);
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn run_rule(
        &self,
        rule_idx: usize,
        bytes: &[u8],
        from: usize,
        to: usize,
        path: &str,
        commit: Option<&str>,
        lines: &LineIndex,
        out: &mut FileResult,
    ) {
        let rule = &self.set.rules[rule_idx];
        let Some(re) = &rule.regex else { return };
        let hay = &bytes[from..to];
        for caps in re.captures_iter(hay) {
            let whole = caps.get(0).expect("group 0");
            let secret_m = match rule.secret_group {
                Some(g) => caps.get(g),
                None => (1..caps.len())
                    .filter_map(|g| caps.get(g))
                    .find(|m| !m.is_empty())
                    .or(Some(whole)),
            };
            let Some(sm) = secret_m else { continue };
            if sm.is_empty() {
                continue;
            }
            let secret_bytes = sm.as_bytes();
            let start = from + sm.start();
            let end = from + sm.end();
            if out
                .findings
                .iter()
                .any(|f| f.rule == rule_idx && f.start == start && f.end == end)
            {
                continue;
            }
            let entropy = shannon_entropy(secret_bytes);
            if rule.entropy > 0.0 && entropy <= rule.entropy {
                continue;
            }
            let secret = String::from_utf8_lossy(secret_bytes).into_owned();
            if rule.builtin {
                if is_placeholder(&secret) {
                    continue;
                }
                if rule.assignment
                    && let Some(name) = caps.get(1)
                    && !name_boundary_ok(bytes, from + name.start())
                {
                    continue;
                }
                if rule.generic {
                    let quoted = start > 0 && matches!(bytes[start - 1], b'"' | b'\'' | b'`');
                    // In program source an unquoted value is an expression, not a literal.
                    if !quoted && is_code_file(path) {
                        continue;
                    }
                    if !plausible_generic_secret(&secret, quoted) {
                        continue;
                    }
                }
            } else if rule.id.starts_with("generic")
                && rule.entropy > 0.0
                && !secret_bytes.iter().any(u8::is_ascii_digit)
            {
                // gitleaks: generic rules with an entropy floor need a digit in the secret.
                continue;
            }
            let match_start = from + whole.start();
            let match_end = from + whole.end();
            let (ls, le) = line_span(lines, start);
            let line_bytes = &bytes[ls..le];
            if has_allow_marker(line_bytes)
                || has_allow_marker(
                    &bytes[line_span(lines, match_end.saturating_sub(1)).0
                        ..line_span(lines, match_end.saturating_sub(1)).1],
                )
            {
                continue;
            }
            let cand = Candidate {
                path,
                commit,
                secret: secret_bytes,
                matched: &bytes[match_start..match_end],
                line: line_bytes,
            };
            if self.allowed(rule, &cand) {
                continue;
            }
            let line = lines.line(start);
            out.findings.push(RawFinding {
                rule: rule_idx,
                secret,
                secret_bytes: secret_bytes.to_vec(),
                start,
                end,
                line,
                column: start - ls + 1,
                entropy,
            });
        }
    }

    fn allowed(&self, rule: &Rule, c: &Candidate<'_>) -> bool {
        rule.allowlists.iter().any(|a| a.allows(c))
            || self
                .set
                .allowlists
                .iter()
                .any(|a| (!a.builtin_only || rule.builtin) && a.allows(c))
    }
}

/// Where a secret overlaps another, keep one: specific rules win over generic ones, then the
/// rule listed first. Only among built-in rules (gitleaks reports every custom match).
fn dedup_overlaps(rules: &[Rule], findings: &mut Vec<RawFinding>) {
    if findings.len() < 2 {
        return;
    }
    let rank = |f: &RawFinding| (rules[f.rule].generic, f.rule);
    let mut keep = vec![true; findings.len()];
    for i in 0..findings.len() {
        for j in 0..findings.len() {
            if i == j || !keep[j] {
                continue;
            }
            let (a, b) = (&findings[i], &findings[j]);
            if !(rules[a.rule].builtin && rules[b.rule].builtin) {
                continue;
            }
            let overlap = a.start < b.end && b.start < a.end;
            if overlap && rank(b) < rank(a) {
                keep[i] = false;
                break;
            }
        }
    }
    let mut it = keep.into_iter();
    findings.retain(|_| it.next().unwrap_or(true));
    findings.sort_by_key(|f| (f.start, f.rule));
}

/// The line holding `pos`, without its newline: (start, end).
fn line_span(lines: &LineIndex, pos: usize) -> (usize, usize) {
    let r = lines.line_range(lines.line(pos));
    (r.start, r.end)
}

/// The window a line-bound rule sees around a keyword at `pos`: its line, cut to `WINDOW`
/// bytes either side in very long lines.
fn window(lines: &LineIndex, pos: usize) -> (usize, usize) {
    let (s, e) = line_span(lines, pos);
    (s.max(pos.saturating_sub(WINDOW)), e.min(pos + WINDOW))
}

fn has_allow_marker(line: &[u8]) -> bool {
    ALLOW_MARKERS
        .iter()
        .any(|m| memchr::memmem::find(line, m).is_some())
}

/// Words that mark a value as a stand-in, not a credential.
const PLACEHOLDER_WORDS: &[&str] = &[
    "changeme",
    "change_me",
    "change-me",
    "changethis",
    "change_this",
    "change-this",
    "replaceme",
    "replace_me",
    "replace-me",
    "your_",
    "your-",
    "yourkey",
    "yourtoken",
    "yoursecret",
    "yourpassword",
    "placeholder",
    "example",
    "dummy",
    "redacted",
    "xxxx",
    "****",
    "....",
    "${",
    "{{",
    "$(",
    "%(",
    "<%",
    "#{",
    "insert_",
    "insert-",
    "fixme",
    "notreal",
    "not_real",
    "not-real",
    "not_a_real",
    "not-a-real",
    "fake",
    "sample",
];

/// A value that stands in for a secret: `changeme`, `xxxxx`, `<your-key>`, `${VAR}`,
/// `%NAME%`, `$NAME`, the documented example keys, runs of one character.
pub fn is_placeholder(secret: &str) -> bool {
    let lower = secret.to_ascii_lowercase();
    if PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w)) {
        return true;
    }
    let t = secret.trim();
    if (t.starts_with('<') && t.ends_with('>'))
        || (t.starts_with('%') && t.ends_with('%') && t.len() > 2)
        || (t.starts_with('$')
            && t[1..]
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit()))
        || t.contains('<') && t.contains('>')
    {
        return true;
    }
    // A run of one character making up a third of the value, or a keyboard/alphabet
    // sequence.
    let b = t.as_bytes();
    let mut longest = 0;
    let mut run = 0;
    for (i, c) in b.iter().enumerate() {
        run = if i > 0 && b[i - 1] == *c { run + 1 } else { 1 };
        longest = longest.max(run);
    }
    if longest >= 5 && longest * 3 >= b.len() {
        return true;
    }
    ["12345678", "abcdefgh", "qwertyui", "01234567"]
        .iter()
        .any(|s| lower.contains(s))
}

/// Stop words of generic rules: values that are words of code or tests, not secrets.
const GENERIC_STOPWORDS: &[&str] = &[
    "test",
    "true",
    "false",
    "null",
    "none",
    "undefined",
    "password",
    "secret",
    "token",
    "string",
    "bytes",
    "hidden",
    "default",
    "required",
    "optional",
    "enabled",
    "disabled",
];

/// For generic rules: does the value look like a credential rather than code, a path, a URL,
/// an identifier or a word?
pub fn plausible_generic_secret(secret: &str, quoted: bool) -> bool {
    let lower = secret.to_ascii_lowercase();
    if GENERIC_STOPWORDS.iter().any(|w| lower.contains(w)) {
        return false;
    }
    let b = secret.as_bytes();
    let has_digit = b.iter().any(u8::is_ascii_digit);
    let has_upper = b.iter().any(u8::is_ascii_uppercase);
    let has_lower = b.iter().any(u8::is_ascii_lowercase);
    let has_symbol = b
        .iter()
        .any(|c| c.is_ascii_punctuation() && !matches!(c, b'_' | b'-' | b'.'));
    let classes = [has_digit, has_upper, has_lower, has_symbol]
        .iter()
        .filter(|x| **x)
        .count();
    if classes < 2 {
        return false;
    }
    let ident = |s: &str| {
        let mut cs = s.bytes();
        cs.next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_' || c == b'$')
            && cs.all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'$')
    };
    // An identifier (`getPassword`, `DB_PASS_VAR`) unquoted is code; a dotted path of
    // identifiers (`settings.api.key`) is code either way.
    if !quoted && ident(secret) && !has_digit {
        return false;
    }
    if secret.contains('.') && secret.split('.').all(ident) && !has_digit {
        return false;
    }
    if secret.starts_with(':')
        || secret.contains("::")
        || secret.contains("://")
        || secret.starts_with('/')
        || secret.starts_with("./")
        || secret.starts_with("~/")
    {
        return false;
    }
    // A path-like value: slashes and no uppercase or base64 padding.
    if secret.contains('/') && !has_upper && !secret.contains('+') && !secret.contains('=') {
        return false;
    }
    // Calls, indexing and templates are code.
    !secret.contains(['(', ')', '[', ']', '{', '}'])
}

/// Program source, where a literal value is quoted (config files and shell need not quote).
fn is_code_file(path: &str) -> bool {
    const CODE: &[&str] = &[
        "rs", "py", "pyi", "js", "jsx", "mjs", "cjs", "ts", "tsx", "go", "java", "kt", "kts",
        "scala", "c", "h", "cc", "cpp", "cxx", "hpp", "hh", "m", "mm", "cs", "fs", "swift", "rb",
        "php", "pl", "pm", "lua", "dart", "ex", "exs", "erl", "hs", "ml", "clj", "groovy", "vue",
        "svelte", "zig", "nim", "jl", "r", "sql", "html", "htm", "xml", "css",
    ];
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| CODE.iter().any(|c| ext.eq_ignore_ascii_case(c)))
}

/// A name matched by an assignment rule must start a word: `db_password`, `dbPassword`,
/// not `compass`.
fn name_boundary_ok(bytes: &[u8], name_start: usize) -> bool {
    if name_start == 0 {
        return true;
    }
    let prev = bytes[name_start - 1];
    let first = bytes[name_start];
    if !prev.is_ascii_alphanumeric() {
        return true;
    }
    (prev.is_ascii_lowercase() || prev.is_ascii_digit()) && first.is_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::builtin_rules;

    fn scan(text: &str) -> Vec<String> {
        let s = Scanner::new(builtin_rules());
        s.scan_bytes("config.env", text.as_bytes())
            .findings
            .iter()
            .map(|f| s.rule(f.rule).id.clone())
            .collect()
    }

    fn gh() -> String {
        // Built from pieces so this file does not itself hold a token.
        format!("gh{}_{}", "p", "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6")
    }

    #[test]
    fn placeholders() {
        for p in [
            "changeme",
            "xxxxxxxxxxxx",
            "<your-key>",
            "${API_KEY}",
            "%NUGET_PASSWORD%",
            "$DB_PASSWORD",
            "AKIAIOSFODNN7EXAMPLE",
            "your-secret-key",
        ] {
            assert!(is_placeholder(p), "{p}");
        }
        assert!(!is_placeholder("aB3dE6gH9jK2mN5pQ8sT"));
    }

    #[test]
    fn inline_marker_allows_a_line() {
        let line = format!("token = \"{}\"", gh());
        assert_eq!(scan(&line), ["github-pat"]);
        assert!(scan(&format!("{line} # gonogo:allow")).is_empty());
        assert!(scan(&format!("{line} // gitleaks:allow")).is_empty());
    }

    #[test]
    fn specific_rule_wins_over_generic() {
        assert_eq!(scan(&format!("api_token = \"{}\"", gh())), ["github-pat"]);
    }

    #[test]
    fn binary_and_non_utf8_and_long_lines() {
        let s = Scanner::new(builtin_rules());
        let mut bin = b"\x00\x01\x02".to_vec();
        bin.extend_from_slice(gh().as_bytes());
        assert!(s.scan_bytes("a.bin", &bin).binary);

        let mut latin1 = b"caf\xe9 = 1\n token=".to_vec();
        latin1.extend_from_slice(gh().as_bytes());
        latin1.extend_from_slice(b" \xff\xfe\n");
        let r = s.scan_bytes("a.txt", &latin1);
        assert_eq!(r.findings.len(), 1);
        assert_eq!(r.findings[0].line, 2);

        // A 3 MB minified line with a token in the middle.
        let mut min = "var a=1;".repeat(200_000);
        min.push_str(&format!("var t=\"{}\";", gh()));
        min.push_str(&"var b=2;".repeat(200_000));
        let r = s.scan_bytes("app.min.js", min.as_bytes());
        assert_eq!(r.findings.len(), 1);
        assert_eq!(r.findings[0].line, 1);
        assert_eq!(r.findings[0].column, 200_000 * 8 + 8);
    }

    #[test]
    fn code_is_not_a_generic_secret() {
        for code in [
            "password = form.cleaned_data['password']",
            "let token = next_token;",
            "api_key = config.api_key",
            "secret = get_secret()",
            "compass_heading = 'NNW12345abc'",
            "password_path = '/run/secrets/db_password'",
        ] {
            assert!(scan(code).is_empty(), "{code}: {:?}", scan(code));
        }
        assert_eq!(scan("DB_PASSWORD=Tr0ub4dor#3xyzQ"), ["generic-password"]);
        for code in [
            "pass_len: ::std::os::raw::c_int,",
            "f(password, Other123Value)",
        ] {
            assert!(scan(code).is_empty(), "{code}");
        }
        // In program source only a quoted literal is a value.
        let s = Scanner::new(builtin_rules());
        let unquoted = b"let k: PrivateKeyDer2 = x;\nsecret = Tr0ub4dor3xyzQ9wLm\n";
        assert!(s.scan_bytes("src/a.rs", unquoted).findings.is_empty());
        assert_eq!(s.scan_bytes("conf/a.ini", unquoted).findings.len(), 1);
        assert_eq!(
            scan("userPassword: 'Tr0ub4dor#3xyzQ'"),
            ["generic-password"]
        );
    }
}
