//! The record stage and where records live: the store's location for a checklist, the key its
//! runs and sign-offs are filed under, and the run record itself.
//!
//! Where the store is: an explicit URL, else `[store] url` in the config (a relative SQLite
//! path is taken from the checklist's directory), else `.gonogo/gonogo.db` beside the checklist.
//!
//! What a run's records are filed under: the project (its normalised git remote URL, else its
//! repository root: [`crate::git::project_identity`]) and the checklist's path in its work tree
//! ([`checklist_key`]). Rows recorded before projects were told apart belong to no project:
//! they apply nowhere (a waiver must never cross projects), `history` lists their runs, and
//! `check` says once per run when its checklist path has some and its project none of its own.

use crate::error::{Error, Result};
use crate::load::Loaded;
use crate::pipeline::Bound;
use gonogo_core::decide::Report;
use gonogo_core::redact::{Redactor, redact_report};
use gonogo_store::clock::parse_instant;
use gonogo_store::{Access, ChecklistKey, Clock, Records, Store, StoreUrl, StoredRun};
use std::path::{Path, PathBuf};

/// Where the store is, what time it is, and whether this run is recorded.
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// The store's URL (`postgres://…`, `sqlite:PATH` or a path); else from the config or the
    /// default location.
    pub url: Option<String>,
    /// The current time, RFC 3339 or `YYYY-MM-DD` [default: the system clock].
    pub now: Option<String>,
    /// Apply what the store holds but do not record this run.
    pub no_store: bool,
}

impl StoreOptions {
    /// The clock `now` describes.
    pub fn clock(&self) -> Result<Box<dyn Clock>> {
        match &self.now {
            Some(s) => {
                let t = parse_instant(s)
                    .map_err(|e| Error::input(format!("--now / GONOGO_NOW: {e}")))?;
                Ok(Box::new(gonogo_store::FixedClock(t)))
            }
            None => Ok(Box::new(gonogo_store::SystemClock)),
        }
    }

    /// The store's location for a checklist, and whether it is the default one.
    pub fn url_for(&self, config_url: Option<&str>, checklist: &Path) -> Result<(StoreUrl, bool)> {
        let dir = checklist
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if let Some(u) = &self.url {
            return Ok((StoreUrl::parse(u)?, false));
        }
        if let Some(u) = config_url {
            return Ok((
                match StoreUrl::parse(u)? {
                    StoreUrl::Sqlite(p) if p.is_relative() => StoreUrl::Sqlite(dir.join(p)),
                    other => other,
                },
                false,
            ));
        }
        Ok((
            StoreUrl::Sqlite(dir.join(".gonogo").join("gonogo.db")),
            true,
        ))
    }
}

/// The key runs and sign-offs of a checklist are filed under: its path inside the git work
/// tree holding it (so `--repo` and the working directory do not matter), else its file name.
pub fn checklist_key(path: &Path) -> String {
    let abs = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let dir = abs.parent().unwrap_or(Path::new("."));
    let rel = crate::load::enclosing_work_tree(dir)
        .and_then(|root| abs.strip_prefix(root).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| abs.file_name().map(PathBuf::from).unwrap_or_default());
    rel.to_string_lossy().replace('\\', "/")
}

/// The project and checklist a checklist's runs and records are filed under, `repo` being
/// the repository under check.
pub fn key_of(repo: &Path, checklist: &Path) -> ChecklistKey {
    ChecklistKey::new(crate::git::project_identity(repo), checklist_key(checklist))
}

/// Open the store at `url` for `access` (only [`Access::Write`] creates or migrates it).
pub async fn open(url: &StoreUrl, access: Access) -> Result<Box<dyn Store>> {
    Ok(gonogo_store::open(url, access).await?)
}

