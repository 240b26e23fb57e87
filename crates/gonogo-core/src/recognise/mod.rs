//! The one recognition engine: which check kind, if any, verifies what a checklist item says.
//!
//! No kind recognises items itself. Each declares in its doc, as data, what it verifies
//! ([`CheckDoc::claims`](crate::check::CheckDoc::claims)): for every reading of an item it
//! answers, the subject it must name (synonyms, abbreviations, product names), qualifiers
//! that must also hold, words that support it, words that rule it out, the parameters the
//! reading selects and the values it reads from the item. The engine normalises the item once
//! ([`Text`]), scores every claim of every kind, and binds only when one kind stands clear:
//! above [`THRESHOLD`] and more than [`MARGIN`] ahead of any other kind, unless that kind is
//! declared to answer such items better ([`Claim::prefer_over`]). Otherwise the item stays
//! manual, with its best candidates, because a wrong binding is worse than none.

pub mod text;
pub mod values;

/// A regex compiled once, in `cell`: the normaliser's and the value readers' patterns.
fn re(cell: &'static std::sync::OnceLock<regex::Regex>, pattern: &str) -> &'static regex::Regex {
    cell.get_or_init(|| regex::Regex::new(pattern).expect("valid regex"))
}

use crate::check::{CheckKind, ItemRef, Registry};
use crate::params::Params;
pub use text::{Place, Term, Text};
pub use values::Value;

/// The lowest score that binds.
pub const THRESHOLD: u8 = 60;
/// The lowest score still shown as a candidate (`gonogo validate`, `gonogo suggest`): below
/// it a reading is noise rather than a suggestion.
pub const CANDIDATE_FLOOR: u8 = 30;
/// A rival kind this close to the best keeps the item manual ("could be … or …").
pub const MARGIN: u8 = 15;
/// Parameters whose values several readings of one kind combine: an item naming probes and
/// resource limits asks for both rule groups.
const COMBINABLE: &[&str] = &["rules", "require"];

/// One reading of an item that a kind verifies. Terms are words or word sequences matched
/// after normalisation (case, punctuation and simple suffixes do not matter); a trailing `*`
/// makes the last word a prefix (`autoscal*`).
#[derive(Debug, Clone, Copy)]
pub struct Claim {
    /// What the item must name, on its own line (a continuation line counts less).
    pub subject: &'static [&'static str],
    /// Every group must be met by one of its terms, in the item or (counting less) in its
    /// headings and parent items.
    pub qualifiers: &'static [&'static [&'static str]],
    /// Words that make the reading surer ("configured", "enforced").
    pub support: &'static [&'static str],
    /// Words that rule the reading out ("tested", "drill", "frontend").
    pub excludes: &'static [&'static str],
    /// Parameters the reading selects (`rules=pdb`).
    pub params: &'static [(&'static str, &'static str)],
    /// Values read from the item into parameters.
    pub slots: &'static [Slot],
    /// The score when the subject is on the first line and every qualifier in the item.
    pub weight: u8,
    /// Kinds this reading answers better when both read the item about as surely.
    pub prefer_over: &'static [&'static str],
}

impl Claim {
    /// A claim with nothing set, for `..Claim::EMPTY` in the kinds' docs.
    pub const EMPTY: Claim = Claim {
        subject: &[],
        qualifiers: &[],
        support: &[],
        excludes: &[],
        params: &[],
        slots: &[],
        weight: 70,
        prefer_over: &[],
    };
}

/// A value the item states, read into parameter `param`.
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    pub param: &'static str,
    pub value: Value,
    /// Without the value the reading does not hold (a latency item with no bound).
    pub required: bool,
}

impl Slot {
    pub const fn optional(param: &'static str, value: Value) -> Slot {
        Slot {
            param,
            value,
            required: false,
        }
    }
    pub const fn required(param: &'static str, value: Value) -> Slot {
        Slot {
            param,
            value,
            required: true,
        }
    }
}

