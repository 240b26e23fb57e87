//! A small fixed-size log-linear latency histogram whose buckets are atomics.
//!
//! Workers add to it on every response (one relaxed `fetch_add`); the progress reporter swaps
//! it to zero once a second. That gives the live display and the per-second timeline (rate,
//! p50/p95/p99 over time) without a channel on the hot path and without keeping samples. The
//! precision is 1/8 of a power of two (≤ 12.5 %), plenty for a chart; the summary figures come
//! from the full HDR histograms.

use std::sync::atomic::{AtomicU64, Ordering};

/// Values below this are exact (microseconds).
const LINEAR: usize = 16;
/// Sub-buckets per power of two above `LINEAR`.
const SUB: usize = 8;
/// Powers of two covered above `LINEAR` (2^4 µs … 2^34 µs ≈ 4.8 h).
const OCTAVES: usize = 30;
pub const BUCKETS: usize = LINEAR + OCTAVES * SUB;

/// The bucket of a latency in microseconds.
pub fn bucket_of(us: u64) -> usize {
    if us < LINEAR as u64 {
        return us as usize;
    }
    let exp = 63 - us.leading_zeros() as usize; // ≥ 4
    let mantissa = ((us >> (exp - 3)) & (SUB as u64 - 1)) as usize;
    let octave = (exp - 4).min(OCTAVES - 1);
    if exp - 4 >= OCTAVES {
        return BUCKETS - 1;
    }
    LINEAR + octave * SUB + mantissa
}

/// The smallest latency (µs) that falls in `bucket`.
pub fn bucket_floor(bucket: usize) -> u64 {
    if bucket < LINEAR {
        return bucket as u64;
    }
    let b = bucket - LINEAR;
    let exp = b / SUB + 4;
    let mantissa = (b % SUB) as u64;
    (1u64 << exp) + (mantissa << (exp - 3))
}

/// The live tallies one worker thread publishes.
pub struct Live {
    pub responses: AtomicU64,
    pub errors: AtomicU64,
    buckets: Box<[AtomicU64]>,
}

impl Default for Live {
    fn default() -> Self {
        Live {
            responses: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

impl Live {
    /// Records one finished request: `latency_us` is `None` for requests without a response
    /// (connect errors, timeouts).
    #[inline]
    pub fn record(&self, latency_us: Option<u64>, error: bool) {
        self.responses.fetch_add(1, Ordering::Relaxed);
        if error {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(us) = latency_us {
            self.buckets[bucket_of(us)].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Takes the tallies since the last call, adding them into `into`.
    pub fn drain_into(&self, into: &mut Window) {
        into.responses += self.responses.swap(0, Ordering::Relaxed);
        into.errors += self.errors.swap(0, Ordering::Relaxed);
        for (acc, b) in into.buckets.iter_mut().zip(self.buckets.iter()) {
            *acc += b.swap(0, Ordering::Relaxed);
        }
    }
}

/// The merged tallies of one interval.
#[derive(Clone)]
pub struct Window {
    pub responses: u64,
    pub errors: u64,
    pub buckets: Vec<u64>,
}

impl Default for Window {
    fn default() -> Self {
        Window {
            responses: 0,
            errors: 0,
            buckets: vec![0; BUCKETS],
        }
    }
}

impl Window {
    /// The latency (µs) at quantile `q` (0..=1), as the floor of its bucket; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        let total: u64 = self.buckets.iter().sum();
        if total == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, &n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Some(bucket_floor(i));
            }
        }
        Some(bucket_floor(BUCKETS - 1))
    }

    pub fn clear(&mut self) {
        self.responses = 0;
        self.errors = 0;
        self.buckets.iter_mut().for_each(|b| *b = 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_monotonic_and_floors_round_trip() {
        let mut last = 0;
        for us in [0u64, 1, 15, 16, 17, 31, 32, 100, 1_000, 99_999, 1 << 33] {
            let b = bucket_of(us);
            assert!(b >= last, "bucket of {us} went backwards");
            last = b;
            let floor = bucket_floor(b);
            assert!(floor <= us, "{us}: floor {floor} above value");
            // Precision: within 12.5 % of the value.
            assert!(us - floor <= us / 8, "{us}: floor {floor} too coarse");
            assert_eq!(bucket_of(floor), b);
        }
        assert_eq!(bucket_of(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn window_quantiles() {
        let live = Live::default();
        for _ in 0..90 {
            live.record(Some(1_000), false);
        }
        for _ in 0..10 {
            live.record(Some(100_000), true);
        }
        live.record(None, true);
        let mut w = Window::default();
        live.drain_into(&mut w);
        assert_eq!(w.responses, 101);
        assert_eq!(w.errors, 11);
        let p50 = w.quantile(0.5).unwrap();
        assert!((896..=1_000).contains(&p50), "p50 {p50}");
        let p95 = w.quantile(0.95).unwrap();
        assert!((87_500..=100_000).contains(&p95), "p95 {p95}");
        // Drained: the next window starts empty.
        let mut next = Window::default();
        live.drain_into(&mut next);
        assert_eq!(next.responses, 0);
        assert_eq!(next.quantile(0.5), None);
    }
}
