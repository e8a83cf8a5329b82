//! In-memory fan-out: one channel per watched session and per watching user, each holding the
//! highest sequence number (or inbox cursor) known to be committed, plus a small cache of the
//! newest session messages so that N watchers of one session cost one store read per event.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use bytes::Bytes;
use prometheus_client::metrics::histogram::Histogram;
use tokio::sync::watch;

use super::wakers::Wakers;
use crate::domain::{DomainResult, Message, ProjectId, SessionId, UserId};
use crate::store::{FeedHint, Store};

/// How many recent messages a session channel keeps for its watchers.
const CACHE_CAPACITY: usize = 1024;
/// Most messages read from the store in one go.
pub const READ_BATCH: i64 = 500;

/// What a watcher learns when it wakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub high_water: i64,
    /// The session was deleted.
    pub deleted: bool,
    /// The server is shutting down (session channels: `Hub::close_sessions`).
    pub closed: bool,
}

/// A message as the feeds hand it out: shared by every watcher of its session on this process,
/// with its wire encoding made once, by the first watcher that sends it, and reused by the
/// others (the API layer decides the encoding; the feed only keeps it).
pub struct FeedMessage {
    pub message: Message,
    wire: OnceLock<Bytes>,
}

impl FeedMessage {
    pub fn new(message: Message) -> FeedMessage {
        FeedMessage {
            message,
            wire: OnceLock::new(),
        }
    }

    /// The encoded form, made by `encode` on first use and shared from then on.
    pub fn wire(&self, encode: impl FnOnce(&Message) -> Bytes) -> &Bytes {
        self.wire.get_or_init(|| encode(&self.message))
    }
}

impl std::ops::Deref for FeedMessage {
    type Target = Message;

    fn deref(&self) -> &Message {
        &self.message
    }
}

pub struct SessionChannel {
    pub id: SessionId,
    mark: watch::Sender<Mark>,
    /// The session feeds to wake when the mark moves (`stream::SessionFeed`; the agent's
    /// waits for one answer use the watch's receivers).
    pub(crate) feeds: Wakers,
    cache: Mutex<VecDeque<Arc<FeedMessage>>>,
    /// Single flight for filling the cache from the store.
    fill: tokio::sync::Mutex<()>,
    lag: Option<Histogram>,
}

/// Messages older than this when first read are history (a watcher catching up), not lag.
const LIVE_WINDOW_SECS: f64 = 60.0;

pub struct InboxChannel {
    pub project_id: ProjectId,
    mark: watch::Sender<Mark>,
}

/// One per user with open person watches: its mark is the user's access epoch, raised when
/// their memberships or shares shrink, so that each of their streams re-checks its role once
/// (not on a timer per stream).
pub struct AccessChannel {
    pub user_id: UserId,
    mark: watch::Sender<Mark>,
    /// The session feeds to wake when the epoch moves (the inbox feed uses the watch).
    pub(crate) feeds: Wakers,
}

impl AccessChannel {
    pub fn subscribe(&self) -> watch::Receiver<Mark> {
        self.mark.subscribe()
    }

    pub fn epoch(&self) -> i64 {
        self.mark.borrow().high_water
    }

    pub fn raise(&self, epoch: i64) {
        if raise(&self.mark, epoch) {
            self.feeds.wake_all();
        }
    }
}

#[derive(Default)]
pub struct Hub {
    sessions: Mutex<HashMap<SessionId, Weak<SessionChannel>>>,
    /// Shutting down: every session channel, and each one made from now on, is closed.
    sessions_closed: std::sync::atomic::AtomicBool,
    inboxes: Mutex<HashMap<ProjectId, Weak<InboxChannel>>>,
    access: Mutex<HashMap<UserId, Weak<AccessChannel>>>,
    /// One per project with attached runners: its mark is the project's highest
    /// `launches.queue_seq`, raised when a launch enters the queue.
    launch_queues: Mutex<HashMap<ProjectId, Weak<InboxChannel>>>,
    /// Times the LISTEN connection was re-established (each one resyncs every feed).
    listener_reconnects: std::sync::atomic::AtomicU64,
    /// Seconds from a message's write to this process reading it for its live watchers (the
    /// `feed_lag_seconds` metric), when metrics are kept.
    lag: std::sync::OnceLock<Histogram>,
}

