//! The Go/No-Go decision and the report model every renderer consumes.

use crate::outcome::{Evidence, Status};
use crate::params::Params;
use gonogo_checklist::ItemKind;
use serde::Serialize;
use std::collections::BTreeMap;

/// Version of the JSON report schema (`docs/report-schema.md`). Bumped on any breaking change.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Decision {
    #[serde(rename = "go")]
    Go,
    #[serde(rename = "no-go")]
    NoGo,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Go => "go",
            Decision::NoGo => "no-go",
        }
    }
}

/// How an item came to be bound to a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BindingSource {
    /// `<!-- gonogo: … -->` on the item's line.
    Annotation,
    /// A `[[bind]]` table in `gonogo.toml`.
    Config,
    /// Recognised from the item's wording.
    Auto,
}

/// One item of the report: what the checklist says, how it was bound, what was found.
#[derive(Debug, Clone, Serialize)]
pub struct ItemReport {
    pub id: String,
    pub line: usize,
    /// Section titles, outermost first.
    pub section: Vec<String>,
    /// The item's text as plain text (Markdown markup and emoji stripped).
    pub text: String,
    pub kind: ItemKind,
    /// The box as written in the file.
    pub checked: bool,
    /// Ticked (`[x]`) in the file, with no check bound and no attestation or approval: a
    /// person's tick that nobody signed. It never counts as attested or as a pass.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ticked_by_hand: bool,
    pub status: Status,
    /// The check kind id, or null for manual and derived items.
    pub check: Option<&'static str>,
    pub binding: Option<BindingSource>,
    /// Parameters as written (`$VAR` unexpanded), with secret-looking values redacted.
    pub params: Params,
    pub evidence: Evidence,
    pub duration_ms: u64,
    /// Whether a non-passing status blocks Go under the policy.
    pub blocking: bool,
    /// Whether this item holds Go back: blocking and not passing (one of `reasons`).
    pub holds_back: bool,
    /// Parent item whose status derives from its children.
    pub derived: bool,
    /// Index of the parent item in `items`, if nested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<usize>,
    /// Signoff role label ("Engineering Lead").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The attestation, approval or waiver that decided the item's status, or the one that
    /// expired and no longer counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signoff: Option<SignoffNote>,
}

/// What a person signed for an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SignoffKind {
    /// A manual item attested (`gonogo signoff`).
    Attested,
    /// A sign-off slot filled by an approval for its role (`gonogo approve`).
    Approved,
    /// An item waived (`gonogo waive`).
    Waived,
}

/// An attestation, approval or waiver as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignoffNote {
    pub kind: SignoffKind,
    /// "Jane Roe <jane@example.com>".
    pub by: String,
    /// The day it was signed, `YYYY-MM-DD` (UTC).
    pub date: String,
    /// The last day it holds, `YYYY-MM-DD` (UTC); none when it does not expire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// A waiver's reason or an attestation's note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A link to the evidence the signer pointed at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// Past its expiry: it no longer counts, and the item is back to what its check says.
    pub expired: bool,
}

/// An item that passed in the previous run of the same checklist and does not now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Regression {
    pub id: String,
    pub line: usize,
    pub text: String,
    pub was: Status,
    pub now: Status,
}

/// Score of one section: passing items over items that count (skipped and derived items don't).
#[derive(Debug, Clone, Serialize)]
pub struct SectionScore {
    pub section: Vec<String>,
    pub line: usize,
    /// 0–100, or null when nothing in the section counts.
    pub score: Option<f64>,
    pub counts: BTreeMap<Status, usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub total: usize,
    pub counts: BTreeMap<Status, usize>,
    /// 0–100 over every counted item.
    pub score: Option<f64>,
    pub sections: Vec<SectionScore>,
}

