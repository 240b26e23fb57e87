//! Remembering: `signoff`, `approve`, `waive`, `revoke`, `history`, `diff`, `audit verify`, and
//! [`remember`], the step of `gonogo check` that applies sign-offs and records the run.
//!
//! Where the store is: `--store URL`, else `GONOGO_STORE`, else `[store] url` in gonogo.toml,
//! else `.gonogo/gonogo.db` beside the checklist (SQLite). Time comes from the hidden `--now`
//! flag or `GONOGO_NOW` when set (tests), else the system clock.

use crate::inputs::{self, Loaded};
use anyhow::{Context, bail};
use gonogo_checklist::{Item, ItemKind};
use gonogo_core::Status;
use gonogo_core::config::Config;
use gonogo_core::decide::Report;
use gonogo_store::clock::{date_of, last_day, minute_of, parse_date, parse_instant};
use gonogo_store::{Clock, RecordKind, Store, StoreUrl};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Where the store is and what time it is.
#[derive(clap::Args, Clone, Default)]
pub struct StoreArgs {
    /// Where runs and sign-offs are kept: postgres://USER@HOST/DB or sqlite:PATH [default: `[store] url` in gonogo.toml, else .gonogo/gonogo.db beside the checklist].
    #[arg(long, value_name = "URL", env = "GONOGO_STORE")]
    pub store: Option<String>,
    /// The current time (RFC 3339 or YYYY-MM-DD) instead of the clock's.
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
    fn clock(&self) -> anyhow::Result<Box<dyn Clock>> {
        match &self.now {
            Some(s) => {
                let t = parse_instant(s).map_err(|e| anyhow::anyhow!("--now / GONOGO_NOW: {e}"))?;
                Ok(Box::new(gonogo_store::FixedClock(t)))
            }
            None => Ok(Box::new(gonogo_store::SystemClock)),
        }
    }