/// True when the mark moved.
fn raise(tx: &watch::Sender<Mark>, high_water: i64) -> bool {
    tx.send_if_modified(|m| {
        if high_water > m.high_water {
            m.high_water = high_water;
            true
        } else {
            false
        }
    })
}

impl SessionChannel {
    pub fn subscribe(&self) -> watch::Receiver<Mark> {
        self.mark.subscribe()
    }

    pub fn mark(&self) -> Mark {
        *self.mark.borrow()
    }

    pub fn raise(&self, high_water: i64) {
        if raise(&self.mark, high_water) {
            self.feeds.wake_all();
        }
    }

    /// Messages after `cursor`, oldest first, at most `READ_BATCH`: from the cache when it
    /// covers them, otherwise from the store (filling the cache when reading the newest
    /// messages, so that the other watchers find them there).
    pub async fn read_after(
        &self,
        store: &Store,
        cursor: i64,
    ) -> DomainResult<Vec<Arc<FeedMessage>>> {
        if let Some(ready) = self.ready_after(cursor) {
            return Ok(ready);
        }
        let _flight = self.fill.lock().await;
        // Another watcher may have filled the cache while we waited.
        if let Some(hit) = self.cached_after(cursor) {
            return Ok(hit);
        }
        let cache_last = self.cache.lock().expect("cache lock").back().map(|m| m.seq);
        match cache_last {
            // The cache is empty or ends at or before our cursor: continue it from our cursor.
            // (`extend_cache` restarts the cache there when it ended earlier. Extending from
            // the cache's old end instead could read a whole batch that lies before our cursor
            // and come back empty-handed: the stream would then idle, behind, until the next
            // notification or heartbeat, one batch per wake-up.)
            None => self
                .extend_cache(store, cursor)
                .await
                .map(|_| self.cached_after(cursor).unwrap_or_default()),
            Some(last) if last <= cursor => self
                .extend_cache(store, cursor)
                .await
                .map(|_| self.cached_after(cursor).unwrap_or_default()),
            // The cursor is older than the cache: read the store directly, uncached.
            Some(_) => Ok(store
                .messages_after(self.id, cursor, READ_BATCH)
                .await?
                .into_iter()
                .map(|m| Arc::new(FeedMessage::new(m)))
                .collect()),
        }
    }

    /// What `read_after` returns without waiting: nothing when the cursor is at the mark, the
    /// cached messages after it when the cache covers them. `None`: the store must be read.
    fn ready_after(&self, cursor: i64) -> Option<Vec<Arc<FeedMessage>>> {
        let mut ready = VecDeque::new();
        self.ready_into(cursor, &mut ready).then(|| ready.into())
    }

    /// [`ready_after`](Self::ready_after) appended to `into` (a live watcher's own queue, so
    /// a delivery allocates nothing); false when the store must be read.
    pub fn ready_into(&self, cursor: i64, into: &mut VecDeque<Arc<FeedMessage>>) -> bool {
        cursor >= self.mark().high_water || self.cached_into(cursor, into)
    }

    fn cached_after(&self, cursor: i64) -> Option<Vec<Arc<FeedMessage>>> {
        let mut hit = VecDeque::new();
        self.cached_into(cursor, &mut hit).then(|| hit.into())
    }

