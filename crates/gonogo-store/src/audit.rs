//! The audit log: append-only, each entry carrying the SHA-256 hash of the previous one.
//!
//! An entry's hash covers its sequence number, time, actor, action, subject, detail and the
//! previous hash. [`verify`] walks the chain and names the first entry that was edited,
//! deleted or moved; it also checks the recorded head (so a deleted last entry is caught) and
//! that every record the log speaks of still has the fingerprint the log recorded for it.

use crate::model::sha256_hex;
use serde::Serialize;

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

/// What [`verify`] reads from a store.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// In `seq` order.
    pub entries: Vec<AuditEntry>,
    /// The recorded head: last `seq` and its hash.
    pub head: Option<(i64, String)>,
    /// (subject, fingerprint) of every record now in the store.
    pub records: Vec<(String, String)>,
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
    #[error("{subject} (recorded by audit entry {seq}) was deleted")]
    RecordDeleted { subject: String, seq: i64 },
    #[error("{subject} is in the store but no audit entry records it")]
    Unrecorded { subject: String },
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

    // Records: the latest fingerprint each subject was recorded with must match the row.
    let mut recorded: std::collections::BTreeMap<&str, (i64, String)> = Default::default();
    for e in &snapshot.entries {
        if e.action.ends_with(".revoked") {
            continue;
        }
        let fp = serde_json::from_str::<serde_json::Value>(&e.detail)
            .ok()
            .and_then(|d| d["sha256"].as_str().map(str::to_string));
        if let Some(fp) = fp {
            recorded.insert(e.subject.as_str(), (e.seq, fp));
        }
    }
    let present: std::collections::BTreeMap<&str, &str> = snapshot
        .records
        .iter()
        .map(|(s, f)| (s.as_str(), f.as_str()))
        .collect();
    for (subject, (seq, fp)) in &recorded {
        match present.get(subject) {
            None => {
                return Err(Broken::RecordDeleted {
                    subject: subject.to_string(),
                    seq: *seq,
                });
            }
            Some(now) if now != fp => {
                return Err(Broken::RecordChanged {
                    subject: subject.to_string(),
                    seq: *seq,
                });
            }
            Some(_) => {}
        }
    }
    for (subject, _) in &snapshot.records {
        if !recorded.contains_key(subject.as_str()) {
            return Err(Broken::Unrecorded {
                subject: subject.clone(),
            });
        }
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
            records.push((subject, fp));
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
        s.records[0].1 = "other".into();
        assert_eq!(
            verify(&s),
            Err(Broken::RecordChanged {
                subject: "waiver:1".into(),
                seq: 1
            })
        );
        let mut s = chain(3);
        s.records.push(("waiver:9".into(), "x".into()));
        assert!(matches!(verify(&s), Err(Broken::Unrecorded { .. })));
    }
}
