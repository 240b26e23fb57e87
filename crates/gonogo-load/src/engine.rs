//! The run: worker threads with their own single-threaded runtimes, each driving its share of
//! the connections and keeping its own tallies; a reporter on the calling thread that samples
//! the live counters once a second; a merge at the end.

use crate::client::{Body, Dialer, Sender, tls_connector};
use crate::coarse::{Live, Window};
use crate::config::{LoadConfig, Model, Stop};
use crate::h1::{self, Failure};
use crate::report::{LoadReport, TimelinePoint};
use crate::scenario::{Fill, Prepared, absolute, origin_form};
use crate::slot_timer::SlotTimer;
use crate::stats::{ErrorClass, WorkerStats};
use hyper::Request;
use hyper::header::{HOST, HeaderValue};
use std::cell::{Cell, RefCell};
use std::net::ToSocketAddrs;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::time::Sleep;

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("invalid load configuration: {}", .0.join("; "))]
    Config(Vec<String>),
    #[error("cannot resolve {0}")]
    Resolve(String),
    #[error("{0}")]
    Scenario(#[from] crate::scenario::ScenarioError),
    #[error("cannot start worker threads: {0}")]
    Runtime(String),
}

/// Stops a run from outside (Ctrl-C): in-flight requests get the drain window, then the run
/// reports what it measured.
#[derive(Clone, Default)]
pub struct Control {
    stop: Arc<AtomicBool>,
}

