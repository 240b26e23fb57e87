//! Kubernetes manifests (`k8s.workloads`).

pub mod workloads;
