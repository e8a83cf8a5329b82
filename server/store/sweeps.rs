//! Queries for the background sweeper: due question and approval deadlines, expired stop grace periods and
//! silent agents. The sweeper then applies each through the normal write path.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Store;
use super::errors::map_sqlx_error;
use super::sessions::Locked;
use crate::domain::*;

impl Store {
    /// Open questions whose deadline has passed: (project, session, question, default answer).
    pub async fn due_questions(
        &self,
        limit: i64,
    ) -> DomainResult<Vec<(ProjectId, SessionId, Question)>> {
        let rows: Vec<(Uuid, Uuid, sqlx::types::Json<Question>)> = sqlx::query_as(
            "SELECT s.project_id, q.session_id, q.spec FROM questions q JOIN sessions s ON s.id = q.session_id \
             WHERE q.answered_at IS NULL AND q.deadline_at <= now() AND s.status NOT IN (4, 5, 6) \
             ORDER BY q.deadline_at LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(u, s, q)| (ProjectId(u), SessionId(s), q.0))
            .collect())
    }

    /// Open tool approvals whose deadline has passed: (project, session, approval).
    pub async fn due_approvals(
        &self,
        limit: i64,
    ) -> DomainResult<Vec<(ProjectId, SessionId, ToolApproval)>> {
        let rows: Vec<(Uuid, Uuid, sqlx::types::Json<ToolApproval>)> = sqlx::query_as(
            "SELECT s.project_id, p.session_id, p.spec FROM approvals p JOIN sessions s ON s.id = p.session_id \
             WHERE p.decided_at IS NULL AND p.deadline_at <= now() AND s.status NOT IN (4, 5, 6) \
             ORDER BY p.deadline_at LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(u, s, p)| (ProjectId(u), SessionId(s), p.0))
            .collect())
    }

    /// The earliest pending deadline, so the sweeper can sleep until then.
    pub async fn next_deadline(&self) -> DomainResult<Option<DateTime<Utc>>> {
        sqlx::query_scalar(
            "SELECT LEAST( \
               (SELECT min(q.deadline_at) FROM questions q JOIN sessions s ON s.id = q.session_id \
                WHERE q.answered_at IS NULL AND q.deadline_at IS NOT NULL AND s.status NOT IN (4, 5, 6)), \
               (SELECT min(p.deadline_at) FROM approvals p JOIN sessions s ON s.id = p.session_id \
                WHERE p.decided_at IS NULL AND p.deadline_at IS NOT NULL AND s.status NOT IN (4, 5, 6)))",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(map_sqlx_error)
    }

    /// STOPPING sessions whose grace period has run out.
    pub async fn expired_stops(
        &self,
        grace: std::time::Duration,
        limit: i64,
    ) -> DomainResult<Vec<(ProjectId, SessionId)>> {
        let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
            "SELECT project_id, id FROM sessions WHERE status = 3 AND stop_requested_at <= now() - $1::interval LIMIT $2",
        )
        .bind(interval(grace))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(u, s)| (ProjectId(u), SessionId(s)))
            .collect())
    }

    /// Live sessions whose agent has been silent for longer than `after`. The `seen_second`
    /// condition is implied by the exact one and lets the live index (which holds last-seen times
    /// to the second, migration `hot_session_updates`) skip the sessions heard from lately.
    pub async fn silent_sessions(
        &self,
        after: std::time::Duration,
        limit: i64,
    ) -> DomainResult<Vec<(ProjectId, SessionId, SessionStatus)>> {
        let rows: Vec<(Uuid, Uuid, i16)> = sqlx::query_as(
            "SELECT project_id, id, status FROM sessions WHERE status IN (1, 2) \
             AND seen_second <= date_trunc('second', (now() - $1::interval) AT TIME ZONE 'UTC') \
             AND last_seen_at <= now() - $1::interval LIMIT $2",
        )
        .bind(interval(after))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(u, s, st)| Ok((ProjectId(u), SessionId(s), SessionStatus::from_i16(st)?)))
            .collect()
    }
}

fn interval(d: std::time::Duration) -> String {
    format!("{} milliseconds", d.as_millis())
}

/// Transitions the system makes (deadlines, grace periods, disconnects), one session at a time.
impl Store {
    /// A system-driven status change (stop grace period, disconnect detection). `only_from`
    /// guards against races: nothing happens unless the session is still in that status.
    pub async fn system_transition(
        &self,
        project_id: ProjectId,
        session_id: SessionId,
        only_from: SessionStatus,
        to: SessionStatus,
        reason: &str,
        silent_for: Option<std::time::Duration>,
    ) -> DomainResult<bool> {
        let mut tx = self.begin().await?;
        let mut locked = Locked::lock(&mut tx, project_id, session_id).await?;
        if locked.status != only_from {
            return Ok(false);
        }
        if let Some(silence) = silent_for {
            // The agent may have made contact between the sweep's query and this lock.
            let silent: bool = sqlx::query_scalar(
                "SELECT last_seen_at <= now() - make_interval(secs => $2) FROM sessions WHERE id = $1",
            )
            .bind(locked.id)
            .bind(silence.as_secs_f64())
            .fetch_one(&mut *tx)
            .await?;
            if !silent {
                return Ok(false);
            }
        }
        locked
            .change_status(&mut tx, to, Sender::System, reason)
            .await?;
        if to.is_terminal() {
            sqlx::query("UPDATE sessions SET ended_at = now() WHERE id = $1")
                .bind(locked.id)
                .execute(&mut *tx)
                .await?;
        }
        locked.commit(self, tx, false).await?;
        Ok(true)
    }
}
