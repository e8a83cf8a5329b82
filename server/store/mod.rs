//! Postgres storage. Every query lives below this module; every function takes its caller's
//! scope (an agent key's project, or a person checked by `access`) and filters on it. Transactions that assign sequence numbers live in `sessions`.

pub mod access;
mod accounts;
pub mod audit;
mod errors;
pub mod hints;
mod inbox;
mod launch_limits;
mod launches;
mod projects;
mod reads;
mod rows;
mod runners;
mod sessions;
mod sql_enums;
mod sweeps;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

pub use accounts::{ApiKeyAuth, NewApiKey, RefreshOutcome};
pub use errors::map_sqlx_error;
pub use launch_limits::DueLimit;
pub use projects::{InvitationRef, StoredInvitation, StoredMember, StoredProject, StoredShare};
pub use reads::{
    AgentCursor, ApiKeyCursor, MessageDirection, SessionCursor, SessionFilter, SessionSet,
};
pub use runners::{Attached, RUNNER_SECRET_PREFIX, RunnerAuth};
pub use sessions::{
    AnswerInput, ApprovalRef, Decided, Decider, EndOutcome, StartSession, StartedSession,
    StepResult,
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
        Ok(Store { pool, hints: None })
    }

    pub fn from_pool(pool: PgPool) -> Store {
        Store { pool, hints: None }
    }

    /// The same store, sending the feed hints of every commit to `sink`.
    pub fn with_hint_sink(&self, sink: HintSender) -> Store {
        Store {
            pool: self.pool.clone(),
            hints: Some(sink),
        }
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
