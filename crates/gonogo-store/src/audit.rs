//! The audit log: append-only, each entry carrying the SHA-256 hash of the previous one.
//!
//! An entry's hash covers its sequence number, time, actor, action, subject, detail and the
//! previous hash. [`verify`] walks the chain and names the first entry that was edited,
//! deleted or moved; it also checks the recorded head (so a deleted last entry is caught) and
//! that every record the log speaks of still has the fingerprint the log recorded for it: a
//! run's entry also holds the digest of its items, so an edited, added or deleted item is
//! named; a record the log never recorded, or whose revocation it disagrees with, is named too.

use crate::model::sha256_hex;
use serde::Serialize;
use std::collections::BTreeMap;

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    /// `run.recorded`, `attestation.added`, `approval.added`, `waiver.added`, `*.revoked`.
    pub action: String,
    /// What it is about: `run:12`, `waiver:3`.
    pub subject: String,
    /// JSON: the record's fingerprint (`sha256`) and a few fields a reader wants.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash an entry must carry.
pub fn entry_hash(
    seq: i64,
    at: i64,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
    prev_hash: &str,
) -> String {
    sha256_hex(serde_json::json!([seq, at, actor, action, subject, detail, prev_hash]).to_string())
}

impl AuditEntry {
    pub fn expected_hash(&self) -> String {
        entry_hash(
            self.seq,
            self.at,
            &self.actor,
            &self.action,
            &self.subject,
            &self.detail,
            &self.prev_hash,
        )
    }
}

/// A record as it is now in the store, as [`verify`] compares it with the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordState {
    /// How the log names it: `run:12`, `waiver:3`.
    pub subject: String,
    /// Its fingerprint computed from its row now.
    pub fingerprint: String,
    /// A run's items digest computed from its items now (None for other records).
    pub items_sha256: Option<String>,
    /// An attestation, approval or waiver that is marked revoked.
    pub revoked: bool,
}

/// What [`verify`] reads from a store.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// In `seq` order.
    pub entries: Vec<AuditEntry>,
    /// The recorded head: last `seq` and its hash.
    pub head: Option<(i64, String)>,
    /// Every record now in the store.
    pub records: Vec<RecordState>,
}

/// The audit trail is intact: how many entries, and the head hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intact {
    pub entries: usize,
    pub head: Option<String>,
}

/// The first problem found, naming the entry or record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Broken {
    #[error("audit entry {seq} was altered: its hash does not match its content")]
    Altered { seq: i64 },
    #[error(
        "audit entry {expected} is missing (entry {found} follows entry {prev}): an entry was deleted or entries were reordered"
    )]
    Gap {
        prev: i64,
        expected: i64,
        found: i64,
    },
    #[error(
        "audit entry {seq} does not follow entry {prev}: its previous-hash does not match (an entry was deleted, reordered or altered)"
    )]
    Unchained { seq: i64, prev: i64 },
    #[error(
        "the audit log ends at entry {last} but its head records entry {head}: entries after {last} were deleted"
    )]
    Truncated { last: i64, head: i64 },
    #[error("the audit log's head does not match entry {seq}: the head or the entry was altered")]
    HeadMismatch { seq: i64 },
    #[error("{subject} was changed after audit entry {seq} recorded it")]
    RecordChanged { subject: String, seq: i64 },
    #[error("the items of {subject} were changed after audit entry {seq} recorded them")]
    ItemsChanged { subject: String, seq: i64 },
    #[error("{subject} (recorded by audit entry {seq}) was deleted")]
    RecordDeleted { subject: String, seq: i64 },
    #[error("{subject} is in the store but no audit entry records it")]
    Unrecorded { subject: String },
    #[error("{subject} was revoked by audit entry {seq} but is marked in force again")]
    Unrevoked { subject: String, seq: i64 },
    #[error("{subject} is marked revoked but no audit entry records its revocation")]
    RevokedUnrecorded { subject: String },
}

