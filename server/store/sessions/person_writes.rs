//! What a person writes to a session: answers, messages, stop requests, renames, deletes.

use chrono::{DateTime, Utc};

use super::{AnswerInput, Locked, now_micros};
use crate::domain::validate::check_choice;
use crate::domain::*;
use crate::store::{FeedHint, Store};

impl Store {
    /// Answers a question as a person (`Sender::User`) or as the deadline (`Sender::System`).
    pub async fn answer_question(
        &self,
        user_id: UserId,
        session_id: SessionId,
        question_id: QuestionId,
        input: AnswerInput,
        by: Sender,
    ) -> DomainResult<(Answer, i64)> {
        let mut tx = self.begin().await?;
        let mut locked =
            Locked::lock_for(&mut tx, user_id, session_id, input.request_id.as_deref()).await?;
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
            let who = match a.0.answered_by {
                Sender::System => "the deadline's default answer",
                _ => "you (from another device or tab)",
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
        check_choice(
            &q.options,
            q.choice_mode,
            q.allow_free_text,
            &input.option_ids,
            &input.text,
            "option_ids",
        )?;
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
        let mut locked = Locked::lock(&mut tx, caller.user_id, session_id).await?;
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
        user_id: UserId,
        session_id: SessionId,
        reason: &str,
    ) -> DomainResult<Session> {
        let mut tx = self.begin().await?;
        let mut locked = Locked::lock(&mut tx, user_id, session_id).await?;
        if locked.status.is_terminal() {
            return Err(DomainError::FailedPrecondition(format!(
                "the session is already {}",
                locked.status.name()
            )));
        }
        // Asked twice: the first request stands (its grace period is not restarted).
        if locked.status == SessionStatus::Stopping {
            drop(tx);
            return self.get_session(user_id, session_id).await;
        }
        let reason = if reason.is_empty() {
            "stop requested"
        } else {
            reason
        };
        locked
            .change_status(&mut tx, SessionStatus::Stopping, Sender::User, reason)
            .await?;
        sqlx::query("UPDATE sessions SET stop_requested_at = now() WHERE id = $1")
            .bind(locked.id)
            .execute(&mut *tx)
            .await?;
        locked.commit(self, tx, false).await?;
        self.get_session(user_id, session_id).await
    }

    pub async fn rename_session(
        &self,
        user_id: UserId,
        session_id: SessionId,
        name: &str,
    ) -> DomainResult<Session> {
        let mut tx = self.begin().await?;
        let mut locked = Locked::lock(&mut tx, user_id, session_id).await?;
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
        self.get_session(user_id, session_id).await
    }

    pub async fn delete_session(&self, user_id: UserId, session_id: SessionId) -> DomainResult<()> {
        let mut tx = self.begin().await?;
        let mut locked = Locked::lock(&mut tx, user_id, session_id).await?;
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
