//! The item as the recognition engine reads it: text normalised once, then words.
//!
//! Normalising is what lets one vocabulary serve every way of writing the same item: Markdown
//! is already stripped by the checklist parser; here leading ids (`**SEC-012** —`, `1.2.3`,
//! `[P0]`), first-person and question forms, and punctuation go, every word is lower-cased
//! and reduced to a crude stem (`limits` → `limit`, `configured` → `configur`), so that a
//! term written once in a kind's doc matches its plural and its participle.

use std::sync::OnceLock;

use regex::Regex;

use crate::check::ItemRef;

/// Where in the item a term was found: the first line is the item's claim, continuation
/// lines and headings only support it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    Lead,
    Rest,
    Context,
}

impl Place {
    pub fn label(self) -> &'static str {
        match self {
            Place::Lead => "",
            Place::Rest => " (continuation line)",
            Place::Context => " (heading)",
        }
    }
}

/// One item, normalised for matching.
#[derive(Debug, Clone)]
pub struct Text<'a> {
    /// The matching text as the parser gave it (markup stripped), leading id removed: what
    /// value readers read numbers, names and paths from.
    pub plain: String,
    /// The item as written, markup kept (code spans name commands and files).
    pub display: &'a str,
    lead: Words,
    rest: Words,
    context: Words,
    /// The item states its requirement as a negation ("no secrets in …", "never run as root").
    pub negated: bool,
    /// "(if applicable)", "if you use …", "where relevant": the item applies only where its
    /// subject exists.
    pub conditional: bool,
    /// The item is phrased as a question ("Is HSTS enabled?").
    pub question: bool,
    /// The bounds the item states, as written: comparisons with a number ("≤ 1", "at least
    /// 3", "under 200ms", "> 80%"), ranges, windows ("over the last 30 days").
    pub bounds: Vec<String>,
    /// The item sits in a list of conditions that must be false ("No-Go if any of these is
    /// true"): its words name what must not hold, which is what the check refuses.
    pub must_be_false: bool,
}

use super::re;

/// Leading ids and bold prefixes: `SEC-012 —`, `ABC-12-003:`, `1.2.3`, `[P0]`, `(a)`, `#12`.
fn strip_leading_id(s: &str) -> &str {
    static ID: OnceLock<Regex> = OnceLock::new();
    let id = re(
        &ID,
        r"^\s*(?:\[?[A-Z][A-Z0-9]{0,9}(?:[-_.][A-Z0-9]+)+\]?|\d+(?:\.\d+)*\.?|\[[A-Za-z0-9 _.-]{1,12}\]|\([a-z0-9]{1,3}\)|#\d+|P[0-4])(?:\s*[-—–:.)|]\s*|\s+)",
    );
    let mut s = s;
    for _ in 0..3 {
        match id.find(s) {
            // Only a prefix followed by words: "1.5s" or "P0" alone are not ids; nor is a
            // variable name (`JWT_SECRET is …`), whose parts only underscores join.
            Some(m)
                if m.end() > 0
                    && m.end() < s.len()
                    && s[m.end()..].starts_with(char::is_alphabetic)
                    && !is_variable_name(m.as_str()) =>
            {
                s = &s[m.end()..];
            }
            _ => break,
        }
    }
    s
}

/// `JWT_SECRET`, `CORS_ORIGINS`: an identifier of words joined by underscores, not an id.
fn is_variable_name(prefix: &str) -> bool {
    let token = prefix
        .trim()
        .split(|c: char| c.is_whitespace() || "—–:|)".contains(c))
        .next()
        .unwrap_or_default();
    token.contains('_') && !token.contains(['-', '.'])
}

const NEGATIONS: &[&str] = &[
    "no", "not", "never", "without", "none", "zero", "nobody", "noth",
];

