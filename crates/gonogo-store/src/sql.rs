//! The [`Store`] implementation, written once for any SQL database. The two backends share
//! their SQL (`$N` placeholders work in both); what differs between them is in [`Dialect`]:
//! how a store is opened (connection, migrations) and how a writer takes the audit chain's lock.
//!
//! Every write goes through [`SqlStore::insert_audited`]: the row and the audit entry that
//! records it are written in the caller's write transaction, so neither exists without the other.

mod postgres;
mod sqlite;

use crate::audit::{AuditEntry, GENESIS, Snapshot, entry_hash};
use crate::model::{SignedRecord, Value, run_fingerprint};
use crate::{
    Approval, Attestation, Backend, Error, NewApproval, NewAttestation, NewRun, NewWaiver,
    RecordKind, Records, Result, RunItem, RunSummary, Store, StoredRun, Waiver,
};
use async_trait::async_trait;
use serde_json::json;
use sqlx::{
    ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Transaction, Type,
};
use std::future::Future;

/// Rows per multi-row INSERT of run items (well under both backends' bind limits).
const ITEMS_PER_INSERT: usize = 500;

const RUN_COLUMNS: &str = "id, checklist, checklist_path, checklist_hash, commit_sha, decision, \
                           verdict, score, counts, item_count, actor, at";
const ATTESTATION_COLUMNS: &str = "id, checklist, item_id, item_text, by_whom, role, evidence, \
                                   note, at, expires_at, revoked_at";
const APPROVAL_COLUMNS: &str = "id, checklist, role, by_whom, note, at, expires_at, revoked_at";
const WAIVER_COLUMNS: &str =
    "id, checklist, item_id, item_text, reason, by_whom, at, expires_at, revoked_at";

/// What differs between the databases a store can live in.
pub(crate) trait Dialect: Database {
    const BACKEND: Backend;
    /// Where a store of this kind is: a file path, a connection URL.
    type Location: ?Sized + Sync;

    /// Connect (creating the database if need be) and apply the migrations. `shown` is the
    /// location for error messages, password hidden.
    fn connect(
        location: &Self::Location,
        shown: &str,
    ) -> impl Future<Output = Result<Pool<Self>>> + Send;

    /// Begin a transaction that holds the audit chain's write lock until it ends, so reading
    /// the chain's head and appending to it cannot interleave with another writer.
    fn begin_write(
        pool: &Pool<Self>,
    ) -> impl Future<Output = std::result::Result<Transaction<'static, Self>, sqlx::Error>> + Send;
}

/// The error of opening the store `shown`, for `map_err`.
fn open_error(shown: &str) -> impl Fn(String) -> Error + '_ {
    move |why| Error::Open {
        url: shown.to_string(),
        why,
    }
}

/// The error of migrating the store `shown`, for `map_err`.
fn migrate_error(shown: &str) -> impl Fn(sqlx::migrate::MigrateError) -> Error + '_ {
    move |e| Error::Migrate {
        url: shown.to_string(),
        why: e.to_string(),
    }
}

/// A store in the database `D`.
pub(crate) struct SqlStore<D: Database> {
    pool: Pool<D>,
    shown: String,
}

/// `($1, $2), ($3, $4)`: the placeholders of `rows` rows of `columns` values each.
fn placeholders(rows: usize, columns: usize) -> String {
    let row = |r: usize| {
        let numbers: Vec<String> = (1..=columns)
            .map(|c| format!("${}", r * columns + c))
            .collect();
        format!("({})", numbers.join(", "))
    };
    (0..rows).map(row).collect::<Vec<_>>().join(", ")
}

/// A row to insert: its table and its (column, value) pairs.
struct NewRow<'a> {
    table: &'static str,
    columns: Vec<(&'static str, Value<'a>)>,
}

/// What the audit entry of a write says.
struct Entry<'a> {
    actor: &'a str,
    action: String,
    subject: String,
    /// JSON: the record's fingerprint (`sha256`) and a few fields a reader wants.
    detail: serde_json::Value,
}

/// A record people add (an attestation, an approval, a waiver).
trait NewRecord: Sync {
    type Stored: SignedRecord + Sync;
    /// The record as it is stored when added at `at`, before the database gives it an id.
    fn stored_at(&self, at: i64) -> Self::Stored;
}

impl NewRecord for NewAttestation {
    type Stored = Attestation;
    fn stored_at(&self, at: i64) -> Attestation {
        self.stored(0, at)
    }
}

impl NewRecord for NewApproval {
    type Stored = Approval;
    fn stored_at(&self, at: i64) -> Approval {
        self.stored(0, at)
    }
}

