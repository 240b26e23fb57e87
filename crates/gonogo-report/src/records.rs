//! The confirmations of `signoff`, `approve`, `waive`, `revoke` and `audit verify`: what was
//! written, by whom, and until when it holds.

use gonogo_store::audit::{Broken, Intact};
use gonogo_store::clock::{date_of, last_day};
use gonogo_store::{Approval, Attestation, RecordKind, Waiver};

fn holds(expires_at: Option<i64>) -> String {
    match expires_at {
        Some(e) => format!("holds until {}", last_day(e)),
        None => "does not expire".into(),
    }
}

/// An attestation of the item at `line`.
pub fn attested(a: &Attestation, line: usize) -> String {
    let role = a
        .role
        .as_deref()
        .map(|r| format!(" as {r}"))
        .unwrap_or_default();
    format!(
        "attestation {} recorded: line {line} `{}` — {}\n  attested by {}{role} on {}, {}\n",
        a.id,
        a.item_id,
        a.item_text,
        a.by,
        date_of(a.at),
        holds(a.expires_at)
    )
}

/// An approval, filling the sign-off slot at `line` when the checklist has one.
pub fn approved(a: &Approval, line: Option<usize>) -> String {
    let line = line.map(|l| format!(" (line {l})")).unwrap_or_default();
    format!(
        "approval {} recorded: {}{line}\n  approved by {} on {}, {}\n",
        a.id,
        a.role,
        a.by,
        date_of(a.at),
        holds(a.expires_at)
    )
}

/// A waiver of the item at `line`.
pub fn waived(w: &Waiver, line: usize) -> String {
    format!(
        "waiver {} recorded: line {line} `{}` — {}\n  waived by {} on {}, holds until {}: {}\n",
        w.id,
        w.item_id,
        w.item_text,
        w.by,
        date_of(w.at),
        last_day(w.expires_at),
        w.reason
    )
}

/// Records of one kind withdrawn for an item id or a role.
pub fn revoked(kind: RecordKind, ids: &[i64], what: &str, by: &str, at: i64) -> String {
    let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    format!(
        "{} {} revoked for `{what}` by {by} on {}\n",
        kind.as_str(),
        list.join(", "),
        date_of(at)
    )
}

/// The audit trail's verdict.
pub fn audit(verdict: &Result<Intact, Broken>) -> String {
    match verdict {
        Ok(intact) => {
            let head = intact.head.as_deref().map(|h| &h[..12]).unwrap_or("none");
            format!(
                "audit trail intact: {} entries, head {head}\n",
                intact.entries
            )
        }
        Err(broken) => format!("audit trail BROKEN: {broken}\n"),
    }
}