/// A crude suffix stripper, applied alike to item words and to vocabulary terms, so only
/// consistency matters: plurals and the common verb endings fold onto one form.
pub fn stem(word: &str) -> String {
    if !word.is_ascii() || word.len() <= 3 {
        return word.to_string();
    }
    // Plurals first, then verb endings, then a final `e`: "probes", "probe" and "probed"
    // all end at "prob".
    let mut w = if let Some(s) = word.strip_suffix("ies").filter(|_| word.len() > 4) {
        format!("{s}y")
    } else if let Some(s) = word
        .strip_suffix("es")
        .filter(|s| s.ends_with("ss") || s.ends_with("sh") || s.ends_with("ch") || s.ends_with('x'))
    {
        s.to_string()
    } else if let Some(s) = word
        .strip_suffix('s')
        .filter(|_| !(word.ends_with("ss") || word.ends_with("us") || word.ends_with("is")))
    {
        s.to_string()
    } else {
        word.to_string()
    };
    let verb = if let Some(s) = w.strip_suffix("ing").filter(|s| s.len() >= 3) {
        Some(s.to_string())
    } else {
        w.strip_suffix("ed")
            .filter(|s| s.len() >= 3 && !s.ends_with('e'))
            .map(str::to_string)
    };
    if let Some(mut s) = verb {
        // "scanned" → "scan", "pinned" → "pin"; "installed" keeps its "ll".
        let b = s.as_bytes();
        if b.len() >= 2 && b[b.len() - 1] == b[b.len() - 2] && !b"lsz".contains(&b[b.len() - 1]) {
            s.pop();
        }
        w = s;
    }
    if w.len() > 4 && w.ends_with('e') {
        w.pop();
    }
    w
}

/// Words of `s`: lower-cased, split at anything not a letter or digit (`Content-Security-Policy`
/// is three words, `blue/green` two), `n't` read as `not`, each stemmed.
pub fn words(s: &str) -> Vec<String> {
    raw_words(s).iter().map(|w| stem(w)).collect()
}

