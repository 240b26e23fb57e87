//! The repository under check: its files, walked once per run and classified
//! ([`inventory`]), the one bounded reader of every file gonogo reads ([`read`]), and
//! read-only git access ([`git`], [`history`]). No knowledge of check kinds: kinds read what
//! this crate found.

pub mod classify;
pub mod git;
pub mod history;
pub mod inventory;
pub mod read;

pub use inventory::{IgnoredIncludedCell, Inventory, InventoryCell};
pub use read::{
    Head, MAX_TEXT_BYTES, ReadError, irregular, read_bytes, read_head, read_repo_text, read_text,
    resolve_in_repo,
};

use std::path::{Path, PathBuf};

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

impl RepoFile {
    /// The file name (the last component of `rel`).
    pub fn name(&self) -> &str {
        self.rel.rsplit('/').next().unwrap_or(&self.rel)
    }
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

pub fn walk(root: &Path, honour_ignores: bool) -> RepoFiles {
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