    /// The store's location for a checklist (its directory holds the default file and resolves
    /// a relative `[store] url`). Also says whether it is the default location.
    fn url_for(
        &self,
        config_url: Option<&str>,
        checklist: &Path,
    ) -> anyhow::Result<(StoreUrl, bool)> {
        let dir = checklist
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if let Some(u) = &self.store {
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
fn checklist_key(path: &Path) -> String {
    let abs = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let root = inputs::resolve_repo(None, &abs).ok();
    let rel = root
        .as_deref()
        .filter(|r| r.join(".git").exists())
        .and_then(|r| abs.strip_prefix(r).ok())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| abs.file_name().map(PathBuf::from).unwrap_or_default());
    rel.to_string_lossy().replace('\\', "/")
}

/// HEAD's commit, read from `.git` (no process spawned): a loose ref, a packed ref or a
/// detached HEAD. None outside a git repository.
fn head_commit(repo: &Path) -> Option<String> {
    let mut git_dir = repo.join(".git");
    if git_dir.is_file() {
        let s = std::fs::read_to_string(&git_dir).ok()?;
        git_dir = repo.join(s.trim().strip_prefix("gitdir:")?.trim());
    }
    let common = std::fs::read_to_string(git_dir.join("commondir"))
        .ok()
        .map(|c| git_dir.join(c.trim()))
        .unwrap_or_else(|| git_dir.clone());
    let head = std::fs::read_to_string(git_dir.join("HEAD")).ok()?;
    let head = head.trim();
    let is_sha = |s: &str| s.len() >= 40 && s.chars().all(|c| c.is_ascii_hexdigit());
    let Some(name) = head.strip_prefix("ref:").map(str::trim) else {
        return is_sha(head).then(|| head.to_string());
    };
    for dir in [&git_dir, &common] {
        if let Ok(s) = std::fs::read_to_string(dir.join(name))
            && is_sha(s.trim())
        {
            return Some(s.trim().to_string());
        }
    }
    let packed = std::fs::read_to_string(common.join("packed-refs")).ok()?;
    packed.lines().find_map(|l| {
        let (sha, r) = l.split_once(' ')?;
        (r.trim() == name && is_sha(sha)).then(|| sha.to_string())
    })
}

/// `--by`, else git's `user.name <user.email>`.
fn identity(by: Option<&str>, dir: &Path) -> anyhow::Result<String> {
    if let Some(by) = by {
        let by = by.trim();
        if by.is_empty() {
            bail!("--by is empty: say who signs (\"Jane Roe <jane@example.com>\")");
        }
        return Ok(by.to_string());
    }
    let get = |key: &str| {
        std::process::Command::new("git")
            .args(["config", "--get", key])
            .current_dir(dir)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .filter(|s| !s.is_empty())
    };
    match (get("user.name"), get("user.email")) {
        (Some(n), Some(e)) => Ok(format!("{n} <{e}>")),
        (Some(n), None) => Ok(n),
        (None, Some(e)) => Ok(format!("<{e}>")),
        (None, None) => bail!(
            "no --by given and git has no user.name configured: say who signs with --by \"Jane Roe <jane@example.com>\""
        ),
    }
}

/// Who recorded a run: git's identity when configured, else the login name.
fn run_actor(dir: &Path) -> String {
    identity(None, dir)
        .ok()
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

async fn open(url: &StoreUrl) -> anyhow::Result<Box<dyn Store>> {
    Ok(gonogo_store::open(url).await?)
}

/// The step of `gonogo check` between deciding and rendering: apply the attestations,
/// approvals and waivers kept for this checklist, compare with its previous run (regressions),
/// and record the run unless `--no-store`. Any store failure stops the check (exit 2).
pub async fn remember(
    args: &RecordArgs,
    loaded: &Loaded,
    repo: &Path,
    config: &Config,
    report: &mut Report,
) -> anyhow::Result<()> {
    let (url, default) = args
        .store
        .url_for(config.store_url.as_deref(), &loaded.path)?;
    if args.no_store && default && matches!(&url, StoreUrl::Sqlite(p) if !p.exists()) {
        return Ok(()); // nothing signed, nothing to record
    }
    let now = args.store.clock()?.unix();
    let store = open(&url).await?;
    let key = checklist_key(&loaded.path);
    let records = store.records(&key).await?;
    gonogo_store::apply::apply(report, &records, &config.policy, now);
    if let Some(prev) = store.previous_run(&key, None).await? {
        report.previous_run = Some(prev.summary.id);
        report.regressions = gonogo_store::apply::regressions(&prev.items, report);
    }
    if !args.no_store {
        let run = new_run(&key, loaded, repo, report)?;
        let actor = run_actor(loaded.path.parent().unwrap_or(Path::new(".")));
        report.run = Some(store.record_run(&run, &actor, now).await?);
    }
    store.close().await;
    Ok(())
}

fn new_run(
    key: &str,
    loaded: &Loaded,
    repo: &Path,
    report: &Report,
) -> anyhow::Result<gonogo_store::NewRun> {
    use sha2::Digest;
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
        .collect::<serde_json::Result<Vec<_>>>()?;
    Ok(gonogo_store::NewRun {
        checklist: key.to_string(),
        checklist_path: loaded.display_path.clone(),
        checklist_hash: hex::encode(sha2::Sha256::digest(loaded.source.as_bytes())),
        commit: head_commit(repo),
        decision: report.decision.as_str().to_string(),
        verdict: report.verdict.clone(),
        score: report.summary.score,
        counts: serde_json::to_string(&report.summary.counts)?,
        report: serde_json::to_string(report)?,
        items,
    })
}

/// A checklist opened for signing: the file, its config, its key and its store.
struct Target {
    loaded: Loaded,
    config: Config,
    key: String,
    url: StoreUrl,
    now: i64,
}

fn target(checklist: &Path, store: &StoreArgs) -> anyhow::Result<Result<Target, u8>> {
    let loaded = inputs::load_checklist(checklist)?;
    if inputs::print_diagnostics(&loaded.warnings) {
        return Ok(Err(2));
    }
    let repo = inputs::resolve_repo(None, checklist)?;
    let registry = gonogo_checks::registry();
    let known = |id: &str| registry.get(id).is_some();
    let config = match inputs::load_config(None, &loaded.path, &repo, &known) {
        Ok((c, _)) => c,
        Err(diags) => {
            inputs::print_diagnostics(&diags);
            return Ok(Err(2));
        }
    };
    let (url, _) = store.url_for(config.store_url.as_deref(), &loaded.path)?;
    Ok(Ok(Target {
        key: checklist_key(&loaded.path),
        now: store.clock()?.unix(),
        loaded,
        config,
        url,
    }))
}

/// An item named by its id or by an unambiguous piece of its text.
fn resolve_item<'a>(items: &'a [Item], query: &str, file: &str) -> anyhow::Result<&'a Item> {
    let q = query.trim();
    if q.is_empty() {
        bail!("the item is empty: give an item id or a piece of its text");
    }
    if let Some(item) = items.iter().find(|i| i.id == q) {
        return Ok(item);
    }
    let ql = q.to_lowercase();
    let hits: Vec<&Item> = items
        .iter()
        .filter(|i| i.text.to_lowercase().contains(&ql) || i.display.to_lowercase().contains(&ql))
        .collect();
    match hits.as_slice() {
        [one] => Ok(one),
        [] => bail!(
            "no item of {file} matches `{q}`: give an item id or a piece of its text (`gonogo validate {file} --format json` lists ids)"
        ),
        many => {
            let mut msg = format!(
                "`{q}` is ambiguous: it matches {} items of {file}; give the id or more of the text:",
                many.len()
            );
            for i in many.iter().take(10) {
                let _ = write!(msg, "\n  line {:>4}  {}  {}", i.line, i.id, i.text);
            }
            if many.len() > 10 {
                let _ = write!(msg, "\n  … and {} more", many.len() - 10);
            }
            bail!(msg)
        }
    }
}

/// `--expires 30d` or `--expires 2026-12-31` (holds through that day): the first instant it
/// no longer holds, which must be in the future.
fn expiry(spec: &str, now: i64, flag: &str) -> anyhow::Result<i64> {
    let at = if spec.trim().starts_with(|c: char| c.is_ascii_digit())
        && spec.trim().ends_with(|c: char| c.is_ascii_alphabetic())
    {
        let d = gonogo_core::params::parse_duration(spec)
            .map_err(|e| anyhow::anyhow!("{flag} {spec}: {e}"))?;
        now + d.as_secs() as i64
    } else if let Ok(day) = parse_date(spec) {
        day.next_day()
            .unwrap_or(day)
            .midnight()
            .assume_utc()
            .unix_timestamp()
    } else {
        parse_instant(spec)
            .map_err(|e| anyhow::anyhow!("{flag} {spec}: {e}; or a duration like 30d"))?
            .unix_timestamp()
    };
    if at <= now {
        bail!(
            "{flag} {spec} is not in the future (now is {} UTC): nothing was recorded",
            minute_of(now)
        );
    }
    Ok(at)
}

/// A link the signer gives, with any password or token hidden.
fn sanitize_link(url: &str) -> String {
    let shown = gonogo_core::redact::redact_url(url.trim());
    match shown.split_once('?') {
        None => shown,
        Some((base, query)) => {
            let q: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, v))
                        if ["token", "secret", "password", "key", "sig", "auth"]
                            .iter()
                            .any(|s| k.to_ascii_lowercase().contains(s)) =>
                    {
                        format!("{k}={}", gonogo_core::redact_secret(v))
                    }
                    _ => kv.to_string(),
                })
                .collect();
            format!("{base}?{}", q.join("&"))
        }
    }
}

