//! `gonogo load URL …`: drives the load engine from the command line, shows live progress on a
//! terminal, prints the summary (or JSON), writes the HTML report, and maps the verdict to the
//! exit code (0 thresholds hold, 1 one fails, 2 usage error).

use anyhow::Context;
use gonogo_core::params::parse_duration;
use gonogo_load::{
    Control, HttpVersion, LoadConfig, Model, Progress, Scenario, StatusSet, Stop, Threshold,
};
use gonogo_repo::read_text;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LoadFormat {
    /// The human summary.
    Text,
    /// The full report, with the merged HDR histograms (V2, base64) for merging runs later.
    Json,
}

#[derive(clap::Args)]
#[command(
    after_help = "Thresholds: p50 p90 p95 p99 p99.9 max mean min (latency; schedule-corrected with --rate), \
rps, error_rate, with < <= > >=: --threshold 'p95<200ms' --threshold 'error_rate<0.5%' --threshold 'rps>100'. \
A run with more than 1% errors fails unless an error_rate threshold says otherwise.\n\
Exit codes: 0 every threshold holds, 1 one fails, 2 usage error."
)]
pub struct LoadArgs {
    /// The target URL (http:// or https://); with --scenario, the base URL for relative paths.
    #[arg(value_name = "URL", required_unless_present_any = ["scenario", "merge"])]
    pub url: Option<String>,
    /// Combine the `--format json` reports of runs made at the same time (from several
    /// machines) into one report, and apply --threshold to the whole; nothing is sent.
    #[arg(
        long,
        value_name = "FILE",
        num_args = 1..,
        conflicts_with_all = [
            "url", "scenario", "method", "headers", "body", "connections", "rate",
            "max_connections", "duration", "requests", "warmup", "timeout", "drain", "threads",
            "http1", "http2", "insecure", "expect", "no_progress",
        ]
    )]
    pub merge: Vec<PathBuf>,
    /// A TOML scenario: several requests with weights, headers, bodies and variables.
    #[arg(long, short = 's', value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// The HTTP method.
    #[arg(long, short = 'm', default_value = "GET", conflicts_with = "scenario")]
    pub method: String,
    /// A request header, `Name: value` (repeatable).
    #[arg(
        long = "header",
        short = 'H',
        value_name = "HEADER",
        conflicts_with = "scenario"
    )]
    pub headers: Vec<String>,
    /// The request body.
    #[arg(long, short = 'b', conflicts_with = "scenario")]
    pub body: Option<String>,
    /// Closed model: connections kept busy. Open model (--rate): connections to start with.
    #[arg(long, short = 'c', value_name = "N")]
    pub connections: Option<usize>,
    /// Open model: a constant arrival rate in requests per second.
    #[arg(long, short = 'r', value_name = "REQ/S")]
    pub rate: Option<f64>,
    /// Open model: the most connections opened to keep the schedule.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_connections: usize,
    /// How long to measure (after the warm-up), e.g. 30s, 5m [default: 10s].
    #[arg(
        long,
        short = 'd',
        value_name = "DURATION",
        conflicts_with = "requests"
    )]
    pub duration: Option<String>,
    /// Stop after this many measured requests.
    #[arg(long, short = 'n', value_name = "N")]
    pub requests: Option<u64>,
    /// Excluded from every figure.
    #[arg(long, value_name = "DURATION", default_value = "1s")]
    pub warmup: String,
    /// Per request, until the end of the body.
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    pub timeout: String,
    /// How long in-flight requests may finish after the end.
    #[arg(long, value_name = "DURATION", default_value = "2s")]
    pub drain: String,
    /// Worker threads [default: the number of cores].
    #[arg(long, short = 't', value_name = "N")]
    pub threads: Option<usize>,
    /// Only HTTP/1.1.
    #[arg(long, conflicts_with = "http2")]
    pub http1: bool,
    /// HTTP/2: prior knowledge on http://, ALPN h2 on https://.
    #[arg(long)]
    pub http2: bool,
    /// Accept any TLS certificate.
    #[arg(long)]
    pub insecure: bool,
    /// Statuses that count as success, e.g. 200,201 or 2xx [default: 2xx,3xx].
    #[arg(long, value_name = "STATUSES")]
    pub expect: Option<String>,
    /// A pass/fail criterion (repeatable), e.g. 'p95<200ms'.
    #[arg(long = "threshold", value_name = "EXPR")]
    pub thresholds: Vec<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: LoadFormat,
    /// Also write a self-contained HTML report (charts inline).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// No live progress line, even on a terminal.
    #[arg(long)]
    pub no_progress: bool,
}

/// A scenario file larger than this is refused.
const MAX_SCENARIO_BYTES: u64 = 4 << 20;
/// A load report (`--merge`) larger than this is refused.
const MAX_REPORT_BYTES: u64 = 64 << 20;

/// A usage mistake: reported on stderr, exit 2.
fn usage(msg: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{msg}")
}

