//! RESP through a capped stream: a hostile server's reply is cut before it is read.

use crate::hostile::{Misbehaviour, Protocol, serve};
use gonogo_wire::resp::RespFrames;
use gonogo_wire::{Capped, Cut, Limits, Upstream};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Send PING to a hostile server through a capped stream and read until the stream fails:
/// the error, how many bytes got through, and how long it took.
async fn ping(how: Misbehaviour, limits: Limits) -> (std::io::Error, usize, Duration) {
    let addr = serve(Protocol::Redis, how).await;
    let upstream = Upstream::Tcp(addr.ip().to_string(), addr.port());
    let started = Instant::now();
    let conn = upstream.connect().await.unwrap();
    let mut capped = Capped::new(conn, RespFrames::default(), limits);
    capped.write_all(b"*1\r\n$4\r\nPING\r\n").await.unwrap();
    let mut got = Vec::new();
    let e = tokio::time::timeout(Duration::from_secs(20), capped.read_to_end(&mut got))
        .await
        .expect("bounded")
        .expect_err("an error");
    (e, got.len(), started.elapsed())
}

#[tokio::test]
async fn a_bulk_string_announcing_a_gigabyte_is_cut_at_its_header() {
    let (e, got, took) = ping(Misbehaviour::AnnounceGigabyte, Limits::LIVE).await;
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert!(got < 64, "{got} bytes got through");
    assert_eq!(
        Cut::of(&e).map(Cut::why),
        Some("the server announced a reply of 1073741824 bytes, over the 16 MiB limit")
    );
}

#[tokio::test]
async fn an_endless_reply_is_cut_at_the_message_cap() {
    let (e, got, took) = ping(Misbehaviour::Endless, Limits::LIVE).await;
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(got <= 16 << 20, "{got} bytes got through");
    assert_eq!(
        e.to_string(),
        "connection cut by gonogo: the server's reply exceeds the 16 MiB limit"
    );
}

#[tokio::test]
async fn a_trickling_reply_is_cut_at_the_time_budget() {
    let limits = Limits::LIVE.with_lifetime(Duration::from_millis(800));
    let (e, _, took) = ping(Misbehaviour::Trickle, limits).await;
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert_eq!(e.kind(), std::io::ErrorKind::TimedOut);
}

#[tokio::test]
async fn a_real_redis_answers_through_the_cap() {
    let Some(found) = gonogo_testkit::require(gonogo_testkit::Service::Redis, "redis_capped")
    else {
        return;
    };
    let hostport = found
        .url()
        .trim_start_matches("redis://")
        .trim_end_matches('/');
    let (host, port) = hostport.rsplit_once(':').unwrap();
    let upstream = Upstream::Tcp(host.to_string(), port.parse().unwrap());
    let mut capped = Capped::new(
        upstream.connect().await.unwrap(),
        RespFrames::default(),
        Limits::LIVE,
    );
    capped
        .write_all(b"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n")
        .await
        .unwrap();
    let mut got = vec![0u8; 64 * 1024];
    let mut n = 0;
    let has = |b: &[u8], what: &[u8]| b.windows(what.len()).any(|w| w == what);
    // PONG, then INFO's bulk string.
    while !(got[..n].ends_with(b"\r\n") && has(&got[..n], b"redis_version")) {
        let read = tokio::time::timeout(Duration::from_secs(5), capped.read(&mut got[n..]))
            .await
            .expect("an answer")
            .unwrap();
        assert!(
            read > 0,
            "closed after {:?}",
            String::from_utf8_lossy(&got[..n])
        );
        n += read;
    }
    assert!(got.starts_with(b"+PONG\r\n$"));
}
