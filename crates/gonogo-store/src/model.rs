//! What the store holds. Times are Unix seconds, UTC.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// Whose runs and records: a project and one of its checklists. Records of one key never
/// apply under another: two projects whose checklists share a path stay apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ChecklistKey {
    /// The project's identity (its normalised git remote URL, else its repository root).
    /// `None` only for rows recorded before projects were told apart: they apply to no project.
    pub project: Option<String>,
    /// The checklist's path relative to its repository (forward slashes).
    pub checklist: String,
}

impl ChecklistKey {
    pub fn new(project: impl Into<String>, checklist: impl Into<String>) -> Self {
        ChecklistKey {
            project: Some(project.into()),
            checklist: checklist.into(),
        }
    }
}

/// A run to record: the report's decision and every item's outcome, with the report itself.
#[derive(Debug, Clone)]
pub struct NewRun {
    /// The project the run is of (see [`ChecklistKey::project`]).
    pub project: String,
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
    /// `None`: recorded before projects were told apart.
    pub project: Option<String>,
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
    /// Whether the run and its items are as its audit entry recorded them.
    #[sqlx(skip)]
    pub audit: RunAudit,
}

impl RunSummary {
    /// The project and checklist the run is of.
    pub fn key(&self) -> ChecklistKey {
        ChecklistKey {
            project: self.project.clone(),
            checklist: self.checklist.clone(),
        }
    }
}

/// What the audit log proves about a stored run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum RunAudit {
    /// Its audit entry covers the run and each of its items, and none was changed.
    Intact,
    /// Recorded before run items were audited: the run is as recorded, its items are not
    /// covered by the log.
    ItemsUnaudited,
    /// The run or its items are not what its audit entry recorded (or no entry records it).
    Broken(String),
}

impl Default for RunAudit {
    /// A run nobody compared with the log proves nothing.
    fn default() -> Self {
        RunAudit::Broken("not compared with the audit log".into())
    }
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
    pub project: String,
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
            project: Some(self.project.clone()),
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
    /// `None`: recorded before projects were told apart (it applies to no project).
    pub project: Option<String>,
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
    pub project: String,
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
            project: Some(self.project.clone()),
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
    /// `None`: recorded before projects were told apart (it applies to no project).
    pub project: Option<String>,
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
    pub project: String,
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
            project: Some(self.project.clone()),
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
    /// `None`: recorded before projects were told apart (it applies to no project).
    pub project: Option<String>,
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

/// Everything signed for one checklist of one project that the audit log vouches for.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Records {
    pub attestations: Vec<Attestation>,
    pub approvals: Vec<Approval>,
    pub waivers: Vec<Waiver>,
    /// Records of the key left out because the log does not vouch for them, one line each:
    /// no audit entry records them, or they were changed after it did.
    pub ignored: Vec<String>,
    /// Unrevoked records of the same checklist path recorded before projects were told apart:
    /// they apply to no project.
    pub legacy: usize,
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
    /// The project it belongs to (`None`: recorded before projects were told apart).
    fn project(&self) -> Option<&str>;
    /// Its columns as created, after the project, in the order its fingerprint takes them
    /// (`id` and `revoked_at` are left out: a revocation is its own entry).
    fn own_columns(&self) -> Vec<(&'static str, Value<'_>)>;

    /// Its columns as created: the project (when it has one: a record made before projects
    /// were told apart keeps the fingerprint it was recorded with), then its own.
    fn columns(&self) -> Vec<(&'static str, Value<'_>)> {
        let project = self.project().map(|p| ("project", Value::from(p)));
        project.into_iter().chain(self.own_columns()).collect()
    }

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
            "project": self.project(),
            "checklist": field("checklist"),
            (about): field(about_column),
            "expires_at": field("expires_at"),
        })
    }
}

/// A run's columns, as its audit entry covers them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct RunFacts {
    pub id: i64,
    pub project: Option<String>,
    pub checklist: String,
    pub checklist_path: String,
    pub checklist_hash: String,
    pub commit_sha: Option<String>,
    pub decision: String,
    pub verdict: String,
    pub score: Option<f64>,
    pub counts: String,
    pub item_count: i64,
    pub actor: String,
    pub at: i64,
    pub report: String,
}

impl RunFacts {
    /// The run about to be recorded by `actor` at `at`.
    pub fn of(run: &NewRun, actor: &str, at: i64) -> RunFacts {
        RunFacts {
            id: 0,
            project: Some(run.project.clone()),
            checklist: run.checklist.clone(),
            checklist_path: run.checklist_path.clone(),
            checklist_hash: run.checklist_hash.clone(),
            commit_sha: run.commit.clone(),
            decision: run.decision.clone(),
            verdict: run.verdict.clone(),
            score: run.score,
            counts: run.counts.clone(),
            item_count: run.items.len() as i64,
            actor: actor.to_string(),
            at,
            report: run.report.clone(),
        }
    }

    /// SHA-256 over every column and the digest of its items ([`ItemsDigest`]). A run
    /// recorded before projects were told apart keeps the fingerprint it was recorded with:
    /// checklist, checklist hash, decision, score and report, its items not covered.
    pub fn fingerprint(&self, items_sha256: &str) -> String {
        let report = sha256_hex(&self.report);
        let fields = match &self.project {
            None => serde_json::json!([
                self.checklist,
                self.checklist_hash,
                self.decision,
                self.score,
                report
            ]),
            Some(project) => serde_json::json!([
                project,
                self.checklist,
                self.checklist_path,
                self.checklist_hash,
                self.commit_sha,
                self.decision,
                self.verdict,
                self.score,
                self.counts,
                self.item_count,
                report,
                self.actor,
                self.at,
                items_sha256
            ]),
        };
        sha256_hex(fields.to_string())
    }
}

/// SHA-256 over a run's items in order: one JSON array per item (position, id, line, text,
/// status, evidence), each followed by a newline (JSON text holds none of its own).
pub(crate) struct ItemsDigest(Sha256);

impl ItemsDigest {
    pub fn new() -> Self {
        ItemsDigest(Sha256::new())
    }

    pub fn add(&mut self, position: i64, item: &RunItem) {
        let row = serde_json::json!([
            position,
            item.item_id,
            item.line,
            item.text,
            item.status,
            item.evidence
        ]);
        self.0.update(row.to_string().as_bytes());
        self.0.update(b"\n");
    }

    pub fn finish(self) -> String {
        hex::encode(self.0.finalize())
    }

    /// The digest of `items`, positions counted from 0.
    pub fn of(items: &[RunItem]) -> String {
        let mut digest = ItemsDigest::new();
        for (position, item) in items.iter().enumerate() {
            digest.add(position as i64, item);
        }
        digest.finish()
    }
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
    fn project(&self) -> Option<&str> {
        self.project.as_deref()
    }
    fn own_columns(&self) -> Vec<(&'static str, Value<'_>)> {
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
    fn project(&self) -> Option<&str> {
        self.project.as_deref()
    }
    fn own_columns(&self) -> Vec<(&'static str, Value<'_>)> {
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
    fn project(&self) -> Option<&str> {
        self.project.as_deref()
    }
    fn own_columns(&self) -> Vec<(&'static str, Value<'_>)> {
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
