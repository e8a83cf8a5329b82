//! Writes to sessions. Each write is one transaction that locks the session row, bumps its
//! sequence number, inserts the message(s) and commits; then it hands the live feeds a wake-up
//! hint (`hints`). The row lock makes sequence order equal commit order, with no gaps.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use super::errors::{is_unique_violation, map_sqlx_error};
use super::rows::{MESSAGE_COLUMNS, MessageRow, SESSION_COLUMNS, SessionRow, messages};
use super::{FeedHint, Store};
use crate::domain::diff::DiffCounts;
use crate::domain::validate::{NewQuestion, check_choice};
use crate::domain::*;

type Tx = Transaction<'static, Postgres>;

// The unread-message queries spell MessageKind::UserMessage as the literal 4, so that Postgres
// can use the partial index `messages_user_messages_idx` (migration 2) in generic plans too.
const _: () = assert!(MessageKind::UserMessage as i16 == 4);

pub struct StartSession {
    pub session_id: Option<SessionId>,
    pub agent_name: String,
    pub name: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub request_id: String,
}

pub struct StartedSession {
    pub session: Session,
    pub resumed: bool,
}

pub struct StepResult {
    pub seq: i64,
    pub queued: Vec<Message>,
    pub status: SessionStatus,
}

pub struct AnswerInput {
    pub option_ids: Vec<String>,
    pub text: String,
    /// Makes a retried answer return the stored one instead of "already answered".
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndOutcome {
    Completed,
    Failed,
}

/// A session row locked for the length of a transaction, plus what the transaction changed.
struct Locked {
    id: Uuid,
    user_id: Uuid,
    agent_id: Uuid,
    agent_name: String,
    name: String,
    status: SessionStatus,
    last_seq: i64,
    agent_read_seq: i64,
    open_questions: i32,
    /// Seq of the message an earlier call with this transaction's request id wrote.
    replay_seq: Option<i64>,
    replay_checked: bool,
    has_unread: bool,
    notify_seq: bool,
    notify_inbox: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct LockedRow {
    id: Uuid,
    user_id: Uuid,
    agent_id: Uuid,
    agent_name: String,
    name: String,
    status: i16,
    last_seq: i64,
    agent_read_seq: i64,
    open_questions: i32,
    replay_seq: Option<i64>,
    has_unread: bool,
    /// The highest seq the statement's snapshot saw (see `Locked::lock_for`).
    snapshot_seq: i64,
}

impl Locked {
    async fn lock(tx: &mut Tx, user_id: UserId, session_id: SessionId) -> DomainResult<Locked> {
        Self::lock_for(tx, user_id, session_id, None).await
    }

