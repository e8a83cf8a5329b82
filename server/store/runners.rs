//! Runners (issue 16): their credentials, and what a runner does through RunnerService: attach
//! (one open stream per runner, across replicas), claim queued launches (`FOR UPDATE SKIP
//! LOCKED`: each goes to exactly one runner), acknowledge them, report exits, detach (an
//! unacknowledged claim returns to the queue).
//!
//! Lock order: a transaction that locks both locks the `launches` row before the `sessions` row
//! (a claim holds launch rows when its agent key's foreign key touches the session), so two of
//! them can never wait for each other.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::access::require_project;
use super::audit::{self, AuditEvent};
use super::sessions::{Locked, Tx};
use super::{FeedHint, Store};
use crate::domain::launch::{Assignment, LaunchSpec, Runner, StopOrder};
use crate::domain::*;

/// The exit code a runner reports for a process whose exit it could not learn.
const UNKNOWN_EXIT: i32 = -1;

/// Runner credentials start with this (recognisable when leaked).
pub const RUNNER_SECRET_PREFIX: &str = "sb_runner_";

/// `launches.state` values bound as parameters (the SQL here spells 2 claimed and 3 started).
pub(in crate::store) mod state {
    pub const QUEUED: i16 = 1;
    pub const EXITED: i16 = 4;
    pub const EXPIRED: i16 = 5;
}

/// What a runner credential resolves to.
pub enum RunnerAuth {
    Valid(RunnerCaller),
    Unknown,
    Revoked,
}

/// What an Attach found: sessions the runner says it runs but must stop (ended meanwhile, or
/// not its own), and its started sessions it no longer has (reported lost).
pub struct Attached {
    pub stop: Vec<SessionId>,
    pub lost: Vec<SessionId>,
}

#[derive(sqlx::FromRow)]
struct RunnerRow {
    id: Uuid,
    project_id: Uuid,
    name: String,
    prefix: String,
    labels: sqlx::types::Json<BTreeMap<String, String>>,
    capacity: i32,
    online: bool,
    last_seen_at: Option<DateTime<Utc>>,
    running: i64,
    created_at: DateTime<Utc>,
    created_by: Uuid,
}

impl RunnerRow {
    fn into_domain(self) -> Runner {
        Runner {
            id: RunnerId(self.id),
            project_id: ProjectId(self.project_id),
            name: self.name,
            prefix: self.prefix,
            labels: self.labels.0,
            capacity: self.capacity,
            online: self.online,
            last_seen_at: self.last_seen_at,
            running: i32::try_from(self.running).unwrap_or(i32::MAX),
            created_at: self.created_at,
            created_by: UserId(self.created_by),
        }
    }
}

/// A claimed launch: session, spec, workspace, resume, the session's creator, the agent key of
/// an earlier claim.
type ClaimedRow = (
    Uuid,
    sqlx::types::Json<LaunchSpec>,
    Uuid,
    bool,
    Uuid,
    Option<Uuid>,
);

/// `$1` is the "online within" interval in milliseconds.
const RUNNER_COLUMNS: &str = "r.id, r.project_id, r.name, r.prefix, r.labels, r.capacity, \
    (r.attach_id IS NOT NULL AND r.last_seen_at > now() - make_interval(secs => $1 / 1000.0)) AS online, \
    r.last_seen_at, \
    (SELECT count(*) FROM launches l WHERE l.claimed_by = r.id AND l.state IN (2, 3)) AS running, \
    r.created_at, r.created_by";