fn holds_text(expires_at: Option<i64>) -> String {
    match expires_at {
        Some(e) => format!("holds until {}", last_day(e)),
        None => "does not expire".into(),
    }
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
    pub store: StoreArgs,
}

/// Items bound to a check are judged by it: only manual items (and sign-off slots) are attested.
fn ensure_manual(t: &Target, item: &Item) -> anyhow::Result<()> {
    let registry = gonogo_checks::registry();
    let env: std::collections::BTreeMap<String, String> = std::env::vars().collect();
    let plan = gonogo_core::bind::bind(
        &t.loaded.checklist,
        &t.loaded.display_path,
        &t.config,
        &registry,
        &env,
    );
    let idx = t
        .loaded
        .checklist
        .items
        .iter()
        .position(|i| i.id == item.id);
    match idx.and_then(|i| plan.items.get(i)) {
        Some(gonogo_core::bind::ItemBinding::Check(bc)) => bail!(
            "line {} `{}` is verified by the check {}: only manual items are attested (to let a failing check through, use `gonogo waive`)",
            item.line,
            item.id,
            bc.kind.id()
        ),
        Some(gonogo_core::bind::ItemBinding::Derived) => bail!(
            "line {} `{}` follows from its sub-items: attest those instead",
            item.line,
            item.id
        ),
        _ => Ok(()),
    }
}

