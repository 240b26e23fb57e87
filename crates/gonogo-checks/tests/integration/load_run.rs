//! `load.run` against local axum targets on 127.0.0.1:0: good and bad targets, finding codes,
//! the skip without a target, the error when nothing answers, and one run shared by items.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use gonogo_core::{CheckContext, CheckKind, Outcome, Params, Status};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

fn kind() -> &'static dyn CheckKind {
    gonogo_checks::registry()
        .get("load.run")
        .expect("registered")
}

/// A target with `/ok` (200), `/fail` (500) and `/slow` (50 ms); counts what it serves.
async fn target() -> (SocketAddr, Arc<AtomicU64>) {
    let hits = Arc::new(AtomicU64::new(0));
    let (h1, h2, h3) = (hits.clone(), hits.clone(), hits.clone());
    let app = Router::new()
        .route(
            "/ok",
            get(move || async move {
                h1.fetch_add(1, Ordering::SeqCst);
                "ok"
            }),
        )
        .route(
            "/fail",
            get(move || async move {
                h2.fetch_add(1, Ordering::SeqCst);
                (StatusCode::INTERNAL_SERVER_ERROR, "boom")
            }),
        )
        .route(
            "/slow",
            get(move || async move {
                h3.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                "slow"
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, hits)
}

/// A short, small run: 2 connections for 500 ms, no warm-up.
fn params(pairs: &[(&str, &str)]) -> Params {
    let mut p = Params::new()
        .with("duration", "500ms")
        .with("warmup", "0s")
        .with("connections", "2");
    for (k, v) in pairs {
        p.insert(k, *v);
    }
    p
}

async fn run(ctx: &CheckContext, p: &Params) -> Outcome {
    kind().prepare(p).expect("prepares").run(ctx).await
}

fn codes(o: &Outcome) -> Vec<&'static str> {
    o.evidence.findings.iter().map(|f| f.code).collect()
}

fn ctx() -> CheckContext {
    CheckContext::new(std::env::temp_dir())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_target_meets_the_thresholds() {
    let (addr, _) = target().await;
    let mut c = ctx();
    c.targets
        .insert("api_url".into(), format!("http://{addr}/ok"));
    let o = run(
        &c,
        &params(&[("p95", "2s"), ("min_rps", "10"), ("max_error_rate", "0.5")]),
    )
    .await;
    assert_eq!(o.status, Status::Pass, "{:?}", o.evidence);
    assert!(codes(&o).is_empty());
    assert!(
        o.evidence.summary.contains("req/s"),
        "{}",
        o.evidence.summary
    );
    assert_eq!(
        o.evidence.expected.as_deref(),
        Some("p95<=2s, rps>=10/s, error_rate<=0.5%")
    );
    assert_eq!(
        o.evidence.location.as_ref().unwrap().path,
        format!("http://{addr}/ok")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_all_500_target_fails_without_a_threshold() {
    let (addr, _) = target().await;
    let url = format!("http://{addr}/fail");
    let o = run(&ctx(), &params(&[("url", &url)])).await;
    assert_eq!(o.status, Status::Fail);
    assert_eq!(codes(&o), vec!["load-error-rate-above-default"]);
    let f = &o.evidence.findings[0];
    assert!(f.message.contains("5xx"), "{}", f.message);
    assert_eq!(f.location.as_ref().unwrap().path, url);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thresholds_from_the_item_fail_with_their_codes() {
    let (addr, _) = target().await;
    let url = format!("http://{addr}/slow");
    let o = run(
        &ctx(),
        &params(&[("url", &url), ("p95", "5ms"), ("min_rps", "100000")]),
    )
    .await;
    assert_eq!(o.status, Status::Fail);
    assert_eq!(
        codes(&o),
        vec![
            "load-latency-above-threshold",
            "load-throughput-below-threshold"
        ]
    );
    let url = format!("http://{addr}/fail");
    let o = run(&ctx(), &params(&[("url", &url), ("max_error_rate", "0.5")])).await;
    assert_eq!(codes(&o), vec!["load-error-rate-above-threshold"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_model_that_cannot_keep_its_rate() {
    let (addr, _) = target().await;
    let url = format!("http://{addr}/slow");
    let capped = [
        ("url", url.as_str()),
        ("rate", "100"),
        ("connections", "1"),
        ("max_connections", "1"),
    ];
    // One connection at 50 ms a response carries about 20 requests/s, not 100.
    let o = run(&ctx(), &params(&capped)).await;
    assert_eq!(o.status, Status::Warn, "{:?}", o.evidence);
    assert_eq!(codes(&o), vec!["load-rate-shortfall"]);
    // A rate threshold fails on the shortfall even though 20/s is above 10/s.
    let mut p = params(&capped);
    p.insert("min_rps", "10");
    let o = run(&ctx(), &p).await;
    assert_eq!(o.status, Status::Fail, "{:?}", o.evidence);
    assert_eq!(codes(&o), vec!["load-throughput-below-threshold"]);
    assert!(o.evidence.findings[0].message.contains("requested"));
    // With connections to spare, the schedule is kept.
    let o = run(
        &ctx(),
        &params(&[("url", &url), ("rate", "100"), ("min_rps", "90")]),
    )
    .await;
    assert_eq!(o.status, Status::Pass, "{:?}", o.evidence);
    assert!(
        o.evidence.summary.contains("corrected"),
        "{}",
        o.evidence.summary
    );
}

#[tokio::test]
async fn without_a_target_it_is_an_error() {
    let o = run(&ctx(), &params(&[])).await;
    assert_eq!(o.status, Status::Error);
    assert_eq!(
        o.evidence.summary,
        "no api_url configured: set it under [targets] in gonogo.toml, or run with --only static"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_refuses_every_connection_is_an_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://user:hunter2@127.0.0.1:{port}/");
    let o = run(&ctx(), &params(&[("url", &url)])).await;
    assert_eq!(o.status, Status::Error, "{:?}", o.evidence);
    assert!(
        o.evidence.summary.contains("could not connect"),
        "{}",
        o.evidence.summary
    );
    assert!(
        !o.evidence.summary.contains("hunter2"),
        "the password never shows"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_with_the_same_settings_share_one_run() {
    let (addr, hits) = target().await;
    let mut c = ctx();
    c.targets
        .insert("api_url".into(), format!("http://{addr}/ok"));
    let a = run(&c, &params(&[("p95", "2s")])).await;
    let after_first = hits.load(Ordering::SeqCst);
    let b = run(&c, &params(&[("min_rps", "1")])).await;
    assert_eq!(hits.load(Ordering::SeqCst), after_first, "no second load");
    assert_eq!((a.status, b.status), (Status::Pass, Status::Pass));
    assert_eq!(a.evidence.summary, b.evidence.summary);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupt_stops_the_load_at_once() {
    let (addr, hits) = target().await;
    let url = format!("http://{addr}/ok");
    let c = ctx();
    let interrupt = c.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        interrupt.cancel();
    });
    let started = std::time::Instant::now();
    let o = run(&c, &params(&[("url", &url), ("duration", "60s")])).await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(o.status, Status::Error);
    assert_eq!(
        o.evidence.summary,
        format!("interrupted: the load on {url} was stopped")
    );
    // The engine's workers stop too, within their drain window: the target goes quiet.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let settled = hits.load(Ordering::SeqCst);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        hits.load(Ordering::SeqCst),
        settled,
        "the load kept running"
    );
}
