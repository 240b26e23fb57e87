//! Helpers shared by check kinds.

use gonogo_core::{CheckContext, Finding, Location, Outcome};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Test code and test data, by path: `tests/`, `test/`, `__tests__/`, `testdata/`,
/// `fixtures/`, `*.test.*`, `*.spec.*`, `*_test.go`, `test_*`. What lives there describes no
/// production system, so kinds that judge production code or configuration skip it.
pub fn is_test_path(rel: &str) -> bool {
    let l = rel.to_ascii_lowercase();
    let mut dirs = l.split('/').rev().skip(1);
    let name = l.rsplit('/').next().unwrap_or(&l);
    dirs.any(|d| matches!(d, "tests" | "test" | "__tests__" | "testdata" | "fixtures"))
        || name.contains(".test.")
        || name.contains(".spec.")
        || name.ends_with("_test.go")
        || name.starts_with("test_")
}

/// Path of `p` relative to `root`, with forward slashes, for locations in evidence.
pub fn rel_path(root: &Path, p: &Path) -> String {
    let rel = p.strip_prefix(root).unwrap_or(p);
    rel.to_string_lossy().replace('\\', "/")
}

/// One file of the repository's working tree.
#[derive(Debug, Clone)]
pub struct RepoFile {
    pub path: PathBuf,
    /// Relative to the repository root, forward slashes.
    pub rel: String,
    pub size: u64,
}

/// The repository's files, walked once per run in parallel and shared by every static check:
/// honours `.gitignore`, `.ignore` and `.git/info/exclude`; includes hidden files (`.env`,
/// `.github/`) but never `.git/` itself; does not follow symlinks.
#[derive(Debug, Default)]
pub struct RepoFiles {
    pub files: Vec<RepoFile>,
    /// Directories that could not be read, with the reason (reported by checks that care).
    pub errors: Vec<String>,
}

impl RepoFiles {
    /// Files whose relative path's last component matches `pred`.
    pub fn named<'a>(
        &'a self,
        pred: impl Fn(&str) -> bool + 'a,
    ) -> impl Iterator<Item = &'a RepoFile> + 'a {
        self.files
            .iter()
            .filter(move |f| pred(f.rel.rsplit('/').next().unwrap_or(&f.rel)))
    }
}

/// The shared walk of `ctx.repo`; computed on first use.
pub fn repo_files(ctx: &CheckContext) -> Arc<RepoFiles> {
    let root = ctx.repo.clone();
    ctx.cache.get_or_init(|| walk(&root, true))
}

pub(crate) fn walk(root: &Path, honour_ignores: bool) -> RepoFiles {
    use std::sync::Mutex;

    // Each walker thread fills its own buffer and hands it over when dropped, so the shared
    // lock is taken once per thread, not once per file.
    struct Visitor<'a> {
        root: &'a Path,
        out: &'a Mutex<RepoFiles>,
        local: RepoFiles,
    }
    impl ignore::ParallelVisitor for Visitor<'_> {
        fn visit(&mut self, entry: Result<ignore::DirEntry, ignore::Error>) -> ignore::WalkState {
            match entry {
                Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                    let size = e.metadata().map(|m| m.len()).unwrap_or(0);
                    let path = e.into_path();
                    self.local.files.push(RepoFile {
                        rel: rel_path(self.root, &path),
                        path,
                        size,
                    });
                }
                Ok(_) => {}
                Err(err) => self.local.errors.push(err.to_string()),
            }
            ignore::WalkState::Continue
        }
    }
    impl Drop for Visitor<'_> {
        fn drop(&mut self) {
            let mut o = self.out.lock().unwrap_or_else(|e| e.into_inner());
            o.files.append(&mut self.local.files);
            o.errors.append(&mut self.local.errors);
        }
    }
    struct Builder<'a> {
        root: &'a Path,
        out: &'a Mutex<RepoFiles>,
    }
    impl<'s> ignore::ParallelVisitorBuilder<'s> for Builder<'s> {
        fn build(&mut self) -> Box<dyn ignore::ParallelVisitor + 's> {
            Box::new(Visitor {
                root: self.root,
                out: self.out,
                local: RepoFiles::default(),
            })
        }
    }

    let out = Mutex::new(RepoFiles::default());
    ignore::WalkBuilder::new(root)
        .hidden(false)
        .ignore(honour_ignores)
        .git_ignore(honour_ignores)
        .git_global(honour_ignores)
        .git_exclude(honour_ignores)
        .parents(honour_ignores)
        .require_git(false)
        .follow_links(false)
        .filter_entry(move |e| {
            e.file_name() != ".git"
                && (honour_ignores
                    || !e.file_type().is_some_and(|t| t.is_dir())
                    || !is_dependency_or_cache_dir(e.path()))
        })
        .build_parallel()
        .visit(&mut Builder { root, out: &out });
    let mut files = out.into_inner().unwrap_or_else(|e| e.into_inner());
    files.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    files
}

