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
mod git;
mod grafana_dashboards;
pub mod http;
mod infra_component;
mod k8s_workloads;
pub mod live;
mod load_run;
pub mod migrations;
mod openapi_complete;
pub mod pg;
pub mod prom;
mod prometheus_rules;
pub mod redis;
pub mod secrets;
mod support;
mod tests;
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
    &git::merged::GitMerged,
    &git::tag::GitTag,
    &secrets::scan::SecretsScan,
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
    &http::status::HttpStatus,
    &http::latency::HttpLatency,
    &http::headers::HttpHeaders,
    &http::cors::HttpCors,
    &http::rate_limit::HttpRateLimit,
    &http::cookies::HttpCookies,
    &http::auth::HttpAuth,
    &http::input_validation::HttpInputValidation,
    &tls::cert::TlsCert,
    &pg::migrations_applied::PgMigrationsApplied,
    &pg::fk_indexed::PgFkIndexed,
    &pg::fk_validated::PgFkValidated,
    &pg::rls::PgRls,
    &pg::schema_applied::PgSchemaApplied,
    &pg::connections::PgConnections,
    &pg::deadlocks::PgDeadlocks,
    &pg::slow_queries::PgSlowQueries,
    &pg::replication::PgReplication,
    &pg::backups::PgBackups,
    &redis::config::RedisConfig,
    &redis::auth::RedisAuth,
    &redis::memory::RedisMemory,
    &redis::hit_rate::RedisHitRate,
    &redis::ping::RedisPing,
    &prom::metrics_exposed::MetricsExposed,
    &prom::targets_up::PromTargetsUp,
    &prom::rules_loaded::PromRulesLoaded,
    &prom::query::PromQuery,
    &prom::alertmanager::PromAlertmanager,
    &load_run::LoadRun,
];

pub fn registry() -> Registry {
    Registry::new(KINDS.to_vec())
}
