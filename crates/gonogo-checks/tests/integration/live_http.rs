//! The HTTP check kinds against the demo service (good and bad profiles) and against raw
//! sockets that misbehave, all on 127.0.0.1:0.

use gonogo_core::{CheckContext, CheckKind, Outcome, Params, Status};
use gonogo_demo::{Cors, Demo, DemoConfig};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn ctx_for(url: &str) -> CheckContext {
    let mut ctx = CheckContext::new(std::env::temp_dir());
    ctx.targets.insert("api_url".into(), url.into());
    ctx
}

async fn run(kind: &dyn CheckKind, params: &[(&str, &str)], ctx: &CheckContext) -> Outcome {
    let mut p = Params::new();
    for (k, v) in params {
        p.insert(k, *v);
    }
    let prepared = kind
        .prepare(&p)
        .unwrap_or_else(|e| panic!("{}: {e}", kind.id()));
    prepared.run(ctx).await
}

async fn demo(cfg: DemoConfig) -> (Demo, CheckContext) {
    let d = Demo::start(cfg).await.unwrap();
    let ctx = ctx_for(&d.url());
    (d, ctx)
}

fn codes(o: &Outcome) -> Vec<&'static str> {
    let mut c: Vec<_> = o.evidence.findings.iter().map(|f| f.code).collect();
    c.dedup();
    c
}

use gonogo_checks::http::{
    auth::HttpAuth, cookies::HttpCookies, cors::HttpCors, headers::HttpHeaders,
    input_validation::HttpInputValidation, latency::HttpLatency, rate_limit::HttpRateLimit,
    status::HttpStatus,
};

// ---- http.status ---------------------------------------------------------------------------

#[tokio::test]
async fn status_passes_on_health_with_json_expectation() {
    let (_d, ctx) = demo(DemoConfig::good()).await;
    let o = run(
        &HttpStatus,
        &[
            ("path", "/health"),
            ("expect", "200"),
            ("json", "$.status == ok"),
            ("max_latency", "2s"),
            ("header", "content-type: application/json"),
        ],
        &ctx,
    )
    .await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert!(o.evidence.summary.starts_with("GET http://127.0.0.1:"));
    assert!(o.evidence.summary.contains("/health: 200 OK in "));
}

#[tokio::test]
async fn status_fails_with_one_finding_per_unmet_expectation() {
    let (_d, ctx) = demo(DemoConfig::good()).await;
    let o = run(
        &HttpStatus,
        &[
            ("path", "/api/me"),
            ("expect", "2xx"),
            ("body", "username"),
            ("json", "$.username"),
            ("header", "x-request-id"),
        ],
        &ctx,
    )
    .await;
    assert_eq!(o.status, Status::Fail);
    assert_eq!(
        codes(&o),
        [
            "http-status-unexpected",
            "http-status-header-missing",
            "http-status-body-mismatch",
            "http-status-json-mismatch"
        ]
    );
    assert!(o.evidence.findings[0].message.contains("401 Unauthorized"));
}

#[tokio::test]
async fn status_fails_when_slower_than_the_bound() {
    let mut cfg = DemoConfig::good();
    cfg.delay = Duration::from_millis(60);
    let (_d, ctx) = demo(cfg).await;
    let o = run(
        &HttpStatus,
        &[("path", "/health"), ("max_latency", "20ms")],
        &ctx,
    )
    .await;
    assert_eq!(codes(&o), ["http-status-slow"]);
}

#[tokio::test]
async fn status_refused_connection_is_a_fail_with_the_reason() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let ctx = ctx_for(&format!("http://127.0.0.1:{port}"));
    let o = run(&HttpStatus, &[("path", "/health")], &ctx).await;
    assert_eq!(o.status, Status::Fail);
    assert_eq!(codes(&o), ["http-status-unreachable"]);
    assert!(
        o.evidence.findings[0].message.starts_with("cannot connect"),
        "{:?}",
        o.evidence.findings
    );
}

