//! Read-only access to the repository with gitoxide. A repository is read only when the root
//! under check is itself a git repository (it holds `.git`): gonogo never walks up into an
//! enclosing repository, whose history says nothing about the project under check.

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
