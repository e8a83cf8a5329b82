//! A person's answer, or decision on a tool approval, in one round trip instead of a locking
//! transaction of about ten. The question or approval comes from this process's memory of what
//! was asked (`store::input_specs`; read once when missing), the answer is validated against it
//! here and every row is built here; one call of `resolve_input` (migration
//! `20261201000090_resolve_input.sql`) then locks the session, checks what needs its current
//! state (not ended, the caller may edit, a new request id, the input still open) and writes
//! what the general path would: the answer or decision message, the input's answer or result,
//! the change to active when it was the last open input, the inbox events, the audit row.
//!
//! Whenever anything is unusual (the answer does not validate, the caller may not edit, the
//! input is resolved, the session ended, a replayed request id, an "allow for this session"
//! that also decides siblings) the caller takes the general path, which checks access first
//! and then says exactly why: so nothing about a session reaches a caller who cannot see it.
//! Answers and decisions are what agents wait on, so their latency is the agent's.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::approvals::{Decided, decision_audit};
use super::{AnswerInput, now_micros, shorten};
use crate::domain::validate::{NewDecision, check_answer};
use crate::domain::*;
use crate::store::audit::AuditEvent;
use crate::store::errors::{is_unique_violation, map_sqlx_error};
use crate::store::resolved::Resolution;
use crate::store::{FeedHint, Store};

/// Which open input the person resolves (`resolve_input`'s `p_kind`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Question = 1,
    Approval = 2,
}

/// What one resolution writes; the statement completes the parts that need the session.
struct Resolving<'a> {
    kind: Kind,
    id: Uuid,
    /// The message body (an answer or an approval result).
    body: MessageBody,
    /// The stored answer or result.
    stored: String,
    at: DateTime<Utc>,
    request_id: Option<&'a str>,
    status_reason: &'static str,
    audit: AuditEvent,
    /// The inbox event of the resolution itself (the statement sets its cursor, seq, status,
    /// counts and names).
    event: InboxEvent,
}

/// What `resolve_input` returns once it wrote.
#[derive(sqlx::FromRow)]
struct Written {
    project_id: Uuid,
    status: i16,
    /// The resolution's message.
    seq: i64,
    /// The session's last message (the change to active, if there was one).
    last_seq: i64,
    inbox_cursor: i64,
}

/// Each status's name in stored JSON, indexed by its number (from 1, as SQL arrays are).
static STATUS_NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let last = SessionStatus::ALL
        .iter()
        .map(|s| *s as i16)
        .max()
        .unwrap_or(0);
    (1..=last)
        .map(|n| {
            SessionStatus::from_i16(n)
                .ok()
                .and_then(|s| serde_json::to_value(s).ok())
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        })
        .collect()
});

/// The role each share access grants, indexed by the access's number.
fn share_roles() -> Vec<i16> {
    [ShareAccess::Read, ShareAccess::Write]
        .iter()
        .map(|s| s.as_role() as i16)
        .collect()
}

impl Store {
    /// `Ok(None)`: take the general path.
    pub(in crate::store) async fn answer_in_one_statement(
        &self,
        caller: UserCaller,
        session_id: SessionId,
        question_id: QuestionId,
        input: &AnswerInput,
    ) -> DomainResult<Option<(Answer, i64)>> {
        let question = match self.input_specs().question(session_id, question_id) {
            Some(q) => q,
            None => match self
                .read_spec(Kind::Question, session_id, question_id.0)
                .await?
            {
                Some(q) => self.input_specs().keep_question(session_id, q),
                None => return Ok(None),
            },
        };
        if check_answer(&question, &input.option_ids, &input.text).is_err() {
            return Ok(None);
        }
        let answer = Answer {
            question_id,
            option_ids: input.option_ids.clone(),
            text: input.text.clone(),
            answered_by: Sender::User,
            answered_at: now_micros(),
        };
        let audit = AuditEvent::by(
            caller,
            ProjectId(Uuid::nil()), // the statement writes the session's project
            AuditAction::QuestionAnswered,
            serde_json::json!({
                "question_id": question_id.0,
                "question": question.text,
                "option_ids": answer.option_ids,
                "text": answer.text,
                "seq": 0,
            }),
        );
        let mut event = event(
            session_id,
            InboxEventKind::QuestionAnswered,
            answer.answered_at,
        );
        event.question_id = Some(question_id);
        event.question_text = shorten(&question.text, 280);
        let resolving = Resolving {
            kind: Kind::Question,
            id: question_id.0,
            body: MessageBody::Answer(answer.clone()),
            stored: json(&answer)?,
            at: answer.answered_at,
            request_id: input.request_id.as_deref(),
            status_reason: "every question is answered",
            audit,
            event,
        };
        let done = self
            .resolve_input(caller, session_id, resolving, || {
                Resolution::Answer(question_id, answer.clone())
            })
            .await?;
        Ok(done.map(|seq| (answer, seq)))
    }

