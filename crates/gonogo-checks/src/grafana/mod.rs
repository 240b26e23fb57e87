//! Grafana provisioning (`grafana.dashboards`).

pub mod dashboards;
