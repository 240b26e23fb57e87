//! Redis checks and the connection they share.
//!
//! Every Redis kind connects the same way: the URL comes from the kind's `url=` parameter or
//! the `redis_url` target; connecting is bounded by [`CONNECT_TIMEOUT`] and every reply by
//! [`RESPONSE_TIMEOUT`]; the socket is read through `gonogo_wire`'s RESP framing, so a reply
//! over 16 MiB (or 65,536 elements) ends the connection before it is read. Checks send only
//! read-only introspection commands with small, fixed replies (`PING`, `INFO <section>`,
//! `CONFIG GET <name>`, `DBSIZE`); they never write. URLs appear in evidence only through
//! [`crate::live::shown`], client errors through [`crate::live::scrub`].

// An `Err` here is the finished `Outcome` the check returns (once per run): boxing it buys
// nothing and costs every caller a `*`.
#![allow(clippy::result_large_err)]

pub mod auth;
pub mod config;
pub mod hit_rate;
pub mod memory;
pub mod ping;

use crate::live;
use ::redis::ConnectionAddr;
use ::redis::aio::MultiplexedConnection;
use gonogo_core::{CheckContext, Location, Outcome};
use gonogo_secrets::redact::UrlUserinfo;
use gonogo_wire::resp::RespFrames;
use gonogo_wire::{Capped, Limits, Upstream};
use std::collections::BTreeMap;
use std::time::Duration;

/// How long establishing a connection (and the client's handshake) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long one reply may take.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(3);

/// The `url` parameter every Redis kind accepts.
pub const URL_PARAM: gonogo_core::ParamDoc = gonogo_core::ParamDoc::optional(
    "url",
    "Redis URL (`redis://[:password@]host:port[/db]`); default: the `redis_url` target.",
);

/// Names of Redis and its managed and compatible servers, as the recognition engine reads
/// items.
pub(crate) const REDIS_NAMES: &[&str] = &["redis", "valkey", "elasticache", "keydb", "memorystore"];

/// One connection to the Redis under check.
pub struct Redis {
    con: MultiplexedConnection,
    _driver: Driver,
    url: String,
    /// The URL as it may be shown (password hidden).
    pub shown: String,
}

/// What went wrong talking to Redis, kept apart so kinds can tell a refusal from an outage.
#[derive(Debug)]
pub enum Failure {
    /// No connection within the bound, or the connection failed.
    Unreachable(String),
    /// The server answered with an error (`NOAUTH`, `ERR unknown command`).
    Refused(String),
}

impl Failure {
    pub fn message(&self) -> &str {
        match self {
            Failure::Unreachable(m) | Failure::Refused(m) => m,
        }
    }
    /// The server asked for authentication.
    pub fn is_auth(&self) -> bool {
        let m = self.message().to_ascii_lowercase();
        matches!(self, Failure::Refused(_))
            && (m.contains("noauth") || m.contains("wrongpass") || m.contains("authentication"))
    }
    pub fn into_outcome(self) -> Outcome {
        Outcome::error(self.message().to_string())
    }
}

/// The shared target every `redis.*` kind reads (its `DOC.targets`).
pub(crate) const TARGETS: &[&str] = &["redis_url"];

/// The URL this check talks to, or the `error` outcome when none is configured.
pub fn url(own: Option<&str>, ctx: &CheckContext) -> Result<String, Outcome> {
    live::resolve(own, ctx, TARGETS[0])
}

/// Connect to `own` or the `redis_url` target; `Err` is the outcome to return.
pub async fn connect(ctx: &CheckContext, own: Option<&str>) -> Result<Redis, Outcome> {
    let url = url(own, ctx)?;
    connect_to(&url).await.map_err(Failure::into_outcome)
}

/// Connect to `url` (see [`connect`]).
pub async fn connect_to(url: &str) -> Result<Redis, Failure> {
    let shown = live::shown(url);
    let client = ::redis::Client::open(url).map_err(|e| {
        Failure::Unreachable(format!(
            "{shown} is not a usable Redis URL: {}",
            live::scrub(&e.to_string(), url)
        ))
    })?;
    let info = client.get_connection_info();
    let upstream = match info.addr() {
        ConnectionAddr::Tcp(host, port) => Upstream::Tcp(host.clone(), *port),
        ConnectionAddr::Unix(path) => Upstream::Unix(path.clone()),
        _ => {
            return Err(Failure::Unreachable(format!(
                "{shown}: TLS connections to Redis are not supported"
            )));
        }
    };
    let config = ::redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(Some(RESPONSE_TIMEOUT));
    // The client reads whatever length a server announces: its stream is capped below it, so a
    // reply over the cap ends the connection before its bytes are read.
    let attempt = async {
        let stream = upstream.connect().await?;
        let capped = Capped::new(stream, RespFrames::default(), Limits::LIVE);
        let (con, driver) =
            MultiplexedConnection::new_with_config(info.redis_settings(), capped, config).await?;
        Ok::<_, ::redis::RedisError>((con, tokio::spawn(driver)))
    };
    match tokio::time::timeout(CONNECT_TIMEOUT + RESPONSE_TIMEOUT, attempt).await {
        Ok(Ok((con, driver))) => Ok(Redis {
            con,
            _driver: Driver(driver),
            url: url.to_string(),
            shown,
        }),
        Ok(Err(e)) => {
            let text = live::scrub(&e.to_string(), url);
            let msg = format!("cannot connect to {shown}: {text}");
            if e.kind() == ::redis::ErrorKind::AuthenticationFailed
                || text.contains("NOAUTH")
                || text.contains("WRONGPASS")
            {
                Err(Failure::Refused(msg))
            } else {
                Err(Failure::Unreachable(msg))
            }
        }
        Err(_) => Err(Failure::Unreachable(format!(
            "no answer from {shown} within {} s (connect timeout)",
            (CONNECT_TIMEOUT + RESPONSE_TIMEOUT).as_secs()
        ))),
    }
}

