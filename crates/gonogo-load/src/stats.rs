//! Per-worker tallies (HDR histograms and counters), merged once at the end of a run.

use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};
use serde::Serialize;
use std::collections::BTreeMap;

/// Latencies are recorded in microseconds, from 1 µs to an hour, with 3 significant digits.
pub const HIST_MAX_US: u64 = 3_600_000_000;
pub const HIST_SIGFIG: u8 = 3;

pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, HIST_MAX_US, HIST_SIGFIG).expect("static histogram bounds")
}

/// Why a request counts as an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The connection (TCP, TLS or HTTP handshake) could not be made.
    Connect,
    /// No complete response within the request timeout.
    Timeout,
    /// A 4xx status outside the expected ones.
    Status4xx,
    /// A 5xx status outside the expected ones.
    Status5xx,
    /// Anything else: an unexpected 1xx/2xx/3xx status, a reset connection, a protocol error.
    Other,
}

/// Errors by class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ErrorCounts {
    pub connect: u64,
    pub timeout: u64,
    #[serde(rename = "4xx")]
    pub status_4xx: u64,
    #[serde(rename = "5xx")]
    pub status_5xx: u64,
    pub other: u64,
}

impl ErrorCounts {
    pub fn add(&mut self, class: ErrorClass) {
        match class {
            ErrorClass::Connect => self.connect += 1,
            ErrorClass::Timeout => self.timeout += 1,
            ErrorClass::Status4xx => self.status_4xx += 1,
            ErrorClass::Status5xx => self.status_5xx += 1,
            ErrorClass::Other => self.other += 1,
        }
    }

    pub fn total(&self) -> u64 {
        self.connect + self.timeout + self.status_4xx + self.status_5xx + self.other
    }

    pub fn merge(&mut self, o: &ErrorCounts) {
        self.connect += o.connect;
        self.timeout += o.timeout;
        self.status_4xx += o.status_4xx;
        self.status_5xx += o.status_5xx;
        self.other += o.other;
    }

    /// `(name, count)` for the classes that occurred.
    pub fn nonzero(&self) -> Vec<(&'static str, u64)> {
        [
            ("connect", self.connect),
            ("timeout", self.timeout),
            ("4xx", self.status_4xx),
            ("5xx", self.status_5xx),
            ("other", self.other),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect()
    }
}

/// What one worker thread measured. No per-request samples: memory does not grow with the
/// number of requests.
pub struct WorkerStats {
    /// From the moment the request was written to the end of the response body.
    pub service: Histogram<u64>,
    /// From the moment the request was *due* (open model only) to the end of the body.
    pub corrected: Histogram<u64>,
    /// Measured requests that ended (a response, or an error).
    pub requests: u64,
    pub errors: ErrorCounts,
    /// Responses by status code, indexed by the code (0..=599).
    pub statuses: Vec<u64>,
    pub bytes: u64,
    /// Open model: sent later than `late_after` after their scheduled time.
    pub late: u64,
    /// Open model: due but never sent (no free connection before they would have timed out,
    /// or the run ended first).
    pub dropped: u64,
    /// Open model: measured requests that were due.
    pub due: u64,
    /// Requests still in flight when the drain window closed: neither success nor error.
    pub unfinished: u64,
    /// The most connections open at once.
    pub peak_connections: usize,
    /// Which protocol the connections negotiated ("HTTP/1.1", "HTTP/2").
    pub protocol: Option<&'static str>,
    /// When the last measured request ended.
    pub last_end: Option<std::time::Instant>,
}

impl Default for WorkerStats {
    fn default() -> Self {
        WorkerStats {
            service: new_histogram(),
            corrected: new_histogram(),
            requests: 0,
            errors: ErrorCounts::default(),
            statuses: vec![0; 600],
            bytes: 0,
            late: 0,
            dropped: 0,
            due: 0,
            unfinished: 0,
            peak_connections: 0,
            protocol: None,
            last_end: None,
        }
    }
}

impl WorkerStats {
    /// Adds another worker's tallies; histograms merge exactly (same bounds).
    pub fn merge(&mut self, o: &WorkerStats) {
        self.service.add(&o.service).expect("same histogram bounds");
        self.corrected
            .add(&o.corrected)
            .expect("same histogram bounds");
        self.requests += o.requests;
        self.errors.merge(&o.errors);
        for (acc, n) in self.statuses.iter_mut().zip(&o.statuses) {
            *acc += n;
        }
        self.bytes += o.bytes;
        self.late += o.late;
        self.dropped += o.dropped;
        self.due += o.due;
        self.unfinished += o.unfinished;
        self.peak_connections += o.peak_connections;
        self.protocol = self.protocol.or(o.protocol);
        self.last_end = self.last_end.max(o.last_end);
    }

