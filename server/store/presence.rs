//! Dashboard presence shared between replicas (see `notify::presence`): rows of
//! `watch_presence`, each server's own, refreshed while its watchers live.

use std::time::Duration;

use uuid::Uuid;

use super::Store;
use crate::domain::{DomainResult, SessionId, UserId};

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

impl Store {
    /// Marks (or keeps marking) these people as watching these sessions on `server` for `ttl`.
    pub async fn mark_watching(
        &self,
        server: Uuid,
        watching: &[(UserId, SessionId)],
        ttl: Duration,
    ) -> DomainResult<()> {
        if watching.is_empty() {
            return Ok(());
        }
        let users: Vec<Uuid> = watching.iter().map(|(u, _)| u.0).collect();
        let sessions: Vec<Uuid> = watching.iter().map(|(_, s)| s.0).collect();
        sqlx::query(
            "INSERT INTO watch_presence (user_id, session_id, server_id, expires_at) \
             SELECT u, s, $3, now() + make_interval(secs => $4) FROM unnest($1::uuid[], $2::uuid[]) AS w(u, s) \
             ON CONFLICT (user_id, session_id, server_id) DO UPDATE SET expires_at = EXCLUDED.expires_at",
        )
        .bind(&users)
        .bind(&sessions)
        .bind(server)
        .bind(secs(ttl))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The person's last watch of the session on `server` ended.
    pub async fn unmark_watching(
        &self,
        server: Uuid,
        user: UserId,
        session: SessionId,
    ) -> DomainResult<()> {
        sqlx::query(
            "DELETE FROM watch_presence WHERE user_id = $1 AND session_id = $2 AND server_id = $3",
        )
        .bind(user.0)
        .bind(session.0)
        .bind(server)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Whether the person watches the session on any server (rows not yet lapsed).
    pub async fn watched_anywhere(&self, user: UserId, session: SessionId) -> DomainResult<bool> {
        Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM watch_presence \
             WHERE user_id = $1 AND session_id = $2 AND expires_at > now())",
        )
        .bind(user.0)
        .bind(session.0)
        .fetch_one(self.pool())
        .await?)
    }

    /// A server leaving takes its rows along, and everyone's long-lapsed rows go too.
    pub async fn clear_presence(&self, server: Option<Uuid>) -> DomainResult<()> {
        sqlx::query(
            "DELETE FROM watch_presence WHERE server_id = $1 OR expires_at < now() - interval '10 minutes'",
        )
        .bind(server)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
