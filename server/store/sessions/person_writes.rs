//! What a person writes to a session: answers, messages, stop requests, renames, deletes.

use chrono::{DateTime, Utc};

use super::{AnswerInput, Locked, now_micros};
use crate::domain::validate::check_answer;
use crate::domain::*;
use crate::store::access::{Actor, Scope};
use crate::store::audit::{self, AuditEvent};
use crate::store::resolved::Resolution;
use crate::store::{FeedHint, Store};

impl Store {
    /// Answers a question as a person (`Sender::User`, needs edit, audited) or as the deadline
    /// (`Sender::System`).
    pub async fn answer_question(
        &self,
        actor: Actor,
        session_id: SessionId,
        question_id: QuestionId,
        input: AnswerInput,
    ) -> DomainResult<(Answer, i64)> {
        self.answer_question_using(actor, session_id, question_id, input, None)
            .await
    }

    /// `answer_question`, marking the action token `token` (if any) used in the answer's own
    /// transaction: the answer and the token's use commit together or not at all.
    pub(in crate::store) async fn answer_question_using(
        &self,
        actor: Actor,
        session_id: SessionId,
        question_id: QuestionId,
        input: AnswerInput,
        token: Option<uuid::Uuid>,
    ) -> DomainResult<(Answer, i64)> {
        if let (Actor::Person(caller), None) = (actor, token)
            && let Some(done) = self
                .answer_in_one_statement(caller, session_id, question_id, &input)
                .await?
        {
            self.resolution_ways.one_statement.inc();
            return Ok(done);
        }
        if let Actor::Person(_) = actor {
            self.resolution_ways.locking.inc();
        }
        self.answer_locking(actor, session_id, question_id, input, token)
            .await
    }

    /// `answer_question` the general way only: every check and write in one locking
    /// transaction, whatever the case (`answer_question` first tries one statement, see
    /// `input_fast`). Both ways must write the same rows; the tests compare them through this.
    pub async fn answer_question_locking(
        &self,
        actor: Actor,
        session_id: SessionId,
        question_id: QuestionId,
        input: AnswerInput,
    ) -> DomainResult<(Answer, i64)> {
        self.answer_locking(actor, session_id, question_id, input, None)
            .await
    }