    /// Responses by status, for reports.
    pub fn status_map(&self) -> BTreeMap<u16, u64> {
        self.statuses
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(s, n)| (s as u16, *n))
            .collect()
    }

    #[inline]
    pub fn record_latency(hist: &mut Histogram<u64>, us: u64) {
        hist.saturating_record(us.clamp(1, HIST_MAX_US));
    }
}

/// Percentiles of one latency histogram, in milliseconds, and the histogram itself (HDR V2
/// serialization, base64) so that runs from several machines can be merged later.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LatencySummary {
    pub count: u64,
    pub min_ms: f64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    pub histogram: String,
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// The value at quantile `q` in milliseconds (HDR semantics: the highest value equivalent to
/// the sample at that rank); 0 for an empty histogram.
pub fn quantile_ms(h: &Histogram<u64>, q: f64) -> f64 {
    if h.is_empty() {
        0.0
    } else {
        ms(h.value_at_quantile(q))
    }
}

impl LatencySummary {
    pub fn of(h: &Histogram<u64>) -> Self {
        let empty = h.is_empty();
        LatencySummary {
            count: h.len(),
            min_ms: if empty { 0.0 } else { ms(h.min()) },
            mean_ms: if empty { 0.0 } else { h.mean() / 1000.0 },
            p50_ms: quantile_ms(h, 0.50),
            p90_ms: quantile_ms(h, 0.90),
            p95_ms: quantile_ms(h, 0.95),
            p99_ms: quantile_ms(h, 0.99),
            p999_ms: quantile_ms(h, 0.999),
            max_ms: if empty { 0.0 } else { ms(h.max()) },
            histogram: encode_histogram(h),
        }
    }

    /// The figure a threshold names (`p95`, `max`, …).
    pub fn get(&self, metric: &str) -> Option<f64> {
        Some(match metric {
            "min" => self.min_ms,
            "mean" | "avg" => self.mean_ms,
            "p50" | "median" => self.p50_ms,
            "p90" => self.p90_ms,
            "p95" => self.p95_ms,
            "p99" => self.p99_ms,
            "p99.9" | "p999" => self.p999_ms,
            "max" => self.max_ms,
            _ => return None,
        })
    }
}

/// HDR histogram V2 serialization, base64 (standard alphabet, padded).
pub fn encode_histogram(h: &Histogram<u64>) -> String {
    let mut buf = Vec::new();
    V2Serializer::new()
        .serialize(h, &mut buf)
        .expect("serializing into a Vec cannot fail");
    base64::engine::general_purpose::STANDARD.encode(buf)
}

/// The inverse of [`encode_histogram`].
pub fn decode_histogram(s: &str) -> Result<Histogram<u64>, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|e| format!("histogram is not base64: {e}"))?;
    Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| format!("histogram does not decode: {e:?}"))
}

/// Merges serialized histograms (from several runs or machines) into one.
pub fn merge_encoded(encoded: &[&str]) -> Result<Histogram<u64>, String> {
    let mut merged = new_histogram();
    for e in encoded {
        add_encoded(&mut merged, e)?;
    }
    Ok(merged)
}

