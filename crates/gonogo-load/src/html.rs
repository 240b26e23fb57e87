//! The `--html` report: one self-contained file (inline CSS and SVG, no script, no external
//! asset) with the summary, the latency distribution (percentile spectrum) and latency and
//! throughput over time.

use crate::report::LoadReport;
use crate::threshold::format_ms;
use hdrhistogram::Histogram;
use std::fmt::Write as _;

const W: f64 = 720.0;
const H: f64 = 260.0;
const PAD_L: f64 = 64.0;
const PAD_R: f64 = 16.0;
const PAD_T: f64 = 28.0;
const PAD_B: f64 = 40.0;

struct Series<'a> {
    name: &'a str,
    color: &'a str,
    points: Vec<(f64, f64)>,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A "nice" upper bound for an axis.
fn nice_max(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let mag = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if v <= m * mag {
            return m * mag;
        }
    }
    10.0 * mag
}

/// A line chart; `x_ticks` are (value, label).
fn line_chart(
    title: &str,
    y_label: &str,
    series: &[Series<'_>],
    x_range: (f64, f64),
    x_ticks: &[(f64, String)],
    y_fmt: &dyn Fn(f64) -> String,
) -> String {
    let y_max = nice_max(
        series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .fold(0.0, f64::max),
    );
    let (x0, x1) = x_range;
    let x_span = if x1 > x0 { x1 - x0 } else { 1.0 };
    let px = |x: f64| PAD_L + (x - x0) / x_span * (W - PAD_L - PAD_R);
    let py = |y: f64| H - PAD_B - y / y_max * (H - PAD_T - PAD_B);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{t}"><text x="{PAD_L}" y="18" class="title">{t}</text>"#,
        t = esc(title)
    );
    for i in 0..=4 {
        let v = y_max * i as f64 / 4.0;
        let y = py(v);
        let _ = write!(
            s,
            r#"<line x1="{PAD_L}" x2="{x2}" y1="{y:.1}" y2="{y:.1}" class="grid"/><text x="{tx}" y="{ty:.1}" class="tick" text-anchor="end">{label}</text>"#,
            x2 = W - PAD_R,
            tx = PAD_L - 6.0,
            ty = y + 4.0,
            label = esc(&y_fmt(v))
        );
    }
    for (v, label) in x_ticks {
        let x = px(*v);
        let _ = write!(
            s,
            r#"<line x1="{x:.1}" x2="{x:.1}" y1="{PAD_T}" y2="{y2}" class="grid"/><text x="{x:.1}" y="{ty}" class="tick" text-anchor="middle">{l}</text>"#,
            y2 = H - PAD_B,
            ty = H - PAD_B + 16.0,
            l = esc(label)
        );
    }
    let _ = write!(
        s,
        r#"<text x="14" y="{y}" class="tick" transform="rotate(-90 14 {y})" text-anchor="middle">{l}</text>"#,
        y = (H - PAD_B + PAD_T) / 2.0,
        l = esc(y_label)
    );
    for (i, ser) in series.iter().enumerate() {
        if ser.points.is_empty() {
            continue;
        }
        let path: Vec<String> = ser
            .points
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", px(*x), py(*y)))
            .collect();
        let _ = write!(
            s,
            r#"<polyline fill="none" stroke="{c}" stroke-width="2" points="{p}"/><rect x="{lx}" y="{ly}" width="10" height="10" fill="{c}"/><text x="{tx}" y="{ty}" class="tick">{n}</text>"#,
            c = ser.color,
            p = path.join(" "),
            lx = W - PAD_R - 130.0,
            ly = PAD_T + 4.0 + i as f64 * 16.0,
            tx = W - PAD_R - 114.0,
            ty = PAD_T + 13.0 + i as f64 * 16.0,
            n = esc(ser.name)
        );
    }
    s.push_str("</svg>");
    s
}

/// The percentile spectrum of a histogram: x = -log10(1 - q) ("nines"), y = latency in ms.
fn spectrum(h: &Histogram<u64>) -> Vec<(f64, f64)> {
    if h.is_empty() {
        return Vec::new();
    }
    (0..=40)
        .map(|i| {
            let nines = i as f64 / 10.0;
            let q = 1.0 - 10f64.powf(-nines);
            (nines, h.value_at_quantile(q) as f64 / 1000.0)
        })
        .collect()
}

