//! The relay's private directory: made per relay, removed when it stops, and swept when the
//! process that made it is gone.

use gonogo_wire::pg::PgFrames;
use gonogo_wire::{Limits, Relay, Upstream};
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

async fn gone(path: &std::path::Path) -> bool {
    let started = Instant::now();
    while path.exists() && started.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    !path.exists()
}

#[tokio::test]
async fn a_relay_directory_is_private_and_removed_when_the_relay_stops() {
    let upstream = Upstream::Tcp("127.0.0.1".into(), 9);
    let relay = Relay::serve::<PgFrames>(upstream, ".s.PGSQL.9", Limits::STORE).unwrap();
    let dir = relay.dir().to_path_buf();
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    assert!(dir.join(".s.PGSQL.9").exists());
    drop(relay);
    assert!(gone(&dir).await, "{} left behind", dir.display());
}

#[tokio::test]
async fn directories_of_ended_processes_are_swept() {
    let mut ended = std::process::Command::new("true").spawn().unwrap();
    let pid = ended.id();
    ended.wait().unwrap();
    let stale = std::env::temp_dir().join(format!("gonogo-relay-{pid}-0-swept"));
    std::fs::create_dir_all(&stale).unwrap();
    drop(std::os::unix::net::UnixListener::bind(stale.join(".s.PGSQL.5432")).unwrap());
    // A directory of a live process (this one) is left alone.
    let live = std::env::temp_dir().join(format!("gonogo-relay-{}-0-kept", std::process::id()));
    std::fs::create_dir_all(&live).unwrap();

    let relay = Relay::serve::<PgFrames>(
        Upstream::Tcp("127.0.0.1".into(), 9),
        ".s.PGSQL.9",
        Limits::STORE,
    )
    .unwrap();
    assert!(!stale.exists(), "{} not swept", stale.display());
    assert!(live.exists());
    std::fs::remove_dir(&live).unwrap();
    drop(relay);
}
