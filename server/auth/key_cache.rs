//! API keys this process has already looked up, so that `LogStep` (the ingest hot path) needs no
//! lookup statement of its own. The cache is never trusted on its own: a cached key is only
//! used for writes that check the key again inside their own statement (see
//! `store::sessions::step_batch`), so a revoked key is refused on the very next call, on every
//! replica, without any invalidation message having to arrive first.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};

use crate::domain::{ApiKeyId, ProjectId, SessionId, UserId};

/// Far above the keys one server sees in practice; when full, the cache starts over (a miss
/// only costs the lookup the call made before this cache existed).
const MAX_ENTRIES: usize = 100_000;

/// What a successful lookup learnt about a key.
#[derive(Debug, Clone, Copy)]
pub struct CachedKey {
    pub key_id: ApiKeyId,
    pub user_id: UserId,
    pub project_id: ProjectId,
    pub session_id: Option<SessionId>,
    pub expires_at: Option<DateTime<Utc>>,
}

struct Entry {
    key: CachedKey,
    /// When this process last recorded the key's use (unix seconds): `last_used_at` is written
    /// at most once a minute per key.
    touched_at: AtomicI64,
}

#[derive(Default)]
pub struct ApiKeyCache {
    entries: Mutex<HashMap<Vec<u8>, std::sync::Arc<Entry>>>,
}

impl ApiKeyCache {
    /// The key with this hash, unless unknown here or expired.
    pub fn get(&self, hash: &[u8]) -> Option<CachedKey> {
        let entry = self.entries.lock().expect("key cache").get(hash).cloned()?;
        match entry.key.expires_at {
            Some(at) if at <= Utc::now() => None,
            _ => Some(entry.key),
        }
    }

    /// Remembers a key that a full lookup found valid; `last_used_at` as the lookup read it.
    pub fn insert(&self, hash: Vec<u8>, key: CachedKey, last_used_at: Option<DateTime<Utc>>) {
        let mut entries = self.entries.lock().expect("key cache");
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&hash) {
            entries.clear();
        }
        let touched_at = last_used_at.map(|t| t.timestamp()).unwrap_or(i64::MIN);
        entries.insert(
            hash,
            std::sync::Arc::new(Entry {
                key,
                touched_at: AtomicI64::new(touched_at),
            }),
        );
    }

    /// Whether the caller should record the key's use now: true at most once a minute per key
    /// and process (the first caller to see the minute pass wins).
    pub fn due_for_touch(&self, hash: &[u8]) -> bool {
        let Some(entry) = self.entries.lock().expect("key cache").get(hash).cloned() else {
            return false;
        };
        let now = Utc::now().timestamp();
        let last = entry.touched_at.load(Ordering::Relaxed);
        now.saturating_sub(last) > 60
            && entry
                .touched_at
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }

    /// Forgets a key (a lookup found it revoked, expired or gone).
    pub fn remove(&self, hash: &[u8]) {
        self.entries.lock().expect("key cache").remove(hash);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(expires_at: Option<DateTime<Utc>>) -> CachedKey {
        CachedKey {
            key_id: ApiKeyId(uuid::Uuid::new_v4()),
            user_id: UserId(uuid::Uuid::new_v4()),
            project_id: ProjectId(uuid::Uuid::new_v4()),
            session_id: None,
            expires_at,
        }
    }

    #[test]
    fn an_expired_key_is_a_miss() {
        let cache = ApiKeyCache::default();
        cache.insert(
            b"a".to_vec(),
            key(Some(Utc::now() - chrono::Duration::seconds(1))),
            None,
        );
        cache.insert(b"b".to_vec(), key(None), None);
        assert!(cache.get(b"a").is_none());
        assert!(cache.get(b"b").is_some());
        cache.remove(b"b");
        assert!(cache.get(b"b").is_none());
    }

    #[test]
    fn use_is_recorded_once_a_minute() {
        let cache = ApiKeyCache::default();
        cache.insert(b"k".to_vec(), key(None), None);
        assert!(cache.due_for_touch(b"k"));
        assert!(!cache.due_for_touch(b"k"));
        cache.insert(b"r".to_vec(), key(None), Some(Utc::now()));
        assert!(!cache.due_for_touch(b"r"));
    }
}
