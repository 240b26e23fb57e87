//! Helpers shared by check kinds.

use gonogo_core::{CheckContext, Finding, Location, Outcome};
use gonogo_repo::{IgnoredIncludedCell, Inventory, InventoryCell};
use std::path::Path;
use std::sync::Arc;

/// The run's inventory of `ctx.repo` (one walk per run, shared through the run's cache),
/// walked on the blocking pool by the first caller.
pub async fn inventory(ctx: &CheckContext) -> Arc<Inventory> {
    let cell = ctx.cache.get_or_init(InventoryCell::default);
    cell.get(ctx.repo.clone()).await
}

/// [`inventory`] for code already on a blocking thread (inside [`blocking`] or
/// `spawn_blocking`); never call it on the async runtime's thread.
pub fn inventory_blocking(ctx: &CheckContext) -> Arc<Inventory> {
    ctx.cache
        .get_or_init(InventoryCell::default)
        .get_blocking(&ctx.repo)
}

/// The run's inventory of the walk that includes ignored files
/// ([`Inventory::build_including_ignored`]), from a blocking thread.
pub fn inventory_with_ignored(ctx: &CheckContext) -> Arc<Inventory> {
    ctx.cache
        .get_or_init(IgnoredIncludedCell::default)
        .get_blocking(&ctx.repo)
}

/// True when `p` uses glob syntax (`*`, `?`, `[…]`, `{…}`).
pub fn is_glob(p: &str) -> bool {
    p.contains(['*', '?', '[', '{'])
}

/// A repository-relative path parameter must stay inside the repository: relative, no `..`.
pub fn check_relative(key: &str, p: &str) -> Result<(), gonogo_core::ParamError> {
    let path = Path::new(p);
    if p.is_empty() {
        return Err(gonogo_core::ParamError::new(key, "is empty"));
    }
    if path.is_absolute() || p.starts_with('/') || p.starts_with('\\') {
        return Err(gonogo_core::ParamError::new(
            key,
            format!("must be relative to the repository root, got `{p}`"),
        ));
    }
    if path
        .components()
        .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return Err(gonogo_core::ParamError::new(
            key,
            format!("must stay inside the repository (no `..`), got `{p}`"),
        ));
    }
    Ok(())
}

/// Compile glob patterns (`docs/*.md`, `**/junit*.xml`) matched against repository-relative
/// paths with forward slashes. `*` does not cross `/`; `**` does.
pub fn glob_set(
    key: &str,
    patterns: &[String],
    ignore_case: bool,
) -> Result<globset::GlobSet, gonogo_core::ParamError> {
    let mut b = globset::GlobSetBuilder::new();
    for p in patterns {
        let glob = globset::GlobBuilder::new(p.trim_start_matches("./"))
            .literal_separator(true)
            .case_insensitive(ignore_case)
            .backslash_escape(true)
            .build()
            .map_err(|e| gonogo_core::ParamError::new(key, format!("bad glob `{p}`: {e}")))?;
        b.add(glob);
    }
    b.build()
        .map_err(|e| gonogo_core::ParamError::new(key, e.to_string()))
}

/// A finding for a file that could not be read or parsed, at `line` when known.
pub fn unreadable(code: &'static str, rel: &str, line: Option<usize>, why: &str) -> Finding {
    let loc = match line {
        Some(l) => Location::at(rel, l),
        None => Location::file(rel),
    };
    Finding::fail(code, why.to_string())
        .at(loc)
        .fix("fix the syntax so the file parses (and so the tools that read it can)")
}

/// The outcome when the artefact a kind judges is absent: `skipped` with the reason, or `fail`
/// with `code` when the item's parameters say the artefact is required.
pub fn absent(required: bool, code: &'static str, reason: &str, fix: &str) -> Outcome {
    if required {
        Outcome::from_findings(
            reason.to_string(),
            vec![Finding::fail(code, reason.to_string()).fix(fix.to_string())],
        )
    } else {
        Outcome::skipped(reason.to_string())
    }
}