/// A finished run: the input every renderer takes.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub version: u32,
    /// The checklist path as given on the command line.
    pub checklist: String,
    pub title: Option<String>,
    pub decision: Decision,
    /// Why the decision is No-Go (blocking items not passing), one line each.
    pub reasons: Vec<String>,
    pub summary: Summary,
    pub items: Vec<ItemReport>,
    pub duration_ms: u64,
    /// The decision in words: "Go", "Go with 2 waivers", "No-Go".
    pub verdict: String,
    /// Policy rules broken by the sign-offs (a required role not approved, a waiver where
    /// waivers are forbidden, too many waivers); each is also a reason for No-Go.
    pub violations: Vec<String>,
    /// Items that passed in the previous run of this checklist and do not now; renderers list
    /// these first.
    pub regressions: Vec<Regression>,
    /// This run's id in the store, when it was recorded.
    pub run: Option<i64>,
    /// The id of the run this one was compared with.
    pub previous_run: Option<i64>,
    /// The run was stopped by an interrupt (SIGINT, SIGTERM) before every check finished: the
    /// report is partial and its decision is No-Go whatever the items say.
    pub interrupted: bool,
    /// Set when the run left some checks out on purpose (`--only static`, `[run] live =
    /// false`): which ones ran, and how many items were therefore not verified. The verdict
    /// says so.
    pub partial: Option<Partial>,
}

/// The checks a partial run ran: the others were left out on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Checks on the repository alone (`--only static`, `[run] live = false`).
    Static,
    /// Checks on the running services alone (`--only live`).
    Live,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Static => "static",
            Scope::Live => "live",
        }
    }

    /// The kind of check the scope leaves out.
    pub fn left_out(self) -> &'static str {
        match self {
            Scope::Static => "live",
            Scope::Live => "static",
        }
    }
}

/// A run that left some checks out on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Partial {
    /// The checks that ran.
    pub scope: Scope,
    /// Items bound to a check outside the scope: `skipped` without running, not verified.
    pub unverified: usize,
}

impl Partial {
    /// "static only: 23 live items not verified".
    pub fn text(&self) -> String {
        let s = if self.unverified == 1 { "" } else { "s" };
        format!(
            "{} only: {} {} item{s} not verified",
            self.scope.as_str(),
            self.unverified,
            self.scope.left_out()
        )
    }
}

/// How a manual item ticked in the file but not signed is shown (`ItemReport::ticked_by_hand`).
pub const TICKED_BY_HAND: &str = "ticked by hand, not attested";

/// The reason of a No-Go when no item passed its check or was attested: Go needs at least one
/// verified item, so skipped, waived and advisory items alone never make a Go.
pub const NOTHING_VERIFIED: &str =
    "nothing verified: no item passed its check or was attested, and Go needs at least one";

use crate::bind::{BindingPlan, ItemBinding};
use crate::config::Policy;
use crate::outcome::Outcome;
use crate::redact::{Redactor, redact_params};
use gonogo_checklist::Checklist;

impl Report {
    /// A report of `items` before [`conclude`] decides it: No-Go, nothing counted.
    pub fn undecided(
        checklist: String,
        title: Option<String>,
        items: Vec<ItemReport>,
        duration_ms: u64,
    ) -> Report {
        Report {
            version: REPORT_SCHEMA_VERSION,
            checklist,
            title,
            decision: Decision::NoGo,
            reasons: Vec::new(),
            summary: Summary {
                total: 0,
                counts: BTreeMap::new(),
                score: None,
                sections: Vec::new(),
            },
            items,
            duration_ms,
            verdict: String::new(),
            violations: Vec::new(),
            regressions: Vec::new(),
            run: None,
            previous_run: None,
            interrupted: false,
            partial: None,
        }
    }
}

/// The reason an interrupted run gives for its No-Go.
pub const INTERRUPTED_REASON: &str =
    "the run was interrupted: checks that had not finished are errors, the report is partial";

