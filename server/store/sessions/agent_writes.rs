//! What an agent writes: start or resume, steps, questions, acknowledgements, heartbeats, diff
//! and usage reports, the end.

use chrono::Utc;
use uuid::Uuid;

use super::step_batch::Outcome;
use super::{
    EndOutcome, Locked, StartSession, StartedSession, StepResult, now_micros, user_messages_between,
};
use crate::domain::diff::DiffCounts;
use crate::domain::validate::NewQuestion;
use crate::domain::*;
use crate::store::Store;
use crate::store::errors::{is_unique_violation, map_sqlx_error};
use crate::store::rows::StepMeta;

impl Store {
    pub async fn start_session(
        &self,
        caller: AgentCaller,
        cmd: StartSession,
    ) -> DomainResult<StartedSession> {
        let mut tx = self.begin().await?;
        // The key's project: agents and sessions are created and found there only.
        let project = caller.project_id;
        let retried: Option<Uuid> = sqlx::query_scalar(
            "SELECT id FROM sessions WHERE project_id = $1 AND start_request_id = $2",
        )
        .bind(project.0)
        .bind(&cmd.request_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = retried {
            drop(tx);
            let session = self.get_session(project, SessionId(id)).await?;
            return Ok(StartedSession {
                session,
                resumed: true,
            });
        }
        let (agent_id, agent_name): (Uuid, String) = sqlx::query_as(
            "INSERT INTO agents (id, user_id, project_id, name) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (project_id, lower(name)) DO UPDATE SET name = agents.name RETURNING id, name",
        )
        .bind(Uuid::new_v4())
        .bind(caller.user_id.0)
        .bind(project.0)
        .bind(&cmd.agent_name)
        .fetch_one(&mut *tx)
        .await?;

        if let Some(session_id) = cmd.session_id {
            // A given id only resumes: new sessions always get an id minted here (or by a
            // launch). Were a client-chosen id creatable, another tenant's id would be the one
            // id that could not be created, and the answer would reveal that it exists. Scoped
            // by user, another tenant's id is NOT_FOUND exactly like an id never used.
            let existing: Option<Uuid> = sqlx::query_scalar(
                "SELECT agent_id FROM sessions WHERE id = $1 AND project_id = $2",
            )
            .bind(session_id.0)
            .bind(project.0)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(owner_agent) = existing else {
                return Err(DomainError::NotFoundExplained(format!(
                    "no session {session_id} to resume; leave session_id empty to start a new \
                     session (a retried start with the same request_id returns the first one)"
                )));
            };
            if owner_agent != agent_id {
                return Err(DomainError::AlreadyExists(format!(
                    "session {session_id} belongs to another agent, not {agent_name:?}"
                )));
            }
            let mut locked = Locked::lock(&mut tx, project, session_id).await?;
            if locked.status.is_terminal() {
                return Err(DomainError::FailedPrecondition(format!(
                    "session {session_id} is {} and cannot be resumed; start a new session",
                    locked.status.name()
                )));
            }
            locked
                .agent_contact(&mut tx, "agent resumed the session")
                .await?;
            locked.commit(self, tx, true).await?;
            let session = self.get_session(project, session_id).await?;
            return Ok(StartedSession {
                session,
                resumed: true,
            });
        }

        let id = SessionId::new_random();
        let name = cmd
            .name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| format!("{agent_name} {}", Utc::now().format("%Y-%m-%d %H:%M")));
        let inserted = sqlx::query(
            "INSERT INTO sessions (id, user_id, project_id, agent_id, name, metadata, status, start_request_id) VALUES ($1, $2, $8, $3, $4, $5, $6, $7)",
        )
        .bind(id.0)
        .bind(caller.user_id.0)
        .bind(agent_id)
        .bind(&name)
        .bind(sqlx::types::Json(&cmd.metadata))
        .bind(SessionStatus::Active as i16)
        .bind(&cmd.request_id)
        .bind(project.0)
        .execute(&mut *tx)
        .await;
        if let Err(e) = inserted {
            return Err(if is_unique_violation(&e, "sessions_start_request_key") {
                DomainError::Unavailable(
                    "a concurrent start with the same request_id won; retry to resume it".into(),
                )
            } else {
                map_sqlx_error(e)
            });
        }
        let mut locked = Locked::lock(&mut tx, project, id).await?;
        locked
            .inbox(&mut tx, InboxEventKind::SessionStarted, 0, None)
            .await?;
        locked.commit(self, tx, true).await?;
        let session = self.get_session(project, id).await?;
        Ok(StartedSession {
            session,
            resumed: false,
        })
    }