    fn cached_into(&self, cursor: i64, into: &mut VecDeque<Arc<FeedMessage>>) -> bool {
        let cache = self.cache.lock().expect("cache lock");
        let (Some(first), Some(last)) = (cache.front(), cache.back()) else {
            return false;
        };
        let (first, last) = (first.seq, last.seq);
        if cursor + 1 < first || cursor >= last {
            return false;
        }
        let start = (cursor + 1 - first) as usize;
        into.extend(cache.iter().skip(start).take(READ_BATCH as usize).cloned());
        true
    }

    async fn extend_cache(&self, store: &Store, after: i64) -> DomainResult<()> {
        let fresh = store.messages_after(self.id, after, READ_BATCH).await?;
        if let Some(lag) = &self.lag {
            // Each message is read into the cache once per process: one observation each.
            let now = chrono::Utc::now();
            for m in &fresh {
                let secs = (now - m.created_at).as_seconds_f64();
                if (0.0..LIVE_WINDOW_SECS).contains(&secs) {
                    lag.observe(secs);
                }
            }
        }
        let mut cache = self.cache.lock().expect("cache lock");
        if cache.back().is_some_and(|m| m.seq != after) {
            cache.clear();
        }
        for m in fresh {
            cache.push_back(Arc::new(FeedMessage::new(m)));
        }
        while cache.len() > CACHE_CAPACITY {
            cache.pop_front();
        }
        Ok(())
    }

    pub(crate) fn mark_deleted(&self) {
        self.mark.send_modify(|m| m.deleted = true);
        self.feeds.wake_all();
    }

    fn close(&self) {
        self.mark.send_modify(|m| m.closed = true);
        self.feeds.wake_all();
    }
}

impl InboxChannel {
    pub fn subscribe(&self) -> watch::Receiver<Mark> {
        self.mark.subscribe()
    }

    pub fn mark(&self) -> Mark {
        *self.mark.borrow()
    }

    pub fn raise(&self, high_water: i64) {
        raise(&self.mark, high_water);
    }
}

impl Hub {
    pub fn new() -> Hub {
        Hub::default()
    }

    /// Tells every session feed on this process that the server is shutting down: each wakes,
    /// sees its channel closed and ends with UNAVAILABLE (resume elsewhere). Through the
    /// channels' own marks, which every feed already waits on, rather than a cancellation token
    /// per stream that each wait and each delivery would lock.
    pub fn close_sessions(&self) {
        // Set before the channels are walked, under the map's lock: a channel made meanwhile
        // is either in the walk or starts closed.
        self.sessions_closed
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let map = self.sessions.lock().expect("hub lock");
        for ch in map.values().filter_map(Weak::upgrade) {
            ch.close();
        }
    }

    /// The channel of a session, created on first use; it lives while someone holds it.
    /// A channel whose session was deleted is never handed out again: a session started
    /// later under the same id gets a fresh one (the old one's holders end with NOT_FOUND),
    /// so the deleted session's cached messages cannot leak into the new session's feed.
    pub fn session(&self, id: SessionId) -> Arc<SessionChannel> {
        let mut map = self.sessions.lock().expect("hub lock");
        if let Some(ch) = map.get(&id).and_then(Weak::upgrade) {
            if !ch.mark().deleted {
                return ch;
            }
        }
        map.retain(|_, w| w.strong_count() > 0);
        let (mark, _) = watch::channel(Mark {
            high_water: 0,
            deleted: false,
            closed: self
                .sessions_closed
                .load(std::sync::atomic::Ordering::SeqCst),
        });
        let ch = Arc::new(SessionChannel {
            id,
            mark,
            cache: Mutex::new(VecDeque::new()),
            fill: tokio::sync::Mutex::new(()),
            feeds: Wakers::default(),
            lag: self.lag.get().cloned(),
        });
        map.insert(id, Arc::downgrade(&ch));
        ch
    }

