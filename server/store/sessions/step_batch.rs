//! Group commit for ordinary steps. Steps that arrive while earlier ones are being written are
//! written together: one statement, one transaction, one WAL flush for all of them. Each caller
//! is answered only after that commit, with its own seq.
//!
//! The statement takes the same decisions per step as the one-step statement it replaces: a
//! step is written only when its session is ACTIVE with no open question or approval, nothing
//! unread for the agent and a request id never used there, and only when its API key is still
//! valid (checked here, in the write itself: the auth layer may have taken the key from its
//! cache, and a revoked key must be refused on the very next call). A step that does not
//! qualify comes back `Slow` (or `KeyRefused`) and its caller takes the general, locking path
//! alone, so one step's trouble never fails another's. Sequence numbers: the session row is
//! bumped once by the number of its steps in the batch and each step takes the next number in
//! arrival order, under the row lock, so they stay gap-free and in commit order. Rows are locked
//! in id order, so two batches in flight cannot deadlock.

use std::sync::Arc;

use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use sqlx::PgPool;
use tokio::sync::{Semaphore, mpsc, oneshot};
use uuid::Uuid;

use crate::domain::*;
use crate::store::FeedHint;
use crate::store::errors::is_unique_violation;
use crate::store::hints::HintSender;

/// Most steps in one statement.
const MAX_BATCH: usize = 512;
/// Batches in flight at once: while one waits for its WAL flush the next one forms.
const CONCURRENT_BATCHES: usize = 2;

/// What became of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::store) enum Outcome {
    Written(i64),
    /// The key is no longer valid (revoked, expired, gone); the caller says why.
    KeyRefused,
    /// Needs the general path (see the module comment).
    Slow,
}

struct Pending {
    key_id: Uuid,
    project_id: Uuid,
    session_id: Uuid,
    request_id: String,
    body: String,
    reply: oneshot::Sender<Outcome>,
}

/// The queue into the batch writer task; dropping the last handle ends the task.
pub(in crate::store) struct StepBatcher {
    queue: mpsc::UnboundedSender<Pending>,
}

/// Shared by every clone of a store: the batcher (started on first use, inside the runtime) and
/// the histogram of its batch sizes.
pub struct GroupCommit {
    batcher: std::sync::OnceLock<StepBatcher>,
    sizes: Histogram,
}

impl Default for GroupCommit {
    fn default() -> Self {
        GroupCommit {
            batcher: std::sync::OnceLock::new(),
            sizes: Histogram::new(exponential_buckets(1.0, 2.0, 10)),
        }
    }
}

impl GroupCommit {
    /// Counting the steps per batch into `sizes` (the `switchboard_step_batch_size` metric).
    pub fn observing(sizes: Histogram) -> GroupCommit {
        GroupCommit {
            batcher: std::sync::OnceLock::new(),
            sizes,
        }
    }

    pub(in crate::store) fn batcher(
        &self,
        pool: &PgPool,
        hints: &Option<HintSender>,
    ) -> &StepBatcher {
        self.batcher.get_or_init(|| {
            let (queue, rx) = mpsc::unbounded_channel();
            tokio::spawn(run(pool.clone(), hints.clone(), rx, self.sizes.clone()));
            StepBatcher { queue }
        })
    }
}

impl StepBatcher {
    pub(in crate::store) async fn write(
        &self,
        caller: &AgentCaller,
        session_id: SessionId,
        body: &MessageBody,
        request_id: &str,
    ) -> DomainResult<Outcome> {
        let (reply, outcome) = oneshot::channel();
        let pending = Pending {
            key_id: caller.api_key_id.0,
            project_id: caller.project_id.0,
            session_id: session_id.0,
            request_id: request_id.to_owned(),
            body: serde_json::to_string(body).map_err(|e| DomainError::internal(e.to_string()))?,
            reply,
        };
        if self.queue.send(pending).is_err() {
            return Ok(Outcome::Slow);
        }
        // A writer that went away (a panic) leaves the step to the general path.
        Ok(outcome.await.unwrap_or(Outcome::Slow))
    }
}

async fn run(
    pool: PgPool,
    hints: Option<HintSender>,
    mut queue: mpsc::UnboundedReceiver<Pending>,
    sizes: Histogram,
) {
    let slots = Arc::new(Semaphore::new(CONCURRENT_BATCHES));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let Some(first) = queue.recv().await else {
            return;
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        sizes.observe(batch.len() as f64);
        let pool = pool.clone();
        let hints = hints.clone();
        tokio::spawn(async move {
            write_batch(&pool, hints.as_ref(), batch).await;
            drop(slot);
        });
    }
}

