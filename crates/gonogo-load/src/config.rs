//! What a load run is asked to do, and the hard limits every run is held to.

use crate::scenario::Scenario;
use std::time::Duration;

/// No run lasts longer than this (warm-up included).
pub const MAX_DURATION: Duration = Duration::from_secs(3600);
/// No open-model run asks for more than this many requests per second.
pub const MAX_RATE: f64 = 200_000.0;
/// No run opens more connections than this.
pub const MAX_CONNECTIONS: usize = 10_000;
/// No run sends more requests than this.
pub const MAX_REQUESTS: u64 = 100_000_000;
/// No run uses more worker threads than this.
pub const MAX_THREADS: usize = 64;

/// How requests are generated.
#[derive(Debug, Clone, PartialEq)]
pub enum Model {
    /// `connections` connections, each sending its next request as soon as the previous
    /// response is read (wrk's model). Latency is service latency.
    Closed { connections: usize },
    /// A constant arrival rate: request *i* is due at `start + i / rate`, whatever the server
    /// does. Starts with `connections` connections and opens more (up to `max_connections`)
    /// when a due request finds none free. Latency counts from the scheduled time.
    Open {
        rate: f64,
        connections: usize,
        max_connections: usize,
    },
}

/// When the measured part of the run ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stop {
    /// After this long (warm-up not included).
    Duration(Duration),
    /// After this many measured requests have been sent.
    Requests(u64),
}

/// Which HTTP version to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpVersion {
    /// HTTP/1.1 on `http://`; on `https://` whatever ALPN negotiates (h2 preferred).
    #[default]
    Auto,
    Http1,
    /// HTTP/2: prior knowledge (h2c) on `http://`, ALPN `h2` on `https://`.
    Http2,
}

/// Inclusive status ranges that count as success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusSet(pub Vec<(u16, u16)>);

impl Default for StatusSet {
    /// 2xx and 3xx.
    fn default() -> Self {
        StatusSet(vec![(200, 399)])
    }
}

impl StatusSet {
    pub fn contains(&self, status: u16) -> bool {
        self.0.iter().any(|&(lo, hi)| (lo..=hi).contains(&status))
    }

    /// `200`, `200-299`, `2xx`, comma-separated: `200,201,3xx`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut ranges = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let bad = || format!("bad status `{part}` (use 200, 200-299 or 2xx)");
            let range = if let Some(d) = part.strip_suffix("xx").or(part.strip_suffix("XX")) {
                let d: u16 = d.parse().map_err(|_| bad())?;
                (d * 100, d * 100 + 99)
            } else if let Some((a, b)) = part.split_once('-') {
                (
                    a.trim().parse().map_err(|_| bad())?,
                    b.trim().parse().map_err(|_| bad())?,
                )
            } else {
                let v: u16 = part.parse().map_err(|_| bad())?;
                (v, v)
            };
            if !(100..=599).contains(&range.0)
                || !(100..=599).contains(&range.1)
                || range.0 > range.1
            {
                return Err(bad());
            }
            ranges.push(range);
        }
        if ranges.is_empty() {
            return Err("no status given".into());
        }
        Ok(StatusSet(ranges))
    }

    pub fn describe(&self) -> String {
        self.0
            .iter()
            .map(|&(lo, hi)| match (lo, hi) {
                (lo, hi) if lo == hi => lo.to_string(),
                (lo, hi) if lo % 100 == 0 && hi == lo + 99 => format!("{}xx", lo / 100),
                (lo, hi) => format!("{lo}-{hi}"),
            })
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// A complete description of one run.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    pub scenario: Scenario,
    pub model: Model,
    pub stop: Stop,
    /// Excluded from every result.
    pub warmup: Duration,
    /// Per request, from send (or schedule, in the open model) to the end of the body.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// OS threads, each driving its share of connections on its own runtime.
    pub threads: usize,
    pub http: HttpVersion,
    /// Accept any TLS certificate (self-signed staging targets).
    pub insecure: bool,
    pub expect: StatusSet,
    /// How long in-flight requests may finish after the end before they are abandoned.
    pub drain: Duration,
    /// In the open model, a request sent more than this after its scheduled time is late.
    pub late_after: Duration,
}

