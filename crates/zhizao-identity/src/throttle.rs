//! Per-address limits on failed sign-ins, in memory.
//!
//! Per-account lockout lives in the database (it must hold across nodes and restarts); the
//! per-address limit only has to slow down one client hammering one node, so memory suffices.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Remembers recent failures per client address.
#[derive(Debug)]
pub(crate) struct AddressThrottle {
    limit: u32,
    window_ms: i64,
    failures: Mutex<HashMap<String, VecDeque<i64>>>,
}

/// Addresses remembered at most; beyond this the oldest entries are forgotten first.
const MAX_ADDRESSES: usize = 100_000;

impl AddressThrottle {
    pub(crate) fn new(limit: u32, window_ms: i64) -> Self {
        AddressThrottle {
            limit,
            window_ms,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds to wait)` when `address` has used up its failures in the window.
    pub(crate) fn check(&self, address: &str, now_ms: i64) -> Result<(), i64> {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let Some(times) = failures.get_mut(address) else {
            return Ok(());
        };
        while times.front().is_some_and(|&t| t <= now_ms - self.window_ms) {
            times.pop_front();
        }
        if times.len() as u32 >= self.limit {
            let oldest = times.front().copied().unwrap_or(now_ms);
            Err(((oldest + self.window_ms - now_ms) / 1000).max(1))
        } else {
            Ok(())
        }
    }

    pub(crate) fn record_failure(&self, address: &str, now_ms: i64) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.len() >= MAX_ADDRESSES && !failures.contains_key(address) {
            let window_start = now_ms - self.window_ms;
            failures.retain(|_, times| times.back().is_some_and(|&t| t > window_start));
            if failures.len() >= MAX_ADDRESSES {
                failures.clear();
            }
        }
        let times = failures.entry(address.to_owned()).or_default();
        times.push_back(now_ms);
        while times.len() as u32 > self.limit {
            times.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_after_the_limit_until_the_window_passes() {
        let throttle = AddressThrottle::new(3, 60_000);
        for t in 0..3 {
            assert!(throttle.check("10.0.0.1", t).is_ok());
            throttle.record_failure("10.0.0.1", t);
        }
        assert_eq!(throttle.check("10.0.0.1", 1_000), Err(59));
        assert!(
            throttle.check("10.0.0.2", 1_000).is_ok(),
            "other addresses are unaffected"
        );
        assert!(throttle.check("10.0.0.1", 60_001).is_ok());
    }
}