impl Store {
    /// Creates a runner of `project` (ADMIN) with the credential whose hash is given.
    pub async fn create_runner(
        &self,
        caller: UserCaller,
        project: ProjectId,
        name: &str,
        prefix: &str,
        secret_hash: &[u8],
        online_within: std::time::Duration,
    ) -> DomainResult<Runner> {
        let mut tx = self.begin().await?;
        require_project(&mut tx, caller.user_id, project, Role::Admin).await?;
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO runners (id, project_id, name, prefix, secret_hash, created_by) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(project.0)
        .bind(name)
        .bind(prefix)
        .bind(secret_hash)
        .bind(caller.user_id.0)
        .execute(&mut *tx)
        .await?;
        let row: RunnerRow = sqlx::query_as(&format!(
            "SELECT {RUNNER_COLUMNS} FROM runners r WHERE r.id = $2"
        ))
        .bind(online_within.as_millis() as f64)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let details = serde_json::json!({ "runner_id": id, "name": name, "prefix": prefix });
        audit::record(
            &mut tx,
            AuditEvent::by(caller, project, AuditAction::RunnerCreated, details),
        )
        .await?;
        tx.commit().await?;
        Ok(row.into_domain())
    }

    /// The project's runners (VIEW), not revoked, by name, after `after` (name, id).
    pub async fn list_runners(
        &self,
        caller: UserCaller,
        project: ProjectId,
        after: Option<(String, Uuid)>,
        limit: i64,
        online_within: std::time::Duration,
    ) -> DomainResult<Page<Runner, (String, Uuid)>> {
        let mut conn = self.pool.acquire().await?;
        require_project(&mut conn, caller.user_id, project, Role::View).await?;
        let (after_name, after_id) = after.unzip();
        let rows: Vec<RunnerRow> = sqlx::query_as(&format!(
            "SELECT {RUNNER_COLUMNS} FROM runners r WHERE r.project_id = $2 AND r.revoked_at IS NULL \
             AND ($3::text IS NULL OR (lower(r.name), r.id) > (lower($3), $4)) \
             ORDER BY lower(r.name), r.id LIMIT $5"
        ))
        .bind(online_within.as_millis() as f64)
        .bind(project.0)
        .bind(after_name)
        .bind(after_id)
        .bind(limit + 1)
        .fetch_all(&mut *conn)
        .await?;
        let mut items: Vec<Runner> = rows.into_iter().map(RunnerRow::into_domain).collect();
        let next = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|r| (r.name.clone(), r.id.0))
        } else {
            None
        };
        Ok(Page { items, next })
    }

    /// Revokes a runner (ADMIN in its project; another project's runner is NOT_FOUND). Its open
    /// stream ends at its next keep-alive; its unacknowledged claims return to the queue.
    pub async fn revoke_runner(&self, caller: UserCaller, runner: RunnerId) -> DomainResult<()> {
        let mut tx = self.begin().await?;
        let row: Option<(Uuid, String)> =
            sqlx::query_as("SELECT project_id, name FROM runners WHERE id = $1")
                .bind(runner.0)
                .fetch_optional(&mut *tx)
                .await?;
        let (project, name) = row.ok_or(DomainError::NotFound("runner"))?;
        require_project(&mut tx, caller.user_id, ProjectId(project), Role::Admin)
            .await
            .map_err(|e| match e {
                DomainError::NotFound(_) => DomainError::NotFound("runner"),
                other => other,
            })?;
        sqlx::query(
            "UPDATE runners SET revoked_at = COALESCE(revoked_at, now()), attach_id = NULL WHERE id = $1",
        )
        .bind(runner.0)
        .execute(&mut *tx)
        .await?;
        let hints = requeue(&mut tx, "claimed_by = $1", runner.0).await?;
        let details = serde_json::json!({ "runner_id": runner.0, "name": name });
        audit::record(
            &mut tx,
            AuditEvent::by(
                caller,
                ProjectId(project),
                AuditAction::RunnerRevoked,
                details,
            ),
        )
        .await?;
        tx.commit().await?;
        self.committed(hints);
        Ok(())
    }

    pub async fn authenticate_runner(&self, secret_hash: &[u8]) -> DomainResult<RunnerAuth> {
        let row: Option<(Uuid, Uuid, Option<DateTime<Utc>>)> =
            sqlx::query_as("SELECT id, project_id, revoked_at FROM runners WHERE secret_hash = $1")
                .bind(secret_hash)
                .fetch_optional(&self.pool)
                .await?;
        Ok(match row {
            None => RunnerAuth::Unknown,
            Some((_, _, Some(_))) => RunnerAuth::Revoked,
            Some((id, project, None)) => RunnerAuth::Valid(RunnerCaller {
                runner_id: RunnerId(id),
                project_id: ProjectId(project),
            }),
        })
    }

    /// Makes `attach_id` the runner's one open stream. Its claims that were never acknowledged
    /// return to the queue (unless the runner runs them: then they count as started); its
    /// started sessions it no longer runs are reported lost by the caller (`end_launched`).
    pub async fn attach_runner(
        &self,
        runner: RunnerCaller,
        attach_id: Uuid,
        labels: &BTreeMap<String, String>,
        capacity: i32,
        running: &[SessionId],
    ) -> DomainResult<Attached> {
        let running: Vec<Uuid> = running.iter().map(|s| s.0).collect();
        let mut tx = self.begin().await?;
        let updated = sqlx::query(
            "UPDATE runners SET attach_id = $2, labels = $3, capacity = $4, last_seen_at = now() \
             WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(runner.runner_id.0)
        .bind(attach_id)
        .bind(sqlx::types::Json(labels))
        .bind(capacity)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(DomainError::Unauthenticated(
                "this runner credential was revoked".into(),
            ));
        }
        // Claims it acknowledged by running them.
        sqlx::query(
            "UPDATE launches SET state = 3, started_at = COALESCE(started_at, now()), claim_attach = $2 \
             WHERE claimed_by = $1 AND state IN (2, 3) AND session_id = ANY($3)",
        )
        .bind(runner.runner_id.0)
        .bind(attach_id)
        .bind(&running)
        .execute(&mut *tx)
        .await?;
        let hints = requeue(&mut tx, "claimed_by = $1 AND state = 2", runner.runner_id.0).await?;
        let lost: Vec<Uuid> = sqlx::query_scalar(
            "SELECT l.session_id FROM launches l JOIN sessions s ON s.id = l.session_id \
             WHERE l.claimed_by = $1 AND l.state = 3 AND NOT (l.session_id = ANY($2)) AND s.status NOT IN (4, 5, 6)",
        )
        .bind(runner.runner_id.0)
        .bind(&running)
        .fetch_all(&mut *tx)
        .await?;
        // What it runs but should not: not its launch, or a session that has ended.
        let mine_and_live: Vec<Uuid> = sqlx::query_scalar(
            "SELECT l.session_id FROM launches l JOIN sessions s ON s.id = l.session_id \
             WHERE l.claimed_by = $1 AND l.session_id = ANY($2) AND l.state = 3 AND s.status NOT IN (4, 5, 6)",
        )
        .bind(runner.runner_id.0)
        .bind(&running)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        self.committed(hints);
        let stop = running
            .iter()
            .filter(|id| !mine_and_live.contains(id))
            .map(|id| SessionId(*id))
            .collect();
        Ok(Attached {
            stop,
            lost: lost.into_iter().map(SessionId).collect(),
        })
    }

    /// Records that the stream `attach_id` is alive. False when it is no longer the runner's
    /// stream (a newer Attach replaced it, or the runner was revoked): the stream must end.
    pub async fn runner_alive(&self, runner: RunnerId, attach_id: Uuid) -> DomainResult<bool> {
        let r = sqlx::query(
            "UPDATE runners SET last_seen_at = now() WHERE id = $1 AND attach_id = $2 AND revoked_at IS NULL",
        )
        .bind(runner.0)
        .bind(attach_id)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// The stream `attach_id` ended: the runner is offline (unless a newer stream replaced it)
    /// and the claims sent on this stream that were never acknowledged return to the queue.
    pub async fn detach_runner(&self, runner: RunnerId, attach_id: Uuid) -> DomainResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE runners SET attach_id = NULL WHERE id = $1 AND attach_id = $2")
            .bind(runner.0)
            .bind(attach_id)
            .execute(&mut *tx)
            .await?;
        let hints = requeue(&mut tx, "claim_attach = $1 AND state = 2", attach_id).await?;
        tx.commit().await?;
        self.committed(hints);
        Ok(())
    }

    /// Claims up to the runner's free capacity of its project's queued launches that it may
    /// take, each for this stream only: `FOR UPDATE SKIP LOCKED`, so concurrent claimers (other
    /// runners, other replicas) never take the same launch. Mints each session's agent key.
    pub async fn claim_launches(
        &self,
        runner: RunnerCaller,
        attach_id: Uuid,
    ) -> DomainResult<Vec<Assignment>> {
        let mut tx = self.begin().await?;
        let room: Option<(i32, sqlx::types::Json<serde_json::Value>, i64)> = sqlx::query_as(
            "SELECT r.capacity, r.labels, \
             (SELECT count(*) FROM launches l WHERE l.claimed_by = r.id AND l.state IN (2, 3)) \
             FROM runners r WHERE r.id = $1 AND r.attach_id = $2 AND r.revoked_at IS NULL",
        )
        .bind(runner.runner_id.0)
        .bind(attach_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((capacity, labels, running)) = room else {
            return Ok(Vec::new());
        };
        let free = i64::from(capacity) - running;
        if free <= 0 {
            return Ok(Vec::new());
        }
        let claimed: Vec<ClaimedRow> =
            sqlx::query_as(
                "WITH picked AS ( \
                   SELECT l.session_id FROM launches l \
                   WHERE l.project_id = $1 AND l.state = 1 AND l.target = 1 \
                     AND (l.selector_runner IS NULL OR l.selector_runner = $2) \
                     AND $3::jsonb @> l.selector_labels \
                   ORDER BY l.created_at, l.session_id \
                   LIMIT $4 FOR UPDATE SKIP LOCKED) \
                 UPDATE launches l SET state = 2, claimed_by = $2, claim_attach = $5, attempts = l.attempts + 1 \
                 FROM picked, sessions s WHERE l.session_id = picked.session_id AND s.id = l.session_id \
                 RETURNING l.session_id, l.spec, l.workspace_id, l.resume, s.user_id, l.agent_key_id",
            )
            .bind(runner.project_id.0)
            .bind(runner.runner_id.0)
            .bind(&labels.0)
            .bind(free)
            .bind(attach_id)
            .fetch_all(&mut *tx)
            .await?;
        let mut out = Vec::with_capacity(claimed.len());
        for (session, spec, workspace, resume, creator, old_key) in claimed {
            let key =
                mint_session_key(&mut tx, runner.project_id, SessionId(session), creator).await?;
            if let Some(old) = old_key {
                revoke_key(&mut tx, old).await?;
            }
            sqlx::query("UPDATE launches SET agent_key_id = $2 WHERE session_id = $1")
                .bind(session)
                .bind(key.0)
                .execute(&mut *tx)
                .await?;
            out.push(Assignment {
                session_id: SessionId(session),
                spec: spec.0,
                agent_api_key: key.1,
                workspace_id: SessionId(workspace),
                resume,
            });
        }
        tx.commit().await?;
        Ok(out)
    }

    /// The runner started the agent process: the claim is acknowledged (the runner's for good)
    /// and a PENDING session becomes STARTING.
    pub async fn report_started(
        &self,
        runner: RunnerCaller,
        session: SessionId,
    ) -> DomainResult<()> {
        let mut tx = self.begin().await?;
        let mine: Option<i16> = sqlx::query_scalar(
            "UPDATE launches SET state = 3, started_at = COALESCE(started_at, now()) \
             WHERE session_id = $1 AND claimed_by = $2 AND project_id = $3 AND state IN (2, 3) RETURNING state",
        )
        .bind(session.0)
        .bind(runner.runner_id.0)
        .bind(runner.project_id.0)
        .fetch_optional(&mut *tx)
        .await?;
        if mine.is_none() {
            return Err(DomainError::NotFound("session"));
        }
        let mut locked = Locked::lock(&mut tx, runner.project_id, session).await?;
        sqlx::query("UPDATE sessions SET runner_id = $2 WHERE id = $1")
            .bind(session.0)
            .bind(runner.runner_id.0)
            .execute(&mut *tx)
            .await?;
        if locked.status == SessionStatus::Pending {
            locked
                .change_status(
                    &mut tx,
                    SessionStatus::Starting,
                    Sender::System,
                    "the runner started the agent",
                )
                .await?;
        }
        locked.commit(self, tx, false).await
    }

    /// The agent process exited: keeps the exit code and last lines, revokes the session's
    /// agent key, and ends a session that is still running (COMPLETED on 0, FAILED otherwise,
    /// STOPPED when a stop was requested). Idempotent.
    pub async fn report_exited(
        &self,
        runner: RunnerCaller,
        session: SessionId,
        exit_code: i32,
        last_lines: &[String],
    ) -> DomainResult<Session> {
        let mut tx = self.begin().await?;
        let known: Option<i16> = sqlx::query_scalar(
            "SELECT state FROM launches WHERE session_id = $1 AND claimed_by = $2 AND project_id = $3 FOR UPDATE",
        )
        .bind(session.0)
        .bind(runner.runner_id.0)
        .bind(runner.project_id.0)
        .fetch_optional(&mut *tx)
        .await?;
        if known.is_none() {
            return Err(DomainError::NotFound("session"));
        }
        let mut locked = Locked::lock(&mut tx, runner.project_id, session).await?;
        sqlx::query(
            "UPDATE launches SET state = 4, exited_at = COALESCE(exited_at, now()) WHERE session_id = $1",
        )
        .bind(session.0)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE sessions SET exit_code = $2, last_output_lines = $3 WHERE id = $1")
            .bind(session.0)
            .bind(exit_code)
            .bind(sqlx::types::Json(last_lines))
            .execute(&mut *tx)
            .await?;
        if !locked.status.is_terminal() {
            let to = locked.status.after_end(exit_code == 0);
            // -1: the runner lost the process (found it gone without its exit code).
            let (reason, text) = if exit_code == UNKNOWN_EXIT {
                (
                    StopReason::RunnerLost,
                    "the runner lost the agent process (it ended without an exit code)".to_owned(),
                )
            } else {
                (
                    StopReason::AgentExited,
                    format!("the agent process exited with code {exit_code}"),
                )
            };
            end_with(&mut tx, &mut locked, to, reason, &text).await?;
        }
        revoke_session_keys(&mut tx, session).await?;
        locked.commit(self, tx, false).await?;
        self.get_session(runner.project_id, session).await
    }

    /// The runner's sessions that need a stop order now: STOPPING, or ended by the server (a
    /// limit, a lost runner) while the runner may still run them. Sessions the agent ended
    /// itself are left to exit on their own.
    pub async fn runner_stops(&self, runner: RunnerId) -> DomainResult<Vec<StopOrder>> {
        let rows: Vec<(Uuid, i16, Option<i16>)> = sqlx::query_as(
            "SELECT l.session_id, s.status, s.stop_reason FROM launches l JOIN sessions s ON s.id = l.session_id \
             WHERE l.claimed_by = $1 AND l.state IN (2, 3)",
        )
        .bind(runner.0)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for (id, status, reason) in rows {
            let status = SessionStatus::from_i16(status)?;
            let reason = reason.map(StopReason::from_i16).transpose()?;
            let server_ended = status.is_terminal()
                && !matches!(
                    reason,
                    Some(StopReason::ByAgent) | Some(StopReason::AgentExited) | None
                );
            if status == SessionStatus::Stopping || server_ended {
                out.push(StopOrder {
                    session_id: SessionId(id),
                    reason: format!(
                        "the session is {}{}",
                        status.name(),
                        reason.map(|r| format!(" ({r:?})")).unwrap_or_default()
                    ),
                });
            }
        }
        Ok(out)
    }

    /// The runner's claimed and started sessions (what its stream follows for stops).
    pub async fn runner_sessions(&self, runner: RunnerId) -> DomainResult<Vec<SessionId>> {
        let ids: Vec<Uuid> = sqlx::query_scalar(
            "SELECT session_id FROM launches WHERE claimed_by = $1 AND state IN (2, 3)",
        )
        .bind(runner.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(SessionId).collect())
    }

    /// Ends a launched session for a reason of the server's (a lost runner), unless it ended
    /// already.
    pub async fn end_launched(
        &self,
        project: ProjectId,
        session: SessionId,
        reason: StopReason,
        text: &str,
    ) -> DomainResult<bool> {
        let mut tx = self.begin().await?;
        sqlx::query("SELECT 1 FROM launches WHERE session_id = $1 FOR UPDATE")
            .bind(session.0)
            .execute(&mut *tx)
            .await?;
        let mut locked = Locked::lock(&mut tx, project, session).await?;
        if locked.status.is_terminal() {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE launches SET state = 4, exited_at = COALESCE(exited_at, now()) WHERE session_id = $1",
        )
        .bind(session.0)
        .execute(&mut *tx)
        .await?;
        end_with(&mut tx, &mut locked, SessionStatus::Failed, reason, text).await?;
        revoke_session_keys(&mut tx, session).await?;
        locked.commit(self, tx, false).await?;
        Ok(true)
    }
}

