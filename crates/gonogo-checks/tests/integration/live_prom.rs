//! Prometheus kinds against a real Prometheus (Debian's `prometheus` binary) started on a free
//! loopback port, scraping a small axum service of the test's own, with rule files loaded.

use crate::live::{codes, ctx, run, wait_for};
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use gonogo_checks::metrics::exposed::MetricsExposed;
use gonogo_checks::prom::{
    alertmanager::PromAlertmanager, query::PromQuery, rules_loaded::PromRulesLoaded,
    targets_up::PromTargetsUp,
};
use gonogo_core::Status;
use gonogo_testkit::{Found, Service};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const GOOD_METRICS: &str = "# HELP app_requests_total Requests served.\n\
# TYPE app_requests_total counter\n\
app_requests_total{path=\"/\",code=\"200\"} 42\n\
app_requests_total{path=\"/login\",code=\"500\"} 2\n\
# HELP app_latency_seconds Request latency.\n\
# TYPE app_latency_seconds histogram\n\
app_latency_seconds_bucket{le=\"0.1\"} 30\n\
app_latency_seconds_bucket{le=\"0.5\"} 40\n\
app_latency_seconds_bucket{le=\"+Inf\"} 44\n\
app_latency_seconds_sum 6.5\n\
app_latency_seconds_count 44\n\
# TYPE process_resident_memory_bytes gauge\n\
process_resident_memory_bytes 2.5e+07\n";

const BAD_METRICS: &str = "# TYPE app_requests_total counter\n\
app_requests_total{path=\"/\"} 1\n\
app_requests_total{path=\"/\"} 2\n\
app_bad{path=/x} 1\n\
app_value notanumber\n";

