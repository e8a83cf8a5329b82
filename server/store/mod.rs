//! Postgres storage. Every query lives below this module; every function takes its caller's
//! scope (an agent key's project, or a person checked by `access`) and filters on it. Transactions that assign sequence numbers live in `sessions`.

pub mod access;
mod accounts;
pub mod action_tokens;
pub mod audit;
pub mod email_confirm;
mod errors;
pub mod hints;
mod inbox;
mod input_specs;
mod kept;
mod kube_launches;
mod launch_limits;
mod launches;
pub mod notifications;
pub mod oidc;
mod presence;
mod projects;
pub mod push;
pub mod queues;
mod reads;
pub mod resolved;
mod rows;
mod runners;
mod sessions;
pub mod sign_ins;
mod sql_enums;
mod sweeps;
mod tx;

use prometheus_client::metrics::counter::Counter;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

pub use accounts::{ApiKeyAuth, NewApiKey, RefreshOutcome};
pub use errors::map_sqlx_error;
pub use kube_launches::{KubeClaim, KubeDeletion, KubeEnd, KubeLaunch};
pub use launch_limits::DueLimit;
pub use projects::{InvitationRef, StoredInvitation, StoredMember, StoredProject, StoredShare};
pub use reads::{
    AgentCursor, ApiKeyCursor, MessageDirection, SessionCursor, SessionFilter, SessionSet,
};
pub use runners::{Attached, RUNNER_SECRET_PREFIX, RunnerAuth};
pub use sessions::{
    AnswerInput, ApprovalRef, Decided, Decider, EndOutcome, GroupCommit, StartSession,
    StartedSession, StepResult,
};

use crate::domain::DomainResult;

pub use hints::{FeedHint, HintReceiver, HintSender, NOTIFY_CHANNEL};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Clone)]
pub struct Store {
    pool: PgPool,
    /// Where committed writes send their feed hints; none for admin commands, which write no
    /// session events.
    hints: Option<HintSender>,
    /// Wakes this process's notification worker after a commit that wrote outbox rows, and
    /// holds the coalescing window those writes use (shared by every clone).
    outbox: std::sync::Arc<OutboxHooks>,
    /// Ordinary steps written together (see `sessions::step_batch`).
    group_commit: std::sync::Arc<GroupCommit>,
    /// Answers and decisions just committed here, for the agents woken by them (see
    /// `resolved`); shared by every clone that shares the hint sink.
    resolved: std::sync::Arc<resolved::Resolved>,
    /// Questions and approvals asked through this process, for one-round-trip answers (see
    /// `input_specs`).
    input_specs: std::sync::Arc<input_specs::InputSpecs>,
    /// How people's answers and decisions were written (see `observing_resolutions`).
    pub(in crate::store) resolution_ways: std::sync::Arc<ResolutionWays>,
    /// Connections for hot single statements, kept beside the pool (see `kept`).
    kept: std::sync::Arc<kept::Kept>,
    /// Agents' periodic signs of life, written together (see `sessions::presence_refresh`).
    presence_refresh: std::sync::Arc<sessions::PresenceRefresh>,
}

/// See `Store::observing_resolutions`.
#[derive(Default)]
pub(in crate::store) struct ResolutionWays {
    one_statement: Counter,
    locking: Counter,
}

/// See `Store::outbox`.
pub struct OutboxHooks {
    pub wake: tokio::sync::Notify,
    /// Seconds; f64 bits, so the window can be set after the store exists.
    coalesce_secs: std::sync::atomic::AtomicU64,
    /// How long before a question's deadline DEADLINE_NEAR is due (at most; see
    /// `Locked::warn_before_deadline`), in seconds.
    deadline_warning_secs: std::sync::atomic::AtomicU64,
}

impl Default for OutboxHooks {
    fn default() -> Self {
        OutboxHooks {
            wake: tokio::sync::Notify::new(),
            coalesce_secs: std::sync::atomic::AtomicU64::new(60f64.to_bits()),
            deadline_warning_secs: std::sync::atomic::AtomicU64::new(300),
        }
    }
}