    /// A person's ALLOW or DENY of one approval named by id; `Ok(None)`: take the general path
    /// (ALLOW_SESSION also decides the tool's other open approvals and stores a rule).
    pub(in crate::store) async fn decide_in_one_statement(
        &self,
        caller: UserCaller,
        session_id: SessionId,
        approval_id: ApprovalId,
        input: &NewDecision,
        request_id: Option<&str>,
    ) -> DomainResult<Option<Decided>> {
        if input.decision == ApprovalDecision::AllowSession {
            return Ok(None);
        }
        let spec = match self.input_specs().approval(session_id, approval_id) {
            Some(a) => a,
            None => match self
                .read_spec(Kind::Approval, session_id, approval_id.0)
                .await?
            {
                Some(a) => self.input_specs().keep_approval(session_id, a),
                None => return Ok(None),
            },
        };
        if !input.updated_input_json.is_empty() && !spec.input_editable {
            return Ok(None);
        }
        let result = ApprovalResult {
            approval_id,
            decision: input.decision,
            reason: input.reason.clone(),
            updated_input_json: input.updated_input_json.clone(),
            decided_by: Sender::User,
            decided_at: now_micros(),
        };
        // The project and seq are the statement's to write.
        let audit = decision_audit(caller, ProjectId(Uuid::nil()), &spec, &result, 0, &[]);
        let mut event = event(
            session_id,
            InboxEventKind::ApprovalDecided,
            result.decided_at,
        );
        event.approval_id = Some(approval_id);
        event.tool_name = spec.tool_name.clone();
        event.approval_summary = spec.preview.summary.clone();
        event.approval_decision = Some(result.decision);
        let resolving = Resolving {
            kind: Kind::Approval,
            id: approval_id.0,
            body: MessageBody::ApprovalResult(result.clone()),
            stored: json(&result)?,
            at: result.decided_at,
            request_id,
            status_reason: "every question and approval is decided",
            audit,
            event,
        };
        let done = self
            .resolve_input(caller, session_id, resolving, || {
                Resolution::Decision(approval_id, result.clone())
            })
            .await?;
        Ok(done.map(|seq| Decided {
            result,
            seq,
            applied: true,
        }))
    }

