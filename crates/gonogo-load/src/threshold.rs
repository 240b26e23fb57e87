//! Pass/fail criteria in k6's spirit: `p95<200ms`, `error_rate<0.5%`, `rps>100`.

use serde::Serialize;

/// What a threshold measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// A latency figure (`p50`, `p90`, `p95`, `p99`, `p99.9`, `max`, `mean`, `min`), in ms.
    /// It reads the schedule-corrected latency in the open model, the service latency in the
    /// closed model.
    Latency(&'static str),
    /// Achieved throughput, responses per second.
    Rps,
    /// Errors over measured requests, as a fraction.
    ErrorRate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Op {
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
}

impl Op {
    pub fn holds(self, observed: f64, limit: f64) -> bool {
        match self {
            Op::Lt => observed < limit,
            Op::Le => observed <= limit,
            Op::Gt => observed > limit,
            Op::Ge => observed >= limit,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

/// One parsed threshold. `value` is in ms for latencies, req/s for `rps`, a fraction for
/// `error_rate`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Threshold {
    pub metric: Metric,
    pub op: Op,
    pub value: f64,
}

const LATENCY_METRICS: &[&str] = &["p50", "p90", "p95", "p99", "p99.9", "max", "mean", "min"];

impl Threshold {
    /// Parses `METRIC OP VALUE`: `p95<200ms`, `p99.9 <= 1s`, `error_rate<0.5%` (or a fraction,
    /// `error_rate<0.005`), `rps>100` (`100/s` and `100req/s` also read). A latency without a
    /// unit is in milliseconds.
    pub fn parse(s: &str) -> Result<Threshold, String> {
        let text = s.trim();
        let at = text.find(['<', '>']).ok_or_else(|| {
            format!("threshold `{text}`: expected METRIC<VALUE or METRIC>VALUE, e.g. p95<200ms")
        })?;
        let name = text[..at].trim().to_ascii_lowercase();
        let rest = &text[at..];
        let (op, value) = if let Some(v) = rest.strip_prefix("<=") {
            (Op::Le, v)
        } else if let Some(v) = rest.strip_prefix(">=") {
            (Op::Ge, v)
        } else if let Some(v) = rest.strip_prefix('<') {
            (Op::Lt, v)
        } else {
            (Op::Gt, &rest[1..])
        };
        let value = value.trim().to_ascii_lowercase();
        let metric = match name.as_str() {
            "rps" | "throughput" => Metric::Rps,
            "error_rate" | "errors" => Metric::ErrorRate,
            "p999" => Metric::Latency("p99.9"),
            "median" => Metric::Latency("p50"),
            "avg" => Metric::Latency("mean"),
            n => match LATENCY_METRICS.iter().find(|m| **m == n) {
                Some(m) => Metric::Latency(m),
                None => {
                    return Err(format!(
                        "threshold `{text}`: unknown metric `{n}` (use p50, p90, p95, p99, p99.9, max, mean, min, rps or error_rate)"
                    ));
                }
            },
        };
        let bad = |why: &str| format!("threshold `{text}`: {why}");
        let number = |v: &str| -> Result<f64, String> {
            v.trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .ok_or_else(|| bad("expected a non-negative number"))
        };
        let value = match metric {
            Metric::Latency(_) => {
                let split = value
                    .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                    .unwrap_or(value.len());
                let (n, unit) = value.split_at(split);
                let n = number(n)?;
                match unit.trim() {
                    "" | "ms" => n,
                    "us" | "µs" => n / 1000.0,
                    "s" => n * 1000.0,
                    "m" | "min" => n * 60_000.0,
                    u => return Err(bad(&format!("unknown unit `{u}` (use us, ms, s or m)"))),
                }
            }
            Metric::Rps => number(
                value
                    .trim_end_matches("/s")
                    .trim_end_matches("req")
                    .trim_end_matches("rps"),
            )?,
            Metric::ErrorRate => match value.strip_suffix('%') {
                Some(p) => number(p)? / 100.0,
                None => {
                    let f = number(&value)?;
                    if f > 1.0 {
                        return Err(bad("a fraction is at most 1; write a percentage as 0.5%"));
                    }
                    f
                }
            },
        };
        Ok(Threshold { metric, op, value })
    }

    /// The name the user knows this figure by.
    pub fn metric_name(&self) -> &'static str {
        match self.metric {
            Metric::Latency(m) => m,
            Metric::Rps => "rps",
            Metric::ErrorRate => "error_rate",
        }
    }

    /// Formats a value of this threshold's metric: `200ms`, `0.5%`, `100/s`.
    pub fn format_value(&self, v: f64) -> String {
        match self.metric {
            Metric::Latency(_) => format_ms(v),
            Metric::Rps => format!("{}/s", trim_float(v)),
            Metric::ErrorRate => format!("{}%", trim_float(v * 100.0)),
        }
    }
}

impl std::fmt::Display for Threshold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}{}{}",
            self.metric_name(),
            self.op.as_str(),
            self.format_value(self.value)
        )
    }
}

