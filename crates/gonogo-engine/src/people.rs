//! What people record about a checklist: attestations of manual items, approvals filling
//! sign-off slots, waivers, and their revocation. Each request is checked against the checklist
//! and the policy before anything is written.

use crate::error::{Error, Result};
use crate::load::{self, ChecklistFile, ConfigChoice, Source};
use crate::record::{StoreOptions, key_of, open};
use gonogo_checklist::{Item, ItemKind};
use gonogo_core::config::{Config, Diagnostic};
use gonogo_core::redact::redact_text;
use gonogo_core::{Registry, bind};
use gonogo_store::clock::{minute_of, parse_date, parse_instant};
use gonogo_store::{Access, ChecklistKey, RecordKind, Store, StoreUrl};
use std::fmt::Write as _;
use std::path::Path;

/// A checklist opened for signing: the file, its config, its key (the project and the
/// checklist path its records are filed under), its store and the time.
pub struct Target {
    pub file: ChecklistFile,
    pub config: Config,
    pub key: ChecklistKey,
    pub url: StoreUrl,
    /// Unix seconds.
    pub now: i64,
}

impl Target {
    /// The checklist's warnings (the caller shows them; errors stop [`Target::open`]).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.file.warnings
    }

    /// Open `checklist` for signing: read it (a file with errors is [`Error::Diagnostics`]),
    /// its config from the usual places, and the store's location. The project is `repo`'s,
    /// else that of the git work tree holding the checklist, as for `check`.
    pub fn open(
        checklist: &Path,
        repo: Option<&Path>,
        registry: &Registry,
        store: &StoreOptions,
    ) -> Result<Target> {
        let file = load::read_checklist(&Source::Path(checklist.to_path_buf()))?;
        crate::error::fail_on_errors(&file.warnings)?;
        let repo = load::resolve_repo(repo, checklist)?;
        let (config, _) = load::load_config(&ConfigChoice::Discover, &file.path, &repo, registry)?;
        let (url, _) = store.url_for(config.store_url.as_deref(), &file.path)?;
        Ok(Target {
            key: key_of(&repo, &file.path),
            now: store.clock()?.unix(),
            file,
            config,
            url,
        })
    }

    /// Open the store, let `write` use it, and close it whatever `write` returned.
    async fn write<T>(&self, write: impl AsyncFnOnce(&dyn Store) -> Result<T>) -> Result<T> {
        let store = open(&self.url, Access::Write).await?;
        let result = write(store.as_ref()).await;
        store.close().await;
        result
    }

    /// `--expires`, when given: the first instant the record no longer holds.
    fn expires_at(&self, expires: Option<&str>) -> Result<Option<i64>> {
        expires
            .map(|e| expiry(e, self.now, "--expires"))
            .transpose()
    }

    fn dir(&self) -> &Path {
        self.file.path.parent().unwrap_or(Path::new("."))
    }

    /// An item named by its id or by an unambiguous piece of its text.
    pub fn item(&self, query: &str) -> Result<&Item> {
        resolve_item(&self.file.checklist.items, query, &self.file.display_path)
    }
}

/// An item named by its id or by an unambiguous piece of its text.
pub fn resolve_item<'a>(items: &'a [Item], query: &str, file: &str) -> Result<&'a Item> {
    let q = query.trim();
    if q.is_empty() {
        return Err(Error::input(
            "the item is empty: give an item id or a piece of its text",
        ));
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
        [] => Err(Error::input(format!(
            "no item of {file} matches `{q}`: give an item id or a piece of its text (`gonogo validate {file} --format json` lists ids)"
        ))),
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
            Err(Error::Input(msg))
        }
    }
}

/// `30d` or `2026-12-31` (holds through that day) or an RFC 3339 time: the first instant it
/// no longer holds, which must be after `now`. `flag` names the option in messages.
pub fn expiry(spec: &str, now: i64, flag: &str) -> Result<i64> {
    let at = if spec.trim().starts_with(|c: char| c.is_ascii_digit())
        && spec.trim().ends_with(|c: char| c.is_ascii_alphabetic())
    {
        let d = gonogo_core::params::parse_duration(spec)
            .map_err(|e| Error::input(format!("{flag} {spec}: {e}")))?;
        now + d.as_secs() as i64
    } else if let Ok(day) = parse_date(spec) {
        day.next_day()
            .unwrap_or(day)
            .midnight()
            .assume_utc()
            .unix_timestamp()
    } else {
        parse_instant(spec)
            .map_err(|e| Error::input(format!("{flag} {spec}: {e}; or a duration like 30d")))?
            .unix_timestamp()
    };
    if at <= now {
        return Err(Error::input(format!(
            "{flag} {spec} is not in the future (now is {} UTC): nothing was recorded",
            minute_of(now)
        )));
    }
    Ok(at)
}

