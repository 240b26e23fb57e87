//! The result of a run: one model that feeds the text summary, JSON and HTML; thresholds and
//! the verdict.

use crate::config::{LoadConfig, Model, Stop};
use crate::stats::{ErrorCounts, LatencySummary, WorkerStats};
use crate::threshold::{Metric, Threshold, format_ms};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;

/// Above this error rate a run fails even without an `error_rate` threshold.
pub const DEFAULT_MAX_ERROR_RATE: f64 = 0.01;
/// An open-model run that achieves less than this share of the requested rate fell short.
pub const RATE_SHORTFALL: f64 = 0.95;

/// One second of the run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TimelinePoint {
    /// Seconds since the start of measurement, at the end of the window.
    pub t: f64,
    pub rps: f64,
    pub errors: u64,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

/// Open model: how well the schedule was kept.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Schedule {
    pub requested_rps: f64,
    /// Measured requests that were due.
    pub due: u64,
    /// Sent later than `late_after_ms` after they were due.
    pub late: u64,
    pub late_after_ms: f64,
    /// Due but never sent.
    pub dropped: u64,
    /// The achieved rate is below 95 % of the requested one.
    pub shortfall: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ThresholdResult {
    /// Canonical form, e.g. `p95<200ms`.
    pub threshold: String,
    pub metric: &'static str,
    pub observed: f64,
    pub observed_text: String,
    pub pass: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Everything a run measured. Serialized as-is for `--format json`.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    pub target: String,
    /// `closed` or `open`.
    pub model: &'static str,
    pub connections: usize,
    pub peak_connections: usize,
    pub threads: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<&'static str>,
    pub warmup_s: f64,
    /// The measured span: the planned duration, or until the last response (requests mode,
    /// interrupted runs).
    pub duration_s: f64,
    /// Stopped from outside (Ctrl-C) before its planned end.
    pub interrupted: bool,
    /// Measured requests that ended, with a response or an error.
    pub requests: u64,
    pub ok: u64,
    pub errors: ErrorCounts,
    pub error_count: u64,
    pub error_rate: f64,
    /// Achieved throughput: measured requests per second.
    pub rps: f64,
    pub bytes_received: u64,
    pub statuses: BTreeMap<u16, u64>,
    pub expected_statuses: String,
    /// Still in flight when the drain window closed: neither success nor error.
    pub unfinished: u64,
    /// Service latency: from writing the request to the end of the response body.
    pub latency: LatencySummary,
    /// Open model: latency from each request's scheduled time (coordinated omission
    /// corrected). Thresholds on latency read this one when it is present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrected_latency: Option<LatencySummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    pub timeline: Vec<TimelinePoint>,
    /// `gonogo load --merge`: how many runs this report combines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_from: Option<usize>,
    pub thresholds: Vec<ThresholdResult>,
    /// Why the run fails; empty when it passes.
    pub failures: Vec<String>,
    pub pass: bool,
    #[serde(skip)]
    pub service_hist: Histogram<u64>,
    #[serde(skip)]
    pub corrected_hist: Option<Histogram<u64>>,
}

