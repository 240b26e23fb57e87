//! gonogo's memory: every run, attestation, approval, waiver and revocation, and an
//! append-only audit log whose entries each carry the SHA-256 hash of the one before.
//!
//! One [`Store`] trait, two backends: SQLite (embedded, the default, WAL with a busy timeout so
//! concurrent writers wait instead of failing) and PostgreSQL (a team server). Each backend has
//! its own migrations folder, embedded in the binary and applied when the store is opened.
//!
//! Every write is one transaction that also appends its audit entry: a crash (even `kill -9`)
//! leaves either the whole record and its entry or neither. Writers are serialised on the audit
//! chain (`BEGIN IMMEDIATE` on SQLite, a table lock on PostgreSQL), so the chain never forks.
//!
//! What is stored is what the report holds: evidence is redacted before it gets here. What the
//! records mean for a report (the policy step) is the engine's decide stage, not the store's.

pub mod audit;
pub mod clock;
mod model;
mod sql;
mod url;

pub use clock::{Clock, FixedClock, SystemClock};
pub use model::*;
pub use url::StoreUrl;

use async_trait::async_trait;

/// Why the store could not do what was asked. Messages never contain a password.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("malformed store URL `{url}`: {why}")]
    BadUrl { url: String, why: String },
    #[error("cannot open the store at {url}: {why}")]
    Open { url: String, why: String },
    #[error("cannot apply the store's migrations at {url}: {why}")]
    Migrate { url: String, why: String },
    #[error("store {url}: {why}")]
    Query { url: String, why: String },
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// Which database holds the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Everything gonogo remembers, behind one interface. Every write appends to the audit log in
/// the same transaction; `at` is Unix seconds from the caller's clock.
#[async_trait]
pub trait Store: Send + Sync {
    fn backend(&self) -> Backend;
    /// The store's URL with any password hidden, for messages.
    fn shown_url(&self) -> &str;

    /// Record a finished run with all its items. Returns the run's id.
    async fn record_run(&self, run: &NewRun, actor: &str, at: i64) -> Result<i64>;
    /// Runs, newest first, optionally of one checklist (its key).
    async fn runs(&self, checklist: Option<&str>, limit: usize) -> Result<Vec<RunSummary>>;
    /// One run with its items.
    async fn run(&self, id: i64) -> Result<Option<StoredRun>>;
    /// The newest run of `checklist` older than `before` (or the newest of all).
    async fn previous_run(&self, checklist: &str, before: Option<i64>)
    -> Result<Option<StoredRun>>;

    async fn add_attestation(&self, a: &NewAttestation, at: i64) -> Result<i64>;
    async fn add_approval(&self, a: &NewApproval, at: i64) -> Result<i64>;
    async fn add_waiver(&self, w: &NewWaiver, at: i64) -> Result<i64>;
    /// Withdraw records of one kind, all in one transaction. Fails, writing nothing, if any of
    /// them does not exist or is already revoked.
    async fn revoke(
        &self,
        kind: RecordKind,
        ids: &[i64],
        by: &str,
        reason: Option<&str>,
        at: i64,
    ) -> Result<()>;
    /// Every attestation, approval and waiver of `checklist`, revoked and expired included
    /// (what counts is the decide stage's business).
    async fn records(&self, checklist: &str) -> Result<Records>;

    /// The whole audit log in `seq` order, the recorded head, and the fingerprint of every
    /// record the log speaks of, for [`audit::verify`].
    async fn audit_snapshot(&self) -> Result<audit::Snapshot>;
    /// Close the pool, waiting for connections to finish.
    async fn close(&self);
}

/// Open (creating if need be) the store at `url` and apply its migrations.
pub async fn open(url: &StoreUrl) -> Result<Box<dyn Store>> {
    let shown = url.shown();
    match url {
        StoreUrl::Sqlite(path) => Ok(Box::new(
            sql::SqlStore::<sqlx::Sqlite>::open(path, shown).await?,
        )),
        StoreUrl::Postgres(u) => Ok(Box::new(
            sql::SqlStore::<sqlx::Postgres>::open(u, shown).await?,
        )),
    }
}
