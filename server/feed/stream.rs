//! The catch-up-then-tail loop behind every live stream. Each stream subscribes to its channel
//! first, then reads from its cursor until it is caught up, then sleeps until the mark moves.
//! Sending waits while the client is slow (HTTP/2 flow control pushes back), and the cursor
//! only moves past what was sent, so nothing is skipped and nothing is dropped.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

use super::hub::{AccessChannel, InboxChannel, Mark, READ_BATCH, SessionChannel};
use crate::domain::{DomainError, InboxEvent, Message, MessageBody, ProjectId};
use crate::store::Store;

#[derive(Debug, Clone)]
pub enum FeedItem<T> {
    Item(T),
    Heartbeat { high_water: i64 },
}

pub type FeedStream<T> = ReceiverStream<Result<FeedItem<T>, DomainError>>;

#[derive(Clone)]
pub struct FeedConfig {
    pub heartbeat: Duration,
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
pub fn session_feed(
    store: Store,
    channel: Arc<SessionChannel>,
    after_seq: i64,
    view: SessionView,
    config: FeedConfig,
) -> FeedStream<Arc<Message>> {
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
        // What the channel knew *before* the store read: every commit it had heard of by then
        // is visible to that read. (Comparing with the mark after the read would race with
        // notifications of commits the read's snapshot missed.)
        let known = channel.mark().high_water;
        match store.session_high_water(channel.id).await {
            // A session's last seq never decreases: a channel that knew of a higher one belongs
            // to an earlier session with this id, deleted, whose delete notification is still
            // on its way. Never serve its messages; the retry gets a fresh channel.
            Ok(Some(hw)) if hw < known => {
                channel.mark_deleted();
                let _ = tx
                    .send(Err(DomainError::Unavailable(
                        "the session was deleted and started again under the same id; retry".into(),
                    )))
                    .await;
                return;
            }
            Ok(Some(hw)) => channel.raise(hw),
            Ok(None) => {
                let _ = tx.send(Err(DomainError::NotFound("session"))).await;
                return;
            }
            Err(e) => {
                let _ = tx.send(Err(e)).await;
                return;
            }
        }
        let mut cursor = after_seq;
        let mut last_touch = Instant::now() - Duration::from_secs(3600);
        // Heartbeats are due a period after the last thing *sent*: a session busy with messages
        // this stream filters out (the agent's own steps on its subscription) is silence too.
        let mut last_sent = tokio::time::Instant::now();
        loop {
            if shutdown.is_cancelled() {
                end_for_shutdown(&tx).await;
                return;
            }
            if let SessionView::Agent {
                project_id,
                presence_every,
            } = &view
            {
                if last_touch.elapsed() >= *presence_every {
                    last_touch = Instant::now();
                    if let Err(e) = store.touch_session(*project_id, channel.id).await {
                        tracing::debug!(error = %e, "presence touch failed");
                    }
                }
            }
            let batch = match channel.read_after(&store, cursor).await {
                Ok(b) => b,
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            };
            if !batch.is_empty() {
                for m in batch {
                    let seq = m.seq;
                    if view.keeps(&m) {
                        let last = view.ends_after(&m);
                        tokio::select! {
                            sent = tx.send(Ok(FeedItem::Item(m))) => if sent.is_err() { return },
                            _ = shutdown.cancelled() => { end_for_shutdown(&tx).await; return }
                        }
                        if last {
                            return;
                        }
                        last_sent = tokio::time::Instant::now();
                    }
                    cursor = seq;
                }
                if last_sent.elapsed() >= config.heartbeat {
                    let hb = FeedItem::Heartbeat {
                        high_water: channel.mark().high_water,
                    };
                    if tx.send(Ok(hb)).await.is_err() {
                        return;
                    }
                    last_sent = tokio::time::Instant::now();
                }
                continue;
            }
            if channel.mark().deleted {
                let _ = tx
                    .send(Err(DomainError::NotFound("session (it was deleted)")))
                    .await;
                return;
            }
            tokio::select! {
                changed = marks.changed() => if changed.is_err() { return },
                _ = access_moved(&mut access) => {
                    if let Some(e) = access_lost(&config.access).await {
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                }
                _ = tokio::time::sleep_until(last_sent + config.heartbeat) => {
                    let hb = FeedItem::Heartbeat { high_water: channel.mark().high_water };
                    if tx.send(Ok(hb)).await.is_err() { return }
                    last_sent = tokio::time::Instant::now();
                }
                _ = shutdown.cancelled() => {}
                _ = tx.closed() => return,
            }
        }
    });
    ReceiverStream::new(rx)
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
    ReceiverStream::new(rx)
}
