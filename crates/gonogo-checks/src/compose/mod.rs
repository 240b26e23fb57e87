//! docker compose files (`compose.lint`).

pub mod lint;
