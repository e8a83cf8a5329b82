//! Group commit for ordinary steps. Steps that arrive while earlier ones are being written are
//! written together: one transaction, one WAL flush for all of them (a lone step is one
//! autocommitted statement, as before). Each caller is answered only after that commit, with its
//! own seq.
//!
//! Each step is the same small statement the one-step path ran (bump the session, insert the
//! step), written only when its session is ACTIVE with no open question or approval, nothing
//! unread for the agent and a request id never used there, and only when its API key is still
//! valid: checked here, in the write itself, because the auth layer may have taken the key from
//! its cache, and a revoked key must be refused on the very next call. A step that does not
//! qualify comes back `Slow` and its caller takes the general, locking path alone, so one step's
//! trouble never fails another's; a statement that fails (a retry racing its original) rolls
//! the batch back and every step of it goes the general way. Sequence numbers come from the
//! session row's UPDATE under its lock, so they stay gap-free and in commit order.
//!
//! Why not one multi-row statement: its plan is large (planning it costs more than running it),
//! and a plan cached while the tables were small keeps scanning them whole as they grow. This
//! statement plans in microseconds and only ever uses the primary keys and unique indexes.

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
    /// Needs the general path, which also says why a key is refused (see the module comment).
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

/// The step of an ACTIVE session with nothing for the agent to read, a new request id and a
/// valid key: one statement (see the module comment).
const STEP: &str = "WITH s AS ( \
       UPDATE sessions SET last_seq = last_seq + 1, last_activity_at = now(), last_seen_at = now() \
       WHERE id = $1 AND project_id = $2 AND status = $3 AND open_questions = 0 AND open_approvals = 0 \
         AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.session_id = $1 AND m.request_id = $4) \
         AND NOT EXISTS (SELECT 1 FROM messages u WHERE u.session_id = $1 AND u.seq > sessions.agent_read_seq AND u.kind = 4) \
         AND EXISTS (SELECT 1 FROM api_keys k WHERE k.id = $8 AND k.project_id = $2 AND k.revoked_at IS NULL \
                     AND (k.expires_at IS NULL OR k.expires_at > now())) \
       RETURNING id, last_seq, agent_read_seq) \
     INSERT INTO messages (session_id, seq, sender, kind, body, request_id, meta) \
     SELECT s.id, s.last_seq, $5, $6, $7::jsonb, $4, \
            jsonb_build_object('read_after', s.agent_read_seq, 'read_through', s.agent_read_seq) \
     FROM s RETURNING seq";

async fn write_step<'c>(
    conn: impl sqlx::PgExecutor<'c>,
    p: &Pending,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(STEP)
        .bind(p.session_id)
        .bind(p.project_id)
        .bind(SessionStatus::Active as i16)
        .bind(&p.request_id)
        .bind(Sender::Agent as i16)
        .bind(MessageKind::Step as i16)
        .bind(&p.body)
        .bind(p.key_id)
        .fetch_optional(conn)
        .await
}

/// Writes the batch: `Written` or `Slow` per step, in order.
async fn write_all(pool: &PgPool, batch: &[Pending]) -> Result<Vec<Outcome>, sqlx::Error> {
    let outcome = |seq: Option<i64>| seq.map_or(Outcome::Slow, Outcome::Written);
    if let [one] = batch {
        return Ok(vec![outcome(write_step(pool, one).await?)]);
    }
    let mut tx = pool.begin().await?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for p in batch {
        outcomes.push(outcome(write_step(&mut *tx, p).await?));
    }
    tx.commit().await?;
    Ok(outcomes)
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
    let outcomes = match write_all(pool, &batch).await {
        Ok(outcomes) => outcomes,
        // A retry racing its original (another batch or the general path wrote its request id
        // first): nothing of this batch was kept; every step goes the general way, where the
        // retry finds its original.
        Err(e) if is_unique_violation(&e, "messages_request_id_key") => {
            vec![Outcome::Slow; batch.len()]
        }
        // Anything else (a lost connection): the general path gives each caller its own error.
        Err(e) => {
            tracing::debug!(error = %e, "a step batch failed; its steps go one by one");
            vec![Outcome::Slow; batch.len()]
        }
    };
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
