//! Postgres storage. Every query lives below this module; every function takes the caller's
//! user id and filters on it. Transactions that assign sequence numbers live in `sessions`.

mod accounts;
mod errors;
mod inbox;
mod reads;
mod rows;
mod sessions;
mod sweeps;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

pub use accounts::{ApiKeyAuth, NewApiKey, RefreshOutcome};
pub use errors::map_sqlx_error;
pub use reads::{AgentCursor, ApiKeyCursor, MessageDirection, SessionCursor, SessionFilter};
pub use sessions::{AnswerInput, EndOutcome, StartSession, StartedSession, StepResult};

use crate::domain::DomainResult;

/// The channel writers NOTIFY on. Payloads are wake-up hints only (ids and numbers, never
/// content): `m <session id> <seq>` for session messages, `i <user id> <cursor>` for inbox
/// events, `d <session id>` when a session is deleted.
pub const NOTIFY_CHANNEL: &str = "switchboard_feed";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Clone)]
pub struct Store {
    pool: PgPool,
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
            .await
            .map_err(map_sqlx_error)?;
        Ok(Store { pool })
    }

    pub fn from_pool(pool: PgPool) -> Store {
        Store { pool }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub async fn migrate(&self) -> DomainResult<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| crate::domain::DomainError::internal(format!("migrations failed: {e}")))
    }

    /// A cheap round trip, for the health check.
    pub async fn ping(&self) -> DomainResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(map_sqlx_error)?;
        Ok(())
    }
}
