//! Who is watching which session in a dashboard, per person: a notification about a session the
//! person has open is suppressed, whichever replica serves the watch. The feed hub knows how
//! many deliveries follow a session but not whose (an agent's own wait counts too), hence this
//! registry, fed by `WatchSession` for as long as its stream lives.
//!
//! Each server counts its own watches in memory and mirrors the (person, session) pairs into
//! `watch_presence` (store::presence): written before the watch's response goes out, refreshed
//! every `refresh_every`, deleted when the last watch of the pair ends, lapsing after `ttl` if
//! the server dies. The worker asks memory first, then the table; a failing query counts as
//! not watching (fail open: a notification too many beats one lost).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::domain::{SessionId, UserId};
use crate::store::Store;

pub struct Presence {
    watching: Mutex<HashMap<(UserId, SessionId), usize>>,
    /// None: this server's own watches only (no table).
    shared: Option<Shared>,
}

struct Shared {
    store: Store,
    server_id: Uuid,
    refresh_every: Duration,
}

impl Shared {
    /// Rows outlive three missed refreshes.
    fn ttl(&self) -> Duration {
        self.refresh_every * 3
    }
}

impl Presence {
    /// This server's watches only: for a single server, and for tests of the registry.
    pub fn local() -> Presence {
        Presence {
            watching: Mutex::default(),
            shared: None,
        }
    }

    /// Shared with every replica on `store`'s database, refreshed every `refresh_every` by
    /// [`Presence::run`].
    pub fn shared(store: Store, refresh_every: Duration) -> Presence {
        Presence {
            watching: Mutex::default(),
            shared: Some(Shared {
                store,
                server_id: Uuid::new_v4(),
                refresh_every,
            }),
        }
    }

    /// Marks `user` as watching `session` until the guard is dropped. Returns once the other
    /// replicas can see it (or the table write failed: logged, fail open).
    pub async fn watch(self: &Arc<Self>, user: UserId, session: SessionId) -> PresenceGuard {
        let first = {
            let mut map = self.watching.lock().expect("presence lock");
            let n = map.entry((user, session)).or_default();
            *n += 1;
            *n == 1
        };
        if let (true, Some(shared)) = (first, &self.shared) {
            if let Err(e) = shared
                .store
                .mark_watching(shared.server_id, &[(user, session)], shared.ttl())
                .await
            {
                tracing::warn!(error = %e, "presence not shared: other replicas may notify");
            }
        }
        PresenceGuard {
            presence: self.clone(),
            key: (user, session),
        }
    }

    /// Whether the person watches the session on this server or on another.
    pub async fn is_watching(&self, user: UserId, session: SessionId) -> bool {
        if self.is_watching_here(user, session) {
            return true;
        }
        let Some(shared) = &self.shared else {
            return false;
        };
        shared
            .store
            .watched_anywhere(user, session)
            .await
            .inspect_err(|e| tracing::warn!(error = %e, "presence unknown: notifying"))
            .unwrap_or(false)
    }

    fn is_watching_here(&self, user: UserId, session: SessionId) -> bool {
        self.watching
            .lock()
            .expect("presence lock")
            .get(&(user, session))
            .is_some_and(|n| *n > 0)
    }

    /// Keeps this server's rows fresh until shutdown, then removes them.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        let Some(shared) = &self.shared else {
            return;
        };
        let mut tick = tokio::time::interval(shared.refresh_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tick.tick() => {}
            }
            let pairs: Vec<(UserId, SessionId)> = self
                .watching
                .lock()
                .expect("presence lock")
                .keys()
                .copied()
                .collect();
            if let Err(e) = shared
                .store
                .mark_watching(shared.server_id, &pairs, shared.ttl())
                .await
            {
                tracing::warn!(error = %e, "presence refresh failed");
            }
        }
        if let Err(e) = shared.store.clear_presence(Some(shared.server_id)).await {
            tracing::debug!(error = %e, "presence rows left to lapse");
        }
    }
}

pub struct PresenceGuard {
    presence: Arc<Presence>,
    key: (UserId, SessionId),
}

impl Drop for PresenceGuard {
    fn drop(&mut self) {
        let last = {
            let mut map = self.presence.watching.lock().expect("presence lock");
            match map.get_mut(&self.key) {
                Some(n) if *n > 1 => {
                    *n -= 1;
                    false
                }
                Some(_) => {
                    map.remove(&self.key);
                    true
                }
                None => false,
            }
        };
        let Some(shared) = self.presence.shared.as_ref().filter(|_| last) else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return; // the row lapses
        };
        let presence = self.presence.clone();
        let (store, server, (user, session)) = (shared.store.clone(), shared.server_id, self.key);
        runtime.spawn(async move {
            // A new watch of the pair may have begun meanwhile: keep its row.
            if presence.is_watching_here(user, session) {
                return;
            }
            if let Err(e) = store.unmark_watching(server, user, session).await {
                tracing::debug!(error = %e, "presence row left to lapse");
            }
        });
    }
}
