//! Built-in check kinds. One module per kind; [`registry`] lists them all.

mod files_exists;
mod load_run;
pub mod util;

use gonogo_core::{CheckKind, Registry};

/// Every built-in kind, in catalogue order. Adding a kind means adding it here; the tests in
/// `tests/registry.rs` hold each one to its documentation.
pub static KINDS: &[&dyn CheckKind] = &[&files_exists::FilesExists, &load_run::LoadRun];

pub fn registry() -> Registry {
    Registry::new(KINDS.to_vec())
}
