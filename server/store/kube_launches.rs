//! Kubernetes launches (issue 17): the launcher claims a queued launch (`FOR UPDATE SKIP
//! LOCKED`, held while it creates the Job, so two replicas never create two workloads for one
//! session), records the Job, and the watcher ends the launch from what the cluster reports.
//!
//! Lock order as in `runners.rs`: the `launches` row before the `sessions` row.

use uuid::Uuid;

use super::Store;
use super::runners::{end_with, mint_session_key, revoke_session_keys, state};
use super::sessions::{Locked, Tx};
use crate::domain::launch::{LaunchSpec, TARGET_KUBERNETES};
use crate::domain::*;

/// A launch claimed for its Job: the claim's transaction holds the row until `created` or
/// `failed` (dropping it rolls back and the launch stays queued for the next attempt).
pub struct KubeClaim {
    tx: Tx,
    key_id: Uuid,
    pub launch: KubeLaunch,
}

/// What the Job is made of.
pub struct KubeLaunch {
    pub session: SessionId,
    pub project: ProjectId,
    pub spec: LaunchSpec,
    pub resume: bool,
    /// The session's agent credential, minted by this claim (the Secret's content).
    pub agent_key: String,
    /// Seconds left until the hard limit (the Job's `activeDeadlineSeconds`).
    pub hard_limit_secs: Option<i64>,
    /// The session family's workspace (the first session's id; its continuations share it).
    pub workspace: SessionId,
}

/// How a Kubernetes launch ended, as the watcher saw it.
#[derive(Debug, Clone, PartialEq)]
pub enum KubeEnd {
    /// The container exited with this code (the last lines: the termination message).
    Exited { code: i32, lines: Vec<String> },
    /// The pod cannot start (the waiting reason or Unschedulable, with the cluster's message).
    StartFailed { lines: Vec<String> },
    /// The Job's `activeDeadlineSeconds` (the hard limit) passed.
    DeadlineExceeded,
    /// The Job is gone (deleted by a stop, or by someone else).
    Gone,
}

/// A Job to delete: (session, namespace, job name).
pub type KubeDeletion = (SessionId, String, String);

type ClaimRow = (
    Uuid,
    Uuid,
    sqlx::types::Json<LaunchSpec>,
    bool,
    Uuid,
    Option<i64>,
    Uuid,
);

impl Store {
    /// Claims the oldest queued Kubernetes launch no other replica holds, minting its agent
    /// credential. None when the queue is empty.
    pub async fn claim_kube_launch(&self) -> DomainResult<Option<KubeClaim>> {
        let mut tx = self.begin().await?;
        let row: Option<ClaimRow> = sqlx::query_as(
            "SELECT l.session_id, l.project_id, l.spec, l.resume, s.user_id, \
             CASE WHEN l.hard_limit_at IS NULL THEN NULL \
               ELSE GREATEST(1, ceil(EXTRACT(EPOCH FROM l.hard_limit_at - now())))::bigint END, \
             l.workspace_id \
             FROM launches l JOIN sessions s ON s.id = l.session_id \
             WHERE l.target = $1 AND l.state = 1 AND s.status NOT IN (3, 4, 5, 6) \
             ORDER BY l.created_at, l.session_id LIMIT 1 FOR UPDATE OF l SKIP LOCKED",
        )
        .bind(TARGET_KUBERNETES)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((session, project, spec, resume, creator, hard_limit_secs, workspace)) = row
        else {
            return Ok(None);
        };
        // The credential is committed on its own, before the Secret holding it exists: the pod
        // may start (and its agent call in) before the claim commits. The claim's row lock
        // still makes this replica the only one creating the workload; a claim that rolls back
        // leaves a credential no Secret holds, revoked by the next claim.
        let mut keys = self.begin().await?;
        revoke_session_keys(&mut keys, SessionId(session)).await?;
        let (key_id, agent_key) =
            mint_session_key(&mut keys, ProjectId(project), SessionId(session), creator).await?;
        keys.commit().await?;
        Ok(Some(KubeClaim {
            tx,
            key_id,
            launch: KubeLaunch {
                session: SessionId(session),
                project: ProjectId(project),
                spec: spec.0,
                resume,
                agent_key,
                hard_limit_secs,
                workspace: SessionId(workspace),
            },
        }))
    }

