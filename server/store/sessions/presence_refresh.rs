//! An agent's open Subscribe stream or parked wait is a sign of life: its session's last-seen
//! time is refreshed every `feed.presence_interval_ms` so that the disconnect sweep leaves it
//! alone. One refresh at a time was a locking transaction (lock the session, save it, commit:
//! four round trips and a WAL flush), about 450 a second for 10,000 subscribed agents at the
//! default period, the largest share of an otherwise idle server's CPU after heartbeats
//! (BENCHMARKS.md §20).
//!
//! Refreshes are queued here instead and written together, once per window, in one statement
//! that only moves `last_seen_at` of the sessions whose status a sign of life leaves as it is
//! (`SessionStatus::after_agent_contact`). The others (a session marked DISCONNECTED meanwhile,
//! one still STARTING), and any session whose row another transaction holds at that moment, go
//! the locking way (`Store::touch_session`), which writes their status change as every other
//! contact does. A batch whose statement fails is not redone one session at a time (that would
//! multiply the load on a database already in trouble): the next refresh, a period later, tries
//! again, well inside the sweep's window. Nothing here delays what the agent receives: the
//! caller does not wait.
//!
//! The first sign of life of a stream or wait is not queued: it may end a disconnect, and the
//! person should see "agent is back" at once. Only the periodic refreshes after it are.

use std::collections::HashSet;
use std::sync::OnceLock;
use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::Store;
use crate::domain::{ProjectId, SessionId};

/// The longest a refresh waits for its window's statement. The disconnect sweep's window is
/// minutes (`sessions.disconnect_after_secs`, 120 by default); a second of delay is nothing
/// against it, and it lets every refresh of that second share one statement.
const MAX_WINDOW: Duration = Duration::from_secs(1);
/// Sessions per statement.
const MAX_BATCH: usize = 5_000;

/// See the module documentation; one per store (shared by its clones).
#[derive(Default)]
pub struct PresenceRefresh {
    queue: OnceLock<mpsc::UnboundedSender<Queued>>,
    /// Sessions refreshed by a batch's statement, and the locking way (a metric).
    batched: Counter,
    locking: Counter,
}

impl PresenceRefresh {
    /// Counting the refreshes by the way they were written into these counters.
    pub fn observing((batched, locking): (Counter, Counter)) -> PresenceRefresh {
        PresenceRefresh {
            queue: OnceLock::new(),
            batched,
            locking,
        }
    }
}

struct Queued {
    project: Uuid,
    session: Uuid,
    /// Whether the batch refreshed it (`false`: it needs the locking way); dropped unsent when
    /// the batch failed.
    done: oneshot::Sender<bool>,
}

impl Store {
    /// Refreshes the session's last-seen time soon, together with other sessions', and the
    /// locking way when a sign of life would change its status. Returns at once; a failure is
    /// logged, and the next refresh tries again (the sweep's window is minutes).
    /// `period` is how often the caller refreshes: the batch window is shorter.
    pub fn refresh_presence(&self, project_id: ProjectId, session_id: SessionId, period: Duration) {
        let refresh = &self.presence_refresh;
        let queue = refresh.queue.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            let window = (period / 2).min(MAX_WINDOW);
            tokio::spawn(run(
                self.pool().clone(),
                rx,
                window,
                refresh.batched.clone(),
            ));
            tx
        });
        let (done, refreshed) = oneshot::channel();
        let queued = Queued {
            project: project_id.0,
            session: session_id.0,
            done,
        };
        if queue.send(queued).is_err() {
            return;
        }
        let (store, locking) = (self.clone(), refresh.locking.clone());
        tokio::spawn(async move {
            if refreshed.await != Ok(false) {
                return;
            }
            locking.inc();
            if let Err(e) = store.touch_session(project_id, session_id).await {
                tracing::debug!(error = %e, session_id = %session_id, "presence refresh failed");
            }
        });
    }
}

/// Collects a window's refreshes, then writes them in one statement per `MAX_BATCH`.
async fn run(
    pool: PgPool,
    mut queue: mpsc::UnboundedReceiver<Queued>,
    window: Duration,
    batched: Counter,
) {
    while let Some(first) = queue.recv().await {
        tokio::time::sleep(window).await;
        let mut batch = vec![first];
        while let Ok(q) = queue.try_recv() {
            batch.push(q);
        }
        while !batch.is_empty() {
            let rest = batch.split_off(batch.len().min(MAX_BATCH));
            let chunk = std::mem::replace(&mut batch, rest);
            match refresh(&pool, &chunk).await {
                Ok(refreshed) => {
                    batched.inc_by(refreshed.len() as u64);
                    for q in chunk {
                        let _ = q.done.send(refreshed.contains(&q.session));
                    }
                }
                // Dropping the chunk tells its callers; their next refreshes try again.
                Err(e) => tracing::warn!(error = %e, "batched presence refresh failed"),
            }
        }
    }
}

/// Moves `last_seen_at` of the listed sessions (each in its project) whose status a sign of
/// life leaves unchanged, skipping rows another transaction holds (no wait, so no deadlock with
/// a batch of steps locking several sessions); returns the sessions refreshed.
async fn refresh(pool: &PgPool, chunk: &[Queued]) -> Result<HashSet<Uuid>, sqlx::Error> {
    let mut seen = HashSet::with_capacity(chunk.len());
    let (projects, sessions): (Vec<Uuid>, Vec<Uuid>) = chunk
        .iter()
        .filter(|q| seen.insert(q.session))
        .map(|q| (q.project, q.session))
        .unzip();
    // The status conditions are `after_agent_contact`'s "no change": ACTIVE with nothing open,
    // AWAITING_INPUT with something open, STOPPING.
    let refreshed: Vec<Uuid> = sqlx::query_scalar(
        "UPDATE sessions s SET last_seen_at = now() FROM ( \
           SELECT id FROM sessions \
           WHERE (project_id, id) IN (SELECT p, i FROM unnest($1::uuid[], $2::uuid[]) AS q(p, i)) \
             AND ((status = 1 AND open_questions + open_approvals = 0) \
               OR (status = 2 AND open_questions + open_approvals > 0) \
               OR status = 3) \
           ORDER BY id FOR UPDATE SKIP LOCKED) AS due \
         WHERE s.id = due.id RETURNING s.id",
    )
    .bind(&projects)
    .bind(&sessions)
    .fetch_all(pool)
    .await?;
    Ok(refreshed.into_iter().collect())
}
