//! The two backends. Their SQL is the same (`$N` placeholders work in both); what differs is
//! how a connection is opened and how a writer takes the audit chain's lock, so the
//! [`Store`] implementation is written once, in `store_impl!`, and instantiated for each.

use crate::audit::{AuditEntry, GENESIS, Snapshot, entry_hash};
use crate::model::{Fingerprint, run_fingerprint};
use crate::{
    Approval, Attestation, Backend, Error, NewApproval, NewAttestation, NewRun, NewWaiver,
    RecordKind, Records, Result, RunItem, RunSummary, Store, StoredRun, Waiver,
};
use async_trait::async_trait;
use sqlx::Row;
use std::path::Path;
use std::time::Duration;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static PG_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// How long a SQLite writer waits for another writer before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long opening a PostgreSQL store waits for a connection.
const PG_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Rows per multi-row INSERT of run items (well under both backends' bind limits).
const ITEMS_PER_INSERT: usize = 500;

pub struct SqliteStore {
    pool: sqlx::SqlitePool,
    shown: String,
}

pub struct PgStore {
    pool: sqlx::PgPool,
    shown: String,
}

impl SqliteStore {
    pub async fn open(path: &Path) -> Result<Self> {
        let shown = format!("sqlite:{}", path.display());
        let open_err = |why: String| Error::Open {
            url: shown.clone(),
            why,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| open_err(format!("cannot create {}: {e}", dir.display())))?;
        }
        let opts = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            // WAL + NORMAL: a committed transaction survives the process being killed.
            .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(SQLITE_BUSY_TIMEOUT);
        // Two processes creating the same new file race on switching it to WAL and on the first
        // migration (SQLite migrations take no lock): the loser retries and finds the work done.
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = async {
                let pool = sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(2)
                    .connect_with(opts.clone())
                    .await
                    .map_err(|e| open_err(e.to_string()))?;
                SQLITE_MIGRATIONS
                    .run(&pool)
                    .await
                    .map_err(|e| Error::Migrate {
                        url: shown.clone(),
                        why: e.to_string(),
                    })?;
                Ok::<_, Error>(pool)
            }
            .await;
            match result {
                Ok(pool) => {
                    return Ok(SqliteStore {
                        pool,
                        shown: shown.clone(),
                    });
                }
                Err(e) if attempt >= 8 => return Err(e),
                Err(_) => tokio::time::sleep(Duration::from_millis(25 * attempt)).await,
            }
        }
    }

    async fn begin_write(
        &self,
    ) -> std::result::Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        // IMMEDIATE takes the write lock up front (waiting up to the busy timeout), so reading
        // the chain's head and appending to it cannot interleave with another writer.
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }
}

impl PgStore {
    pub async fn open(url: &str) -> Result<Self> {
        let shown = gonogo_core::redact::redact_url(url);
        let opts: sqlx::postgres::PgConnectOptions = url.parse().map_err(|e| Error::BadUrl {
            url: shown.clone(),
            why: format!("{e}"),
        })?;
        // One direct connection first: a pool only says "timed out"; this says why.
        let probe = tokio::time::timeout(PG_CONNECT_TIMEOUT, async {
            use sqlx::Connection;
            sqlx::PgConnection::connect_with(&opts).await?.close().await
        })
        .await;
        let why = match probe {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e.to_string()),
            Err(_) => Some(format!(
                "no answer within {} s",
                PG_CONNECT_TIMEOUT.as_secs()
            )),
        };
        if let Some(why) = why {
            return Err(Error::Open { url: shown, why });
        }
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(PG_CONNECT_TIMEOUT)
            .connect_with(opts)
            .await
            .map_err(|e| Error::Open {
                url: shown.clone(),
                why: e.to_string(),
            })?;
        // PostgreSQL migrations hold an advisory lock: concurrent openers wait for each other.
        PG_MIGRATIONS.run(&pool).await.map_err(|e| Error::Migrate {
            url: shown.clone(),
            why: e.to_string(),
        })?;
        Ok(PgStore { pool, shown })
    }

    async fn begin_write(
        &self,
    ) -> std::result::Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        // Writers queue on the head; readers are not blocked.
        sqlx::query("LOCK TABLE audit_head IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }
}