#[tokio::test]
async fn status_without_target_is_an_error() {
    let mut ctx = CheckContext::new(std::env::temp_dir());
    let o = run(&HttpStatus, &[("path", "/health")], &ctx).await;
    assert_eq!(
        (o.status, o.evidence.summary.as_str()),
        (
            Status::Error,
            "no api_url configured: set it under [targets] in gonogo.toml, or run with --only static"
        )
    );
    let o = run(&HttpStatus, &[("target", "frontend_url")], &ctx).await;
    assert!(o.evidence.summary.starts_with("no frontend_url configured"));
    // A target whose variable is not set names the variable.
    ctx.unset_targets
        .insert("api_url".into(), vec!["GONOGO_API".into()]);
    let o = run(&HttpStatus, &[("path", "/health")], &ctx).await;
    assert_eq!(
        (o.status, o.evidence.summary.as_str()),
        (
            Status::Error,
            "api_url: $GONOGO_API is not set (set it in the environment or pass --env-file)"
        )
    );
}

/// A server that accepts connections and never answers.
async fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    format!("http://{addr}")
}

/// A server that sends its headers, then one body byte every 50 ms, forever.
async fn trickling_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf).await;
                let _ = s
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n")
                    .await;
                let mut tick = tokio::time::interval(Duration::from_millis(50));
                loop {
                    tick.tick().await;
                    if s.write_all(b"x").await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

/// `http.status` with `timeout` against `ctx`: it ends well within 2 s, with a timeout finding.
async fn status_times_out(ctx: &CheckContext, timeout: &str) -> Outcome {
    let started = Instant::now();
    let o = run(&HttpStatus, &[("timeout", timeout)], ctx).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(codes(&o), ["http-status-timeout"]);
    o
}

#[tokio::test]
async fn a_target_that_never_answers_fails_within_the_timeout() {
    let ctx = ctx_for(&silent_server().await);
    let o = status_times_out(&ctx, "300ms").await;
    assert!(
        o.evidence.findings[0]
            .message
            .contains("waiting for the response headers")
    );
    // Every kind is bounded the same way: an error, not a hang.
    for kind in [
        &HttpHeaders as &dyn CheckKind,
        &HttpCors,
        &HttpCookies,
        &HttpRateLimit,
    ] {
        let started = Instant::now();
        let o = run(kind, &[("timeout", "300ms")], &ctx).await;
        assert_eq!(o.status, Status::Error, "{}: {o:?}", kind.id());
        assert!(started.elapsed() < Duration::from_secs(2), "{}", kind.id());
    }
}

#[tokio::test]
async fn a_target_that_trickles_bytes_fails_within_the_timeout() {
    let ctx = ctx_for(&trickling_server().await);
    let o = status_times_out(&ctx, "400ms").await;
    assert!(
        o.evidence.findings[0].message.contains("reading the body"),
        "{:?}",
        o.evidence.findings
    );
}

#[tokio::test]
async fn a_huge_body_is_read_only_up_to_max_bytes() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf).await;
                let _ = s
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1073741824\r\n\r\n")
                    .await;
                let chunk = vec![b'a'; 64 * 1024];
                while s.write_all(&chunk).await.is_ok() {}
            });
        }
    });
    let ctx = ctx_for(&format!("http://{addr}"));
    let o = run(
        &HttpStatus,
        &[("max_bytes", "100000"), ("body", "needle")],
        &ctx,
    )
    .await;
    assert_eq!(codes(&o), ["http-status-body-mismatch"]);
    assert_eq!(
        o.evidence.findings[0].message,
        "the body does not contain `needle` (body cut at 100000 bytes)"
    );
    assert!(
        o.evidence
            .observed
            .as_deref()
            .is_some_and(|obs| obs.ends_with(", body cut at 100000 bytes")),
        "{o:?}"
    );
    // max_bytes has a ceiling: a larger one is a parameter error naming it.
    let e = HttpStatus
        .prepare(&gonogo_core::Params::new().with("max_bytes", "17000000"))
        .err()
        .unwrap();
    assert!(e.to_string().contains("must be at most 16777216"), "{e}");
}

// ---- http.latency --------------------------------------------------------------------------

