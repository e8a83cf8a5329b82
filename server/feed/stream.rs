//! The catch-up-then-tail loop behind every live stream. Each stream subscribes to its channel
//! first, then reads from its cursor until it is caught up, then sleeps until the mark moves.
//! Sending waits while the client is slow (HTTP/2 flow control pushes back), and the cursor
//! only moves past what was sent, so nothing is skipped and nothing is dropped. A session feed
//! is polled directly by the HTTP/2 stream it goes to (no task or channel per watcher); the
//! inbox feed still runs as a task feeding a small channel.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

use super::hub::{AccessChannel, FeedMessage, InboxChannel, Mark, READ_BATCH, SessionChannel};
use super::wakers::Slot;
use crate::domain::{DomainError, InboxEvent, Message, MessageBody, ProjectId};
use crate::store::Store;

#[derive(Debug, Clone)]
pub enum FeedItem<T> {
    Item(T),
    Heartbeat { high_water: i64 },
}

pub type FeedStream<T> =
    std::pin::Pin<Box<dyn tokio_stream::Stream<Item = Result<FeedItem<T>, DomainError>> + Send>>;

#[derive(Clone)]
pub struct FeedConfig {
    pub heartbeat: Duration,
    /// Ends the inbox feed (session feeds end through their channel: `Hub::close_sessions`).
    pub shutdown: CancellationToken,
    /// A person's watch: re-checks their role whenever their access shrinks.
    pub access: Option<AccessGuard>,
}

/// The re-check a person's stream runs when their access channel moves (a membership removed
/// or lowered, a share revoked: `FeedHint::Access`, delivered through the hub like every other
/// hint, so no stream polls). An error ends the stream with PERMISSION_DENIED.
#[derive(Clone)]
pub struct AccessGuard {
    pub channel: Arc<AccessChannel>,
    pub check: Arc<dyn Fn() -> AccessCheck + Send + Sync>,
}

/// One run of an [`AccessGuard`]'s re-check.
pub type AccessCheck =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), DomainError>> + Send>>;

impl FeedConfig {
    pub fn with_access(mut self, guard: AccessGuard) -> FeedConfig {
        self.access = Some(guard);
        self
    }
}

/// Waits until the access channel moves (never, without a guard).
async fn access_moved(marks: &mut Option<tokio::sync::watch::Receiver<Mark>>) {
    match marks {
        Some(rx) => {
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await
            }
        }
        None => std::future::pending::<()>().await,
    }
}

/// Runs the guard's check; the error to end the stream with, if access is gone.
async fn access_lost(guard: &Option<AccessGuard>) -> Option<DomainError> {
    let guard = guard.as_ref()?;
    match (guard.check)().await {
        Ok(()) => None,
        // The check names a session that is gone (deleted) explicitly; that stays NOT_FOUND,
        // as the feed itself would end. Plain NOT_FOUND means the caller can no longer see it.
        Err(e @ DomainError::NotFoundExplained(_)) => Some(e),
        Err(DomainError::NotFound(_)) => Some(DomainError::PermissionDenied(
            "your access was removed while watching (membership or share revoked)".into(),
        )),
        Err(DomainError::PermissionDenied(m)) => Some(DomainError::PermissionDenied(format!(
            "your access changed while watching: {m}"
        ))),
        Err(e) => Some(e),
    }
}

/// Who reads a session feed, which decides what it delivers and when it ends.
pub enum SessionView {
    /// A person watching: every message; the feed stays open after the session ends.
    Person,
    /// The agent's own subscription: only what is addressed to the agent (`is_for_agent`),
    /// the session's last-seen time kept fresh every `presence_every` while open, and an end
    /// (with OK) right after the change to a terminal status: nothing more can happen then.
    Agent {
        project_id: ProjectId,
        presence_every: Duration,
    },
}

impl SessionView {
    fn keeps(&self, m: &Message) -> bool {
        match self {
            SessionView::Person => true,
            SessionView::Agent { .. } => m.body.is_for_agent(),
        }
    }

    fn ends_after(&self, m: &Message) -> bool {
        match (self, &m.body) {
            (SessionView::Agent { .. }, MessageBody::StatusChange { to, .. }) => to.is_terminal(),
            _ => false,
        }
    }
}

const SHUTDOWN_MESSAGE: &str = "the server is shutting down; reconnect (to any replica) and resume from your last sequence number";

/// Ends a stream with UNAVAILABLE so the client knows to resume (a plain end would read as OK).
async fn end_for_shutdown<T>(tx: &mpsc::Sender<Result<FeedItem<T>, DomainError>>) {
    let _ = tokio::time::timeout(
        Duration::from_secs(2),
        tx.send(Err(DomainError::Unavailable(SHUTDOWN_MESSAGE.into()))),
    )
    .await;
}

