//! Launching sessions (issue 16), the people's side: a launch creates its session PENDING and
//! queues it for the project's runners; a continuation queues a new run of an ended launch on
//! the same runner, in the same workspace. Every launch is one row of `launches`, keyed by its
//! session; runners claim them in `runners.rs`.

use chrono::Utc;
use uuid::Uuid;

use super::errors::{is_unique_violation, map_sqlx_error};
use super::sessions::{Locked, Tx};
use super::{FeedHint, Store};
use crate::domain::launch::{LaunchSpec, LaunchTarget, RunnerSelector, TARGET_KUBERNETES};
use crate::domain::*;
use crate::store::access::{Scope, project_role, require_project};
use crate::store::audit::{self, AuditEvent};

/// A launch to insert (a new one, or a continuation).
struct NewLaunch<'a> {
    project: ProjectId,
    creator: UserCaller,
    agent_id: Uuid,
    spec: &'a LaunchSpec,
    target: &'a LaunchTarget,
    request_id: &'a str,
    parent: Option<SessionId>,
    workspace: Option<SessionId>,
}

impl Store {
    /// Launches a session in `project` (the caller needs EDIT). A retried request id returns
    /// the first launch's session.
    pub async fn launch_session(
        &self,
        caller: UserCaller,
        project: ProjectId,
        spec: LaunchSpec,
        target: LaunchTarget,
        request_id: &str,
    ) -> DomainResult<Session> {
        let mut tx = self.begin().await?;
        require_project(&mut tx, caller.user_id, project, Role::Edit).await?;
        if let Some(id) = launched_by_request(&mut tx, project, request_id).await? {
            drop(tx);
            return self.get_session(project, id).await;
        }
        if let LaunchTarget::Runner(RunnerSelector {
            runner_id: Some(runner),
            ..
        }) = &target
        {
            let known: Option<i32> = sqlx::query_scalar(
                "SELECT 1 FROM runners WHERE id = $1 AND project_id = $2 AND revoked_at IS NULL",
            )
            .bind(runner.0)
            .bind(project.0)
            .fetch_optional(&mut *tx)
            .await?;
            if known.is_none() {
                return Err(DomainError::NotFound("runner"));
            }
        }
        let (agent_id,): (Uuid,) = sqlx::query_as(
            "INSERT INTO agents (id, user_id, project_id, name) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (project_id, lower(name)) DO UPDATE SET name = agents.name RETURNING id",
        )
        .bind(Uuid::new_v4())
        .bind(caller.user_id.0)
        .bind(project.0)
        .bind(&spec.agent_name)
        .fetch_one(&mut *tx)
        .await?;
        let launch = NewLaunch {
            project,
            creator: caller,
            agent_id,
            spec: &spec,
            target: &target,
            request_id,
            parent: None,
            workspace: None,
        };
        let id = self.insert_launch(tx, launch).await?;
        tracing::info!(session_id = %id, "session launched");
        self.get_session(project, id).await
    }

    /// Queues a new run of the ended launched session `parent` on its runner, in its workspace,
    /// resuming the agent's conversation. `prompt` replaces the parent's when not empty.
    pub async fn continue_session(
        &self,
        caller: UserCaller,
        parent: SessionId,
        prompt: &str,
        request_id: &str,
    ) -> DomainResult<Session> {
        let mut tx = self.begin().await?;
        let locked =
            Locked::lock(&mut tx, Scope::person(caller.user_id, Role::Edit), parent).await?;
        let project = ProjectId(locked.project_id);
        // The new run is a new session of the project: a share of the old one is not enough.
        let member = project_role(&mut tx, caller.user_id, project).await?;
        if member.is_none_or(|r| r < Role::Edit) {
            return Err(DomainError::PermissionDenied(
                "continuing starts a new session in the project: this needs the edit role in the project (a session share is not enough)".into(),
            ));
        }
        if let Some(id) = launched_by_request(&mut tx, project, request_id).await? {
            drop(tx);
            return self.get_session(project, id).await;
        }
        if !locked.status.is_terminal() {
            return Err(DomainError::FailedPrecondition(format!(
                "the session is {}; only an ended session can be continued (stop it first)",
                locked.status.name()
            )));
        }
        let row: Option<(sqlx::types::Json<LaunchSpec>, Uuid, Option<Uuid>, i16)> =
            sqlx::query_as(
                "SELECT l.spec, l.workspace_id, s.runner_id, l.target FROM launches l JOIN sessions s ON s.id = l.session_id \
             WHERE l.session_id = $1",
            )
            .bind(parent.0)
            .fetch_optional(&mut *tx)
            .await?;
        let Some((spec, workspace, runner, target)) = row else {
            return Err(DomainError::FailedPrecondition(
                "this session was not launched (LaunchService): there is no workspace to continue in"
                    .into(),
            ));
        };
        // A Kubernetes launch continues as a new Job of the project; a runner's on its runner.
        let target = if target == TARGET_KUBERNETES {
            LaunchTarget::Kubernetes
        } else {
            let Some(runner) = runner else {
                return Err(DomainError::FailedPrecondition(
                    "this launch never reached a runner: there is no workspace to continue in; launch it again".into(),
                ));
            };
            LaunchTarget::Runner(RunnerSelector {
                runner_id: Some(RunnerId(runner)),
                labels: Default::default(),
            })
        };
        let mut spec = spec.0;
        if !prompt.trim().is_empty() {
            spec.prompt = prompt.to_owned();
        }
        let launch = NewLaunch {
            project,
            creator: caller,
            agent_id: locked.agent_id,
            spec: &spec,
            target: &target,
            request_id,
            parent: Some(parent),
            workspace: Some(SessionId(workspace)),
        };
        let id = self.insert_launch(tx, launch).await?;
        tracing::info!(session_id = %id, parent = %parent, "session continued");
        self.get_session(project, id).await
    }