impl Control {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
    pub fn is_stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// What the live display shows, once a second.
#[derive(Debug, Clone)]
pub struct Progress {
    pub elapsed: Duration,
    /// Still in the warm-up (nothing is recorded yet).
    pub warming_up: bool,
    /// Responses per second over the last second.
    pub rps: f64,
    /// p95 over the last second (schedule-corrected in the open model), ms.
    pub p95_ms: Option<f64>,
    /// Measured so far.
    pub requests: u64,
    pub errors: u64,
    /// The run's planned measured length, when it is time-bound.
    pub planned: Option<Duration>,
}

impl Progress {
    /// The live line: elapsed, current rate, p95 and errors.
    pub fn line(&self) -> String {
        let when = match self.planned {
            Some(d) => format!("{:.0}s/{:.0}s", self.elapsed.as_secs_f64(), d.as_secs_f64()),
            None => format!("{:.0}s", self.elapsed.as_secs_f64()),
        };
        if self.warming_up {
            return "warming up…".to_string();
        }
        let rate = if self.requests == 0 {
            0.0
        } else {
            self.errors as f64 / self.requests as f64 * 100.0
        };
        format!(
            "{when}  {:.0} req/s  p95 {}  {} requests  {} errors ({rate:.2}%)",
            self.rps,
            self.p95_ms
                .map(crate::threshold::format_ms)
                .unwrap_or_else(|| "-".into()),
            self.requests,
            self.errors
        )
    }
}

/// Everything the workers share (read-only on the hot path).
struct Shared {
    cfg: LoadConfig,
    dialer: Dialer,
    prepared: Vec<Prepared>,
    /// Cumulative weights for picking a request.
    cumulative: Vec<u32>,
    host: HeaderValue,
    /// Each request that never changes, encoded for HTTP/1.1 once.
    encoded: Vec<Option<bytes::Bytes>>,
    stop: Arc<AtomicBool>,
    t0: Instant,
    t_measure: Instant,
    t_end: Option<Instant>,
    seq: AtomicU64,
}

/// One worker thread's state, shared by its connections (single-threaded: `Cell`s).
struct Worker {
    shared: Arc<Shared>,
    id: usize,
    stats: RefCell<WorkerStats>,
    live: Arc<Live>,
    /// Requests mode: measured sends left.
    budget: Cell<u64>,
    /// Open model: next slot index and the spacing of this worker's slots.
    next_slot: Cell<u64>,
    open: Cell<usize>,
    idle: Cell<usize>,
    max_open: usize,
    in_flight: Cell<u64>,
    active: Cell<usize>,
    rng: Cell<u64>,
    out_of_budget: Cell<bool>,
}

/// Runs the load described by `cfg` to its end (or until `control` stops it) and reports.
/// Blocks the calling thread; call it from `spawn_blocking` in async code.
pub fn run(
    cfg: &LoadConfig,
    control: &Control,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<LoadReport, LoadError> {
    cfg.validate().map_err(LoadError::Config)?;
    let origin = &cfg.scenario.origin;
    let addr = (origin.host.as_str(), origin.port)
        .to_socket_addrs()
        .map_err(|e| LoadError::Resolve(format!("{}: {e}", origin.authority())))?
        .next()
        .ok_or_else(|| LoadError::Resolve(origin.authority()))?;
    let tls = if origin.https {
        let name = rustls::pki_types::ServerName::try_from(origin.host.clone())
            .map_err(|_| LoadError::Resolve(format!("{} is not a TLS server name", origin.host)))?;
        Some((tls_connector(cfg.http, cfg.insecure), name))
    } else {
        None
    };
    let prepared = cfg
        .scenario
        .requests
        .iter()
        .map(|r| Prepared::new(r, origin))
        .collect::<Result<Vec<_>, _>>()?;
    let mut cumulative = Vec::with_capacity(prepared.len());
    let mut acc = 0u32;
    for p in &prepared {
        acc = acc.saturating_add(p.spec.weight);
        cumulative.push(acc);
    }
    let host = HeaderValue::from_str(&origin.authority())
        .map_err(|_| LoadError::Resolve(format!("{} is not a valid host", origin.host)))?;

    let encoded = prepared
        .iter()
        .map(|p| match (&p.uri_h1, p.templated) {
            (Some(uri), false) => Some(h1::encode(
                &p.method,
                uri,
                host.as_bytes(),
                &p.headers,
                p.body.as_deref().unwrap_or_default(),
            )),
            _ => None,
        })
        .collect();

    let connections = cfg.connections();
    let threads = cfg.threads.min(connections).max(1);
    let t0 = Instant::now() + Duration::from_millis(20);
    let t_measure = t0 + cfg.warmup;
    let t_end = match cfg.stop {
        Stop::Duration(d) => Some(t_measure + d),
        Stop::Requests(_) => None,
    };
    let shared = Arc::new(Shared {
        cfg: cfg.clone(),
        dialer: Dialer {
            addr,
            tls,
            http: cfg.http,
            connect_timeout: cfg.connect_timeout,
        },
        prepared,
        cumulative,
        host,
        encoded,
        stop: control.stop.clone(),
        t0,
        t_measure,
        t_end,
        seq: AtomicU64::new(0),
    });

    let lives: Vec<Arc<Live>> = (0..threads).map(|_| Arc::new(Live::default())).collect();
    let mut handles = Vec::with_capacity(threads);
    for (id, live) in lives.iter().enumerate() {
        let share = |total: usize| total / threads + usize::from(id < total % threads);
        let conns = share(connections).max(1);
        let max_open = match cfg.model {
            Model::Open {
                max_connections, ..
            } => share(max_connections).max(conns),
            Model::Closed { .. } => conns,
        };
        let budget = match cfg.stop {
            Stop::Requests(n) => n / threads as u64 + u64::from((id as u64) < n % threads as u64),
            Stop::Duration(_) => u64::MAX,
        };
        let shared = shared.clone();
        let live = live.clone();
        let handle = std::thread::Builder::new()
            .name(format!("gonogo-load-{id}"))
            .spawn(move || worker_thread(shared, id, live, conns, max_open, budget))
            .map_err(|e| LoadError::Runtime(e.to_string()))?;
        handles.push(handle);
    }

    // The reporter: one window a second, from the live counters.
    let mut timeline = Vec::new();
    let mut window = Window::default();
    let mut total = (0u64, 0u64);
    let tick = Duration::from_secs(1);
    let mut next_tick = t0 + tick;
    let planned = match cfg.stop {
        Stop::Duration(d) => Some(d),
        Stop::Requests(_) => None,
    };
    loop {
        let done = handles.iter().all(|h| h.is_finished());
        let now = Instant::now();
        if now >= next_tick || done {
            window.clear();
            for l in &lives {
                l.drain_into(&mut window);
            }
            let span = now
                .saturating_duration_since(next_tick - tick)
                .as_secs_f64()
                .max(1e-3);
            total.0 += window.responses;
            total.1 += window.errors;
            let warming_up = now < t_measure;
            let p95 = window.quantile(0.95).map(|us| us as f64 / 1000.0);
            if !warming_up && window.responses > 0 {
                timeline.push(TimelinePoint {
                    t: now.saturating_duration_since(t_measure).as_secs_f64(),
                    rps: window.responses as f64 / span,
                    errors: window.errors,
                    p50_ms: window.quantile(0.5).map(|us| us as f64 / 1000.0),
                    p95_ms: p95,
                    p99_ms: window.quantile(0.99).map(|us| us as f64 / 1000.0),
                });
            }
            on_progress(&Progress {
                elapsed: now.saturating_duration_since(t_measure),
                warming_up,
                rps: window.responses as f64 / span,
                p95_ms: p95,
                requests: total.0,
                errors: total.1,
                planned,
            });
            next_tick = now + tick;
        }
        if done {
            break;
        }
        std::thread::sleep(Duration::from_millis(25).min(next_tick.saturating_duration_since(now)));
    }

    let mut merged = WorkerStats::default();
    for h in handles {
        match h.join() {
            Ok(stats) => merged.merge(&stats),
            Err(_) => return Err(LoadError::Runtime("a worker thread panicked".into())),
        }
    }
    let interrupted = control.is_stopped();
    Ok(LoadReport::build(
        cfg,
        merged,
        t_measure,
        timeline,
        interrupted,
    ))
}

fn worker_thread(
    shared: Arc<Shared>,
    id: usize,
    live: Arc<Live>,
    conns: usize,
    max_open: usize,
    budget: u64,
) -> WorkerStats {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(_) => {
            let mut s = WorkerStats::default();
            s.errors.other += 1;
            return s;
        }
    };
    let seed =
        0x9E37_79B9_7F4A_7C15u64 ^ ((id as u64 + 1) << 32) ^ shared.t0.elapsed().as_nanos() as u64;
    let worker = Rc::new(Worker {
        shared,
        id,
        stats: RefCell::new(WorkerStats::default()),
        live,
        budget: Cell::new(budget),
        next_slot: Cell::new(0),
        open: Cell::new(0),
        idle: Cell::new(0),
        max_open,
        in_flight: Cell::new(0),
        active: Cell::new(0),
        rng: Cell::new(seed | 1),
        out_of_budget: Cell::new(false),
    });
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, supervise(worker.clone(), conns));
    drop(local);
    let mut stats = worker.stats.take();
    let cfg = &worker.shared.cfg;
    if let (Model::Open { rate, .. }, Stop::Duration(d)) = (&cfg.model, cfg.stop)
        && !worker.shared.stop.load(Ordering::Relaxed)
    {
        // Slots due within the window that no connection got to before the end.
        let threads = cfg.threads.min(cfg.connections()).max(1) as f64;
        let first_slot = |secs: f64| ((secs * rate - id as f64) / threads).ceil().max(0.0) as u64;
        let warmup = cfg.warmup.as_secs_f64();
        let expected = first_slot(warmup + d.as_secs_f64()) - first_slot(warmup);
        if expected > stats.due {
            stats.dropped += expected - stats.due;
            stats.due = expected;
        }
    }
    stats.peak_connections = worker.open.get().max(stats.peak_connections);
    stats
}

