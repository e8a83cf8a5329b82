//! Sign-in throttling: after a few failures for one email, further attempts wait, whether or
//! not the email exists (so the throttle reveals nothing either).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const FREE_FAILURES: u32 = 5;
const WINDOW: Duration = Duration::from_secs(15 * 60);
const MAX_DELAY: Duration = Duration::from_secs(15 * 60);

#[derive(Default)]
pub struct LoginThrottle {
    entries: Mutex<HashMap<String, Entry>>,
}

struct Entry {
    failures: u32,
    first_failure: Instant,
    blocked_until: Option<Instant>,
}

impl LoginThrottle {
    /// How long the caller must still wait before trying this email again, if at all.
    pub fn check(&self, email: &str) -> Option<Duration> {
        let entries = self.entries.lock().expect("throttle lock");
        let until = entries.get(&email.to_lowercase())?.blocked_until?;
        until.checked_duration_since(Instant::now())
    }

    pub fn record_failure(&self, email: &str) {
        let mut entries = self.entries.lock().expect("throttle lock");
        if entries.len() > 100_000 {
            entries.retain(|_, e| e.first_failure.elapsed() < WINDOW);
        }
        let now = Instant::now();
        let e = entries.entry(email.to_lowercase()).or_insert(Entry {
            failures: 0,
            first_failure: now,
            blocked_until: None,
        });
        if e.first_failure.elapsed() > WINDOW {
            *e = Entry {
                failures: 0,
                first_failure: now,
                blocked_until: None,
            };
        }
        e.failures += 1;
        if e.failures >= FREE_FAILURES {
            // 1 s, 2 s, 4 s, ... capped.
            let delay =
                Duration::from_secs(1u64 << (e.failures - FREE_FAILURES).min(10)).min(MAX_DELAY);
            e.blocked_until = Some(now + delay);
        }
    }

    pub fn record_success(&self, email: &str) {
        self.entries
            .lock()
            .expect("throttle lock")
            .remove(&email.to_lowercase());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_repeated_failures_and_clears_on_success() {
        let t = LoginThrottle::default();
        for _ in 0..FREE_FAILURES - 1 {
            t.record_failure("A@x.io");
            assert!(t.check("a@x.io").is_none());
        }
        t.record_failure("a@x.io");
        assert!(t.check("a@X.io").is_some());
        t.record_success("a@x.io");
        assert!(t.check("a@x.io").is_none());
    }
}