    /// Inserts the PENDING session and its queued launch, records SESSION_STARTED, commits and
    /// wakes the project's runners.
    async fn insert_launch(&self, mut tx: Tx, l: NewLaunch<'_>) -> DomainResult<SessionId> {
        let id = SessionId::new_random();
        let spec = l.spec;
        sqlx::query(
            "INSERT INTO sessions (id, user_id, project_id, agent_id, name, metadata, status, parent_session_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.0)
        .bind(l.creator.user_id.0)
        .bind(l.project.0)
        .bind(l.agent_id)
        .bind(spec.display_name())
        .bind(sqlx::types::Json(serde_json::json!({ "launched": "true" })))
        .bind(SessionStatus::Pending as i16)
        .bind(l.parent.map(|p| p.0))
        .execute(&mut *tx)
        .await?;
        let now = Utc::now();
        let ms = |v: u64| chrono::Duration::milliseconds(i64::try_from(v).unwrap_or(i64::MAX));
        let selector = match l.target {
            LaunchTarget::Runner(s) => s.clone(),
            LaunchTarget::Kubernetes => RunnerSelector::default(),
        };
        let queued: Result<i64, sqlx::Error> = sqlx::query_scalar(
            "INSERT INTO launches (session_id, project_id, request_id, spec, selector_runner, selector_labels, \
             workspace_id, resume, start_deadline_at, inactivity_ms, hard_limit_at, target) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING queue_seq",
        )
        .bind(id.0)
        .bind(l.project.0)
        .bind(l.request_id)
        .bind(sqlx::types::Json(spec))
        .bind(selector.runner_id.map(|r| r.0))
        .bind(sqlx::types::Json(&selector.labels))
        .bind(l.workspace.unwrap_or(id).0)
        .bind(l.workspace.is_some())
        .bind(now + ms(spec.start_deadline_ms))
        .bind(spec.inactivity_ms.map(|v| i64::try_from(v).unwrap_or(i64::MAX)))
        .bind(spec.hard_limit_ms.map(|v| now + ms(v)))
        .bind(l.target.code())
        .fetch_one(&mut *tx)
        .await;
        let queue_seq = match queued {
            Ok(seq) => seq,
            Err(e) if is_unique_violation(&e, "launches_request_key") => {
                return Err(DomainError::Unavailable(
                    "a concurrent launch with the same request_id won; retry to get its session"
                        .into(),
                ));
            }
            Err(e) => return Err(map_sqlx_error(e)),
        };
        let mut locked = Locked::lock(&mut tx, l.project, id).await?;
        locked
            .inbox(&mut tx, InboxEventKind::SessionStarted, 0, None)
            .await?;
        let (action, details) = match l.parent {
            None => (
                AuditAction::SessionLaunched,
                serde_json::json!({
                    "agent": spec.agent_name,
                    "runner_id": selector.runner_id.map(|r| r.0),
                    "labels": selector.labels,
                    "target": match l.target {
                        LaunchTarget::Runner(_) => "runner",
                        LaunchTarget::Kubernetes => "kubernetes",
                    },
                }),
            ),
            Some(parent) => (
                AuditAction::SessionContinued,
                serde_json::json!({ "parent_session_id": parent.0 }),
            ),
        };
        let event = AuditEvent::by(l.creator, l.project, action, details);
        audit::record(&mut tx, event.on(id)).await?;
        locked.save(&mut tx, false).await?;
        tx.commit().await?;
        let queued = FeedHint::LaunchQueued {
            project_id: l.project,
            seq: queue_seq,
        };
        self.committed(locked.hints().chain(std::iter::once(queued)));
        Ok(id)
    }

    /// The highest queue mark of each project (a feed resync of the runners' wake-ups).
    pub async fn launch_queue_high_waters(
        &self,
        projects: &[ProjectId],
    ) -> DomainResult<Vec<(ProjectId, i64)>> {
        let ids: Vec<Uuid> = projects.iter().map(|p| p.0).collect();
        let rows: Vec<(Uuid, i64)> = sqlx::query_as(
            "SELECT project_id, max(queue_seq) FROM launches WHERE project_id = ANY($1) GROUP BY project_id",
        )
        .bind(&ids)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(p, seq)| (ProjectId(p), seq))
            .collect())
    }
}

async fn launched_by_request(
    tx: &mut Tx,
    project: ProjectId,
    request_id: &str,
) -> DomainResult<Option<SessionId>> {
    let id: Option<Uuid> = sqlx::query_scalar(
        "SELECT session_id FROM launches WHERE project_id = $1 AND request_id = $2",
    )
    .bind(project.0)
    .bind(request_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(id.map(SessionId))
}
