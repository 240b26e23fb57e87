//! Built-in check kinds. One module per kind; [`registry`] lists them all.

mod ci_workflows;
mod cmd_succeeds;
mod code_sql_concat;
mod compose_lint;
mod deps_pinned;
mod docker;
mod docs;
mod env_strength;
mod files_exists;
mod git;
mod grafana_dashboards;
mod k8s_workloads;
pub mod migrations;
mod openapi_complete;
mod prometheus_rules;
pub mod secrets;
mod tests;
pub mod util;
mod vulns_report;

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
    &git::merge_order::GitMergeOrder,
    &docker::dockerfile::DockerDockerfile,
    &compose_lint::ComposeLint,
    &k8s_workloads::K8sWorkloads,
    &ci_workflows::CiWorkflows,
    &prometheus_rules::PrometheusRules,
    &grafana_dashboards::GrafanaDashboards,
    &openapi_complete::OpenapiComplete,
    &migrations::alembic::MigrationsAlembic,
    &docs::env_documented::DocsEnvDocumented,
    &docs::fresh::DocsFresh,
    &vulns_report::VulnsReport,
    &code_sql_concat::CodeSqlConcat,
    &secrets::scan::SecretsScan,
];

pub fn registry() -> Registry {
    Registry::new(KINDS.to_vec())
}