    /// The pod of a Kubernetes launch exists: a PENDING session becomes STARTING.
    pub async fn kube_pod_started(&self, session: SessionId) -> DomainResult<()> {
        let mut tx = self.begin().await?;
        let Some((project, _)) = lock_launch(&mut tx, session).await? else {
            return Ok(());
        };
        let mut locked = Locked::lock(&mut tx, project, session).await?;
        if locked.status != SessionStatus::Pending {
            return Ok(());
        }
        locked
            .change_status(
                &mut tx,
                SessionStatus::Starting,
                Sender::System,
                "the session's pod was created on Kubernetes",
            )
            .await?;
        locked.commit(self, tx, false).await
    }

    /// Ends a Kubernetes launch (idempotent): keeps the exit code and last lines, revokes the
    /// session's credential and ends a session still running for `end`'s reason. True when
    /// this call ended the launch.
    pub async fn kube_launch_ended(&self, session: SessionId, end: KubeEnd) -> DomainResult<bool> {
        let mut tx = self.begin().await?;
        let Some((project, launch_state)) = lock_launch(&mut tx, session).await? else {
            return Ok(false);
        };
        if launch_state != 3 {
            return Ok(false);
        }
        let mut locked = Locked::lock(&mut tx, project, session).await?;
        sqlx::query(
            "UPDATE launches SET state = $2, exited_at = COALESCE(exited_at, now()) WHERE session_id = $1",
        )
        .bind(session.0)
        .bind(state::EXITED)
        .execute(&mut *tx)
        .await?;
        let (code, lines) = match &end {
            KubeEnd::Exited { code, lines } => (Some(*code), lines.clone()),
            KubeEnd::StartFailed { lines } => (None, lines.clone()),
            KubeEnd::DeadlineExceeded | KubeEnd::Gone => (None, Vec::new()),
        };
        if code.is_some() || !lines.is_empty() {
            sqlx::query(
                "UPDATE sessions SET exit_code = COALESCE($2, exit_code), last_output_lines = $3 WHERE id = $1",
            )
            .bind(session.0)
            .bind(code)
            .bind(sqlx::types::Json(&lines))
            .execute(&mut *tx)
            .await?;
        }
        if !locked.status.is_terminal() {
            let (to, reason, text) = match &end {
                KubeEnd::Exited { code, .. } => (
                    locked.status.after_end(*code == 0),
                    StopReason::AgentExited,
                    format!("the agent's container exited with code {code}"),
                ),
                KubeEnd::StartFailed { lines } => (
                    SessionStatus::Failed,
                    StopReason::StartFailed,
                    format!(
                        "the session's pod cannot start: {}",
                        lines
                            .first()
                            .map(String::as_str)
                            .unwrap_or("unknown reason")
                    ),
                ),
                KubeEnd::DeadlineExceeded => (
                    locked.status.after_end(false),
                    StopReason::HardLimit,
                    "the Job's deadline (the launch's hard limit) passed".to_owned(),
                ),
                // A stop ends here: the Job is gone.
                KubeEnd::Gone if locked.status == SessionStatus::Stopping => (
                    SessionStatus::Stopped,
                    StopReason::ByPerson,
                    "the session's Job was deleted".to_owned(),
                ),
                KubeEnd::Gone => (
                    SessionStatus::Failed,
                    StopReason::RunnerLost,
                    "the session's Job disappeared from the cluster".to_owned(),
                ),
            };
            end_with(&mut tx, &mut locked, to, reason, &text).await?;
        }
        revoke_session_keys(&mut tx, session).await?;
        locked.commit(self, tx, false).await?;
        tracing::info!(session_id = %session, ?end, "kubernetes launch ended");
        Ok(true)
    }

