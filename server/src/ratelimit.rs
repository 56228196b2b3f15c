//! A per-IP limit on sign-in attempts, in memory (each replica counts its own; the per-account
//! back-off in the database is shared by all).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most `limit` attempts per `window` from one address.
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    seen: Mutex<HashMap<String, (Instant, u32)>>,
}

/// Addresses remembered at most; beyond, expired windows are dropped first.
const MAX_TRACKED: usize = 100_000;

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self { limit, window, seen: Mutex::new(HashMap::new()) }
    }

    /// Counts an attempt from `key`; `Err(wait)` when it is over the limit.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut seen = self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if seen.len() >= MAX_TRACKED && !seen.contains_key(key) {
            let window = self.window;
            seen.retain(|_, (start, _)| now.duration_since(*start) < window);
            if seen.len() >= MAX_TRACKED {
                // Under a flood of distinct addresses, forget the oldest half rather than grow.
                let mut starts: Vec<Instant> = seen.values().map(|(s, _)| *s).collect();
                starts.sort();
                let cutoff = starts[starts.len() / 2];
                seen.retain(|_, (start, _)| *start > cutoff);
            }
        }
        let entry = seen.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            return Err(self.window.saturating_sub(now.duration_since(entry.0)));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_address_and_forgets_after_the_window() {
        let limiter = RateLimiter::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check("198.51.100.1", t0), Ok(()));
        }
        let wait = limiter.check("198.51.100.1", t0 + Duration::from_secs(10)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(50));
        assert_eq!(limiter.check("198.51.100.2", t0), Ok(()), "another address has its own count");
        assert_eq!(limiter.check("198.51.100.1", t0 + Duration::from_secs(60)), Ok(()), "a new window");
    }
}