#[tokio::test]
async fn latency_passes_on_a_fast_endpoint_and_fails_on_a_slow_one() {
    let (_d, ctx) = demo(DemoConfig::good()).await;
    let o = run(
        &HttpLatency,
        &[("path", "/health"), ("max", "200ms"), ("samples", "10")],
        &ctx,
    )
    .await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert!(o.evidence.observed.as_deref().unwrap().starts_with("p95 "));

    let mut slow = DemoConfig::good();
    slow.delay = Duration::from_millis(30);
    let (_d2, ctx) = demo(slow).await;
    let o = run(
        &HttpLatency,
        &[("path", "/health"), ("max", "10ms"), ("samples", "3")],
        &ctx,
    )
    .await;
    assert_eq!(codes(&o), ["http-latency-over-bound"]);
    let o = run(
        &HttpLatency,
        &[("path", "/api/me"), ("max", "10s"), ("samples", "2")],
        &ctx,
    )
    .await;
    assert_eq!(codes(&o), ["http-latency-bad-status"]);
}

// ---- http.headers --------------------------------------------------------------------------

#[tokio::test]
async fn headers_score_the_good_profile_above_the_bad_one() {
    let (_d, ctx) = demo(DemoConfig::good()).await;
    let o = run(&HttpHeaders, &[("require", "hsts,csp")], &ctx).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert!(
        o.evidence
            .summary
            .starts_with("security headers score 120 (A+)"),
        "{}",
        o.evidence.summary
    );

    let (_b, ctx) = demo(DemoConfig::bad()).await;
    let o = run(&HttpHeaders, &[("require", "hsts,csp")], &ctx).await;
    assert_eq!(o.status, Status::Fail);
    assert_eq!(
        codes(&o),
        [
            "headers-csp-missing",
            "headers-hsts-missing",
            "headers-xcto-missing",
            "headers-xfo-missing",
            "headers-score-low"
        ]
    );
    let sev: Vec<Status> = o.evidence.findings.iter().map(|f| f.severity).collect();
    assert_eq!(
        sev,
        [
            Status::Fail,
            Status::Fail,
            Status::Warn,
            Status::Warn,
            Status::Fail
        ]
    );
    assert!(
        o.evidence
            .summary
            .starts_with("security headers score 30 (D)")
    );
}

// ---- http.cors -----------------------------------------------------------------------------

#[tokio::test]
async fn cors_strict_passes_and_reflecting_or_wildcard_fails() {
    let (_d, ctx) = demo(DemoConfig::good()).await;
    let o = run(
        &HttpCors,
        &[
            ("path", "/api/items"),
            ("allowed", "https://app.example.com"),
        ],
        &ctx,
    )
    .await;
    assert_eq!(o.status, Status::Pass, "{o:?}");

    let (_b, ctx) = demo(DemoConfig::bad()).await;
    let o = run(&HttpCors, &[], &ctx).await;
    assert_eq!(o.status, Status::Fail);
    assert_eq!(codes(&o), ["cors-origin-reflected"]);
    assert_eq!(o.evidence.findings.len(), 2, "preflight and simple request");

    let mut wild = DemoConfig::good();
    wild.cors = Cors::Wildcard;
    let (_w, ctx) = demo(wild).await;
    let o = run(&HttpCors, &[], &ctx).await;
    assert_eq!(codes(&o), ["cors-wildcard"]);

    let mut strict = DemoConfig::good();
    strict.cors = Cors::Strict(vec!["https://other.example.com".into()]);
    let (_s, ctx) = demo(strict).await;
    let o = run(&HttpCors, &[("allowed", "https://app.example.com")], &ctx).await;
    assert_eq!(
        (o.status, codes(&o)),
        (Status::Warn, vec!["cors-allowed-origin-refused"])
    );
}

// ---- http.rate-limit -----------------------------------------------------------------------

#[tokio::test]
async fn rate_limit_is_met_within_the_burst_and_missing_fails() {
    let (_d, ctx) = demo(DemoConfig::good()).await;
    let o = run(
        &HttpRateLimit,
        &[("path", "/api/ping"), ("burst", "50")],
        &ctx,
    )
    .await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert_eq!(
        o.evidence.summary.rsplit(": ").next(),
        Some("429 after 21 requests")
    );
    assert!(
        o.evidence
            .observed
            .as_deref()
            .unwrap()
            .contains("retry-after: 1")
    );

    let (_b, ctx) = demo(DemoConfig::bad()).await;
    let o = run(
        &HttpRateLimit,
        &[("path", "/api/ping"), ("burst", "30")],
        &ctx,
    )
    .await;
    assert_eq!(o.status, Status::Fail);
    assert_eq!(codes(&o), ["rate-limit-none"]);
    assert_eq!(o.evidence.observed.as_deref(), Some("30 requests, no 429"));
}