    /// The spec of input `id` of `session` as stored (whether open or not: the statement
    /// decides), for a process that did not see it asked.
    async fn read_spec<T>(
        &self,
        kind: Kind,
        session_id: SessionId,
        id: Uuid,
    ) -> DomainResult<Option<T>>
    where
        T: serde::de::DeserializeOwned + Send + Unpin + 'static,
    {
        let statement = match kind {
            Kind::Question => "SELECT spec FROM questions WHERE id = $1 AND session_id = $2",
            Kind::Approval => "SELECT spec FROM approvals WHERE id = $1 AND session_id = $2",
        };
        let spec: Option<sqlx::types::Json<T>> = sqlx::query_scalar(statement)
            .bind(id)
            .bind(session_id.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(spec.map(|s| s.0))
    }

    /// The one statement; `Ok(Some(seq))` of the resolution's message when it wrote,
    /// `Ok(None)` when the general path must decide. After the commit the waiter's memo, then
    /// the hints.
    async fn resolve_input(
        &self,
        caller: UserCaller,
        session_id: SessionId,
        r: Resolving<'_>,
        resolution: impl FnOnce() -> Resolution,
    ) -> DomainResult<Option<i64>> {
        let change = MessageBody::StatusChange {
            from: SessionStatus::AwaitingInput,
            to: SessionStatus::Active,
            reason: r.status_reason.into(),
        };
        let changed = event(session_id, InboxEventKind::StatusChanged, r.at);
        let terminal: Vec<i16> = SessionStatus::ALL
            .iter()
            .filter(|s| s.is_terminal())
            .map(|s| *s as i16)
            .collect();
        let mut conn = self.kept.take(&self.pool).await?;
        let written: Result<Option<Written>, sqlx::Error> = sqlx::query_as(
            "SELECT * FROM resolve_input($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
             $13::jsonb, $14, $15, $16::jsonb, $17, $18::jsonb, $19, $20::jsonb, $21, $22::jsonb, \
             $23, $24, $25, $26)",
        )
        .bind(session_id.0)
        .bind(r.kind as i16)
        .bind(r.id)
        .bind(caller.user_id.0)
        .bind(Role::Edit as i16)
        .bind(share_roles())
        .bind(terminal)
        .bind(SessionStatus::AwaitingInput as i16)
        .bind(SessionStatus::Active as i16)
        .bind(&*STATUS_NAMES)
        .bind(r.request_id)
        .bind(r.at)
        .bind(&r.stored)
        .bind(Sender::User as i16)
        .bind(r.body.kind() as i16)
        .bind(json(&r.body)?)
        .bind(MessageKind::StatusChange as i16)
        .bind(json(&change)?)
        .bind(r.event.kind as i16)
        .bind(json(&r.event)?)
        .bind(InboxEventKind::StatusChanged as i16)
        .bind(json(&changed)?)
        .bind(Uuid::new_v4())
        .bind(r.audit.action as i16)
        .bind(r.audit.channel as i16)
        .bind(sqlx::types::Json(&r.audit.details))
        .fetch_optional(&mut *conn)
        .await;
        conn.finished(&written);
        let written = match written {
            Ok(Some(w)) => w,
            // Not found, not allowed, ended, resolved or replayed: the general path says which.
            Ok(None) => return Ok(None),
            // A retry racing its original: the general path replays it.
            Err(e) if is_unique_violation(&e, "messages_request_id_key") => return Ok(None),
            Err(e) => return Err(map_sqlx_error(e)),
        };
        let project = ProjectId(written.project_id);
        let status = SessionStatus::from_i16(written.status)?;
        self.input_specs().forget(r.id);
        self.resolved()
            .remember(project, session_id, resolution(), status);
        self.committed([
            FeedHint::Message {
                session_id,
                seq: written.last_seq,
            },
            FeedHint::Inbox {
                project_id: project,
                cursor: written.inbox_cursor,
            },
        ]);
        Ok(Some(written.seq))
    }
}

/// An inbox event of this session, as the general path's `Locked::inbox` writes it, without
/// what the statement fills in (its cursor, seq, status, counts, agent and names).
fn event(session_id: SessionId, kind: InboxEventKind, at: DateTime<Utc>) -> InboxEvent {
    InboxEvent {
        cursor: 0,
        kind,
        session_id,
        agent_id: AgentId(Uuid::nil()),
        agent_name: String::new(),
        session_name: String::new(),
        status: SessionStatus::Active,
        seq: 0,
        question_id: None,
        question_text: String::new(),
        open_question_count: 0,
        created_at: at,
        approval_id: None,
        tool_name: String::new(),
        approval_summary: String::new(),
        approval_decision: None,
        open_approval_count: 0,
    }
}

/// A stored JSON body (failing to serialize one is our bug, not the caller's).
fn json<T: serde::Serialize>(value: &T) -> DomainResult<String> {
    serde_json::to_string(value).map_err(|e| DomainError::internal(e.to_string()))
}
