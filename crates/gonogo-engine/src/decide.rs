//! The decide stage's second half: from what people recorded to what the report says. Pure:
//! records, policy and "now" in, item statuses, notes and policy violations out, then
//! [`decide::conclude`] again.
//!
//! - A manual item with a valid attestation is `attested`.
//! - A sign-off slot (`Engineering Lead: ____ Date: ____`) with a valid approval for its role
//!   is `attested`, noted as approved.
//! - An item that is not passing with a valid waiver is `waived`, unless the policy forbids
//!   waivers for it (a violation).
//! - A record past its expiry no longer counts; the item keeps a note saying so and its
//!   No-Go reason names it.
//! - Policy: every `required_roles` role needs a valid approval; at most `max_waivers` waivers.

use gonogo_checklist::ItemKind;
use gonogo_core::Status;
use gonogo_core::config::Policy;
use gonogo_core::decide::{self, Regression, Report, SignoffKind, SignoffNote};
use gonogo_store::clock::{date_of, last_day};
use gonogo_store::{Approval, Attestation, Records, RunItem, Waiver};

fn holds(expires_at: Option<i64>, now: i64) -> bool {
    expires_at.is_none_or(|e| now < e)
}

/// Role labels compare without case, surrounding blanks, doubled spaces or a trailing colon.
pub fn same_role(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.trim()
            .trim_end_matches(':')
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}

/// The record that decides: the newest valid one, else the newest expired one (to say so).
fn pick<'a, T>(
    candidates: impl Iterator<Item = &'a T>,
    at: impl Fn(&T) -> i64,
    expires: impl Fn(&T) -> Option<i64>,
    now: i64,
) -> Option<(&'a T, bool)> {
    let all: Vec<&T> = candidates.collect();
    let newest = |valid: bool| {
        all.iter()
            .copied()
            .filter(|r| holds(expires(r), now) == valid)
            .max_by_key(|r| at(r))
    };
    newest(true)
        .map(|r| (r, false))
        .or_else(|| newest(false).map(|r| (r, true)))
}

fn attestation_note(a: &Attestation, expired: bool) -> SignoffNote {
    SignoffNote {
        kind: SignoffKind::Attested,
        by: a.by.clone(),
        date: date_of(a.at),
        until: a.expires_at.map(last_day),
        role: a.role.clone(),
        reason: a.note.clone(),
        evidence: a.evidence.clone(),
        expired,
    }
}

fn approval_note(a: &Approval, expired: bool) -> SignoffNote {
    SignoffNote {
        kind: SignoffKind::Approved,
        by: a.by.clone(),
        date: date_of(a.at),
        until: a.expires_at.map(last_day),
        role: Some(a.role.clone()),
        reason: a.note.clone(),
        evidence: None,
        expired,
    }
}

fn waiver_note(w: &Waiver, expired: bool) -> SignoffNote {
    SignoffNote {
        kind: SignoffKind::Waived,
        by: w.by.clone(),
        date: date_of(w.at),
        until: Some(last_day(w.expires_at)),
        role: None,
        reason: Some(w.reason.clone()),
        evidence: None,
        expired,
    }
}

/// Apply `records` to `report` at `now` (Unix seconds) under `policy`, then conclude again.
pub fn apply_records(report: &mut Report, records: &Records, policy: &Policy, now: i64) {
    let mut violations = Vec::new();
    for item in report.items.iter_mut() {
        if item.derived {
            continue;
        }
        let is_item =
            |id: &str, text: &str| id == item.id || (!text.is_empty() && text == item.text);
        let live = |revoked: Option<i64>| revoked.is_none();

        // A sign-off slot is filled by an approval for its role.
        if item.kind == ItemKind::Signoff
            && item.status == Status::Manual
            && let Some(role) = item.role.clone()
            && let Some((a, expired)) = pick(
                records
                    .approvals
                    .iter()
                    .filter(|a| live(a.revoked_at) && same_role(&a.role, &role)),
                |a| a.at,
                |a| a.expires_at,
                now,
            )
        {
            item.signoff = Some(approval_note(a, expired));
            if !expired {
                item.status = Status::Attested;
            }
        }

        // A manual item is attested by a named person.
        if item.status == Status::Manual
            && let Some((a, expired)) = pick(
                records
                    .attestations
                    .iter()
                    .filter(|a| live(a.revoked_at) && is_item(&a.item_id, &a.item_text)),
                |a| a.at,
                |a| a.expires_at,
                now,
            )
        {
            item.signoff = Some(attestation_note(a, expired));
            if !expired {
                item.status = Status::Attested;
            }
        }

        // Anything not passing may be waived, where the policy allows it.
        if !item.status.is_passing()
            && item.status != Status::Skipped
            && let Some((w, expired)) = pick(
                records
                    .waivers
                    .iter()
                    .filter(|w| live(w.revoked_at) && is_item(&w.item_id, &w.item_text)),
                |w| w.at,
                |w| Some(w.expires_at),
                now,
            )
        {
            let forbidden = policy
                .no_waivers
                .iter()
                .find(|s| s.matches(&item.id, &item.section, item.check));
            if let (Some(sel), false) = (forbidden, expired) {
                violations.push(format!(
                    "line {}: the waiver by {} for `{}` does not count: the policy forbids waivers for {}",
                    item.line,
                    w.by,
                    item.id,
                    selector_text(sel)
                ));
            } else {
                // An expired waiver only replaces a note that still counts for nothing.
                if !expired || item.signoff.as_ref().is_none_or(|n| n.expired) {
                    item.signoff = Some(waiver_note(w, expired));
                }
                if !expired {
                    item.status = Status::Waived;
                }
            }
        }
    }

    for role in &policy.required_roles {
        let found = pick(
            records
                .approvals
                .iter()
                .filter(|a| a.revoked_at.is_none() && same_role(&a.role, role)),
            |a| a.at,
            |a| a.expires_at,
            now,
        );
        match found {
            Some((_, false)) => {}
            Some((a, true)) => violations.push(format!(
                "the policy requires a sign-off by {role}: the approval by {} expired after {}",
                a.by,
                a.expires_at.map(last_day).unwrap_or_default()
            )),
            None => violations.push(format!(
                "the policy requires a sign-off by {role}: none recorded (gonogo approve --role \"{role}\")"
            )),
        }
    }
    let waived = report
        .items
        .iter()
        .filter(|i| !i.derived && i.status == Status::Waived)
        .count();
    if let Some(max) = policy.max_waivers
        && waived > max
    {
        violations.push(format!(
            "{waived} items are waived; the policy allows at most {max}"
        ));
    }
    report.violations = violations;
    decide::conclude(report, policy);
}

