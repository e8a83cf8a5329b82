//! Who is watching which session on this server, per person: a notification about a session the
//! person has open in a dashboard is suppressed. The feed hub knows how many deliveries follow a
//! session but not whose (an agent's own wait counts too), hence this small registry, fed by
//! `WatchSession` for as long as its stream lives.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::domain::{SessionId, UserId};

#[derive(Default)]
pub struct Presence {
    watching: Mutex<HashMap<(UserId, SessionId), usize>>,
}

impl Presence {
    /// Marks `user` as watching `session` until the guard is dropped.
    pub fn watch(self: &Arc<Self>, user: UserId, session: SessionId) -> PresenceGuard {
        *self
            .watching
            .lock()
            .expect("presence lock")
            .entry((user, session))
            .or_default() += 1;
        PresenceGuard {
            presence: self.clone(),
            key: (user, session),
        }
    }

    pub fn is_watching(&self, user: UserId, session: SessionId) -> bool {
        self.watching
            .lock()
            .expect("presence lock")
            .get(&(user, session))
            .is_some_and(|n| *n > 0)
    }
}

pub struct PresenceGuard {
    presence: Arc<Presence>,
    key: (UserId, SessionId),
}

impl Drop for PresenceGuard {
    fn drop(&mut self) {
        let mut map = self.presence.watching.lock().expect("presence lock");
        if let Some(n) = map.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.key);
            }
        }
    }
}