impl OutboxHooks {
    pub fn coalesce_secs(&self) -> f64 {
        f64::from_bits(
            self.coalesce_secs
                .load(std::sync::atomic::Ordering::Relaxed),
        )
    }
    pub fn set_coalesce_secs(&self, secs: f64) {
        self.coalesce_secs
            .store(secs.to_bits(), std::sync::atomic::Ordering::Relaxed);
    }
    pub fn deadline_warning(&self) -> chrono::Duration {
        let secs = self
            .deadline_warning_secs
            .load(std::sync::atomic::Ordering::Relaxed);
        chrono::Duration::seconds(secs.min(i64::MAX as u64) as i64)
    }
    pub fn set_deadline_warning_secs(&self, secs: u64) {
        self.deadline_warning_secs
            .store(secs, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Store {
    pub async fn connect(options: PgConnectOptions, max_connections: u32) -> DomainResult<Store> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            // No ping before every checkout: it costs a round trip per query on the hot path.
            // A connection that died surfaces as UNAVAILABLE on that call (clients retry) and
            // is dropped from the pool.
            .test_before_acquire(false)
            .acquire_timeout(std::time::Duration::from_secs(5))
            .connect_with(options)
            .await?;
        Ok(Store {
            pool,
            hints: None,
            outbox: Default::default(),
            group_commit: Default::default(),
            resolved: Default::default(),
            input_specs: Default::default(),
            resolution_ways: Default::default(),
            kept: Default::default(),
            presence_refresh: Default::default(),
        })
    }

    pub fn from_pool(pool: PgPool) -> Store {
        Store {
            pool,
            hints: None,
            outbox: Default::default(),
            group_commit: Default::default(),
            resolved: Default::default(),
            input_specs: Default::default(),
            resolution_ways: Default::default(),
            kept: Default::default(),
            presence_refresh: Default::default(),
        }
    }

    /// The same store, sending the feed hints of every commit to `sink` and waking its own
    /// notification worker (see [`OutboxHooks`]).
    pub fn with_hint_sink(&self, sink: HintSender) -> Store {
        Store {
            pool: self.pool.clone(),
            hints: Some(sink),
            // Each server's own: its commits wake its own worker.
            outbox: Default::default(),
            // Its batches send their hints to this sink.
            group_commit: Default::default(),
            // Its waiters are woken by this sink's hints.
            resolved: Default::default(),
            // What was asked is the same whichever sink announces it.
            input_specs: self.input_specs.clone(),
            resolution_ways: self.resolution_ways.clone(),
            // The same pool's.
            kept: self.kept.clone(),
            // Its statement sends no hints; a refresh that goes the locking way does, through
            // the store that asked for it.
            presence_refresh: self.presence_refresh.clone(),
        }
    }

    /// The same store, counting its group commits' batch sizes into `sizes` (a metric). Call
    /// before the first step is written: the batches of the store it replaces are not moved.
    pub fn observing_step_batches(
        mut self,
        sizes: prometheus_client::metrics::histogram::Histogram,
    ) -> Store {
        self.group_commit = std::sync::Arc::new(GroupCommit::observing(sizes));
        self
    }

    /// The same store, counting people's answers and decisions written in one statement and
    /// the general, locking way (metrics).
    pub fn observing_resolutions(mut self, (one_statement, locking): (Counter, Counter)) -> Store {
        self.resolution_ways = std::sync::Arc::new(ResolutionWays {
            one_statement,
            locking,
        });
        self
    }

    /// The same store, counting agents' presence refreshes written by a batch's statement and
    /// the locking way (metrics).
    pub fn observing_presence_refreshes(mut self, ways: (Counter, Counter)) -> Store {
        self.presence_refresh = std::sync::Arc::new(sessions::PresenceRefresh::observing(ways));
        self
    }

    /// The notification worker's wake-up and the coalescing window (see [`OutboxHooks`]).
    pub fn outbox(&self) -> &OutboxHooks {
        &self.outbox
    }

    /// Answers and decisions just committed by this store (see [`resolved`]).
    pub fn resolved(&self) -> &resolved::Resolved {
        &self.resolved
    }

    /// Questions and approvals asked through this process (see [`input_specs`]).
    fn input_specs(&self) -> &input_specs::InputSpecs {
        &self.input_specs
    }

    /// Called right after a commit: hints must never announce what is not yet visible.
    fn committed(&self, hints: impl IntoIterator<Item = FeedHint>) {
        if let Some(sink) = &self.hints {
            for hint in hints {
                // Only fails when the server is shutting down and nobody listens any more.
                let _ = sink.send(hint);
            }
        }
    }

    /// A connection of its own for the notifier (see [`HintConnection`]).
    pub async fn hint_connection(&self) -> DomainResult<HintConnection> {
        use sqlx::Connection;
        // Asynchronous commit for this connection only: a NOTIFY transaction then never waits
        // for a WAL flush (nor holds the cluster-wide notify lock through one). Losing a hint
        // in a crash loses nothing: the data it points to was committed, durably, by its
        // writer before the hint existed, and the periodic resync finds it.
        let options = (*self.pool.connect_options())
            .clone()
            .options([("synchronous_commit", "off")]);
        let conn = sqlx::PgConnection::connect_with(&options).await?;
        Ok(HintConnection { conn })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub async fn migrate(&self) -> DomainResult<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| crate::domain::DomainError::internal_from("migrations failed", e))
    }

    /// A cheap round trip, for the health check.
    pub async fn ping(&self) -> DomainResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// The notifier's connection: sends batches of feed hints to the other server processes with
/// `NOTIFY`, each in its own asynchronously committed transaction, so that no writer waits on
/// the notify lock and no hint waits on a disk flush.
pub struct HintConnection {
    conn: sqlx::PgConnection,
}

impl HintConnection {
    pub async fn notify(&mut self, payload: &str) -> DomainResult<()> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(NOTIFY_CHANNEL)
            .bind(payload)
            .execute(&mut self.conn)
            .await?;
        Ok(())
    }
}