/// Words of `s` lower-cased but not stemmed: what a prefix term (`image*`) is matched against.
fn raw_words(s: &str) -> Vec<String> {
    let lower = s
        .to_lowercase()
        .replace("n't", " not")
        .replace("n’t", " not");
    lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// A run of words, each stemmed and as written.
#[derive(Debug, Clone, Default)]
struct Words {
    stems: Vec<String>,
    raw: Vec<String>,
}

impl Words {
    fn of(s: &str) -> Words {
        let raw = raw_words(s);
        Words {
            stems: raw.iter().map(|w| stem(w)).collect(),
            raw,
        }
    }
    fn len(&self) -> usize {
        self.stems.len()
    }
    fn tail(&self, from: usize) -> Words {
        Words {
            stems: self
                .stems
                .get(from..)
                .map(<[String]>::to_vec)
                .unwrap_or_default(),
            raw: self
                .raw
                .get(from..)
                .map(<[String]>::to_vec)
                .unwrap_or_default(),
        }
    }
    fn extend(&mut self, other: Words) {
        self.stems.extend(other.stems);
        self.raw.extend(other.raw);
    }
}

impl<'a> Text<'a> {
    pub fn new(item: &ItemRef<'a>) -> Text<'a> {
        static CONDITIONAL: OnceLock<Regex> = OnceLock::new();
        static MUST_BE_FALSE: OnceLock<Regex> = OnceLock::new();
        let plain = strip_leading_id(item.text).trim().to_string();
        let lead_src = if item.lead.is_empty() || !item.text.starts_with(item.lead.trim()) {
            item.text
        } else {
            item.lead
        };
        let lead_src = strip_leading_id(lead_src);
        let lead = Words::of(lead_src);
        let rest = Words::of(&plain).tail(lead.len());
        let mut context = Words::default();
        for c in item.context {
            context.extend(Words::of(c));
        }
        let negated = lead.stems.iter().any(|w| NEGATIONS.contains(&w.as_str()));
        let conditional = re(
            &CONDITIONAL,
            r"(?i)\((?:if|when|where)\b[^)]*\)|\bif (?:applicable|relevant|needed|any|used|present|you use|we use|using)\b|\bwhere (?:applicable|relevant)\b|^(?:if|when) (?:you|we|the (?:app|service))\b",
        )
        .is_match(&plain);
        let question = plain.trim_end().ends_with('?');
        let no_go = re(
            &MUST_BE_FALSE,
            r"(?i)\bno[- ]?go (?:if|when)\b|\b(?:do not|don't|must not|never) (?:deploy|release|ship|proceed|go live|launch)\b.*\b(?:if|while|when)\b|\b(?:abort|stop|halt|roll ?back|rollback) (?:the (?:release|rollout|deploy(?:ment)?) )?(?:if|when)\b|\bblockers?\b|\bshow[- ]?stoppers?\b|\bred flags?\b|\bnever (?:go|ship|deploy|release) (?:to production |live )?with\b|\bany of (?:these|the following) (?:is|are) true\b",
        );
        let must_be_false = item.context.iter().any(|c| no_go.is_match(c));
        static BOUND: OnceLock<Regex> = OnceLock::new();
        // A comparison with a number (or a number word: "at least one year"), a range
        // ("between 3 and 12"), a relation ("exactly twice the request") or a setting given
        // a value ("minAvailable: 2", "port 8080").
        let bound = re(
            &BOUND,
            r"(?i)(?:[<>≤≥]=?|=<|>=|\b(?:at least|at most|no more than|no less than|less than|more than|fewer than|greater than|younger than|newer than|older than|under|below|above|over(?: the (?:last|past))?|within(?: the (?:last|past))?|max(?:imum)?|min(?:imum)?|up to|exceeds?|between|exactly)\b:?)\s*~?\s*(?:\d[\d.,]*|(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|a|an)\b)\s*(?:%|(?:ms|s|secs?|seconds?|m|mins?|minutes?|h|hours?|d|days?|weeks?|months?|years?|rps|req/s|requests?|replicas?|gb|mb|kb|gib|mib|chars?|characters|x)\b)?|\b(?:twice|three times|exactly)\b(?: the)?|\b[a-z][a-zA-Z]+:\s*\d+\b|\bport\s+\d+",
        )
        .find_iter(&plain)
        .map(|m| m.as_str().trim().to_string())
        .collect::<Vec<_>>();
        Text {
            plain,
            display: item.display,
            lead,
            rest,
            context,
            negated,
            conditional,
            question,
            bounds: bound,
            must_be_false,
        }
    }

    /// Where `term` occurs (its first, best place), if anywhere.
    pub fn find(&self, term: &Term) -> Option<Place> {
        if term.occurs_in(&self.lead) {
            Some(Place::Lead)
        } else if term.occurs_in(&self.rest) {
            Some(Place::Rest)
        } else if term.occurs_in(&self.context) {
            Some(Place::Context)
        } else {
            None
        }
    }

    /// The stemmed words just before and just after `term`'s first occurrence on the first
    /// line: "rate limit **headers**", "handling **of** rate limits".
    pub fn neighbours(&self, term: &Term) -> Option<(Option<&str>, Option<&str>)> {
        let at = term.position_in(&self.lead)?;
        let end = at + term.words.len();
        let before = at.checked_sub(1).map(|i| self.lead.stems[i].as_str());
        let after = self.lead.stems.get(end).map(String::as_str);
        Some((before, after))
    }

    /// The item's code spans as written (`` `alembic heads` ``), trimmed, empty ones left out.
    pub fn code_spans(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let display: &'a str = self.display;
        display
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::trim)
            .filter(|s| !s.is_empty() && !s.contains('\n'))
    }

    /// Where `term` occurs in the item itself (headings not counted).
    pub fn find_in_item(&self, term: &Term) -> Option<Place> {
        self.find(term).filter(|p| *p != Place::Context)
    }
}

/// A vocabulary term compiled to words: `pod disruption budget`, `autoscal*` (a prefix),
/// `content security policy`.
#[derive(Debug, Clone)]
pub struct Term {
    pub written: &'static str,
    words: Vec<(String, bool)>,
}

impl Term {
    /// The term's words as matched (stems, or prefixes).
    pub fn stems(&self) -> impl Iterator<Item = &str> {
        self.words.iter().map(|(w, _)| w.as_str())
    }
}

impl Term {
    pub fn new(written: &'static str) -> Term {
        let words = written
            .split_whitespace()
            .flat_map(|w| {
                let prefix = w.ends_with('*');
                let w = w.trim_end_matches('*');
                let parts = words(w);
                let last = parts.len().saturating_sub(1);
                parts
                    .into_iter()
                    .enumerate()
                    .map(move |(i, p)| {
                        if prefix && i == last {
                            // A prefix is matched as written, unstemmed.
                            let raw = w.to_lowercase();
                            let raw = raw
                                .rsplit(|c: char| !c.is_alphanumeric())
                                .next()
                                .unwrap_or_default()
                                .to_string();
                            (raw, true)
                        } else {
                            (p, false)
                        }
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        Term { written, words }
    }

    fn occurs_in(&self, hay: &Words) -> bool {
        self.position_in(hay).is_some()
    }

    /// Where the term's first occurrence in `hay` starts.
    fn position_in(&self, hay: &Words) -> Option<usize> {
        let n = self.words.len();
        if n == 0 || hay.len() < n {
            return None;
        }
        (0..=hay.len() - n).find(|&at| {
            self.words.iter().enumerate().all(|(i, (w, prefix))| {
                if *prefix {
                    // A prefix is matched against the word as written and as stemmed, so
                    // `image*` finds "images" and "imag*" still works.
                    hay.raw[at + i].starts_with(w.as_str())
                        || hay.stems[at + i].starts_with(w.as_str())
                } else {
                    hay.stems[at + i] == *w
                }
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text<'a>(t: &'a str, context: &'a [String]) -> Text<'a> {
        Text::new(&ItemRef {
            text: t,
            lead: "",
            display: t,
            context,
        })
    }

    #[test]
    fn stems_fold_plurals_and_participles() {
        assert_eq!(
            words("Limits requests probes policies configured configuring"),
            ["limit", "request", "prob", "policy", "configur", "configur"]
        );
        assert_eq!(
            words("scanned scan pinned installed"),
            ["scan", "scan", "pin", "install"]
        );
        assert_eq!(words("PodDisruptionBudgets"), ["poddisruptionbudget"]);
        assert_eq!(
            words("Content-Security-Policy"),
            ["content", "security", "policy"]
        );
        assert_eq!(words("don't"), ["do", "not"]);
    }

    #[test]
    fn leading_ids_go() {
        for (input, want) in [
            ("SEC-012 — Enable HSTS", "Enable HSTS"),
            (
                "ABC-12-003: TLS certificates valid",
                "TLS certificates valid",
            ),
            ("1.2.3 Backups run nightly", "Backups run nightly"),
            ("[P0] Alerts routed", "Alerts routed"),
            ("(a) Alerts routed", "Alerts routed"),
            ("1.5s p95 latency", "1.5s p95 latency"),
            (
                "JWT_SECRET is at least 32 characters",
                "JWT_SECRET is at least 32 characters",
            ),
            (
                "CORS_ORIGINS is not * in any env file",
                "CORS_ORIGINS is not * in any env file",
            ),
        ] {
            assert_eq!(text(input, &[]).plain, want, "{input}");
        }
    }

    #[test]
    fn terms_match_words_prefixes_and_sequences() {
        let t = text("We configured Horizontal Pod Autoscalers for the API", &[]);
        assert_eq!(t.find(&Term::new("autoscal*")), Some(Place::Lead));
        assert_eq!(t.find(&Term::new("pod autoscaler")), Some(Place::Lead));
        assert_eq!(t.find(&Term::new("hpa")), None);
        // A prefix is matched against the word as written: `image*` finds "images".
        let t = text("Images pinned to a database digest", &[]);
        assert_eq!(t.find(&Term::new("image*")), Some(Place::Lead));
        assert_eq!(t.find(&Term::new("database*")), Some(Place::Lead));
        assert_eq!(t.find(&Term::new("imag*")), Some(Place::Lead));
        let ctx = ["Kubernetes".to_string()];
        let t = text("PDBs set", &ctx);
        assert_eq!(t.find(&Term::new("PDB")), Some(Place::Lead));
        assert_eq!(t.find(&Term::new("kubernetes")), Some(Place::Context));
        assert_eq!(t.find_in_item(&Term::new("kubernetes")), None);
    }

    #[test]
    fn negation_condition_question_and_no_go_lists() {
        assert!(text("No hardcoded secrets in the repo", &[]).negated);
        assert!(text("Containers don't run as root", &[]).negated);
        assert!(!text("Secrets scanned", &[]).negated);
        assert!(text("CDN configured (if applicable)", &[]).conditional);
        assert!(text("Is HSTS enabled?", &[]).question);
        assert_eq!(
            text("CPU requests ≤ 1 for most pods", &[])
                .bounds
                .first()
                .map(String::as_str),
            Some("≤ 1")
        );
        assert_eq!(
            text("At least 3 replicas", &[])
                .bounds
                .first()
                .map(String::as_str),
            Some("At least 3 replicas")
        );
        assert_eq!(
            text("p95 under 200ms", &[])
                .bounds
                .first()
                .map(String::as_str),
            Some("under 200ms")
        );
        assert!(
            text("Backups taken for 12-factor apps", &[])
                .bounds
                .is_empty()
        );
        assert_eq!(
            text("Availability above 99.95% over the last 30 days", &[]).bounds,
            ["above 99.95%", "over the last 30 days"]
        );
        assert!(text("HSTS max-age of at least one year", &[]).bounds.len() == 1);
        assert!(
            !text("HPA scales between 3 and 12 replicas", &[])
                .bounds
                .is_empty()
        );
        assert!(
            !text("Memory limit is exactly twice the request", &[])
                .bounds
                .is_empty()
        );
        assert!(!text("PDB set to minAvailable: 2", &[]).bounds.is_empty());
        assert!(text("Only the ingress reaches port 8080", &[]).bounds.len() == 1);
        let ctx = ["No-Go if any of these is true".to_string()];
        assert!(text("Error rate above 1%", &ctx).must_be_false);
        let ctx = ["Do not deploy while any of the following holds".to_string()];
        assert!(text("Error rate above 1%", &ctx).must_be_false);
    }
}