impl NewRecord for NewWaiver {
    type Stored = Waiver;
    fn stored_at(&self, at: i64) -> Waiver {
        self.stored(0, at)
    }
}

/// The (subject, fingerprint) the audit log keeps of a stored record.
fn audited<R: SignedRecord>(record: &R) -> (String, String) {
    (record.subject(), record.fingerprint())
}

impl<D: Dialect> SqlStore<D> {
    /// Open the store at `location`; `shown` names it in messages (password hidden).
    pub(crate) async fn open(location: &D::Location, shown: String) -> Result<Self> {
        let pool = D::connect(location, &shown).await?;
        Ok(SqlStore { pool, shown })
    }

    fn err(&self) -> impl Fn(sqlx::Error) -> Error + '_ {
        move |e| Error::Query {
            url: self.shown.clone(),
            why: e.to_string(),
        }
    }
}

// The generic code's needs of a database driver: executing on a connection, and the few
// column types the store reads and writes. Both impl blocks below carry the same list.
impl<D> SqlStore<D>
where
    D: Dialect,
    for<'c> &'c mut D::Connection: Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: IntoArguments<'q, D>,
    for<'q> i64: Encode<'q, D> + Decode<'q, D> + Type<D>,
    for<'q> f64: Encode<'q, D> + Decode<'q, D> + Type<D>,
    for<'q> &'q str: Encode<'q, D> + Type<D> + ColumnIndex<D::Row>,
    for<'q> String: Decode<'q, D> + Type<D>,
    for<'q> Option<i64>: Encode<'q, D>,
    for<'q> Option<f64>: Encode<'q, D>,
    for<'q> Option<&'q str>: Encode<'q, D>,
    usize: ColumnIndex<D::Row>,
{
    /// Insert `row` and append the audit entry that records it, inside the caller's write
    /// transaction. `entry` is given the new row's id. Returns the id.
    async fn insert_audited<'a>(
        tx: &mut Transaction<'static, D>,
        row: NewRow<'_>,
        at: i64,
        entry: impl FnOnce(i64) -> Entry<'a> + Send,
    ) -> std::result::Result<i64, sqlx::Error> {
        let names: Vec<&str> = row.columns.iter().map(|(name, _)| *name).collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES {} RETURNING id",
            row.table,
            names.join(", "),
            placeholders(1, names.len())
        );
        let mut insert = sqlx::query_scalar::<D, i64>(&sql);
        for (_, value) in row.columns {
            insert = match value {
                Value::Int(v) => insert.bind(v),
                Value::Real(v) => insert.bind(v),
                Value::Text(v) => insert.bind(v),
            };
        }
        let id = insert.fetch_one(&mut **tx).await?;
        Self::append_audit(tx, at, entry(id)).await?;
        Ok(id)
    }

    /// Append one entry to the chain, inside the caller's write transaction.
    async fn append_audit(
        tx: &mut Transaction<'static, D>,
        at: i64,
        entry: Entry<'_>,
    ) -> std::result::Result<(), sqlx::Error> {
        let head: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_optional(&mut **tx)
                .await?;
        let (seq, prev_hash) = match head {
            Some((seq, hash)) => (seq + 1, hash),
            None => (1, GENESIS.to_string()),
        };
        let Entry {
            actor,
            action,
            subject,
            detail,
        } = entry;
        let detail = detail.to_string();
        let hash = entry_hash(seq, at, actor, &action, &subject, &detail, &prev_hash);
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(seq)
        .bind(at)
        .bind(actor)
        .bind(action.as_str())
        .bind(subject.as_str())
        .bind(detail.as_str())
        .bind(prev_hash.as_str())
        .bind(hash.as_str())
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        )
        .bind(seq)
        .bind(hash.as_str())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Add an attestation, approval or waiver with its audit entry.
    async fn add<R: NewRecord>(&self, record: &R, at: i64) -> Result<i64> {
        let stored = record.stored_at(at);
        let kind = <R::Stored as SignedRecord>::KIND;
        async {
            let mut tx = D::begin_write(&self.pool).await?;
            let row = NewRow {
                table: kind.table(),
                columns: stored.columns(),
            };
            // The fingerprint covers no id, so the stored record's is the one the audit keeps.
            let id = Self::insert_audited(&mut tx, row, at, |id| Entry {
                actor: stored.by(),
                action: format!("{}.added", kind.as_str()),
                subject: kind.subject(id),
                detail: stored.detail(),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        }
        .await
        .map_err(self.err())
    }

    async fn record_run_tx(
        &self,
        run: &NewRun,
        actor: &str,
        at: i64,
    ) -> std::result::Result<i64, sqlx::Error> {
        let mut tx = D::begin_write(&self.pool).await?;
        let row = NewRow {
            table: "runs",
            columns: vec![
                ("checklist", (&run.checklist).into()),
                ("checklist_path", (&run.checklist_path).into()),
                ("checklist_hash", (&run.checklist_hash).into()),
                ("commit_sha", (&run.commit).into()),
                ("decision", (&run.decision).into()),
                ("verdict", (&run.verdict).into()),
                ("score", run.score.into()),
                ("counts", (&run.counts).into()),
                ("item_count", (run.items.len() as i64).into()),
                ("report", (&run.report).into()),
                ("actor", actor.into()),
                ("at", at.into()),
            ],
        };
        let id = Self::insert_audited(&mut tx, row, at, |id| Entry {
            actor,
            action: "run.recorded".to_string(),
            subject: format!("run:{id}"),
            detail: json!({
                "sha256": run_fingerprint(
                    &run.checklist,
                    &run.checklist_hash,
                    &run.decision,
                    run.score,
                    &run.report,
                ),
                "checklist": run.checklist,
                "decision": run.decision,
                "verdict": run.verdict,
                "items": run.items.len(),
            }),
        })
        .await?;
        for (chunk_no, chunk) in run.items.chunks(ITEMS_PER_INSERT).enumerate() {
            let sql = format!(
                "INSERT INTO run_items (run_id, position, item_id, line, text, status, evidence) \
                 VALUES {}",
                placeholders(chunk.len(), 7)
            );
            let mut insert = sqlx::query::<D>(&sql);
            for (i, item) in chunk.iter().enumerate() {
                insert = insert
                    .bind(id)
                    .bind((chunk_no * ITEMS_PER_INSERT + i) as i64)
                    .bind(item.item_id.as_str())
                    .bind(item.line)
                    .bind(item.text.as_str())
                    .bind(item.status.as_str())
                    .bind(item.evidence.as_str());
            }
            insert.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    async fn revoke_tx(
        &self,
        kind: RecordKind,
        ids: &[i64],
        by: &str,
        reason: Option<&str>,
        at: i64,
    ) -> std::result::Result<Result<()>, sqlx::Error> {
        let mut tx = D::begin_write(&self.pool).await?;
        for &id in ids {
            let revoked: Option<i64> = sqlx::query_scalar(&format!(
                "UPDATE {} SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING id",
                kind.table()
            ))
            .bind(at)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            if revoked.is_none() {
                tx.rollback().await?;
                return Ok(Err(Error::Invalid(format!(
                    "{} {id} does not exist or is already revoked",
                    kind.as_str()
                ))));
            }
            let row = NewRow {
                table: "revocations",
                columns: vec![
                    ("target", kind.as_str().into()),
                    ("target_id", id.into()),
                    ("by_whom", by.into()),
                    ("reason", reason.into()),
                    ("at", at.into()),
                ],
            };
            Self::insert_audited(&mut tx, row, at, |revocation| Entry {
                actor: by,
                action: format!("{}.revoked", kind.as_str()),
                subject: kind.subject(id),
                detail: json!({ "revocation": revocation, "reason": reason }),
            })
            .await?;
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    async fn load_run(&self, id: i64) -> std::result::Result<Option<StoredRun>, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        let query = format!("SELECT {RUN_COLUMNS}, report FROM runs WHERE id = $1");
        let Some((summary, report)) = sqlx::query(&query)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .map(|row| {
                use sqlx::{FromRow, Row};
                Ok::<_, sqlx::Error>((RunSummary::from_row(&row)?, row.try_get("report")?))
            })
            .transpose()?
        else {
            return Ok(None);
        };
        let items = sqlx::query_as::<D, RunItem>(
            "SELECT item_id, line, text, status, evidence FROM run_items WHERE run_id = $1 \
             ORDER BY position",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(Some(StoredRun {
            summary,
            report,
            items,
        }))
    }

    /// Every attestation, approval and waiver, of one checklist or of all.
    async fn read_records(
        conn: &mut D::Connection,
        checklist: Option<&str>,
    ) -> std::result::Result<Records, sqlx::Error> {
        let attestations = sqlx::query_as::<D, Attestation>(&format!(
            "SELECT {ATTESTATION_COLUMNS} FROM attestations \
             WHERE ($1 IS NULL OR checklist = $1) ORDER BY id"
        ))
        .bind(checklist)
        .fetch_all(&mut *conn)
        .await?;
        let approvals = sqlx::query_as::<D, Approval>(&format!(
            "SELECT {APPROVAL_COLUMNS} FROM approvals \
             WHERE ($1 IS NULL OR checklist = $1) ORDER BY id"
        ))
        .bind(checklist)
        .fetch_all(&mut *conn)
        .await?;
        let waivers = sqlx::query_as::<D, Waiver>(&format!(
            "SELECT {WAIVER_COLUMNS} FROM waivers WHERE ($1 IS NULL OR checklist = $1) ORDER BY id"
        ))
        .bind(checklist)
        .fetch_all(&mut *conn)
        .await?;
        Ok(Records {
            attestations,
            approvals,
            waivers,
        })
    }

    async fn snapshot(&self) -> std::result::Result<Snapshot, sqlx::Error> {
        // One read transaction: the log and the records are seen at the same instant.
        let mut tx = self.pool.begin().await?;
        let entries = sqlx::query_as::<D, AuditEntry>(
            "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log \
             ORDER BY seq",
        )
        .fetch_all(&mut *tx)
        .await?;
        let head: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_optional(&mut *tx)
                .await?;
        let runs: Vec<(i64, String, String, String, Option<f64>, String)> = sqlx::query_as(
            "SELECT id, checklist, checklist_hash, decision, score, report FROM runs ORDER BY id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut records: Vec<(String, String)> = runs
            .into_iter()
            .map(|(id, checklist, checklist_hash, decision, score, report)| {
                let fingerprint =
                    run_fingerprint(&checklist, &checklist_hash, &decision, score, &report);
                (format!("run:{id}"), fingerprint)
            })
            .collect();
        let signed = Self::read_records(&mut tx, None).await?;
        tx.commit().await?;
        records.extend(signed.attestations.iter().map(audited));
        records.extend(signed.approvals.iter().map(audited));
        records.extend(signed.waivers.iter().map(audited));
        Ok(Snapshot {
            entries,
            head,
            records,
        })
    }
}

#[async_trait]
impl<D> Store for SqlStore<D>
where
    D: Dialect,
    for<'c> &'c mut D::Connection: Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: IntoArguments<'q, D>,
    for<'q> i64: Encode<'q, D> + Decode<'q, D> + Type<D>,
    for<'q> f64: Encode<'q, D> + Decode<'q, D> + Type<D>,
    for<'q> &'q str: Encode<'q, D> + Type<D> + ColumnIndex<D::Row>,
    for<'q> String: Decode<'q, D> + Type<D>,
    for<'q> Option<i64>: Encode<'q, D>,
    for<'q> Option<f64>: Encode<'q, D>,
    for<'q> Option<&'q str>: Encode<'q, D>,
    usize: ColumnIndex<D::Row>,
{
    fn backend(&self) -> Backend {
        D::BACKEND
    }

    fn shown_url(&self) -> &str {
        &self.shown
    }

    async fn record_run(&self, run: &NewRun, actor: &str, at: i64) -> Result<i64> {
        self.record_run_tx(run, actor, at).await.map_err(self.err())
    }

    async fn runs(&self, checklist: Option<&str>, limit: usize) -> Result<Vec<RunSummary>> {
        sqlx::query_as::<D, RunSummary>(&format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE ($1 IS NULL OR checklist = $1) \
             ORDER BY id DESC LIMIT $2"
        ))
        .bind(checklist)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(self.err())
    }

    async fn run(&self, id: i64) -> Result<Option<StoredRun>> {
        self.load_run(id).await.map_err(self.err())
    }

    async fn previous_run(
        &self,
        checklist: &str,
        before: Option<i64>,
    ) -> Result<Option<StoredRun>> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(id) FROM runs WHERE checklist = $1 AND ($2 IS NULL OR id < $2)",
        )
        .bind(checklist)
        .bind(before)
        .fetch_one(&self.pool)
        .await
        .map_err(self.err())?;
        match id {
            Some(id) => self.run(id).await,
            None => Ok(None),
        }
    }

    async fn add_attestation(&self, a: &NewAttestation, at: i64) -> Result<i64> {
        self.add(a, at).await
    }

    async fn add_approval(&self, a: &NewApproval, at: i64) -> Result<i64> {
        self.add(a, at).await
    }

    async fn add_waiver(&self, w: &NewWaiver, at: i64) -> Result<i64> {
        self.add(w, at).await
    }

    async fn revoke(
        &self,
        kind: RecordKind,
        ids: &[i64],
        by: &str,
        reason: Option<&str>,
        at: i64,
    ) -> Result<()> {
        self.revoke_tx(kind, ids, by, reason, at)
            .await
            .map_err(self.err())?
    }

    async fn records(&self, checklist: &str) -> Result<Records> {
        async {
            let mut conn = self.pool.acquire().await?;
            Self::read_records(&mut conn, Some(checklist)).await
        }
        .await
        .map_err(self.err())
    }

    async fn audit_snapshot(&self) -> Result<Snapshot> {
        self.snapshot().await.map_err(self.err())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