/// Streams a session's messages after `after_seq` (those `view` keeps), then tails.
///
/// No task and no channel of its own: the stream is the state of one watcher (its cursor and
/// what it has read but not yet handed out), polled by the HTTP/2 stream that sends it, so an
/// idle watcher costs that state and its wake-up registration only, and a slow client simply
/// stops polling (HTTP/2 flow control), the cursor staying where it is.
pub fn session_feed(
    store: Store,
    channel: Arc<SessionChannel>,
    after_seq: i64,
    view: SessionView,
    config: FeedConfig,
) -> SessionFeed {
    // Taken now: a revocation from now on makes the feed check access again; one committed
    // before is seen by its first check.
    let access_epoch = config.access.as_ref().map_or(0, |g| g.channel.epoch());
    // Shutdown comes through the channel's mark (`Hub::close_sessions`), not `config.shutdown`.
    let heartbeat_at = Box::pin(tokio::time::sleep(config.heartbeat));
    SessionFeed {
        store,
        channel,
        view,
        config,
        heartbeat_at,
        mark_slot: Slot::default(),
        access_slot: Slot::default(),
        access_epoch,
        cursor: after_seq,
        ready: VecDeque::new(),
        read_any: false,
        started: false,
        stalled_at: None,
        work: None,
        done: false,
        last_touch: None,
        last_sent: tokio::time::Instant::now(),
    }
}

/// One watcher's place in a session feed.
///
/// A stream written by hand rather than an `async` loop: a delivery is a few field reads and
/// a pop, and the wait for the next one keeps its registrations (with the session's channel,
/// the person's access channel: `feed::wakers`) for as long as the feed lives instead of making
/// and dropping them per delivery. Every poll looks at the mark afresh, so a wake-up needs no
/// record of what caused it. What has to wait on something else (the first checks, a store read, the first
/// presence touch, an access re-check) is a boxed future in `work`, polled first.
pub struct SessionFeed {
    store: Store,
    channel: Arc<SessionChannel>,
    view: SessionView,
    config: FeedConfig,
    /// When to look again whether a heartbeat is due: set once per period rather than once
    /// per wait, so a busy feed does not re-arm a timer per delivery.
    heartbeat_at: Pin<Box<tokio::time::Sleep>>,
    /// This feed's place among the session channel's feeds to wake.
    mark_slot: Slot,
    /// Its place among the person's access channel's (unused for an agent).
    access_slot: Slot,
    /// The access epoch last checked.
    access_epoch: i64,
    /// The last seq handed out or skipped (every message up to it is dealt with).
    cursor: i64,
    /// Read, not yet handed out.
    ready: VecDeque<Arc<FeedMessage>>,
    /// Something was read since the last heartbeat check.
    read_any: bool,
    started: bool,
    /// The mark when a store read found nothing after the cursor (a deleted session's rows
    /// are gone before its delete is heard of): nothing is read again until the mark moves.
    stalled_at: Option<Mark>,
    /// The slow step in flight, if any.
    work: Option<Work>,
    /// The stream ends after the item just returned.
    done: bool,
    /// When the agent's stream last refreshed its session's presence; none yet.
    last_touch: Option<Instant>,
    /// Heartbeats are due a period after the last thing *sent*: a session busy with messages
    /// this stream filters out (the agent's own steps on its subscription) is silence too.
    last_sent: tokio::time::Instant,
}

type Delivery = Result<FeedItem<Arc<FeedMessage>>, DomainError>;

/// A step of a session feed that waits on something other than its marks.
type Work = Pin<Box<dyn Future<Output = WorkDone> + Send>>;

enum WorkDone {
    Started(Result<(), DomainError>),
    Touched,
    /// A store read, and the mark before it.
    Read(Result<Vec<Arc<FeedMessage>>, DomainError>, Mark),
    /// An access re-check: the error to end with, if access is gone.
    Checked(Result<Option<DomainError>, DomainError>),
}

/// Runs `work` as a task of its own and waits for it. A session feed is polled only while its
/// HTTP/2 stream has room to send, and its body (`api::feed_body`) hands what is ready to HTTP/2 as soon as the
/// feed is pending: a feed that has just sent something and then waits on the store may not be
/// polled again until its client reads. Work that holds something shared while it runs (the cache's
/// single-flight fill lock, a pooled database connection) runs here instead, so that it always
/// finishes and lets go, whatever becomes of the stream that asked for it.
async fn detached<T: Send + 'static>(
    work: impl Future<Output = Result<T, DomainError>> + Send + 'static,
) -> Result<T, DomainError> {
    tokio::spawn(work)
        .await
        .map_err(|e| DomainError::internal_from("a feed's store read failed", e))?
}