/// A link the signer gives, with any password or token hidden.
pub fn sanitize_link(url: &str) -> String {
    redact_text(url.trim()).into_owned()
}

/// What a person wrote (a note, a reason) as it is kept: through the one redactor.
fn kept(text: &str) -> String {
    redact_text(text).into_owned()
}

/// Who signs: `by` when given (it must not be blank), else git's `user.name <user.email>`.
pub fn identity(by: Option<&str>, dir: &Path) -> Result<String> {
    if let Some(by) = by {
        let by = by.trim();
        if by.is_empty() {
            return Err(Error::input(
                "--by is empty: say who signs (\"Jane Roe <jane@example.com>\")",
            ));
        }
        return Ok(by.to_string());
    }
    crate::git::identity(dir).ok_or_else(|| {
        Error::input(
            "no --by given and git has no user.name configured: say who signs with --by \"Jane Roe <jane@example.com>\"",
        )
    })
}

/// Items bound to a check are judged by it: only manual items (and sign-off slots) are
/// attested.
fn ensure_manual(t: &Target, registry: &Registry, item: &Item) -> Result<()> {
    let env: std::collections::BTreeMap<String, String> = std::env::vars().collect();
    let plan = bind::bind(
        &t.file.checklist,
        &t.file.display_path,
        &t.config,
        registry,
        &env,
    );
    let idx = t.file.checklist.items.iter().position(|i| i.id == item.id);
    match idx.and_then(|i| plan.items.get(i)) {
        Some(bind::ItemBinding::Check(bc)) => Err(Error::input(format!(
            "line {} `{}` is verified by the check {}: only manual items are attested (to let a failing check through, use `gonogo waive`)",
            item.line,
            item.id,
            bc.kind.id()
        ))),
        Some(bind::ItemBinding::Derived) => Err(Error::input(format!(
            "line {} `{}` follows from its sub-items: attest those instead",
            item.line, item.id
        ))),
        _ => Ok(()),
    }
}

/// An attestation request.
#[derive(Debug, Clone, Default)]
pub struct SignoffRequest {
    pub item: String,
    pub by: Option<String>,
    pub role: Option<String>,
    pub evidence: Option<String>,
    pub note: Option<String>,
    /// A duration (30d) or the last day (2026-12-31).
    pub expires: Option<String>,
}

/// An attestation written, and the line of its item.
#[derive(Debug, Clone)]
pub struct Attested {
    pub record: gonogo_store::Attestation,
    pub line: usize,
}

/// Attest a manual item.
pub async fn signoff(t: &Target, registry: &Registry, req: SignoffRequest) -> Result<Attested> {
    let item = t.item(&req.item)?;
    ensure_manual(t, registry, item)?;
    let by = identity(req.by.as_deref(), t.dir())?;
    let expires_at = t.expires_at(req.expires.as_deref())?;
    let rec = gonogo_store::NewAttestation {
        project: t.key.project.clone().unwrap_or_default(),
        checklist: t.key.checklist.clone(),
        item_id: item.id.clone(),
        item_text: item.text.clone(),
        by,
        role: req
            .role
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty()),
        evidence: req.evidence.as_deref().map(sanitize_link),
        note: req.note.as_deref().map(kept),
        expires_at,
    };
    let id = t
        .write(async |store| Ok(store.add_attestation(&rec, t.now).await?))
        .await?;
    Ok(Attested {
        record: rec.stored(id, t.now),
        line: item.line,
    })
}

/// An approval request: a sign-off slot's role.
#[derive(Debug, Clone, Default)]
pub struct ApproveRequest {
    pub role: String,
    pub by: Option<String>,
    pub note: Option<String>,
    pub expires: Option<String>,
}

/// An approval written (its role as the checklist writes it), and the line of its slot when
/// the checklist has one (a role the policy requires may have none).
#[derive(Debug, Clone)]
pub struct Approved {
    pub record: gonogo_store::Approval,
    pub line: Option<usize>,
}