/// The outcome when an explicit `param=` (a file or folder the item names, relative to the
/// repository) cannot be what the item checks: `fail` with `code` when it does not exist,
/// since the author named what to check and nothing there is neither a pass nor "not
/// applicable"; `error` when it leaves the repository through a symlink or is neither a
/// regular file nor a folder (a FIFO, a device, a socket), which gonogo never reads. `None`
/// when it is a file or folder inside the repository, or names the repository itself.
pub fn unusable_path(
    ctx: &CheckContext,
    param: &str,
    rel: &str,
    code: &'static str,
) -> Option<Outcome> {
    let rel = rel.trim_start_matches("./").trim_matches('/');
    if rel.is_empty() || rel == "." {
        return None;
    }
    if ctx.repo.join(rel).exists() {
        let usable = gonogo_repo::resolve_in_repo(&ctx.repo, rel).and_then(|full| {
            let meta =
                std::fs::metadata(&full).map_err(|e| gonogo_repo::ReadError::Io(e.to_string()))?;
            match gonogo_repo::irregular(meta.file_type()) {
                None | Some("a directory") => Ok(()),
                Some(kind) => Err(gonogo_repo::ReadError::NotRegular(kind)),
            }
        });
        return usable
            .err()
            .map(|why| Outcome::error(format!("{param}={rel}: {why}")));
    }
    let message = format!("{param}={rel}: {rel} does not exist in the repository");
    Some(Outcome::from_findings(
        message.clone(),
        vec![
            Finding::fail(code, message)
                .at(Location::file(rel))
                .fix(format!(
                    "point {param}= at what the item is about, or add {rel}"
                )),
        ],
    ))
}

/// Runs CPU-heavy work off the async runtime; a panic in it becomes an `error` outcome. The
/// work keeps the check's deadline: past it, its file reads fail at once.
pub async fn blocking(f: impl FnOnce() -> Outcome + Send + 'static) -> Outcome {
    let deadline = gonogo_repo::read::deadline();
    match tokio::task::spawn_blocking(move || gonogo_repo::read::with_deadline(deadline, f)).await {
        Ok(o) => o,
        Err(e) => Outcome::error(format!("the check stopped unexpectedly: {e}")),
    }
}

/// The rule groups an item asks for (`rules=pdb,network-policy`), checked against `known`;
/// `None` means all of them.
pub fn rule_groups(
    params: &gonogo_core::Params,
    known: &[&str],
) -> Result<Option<Vec<String>>, gonogo_core::ParamError> {
    let Some(list) = params.list("rules") else {
        return Ok(None);
    };
    for r in &list {
        if !known.contains(&r.as_str()) {
            return Err(gonogo_core::ParamError::new(
                "rules",
                format!("unknown rule group {r:?}; known: {}", known.join(", ")),
            ));
        }
    }
    Ok(Some(list))
}

/// True when `rules` (from [`rule_groups`]) selects `group`.
pub fn wants(rules: &Option<Vec<String>>, group: &str) -> bool {
    rules.as_ref().is_none_or(|r| r.iter().any(|g| g == group))
}

/// Like [`wants`], but a group in `opt_in` (one a target may rightly do without) is selected
/// only when `rules` names it.
pub fn asked(rules: &Option<Vec<String>>, group: &str, opt_in: &[&str]) -> bool {
    if opt_in.contains(&group) {
        rules.as_ref().is_some_and(|r| r.iter().any(|g| g == group))
    } else {
        wants(rules, group)
    }
}

/// True for a value that is a reference rather than a literal (`$X`, `${X}`, empty).
pub fn is_reference(value: &str) -> bool {
    let v = value.trim();
    v.is_empty() || (v.starts_with('$') && !v.contains(' '))
}

/// Test fixtures shared by the kinds' tests: a repository in a temp dir, a kind run on it.
#[cfg(test)]
pub(crate) mod testing {
    use gonogo_core::{CheckContext, CheckKind, Outcome, Params};
    use std::path::Path;