// ---- http.cookies --------------------------------------------------------------------------

#[tokio::test]
async fn cookies_flags_pass_on_good_and_fail_on_bad() {
    let (_d, ctx) = demo(DemoConfig::good()).await;
    let o = run(&HttpCookies, &[], &ctx).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert_eq!(
        o.evidence.observed.as_deref(),
        Some("session Secure HttpOnly SameSite=lax")
    );

    let (_b, ctx) = demo(DemoConfig::bad()).await;
    let o = run(&HttpCookies, &[], &ctx).await;
    assert_eq!(o.status, Status::Fail);
    assert_eq!(
        codes(&o),
        [
            "cookies-no-secure",
            "cookies-session-no-httponly",
            "cookies-no-samesite"
        ]
    );
    // Values never appear; only names and attributes.
    assert!(!serde_json::to_string(&o).unwrap().contains("9e37"));

    let o = run(&HttpCookies, &[("path", "/health")], &ctx).await;
    assert_eq!(o.status, Status::Skipped);
}

// ---- http.auth -----------------------------------------------------------------------------

const PASSWORD: &str = "s3cret-Passw0rd-for-tests";

fn with_password(mut cfg: DemoConfig) -> DemoConfig {
    cfg.password = PASSWORD.into();
    cfg
}

#[tokio::test]
async fn auth_flow_passes_on_good_and_never_shows_secrets() {
    let (_d, ctx) = demo(with_password(DemoConfig::good())).await;
    let login = [
        ("login_path", "/login"),
        ("username", "demo"),
        ("password", PASSWORD),
        ("session_timeout", "1h"),
        ("require_login", "true"),
    ];
    let o = run(&HttpAuth, &login, &ctx).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert!(
        o.evidence
            .summary
            .contains("2 of 2 anonymous/forged requests refused on 1 endpoint(s)"),
        "{}",
        o.evidence.summary
    );
    assert!(
        o.evidence
            .summary
            .contains("login token accepted; JWT lifetime 30 min")
    );
    let json = serde_json::to_string(&o).unwrap();
    assert!(!json.contains(PASSWORD) && !json.contains("eyJ"), "{json}");

    // A session timeout shorter than the token's lifetime fails.
    let mut short = login.to_vec();
    short[3] = ("session_timeout", "10m");
    let o = run(&HttpAuth, &short, &ctx).await;
    assert_eq!(codes(&o), ["auth-jwt-too-long"]);

    // Wrong credentials: the login fails, and the password is still not shown.
    let mut wrong = login.to_vec();
    wrong[2] = ("password", "not-the-password-at-all");
    let o = run(&HttpAuth, &wrong, &ctx).await;
    assert_eq!(codes(&o), ["auth-login-failed"]);
    assert!(
        !serde_json::to_string(&o)
            .unwrap()
            .contains("not-the-password")
    );
}

#[tokio::test]
async fn auth_fails_on_unprotected_endpoints_and_eternal_tokens() {
    let (_d, ctx) = demo(with_password(DemoConfig::bad())).await;
    let o = run(
        &HttpAuth,
        &[
            ("login_path", "/login"),
            ("username", "demo"),
            ("password", PASSWORD),
        ],
        &ctx,
    )
    .await;
    assert_eq!(o.status, Status::Fail);
    assert_eq!(
        codes(&o),
        [
            "auth-unprotected",
            "auth-forged-token-accepted",
            "auth-jwt-no-exp"
        ]
    );
}

#[tokio::test]
async fn auth_without_a_login_is_an_error_when_the_item_needs_one() {
    let (_d, ctx) = demo(DemoConfig::good()).await;
    let o = run(&HttpAuth, &[("require_login", "true")], &ctx).await;
    assert_eq!(o.status, Status::Error);
    assert!(o.evidence.summary.starts_with("no login flow configured"));
    // Without require_login the protected endpoints from the OpenAPI document are still probed.
    let o = run(&HttpAuth, &[], &ctx).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
}

// ---- http.input-validation -----------------------------------------------------------------