macro_rules! store_impl {
    ($store:ident, $db:ty, $backend:expr) => {
        impl $store {
            fn err(&self) -> impl Fn(sqlx::Error) -> Error + '_ {
                move |e| Error::Query {
                    url: self.shown.clone(),
                    why: e.to_string(),
                }
            }

            /// Append one entry to the chain, inside the caller's write transaction.
            async fn append_audit(
                tx: &mut sqlx::Transaction<'static, $db>,
                at: i64,
                actor: &str,
                action: &str,
                subject: &str,
                detail: &serde_json::Value,
            ) -> std::result::Result<(), sqlx::Error> {
                let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
                    .fetch_optional(&mut **tx)
                    .await?;
                let (seq, prev_hash) = match head {
                    Some(row) => (row.try_get::<i64, _>("seq")? + 1, row.try_get::<String, _>("hash")?),
                    None => (1, GENESIS.to_string()),
                };
                let detail = detail.to_string();
                let hash = entry_hash(seq, at, actor, action, subject, &detail, &prev_hash);
                sqlx::query(
                    "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(seq)
                .bind(at)
                .bind(actor)
                .bind(action)
                .bind(subject)
                .bind(&detail)
                .bind(&prev_hash)
                .bind(&hash)
                .execute(&mut **tx)
                .await?;
                sqlx::query(
                    "INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2) \
                     ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
                )
                .bind(seq)
                .bind(&hash)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            async fn record_run_tx(&self, run: &NewRun, actor: &str, at: i64) -> std::result::Result<i64, sqlx::Error> {
                let mut tx = self.begin_write().await?;
                let counts = &run.counts;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO runs (checklist, checklist_path, checklist_hash, commit_sha, decision, verdict, \
                     score, counts, item_count, report, actor, at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                )
                .bind(&run.checklist)
                .bind(&run.checklist_path)
                .bind(&run.checklist_hash)
                .bind(&run.commit)
                .bind(&run.decision)
                .bind(&run.verdict)
                .bind(run.score)
                .bind(counts)
                .bind(run.items.len() as i64)
                .bind(&run.report)
                .bind(actor)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                for (chunk_no, chunk) in run.items.chunks(ITEMS_PER_INSERT).enumerate() {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO run_items (run_id, position, item_id, line, text, status, evidence) ",
                    );
                    qb.push_values(chunk.iter().enumerate(), |mut b, (i, item)| {
                        b.push_bind(id)
                            .push_bind((chunk_no * ITEMS_PER_INSERT + i) as i64)
                            .push_bind(item.item_id.clone())
                            .push_bind(item.line)
                            .push_bind(item.text.clone())
                            .push_bind(item.status.clone())
                            .push_bind(item.evidence.clone());
                    });
                    qb.build().execute(&mut *tx).await?;
                }
                let detail = serde_json::json!({
                    "sha256": (id, run).fingerprint(),
                    "checklist": run.checklist,
                    "decision": run.decision,
                    "verdict": run.verdict,
                    "items": run.items.len(),
                });
                Self::append_audit(&mut tx, at, actor, "run.recorded", &(id, run).subject(), &detail).await?;
                tx.commit().await?;
                Ok(id)
            }

            fn summary(row: &<$db as sqlx::Database>::Row) -> std::result::Result<RunSummary, sqlx::Error> {
                Ok(RunSummary {
                    id: row.try_get("id")?,
                    checklist: row.try_get("checklist")?,
                    checklist_path: row.try_get("checklist_path")?,
                    checklist_hash: row.try_get("checklist_hash")?,
                    commit: row.try_get("commit_sha")?,
                    decision: row.try_get("decision")?,
                    verdict: row.try_get("verdict")?,
                    score: row.try_get("score")?,
                    counts: row.try_get("counts")?,
                    item_count: row.try_get("item_count")?,
                    actor: row.try_get("actor")?,
                    at: row.try_get("at")?,
                })
            }

            async fn load_run(&self, id: i64) -> std::result::Result<Option<StoredRun>, sqlx::Error> {
                let Some(row) = sqlx::query(&format!("SELECT {RUN_COLUMNS}, report FROM runs WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                else {
                    return Ok(None);
                };
                let summary = Self::summary(&row)?;
                let report: String = row.try_get("report")?;
                let items = sqlx::query(
                    "SELECT item_id, line, text, status, evidence FROM run_items WHERE run_id = $1 ORDER BY position",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| {
                    Ok(RunItem {
                        item_id: r.try_get("item_id")?,
                        line: r.try_get("line")?,
                        text: r.try_get("text")?,
                        status: r.try_get("status")?,
                        evidence: r.try_get("evidence")?,
                    })
                })
                .collect::<std::result::Result<Vec<_>, sqlx::Error>>()?;
                Ok(Some(StoredRun { summary, report, items }))
            }

            async fn attestations(&self, checklist: Option<&str>) -> std::result::Result<Vec<Attestation>, sqlx::Error> {
                sqlx::query(
                    "SELECT id, checklist, item_id, item_text, by_whom, role, evidence, note, at, expires_at, revoked_at \
                     FROM attestations WHERE ($1 IS NULL OR checklist = $1) ORDER BY id",
                )
                .bind(checklist)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| {
                    Ok(Attestation {
                        id: r.try_get("id")?,
                        checklist: r.try_get("checklist")?,
                        item_id: r.try_get("item_id")?,
                        item_text: r.try_get("item_text")?,
                        by: r.try_get("by_whom")?,
                        role: r.try_get("role")?,
                        evidence: r.try_get("evidence")?,
                        note: r.try_get("note")?,
                        at: r.try_get("at")?,
                        expires_at: r.try_get("expires_at")?,
                        revoked_at: r.try_get("revoked_at")?,
                    })
                })
                .collect()
            }

            async fn approvals(&self, checklist: Option<&str>) -> std::result::Result<Vec<Approval>, sqlx::Error> {
                sqlx::query(
                    "SELECT id, checklist, role, by_whom, note, at, expires_at, revoked_at \
                     FROM approvals WHERE ($1 IS NULL OR checklist = $1) ORDER BY id",
                )
                .bind(checklist)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| {
                    Ok(Approval {
                        id: r.try_get("id")?,
                        checklist: r.try_get("checklist")?,
                        role: r.try_get("role")?,
                        by: r.try_get("by_whom")?,
                        note: r.try_get("note")?,
                        at: r.try_get("at")?,
                        expires_at: r.try_get("expires_at")?,
                        revoked_at: r.try_get("revoked_at")?,
                    })
                })
                .collect()
            }

            async fn waivers(&self, checklist: Option<&str>) -> std::result::Result<Vec<Waiver>, sqlx::Error> {
                sqlx::query(
                    "SELECT id, checklist, item_id, item_text, reason, by_whom, at, expires_at, revoked_at \
                     FROM waivers WHERE ($1 IS NULL OR checklist = $1) ORDER BY id",
                )
                .bind(checklist)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| {
                    Ok(Waiver {
                        id: r.try_get("id")?,
                        checklist: r.try_get("checklist")?,
                        item_id: r.try_get("item_id")?,
                        item_text: r.try_get("item_text")?,
                        reason: r.try_get("reason")?,
                        by: r.try_get("by_whom")?,
                        at: r.try_get("at")?,
                        expires_at: r.try_get("expires_at")?,
                        revoked_at: r.try_get("revoked_at")?,
                    })
                })
                .collect()
            }

            async fn snapshot(&self) -> std::result::Result<Snapshot, sqlx::Error> {
                // One read transaction: the log and the records are seen at the same instant.
                let mut tx = self.pool.begin().await?;
                let entries = sqlx::query(
                    "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log ORDER BY seq",
                )
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| {
                    Ok(AuditEntry {
                        seq: r.try_get("seq")?,
                        at: r.try_get("at")?,
                        actor: r.try_get("actor")?,
                        action: r.try_get("action")?,
                        subject: r.try_get("subject")?,
                        detail: r.try_get("detail")?,
                        prev_hash: r.try_get("prev_hash")?,
                        hash: r.try_get("hash")?,
                    })
                })
                .collect::<std::result::Result<Vec<_>, sqlx::Error>>()?;
                let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
                    .fetch_optional(&mut *tx)
                    .await?
                    .map(|r| Ok::<_, sqlx::Error>((r.try_get("seq")?, r.try_get("hash")?)))
                    .transpose()?;
                let mut records = Vec::new();
                for r in sqlx::query(
                    "SELECT id, checklist, checklist_hash, decision, score, report FROM runs ORDER BY id",
                )
                .fetch_all(&mut *tx)
                .await?
                {
                    let id: i64 = r.try_get("id")?;
                    let fp = run_fingerprint(
                        &r.try_get::<String, _>("checklist")?,
                        &r.try_get::<String, _>("checklist_hash")?,
                        &r.try_get::<String, _>("decision")?,
                        r.try_get("score")?,
                        &r.try_get::<String, _>("report")?,
                    );
                    records.push((format!("run:{id}"), fp));
                }
                tx.commit().await?;
                for a in self.attestations(None).await? {
                    records.push((a.subject(), a.fingerprint()));
                }
                for a in self.approvals(None).await? {
                    records.push((a.subject(), a.fingerprint()));
                }
                for w in self.waivers(None).await? {
                    records.push((w.subject(), w.fingerprint()));
                }
                Ok(Snapshot { entries, head, records })
            }
        }

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            fn shown_url(&self) -> &str {
                &self.shown
            }

            async fn record_run(&self, run: &NewRun, actor: &str, at: i64) -> Result<i64> {
                self.record_run_tx(run, actor, at).await.map_err(self.err())
            }

            async fn runs(&self, checklist: Option<&str>, limit: usize) -> Result<Vec<RunSummary>> {
                let rows = sqlx::query(&format!(
                    "SELECT {RUN_COLUMNS} FROM runs WHERE ($1 IS NULL OR checklist = $1) ORDER BY id DESC LIMIT $2"
                ))
                .bind(checklist)
                .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                .fetch_all(&self.pool)
                .await
                .map_err(self.err())?;
                rows.iter().map(Self::summary).collect::<std::result::Result<_, _>>().map_err(self.err())
            }

            async fn run(&self, id: i64) -> Result<Option<StoredRun>> {
                self.load_run(id).await.map_err(self.err())
            }

            async fn previous_run(&self, checklist: &str, before: Option<i64>) -> Result<Option<StoredRun>> {
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
                async {
                    let mut tx = self.begin_write().await?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO attestations (checklist, item_id, item_text, by_whom, role, evidence, note, at, expires_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                    )
                    .bind(&a.checklist)
                    .bind(&a.item_id)
                    .bind(&a.item_text)
                    .bind(&a.by)
                    .bind(&a.role)
                    .bind(&a.evidence)
                    .bind(&a.note)
                    .bind(at)
                    .bind(a.expires_at)
                    .fetch_one(&mut *tx)
                    .await?;
                    let rec = Attestation {
                        id,
                        checklist: a.checklist.clone(),
                        item_id: a.item_id.clone(),
                        item_text: a.item_text.clone(),
                        by: a.by.clone(),
                        role: a.role.clone(),
                        evidence: a.evidence.clone(),
                        note: a.note.clone(),
                        at,
                        expires_at: a.expires_at,
                        revoked_at: None,
                    };
                    let detail = serde_json::json!({
                        "sha256": rec.fingerprint(),
                        "checklist": a.checklist,
                        "item": a.item_id,
                        "expires_at": a.expires_at,
                    });
                    Self::append_audit(&mut tx, at, &a.by, "attestation.added", &rec.subject(), &detail).await?;
                    tx.commit().await?;
                    Ok(id)
                }
                .await
                .map_err(self.err())
            }

            async fn add_approval(&self, a: &NewApproval, at: i64) -> Result<i64> {
                async {
                    let mut tx = self.begin_write().await?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO approvals (checklist, role, by_whom, note, at, expires_at) \
                         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .bind(&a.checklist)
                    .bind(&a.role)
                    .bind(&a.by)
                    .bind(&a.note)
                    .bind(at)
                    .bind(a.expires_at)
                    .fetch_one(&mut *tx)
                    .await?;
                    let rec = Approval {
                        id,
                        checklist: a.checklist.clone(),
                        role: a.role.clone(),
                        by: a.by.clone(),
                        note: a.note.clone(),
                        at,
                        expires_at: a.expires_at,
                        revoked_at: None,
                    };
                    let detail = serde_json::json!({
                        "sha256": rec.fingerprint(),
                        "checklist": a.checklist,
                        "role": a.role,
                        "expires_at": a.expires_at,
                    });
                    Self::append_audit(&mut tx, at, &a.by, "approval.added", &rec.subject(), &detail).await?;
                    tx.commit().await?;
                    Ok(id)
                }
                .await
                .map_err(self.err())
            }

            async fn add_waiver(&self, w: &NewWaiver, at: i64) -> Result<i64> {
                async {
                    let mut tx = self.begin_write().await?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO waivers (checklist, item_id, item_text, reason, by_whom, at, expires_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    )
                    .bind(&w.checklist)
                    .bind(&w.item_id)
                    .bind(&w.item_text)
                    .bind(&w.reason)
                    .bind(&w.by)
                    .bind(at)
                    .bind(w.expires_at)
                    .fetch_one(&mut *tx)
                    .await?;
                    let rec = Waiver {
                        id,
                        checklist: w.checklist.clone(),
                        item_id: w.item_id.clone(),
                        item_text: w.item_text.clone(),
                        reason: w.reason.clone(),
                        by: w.by.clone(),
                        at,
                        expires_at: w.expires_at,
                        revoked_at: None,
                    };
                    let detail = serde_json::json!({
                        "sha256": rec.fingerprint(),
                        "checklist": w.checklist,
                        "item": w.item_id,
                        "expires_at": w.expires_at,
                    });
                    Self::append_audit(&mut tx, at, &w.by, "waiver.added", &rec.subject(), &detail).await?;
                    tx.commit().await?;
                    Ok(id)
                }
                .await
                .map_err(self.err())
            }

            async fn revoke(
                &self,
                kind: RecordKind,
                ids: &[i64],
                by: &str,
                reason: Option<&str>,
                at: i64,
            ) -> Result<()> {
                let outcome: std::result::Result<std::result::Result<(), Error>, sqlx::Error> = async {
                    let mut tx = self.begin_write().await?;
                    for &id in ids {
                        let updated = sqlx::query(&format!(
                            "UPDATE {} SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                            kind.table()
                        ))
                        .bind(at)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if updated != 1 {
                            tx.rollback().await?;
                            return Ok(Err(Error::Invalid(format!(
                                "{} {id} does not exist or is already revoked",
                                kind.as_str()
                            ))));
                        }
                        let rid: i64 = sqlx::query_scalar(
                            "INSERT INTO revocations (target, target_id, by_whom, reason, at) \
                             VALUES ($1, $2, $3, $4, $5) RETURNING id",
                        )
                        .bind(kind.as_str())
                        .bind(id)
                        .bind(by)
                        .bind(reason)
                        .bind(at)
                        .fetch_one(&mut *tx)
                        .await?;
                        let detail = serde_json::json!({ "revocation": rid, "reason": reason });
                        Self::append_audit(
                            &mut tx,
                            at,
                            by,
                            &format!("{}.revoked", kind.as_str()),
                            &format!("{}:{id}", kind.as_str()),
                            &detail,
                        )
                        .await?;
                    }
                    tx.commit().await?;
                    Ok(Ok(()))
                }
                .await;
                outcome.map_err(self.err())?
            }

            async fn records(&self, checklist: &str) -> Result<Records> {
                async {
                    Ok(Records {
                        attestations: self.attestations(Some(checklist)).await?,
                        approvals: self.approvals(Some(checklist)).await?,
                        waivers: self.waivers(Some(checklist)).await?,
                    })
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
    };
}

const RUN_COLUMNS: &str = "id, checklist, checklist_path, checklist_hash, commit_sha, decision, verdict, score, counts, item_count, actor, at";

store_impl!(SqliteStore, sqlx::Sqlite, Backend::Sqlite);
store_impl!(PgStore, sqlx::Postgres, Backend::Postgres);