impl LoadReport {
    pub(crate) fn build(
        cfg: &LoadConfig,
        stats: WorkerStats,
        t_measure: Instant,
        timeline: Vec<TimelinePoint>,
        interrupted: bool,
    ) -> LoadReport {
        let duration_s = match (cfg.stop, interrupted) {
            (Stop::Duration(d), false) => d.as_secs_f64(),
            _ => stats
                .last_end
                .map(|e| e.saturating_duration_since(t_measure).as_secs_f64())
                .unwrap_or(0.0)
                .max(1e-3),
        };
        let error_count = stats.errors.total();
        let requests = stats.requests;
        let rps = requests as f64 / duration_s;
        let (model, schedule, corrected_hist) = match cfg.model {
            Model::Closed { .. } => ("closed", None, None),
            Model::Open { rate, .. } => (
                "open",
                Some(Schedule {
                    requested_rps: rate,
                    due: stats.due,
                    late: stats.late,
                    late_after_ms: cfg.late_after.as_secs_f64() * 1000.0,
                    dropped: stats.dropped,
                    shortfall: rps < rate * RATE_SHORTFALL,
                }),
                Some(stats.corrected.clone()),
            ),
        };
        let mut report = LoadReport {
            target: cfg.scenario.describe(),
            model,
            connections: cfg.connections(),
            peak_connections: stats.peak_connections,
            threads: cfg.threads.min(cfg.connections()).max(1),
            protocol: stats.protocol,
            warmup_s: cfg.warmup.as_secs_f64(),
            duration_s,
            interrupted,
            requests,
            ok: requests - error_count.min(requests),
            errors: stats.errors,
            error_count,
            error_rate: if requests == 0 {
                0.0
            } else {
                error_count as f64 / requests as f64
            },
            rps,
            bytes_received: stats.bytes,
            statuses: stats.status_map(),
            expected_statuses: cfg.expect.describe(),
            unfinished: stats.unfinished,
            latency: LatencySummary::of(&stats.service),
            corrected_latency: corrected_hist.as_ref().map(LatencySummary::of),
            schedule,
            timeline,
            merged_from: None,
            thresholds: Vec::new(),
            failures: Vec::new(),
            pass: false,
            service_hist: stats.service,
            corrected_hist,
        };
        report.evaluate(&[]);
        report
    }

    /// The latency thresholds read: schedule-corrected in the open model, else service.
    pub fn primary_latency(&self) -> &LatencySummary {
        self.corrected_latency.as_ref().unwrap_or(&self.latency)
    }

    /// The histogram behind [`Self::primary_latency`].
    pub fn primary_hist(&self) -> &Histogram<u64> {
        self.corrected_hist.as_ref().unwrap_or(&self.service_hist)
    }

    /// Applies `thresholds` and the built-in rules, and sets the verdict:
    /// - no measured request fails (missing data is never a pass);
    /// - an error rate above 1 % fails unless an `error_rate` threshold says otherwise;
    /// - a rate threshold fails when an open-model run fell short of its requested rate;
    /// - an interrupted run never passes: it measured part of what was planned.
    pub fn evaluate(&mut self, thresholds: &[Threshold]) {
        let mut failures = Vec::new();
        if self.interrupted {
            failures.push(
                "interrupted before its planned end: the figures cover part of the run, no verdict"
                    .to_string(),
            );
        }
        if self.requests == 0 {
            failures.push("no requests were measured".to_string());
        }
        let mut results = Vec::new();
        for t in thresholds {
            let observed = match t.metric {
                Metric::Latency(m) => self.primary_latency().get(m).unwrap_or(f64::NAN),
                Metric::Rps => self.rps,
                Metric::ErrorRate => self.error_rate,
            };
            let mut pass = self.requests > 0 && t.op.holds(observed, t.value);
            let mut note = None;
            if t.metric == Metric::Rps
                && let Some(s) = self.schedule.as_ref().filter(|s| s.shortfall)
            {
                pass = false;
                note = Some(format!(
                    "achieved {:.1}/s of the {}/s requested",
                    self.rps, s.requested_rps
                ));
            }
            if !pass {
                failures.push(format!(
                    "threshold {t} not met: {} {}{}",
                    t.metric_name(),
                    t.format_value(observed),
                    note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default()
                ));
            }
            results.push(ThresholdResult {
                threshold: t.to_string(),
                metric: t.metric_name(),
                observed,
                observed_text: t.format_value(observed),
                pass,
                note,
            });
        }
        let has_error_threshold = thresholds.iter().any(|t| t.metric == Metric::ErrorRate);
        if !has_error_threshold && self.requests > 0 && self.error_rate > DEFAULT_MAX_ERROR_RATE {
            failures.push(format!(
                "error rate {:.2}% above the default limit of 1% ({} of {} requests)",
                self.error_rate * 100.0,
                self.error_count,
                self.requests
            ));
        }
        self.thresholds = results;
        self.pass = failures.is_empty();
        self.failures = failures;
    }

