//! How much work waits in the server's queues, for the metrics: notifications due and not yet
//! delivered, launches no runner has taken. Two index-backed reads per scrape.

use super::Store;
use crate::domain::DomainError;

/// One queue's depth and the age of its oldest entry (0 when empty).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct QueueDepth {
    pub waiting: i64,
    pub oldest_seconds: f64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct QueueDepths {
    pub notifications: QueueDepth,
    pub launches: QueueDepth,
}

const NOTIFICATIONS: &str = "SELECT count(*), \
     COALESCE(EXTRACT(EPOCH FROM now() - min(due_at)), 0)::float8 \
     FROM notification_outbox WHERE state = 0 AND due_at <= now()";
// state 1: queued, waiting for a runner of the project to take it.
const LAUNCHES: &str = "SELECT count(*), \
     COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 \
     FROM launches WHERE state = 1";

impl Store {
    pub async fn queue_depths(&self) -> Result<QueueDepths, DomainError> {
        let read = |sql: &'static str| async move {
            let (waiting, oldest_seconds): (i64, f64) =
                sqlx::query_as(sql).fetch_one(self.pool()).await?;
            Ok::<_, DomainError>(QueueDepth {
                waiting,
                oldest_seconds,
            })
        };
        Ok(QueueDepths {
            notifications: read(NOTIFICATIONS).await?,
            launches: read(LAUNCHES).await?,
        })
    }
}