/// Assemble the report of a run: one entry per checklist item, then [`conclude`].
pub fn build_report(
    checklist_path: &str,
    checklist: &Checklist,
    plan: &BindingPlan,
    outcomes: Vec<Option<Outcome>>,
    policy: &Policy,
    duration_ms: u64,
) -> Report {
    let items = checklist
        .items
        .iter()
        .zip(&plan.items)
        .zip(outcomes)
        .map(|((item, binding), outcome)| {
            let (status, check, binding_source, params, evidence, duration_ms, derived) =
                match binding {
                    ItemBinding::Check(bc) => {
                        let o = outcome.unwrap_or_else(|| Outcome::error("check did not run"));
                        (
                            o.status,
                            Some(bc.kind.id()),
                            Some(bc.source),
                            redact_params(&bc.written, &Redactor::new()),
                            o.evidence,
                            o.duration.as_millis() as u64,
                            false,
                        )
                    }
                    ItemBinding::Manual { reason } => (
                        Status::Manual,
                        None,
                        None,
                        Params::new(),
                        Evidence {
                            summary: reason.clone(),
                            ..Evidence::default()
                        },
                        0,
                        false,
                    ),
                    ItemBinding::Derived => (
                        Status::Skipped,
                        None,
                        None,
                        Params::new(),
                        Evidence::default(),
                        0,
                        true,
                    ),
                };
            ItemReport {
                id: item.id.clone(),
                line: item.line,
                section: item.section_path.clone(),
                text: item.text.clone(),
                kind: item.kind,
                checked: item.checked,
                ticked_by_hand: false,
                status,
                check,
                binding: binding_source,
                params,
                evidence,
                duration_ms,
                blocking: false,
                holds_back: false,
                derived,
                parent: item.parent,
                role: item.signoff_label.clone(),
                signoff: None,
            }
        })
        .collect();
    let mut report = Report::undecided(
        checklist_path.to_string(),
        checklist.title.clone(),
        items,
        duration_ms,
    );
    conclude(&mut report, policy);
    report
}

/// Whether an item blocks Go when it is not passing, under `policy`.
pub fn is_blocking(item: &ItemReport, policy: &Policy) -> bool {
    if item.derived {
        return false;
    }
    let matches = |sels: &[crate::config::Selector]| {
        sels.iter()
            .any(|s| s.matches(&item.id, &item.section, item.check))
    };
    if matches(&policy.blocking) {
        return true;
    }
    if matches(&policy.advisory) {
        return false;
    }
    if item.check.is_none() && item.status == Status::Manual {
        return policy.manual_blocks;
    }
    true
}

/// Does this status stop Go on a blocking item?
fn holds_back(status: Status, policy: &Policy) -> bool {
    match status {
        Status::Pass | Status::Attested | Status::Waived | Status::Skipped => false,
        Status::Warn => policy.warn_blocks,
        Status::Fail | Status::Error | Status::Manual => true,
    }
}

fn points(status: Status) -> f64 {
    match status {
        Status::Pass | Status::Attested => 1.0,
        Status::Warn => 0.5,
        _ => 0.0,
    }
}

