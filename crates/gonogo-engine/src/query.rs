//! Reading the records back: past runs, two runs to compare, the audit trail.

use crate::error::{Error, Result};
use crate::load::{self, ConfigChoice};
use crate::record::{StoreOptions, key_of, open};
use gonogo_core::Registry;
use gonogo_store::{Access, RunAudit, RunSummary, Store, StoreUrl, StoredRun};
use std::path::{Path, PathBuf};

/// The store of a read-only request: found from `checklist`'s location and config when given
/// (else the working directory). It must already exist and be current: it is opened to read,
/// so nothing is created or migrated. A config with errors is [`Error::Diagnostics`].
pub async fn existing_store(
    options: &StoreOptions,
    checklist: Option<&Path>,
    registry: &Registry,
) -> Result<Box<dyn Store>> {
    let (config_url, anchor) = match checklist {
        Some(c) => {
            let repo = load::resolve_repo(None, c)?;
            let (cfg, _) = load::load_config(&ConfigChoice::Discover, c, &repo, registry)?;
            (cfg.store_url, c.to_path_buf())
        }
        None => (None, PathBuf::from("./CHECKLIST.md")),
    };
    let (url, default) = options.url_for(config_url.as_deref(), &anchor)?;
    // A read-only verb never creates a store: a mistyped `--store sqlite:typo.db` would
    // otherwise be created empty and reported as an intact audit trail.
    if let StoreUrl::Sqlite(p) = &url
        && !p.exists()
    {
        let hint = if default {
            "nothing recorded yet: run `gonogo check` first, or pass --store"
        } else {
            "no such file: check the path"
        };
        return Err(Error::input(format!(
            "no store at {} ({hint})",
            p.display()
        )));
    }
    open(&url, Access::Read).await
}

/// The newest `limit` runs, each compared with the audit log: of one checklist of the project
/// under check when given (`repo`, else the git work tree holding the checklist), else every
/// run in the store, of any project.
pub async fn history(
    store: &dyn Store,
    checklist: Option<&Path>,
    repo: Option<&Path>,
    limit: usize,
) -> Result<Vec<RunSummary>> {
    let key = match checklist {
        Some(c) => Some(key_of(&load::resolve_repo(repo, c)?, c)),
        None => None,
    };
    Ok(store.runs(key.as_ref(), limit).await?)
}

/// A run a comparison may use: one whose audit entry vouches for it.
fn vouched(run: StoredRun) -> Result<StoredRun> {
    match &run.summary.audit {
        RunAudit::Broken(why) => Err(Error::input(format!(
            "run {} cannot be compared: {why} (`gonogo audit verify` checks the whole store)",
            run.summary.id
        ))),
        _ => Ok(run),
    }
}

/// The two runs a comparison is between: both given; the first given and the newest run of
/// its project's checklist; or the newest run and the run of the same project's checklist
/// before it. A run the audit log does not vouch for (it or its items were changed after
/// they were recorded) is refused.
pub async fn runs_to_compare(
    store: &dyn Store,
    run_a: Option<i64>,
    run_b: Option<i64>,
) -> Result<(StoredRun, StoredRun)> {
    let (a, b) = runs_named(store, run_a, run_b).await?;
    Ok((vouched(a)?, vouched(b)?))
}

async fn runs_named(
    store: &dyn Store,
    run_a: Option<i64>,
    run_b: Option<i64>,
) -> Result<(StoredRun, StoredRun)> {
    let get = |id: i64| async move {
        store
            .run(id)
            .await?
            .ok_or_else(|| Error::input(format!("no run {id} in the store (see `gonogo history`)")))
    };
    match (run_a, run_b) {
        (Some(a), Some(b)) => Ok((get(a).await?, get(b).await?)),
        (Some(a), None) => {
            let a = get(a).await?;
            let b = store
                .previous_run(&a.summary.key(), None)
                .await?
                .filter(|b| b.summary.id != a.summary.id)
                .ok_or_else(|| {
                    Error::input(format!(
                        "run {} is the newest run of {}: give a second run",
                        a.summary.id, a.summary.checklist
                    ))
                })?;
            Ok((a, b))
        }
        (None, _) => {
            let newest = store.runs(None, 1).await?;
            let Some(b) = newest.first() else {
                return Err(Error::input("no runs recorded yet: nothing to compare"));
            };
            let b = get(b.id).await?;
            let a = store
                .previous_run(&b.summary.key(), Some(b.summary.id))
                .await?
                .ok_or_else(|| {
                    Error::input(format!(
                        "run {} is the only run of {}: nothing to compare it with",
                        b.summary.id, b.summary.checklist
                    ))
                })?;
            Ok((a, b))
        }
    }
}

/// Verify the audit trail: every entry unaltered, in order, none missing, every record as the
/// trail recorded it.
pub async fn verify_audit(
    store: &dyn Store,
) -> Result<std::result::Result<gonogo_store::audit::Intact, gonogo_store::audit::Broken>> {
    let snapshot = store.audit_snapshot().await?;
    Ok(gonogo_store::audit::verify(&snapshot))
}