    /// The human summary printed at the end of a run.
    pub fn render_text(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "gonogo load  {}", self.target);
        let model = match &self.schedule {
            Some(s) => format!(
                "open model, {} req/s requested, {} (peak {})",
                trim(s.requested_rps),
                counted(self.connections as u64, "connection"),
                self.peak_connections
            ),
            None => format!(
                "closed model, {}",
                counted(self.connections as u64, "connection")
            ),
        };
        let _ = writeln!(
            o,
            "  model       {model}, {}, {}",
            counted(self.threads as u64, "thread"),
            self.protocol.unwrap_or("no connection made")
        );
        if let Some(n) = self.merged_from {
            let _ = writeln!(
                o,
                "  merged      {} made at the same time: counts and throughput added, latency histograms merged",
                counted(n as u64, "run")
            );
        }
        let _ = writeln!(
            o,
            "  measured    {} after {} warm-up{}",
            // A short requests-bound run lasts milliseconds: "0s" would read as nothing.
            format_ms(self.duration_s * 1000.0),
            format_ms(self.warmup_s * 1000.0),
            if self.interrupted {
                " (interrupted: stopped early)"
            } else {
                ""
            }
        );
        let _ = writeln!(
            o,
            "  requests    {} ({} ok, {} errors, {:.2}%), {} req/s, {} received",
            self.requests,
            self.ok,
            self.error_count,
            self.error_rate * 100.0,
            trim(self.rps),
            bytes(self.bytes_received)
        );
        if self.error_count > 0 {
            let classes: Vec<String> = self
                .errors
                .nonzero()
                .into_iter()
                .map(|(c, n)| format!("{c} {n}"))
                .collect();
            let _ = writeln!(o, "  errors      {}", classes.join(", "));
        }
        if !self.statuses.is_empty() {
            let statuses: Vec<String> = self
                .statuses
                .iter()
                .map(|(s, n)| format!("{s} ×{n}"))
                .collect();
            let _ = writeln!(
                o,
                "  statuses    {} (expected {})",
                statuses.join(", "),
                self.expected_statuses
            );
        }
        if self.unfinished > 0 {
            let _ = writeln!(
                o,
                "  unfinished  {} requests still in flight after the drain window (not counted)",
                self.unfinished
            );
        }
        let _ = writeln!(
            o,
            "  latency     {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "p50", "p90", "p95", "p99", "p99.9", "max"
        );
        let mut row = |name: &str, l: &LatencySummary| {
            let _ = writeln!(
                o,
                "  {name:<11} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
                format_ms(l.p50_ms),
                format_ms(l.p90_ms),
                format_ms(l.p95_ms),
                format_ms(l.p99_ms),
                format_ms(l.p999_ms),
                format_ms(l.max_ms)
            );
        };
        if let Some(c) = &self.corrected_latency {
            row("corrected", c);
        }
        row("service", &self.latency);
        if let Some(s) = &self.schedule {
            let _ = writeln!(
                o,
                "  schedule    {} due, {} sent late (>{}), {} dropped{}",
                s.due,
                s.late,
                format_ms(s.late_after_ms),
                s.dropped,
                if s.shortfall {
                    format!(
                        "; achieved rate {} req/s is short of the {} req/s requested",
                        trim(self.rps),
                        trim(s.requested_rps)
                    )
                } else {
                    String::new()
                }
            );
        }
        if !self.thresholds.is_empty() {
            let _ = writeln!(o, "  thresholds");
            for t in &self.thresholds {
                let _ = writeln!(
                    o,
                    "    {} {:<20} observed {}{}",
                    if t.pass { "pass" } else { "FAIL" },
                    t.threshold,
                    t.observed_text,
                    t.note
                        .as_ref()
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default()
                );
            }
        }
        if self.pass {
            let _ = writeln!(o, "  result      PASS");
        } else if self.interrupted {
            let _ = writeln!(o, "  result      INTERRUPTED");
            for f in &self.failures {
                let _ = writeln!(o, "    - {f}");
            }
        } else {
            let _ = writeln!(o, "  result      FAIL");
            for f in &self.failures {
                let _ = writeln!(o, "    - {f}");
            }
        }
        o
    }
}

