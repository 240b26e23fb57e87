//! First-parent history and tree look-ups, for the kinds that judge history (`docs.fresh`,
//! `git.merge-order`). Open the repository with [`super::open`], which never reads an
//! enclosing repository.

use crate::git::GitError;

/// One commit of the first-parent history.
#[derive(Debug, Clone)]
pub struct CommitInfo {
    pub id: gix::ObjectId,
    /// Committer time, seconds since the epoch.
    pub time: i64,
    pub message: String,
    pub tree: gix::ObjectId,
}

/// The first-parent history from `HEAD`, newest first, at most `max` commits. An unborn
/// `HEAD` (no commit yet) gives an empty history.
pub fn first_parent_history(
    repo: &gix::Repository,
    max: usize,
) -> Result<Vec<CommitInfo>, GitError> {
    let broken = |e: &dyn std::fmt::Display| GitError::Unreadable(format!("reading history: {e}"));
    let mut out = Vec::new();
    let mut next = match repo.head_id() {
        Ok(id) => Some(id.detach()),
        Err(_) => return Ok(out),
    };
    while let Some(id) = next.take() {
        if out.len() >= max {
            break;
        }
        let commit = repo.find_commit(id).map_err(|e| broken(&e))?;
        let time = commit.time().map_err(|e| broken(&e))?.seconds;
        let message = commit
            .message_raw()
            .map(|m| m.to_string())
            .map_err(|e| broken(&e))?;
        let tree = commit.tree_id().map_err(|e| broken(&e))?.detach();
        next = commit.parent_ids().next().map(|p| p.detach());
        out.push(CommitInfo {
            id,
            time,
            message,
            tree,
        });
    }
    Ok(out)
}

/// The object id at `path` (a file or a folder) in tree `tree`, `None` when absent.
pub fn entry_at(
    repo: &gix::Repository,
    tree: gix::ObjectId,
    path: &str,
) -> Result<Option<gix::ObjectId>, GitError> {
    let tree = repo
        .find_tree(tree)
        .map_err(|e| GitError::Unreadable(format!("reading tree: {e}")))?;
    if path.is_empty() {
        return Ok(Some(tree.id));
    }
    let entry = tree
        .lookup_entry_by_path(path)
        .map_err(|e| GitError::Unreadable(format!("reading tree: {e}")))?;
    Ok(entry.map(|e| e.object_id()))
}

/// The top-level entries of tree `tree`: name and object id.
pub fn top_level(
    repo: &gix::Repository,
    tree: gix::ObjectId,
) -> Result<Vec<(String, gix::ObjectId)>, GitError> {
    let tree = repo
        .find_tree(tree)
        .map_err(|e| GitError::Unreadable(format!("reading tree: {e}")))?;
    let decoded = tree
        .decode()
        .map_err(|e| GitError::Unreadable(format!("reading tree: {e}")))?;
    Ok(decoded
        .entries
        .iter()
        .map(|e| (e.filename.to_string(), e.oid.to_owned()))
        .collect())
}
