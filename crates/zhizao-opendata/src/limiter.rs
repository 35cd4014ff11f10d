//! Per-key rate limits: a token bucket per key that holds up to a minute's allowance and refills
//! evenly, so a key may burst its whole minute and then goes on at its steady rate. Kept in this
//! process's memory: behind several instances each counts its own (a shared store would count
//! them together).

use std::collections::HashMap;
use std::sync::Mutex;

/// What the limiter decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Answer it; `remaining` more may follow at once.
    Allowed {
        /// Requests left in the bucket after this one.
        remaining: u32,
    },
    /// Refuse it; the next one is allowed after this many seconds.
    Refused {
        /// Whole seconds until a request is allowed again (at least 1).
        retry_after: u32,
    },
}

/// A minute's worth of one request: a bucket counts in requests × milliseconds-per-minute, so a
/// key allowed `n` a minute refills exactly `n` units each millisecond.
const REQUEST: i64 = 60_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// What is available, in [`REQUEST`] units.
    units: i64,
    /// When it was last refilled (milliseconds).
    at: i64,
}

/// The buckets of every key seen.
#[derive(Debug, Default)]
pub struct Limiter {
    buckets: Mutex<HashMap<i64, Bucket>>,
}

impl Limiter {
    /// A limiter with no key seen.
    pub fn new() -> Self {
        Limiter::default()
    }

    /// Takes one request for `key`, allowed `per_minute`, at `now` (milliseconds).
    pub fn take(&self, key: i64, per_minute: u32, now: i64) -> Decision {
        let mut buckets = match self.buckets.lock() {
            Ok(buckets) => buckets,
            Err(poisoned) => poisoned.into_inner(),
        };
        let rate = i64::from(per_minute.max(1));
        let capacity = rate * REQUEST;
        let bucket = buckets.entry(key).or_insert(Bucket {
            units: capacity,
            at: now,
        });
        // Time going backwards adds nothing.
        let elapsed = (now - bucket.at).max(0);
        bucket.units = bucket
            .units
            .saturating_add(elapsed.saturating_mul(rate))
            .min(capacity);
        bucket.at = now.max(bucket.at);
        if bucket.units >= REQUEST {
            bucket.units -= REQUEST;
            Decision::Allowed {
                remaining: u32::try_from(bucket.units / REQUEST).unwrap_or(u32::MAX),
            }
        } else {
            // Milliseconds until the missing part has refilled, rounded up to whole seconds.
            let wait_ms = (REQUEST - bucket.units + rate - 1) / rate;
            Decision::Refused {
                retry_after: u32::try_from(((wait_ms + 999) / 1000).max(1)).unwrap_or(u32::MAX),
            }
        }
    }

    /// Forgets `key` (it was revoked), so its bucket does not outlive it.
    pub fn forget(&self, key: i64) {
        match self.buckets.lock() {
            Ok(mut buckets) => buckets.remove(&key),
            Err(poisoned) => poisoned.into_inner().remove(&key),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (milliseconds after the first request, allowed or the Retry-After in seconds), for a key
    /// allowed 3 a minute: a burst of 3, then one every 20 s.
    const THREE_A_MINUTE: &[(i64, Result<u32, u32>)] = &[
        (0, Ok(2)),
        (0, Ok(1)),
        (10, Ok(0)),
        (20, Err(20)),
        (19_000, Err(1)),
        (20_010, Ok(0)),
        (20_020, Err(20)),
        // Waiting longer than a minute fills the bucket, never beyond its allowance.
        (500_000, Ok(2)),
        (500_000, Ok(1)),
        (500_000, Ok(0)),
        (500_000, Err(20)),
    ];

    #[test]
    fn a_key_bursts_its_minute_then_waits_its_turn() {
        let limiter = Limiter::new();
        for (at, expected) in THREE_A_MINUTE {
            let got = match limiter.take(7, 3, 1_000_000 + at) {
                Decision::Allowed { remaining } => Ok(remaining),
                Decision::Refused { retry_after } => Err(retry_after),
            };
            assert_eq!(got, *expected, "at +{at} ms");
        }
        // Another key has its own bucket.
        assert_eq!(
            limiter.take(8, 3, 1_500_000),
            Decision::Allowed { remaining: 2 }
        );
        // A revoked key's bucket goes; time going backwards never adds requests.
        limiter.forget(7);
        assert_eq!(limiter.take(7, 1, 0), Decision::Allowed { remaining: 0 });
        assert_eq!(
            limiter.take(7, 1, -5_000),
            Decision::Refused { retry_after: 60 }
        );
    }
}
