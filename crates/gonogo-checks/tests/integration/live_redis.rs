//! Redis kinds against real servers: the shared one on 127.0.0.1:6379 (configuration set and
//! restored within one test), and private `redis-server` processes on free loopback ports for
//! what cannot be changed on a shared server without breaking its other clients (a password,
//! the hit/miss statistics).

use crate::live::{codes, ctx, run};
use gonogo_checks::redis::{
    auth::RedisAuth, config::RedisConfig, hit_rate::RedisHitRate, memory::RedisMemory,
    ping::RedisPing,
};
use gonogo_core::Status;
use gonogo_testkit::Service;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn shared(test: &str) -> Option<String> {
    gonogo_testkit::require(Service::Redis, test).map(|f| f.url().to_string())
}

/// A `redis-server` of this test's own, killed when dropped.
struct PrivateRedis {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl PrivateRedis {
    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

/// Start `redis-server` with `args` on a free port and wait until it answers; `None` when the
/// binary is missing (the test reports itself skipped; under CI it fails).
async fn private_redis(test: &str, args: &[&str]) -> Option<PrivateRedis> {
    gonogo_testkit::require(Service::Redis, test)?;
    let binary = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(binary) = binary else {
        assert!(
            std::env::var("CI").is_err(),
            "{test}: redis-server binary required under CI"
        );
        eprintln!("SKIPPED {test}: no redis-server binary to start a private server");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = crate::live::free_port();
    let child = Command::new(binary)
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .arg("--dir")
        .arg(dir.path())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start redis-server");
    let server = PrivateRedis {
        child,
        port,
        _dir: dir,
    };
    // Ready when it answers anything to PING (+PONG, or -NOAUTH with a password set).
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    loop {
        tick.tick().await;
        if let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut buf = [0u8; 64];
            if s.write_all(b"PING\r\n").await.is_ok()
                && matches!(s.read(&mut buf).await, Ok(n) if n > 0)
            {
                break;
            }
        }
        assert!(
            Instant::now() < deadline,
            "private redis-server did not start"
        );
    }
    Some(server)
}

/// Restores the shared server's configuration when dropped, even if the test panics.
struct Restore {
    url: String,
    saved: Vec<(String, String)>,
}

impl Drop for Restore {
    fn drop(&mut self) {
        let client = redis::Client::open(self.url.as_str()).unwrap();
        let mut con = client
            .get_connection()
            .expect("reconnect to restore config");
        for (k, v) in &self.saved {
            let _: () = redis::cmd("CONFIG")
                .arg("SET")
                .arg(k)
                .arg(v)
                .query(&mut con)
                .expect("restore config");
        }
    }
}

fn config_set(con: &mut redis::Connection, pairs: &[(&str, &str)]) {
    for (k, v) in pairs {
        let _: () = redis::cmd("CONFIG")
            .arg("SET")
            .arg(*k)
            .arg(*v)
            .query(con)
            .unwrap();
    }
}

#[tokio::test]
async fn redis_config_and_memory_on_the_shared_server() {
    let Some(url) = shared("redis_config_and_memory_on_the_shared_server") else {
        return;
    };
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut con = client.get_connection().unwrap();
    let keys = ["maxmemory", "maxmemory-policy", "appendonly", "save"];
    let mut saved = Vec::new();
    for k in keys {
        let kv: Vec<String> = redis::cmd("CONFIG")
            .arg("GET")
            .arg(k)
            .query(&mut con)
            .unwrap();
        saved.push((kv[0].clone(), kv[1].clone()));
    }
    let _restore = Restore {
        url: url.clone(),
        saved,
    };
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path(), &[("redis_url", &url)]);

