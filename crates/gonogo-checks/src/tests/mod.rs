//! The `tests` family: test reports (`tests.junit`) and coverage reports (`tests.coverage`),
//! and how both find their reports.
//!
//! Reports are build outputs and usually gitignored, so discovery walks the working tree
//! *including* ignored files (never dependency or cache directories).

pub mod coverage;
pub mod junit;

use crate::util::{check_relative, glob_set, inventory_with_ignored, is_glob};
use gonogo_core::{CheckContext, ParamError, Params};
use gonogo_repo::{ReadError, rel_path, resolve_in_repo};
use std::path::PathBuf;

/// Report files found (relative path, full path) and the plain paths missing.
pub type Found = (Vec<(String, PathBuf)>, Vec<String>);

/// Largest report read; larger files are reported, not read.
pub const MAX_REPORT_BYTES: u64 = 64 * 1024 * 1024;

/// Where a kind looks for its reports.
#[derive(Clone)]
pub struct ReportPaths {
    /// As the user wrote them (or the default globs), for messages.
    pub shown: String,
    plain: Vec<String>,
    globs: Option<globset::GlobSet>,
    /// True when the user named the paths: a plain path that does not exist is then an error.
    pub explicit: bool,
}

impl ReportPaths {
    /// From the `path` parameter, or `defaults` (globs, matched case-insensitively).
    pub fn from_params(params: &Params, defaults: &[&str]) -> Result<Self, ParamError> {
        let (list, explicit) = match params.list("path") {
            Some(l) if l.is_empty() => return Err(ParamError::new("path", "is empty")),
            Some(l) => (l, true),
            None => (defaults.iter().map(|s| s.to_string()).collect(), false),
        };
        for p in &list {
            check_relative("path", p)?;
        }
        let globs: Vec<String> = list.iter().filter(|p| is_glob(p)).cloned().collect();
        Ok(ReportPaths {
            shown: list.join(", "),
            plain: list.iter().filter(|p| !is_glob(p)).cloned().collect(),
            globs: if globs.is_empty() {
                None
            } else {
                Some(glob_set("path", &globs, !explicit)?)
            },
            explicit,
        })
    }

    /// The matching files (relative path, full path), sorted, and the plain paths missing.
    /// `Err` names a plain path that resolves outside the repository.
    pub fn find(&self, ctx: &CheckContext) -> Result<Found, String> {
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for p in &self.plain {
            match resolve_in_repo(&ctx.repo, p) {
                Ok(full) if !full.is_dir() => found.push((rel_path(&ctx.repo, &full), full)),
                Ok(_) | Err(ReadError::Missing) => missing.push(p.clone()),
                Err(e) => return Err(format!("{p}: {e}")),
            }
        }
        if let Some(set) = &self.globs {
            for f in &inventory_with_ignored(ctx).files {
                if set.is_match(&f.rel) && !found.iter().any(|(r, _)| *r == f.rel) {
                    found.push((f.rel.clone(), f.path.clone()));
                }
            }
        }
        found.sort();
        Ok((found, missing))
    }
}