/// Starts the connections, then waits for them to finish; after the end (or a stop) the
/// in-flight requests get the drain window, and what is still running then is abandoned.
async fn supervise(w: Rc<Worker>, conns: usize) {
    tokio::time::sleep_until(w.shared.t0.into()).await;
    for _ in 0..conns {
        spawn_connection(&w);
    }
    let mut ended_at: Option<Instant> = None;
    loop {
        tokio::time::sleep(Duration::from_millis(10)).await;
        if w.active.get() == 0 {
            break;
        }
        let now = Instant::now();
        if ended_at.is_none() && w.ending(now) {
            ended_at = Some(now);
        }
        if let Some(t) = ended_at
            && now >= t + w.shared.cfg.drain
        {
            w.stats.borrow_mut().unfinished += w.in_flight.get();
            break;
        }
    }
}

fn spawn_connection(w: &Rc<Worker>) {
    w.open.set(w.open.get() + 1);
    w.active.set(w.active.get() + 1);
    {
        let mut s = w.stats.borrow_mut();
        s.peak_connections = s.peak_connections.max(w.open.get());
    }
    let w = w.clone();
    tokio::task::spawn_local(async move {
        match w.shared.cfg.model {
            Model::Closed { .. } => closed_loop(&w).await,
            Model::Open { rate, .. } => open_loop(&w, rate).await,
        }
        w.active.set(w.active.get() - 1);
    });
}