pub async fn signoff(args: SignoffArgs) -> anyhow::Result<u8> {
    let t = match target(&args.checklist, &args.store)? {
        Ok(t) => t,
        Err(code) => return Ok(code),
    };
    let item = resolve_item(
        &t.loaded.checklist.items,
        &args.item,
        &t.loaded.display_path,
    )?;
    ensure_manual(&t, item)?;
    let by = identity(
        args.by.as_deref(),
        t.loaded.path.parent().unwrap_or(Path::new(".")),
    )?;
    let expires_at = args
        .expires
        .as_deref()
        .map(|e| expiry(e, t.now, "--expires"))
        .transpose()?;
    let store = open(&t.url).await?;
    let rec = gonogo_store::NewAttestation {
        checklist: t.key.clone(),
        item_id: item.id.clone(),
        item_text: item.display.clone(),
        by: by.clone(),
        role: args
            .role
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty()),
        evidence: args.evidence.as_deref().map(sanitize_link),
        note: args.note,
        expires_at,
    };
    let id = store.add_attestation(&rec, t.now).await?;
    store.close().await;
    let role = rec
        .role
        .as_deref()
        .map(|r| format!(" as {r}"))
        .unwrap_or_default();
    println!(
        "attestation {id} recorded: line {} `{}` — {}\n  attested by {by}{role} on {}, {}",
        item.line,
        item.id,
        item.display,
        date_of(t.now),
        holds_text(expires_at)
    );
    Ok(0)
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
    pub store: StoreArgs,
}

pub async fn approve(args: ApproveArgs) -> anyhow::Result<u8> {
    let t = match target(&args.checklist, &args.store)? {
        Ok(t) => t,
        Err(code) => return Ok(code),
    };
    let slots: Vec<&Item> = t.loaded.checklist.items_of(ItemKind::Signoff).collect();
    let role = args.role.trim();
    let slot = slots.iter().find(|i| {
        i.signoff_label
            .as_deref()
            .is_some_and(|l| gonogo_store::apply::same_role(l, role))
    });
    let required = t
        .config
        .policy
        .required_roles
        .iter()
        .any(|r| gonogo_store::apply::same_role(r, role));
    if slot.is_none() && !required {
        let names: Vec<&str> = slots
            .iter()
            .filter_map(|i| i.signoff_label.as_deref())
            .collect();
        if names.is_empty() {
            bail!(
                "{} has no sign-off slot for `{role}` (it has no sign-off lines like `- [ ] Engineering Lead: ____ Date: ____`) and the policy does not require it",
                t.loaded.display_path
            );
        }
        bail!(
            "{} has no sign-off slot for `{role}`; its slots are: {}",
            t.loaded.display_path,
            names.join(", ")
        );
    }
    let role = slot
        .and_then(|i| i.signoff_label.clone())
        .unwrap_or_else(|| role.to_string());
    let by = identity(
        args.by.as_deref(),
        t.loaded.path.parent().unwrap_or(Path::new(".")),
    )?;
    let expires_at = args
        .expires
        .as_deref()
        .map(|e| expiry(e, t.now, "--expires"))
        .transpose()?;
    let store = open(&t.url).await?;
    let id = store
        .add_approval(
            &gonogo_store::NewApproval {
                checklist: t.key.clone(),
                role: role.clone(),
                by: by.clone(),
                note: args.note,
                expires_at,
            },
            t.now,
        )
        .await?;
    store.close().await;
    let line = slot
        .map(|i| format!(" (line {})", i.line))
        .unwrap_or_default();
    println!(
        "approval {id} recorded: {role}{line}\n  approved by {by} on {}, {}",
        date_of(t.now),
        holds_text(expires_at)
    );
    Ok(0)
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
    pub store: StoreArgs,
}