/// Moves a locked session to `to` (terminal or STOPPING) for `reason`, recording why.
pub(in crate::store) async fn end_with(
    tx: &mut Tx,
    locked: &mut Locked,
    to: SessionStatus,
    reason: StopReason,
    text: &str,
) -> DomainResult<()> {
    locked.change_status(tx, to, Sender::System, text).await?;
    if to.is_terminal() {
        sqlx::query(
            "UPDATE sessions SET ended_at = COALESCE(ended_at, now()), stop_reason = COALESCE(stop_reason, $2) WHERE id = $1",
        )
        .bind(locked.id)
        .bind(reason as i16)
        .execute(&mut **tx)
        .await?;
    } else {
        sqlx::query(
            "UPDATE sessions SET stop_requested_at = now(), stop_reason = COALESCE(stop_reason, $2) WHERE id = $1",
        )
        .bind(locked.id)
        .bind(reason as i16)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Puts unacknowledged claims matching `filter` (with `$1` bound to `arg`) back in the queue,
/// revoking the agent keys minted for them; returns the runners' wake-up hints.
async fn requeue(tx: &mut Tx, filter: &str, arg: Uuid) -> DomainResult<Vec<FeedHint>> {
    let rows: Vec<(Uuid, i64, Option<Uuid>)> = sqlx::query_as(&format!(
        "UPDATE launches SET state = 1, claimed_by = NULL, claim_attach = NULL, \
         queue_seq = nextval(pg_get_serial_sequence('launches', 'queue_seq')) \
         WHERE {filter} AND state = 2 RETURNING project_id, queue_seq, agent_key_id"
    ))
    .bind(arg)
    .fetch_all(&mut **tx)
    .await?;
    let mut hints = Vec::new();
    for (project, seq, key) in rows {
        if let Some(key) = key {
            revoke_key(tx, key).await?;
        }
        hints.push(FeedHint::LaunchQueued {
            project_id: ProjectId(project),
            seq,
        });
    }
    Ok(hints)
}

/// An API key bound to one session, for its launched agent: (key id, secret).
pub(in crate::store) async fn mint_session_key(
    tx: &mut Tx,
    project: ProjectId,
    session: SessionId,
    creator: Uuid,
) -> DomainResult<(Uuid, String)> {
    let (secret, key) = crate::auth::secrets::mint_api_key(format!("launch {session}"), None);
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO api_keys (id, user_id, project_id, name, prefix, key_hash, session_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(creator)
    .bind(project.0)
    .bind(&key.name)
    .bind(&key.prefix)
    .bind(&key.hash)
    .bind(session.0)
    .execute(&mut **tx)
    .await?;
    Ok((id, secret))
}

async fn revoke_key(tx: &mut Tx, key: Uuid) -> DomainResult<()> {
    sqlx::query("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1")
        .bind(key)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(in crate::store) async fn revoke_session_keys(
    tx: &mut Tx,
    session: SessionId,
) -> DomainResult<()> {
    sqlx::query(
        "UPDATE api_keys SET revoked_at = now() WHERE session_id = $1 AND revoked_at IS NULL",
    )
    .bind(session.0)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