/// The first checks, once: access, and that the session exists and is the one the channel
/// knew.
async fn start(
    store: Store,
    channel: Arc<SessionChannel>,
    access: Option<AccessGuard>,
) -> Result<(), DomainError> {
    // Subscribed (in `session_feed`): a revocation from now on wakes us; one committed
    // before is seen here.
    // (Not `detached`: nothing has been sent yet, so the stream is polled until this ends.)
    if let Some(e) = access_lost(&access).await {
        return Err(e);
    }
    // What the channel knew *before* the store read: every commit it had heard of by then
    // is visible to that read. (Comparing with the mark after the read would race with
    // notifications of commits the read's snapshot missed.)
    let known = channel.mark().high_water;
    match store.session_high_water(channel.id).await? {
        // A session's last seq never decreases: a channel that knew of a higher one belongs
        // to an earlier session with this id, deleted, whose delete notification is still
        // on its way. Never serve its messages; the retry gets a fresh channel.
        Some(hw) if hw < known => {
            channel.mark_deleted();
            Err(DomainError::Unavailable(
                "the session was deleted and started again under the same id; retry".into(),
            ))
        }
        Some(hw) => {
            channel.raise(hw);
            Ok(())
        }
        None => Err(DomainError::NotFound("session")),
    }
}

impl Stream for SessionFeed {
    type Item = Delivery;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Delivery>> {
        let feed = self.get_mut();
        if feed.done {
            return Poll::Ready(None);
        }
        let next = ready!(feed.poll_delivery(cx));
        if !matches!(next, Ok(FeedItem::Item(_)) | Ok(FeedItem::Heartbeat { .. })) {
            feed.done = true;
        }
        Poll::Ready(Some(next))
    }
}

impl Drop for SessionFeed {
    fn drop(&mut self) {
        self.channel.feeds.remove(&mut self.mark_slot);
        if let Some(guard) = &self.config.access {
            guard.channel.feeds.remove(&mut self.access_slot);
        }
    }
}

impl SessionFeed {
    /// The next delivery; an error (or the agent's last message) ends the stream.
    fn poll_delivery(&mut self, cx: &mut Context<'_>) -> Poll<Delivery> {
        loop {
            if let Some(work) = self.work.as_mut() {
                let done = ready!(work.as_mut().poll(cx));
                self.work = None;
                match done {
                    WorkDone::Started(Err(e))
                    | WorkDone::Read(Err(e), _)
                    | WorkDone::Checked(Err(e) | Ok(Some(e))) => return Poll::Ready(Err(e)),
                    WorkDone::Started(Ok(())) | WorkDone::Touched | WorkDone::Checked(Ok(None)) => {
                    }
                    WorkDone::Read(Ok(batch), before) if batch.is_empty() => {
                        self.stalled_at = Some(before)
                    }
                    WorkDone::Read(Ok(batch), _) => {
                        self.read_any = true;
                        self.ready.extend(batch);
                    }
                }
                continue;
            }
            if !self.started {
                self.started = true;
                let (store, channel) = (self.store.clone(), self.channel.clone());
                let access = self.config.access.clone();
                self.work = Some(Box::pin(async move {
                    WorkDone::Started(start(store, channel, access).await)
                }));
                continue;
            }
            while let Some(m) = self.ready.pop_front() {
                self.cursor = m.seq;
                if self.view.keeps(&m) {
                    self.done = self.view.ends_after(&m);
                    self.last_sent = tokio::time::Instant::now();
                    return Poll::Ready(Ok(FeedItem::Item(m)));
                }
            }
            if std::mem::take(&mut self.read_any)
                && self.last_sent.elapsed() >= self.config.heartbeat
            {
                return Poll::Ready(Ok(self.heartbeat()));
            }
            let mark = self.channel.mark();
            // Checked per batch read, not per message; a close wakes the feed.
            if mark.closed {
                return Poll::Ready(Err(DomainError::Unavailable(SHUTDOWN_MESSAGE.into())));
            }
            if let Some(touch) = self.touch_presence() {
                self.work = Some(touch);
                continue;
            }
            if self.stalled_at.is_some_and(|at| at != mark) {
                self.stalled_at = None;
            }
            if self.stalled_at.is_none() {
                if !self.channel.ready_into(self.cursor, &mut self.ready) {
                    let (channel, store, cursor) =
                        (self.channel.clone(), self.store.clone(), self.cursor);
                    self.work = Some(Box::pin(async move {
                        let read =
                            detached(async move { channel.read_after(&store, cursor).await });
                        WorkDone::Read(read.await, mark)
                    }));
                    continue;
                }
                if !self.ready.is_empty() {
                    self.read_any = true;
                    continue;
                }
            }
            // Caught up: wait for the mark, the access epoch or the heartbeat timer.
            if mark.deleted {
                return Poll::Ready(Err(DomainError::NotFound("session (it was deleted)")));
            }
            let mut registered = self.channel.feeds.register(&mut self.mark_slot, cx.waker());
            if let Some(guard) = &self.config.access {
                registered |= guard
                    .channel
                    .feeds
                    .register(&mut self.access_slot, cx.waker());
                let epoch = guard.channel.epoch();
                if epoch != self.access_epoch {
                    self.access_epoch = epoch;
                    let guard = self.config.access.clone();
                    self.work = Some(Box::pin(async move {
                        WorkDone::Checked(
                            detached(async move { Ok(access_lost(&guard).await) }).await,
                        )
                    }));
                    continue;
                }
            }
            // A registration just made may have missed a move: look once more.
            if registered {
                continue;
            }
            if self.heartbeat_at.as_mut().poll(cx).is_ready() {
                let due = self.last_sent + self.config.heartbeat;
                if tokio::time::Instant::now() >= due {
                    return Poll::Ready(Ok(self.heartbeat()));
                }
                self.heartbeat_at.as_mut().reset(due);
                continue;
            }
            return Poll::Pending;
        }
    }