    async fn answer_locking(
        &self,
        actor: Actor,
        session_id: SessionId,
        question_id: QuestionId,
        input: AnswerInput,
        token: Option<uuid::Uuid>,
    ) -> DomainResult<(Answer, i64)> {
        let by = actor.sender();
        let mut tx = self.begin().await?;
        let mut locked = Locked::lock_for(
            &mut tx,
            actor.scope(Role::Edit),
            session_id,
            input.request_id.as_deref(),
        )
        .await?;
        if let Some(rid) = input.request_id.as_deref() {
            let replay = locked.replay(&mut tx, rid, |m| match m.body {
                MessageBody::Answer(a) if a.question_id == question_id => Some((a, m.seq)),
                _ => None,
            });
            if let Some(earlier) = replay.await? {
                return Ok(earlier);
            }
        }
        let row: Option<(
            sqlx::types::Json<Question>,
            Option<sqlx::types::Json<Answer>>,
        )> = sqlx::query_as(
            "SELECT spec, answer FROM questions WHERE id = $1 AND session_id = $2 FOR UPDATE",
        )
        .bind(question_id.0)
        .bind(locked.id)
        .fetch_optional(&mut *tx)
        .await?;
        let (question, existing) = row.ok_or(DomainError::NotFound("question"))?;
        if let Some(a) = existing {
            // Who answered, from the audit trail (a project has several people now).
            let by: Option<(uuid::Uuid, String)> = sqlx::query_as(
                "SELECT e.actor_id, u.email FROM audit_events e JOIN users u ON u.id = e.actor_id \
                 WHERE e.session_id = $1 AND e.action = $2 AND e.details->>'question_id' = $3 LIMIT 1",
            )
            .bind(locked.id)
            .bind(AuditAction::QuestionAnswered as i16)
            .bind(question_id.0.to_string())
            .fetch_optional(&mut *tx)
            .await?;
            let me = match actor {
                Actor::Person(c) => Some(c.user_id.0),
                Actor::System(_) => None,
            };
            let who = match (a.0.answered_by, by) {
                (Sender::System, _) => "the deadline's default answer".to_owned(),
                (_, Some((id, email))) if Some(id) != me => email,
                _ => "you (from another device or tab)".to_owned(),
            };
            return Err(DomainError::FailedPrecondition(format!(
                "this question was already answered by {who} at {}",
                a.0.answered_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )));
        }
        if locked.status.is_terminal() {
            return Err(DomainError::FailedPrecondition(format!(
                "the session is {}; its questions can no longer be answered",
                locked.status.name()
            )));
        }
        let q = question.0;
        check_answer(&q, &input.option_ids, &input.text)?;
        let answer = Answer {
            question_id,
            option_ids: input.option_ids,
            text: input.text,
            answered_by: by,
            answered_at: now_micros(),
        };
        let seq = locked
            .append(
                &mut tx,
                by,
                &MessageBody::Answer(answer.clone()),
                input.request_id.as_deref(),
                None,
            )
            .await?;
        sqlx::query(
            "UPDATE questions SET answered_at = $2, answer = $3, answer_seq = $4 WHERE id = $1",
        )
        .bind(question_id.0)
        .bind(answer.answered_at)
        .bind(sqlx::types::Json(&answer))
        .bind(seq)
        .execute(&mut *tx)
        .await?;
        locked.open_questions = (locked.open_questions - 1).max(0);
        if locked.open_inputs() == 0 && locked.status == SessionStatus::AwaitingInput {
            locked
                .change_status(
                    &mut tx,
                    SessionStatus::Active,
                    by,
                    "every question is answered",
                )
                .await?;
        }
        locked
            .inbox(
                &mut tx,
                InboxEventKind::QuestionAnswered,
                seq,
                Some((question_id, &q.text)),
            )
            .await?;
        if let Actor::Person(caller) = actor {
            let details = serde_json::json!({
                "question_id": question_id.0,
                "question": q.text,
                "option_ids": answer.option_ids,
                "text": answer.text,
                "seq": seq,
            });
            let event = AuditEvent::by(
                caller,
                ProjectId(locked.project_id),
                AuditAction::QuestionAnswered,
                details,
            );
            audit::record(&mut tx, event.on(session_id)).await?;
        }
        if let Some(token) = token {
            crate::store::action_tokens::mark_used(&mut tx, token).await?;
        }
        locked.resolution = Some(Resolution::Answer(question_id, answer.clone()));
        locked.commit(self, tx, false).await?;
        Ok((answer, seq))
    }

    pub async fn send_message(
        &self,
        caller: UserCaller,
        session_id: SessionId,
        text: String,
        request_id: Option<&str>,
    ) -> DomainResult<Message> {
        let mut tx = self.begin().await?;
        let scope = Scope::person(caller.user_id, Role::Edit);
        let mut locked = Locked::lock(&mut tx, scope, session_id).await?;
        if let Some(rid) = request_id {
            let replay = locked.replay(&mut tx, rid, |m| {
                matches!(m.body, MessageBody::UserMessage { .. }).then_some(m)
            });
            if let Some(earlier) = replay.await? {
                return Ok(earlier);
            }
        }
        if locked.status.is_terminal() {
            return Err(DomainError::FailedPrecondition(format!(
                "the session is {}; the agent can no longer receive messages",
                locked.status.name()
            )));
        }
        let body = MessageBody::UserMessage { text };
        let seq = locked
            .append(&mut tx, Sender::User, &body, request_id, None)
            .await?;
        let created_at: DateTime<Utc> = sqlx::query_scalar(
            "SELECT created_at FROM messages WHERE session_id = $1 AND seq = $2",
        )
        .bind(locked.id)
        .bind(seq)
        .fetch_one(&mut *tx)
        .await?;
        let MessageBody::UserMessage { text } = &body else {
            unreachable!("built above")
        };
        let details = serde_json::json!({ "text": text, "seq": seq });
        let event = AuditEvent::by(
            caller,
            ProjectId(locked.project_id),
            AuditAction::MessageSent,
            details,
        );
        audit::record(&mut tx, event.on(session_id)).await?;
        locked.commit(self, tx, false).await?;
        Ok(Message {
            session_id,
            seq,
            sender: Sender::User,
            created_at,
            body,
        })
    }