/// Words that ask for an act by people (a drill, a review, a rehearsal under realistic
/// conditions) rather than a state a check can read. A reading that does not itself name the
/// word loses [`PROCESS_PENALTY`].
const PROCESS_WORDS: &[&str] = &[
    "drill*",
    "rehears*",
    "game day",
    "gameday",
    "tabletop",
    "chaos",
    "simulat*",
    "realistic",
    "production like",
    "prod like",
    "dry run",
    "practic*",
    "trained",
    "training",
    "walkthrough",
    "walk through",
    "reviewed with",
    "review with",
    "reviewed by",
    "sign off",
    "signed off",
    "approved by",
    "meeting",
    "communicat*",
    "announc*",
    "stakeholder*",
    "estimat*",
    "postmortem",
    "post mortem",
    "retrospective",
    "brief*",
    "handover",
    "hand off",
    "agreed",
    "discuss*",
    // Something done in another environment to see what happens is a test, not a state.
    "in staging",
    "on staging",
];
const PROCESS_PENALTY: i32 = 35;

/// Words that make an item advice rather than a requirement ("Consider disabling CPU
/// limits"): a check that fails on it would block a release on a suggestion.
const ADVISORY_WORDS: &[&str] = &[
    "consider*",
    "optional*",
    "nice to have",
    "where possible",
    "if possible",
    "when possible",
    "try to",
    "evaluate",
];
const ADVISORY_PENALTY: i32 = 25;

/// Words that may follow a subject without changing what the item is about: states, verbs of
/// setting up, function words. Any other word right after the subject ("rate limit
/// **headers**", "certificate **auto**-renewal") makes the item about that word, and a subject
/// right after "of" ("graceful handling **of** rate limits") is not the item's head either.
const FOLLOWERS: &[&str] = &[
    "is",
    "are",
    "be",
    "been",
    "was",
    "were",
    "has",
    "have",
    "had",
    "and",
    "or",
    "nor",
    "for",
    "to",
    "in",
    "on",
    "at",
    "with",
    "within",
    "across",
    "from",
    "by",
    "per",
    "via",
    "using",
    "use",
    "so",
    "when",
    "where",
    "if",
    "that",
    "which",
    "must",
    "should",
    "shall",
    "can",
    "will",
    "not",
    "no",
    "all",
    "every",
    "each",
    "only",
    "always",
    "never",
    "properly",
    "correctly",
    "fully",
    "also",
    "a",
    "an",
    "the",
    "of",
    "configured",
    "configuration",
    "set",
    "setup",
    "enabled",
    "on",
    "defined",
    "implemented",
    "in",
    "place",
    "installed",
    "deployed",
    "active",
    "exists",
    "exist",
    "present",
    "working",
    "works",
    "work",
    "passing",
    "passes",
    "pass",
    "passed",
    "complete",
    "completed",
    "done",
    "ready",
    "running",
    "runs",
    "enforced",
    "applied",
    "required",
    "added",
    "created",
    "written",
    "provided",
    "documented",
    "updated",
    "maintained",
    "verified",
    "checked",
    "validated",
    "respected",
    "restricted",
    "limited",
    "blocked",
    "prevented",
    "disabled",
    "removed",
    "rotated",
    "green",
    "clean",
    "ok",
    "healthy",
    "available",
    "responding",
    "returns",
    "return",
    "succeeds",
    "successful",
    "successfully",
    "up",
    "there",
    "we",
    "our",
    "it",
    "they",
    "as",
    "than",
    "per",
    "everywhere",
    "production",
    "prod",
    "staging",
    "by",
    "default",
    "without",
    "any",
    "none",
    "etc",
    "integrated",
    "automated",
    "automatic",
    "scheduled",
    "tracked",
    "monitored",
    "tested",
    "achieved",
    "prepared",
    "firing",
    "true",
    "false",
    "yes",
    "follow",
    "follows",
    "met",
    "reached",
    "kept",
    "stays",
    "remain",
    "remains",
    "below",
    "above",
    "under",
    "over",
    "less",
    "more",
    "at",
    "least",
    "most",
    "usage",
    "utilisation",
    "utilization",
    "rate",
    // A file name's extension: "`openapi.yaml` has …".
    "yaml",
    "yml",
    "json",
    "toml",
    "md",
    "txt",
    "sql",
    "sh",
    "py",
    "js",
    "ts",
    "lock",
    "cfg",
    "ini",
    "conf",
    "env",
    "example",
    "script",
    "scripts",
    "file",
    "files",
    "valid",
    "secure",
    "secured",
    "current",
    "date",
    "fresh",
    "renewed",
    "stable",
    "reviewed",
    "exposed",
    "exposing",
    "carry",
    "carries",
    "sent",
    "send",
    "sends",
    "refused",
    "refuse",
    "rejected",
    "reject",
    "mode",
    "slower",
    "faster",
    "higher",
    "lower",
];
const MODIFIER_PENALTY: i32 = 25;