    /// Jobs this server must delete: their session is being stopped, or was ended by the
    /// server (a limit, a start failure) while the Job may still run.
    pub async fn kube_deletions(&self, limit: i64) -> DomainResult<Vec<KubeDeletion>> {
        let rows: Vec<(Uuid, String, String)> = sqlx::query_as(
            "SELECT l.session_id, l.kube_namespace, l.kube_job FROM launches l JOIN sessions s ON s.id = l.session_id \
             WHERE l.target = $1 AND l.state IN (3, 4) AND l.kube_job IS NOT NULL AND l.kube_deleted_at IS NULL \
             AND (s.status = $2 OR (s.status IN (4, 5, 6) AND s.stop_reason IS NOT NULL AND s.stop_reason NOT IN ($3, $4))) \
             LIMIT $5",
        )
        .bind(TARGET_KUBERNETES)
        .bind(SessionStatus::Stopping as i16)
        .bind(StopReason::ByAgent as i16)
        .bind(StopReason::AgentExited as i16)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(s, ns, job)| (SessionId(s), ns, job))
            .collect())
    }

    /// The deletion of the session's Job was accepted (or it was gone already).
    pub async fn kube_deletion_sent(&self, session: SessionId) -> DomainResult<()> {
        sqlx::query("UPDATE launches SET kube_deleted_at = now() WHERE session_id = $1")
            .bind(session.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The database's clock: the watch's initial list is compared with launches started
    /// before it.
    pub async fn db_now(&self) -> DomainResult<chrono::DateTime<chrono::Utc>> {
        Ok(sqlx::query_scalar("SELECT now()")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Kubernetes launches that had a Job before `before` (the start of a full list of the
    /// cluster's Jobs) and are still running.
    pub async fn kube_running_before(
        &self,
        before: chrono::DateTime<chrono::Utc>,
    ) -> DomainResult<Vec<SessionId>> {
        let ids: Vec<Uuid> = sqlx::query_scalar(
            "SELECT session_id FROM launches WHERE target = $1 AND state = 3 AND started_at < $2",
        )
        .bind(TARGET_KUBERNETES)
        .bind(before)
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(SessionId).collect())
    }

    /// Of the sessions whose Jobs the cluster has, those that must not have one: no such
    /// launch (deleted session), a launch withdrawn before it started, or a queued launch
    /// whose session ended meanwhile. A queued launch of a live session keeps its Job: its
    /// next claim adopts it.
    pub async fn kube_orphans(&self, sessions: &[SessionId]) -> DomainResult<Vec<SessionId>> {
        let ids: Vec<Uuid> = sessions.iter().map(|s| s.0).collect();
        let orphans: Vec<Uuid> = sqlx::query_scalar(
            "SELECT listed.session_id FROM unnest($1::uuid[]) AS listed(session_id) WHERE NOT EXISTS ( \
               SELECT 1 FROM launches l JOIN sessions s ON s.id = l.session_id \
               WHERE l.session_id = listed.session_id AND l.target = $2 \
               AND (l.state IN (2, 3, 4) OR (l.state = 1 AND s.status NOT IN (3, 4, 5, 6))))",
        )
        .bind(&ids)
        .bind(TARGET_KUBERNETES)
        .fetch_all(&self.pool)
        .await?;
        Ok(orphans.into_iter().map(SessionId).collect())
    }
}

impl KubeClaim {
    /// The Job and its Secret exist: the launch is started (the claim's row lock ends).
    /// `started_at` is the commit's clock, not the transaction's start: a watch list that
    /// began before it may not contain the Job (see `kube_running_before`).
    pub async fn created(mut self, namespace: &str, job: &str) -> DomainResult<()> {
        sqlx::query(
            "UPDATE launches SET state = 3, started_at = clock_timestamp(), attempts = attempts + 1, agent_key_id = $2, \
             kube_namespace = $3, kube_job = $4 WHERE session_id = $1",
        )
        .bind(self.launch.session.0)
        .bind(self.key_id)
        .bind(namespace)
        .bind(job)
        .execute(&mut *self.tx)
        .await?;
        self.tx.commit().await?;
        Ok(())
    }

    /// The cluster refused the workload for good (a bad namespace, a quantity or a name it
    /// cannot accept): the session fails with the cluster's message.
    pub async fn failed(mut self, store: &Store, message: &str) -> DomainResult<()> {
        let session = self.launch.session;
        sqlx::query(
            "UPDATE launches SET state = $2, exited_at = now(), attempts = attempts + 1 WHERE session_id = $1",
        )
        .bind(session.0)
        .bind(state::EXITED)
        .execute(&mut *self.tx)
        .await?;
        let mut locked = Locked::lock(&mut self.tx, self.launch.project, session).await?;
        sqlx::query("UPDATE sessions SET last_output_lines = $2 WHERE id = $1")
            .bind(session.0)
            .bind(sqlx::types::Json([message]))
            .execute(&mut *self.tx)
            .await?;
        if !locked.status.is_terminal() {
            let text = format!("Kubernetes refused the session's Job: {message}");
            end_with(
                &mut self.tx,
                &mut locked,
                SessionStatus::Failed,
                StopReason::StartFailed,
                &text,
            )
            .await?;
        }
        revoke_session_keys(&mut self.tx, session).await?;
        locked.commit(store, self.tx, false).await
    }
}

/// Locks a Kubernetes launch's row: (project, launches.state), or None when the session has
/// no such launch.
async fn lock_launch(tx: &mut Tx, session: SessionId) -> DomainResult<Option<(ProjectId, i16)>> {
    let row: Option<(Uuid, i16)> = sqlx::query_as(
        "SELECT project_id, state FROM launches WHERE session_id = $1 AND target = $2 FOR UPDATE",
    )
    .bind(session.0)
    .bind(TARGET_KUBERNETES)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|(p, s)| (ProjectId(p), s)))
}