pub async fn waive(args: WaiveArgs) -> anyhow::Result<u8> {
    let t = match target(&args.checklist, &args.store)? {
        Ok(t) => t,
        Err(code) => return Ok(code),
    };
    let item = resolve_item(
        &t.loaded.checklist.items,
        &args.item,
        &t.loaded.display_path,
    )?;
    let reason = args.reason.trim();
    if reason.is_empty() {
        bail!("--reason is empty: a waiver needs a reason");
    }
    if let Some(sel) = t
        .config
        .policy
        .no_waivers
        .iter()
        .find(|s| s.matches(&item.id, &item.section_path, None))
    {
        bail!(
            "line {} `{}` cannot be waived: the policy forbids waivers here ({sel:?} in gonogo.toml [policy] no_waivers)",
            item.line,
            item.id
        );
    }
    let expires_at = expiry(&args.until, t.now, "--until")?;
    let by = identity(
        args.by.as_deref(),
        t.loaded.path.parent().unwrap_or(Path::new(".")),
    )?;
    let store = open(&t.url).await?;
    let id = store
        .add_waiver(
            &gonogo_store::NewWaiver {
                checklist: t.key.clone(),
                item_id: item.id.clone(),
                item_text: item.display.clone(),
                reason: reason.to_string(),
                by: by.clone(),
                expires_at,
            },
            t.now,
        )
        .await?;
    store.close().await;
    println!(
        "waiver {id} recorded: line {} `{}` — {}\n  waived by {by} on {}, holds until {}: {reason}",
        item.line,
        item.id,
        item.display,
        date_of(t.now),
        last_day(expires_at)
    );
    Ok(0)
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
    pub store: StoreArgs,
}

pub async fn revoke(args: RevokeArgs) -> anyhow::Result<u8> {
    let t = match target(&args.checklist, &args.store)? {
        Ok(t) => t,
        Err(code) => return Ok(code),
    };
    let by = identity(
        args.by.as_deref(),
        t.loaded.path.parent().unwrap_or(Path::new(".")),
    )?;
    let (kind, what) = match args.kind {
        RevokeKind::Approval => {
            let Some(role) = args.role.as_deref() else {
                bail!("revoke approval needs --role");
            };
            (RecordKind::Approval, role.trim().to_string())
        }
        RevokeKind::Attestation | RevokeKind::Waiver => {
            let Some(q) = args.item.as_deref() else {
                bail!(
                    "revoke {} needs the item",
                    if matches!(args.kind, RevokeKind::Waiver) {
                        "waiver"
                    } else {
                        "attestation"
                    }
                );
            };
            let item = resolve_item(&t.loaded.checklist.items, q, &t.loaded.display_path)?;
            let kind = if matches!(args.kind, RevokeKind::Waiver) {
                RecordKind::Waiver
            } else {
                RecordKind::Attestation
            };
            (kind, item.id.clone())
        }
    };
    let store = open(&t.url).await?;
    let records = store.records(&t.key).await?;
    let ids: Vec<i64> = match kind {
        RecordKind::Attestation => records
            .attestations
            .iter()
            .filter(|a| a.revoked_at.is_none() && a.item_id == what)
            .map(|a| a.id)
            .collect(),
        RecordKind::Waiver => records
            .waivers
            .iter()
            .filter(|w| w.revoked_at.is_none() && w.item_id == what)
            .map(|w| w.id)
            .collect(),
        RecordKind::Approval => records
            .approvals
            .iter()
            .filter(|a| a.revoked_at.is_none() && gonogo_store::apply::same_role(&a.role, &what))
            .map(|a| a.id)
            .collect(),
    };
    if ids.is_empty() {
        store.close().await;
        bail!(
            "no {} for `{what}` to revoke in {}",
            kind.as_str(),
            t.loaded.display_path
        );
    }
    store
        .revoke(kind, &ids, &by, args.reason.as_deref(), t.now)
        .await?;
    store.close().await;
    let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    println!(
        "{} {} revoked for `{what}` by {by} on {}",
        kind.as_str(),
        list.join(", "),
        date_of(t.now)
    );
    Ok(0)
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
    pub store: StoreArgs,
}

/// The store of a read-only verb: it must already exist.
async fn existing_store(
    args: &StoreArgs,
    checklist: Option<&Path>,
) -> anyhow::Result<Box<dyn Store>> {
    let (config_url, anchor) = match checklist {
        Some(c) => {
            let repo = inputs::resolve_repo(None, c)?;
            let registry = gonogo_checks::registry();
            let known = |id: &str| registry.get(id).is_some();
            let url = match inputs::load_config(None, c, &repo, &known) {
                Ok((cfg, _)) => cfg.store_url,
                Err(diags) => {
                    inputs::print_diagnostics(&diags);
                    bail!("the config has errors");
                }
            };
            (url, c.to_path_buf())
        }
        None => (None, PathBuf::from("./CHECKLIST.md")),
    };
    let (url, default) = args.url_for(config_url.as_deref(), &anchor)?;
    if let (StoreUrl::Sqlite(p), true) = (&url, default)
        && !p.exists()
    {
        bail!(
            "no store at {} (nothing recorded yet: run `gonogo check` first, or pass --store)",
            p.display()
        );
    }
    open(&url).await
}

