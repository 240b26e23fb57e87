//! The engine against a local axum target on 127.0.0.1:0: request counts, error classes,
//! models, and the coordinated-omission accuracy check. Every run is small and bounded.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use gonogo_load::{
    Control, HttpVersion, LoadConfig, LoadReport, Model, Scenario, StatusSet, Stop, Threshold,
};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the target saw.
#[derive(Default)]
struct Seen {
    total: AtomicU64,
    by_path: Mutex<HashMap<String, u64>>,
}

struct Target {
    addr: SocketAddr,
    seen: Arc<Seen>,
}

impl Target {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
    fn total(&self) -> u64 {
        self.seen.total.load(Ordering::SeqCst)
    }
}

#[derive(Clone)]
struct AppState {
    seen: Arc<Seen>,
    started: Instant,
    /// The start of the stall period last served (in whole seconds since start).
    stalled_period: Arc<tokio::sync::Mutex<Option<u64>>>,
}

async fn count(state: &AppState, path: &str) {
    state.seen.total.fetch_add(1, Ordering::SeqCst);
    *state
        .seen
        .by_path
        .lock()
        .unwrap()
        .entry(path.to_string())
        .or_default() += 1;
}

/// Starts the target on its own runtime thread; it lives until the test process ends.
fn target() -> Target {
    let seen = Arc::new(Seen::default());
    let state = AppState {
        seen: seen.clone(),
        started: Instant::now(),
        stalled_period: Arc::default(),
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = Router::new()
                .route(
                    "/ok",
                    get(|State(s): State<AppState>| async move {
                        count(&s, "/ok").await;
                        "hello"
                    }),
                )
                .route(
                    "/a",
                    get(|State(s): State<AppState>| async move {
                        count(&s, "/a").await;
                        "a"
                    }),
                )
                .route(
                    "/b",
                    get(|State(s): State<AppState>| async move {
                        count(&s, "/b").await;
                        "b"
                    }),
                )
                .route(
                    "/fail",
                    get(|State(s): State<AppState>| async move {
                        count(&s, "/fail").await;
                        (StatusCode::INTERNAL_SERVER_ERROR, "boom")
                    }),
                )
                .route(
                    // Every fourth request fails.
                    "/mixed",
                    get(|State(s): State<AppState>| async move {
                        count(&s, "/mixed").await;
                        let n = s.seen.by_path.lock().unwrap()["/mixed"];
                        if n % 4 == 0 {
                            (StatusCode::SERVICE_UNAVAILABLE, "down")
                        } else {
                            (StatusCode::OK, "fine!")
                        }
                    }),
                )
                .route(
                    "/missing",
                    get(|State(s): State<AppState>| async move {
                        count(&s, "/missing").await;
                        (StatusCode::NOT_FOUND, "no")
                    }),
                )
                .route(
                    "/slow",
                    get(|State(s): State<AppState>| async move {
                        count(&s, "/slow").await;
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        "slow"
                    }),
                )
                .route(
                    "/hang",
                    get(|State(s): State<AppState>| async move {
                        count(&s, "/hang").await;
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        "late"
                    }),
                )
                .route(
                    // Stalls for 100 ms once a second: the first request of each second
                    // (since the target started) holds the lock for 100 ms, and every
                    // request waits for the lock.
                    "/stall",
                    get(|State(s): State<AppState>| async move {
                        count(&s, "/stall").await;
                        let mut last = s.stalled_period.lock().await;
                        let period = s.started.elapsed().as_secs();
                        if *last != Some(period) {
                            *last = Some(period);
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                        "ok"
                    }),
                )
                .with_state(state);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    let addr = rx.recv().unwrap();
    Target { addr, seen }
}

fn config(url: &str) -> LoadConfig {
    let mut c = LoadConfig::new(Scenario::single(url).unwrap());
    c.warmup = Duration::ZERO;
    c.threads = 2;
    c.drain = Duration::from_millis(500);
    c
}

fn run(cfg: &LoadConfig) -> LoadReport {
    gonogo_load::run(cfg, &Control::new(), &mut |_| {}).expect("run starts")
}

#[test]
fn closed_model_sends_exactly_the_requested_count() {
    let t = target();
    let mut cfg = config(&t.url("/ok"));
    cfg.model = Model::Closed { connections: 4 };
    cfg.stop = Stop::Requests(200);
    let r = run(&cfg);
    assert_eq!(r.requests, 200);
    assert_eq!(r.ok, 200);
    assert_eq!(t.total(), 200, "the target saw every request once");
    assert_eq!(r.statuses.get(&200), Some(&200));
    assert_eq!(r.bytes_received, 200 * 5);
    assert_eq!(r.protocol, Some("HTTP/1.1"));
    assert_eq!(r.latency.count, 200);
    assert!(r.latency.p50_ms > 0.0 && r.latency.p50_ms <= r.latency.p99_ms);
    assert!(r.corrected_latency.is_none() && r.schedule.is_none());
    assert!(r.pass, "{:?}", r.failures);
}

#[test]
fn an_all_500_target_fails_even_without_a_threshold() {
    let t = target();
    let mut cfg = config(&t.url("/fail"));
    cfg.model = Model::Closed { connections: 2 };
    cfg.stop = Stop::Requests(100);
    let r = run(&cfg);
    assert_eq!(r.requests, 100);
    assert_eq!(r.errors.status_5xx, 100);
    assert_eq!(r.error_count, 100);
    assert_eq!(r.error_rate, 1.0);
    assert!(!r.pass);
    assert!(
        r.failures[0].contains("above the default limit of 1%"),
        "{:?}",
        r.failures
    );
}

#[test]
fn unexpected_4xx_are_errors_unless_expected() {
    let t = target();
    let mut cfg = config(&t.url("/missing"));
    cfg.model = Model::Closed { connections: 1 };
    cfg.stop = Stop::Requests(20);
    let r = run(&cfg);
    assert_eq!(r.errors.status_4xx, 20);
    assert!(!r.pass);

    cfg.expect = StatusSet::parse("404").unwrap();
    let r = run(&cfg);
    assert_eq!(r.error_count, 0);
    assert!(r.pass);

    // A 200 outside the expected set is an error of class "other".
    let mut cfg = config(&t.url("/ok"));
    cfg.model = Model::Closed { connections: 1 };
    cfg.stop = Stop::Requests(10);
    cfg.expect = StatusSet::parse("201").unwrap();
    let r = run(&cfg);
    assert_eq!(r.errors.other, 10);
}

#[test]
fn a_refused_connection_is_a_connect_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut cfg = config(&format!("http://127.0.0.1:{port}/"));
    cfg.model = Model::Closed { connections: 1 };
    cfg.stop = Stop::Requests(4);
    let r = run(&cfg);
    assert_eq!(r.errors.connect, 4);
    assert_eq!(r.requests, 4);
    assert_eq!(r.latency.count, 0, "no response, no latency");
    assert!(!r.pass);
    assert_eq!(r.protocol, None);
}

#[test]
fn slow_responses_time_out() {
    let t = target();
    let mut cfg = config(&t.url("/hang"));
    cfg.model = Model::Closed { connections: 2 };
    cfg.stop = Stop::Requests(4);
    cfg.timeout = Duration::from_millis(100);
    let r = run(&cfg);
    assert_eq!(r.errors.timeout, 4);
    assert!(!r.pass);
}

#[test]
fn in_flight_requests_at_the_end_are_drained_not_counted_as_errors() {
    let t = target();
    let mut cfg = config(&t.url("/hang"));
    cfg.model = Model::Closed { connections: 2 };
    cfg.stop = Stop::Duration(Duration::from_millis(200));
    cfg.drain = Duration::from_millis(100);
    let started = Instant::now();
    let r = run(&cfg);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the drain window bounds the run"
    );
    assert_eq!(r.unfinished, 2);
    assert_eq!(r.error_count, 0);
    assert_eq!(r.requests, 0);
    assert!(!r.pass, "no measured request is never a pass");
    assert_eq!(r.failures, vec!["no requests were measured".to_string()]);
}