    /// A fresh directory holding `files` (path, content).
    pub fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        for (path, content) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, content).expect("write fixture");
        }
        dir
    }

    /// A repository holding `pipe` (a FIFO nobody writes to) and `zero` (a symlink to
    /// /dev/zero), besides `files`: inputs that would block or never end.
    pub fn hostile_repo(files: &[(&str, &str)], pipe: &str, zero: &str) -> tempfile::TempDir {
        let dir = repo(files);
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            dir.path().join(pipe),
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .expect("mkfifo");
        std::os::unix::fs::symlink("/dev/zero", dir.path().join(zero)).expect("symlink");
        dir
    }

    /// Asserts that `text` holds `part`, and shows the whole text when it does not.
    #[track_caller]
    pub fn assert_has(text: &str, part: &str) {
        assert!(text.contains(part), "expected {part:?} in:\n{text}");
    }

    pub fn params(pairs: &[(&str, &str)]) -> Params {
        let mut p = Params::new();
        for (k, v) in pairs {
            p.insert(k, *v);
        }
        p
    }

    /// Prepare `kind` with `pairs` and run it on `root`.
    pub async fn run(kind: &dyn CheckKind, pairs: &[(&str, &str)], root: &Path) -> Outcome {
        let prepared = kind
            .prepare(&params(pairs))
            .unwrap_or_else(|e| panic!("{}: {e}", kind.id()));
        prepared.run(&CheckContext::new(root.to_path_buf())).await
    }

    /// The finding codes of an outcome, in order.
    pub fn codes(o: &Outcome) -> Vec<&'static str> {
        o.evidence.findings.iter().map(|f| f.code).collect()
    }

    /// The locations (`path:line`) of an outcome's findings, in order.
    pub fn locations(o: &Outcome) -> Vec<String> {
        o.evidence
            .findings
            .iter()
            .map(|f| {
                f.location
                    .as_ref()
                    .map(|l| l.to_string())
                    .unwrap_or_default()
            })
            .collect()
    }

    /// The parameters auto-binding gives `text` (no headings) when it binds it to `kind`
    /// among every registered kind; `None` when it binds it to another kind or to none.
    pub fn recognise(kind: &dyn CheckKind, text: &str) -> Option<Params> {
        recognise_in::<&str>(kind, text, &[])
    }

    /// As [`recognise`], under the headings `context` (outermost first).
    pub fn recognise_in<S: AsRef<str>>(
        kind: &dyn CheckKind,
        text: &str,
        context: &[S],
    ) -> Option<Params> {
        let context: Vec<String> = context.iter().map(|c| c.as_ref().to_string()).collect();
        let item = gonogo_core::check::ItemRef {
            context: &context,
            ..gonogo_core::check::ItemRef::plain(text)
        };
        gonogo_core::recognise::recognise(&crate::registry(), item)
            .filter(|c| c.kind.id() == kind.id())
            .map(|c| c.params)
    }

    // Synchronous helpers: run a kind on a fixture repository, findings as (code, file:line).

    /// Prepares `kind` with `kv` and runs it on `dir`.
    pub fn check_in(kind: &dyn CheckKind, dir: &std::path::Path, kv: &[(&str, &str)]) -> Outcome {
        let check = kind.prepare(&params(kv)).unwrap();
        let ctx = CheckContext::new(dir.to_path_buf());
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(check.run(&ctx))
    }

    /// Builds a repository from `files` and runs `kind` on it.
    pub fn check(kind: &dyn CheckKind, files: &[(&str, &str)], kv: &[(&str, &str)]) -> Outcome {
        let dir = repo(files);
        check_in(kind, dir.path(), kv)
    }

    /// (code, file:line) of every finding, in order.
    pub fn found(o: &Outcome) -> Vec<(String, String)> {
        o.evidence
            .findings
            .iter()
            .map(|f| {
                (
                    f.code.to_string(),
                    f.location
                        .as_ref()
                        .map(|l| l.to_string())
                        .unwrap_or_default(),
                )
            })
            .collect()
    }

    /// Shorthand for expected `codes`.
    pub fn at(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(c, l)| (c.to_string(), l.to_string()))
            .collect()
    }

    /// Git repositories with dated commits, for the kinds that read history.
    pub mod dated_git {
        use std::path::Path;
        use std::process::Command;

        /// Runs git in `dir` with a fixed identity and the commit date `days` after 2026-01-01.
        pub fn git(dir: &Path, days: i64, args: &[&str]) {
            let date = format!("{} +0000", 1_767_225_600 + days * 86_400);
            let out = Command::new("git")
                .args(args)
                .current_dir(dir)
                .env("GIT_AUTHOR_DATE", &date)
                .env("GIT_COMMITTER_DATE", &date)
                .env("GIT_AUTHOR_NAME", "t")
                .env("GIT_AUTHOR_EMAIL", "t@example.com")
                .env("GIT_COMMITTER_NAME", "t")
                .env("GIT_COMMITTER_EMAIL", "t@example.com")
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .output()
                .expect("git runs");
            assert!(
                out.status.success(),
                "git {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }

        /// Commits `files` on day `days`.
        pub fn commit(dir: &Path, days: i64, files: &[(&str, &str)], msg: &str) {
            for (p, c) in files {
                let path = dir.join(p);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, c).unwrap();
            }
            git(dir, days, &["add", "-A"]);
            git(dir, days, &["commit", "-q", "--allow-empty", "-m", msg]);
        }

        pub fn init(dir: &Path) {
            git(dir, 0, &["init", "-q", "-b", "main"]);
        }
    }
}