impl Worker {
    /// The run is over for new requests.
    fn ending(&self, now: Instant) -> bool {
        self.shared.stop.load(Ordering::Relaxed)
            || self.out_of_budget.get()
            || self.shared.t_end.is_some_and(|end| now >= end)
    }

    /// Takes one measured send from the budget (requests mode).
    fn take_budget(&self) -> bool {
        let b = self.budget.get();
        if b == 0 {
            self.out_of_budget.set(true);
            return false;
        }
        self.budget.set(b - 1);
        true
    }

    fn next_rand(&self) -> u64 {
        // xorshift64*: plenty for picking weighted requests.
        let mut x = self.rng.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Picks the next request of the scenario by weight.
    fn pick(&self) -> usize {
        let shared = &self.shared;
        if shared.prepared.len() == 1 {
            0
        } else {
            let total = *shared.cumulative.last().expect("non-empty scenario") as u64;
            let pick = (self.next_rand() % total) as u32;
            shared.cumulative.partition_point(|&c| c <= pick)
        }
    }

    /// The next request for HTTP/1.1, as bytes, and whether it is a HEAD.
    fn encoded_request(&self) -> (bytes::Bytes, bool) {
        let index = self.pick();
        let p = &self.shared.prepared[index];
        let head = p.method == hyper::Method::HEAD;
        if let Some(b) = &self.shared.encoded[index] {
            return (b.clone(), head);
        }
        let (parts, body) = self.build_request(index, false).into_parts();
        (
            h1::encode(
                &parts.method,
                &parts.uri,
                self.shared.host.as_bytes(),
                &parts.headers,
                &body,
            ),
            head,
        )
    }

    /// Builds request `index` of the scenario.
    fn build_request(&self, index: usize, h2: bool) -> Request<bytes::Bytes> {
        let shared = &self.shared;
        let p = &shared.prepared[index];
        let fill = if p.templated {
            Some(Fill {
                seq: shared.seq.fetch_add(1, Ordering::Relaxed),
                rand: self.next_rand() as u32,
                worker: self.id,
            })
        } else {
            None
        };
        let body = match (&p.body, fill) {
            (Some(b), _) => b.clone(),
            (None, Some(f)) => p.spec.body.render(f).into(),
            (None, None) => bytes::Bytes::new(),
        };
        let mut req = Request::new(body);
        *req.method_mut() = p.method.clone();
        let uri = match (h2, &p.uri_h1, &p.uri_h2, fill) {
            (false, Some(u), _, _) => u.clone(),
            (true, _, Some(u), _) => u.clone(),
            (h2, _, _, Some(f)) => {
                let path = p.spec.path.render(f);
                let u = if h2 {
                    absolute(&shared.cfg.scenario.origin, &path)
                } else {
                    origin_form(&path)
                };
                u.unwrap_or_else(|_| hyper::Uri::from_static("/"))
            }
            _ => hyper::Uri::from_static("/"),
        };
        *req.uri_mut() = uri;
        let headers = req.headers_mut();
        *headers = p.headers.clone();
        if !h2 {
            headers.insert(HOST, shared.host.clone());
        }
        if let Some(f) = fill {
            for (name, t) in &p.spec.headers {
                if t.as_static().is_none()
                    && let Ok(v) = HeaderValue::from_str(&t.render(f))
                {
                    headers.append(name.clone(), v);
                }
            }
        }
        req
    }

    /// Tallies one request. `due` is the scheduled time (the send time in the closed model).
    fn record(
        &self,
        due: Instant,
        sent: Instant,
        end: Instant,
        outcome: Result<(u16, u64), ErrorClass>,
    ) {
        let shared = &self.shared;
        let mut s = self.stats.borrow_mut();
        s.requests += 1;
        s.last_end = s.last_end.max(Some(end));
        let corrected_us = end.saturating_duration_since(due).as_micros() as u64;
        let open = matches!(shared.cfg.model, Model::Open { .. });
        let error = match outcome {
            Ok((status, bytes)) => {
                if let Some(n) = s.statuses.get_mut(status as usize) {
                    *n += 1;
                }
                s.bytes += bytes;
                let service_us = end.saturating_duration_since(sent).as_micros() as u64;
                WorkerStats::record_latency(&mut s.service, service_us);
                if open {
                    WorkerStats::record_latency(&mut s.corrected, corrected_us);
                }
                if shared.cfg.expect.contains(status) {
                    None
                } else {
                    Some(match status {
                        400..=499 => ErrorClass::Status4xx,
                        500..=599 => ErrorClass::Status5xx,
                        _ => ErrorClass::Other,
                    })
                }
            }
            Err(class) => Some(class),
        };
        if let Some(class) = error {
            s.errors.add(class);
        }
        let live_latency = match outcome {
            Ok(_) => Some(if open {
                corrected_us
            } else {
                end.saturating_duration_since(sent).as_micros() as u64
            }),
            Err(_) => None,
        };
        self.live.record(live_latency, error.is_some());
    }

    /// Sends one request on `conn` (connecting first when needed). `due` is when it was due;
    /// `now` a clock reading taken just before the call (one clock read fewer per request).
    /// `timer` is the connection's own timeout, re-armed per request: pushing a deadline later
    /// does not touch the timer wheel, where a fresh `timeout_at` would insert and remove an
    /// entry on every request. Returns when the request ended.
    async fn send_one(
        &self,
        conn: &mut Option<Sender>,
        timer: &mut Pin<Box<Sleep>>,
        due: Instant,
        now: Instant,
        measured: bool,
    ) -> Instant {
        let mut sent = now;
        // A connection the server closed between requests is replaced without an error.
        if let Some(c) = conn.as_mut() {
            if !c.ready().await {
                *conn = None;
            } else if c.is_h2() {
                // HTTP/2 readiness may wait for stream capacity: that wait is not service time.
                sent = Instant::now();
            }
        }
        if conn.is_none() {
            match self.shared.dialer.connect().await {
                Ok(c) => {
                    let mut s = self.stats.borrow_mut();
                    s.protocol.get_or_insert(c.protocol());
                    *conn = Some(c);
                    sent = Instant::now();
                }
                Err(class) => {
                    let now = Instant::now();
                    if measured {
                        self.record(due, now, now, Err(class));
                    }
                    return now;
                }
            }
        }
        let deadline = due.max(sent) + self.shared.cfg.timeout;
        timer.as_mut().reset(deadline.into());
        self.in_flight.set(self.in_flight.get() + 1);
        let outcome = tokio::select! {
            biased;
            r = self.exchange(conn) => r,
            () = timer.as_mut() => Err(ErrorClass::Timeout),
        };
        self.in_flight.set(self.in_flight.get() - 1);
        if outcome.is_err() {
            *conn = None;
        }
        let end = Instant::now();
        if measured {
            self.record(due, sent, end, outcome);
        }
        end
    }
}

/// A connection's timeout timer, armed far away until its first request.
fn connection_timer() -> Pin<Box<Sleep>> {
    Box::pin(tokio::time::sleep(Duration::from_secs(86_400)))
}

impl Worker {
    /// One request on `sender`. A reused HTTP/1.1 connection the server had closed is replaced
    /// and the request sent again, once, without counting an error (as a browser does).
    async fn exchange(&self, conn: &mut Option<Sender>) -> Result<(u16, u64), ErrorClass> {
        let mut retried = false;
        loop {
            let Some(sender) = conn.as_mut() else {
                return Err(ErrorClass::Connect);
            };
            if sender.is_h2() {
                let req = self.build_request(self.pick(), true).map(Body::new);
                return sender.exchange_h2(req).await;
            }
            let (bytes, head) = self.encoded_request();
            match sender.exchange_h1(&bytes, head).await {
                Ok(r) => return Ok(r),
                Err(Failure::Stale) if !retried => {
                    retried = true;
                    *conn = Some(self.shared.dialer.connect().await?);
                }
                Err(Failure::Stale) => return Err(ErrorClass::Other),
                Err(Failure::Class(c)) => return Err(c),
            }
        }
    }
}

/// Closed model: the next request as soon as the previous response is read.
async fn closed_loop(w: &Worker) {
    let mut conn: Option<Sender> = None;
    let mut timer = connection_timer();
    let mut backoff = Duration::from_millis(10);
    // The end of one request is the start of the next.
    let mut now = Instant::now();
    loop {
        if w.ending(now) {
            break;
        }
        let measured = now >= w.shared.t_measure;
        if measured && !w.take_budget() {
            break;
        }
        let had = conn.is_some();
        now = w.send_one(&mut conn, &mut timer, now, now, measured).await;
        if conn.is_none() && !had {
            // Could not connect: do not spin on a refusing target.
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_millis(500));
            now = Instant::now();
        } else {
            backoff = Duration::from_millis(10);
        }
    }
    w.open.set(w.open.get() - 1);
}