/// What the log says of one subject: the entry that last recorded it and the fingerprints it
/// recorded, and the entry that revoked it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Logged {
    /// The last entry that recorded the subject, with its `sha256` and `items_sha256`.
    recorded: Option<(i64, String, Option<String>)>,
    /// The entry that revoked it.
    revoked: Option<i64>,
}

/// What `entries` say of each subject they name.
pub(crate) fn logged<'a>(
    entries: impl IntoIterator<Item = &'a AuditEntry>,
) -> BTreeMap<&'a str, Logged> {
    let mut out: BTreeMap<&str, Logged> = BTreeMap::new();
    for e in entries {
        let logged = out.entry(e.subject.as_str()).or_default();
        if e.action.ends_with(".revoked") {
            logged.revoked = Some(e.seq);
            continue;
        }
        let detail = serde_json::from_str::<serde_json::Value>(&e.detail).unwrap_or_default();
        let text = |key: &str| detail[key].as_str().map(str::to_string);
        if let Some(fp) = text("sha256") {
            logged.recorded = Some((e.seq, fp, text("items_sha256")));
        }
    }
    out
}

/// Does `record` agree with what the log says of it?
pub(crate) fn judge(record: &RecordState, logged: Option<&Logged>) -> Result<(), Broken> {
    let subject = || record.subject.clone();
    let Some((seq, fingerprint, items)) = logged.and_then(|l| l.recorded.as_ref()) else {
        return Err(Broken::Unrecorded { subject: subject() });
    };
    let seq = *seq;
    // A run recorded with its items' digest: name the items when they are what changed.
    if let (Some(logged_items), Some(now)) = (items, &record.items_sha256)
        && logged_items != now
    {
        return Err(Broken::ItemsChanged {
            subject: subject(),
            seq,
        });
    }
    if *fingerprint != record.fingerprint {
        return Err(Broken::RecordChanged {
            subject: subject(),
            seq,
        });
    }
    match (logged.and_then(|l| l.revoked), record.revoked) {
        (Some(seq), false) => Err(Broken::Unrevoked {
            subject: subject(),
            seq,
        }),
        (None, true) => Err(Broken::RevokedUnrecorded { subject: subject() }),
        _ => Ok(()),
    }
}

