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

/// The project a repository is, for keeping its records apart from other projects' in a
/// shared store: its `origin` remote's URL normalised ([`normalise_remote`]), else the
/// canonical path of the directory. `repo` below the root of a work tree with an origin is
/// that project with its path appended after `//` (`github.com/org/mono//services/api`): two
/// services checked against one checklist stay apart.
pub fn project_identity(repo: &Path) -> String {
    let dir = repo.canonicalize().unwrap_or_else(|_| repo.to_path_buf());
    let shown = |p: &Path| p.to_string_lossy().replace('\\', "/");
    let Some(root) = crate::load::enclosing_work_tree(&dir) else {
        return shown(&dir);
    };
    let Some(origin) = origin_url(&root) else {
        return shown(&dir);
    };
    match dir.strip_prefix(&root) {
        Ok(below) if !below.as_os_str().is_empty() => format!("{origin}//{}", shown(below)),
        _ => origin,
    }
}

/// The `origin` remote of the repository at `root`, normalised; a relative local path is
/// taken from `root`.
fn origin_url(root: &Path) -> Option<String> {
    let repo = gix::open_opts(root, gix::open::Options::isolated()).ok()?;
    let url = repo.config_snapshot().string("remote.origin.url")?;
    let url = url.to_string();
    let url = url.trim();
    let normalised = normalise_remote(url)?;
    // A local remote without a host: make it absolute so every clone names it the same way.
    let has_host = gix::url::parse(gix::bstr::BStr::new(url)).is_ok_and(|u| u.host().is_some());
    if has_host || normalised.starts_with('/') {
        return Some(normalised);
    }
    let path = root.join(&normalised);
    let path = path.canonicalize().unwrap_or(path);
    Some(path.to_string_lossy().replace('\\', "/"))
}

/// A remote URL as a project identity: scheme, user, password and port dropped, the host in
/// lower case, no trailing `/` or `.git`. `git@github.com:Org/x.git`,
/// `https://token@GitHub.com/Org/x` and `ssh://git@github.com:22/Org/x.git/` are all
/// `github.com/Org/x`. A local path keeps its path. None when it does not parse.
pub fn normalise_remote(url: &str) -> Option<String> {
    let parsed = gix::url::parse(gix::bstr::BStr::new(url)).ok()?;
    let path = parsed.path.to_string();
    let path = path.trim_end_matches('/');
    let path = path
        .strip_suffix(".git")
        .unwrap_or(path)
        .trim_end_matches('/');
    match parsed.host() {
        Some(host) => Some(format!(
            "{}/{}",
            host.to_lowercase(),
            path.trim_start_matches('/')
        )),
        None if path.is_empty() => None,
        None => Some(path.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes_that_name_the_same_repository_are_one_project() {
        for url in [
            "git@github.com:Org/x.git",
            "https://github.com/Org/x",
            "https://github.com/Org/x.git/",
            "https://user:ghp_secret@GitHub.COM/Org/x.git",
            "https://GITHUB.com:443/Org/x",
            "ssh://git@github.com:22/Org/x.git",
            "git://github.com/Org/x.git",
        ] {
            assert_eq!(
                normalise_remote(url).as_deref(),
                Some("github.com/Org/x"),
                "{url}"
            );
        }
        // The path keeps its case: not every host ignores it.
        assert_eq!(
            normalise_remote("https://gitlab.example.com/Group/Sub/Repo.git").as_deref(),
            Some("gitlab.example.com/Group/Sub/Repo")
        );
        assert_eq!(
            normalise_remote("/srv/git/x.git").as_deref(),
            Some("/srv/git/x")
        );
        assert_eq!(
            normalise_remote("file:///srv/git/x.git").as_deref(),
            Some("/srv/git/x")
        );
    }
}