#[tokio::test]
async fn input_validation_passes_on_good_and_finds_500s_and_leaks_on_bad() {
    let (_d, ctx) = demo(DemoConfig::good()).await;
    let o = run(&HttpInputValidation, &[], &ctx).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert!(
        o.evidence.summary.ends_with("/openapi.json"),
        "{}",
        o.evidence.summary
    );

    let (_b, ctx) = demo(DemoConfig::bad()).await;
    let o = run(&HttpInputValidation, &[], &ctx).await;
    assert_eq!(o.status, Status::Fail);
    let mut c = codes(&o);
    c.sort();
    c.dedup();
    assert_eq!(
        c,
        [
            "input-leaks-db-error",
            "input-leaks-stack-trace",
            "input-server-error"
        ]
    );
    let msgs: Vec<&str> = o
        .evidence
        .findings
        .iter()
        .map(|f| f.message.as_str())
        .collect();
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("GET /api/items/{id}: path `id` not a number answered 500")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("POST /api/items: malformed JSON body answered 500")),
        "{msgs:?}"
    );
}

#[tokio::test]
async fn input_validation_is_bounded_by_max_requests() {
    let (_d, ctx) = demo(DemoConfig::good()).await;
    let o = run(&HttpInputValidation, &[("max_requests", "3")], &ctx).await;
    assert_eq!(o.status, Status::Warn);
    assert_eq!(codes(&o), ["input-budget-exhausted"]);
    assert!(o.evidence.observed.as_deref().unwrap().starts_with("3 of "));
}

#[tokio::test]
async fn input_validation_reads_a_yaml_spec_from_the_repository() {
    let (_d, mut ctx) = demo(DemoConfig::bad()).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("openapi.yaml"),
        "openapi: 3.0.0\npaths:\n  /api/items/{id}:\n    get:\n      parameters:\n        - name: id\n          in: path\n          required: true\n          schema: {type: integer}\n",
    )
    .unwrap();
    ctx.repo = dir.path().to_path_buf();
    let o = run(&HttpInputValidation, &[("spec", "openapi.yaml")], &ctx).await;
    assert_eq!(o.status, Status::Fail);
    assert_eq!(o.evidence.location.as_ref().unwrap().path, "openapi.yaml");
    // Answers read only in part say so: leaks are looked for in what was read.
    let o = run(
        &HttpInputValidation,
        &[("spec", "openapi.yaml"), ("max_bytes", "8")],
        &ctx,
    )
    .await;
    let observed = o.evidence.observed.as_deref().unwrap_or_default();
    assert!(observed.ends_with(" cut at 8 bytes"), "{observed}");

    std::fs::write(dir.path().join("broken.json"), "{\"openapi\": ").unwrap();
    let o = run(&HttpInputValidation, &[("spec", "broken.json")], &ctx).await;
    assert_eq!(o.status, Status::Error);
    assert!(
        o.evidence
            .summary
            .starts_with("broken.json: not valid JSON (line 1"),
        "{}",
        o.evidence.summary
    );
}

// ---- what a reader sees --------------------------------------------------------------------

/// Every HTTP kind against the bad profile, as the evidence reads: status, summary, findings.
#[tokio::test]
async fn evidence_against_the_bad_profile_reads_well() {
    let (_b, ctx) = demo(with_password(DemoConfig::bad())).await;
    type Case<'a> = (&'a dyn CheckKind, Vec<(&'a str, &'a str)>);
    let cases: Vec<Case> = vec![
        (&HttpStatus, vec![("path", "/api/me"), ("expect", "401")]),
        (&HttpHeaders, vec![("require", "hsts,csp")]),
        (&HttpCors, vec![]),
        (&HttpRateLimit, vec![("path", "/api/ping"), ("burst", "25")]),
        (&HttpCookies, vec![]),
        (
            &HttpAuth,
            vec![
                ("login_path", "/login"),
                ("username", "demo"),
                ("password", PASSWORD),
                ("session_timeout", "1h"),
            ],
        ),
        (&HttpInputValidation, vec![("max_requests", "60")]),
    ];
    let mut out = String::new();
    for (kind, params) in cases {
        let o = run(kind, &params, &ctx).await;
        out.push_str(&format!(
            "{} [{}] {}\n",
            kind.id(),
            o.status,
            o.evidence.summary
        ));
        if let (Some(obs), Some(exp)) = (&o.evidence.observed, &o.evidence.expected) {
            out.push_str(&format!("  observed: {obs}\n  expected: {exp}\n"));
        }
        for f in &o.evidence.findings {
            out.push_str(&format!("  {} {}: {}\n", f.severity, f.code, f.message));
        }
    }
    assert!(!out.contains(PASSWORD));
    insta::with_settings!({filters => vec![
        (r"127\.0\.0\.1:\d+", "127.0.0.1:PORT"),
        (r"\d+ ms", "N ms"),
    ]}, {
        insta::assert_snapshot!(out);
    });
}

