//! Combining runs: several machines load the same target at the same time, each writes its
//! `--format json` report, and `gonogo load --merge a.json b.json` makes one report of them.
//! Latency merges exactly (the reports carry their HDR histograms), counts add up, throughput
//! adds up (the runs were concurrent), and the thresholds are applied to the whole.

use crate::report::{LoadReport, RATE_SHORTFALL, Schedule, TimelinePoint};
use crate::stats::{ErrorCounts, LatencySummary, add_encoded, new_histogram};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Why runs cannot be merged; names the file.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("{file}: not a gonogo load report: {why}")]
    Unreadable { file: String, why: String },
    #[error("{file}: {field}: {why}")]
    Histogram {
        file: String,
        field: &'static str,
        why: String,
    },
    #[error(
        "runs of different targets cannot be merged: {first_file} loads {first}, {file} loads {other}"
    )]
    Targets {
        first_file: String,
        first: String,
        file: String,
        other: String,
    },
    #[error("nothing to merge")]
    Empty,
}

/// What a report file must hold (the figures derived from these are computed again).
#[derive(Deserialize)]
struct RunFile {
    target: String,
    model: String,
    connections: usize,
    peak_connections: usize,
    threads: usize,
    protocol: Option<String>,
    warmup_s: f64,
    duration_s: f64,
    interrupted: bool,
    requests: u64,
    errors: ErrorCounts,
    bytes_received: u64,
    statuses: BTreeMap<u16, u64>,
    expected_statuses: String,
    unfinished: u64,
    latency: Encoded,
    corrected_latency: Option<Encoded>,
    schedule: Option<Schedule>,
    #[serde(default)]
    timeline: Vec<TimelinePoint>,
}

#[derive(Deserialize)]
struct Encoded {
    histogram: String,
}