/// `1 connection`, `2 connections`.
fn counted(n: u64, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

fn trim(v: f64) -> String {
    let s = if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    };
    match s.strip_suffix(".0") {
        Some(t) => t.to_string(),
        None => s,
    }
}

fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    //! The text summary, on tallies built by hand so that every figure is fixed.
    use super::*;
    use crate::config::Model;
    use crate::scenario::Scenario;
    use crate::stats::ErrorClass;
    use std::time::Duration;

    pub(crate) fn config(model: Model, stop: Stop) -> LoadConfig {
        let mut cfg = LoadConfig::new(Scenario::single("http://127.0.0.1:8080/health").unwrap());
        cfg.model = model;
        cfg.stop = stop;
        cfg.threads = 2;
        cfg
    }

    /// `n` responses of `status` at each latency in `us`, as the workers would tally them.
    /// An open-model run of 3 s at `rate`.
    pub(crate) fn open_config(rate: f64) -> LoadConfig {
        config(
            Model::Open {
                rate,
                connections: 2,
                max_connections: 50,
            },
            Stop::Duration(Duration::from_secs(3)),
        )
    }

    pub(crate) fn tally(
        stats: &mut WorkerStats,
        status: u16,
        us: &[u64],
        n: u64,
        open_lag_us: u64,
    ) {
        for &u in us {
            for _ in 0..n {
                stats.requests += 1;
                stats.statuses[status as usize] += 1;
                stats.bytes += 612;
                WorkerStats::record_latency(&mut stats.service, u);
                if open_lag_us > 0 {
                    WorkerStats::record_latency(&mut stats.corrected, u + open_lag_us);
                }
                match status {
                    400..=499 => stats.errors.add(ErrorClass::Status4xx),
                    500..=599 => stats.errors.add(ErrorClass::Status5xx),
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn closed_run_bound_by_requests_reports_milliseconds() {
        let cfg = config(Model::Closed { connections: 5 }, Stop::Requests(200));
        let t0 = Instant::now();
        let mut s = WorkerStats {
            protocol: Some("HTTP/1.1"),
            peak_connections: 5,
            last_end: Some(t0 + Duration::from_micros(4_260)),
            ..WorkerStats::default()
        };
        tally(&mut s, 200, &[80, 90, 110, 250], 50, 0);
        let r = LoadReport::build(&cfg, s, t0, Vec::new(), false);
        insta::assert_snapshot!(r.render_text());
    }

    #[test]
    fn open_run_with_errors_late_sends_and_thresholds() {
        let cfg = open_config(200.0);
        let mut s = WorkerStats {
            protocol: Some("HTTP/1.1"),
            peak_connections: 7,
            due: 600,
            late: 12,
            dropped: 3,
            ..WorkerStats::default()
        };
        tally(&mut s, 200, &[900, 1_200, 1_800], 190, 150);
        tally(&mut s, 503, &[2_500], 27, 4_000);
        s.errors.add(ErrorClass::Timeout);
        s.requests += 1;
        let mut r = LoadReport::build(&cfg, s, Instant::now(), Vec::new(), false);
        r.evaluate(&[
            Threshold::parse("p95<2ms").unwrap(),
            Threshold::parse("error_rate<0.5%").unwrap(),
            Threshold::parse("rps>100").unwrap(),
        ]);
        insta::assert_snapshot!(r.render_text());
    }
}