pub fn config_from_args(args: &LoadArgs) -> anyhow::Result<(LoadConfig, Vec<Threshold>)> {
    let scenario = match &args.scenario {
        Some(file) => {
            let text = read_text(file, MAX_SCENARIO_BYTES)
                .map_err(|e| usage(format!("cannot read scenario {}: {e}", file.display())))?;
            Scenario::from_toml(&text, &file.display().to_string(), args.url.as_deref())
                .map_err(usage)?
        }
        None => Scenario::request(
            args.url.as_deref().unwrap_or_default(),
            &args.method,
            &args.headers,
            args.body.as_deref(),
        )
        .map_err(usage)?,
    };
    let dur =
        |name: &str, v: &str| parse_duration(v).map_err(|e| usage(format!("--{name} `{v}`: {e}")));
    let mut cfg = LoadConfig::new(scenario);
    cfg.model = match args.rate {
        Some(rate) => {
            let start = args
                .connections
                .unwrap_or_else(|| ((rate / 100.0).ceil() as usize).clamp(1, 64));
            Model::Open {
                rate,
                connections: start,
                max_connections: args.max_connections.max(start),
            }
        }
        None => Model::Closed {
            connections: args.connections.unwrap_or(10),
        },
    };
    cfg.stop = match (args.requests, &args.duration) {
        (Some(n), _) => Stop::Requests(n),
        (None, Some(d)) => Stop::Duration(dur("duration", d)?),
        (None, None) => Stop::Duration(Duration::from_secs(10)),
    };
    cfg.warmup = dur("warmup", &args.warmup)?;
    cfg.timeout = dur("timeout", &args.timeout)?;
    cfg.drain = dur("drain", &args.drain)?;
    if let Some(t) = args.threads {
        cfg.threads = t;
    }
    cfg.http = if args.http2 {
        HttpVersion::Http2
    } else if args.http1 {
        HttpVersion::Http1
    } else {
        HttpVersion::Auto
    };
    cfg.insecure = args.insecure;
    if let Some(e) = &args.expect {
        cfg.expect = StatusSet::parse(e).map_err(|e| usage(format!("--expect: {e}")))?;
    }
    cfg.validate()
        .map_err(|p| usage(format!("invalid load: {}", p.join("; "))))?;
    Ok((cfg, thresholds(&args.thresholds)?))
}

fn thresholds(exprs: &[String]) -> anyhow::Result<Vec<Threshold>> {
    exprs
        .iter()
        .map(|t| Threshold::parse(t).map_err(usage))
        .collect()
}

pub fn load(args: LoadArgs) -> anyhow::Result<u8> {
    if !args.merge.is_empty() {
        return merge(&args);
    }
    let (cfg, thresholds) = config_from_args(&args)?;
    let control = Control::new();
    {
        // Ctrl-C stops the run cleanly (in-flight requests drain, the report is still
        // written); a second Ctrl-C exits at once.
        let control = control.clone();
        std::thread::Builder::new()
            .name("gonogo-load-signal".into())
            .spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async {
                    if tokio::signal::ctrl_c().await.is_ok() {
                        control.stop();
                        if tokio::signal::ctrl_c().await.is_ok() {
                            std::process::exit(130);
                        }
                    }
                });
            })
            .context("cannot watch for Ctrl-C")?;
    }
    let live = !args.no_progress && std::io::stderr().is_terminal();
    let mut stderr = std::io::stderr();
    let mut on_progress = |p: &Progress| {
        if live {
            let _ = write!(stderr, "\r\x1b[2K{}", p.line());
            let _ = stderr.flush();
        }
    };
    let result = gonogo_load::run(&cfg, &control, &mut on_progress);
    if live {
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    }
    let mut report = result.map_err(usage)?;
    report.evaluate(&thresholds);
    finish(&args, &report)
}

/// `--merge A.json B.json …`: one report of concurrent runs, judged by the thresholds.
fn merge(args: &LoadArgs) -> anyhow::Result<u8> {
    let thresholds = thresholds(&args.thresholds)?;
    let mut runs = Vec::with_capacity(args.merge.len());
    for path in &args.merge {
        let text = read_text(path, MAX_REPORT_BYTES)
            .map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
        runs.push((path.display().to_string(), text));
    }
    let mut report = gonogo_load::merge::merge(&runs).map_err(usage)?;
    report.evaluate(&thresholds);
    finish(args, &report)
}

/// Writes the HTML report and the summary or JSON; the exit code of the verdict.
fn finish(args: &LoadArgs, report: &gonogo_load::LoadReport) -> anyhow::Result<u8> {
    if let Some(path) = &args.html {
        std::fs::write(path, gonogo_load::html::render(report))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        LoadFormat::Text => write!(out, "{}", report.render_text())?,
        LoadFormat::Json => {
            serde_json::to_writer_pretty(&mut out, report)?;
            writeln!(out)?;
        }
    }
    Ok(if report.pass { 0 } else { 1 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrap {
        #[command(flatten)]
        args: LoadArgs,
    }

    fn parse(argv: &[&str]) -> anyhow::Result<(LoadConfig, Vec<Threshold>)> {
        let w = Wrap::try_parse_from(std::iter::once("load").chain(argv.iter().copied()))?;
        config_from_args(&w.args)
    }

    #[test]
    fn closed_and_open_models_from_flags() {
        let (c, t) = parse(&["http://127.0.0.1:8080/", "-c", "50", "-d", "30s"]).unwrap();
        assert_eq!(c.model, Model::Closed { connections: 50 });
        assert_eq!(c.stop, Stop::Duration(Duration::from_secs(30)));
        assert!(t.is_empty());
        let (c, _) = parse(&["http://127.0.0.1:8080/", "--rate", "500", "-n", "1000"]).unwrap();
        assert_eq!(
            c.model,
            Model::Open {
                rate: 500.0,
                connections: 5,
                max_connections: 1000
            }
        );
        assert_eq!(c.stop, Stop::Requests(1000));
    }

    #[test]
    fn usage_errors() {
        assert!(parse(&["http://h/", "--threshold", "p95<fast"]).is_err());
        assert!(parse(&["http://h/", "--rate", "1e9"]).is_err());
        assert!(parse(&["http://h/", "-d", "2h"]).is_err());
        assert!(parse(&["ftp://h/"]).is_err());
        assert!(parse(&["http://h/", "--expect", "abc"]).is_err());
        assert!(parse(&[]).is_err(), "a target is required");
    }
}
