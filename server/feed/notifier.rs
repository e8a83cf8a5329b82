//! Delivers the wake-up hints of this process's commits: at once to its own hub (no round trip
//! through Postgres for watchers on the same server), and in batches as one `NOTIFY` to the
//! other processes. While one NOTIFY is in flight the next hints pile up and go out together,
//! so the notify lock is taken once per batch, never once per write (see `store::hints`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::Hub;
use crate::domain::{ProjectId, SessionId, UserId};
use crate::store::{FeedHint, HintConnection, HintReceiver, Store, hints};

/// Most hints drained into one batch (bounds the time between a hint and its NOTIFY when
/// writes never pause).
const MAX_BATCH: usize = 4_096;

/// Runs until `shutdown` is cancelled (then sends what it still holds) or every sender is gone.
/// NOTIFYs start at least `spacing` apart: a hint after a quiet spell goes out at once, and
/// under a steady stream of writes the hints of each `spacing` share one NOTIFY (Postgres
/// wakes every listening backend per NOTIFY, so one per write costs as much as the write).
/// This process's own hub gets every hint at once either way.
pub async fn run(
    store: Store,
    hub: Arc<Hub>,
    mut hints: HintReceiver,
    spacing: Duration,
    shutdown: CancellationToken,
) {
    let mut batch = Batch::default();
    let mut conn: Option<HintConnection> = None;
    let mut last_sent = Instant::now() - spacing;
    let take = |hint: FeedHint, batch: &mut Batch| {
        hub.apply(hint);
        batch.add(hint);
    };
    loop {
        // (A shutdown seen while batching below is seen here again.)
        let first = if shutdown.is_cancelled() {
            None
        } else {
            tokio::select! {
                hint = hints.recv() => hint,
                _ = shutdown.cancelled() => None,
            }
        };
        let Some(first) = first else {
            while let Ok(hint) = hints.try_recv() {
                take(hint, &mut batch);
            }
            send(&store, &mut conn, &mut batch).await;
            return;
        };
        take(first, &mut batch);
        let not_before = last_sent + spacing;
        loop {
            while batch.len() < MAX_BATCH {
                match hints.try_recv() {
                    Ok(hint) => take(hint, &mut batch),
                    Err(_) => break,
                }
            }
            if batch.len() >= MAX_BATCH || Instant::now() >= not_before {
                break;
            }
            tokio::select! {
                hint = hints.recv() => match hint {
                    Some(hint) => take(hint, &mut batch),
                    None => break,
                },
                _ = tokio::time::sleep_until(not_before) => break,
                _ = shutdown.cancelled() => break,
            }
        }
        last_sent = Instant::now();
        send(&store, &mut conn, &mut batch).await;
    }
}

/// Sends the batch, (re)connecting as needed. On failure the batch is dropped: the other
/// processes' periodic resync reads what it would have announced.
async fn send(store: &Store, conn: &mut Option<HintConnection>, batch: &mut Batch) {
    for payload in hints::payloads(batch.drain()) {
        if conn.is_none() {
            match store.hint_connection().await {
                Ok(c) => *conn = Some(c),
                Err(e) => {
                    tracing::warn!(error = %e, "feed notifier cannot connect; other servers catch up at their next resync");
                    return;
                }
            }
        }
        if let Some(c) = conn.as_mut() {
            if let Err(e) = c.notify(&payload).await {
                tracing::warn!(error = %e, "feed NOTIFY failed; other servers catch up at their next resync");
                *conn = None;
            }
        }
    }
}

/// Hints waiting for their NOTIFY, coalesced: only the highest seq or cursor matters.
#[derive(Default)]
struct Batch {
    messages: HashMap<SessionId, i64>,
    inboxes: HashMap<ProjectId, i64>,
    deleted: Vec<SessionId>,
    access: HashMap<UserId, i64>,
    launches: HashMap<ProjectId, i64>,
}

impl Batch {
    fn add(&mut self, hint: FeedHint) {
        match hint {
            FeedHint::Message { session_id, seq } => {
                let high = self.messages.entry(session_id).or_insert(seq);
                *high = (*high).max(seq);
            }
            FeedHint::Inbox { project_id, cursor } => {
                let high = self.inboxes.entry(project_id).or_insert(cursor);
                *high = (*high).max(cursor);
            }
            FeedHint::Deleted { session_id } => self.deleted.push(session_id),
            FeedHint::Access { user_id, epoch } => {
                let high = self.access.entry(user_id).or_insert(epoch);
                *high = (*high).max(epoch);
            }
            FeedHint::LaunchQueued { project_id, seq } => {
                let high = self.launches.entry(project_id).or_insert(seq);
                *high = (*high).max(seq);
            }
        }
    }

    fn len(&self) -> usize {
        self.messages.len()
            + self.inboxes.len()
            + self.deleted.len()
            + self.access.len()
            + self.launches.len()
    }

    fn drain(&mut self) -> impl Iterator<Item = FeedHint> + '_ {
        let messages = self
            .messages
            .drain()
            .map(|(session_id, seq)| FeedHint::Message { session_id, seq });
        let inboxes = self
            .inboxes
            .drain()
            .map(|(project_id, cursor)| FeedHint::Inbox { project_id, cursor });
        let deleted = self
            .deleted
            .drain(..)
            .map(|session_id| FeedHint::Deleted { session_id });
        let access = self
            .access
            .drain()
            .map(|(user_id, epoch)| FeedHint::Access { user_id, epoch });
        let launches = self
            .launches
            .drain()
            .map(|(project_id, seq)| FeedHint::LaunchQueued { project_id, seq });
        messages
            .chain(inboxes)
            .chain(deleted)
            .chain(access)
            .chain(launches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn a_batch_keeps_only_the_highest_mark_per_feed() {
        let s = SessionId(Uuid::new_v4());
        let u = ProjectId(Uuid::new_v4());
        let mut batch = Batch::default();
        for seq in [3, 5, 4] {
            batch.add(FeedHint::Message { session_id: s, seq });
        }
        batch.add(FeedHint::Inbox {
            project_id: u,
            cursor: 9,
        });
        batch.add(FeedHint::Inbox {
            project_id: u,
            cursor: 8,
        });
        batch.add(FeedHint::Deleted { session_id: s });
        let out: Vec<FeedHint> = batch.drain().collect();
        assert_eq!(
            out,
            vec![
                FeedHint::Message {
                    session_id: s,
                    seq: 5
                },
                FeedHint::Inbox {
                    project_id: u,
                    cursor: 9
                },
                FeedHint::Deleted { session_id: s },
            ]
        );
        assert_eq!(batch.len(), 0);
    }
}