fn counts_of(json: &str) -> std::collections::BTreeMap<String, usize> {
    serde_json::from_str(json).unwrap_or_default()
}

pub async fn history(args: HistoryArgs) -> anyhow::Result<u8> {
    let store = existing_store(&args.store, args.checklist.as_deref()).await?;
    let key = args.checklist.as_deref().map(checklist_key);
    let runs = store.runs(key.as_deref(), args.limit).await?;
    store.close().await;
    print!("{}", render_history(&runs, args.format));
    Ok(0)
}

pub fn render_history(runs: &[gonogo_store::RunSummary], format: HistoryFormat) -> String {
    if format == HistoryFormat::Json {
        let v: Vec<serde_json::Value> = runs
            .iter()
            .map(|r| {
                serde_json::json!({
                    "run": r.id,
                    "at": minute_of(r.at),
                    "checklist": r.checklist,
                    "checklist_hash": r.checklist_hash,
                    "commit": r.commit,
                    "decision": r.decision,
                    "verdict": r.verdict,
                    "score": r.score,
                    "counts": counts_of(&r.counts),
                    "items": r.item_count,
                    "by": r.actor,
                })
            })
            .collect();
        return serde_json::to_string_pretty(&v).unwrap_or_default() + "\n";
    }
    if runs.is_empty() {
        return "no runs recorded\n".into();
    }
    let mut out = String::new();
    let cols = [
        Status::Pass,
        Status::Attested,
        Status::Waived,
        Status::Fail,
        Status::Error,
        Status::Warn,
        Status::Manual,
    ];
    let _ = writeln!(
        out,
        "{:>5}  {:<16}  {:<18}  {:>5}  {:>4} {:>4} {:>4} {:>4} {:>4} {:>4} {:>4}  {:<8}  CHECKLIST",
        "RUN",
        "WHEN (UTC)",
        "VERDICT",
        "SCORE",
        "pass",
        "att",
        "waiv",
        "fail",
        "err",
        "warn",
        "man",
        "COMMIT"
    );
    for r in runs {
        let counts = counts_of(&r.counts);
        let n: Vec<String> = cols
            .iter()
            .map(|s| format!("{:>4}", counts.get(s.as_str()).copied().unwrap_or(0)))
            .collect();
        let score = r
            .score
            .map(|s| format!("{s:.1}"))
            .unwrap_or_else(|| "-".into());
        let commit = r
            .commit
            .as_deref()
            .map(|c| &c[..c.len().min(8)])
            .unwrap_or("-");
        let _ = writeln!(
            out,
            "{:>5}  {:<16}  {:<18}  {:>5}  {}  {:<8}  {}",
            r.id,
            minute_of(r.at),
            r.verdict,
            score,
            n.join(" "),
            commit,
            r.checklist
        );
    }
    out
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
    let store = existing_store(&args.store, None).await?;
    let get = |id: i64| {
        let store = &store;
        async move {
            store
                .run(id)
                .await?
                .with_context(|| format!("no run {id} in the store (see `gonogo history`)"))
        }
    };
    let (a, b) = match (args.run_a, args.run_b) {
        (Some(a), Some(b)) => (get(a).await?, get(b).await?),
        (Some(a), None) => {
            let a = get(a).await?;
            let b = store
                .previous_run(&a.summary.checklist, None)
                .await?
                .filter(|b| b.summary.id != a.summary.id)
                .with_context(|| {
                    format!(
                        "run {} is the newest run of {}: give a second run",
                        a.summary.id, a.summary.checklist
                    )
                })?;
            (a, b)
        }
        (None, _) => {
            let newest = store.runs(None, 1).await?;
            let Some(b) = newest.first() else {
                bail!("no runs recorded yet: nothing to compare");
            };
            let b = get(b.id).await?;
            let a = store
                .previous_run(&b.summary.checklist, Some(b.summary.id))
                .await?
                .with_context(|| {
                    format!(
                        "run {} is the only run of {}: nothing to compare it with",
                        b.summary.id, b.summary.checklist
                    )
                })?;
            (a, b)
        }
    };
    store.close().await;
    print!("{}", render_diff(&a, &b));
    Ok(0)
}