#[test]
fn warm_up_is_excluded() {
    let t = target();
    let mut cfg = config(&t.url("/ok"));
    cfg.model = Model::Closed { connections: 1 };
    cfg.stop = Stop::Requests(50);
    cfg.warmup = Duration::from_millis(200);
    let r = run(&cfg);
    assert_eq!(r.requests, 50);
    assert!(
        t.total() > 50,
        "warm-up traffic reached the target: {}",
        t.total()
    );
}

/// A 1 s wall-clock run: how many of its 200 slots are sent in time depends on how busy the
/// machine is, so the count is held to a band. What does not depend on timing is exact: the
/// schedule has 200 slots, and every slot is either answered, still in flight or dropped.
#[test]
fn open_model_keeps_a_constant_rate() {
    let t = target();
    let mut cfg = config(&t.url("/ok"));
    cfg.model = Model::Open {
        rate: 200.0,
        connections: 2,
        max_connections: 20,
    };
    cfg.stop = Stop::Duration(Duration::from_secs(1));
    let r = run(&cfg);
    let s = r.schedule.clone().expect("open model reports its schedule");
    assert_eq!(s.due, 200, "{s:?}");
    assert_eq!(
        r.requests + r.unfinished + s.dropped,
        s.due,
        "every due slot is sent once or counted as dropped: {s:?}, {} requests, {} unfinished",
        r.requests,
        r.unfinished
    );
    assert!(
        (r.requests..=r.requests + r.unfinished).contains(&t.total()),
        "the target saw {} requests: nothing beyond the schedule",
        t.total()
    );
    // A stalled or lost worker (half the slots), or a schedule that sends nothing, is far
    // below this floor; a machine too busy to send 60 % of a 200/s schedule within 1 s is not
    // one the suite runs on.
    assert!(
        (120..=200).contains(&r.requests),
        "{} requests of 200 due: {s:?}",
        r.requests
    );
    assert!(r.corrected_latency.is_some());
    let c = r.corrected_latency.as_ref().unwrap();
    assert!(
        c.p50_ms >= r.latency.p50_ms,
        "corrected latency includes the wait"
    );
    assert!(r.pass, "{:?}", r.failures);
}

