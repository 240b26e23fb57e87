//! gonogo's memory: every run, attestation, approval, waiver and revocation, and an
//! append-only audit log whose entries each carry the SHA-256 hash of the one before.
//!
//! One [`Store`] trait, two backends: SQLite (embedded, the default, WAL with a busy timeout so
//! concurrent writers wait instead of failing) and PostgreSQL (a team server). Each backend has
//! its own migrations folder, embedded in the binary and applied when a writer opens the store.
//!
//! Records belong to a [`ChecklistKey`]: a project (its normalised git remote URL, else its
//! repository root) and a checklist path. Rows recorded before projects were told apart have
//! no project and apply to none.
//!
//! A store is opened to read or to write ([`Access`]): only a writer creates a store or applies
//! migrations; a reader finds an existing, current store or fails, changing nothing. In
//! PostgreSQL the store keeps its tables in a schema of its own (`gonogo`, or `?schema=NAME`
//! in the URL), never beside the application's.
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
pub use url::{DEFAULT_SCHEMA, StoreUrl};

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
    /// A reader found no store: nothing was created.
    #[error("no gonogo store in {url}: {why}")]
    Missing { url: String, why: String },
    /// A reader found a store an older gonogo made: it was not migrated.
    #[error(
        "the store in {url} was made by an older gonogo: a command that records (gonogo check without --no-store, signoff, approve, waive, revoke) migrates it; history, diff, audit verify and check --no-store never change a store"
    )]
    Outdated { url: String },
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

/// What a command does with the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read what is there: the store must exist and be current; nothing is created, migrated
    /// or written.
    Read,
    /// Also write: the store is created and migrated if need be, and opening proves it takes
    /// writes.
    Write,
}

/// Everything gonogo remembers, behind one interface. Every write appends to the audit log in
/// the same transaction; `at` is Unix seconds from the caller's clock.
#[async_trait]
pub trait Store: Send + Sync {
    fn backend(&self) -> Backend;
    /// The store's URL with any password hidden, for messages.
    fn shown_url(&self) -> &str;
    /// What opening the store did that the user should know (tables moved, for one).
    fn notices(&self) -> &[String];

    /// Record a finished run with all its items. Returns the run's id.
    async fn record_run(&self, run: &NewRun, actor: &str, at: i64) -> Result<i64>;
    /// Runs, newest first, optionally of one key, each compared with the audit log.
    async fn runs(&self, key: Option<&ChecklistKey>, limit: usize) -> Result<Vec<RunSummary>>;
    /// One run with its items, compared with the audit log.
    async fn run(&self, id: i64) -> Result<Option<StoredRun>>;
    /// The newest run of `key` older than `before` (or the newest of all).
    async fn previous_run(
        &self,
        key: &ChecklistKey,
        before: Option<i64>,
    ) -> Result<Option<StoredRun>>;

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
    /// Every attestation, approval and waiver of `key` that the audit log vouches for,
    /// revoked and expired included (what counts is the decide stage's business); the records
    /// it does not vouch for are named in [`Records::ignored`].
    async fn records(&self, key: &ChecklistKey) -> Result<Records>;

    /// The whole audit log in `seq` order, the recorded head, and the fingerprint of every
    /// record the log speaks of, for [`audit::verify`].
    async fn audit_snapshot(&self) -> Result<audit::Snapshot>;
    /// Close the pool, waiting for connections to finish.
    async fn close(&self);
}

/// Open the store at `url` for `access` (to write, creating and migrating it if need be).
pub async fn open(url: &StoreUrl, access: Access) -> Result<Box<dyn Store>> {
    let shown = url.shown();
    match url {
        StoreUrl::Sqlite(path) => Ok(Box::new(
            sql::SqlStore::<sqlx::Sqlite>::open(path, shown, access).await?,
        )),
        StoreUrl::Postgres(u) => Ok(Box::new(
            sql::SqlStore::<sqlx::Postgres>::open(u, shown, access).await?,
        )),
    }
}
