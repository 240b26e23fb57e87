//! Built-in check kinds. A kind with id `family.name` lives in `family/name.rs` (hyphens become
//! underscores); a family's `mod.rs` holds only what its kinds share (a client, a report finder).
//! [`KINDS`] lists them all.

mod ci;
mod cmd;
mod code;
mod compose;
mod deps;
mod docker;
mod docs;
mod env;
mod files;
#[cfg(feature = "git")]
mod git;
mod grafana;
#[cfg(feature = "http")]
pub mod http;
mod infra;
mod k8s;
pub mod live;
mod load;
#[cfg(feature = "prom")]
pub mod metrics;
pub mod migrations;
mod openapi;
#[cfg(feature = "pg")]
pub mod pg;
#[cfg(feature = "prom")]
pub mod prom;
mod prometheus;
#[cfg(feature = "redis")]
pub mod redis;
pub mod secrets;
mod support;
mod tests;
#[cfg(feature = "tls")]
pub mod tls;
pub mod util;
mod vulns;

use gonogo_core::{CheckKind, Registry};

/// Every built-in kind, in catalogue order. Adding a kind means adding it here; the tests in
/// `tests/registry.rs` hold each one to its documentation.
pub static KINDS: &[&dyn CheckKind] = &[
    &files::exists::FilesExists,
    &env::strength::EnvStrength,
    &deps::pinned::DepsPinned,
    &deps::declared::DepsDeclared,
    &tests::junit::TestsJunit,
    &tests::coverage::TestsCoverage,
    &cmd::succeeds::CmdSucceeds,
    #[cfg(feature = "git")]
    &git::merged::GitMerged,
    #[cfg(feature = "git")]
    &git::tag::GitTag,
    &secrets::scan::SecretsScan,
    #[cfg(feature = "git")]
    &git::merge_order::GitMergeOrder,
    &docker::dockerfile::DockerDockerfile,
    &compose::lint::ComposeLint,
    &k8s::workloads::K8sWorkloads,
    &infra::component::InfraComponent,
    &ci::workflows::CiWorkflows,
    &prometheus::rules::PrometheusRules,
    &grafana::dashboards::GrafanaDashboards,
    &openapi::complete::OpenapiComplete,
    &migrations::alembic::MigrationsAlembic,
    &docs::env_documented::DocsEnvDocumented,
    &docs::fresh::DocsFresh,
    &vulns::report::VulnsReport,
    &code::sql_concat::CodeSqlConcat,
    #[cfg(feature = "http")]
    &http::status::HttpStatus,
    #[cfg(feature = "http")]
    &http::latency::HttpLatency,
    #[cfg(feature = "http")]
    &http::headers::HttpHeaders,
    #[cfg(feature = "http")]
    &http::cors::HttpCors,
    #[cfg(feature = "http")]
    &http::rate_limit::HttpRateLimit,
    #[cfg(feature = "http")]
    &http::cookies::HttpCookies,
    #[cfg(feature = "http")]
    &http::auth::HttpAuth,
    #[cfg(feature = "http")]
    &http::input_validation::HttpInputValidation,
    #[cfg(feature = "tls")]
    &tls::cert::TlsCert,
    #[cfg(feature = "pg")]
    &pg::migrations_applied::PgMigrationsApplied,
    #[cfg(feature = "pg")]
    &pg::fk_indexed::PgFkIndexed,
    #[cfg(feature = "pg")]
    &pg::fk_validated::PgFkValidated,
    #[cfg(feature = "pg")]
    &pg::rls::PgRls,
    #[cfg(feature = "pg")]
    &pg::schema_applied::PgSchemaApplied,
    #[cfg(feature = "pg")]
    &pg::connections::PgConnections,
    #[cfg(feature = "pg")]
    &pg::deadlocks::PgDeadlocks,
    #[cfg(feature = "pg")]
    &pg::slow_queries::PgSlowQueries,
    #[cfg(feature = "pg")]
    &pg::replication::PgReplication,
    #[cfg(feature = "pg")]
    &pg::backups::PgBackups,
    #[cfg(feature = "redis")]
    &redis::config::RedisConfig,
    #[cfg(feature = "redis")]
    &redis::auth::RedisAuth,
    #[cfg(feature = "redis")]
    &redis::memory::RedisMemory,
    #[cfg(feature = "redis")]
    &redis::hit_rate::RedisHitRate,
    #[cfg(feature = "redis")]
    &redis::ping::RedisPing,
    #[cfg(feature = "prom")]
    &metrics::exposed::MetricsExposed,
    #[cfg(feature = "prom")]
    &prom::targets_up::PromTargetsUp,
    #[cfg(feature = "prom")]
    &prom::rules_loaded::PromRulesLoaded,
    #[cfg(feature = "prom")]
    &prom::query::PromQuery,
    #[cfg(feature = "prom")]
    &prom::alertmanager::PromAlertmanager,
    &load::run::LoadRun,
];

pub fn registry() -> Registry {
    Registry::new(KINDS.to_vec())
}
