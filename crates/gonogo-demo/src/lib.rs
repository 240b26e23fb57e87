//! A small HTTP service whose production-readiness behaviour is set by [`DemoConfig`]: security
//! headers, CORS, rate limiting, cookie flags, authentication with JWTs, input validation, an
//! OpenAPI document, `/health` and Prometheus `/metrics`.
//!
//! gonogo's live checks are tested against it (started in-process on `127.0.0.1:0`), and it is
//! the demo target a new user can point gonogo at (`gonogo-demo --profile good|bad`).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How the demo's CORS answers a cross-origin request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cors {
    /// Only these origins are allowed.
    Strict(Vec<String>),
    /// Any origin is echoed back, with credentials: the classic misconfiguration.
    Reflect,
    /// `Access-Control-Allow-Origin: *`.
    Wildcard,
}

/// Everything about the demo's behaviour that a readiness check looks at.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// Send CSP, HSTS, X-Content-Type-Options, X-Frame-Options and Referrer-Policy.
    pub security_headers: bool,
    pub cors: Cors,
    /// Requests allowed per path per window on `/api/*` and `/login`; `None` disables rate
    /// limiting.
    pub rate_limit: Option<u32>,
    pub rate_window: Duration,
    /// Cookies carry Secure, HttpOnly and SameSite=Lax.
    pub secure_cookies: bool,
    /// `/api/me` requires a valid bearer token.
    pub auth_required: bool,
    /// Lifetime of issued JWTs; `None` issues tokens without `exp`.
    pub jwt_lifetime: Option<Duration>,
    /// Invalid input gets 400/422; otherwise it answers 500 with a stack trace.
    pub validation: bool,
    /// Added to every answer except `/metrics` (for latency checks).
    pub delay: Duration,
    pub username: String,
    pub password: String,
    /// HMAC key of the JWTs.
    pub jwt_key: Vec<u8>,
}

impl DemoConfig {
    /// A service that passes every live check.
    pub fn good() -> Self {
        DemoConfig {
            security_headers: true,
            cors: Cors::Strict(vec!["https://app.example.com".into()]),
            rate_limit: Some(20),
            rate_window: Duration::from_secs(1),
            secure_cookies: true,
            auth_required: true,
            jwt_lifetime: Some(Duration::from_secs(1800)),
            validation: true,
            delay: Duration::ZERO,
            username: "demo".into(),
            password: "demo-password".into(),
            jwt_key: b"gonogo-demo-signing-key-not-for-production".to_vec(),
        }
    }

    /// A service that fails every live check.
    pub fn bad() -> Self {
        DemoConfig {
            security_headers: false,
            cors: Cors::Reflect,
            rate_limit: None,
            secure_cookies: false,
            auth_required: false,
            jwt_lifetime: None,
            validation: false,
            ..Self::good()
        }
    }

    pub fn profile(name: &str) -> Option<Self> {
        match name {
            "good" => Some(Self::good()),
            "bad" => Some(Self::bad()),
            _ => None,
        }
    }
}

/// Latency histogram buckets of `/metrics`, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

#[derive(Default)]
struct Metrics {
    requests: BTreeMap<(String, String, u16), u64>,
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

struct AppState {
    cfg: DemoConfig,
    metrics: Mutex<Metrics>,
    /// Fixed-window counters per path: (window start, count).
    windows: Mutex<HashMap<String, (Instant, u32)>>,
    started: Instant,
}

type Shared = Arc<AppState>;

/// The demo's router, with its middleware, for `cfg`.
pub fn router(cfg: DemoConfig) -> Router {
    let state: Shared = Arc::new(AppState {
        cfg,
        metrics: Mutex::default(),
        windows: Mutex::default(),
        started: Instant::now(),
    });
    Router::new()
        .route("/", get(index))
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .route("/login", post(login))
        .route("/api/me", get(me))
        .route("/api/ping", get(ping))
        .route("/api/items", get(list_items).post(create_item))
        .route("/api/items/{id}", get(get_item))
        .layer(middleware::from_fn_with_state(state.clone(), rate_limit))
        .layer(middleware::from_fn_with_state(state.clone(), cors))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), record))
        .with_state(state)
}

/// Serve on `listener` until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, cfg: DemoConfig) -> std::io::Result<()> {
    axum::serve(listener, router(cfg)).await
}

/// A running demo on a free loopback port; stops when dropped.
pub struct Demo {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Demo {
    /// Start on `127.0.0.1:0` in the current runtime.
    pub async fn start(cfg: DemoConfig) -> std::io::Result<Demo> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = serve(listener, cfg).await;
        });
        Ok(Demo { addr, task })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        self.task.abort();
    }
}