/// Fill a sign-off slot (or a role the policy requires) with an approval.
pub async fn approve(t: &Target, req: ApproveRequest) -> Result<Approved> {
    use crate::decide::same_role;
    let slots: Vec<&Item> = t.file.checklist.items_of(ItemKind::Signoff).collect();
    let role = req.role.trim();
    let slot = slots.iter().find(|i| {
        i.signoff_label
            .as_deref()
            .is_some_and(|l| same_role(l, role))
    });
    let required = t
        .config
        .policy
        .required_roles
        .iter()
        .any(|r| same_role(r, role));
    if slot.is_none() && !required {
        let names: Vec<&str> = slots
            .iter()
            .filter_map(|i| i.signoff_label.as_deref())
            .collect();
        if names.is_empty() {
            return Err(Error::input(format!(
                "{} has no sign-off slot for `{role}` (it has no sign-off lines like `- [ ] Engineering Lead: ____ Date: ____`) and the policy does not require it",
                t.file.display_path
            )));
        }
        return Err(Error::input(format!(
            "{} has no sign-off slot for `{role}`; its slots are: {}",
            t.file.display_path,
            names.join(", ")
        )));
    }
    let role = slot
        .and_then(|i| i.signoff_label.clone())
        .unwrap_or_else(|| role.to_string());
    let by = identity(req.by.as_deref(), t.dir())?;
    let expires_at = t.expires_at(req.expires.as_deref())?;
    let rec = gonogo_store::NewApproval {
        project: t.key.project.clone().unwrap_or_default(),
        checklist: t.key.checklist.clone(),
        role,
        by,
        note: req.note.as_deref().map(kept),
        expires_at,
    };
    let id = t
        .write(async |store| Ok(store.add_approval(&rec, t.now).await?))
        .await?;
    Ok(Approved {
        record: rec.stored(id, t.now),
        line: slot.map(|i| i.line),
    })
}

/// A waiver request.
#[derive(Debug, Clone, Default)]
pub struct WaiveRequest {
    pub item: String,
    pub reason: String,
    /// The last day (2026-12-31), an RFC 3339 time, or a duration (14d).
    pub until: String,
    pub by: Option<String>,
}

/// A waiver written, and the line of its item.
#[derive(Debug, Clone)]
pub struct Waived {
    pub record: gonogo_store::Waiver,
    pub line: usize,
}

/// Waive an item until a date, where the policy allows it.
pub async fn waive(t: &Target, req: WaiveRequest) -> Result<Waived> {
    let item = t.item(&req.item)?;
    let reason = req.reason.trim();
    if reason.is_empty() {
        return Err(Error::input("--reason is empty: a waiver needs a reason"));
    }
    if let Some(sel) = t
        .config
        .policy
        .no_waivers
        .iter()
        .find(|s| s.matches(&item.id, &item.section_path, None))
    {
        return Err(Error::input(format!(
            "line {} `{}` cannot be waived: the policy forbids waivers here ({sel:?} in gonogo.toml [policy] no_waivers)",
            item.line, item.id
        )));
    }
    let expires_at = expiry(&req.until, t.now, "--until")?;
    let by = identity(req.by.as_deref(), t.dir())?;
    let rec = gonogo_store::NewWaiver {
        project: t.key.project.clone().unwrap_or_default(),
        checklist: t.key.checklist.clone(),
        item_id: item.id.clone(),
        item_text: item.text.clone(),
        reason: kept(reason),
        by,
        expires_at,
    };
    let id = t
        .write(async |store| Ok(store.add_waiver(&rec, t.now).await?))
        .await?;
    Ok(Waived {
        record: rec.stored(id, t.now),
        line: item.line,
    })
}

/// What a revocation withdraws: an item's attestation or waiver, or a role's approval.
#[derive(Debug, Clone)]
pub enum RevokeRequest {
    Attestation { item: String },
    Waiver { item: String },
    Approval { role: String },
}

/// Records withdrawn.
#[derive(Debug, Clone)]
pub struct Revoked {
    pub kind: RecordKind,
    pub ids: Vec<i64>,
    /// The item id or the role.
    pub what: String,
    pub by: String,
    pub at: i64,
}

/// Withdraw every live record of one kind for an item or a role.
pub async fn revoke(
    t: &Target,
    req: RevokeRequest,
    by: Option<&str>,
    reason: Option<&str>,
) -> Result<Revoked> {
    let by = identity(by, t.dir())?;
    let (kind, what) = match req {
        RevokeRequest::Approval { role } => (RecordKind::Approval, role.trim().to_string()),
        RevokeRequest::Attestation { item } => (RecordKind::Attestation, t.item(&item)?.id.clone()),
        RevokeRequest::Waiver { item } => (RecordKind::Waiver, t.item(&item)?.id.clone()),
    };
    let ids = t
        .write(async |store| {
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
                    .filter(|a| a.revoked_at.is_none() && crate::decide::same_role(&a.role, &what))
                    .map(|a| a.id)
                    .collect(),
            };
            if ids.is_empty() {
                return Err(Error::input(format!(
                    "no {} for `{what}` to revoke in {}",
                    kind.as_str(),
                    t.file.display_path
                )));
            }
            let reason = reason.map(kept);
            store
                .revoke(kind, &ids, &by, reason.as_deref(), t.now)
                .await?;
            Ok(ids)
        })
        .await?;
    Ok(Revoked {
        kind,
        ids,
        what,
        by,
        at: t.now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use gonogo_store::clock::last_day;

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
