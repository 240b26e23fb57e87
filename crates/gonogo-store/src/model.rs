//! What the store holds. Times are Unix seconds, UTC.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// A run to record: the report's decision and every item's outcome, with the report itself.
#[derive(Debug, Clone)]
pub struct NewRun {
    /// The checklist's key: its path relative to the repository (forward slashes).
    pub checklist: String,
    /// The path as given on the command line.
    pub checklist_path: String,
    /// SHA-256 of the checklist source, hex.
    pub checklist_hash: String,
    /// The repository's HEAD commit, if it is a git repository.
    pub commit: Option<String>,
    pub decision: String,
    pub verdict: String,
    pub score: Option<f64>,
    /// JSON object: status -> count.
    pub counts: String,
    /// The full report, JSON (already redacted).
    pub report: String,
    pub items: Vec<RunItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct RunItem {
    pub item_id: String,
    pub line: i64,
    pub text: String,
    pub status: String,
    /// JSON of the item's evidence (already redacted).
    pub evidence: String,
}

/// A recorded run without its items.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct RunSummary {
    pub id: i64,
    pub checklist: String,
    pub checklist_path: String,
    pub checklist_hash: String,
    #[sqlx(rename = "commit_sha")]
    pub commit: Option<String>,
    pub decision: String,
    pub verdict: String,
    pub score: Option<f64>,
    /// JSON object: status -> count.
    pub counts: String,
    pub item_count: i64,
    pub actor: String,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredRun {
    pub summary: RunSummary,
    pub report: String,
    pub items: Vec<RunItem>,
}

/// Which kind of record a revocation withdraws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    Attestation,
    Approval,
    Waiver,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Attestation => "attestation",
            RecordKind::Approval => "approval",
            RecordKind::Waiver => "waiver",
        }
    }
    pub(crate) fn table(self) -> &'static str {
        match self {
            RecordKind::Attestation => "attestations",
            RecordKind::Approval => "approvals",
            RecordKind::Waiver => "waivers",
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewAttestation {
    pub checklist: String,
    pub item_id: String,
    pub item_text: String,
    pub by: String,
    pub role: Option<String>,
    pub evidence: Option<String>,
    pub note: Option<String>,
    pub expires_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Attestation {
    pub id: i64,
    pub checklist: String,
    pub item_id: String,
    pub item_text: String,
    #[sqlx(rename = "by_whom")]
    pub by: String,
    pub role: Option<String>,
    pub evidence: Option<String>,
    pub note: Option<String>,
    pub at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewApproval {
    pub checklist: String,
    pub role: String,
    pub by: String,
    pub note: Option<String>,
    pub expires_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Approval {
    pub id: i64,
    pub checklist: String,
    pub role: String,
    #[sqlx(rename = "by_whom")]
    pub by: String,
    pub note: Option<String>,
    pub at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewWaiver {
    pub checklist: String,
    pub item_id: String,
    pub item_text: String,
    pub reason: String,
    pub by: String,
    /// The first instant the waiver no longer holds.
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Waiver {
    pub id: i64,
    pub checklist: String,
    pub item_id: String,
    pub item_text: String,
    pub reason: String,
    #[sqlx(rename = "by_whom")]
    pub by: String,
    pub at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

/// Everything signed for one checklist.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Records {
    pub attestations: Vec<Attestation>,
    pub approvals: Vec<Approval>,
    pub waivers: Vec<Waiver>,
}

pub(crate) fn sha256_hex(bytes: impl AsRef<[u8]>) -> String {
    hex::encode(Sha256::digest(bytes.as_ref()))
}

/// The fingerprints the audit log keeps of each record: SHA-256 over its fields as created
/// (`revoked_at` is left out: a revocation is its own entry).
pub(crate) trait Fingerprint {
    fn subject(&self) -> String;
    fn fingerprint(&self) -> String;
}

impl Fingerprint for (i64, &NewRun) {
    fn subject(&self) -> String {
        format!("run:{}", self.0)
    }
    fn fingerprint(&self) -> String {
        let r = self.1;
        run_fingerprint(
            &r.checklist,
            &r.checklist_hash,
            &r.decision,
            r.score,
            &r.report,
        )
    }
}

pub(crate) fn run_fingerprint(
    checklist: &str,
    hash: &str,
    decision: &str,
    score: Option<f64>,
    report: &str,
) -> String {
    sha256_hex(
        serde_json::json!([checklist, hash, decision, score, sha256_hex(report)]).to_string(),
    )
}

impl Fingerprint for Attestation {
    fn subject(&self) -> String {
        format!("attestation:{}", self.id)
    }
    fn fingerprint(&self) -> String {
        sha256_hex(
            serde_json::json!([
                self.checklist,
                self.item_id,
                self.item_text,
                self.by,
                self.role,
                self.evidence,
                self.note,
                self.at,
                self.expires_at
            ])
            .to_string(),
        )
    }
}

impl Fingerprint for Approval {
    fn subject(&self) -> String {
        format!("approval:{}", self.id)
    }
    fn fingerprint(&self) -> String {
        sha256_hex(
            serde_json::json!([
                self.checklist,
                self.role,
                self.by,
                self.note,
                self.at,
                self.expires_at
            ])
            .to_string(),
        )
    }
}

impl Fingerprint for Waiver {
    fn subject(&self) -> String {
        format!("waiver:{}", self.id)
    }
    fn fingerprint(&self) -> String {
        sha256_hex(
            serde_json::json!([
                self.checklist,
                self.item_id,
                self.item_text,
                self.reason,
                self.by,
                self.at,
                self.expires_at
            ])
            .to_string(),
        )
    }
}