/// A bound the item states ("CPU requests ≤ 1", "at least 3 replicas") that a reading reads
/// into no parameter: the item asks for more than that reading checks.
const UNREAD_BOUND_PENALTY: i32 = 35;

/// A kind's best reading of one item.
#[derive(Clone)]
pub struct Candidate {
    pub kind: &'static dyn CheckKind,
    pub params: Params,
    pub score: u8,
    /// The words and values that decided, for `gonogo validate` and `gonogo suggest`.
    pub matched: Vec<String>,
    /// The kinds the reading that scored best answers better ([`Claim::prefer_over`]).
    pub prefer_over: &'static [&'static str],
}

impl std::fmt::Debug for Candidate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Candidate")
            .field("kind", &self.kind.id())
            .field("params", &self.params)
            .field("score", &self.score)
            .field("matched", &self.matched)
            .finish()
    }
}

/// What the engine concluded about one item.
#[derive(Debug, Clone, Default)]
pub struct Assessment {
    /// Every kind that read the item, best first (one reading per kind).
    pub candidates: Vec<Candidate>,
    /// Index into `candidates` of the binding, when one kind stands clear above the threshold.
    pub chosen: Option<usize>,
    /// Why no kind was chosen although one scored above the threshold.
    pub close_call: Option<String>,
}

impl Assessment {
    pub fn chosen(&self) -> Option<&Candidate> {
        self.chosen.map(|i| &self.candidates[i])
    }
}

struct CompiledClaim {
    claim: &'static Claim,
    subject: Vec<Term>,
    qualifiers: Vec<Vec<Term>>,
    support: Vec<Term>,
    excludes: Vec<Term>,
}

/// The registry's vocabulary, compiled once per binding.
pub struct Engine {
    kinds: Vec<(&'static dyn CheckKind, Vec<CompiledClaim>)>,
    process: Vec<Term>,
    advisory: Vec<Term>,
    followers: Vec<String>,
}

fn compile(terms: &'static [&'static str]) -> Vec<Term> {
    terms.iter().map(|t| Term::new(t)).collect()
}

impl Engine {
    pub fn new(registry: &Registry) -> Engine {
        Engine::from_kinds(registry.iter())
    }

    pub fn from_kinds(kinds: impl IntoIterator<Item = &'static dyn CheckKind>) -> Engine {
        let kinds = kinds
            .into_iter()
            .map(|kind| {
                let claims = kind
                    .doc()
                    .claims
                    .iter()
                    .map(|claim| CompiledClaim {
                        claim,
                        subject: compile(claim.subject),
                        qualifiers: claim.qualifiers.iter().map(|g| compile(g)).collect(),
                        support: compile(claim.support),
                        excludes: compile(claim.excludes),
                    })
                    .collect();
                (kind, claims)
            })
            .collect();
        Engine {
            kinds,
            process: compile(PROCESS_WORDS),
            advisory: compile(ADVISORY_WORDS),
            followers: FOLLOWERS.iter().map(|w| text::stem(w)).collect(),
        }
    }

    /// Score every kind on `item` and decide.
    pub fn assess(&self, item: ItemRef<'_>) -> Assessment {
        let text = Text::new(&item);
        let mut candidates: Vec<Candidate> = self
            .kinds
            .iter()
            .filter_map(|(kind, claims)| self.best_reading(*kind, claims, &text))
            .collect();
        candidates.sort_by(|a, b| b.score.cmp(&a.score).then(a.kind.id().cmp(b.kind.id())));
        let (chosen, close_call) = decide(&candidates);
        Assessment {
            candidates,
            chosen,
            close_call,
        }
    }