/// Recompute everything that follows from item statuses: derived parents, blocking flags,
/// the decision and its reasons, counts and scores. Run again after statuses change (an
/// attestation or waiver applied).
pub fn conclude(report: &mut Report, policy: &Policy) {
    // Children follow their parent in document order: walk backwards so grandchildren are
    // settled before their parents.
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); report.items.len()];
    for (i, item) in report.items.iter().enumerate() {
        if let Some(p) = item.parent
            && p < children.len()
        {
            children[p].push(i);
        }
    }
    for i in (0..report.items.len()).rev() {
        if !report.items[i].derived {
            continue;
        }
        let statuses: Vec<Status> = children[i]
            .iter()
            .map(|&c| report.items[c].status)
            .collect();
        let counted: Vec<Status> = statuses
            .iter()
            .copied()
            .filter(|s| *s != Status::Skipped)
            .collect();
        let passing = counted.iter().filter(|s| s.is_passing()).count();
        let status = if counted.is_empty() {
            Status::Skipped
        } else if passing == counted.len() {
            Status::Pass
        } else {
            counted
                .iter()
                .copied()
                .max_by_key(|s| s.severity_rank())
                .unwrap_or(Status::Skipped)
        };
        let item = &mut report.items[i];
        item.status = status;
        item.evidence.summary = format!("{passing} of {} sub-items passing", statuses.len());
    }

    let mut reasons = Vec::new();
    let mut counts: BTreeMap<Status, usize> = BTreeMap::new();
    let mut sections: Vec<SectionScore> = Vec::new();
    let mut section_points: Vec<(f64, usize)> = Vec::new();
    let (mut total_points, mut total_counted) = (0.0, 0usize);
    for item in report.items.iter_mut() {
        item.blocking = is_blocking(item, policy);
        item.holds_back = item.blocking && !item.derived && holds_back(item.status, policy);
        // Decided here, after records are applied: an attestation or approval is what counts.
        item.ticked_by_hand = item.checked
            && item.check.is_none()
            && !item.derived
            && item.status != Status::Attested;
        if item.derived {
            continue;
        }
        *counts.entry(item.status).or_default() += 1;
        if item.holds_back {
            let mut why = if item.evidence.summary.is_empty() {
                String::new()
            } else {
                format!(": {}", item.evidence.summary)
            };
            if let Some(note) = item.signoff.as_ref().filter(|n| n.expired) {
                why.push_str(&format!(" ({})", note.expiry_text()));
            }
            if item.ticked_by_hand {
                why.push_str(&format!(" ({TICKED_BY_HAND})"));
            }
            reasons.push(format!(
                "line {}: {} — {}{why}",
                item.line, item.text, item.status
            ));
        }
        let si = match sections.iter().position(|s| s.section == item.section) {
            Some(si) => si,
            None => {
                sections.push(SectionScore {
                    section: item.section.clone(),
                    line: item.line,
                    score: None,
                    counts: BTreeMap::new(),
                });
                section_points.push((0.0, 0));
                sections.len() - 1
            }
        };
        *sections[si].counts.entry(item.status).or_default() += 1;
        if item.status != Status::Skipped {
            section_points[si].0 += points(item.status);
            section_points[si].1 += 1;
            total_points += points(item.status);
            total_counted += 1;
        }
    }
    for (s, (p, n)) in sections.iter_mut().zip(section_points) {
        s.score = (n > 0).then(|| round1(100.0 * p / n as f64));
    }
    report.summary = Summary {
        total: report.items.iter().filter(|i| !i.derived).count(),
        counts,
        score: (total_counted > 0).then(|| round1(100.0 * total_points / total_counted as f64)),
        sections,
    };
    reasons.extend(report.violations.iter().cloned());
    if report.interrupted {
        reasons.push(INTERRUPTED_REASON.to_string());
    } else if !report.verified() {
        reasons.push(NOTHING_VERIFIED.to_string());
    }
    report.decision = if reasons.is_empty() {
        Decision::Go
    } else {
        Decision::NoGo
    };
    report.reasons = reasons;
    let verdict = match (report.decision, report.waived().count()) {
        (Decision::NoGo, _) if report.interrupted => "No-Go (interrupted)".to_string(),
        (Decision::NoGo, _) => "No-Go".to_string(),
        (Decision::Go, 0) => "Go".to_string(),
        (Decision::Go, 1) => "Go with 1 waiver".to_string(),
        (Decision::Go, n) => format!("Go with {n} waivers"),
    };
    report.verdict = match &report.partial {
        Some(p) => format!("{verdict} ({})", p.text()),
        None => verdict,
    };
}

impl SignoffNote {
    /// "waiver by Jane Roe expired after 2026-12-31".
    pub fn expiry_text(&self) -> String {
        let what = match self.kind {
            SignoffKind::Attested => "attestation",
            SignoffKind::Approved => "approval",
            SignoffKind::Waived => "waiver",
        };
        match &self.until {
            Some(until) => format!("{what} by {} expired after {until}", self.by),
            None => format!("{what} by {} expired", self.by),
        }
    }
}

impl Report {
    /// Whether at least one item passed its check or was attested: Go needs one.
    pub fn verified(&self) -> bool {
        self.items
            .iter()
            .any(|i| !i.derived && i.status.is_passing())
    }

    /// Items waived in this run: a Go with waivers lists them.
    pub fn waived(&self) -> impl Iterator<Item = &ItemReport> {
        self.items
            .iter()
            .filter(|i| !i.derived && i.status == Status::Waived)
    }