/// Who recorded a run: git's identity when configured, else the login name.
pub fn run_actor(dir: &Path) -> String {
    crate::git::identity(dir)
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

/// The store as one run of `check` uses it, opened before any check runs ([`Session::open`]):
/// what people recorded for this project's checklist, the run to compare with, and (unless
/// `no_store`) the store the run is recorded in once it is decided.
pub struct Session {
    store: Option<Box<dyn Store>>,
    key: ChecklistKey,
    clock: Box<dyn Clock>,
    no_store: bool,
    records: Records,
    previous: Option<StoredRun>,
    notices: Vec<String>,
    warnings: Vec<String>,
}

impl Session {
    /// Open and check the store of `loaded`'s checklist, and read what applies to it. To
    /// record, the store is created or migrated if need be and must take writes; with
    /// `no_store` it is only read, never created or changed (none at the default location:
    /// nothing applies; none where one was named: a warning, nothing applies).
    pub async fn open(loaded: &Loaded, options: &StoreOptions) -> Result<Session> {
        let file = &loaded.checklist;
        let (url, default) = options.url_for(loaded.config.store_url.as_deref(), &file.path)?;
        let mut session = Session {
            store: None,
            key: key_of(&loaded.repo, &file.path),
            clock: options.clock()?,
            no_store: options.no_store,
            records: Records::default(),
            previous: None,
            notices: Vec::new(),
            warnings: Vec::new(),
        };
        let access = if options.no_store {
            Access::Read
        } else {
            Access::Write
        };
        let store = match gonogo_store::open(&url, access).await {
            Ok(store) => store,
            Err(gonogo_store::Error::Missing { .. }) if options.no_store && default => {
                return Ok(session); // nothing signed, nothing to record
            }
            Err(e @ gonogo_store::Error::Missing { .. }) if options.no_store => {
                session
                    .warnings
                    .push(format!("{e}: no sign-off or waiver applies"));
                return Ok(session);
            }
            Err(e) => return Err(e.into()),
        };
        session.notices = store.notices().to_vec();
        let read = session.read(store.as_ref()).await;
        session.store = Some(store);
        if let Err(e) = read {
            session.close().await;
            return Err(e);
        }
        Ok(session)
    }

    /// Read the records and the previous run of the key, and say what is left out.
    async fn read(&mut self, store: &dyn Store) -> Result<()> {
        let records = store.records(&self.key).await?;
        for why in &records.ignored {
            self.warnings.push(format!(
                "{why}: not applied (`gonogo audit verify` checks the whole store)"
            ));
        }
        let own = records.attestations.len() + records.approvals.len() + records.waivers.len();
        if records.legacy > 0 && own == 0 {
            let (n, checklist) = (records.legacy, &self.key.checklist);
            self.warnings.push(if n == 1 {
                format!(
                    "1 record (sign-off, approval or waiver) of {checklist} was made before the store kept projects apart: it applies to no project; if it was this project's, record it again"
                )
            } else {
                format!(
                    "{n} records (sign-offs, approvals or waivers) of {checklist} were made before the store kept projects apart: they apply to no project; if they were this project's, record them again"
                )
            });
        }
        self.records = records;
        let previous = store.previous_run(&self.key, None).await?;
        self.previous = match previous {
            Some(run) => match &run.summary.audit {
                gonogo_store::RunAudit::Broken(why) => {
                    self.warnings.push(format!(
                        "the previous run of {} is not compared with: {why}",
                        self.key.checklist
                    ));
                    None
                }
                _ => Some(run),
            },
            None => None,
        };
        Ok(())
    }

    /// The project and checklist this run is filed under.
    pub fn key(&self) -> &ChecklistKey {
        &self.key
    }

    /// What opening the store did that the user should know.
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// Records left out (the audit log does not vouch for them), older records that apply to
    /// no project, a store named but not there: one line each.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Apply the records to `report` under `bound`'s policy, and compare it with the previous
    /// run (regressions).
    pub fn apply(&self, bound: &Bound, report: &mut Report) {
        let now = self.clock.unix();
        crate::decide::apply_records(report, &self.records, &bound.loaded.config.policy, now);
        // What people recorded (reasons, evidence links) is shown and kept redacted too.
        redact_report(report, &Redactor::for_env(&bound.loaded.env));
        if let Some(prev) = &self.previous {
            report.previous_run = Some(prev.summary.id);
            report.regressions = crate::decide::regressions(&prev.items, report);
        }
    }

    /// Record the run (unless `no_store`): `report.run` is its id.
    pub async fn record(&self, bound: &Bound, report: &mut Report) -> Result<()> {
        let Some(store) = self.store.as_ref().filter(|_| !self.no_store) else {
            return Ok(());
        };
        let run = new_run(&self.key, bound, report)?;
        let file = &bound.loaded.checklist;
        let actor = run_actor(file.path.parent().unwrap_or(Path::new(".")));
        report.run = Some(store.record_run(&run, &actor, self.clock.unix()).await?);
        Ok(())
    }

    /// Close the store, waiting for its connections to finish.
    pub async fn close(self) {
        if let Some(store) = self.store {
            store.close().await;
        }
    }
}

/// The record stage in one call, for a report decided without a [`Session`] opened before
/// its checks ran: open the store, apply its records, compare with the previous run, record
/// the run unless `no_store`. Returns the session's warnings.
pub async fn record(
    bound: &Bound,
    report: &mut Report,
    options: &StoreOptions,
) -> Result<Vec<String>> {
    let session = Session::open(&bound.loaded, options).await?;
    session.apply(bound, report);
    let recorded = session.record(bound, report).await;
    let warnings = session.warnings().to_vec();
    session.close().await;
    recorded.map(|()| warnings)
}

/// The run record of `report`: the decision, every item's outcome, the report itself, the
/// checklist's hash and the repository's HEAD.
pub fn new_run(key: &ChecklistKey, bound: &Bound, report: &Report) -> Result<gonogo_store::NewRun> {
    use sha2::Digest;
    let json = |e: serde_json::Error| Error::input(format!("cannot serialise the report: {e}"));
    let items = report
        .items
        .iter()
        .map(|i| {
            Ok(gonogo_store::RunItem {
                item_id: i.id.clone(),
                line: i.line as i64,
                text: i.text.clone(),
                status: i.status.as_str().to_string(),
                evidence: serde_json::to_string(&i.evidence)?,
            })
        })
        .collect::<serde_json::Result<Vec<_>>>()
        .map_err(json)?;
    let file = &bound.loaded.checklist;
    Ok(gonogo_store::NewRun {
        project: key.project.clone().unwrap_or_default(),
        checklist: key.checklist.clone(),
        checklist_path: file.display_path.clone(),
        checklist_hash: hex::encode(sha2::Sha256::digest(file.source.as_bytes())),
        commit: crate::git::head_commit(&bound.loaded.repo),
        decision: report.decision.as_str().to_string(),
        verdict: report.verdict.clone(),
        score: report.summary.score,
        counts: serde_json::to_string(&report.summary.counts).map_err(json)?,
        report: serde_json::to_string(report).map_err(json)?,
        items,
    })
}
