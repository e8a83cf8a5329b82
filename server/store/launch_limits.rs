//! The launch limits the sweeper enforces (start deadline, inactivity, hard limit) and lost
//! runners. Every replica sweeps; each limit is applied once: the transaction that applies it
//! first sets `launches.limit_applied` with a conditional UPDATE, which a concurrent sweep of
//! another replica waits for and then finds already set.

use uuid::Uuid;

use super::Store;
use super::runners::{end_with, revoke_session_keys, state};
use super::sessions::Locked;
use crate::domain::*;

/// One limit that is due.
#[derive(Debug, Clone, Copy)]
pub struct DueLimit {
    pub project: ProjectId,
    pub session: SessionId,
    pub reason: StopReason,
}

/// The condition under which each limit applies, on `launches l` joined with `sessions s`
/// (`$9` is the runner-lost interval in milliseconds).
fn condition(reason: StopReason) -> &'static str {
    match reason {
        // Nobody started it in time (PENDING or STARTING = 8, 9: the agent never called in).
        StopReason::StartDeadline => {
            "l.state < 4 AND l.start_deadline_at <= now() AND s.status = ANY($2)"
        }
        StopReason::HardLimit => {
            "l.hard_limit_at <= now() AND s.status NOT IN (4, 5, 6) AND s.status <> $3"
        }
        StopReason::Inactivity => {
            "l.inactivity_ms IS NOT NULL AND s.last_activity_at <= now() - make_interval(secs => l.inactivity_ms / 1000.0) \
             AND s.status = ANY($4)"
        }
        // Its runner has not been seen for the limit (an open stream refreshes last_seen_at).
        StopReason::RunnerLost => {
            "l.state = 3 AND s.status NOT IN (4, 5, 6) AND EXISTS (SELECT 1 FROM runners r WHERE r.id = l.claimed_by \
             AND (r.last_seen_at IS NULL OR r.last_seen_at <= now() - make_interval(secs => $5 / 1000.0)))"
        }
        _ => "false",
    }
}

const REASONS: [StopReason; 4] = [
    StopReason::StartDeadline,
    StopReason::HardLimit,
    StopReason::Inactivity,
    StopReason::RunnerLost,
];

impl Store {
    /// Launched sessions past one of their limits (at most `limit` per kind).
    pub async fn due_launch_limits(
        &self,
        runner_lost_after: std::time::Duration,
        limit: i64,
    ) -> DomainResult<Vec<DueLimit>> {
        let mut out = Vec::new();
        for reason in REASONS {
            let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(&format!(
                "SELECT l.project_id, l.session_id FROM launches l JOIN sessions s ON s.id = l.session_id \
                 WHERE l.limit_applied IS NULL AND ({}) LIMIT $1",
                condition(reason)
            ))
            .bind(limit)
            .bind(not_started())
            .bind(SessionStatus::Stopping as i16)
            .bind(working())
            .bind(runner_lost_after.as_millis() as f64)
            .fetch_all(&self.pool)
            .await?;
            out.extend(rows.into_iter().map(|(p, s)| DueLimit {
                project: ProjectId(p),
                session: SessionId(s),
                reason,
            }));
        }
        Ok(out)
    }

