//! A person's answer, or decision on a tool approval, in two statements instead of a locking
//! transaction of about ten: one read (the session, the caller's role, the question or approval,
//! whether the request id was used) and one write that stores everything the general path would
//! (the answer or decision message, the question's answer or the approval's result, the status
//! change when it was the last open input, the inbox events, the audit row) on the condition
//! that the session's `last_seq` is still the one read. Every write to a session appends a
//! message and so moves `last_seq`: when it moved, or anything is unusual (not allowed, already
//! answered or decided, ended, a replayed request id, an "allow for this session" that also
//! decides siblings), the caller takes the general path, which says exactly why. Answers and
//! decisions are what agents wait on, so their latency is the agent's.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::approvals::{Decided, decision_audit};
use super::{AnswerInput, now_micros, shorten};
use crate::domain::validate::{NewDecision, check_answer};
use crate::domain::*;
use crate::store::access::SessionAccess;
use crate::store::audit::AuditEvent;
use crate::store::errors::{is_unique_violation, map_sqlx_error};
use crate::store::resolved::Resolution;
use crate::store::{FeedHint, Store};

/// Which open input the person resolves (the `$kind` of the statements).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Question = 1,
    Approval = 2,
}

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
    question: Option<sqlx::types::Json<Question>>,
    approval: Option<sqlx::types::Json<ToolApproval>>,
    /// The question is answered, or the approval decided (None: no such input here).
    resolved: Option<bool>,
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

/// What the session becomes once the input is resolved.
struct After {
    status: SessionStatus,
    open_questions: i32,
    open_approvals: i32,
}