    pub async fn log_step(
        &self,
        caller: AgentCaller,
        session_id: SessionId,
        text: String,
        request_id: &str,
    ) -> DomainResult<StepResult> {
        let body = MessageBody::Step { text };
        let batcher = self.group_commit.batcher(&self.pool, &self.hints);
        match batcher
            .write(&caller, session_id, &body, request_id)
            .await?
        {
            Outcome::Written(seq) => {
                return Ok(StepResult {
                    seq,
                    queued: Vec::new(),
                    status: SessionStatus::Active,
                });
            }
            // A key from the auth layer's cache is checked before the general path writes (and
            // a refused one is told why: revoked, expired, its session ended).
            Outcome::Slow if !caller.key_confirmed => {
                self.confirm_api_key(caller.api_key_id).await?
            }
            Outcome::Slow => {}
        }
        let mut tx = self.begin().await?;
        let mut locked =
            Locked::lock_for(&mut tx, caller.project_id, session_id, Some(request_id)).await?;
        if let Some((message, meta)) = locked.replayed(&mut tx, request_id).await? {
            if !matches!(message.body, MessageBody::Step { .. }) {
                return Err(DomainError::invalid(
                    "request_id",
                    "was already used for a different call in this session",
                ));
            }
            let read = StepMeta::from_stored(meta)?;
            let queued =
                user_messages_between(&mut tx, locked.id, read.read_after, read.read_through)
                    .await?;
            return Ok(StepResult {
                seq: message.seq,
                queued,
                status: locked.status,
            });
        }
        locked.status.ensure_writable()?;
        locked.agent_contact(&mut tx, "").await?;
        let read_after = locked.agent_read_seq;
        let queued = if locked.has_unread {
            user_messages_between(&mut tx, locked.id, read_after, i64::MAX).await?
        } else {
            Vec::new()
        };
        let read_through = queued.last().map(|m| m.seq).unwrap_or(read_after);
        locked.agent_read_seq = read_through;
        let meta = StepMeta {
            read_after,
            read_through,
        }
        .to_stored();
        let seq = locked
            .append(&mut tx, Sender::Agent, &body, Some(request_id), Some(meta))
            .await?;
        locked.commit(self, tx, true).await?;
        Ok(StepResult {
            seq,
            queued,
            status: locked.status,
        })
    }

    pub async fn ask_question(
        &self,
        caller: AgentCaller,
        session_id: SessionId,
        q: NewQuestion,
        request_id: &str,
    ) -> DomainResult<(Question, i64)> {
        let mut tx = self.begin().await?;
        let mut locked =
            Locked::lock_for(&mut tx, caller.project_id, session_id, Some(request_id)).await?;
        let replay = locked.replay(&mut tx, request_id, |m| match m.body {
            MessageBody::Question(q) => Some((q, m.seq)),
            _ => None,
        });
        if let Some(earlier) = replay.await? {
            return Ok(earlier);
        }
        locked.status.ensure_writable()?;
        let asked_at = now_micros();
        let question = Question {
            id: QuestionId::new_random(),
            text: q.text,
            options: q.options,
            choice_mode: q.choice_mode,
            allow_free_text: q.allow_free_text,
            deadline: q
                .timeout
                .map(|t| asked_at + chrono::Duration::from_std(t).unwrap_or_default()),
            default_option_ids: q.default_option_ids,
            default_text: q.default_text,
            answer: None,
        };
        let seq = locked
            .append(
                &mut tx,
                Sender::Agent,
                &MessageBody::Question(question.clone()),
                Some(request_id),
                None,
            )
            .await?;
        sqlx::query("INSERT INTO questions (id, session_id, seq, spec, deadline_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(question.id.0)
            .bind(locked.id)
            .bind(seq)
            .bind(sqlx::types::Json(&question))
            .bind(question.deadline)
            .execute(&mut *tx)
            .await?;
        locked.open_questions += 1;
        if locked.status != SessionStatus::Stopping {
            locked
                .change_status(&mut tx, SessionStatus::AwaitingInput, Sender::Agent, "")
                .await?;
        }
        locked
            .inbox(
                &mut tx,
                InboxEventKind::QuestionAsked,
                seq,
                Some((question.id, &question.text)),
            )
            .await?;
        locked.warn_before_deadline(&question, seq, asked_at, self.outbox().deadline_warning());
        locked.commit(self, tx, true).await?;
        self.input_specs()
            .keep_question(session_id, question.clone());
        Ok((question, seq))
    }

    /// A sign of life from the agent. Returns the status and the number of unread messages.
    pub async fn heartbeat(
        &self,
        caller: AgentCaller,
        session_id: SessionId,
    ) -> DomainResult<(SessionStatus, i32)> {
        let mut tx = self.begin().await?;
        let mut locked = Locked::lock(&mut tx, caller.project_id, session_id).await?;
        locked.status.ensure_writable()?;
        locked.agent_contact(&mut tx, "agent is back").await?;
        let unread: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM messages WHERE session_id = $1 AND seq > $2 AND kind = 4",
        )
        .bind(locked.id)
        .bind(locked.agent_read_seq)
        .fetch_one(&mut *tx)
        .await?;
        locked.commit(self, tx, true).await?;
        Ok((locked.status, unread as i32))
    }