    /// Locks the session row and, in the same round trip, learns whether `request_id` was
    /// already used in it and whether the agent has unread user messages (one query instead of
    /// three). Those two checks read the statement's snapshot, taken before the lock was granted:
    /// when the lock had to wait for another writer of this session, the row comes back as that
    /// writer left it but the checks did not see its messages (a retry racing its original
    /// would then insert its request id a second time). The highest seq the snapshot saw tells:
    /// below the row's `last_seq`, the checks run again, in a statement of their own.
    async fn lock_for(
        tx: &mut Tx,
        user_id: UserId,
        session_id: SessionId,
        request_id: Option<&str>,
    ) -> DomainResult<Locked> {
        let row: Option<LockedRow> = sqlx::query_as(
            "SELECT s.id, s.user_id, s.agent_id, a.name AS agent_name, s.name, s.status, s.last_seq, \
             s.agent_read_seq, s.open_questions, \
             (SELECT m.seq FROM messages m WHERE m.session_id = s.id AND m.request_id = $3) AS replay_seq, \
             EXISTS (SELECT 1 FROM messages u WHERE u.session_id = s.id AND u.seq > s.agent_read_seq AND u.kind = 4) AS has_unread, \
             (SELECT COALESCE(max(v.seq), 0) FROM messages v WHERE v.session_id = s.id) AS snapshot_seq \
             FROM sessions s JOIN agents a ON a.id = s.agent_id \
             WHERE s.id = $1 AND s.user_id = $2 FOR UPDATE OF s",
        )
        .bind(session_id.0)
        .bind(user_id.0)
        .bind(request_id)
        .fetch_optional(&mut **tx)
        .await?;
        let mut r = row.ok_or(DomainError::NotFound("session"))?;
        if r.snapshot_seq < r.last_seq {
            (r.replay_seq, r.has_unread) = sqlx::query_as(
                "SELECT (SELECT m.seq FROM messages m WHERE m.session_id = $1 AND m.request_id = $2), \
                 EXISTS (SELECT 1 FROM messages u WHERE u.session_id = $1 AND u.seq > $3 AND u.kind = 4)",
            )
            .bind(r.id)
            .bind(request_id)
            .bind(r.agent_read_seq)
            .fetch_one(&mut **tx)
            .await?;
        }
        Ok(Locked {
            id: r.id,
            user_id: r.user_id,
            agent_id: r.agent_id,
            agent_name: r.agent_name,
            name: r.name,
            status: SessionStatus::from_i16(r.status)?,
            last_seq: r.last_seq,
            agent_read_seq: r.agent_read_seq,
            open_questions: r.open_questions,
            replay_seq: r.replay_seq,
            replay_checked: request_id.is_some(),
            has_unread: r.has_unread,
            notify_seq: false,
            notify_inbox: None,
        })
    }

    /// The message an earlier call with this request id wrote, if any.
    async fn replayed(
        &self,
        tx: &mut Tx,
        request_id: &str,
    ) -> DomainResult<Option<(Message, Option<serde_json::Value>)>> {
        if self.replay_checked && self.replay_seq.is_none() {
            return Ok(None);
        }
        let row: Option<(MessageRow, Option<sqlx::types::Json<serde_json::Value>>)> = sqlx::query_as::<_, (Uuid, i64, i16, sqlx::types::Json<MessageBody>, DateTime<Utc>, Option<sqlx::types::Json<serde_json::Value>>)>(
            &format!("SELECT {MESSAGE_COLUMNS}, meta FROM messages WHERE session_id = $1 AND request_id = $2"),
        )
        .bind(self.id)
        .bind(request_id)
        .fetch_optional(&mut **tx)
        .await?
        .map(|(session_id, seq, sender, body, created_at, meta)| {
            (MessageRow { session_id, seq, sender, body, created_at }, meta)
        });
        match row {
            None => Ok(None),
            Some((m, meta)) => Ok(Some((m.into_domain()?, meta.map(|j| j.0)))),
        }
    }