#[test]
fn a_short_rate_fails_a_rate_threshold() {
    let t = target();
    let mut cfg = config(&t.url("/slow"));
    cfg.model = Model::Open {
        rate: 100.0,
        connections: 1,
        max_connections: 1,
    };
    cfg.stop = Stop::Duration(Duration::from_millis(500));
    let mut r = run(&cfg);
    let s = r.schedule.clone().unwrap();
    assert!(
        s.shortfall,
        "one connection at 100 ms cannot keep 100/s: {s:?}"
    );
    assert!(s.late > 0 && s.dropped > 0, "{s:?}");
    r.evaluate(&[Threshold::parse("rps>1").unwrap()]);
    assert!(!r.pass);
    let note = r.thresholds[0].note.clone().unwrap();
    assert!(note.contains("of the 100/s requested"), "{note}");
}

/// The coordinated-omission check: a target that stalls for 100 ms once a second, driven at a
/// fixed rate over one connection. Service latency hides the stall from most requests (they
/// were simply not sent during it); latency from the schedule does not.
#[test]
fn corrected_latency_reflects_a_stalling_server() {
    let t = target();
    let mut cfg = config(&t.url("/stall"));
    cfg.model = Model::Open {
        rate: 50.0,
        connections: 1,
        max_connections: 1,
    };
    cfg.stop = Stop::Duration(Duration::from_secs(2));
    cfg.late_after = Duration::from_millis(5);
    let r = run(&cfg);
    let stall = 100.0;
    let corrected = r.corrected_latency.as_ref().unwrap();
    let service = &r.latency;
    assert!(r.requests >= 95, "{}", r.requests);
    assert!(
        corrected.p99_ms >= stall,
        "corrected p99 {} below the stall",
        corrected.p99_ms
    );
    // The requests due during a stall waited for it: the corrected p95 sees that, the
    // service p95 does not.
    assert!(
        corrected.p95_ms >= stall / 4.0,
        "corrected p95 {}",
        corrected.p95_ms
    );
    assert!(
        service.p95_ms < stall / 4.0,
        "service p95 {} should hide the stall",
        service.p95_ms
    );
    assert!(r.schedule.as_ref().unwrap().late >= 2, "{:?}", r.schedule);
}

#[test]
fn scenario_weights_shape_the_mix() {
    let t = target();
    let text = format!(
        "base_url = \"{}\"\n[[requests]]\nurl = \"/a\"\nweight = 3\n[[requests]]\nurl = \"/b\"\n",
        t.url("")
    );
    let mut cfg = LoadConfig::new(Scenario::from_toml(&text, "mix.toml", None).unwrap());
    cfg.warmup = Duration::ZERO;
    cfg.model = Model::Closed { connections: 2 };
    cfg.stop = Stop::Requests(400);
    let r = run(&cfg);
    assert_eq!(r.requests, 400);
    let by_path = t.seen.by_path.lock().unwrap().clone();
    let a = by_path.get("/a").copied().unwrap_or(0);
    let b = by_path.get("/b").copied().unwrap_or(0);
    assert_eq!(a + b, 400);
    assert!((240..=360).contains(&a), "a {a}, b {b}");
}

