//! The [`Store`] implementation, written once for any SQL database. The two backends share
//! their SQL (`$N` placeholders work in both); what differs between them is in [`Dialect`]:
//! how a store is opened (connection, migrations) and how a writer takes the audit chain's lock.
//!
//! Every write goes through [`SqlStore::insert_audited`]: the row and the audit entry that
//! records it are written in the caller's write transaction, so neither exists without the other.
//! Every read that decides something is compared with the log: a run with the entry that
//! recorded it and its items ([`RunAudit`]), a signed record with its entries (one the log does
//! not vouch for is left out of [`Records`] and named in `ignored`).

mod postgres;
mod sqlite;

use crate::audit::{self, AuditEntry, GENESIS, Logged, RecordState, Snapshot, entry_hash};
use crate::model::{ItemsDigest, RunFacts, SignedRecord, Value};
use crate::{
    Access, Approval, Attestation, Backend, ChecklistKey, Error, NewApproval, NewAttestation,
    NewRun, NewWaiver, RecordKind, Records, Result, RunAudit, RunItem, RunSummary, Store,
    StoredRun, Waiver,
};
use async_trait::async_trait;
use futures::TryStreamExt;
use serde_json::json;
use sqlx::migrate::Migrator;
use sqlx::{
    ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Transaction, Type,
};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;

/// Rows per multi-row INSERT of run items (well under both backends' bind limits).
const ITEMS_PER_INSERT: usize = 500;
/// Values per `IN (…)` list (well under both backends' bind limits).
const VALUES_PER_LIST: usize = 500;

const RUN_COLUMNS: &str = "id, project, checklist, checklist_path, checklist_hash, commit_sha, \
                           decision, verdict, score, counts, item_count, actor, at";
const ATTESTATION_COLUMNS: &str = "id, project, checklist, item_id, item_text, by_whom, role, \
                                   evidence, note, at, expires_at, revoked_at";
const APPROVAL_COLUMNS: &str =
    "id, project, checklist, role, by_whom, note, at, expires_at, revoked_at";
const WAIVER_COLUMNS: &str =
    "id, project, checklist, item_id, item_text, reason, by_whom, at, expires_at, revoked_at";
/// The rows of one [`ChecklistKey`]: `$1` its project (NULL: rows recorded before projects
/// were told apart), `$2` its checklist.
const OF_KEY: &str = "(project = $1 OR (project IS NULL AND $1 IS NULL)) AND checklist = $2";

/// What differs between the databases a store can live in.
pub(crate) trait Dialect: Database {
    const BACKEND: Backend;
    /// Where a store of this kind is: a file path, a connection URL.
    type Location: ?Sized + Sync;

    /// Connect. To write: create the store if need be and apply the migrations; to read: the
    /// store must exist and be current, and nothing is created or changed. `shown` is the
    /// location for error messages, password hidden. Returns the pool and what opening did
    /// that the user should know.
    fn connect(
        location: &Self::Location,
        shown: &str,
        access: Access,
    ) -> impl Future<Output = Result<(Pool<Self>, Vec<String>)>> + Send;

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

/// How the migrations applied to a database compare with the store's own.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Applied {
    /// Not a gonogo store: its first migration is not applied.
    Nothing,
    /// Every migration applied.
    Current,
    /// Made by an older gonogo: migrations to apply.
    Behind,
}

/// Compare the `(version, checksum)` pairs applied to a database with `migrator`'s. A version
/// gonogo does not know, or one whose text differs, is an error.
pub(crate) fn compare_migrations(
    migrator: &Migrator,
    applied: &[(i64, Vec<u8>)],
    shown: &str,
) -> Result<Applied> {
    let ours: BTreeMap<i64, &[u8]> = migrator
        .iter()
        .map(|m| (m.version, m.checksum.as_ref()))
        .collect();
    let first = ours.iter().next().map(|(v, c)| (*v, *c));
    if !applied
        .iter()
        .any(|(v, c)| Some((*v, c.as_slice())) == first)
    {
        return Ok(Applied::Nothing);
    }
    for (version, checksum) in applied {
        match ours.get(version) {
            None => {
                return Err(open_error(shown)(format!(
                    "it was made by a newer gonogo (migration {version} is unknown to this one)"
                )));
            }
            Some(c) if *c != checksum.as_slice() => {
                return Err(open_error(shown)(format!(
                    "its migration {version} differs from gonogo's"
                )));
            }
            Some(_) => {}
        }
    }
    Ok(if applied.len() == ours.len() {
        Applied::Current
    } else {
        Applied::Behind
    })
}