    /// Asks the agent to stop (STOPPING); idempotent while stopping.
    pub async fn request_stop(
        &self,
        caller: UserCaller,
        session_id: SessionId,
        reason: &str,
    ) -> DomainResult<Session> {
        let user_id = caller.user_id;
        let mut tx = self.begin().await?;
        let mut locked =
            Locked::lock(&mut tx, Scope::person(user_id, Role::Edit), session_id).await?;
        if locked.status.is_terminal() {
            return Err(DomainError::FailedPrecondition(format!(
                "the session is already {}",
                locked.status.name()
            )));
        }
        // Asked twice: the first request stands (its grace period is not restarted).
        if locked.status == SessionStatus::Stopping {
            drop(tx);
            return self
                .get_session(Scope::person(user_id, Role::View), session_id)
                .await;
        }
        let reason = if reason.is_empty() {
            "stop requested"
        } else {
            reason
        };
        locked
            .change_status(&mut tx, SessionStatus::Stopping, Sender::User, reason)
            .await?;
        sqlx::query(
            "UPDATE sessions SET stop_requested_at = now(), stop_reason = COALESCE(stop_reason, $2) WHERE id = $1",
        )
        .bind(locked.id)
        .bind(StopReason::ByPerson as i16)
            .execute(&mut *tx)
            .await?;
        let event = AuditEvent::by(
            caller,
            ProjectId(locked.project_id),
            AuditAction::SessionStopped,
            serde_json::json!({ "reason": reason }),
        );
        audit::record(&mut tx, event.on(session_id)).await?;
        locked.commit(self, tx, false).await?;
        self.get_session(ProjectId(locked.project_id), session_id)
            .await
    }

    pub async fn rename_session(
        &self,
        caller: UserCaller,
        session_id: SessionId,
        name: &str,
    ) -> DomainResult<Session> {
        let mut tx = self.begin().await?;
        let scope = Scope::person(caller.user_id, Role::Edit);
        let mut locked = Locked::lock(&mut tx, scope, session_id).await?;
        let event = AuditEvent::by(
            caller,
            ProjectId(locked.project_id),
            AuditAction::SessionRenamed,
            serde_json::json!({ "from": locked.name, "to": name }),
        );
        audit::record(&mut tx, event.on(session_id)).await?;
        sqlx::query("UPDATE sessions SET name = $2 WHERE id = $1")
            .bind(locked.id)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        locked.name = name.to_owned();
        locked
            .inbox(&mut tx, InboxEventKind::SessionRenamed, 0, None)
            .await?;
        locked.commit(self, tx, false).await?;
        self.get_session(ProjectId(locked.project_id), session_id)
            .await
    }

    pub async fn delete_session(
        &self,
        caller: UserCaller,
        session_id: SessionId,
    ) -> DomainResult<()> {
        let mut tx = self.begin().await?;
        let scope = Scope::person(caller.user_id, Role::Admin);
        let mut locked = Locked::lock(&mut tx, scope, session_id).await?;
        let event = AuditEvent::by(
            caller,
            ProjectId(locked.project_id),
            AuditAction::SessionDeleted,
            serde_json::json!({ "name": locked.name, "agent": locked.agent_name }),
        );
        audit::record(&mut tx, event.on(session_id)).await?;
        locked
            .inbox(&mut tx, InboxEventKind::SessionDeleted, 0, None)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(locked.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let deleted = FeedHint::Deleted {
            session_id: SessionId(locked.id),
        };
        self.committed(std::iter::once(deleted).chain(locked.hints()));
        Ok(())
    }
}