    /// Applies one due limit, unless another sweep did or the session moved on. True when this
    /// call applied it.
    pub async fn apply_launch_limit(
        &self,
        due: DueLimit,
        runner_lost_after: std::time::Duration,
    ) -> DomainResult<bool> {
        let mut tx = self.begin().await?;
        // The conditional UPDATE: exactly one transaction, on one replica, gets the row (and
        // the launch row is locked before the session's, the store's lock order).
        let won: Option<i16> = sqlx::query_scalar(&format!(
            "UPDATE launches l SET limit_applied = $6 FROM sessions s \
             WHERE l.session_id = $1 AND s.id = l.session_id AND l.limit_applied IS NULL AND ({}) RETURNING l.state",
            condition(due.reason)
        ))
        .bind(due.session.0)
        .bind(not_started())
        .bind(SessionStatus::Stopping as i16)
        .bind(working())
        .bind(runner_lost_after.as_millis() as f64)
        .bind(due.reason as i16)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(launch_state) = won else {
            return Ok(false);
        };
        let mut locked = Locked::lock(&mut tx, due.project, due.session).await?;
        // The session may have moved on between that read and this lock (the agent called in,
        // or it ended): then nothing is applied (the transaction rolls back).
        let still_due = match due.reason {
            StopReason::StartDeadline => matches!(
                locked.status,
                SessionStatus::Pending | SessionStatus::Starting
            ),
            StopReason::RunnerLost => !locked.status.is_terminal(),
            _ => !locked.status.is_terminal() && locked.status != SessionStatus::Stopping,
        };
        if !still_due {
            return Ok(false);
        }
        let never_ran = launch_state == state::QUEUED;
        let (to, text) = match due.reason {
            StopReason::StartDeadline => (
                SessionStatus::Failed,
                // A runner's agent or a Kubernetes pod's: neither called in in time.
                "the agent did not start before the launch's start deadline",
            ),
            // (A session being stopped is STOPPED: nobody will stop it now.)
            StopReason::RunnerLost => (
                locked.status.after_end(false),
                "the session's runner was gone for longer than the server's limit",
            ),
            // A queued launch has no process to stop: it ends at once.
            StopReason::HardLimit if never_ran => (
                SessionStatus::Stopped,
                "the launch's hard time limit passed",
            ),
            StopReason::HardLimit => (
                SessionStatus::Stopping,
                "the launch's hard time limit passed",
            ),
            _ if never_ran => (
                SessionStatus::Stopped,
                "no activity for the launch's inactivity timeout",
            ),
            _ => (
                SessionStatus::Stopping,
                "no activity for the launch's inactivity timeout",
            ),
        };
        if to.is_terminal() {
            // A queued launch leaves the queue; a lost runner's launch is over; a claimed or
            // started one stays its runner's, which gets a stop and reports the exit.
            let launch_to = match (due.reason, launch_state) {
                (StopReason::RunnerLost, _) => Some(state::EXITED),
                (_, state::QUEUED) => Some(state::EXPIRED),
                _ => None,
            };
            if let Some(launch_to) = launch_to {
                sqlx::query("UPDATE launches SET state = $2 WHERE session_id = $1")
                    .bind(due.session.0)
                    .bind(launch_to)
                    .execute(&mut *tx)
                    .await?;
            }
            revoke_session_keys(&mut tx, due.session).await?;
        }
        end_with(&mut tx, &mut locked, to, due.reason, text).await?;
        locked.commit(self, tx, false).await?;
        tracing::info!(session_id = %due.session, reason = ?due.reason, "launch limit applied");
        Ok(true)
    }

    /// Queued launches whose session was stopped or ended before any runner took it (a person
    /// stopped a PENDING session): they leave the queue, and a STOPPING one becomes STOPPED.
    pub async fn withdraw_stopped_launches(&self, limit: i64) -> DomainResult<usize> {
        let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
            "SELECT l.project_id, l.session_id FROM launches l JOIN sessions s ON s.id = l.session_id \
             WHERE l.state = 1 AND (s.status = $1 OR s.status IN (4, 5, 6)) LIMIT $2",
        )
        .bind(SessionStatus::Stopping as i16)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut n = 0;
        for (project, session) in rows {
            let mut tx = self.begin().await?;
            let withdrawn =
                sqlx::query("UPDATE launches SET state = $2 WHERE session_id = $1 AND state = 1")
                    .bind(session)
                    .bind(state::EXPIRED)
                    .execute(&mut *tx)
                    .await?;
            if withdrawn.rows_affected() == 0 {
                continue;
            }
            let mut locked = Locked::lock(&mut tx, ProjectId(project), SessionId(session)).await?;
            if locked.status == SessionStatus::Stopping {
                end_with(
                    &mut tx,
                    &mut locked,
                    SessionStatus::Stopped,
                    StopReason::ByPerson,
                    "stopped before any runner started it",
                )
                .await?;
            }
            revoke_session_keys(&mut tx, SessionId(session)).await?;
            locked.commit(self, tx, false).await?;
            n += 1;
        }
        Ok(n)
    }
}

/// PENDING and STARTING.
fn not_started() -> Vec<i16> {
    vec![
        SessionStatus::Pending as i16,
        SessionStatus::Starting as i16,
    ]
}

/// Statuses in which a session can be idle: ACTIVE, AWAITING_INPUT, DISCONNECTED.
fn working() -> Vec<i16> {
    vec![
        SessionStatus::Active as i16,
        SessionStatus::AwaitingInput as i16,
        SessionStatus::Disconnected as i16,
    ]
}