    fn heartbeat(&mut self) -> FeedItem<Arc<FeedMessage>> {
        self.last_sent = tokio::time::Instant::now();
        self.heartbeat_at
            .as_mut()
            .reset(self.last_sent + self.config.heartbeat);
        FeedItem::Heartbeat {
            high_water: self.channel.mark().high_water,
        }
    }

    /// The agent's subscription keeps its session's last-seen time fresh: the first time
    /// through the locking way, awaited (it may end a disconnect, which the person should see
    /// at once; the returned work), then by the store's batched refresh, not awaited.
    fn touch_presence(&mut self) -> Option<Work> {
        let SessionView::Agent {
            project_id,
            presence_every,
        } = &self.view
        else {
            return None;
        };
        let Some(last) = self.last_touch else {
            self.last_touch = Some(Instant::now());
            let (store, project, id) = (self.store.clone(), *project_id, self.channel.id);
            return Some(Box::pin(async move {
                if let Err(e) =
                    detached(async move { store.touch_session(project, id).await }).await
                {
                    tracing::debug!(error = %e, "presence touch failed");
                }
                WorkDone::Touched
            }));
        };
        if last.elapsed() >= *presence_every {
            self.last_touch = Some(Instant::now());
            self.store
                .refresh_presence(*project_id, self.channel.id, *presence_every);
        }
        None
    }
}

/// Streams a user's inbox events after `after_cursor`, then tails.
pub fn inbox_feed(
    store: Store,
    channel: Arc<InboxChannel>,
    after_cursor: i64,
    config: FeedConfig,
) -> FeedStream<InboxEvent> {
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        let shutdown = config.shutdown.clone();
        let mut marks = channel.subscribe();
        let mut access = config.access.as_ref().map(|g| g.channel.subscribe());
        // Subscribed: a revocation from now on wakes us; one committed before is seen here.
        if let Some(e) = access_lost(&config.access).await {
            let _ = tx.send(Err(e)).await;
            return;
        }
        match store.inbox_high_water(channel.project_id).await {
            Ok(hw) => channel.raise(hw),
            Err(e) => {
                let _ = tx.send(Err(e)).await;
                return;
            }
        }
        let mut cursor = after_cursor;
        loop {
            if shutdown.is_cancelled() {
                end_for_shutdown(&tx).await;
                return;
            }
            if cursor < channel.mark().high_water {
                let batch = match store
                    .inbox_after(channel.project_id, cursor, READ_BATCH)
                    .await
                {
                    Ok(b) => b,
                    Err(e) => {
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                };
                if !batch.is_empty() {
                    for event in batch {
                        let c = event.cursor;
                        tokio::select! {
                            sent = tx.send(Ok(FeedItem::Item(event))) => if sent.is_err() { return },
                            _ = shutdown.cancelled() => { end_for_shutdown(&tx).await; return }
                        }
                        cursor = c;
                    }
                    continue;
                }
            }
            tokio::select! {
                changed = marks.changed() => if changed.is_err() { return },
                _ = access_moved(&mut access) => {
                    if let Some(e) = access_lost(&config.access).await {
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                }
                _ = tokio::time::sleep(config.heartbeat) => {
                    let hb = FeedItem::Heartbeat { high_water: channel.mark().high_water };
                    if tx.send(Ok(hb)).await.is_err() { return }
                }
                _ = shutdown.cancelled() => {}
                _ = tx.closed() => return,
            }
        }
    });
    Box::pin(ReceiverStream::new(rx))
}