    /// The kind's best reading, with the parameters of its other strong readings combined.
    fn best_reading(
        &self,
        kind: &'static dyn CheckKind,
        claims: &[CompiledClaim],
        text: &Text<'_>,
    ) -> Option<Candidate> {
        let mut readings: Vec<(i32, Params, Vec<String>, &'static [&'static str])> = claims
            .iter()
            .filter_map(|c| {
                self.read(c, text)
                    .map(|(score, params, matched)| (score, params, matched, c.claim.prefer_over))
            })
            .collect();
        readings.sort_by_key(|r| std::cmp::Reverse(r.0));
        let mut readings = readings.into_iter();
        let (score, mut params, mut matched, prefer_over) = readings.next()?;
        for (other, other_params, other_matched, _) in readings {
            if other < i32::from(THRESHOLD) {
                break;
            }
            let mut combined = false;
            for key in COMBINABLE {
                let (Some(mine), Some(theirs)) = (params.str(key), other_params.str(key)) else {
                    continue;
                };
                let mut values: Vec<&str> = mine.split(',').collect();
                for v in theirs.split(',') {
                    if !values.contains(&v) {
                        values.push(v);
                    }
                }
                let joined = values.join(",");
                params.insert(key, joined);
                combined = true;
            }
            if combined {
                matched.extend(other_matched);
            }
        }
        matched.dedup();
        Some(Candidate {
            kind,
            params,
            score: score.clamp(0, 100) as u8,
            matched,
            prefer_over,
        })
    }

    fn read(&self, c: &CompiledClaim, text: &Text<'_>) -> Option<(i32, Params, Vec<String>)> {
        if c.excludes.iter().any(|t| text.find_in_item(t).is_some()) {
            return None;
        }
        let (subject, place) = c
            .subject
            .iter()
            .filter_map(|t| text.find_in_item(t).map(|p| (t, p)))
            .min_by_key(|(_, p)| *p)?;
        let mut score = i32::from(c.claim.weight);
        let mut matched = vec![format!("{}{}", subject.written, place.label())];
        if place == Place::Rest {
            score -= 25;
        }
        for group in &c.qualifiers {
            let (term, place) = group
                .iter()
                .filter_map(|t| text.find(t).map(|p| (t, p)))
                .min_by_key(|(_, p)| *p)?;
            if place == Place::Context {
                score -= 10;
            }
            matched.push(format!("{}{}", term.written, place.label()));
        }
        let mut support: Vec<&Term> = c
            .support
            .iter()
            .filter(|t| text.find_in_item(t).is_some())
            .collect();
        // "passing" is "pass" and "passes" too: one word supports once.
        support.dedup_by(|a, b| a.stems().eq(b.stems()));
        score += 5 * support.len().min(2) as i32;
        matched.extend(support.iter().map(|t| t.written.to_string()));
        let mut params = Params::new();
        for (k, v) in c.claim.params {
            if text.conditional && *k == "required" && *v == "true" {
                continue;
            }
            params.insert(k, *v);
        }
        for slot in c.claim.slots {
            match slot.value.read(text) {
                Some(v) => {
                    matched.push(format!("{}={v}", slot.param));
                    params.insert(slot.param, v);
                    score += 3;
                }
                None if slot.required => return None,
                None => {}
            }
        }
        if place == Place::Lead
            && let Some(word) = self.modifier(c, subject, text)
            // A word of a value the reading took ("passing (`npm test`)") is accounted for.
            && !params.iter().any(|(_, v)| v.to_lowercase().contains(word))
        {
            score -= MODIFIER_PENALTY;
            matched.push(format!(
                "-{word} (next to the subject: the item may be about it)"
            ));
        }
        // A word the claim names itself (a load-test reading names "load test") is no penalty.
        let named = |matched: &[String], t: &Term| {
            matched
                .iter()
                .any(|m| m.starts_with(t.written.trim_end_matches('*')))
        };
        if let Some(word) = self
            .process
            .iter()
            .find(|t| text.find_in_item(t).is_some() && !named(&matched, t))
        {
            score -= PROCESS_PENALTY;
            matched.push(format!("-{} (asks for an act by people)", word.written));
        }
        if let Some(word) = self
            .advisory
            .iter()
            .find(|t| text.find_in_item(t).is_some() && !named(&matched, t))
        {
            score -= ADVISORY_PENALTY;
            matched.push(format!("-{} (advice, not a requirement)", word.written));
        }
        if let Some(bound) = text
            .bounds
            .iter()
            .find(|b| !self.reads_bound(c, b, &params))
        {
            score -= UNREAD_BOUND_PENALTY;
            matched.push(format!("-{bound} (a bound this reading does not check)"));
        }
        if text.negated {
            matched.push("stated as a negation".into());
        }
        if text.conditional {
            matched.push("conditional".into());
        }
        if text.must_be_false {
            matched.push("a condition that must be false".into());
        }
        Some((score, params, matched))
    }
}