    pub fn inbox(&self, project_id: ProjectId) -> Arc<InboxChannel> {
        let mut map = self.inboxes.lock().expect("hub lock");
        if let Some(ch) = map.get(&project_id).and_then(Weak::upgrade) {
            return ch;
        }
        map.retain(|_, w| w.strong_count() > 0);
        let (mark, _) = watch::channel(Mark {
            high_water: 0,
            deleted: false,
            closed: false,
        });
        let ch = Arc::new(InboxChannel { project_id, mark });
        map.insert(project_id, Arc::downgrade(&ch));
        ch
    }

    /// The access channel of a user, created on first use. Its mark starts at 0 and is raised
    /// to the stored epoch by the first hint or resync; a watcher re-checks on every raise.
    pub fn access(&self, user_id: UserId) -> Arc<AccessChannel> {
        let mut map = self.access.lock().expect("hub lock");
        if let Some(ch) = map.get(&user_id).and_then(Weak::upgrade) {
            return ch;
        }
        map.retain(|_, w| w.strong_count() > 0);
        let (mark, _) = watch::channel(Mark {
            high_water: 0,
            deleted: false,
            closed: false,
        });
        let ch = Arc::new(AccessChannel {
            user_id,
            mark,
            feeds: Wakers::default(),
        });
        map.insert(user_id, Arc::downgrade(&ch));
        ch
    }

    /// The launch-queue channel of a project (the same shape as an inbox channel: a project
    /// and a mark), created on first use; runners' Attach streams wait on it.
    pub fn launch_queue(&self, project_id: ProjectId) -> Arc<InboxChannel> {
        let mut map = self.launch_queues.lock().expect("hub lock");
        if let Some(ch) = map.get(&project_id).and_then(Weak::upgrade) {
            return ch;
        }
        map.retain(|_, w| w.strong_count() > 0);
        let (mark, _) = watch::channel(Mark {
            high_water: 0,
            deleted: false,
            closed: false,
        });
        let ch = Arc::new(InboxChannel { project_id, mark });
        map.insert(project_id, Arc::downgrade(&ch));
        ch
    }

    fn live_access(&self, user_id: UserId) -> Option<Arc<AccessChannel>> {
        self.access
            .lock()
            .expect("hub lock")
            .get(&user_id)
            .and_then(Weak::upgrade)
    }

    fn live_session(&self, id: SessionId) -> Option<Arc<SessionChannel>> {
        self.sessions
            .lock()
            .expect("hub lock")
            .get(&id)
            .and_then(Weak::upgrade)
    }

    fn live_inbox(&self, project_id: ProjectId) -> Option<Arc<InboxChannel>> {
        self.inboxes
            .lock()
            .expect("hub lock")
            .get(&project_id)
            .and_then(Weak::upgrade)
    }

    /// Applies one wake-up hint, from this process's own commits or another's NOTIFY.
    pub fn apply(&self, hint: FeedHint) {
        match hint {
            FeedHint::Message { session_id, seq } => {
                if let Some(ch) = self.live_session(session_id) {
                    ch.raise(seq);
                }
            }
            FeedHint::Inbox { project_id, cursor } => {
                if let Some(ch) = self.live_inbox(project_id) {
                    ch.raise(cursor);
                }
            }
            FeedHint::Access { user_id, epoch } => {
                if let Some(ch) = self.live_access(user_id) {
                    ch.raise(epoch);
                }
            }
            FeedHint::Deleted { session_id } => {
                if let Some(ch) = self.live_session(session_id) {
                    ch.mark_deleted();
                }
            }
            FeedHint::LaunchQueued { project_id, seq } => {
                let ch = self
                    .launch_queues
                    .lock()
                    .expect("hub lock")
                    .get(&project_id)
                    .and_then(Weak::upgrade);
                if let Some(ch) = ch {
                    ch.raise(seq);
                }
            }
        }
    }

    /// Applies one NOTIFY payload (see `store::hints`). Unknown lines are ignored.
    pub fn apply_notification(&self, payload: &str) {
        for line in payload.lines() {
            match FeedHint::parse(line) {
                Some(hint) => self.apply(hint),
                None => tracing::debug!(line, "ignoring unknown feed notification"),
            }
        }
    }