    /// Items whose attestation, approval or waiver expired: the report says so.
    pub fn expired(&self) -> impl Iterator<Item = &ItemReport> {
        self.items
            .iter()
            .filter(|i| i.signoff.as_ref().is_some_and(|n| n.expired))
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Selector;

    fn item(id: &str, section: &str, status: Status, check: Option<&'static str>) -> ItemReport {
        ItemReport {
            id: id.into(),
            line: 1,
            section: vec![section.into()],
            text: id.into(),
            kind: ItemKind::Task,
            checked: false,
            ticked_by_hand: false,
            status,
            check,
            binding: check.map(|_| BindingSource::Auto),
            params: Params::new(),
            evidence: Evidence::default(),
            duration_ms: 0,
            blocking: false,
            holds_back: false,
            derived: false,
            parent: None,
            role: None,
            signoff: None,
        }
    }

    fn report(items: Vec<ItemReport>) -> Report {
        Report::undecided("c.md".into(), None, items, 0)
    }

    #[test]
    fn go_needs_every_blocking_item_passing() {
        let mut r = report(vec![
            item("a", "Sec", Status::Pass, Some("secrets.scan")),
            item("b", "Sec", Status::Skipped, Some("http.status")),
            item("c", "Docs", Status::Warn, Some("docs.fresh")),
        ]);
        conclude(&mut r, &Policy::default());
        assert_eq!(r.decision, Decision::Go);
        assert_eq!(r.summary.score, Some(75.0));
        assert_eq!(r.summary.sections[0].score, Some(100.0));

        r.items[0].status = Status::Error;
        conclude(&mut r, &Policy::default());
        assert_eq!(r.decision, Decision::NoGo);
        assert_eq!(r.reasons.len(), 2);
        assert!(r.reasons[0].starts_with("line 1: a — error"));
        // The other items were skipped or warned: nothing is verified any more.
        assert_eq!(r.reasons[1], NOTHING_VERIFIED);
    }

    #[test]
    fn a_tick_by_hand_is_shown_and_never_counts() {
        let mut r = report(vec![
            item("a", "Sec", Status::Manual, None),
            item("b", "Sec", Status::Attested, None),
            item("c", "Sec", Status::Fail, Some("secrets.scan")),
            item("d", "Sec", Status::Manual, None),
        ]);
        for i in &mut r.items[..3] {
            i.checked = true;
        }
        conclude(&mut r, &Policy::default());
        let ticked: Vec<bool> = r.items.iter().map(|i| i.ticked_by_hand).collect();
        assert_eq!(ticked, [true, false, false, false]);
        assert_eq!(r.items[0].status, Status::Manual);
        assert_eq!(r.decision, Decision::NoGo);
        assert_eq!(
            r.reasons[0],
            format!("line 1: a — manual ({TICKED_BY_HAND})")
        );
        assert_eq!(r.reasons[2], "line 1: d — manual");
    }

    #[test]
    fn an_interrupted_run_is_never_a_go() {
        let mut r = report(vec![item("a", "Sec", Status::Pass, Some("secrets.scan"))]);
        r.interrupted = true;
        conclude(&mut r, &Policy::default());
        assert_eq!(r.decision, Decision::NoGo);
        assert_eq!(r.verdict, "No-Go (interrupted)");
        assert_eq!(r.reasons, [INTERRUPTED_REASON]);
    }

    #[test]
    fn policy_decides_what_blocks() {
        let mut r = report(vec![
            item("m", "Compliance", Status::Manual, None),
            item("f", "Docs", Status::Fail, Some("docs.fresh")),
            item("p", "Sec", Status::Pass, Some("secrets.scan")),
        ]);
        let mut policy = Policy {
            advisory: vec![Selector::parse("section:docs").unwrap()],
            ..Policy::default()
        };
        conclude(&mut r, &policy);
        assert_eq!(r.decision, Decision::NoGo, "manual blocks by default");
        policy.manual_blocks = false;
        conclude(&mut r, &policy);
        assert_eq!(r.decision, Decision::Go);
        policy.blocking = vec![Selector::parse("check:docs.*").unwrap()];
        conclude(&mut r, &policy);
        assert_eq!(r.decision, Decision::NoGo, "blocking wins over advisory");
        policy.blocking.clear();
        policy.warn_blocks = true;
        r.items[1].status = Status::Warn;
        r.items[1].blocking = true;
        policy.advisory.clear();
        conclude(&mut r, &policy);
        assert_eq!(
            r.decision,
            Decision::NoGo,
            "warn blocks when the policy says so"
        );
    }

    #[test]
    fn parents_derive_from_children() {
        let mut parent = item("p", "S", Status::Skipped, None);
        parent.derived = true;
        let mut a = item("p/a", "S", Status::Pass, Some("files.exists"));
        a.parent = Some(0);
        let mut b = item("p/b", "S", Status::Fail, Some("files.exists"));
        b.parent = Some(0);
        let mut r = report(vec![parent, a, b]);
        conclude(&mut r, &Policy::default());
        assert_eq!(r.items[0].status, Status::Fail);
        assert_eq!(r.items[0].evidence.summary, "1 of 2 sub-items passing");
        assert_eq!(r.summary.total, 2, "derived parents are not counted twice");
        r.items[2].status = Status::Attested;
        conclude(&mut r, &Policy::default());
        assert_eq!(r.items[0].status, Status::Pass);
        assert_eq!(r.decision, Decision::Go);
    }

    #[test]
    fn waived_items_do_not_block() {
        let mut r = report(vec![
            item("w", "S", Status::Waived, Some("files.exists")),
            item("p", "S", Status::Pass, Some("secrets.scan")),
        ]);
        conclude(&mut r, &Policy::default());
        assert_eq!(r.decision, Decision::Go);
        assert_eq!(r.waived().count(), 1);
        assert_eq!(r.verdict, "Go with 1 waiver");
    }

    #[test]
    fn go_needs_at_least_one_verified_item() {
        // Nothing blocks, yet nothing was verified: skipped live items, a waiver, an advisory
        // manual item. That is not a Go.
        let mut r = report(vec![
            item("s", "S", Status::Skipped, Some("http.status")),
            item("w", "S", Status::Waived, Some("files.exists")),
            item("m", "Docs", Status::Manual, None),
        ]);
        let policy = Policy {
            manual_blocks: false,
            ..Policy::default()
        };
        conclude(&mut r, &policy);
        assert_eq!(r.decision, Decision::NoGo);
        assert!(!r.verified());
        assert_eq!(r.reasons, [NOTHING_VERIFIED]);
        assert_eq!(r.verdict, "No-Go");

        // One attestation is a verification.
        r.items[2].status = Status::Attested;
        conclude(&mut r, &policy);
        assert_eq!(r.decision, Decision::Go);
        assert_eq!(r.verdict, "Go with 1 waiver");

        // An empty selection verifies nothing either.
        let mut empty = report(Vec::new());
        conclude(&mut empty, &policy);
        assert_eq!(empty.decision, Decision::NoGo);
    }

    #[test]
    fn a_partial_run_says_what_it_left_out() {
        let mut r = report(vec![
            item("p", "S", Status::Pass, Some("files.exists")),
            item("s", "S", Status::Skipped, Some("http.status")),
        ]);
        r.partial = Some(Partial {
            scope: Scope::Static,
            unverified: 1,
        });
        conclude(&mut r, &Policy::default());
        assert_eq!(r.decision, Decision::Go);
        assert_eq!(r.verdict, "Go (static only: 1 live item not verified)");
        r.items[0].status = Status::Fail;
        r.partial = Some(Partial {
            scope: Scope::Live,
            unverified: 23,
        });
        conclude(&mut r, &Policy::default());
        assert_eq!(r.verdict, "No-Go (live only: 23 static items not verified)");
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json["partial"],
            serde_json::json!({"scope": "live", "unverified": 23})
        );
    }

    #[test]
    fn violations_block_and_expiry_is_named_in_the_reason() {
        let mut r = report(vec![item("m", "S", Status::Manual, None)]);
        r.items[0].signoff = Some(SignoffNote {
            kind: SignoffKind::Attested,
            by: "Jane Roe".into(),
            date: "2026-11-01".into(),
            until: Some("2026-11-30".into()),
            role: None,
            reason: None,
            evidence: None,
            expired: true,
        });
        r.violations = vec!["policy requires a sign-off by Security Team".into()];
        conclude(&mut r, &Policy::default());
        assert_eq!(r.verdict, "No-Go");
        assert_eq!(
            r.reasons,
            [
                "line 1: m — manual (attestation by Jane Roe expired after 2026-11-30)",
                "policy requires a sign-off by Security Team",
                NOTHING_VERIFIED,
            ]
        );
        assert_eq!(r.expired().count(), 1);
    }
}