    // Good: bounded, allkeys-lru, AOF and RDB on.
    config_set(
        &mut con,
        &[
            ("maxmemory", "1gb"),
            ("maxmemory-policy", "allkeys-lru"),
            ("appendonly", "yes"),
            ("save", "3600 1 300 100"),
        ],
    );
    let o = run(&RedisConfig, &[("policy", "allkeys-lru")], &ctx).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert_eq!(
        o.evidence.observed.as_deref(),
        Some(
            "maxmemory 1.0 GiB, maxmemory-policy allkeys-lru, appendonly yes, save \"3600 1 300 100\""
        )
    );
    let o = run(&RedisMemory, &[("max", "80")], &ctx).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");

    // Bad: unbounded, another policy, no persistence.
    config_set(
        &mut con,
        &[
            ("maxmemory", "0"),
            ("maxmemory-policy", "volatile-lru"),
            ("appendonly", "no"),
            ("save", ""),
        ],
    );
    let o = run(&RedisConfig, &[("policy", "allkeys-lru")], &ctx).await;
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(
        codes(&o),
        [
            "redis-maxmemory-unset",
            "redis-eviction-policy",
            "redis-aof-off",
            "redis-rdb-off"
        ]
    );
    assert_eq!(
        o.evidence.findings[1].message,
        "maxmemory-policy is volatile-lru, expected allkeys-lru"
    );
    // Only the aspects an item asks for are judged.
    let o = run(
        &RedisConfig,
        &[("require", "policy"), ("policy", "volatile-lru")],
        &ctx,
    )
    .await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    config_set(&mut con, &[("maxmemory-policy", "noeviction")]);
    let o = run(&RedisConfig, &[("require", "policy")], &ctx).await;
    assert_eq!(
        (o.status, codes(&o)),
        (Status::Warn, vec!["redis-noeviction"])
    );
    let o = run(&RedisMemory, &[], &ctx).await;
    assert_eq!(codes(&o), ["redis-memory-unlimited"]);

    // Nearly full: a limit just above what is in use (no eviction happens below the limit).
    let info: String = redis::cmd("INFO").arg("memory").query(&mut con).unwrap();
    let used: u64 = info
        .lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    config_set(
        &mut con,
        &[
            ("maxmemory-policy", "allkeys-lru"),
            ("maxmemory", &(used + used / 7).to_string()),
        ],
    );
    let o = run(&RedisMemory, &[("max", "80")], &ctx).await;
    config_set(&mut con, &[("maxmemory", "1gb")]);
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(codes(&o), ["redis-memory-high"]);
}

#[tokio::test]
async fn redis_auth_requires_credentials() {
    let test = "redis_auth_requires_credentials";
    let Some(url) = shared(test) else { return };
    let dir = tempfile::tempdir().unwrap();
    // The shared test server runs without a password: the check must fail on it.
    let mut con = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let pass: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("requirepass")
        .query(&mut con)
        .unwrap();
    if pass.get(1).is_some_and(String::is_empty) {
        let o = run(&RedisAuth, &[], &ctx(dir.path(), &[("redis_url", &url)])).await;
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(codes(&o), ["redis-auth-not-required"]);
    }

    let Some(server) = private_redis(test, &["--requirepass", "s3cret-pw"]).await else {
        return;
    };
    let bare = server.url();
    let good = format!("redis://:s3cret-pw@127.0.0.1:{}", server.port);
    let wrong = format!("redis://:not-it-pw@127.0.0.1:{}", server.port);
    let o = run(&RedisAuth, &[("url", &bare)], &ctx(dir.path(), &[])).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert_eq!(
        o.evidence.observed.as_deref(),
        Some("NOAUTH without credentials")
    );
    let o = run(&RedisAuth, &[], &ctx(dir.path(), &[("redis_url", &good)])).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert_eq!(
        o.evidence.observed.as_deref(),
        Some("NOAUTH without credentials; the configured credentials work")
    );
    assert!(!crate::live::shown(&o).contains("s3cret"), "{o:?}");
    let o = run(&RedisAuth, &[], &ctx(dir.path(), &[("redis_url", &wrong)])).await;
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(codes(&o), ["redis-auth-credentials-rejected"]);
    assert!(!crate::live::shown(&o).contains("not-it"), "{o:?}");

    // redis.ping: the same server refuses a client without the password.
    let o = run(&RedisPing, &[("url", &bare)], &ctx(dir.path(), &[])).await;
    assert_eq!(
        (o.status, codes(&o)),
        (Status::Fail, vec!["redis-ping-refused"])
    );
    let o = run(&RedisPing, &[("url", &good)], &ctx(dir.path(), &[])).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
}

#[tokio::test]
async fn redis_hit_rate_from_keyspace_statistics() {
    let test = "redis_hit_rate_from_keyspace_statistics";
    let Some(server) = private_redis(test, &[]).await else {
        return;
    };
    let url = server.url();
    let mut con = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path(), &[("redis_url", &url)]);
    let get = |con: &mut redis::Connection, key: &str, n: usize| {
        for _ in 0..n {
            let _: Option<String> = redis::cmd("GET").arg(key).query(con).unwrap();
        }
    };
    get(&mut con, "gonogo:absent", 50);
    let o = run(&RedisHitRate, &[], &ctx).await;
    assert_eq!(o.status, Status::Error, "{o:?}");
    assert_eq!(
        o.evidence.summary,
        "too few lookups to judge: 50 since the stats reset, 100 needed"
    );