fn selector_text(s: &gonogo_core::config::Selector) -> String {
    use gonogo_core::config::Selector;
    match s {
        Selector::Section(t) => format!("section `{t}`"),
        Selector::Check(c) => format!("check `{c}`"),
        Selector::Item(i) => format!("item `{i}`"),
    }
}

/// Items that passed in `previous` and neither pass nor are skipped or waived now, in the
/// report's order.
pub fn regressions(previous: &[RunItem], report: &Report) -> Vec<Regression> {
    let was: std::collections::HashMap<&str, Status> = previous
        .iter()
        .filter_map(|i| Status::parse(&i.status).map(|s| (i.item_id.as_str(), s)))
        .collect();
    report
        .items
        .iter()
        .filter(|i| !i.derived)
        .filter_map(|i| {
            let before = *was.get(i.id.as_str())?;
            let now = i.status;
            (before.is_passing()
                && !now.is_passing()
                && !matches!(now, Status::Skipped | Status::Waived))
            .then(|| Regression {
                id: i.id.clone(),
                line: i.line,
                text: i.text.clone(),
                was: before,
                now,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gonogo_core::decide::{Decision, ItemReport};
    use gonogo_core::{Evidence, Params};

    const DAY: i64 = 86_400;

    fn item(id: &str, kind: ItemKind, status: Status, role: Option<&str>) -> ItemReport {
        ItemReport {
            id: id.into(),
            line: 1,
            section: vec!["Security".into()],
            text: format!("text of {id}"),
            kind,
            checked: false,
            ticked_by_hand: false,
            status,
            check: (status != Status::Manual).then_some("files.exists"),
            binding: None,
            params: Params::new(),
            evidence: Evidence::default(),
            duration_ms: 0,
            blocking: false,
            holds_back: false,
            derived: false,
            parent: None,
            role: role.map(str::to_string),
            signoff: None,
        }
    }

    fn report(items: Vec<ItemReport>) -> Report {
        let mut r = Report::undecided("c.md".into(), None, items, 0);
        decide::conclude(&mut r, &Policy::default());
        r
    }

    fn attestation(item: &str, at: i64, expires_at: Option<i64>) -> Attestation {
        Attestation {
            id: 1,
            project: Some("github.com/org/x".into()),
            checklist: "c.md".into(),
            item_id: item.into(),
            item_text: String::new(),
            by: "Jane Roe <jane@example.com>".into(),
            role: None,
            evidence: Some("https://tickets.example.com/SEC-1".into()),
            note: None,
            at,
            expires_at,
            revoked_at: None,
        }
    }

    fn approval(role: &str, at: i64) -> Approval {
        Approval {
            id: 1,
            project: Some("github.com/org/x".into()),
            checklist: "c.md".into(),
            role: role.into(),
            by: "Jane Roe".into(),
            note: None,
            at,
            expires_at: None,
            revoked_at: None,
        }
    }

    fn waiver(item: &str, at: i64, expires_at: i64) -> Waiver {
        Waiver {
            id: 1,
            project: Some("github.com/org/x".into()),
            checklist: "c.md".into(),
            item_id: item.into(),
            item_text: String::new(),
            reason: "vendor fix due next sprint".into(),
            by: "Sam Poe".into(),
            at,
            expires_at,
            revoked_at: None,
        }
    }

    #[test]
    fn attestations_approvals_and_waivers_lead_to_go_with_a_waiver() {
        let now = 1_800_000_000;
        let mut r = report(vec![
            item("privacy", ItemKind::Task, Status::Manual, None),
            item(
                "lead",
                ItemKind::Signoff,
                Status::Manual,
                Some("Engineering Lead"),
            ),
            item("tls", ItemKind::Task, Status::Fail, None),
        ]);
        assert_eq!(r.decision, Decision::NoGo);
        let records = Records {
            attestations: vec![attestation("privacy", now - DAY, Some(now + 30 * DAY))],
            approvals: vec![approval("engineering lead:", now - DAY)],
            waivers: vec![waiver("tls", now - DAY, now + DAY)],
            ..Records::default()
        };
        apply_records(&mut r, &records, &Policy::default(), now);
        assert_eq!(r.verdict, "Go with 1 waiver", "{:?}", r.reasons);
        assert_eq!(r.items[0].status, Status::Attested);
        assert_eq!(r.items[1].status, Status::Attested);
        assert_eq!(
            r.items[1].signoff.as_ref().unwrap().kind,
            SignoffKind::Approved
        );
        assert_eq!(r.items[2].status, Status::Waived);

        // A day later the waiver no longer holds: No-Go, and the reason says why.
        let mut later = r.clone();
        for i in &mut later.items {
            i.signoff = None;
        }
        later.items[0].status = Status::Manual;
        later.items[1].status = Status::Manual;
        later.items[2].status = Status::Fail;
        apply_records(&mut later, &records, &Policy::default(), now + 2 * DAY);
        assert_eq!(later.verdict, "No-Go");
        assert_eq!(
            later.reasons,
            [
                "line 1: text of tls — fail (waiver by Sam Poe expired after 1970-01-01)"
                    .replace("1970-01-01", &last_day(now + DAY))
            ]
        );
        assert_eq!(later.expired().count(), 1);
    }

    #[test]
    fn revoked_and_expired_records_do_not_count() {
        let now = 1_800_000_000;
        let mut r = report(vec![item("privacy", ItemKind::Task, Status::Manual, None)]);
        let mut revoked = attestation("privacy", now - DAY, None);
        revoked.revoked_at = Some(now - 1);
        let records = Records {
            attestations: vec![
                revoked,
                attestation("privacy", now - 3 * DAY, Some(now - DAY)),
            ],
            ..Records::default()
        };
        apply_records(&mut r, &records, &Policy::default(), now);
        assert_eq!(r.items[0].status, Status::Manual);
        assert!(r.items[0].signoff.as_ref().unwrap().expired);
        assert_eq!(r.decision, Decision::NoGo);
    }

    #[test]
    fn policy_requires_roles_forbids_waivers_and_caps_them() {
        let now = 1_800_000_000;
        let items = vec![
            item("a", ItemKind::Task, Status::Fail, None),
            item("b", ItemKind::Task, Status::Fail, None),
        ];
        let records = Records {
            waivers: vec![waiver("a", now, now + DAY), waiver("b", now, now + DAY)],
            approvals: vec![approval("Security Team", now)],
            ..Records::default()
        };
        let policy = Policy {
            required_roles: vec!["Security Team".into(), "Product Manager".into()],
            max_waivers: Some(1),
            ..Policy::default()
        };
        let mut r = report(items.clone());
        apply_records(&mut r, &records, &policy, now);
        assert_eq!(
            r.violations,
            [
                "the policy requires a sign-off by Product Manager: none recorded (gonogo approve --role \"Product Manager\")",
                "2 items are waived; the policy allows at most 1",
            ]
        );
        assert_eq!(r.decision, Decision::NoGo);

        let policy = Policy {
            no_waivers: vec![gonogo_core::config::Selector::parse("section:security").unwrap()],
            ..Policy::default()
        };
        let mut r = report(items);
        apply_records(&mut r, &records, &policy, now);
        assert_eq!(
            r.items[0].status,
            Status::Fail,
            "a forbidden waiver is not applied"
        );
        assert_eq!(
            r.violations[0],
            "line 1: the waiver by Sam Poe for `a` does not count: the policy forbids waivers for section `security`"
        );
    }

    #[test]
    fn regressions_are_items_that_passed_before() {
        let r = report(vec![
            item("a", ItemKind::Task, Status::Fail, None),
            item("b", ItemKind::Task, Status::Pass, None),
            item("c", ItemKind::Task, Status::Skipped, None),
        ]);
        let prev = |id: &str, status: &str| RunItem {
            item_id: id.into(),
            line: 1,
            text: id.into(),
            status: status.into(),
            evidence: "{}".into(),
        };
        let regs = regressions(
            &[prev("a", "pass"), prev("b", "fail"), prev("c", "pass")],
            &r,
        );
        assert_eq!(regs.len(), 1);
        assert_eq!(
            (regs[0].id.as_str(), regs[0].was, regs[0].now),
            ("a", Status::Pass, Status::Fail)
        );
    }
}
