//! The `git` family (`git.merged`, `git.tag`, `git.merge-order`) and the repository access other kinds share
//! (`env.strength` asks which files git tracks).
//!
//! A repository is read only when the root under check is itself a git repository (it holds
//! `.git`): gonogo never walks up into an enclosing repository, whose history says nothing
//! about the project under check.

pub mod history;
pub mod merge_order;
pub mod merged;
pub mod tag;

use std::collections::HashSet;
use std::path::Path;

/// Why a repository could not be used.
#[derive(Debug)]
pub enum GitError {
    /// The root holds no `.git`: not applicable, with this reason.
    NotARepository(String),
    /// A `.git` is there but cannot be read: gonogo cannot tell.
    Unreadable(String),
}

/// Open the repository rooted at `root` (never a parent of it).
pub fn open(root: &Path) -> Result<gix::Repository, GitError> {
    if !root.join(".git").exists() {
        return Err(GitError::NotARepository(format!(
            "{} is not the root of a git repository (no .git there)",
            root.display()
        )));
    }
    let options = gix::open::Options::isolated();
    gix::open_opts(root, options)
        .map_err(|e| GitError::Unreadable(format!("cannot open the git repository: {e}")))
}

/// The repository-relative paths (forward slashes) of every file in the index.
pub fn tracked_paths(repo: &gix::Repository) -> Result<HashSet<String>, String> {
    let index = repo
        .index_or_empty()
        .map_err(|e| format!("cannot read the git index: {e}"))?;
    Ok(index
        .entries()
        .iter()
        .map(|e| e.path(&index).to_string())
        .collect())
}

/// Short form of a commit id for evidence.
pub fn short(id: &gix::ObjectId) -> String {
    id.to_hex_with_len(10).to_string()
}

#[cfg(test)]
pub(crate) mod tests {
    use std::path::Path;

    /// A throwaway git repository built with the `git` command line (the checks read it with
    /// gitoxide), isolated from the user's and the system's git configuration.
    pub struct GitFixture {
        dir: tempfile::TempDir,
    }

    impl GitFixture {
        pub fn new() -> Self {
            let g = GitFixture {
                dir: tempfile::tempdir().expect("tempdir"),
            };
            g.git(&["init", "-q", "-b", "main"]);
            g
        }

        pub fn path(&self) -> &Path {
            self.dir.path()
        }

        pub fn git(&self, args: &[&str]) -> String {
            let out = std::process::Command::new("git")
                .args(args)
                .current_dir(self.dir.path())
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_AUTHOR_NAME", "Test")
                .env("GIT_AUTHOR_EMAIL", "test@example.com")
                .env("GIT_COMMITTER_NAME", "Test")
                .env("GIT_COMMITTER_EMAIL", "test@example.com")
                .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
                .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
                .output()
                .expect("git runs");
            assert!(
                out.status.success(),
                "git {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        }

        /// An empty commit with `message` on the current branch.
        pub fn commit(&self, message: &str) {
            self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        }

        pub fn head(&self) -> String {
            self.git(&["rev-parse", "HEAD"])
        }
    }
}
