//! A person's answer in two statements instead of a locking transaction of about ten: one read
//! (the session, the caller's role, the question, whether the request id was used) and one
//! write that stores everything the general path would (the answer message, the question's
//! answer, the status change when it was the last open input, the inbox events, the audit row)
//! on the condition that the session's `last_seq` is still the one read. Every write to a session
//! appends a message and so moves `last_seq`: when it moved, or anything is unusual (not
//! allowed, already answered, ended, a replayed request id), the caller takes the general path,
//! which says exactly why. Answering is what an agent waits on, so its latency is the agent's.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{AnswerInput, now_micros, shorten};
use crate::domain::validate::check_choice;
use crate::domain::*;
use crate::store::access::SessionAccess;
use crate::store::audit::AuditEvent;
use crate::store::errors::{is_unique_violation, map_sqlx_error};
use crate::store::{FeedHint, Store};

#[derive(sqlx::FromRow)]
struct Seen {
    project_id: Uuid,
    agent_id: Uuid,
    agent_name: String,
    name: String,
    status: i16,
    last_seq: i64,
    open_questions: i32,
    open_approvals: i32,
    member_role: Option<i16>,
    share: Option<i16>,
    spec: Option<sqlx::types::Json<Question>>,
    answered: Option<bool>,
    replayed: bool,
}

/// The rows the write inserts, built here so that the statement only places them.
struct Rows {
    seqs: Vec<i64>,
    senders: Vec<i16>,
    kinds: Vec<i16>,
    bodies: Vec<String>,
    request_ids: Vec<Option<String>>,
    inbox_kinds: Vec<i16>,
    inbox_bodies: Vec<String>,
    inbox_created: Vec<DateTime<Utc>>,
}

impl Store {
    /// `Ok(None)`: take the general path.
    pub(in crate::store) async fn answer_in_two_statements(
        &self,
        caller: UserCaller,
        session_id: SessionId,
        question_id: QuestionId,
        input: &AnswerInput,
    ) -> DomainResult<Option<(Answer, i64)>> {
        let seen: Option<Seen> = sqlx::query_as(
            "SELECT s.project_id, s.agent_id, a.name AS agent_name, s.name, s.status, s.last_seq, \
             s.open_questions, s.open_approvals, \
             (SELECT m.role FROM project_members m WHERE m.project_id = s.project_id AND m.user_id = $3) AS member_role, \
             (SELECT sh.access FROM session_shares sh WHERE sh.session_id = s.id AND sh.user_id = $3) AS share, \
             q.spec, q.answer IS NOT NULL AS answered, \
             ($4::text IS NOT NULL AND EXISTS (SELECT 1 FROM messages r WHERE r.session_id = s.id AND r.request_id = $4)) AS replayed \
             FROM sessions s JOIN agents a ON a.id = s.agent_id \
             LEFT JOIN questions q ON q.id = $2 AND q.session_id = s.id \
             WHERE s.id = $1",
        )
        .bind(session_id.0)
        .bind(question_id.0)
        .bind(caller.user_id.0)
        .bind(input.request_id.as_deref())
        .fetch_optional(&self.pool)
        .await?;
        let Some(seen) = seen else {
            return Ok(None);
        };
        let access = SessionAccess {
            project_id: ProjectId(seen.project_id),
            member_role: seen.member_role.map(Role::from_i16).transpose()?,
            share: seen.share.map(ShareAccess::from_i16).transpose()?,
        };
        let status = SessionStatus::from_i16(seen.status)?;
        let (Some(spec), Some(false)) = (&seen.spec, seen.answered) else {
            return Ok(None);
        };
        if access.effective().is_none_or(|r| r < Role::Edit)
            || status.is_terminal()
            || seen.replayed
        {
            return Ok(None);
        }
        let question = &spec.0;
        check_choice(
            &question.options,
            question.choice_mode,
            question.allow_free_text,
            &input.option_ids,
            &input.text,
            "option_ids",
        )?;
        let answer = Answer {
            question_id,
            option_ids: input.option_ids.clone(),
            text: input.text.clone(),
            answered_by: Sender::User,
            answered_at: now_micros(),
        };
        let answer_seq = seen.last_seq + 1;
        let open_questions = (seen.open_questions - 1).max(0);
        let becomes_active =
            open_questions + seen.open_approvals == 0 && status == SessionStatus::AwaitingInput;
        let new_status = if becomes_active {
            SessionStatus::Active
        } else {
            status
        };
        let rows = rows(
            &seen,
            session_id,
            &answer,
            &question.text,
            input,
            new_status,
            open_questions,
        )?;
        let last_seq = *rows.seqs.last().expect("the answer at least");
        let details = serde_json::json!({
            "question_id": question_id.0,
            "question": question.text,
            "option_ids": answer.option_ids,
            "text": answer.text,
            "seq": answer_seq,
        });
        let audit = AuditEvent::by(
            caller,
            ProjectId(seen.project_id),
            AuditAction::QuestionAnswered,
            details,
        );
        let written: Result<Option<i64>, sqlx::Error> = sqlx::query_scalar(
            "WITH s AS ( \
               UPDATE sessions SET status = $3, last_seq = $4, open_questions = $5, last_activity_at = now() \
               WHERE id = $1 AND last_seq = $2 \
                 AND EXISTS (SELECT 1 FROM questions WHERE id = $6 AND session_id = $1 AND answer IS NULL) \
               RETURNING id, project_id), \
             q AS ( \
               UPDATE questions SET answered_at = $7, answer = $8::jsonb, answer_seq = $2 + 1 \
               FROM s WHERE questions.id = $6 AND questions.session_id = s.id RETURNING questions.id), \
             m AS ( \
               INSERT INTO messages (session_id, seq, sender, kind, body, request_id) \
               SELECT s.id, x.seq, x.sender, x.kind, x.body::jsonb, x.request_id FROM s, \
                 unnest($9::bigint[], $10::int2[], $11::int2[], $12::text[], $13::text[]) \
                   AS x(seq, sender, kind, body, request_id)), \
             c AS ( \
               UPDATE projects SET inbox_cursor = inbox_cursor + cardinality($14::int2[]) \
               FROM s WHERE projects.id = s.project_id RETURNING inbox_cursor), \
             i AS ( \
               INSERT INTO inbox_events (project_id, cursor, kind, session_id, body, created_at) \
               SELECT s.project_id, c.inbox_cursor - cardinality($14::int2[]) + x.ord, x.kind, s.id, \
                 jsonb_set(x.body::jsonb, '{cursor}', to_jsonb(c.inbox_cursor - cardinality($14::int2[]) + x.ord)), \
                 x.created_at FROM s, c, \
                 unnest($14::int2[], $15::text[], $16::timestamptz[]) WITH ORDINALITY \
                   AS x(kind, body, created_at, ord)), \
             a AS ( \
               INSERT INTO audit_events (id, actor_id, project_id, session_id, action, channel, details) \
               SELECT $17, $18, s.project_id, s.id, $19, $20, $21 FROM s) \
             SELECT c.inbox_cursor FROM c, q",
        )
        .bind(session_id.0)
        .bind(seen.last_seq)
        .bind(new_status as i16)
        .bind(last_seq)
        .bind(open_questions)
        .bind(question_id.0)
        .bind(answer.answered_at)
        .bind(json(&answer)?)
        .bind(&rows.seqs)
        .bind(&rows.senders)
        .bind(&rows.kinds)
        .bind(&rows.bodies)
        .bind(&rows.request_ids)
        .bind(&rows.inbox_kinds)
        .bind(&rows.inbox_bodies)
        .bind(&rows.inbox_created)
        .bind(Uuid::new_v4())
        .bind(audit.actor.0)
        .bind(audit.action as i16)
        .bind(audit.channel as i16)
        .bind(sqlx::types::Json(&audit.details))
        .fetch_optional(&self.pool)
        .await;
        let cursor = match written {
            Ok(Some(cursor)) => cursor,
            // Someone wrote to the session in between (or deleted it): the general path decides.
            Ok(None) => return Ok(None),
            // A retry racing its original: the general path replays it.
            Err(e) if is_unique_violation(&e, "messages_request_id_key") => return Ok(None),
            Err(e) => return Err(map_sqlx_error(e)),
        };
        self.committed([
            FeedHint::Message {
                session_id,
                seq: last_seq,
            },
            FeedHint::Inbox {
                project_id: ProjectId(seen.project_id),
                cursor,
            },
        ]);
        Ok(Some((answer, answer_seq)))
    }
}