/// The whole report page.
pub fn render(r: &LoadReport) -> String {
    let mut o = String::new();
    let verdict = if r.pass { "PASS" } else { "FAIL" };
    let _ = write!(
        o,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>gonogo load: {t}</title><style>
body{{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:760px;color:#222}}
h1{{font-size:1.3em}} table{{border-collapse:collapse;margin:1em 0}} td,th{{padding:2px 10px;text-align:right;border-bottom:1px solid #ddd}}
th:first-child,td:first-child{{text-align:left}} .pass{{color:#17803d}} .fail{{color:#b42318}}
svg{{display:block;margin:1em 0;background:#fafafa}} .grid{{stroke:#e3e3e3}} .tick{{font-size:11px;fill:#555}} .title{{font-size:13px;font-weight:600}}
</style></head><body><h1>gonogo load — <span class="{c}">{verdict}</span></h1><p>{t}</p>"#,
        t = esc(&r.target),
        c = verdict.to_ascii_lowercase()
    );
    let _ = write!(
        o,
        "<table><tr><td>model</td><td>{} ({} connections, peak {}, {})</td></tr>\
         <tr><td>measured</td><td>{:.1}s after {:.1}s warm-up{}</td></tr>\
         <tr><td>requests</td><td>{} ({} errors, {:.2}%)</td></tr>\
         <tr><td>throughput</td><td>{:.1} req/s</td></tr></table>",
        r.model,
        r.connections,
        r.peak_connections,
        r.protocol.unwrap_or("no connection"),
        r.duration_s,
        r.warmup_s,
        if r.interrupted { ", interrupted" } else { "" },
        r.requests,
        r.error_count,
        r.error_rate * 100.0,
        r.rps
    );
    o.push_str("<table><tr><th>latency</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>p99.9</th><th>max</th></tr>");
    let mut row = |name: &str, l: &crate::stats::LatencySummary| {
        let _ = write!(
            o,
            "<tr><td>{name}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            format_ms(l.p50_ms),
            format_ms(l.p90_ms),
            format_ms(l.p95_ms),
            format_ms(l.p99_ms),
            format_ms(l.p999_ms),
            format_ms(l.max_ms)
        );
    };
    if let Some(c) = &r.corrected_latency {
        row("corrected", c);
    }
    row("service", &r.latency);
    o.push_str("</table>");
    if let Some(s) = &r.schedule {
        let _ = write!(
            o,
            "<p>Schedule: {} due, {} sent late, {} dropped{}.</p>",
            s.due,
            s.late,
            s.dropped,
            if s.shortfall {
                format!(
                    "; achieved {:.1} req/s is short of the {} req/s requested",
                    r.rps, s.requested_rps
                )
            } else {
                String::new()
            }
        );
    }
    if !r.thresholds.is_empty() || !r.failures.is_empty() {
        o.push_str("<ul>");
        for t in &r.thresholds {
            let _ = write!(
                o,
                r#"<li class="{}">{} {} — observed {}</li>"#,
                if t.pass { "pass" } else { "fail" },
                if t.pass { "pass" } else { "FAIL" },
                esc(&t.threshold),
                esc(&t.observed_text)
            );
        }
        for f in &r.failures {
            let _ = write!(o, r#"<li class="fail">{}</li>"#, esc(f));
        }
        o.push_str("</ul>");
    }

    let ms_fmt = |v: f64| format_ms(v);
    let nines_ticks: Vec<(f64, String)> = [
        (0.0, "0%"),
        (1.0, "90%"),
        (2.0, "99%"),
        (3.0, "99.9%"),
        (4.0, "99.99%"),
    ]
    .iter()
    .map(|(x, l)| (*x, l.to_string()))
    .collect();
    let mut dist = Vec::new();
    if let Some(c) = &r.corrected_hist {
        dist.push(Series {
            name: "corrected",
            color: "#b42318",
            points: spectrum(c),
        });
    }
    dist.push(Series {
        name: "service",
        color: "#1f6feb",
        points: spectrum(&r.service_hist),
    });
    o.push_str(&line_chart(
        "Latency distribution (by percentile)",
        "latency",
        &dist,
        (0.0, 4.0),
        &nines_ticks,
        &ms_fmt,
    ));

    let t_max = r.timeline.last().map(|p| p.t).unwrap_or(1.0).max(1.0);
    let time_ticks: Vec<(f64, String)> = (0..=5)
        .map(|i| {
            let t = t_max * i as f64 / 5.0;
            (t, format!("{t:.0}s"))
        })
        .collect();
    let pick = |f: fn(&crate::report::TimelinePoint) -> Option<f64>| -> Vec<(f64, f64)> {
        r.timeline
            .iter()
            .filter_map(|p| f(p).map(|v| (p.t, v)))
            .collect()
    };
    o.push_str(&line_chart(
        "Latency over time",
        "latency",
        &[
            Series {
                name: "p50",
                color: "#1f6feb",
                points: pick(|p| p.p50_ms),
            },
            Series {
                name: "p95",
                color: "#d97706",
                points: pick(|p| p.p95_ms),
            },
            Series {
                name: "p99",
                color: "#b42318",
                points: pick(|p| p.p99_ms),
            },
        ],
        (0.0, t_max),
        &time_ticks,
        &ms_fmt,
    ));
    o.push_str(&line_chart(
        "Throughput over time",
        "requests/s",
        &[
            Series {
                name: "responses/s",
                color: "#17803d",
                points: pick(|p| Some(p.rps)),
            },
            Series {
                name: "errors/s",
                color: "#b42318",
                points: pick(|p| Some(p.errors as f64)),
            },
        ],
        (0.0, t_max),
        &time_ticks,
        &|v| format!("{v:.0}"),
    ));
    o.push_str("</body></html>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_axis_bounds() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(3.2), 5.0);
        assert_eq!(nice_max(101.0), 200.0);
        assert_eq!(nice_max(0.9), 1.0);
    }

    #[test]
    fn spectrum_is_monotonic() {
        let mut h = crate::stats::new_histogram();
        for v in 1..=10_000u64 {
            h.record(v).unwrap();
        }
        let s = spectrum(&h);
        assert_eq!(s.len(), 41);
        assert!(s.windows(2).all(|w| w[0].1 <= w[1].1));
        assert!(spectrum(&crate::stats::new_histogram()).is_empty());
    }
}