async fn write_batch(pool: &PgPool, hints: Option<&HintSender>, batch: Vec<Pending>) {
    // A request id twice in one batch: the first is written here, the others replay it on the
    // general path afterwards.
    let mut seen = std::collections::HashSet::new();
    let (batch, repeats): (Vec<Pending>, Vec<Pending>) = batch
        .into_iter()
        .partition(|p| seen.insert((p.session_id, p.request_id.clone())));
    for p in repeats {
        let _ = p.reply.send(Outcome::Slow);
    }
    let rows: Result<Vec<(i64, bool, Option<i64>)>, sqlx::Error> = sqlx::query_as(
        "WITH input AS ( \
           SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[]) \
             WITH ORDINALITY AS i(session_id, project_id, key_id, request_id, body, ord)), \
         keyed AS ( \
           SELECT i.*, k.id IS NOT NULL AS key_ok FROM input i LEFT JOIN api_keys k \
             ON k.id = i.key_id AND k.project_id = i.project_id AND k.revoked_at IS NULL \
            AND (k.expires_at IS NULL OR k.expires_at > now())), \
         counts AS ( \
           SELECT session_id, project_id, count(*) AS n FROM keyed WHERE key_ok \
           GROUP BY session_id, project_id), \
         locked AS ( \
           SELECT s.id FROM sessions s JOIN counts c ON c.session_id = s.id AND c.project_id = s.project_id \
           ORDER BY s.id FOR UPDATE OF s), \
         bumped AS ( \
           UPDATE sessions SET last_seq = sessions.last_seq + c.n, last_activity_at = now(), last_seen_at = now() \
           FROM counts c JOIN locked l ON l.id = c.session_id \
           WHERE sessions.id = c.session_id AND sessions.status = $6 \
             AND sessions.open_questions = 0 AND sessions.open_approvals = 0 \
             AND NOT EXISTS (SELECT 1 FROM messages u WHERE u.session_id = sessions.id \
                             AND u.seq > sessions.agent_read_seq AND u.kind = 4) \
             AND NOT EXISTS (SELECT 1 FROM keyed r JOIN messages m \
                               ON m.session_id = r.session_id AND m.request_id = r.request_id \
                             WHERE r.session_id = sessions.id AND r.key_ok) \
           RETURNING sessions.id, sessions.last_seq - c.n AS base_seq, sessions.agent_read_seq), \
         written AS ( \
           INSERT INTO messages (session_id, seq, sender, kind, body, request_id, meta) \
           SELECT r.session_id, b.base_seq + row_number() OVER (PARTITION BY r.session_id ORDER BY r.ord), \
                  $7, $8, r.body::jsonb, r.request_id, \
                  jsonb_build_object('read_after', b.agent_read_seq, 'read_through', b.agent_read_seq) \
           FROM keyed r JOIN bumped b ON b.id = r.session_id WHERE r.key_ok \
           RETURNING session_id, seq, request_id) \
         SELECT k.ord, k.key_ok, w.seq FROM keyed k \
         LEFT JOIN written w ON w.session_id = k.session_id AND w.request_id = k.request_id",
    )
    .bind(batch.iter().map(|p| p.session_id).collect::<Vec<_>>())
    .bind(batch.iter().map(|p| p.project_id).collect::<Vec<_>>())
    .bind(batch.iter().map(|p| p.key_id).collect::<Vec<_>>())
    .bind(batch.iter().map(|p| p.request_id.as_str()).collect::<Vec<_>>())
    .bind(batch.iter().map(|p| p.body.as_str()).collect::<Vec<_>>())
    .bind(SessionStatus::Active as i16)
    .bind(Sender::Agent as i16)
    .bind(MessageKind::Step as i16)
    .fetch_all(pool)
    .await;
    let mut outcomes = vec![Outcome::Slow; batch.len()];
    match rows {
        Ok(rows) => {
            for (ord, key_ok, seq) in rows {
                let Some(slot) = usize::try_from(ord - 1)
                    .ok()
                    .and_then(|i| outcomes.get_mut(i))
                else {
                    continue;
                };
                *slot = match (key_ok, seq) {
                    (_, Some(seq)) => Outcome::Written(seq),
                    (false, None) => Outcome::KeyRefused,
                    (true, None) => Outcome::Slow,
                };
            }
        }
        // A retry racing its original (another batch or the general path wrote its request id
        // after this statement's snapshot): nothing was written; every step goes the general
        // way, where the retry finds its original.
        Err(e) if is_unique_violation(&e, "messages_request_id_key") => {}
        // Anything else (a lost connection): the general path gives each caller its own error.
        Err(e) => tracing::debug!(error = %e, "a step batch failed; its steps go one by one"),
    }
    // Every hint before any reply: a caller that hears back may count on its watchers waking.
    if let Some(sink) = hints {
        for (p, outcome) in batch.iter().zip(&outcomes) {
            if let Outcome::Written(seq) = outcome {
                let _ = sink.send(FeedHint::Message {
                    session_id: SessionId(p.session_id),
                    seq: *seq,
                });
            }
        }
    }
    for (p, outcome) in batch.into_iter().zip(outcomes) {
        let _ = p.reply.send(outcome);
    }
}