/// A store in the database `D`.
pub(crate) struct SqlStore<D: Database> {
    pool: Pool<D>,
    shown: String,
    notices: Vec<String>,
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

/// A signed record as [`audit::judge`] compares it with the log.
fn state_of<R: SignedRecord>(record: &R, revoked: bool) -> RecordState {
    RecordState {
        subject: record.subject(),
        fingerprint: record.fingerprint(),
        items_sha256: None,
        revoked,
    }
}

/// A run as [`audit::judge`] compares it with the log.
fn run_state(facts: &RunFacts, digests: &HashMap<i64, String>) -> RecordState {
    let items = digests
        .get(&facts.id)
        .cloned()
        .unwrap_or_else(|| ItemsDigest::new().finish());
    RecordState {
        subject: format!("run:{}", facts.id),
        fingerprint: facts.fingerprint(&items),
        items_sha256: Some(items),
        revoked: false,
    }
}

/// What the log proves of a run.
fn run_audit(
    facts: &RunFacts,
    digests: &HashMap<i64, String>,
    logged: &BTreeMap<&str, Logged>,
) -> RunAudit {
    let state = run_state(facts, digests);
    match audit::judge(&state, logged.get(state.subject.as_str())) {
        Ok(()) if facts.project.is_none() => RunAudit::ItemsUnaudited,
        Ok(()) => RunAudit::Intact,
        Err(broken) => RunAudit::Broken(broken.to_string()),
    }
}

/// `$1, $2, …, $n`.
fn list(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl<D: Dialect> SqlStore<D> {
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
    /// Open the store at `location` for `access`; `shown` names it in messages (password
    /// hidden). Opened to write, it has taken a write transaction: it takes writes.
    pub(crate) async fn open(
        location: &D::Location,
        shown: String,
        access: Access,
    ) -> Result<Self> {
        let (pool, notices) = D::connect(location, &shown, access).await?;
        if access == Access::Write {
            let probe = async {
                let mut tx = D::begin_write(&pool).await?;
                sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
                    .execute(&mut *tx)
                    .await?;
                tx.rollback().await
            };
            if let Err(e) = probe.await {
                pool.close().await;
                return Err(open_error(&shown)(format!("it does not take writes: {e}")));
            }
        }
        Ok(SqlStore {
            pool,
            shown,
            notices,
        })
    }

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
        let items_sha256 = ItemsDigest::of(&run.items);
        let fingerprint = RunFacts::of(run, actor, at).fingerprint(&items_sha256);
        let row = NewRow {
            table: "runs",
            columns: vec![
                ("project", (&run.project).into()),
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
                "sha256": fingerprint,
                "items_sha256": items_sha256,
                "project": run.project,
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
        let Some((mut summary, report)) = sqlx::query(&query)
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
        summary.audit = Self::audit_runs(&mut conn, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        Ok(Some(StoredRun {
            summary,
            report,
            items,
        }))
    }

    /// What the log proves of each of the runs `ids`.
    async fn audit_runs(
        conn: &mut D::Connection,
        ids: &[i64],
    ) -> std::result::Result<HashMap<i64, RunAudit>, sqlx::Error> {
        let mut facts = Vec::new();
        for chunk in ids.chunks(VALUES_PER_LIST) {
            let sql = format!(
                "SELECT {RUN_COLUMNS}, report FROM runs WHERE id IN ({})",
                list(chunk.len())
            );
            let mut query = sqlx::query_as::<D, RunFacts>(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            facts.extend(query.fetch_all(&mut *conn).await?);
        }
        let digests = Self::items_digests(conn, Some(ids)).await?;
        let subjects: Vec<String> = ids.iter().map(|id| format!("run:{id}")).collect();
        let entries = Self::entries_of(conn, &subjects).await?;
        let logged = audit::logged(&entries);
        Ok(facts
            .iter()
            .map(|f| (f.id, run_audit(f, &digests, &logged)))
            .collect())
    }

    /// The digest of each run's items ([`ItemsDigest`]), of the runs `ids` or of all. Items are
    /// read as a stream: no run's items are all held at once.
    async fn items_digests(
        conn: &mut D::Connection,
        ids: Option<&[i64]>,
    ) -> std::result::Result<HashMap<i64, String>, sqlx::Error> {
        const COLUMNS: &str = "run_id, position, item_id, line, text, status, evidence";
        let chunks: Vec<Option<&[i64]>> = match ids {
            None => vec![None],
            Some(ids) => ids.chunks(VALUES_PER_LIST).map(Some).collect(),
        };
        let mut out = HashMap::new();
        for chunk in chunks {
            let sql = match chunk {
                None => format!("SELECT {COLUMNS} FROM run_items ORDER BY run_id, position"),
                Some(ids) => format!(
                    "SELECT {COLUMNS} FROM run_items WHERE run_id IN ({}) ORDER BY run_id, position",
                    list(ids.len())
                ),
            };
            let mut query =
                sqlx::query_as::<D, (i64, i64, String, i64, String, String, String)>(&sql);
            for id in chunk.unwrap_or_default() {
                query = query.bind(*id);
            }
            let mut rows = query.fetch(&mut *conn);
            let mut current: Option<(i64, ItemsDigest)> = None;
            while let Some((run_id, position, item_id, line, text, status, evidence)) =
                rows.try_next().await?
            {
                if current.as_ref().is_none_or(|(id, _)| *id != run_id)
                    && let Some((id, digest)) = current.replace((run_id, ItemsDigest::new()))
                {
                    out.insert(id, digest.finish());
                }
                let item = RunItem {
                    item_id,
                    line,
                    text,
                    status,
                    evidence,
                };
                if let Some((_, digest)) = current.as_mut() {
                    digest.add(position, &item);
                }
            }
            if let Some((id, digest)) = current {
                out.insert(id, digest.finish());
            }
        }
        Ok(out)
    }

    /// The audit entries naming `subjects`, in `seq` order, leaving out any whose own hash
    /// does not hold (an altered entry vouches for nothing).
    async fn entries_of(
        conn: &mut D::Connection,
        subjects: &[String],
    ) -> std::result::Result<Vec<AuditEntry>, sqlx::Error> {
        let mut entries = Vec::new();
        for chunk in subjects.chunks(VALUES_PER_LIST) {
            let sql = format!(
                "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log \
                 WHERE subject IN ({}) ORDER BY seq",
                list(chunk.len())
            );
            let mut query = sqlx::query_as::<D, AuditEntry>(&sql);
            for subject in chunk {
                query = query.bind(subject.as_str());
            }
            entries.extend(query.fetch_all(&mut *conn).await?);
        }
        entries.sort_by_key(|e| e.seq);
        entries.retain(|e| e.expected_hash() == e.hash);
        Ok(entries)
    }

    /// The rows of `table` (its `columns`), of one key or of all, in `id` order.
    async fn rows_of<R>(
        conn: &mut D::Connection,
        columns: &str,
        table: &str,
        key: Option<&ChecklistKey>,
    ) -> std::result::Result<Vec<R>, sqlx::Error>
    where
        R: for<'r> sqlx::FromRow<'r, D::Row> + Send + Unpin,
    {
        match key {
            None => {
                let sql = format!("SELECT {columns} FROM {table} ORDER BY id");
                sqlx::query_as::<D, R>(&sql).fetch_all(&mut *conn).await
            }
            Some(key) => {
                let sql = format!("SELECT {columns} FROM {table} WHERE {OF_KEY} ORDER BY id");
                sqlx::query_as::<D, R>(&sql)
                    .bind(key.project.as_deref())
                    .bind(key.checklist.as_str())
                    .fetch_all(&mut *conn)
                    .await
            }
        }
    }

    /// Every attestation, approval and waiver, of one key or of all.
    async fn read_records(
        conn: &mut D::Connection,
        key: Option<&ChecklistKey>,
    ) -> std::result::Result<Records, sqlx::Error> {
        Ok(Records {
            attestations: Self::rows_of(conn, ATTESTATION_COLUMNS, "attestations", key).await?,
            approvals: Self::rows_of(conn, APPROVAL_COLUMNS, "approvals", key).await?,
            waivers: Self::rows_of(conn, WAIVER_COLUMNS, "waivers", key).await?,
            ..Records::default()
        })
    }

    /// The records of `key` the log vouches for; the others named in `ignored`.
    async fn audited_records(
        &self,
        key: &ChecklistKey,
    ) -> std::result::Result<Records, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        let all = Self::read_records(&mut conn, Some(key)).await?;
        let subjects: Vec<String> = (all.attestations.iter().map(SignedRecord::subject))
            .chain(all.approvals.iter().map(SignedRecord::subject))
            .chain(all.waivers.iter().map(SignedRecord::subject))
            .collect();
        let entries = Self::entries_of(&mut conn, &subjects).await?;
        let logged = audit::logged(&entries);
        let mut ignored = Vec::new();
        let mut vouched =
            |state: RecordState| match audit::judge(&state, logged.get(state.subject.as_str())) {
                Ok(()) => true,
                Err(broken) => {
                    ignored.push(broken.to_string());
                    false
                }
            };
        let attestations = (all.attestations.into_iter())
            .filter(|r| vouched(state_of(r, r.revoked_at.is_some())))
            .collect();
        let approvals = (all.approvals.into_iter())
            .filter(|r| vouched(state_of(r, r.revoked_at.is_some())))
            .collect();
        let waivers = (all.waivers.into_iter())
            .filter(|r| vouched(state_of(r, r.revoked_at.is_some())))
            .collect();
        let legacy = match key.project {
            None => 0,
            Some(_) => {
                let live = "project IS NULL AND checklist = $1 AND revoked_at IS NULL";
                sqlx::query_scalar::<D, i64>(&format!(
                    "SELECT (SELECT COUNT(*) FROM attestations WHERE {live}) \
                          + (SELECT COUNT(*) FROM approvals WHERE {live}) \
                          + (SELECT COUNT(*) FROM waivers WHERE {live})"
                ))
                .bind(key.checklist.as_str())
                .fetch_one(&mut *conn)
                .await?
            }
        };
        Ok(Records {
            attestations,
            approvals,
            waivers,
            ignored,
            legacy: usize::try_from(legacy).unwrap_or_default(),
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
        let digests = Self::items_digests(&mut tx, None).await?;
        let mut records = Vec::new();
        {
            let sql = format!("SELECT {RUN_COLUMNS}, report FROM runs ORDER BY id");
            let mut runs = sqlx::query_as::<D, RunFacts>(&sql).fetch(&mut *tx);
            while let Some(facts) = runs.try_next().await? {
                records.push(run_state(&facts, &digests));
            }
        }
        let signed = Self::read_records(&mut tx, None).await?;
        tx.commit().await?;
        records.extend((signed.attestations.iter()).map(|r| state_of(r, r.revoked_at.is_some())));
        records.extend((signed.approvals.iter()).map(|r| state_of(r, r.revoked_at.is_some())));
        records.extend((signed.waivers.iter()).map(|r| state_of(r, r.revoked_at.is_some())));
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

    fn notices(&self) -> &[String] {
        &self.notices
    }

    async fn record_run(&self, run: &NewRun, actor: &str, at: i64) -> Result<i64> {
        self.record_run_tx(run, actor, at).await.map_err(self.err())
    }

    async fn runs(&self, key: Option<&ChecklistKey>, limit: usize) -> Result<Vec<RunSummary>> {
        async {
            let mut conn = self.pool.acquire().await?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let mut runs = match key {
                None => {
                    let sql = format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY id DESC LIMIT $1");
                    sqlx::query_as::<D, RunSummary>(&sql)
                        .bind(limit)
                        .fetch_all(&mut *conn)
                        .await?
                }
                Some(key) => {
                    let sql = format!(
                        "SELECT {RUN_COLUMNS} FROM runs WHERE {OF_KEY} ORDER BY id DESC LIMIT $3"
                    );
                    sqlx::query_as::<D, RunSummary>(&sql)
                        .bind(key.project.as_deref())
                        .bind(key.checklist.as_str())
                        .bind(limit)
                        .fetch_all(&mut *conn)
                        .await?
                }
            };
            let ids: Vec<i64> = runs.iter().map(|r| r.id).collect();
            let mut audits = Self::audit_runs(&mut conn, &ids).await?;
            for run in &mut runs {
                run.audit = audits.remove(&run.id).unwrap_or_default();
            }
            Ok(runs)
        }
        .await
        .map_err(self.err())
    }

    async fn run(&self, id: i64) -> Result<Option<StoredRun>> {
        self.load_run(id).await.map_err(self.err())
    }

    async fn previous_run(
        &self,
        key: &ChecklistKey,
        before: Option<i64>,
    ) -> Result<Option<StoredRun>> {
        let id: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT MAX(id) FROM runs WHERE {OF_KEY} AND ($3 IS NULL OR id < $3)"
        ))
        .bind(key.project.as_deref())
        .bind(key.checklist.as_str())
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

    async fn records(&self, key: &ChecklistKey) -> Result<Records> {
        self.audited_records(key).await.map_err(self.err())
    }

    async fn audit_snapshot(&self) -> Result<Snapshot> {
        self.snapshot().await.map_err(self.err())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