#[test]
fn http2_by_prior_knowledge() {
    let t = target();
    let mut cfg = config(&t.url("/ok"));
    cfg.http = HttpVersion::Http2;
    cfg.model = Model::Closed { connections: 2 };
    cfg.stop = Stop::Requests(50);
    let r = run(&cfg);
    assert_eq!(r.protocol, Some("HTTP/2"));
    assert_eq!(r.ok, 50);
}

#[test]
fn a_stop_ends_the_run_and_still_reports() {
    let t = target();
    let mut cfg = config(&t.url("/ok"));
    cfg.model = Model::Closed { connections: 2 };
    cfg.stop = Stop::Duration(Duration::from_secs(60));
    let control = Control::new();
    let stopper = control.clone();
    let started = Instant::now();
    let r = gonogo_load::run(&cfg, &control, &mut |p| {
        if p.requests > 0 {
            stopper.stop();
        }
    })
    .unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(r.interrupted);
    assert!(r.requests > 0);
    assert!(r.render_text().contains("interrupted"));
    // What it measured is no verdict: never a pass, whatever the figures say.
    assert!(!r.pass);
    assert!(r.render_text().contains("result      INTERRUPTED"));
}

#[test]
fn json_carries_a_mergeable_histogram() {
    let t = target();
    let mut cfg = config(&t.url("/ok"));
    cfg.model = Model::Closed { connections: 1 };
    cfg.stop = Stop::Requests(30);
    let a = run(&cfg);
    let b = run(&cfg);
    let ja = serde_json::to_value(&a).unwrap();
    let jb = serde_json::to_value(&b).unwrap();
    let ha = ja["latency"]["histogram"].as_str().unwrap();
    let hb = jb["latency"]["histogram"].as_str().unwrap();
    let merged = gonogo_load::merge_encoded(&[ha, hb]).unwrap();
    assert_eq!(merged.len(), 60);
    assert_eq!(ja["errors"]["5xx"], 0);
    assert_eq!(ja["requests"], 30);
}

#[test]
fn bad_configurations_are_refused_before_any_traffic() {
    let mut cfg = config("http://127.0.0.1:9/");
    cfg.model = Model::Open {
        rate: 10_000_000.0,
        connections: 1,
        max_connections: 1,
    };
    let e = gonogo_load::run(&cfg, &Control::new(), &mut |_| {}).unwrap_err();
    assert!(e.to_string().contains("rate"), "{e}");
}

/// The summary with the figures that vary between runs (times, rates, connection peaks)
/// replaced.
fn filtered(text: &str, counts_vary: bool) -> String {
    let re = |p: &str| regex_lite(p);
    let mut out = text.to_string();
    for (pattern, with) in [
        (r"http://127\.0\.0\.1:\d+", "http://[target]"),
        (r"\d+(\.\d+)?(ms|s)\b", "[t]"),
        (r"\d+(\.\d+)?(/s| req/s)", "[r]$2"),
        (r"peak \d+", "peak [n]"),
        (r"\d+ sent late", "[n] sent late"),
        (r" +\[t\]", " [t]"),
        (r" +observed", " observed"),
    ] {
        out = re(pattern).replace_all(&out, with).into_owned();
    }
    if counts_vary {
        out = re(r"([ (×])\d+(\.\d+)?%?")
            .replace_all(&out, "${1}N")
            .into_owned();
    }
    out
}

fn regex_lite(p: &str) -> regex::Regex {
    regex::Regex::new(p).unwrap()
}

#[test]
fn summary_text_closed_model() {
    let t = target();
    let mut cfg = config(&t.url("/mixed"));
    cfg.model = Model::Closed { connections: 2 };
    cfg.stop = Stop::Requests(40);
    let mut r = run(&cfg);
    assert_eq!(r.errors.status_5xx, 10);
    r.evaluate(&[
        Threshold::parse("p95<10s").unwrap(),
        Threshold::parse("rps>1000000").unwrap(),
        Threshold::parse("error_rate<30%").unwrap(),
    ]);
    insta::assert_snapshot!(filtered(&r.render_text(), false));
}

#[test]
fn summary_text_open_model_that_falls_short() {
    let t = target();
    let mut cfg = config(&t.url("/slow"));
    cfg.model = Model::Open {
        rate: 40.0,
        connections: 1,
        max_connections: 1,
    };
    cfg.stop = Stop::Duration(Duration::from_millis(500));
    let mut r = run(&cfg);
    r.evaluate(&[Threshold::parse("rps>=40").unwrap()]);
    assert!(r.schedule.as_ref().unwrap().shortfall);
    insta::assert_snapshot!(filtered(&r.render_text(), true));
}