    /// Re-reads every watched high-water mark from the store, in two queries: after the
    /// listener reconnects (notifications sent meanwhile are lost) and periodically (a
    /// process may commit and die before its NOTIFY goes out).
    pub async fn resync(&self, store: &Store) {
        let sessions: HashMap<SessionId, Arc<SessionChannel>> = self
            .sessions
            .lock()
            .expect("hub lock")
            .values()
            .filter_map(Weak::upgrade)
            .map(|ch| (ch.id, ch))
            .collect();
        if !sessions.is_empty() {
            let ids: Vec<SessionId> = sessions.keys().copied().collect();
            match store.session_high_waters(&ids).await {
                Ok(found) => {
                    let mut gone: HashMap<SessionId, Arc<SessionChannel>> = sessions;
                    for (id, high_water) in found {
                        if let Some(ch) = gone.remove(&id) {
                            ch.raise(high_water);
                        }
                    }
                    for ch in gone.values() {
                        ch.mark_deleted();
                    }
                }
                Err(e) => tracing::warn!(error = %e, "resync of the session feeds failed"),
            }
        }
        let access: HashMap<UserId, Arc<AccessChannel>> = self
            .access
            .lock()
            .expect("hub lock")
            .values()
            .filter_map(Weak::upgrade)
            .map(|ch| (ch.user_id, ch))
            .collect();
        if !access.is_empty() {
            let ids: Vec<UserId> = access.keys().copied().collect();
            match store.access_epochs(&ids).await {
                Ok(found) => {
                    for (id, epoch) in found {
                        if let Some(ch) = access.get(&id) {
                            ch.raise(epoch);
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "resync of the access epochs failed"),
            }
        }
        let inboxes: HashMap<ProjectId, Arc<InboxChannel>> = self
            .inboxes
            .lock()
            .expect("hub lock")
            .values()
            .filter_map(Weak::upgrade)
            .map(|ch| (ch.project_id, ch))
            .collect();
        if !inboxes.is_empty() {
            let ids: Vec<ProjectId> = inboxes.keys().copied().collect();
            match store.inbox_high_waters(&ids).await {
                Ok(found) => {
                    for (id, cursor) in found {
                        if let Some(ch) = inboxes.get(&id) {
                            ch.raise(cursor);
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "resync of the inbox feeds failed"),
            }
        }
        let queues: HashMap<ProjectId, Arc<InboxChannel>> = self
            .launch_queues
            .lock()
            .expect("hub lock")
            .values()
            .filter_map(Weak::upgrade)
            .map(|ch| (ch.project_id, ch))
            .collect();
        if !queues.is_empty() {
            let ids: Vec<ProjectId> = queues.keys().copied().collect();
            match store.launch_queue_high_waters(&ids).await {
                Ok(found) => {
                    for (id, seq) in found {
                        if let Some(ch) = queues.get(&id) {
                            ch.raise(seq);
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "resync of the launch queues failed"),
            }
        }
    }

    /// How many live deliveries (streams that have caught up once, parked waits) currently
    /// follow this session on this server: what a test waits for instead of sleeping.
    pub fn session_followers(&self, id: SessionId) -> usize {
        self.sessions
            .lock()
            .expect("hub lock")
            .get(&id)
            .and_then(|w| w.upgrade())
            .map_or(0, |c| c.mark.receiver_count() + c.feeds.len())
    }

    /// Records feed lag into `histogram` from now on.
    pub fn observe_lag(&self, histogram: Histogram) {
        let _ = self.lag.set(histogram);
    }

    pub fn note_listener_reconnect(&self) {
        self.listener_reconnects
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn listener_reconnects(&self) -> u64 {
        self.listener_reconnects
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn watched_sessions(&self) -> usize {
        self.sessions
            .lock()
            .expect("hub lock")
            .values()
            .filter(|w| w.strong_count() > 0)
            .count()
    }
}
