//! Helpers shared by check kinds.

use gonogo_core::CheckContext;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    ctx.cache.get_or_init(|| walk(&root))
}

fn walk(root: &Path) -> RepoFiles {
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
        .git_ignore(true)
        .git_exclude(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build_parallel()
        .visit(&mut Builder { root, out: &out });
    let mut files = out.into_inner().unwrap_or_else(|e| e.into_inner());
    files.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    files
}
