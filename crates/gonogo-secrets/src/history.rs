//! Git history: every blob reachable from the selected branches, scanned once.
//!
//! Commits are visited oldest first; each commit's tree is walked, skipping trees and blobs
//! already seen, so every blob is read once and is attributed to the oldest commit that has
//! it — the commit that introduced it. A secret deleted later is still found, in the commit
//! that added it. With `since`, commits older than the date are not scanned and what they
//! already held is not reported again by the first newer commit.

use super::{CommitRef, NoteKind, ScanNote, ScanOptions, ScanReport, Scanner};
use gix::ObjectId;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Which history to scan.
#[derive(Debug, Clone, Default)]
pub struct HistoryOptions {
    /// Branches (or any revision) to start from; empty: every branch, tag and remote ref,
    /// and HEAD.
    pub branches: Vec<String>,
    /// Only commits at or after this time (seconds since the Unix epoch).
    pub since: Option<i64>,
}

struct Job {
    blob: ObjectId,
    path: String,
    commit: usize,
}

struct CommitInfo {
    id: ObjectId,
    time: i64,
    tree: ObjectId,
    parents: Vec<ObjectId>,
}

/// Scan the history of the repository at (or above) `repo_path`.
pub fn scan_history(
    repo_path: &Path,
    scanner: &Scanner,
    hist: &HistoryOptions,
    opts: &ScanOptions,
) -> Result<ScanReport, String> {
    let mut repo = gonogo_repo::git::open(repo_path).map_err(|e| match e {
        gonogo_repo::git::GitError::NotARepository(m)
        | gonogo_repo::git::GitError::Unreadable(m) => m,
    })?;
    repo.object_cache_size_if_unset(16 * 1024 * 1024);

    let tips = tips(&repo, &hist.branches)?;
    if tips.is_empty() {
        return Ok(ScanReport::default());
    }
    let walk = repo
        .rev_walk(tips)
        .all()
        .map_err(|e| format!("walking history: {e}"))?;
    let mut commits: Vec<CommitInfo> = Vec::new();
    for info in walk {
        let info = info.map_err(|e| format!("walking history: {e}"))?;
        let commit = repo
            .find_commit(info.id)
            .map_err(|e| format!("commit {}: {e}", info.id))?;
        let time = commit.time().map(|t| t.seconds).unwrap_or(0);
        let tree = commit
            .tree_id()
            .map_err(|e| format!("commit {}: {e}", info.id))?
            .detach();
        commits.push(CommitInfo {
            id: info.id,
            time,
            tree,
            parents: info.parent_ids.iter().copied().collect(),
        });
    }
    // The walk lists children before parents; reversing it and sorting stably by time puts
    // every commit after its parents even when clocks tie.
    commits.reverse();
    commits.sort_by_key(|c| c.time);

    let mut seen_trees: HashSet<ObjectId> = HashSet::new();
    let mut seen_blobs: HashSet<ObjectId> = HashSet::new();
    let included: Vec<usize> = (0..commits.len())
        .filter(|&i| hist.since.is_none_or(|s| commits[i].time >= s))
        .collect();
    if let Some(since) = hist.since {
        // What the excluded parents of included commits held is not new.
        let ids: HashSet<ObjectId> = included.iter().map(|&i| commits[i].id).collect();
        let mut boundary: Vec<ObjectId> = Vec::new();
        for &i in &included {
            for p in &commits[i].parents {
                if !ids.contains(p) {
                    boundary.push(*p);
                }
            }
        }
        for p in boundary {
            if let Ok(c) = repo.find_commit(p)
                && c.time().map(|t| t.seconds).unwrap_or(0) < since
                && let Ok(tree) = c.tree_id()
            {
                let mut sink = Vec::new();
                walk_tree(
                    &repo,
                    tree.detach(),
                    "",
                    usize::MAX,
                    &mut seen_trees,
                    &mut seen_blobs,
                    &mut sink,
                )?;
            }
        }
    }

    let mut jobs: Vec<Job> = Vec::new();
    for &i in &included {
        walk_tree(
            &repo,
            commits[i].tree,
            "",
            i,
            &mut seen_trees,
            &mut seen_blobs,
            &mut jobs,
        )?;
    }

    let refs: Vec<CommitRef> = commits
        .iter()
        .map(|c| CommitRef {
            id: c.id.to_string(),
            date: format_date(c.time),
        })
        .collect();

    let sync = repo.into_sync();
    let next = AtomicUsize::new(0);
    let errors: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let n = super::threads(opts.threads).min(jobs.len().max(1));
    let parts: Vec<ScanReport> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|_| {
                s.spawn(|| {
                    let repo = sync.to_thread_local();
                    let mut out = ScanReport::default();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else { break };
                        let blob = match repo.find_blob(job.blob) {
                            Ok(b) => b,
                            Err(e) => {
                                errors
                                    .lock()
                                    .unwrap_or_else(|e| e.into_inner())
                                    .push(format!("{} ({}): {e}", job.path, job.blob));
                                continue;
                            }
                        };
                        let data = &blob.data;
                        let commit = &refs[job.commit];
                        if scanner.path_fully_allowed(&job.path, Some(&commit.id)) {
                            out.stats.allowlisted_paths += 1;
                            continue;
                        }
                        let capped = data.len() as u64 > opts.max_file_size;
                        let bytes = &data[..data.len().min(opts.max_file_size as usize)];
                        let result = scanner.scan_bytes_at(&job.path, bytes, Some(&commit.id));
                        if result.binary {
                            out.stats.binary_skipped += 1;
                            continue;
                        }
                        out.stats.blobs_scanned += 1;
                        out.stats.bytes_scanned += bytes.len() as u64;
                        if capped {
                            out.notes.push(ScanNote {
                                file: format!("{}@{}", job.path, &commit.id[..12]),
                                kind: NoteKind::Capped,
                                message: format!(
                                    "{} bytes, only the first {} scanned",
                                    data.len(),
                                    opts.max_file_size
                                ),
                            });
                        }
                        for raw in &result.findings {
                            out.findings.push(scanner.finding(
                                raw,
                                &job.path,
                                Some(commit.clone()),
                            ));
                        }
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let errors = errors.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(first) = errors.first() {
        return Err(format!(
            "could not read {} blob(s) from the object database, first: {first}",
            errors.len()
        ));
    }
    let mut report = ScanReport::default();
    for mut p in parts {
        report.findings.append(&mut p.findings);
        report.notes.append(&mut p.notes);
        report.stats.blobs_scanned += p.stats.blobs_scanned;
        report.stats.bytes_scanned += p.stats.bytes_scanned;
        report.stats.binary_skipped += p.stats.binary_skipped;
        report.stats.allowlisted_paths += p.stats.allowlisted_paths;
    }
    report.stats.commits = included.len();
    report.sort();
    Ok(report)
}

fn tips(repo: &gix::Repository, branches: &[String]) -> Result<Vec<ObjectId>, String> {
    let mut out = Vec::new();
    if !branches.is_empty() {
        for b in branches {
            out.push(resolve(repo, b)?);
        }
        return Ok(out);
    }
    let refs = repo.references().map_err(|e| e.to_string())?;
    for r in refs.all().map_err(|e| e.to_string())? {
        let Ok(mut r) = r else { continue };
        if let Ok(c) = r.peel_to_commit()
            && !out.contains(&c.id)
        {
            out.push(c.id);
        }
    }
    if let Ok(head) = repo.head_commit()
        && !out.contains(&head.id)
    {
        out.push(head.id);
    }
    Ok(out)
}

/// A branch, tag or other ref name (`main`, `origin/main`, `refs/heads/x`), or a full commit id.
fn resolve(repo: &gix::Repository, name: &str) -> Result<ObjectId, String> {
    if let Ok(mut r) = repo.find_reference(name) {
        return r
            .peel_to_commit()
            .map(|c| c.id)
            .map_err(|e| format!("branch {name:?}: not a commit ({e})"));
    }
    if let Ok(id) = ObjectId::from_hex(name.as_bytes())
        && let Ok(c) = repo.find_commit(id)
    {
        return Ok(c.id);
    }
    Err(format!("branch {name:?}: no such branch, tag or commit"))
}

#[allow(clippy::too_many_arguments)]
fn walk_tree(
    repo: &gix::Repository,
    root: ObjectId,
    prefix: &str,
    commit: usize,
    seen_trees: &mut HashSet<ObjectId>,
    seen_blobs: &mut HashSet<ObjectId>,
    jobs: &mut Vec<Job>,
) -> Result<(), String> {
    let mut stack: Vec<(ObjectId, String)> = vec![(root, prefix.to_string())];
    while let Some((id, prefix)) = stack.pop() {
        if !seen_trees.insert(id) {
            continue;
        }
        let tree = repo.find_tree(id).map_err(|e| format!("tree {id}: {e}"))?;
        let decoded = tree.decode().map_err(|e| format!("tree {id}: {e}"))?;
        for e in decoded.entries {
            let name = String::from_utf8_lossy(e.filename);
            let path = if prefix.is_empty() {
                name.into_owned()
            } else {
                format!("{prefix}/{name}")
            };
            if e.mode.is_tree() {
                stack.push((e.oid.to_owned(), path));
            } else if e.mode.is_blob() {
                let oid = e.oid.to_owned();
                if seen_blobs.insert(oid) && commit != usize::MAX {
                    jobs.push(Job {
                        blob: oid,
                        path,
                        commit,
                    });
                }
            }
        }
    }
    Ok(())
}

fn format_date(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| secs.to_string())
}

/// Parses `--since`: a date (`2024-05-01`), an RFC 3339 time, or an age (`90d`, `12h`)
/// counted back from `now`.
pub fn parse_since(v: &str, now: i64) -> Result<i64, String> {
    let v = v.trim();
    if let Ok(t) = time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339) {
        return Ok(t.unix_timestamp());
    }
    let date_fmt = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = time::Date::parse(v, &date_fmt) {
        return Ok(d.midnight().assume_utc().unix_timestamp());
    }
    match gonogo_parsers::parse_duration(v) {
        Ok(d) => Ok(now - d.as_secs() as i64),
        Err(_) => Err(format!(
            "`{v}` is not a date (2024-05-01), a time (2024-05-01T12:00:00Z) or an age (90d)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_forms() {
        assert_eq!(parse_since("1970-01-02", 0).unwrap(), 86400);
        assert_eq!(parse_since("1970-01-01T00:01:00Z", 0).unwrap(), 60);
        assert_eq!(parse_since("1d", 100_000).unwrap(), 100_000 - 86400);
        assert!(parse_since("yesterday", 0).is_err());
    }
}