/// Check the chain, the head and the records.
pub fn verify(snapshot: &Snapshot) -> Result<Intact, Broken> {
    let mut prev: Option<&AuditEntry> = None;
    for e in &snapshot.entries {
        let expected_seq = prev.map_or(1, |p| p.seq + 1);
        if e.seq != expected_seq {
            return Err(Broken::Gap {
                prev: expected_seq - 1,
                expected: expected_seq,
                found: e.seq,
            });
        }
        if e.expected_hash() != e.hash {
            return Err(Broken::Altered { seq: e.seq });
        }
        let want_prev = prev.map_or(GENESIS, |p| p.hash.as_str());
        if e.prev_hash != want_prev {
            return Err(Broken::Unchained {
                seq: e.seq,
                prev: e.seq - 1,
            });
        }
        prev = Some(e);
    }
    let last = snapshot.entries.last();
    match (&snapshot.head, last) {
        (None, None) => {}
        (None, Some(l)) => return Err(Broken::HeadMismatch { seq: l.seq }),
        (Some((head, _)), None) => {
            return Err(Broken::Truncated {
                last: 0,
                head: *head,
            });
        }
        (Some((head, hash)), Some(l)) => {
            if *head > l.seq {
                return Err(Broken::Truncated {
                    last: l.seq,
                    head: *head,
                });
            }
            if *head != l.seq || *hash != l.hash {
                return Err(Broken::HeadMismatch { seq: l.seq });
            }
        }
    }

    // Records: each subject the log recorded is still there, as recorded; each record in the
    // store is recorded; revocations agree.
    let logged = logged(&snapshot.entries);
    let present: BTreeMap<&str, &RecordState> = snapshot
        .records
        .iter()
        .map(|r| (r.subject.as_str(), r))
        .collect();
    for (subject, l) in &logged {
        if let (Some((seq, ..)), None) = (&l.recorded, present.get(subject)) {
            return Err(Broken::RecordDeleted {
                subject: subject.to_string(),
                seq: *seq,
            });
        }
    }
    for record in &snapshot.records {
        judge(record, logged.get(record.subject.as_str()))?;
    }
    Ok(Intact {
        entries: snapshot.entries.len(),
        head: last.map(|l| l.hash.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Snapshot {
        let mut entries: Vec<AuditEntry> = Vec::new();
        let mut records = Vec::new();
        for seq in 1..=n {
            let prev_hash = entries
                .last()
                .map_or(GENESIS.to_string(), |e| e.hash.clone());
            let subject = format!("waiver:{seq}");
            let fp = format!("fp{seq}");
            let detail = serde_json::json!({ "sha256": fp }).to_string();
            let hash = entry_hash(
                seq,
                100 + seq,
                "a",
                "waiver.added",
                &subject,
                &detail,
                &prev_hash,
            );
            entries.push(AuditEntry {
                seq,
                at: 100 + seq,
                actor: "a".into(),
                action: "waiver.added".into(),
                subject: subject.clone(),
                detail,
                prev_hash,
                hash,
            });
            records.push(RecordState {
                subject,
                fingerprint: fp,
                items_sha256: None,
                revoked: false,
            });
        }
        let head = entries.last().map(|e| (e.seq, e.hash.clone()));
        Snapshot {
            entries,
            head,
            records,
        }
    }

    #[test]
    fn an_untouched_chain_is_intact() {
        assert_eq!(verify(&chain(4)).unwrap().entries, 4);
        assert_eq!(verify(&Snapshot::default()).unwrap().entries, 0);
    }

    #[test]
    fn every_kind_of_tampering_is_named() {
        let mut s = chain(4);
        s.entries[1].actor = "mallory".into();
        assert_eq!(verify(&s), Err(Broken::Altered { seq: 2 }));

        let mut s = chain(4);
        s.entries.remove(1);
        assert_eq!(
            verify(&s),
            Err(Broken::Gap {
                prev: 1,
                expected: 2,
                found: 3
            })
        );

        // Swapped contents keep the sequence numbers: the hashes no longer chain.
        let mut s = chain(4);
        let (a, b) = (s.entries[1].clone(), s.entries[2].clone());
        s.entries[1] = AuditEntry { seq: 2, ..b };
        s.entries[2] = AuditEntry { seq: 3, ..a };
        assert_eq!(verify(&s), Err(Broken::Altered { seq: 2 }));

        let mut s = chain(4);
        s.entries.pop();
        assert_eq!(verify(&s), Err(Broken::Truncated { last: 3, head: 4 }));

        let mut s = chain(3);
        s.records[0].fingerprint = "other".into();
        assert_eq!(
            verify(&s),
            Err(Broken::RecordChanged {
                subject: "waiver:1".into(),
                seq: 1
            })
        );
        let mut s = chain(3);
        s.records.push(RecordState {
            subject: "waiver:9".into(),
            fingerprint: "x".into(),
            items_sha256: None,
            revoked: false,
        });
        assert!(matches!(verify(&s), Err(Broken::Unrecorded { .. })));

        let mut s = chain(3);
        s.records.remove(1);
        assert_eq!(
            verify(&s),
            Err(Broken::RecordDeleted {
                subject: "waiver:2".into(),
                seq: 2
            })
        );

        let mut s = chain(3);
        s.records[2].revoked = true;
        assert_eq!(
            verify(&s),
            Err(Broken::RevokedUnrecorded {
                subject: "waiver:3".into()
            })
        );
    }
}
