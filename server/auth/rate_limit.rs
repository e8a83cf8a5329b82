//! Per-API-key token buckets (in memory, per process).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::ApiKeyId;

pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<ApiKeyId, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(per_second: u32, burst: u32) -> RateLimiter {
        RateLimiter {
            per_second: per_second.max(1) as f64,
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
    pub fn take(&self, key: ApiKeyId) -> Result<(), Duration> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().expect("rate limiter lock");
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
}
