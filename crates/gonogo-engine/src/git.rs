//! The git facts a run record and a signature need, read in-process with gitoxide: no `git`
//! process is started.

use std::path::Path;

/// HEAD's commit of the repository rooted at `root` (it must hold `.git` itself: an
/// enclosing repository says nothing about the project under check). None outside a git
/// repository, on an unborn branch, or when the repository cannot be read.
pub fn head_commit(root: &Path) -> Option<String> {
    if !root.join(".git").exists() {
        return None;
    }
    let repo = gix::open_opts(root, gix::open::Options::isolated()).ok()?;
    let id = repo.head_id().ok()?;
    Some(id.detach().to_string())
}

/// git's `user.name <user.email>` as `git config` would find it from `dir`: the repository's
/// own config (the nearest work tree at or above `dir`) over the global files
/// (`GIT_CONFIG_GLOBAL`, else `$XDG_CONFIG_HOME/git/config` and `~/.gitconfig`) over the
/// system file (unless `GIT_CONFIG_NOSYSTEM`).
pub fn identity(dir: &Path) -> Option<String> {
    let config = user_config(dir);
    let get = |key: &str| {
        config
            .as_ref()?
            .string(key)
            .map(|v| v.to_string().trim().to_string())
            .filter(|v| !v.is_empty())
    };
    match (get("user.name"), get("user.email")) {
        (Some(n), Some(e)) => Some(format!("{n} <{e}>")),
        (Some(n), None) => Some(n),
        (None, Some(e)) => Some(format!("<{e}>")),
        (None, None) => None,
    }
}

fn user_config(dir: &Path) -> Option<gix::config::File> {
    use gix::config::Source;
    let mut env = |name: &str| std::env::var_os(name);
    // The installation's own file is left out: finding it means asking the `git` binary.
    let mut metas: Vec<gix::config::file::Metadata> = [Source::System, Source::Git, Source::User]
        .into_iter()
        .filter_map(|source| {
            let path = source.storage_location(&mut env)?;
            path.is_file().then_some(gix::config::file::Metadata {
                path: Some(path),
                source,
                level: 0,
                trust: gix::sec::Trust::Full,
            })
        })
        .collect();
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    if let Some(root) = crate::load::enclosing_work_tree(&dir)
        && let Ok(repo) = gix::open_opts(&root, gix::open::Options::isolated())
    {
        let local = repo.common_dir().join("config");
        if local.is_file() {
            metas.push(gix::config::file::Metadata {
                path: Some(local),
                source: Source::Local,
                level: 0,
                trust: gix::sec::Trust::Full,
            });
        }
    }
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let options = gix::config::file::init::Options {
        includes: gix::config::file::includes::Options::follow_without_conditional(home.as_deref()),
        ..Default::default()
    };
    gix::config::File::from_paths_metadata(metas, options)
        .ok()
        .flatten()
}