impl LoadConfig {
    /// A run with the defaults: closed model, 10 connections, 10 s, 1 s warm-up.
    pub fn new(scenario: Scenario) -> Self {
        LoadConfig {
            scenario,
            model: Model::Closed { connections: 10 },
            stop: Stop::Duration(Duration::from_secs(10)),
            warmup: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
            threads: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            http: HttpVersion::Auto,
            insecure: false,
            expect: StatusSet::default(),
            drain: Duration::from_secs(2),
            late_after: Duration::from_millis(5),
        }
    }

    /// Holds the configuration to the hard limits; every problem is reported at once.
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        match self.model {
            Model::Closed { connections } => {
                if connections == 0 || connections > MAX_CONNECTIONS {
                    problems.push(format!(
                        "connections must be between 1 and {MAX_CONNECTIONS}, got {connections}"
                    ));
                }
            }
            Model::Open {
                rate,
                connections,
                max_connections,
            } => {
                if !(rate.is_finite() && rate > 0.0 && rate <= MAX_RATE) {
                    problems.push(format!(
                        "rate must be above 0 and at most {MAX_RATE} requests/s, got {rate}"
                    ));
                }
                if connections == 0 || max_connections > MAX_CONNECTIONS {
                    problems.push(format!(
                        "connections must be between 1 and {MAX_CONNECTIONS}, got {connections}..{max_connections}"
                    ));
                }
                if max_connections < connections {
                    problems.push(format!(
                        "max connections ({max_connections}) below connections ({connections})"
                    ));
                }
            }
        }
        match self.stop {
            Stop::Duration(d) => {
                if d.is_zero() || d + self.warmup > MAX_DURATION {
                    problems.push(format!(
                        "duration plus warm-up must be above 0 and at most {}s, got {:.1}s",
                        MAX_DURATION.as_secs(),
                        (d + self.warmup).as_secs_f64()
                    ));
                }
            }
            Stop::Requests(n) => {
                if n == 0 || n > MAX_REQUESTS {
                    problems.push(format!(
                        "requests must be between 1 and {MAX_REQUESTS}, got {n}"
                    ));
                }
                if self.warmup > MAX_DURATION {
                    problems.push("warm-up too long".into());
                }
            }
        }
        if self.threads == 0 || self.threads > MAX_THREADS {
            problems.push(format!(
                "threads must be between 1 and {MAX_THREADS}, got {}",
                self.threads
            ));
        }
        if self.timeout.is_zero() || self.timeout > MAX_DURATION {
            problems.push("timeout must be above 0 and at most an hour".into());
        }
        if self.drain > Duration::from_secs(60) {
            problems.push("drain window must be at most 60s".into());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// The total connections the run starts with.
    pub fn connections(&self) -> usize {
        match self.model {
            Model::Closed { connections } | Model::Open { connections, .. } => connections,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_sets() {
        let s = StatusSet::parse("200, 3xx,404-405").unwrap();
        assert!(s.contains(200) && s.contains(302) && s.contains(405));
        assert!(!s.contains(201) && !s.contains(500));
        assert_eq!(s.describe(), "200,3xx,404-405");
        assert!(StatusSet::parse("abc").is_err());
        assert!(StatusSet::parse("700").is_err());
        assert!(StatusSet::parse("").is_err());
        assert_eq!(StatusSet::default().describe(), "200-399");
    }

    #[test]
    fn caps_are_enforced() {
        let mut c = LoadConfig::new(Scenario::single("http://127.0.0.1:1/").unwrap());
        assert!(c.validate().is_ok());
        c.model = Model::Open {
            rate: 1e9,
            connections: 1,
            max_connections: 1,
        };
        c.stop = Stop::Duration(Duration::from_secs(7200));
        let problems = c.validate().unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