/// What one resolution writes besides the common rows.
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
    /// The inbox event of the resolution itself (its seq and counts are filled in).
    event: InboxEvent,
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
        let request_id = input.request_id.as_deref();
        let Some(seen) = self
            .seen(
                caller,
                session_id,
                Kind::Question,
                question_id.0,
                request_id,
            )
            .await?
        else {
            return Ok(None);
        };
        let Some(question) = seen.question.as_ref().map(|q| &q.0) else {
            return Ok(None);
        };
        check_answer(question, &input.option_ids, &input.text)?;
        let answer = Answer {
            question_id,
            option_ids: input.option_ids.clone(),
            text: input.text.clone(),
            answered_by: Sender::User,
            answered_at: now_micros(),
        };
        let seq = seen.last_seq + 1;
        let audit = AuditEvent::by(
            caller,
            ProjectId(seen.project_id),
            AuditAction::QuestionAnswered,
            serde_json::json!({
                "question_id": question_id.0,
                "question": question.text,
                "option_ids": answer.option_ids,
                "text": answer.text,
                "seq": seq,
            }),
        );
        let mut event = event(&seen, session_id, InboxEventKind::QuestionAnswered);
        event.question_id = Some(question_id);
        event.question_text = shorten(&question.text, 280);
        let resolving = Resolving {
            kind: Kind::Question,
            id: question_id.0,
            body: MessageBody::Answer(answer.clone()),
            stored: json(&answer)?,
            at: answer.answered_at,
            request_id,
            status_reason: "every question is answered",
            audit,
            event,
        };
        let done = self
            .write_resolution(&seen, session_id, resolving, || {
                Resolution::Answer(question_id, answer.clone())
            })
            .await?;
        Ok(done.map(|()| (answer, seq)))
    }

    /// A person's ALLOW or DENY of one approval named by id; `Ok(None)`: take the general path
    /// (ALLOW_SESSION also decides the tool's other open approvals and stores a rule).
    pub(in crate::store) async fn decide_in_two_statements(
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
        let Some(seen) = self
            .seen(
                caller,
                session_id,
                Kind::Approval,
                approval_id.0,
                request_id,
            )
            .await?
        else {
            return Ok(None);
        };
        let Some(spec) = seen.approval.as_ref().map(|a| &a.0) else {
            return Ok(None);
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
        let seq = seen.last_seq + 1;
        let project = ProjectId(seen.project_id);
        let audit = decision_audit(caller, project, spec, &result, seq, &[]);
        let mut event = event(&seen, session_id, InboxEventKind::ApprovalDecided);
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
            .write_resolution(&seen, session_id, resolving, || {
                Resolution::Decision(approval_id, result.clone())
            })
            .await?;
        Ok(done.map(|()| Decided {
            result,
            seq,
            applied: true,
        }))
    }

    /// The first statement; `None` unless the short way applies: the input is open, the caller
    /// may edit, the session has not ended and the request id is new.
    async fn seen(
        &self,
        caller: UserCaller,
        session_id: SessionId,
        kind: Kind,
        id: Uuid,
        request_id: Option<&str>,
    ) -> DomainResult<Option<Seen>> {
        let seen: Option<Seen> = sqlx::query_as(
            "SELECT s.project_id, s.agent_id, a.name AS agent_name, s.name, s.status, s.last_seq, \
             s.open_questions, s.open_approvals, \
             (SELECT m.role FROM project_members m WHERE m.project_id = s.project_id AND m.user_id = $3) AS member_role, \
             (SELECT sh.access FROM session_shares sh WHERE sh.session_id = s.id AND sh.user_id = $3) AS share, \
             q.spec AS question, p.spec AS approval, \
             CASE $5::int2 WHEN 1 THEN q.answer IS NOT NULL ELSE p.decided_at IS NOT NULL END AS resolved, \
             ($4::text IS NOT NULL AND EXISTS (SELECT 1 FROM messages r WHERE r.session_id = s.id AND r.request_id = $4)) AS replayed \
             FROM sessions s JOIN agents a ON a.id = s.agent_id \
             LEFT JOIN questions q ON $5::int2 = 1 AND q.id = $2 AND q.session_id = s.id \
             LEFT JOIN approvals p ON $5::int2 = 2 AND p.id = $2 AND p.session_id = s.id \
             WHERE s.id = $1",
        )
        .bind(session_id.0)
        .bind(id)
        .bind(caller.user_id.0)
        .bind(request_id)
        .bind(kind as i16)
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
        let open = match kind {
            Kind::Question => seen.question.is_some(),
            Kind::Approval => seen.approval.is_some(),
        } && seen.resolved == Some(false);
        let usual = open
            && access.effective().is_some_and(|r| r >= Role::Edit)
            && !SessionStatus::from_i16(seen.status)?.is_terminal()
            && !seen.replayed;
        Ok(usual.then_some(seen))
    }

    /// The second statement; `Ok(None)` when the session moved since `seen` (the general path
    /// then decides). After the commit the waiter's memo, then the hints.
    async fn write_resolution(
        &self,
        seen: &Seen,
        session_id: SessionId,
        r: Resolving<'_>,
        resolution: impl FnOnce() -> Resolution,
    ) -> DomainResult<Option<()>> {
        let status = SessionStatus::from_i16(seen.status)?;
        let mut after = After {
            status,
            open_questions: seen.open_questions,
            open_approvals: seen.open_approvals,
        };
        match r.kind {
            Kind::Question => after.open_questions = (after.open_questions - 1).max(0),
            Kind::Approval => after.open_approvals = (after.open_approvals - 1).max(0),
        }
        if after.open_questions + after.open_approvals == 0
            && status == SessionStatus::AwaitingInput
        {
            after.status = SessionStatus::Active;
        }
        let rows = rows(seen, session_id, &r, &after)?;
        let last_seq = *rows.seqs.last().expect("the resolution at least");
        let written: Result<Option<i64>, sqlx::Error> = sqlx::query_scalar(
            "WITH s AS ( \
               UPDATE sessions SET status = $3, last_seq = $4, open_questions = $5, open_approvals = $22, \
                 last_activity_at = now() \
               WHERE id = $1 AND last_seq = $2 \
                 AND CASE $23::int2 \
                   WHEN 1 THEN EXISTS (SELECT 1 FROM questions WHERE id = $6 AND session_id = $1 AND answer IS NULL) \
                   ELSE EXISTS (SELECT 1 FROM approvals WHERE id = $6 AND session_id = $1 AND decided_at IS NULL) END \
               RETURNING id, project_id), \
             q AS ( \
               UPDATE questions SET answered_at = $7, answer = $8::jsonb, answer_seq = $2 + 1 \
               FROM s WHERE $23::int2 = 1 AND questions.id = $6 AND questions.session_id = s.id), \
             p AS ( \
               UPDATE approvals SET decided_at = $7, result = $8::jsonb, result_seq = $2 + 1 \
               FROM s WHERE $23::int2 = 2 AND approvals.id = $6 AND approvals.session_id = s.id), \
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
             SELECT c.inbox_cursor FROM c",
        )
        .bind(session_id.0)
        .bind(seen.last_seq)
        .bind(after.status as i16)
        .bind(last_seq)
        .bind(after.open_questions)
        .bind(r.id)
        .bind(r.at)
        .bind(&r.stored)
        .bind(&rows.seqs)
        .bind(&rows.senders)
        .bind(&rows.kinds)
        .bind(&rows.bodies)
        .bind(&rows.request_ids)
        .bind(&rows.inbox_kinds)
        .bind(&rows.inbox_bodies)
        .bind(&rows.inbox_created)
        .bind(Uuid::new_v4())
        .bind(r.audit.actor.0)
        .bind(r.audit.action as i16)
        .bind(r.audit.channel as i16)
        .bind(sqlx::types::Json(&r.audit.details))
        .bind(after.open_approvals)
        .bind(r.kind as i16)
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
        self.resolved().remember(
            ProjectId(seen.project_id),
            session_id,
            resolution(),
            after.status,
        );
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
        Ok(Some(()))
    }
}

