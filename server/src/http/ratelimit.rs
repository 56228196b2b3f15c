//! Rate limits, in memory (each replica counts its own): sign-in attempts per client address
//! (the per-account back-off in the database is shared by all), and REST requests per API
//! token.

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

/// A token bucket per key (an API token): `rate` requests per second on average, bursts of
/// up to `burst`.
pub struct TokenBuckets {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl TokenBuckets {
    pub fn new(rate: u32, burst: u32) -> Self {
        Self {
            rate: f64::from(rate.max(1)),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `key`'s bucket; `Err(wait)` until one is there.
    pub fn take(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(key) {
            // Full buckets are the same as forgotten ones.
            let (rate, burst) = (self.rate, self.burst);
            buckets.retain(|_, (level, at)| *level + now.duration_since(*at).as_secs_f64() * rate < burst);
        }
        let (level, at) = buckets.entry(key.to_string()).or_insert((self.burst, now));
        *level = (*level + now.saturating_duration_since(*at).as_secs_f64() * self.rate).min(self.burst);
        *at = now;
        if *level >= 1.0 {
            *level -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *level) / self.rate))
        }
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

    #[test]
    fn a_token_bucket_allows_its_burst_then_its_rate() {
        let buckets = TokenBuckets::new(100, 200);
        let t0 = Instant::now();
        for i in 0..200 {
            assert_eq!(buckets.take("a", t0), Ok(()), "request {i} of the burst");
        }
        let wait = buckets.take("a", t0).unwrap_err();
        assert!(wait <= Duration::from_millis(10) && wait > Duration::ZERO, "{wait:?}");
        assert_eq!(buckets.take("b", t0), Ok(()), "another token has its own bucket");
        // 100 ms later, 10 more.
        let later = t0 + Duration::from_millis(100);
        for _ in 0..10 {
            assert_eq!(buckets.take("a", later), Ok(()));
        }
        assert!(buckets.take("a", later).is_err());
        // After two idle seconds the bucket is full again, never fuller.
        let idle = later + Duration::from_secs(2);
        for _ in 0..200 {
            assert_eq!(buckets.take("a", idle), Ok(()));
        }
        assert!(buckets.take("a", idle).is_err());
    }
}
