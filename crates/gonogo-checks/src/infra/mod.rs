//! Infrastructure components found in compose, Kubernetes, Helm or config (`infra.component`).

pub mod component;
