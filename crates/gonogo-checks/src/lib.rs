//! Built-in check kinds. One module per kind; [`registry`] lists them all.

mod cmd_succeeds;
mod deps_pinned;
mod env_strength;
mod files_exists;
mod git;
pub mod live;
pub mod pg;
pub mod prom;
pub mod redis;
pub mod secrets;
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
    &secrets::scan::SecretsScan,
    &pg::migrations_applied::MigrationsApplied,
    &pg::fk_indexed::FkIndexed,
    &pg::fk_validated::FkValidated,
    &pg::rls::Rls,
    &pg::connections::Connections,
    &pg::deadlocks::Deadlocks,
    &pg::slow_queries::SlowQueries,
    &pg::replication::Replication,
    &pg::backups::Backups,
    &redis::config::Config,
    &redis::auth::Auth,
    &redis::memory::Memory,
    &redis::hit_rate::HitRate,
    &redis::ping::Ping,
    &prom::metrics_exposed::MetricsExposed,
    &prom::targets_up::TargetsUp,
    &prom::rules_loaded::RulesLoaded,
    &prom::query::Query,
    &prom::alertmanager::Alertmanager,
];

pub fn registry() -> Registry {
    Registry::new(KINDS.to_vec())
}