/// An inbox event of this session as `Locked::inbox` would write it (its seq, status and counts
/// are set by `rows`, the input's own fields by the caller).
fn event(seen: &Seen, session_id: SessionId, kind: InboxEventKind) -> InboxEvent {
    InboxEvent {
        cursor: 0,
        kind,
        session_id,
        agent_id: AgentId(seen.agent_id),
        agent_name: seen.agent_name.clone(),
        session_name: seen.name.clone(),
        status: SessionStatus::Active,
        seq: 0,
        question_id: None,
        question_text: String::new(),
        open_question_count: 0,
        created_at: now_micros(),
        approval_id: None,
        tool_name: String::new(),
        approval_summary: String::new(),
        approval_decision: None,
        open_approval_count: 0,
    }
}

/// The resolution's message, the status change if it was the last open input, and their inbox
/// events, exactly as `Locked::append` / `change_status` / `inbox` would write them.
fn rows(
    seen: &Seen,
    session_id: SessionId,
    r: &Resolving<'_>,
    after: &After,
) -> DomainResult<Rows> {
    let seq = seen.last_seq + 1;
    let mut rows = Rows {
        seqs: vec![seq],
        senders: vec![Sender::User as i16],
        kinds: vec![r.body.kind() as i16],
        bodies: vec![json(&r.body)?],
        request_ids: vec![r.request_id.map(str::to_owned)],
        inbox_kinds: Vec::new(),
        inbox_bodies: Vec::new(),
        inbox_created: Vec::new(),
    };
    let push_inbox = |rows: &mut Rows, mut e: InboxEvent, seq: i64| -> DomainResult<()> {
        e.seq = seq;
        e.status = after.status;
        e.open_question_count = after.open_questions;
        e.open_approval_count = after.open_approvals;
        rows.inbox_kinds.push(e.kind as i16);
        rows.inbox_created.push(e.created_at);
        rows.inbox_bodies.push(json(&e)?);
        Ok(())
    };
    let from = SessionStatus::from_i16(seen.status)?;
    if after.status != from {
        let status_seq = seq + 1;
        rows.seqs.push(status_seq);
        rows.senders.push(Sender::User as i16);
        rows.kinds.push(MessageKind::StatusChange as i16);
        rows.bodies.push(json(&MessageBody::StatusChange {
            from,
            to: after.status,
            reason: r.status_reason.into(),
        })?);
        rows.request_ids.push(None);
        let changed = event(seen, session_id, InboxEventKind::StatusChanged);
        push_inbox(&mut rows, changed, status_seq)?;
    }
    push_inbox(&mut rows, r.event.clone(), seq)?;
    Ok(rows)
}

/// A stored JSON body (failing to serialize one is our bug, not the caller's).
fn json<T: serde::Serialize>(value: &T) -> DomainResult<String> {
    serde_json::to_string(value).map_err(|e| DomainError::internal(e.to_string()))
}