impl Engine {
    /// Whether the reading accounts for the bound the item states: a parameter holds its
    /// number ("under 200ms" read as `max=200ms`), or the claim's own terms name what it
    /// bounds (the scaling reading's "at least two replicas").
    fn reads_bound(&self, c: &CompiledClaim, bound: &str, params: &Params) -> bool {
        let numbers_in = |s: &str| -> Vec<f64> {
            s.split(|ch: char| !(ch.is_ascii_digit() || ch == '.'))
                .filter_map(|n| n.trim_matches('.').parse::<f64>().ok())
                .collect()
        };
        // The same figure, perhaps converted: 99.95 % as 0.9995, 2 s as 2000 ms.
        let same = |a: f64, b: f64| {
            [1.0, 100.0, 0.01, 1000.0, 0.001]
                .iter()
                .any(|k| (a * k - b).abs() <= 1e-9 * b.abs().max(1.0))
        };
        let stated = numbers_in(bound);
        let in_params = params.iter().any(|(_, v)| {
            numbers_in(v)
                .iter()
                .any(|p| stated.iter().any(|n| same(*n, *p)))
        });
        let bound_words = text::words(bound);
        let named = c
            .subject
            .iter()
            .chain(c.qualifiers.iter().flatten())
            .chain(&c.support)
            .flat_map(Term::stems)
            .any(|t| {
                t.len() >= 4
                    && bound_words
                        .iter()
                        .any(|w| w.starts_with(t) || t.starts_with(w.as_str()) && w.len() >= 4)
            });
        in_params || named
    }

    /// A word next to the subject that makes the item about something else: a noun right
    /// after it that neither the claim nor [`FOLLOWERS`] knows, or "of" right before it.
    fn modifier<'t>(
        &self,
        c: &CompiledClaim,
        subject: &Term,
        text: &'t Text<'_>,
    ) -> Option<&'t str> {
        let (before, after) = text.neighbours(subject)?;
        if before == Some("of") {
            return Some("of");
        }
        let after = after?;
        let known = |w: &str| {
            self.followers.iter().any(|f| f == w)
                // A value ("200ms", "v1.2"), not a word.
                || w.chars().any(|ch| ch.is_ascii_digit())
                || c.subject
                    .iter()
                    .chain(c.qualifiers.iter().flatten())
                    .chain(&c.support)
                    .flat_map(Term::stems)
                    .any(|t| t == w || (t.len().min(w.len()) >= 4 && (w.starts_with(t) || t.starts_with(w))))
        };
        (!known(after)).then_some(after)
    }
}

/// The binding among `candidates` (sorted best first): the one kind above the threshold that
/// no rival comes within the margin of, a rival the best prefers over set aside (and the
/// best set aside for a rival that prefers over it).
fn decide(candidates: &[Candidate]) -> (Option<usize>, Option<String>) {
    let Some(top) = candidates.first() else {
        return (None, None);
    };
    if top.score < THRESHOLD {
        return (None, None);
    }
    let floor = THRESHOLD.max(top.score.saturating_sub(MARGIN));
    let close: Vec<usize> = (0..candidates.len())
        .filter(|&i| candidates[i].score >= floor)
        .collect();
    // The preference of the reading that scored, not of every reading of the kind.
    let preferred_over = |i: usize| {
        close
            .iter()
            .any(|&j| j != i && candidates[j].prefer_over.contains(&candidates[i].kind.id()))
    };
    let standing: Vec<usize> = close
        .iter()
        .copied()
        .filter(|&i| !preferred_over(i))
        .collect();
    match standing.as_slice() {
        [one] => (Some(*one), None),
        _ => {
            let names: Vec<String> = close
                .iter()
                .map(|&i| format!("`{}` ({})", candidates[i].kind.id(), candidates[i].score))
                .collect();
            (None, Some(format!("could be {}", names.join(" or "))))
        }
    }
}