/// Every file of the working tree *including* ignored ones, walked once per run: test reports,
/// coverage reports and local `.env` files are usually gitignored, yet they are exactly what
/// some checks must read. Dependency and cache directories are left out (`node_modules`,
/// virtualenvs, `__pycache__`, and any directory holding a `CACHEDIR.TAG`, such as Cargo's
/// `target/`), and so is `.git/`.
#[derive(Debug, Default)]
pub struct AllFiles(pub RepoFiles);

/// The shared walk of `ctx.repo` that ignores `.gitignore`; computed on first use.
pub fn all_files(ctx: &CheckContext) -> Arc<AllFiles> {
    let root = ctx.repo.clone();
    ctx.cache.get_or_init(|| AllFiles(walk(&root, false)))
}

/// Directory names never worth reading for evidence: installed dependencies and caches.
const SKIPPED_DIRS: &[&str] = &[
    "node_modules",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".next",
    ".nuxt",
    ".cache",
    ".gradle",
    ".terraform",
    "site-packages",
];

fn is_dependency_or_cache_dir(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| SKIPPED_DIRS.contains(&n))
        || path.join("CACHEDIR.TAG").is_file()
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

/// Why a file could not be read as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    Io(String),
    TooLarge(u64),
    Binary,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "cannot read: {e}"),
            ReadError::TooLarge(n) => write!(f, "too large to read ({n} bytes)"),
            ReadError::Binary => f.write_str("not a text file"),
        }
    }
}

/// Read a file as UTF-8 text (invalid sequences replaced), refusing files larger than
/// `max_bytes` and binary files (a NUL byte in the first 8 KiB).
pub fn read_text(path: &Path, max_bytes: u64) -> Result<String, ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| ReadError::Io(e.to_string()))?;
    if meta.len() > max_bytes {
        return Err(ReadError::TooLarge(meta.len()));
    }
    let bytes = std::fs::read(path).map_err(|e| ReadError::Io(e.to_string()))?;
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Err(ReadError::Binary);
    }
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Item text prepared for matching: lowercase, Markdown emphasis and code marks removed,
/// whitespace collapsed.
pub fn normalise(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| match c {
            '`' | '*' => ' ',
            c => c,
        })
        .collect();
    cleaned
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("( ", "(")
        .replace(" )", ")")
        .to_lowercase()
}

/// Files larger than this are not read by static checks (reported, never loaded whole).
pub const MAX_TEXT_BYTES: u64 = 8 * 1024 * 1024;

/// Reads a repository file as text ([`read_text`] with [`MAX_TEXT_BYTES`]), the reason naming the file.
pub fn read_repo_text(file: &RepoFile) -> Result<String, String> {
    read_text(&file.path, MAX_TEXT_BYTES).map_err(|e| format!("{}: {e}", file.rel))
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

/// Runs CPU-heavy work off the async runtime; a panic in it becomes an `error` outcome.
pub async fn blocking(f: impl FnOnce() -> Outcome + Send + 'static) -> Outcome {
    match tokio::task::spawn_blocking(f).await {
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

/// True for variable names that hold secrets (`DB_PASSWORD`, `JWT_SECRET`, `API_KEY`, …).
pub fn secret_like_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    const WORDS: &[&str] = &[
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "ACCESS_KEY",
        "CREDENTIAL",
    ];
    WORDS.iter().any(|w| n.contains(w))
        && !n.ends_with("_FILE")
        && !n.ends_with("_PATH")
        && !n.ends_with("_LENGTH")
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

    /// What auto-binding gives for `text` (no context).
    pub fn recognise(kind: &dyn CheckKind, text: &str) -> Option<Params> {
        kind.recognise(gonogo_core::check::ItemRef { text, context: &[] })
            .map(|r| r.params)
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
}

#[cfg(test)]
mod tests {
    use super::is_test_path;

    #[test]
    fn test_paths_are_told_from_production_paths() {
        for t in [
            "tests/a.rs",
            "src/test/x.py",
            "web/__tests__/a.js",
            "pkg/testdata/compose.yaml",
            "spec/fixtures/loki.yaml",
            "a.test.ts",
            "b.spec.js",
            "x_test.go",
            "app/test_models.py",
        ] {
            assert!(is_test_path(t), "{t}");
        }
        for p in [
            "src/app.py",
            "deploy/loki-config.yaml",
            "tests.md",
            "src/testing.rs",
            "contest/app.py",
        ] {
            assert!(!is_test_path(p), "{p}");
        }
    }
}