/// The answer message, the status change if it was the last open input, and their inbox
/// events, exactly as `Locked::append` / `change_status` / `inbox` would write them.
fn rows(
    seen: &Seen,
    session_id: SessionId,
    answer: &Answer,
    question_text: &str,
    input: &AnswerInput,
    new_status: SessionStatus,
    open_questions: i32,
) -> DomainResult<Rows> {
    let mut rows = Rows {
        seqs: vec![seen.last_seq + 1],
        senders: vec![Sender::User as i16],
        kinds: vec![MessageKind::Answer as i16],
        bodies: vec![json(&MessageBody::Answer(answer.clone()))?],
        request_ids: vec![input.request_id.clone()],
        inbox_kinds: Vec::new(),
        inbox_bodies: Vec::new(),
        inbox_created: Vec::new(),
    };
    let event = |kind: InboxEventKind, seq: i64, question: Option<(QuestionId, &str)>| InboxEvent {
        cursor: 0,
        kind,
        session_id,
        agent_id: AgentId(seen.agent_id),
        agent_name: seen.agent_name.clone(),
        session_name: seen.name.clone(),
        status: new_status,
        seq,
        question_id: question.map(|q| q.0),
        question_text: question.map(|q| shorten(q.1, 280)).unwrap_or_default(),
        open_question_count: open_questions,
        created_at: now_micros(),
        approval_id: None,
        tool_name: String::new(),
        approval_summary: String::new(),
        approval_decision: None,
        open_approval_count: seen.open_approvals,
    };
    let push_inbox = |rows: &mut Rows, e: InboxEvent| -> DomainResult<()> {
        rows.inbox_kinds.push(e.kind as i16);
        rows.inbox_created.push(e.created_at);
        rows.inbox_bodies.push(json(&e)?);
        Ok(())
    };
    let from = SessionStatus::from_i16(seen.status)?;
    if new_status != from {
        let seq = seen.last_seq + 2;
        rows.seqs.push(seq);
        rows.senders.push(Sender::User as i16);
        rows.kinds.push(MessageKind::StatusChange as i16);
        rows.bodies.push(json(&MessageBody::StatusChange {
            from,
            to: new_status,
            reason: "every question is answered".into(),
        })?);
        rows.request_ids.push(None);
        push_inbox(&mut rows, event(InboxEventKind::StatusChanged, seq, None))?;
    }
    push_inbox(
        &mut rows,
        event(
            InboxEventKind::QuestionAnswered,
            seen.last_seq + 1,
            Some((answer.question_id, question_text)),
        ),
    )?;
    Ok(rows)
}

/// A stored JSON body (failing to serialize one is our bug, not the caller's).
fn json<T: serde::Serialize>(value: &T) -> DomainResult<String> {
    serde_json::to_string(value).map_err(|e| DomainError::internal(e.to_string()))
}
