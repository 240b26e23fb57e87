//! Real services for tests, found or loudly skipped.
//!
//! Tests that need PostgreSQL, Redis or Prometheus call [`require`]: it returns the service's
//! address when it answers on loopback. When it does not, the test prints that it was skipped
//! and why and returns early, except under CI (`CI=true`), where a missing service fails the
//! test: CI must never pass a suite that did not run.

use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

/// A service a test may need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// PostgreSQL on 127.0.0.1:5432, trust auth, database `test`.
    Postgres,
    /// Redis on 127.0.0.1:6379.
    Redis,
    /// The `prometheus` binary (Debian's package), started by the test itself.
    Prometheus,
}

impl Service {
    fn name(self) -> &'static str {
        match self {
            Service::Postgres => "PostgreSQL",
            Service::Redis => "Redis",
            Service::Prometheus => "Prometheus",
        }
    }
}

/// Where to reach a service that answered.
#[derive(Debug, Clone)]
pub enum Found {
    /// A connection URL (`postgres://postgres@127.0.0.1:5432/test`, `redis://127.0.0.1:6379`).
    Url(String),
    /// A binary to start (`/usr/bin/prometheus`).
    Binary(PathBuf),
}

impl Found {
    pub fn url(&self) -> &str {
        match self {
            Found::Url(u) => u,
            Found::Binary(b) => b.to_str().unwrap_or_default(),
        }
    }
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

fn answers(addr: &str) -> bool {
    addr.parse::<SocketAddr>()
        .ok()
        .is_some_and(|a| TcpStream::connect_timeout(&a, Duration::from_millis(500)).is_ok())
}

fn find_binary(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/sbin")])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Locate `service` without skipping: `Err` says why it is not there.
pub fn locate(service: Service) -> Result<Found, String> {
    match service {
        Service::Postgres => {
            let url = std::env::var("GONOGO_TEST_PG_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
            if answers("127.0.0.1:5432") || std::env::var("GONOGO_TEST_PG_URL").is_ok() {
                Ok(Found::Url(url))
            } else {
                Err("nothing answers on 127.0.0.1:5432".into())
            }
        }
        Service::Redis => {
            if answers("127.0.0.1:6379") {
                Ok(Found::Url("redis://127.0.0.1:6379".into()))
            } else {
                Err("nothing answers on 127.0.0.1:6379".into())
            }
        }
        Service::Prometheus => find_binary("prometheus")
            .map(Found::Binary)
            .ok_or_else(|| "no `prometheus` binary (apt-get install prometheus)".into()),
    }
}

/// The service, or `None` after printing why the calling test is skipped. Panics under CI.
///
/// ```no_run
/// use gonogo_testkit::{Service, require};
/// let Some(pg) = require(Service::Postgres, "pg_fk_indexed_finds_missing_index") else { return };
/// println!("connect to {}", pg.url());
/// ```
pub fn require(service: Service, test: &str) -> Option<Found> {
    match locate(service) {
        Ok(found) => Some(found),
        Err(why) if in_ci() => panic!(
            "{test}: {} is required under CI and is missing: {why}",
            service.name()
        ),
        Err(why) => {
            eprintln!("SKIPPED {test}: {} unavailable ({why})", service.name());
            None
        }
    }
}
