//! Waiting for an open-model slot with microsecond precision.
//!
//! tokio's timers and `epoll_wait` count whole milliseconds, so `sleep_until(due)` leaves up to
//! about a millisecond after the slot, and that lateness is gonogo's own, yet it would be
//! counted in the schedule-corrected latency (at 50 req/s it moved p50 from 0.5 to 1.8 ms).
//! A `timerfd` registered in the reactor fires on the kernel's high-resolution timer instead:
//! one re-armed per connection, two syscalls per slot, no spinning. Where it cannot be made
//! (not Linux, or out of descriptors) the wait falls back to tokio's timer.

use std::time::Instant;

pub(crate) struct SlotTimer {
    #[cfg(target_os = "linux")]
    fd: Option<tokio::io::unix::AsyncFd<std::os::fd::OwnedFd>>,
}

impl SlotTimer {
    pub fn new() -> Self {
        #[cfg(target_os = "linux")]
        {
            use rustix::time::{TimerfdClockId, TimerfdFlags, timerfd_create};
            let fd = timerfd_create(
                TimerfdClockId::Monotonic,
                TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
            )
            .ok()
            .and_then(register);
            SlotTimer { fd }
        }
        #[cfg(not(target_os = "linux"))]
        SlotTimer {}
    }

    /// Returns at `due` (at once when it has passed).
    pub async fn wait_until(&self, due: Instant) {
        let Some(left) = due
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
        else {
            return;
        };
        #[cfg(target_os = "linux")]
        if let Some(fd) = &self.fd
            && arm(fd.get_ref(), left)
        {
            loop {
                let Ok(mut ready) = fd.readable().await else {
                    break;
                };
                // The expiry count: reading it clears the readiness for the next slot.
                let mut count = [0u8; 8];
                match ready.try_io(|inner| Ok(rustix::io::read(inner.get_ref(), &mut count)?)) {
                    Ok(_) => return,
                    Err(_would_block) => continue,
                }
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = left; // only the timerfd needs the remaining time
        tokio::time::sleep_until(due.into()).await;
    }
}

/// Puts the timer in the reactor. `AsyncFd::new` is deprecated because it is unsound for
/// types whose descriptor can change under it; an `OwnedFd` owns its descriptor until it is
/// dropped with the `AsyncFd`, which is exactly the contract of `AsyncFd::register`, the same
/// call marked `unsafe` (and `unsafe` is forbidden in this workspace).
#[cfg(target_os = "linux")]
#[allow(deprecated)]
fn register(fd: std::os::fd::OwnedFd) -> Option<tokio::io::unix::AsyncFd<std::os::fd::OwnedFd>> {
    tokio::io::unix::AsyncFd::new(fd).ok()
}

/// Arms `fd` to fire once, `after` from now; false when the kernel refuses.
#[cfg(target_os = "linux")]
fn arm(fd: &std::os::fd::OwnedFd, after: std::time::Duration) -> bool {
    use rustix::time::{Itimerspec, TimerfdTimerFlags, Timespec, timerfd_settime};
    let spec = Itimerspec {
        it_interval: Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        },
        it_value: Timespec {
            tv_sec: after.as_secs() as _,
            tv_nsec: after.subsec_nanos() as _,
        },
    };
    timerfd_settime(fd, TimerfdTimerFlags::empty(), &spec).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn waits_until_the_slot_and_not_before() {
        let timer = SlotTimer::new();
        for ms in [0u64, 1, 3, 7] {
            let due = Instant::now() + Duration::from_millis(ms);
            timer.wait_until(due).await;
            assert!(Instant::now() >= due, "woke before a slot {ms} ms away");
        }
        // A slot in the past returns at once, and the timer is still usable afterwards.
        timer
            .wait_until(Instant::now() - Duration::from_millis(5))
            .await;
        let due = Instant::now() + Duration::from_millis(2);
        timer.wait_until(due).await;
        assert!(Instant::now() >= due);
    }
}