fn trim_float(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// `0.412ms`, `12.3ms`, `1.25s`.
pub fn format_ms(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{}s", trim_float(ms / 1000.0))
    } else {
        format!("{}ms", trim_float(ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        let t = Threshold::parse("p95<200ms").unwrap();
        assert_eq!(
            (t.metric, t.op, t.value),
            (Metric::Latency("p95"), Op::Lt, 200.0)
        );
        assert_eq!(Threshold::parse("p95 < 2s").unwrap().value, 2000.0);
        assert_eq!(Threshold::parse("p99.9<=1500").unwrap().op, Op::Le);
        assert_eq!(Threshold::parse("p99.9<=1500").unwrap().value, 1500.0);
        assert_eq!(Threshold::parse("max<250us").unwrap().value, 0.25);
        let e = Threshold::parse("error_rate<0.5%").unwrap();
        assert_eq!(e.metric, Metric::ErrorRate);
        assert!((e.value - 0.005).abs() < 1e-12);
        assert!((Threshold::parse("error_rate<0.01").unwrap().value - 0.01).abs() < 1e-12);
        let r = Threshold::parse("rps>100").unwrap();
        assert_eq!((r.metric, r.op, r.value), (Metric::Rps, Op::Gt, 100.0));
        assert_eq!(Threshold::parse("rps>=100req/s").unwrap().value, 100.0);
        assert_eq!(Threshold::parse("RPS >= 100/s").unwrap().op, Op::Ge);
    }

    #[test]
    fn rejects_what_it_cannot_read() {
        for bad in [
            "p95",
            "p42<1s",
            "p95<fast",
            "p95<2h",
            "error_rate<5",
            "rps>-1",
            "p95<",
        ] {
            assert!(Threshold::parse(bad).is_err(), "{bad} parsed");
        }
        assert!(
            Threshold::parse("p42<1s")
                .unwrap_err()
                .contains("unknown metric `p42`")
        );
    }

    #[test]
    fn displays_canonically() {
        for (input, shown) in [
            ("p95<200ms", "p95<200ms"),
            ("p99 <= 2s", "p99<=2s"),
            ("error_rate<0.5%", "error_rate<0.5%"),
            ("rps>100", "rps>100/s"),
            ("max<0.5", "max<0.5ms"),
        ] {
            assert_eq!(Threshold::parse(input).unwrap().to_string(), shown);
        }
    }

    #[test]
    fn operators() {
        assert!(Op::Lt.holds(1.0, 2.0) && !Op::Lt.holds(2.0, 2.0));
        assert!(Op::Le.holds(2.0, 2.0) && Op::Ge.holds(2.0, 2.0));
        assert!(Op::Gt.holds(3.0, 2.0) && !Op::Gt.holds(2.0, 2.0));
    }
}