/// Merges `runs` (file name, file content) into one report; thresholds are not applied yet.
pub fn merge(runs: &[(String, String)]) -> Result<LoadReport, MergeError> {
    let mut parsed = Vec::with_capacity(runs.len());
    for (file, text) in runs {
        let unreadable = |why: String| MergeError::Unreadable {
            file: file.clone(),
            why,
        };
        // JSON first (serde_json's message names the line and column), then the shape.
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| unreadable(e.to_string()))?;
        if !value.is_object() || value.get("target").is_none() || value.get("latency").is_none() {
            return Err(unreadable(
                "no `target` and `latency` (write one with `gonogo load … --format json`)".into(),
            ));
        }
        let run: RunFile = serde_json::from_value(value).map_err(|e| unreadable(e.to_string()))?;
        parsed.push((file.as_str(), run));
    }
    let Some((first_file, first)) = parsed.first() else {
        return Err(MergeError::Empty);
    };
    if let Some((file, other)) = parsed.iter().find(|(_, r)| r.target != first.target) {
        return Err(MergeError::Targets {
            first_file: first_file.to_string(),
            first: first.target.clone(),
            file: file.to_string(),
            other: other.target.clone(),
        });
    }

    let mut service = new_histogram();
    let mut corrected = new_histogram();
    let mut all_corrected = true;
    let mut errors = ErrorCounts::default();
    let mut statuses: BTreeMap<u16, u64> = BTreeMap::new();
    let mut schedule: Option<Schedule> = None;
    let mut timeline: BTreeMap<i64, TimelinePoint> = BTreeMap::new();
    let mut expected: Vec<&str> = Vec::new();
    let (mut requests, mut bytes, mut unfinished, mut rps) = (0u64, 0u64, 0u64, 0f64);
    let (mut connections, mut peak, mut threads) = (0usize, 0usize, 0usize);
    for (file, run) in &parsed {
        let add = |into: &mut _, field: &'static str, encoded: &str| {
            add_encoded(into, encoded).map_err(|why| MergeError::Histogram {
                file: file.to_string(),
                field,
                why,
            })
        };
        add(&mut service, "latency.histogram", &run.latency.histogram)?;
        match &run.corrected_latency {
            Some(c) => add(&mut corrected, "corrected_latency.histogram", &c.histogram)?,
            None => all_corrected = false,
        }
        requests += run.requests;
        bytes += run.bytes_received;
        unfinished += run.unfinished;
        connections += run.connections;
        peak += run.peak_connections;
        threads += run.threads;
        // The runs were concurrent: their throughputs add up.
        rps += run.requests as f64 / run.duration_s.max(1e-3);
        errors.merge(&run.errors);
        for (code, n) in &run.statuses {
            *statuses.entry(*code).or_default() += n;
        }
        if !expected.contains(&run.expected_statuses.as_str()) {
            expected.push(&run.expected_statuses);
        }
        if let Some(s) = &run.schedule {
            let m = schedule.get_or_insert(Schedule {
                requested_rps: 0.0,
                due: 0,
                late: 0,
                late_after_ms: s.late_after_ms,
                dropped: 0,
                shortfall: false,
            });
            m.requested_rps += s.requested_rps;
            m.due += s.due;
            m.late += s.late;
            m.dropped += s.dropped;
            m.late_after_ms = m.late_after_ms.max(s.late_after_ms);
        }
        for p in &run.timeline {
            // Seconds line up by their index; percentiles of different machines do not
            // merge from the per-second window, so the worst one stands for the second.
            let slot = timeline.entry(p.t.round() as i64).or_insert(TimelinePoint {
                t: p.t.round(),
                rps: 0.0,
                errors: 0,
                p50_ms: None,
                p95_ms: None,
                p99_ms: None,
            });
            slot.rps += p.rps;
            slot.errors += p.errors;
            let worst = |a: Option<f64>, b: Option<f64>| match (a, b) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            slot.p50_ms = worst(slot.p50_ms, p.p50_ms);
            slot.p95_ms = worst(slot.p95_ms, p.p95_ms);
            slot.p99_ms = worst(slot.p99_ms, p.p99_ms);
        }
    }
    if let Some(s) = schedule.as_mut() {
        s.shortfall = rps < s.requested_rps * RATE_SHORTFALL;
    }
    let error_count = errors.total();
    let open = parsed.iter().all(|(_, r)| r.model == "open");
    let corrected_hist = (open && all_corrected).then_some(corrected);
    let mut report = LoadReport {
        target: first.target.clone(),
        model: if open { "open" } else { "closed" },
        connections,
        peak_connections: peak,
        threads,
        protocol: match first.protocol.as_deref() {
            Some("HTTP/2") => Some("HTTP/2"),
            Some(_) => Some("HTTP/1.1"),
            None => None,
        },
        warmup_s: parsed.iter().map(|(_, r)| r.warmup_s).fold(0.0, f64::max),
        duration_s: parsed.iter().map(|(_, r)| r.duration_s).fold(0.0, f64::max),
        interrupted: parsed.iter().any(|(_, r)| r.interrupted),
        requests,
        ok: requests - error_count.min(requests),
        errors,
        error_count,
        error_rate: if requests == 0 {
            0.0
        } else {
            error_count as f64 / requests as f64
        },
        rps,
        bytes_received: bytes,
        statuses,
        expected_statuses: expected.join(" / "),
        unfinished,
        latency: LatencySummary::of(&service),
        corrected_latency: corrected_hist.as_ref().map(LatencySummary::of),
        schedule: if open { schedule } else { None },
        timeline: timeline.into_values().collect(),
        thresholds: Vec::new(),
        failures: Vec::new(),
        pass: false,
        service_hist: service,
        corrected_hist,
        merged_from: Some(parsed.len()),
    };
    report.evaluate(&[]);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::{open_config, tally};
    use crate::stats::WorkerStats;
    use crate::threshold::Threshold;
    use std::time::Instant;

    /// One machine's open-model run of 3 s, as its `--format json` report.
    fn run(rate: f64, latencies_us: &[u64], per: u64, errors_5xx: u64) -> (WorkerStats, String) {
        let cfg = open_config(rate);
        let mut s = WorkerStats {
            protocol: Some("HTTP/1.1"),
            peak_connections: 2,
            due: (rate * 3.0) as u64,
            late: 1,
            ..WorkerStats::default()
        };
        tally(&mut s, 200, latencies_us, per, 100);
        tally(&mut s, 503, &[5_000], errors_5xx, 100);
        let mut alone = WorkerStats::default();
        alone.merge(&s);
        let report = LoadReport::build(&cfg, s, Instant::now(), Vec::new(), false);
        (alone, serde_json::to_string(&report).unwrap())
    }

    #[test]
    fn concurrent_runs_add_up_and_latency_merges_exactly() {
        let (a_stats, a) = run(200.0, &[800, 1_000, 1_500], 200, 0);
        let (b_stats, b) = run(100.0, &[3_000, 9_000], 150, 3);
        let m = merge(&[("a.json".into(), a), ("b.json".into(), b)]).unwrap();
        assert_eq!(
            (m.requests, m.error_count, m.merged_from),
            (903, 3, Some(2))
        );
        assert_eq!(m.errors.status_5xx, 3);
        assert_eq!(m.statuses.get(&200), Some(&900));
        assert!((m.rps - 301.0).abs() < 1e-9, "{}", m.rps);
        let s = m.schedule.as_ref().unwrap();
        assert_eq!((s.requested_rps, s.due, s.late), (300.0, 900, 2));
        assert!(!s.shortfall);
        // The same percentiles as one histogram of every request would give.
        let mut all = WorkerStats::default();
        all.merge(&a_stats);
        all.merge(&b_stats);
        assert_eq!(m.latency, LatencySummary::of(&all.service));
        assert_eq!(
            m.corrected_latency,
            Some(LatencySummary::of(&all.corrected))
        );
        let mut m = m;
        m.evaluate(&[
            Threshold::parse("p99<9ms").unwrap(),
            Threshold::parse("rps>250").unwrap(),
        ]);
        assert_eq!(
            m.thresholds.iter().map(|t| t.pass).collect::<Vec<_>>(),
            [false, true]
        );
        insta::assert_snapshot!(m.render_text());
    }

    #[test]
    fn unreadable_or_mismatched_runs_name_the_file() {
        let (_, a) = run(200.0, &[800], 10, 0);
        let err = merge(&[
            ("a.json".into(), a.clone()),
            ("b.json".into(), "{\n  \"target\": 3".into()),
        ])
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("b.json: not a gonogo load report: "),
            "{err}"
        );
        assert!(err.contains("line 2"), "{err}");
        let other = a.replace("127.0.0.1:8080", "127.0.0.1:9090");
        let err = merge(&[("a.json".into(), a.clone()), ("c.json".into(), other)])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "runs of different targets cannot be merged: a.json loads GET http://127.0.0.1:8080/health, c.json loads GET http://127.0.0.1:9090/health"
        );
        let mut v: serde_json::Value = serde_json::from_str(&a).unwrap();
        v["latency"]["histogram"] = "not base64!".into();
        let err = merge(&[("d.json".into(), v.to_string())])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("d.json: latency.histogram: "), "{err}");
        assert!(matches!(merge(&[]), Err(MergeError::Empty)));
    }
}
