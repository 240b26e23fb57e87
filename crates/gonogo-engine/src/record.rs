//! The record stage and where records live: the store's location for a checklist, the key its
//! runs and sign-offs are filed under, and the run record itself.
//!
//! Where the store is: an explicit URL, else `[store] url` in the config (a relative SQLite
//! path is taken from the checklist's directory), else `.gonogo/gonogo.db` beside the checklist.

use crate::error::{Error, Result};
use crate::pipeline::Bound;
use gonogo_core::decide::Report;
use gonogo_core::redact::{Redactor, redact_report};
use gonogo_store::clock::parse_instant;
use gonogo_store::{Clock, Store, StoreUrl};
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

/// Open (creating if need be) the store at `url`.
pub async fn open(url: &StoreUrl) -> Result<Box<dyn Store>> {
    Ok(gonogo_store::open(url).await?)
}

/// Who recorded a run: git's identity when configured, else the login name.
pub fn run_actor(dir: &Path) -> String {
    crate::git::identity(dir)
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

/// The record stage: apply the attestations, approvals and waivers kept for this checklist,
/// compare with its previous run (regressions), and record the run unless `no_store`. With
/// `no_store` and no store yet at the default location, nothing is opened or created.
pub async fn record(bound: &Bound, report: &mut Report, options: &StoreOptions) -> Result<()> {
    let file = &bound.loaded.checklist;
    let config = &bound.loaded.config;
    let (url, default) = options.url_for(config.store_url.as_deref(), &file.path)?;
    if options.no_store && default && matches!(&url, StoreUrl::Sqlite(p) if !p.exists()) {
        return Ok(()); // nothing signed, nothing to record
    }
    let now = options.clock()?.unix();
    let store = open(&url).await?;
    let result = record_in(store.as_ref(), bound, report, options.no_store, now).await;
    store.close().await;
    result
}

/// [`record`] against an open store at `now` (Unix seconds).
pub async fn record_in(
    store: &dyn Store,
    bound: &Bound,
    report: &mut Report,
    no_store: bool,
    now: i64,
) -> Result<()> {
    let file = &bound.loaded.checklist;
    let key = checklist_key(&file.path);
    let records = store.records(&key).await?;
    crate::decide::apply_records(report, &records, &bound.loaded.config.policy, now);
    // What people recorded (reasons, evidence links) is shown and kept redacted too.
    redact_report(report, &Redactor::for_env(&bound.loaded.env));
    if let Some(prev) = store.previous_run(&key, None).await? {
        report.previous_run = Some(prev.summary.id);
        report.regressions = crate::decide::regressions(&prev.items, report);
    }
    if !no_store {
        let run = new_run(&key, bound, report)?;
        let actor = run_actor(file.path.parent().unwrap_or(Path::new(".")));
        report.run = Some(store.record_run(&run, &actor, now).await?);
    }
    Ok(())
}

/// The run record of `report`: the decision, every item's outcome, the report itself, the
/// checklist's hash and the repository's HEAD.
pub fn new_run(key: &str, bound: &Bound, report: &Report) -> Result<gonogo_store::NewRun> {
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
        checklist: key.to_string(),
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