/// The binding of `item` alone, for tests and the catalogue.
pub fn recognise(registry: &Registry, item: ItemRef<'_>) -> Option<Candidate> {
    let assessment = Engine::new(registry).assess(item);
    assessment.chosen().cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{CheckDoc, PreparedCheck};
    use crate::params::ParamError;

    struct Fake(&'static str, &'static CheckDoc);
    impl CheckKind for Fake {
        fn id(&self) -> &'static str {
            self.0
        }
        fn doc(&self) -> &'static CheckDoc {
            self.1
        }
        fn prepare(&self, _: &Params) -> Result<Box<dyn PreparedCheck>, ParamError> {
            Err(ParamError::new("x", "not runnable"))
        }
    }

    const fn doc(claims: &'static [Claim]) -> CheckDoc {
        CheckDoc {
            live: None,
            targets: &[],
            summary: "",
            description: "",
            params: &[],
            examples: &[],
            claims,
            phrases: &[],
            not_phrases: &[],
            findings: &[],
        }
    }

    static HEADERS: CheckDoc = doc(&[
        Claim {
            subject: &[
                "hsts",
                "strict transport security",
                "content security policy",
                "csp",
            ],
            support: &["enabled", "set"],
            params: &[("rules", "headers")],
            weight: 80,
            ..Claim::EMPTY
        },
        Claim {
            subject: &["x frame options", "clickjacking"],
            params: &[("rules", "frames")],
            weight: 80,
            ..Claim::EMPTY
        },
    ]);
    static TLS: CheckDoc = doc(&[Claim {
        subject: &["tls", "https", "hsts", "certificate*"],
        excludes: &["mutual tls", "mtls"],
        weight: 75,
        ..Claim::EMPTY
    }]);
    static TLS_PREFERRED: CheckDoc = doc(&[Claim {
        subject: &["tls", "https", "hsts", "certificate*"],
        weight: 75,
        prefer_over: &["http.headers"],
        ..Claim::EMPTY
    }]);
    static LATENCY: CheckDoc = doc(&[Claim {
        subject: &["latency", "response time*"],
        qualifiers: &[&["api", "backend", "endpoint*"]],
        slots: &[
            Slot::required("max", Value::Duration),
            Slot::optional("percentile", Value::Percentile),
        ],
        params: &[("required", "true")],
        weight: 70,
        ..Claim::EMPTY
    }]);

    static H: Fake = Fake("http.headers", &HEADERS);
    static T: Fake = Fake("tls.cert", &TLS);
    static TP: Fake = Fake("tls.cert", &TLS_PREFERRED);
    static L: Fake = Fake("http.latency", &LATENCY);

    fn engine(kinds: &[&'static Fake]) -> Engine {
        Engine::from_kinds(kinds.iter().map(|k| *k as &'static dyn CheckKind))
    }

    fn item<'a>(text: &'a str, context: &'a [String]) -> ItemRef<'a> {
        ItemRef {
            context,
            ..ItemRef::plain(text)
        }
    }

    fn chosen(
        e: &Engine,
        text: &str,
        context: &[String],
    ) -> Option<(String, Vec<(String, String)>)> {
        e.assess(item(text, context)).chosen().map(|c| {
            (
                c.kind.id().to_string(),
                c.params
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        })
    }

    #[test]
    fn one_clear_kind_binds_with_the_words_that_decided() {
        let e = engine(&[&H, &T, &L]);
        let a = e.assess(item("Content-Security-Policy set on every page", &[]));
        let c = a.chosen().expect("bound");
        assert_eq!(c.kind.id(), "http.headers");
        assert_eq!(c.score, 85);
        assert_eq!(c.matched, ["content security policy", "set"]);
    }

    #[test]
    fn two_kinds_close_together_stay_manual_and_say_so() {
        let e = engine(&[&H, &T]);
        let a = e.assess(item("HSTS enabled", &[]));
        assert!(a.chosen().is_none());
        let why = a.close_call.expect("a close call");
        assert!(
            why.contains("`http.headers` (85)") && why.contains("`tls.cert` (75)"),
            "{why}"
        );
        // Declaring that one kind answers such items better settles it.
        let e = engine(&[&H, &TP]);
        assert_eq!(chosen(&e, "HSTS enabled", &[]).unwrap().0, "tls.cert");
    }

    #[test]
    fn exclusions_rule_a_reading_out() {
        let e = engine(&[&T]);
        assert!(chosen(&e, "Mutual TLS between services", &[]).is_none());
        assert!(chosen(&e, "TLS certificates valid", &[]).is_some());
    }

    #[test]
    fn below_the_threshold_an_item_stays_manual_with_its_candidates() {
        let e = engine(&[&T]);
        // The subject only on a continuation line: weaker evidence.
        let a = e.assess(ItemRef {
            text: "Customer comms ready and the TLS renewal owner known",
            lead: "Customer comms ready and",
            display: "",
            context: &[],
        });
        assert!(a.chosen().is_none());
        assert_eq!(a.candidates.len(), 1);
        assert_eq!(a.candidates[0].score, 50);
        assert_eq!(a.candidates[0].matched[0], "tls (continuation line)");
    }

    #[test]
    fn values_become_parameters_and_a_missing_required_value_drops_the_reading() {
        let e = engine(&[&L]);
        let (_, params) = chosen(&e, "API p95 response time under 200ms", &[]).unwrap();
        assert_eq!(
            params,
            [
                ("max".into(), "200ms".into()),
                ("percentile".into(), "95".into()),
                ("required".into(), "true".into())
            ]
        );
        assert!(
            e.assess(item("API response times acceptable", &[]))
                .candidates
                .is_empty()
        );
    }

    #[test]
    fn a_qualifier_from_a_heading_counts_less_but_counts() {
        let e = engine(&[&L]);
        let ctx = ["Backend".to_string()];
        let a = e.assess(item("Latency below 300 ms", &ctx));
        let c = a.chosen().expect("bound under its heading");
        assert_eq!(c.score, 63);
        assert!(c.matched.contains(&"backend (heading)".to_string()));
        assert!(
            e.assess(item("Latency below 300 ms", &[]))
                .candidates
                .is_empty()
        );
    }

    #[test]
    fn conditional_items_do_not_require_their_subject() {
        let e = engine(&[&L]);
        let (_, params) = chosen(&e, "API latency under 1s (if applicable)", &[]).unwrap();
        assert!(!params.iter().any(|(k, _)| k == "required"), "{params:?}");
    }

    #[test]
    fn negations_and_no_go_conditions_keep_their_subject() {
        let e = engine(&[&H, &L]);
        let a = e.assess(item(
            "No page is served without a Content-Security-Policy",
            &[],
        ));
        let c = a.chosen().expect("bound");
        assert!(c.matched.contains(&"stated as a negation".to_string()));
        let ctx = ["No-Go if any of these is true".to_string()];
        let a = e.assess(item("API latency above 800ms", &ctx));
        let c = a.chosen().expect("bound");
        assert_eq!(c.params.str("max"), Some("800ms"));
        assert!(
            c.matched
                .contains(&"a condition that must be false".to_string())
        );
    }

    #[test]
    fn acts_by_people_lose_to_the_process_penalty() {
        let e = engine(&[&H]);
        assert!(chosen(&e, "CSP rollout discussed with the frontend team", &[]).is_none());
        assert!(chosen(&e, "Clickjacking drill done", &[]).is_none());
    }

    #[test]
    fn advice_and_bounds_no_reading_checks_stay_manual() {
        let e = engine(&[&H, &L]);
        assert!(chosen(&e, "Consider a Content-Security-Policy", &[]).is_none());
        // The bound is read by the latency reading, but not by the headers one.
        assert!(chosen(&e, "API latency under 300ms", &[]).is_some());
        assert!(chosen(&e, "CSP set on at least 3 apps", &[]).is_none());
    }

    #[test]
    fn an_item_naming_two_rule_groups_of_one_kind_asks_for_both() {
        let e = engine(&[&H]);
        let (_, params) = chosen(&e, "CSP and X-Frame-Options set", &[]).unwrap();
        assert_eq!(
            params,
            [("rules".to_string(), "headers,frames".to_string())]
        );
    }

    #[test]
    fn the_registry_order_never_decides() {
        let a = engine(&[&H, &TP]).assess(item("HSTS enabled", &[]));
        let b = engine(&[&TP, &H]).assess(item("HSTS enabled", &[]));
        assert_eq!(
            a.chosen().map(|c| c.kind.id()),
            b.chosen().map(|c| c.kind.id())
        );
        let a = engine(&[&H, &T]).assess(item("HSTS enabled", &[]));
        let b = engine(&[&T, &H]).assess(item("HSTS enabled", &[]));
        assert_eq!(a.close_call, b.close_call);
    }
}
