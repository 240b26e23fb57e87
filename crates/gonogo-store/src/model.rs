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

impl NewAttestation {
    /// The attestation as stored under `id`, added at `at`.
    pub fn stored(&self, id: i64, at: i64) -> Attestation {
        Attestation {
            id,
            checklist: self.checklist.clone(),
            item_id: self.item_id.clone(),
            item_text: self.item_text.clone(),
            by: self.by.clone(),
            role: self.role.clone(),
            evidence: self.evidence.clone(),
            note: self.note.clone(),
            at,
            expires_at: self.expires_at,
            revoked_at: None,
        }
    }
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

impl NewApproval {
    /// The approval as stored under `id`, added at `at`.
    pub fn stored(&self, id: i64, at: i64) -> Approval {
        Approval {
            id,
            checklist: self.checklist.clone(),
            role: self.role.clone(),
            by: self.by.clone(),
            note: self.note.clone(),
            at,
            expires_at: self.expires_at,
            revoked_at: None,
        }
    }
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

impl NewWaiver {
    /// The waiver as stored under `id`, added at `at`.
    pub fn stored(&self, id: i64, at: i64) -> Waiver {
        Waiver {
            id,
            checklist: self.checklist.clone(),
            item_id: self.item_id.clone(),
            item_text: self.item_text.clone(),
            reason: self.reason.clone(),
            by: self.by.clone(),
            at,
            expires_at: self.expires_at,
            revoked_at: None,
        }
    }
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

/// A value of a column the store writes, and of a field a fingerprint covers.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value<'a> {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<&'a str>),
}

impl Value<'_> {
    fn to_json(self) -> serde_json::Value {
        match self {
            Value::Int(v) => serde_json::json!(v),
            Value::Real(v) => serde_json::json!(v),
            Value::Text(v) => serde_json::json!(v),
        }
    }
}

impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Int(Some(v))
    }
}
impl From<Option<i64>> for Value<'_> {
    fn from(v: Option<i64>) -> Self {
        Value::Int(v)
    }
}
impl From<Option<f64>> for Value<'_> {
    fn from(v: Option<f64>) -> Self {
        Value::Real(v)
    }
}
impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Text(Some(v))
    }
}
impl<'a> From<&'a String> for Value<'a> {
    fn from(v: &'a String) -> Self {
        Value::Text(Some(v))
    }
}
impl<'a> From<Option<&'a str>> for Value<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Value::Text(v)
    }
}
impl<'a> From<&'a Option<String>> for Value<'a> {
    fn from(v: &'a Option<String>) -> Self {
        Value::Text(v.as_deref())
    }
}

impl RecordKind {
    /// How the audit log names the record `id` of this kind: `approval:7`.
    pub(crate) fn subject(self, id: i64) -> String {
        format!("{}:{id}", self.as_str())
    }
}

/// An attestation, approval or waiver as stored: the columns written when it is added, and
/// what the audit log keeps of it.
pub(crate) trait SignedRecord {
    const KIND: RecordKind;
    /// The audit detail's key for what the record is about and the column that holds it.
    const ABOUT: (&'static str, &'static str);
    fn id(&self) -> i64;
    fn by(&self) -> &str;
    /// Its columns as created, in the order its fingerprint takes them (`id` and
    /// `revoked_at` are left out: a revocation is its own entry).
    fn columns(&self) -> Vec<(&'static str, Value<'_>)>;

    fn subject(&self) -> String {
        Self::KIND.subject(self.id())
    }

    /// SHA-256 over the JSON array of its columns' values.
    fn fingerprint(&self) -> String {
        let fields = self.columns().into_iter().map(|(_, v)| v.to_json());
        sha256_hex(serde_json::Value::Array(fields.collect()).to_string())
    }

    /// The audit entry's detail: the fingerprint and the few fields a reader wants.
    fn detail(&self) -> serde_json::Value {
        let columns = self.columns();
        let field = |name: &str| {
            columns
                .iter()
                .find(|(column, _)| *column == name)
                .map(|(_, value)| value.to_json())
        };
        let (about, about_column) = Self::ABOUT;
        serde_json::json!({
            "sha256": self.fingerprint(),
            "checklist": field("checklist"),
            (about): field(about_column),
            "expires_at": field("expires_at"),
        })
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

impl SignedRecord for Attestation {
    const KIND: RecordKind = RecordKind::Attestation;
    const ABOUT: (&'static str, &'static str) = ("item", "item_id");
    fn id(&self) -> i64 {
        self.id
    }
    fn by(&self) -> &str {
        &self.by
    }
    fn columns(&self) -> Vec<(&'static str, Value<'_>)> {
        vec![
            ("checklist", (&self.checklist).into()),
            ("item_id", (&self.item_id).into()),
            ("item_text", (&self.item_text).into()),
            ("by_whom", (&self.by).into()),
            ("role", (&self.role).into()),
            ("evidence", (&self.evidence).into()),
            ("note", (&self.note).into()),
            ("at", self.at.into()),
            ("expires_at", self.expires_at.into()),
        ]
    }
}

impl SignedRecord for Approval {
    const KIND: RecordKind = RecordKind::Approval;
    const ABOUT: (&'static str, &'static str) = ("role", "role");
    fn id(&self) -> i64 {
        self.id
    }
    fn by(&self) -> &str {
        &self.by
    }
    fn columns(&self) -> Vec<(&'static str, Value<'_>)> {
        vec![
            ("checklist", (&self.checklist).into()),
            ("role", (&self.role).into()),
            ("by_whom", (&self.by).into()),
            ("note", (&self.note).into()),
            ("at", self.at.into()),
            ("expires_at", self.expires_at.into()),
        ]
    }
}

impl SignedRecord for Waiver {
    const KIND: RecordKind = RecordKind::Waiver;
    const ABOUT: (&'static str, &'static str) = ("item", "item_id");
    fn id(&self) -> i64 {
        self.id
    }
    fn by(&self) -> &str {
        &self.by
    }
    fn columns(&self) -> Vec<(&'static str, Value<'_>)> {
        vec![
            ("checklist", (&self.checklist).into()),
            ("item_id", (&self.item_id).into()),
            ("item_text", (&self.item_text).into()),
            ("reason", (&self.reason).into()),
            ("by_whom", (&self.by).into()),
            ("at", self.at.into()),
            ("expires_at", self.expires_at.into()),
        ]
    }
}
