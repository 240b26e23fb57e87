//! Helpers shared by the live-check tests: running a kind, reading its findings, fixtures
//! that misbehave on the network.

#![allow(dead_code)]

use gonogo_core::{CheckContext, CheckKind, Outcome, Params};
use std::net::SocketAddr;
use std::time::Duration;

/// A context whose repository is `repo` and whose targets are `targets`.
pub fn ctx(repo: &std::path::Path, targets: &[(&str, &str)]) -> CheckContext {
    let mut ctx = CheckContext::new(repo.to_path_buf());
    for (k, v) in targets {
        ctx.targets.insert(k.to_string(), v.to_string());
    }
    ctx
}

/// Prepare `kind` with `params` (must prepare) and run it.
pub async fn run(kind: &dyn CheckKind, params: &[(&str, &str)], ctx: &CheckContext) -> Outcome {
    let mut p = Params::new();
    for (k, v) in params {
        p.insert(k, *v);
    }
    let prepared = kind
        .prepare(&p)
        .unwrap_or_else(|e| panic!("{}: {params:?} does not prepare: {e}", kind.id()));
    prepared.run(ctx).await
}

/// Poll every 50 ms until `$cond` (an async expression) holds; panic after `$secs` seconds.
macro_rules! wait_until {
    ($what:expr, $secs:expr, $cond:expr) => {{
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs($secs);
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(50));
        loop {
            tick.tick().await;
            if $cond {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {}",
                $what
            );
        }
    }};
}
pub(crate) use wait_until;

/// The finding codes of an outcome, in order.
pub fn codes(o: &Outcome) -> Vec<&'static str> {
    o.evidence.findings.iter().map(|f| f.code).collect()
}

/// Everything an outcome would show anywhere, for "never contains the password" assertions.
pub fn shown(o: &Outcome) -> String {
    serde_json::to_string(o).expect("outcome serialises")
}

/// A TCP port that accepts connections and never sends a byte. Connections are held open
/// until the returned guard is dropped.
pub struct Silent {
    pub addr: SocketAddr,
    _stop: std::sync::mpsc::Sender<()>,
}

pub fn silent_listener() -> Silent {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        loop {
            match listener.accept() {
                Ok((s, _)) => held.push(s),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    // Wait for the guard to drop or for the next connection, whichever first.
                    match rx.recv_timeout(Duration::from_millis(20)) {
                        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                        _ => return,
                    }
                }
                Err(_) => return,
            }
        }
    });
    Silent { addr, _stop: tx }
}

/// A loopback server that, once a client has spoken, sends `head` and then `filler` without
/// end: a message header announcing a gigabyte, or a stream that never stops.
pub async fn hostile_server(head: &'static [u8], filler: &'static [u8]) -> SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = s.read(&mut request).await;
                if s.write_all(head).await.is_ok() {
                    while s.write_all(filler).await.is_ok() {}
                }
            });
        }
    });
    addr
}

/// A free loopback port (bound, then released for a child process to take).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Poll `cond` until it holds or `deadline` passes; panics with `what` on timeout.
pub async fn wait_for<F, Fut>(what: &str, deadline: Duration, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = std::time::Instant::now();
    let mut interval = tokio::time::interval(Duration::from_millis(50));
    loop {
        interval.tick().await;
        if cond().await {
            return;
        }
        assert!(start.elapsed() < deadline, "timed out waiting for {what}");
    }
}
