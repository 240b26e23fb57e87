//! Built-in check kinds. One module per kind; [`registry`] lists them all.

mod cmd_succeeds;
mod deps_pinned;
mod env_strength;
mod files_exists;
mod git;
mod tests;
pub mod util;

use gonogo_core::{CheckKind, Registry};

/// Every built-in kind, in catalogue order. Adding a kind means adding it here; the tests in
/// `tests/registry.rs` hold each one to its documentation.
pub static KINDS: &[&dyn CheckKind] = &[
    &files_exists::FilesExists,
    &env_strength::EnvStrength,
    &deps_pinned::DepsPinned,
    &tests::junit::TestsJunit,
    &tests::coverage::TestsCoverage,
    &cmd_succeeds::CmdSucceeds,
    &git::merged::GitMerged,
    &git::tag::GitTag,
];

pub fn registry() -> Registry {
    Registry::new(KINDS.to_vec())
}
