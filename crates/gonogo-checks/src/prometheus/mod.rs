//! Prometheus alert rule files in the repository (`prometheus.rules`).

pub mod rules;