#[tokio::test]
async fn passwords_in_the_target_url_never_reach_the_evidence() {
    let (d, _) = demo(DemoConfig::bad()).await;
    let url = format!("http://ops:hunter2-target-pass@{}", d.addr);
    let ctx = ctx_for(&url);
    for kind in [
        &HttpStatus as &dyn CheckKind,
        &HttpHeaders,
        &HttpCors,
        &HttpCookies,
        &HttpInputValidation,
    ] {
        let o = run(kind, &[], &ctx).await;
        let json = serde_json::to_string(&o).unwrap();
        assert!(!json.contains("hunter2"), "{}: {json}", kind.id());
        assert!(
            json.contains("http://ops:…@127.0.0.1:"),
            "{}: {json}",
            kind.id()
        );
    }
}

#[tokio::test]
async fn redirects_to_other_hosts_are_not_followed() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf).await;
                let _ = s
                    .write_all(b"HTTP/1.1 302 Found\r\nlocation: http://gonogo-elsewhere.invalid/\r\ncontent-length: 0\r\n\r\n")
                    .await;
            });
        }
    });
    let ctx = ctx_for(&format!("http://{addr}"));
    let o = run(&HttpStatus, &[], &ctx).await;
    assert_eq!(codes(&o), ["http-status-unexpected"]);
    assert!(
        o.evidence.findings[0]
            .message
            .starts_with("answered 302 Found"),
        "{:?}",
        o.evidence.findings
    );
    let o = run(&HttpStatus, &[("expect", "302")], &ctx).await;
    assert_eq!(o.status, Status::Pass);
}

/// Which kind wins an item among every registered kind, as auto-binding picks it.
fn winner(text: &str, context: &[&str]) -> Option<(&'static str, Params)> {
    let context: Vec<String> = context.iter().map(|s| s.to_string()).collect();
    let item = gonogo_core::check::ItemRef {
        context: &context,
        ..gonogo_core::check::ItemRef::plain(text)
    };
    gonogo_core::recognise::recognise(&gonogo_checks::registry(), item)
        .map(|c| (c.kind.id(), c.params))
}

#[test]
fn seed_items_bind_to_the_live_kinds_a_reader_expects() {
    // The live CORS probe outranks the static env-file rule for the same wording.
    assert_eq!(
        winner(
            "CORS origins restricted to production domains",
            &["Security"]
        )
        .unwrap()
        .0,
        "http.cors"
    );
    let (id, p) = winner("Backend /health endpoint responding (200 OK)", &[]).unwrap();
    assert_eq!(
        (id, p.str("path"), p.str("expect")),
        ("http.status", Some("/health"), Some("200"))
    );
    let (id, p) = winner("Frontend accessible and loading", &[]).unwrap();
    assert_eq!((id, p.str("target")), ("http.status", Some("frontend_url")));
    let (id, p) = winner("Security headers configured (HSTS, CSP, etc.)", &[]).unwrap();
    assert_eq!((id, p.str("require")), ("http.headers", Some("hsts,csp")));
    assert_eq!(
        winner("TLS/SSL certificates configured (Let's Encrypt)", &[])
            .unwrap()
            .0,
        "tls.cert"
    );
    assert_eq!(
        winner("Session timeout configured", &[]).unwrap().0,
        "http.auth"
    );
    assert_eq!(
        winner("Input validation on all endpoints", &[]).unwrap().0,
        "http.input-validation"
    );
    assert_eq!(
        winner("Rate limiting active (slowapi middleware)", &[])
            .unwrap()
            .0,
        "http.rate-limit"
    );
    assert!(
        winner("Cookie consent implemented (if applicable)", &[])
            .is_none_or(|w| w.0 != "http.cookies")
    );
}