/// Adds one serialized histogram into `into`; an error when it does not decode or holds
/// values outside `into`'s bounds (nothing is dropped silently).
pub fn add_encoded(into: &mut Histogram<u64>, encoded: &str) -> Result<(), String> {
    into.add(decode_histogram(encoded)?)
        .map_err(|e| format!("histograms do not merge: {e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(values: impl IntoIterator<Item = u64>) -> Histogram<u64> {
        let mut h = new_histogram();
        for v in values {
            WorkerStats::record_latency(&mut h, v);
        }
        h
    }

    #[test]
    fn percentiles_of_a_known_distribution() {
        // 1..=10_000 µs, one each: pN is N % of the way up.
        let s = LatencySummary::of(&hist(1..=10_000));
        assert_eq!(s.count, 10_000);
        let close = |got: f64, want: f64| (got - want).abs() <= want * 0.001 + 0.001;
        assert!(close(s.p50_ms, 5.0), "p50 {}", s.p50_ms);
        assert!(close(s.p90_ms, 9.0), "p90 {}", s.p90_ms);
        assert!(close(s.p95_ms, 9.5), "p95 {}", s.p95_ms);
        assert!(close(s.p99_ms, 9.9), "p99 {}", s.p99_ms);
        assert!(close(s.p999_ms, 9.99), "p99.9 {}", s.p999_ms);
        assert!(close(s.max_ms, 10.0), "max {}", s.max_ms);
        assert!(close(s.min_ms, 0.001), "min {}", s.min_ms);
        assert!(close(s.mean_ms, 5.0005), "mean {}", s.mean_ms);
        assert_eq!(s.get("p99.9"), Some(s.p999_ms));
        assert_eq!(s.get("p42"), None);
    }

    #[test]
    fn a_single_outlier_sets_the_tail_not_the_median() {
        let s = LatencySummary::of(&hist(std::iter::repeat_n(1_000, 999).chain([2_000_000])));
        assert!((s.p50_ms - 1.0).abs() < 0.01);
        assert!((s.p99_ms - 1.0).abs() < 0.01);
        assert!(s.max_ms >= 1999.0, "max {}", s.max_ms);
        // p99.9 is the 999th of 1000 samples: still a fast one. Two outliers reach it.
        assert!((s.p999_ms - 1.0).abs() < 0.01, "p99.9 {}", s.p999_ms);
        let two = LatencySummary::of(&hist(
            std::iter::repeat_n(1_000, 998).chain([2_000_000, 2_000_000]),
        ));
        assert!(two.p999_ms >= 1999.0, "p99.9 {}", two.p999_ms);
        assert!((two.p99_ms - 1.0).abs() < 0.01);
    }

    #[test]
    fn empty_histograms_report_zero() {
        let s = LatencySummary::of(&new_histogram());
        assert_eq!((s.count, s.p99_ms, s.max_ms), (0, 0.0, 0.0));
    }

    #[test]
    fn merging_workers_equals_recording_everything_in_one() {
        let mut a = WorkerStats::default();
        let mut b = WorkerStats::default();
        for v in 1..=500u64 {
            WorkerStats::record_latency(&mut a.service, v * 10);
        }
        for v in 501..=1000u64 {
            WorkerStats::record_latency(&mut b.service, v * 10);
        }
        a.requests = 500;
        b.requests = 500;
        a.errors.add(ErrorClass::Timeout);
        b.errors.add(ErrorClass::Status5xx);
        b.statuses[200] = 499;
        b.statuses[500] = 1;
        a.merge(&b);
        let one = hist((1..=1000u64).map(|v| v * 10));
        assert_eq!(LatencySummary::of(&a.service), LatencySummary::of(&one));
        assert_eq!(a.requests, 1000);
        assert_eq!(a.errors.total(), 2);
        assert_eq!(a.errors.nonzero(), vec![("timeout", 1), ("5xx", 1)]);
        assert_eq!(a.status_map(), BTreeMap::from([(200, 499), (500, 1)]));
    }

    #[test]
    fn serialized_histograms_round_trip_and_merge() {
        let a = hist([100, 200, 300]);
        let b = hist([5_000_000]);
        let ea = encode_histogram(&a);
        assert_eq!(decode_histogram(&ea).unwrap(), a);
        let merged = merge_encoded(&[&ea, &encode_histogram(&b)]).unwrap();
        assert_eq!(merged.len(), 4);
        assert_eq!(merged.max(), b.max());
        assert!(decode_histogram("not base64!").is_err());
        assert!(decode_histogram("AAAA").is_err());
    }
}