    /// The agent has seen every user message up to `through_seq` (typically on its Subscribe
    /// stream), so LogStep does not hand them out again. Monotonic; one statement under the
    /// session row's lock, so it serialises with LogStep's read-position update. Returns the
    /// read position afterwards and the number of user messages still unread.
    pub async fn acknowledge_messages(
        &self,
        project_id: ProjectId,
        session_id: SessionId,
        through_seq: i64,
    ) -> DomainResult<(i64, i32)> {
        let row: Option<(i64, i64, i64)> = sqlx::query_as(
            "WITH acked AS ( \
               UPDATE sessions SET agent_read_seq = GREATEST(agent_read_seq, $3) \
               WHERE id = $1 AND project_id = $2 AND $3 <= last_seq \
               RETURNING id, agent_read_seq, last_seq) \
             SELECT a.agent_read_seq, a.last_seq, \
               (SELECT count(*) FROM messages u WHERE u.session_id = a.id AND u.seq > a.agent_read_seq AND u.kind = 4) \
             FROM acked a",
        )
        .bind(session_id.0)
        .bind(project_id.0)
        .bind(through_seq)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some((read_through, _, unread)) => Ok((read_through, unread as i32)),
            None => {
                // Either no such session in this project, or the position is beyond its end.
                let session = self.get_session(project_id, session_id).await?;
                Err(DomainError::invalid(
                    "through_seq",
                    format!(
                        "must not be beyond the session's newest sequence number ({})",
                        session.last_seq
                    ),
                ))
            }
        }
    }

    /// Marks the agent as seen without writing a message (open subscription, waiting call).
    /// A DISCONNECTED session comes back.
    pub async fn touch_session(
        &self,
        project_id: ProjectId,
        session_id: SessionId,
    ) -> DomainResult<()> {
        let mut tx = self.begin().await?;
        let mut locked = Locked::lock(&mut tx, project_id, session_id).await?;
        if locked.status.is_terminal() {
            return Ok(());
        }
        locked.agent_contact(&mut tx, "agent is back").await?;
        locked.commit(self, tx, true).await
    }

    pub async fn report_diff(
        &self,
        caller: AgentCaller,
        session_id: SessionId,
        diff: String,
        counts: DiffCounts,
        request_id: &str,
    ) -> DomainResult<(i64, DiffSummary)> {
        let mut tx = self.begin().await?;
        let mut locked =
            Locked::lock_for(&mut tx, caller.project_id, session_id, Some(request_id)).await?;
        let replay = locked.replay(&mut tx, request_id, |m| match m.body {
            MessageBody::DiffUpdate(summary) => Some((m.seq, summary)),
            _ => None,
        });
        if let Some(earlier) = replay.await? {
            return Ok(earlier);
        }
        locked.status.ensure_writable()?;
        locked.agent_contact(&mut tx, "").await?;
        let summary = DiffSummary {
            files_changed: counts.files_changed,
            additions: counts.additions,
            deletions: counts.deletions,
            updated_at: now_micros(),
        };
        sqlx::query(
            "UPDATE sessions SET diff = $2, diff_files = $3, diff_additions = $4, diff_deletions = $5, diff_updated_at = $6 WHERE id = $1",
        )
        .bind(locked.id)
        .bind(&diff)
        .bind(summary.files_changed)
        .bind(summary.additions)
        .bind(summary.deletions)
        .bind(summary.updated_at)
        .execute(&mut *tx)
        .await?;
        let seq = locked
            .append(
                &mut tx,
                Sender::Agent,
                &MessageBody::DiffUpdate(summary),
                Some(request_id),
                None,
            )
            .await?;
        locked.commit(self, tx, true).await?;
        Ok((seq, summary))
    }

    pub async fn report_usage(
        &self,
        caller: AgentCaller,
        session_id: SessionId,
        usage: Usage,
        request_id: &str,
    ) -> DomainResult<i64> {
        let mut tx = self.begin().await?;
        let mut locked =
            Locked::lock_for(&mut tx, caller.project_id, session_id, Some(request_id)).await?;
        let replay = locked.replay(&mut tx, request_id, |m| match m.body {
            MessageBody::UsageUpdate(_) => Some(m.seq),
            _ => None,
        });
        if let Some(seq) = replay.await? {
            return Ok(seq);
        }
        locked.status.ensure_writable()?;
        let previous: (i64, i64, i64) = sqlx::query_as(
            "SELECT input_tokens, output_tokens, cost_micros FROM sessions WHERE id = $1",
        )
        .bind(locked.id)
        .fetch_one(&mut *tx)
        .await?;
        for (field, new, old) in [
            ("usage.input_tokens", usage.input_tokens, previous.0),
            ("usage.output_tokens", usage.output_tokens, previous.1),
            ("usage.cost_micros", usage.cost_micros, previous.2),
        ] {
            if new < old {
                return Err(DomainError::invalid(
                    field,
                    format!("is a cumulative total and may not decrease (was {old}, got {new})"),
                ));
            }
        }
        locked.agent_contact(&mut tx, "").await?;
        sqlx::query("UPDATE sessions SET input_tokens = $2, output_tokens = $3, cost_micros = $4 WHERE id = $1")
            .bind(locked.id)
            .bind(usage.input_tokens)
            .bind(usage.output_tokens)
            .bind(usage.cost_micros)
            .execute(&mut *tx)
            .await?;
        let seq = locked
            .append(
                &mut tx,
                Sender::Agent,
                &MessageBody::UsageUpdate(usage),
                Some(request_id),
                None,
            )
            .await?;
        locked.commit(self, tx, true).await?;
        Ok(seq)
    }

    pub async fn end_session(
        &self,
        caller: AgentCaller,
        session_id: SessionId,
        outcome: EndOutcome,
        summary: &str,
        request_id: &str,
    ) -> DomainResult<Session> {
        let mut tx = self.begin().await?;
        let mut locked =
            Locked::lock_for(&mut tx, caller.project_id, session_id, Some(request_id)).await?;
        let replay = locked.replay(&mut tx, request_id, |m| {
            matches!(m.body, MessageBody::StatusChange { .. }).then_some(())
        });
        if replay.await?.is_some() {
            drop(tx);
            return self.get_session(caller.project_id, session_id).await;
        }
        locked.status.ensure_writable()?;
        let to = locked.status.after_end(outcome == EndOutcome::Completed);
        // The status message carries the request id, so a retried EndSession finds it.
        let from = locked.status;
        locked.status = to;
        locked.open_questions = 0;
        locked.open_approvals = 0;
        let body = MessageBody::StatusChange {
            from,
            to,
            reason: summary.to_owned(),
        };
        let seq = locked
            .append(&mut tx, Sender::Agent, &body, Some(request_id), None)
            .await?;
        locked
            .inbox(&mut tx, InboxEventKind::SessionEnded, seq, None)
            .await?;
        // A stop's reason stands (the person's, or a launch limit's); otherwise the agent ended it.
        sqlx::query(
            "UPDATE sessions SET ended_at = now(), summary = $2, stop_reason = COALESCE(stop_reason, $3) WHERE id = $1",
        )
        .bind(locked.id)
        .bind(summary)
        .bind(StopReason::ByAgent as i16)
            .execute(&mut *tx)
            .await?;
        locked.commit(self, tx, true).await?;
        self.get_session(caller.project_id, session_id).await
    }
}