/// The service under test: good and bad expositions, and an Alertmanager-shaped alert sink.
async fn start_service() -> SocketAddr {
    let text = |body: &'static str| {
        move || async move {
            ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
        }
    };
    // Counters that grow with every scrape, so that `rate()` has something to show: one
    // service labels the status `status`, one `code`; each answers a 5xx to 1 request in 11.
    let scrapes = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let metrics = move || {
        let n = scrapes.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        async move {
            let body = format!(
                "{GOOD_METRICS}# TYPE http_requests_total counter\n\
                 http_requests_total{{job_kind=\"framework\",status=\"200\"}} {ok}\n\
                 http_requests_total{{job_kind=\"framework\",status=\"503\"}} {n}\n\
                 http_requests_total{{job_kind=\"client\",code=\"200\"}} {ok}\n\
                 http_requests_total{{job_kind=\"client\",code=\"500\"}} {n}\n",
                ok = n * 10
            );
            ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
        }
    };
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/bad/metrics", get(text(BAD_METRICS)))
        .route("/api/v2/alerts", post(|| async { StatusCode::OK }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// A server that sends a response head promising a large body, then one byte every 100 ms.
async fn start_trickler() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf).await;
                let head =
                    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 100000\r\n\r\n";
                if s.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let mut tick = tokio::time::interval(Duration::from_millis(100));
                loop {
                    tick.tick().await;
                    if s.write_all(b"#").await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

/// A Prometheus process, killed when dropped.
struct Prometheus {
    _child: tokio::process::Child,
    url: String,
    _dir: tempfile::TempDir,
}

/// Start Prometheus with `config` (and `rules`, written beside it as rules.yml) on a free port
/// and wait for its readiness endpoint.
async fn start_prometheus(binary: &std::path::Path, config: &str, rules: &str) -> Prometheus {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("prometheus.yml"), config).unwrap();
    std::fs::write(dir.path().join("rules.yml"), rules).unwrap();
    let port = crate::live::free_port();
    let log = std::fs::File::create(dir.path().join("prometheus.log")).unwrap();
    let child = tokio::process::Command::new(binary)
        .arg(format!(
            "--config.file={}",
            dir.path().join("prometheus.yml").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .expect("start prometheus");
    let mut child = child;
    let url = format!("http://127.0.0.1:{port}");
    let ready = format!("{url}/-/ready");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    loop {
        tick.tick().await;
        if client
            .get(&ready)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        let log = || std::fs::read_to_string(dir.path().join("prometheus.log")).unwrap_or_default();
        if let Ok(Some(status)) = child.try_wait() {
            panic!("prometheus exited ({status}):\n{}", log());
        }
        assert!(
            Instant::now() < deadline,
            "Prometheus not ready within 30 s:\n{}",
            log()
        );
    }
    Prometheus {
        _child: child,
        url,
        _dir: dir,
    }
}

async fn api(url: &str) -> serde_json::Value {
    match reqwest::get(url).await {
        Ok(r) => r.json().await.unwrap_or_default(),
        Err(_) => serde_json::Value::Null,
    }
}

#[tokio::test]
async fn prometheus_kinds_against_a_real_prometheus() {
    let Some(Found::Binary(binary)) = gonogo_testkit::require(
        Service::Prometheus,
        "prometheus_kinds_against_a_real_prometheus",
    ) else {
        return;
    };
    let service = start_service().await;
    let dead = crate::live::free_port();
    let config = [
        "global:",
        "  scrape_interval: 1s",
        "  evaluation_interval: 1s",
        "rule_files: [rules.yml]",
        "alerting:",
        "  alertmanagers:",
        "    - static_configs:",
        &format!("        - targets: ['{service}']"),
        "scrape_configs:",
        "  - job_name: app",
        "    static_configs:",
        &format!("      - targets: ['{service}']"),
        "  - job_name: gone",
        "    static_configs:",
        &format!("      - targets: ['127.0.0.1:{dead}']"),
    ]
    .join("\n");
    let rules = [
        "groups:",
        "  - name: app",
        "    rules:",
        "      - alert: AppDown",
        "        expr: up{job=\"app\"} == 0",
        "        for: 1m",
        "        labels:",
        "          severity: critical",
        "      - record: job:app_requests:sum",
        "        expr: sum by (job) (app_requests_total)",
        "  - name: broken",
        "    rules:",
        "      - record: broken:dup",
        "        expr: label_replace(label_replace(up, \"job\", \"x\", \"\", \"\"), \"instance\", \"x\", \"\", \"\")",
    ]
    .join("\n");
    let bare_config = "global:\n  scrape_interval: 1s\n";
    let (prom, bare) = tokio::join!(
        start_prometheus(&binary, &config, &rules),
        start_prometheus(&binary, bare_config, "groups: []\n")
    );

    // Wait for both targets to be scraped and every rule evaluated once.
    let targets = format!("{}/api/v1/targets", prom.url);
    wait_for("both targets scraped", Duration::from_secs(30), || {
        let u = targets.clone();
        async move {
            let v = api(&u).await;
            let ts = v["data"]["activeTargets"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            ts.len() == 2 && ts.iter().all(|t| t["health"] != "unknown")
        }
    })
    .await;
    let rules_url = format!("{}/api/v1/rules", prom.url);
    wait_for(
        "the rules evaluated after both scrapes",
        Duration::from_secs(30),
        || {
            let u = rules_url.clone();
            async move {
                let v = api(&u).await;
                let groups = v["data"]["groups"].as_array().cloned().unwrap_or_default();
                // The broken rule errors once `up` has both targets' series.
                let health = |name: &str| {
                    groups
                        .iter()
                        .flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default())
                        .find(|r| r["name"] == name)
                        .map(|r| r["health"].as_str().unwrap_or("").to_string())
                };
                health("broken:dup").as_deref() == Some("err")
                    && health("AppDown").as_deref() == Some("ok")
                    && health("job:app_requests:sum").as_deref() == Some("ok")
            }
        },
    )
    .await;
    let alertmanagers = format!("{}/api/v1/alertmanagers", prom.url);
    wait_for(
        "the Alertmanager discovered",
        Duration::from_secs(30),
        || {
            let u = alertmanagers.clone();
            async move {
                api(&u).await["data"]["activeAlertmanagers"]
                    .as_array()
                    .is_some_and(|a| !a.is_empty())
            }
        },
    )
    .await;

    let dir = tempfile::tempdir().unwrap();
    let good = ctx(dir.path(), &[("prometheus_url", &prom.url)]);
    let empty = ctx(dir.path(), &[("prometheus_url", &bare.url)]);

    // prom.targets-up
    let o = run(&PromTargetsUp, &[("job", "app")], &good).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert_eq!(
        o.evidence.summary,
        "1 up, 0 down, 0 unknown of 1 targets in job app"
    );
    let o = run(&PromTargetsUp, &[], &good).await;
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(codes(&o), ["prom-target-down"]);
    assert!(
        o.evidence.findings[0].message.starts_with(&format!(
            "job gone: http://127.0.0.1:{dead}/metrics is down: "
        )),
        "{:?}",
        o.evidence.findings
    );
    let o = run(&PromTargetsUp, &[], &empty).await;
    assert_eq!(
        (o.status, codes(&o)),
        (Status::Fail, vec!["prom-no-targets"])
    );

    // prom.rules-loaded
    let o = run(&PromRulesLoaded, &[("severity", "critical")], &good).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert_eq!(
        o.evidence.summary,
        "1 alerting rules loaded from 1 files, 1 with severity=critical"
    );
    let o = run(&PromRulesLoaded, &[("severity", "page")], &good).await;
    assert_eq!(codes(&o), ["prom-rules-no-severity"]);
    let o = run(&PromRulesLoaded, &[("type", "record")], &good).await;
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(codes(&o), ["prom-rule-error"]);
    let f = &o.evidence.findings[0];
    assert!(
        f.message
            .starts_with("rule broken:dup in group broken fails to evaluate: "),
        "{}",
        f.message
    );
    assert!(f.location.as_ref().unwrap().path.ends_with("rules.yml"));
    let o = run(&PromRulesLoaded, &[], &empty).await;
    assert_eq!(
        (o.status, codes(&o)),
        (Status::Fail, vec!["prom-rules-none"])
    );

    // prom.query
    let o = run(
        &PromQuery,
        &[("query", "sum(app_requests_total)"), ("max", "1000")],
        &good,
    )
    .await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert_eq!(o.evidence.summary, "44 (≤ 1000)");
    let o = run(
        &PromQuery,
        &[("query", "app_requests_total"), ("max", "10")],
        &good,
    )
    .await;
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(codes(&o), ["prom-query-above-max"]);
    assert!(
        o.evidence.findings[0].message.contains("code=\"200\"")
            && o.evidence.findings[0].message.ends_with("= 42 > max 10")
    );
    let o = run(
        &PromQuery,
        &[("query", "scalar(sum(up))"), ("min", "2")],
        &good,
    )
    .await;
    assert_eq!(
        (o.status, codes(&o)),
        (Status::Fail, vec!["prom-query-below-min"])
    );
    let p95 = "histogram_quantile(0.95, sum by (le) (app_latency_seconds_bucket))";
    let o = run(&PromQuery, &[("query", p95), ("max", "1")], &good).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    let o = run(
        &PromQuery,
        &[("query", "no_such_metric_total"), ("max", "1")],
        &good,
    )
    .await;
    assert_eq!(o.status, Status::Error, "{o:?}");
    assert!(o.evidence.summary.starts_with("query returned no samples"));
    let o = run(&PromQuery, &[("query", "sum("), ("max", "1")], &good).await;
    assert_eq!(o.status, Status::Error, "{o:?}");
    assert!(
        o.evidence.summary.contains("bad_data"),
        "{}",
        o.evidence.summary
    );

    // The conventional success and error ratios see 5xx under `status` as under `code`.
    let errors = gonogo_checks::prom::query::error_ratio("5m");
    let ratio_known = format!("{}/api/v1/query?query={}", prom.url, urlencode(&errors));
    wait_for(
        "two scrapes of the growing counters",
        Duration::from_secs(30),
        || {
            let u = ratio_known.clone();
            async move {
                api(&u).await["data"]["result"]
                    .as_array()
                    .is_some_and(|r| !r.is_empty())
            }
        },
    )
    .await;
    let o = run(&PromQuery, &[("query", &errors), ("max", "0.01")], &good).await;
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(
        o.evidence.summary,
        "1 of 1 series out of bounds (≤ 0.01): 0.0909"
    );
    let success = gonogo_checks::prom::query::success_ratio("5m");
    let o = run(&PromQuery, &[("query", &success), ("min", "0.99")], &good).await;
    assert_eq!(o.status, Status::Fail, "{o:?}");
    let o = run(&PromQuery, &[("query", &success), ("min", "0.9")], &good).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");

    // prom.alertmanager
    let o = run(&PromAlertmanager, &[], &good).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert_eq!(
        o.evidence.summary,
        format!("1 active: http://{service}/api/v2/alerts")
    );
    let o = run(&PromAlertmanager, &[], &empty).await;
    assert_eq!(
        (o.status, codes(&o)),
        (Status::Fail, vec!["prom-no-alertmanager"])
    );
}

#[tokio::test]
async fn metrics_exposed_parses_the_service_exposition() {
    let service = start_service().await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://{service}/metrics");
    let ctx = ctx(dir.path(), &[("metrics_url", &url)]);
    let o = run(
        &MetricsExposed,
        &[("require", "app_requests_total,app_latency_seconds")],
        &ctx,
    )
    .await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert_eq!(
        o.evidence.summary,
        format!("{url}: 4 families, 12 samples (Prometheus text)")
    );
    let o = run(
        &MetricsExposed,
        &[("require", "app_requests_total,jobs_processed_total")],
        &ctx,
    )
    .await;
    assert_eq!(
        (o.status, codes(&o)),
        (Status::Fail, vec!["metrics-missing"])
    );

    let bad = format!("http://{service}/bad/metrics");
    let o = run(&MetricsExposed, &[("url", &bad)], &ctx).await;
    assert_eq!(o.status, Status::Fail, "{o:?}");
    let located: Vec<String> = o
        .evidence
        .findings
        .iter()
        .map(|f| format!("{} {}: {}", f.code, f.location.as_ref().unwrap(), f.message))
        .collect();
    assert_eq!(
        located,
        [
            format!(
                "metrics-invalid-line {bad}:3: app_requests_total: duplicate series (same name and labels)"
            ),
            format!(
                "metrics-invalid-line {bad}:4: app_bad: label `path`: value must be double-quoted"
            ),
            format!("metrics-invalid-line {bad}:5: app_value: value `notanumber` is not a number"),
        ]
    );
    let missing = format!("http://{service}/nothing-here");
    let o = run(
        &MetricsExposed,
        &[("url", &format!("{url},{missing}"))],
        &ctx,
    )
    .await;
    assert_eq!(
        (o.status, codes(&o)),
        (Status::Fail, vec!["metrics-http-status"])
    );
    assert_eq!(
        o.evidence.findings[0].message,
        format!("{missing} answered HTTP 404")
    );
}

#[tokio::test]
async fn prometheus_probes_are_bounded_against_silent_and_trickling_servers() {
    let silent = crate::live::silent_listener();
    let trickler = start_trickler().await;
    let dir = tempfile::tempdir().unwrap();
    for base in [
        format!("http://user:pw-secret@{}", silent.addr),
        format!("http://user:pw-secret@{trickler}"),
    ] {
        let ctx = ctx(
            dir.path(),
            &[
                ("prometheus_url", &base),
                ("metrics_url", &format!("{base}/metrics")),
            ],
        );
        for kind in [
            &PromTargetsUp as &dyn gonogo_core::CheckKind,
            &MetricsExposed,
        ] {
            let started = Instant::now();
            let o = run(kind, &[], &ctx).await;
            let took = started.elapsed();
            assert_eq!(o.status, Status::Error, "{}: {o:?}", kind.id());
            assert!(
                took < Duration::from_secs(7),
                "{}: took {took:?}",
                kind.id()
            );
            assert!(
                o.evidence.summary.contains("did not answer within 5 s"),
                "{}",
                o.evidence.summary
            );
            assert!(!crate::live::shown(&o).contains("pw-secret"), "{o:?}");
        }
    }
}

/// Percent-encodes a PromQL expression for a query string.
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
