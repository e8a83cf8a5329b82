//! Token buckets (in memory, per process): per API key for agent calls, per client address for
//! unauthenticated endpoints that make the server do work (an OIDC sign-in's start).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::ApiKeyId;

/// Above this many buckets, full ones (indistinguishable from a fresh bucket) are dropped, so
/// that callers with ever new keys (addresses) cannot grow the map without bound.
const PRUNE_ABOVE: usize = 100_000;

pub struct RateLimiter<K = ApiKeyId> {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<K, (f64, Instant)>>,
}

impl<K: Eq + Hash> RateLimiter<K> {
    pub fn new(per_second: u32, burst: u32) -> Self {
        Self::with_rate(per_second.max(1) as f64, burst)
    }

    /// A slow refill: `per_minute` tokens a minute.
    pub fn per_minute(per_minute: u32, burst: u32) -> Self {
        Self::with_rate(per_minute.max(1) as f64 / 60.0, burst)
    }

    fn with_rate(per_second: f64, burst: u32) -> Self {
        RateLimiter {
            per_second,
            burst: burst.max(1) as f64,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn describe(&self) -> String {
        format!(
            "{} calls per second (bursts of {})",
            self.per_second, self.burst
        )
    }

    /// Takes one token; on refusal says how long until one is available.
    pub fn take(&self, key: K) -> Result<(), Duration> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().expect("rate limiter lock");
        if buckets.len() > PRUNE_ABOVE {
            let (rate, burst) = (self.per_second, self.burst);
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (tokens, at) = buckets.entry(key).or_insert((self.burst, now));
        *tokens =
            (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / self.per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_burst_then_refuses_with_a_hint() {
        let rl = RateLimiter::new(1, 3);
        let key = ApiKeyId::new_random();
        for _ in 0..3 {
            assert!(rl.take(key).is_ok());
        }
        let wait = rl.take(key).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1));
        assert!(
            rl.take(ApiKeyId::new_random()).is_ok(),
            "keys have separate buckets"
        );
    }

    #[test]
    fn a_per_minute_bucket_hints_at_the_minute() {
        let rl = RateLimiter::per_minute(1, 1);
        let addr: std::net::IpAddr = "203.0.113.7".parse().unwrap();
        assert!(rl.take(addr).is_ok());
        let wait = rl.take(addr).unwrap_err();
        assert!(wait > Duration::from_secs(1) && wait <= Duration::from_secs(60));
    }
}
