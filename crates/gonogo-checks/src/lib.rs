//! Built-in check kinds. One module per kind; [`registry`] lists them all.

mod ci_workflows;
mod cmd_succeeds;
mod code_sql_concat;
mod compose_lint;
mod deps_declared;
mod deps_pinned;
mod docker;
mod docs;
mod env_strength;
mod files_exists;
#[cfg(feature = "git")]
mod git;
mod grafana_dashboards;
#[cfg(feature = "http")]
pub mod http;
mod infra_component;
mod k8s_workloads;
pub mod live;
mod load_run;
pub mod migrations;
mod openapi_complete;
#[cfg(feature = "pg")]
pub mod pg;
#[cfg(feature = "prom")]
pub mod prom;
mod prometheus_rules;
#[cfg(feature = "redis")]
pub mod redis;
pub mod secrets;
mod support;
mod tests;
#[cfg(feature = "tls")]
pub mod tls;
pub mod util;
mod vulns_report;

use gonogo_core::{CheckKind, Registry};

/// Every built-in kind, in catalogue order. Adding a kind means adding it here; the tests in
/// `tests/registry.rs` hold each one to its documentation.
pub static KINDS: &[&dyn CheckKind] = &[
    &files_exists::FilesExists,
    &env_strength::EnvStrength,
    &deps_pinned::DepsPinned,
    &deps_declared::DepsDeclared,
    &tests::junit::TestsJunit,
    &tests::coverage::TestsCoverage,
    &cmd_succeeds::CmdSucceeds,
    #[cfg(feature = "git")]
    &git::merged::GitMerged,
    #[cfg(feature = "git")]
    &git::tag::GitTag,
    &secrets::scan::SecretsScan,
    #[cfg(feature = "git")]
    &git::merge_order::GitMergeOrder,
    &docker::dockerfile::DockerDockerfile,
    &compose_lint::ComposeLint,
    &k8s_workloads::K8sWorkloads,
    &infra_component::InfraComponent,
    &ci_workflows::CiWorkflows,
    &prometheus_rules::PrometheusRules,
    &grafana_dashboards::GrafanaDashboards,
    &openapi_complete::OpenapiComplete,
    &migrations::alembic::MigrationsAlembic,
    &docs::env_documented::DocsEnvDocumented,
    &docs::fresh::DocsFresh,
    &vulns_report::VulnsReport,
    &code_sql_concat::CodeSqlConcat,
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
    &prom::metrics_exposed::MetricsExposed,
    #[cfg(feature = "prom")]
    &prom::targets_up::PromTargetsUp,
    #[cfg(feature = "prom")]
    &prom::rules_loaded::PromRulesLoaded,
    #[cfg(feature = "prom")]
    &prom::query::PromQuery,
    #[cfg(feature = "prom")]
    &prom::alertmanager::PromAlertmanager,
    &load_run::LoadRun,
];

pub fn registry() -> Registry {
    Registry::new(KINDS.to_vec())
}
