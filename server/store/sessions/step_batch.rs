//! Group commit for ordinary steps. Steps that arrive while earlier ones are being written are
//! written together: one transaction, one WAL flush for all of them (a lone step is a batch of
//! one). Each caller is answered only after that commit, with its
//! own seq.
//!
//! A batch is one call of the `log_steps` function (migration `log_steps_one_statement`): one
//! round trip, one statement and one commit for the batch. Each session in it is bumped once by
//! the number of its steps that qualify, and those are inserted at the seqs that made room for,
//! in the batch's order. A step qualifies when its session is ACTIVE with no open question or
//! approval and nothing unread for the agent, its request id was never used there, and its API
//! key is still valid: checked in the write itself, because the auth layer may have taken the
//! key from its cache, and a revoked key must be refused on the very next call. A step that does
//! not qualify comes back `Slow` and takes no seq; its caller takes the general, locking path
//! alone, so one step's trouble never fails another's. A statement that fails (a retry racing
//! its original, a lock waited on for more than 100 ms) rolls the batch back and every step of
//! it goes the general way. Sequence numbers come from the session row's UPDATE under its lock,
//! so they stay gap-free and in commit order.
//!
//! The statement was one per step before (BENCHMARKS.md §17: 0.72–0.80× pgbench at 16 agents
//! then, 0.82–0.89× with one statement); a lone step still takes the smaller per-step statement.
//! The plans are generic and their shape fixed, so that a plan made while the tables were small
//! still probes indexes when they are large (the migration says how).

use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::domain::*;
use crate::store::FeedHint;
use crate::store::errors::{is_unique_violation, leaves_connection_ready};
use crate::store::hints::HintSender;

/// Most steps in one statement.
const MAX_BATCH: usize = 512;

/// The smallest pool the batch writer keeps a connection of for good (see [`Writer`]).
const MIN_POOL_TO_KEEP: u32 = 4;

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
    let mut writer = Writer { pool, conn: None };
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        sizes.observe(batch.len() as f64);
        write_batch(&mut writer, hints.as_ref(), batch).await;
    }
}

/// One batch is written at a time, by one task on a connection it keeps: while one batch waits
/// for its WAL flush the next one forms. That is the textbook group commit, and it measured best
/// here (BENCHMARKS.md §14: at 64 agents 1.05–1.12× pgbench with one batch in flight,
/// 0.94–1.04× with two, 0.82× with eight; §17: at 16 agents 0.68× with two against 0.82–0.89×
/// with one): per-batch costs (a round trip, a commit, the server's wake-ups) are shared by more
/// steps, and on a machine whose cores are all busy the CPU they free is what the next batch
/// needs. A batch never waits long on another transaction's lock (migration
/// `step_batch_lock_timeout`), so one slow session cannot hold the others up.
///
/// The connection is kept from batch to batch rather than taken from the pool for each: sqlx
/// tests a connection handed back to its pool with a round trip of its own, in a task spawned
/// for it, so a batch through the pool cost one more round trip and two more tasks (that one
/// and the batch's own) (BENCHMARKS.md §18).
struct Writer {
    pool: PgPool,
    conn: Option<PoolConnection<Postgres>>,
}

impl Writer {
    async fn write(&mut self, batch: &[Pending]) -> Result<Vec<Outcome>, sqlx::Error> {
        let conn = match &mut self.conn {
            Some(conn) => conn,
            None => self.conn.insert(self.pool.acquire().await?),
        };
        let written = write_all(conn, batch).await;
        // An ERROR from Postgres ended only its statement (autocommitted: nothing is left
        // open), so the connection stays. Anything else (a FATAL, a lost socket, a reply that
        // made no sense) may have ended the connection or left it mid-exchange: it goes back to
        // the pool, which tests it, and the next batch takes another. A pool too small to spare
        // one connection for good gets it back after every batch.
        if written.as_ref().is_err_and(|e| !leaves_connection_ready(e))
            || self.pool.options().get_max_connections() < MIN_POOL_TO_KEEP
        {
            self.conn = None;
        }
        written
    }
}

/// Writes the batch: `Written` or `Slow` per step, in order. One autocommitted call of the
/// `log_steps` function (migrations `log_steps`, `step_batch_lock_timeout`), a lone step too:
/// one round trip and one commit.
async fn write_all(
    conn: &mut PgConnection,
    batch: &[Pending],
) -> Result<Vec<Outcome>, sqlx::Error> {
    let outcome = |seq: Option<i64>| seq.map_or(Outcome::Slow, Outcome::Written);
    let column = |f: fn(&Pending) -> Uuid| batch.iter().map(f).collect::<Vec<Uuid>>();
    let seqs: Vec<Option<i64>> =
        sqlx::query_scalar("SELECT log_steps($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(column(|p| p.session_id))
            .bind(column(|p| p.project_id))
            .bind(
                batch
                    .iter()
                    .map(|p| p.request_id.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(batch.iter().map(|p| p.body.as_str()).collect::<Vec<_>>())
            .bind(column(|p| p.key_id))
            .bind(SessionStatus::Active as i16)
            .bind(Sender::Agent as i16)
            .bind(MessageKind::Step as i16)
            .fetch_one(conn)
            .await?;
    if seqs.len() != batch.len() {
        return Err(sqlx::Error::Protocol(format!(
            "log_steps returned {} seqs for {} steps",
            seqs.len(),
            batch.len()
        )));
    }
    Ok(seqs.into_iter().map(outcome).collect())
}

async fn write_batch(writer: &mut Writer, hints: Option<&HintSender>, batch: Vec<Pending>) {
    // A request id twice in one batch: the first is written here, the others replay it on the
    // general path afterwards.
    let mut seen = std::collections::HashSet::new();
    let (batch, repeats): (Vec<Pending>, Vec<Pending>) = batch
        .into_iter()
        .partition(|p| seen.insert((p.session_id, p.request_id.clone())));
    for p in repeats {
        let _ = p.reply.send(Outcome::Slow);
    }
    // Session rows are locked in id order by every batch, so that a batch and the general path
    // (or another replica's batch) wait for each other instead of deadlocking (a stable sort: a
    // session's steps keep their order of arrival).
    let mut batch = batch;
    batch.sort_by_key(|p| p.session_id);
    let outcomes = match writer.write(&batch).await {
        Ok(outcomes) => outcomes,
        // A retry racing its original (another batch or the general path wrote its request id
        // first): nothing of this batch was kept; every step goes the general way, where the
        // retry finds its original.
        Err(e) if is_unique_violation(&e, "messages_request_id_key") => {
            vec![Outcome::Slow; batch.len()]
        }
        // Anything else (a lock waited on too long, a lost connection): the general path takes
        // each step alone and gives each caller its own error.
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