/// Open model: slot *i* of this worker is due at `t0 + (i·threads + id) / rate`; whichever
/// connection is free takes the next slot. A slot taken late, with no other connection idle,
/// opens another connection (up to the cap). A slot already older than the timeout when a
/// connection frees up is dropped.
async fn open_loop(w: &Rc<Worker>, rate: f64) {
    let shared = &w.shared;
    let threads = shared.cfg.threads.min(shared.cfg.connections()).max(1) as f64;
    let mut conn: Option<Sender> = None;
    let mut timer = connection_timer();
    let slot_timer = SlotTimer::new();
    loop {
        let now = Instant::now();
        if w.ending(now) {
            break;
        }
        let i = w.next_slot.get();
        let offset = (i as f64 * threads + w.id as f64) / rate;
        let due = shared.t0 + Duration::from_secs_f64(offset);
        if shared.t_end.is_some_and(|end| due >= end) {
            break;
        }
        let measured = due >= shared.t_measure;
        if measured && !w.take_budget() {
            break;
        }
        w.next_slot.set(i + 1);
        if measured {
            w.stats.borrow_mut().due += 1;
        }
        if due > now {
            w.idle.set(w.idle.get() + 1);
            slot_timer.wait_until(due).await;
            w.idle.set(w.idle.get() - 1);
            if shared.stop.load(Ordering::Relaxed) {
                // Interrupted: this slot was never due within the run.
                if measured {
                    w.stats.borrow_mut().due -= 1;
                }
                break;
            }
        }
        let now = Instant::now();
        let lag = now.saturating_duration_since(due);
        if lag >= shared.cfg.timeout {
            if measured {
                w.stats.borrow_mut().dropped += 1;
            }
            continue;
        }
        if lag > shared.cfg.late_after {
            if measured {
                w.stats.borrow_mut().late += 1;
            }
            if w.idle.get() == 0 && w.open.get() < w.max_open {
                spawn_connection(w);
            }
        }
        w.send_one(&mut conn, &mut timer, due, now, measured).await;
    }
    w.open.set(w.open.get() - 1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_line_shows_rate_p95_and_errors() {
        let p = Progress {
            elapsed: Duration::from_secs(3),
            warming_up: false,
            rps: 1234.4,
            p95_ms: Some(1.5),
            requests: 4000,
            errors: 4,
            planned: Some(Duration::from_secs(10)),
        };
        insta::assert_snapshot!(p.line(), @"3s/10s  1234 req/s  p95 1.5ms  4000 requests  4 errors (0.10%)");
    }
}