// ---- middleware ----------------------------------------------------------------------------

async fn record(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let label = match path.as_str() {
        "/" | "/health" | "/metrics" | "/openapi.json" | "/login" | "/api/me" | "/api/ping"
        | "/api/items" => path,
        p if p.starts_with("/api/items/") => "/api/items/{id}".into(),
        _ => "other".into(),
    };
    if st.cfg.delay > Duration::ZERO && label != "/metrics" {
        tokio::time::sleep(st.cfg.delay).await;
    }
    let resp = next.run(req).await;
    let secs = started.elapsed().as_secs_f64();
    let mut m = st.metrics.lock().unwrap_or_else(|e| e.into_inner());
    *m.requests
        .entry((method, label, resp.status().as_u16()))
        .or_default() += 1;
    for (i, le) in BUCKETS.iter().enumerate() {
        if secs <= *le {
            m.buckets[i] += 1;
        }
    }
    m.count += 1;
    m.sum += secs;
    resp
}

async fn security_headers(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    if st.cfg.security_headers {
        let h = resp.headers_mut();
        h.insert(
            "content-security-policy",
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
        h.insert(
            "strict-transport-security",
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
        h.insert(
            "x-content-type-options",
            HeaderValue::from_static("nosniff"),
        );
        h.insert("x-frame-options", HeaderValue::from_static("DENY"));
        h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    }
    resp
}

async fn cors(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let allowed: Option<(String, bool)> = match (&st.cfg.cors, &origin) {
        (_, None) => None,
        (Cors::Strict(list), Some(o)) => list.contains(o).then(|| (o.clone(), true)),
        (Cors::Reflect, Some(o)) => Some((o.clone(), true)),
        (Cors::Wildcard, Some(_)) => Some(("*".into(), false)),
    };
    let preflight = req.method() == Method::OPTIONS
        && req.headers().contains_key("access-control-request-method");
    let mut resp = if preflight {
        // Refused preflights get no CORS headers at all.
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(req).await
    };
    if let Some((o, creds)) = allowed {
        let h = resp.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&o) {
            h.insert("access-control-allow-origin", v);
        }
        if creds {
            h.insert(
                "access-control-allow-credentials",
                HeaderValue::from_static("true"),
            );
        }
        h.insert("vary", HeaderValue::from_static("Origin"));
        if preflight {
            h.insert(
                "access-control-allow-methods",
                HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE"),
            );
            h.insert(
                "access-control-allow-headers",
                HeaderValue::from_static("authorization, content-type"),
            );
        }
    }
    resp
}

async fn rate_limit(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let Some(limit) = st.cfg.rate_limit else {
        return next.run(req).await;
    };
    // The API and the login are limited; the page, health, metrics and the document are not.
    if !(path.starts_with("/api/") || path == "/login") {
        return next.run(req).await;
    }
    let window = st.cfg.rate_window;
    let (count, reset) = {
        let mut w = st.windows.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let e = w.entry(path).or_insert((now, 0));
        if now.duration_since(e.0) >= window {
            *e = (now, 0);
        }
        e.1 += 1;
        (e.1, window.saturating_sub(now.duration_since(e.0)))
    };
    let reset_secs = reset.as_secs().max(1);
    if count > limit {
        let mut resp = (
            StatusCode::TOO_MANY_REQUESTS,
            axum::Json(json!({"detail": "rate limit exceeded"})),
        )
            .into_response();
        let h = resp.headers_mut();
        h.insert("retry-after", HeaderValue::from(reset_secs));
        h.insert("ratelimit-limit", HeaderValue::from(limit));
        h.insert("ratelimit-remaining", HeaderValue::from(0));
        h.insert("ratelimit-reset", HeaderValue::from(reset_secs));
        return resp;
    }
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert("ratelimit-limit", HeaderValue::from(limit));
    h.insert("ratelimit-remaining", HeaderValue::from(limit - count));
    h.insert("ratelimit-reset", HeaderValue::from(reset_secs));
    resp
}

// ---- handlers ------------------------------------------------------------------------------

fn cookie(st: &AppState, name: &str, value: &str) -> HeaderValue {
    let flags = if st.cfg.secure_cookies {
        "; Path=/; Secure; HttpOnly; SameSite=Lax"
    } else {
        "; Path=/"
    };
    HeaderValue::from_str(&format!("{name}={value}{flags}")).expect("ASCII cookie")
}

async fn index(State(st): State<Shared>) -> Response {
    let sid = format!(
        "{:016x}",
        st.started.elapsed().as_nanos() as u64 ^ 0x9e37_79b9_7f4a_7c15
    );
    let mut resp = (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!doctype html><html><head><title>gonogo demo</title></head><body><h1>gonogo demo service</h1></body></html>",
    )
        .into_response();
    resp.headers_mut()
        .append(header::SET_COOKIE, cookie(&st, "session", &sid));
    resp
}

async fn health(State(st): State<Shared>) -> impl IntoResponse {
    axum::Json(json!({"status": "ok", "uptime_s": st.started.elapsed().as_secs()}))
}

async fn ping() -> impl IntoResponse {
    axum::Json(json!({"pong": true}))
}

async fn metrics(State(st): State<Shared>) -> impl IntoResponse {
    let m = st.metrics.lock().unwrap_or_else(|e| e.into_inner());
    let mut out = String::new();
    out.push_str("# HELP http_requests_total Requests served, by method, path and status.\n");
    out.push_str("# TYPE http_requests_total counter\n");
    for ((method, path, status), n) in &m.requests {
        out.push_str(&format!(
            "http_requests_total{{method=\"{method}\",path=\"{path}\",status=\"{status}\"}} {n}\n"
        ));
    }
    out.push_str("# HELP http_request_duration_seconds Time to answer a request.\n");
    out.push_str("# TYPE http_request_duration_seconds histogram\n");
    for (i, le) in BUCKETS.iter().enumerate() {
        out.push_str(&format!(
            "http_request_duration_seconds_bucket{{le=\"{le}\"}} {}\n",
            m.buckets[i]
        ));
    }
    out.push_str(&format!(
        "http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}\n",
        m.count
    ));
    out.push_str(&format!("http_request_duration_seconds_sum {}\n", m.sum));
    out.push_str(&format!(
        "http_request_duration_seconds_count {}\n",
        m.count
    ));
    out.push_str("# HELP process_uptime_seconds Seconds since the service started.\n");
    out.push_str("# TYPE process_uptime_seconds gauge\n");
    out.push_str(&format!(
        "process_uptime_seconds {}\n",
        st.started.elapsed().as_secs_f64()
    ));
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
}

async fn openapi() -> impl IntoResponse {
    axum::Json(json!({
        "openapi": "3.0.3",
        "info": {"title": "gonogo demo", "version": "1.0.0"},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "schemas": {
                "NewItem": {
                    "type": "object",
                    "required": ["name", "price"],
                    "properties": {
                        "name": {"type": "string", "maxLength": 64},
                        "price": {"type": "number", "minimum": 0, "maximum": 100000}
                    }
                }
            }
        },
        "paths": {
            "/health": {"get": {"summary": "Liveness", "responses": {"200": {"description": "up"}}}},
            "/login": {"post": {
                "summary": "Log in",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["username", "password"],
                    "properties": {"username": {"type": "string", "maxLength": 64}, "password": {"type": "string", "maxLength": 128}}
                }}}},
                "responses": {"200": {"description": "a token"}, "401": {"description": "wrong credentials"}}
            }},
            "/api/me": {"get": {"summary": "The caller", "security": [{"bearer": []}],
                "responses": {"200": {"description": "the user"}, "401": {"description": "no credentials"}}}},
            "/api/items": {
                "get": {"summary": "List items",
                    "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}],
                    "responses": {"200": {"description": "items"}}},
                "post": {"summary": "Validate a new item (nothing is stored)",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewItem"}}}},
                    "responses": {"201": {"description": "valid"}, "422": {"description": "invalid"}}}
            },
            "/api/items/{id}": {"get": {"summary": "One item",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1}}],
                "responses": {"200": {"description": "the item"}, "404": {"description": "no such item"}}}}
        }
    }))
}