/// The task that drives a connection's socket; it stops with the connection.
struct Driver(tokio::task::JoinHandle<()>);

impl Drop for Driver {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Redis {
    /// Send one read-only command and read its reply, bounded in time.
    pub async fn query<T: ::redis::FromRedisValue>(
        &mut self,
        cmd: &::redis::Cmd,
        what: &str,
    ) -> Result<T, Failure> {
        match tokio::time::timeout(RESPONSE_TIMEOUT, cmd.query_async::<T>(&mut self.con)).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => {
                let text = live::scrub(&e.to_string(), &self.url);
                let msg = format!("{what} on {}: {text}", self.shown);
                if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() {
                    Err(Failure::Unreachable(msg))
                } else {
                    Err(Failure::Refused(msg))
                }
            }
            Err(_) => Err(Failure::Unreachable(format!(
                "{what} on {}: no reply within {} s",
                self.shown,
                RESPONSE_TIMEOUT.as_secs()
            ))),
        }
    }

    /// `INFO <section>` as key → value.
    pub async fn info(&mut self, section: &str) -> Result<BTreeMap<String, String>, Outcome> {
        let text: String = self
            .query(
                ::redis::cmd("INFO").arg(section),
                &format!("INFO {section}"),
            )
            .await
            .map_err(Failure::into_outcome)?;
        Ok(parse_info(&text))
    }

    /// `CONFIG GET` for each name; names the server does not know are absent.
    pub async fn config_get(
        &mut self,
        names: &[&str],
    ) -> Result<BTreeMap<String, String>, Failure> {
        let mut out = BTreeMap::new();
        for name in names {
            let pairs: Vec<String> = self
                .query(
                    ::redis::cmd("CONFIG").arg("GET").arg(*name),
                    &format!("CONFIG GET {name}"),
                )
                .await?;
            for kv in pairs.chunks(2) {
                if let [k, v] = kv {
                    out.insert(k.to_ascii_lowercase(), v.clone());
                }
            }
        }
        Ok(out)
    }

    /// Where the evidence was read: the redacted URL.
    pub fn location(&self) -> Location {
        Location::file(self.shown.clone())
    }
}

/// Parse `INFO` output: `key:value` lines; `# Section` headers and blank lines skipped.
pub fn parse_info(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A number from an INFO map, or the `error` outcome naming the missing field.
pub(crate) fn info_u64(info: &BTreeMap<String, String>, key: &str) -> Result<u64, Outcome> {
    info.get(key)
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| Outcome::error(format!("INFO has no numeric `{key}` field")))
}

/// One section of `INFO` read from the Redis under check, and where it was read.
pub(crate) struct InfoReading {
    pub info: BTreeMap<String, String>,
    pub location: Location,
}

impl InfoReading {
    /// Connect to `own` or the `redis_url` target and read `INFO <section>`; `Err` is the
    /// outcome to return.
    pub async fn read(
        ctx: &CheckContext,
        own: Option<&str>,
        section: &str,
    ) -> Result<InfoReading, Outcome> {
        let mut redis = connect(ctx, own).await?;
        let info = redis.info(section).await?;
        Ok(InfoReading {
            info,
            location: redis.location(),
        })
    }

    /// Two numeric fields; `Err` is the `error` outcome naming the first one missing.
    pub fn pair(&self, first: &str, second: &str) -> Result<(u64, u64), Outcome> {
        let number = |key| info_u64(&self.info, key).map_err(|o| o.at(self.location.clone()));
        Ok((number(first)?, number(second)?))
    }
}

/// Bytes as a person reads them.
pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// `url` without its userinfo: how an unauthenticated client would connect.
pub(crate) fn without_credentials(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    // From the host on: past the userinfo's `@` when there is one.
    let rest = UrlUserinfo::parse(url).map_or(&url[scheme_end + 3..], |u| &u.rest[1..]);
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, tail) = rest.split_at(authority_end);
    // Drop credentials passed as query parameters as well.
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let kept: Vec<&str> = query
                .split('&')
                .filter(|kv| {
                    let k = kv.split('=').next().unwrap_or("").to_ascii_lowercase();
                    !matches!(k.as_str(), "password" | "pass" | "user" | "username")
                })
                .collect();
            if kept.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", kept.join("&"))
            }
        }
        None => tail.to_string(),
    };
    format!("{}://{host}{tail}", &url[..scheme_end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_and_urls() {
        let info =
            parse_info("# Memory\r\nused_memory:1024\r\nmaxmemory_policy:allkeys-lru\r\n\r\n");
        assert_eq!(info["used_memory"], "1024");
        assert_eq!(info["maxmemory_policy"], "allkeys-lru");
        assert_eq!(
            without_credentials("redis://user:pw@h:6379/2?password=x&protocol=resp3"),
            "redis://h:6379/2?protocol=resp3"
        );
        assert_eq!(bytes(1536), "1.5 KiB");
    }
}