pub fn render_diff(a: &gonogo_store::StoredRun, b: &gonogo_store::StoredRun) -> String {
    use gonogo_store::apply::parse_status;
    let status = |s: &str| parse_status(s).unwrap_or(Status::Error);
    let before: std::collections::HashMap<&str, &gonogo_store::RunItem> =
        a.items.iter().map(|i| (i.item_id.as_str(), i)).collect();
    let after_ids: std::collections::HashSet<&str> =
        b.items.iter().map(|i| i.item_id.as_str()).collect();
    let bad = |s: Status| matches!(s, Status::Fail | Status::Error);
    let mut groups: Vec<(&str, Vec<String>)> = [
        "newly failing",
        "fixed",
        "newly waived",
        "no longer waived",
        "newly attested",
        "other changes",
        "added",
        "removed",
    ]
    .into_iter()
    .map(|g| (g, Vec::new()))
    .collect();
    let mut unchanged = 0;
    let line = |i: &gonogo_store::RunItem, change: &str| {
        format!(
            "  line {:>4}  {}  {change}\n             {}",
            i.line, i.item_id, i.text
        )
    };
    for item in &b.items {
        let now = status(&item.status);
        let Some(prev) = before.get(item.item_id.as_str()) else {
            groups[6].1.push(line(item, now.as_str()));
            continue;
        };
        let was = status(&prev.status);
        if was == now {
            unchanged += 1;
            continue;
        }
        let change = format!("{was} → {now}");
        let g = if bad(now) && !bad(was) {
            0
        } else if now.is_passing() && now != Status::Attested && !was.is_passing() {
            1
        } else if now == Status::Waived {
            2
        } else if was == Status::Waived {
            3
        } else if now == Status::Attested {
            4
        } else {
            5
        };
        groups[g].1.push(line(item, &change));
    }
    for item in &a.items {
        if !after_ids.contains(item.item_id.as_str()) {
            groups[7]
                .1
                .push(line(item, &format!("was {}", item.status)));
        }
    }
    let head = |r: &gonogo_store::StoredRun| {
        format!(
            "run {} ({} UTC, {}, score {})",
            r.summary.id,
            minute_of(r.summary.at),
            r.summary.verdict,
            r.summary
                .score
                .map(|s| format!("{s:.1}"))
                .unwrap_or_else(|| "-".into())
        )
    };
    let mut out = format!("{}\n  → {}\n", head(a), head(b));
    if a.summary.checklist_hash != b.summary.checklist_hash {
        out.push_str("  (the checklist changed between the runs)\n");
    }
    for (name, lines) in &groups {
        if lines.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{name} ({}):", lines.len());
        for l in lines {
            let _ = writeln!(out, "{l}");
        }
    }
    let s = if unchanged == 1 { "" } else { "s" };
    let _ = writeln!(out, "\n{unchanged} item{s} unchanged");
    out
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
    let store = existing_store(&args.store, args.checklist.as_deref()).await?;
    let snapshot = store.audit_snapshot().await?;
    store.close().await;
    match gonogo_store::audit::verify(&snapshot) {
        Ok(intact) => {
            let head = intact.head.as_deref().map(|h| &h[..12]).unwrap_or("none");
            println!(
                "audit trail intact: {} entries, head {head}",
                intact.entries
            );
            Ok(0)
        }
        Err(broken) => {
            println!("audit trail BROKEN: {broken}");
            Ok(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_no_secret() {
        assert_eq!(
            sanitize_link("https://ci.example.com/run/1?token=abcdefghijklmnopqrst&x=1"),
            "https://ci.example.com/run/1?token=abcd…(20 chars)&x=1"
        );
        assert_eq!(sanitize_link("https://u:pw@h/x"), "https://u:…@h/x");
    }

    #[test]
    fn expiries_must_be_in_the_future() {
        let now = parse_instant("2026-11-22T10:00:00Z")
            .unwrap()
            .unix_timestamp();
        assert_eq!(expiry("30d", now, "--expires").unwrap(), now + 30 * 86_400);
        assert_eq!(
            last_day(expiry("2026-12-31", now, "--until").unwrap()),
            "2026-12-31"
        );
        let e = expiry("2026-11-01", now, "--until")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "--until 2026-11-01 is not in the future (now is 2026-11-22 10:00 UTC): nothing was recorded"
        );
        assert!(expiry("soon", now, "--until").is_err());
    }
}