    let _: () = redis::cmd("SET")
        .arg("gonogo:present")
        .arg("1")
        .query(&mut con)
        .unwrap();
    get(&mut con, "gonogo:present", 200);
    let o = run(&RedisHitRate, &[("min", "80")], &ctx).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert_eq!(
        o.evidence.observed.as_deref(),
        Some("hit ratio 80.0% (200 hits, 50 misses)")
    );

    get(&mut con, "gonogo:absent", 150);
    let o = run(&RedisHitRate, &[("min", "80")], &ctx).await;
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(codes(&o), ["redis-hit-rate-low"]);
    assert_eq!(
        o.evidence.findings[0].message,
        "hit ratio 50.0% (200 hits, 200 misses), below 80%"
    );
}

#[tokio::test]
async fn redis_ping_on_the_shared_server() {
    let Some(url) = shared("redis_ping_on_the_shared_server") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let o = run(&RedisPing, &[], &ctx(dir.path(), &[("redis_url", &url)])).await;
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert!(
        o.evidence.summary.starts_with("PONG in "),
        "{}",
        o.evidence.summary
    );
}

#[tokio::test]
async fn redis_a_server_that_never_answers_is_bounded() {
    let silent = crate::live::silent_listener();
    let url = format!("redis://:pw-secret@{}", silent.addr);
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path(), &[("redis_url", &url)]);
    for (kind, status) in [
        (&RedisConfig as &dyn gonogo_core::CheckKind, Status::Error),
        (&RedisPing, Status::Fail),
    ] {
        let started = Instant::now();
        let o = run(kind, &[], &ctx).await;
        let took = started.elapsed();
        assert_eq!(o.status, status, "{}: {o:?}", kind.id());
        assert!(
            took < Duration::from_secs(7),
            "{}: took {took:?}",
            kind.id()
        );
        assert!(!crate::live::shown(&o).contains("pw-secret"), "{o:?}");
    }
    let o = run(&RedisPing, &[], &ctx).await;
    assert_eq!(codes(&o), ["redis-unreachable"]);
}

#[tokio::test]
async fn a_reply_announcing_a_gigabyte_is_cut_and_named_within_the_timeout() {
    // The driver would allocate the announced gigabyte; the capped stream cuts at the header.
    let addr = crate::live::hostile_server(b"$1073741824\r\n", &[b'x'; 4096]).await;
    let url = format!("redis://:pw-secret@{addr}");
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let o = run(&RedisMemory, &[], &ctx(dir.path(), &[("redis_url", &url)])).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(o.status, Status::Error, "{o:?}");
    assert!(
        o.evidence
            .summary
            .contains("the server announced a reply of 1073741824 bytes, over the 16 MiB limit"),
        "{}",
        o.evidence.summary
    );
    assert!(!crate::live::shown(&o).contains("pw-secret"), "{o:?}");
}
