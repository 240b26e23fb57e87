//! sqlx through the relay: a real PostgreSQL works as before; a hostile one is cut.

use crate::hostile::{Misbehaviour, Protocol, serve};
use gonogo_testkit::Service;
use gonogo_wire::{Limits, pg};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, Row};
use std::str::FromStr;
use std::time::{Duration, Instant};

fn options(addr: std::net::SocketAddr) -> PgConnectOptions {
    PgConnectOptions::from_str(&format!("postgres://app:pw@{addr}/db?sslmode=disable")).unwrap()
}

/// Connect through a relay under `limits`: the error, and how long it took.
async fn connect_error(opts: PgConnectOptions, limits: Limits) -> (String, Duration) {
    let started = Instant::now();
    let (opts, _relay) = pg::through_relay(opts, limits).unwrap();
    let attempt = tokio::time::timeout(Duration::from_secs(20), opts.connect()).await;
    let e = attempt.expect("bounded").expect_err("an error");
    (e.to_string(), started.elapsed())
}

#[tokio::test]
async fn a_server_announcing_a_gigabyte_is_cut_before_it_is_read() {
    let addr = serve(Protocol::Postgres, Misbehaviour::AnnounceGigabyte).await;
    let (e, took) = connect_error(options(addr), Limits::LIVE).await;
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert_eq!(
        e,
        "error returned from database: connection cut by gonogo: the server announced a \
         message of 1073741824 bytes (type 'R'), over the 16 MiB limit"
    );
    // The one-connection relay of the live checks says the same.
    let (opts, _relay) = pg::connect_through_relay(options(addr), Limits::LIVE)
        .await
        .unwrap();
    let e = opts.connect().await.err().unwrap().to_string();
    assert!(e.ends_with("over the 16 MiB limit"), "{e}");
}

#[tokio::test]
async fn a_server_that_never_stops_is_cut_at_the_connection_budget() {
    let addr = serve(Protocol::Postgres, Misbehaviour::Endless).await;
    let (e, took) = connect_error(options(addr), Limits::LIVE.with_max_total(4 << 20)).await;
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(
        e.ends_with("the server's messages exceed the connection's budget of 4 MiB"),
        "{e}"
    );
}

#[tokio::test]
async fn a_trickling_server_is_cut_at_the_time_budget() {
    let addr = serve(Protocol::Postgres, Misbehaviour::Trickle).await;
    let limits = Limits::LIVE.with_lifetime(Duration::from_secs(1));
    let (e, took) = connect_error(options(addr), limits).await;
    assert!(took < Duration::from_secs(3), "took {took:?}: {e}");
    assert!(took >= Duration::from_millis(900), "took {took:?}: {e}");
}

#[tokio::test]
async fn an_unreachable_server_is_named_in_the_error() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = free.local_addr().unwrap();
    drop(free);
    let (e, _) = connect_error(options(addr), Limits::STORE).await;
    assert!(e.contains(&format!("cannot connect to {addr}: ")), "{e}");
    assert!(!e.contains("pw"), "{e}");
    let e = pg::connect_through_relay(options(addr), Limits::LIVE)
        .await
        .err()
        .unwrap();
    assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused);
}

#[tokio::test]
async fn a_real_server_answers_through_the_relay_and_an_oversized_row_is_cut() {
    let Some(found) = gonogo_testkit::require(Service::Postgres, "pg_relay_real_server") else {
        return;
    };
    let opts = PgConnectOptions::from_str(found.url()).unwrap();
    let (relayed, relay) =
        pg::through_relay(opts, Limits::STORE.with_max_message(1 << 20)).unwrap();
    let dir = relay.dir().to_path_buf();
    assert!(dir.exists());
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(relayed)
        .await
        .unwrap();
    relay.serve_until(pool.close_event());
    let row = sqlx::query("SELECT repeat('x', 1000) AS s")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(row.get::<String, _>("s").len(), 1000);
    // A row of 2 MiB is a DataRow over the 1 MiB cap.
    let e = sqlx::query("SELECT repeat('x', 2 * 1024 * 1024) AS s")
        .fetch_one(&pool)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.ends_with("message of 2097158 bytes (type 'D'), over the 1 MiB limit"),
        "{e}"
    );
    // The pool opens a new connection through the same relay.
    let n: i32 = sqlx::query_scalar("SELECT 41 + 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 42);
    pool.close().await;
    // Closing the pool stops the relay and removes its directory.
    let gone = Instant::now();
    while dir.exists() && gone.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!dir.exists(), "{} left behind", dir.display());

    // One connection, as the live checks make it.
    let opts = PgConnectOptions::from_str(found.url()).unwrap();
    let (relayed, relay) = pg::connect_through_relay(opts, Limits::LIVE).await.unwrap();
    let mut conn = sqlx::PgConnection::connect_with(&relayed).await.unwrap();
    let one: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(one, 1);
    conn.close().await.unwrap();
    drop(relay);
}
