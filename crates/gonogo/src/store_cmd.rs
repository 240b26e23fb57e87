//! The verbs of gonogo's memory: `signoff`, `approve`, `waive`, `revoke`, `history`, `diff`,
//! `audit verify`, and the store options `gonogo check` takes. Arguments → engine → renderer.
//!
//! Where the store is: `--store URL`, else `GONOGO_STORE`, else `[store] url` in gonogo.toml,
//! else `.gonogo/gonogo.db` beside the checklist (SQLite). Time is the system clock; test
//! builds only (debug assertions on) also take the hidden `--now` flag or `GONOGO_NOW`, which
//! do not exist in a release build, so nobody can backdate a sign-off there.

use anyhow::bail;
use gonogo_engine::people::{
    self, ApproveRequest, RevokeRequest, SignoffRequest, Target, WaiveRequest,
};
use gonogo_engine::{Engine, Session, StoreOptions, query};
use gonogo_store::{RunAudit, Store};
use std::path::{Path, PathBuf};

/// Where the store is and what time it is.
#[derive(clap::Args, Clone, Default)]
pub struct StoreArgs {
    /// Where runs and sign-offs are kept: postgres://USER@HOST/DB or sqlite:PATH [default: `[store] url` in gonogo.toml, else .gonogo/gonogo.db beside the checklist].
    #[arg(long, value_name = "URL", env = "GONOGO_STORE")]
    pub store: Option<String>,
    /// The current time (RFC 3339 or YYYY-MM-DD) instead of the clock's. Test builds only:
    /// cargo cannot turn a feature of the binary on for its own integration tests, and
    /// `debug_assertions` is off in `--release` and dist builds, so the override is compiled
    /// out of every binary that ships.
    #[cfg(debug_assertions)]
    #[arg(long, hide = true, env = "GONOGO_NOW", value_name = "TIME")]
    pub now: Option<String>,
}

/// `gonogo check`'s store options.
#[derive(clap::Args, Clone, Default)]
pub struct RecordArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Do not record this run (sign-offs already in the store still apply).
    #[arg(long)]
    pub no_store: bool,
}

impl StoreArgs {
    fn options(&self) -> StoreOptions {
        StoreOptions {
            url: self.store.clone(),
            now: self.now(),
            no_store: false,
        }
    }

    #[cfg(debug_assertions)]
    fn now(&self) -> Option<String> {
        self.now.clone()
    }

    #[cfg(not(debug_assertions))]
    fn now(&self) -> Option<String> {
        None
    }
}

/// The repository whose records a signing verb or `history` works with.
#[derive(clap::Args, Clone, Default)]
pub struct ProjectArgs {
    /// The repository the records belong to [default: the git work tree holding the checklist, as for `check`].
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
}

/// What opening the store for `check` did and found, on stderr: notes, then warnings (records
/// the audit log does not vouch for, older records that apply to no project).
pub fn show_store_messages(session: &Session) {
    for notice in session.notices() {
        eprintln!("note: {notice}");
    }
    for warning in session.warnings() {
        eprintln!("warning: {warning}");
    }
}

impl RecordArgs {
    pub fn options(&self) -> StoreOptions {
        StoreOptions {
            no_store: self.no_store,
            ..self.store.options()
        }
    }
}

/// The checklist opened for signing; its warnings are shown.
fn target(
    engine: &Engine,
    checklist: &Path,
    project: &ProjectArgs,
    store: &StoreArgs,
) -> anyhow::Result<Target> {
    let t = Target::open(
        checklist,
        project.repo.as_deref(),
        engine.registry(),
        &store.options(),
    )?;
    crate::print_diagnostics(t.warnings());
    Ok(t)
}

/// A signing verb: open `checklist`, let `sign` record, print what `render` makes of it.
async fn sign<Done>(
    checklist: &Path,
    project: &ProjectArgs,
    store: &StoreArgs,
    sign: impl AsyncFnOnce(&Engine, &Target) -> anyhow::Result<Done>,
    render: impl FnOnce(&Done) -> String,
) -> anyhow::Result<u8> {
    let engine = Engine::default();
    let t = target(&engine, checklist, project, store)?;
    let done = sign(&engine, &t).await?;
    print!("{}", render(&done));
    Ok(0)
}