/// What an unvalidated handler "crashes" with: the kind of page a debug-mode framework shows.
fn stack_trace(what: &str) -> Response {
    let body = format!(
        "Internal Server Error\n\nTraceback (most recent call last):\n  File \"/app/api/items.py\", line 42, in handler\n    cursor.execute(\"SELECT * FROM items WHERE id = \" + raw)\npsycopg2.errors.SyntaxError: syntax error at or near \"{}\"\n",
        what.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .take(16)
            .collect::<String>()
    );
    (StatusCode::INTERNAL_SERVER_ERROR, body).into_response()
}

fn unprocessable(detail: &str) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        axum::Json(json!({"detail": detail})),
    )
        .into_response()
}

async fn list_items(
    State(st): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let limit = match q.get("limit") {
        None => 10,
        Some(v) => match v.parse::<u32>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ if st.cfg.validation => {
                return unprocessable("limit must be an integer from 1 to 100");
            }
            _ => return stack_trace(v),
        },
    };
    let items: Vec<Value> = (1..=limit.min(3))
        .map(|i| json!({"id": i, "name": format!("item {i}"), "price": i * 10}))
        .collect();
    axum::Json(json!({"items": items})).into_response()
}

async fn get_item(State(st): State<Shared>, Path(id): Path<String>) -> Response {
    match id.parse::<u32>() {
        Ok(n @ 1..=3) => axum::Json(json!({"id": n, "name": format!("item {n}"), "price": n * 10}))
            .into_response(),
        Ok(_) => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"detail": "no such item"})),
        )
            .into_response(),
        Err(_) if st.cfg.validation => unprocessable("id must be an integer"),
        Err(_) => stack_trace(&id),
    }
}