    async fn append(
        &mut self,
        tx: &mut Tx,
        sender: Sender,
        body: &MessageBody,
        request_id: Option<&str>,
        meta: Option<serde_json::Value>,
    ) -> DomainResult<i64> {
        self.last_seq += 1;
        sqlx::query(
            "INSERT INTO messages (session_id, seq, sender, kind, body, request_id, meta) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(self.id)
        .bind(self.last_seq)
        .bind(sender as i16)
        .bind(body.kind() as i16)
        .bind(sqlx::types::Json(body))
        .bind(request_id)
        .bind(meta.map(sqlx::types::Json))
        .execute(&mut **tx)
        .await?;
        self.notify_seq = true;
        Ok(self.last_seq)
    }

    /// Moves to `to` (if different), recording a status message and an inbox event.
    async fn change_status(
        &mut self,
        tx: &mut Tx,
        to: SessionStatus,
        sender: Sender,
        reason: &str,
    ) -> DomainResult<()> {
        if to == self.status {
            return Ok(());
        }
        let from = self.status;
        self.status = to;
        if to.is_terminal() {
            // Nobody can answer them any more: a finished session has no open questions.
            self.open_questions = 0;
        }
        let body = MessageBody::StatusChange {
            from,
            to,
            reason: reason.to_owned(),
        };
        let seq = self.append(tx, sender, &body, None, None).await?;
        let kind = if to.is_terminal() {
            InboxEventKind::SessionEnded
        } else {
            InboxEventKind::StatusChanged
        };
        self.inbox(tx, kind, seq, None).await
    }

    async fn inbox(
        &mut self,
        tx: &mut Tx,
        kind: InboxEventKind,
        seq: i64,
        question: Option<(QuestionId, &str)>,
    ) -> DomainResult<()> {
        let event = InboxEvent {
            // Assigned by `inbox::append`.
            cursor: 0,
            kind,
            session_id: SessionId(self.id),
            agent_id: AgentId(self.agent_id),
            agent_name: self.agent_name.clone(),
            session_name: self.name.clone(),
            status: self.status,
            seq,
            question_id: question.map(|q| q.0),
            question_text: question.map(|q| shorten(q.1, 280)).unwrap_or_default(),
            open_question_count: self.open_questions,
            created_at: now_micros(),
        };
        let cursor = super::inbox::append(tx, UserId(self.user_id), &event).await?;
        self.notify_inbox = Some(cursor);
        Ok(())
    }

    /// The agent showed a sign of life: a disconnect is over; stops and open questions stay.
    async fn agent_contact(&mut self, tx: &mut Tx, reason: &str) -> DomainResult<()> {
        let to = self.status.after_agent_contact(self.open_questions);
        self.change_status(tx, to, Sender::Agent, reason).await
    }

    /// Saves the session row, commits, then hands the feeds their wake-up hints.
    async fn commit(&self, store: &Store, mut tx: Tx, agent_contact: bool) -> DomainResult<()> {
        self.save(&mut tx, agent_contact).await?;
        tx.commit().await?;
        store.committed(self.hints());
        Ok(())
    }

    /// What this transaction's watchers need to hear about.
    fn hints(&self) -> impl Iterator<Item = FeedHint> + use<> {
        let message = self.notify_seq.then_some(FeedHint::Message {
            session_id: SessionId(self.id),
            seq: self.last_seq,
        });
        let inbox = self.notify_inbox.map(|cursor| FeedHint::Inbox {
            user_id: UserId(self.user_id),
            cursor,
        });
        message.into_iter().chain(inbox)
    }

    /// Writes the counters back.
    async fn save(&self, tx: &mut Tx, agent_contact: bool) -> DomainResult<()> {
        sqlx::query(
            "UPDATE sessions SET status = $2, last_seq = $3, agent_read_seq = $4, open_questions = $5, \
             last_activity_at = CASE WHEN $6 THEN now() ELSE last_activity_at END, \
             last_seen_at = CASE WHEN $7 THEN now() ELSE last_seen_at END WHERE id = $1",
        )
        .bind(self.id)
        .bind(self.status as i16)
        .bind(self.last_seq)
        .bind(self.agent_read_seq)
        .bind(self.open_questions)
        .bind(self.notify_seq)
        .bind(agent_contact)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

fn now_micros() -> DateTime<Utc> {
    use chrono::SubsecRound;
    Utc::now().trunc_subsecs(6)
}

fn shorten(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(max_chars - 1).collect();
    s.push('…');
    s
}

impl Store {
    async fn begin(&self) -> DomainResult<Tx> {
        self.pool.begin().await.map_err(map_sqlx_error)
    }

    pub async fn start_session(
        &self,
        caller: AgentCaller,
        cmd: StartSession,
    ) -> DomainResult<StartedSession> {
        let mut tx = self.begin().await?;
        let user_id = caller.user_id;
        let retried: Option<Uuid> = sqlx::query_scalar(
            "SELECT id FROM sessions WHERE user_id = $1 AND start_request_id = $2",
        )
        .bind(user_id.0)
        .bind(&cmd.request_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = retried {
            drop(tx);
            let session = self.get_session(user_id, SessionId(id)).await?;
            return Ok(StartedSession {
                session,
                resumed: true,
            });
        }
        let (agent_id, agent_name): (Uuid, String) = sqlx::query_as(
            "INSERT INTO agents (id, user_id, name) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, lower(name)) DO UPDATE SET name = agents.name RETURNING id, name",
        )
        .bind(Uuid::new_v4())
        .bind(user_id.0)
        .bind(&cmd.agent_name)
        .fetch_one(&mut *tx)
        .await?;

        if let Some(session_id) = cmd.session_id {
            // A given id only resumes: new sessions always get an id minted here (or by a
            // launch). Were a client-chosen id creatable, another tenant's id would be the one
            // id that could not be created, and the answer would reveal that it exists. Scoped
            // by user, another tenant's id is NOT_FOUND exactly like an id never used.
            let existing: Option<Uuid> =
                sqlx::query_scalar("SELECT agent_id FROM sessions WHERE id = $1 AND user_id = $2")
                    .bind(session_id.0)
                    .bind(user_id.0)
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
            let mut locked = Locked::lock(&mut tx, user_id, session_id).await?;
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
            let session = self.get_session(user_id, session_id).await?;
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
            "INSERT INTO sessions (id, user_id, agent_id, name, metadata, status, start_request_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.0)
        .bind(user_id.0)
        .bind(agent_id)
        .bind(&name)
        .bind(sqlx::types::Json(&cmd.metadata))
        .bind(SessionStatus::Active as i16)
        .bind(&cmd.request_id)
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
        let mut locked = Locked::lock(&mut tx, user_id, id).await?;
        locked
            .inbox(&mut tx, InboxEventKind::SessionStarted, 0, None)
            .await?;
        locked.commit(self, tx, true).await?;
        let session = self.get_session(user_id, id).await?;
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
        if let Some(seq) = self
            .log_step_fast(caller.user_id, session_id, &body, request_id)
            .await?
        {
            return Ok(StepResult {
                seq,
                queued: Vec::new(),
                status: SessionStatus::Active,
            });
        }
        let mut tx = self.begin().await?;
        let mut locked =
            Locked::lock_for(&mut tx, caller.user_id, session_id, Some(request_id)).await?;
        if let Some((message, meta)) = locked.replayed(&mut tx, request_id).await? {
            let (after, through) = meta
                .map(|m| {
                    (
                        m["read_after"].as_i64().unwrap_or(0),
                        m["read_through"].as_i64().unwrap_or(0),
                    )
                })
                .unwrap_or((0, 0));
            let queued = user_messages_between(&mut tx, locked.id, after, through).await?;
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
        let meta = serde_json::json!({ "read_after": read_after, "read_through": read_through });
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

    /// The step of an ACTIVE session with nothing for the agent to read and a new request id
    /// (nearly every step) as one autocommitted statement: one round trip instead of five
    /// (BEGIN, lock, INSERT, UPDATE, COMMIT), the same rows as the general path below.
    /// `None` when the step needs that path: the session is missing, not ACTIVE, has open
    /// questions or unread user messages, or the request id was used (a retry, possibly racing
    /// its original: then the INSERT hits the unique index, and the statement writes nothing).
    /// A user message committed while this statement waits for the row lock may be missed by its
    /// unread check: the agent's read position does not move here, so the next step returns it.
    async fn log_step_fast(
        &self,
        user_id: UserId,
        session_id: SessionId,
        body: &MessageBody,
        request_id: &str,
    ) -> DomainResult<Option<i64>> {
        let inserted: Result<Option<i64>, sqlx::Error> = sqlx::query_scalar(
            "WITH s AS ( \
               UPDATE sessions SET last_seq = last_seq + 1, last_activity_at = now(), last_seen_at = now() \
               WHERE id = $1 AND user_id = $2 AND status = $3 AND open_questions = 0 \
                 AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.session_id = $1 AND m.request_id = $4) \
                 AND NOT EXISTS (SELECT 1 FROM messages u WHERE u.session_id = $1 AND u.seq > sessions.agent_read_seq AND u.kind = 4) \
               RETURNING id, last_seq, agent_read_seq) \
             INSERT INTO messages (session_id, seq, sender, kind, body, request_id, meta) \
             SELECT s.id, s.last_seq, $5, $6, $7, $4, \
                    jsonb_build_object('read_after', s.agent_read_seq, 'read_through', s.agent_read_seq) \
             FROM s RETURNING seq",
        )
        .bind(session_id.0)
        .bind(user_id.0)
        .bind(SessionStatus::Active as i16)
        .bind(request_id)
        .bind(Sender::Agent as i16)
        .bind(body.kind() as i16)
        .bind(sqlx::types::Json(body))
        .fetch_optional(&self.pool)
        .await;
        let seq = match inserted {
            Ok(seq) => seq,
            Err(e) if is_unique_violation(&e, "messages_request_id_key") => None,
            Err(e) => return Err(map_sqlx_error(e)),
        };
        if let Some(seq) = seq {
            self.committed([FeedHint::Message { session_id, seq }]);
        }
        Ok(seq)
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
            Locked::lock_for(&mut tx, caller.user_id, session_id, Some(request_id)).await?;
        if let Some((message, _)) = locked.replayed(&mut tx, request_id).await? {
            if let MessageBody::Question(q) = message.body {
                return Ok((q, message.seq));
            }
            return Err(DomainError::invalid(
                "request_id",
                "was already used for a different kind of call in this session",
            ));
        }
        locked.status.ensure_writable()?;
        let question = Question {
            id: QuestionId::new_random(),
            text: q.text,
            options: q.options,
            choice_mode: q.choice_mode,
            allow_free_text: q.allow_free_text,
            deadline: q
                .timeout
                .map(|t| now_micros() + chrono::Duration::from_std(t).unwrap_or_default()),
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
        locked.commit(self, tx, true).await?;
        Ok((question, seq))
    }

    /// The question's answer, if any (`Ok(None)` while open).
    pub async fn question_answer(
        &self,
        user_id: UserId,
        session_id: SessionId,
        question_id: QuestionId,
    ) -> DomainResult<(Option<Answer>, SessionStatus)> {
        let row: Option<(Option<sqlx::types::Json<Answer>>, i16)> = sqlx::query_as(
            "SELECT q.answer, s.status FROM questions q JOIN sessions s ON s.id = q.session_id \
             WHERE q.id = $1 AND q.session_id = $2 AND s.user_id = $3",
        )
        .bind(question_id.0)
        .bind(session_id.0)
        .bind(user_id.0)
        .fetch_optional(&self.pool)
        .await?;
        let (answer, status) = row.ok_or(DomainError::NotFound("question"))?;
        Ok((answer.map(|a| a.0), SessionStatus::from_i16(status)?))
    }

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
            if let Some((message, _)) = locked.replayed(&mut tx, rid).await? {
                return match message.body {
                    MessageBody::Answer(a) if a.question_id == question_id => Ok((a, message.seq)),
                    _ => Err(DomainError::invalid(
                        "request_id",
                        "was already used for a different call in this session",
                    )),
                };
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
        if locked.open_questions == 0 && locked.status == SessionStatus::AwaitingInput {
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
            if let Some((message, _)) = locked.replayed(&mut tx, rid).await? {
                return Ok(message);
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

    /// A sign of life from the agent. Returns the status and the number of unread messages.
    pub async fn heartbeat(
        &self,
        caller: AgentCaller,
        session_id: SessionId,
    ) -> DomainResult<(SessionStatus, i32)> {
        let mut tx = self.begin().await?;
        let mut locked = Locked::lock(&mut tx, caller.user_id, session_id).await?;
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
        user_id: UserId,
        session_id: SessionId,
        through_seq: i64,
    ) -> DomainResult<(i64, i32)> {
        let row: Option<(i64, i64, i64)> = sqlx::query_as(
            "WITH acked AS ( \
               UPDATE sessions SET agent_read_seq = GREATEST(agent_read_seq, $3) \
               WHERE id = $1 AND user_id = $2 AND $3 <= last_seq \
               RETURNING id, agent_read_seq, last_seq) \
             SELECT a.agent_read_seq, a.last_seq, \
               (SELECT count(*) FROM messages u WHERE u.session_id = a.id AND u.seq > a.agent_read_seq AND u.kind = 4) \
             FROM acked a",
        )
        .bind(session_id.0)
        .bind(user_id.0)
        .bind(through_seq)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some((read_through, _, unread)) => Ok((read_through, unread as i32)),
            None => {
                // Either no such session for this user, or the position is beyond its end.
                let session = self.get_session(user_id, session_id).await?;
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
    pub async fn touch_session(&self, user_id: UserId, session_id: SessionId) -> DomainResult<()> {
        let mut tx = self.begin().await?;
        let mut locked = Locked::lock(&mut tx, user_id, session_id).await?;
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
            Locked::lock_for(&mut tx, caller.user_id, session_id, Some(request_id)).await?;
        if let Some((message, _)) = locked.replayed(&mut tx, request_id).await? {
            if let MessageBody::DiffUpdate(summary) = message.body {
                return Ok((message.seq, summary));
            }
            return Err(DomainError::invalid(
                "request_id",
                "was already used for a different kind of call in this session",
            ));
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
            Locked::lock_for(&mut tx, caller.user_id, session_id, Some(request_id)).await?;
        if let Some((message, _)) = locked.replayed(&mut tx, request_id).await? {
            return Ok(message.seq);
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
            Locked::lock_for(&mut tx, caller.user_id, session_id, Some(request_id)).await?;
        if locked.replayed(&mut tx, request_id).await?.is_some() {
            drop(tx);
            return self.get_session(caller.user_id, session_id).await;
        }
        locked.status.ensure_writable()?;
        let to = locked.status.after_end(outcome == EndOutcome::Completed);
        // The status message carries the request id, so a retried EndSession finds it.
        let from = locked.status;
        locked.status = to;
        locked.open_questions = 0;
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
        sqlx::query("UPDATE sessions SET ended_at = now(), summary = $2 WHERE id = $1")
            .bind(locked.id)
            .bind(summary)
            .execute(&mut *tx)
            .await?;
        locked.commit(self, tx, true).await?;
        self.get_session(caller.user_id, session_id).await
    }

    /// A system-driven status change (stop grace period, disconnect detection). `only_from`
    /// guards against races: nothing happens unless the session is still in that status.
    pub async fn system_transition(
        &self,
        user_id: UserId,
        session_id: SessionId,
        only_from: SessionStatus,
        to: SessionStatus,
        reason: &str,
        silent_for: Option<std::time::Duration>,
    ) -> DomainResult<bool> {
        let mut tx = self.begin().await?;
        let mut locked = Locked::lock(&mut tx, user_id, session_id).await?;
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

    pub async fn get_session(
        &self,
        user_id: UserId,
        session_id: SessionId,
    ) -> DomainResult<Session> {
        let row: Option<SessionRow> = sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions s JOIN agents a ON a.id = s.agent_id WHERE s.id = $1 AND s.user_id = $2"
        ))
        .bind(session_id.0)
        .bind(user_id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.ok_or(DomainError::NotFound("session"))?.into_domain()
    }
}

async fn user_messages_between(
    tx: &mut Tx,
    session_id: Uuid,
    after: i64,
    through: i64,
) -> DomainResult<Vec<Message>> {
    let rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_id = $1 AND seq > $2 AND seq <= $3 AND kind = 4 ORDER BY seq"
    ))
    .bind(session_id)
    .bind(after)
    .bind(through)
    .fetch_all(&mut **tx)
    .await?;
    messages(rows)
}