// ---------------------------------------------------------------------------------- signoff

#[derive(clap::Args)]
pub struct SignoffArgs {
    /// The checklist (Markdown).
    pub checklist: PathBuf,
    /// The item: its id, or an unambiguous piece of its text.
    pub item: String,
    /// Who attests [default: git's user.name <user.email>].
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
    /// The role the signer attests in ("Security Team").
    #[arg(long)]
    pub role: Option<String>,
    /// A link to the evidence (ticket, review, report).
    #[arg(long, value_name = "URL")]
    pub evidence: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// When it stops counting: a duration (30d) or the last day (2026-12-31).
    #[arg(long, value_name = "WHEN")]
    pub expires: Option<String>,
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub async fn signoff(args: SignoffArgs) -> anyhow::Result<u8> {
    let request = SignoffRequest {
        item: args.item,
        by: args.by,
        role: args.role,
        evidence: args.evidence,
        note: args.note,
        expires: args.expires,
    };
    sign(
        &args.checklist,
        &args.project,
        &args.store,
        async |engine, t| Ok(people::signoff(t, engine.registry(), request).await?),
        |done| gonogo_report::records::attested(&done.record, done.line),
    )
    .await
}

// ---------------------------------------------------------------------------------- approve

#[derive(clap::Args)]
pub struct ApproveArgs {
    /// The checklist (Markdown).
    pub checklist: PathBuf,
    /// The sign-off slot's role, as the checklist writes it ("Engineering Lead").
    #[arg(long)]
    pub role: String,
    /// Who approves [default: git's user.name <user.email>].
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// When it stops counting: a duration (30d) or the last day (2026-12-31).
    #[arg(long, value_name = "WHEN")]
    pub expires: Option<String>,
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub async fn approve(args: ApproveArgs) -> anyhow::Result<u8> {
    let request = ApproveRequest {
        role: args.role,
        by: args.by,
        note: args.note,
        expires: args.expires,
    };
    sign(
        &args.checklist,
        &args.project,
        &args.store,
        async |_, t| Ok(people::approve(t, request).await?),
        |done| gonogo_report::records::approved(&done.record, done.line),
    )
    .await
}

// ---------------------------------------------------------------------------------- waive

#[derive(clap::Args)]
pub struct WaiveArgs {
    /// The checklist (Markdown).
    pub checklist: PathBuf,
    /// The item: its id, or an unambiguous piece of its text.
    pub item: String,
    /// Why it may ship without this item.
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// The last day the waiver holds (2026-12-31), or an RFC 3339 time, or a duration (14d).
    #[arg(long, value_name = "WHEN")]
    pub until: String,
    /// Who waives [default: git's user.name <user.email>].
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub async fn waive(args: WaiveArgs) -> anyhow::Result<u8> {
    let request = WaiveRequest {
        item: args.item,
        reason: args.reason,
        until: args.until,
        by: args.by,
    };
    sign(
        &args.checklist,
        &args.project,
        &args.store,
        async |_, t| Ok(people::waive(t, request).await?),
        |done| gonogo_report::records::waived(&done.record, done.line),
    )
    .await
}

// ---------------------------------------------------------------------------------- revoke

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum RevokeKind {
    Attestation,
    Approval,
    Waiver,
}

#[derive(clap::Args)]
pub struct RevokeArgs {
    /// What to withdraw.
    #[arg(value_enum)]
    pub kind: RevokeKind,
    /// The checklist (Markdown).
    pub checklist: PathBuf,
    /// The item (attestation, waiver): its id or an unambiguous piece of its text.
    pub item: Option<String>,
    /// The role (approval).
    #[arg(long)]
    pub role: Option<String>,
    /// Who withdraws it [default: git's user.name <user.email>].
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub async fn revoke(args: RevokeArgs) -> anyhow::Result<u8> {
    let (by, reason) = (args.by.as_deref(), args.reason.as_deref());
    sign(
        &args.checklist,
        &args.project,
        &args.store,
        async |_, t| {
            let request = match (args.kind, args.role, args.item) {
                (RevokeKind::Approval, Some(role), _) => RevokeRequest::Approval { role },
                (RevokeKind::Approval, None, _) => bail!("revoke approval needs --role"),
                (RevokeKind::Attestation, _, Some(item)) => RevokeRequest::Attestation { item },
                (RevokeKind::Waiver, _, Some(item)) => RevokeRequest::Waiver { item },
                (RevokeKind::Attestation, _, None) => bail!("revoke attestation needs the item"),
                (RevokeKind::Waiver, _, None) => bail!("revoke waiver needs the item"),
            };
            Ok(people::revoke(t, request, by, reason).await?)
        },
        |done| gonogo_report::records::revoked(done.kind, &done.ids, &done.what, &done.by, done.at),
    )
    .await
}

// ---------------------------------------------------------------------------------- history

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HistoryFormat {
    Text,
    Json,
}

#[derive(clap::Args)]
pub struct HistoryArgs {
    /// Only the runs of this checklist.
    pub checklist: Option<PathBuf>,
    /// How many runs, newest first.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: usize,
    #[arg(long, value_enum, default_value = "text")]
    pub format: HistoryFormat,
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// The store of a read-only verb: it must already exist.
async fn existing_store(
    engine: &Engine,
    args: &StoreArgs,
    checklist: Option<&Path>,
) -> anyhow::Result<Box<dyn Store>> {
    match query::existing_store(&args.options(), checklist, engine.registry()).await {
        Err(gonogo_engine::Error::Diagnostics(diagnostics)) => {
            crate::print_diagnostics(&diagnostics);
            bail!("the config has errors");
        }
        other => Ok(other?),
    }
}

pub async fn history(args: HistoryArgs) -> anyhow::Result<u8> {
    let engine = Engine::default();
    let store = existing_store(&engine, &args.store, args.checklist.as_deref()).await?;
    let runs = query::history(
        store.as_ref(),
        args.checklist.as_deref(),
        args.project.repo.as_deref(),
        args.limit,
    )
    .await;
    store.close().await;
    let format = match args.format {
        HistoryFormat::Text => gonogo_report::HistoryFormat::Text,
        HistoryFormat::Json => gonogo_report::HistoryFormat::Json,
    };
    print!("{}", gonogo_report::history(&runs?, format));
    Ok(0)
}

// ---------------------------------------------------------------------------------- diff

#[derive(clap::Args)]
pub struct DiffArgs {
    /// The earlier run [default: the run before RUN_B of the same checklist].
    pub run_a: Option<i64>,
    /// The later run [default: the newest run of RUN_A's checklist, or the newest run].
    pub run_b: Option<i64>,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub async fn diff(args: DiffArgs) -> anyhow::Result<u8> {
    let engine = Engine::default();
    let store = existing_store(&engine, &args.store, None).await?;
    let runs = query::runs_to_compare(store.as_ref(), args.run_a, args.run_b).await;
    store.close().await;
    let (a, b) = runs?;
    for run in [&a, &b] {
        if run.summary.audit == RunAudit::ItemsUnaudited {
            eprintln!(
                "warning: run {} was recorded before run items were audited: its items are not covered by the audit trail",
                run.summary.id
            );
        }
    }
    print!("{}", gonogo_report::diff(&a, &b));
    Ok(0)
}

// ---------------------------------------------------------------------------------- audit

#[derive(clap::Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// Prove the audit trail is intact: every entry unaltered, in order, none missing, and every
    /// record as the trail recorded it. Exit 1 names the first broken entry.
    Verify(AuditVerifyArgs),
}

#[derive(clap::Args)]
pub struct AuditVerifyArgs {
    /// Find the store from this checklist's location and config.
    #[arg(long, value_name = "CHECKLIST")]
    pub checklist: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub async fn audit(args: AuditArgs) -> anyhow::Result<u8> {
    let AuditCommand::Verify(args) = args.command;
    let engine = Engine::default();
    let store = existing_store(&engine, &args.store, args.checklist.as_deref()).await?;
    let verdict = query::verify_audit(store.as_ref()).await;
    store.close().await;
    let verdict = verdict?;
    print!("{}", gonogo_report::records::audit(&verdict));
    Ok(if verdict.is_ok() { 0 } else { 1 })
}