async fn create_item(State(st): State<Shared>, body: Bytes) -> Response {
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) if st.cfg.validation => return unprocessable("body must be JSON"),
        Err(_) => return stack_trace("json"),
    };
    let name_ok = v
        .get("name")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty() && n.chars().count() <= 64);
    let price_ok = v
        .get("price")
        .and_then(Value::as_f64)
        .is_some_and(|p| (0.0..=100_000.0).contains(&p));
    if !(name_ok && price_ok) {
        if st.cfg.validation {
            return unprocessable("name (string, at most 64) and price (0 to 100000) are required");
        }
        return stack_trace("item");
    }
    (StatusCode::CREATED, axum::Json(json!({"valid": true}))).into_response()
}

type HmacSha256 = Hmac<sha2::Sha256>;

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn issue_jwt(cfg: &DemoConfig, sub: &str) -> String {
    let now = now_unix();
    let mut claims = json!({"sub": sub, "iat": now});
    if let Some(l) = cfg.jwt_lifetime {
        claims["exp"] = json!(now + l.as_secs());
    }
    let signing_input = format!(
        "{}.{}",
        b64(br#"{"alg":"HS256","typ":"JWT"}"#),
        b64(claims.to_string().as_bytes())
    );
    let mut mac = HmacSha256::new_from_slice(&cfg.jwt_key).expect("any key length");
    mac.update(signing_input.as_bytes());
    format!("{signing_input}.{}", b64(&mac.finalize().into_bytes()))
}

/// The subject of a valid, unexpired token signed with the demo's key.
fn verify_jwt(cfg: &DemoConfig, token: &str) -> Option<String> {
    let (signing_input, sig) = token.rsplit_once('.')?;
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(sig)
        .ok()?;
    let mut mac = HmacSha256::new_from_slice(&cfg.jwt_key).ok()?;
    mac.update(signing_input.as_bytes());
    mac.verify_slice(&sig).ok()?;
    let payload = signing_input.split('.').nth(1)?;
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .ok()?,
    )
    .ok()?;
    if claims
        .get("exp")
        .and_then(Value::as_u64)
        .is_some_and(|exp| exp <= now_unix())
    {
        return None;
    }
    claims
        .get("sub")
        .and_then(Value::as_str)
        .map(str::to_string)
}

async fn login(State(st): State<Shared>, body: Bytes) -> Response {
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => return unprocessable("body must be JSON"),
    };
    let user = v.get("username").and_then(Value::as_str).unwrap_or("");
    let pass = v.get("password").and_then(Value::as_str).unwrap_or("");
    if user != st.cfg.username || pass != st.cfg.password {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"detail": "wrong credentials"})),
        )
            .into_response();
    }
    let token = issue_jwt(&st.cfg, user);
    let mut resp =
        axum::Json(json!({"access_token": token, "token_type": "bearer"})).into_response();
    resp.headers_mut()
        .append(header::SET_COOKIE, cookie(&st, "session", "authenticated"));
    resp
}

async fn me(State(st): State<Shared>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match token.and_then(|t| verify_jwt(&st.cfg, t)) {
        Some(sub) => axum::Json(json!({"username": sub})).into_response(),
        None if !st.cfg.auth_required => {
            axum::Json(json!({"username": "anonymous"})).into_response()
        }
        None => {
            let mut r = (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({"detail": "not authenticated"})),
            )
                .into_response();
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            r
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwts_round_trip_and_expire() {
        let cfg = DemoConfig::good();
        let t = issue_jwt(&cfg, "demo");
        assert_eq!(verify_jwt(&cfg, &t).as_deref(), Some("demo"));
        let mut other = cfg.clone();
        other.jwt_key = b"another key".to_vec();
        assert_eq!(verify_jwt(&other, &t), None);
        assert_eq!(verify_jwt(&cfg, "a.b.c"), None);
    }
}
