//! Conversions between domain types and protobuf messages.

use chrono::{DateTime, Utc};

use crate::domain::{self, DomainError, DomainResult, SessionStatus};
use crate::proto as pb;

pub fn ts(t: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: t.timestamp_subsec_nanos() as i32,
    }
}

pub fn from_ts(field: &'static str, t: &prost_types::Timestamp) -> DomainResult<DateTime<Utc>> {
    DateTime::from_timestamp(t.seconds, t.nanos.max(0) as u32)
        .ok_or_else(|| DomainError::invalid(field, "is not a valid timestamp"))
}

pub fn status(s: SessionStatus) -> pb::SessionStatus {
    match s {
        SessionStatus::Active => pb::SessionStatus::Active,
        SessionStatus::AwaitingInput => pb::SessionStatus::AwaitingInput,
        SessionStatus::Stopping => pb::SessionStatus::Stopping,
        SessionStatus::Completed => pb::SessionStatus::Completed,
        SessionStatus::Failed => pb::SessionStatus::Failed,
        SessionStatus::Stopped => pb::SessionStatus::Stopped,
        SessionStatus::Disconnected => pb::SessionStatus::Disconnected,
        SessionStatus::Pending => pb::SessionStatus::Pending,
        SessionStatus::Starting => pb::SessionStatus::Starting,
    }
}

pub fn status_from_pb(field: &'static str, v: i32) -> DomainResult<SessionStatus> {
    match pb::SessionStatus::try_from(v) {
        Ok(pb::SessionStatus::Active) => Ok(SessionStatus::Active),
        Ok(pb::SessionStatus::AwaitingInput) => Ok(SessionStatus::AwaitingInput),
        Ok(pb::SessionStatus::Stopping) => Ok(SessionStatus::Stopping),
        Ok(pb::SessionStatus::Completed) => Ok(SessionStatus::Completed),
        Ok(pb::SessionStatus::Failed) => Ok(SessionStatus::Failed),
        Ok(pb::SessionStatus::Stopped) => Ok(SessionStatus::Stopped),
        Ok(pb::SessionStatus::Disconnected) => Ok(SessionStatus::Disconnected),
        Ok(pb::SessionStatus::Pending) => Ok(SessionStatus::Pending),
        Ok(pb::SessionStatus::Starting) => Ok(SessionStatus::Starting),
        Ok(pb::SessionStatus::Unspecified) | Err(_) => Err(DomainError::invalid(
            field,
            format!("{v} is not a session status"),
        )),
    }
}

pub fn sender(s: domain::Sender) -> pb::Sender {
    match s {
        domain::Sender::Agent => pb::Sender::Agent,
        domain::Sender::User => pb::Sender::User,
        domain::Sender::System => pb::Sender::System,
    }
}

pub fn usage(u: domain::Usage) -> pb::Usage {
    pb::Usage {
        input_tokens: u.input_tokens,
        output_tokens: u.output_tokens,
        cost_micros: u.cost_micros,
    }
}

pub fn diff_summary(d: domain::DiffSummary) -> pb::DiffSummary {
    pb::DiffSummary {
        files_changed: d.files_changed,
        additions: d.additions,
        deletions: d.deletions,
        update_time: Some(ts(d.updated_at)),
    }
}

pub fn session(s: domain::Session) -> pb::Session {
    pb::Session {
        id: s.id.to_string(),
        agent_id: s.agent_id.to_string(),
        agent_name: s.agent_name,
        name: s.name,
        metadata: s.metadata.into_iter().collect(),
        status: status(s.status) as i32,
        start_time: Some(ts(s.started_at)),
        end_time: s.ended_at.map(ts),
        last_seen_time: Some(ts(s.last_seen_at)),
        last_activity_time: Some(ts(s.last_activity_at)),
        last_seq: s.last_seq,
        open_question_count: s.open_questions,
        usage: Some(usage(s.usage)),
        diff_summary: s.diff_summary.map(diff_summary),
        summary: s.summary,
        open_approval_count: s.open_approvals,
        project_id: s.project_id.to_string(),
        parent_session_id: s
            .launch
            .parent_session_id
            .map(|p| p.to_string())
            .unwrap_or_default(),
        stop_reason: s
            .launch
            .stop_reason
            .map_or(pb::StopReason::Unspecified, stop_reason) as i32,
        exit_code: s.launch.exit_code,
        last_output_lines: s.launch.last_output_lines,
        runner_id: s
            .launch
            .runner_id
            .map(|r| r.to_string())
            .unwrap_or_default(),
    }
}

pub fn stop_reason(r: domain::StopReason) -> pb::StopReason {
    use domain::StopReason as R;
    match r {
        R::ByPerson => pb::StopReason::ByPerson,
        R::ByAgent => pb::StopReason::ByAgent,
        R::Inactivity => pb::StopReason::Inactivity,
        R::HardLimit => pb::StopReason::HardLimit,
        R::StartDeadline => pb::StopReason::StartDeadline,
        R::RunnerLost => pb::StopReason::RunnerLost,
        R::AgentExited => pb::StopReason::AgentExited,
        R::StartFailed => pb::StopReason::StartFailed,
    }
}

pub fn answer(a: domain::Answer) -> pb::Answer {
    pb::Answer {
        question_id: a.question_id.to_string(),
        option_ids: a.option_ids,
        text: a.text,
        answered_by: sender(a.answered_by) as i32,
        answer_time: Some(ts(a.answered_at)),
    }
}

pub fn question(q: domain::Question) -> pb::Question {
    pb::Question {
        id: q.id.to_string(),
        text: q.text,
        options: q
            .options
            .into_iter()
            .map(|o| pb::QuestionOption {
                id: o.id,
                label: o.label,
                description: o.description,
            })
            .collect(),
        choice_mode: match q.choice_mode {
            domain::ChoiceMode::Single => pb::ChoiceMode::Single,
            domain::ChoiceMode::Multiple => pb::ChoiceMode::Multiple,
        } as i32,
        allow_free_text: q.allow_free_text,
        deadline_time: q.deadline.map(ts),
        default_option_ids: q.default_option_ids,
        default_text: q.default_text,
        answer: q.answer.map(answer),
    }
}

pub fn approval_decision(d: domain::ApprovalDecision) -> pb::ApprovalDecision {
    match d {
        domain::ApprovalDecision::AllowOnce => pb::ApprovalDecision::AllowOnce,
        domain::ApprovalDecision::AllowSession => pb::ApprovalDecision::AllowSession,
        domain::ApprovalDecision::Deny => pb::ApprovalDecision::Deny,
    }
}

/// A decision field: None for UNSPECIFIED, INVALID_ARGUMENT for a number the proto lacks.
pub fn approval_decision_from_pb(
    field: &'static str,
    v: i32,
) -> DomainResult<Option<domain::ApprovalDecision>> {
    match pb::ApprovalDecision::try_from(v) {
        Ok(pb::ApprovalDecision::Unspecified) => Ok(None),
        Ok(pb::ApprovalDecision::AllowOnce) => Ok(Some(domain::ApprovalDecision::AllowOnce)),
        Ok(pb::ApprovalDecision::AllowSession) => Ok(Some(domain::ApprovalDecision::AllowSession)),
        Ok(pb::ApprovalDecision::Deny) => Ok(Some(domain::ApprovalDecision::Deny)),
        Err(_) => Err(DomainError::invalid(
            field,
            format!("{v} is not an approval decision (ALLOW_ONCE, ALLOW_SESSION or DENY)"),
        )),
    }
}

pub fn approval_preview(p: domain::ApprovalPreview) -> pb::ApprovalPreview {
    use pb::approval_preview::Detail;
    pb::ApprovalPreview {
        summary: p.summary,
        detail: p.detail.map(|d| match d {
            domain::PreviewDetail::ShellCommand {
                command,
                description,
                working_directory,
            } => Detail::ShellCommand(pb::ShellCommandPreview {
                command,
                description,
                working_directory,
            }),
            domain::PreviewDetail::FileChange { path, unified_diff } => {
                Detail::FileChange(pb::FileChangePreview { path, unified_diff })
            }
            domain::PreviewDetail::Url { url, description } => {
                Detail::Url(pb::UrlPreview { url, description })
            }
        }),
    }
}

/// The preview as sent (validated by `domain::validate::NewApproval`).
pub fn approval_preview_from_pb(p: pb::ApprovalPreview) -> domain::ApprovalPreview {
    use pb::approval_preview::Detail;
    domain::ApprovalPreview {
        summary: p.summary,
        detail: p.detail.map(|d| match d {
            Detail::ShellCommand(c) => domain::PreviewDetail::ShellCommand {
                command: c.command,
                description: c.description,
                working_directory: c.working_directory,
            },
            Detail::FileChange(f) => domain::PreviewDetail::FileChange {
                path: f.path,
                unified_diff: f.unified_diff,
            },
            Detail::Url(u) => domain::PreviewDetail::Url {
                url: u.url,
                description: u.description,
            },
        }),
    }
}

pub fn approval_result(r: domain::ApprovalResult) -> pb::ApprovalResult {
    pb::ApprovalResult {
        approval_id: r.approval_id.to_string(),
        decision: approval_decision(r.decision) as i32,
        reason: r.reason,
        updated_input_json: r.updated_input_json,
        decided_by: sender(r.decided_by) as i32,
        decide_time: Some(ts(r.decided_at)),
    }
}

pub fn approval(a: domain::ToolApproval) -> pb::ToolApproval {
    pb::ToolApproval {
        id: a.id.to_string(),
        tool_name: a.tool_name,
        input_json: a.input_json,
        preview: Some(approval_preview(a.preview)),
        tool_use_id: a.tool_use_id,
        input_editable: a.input_editable,
        deadline_time: a.deadline.map(ts),
        default_decision: approval_decision(a.default_decision) as i32,
        result: a.result.map(approval_result),
    }
}

pub fn message(m: &domain::Message) -> pb::Message {
    use pb::message::Body;
    let body = match m.body.clone() {
        domain::MessageBody::Step { text } => Body::Step(pb::Step { text }),
        domain::MessageBody::Question(q) => Body::Question(question(q)),
        domain::MessageBody::Answer(a) => Body::Answer(answer(a)),
        domain::MessageBody::UserMessage { text } => Body::UserMessage(pb::UserMessage { text }),
        domain::MessageBody::StatusChange { from, to, reason } => {
            Body::StatusChange(pb::StatusChange {
                from_status: status(from) as i32,
                to_status: status(to) as i32,
                reason,
            })
        }
        domain::MessageBody::DiffUpdate(d) => Body::DiffUpdate(pb::DiffUpdate {
            summary: Some(diff_summary(d)),
        }),
        domain::MessageBody::UsageUpdate(u) => Body::UsageUpdate(pb::UsageUpdate {
            usage: Some(usage(u)),
        }),
        domain::MessageBody::Approval(a) => Body::Approval(approval(a)),
        domain::MessageBody::ApprovalResult(r) => Body::ApprovalResult(approval_result(r)),
    };
    pb::Message {
        session_id: m.session_id.to_string(),
        seq: m.seq,
        sender: sender(m.sender) as i32,
        create_time: Some(ts(m.created_at)),
        body: Some(body),
    }
}

pub fn agent(a: domain::Agent) -> pb::Agent {
    pb::Agent {
        id: a.id.to_string(),
        name: a.name,
        status_counts: a
            .status_counts
            .into_iter()
            .map(|(s, n)| pb::StatusCount {
                status: status(s) as i32,
                count: n,
            })
            .collect(),
        awaiting_input_count: a.awaiting_input_count,
        last_activity_time: a.last_activity_at.map(ts),
        create_time: Some(ts(a.created_at)),
    }
}

pub fn api_key(k: domain::ApiKey) -> pb::ApiKey {
    pb::ApiKey {
        id: k.id.to_string(),
        name: k.name,
        prefix: k.prefix,
        create_time: Some(ts(k.created_at)),
        expire_time: k.expires_at.map(ts),
        last_used_time: k.last_used_at.map(ts),
        revoke_time: k.revoked_at.map(ts),
        project_id: k.project_id.to_string(),
        creator_user_id: k.creator_user_id.to_string(),
        creator_email: k.creator_email,
    }
}

pub fn user(u: domain::User) -> pb::User {
    pb::User {
        id: u.id.to_string(),
        email: u.email,
        display_name: u.display_name,
        create_time: Some(ts(u.created_at)),
    }
}

pub fn inbox_event(e: domain::InboxEvent) -> pb::InboxEvent {
    use domain::InboxEventKind as K;
    pb::InboxEvent {
        cursor: e.cursor,
        kind: match e.kind {
            K::SessionStarted => pb::InboxEventKind::SessionStarted,
            K::StatusChanged => pb::InboxEventKind::StatusChanged,
            K::QuestionAsked => pb::InboxEventKind::QuestionAsked,
            K::QuestionAnswered => pb::InboxEventKind::QuestionAnswered,
            K::SessionEnded => pb::InboxEventKind::SessionEnded,
            K::SessionRenamed => pb::InboxEventKind::SessionRenamed,
            K::SessionDeleted => pb::InboxEventKind::SessionDeleted,
            K::ApprovalRequested => pb::InboxEventKind::ApprovalRequested,
            K::ApprovalDecided => pb::InboxEventKind::ApprovalDecided,
        } as i32,
        session_id: e.session_id.to_string(),
        agent_id: e.agent_id.to_string(),
        agent_name: e.agent_name,
        session_name: e.session_name,
        status: status(e.status) as i32,
        seq: e.seq,
        question_id: e.question_id.map(|q| q.to_string()).unwrap_or_default(),
        question_text: e.question_text,
        open_question_count: e.open_question_count,
        create_time: Some(ts(e.created_at)),
        approval_id: e.approval_id.map(|a| a.to_string()).unwrap_or_default(),
        tool_name: e.tool_name,
        approval_summary: e.approval_summary,
        approval_decision: e
            .approval_decision
            .map_or(pb::ApprovalDecision::Unspecified, approval_decision)
            as i32,
        open_approval_count: e.open_approval_count,
    }
}

pub fn heartbeat(high_water: i64) -> pb::StreamHeartbeat {
    pb::StreamHeartbeat {
        high_water,
        server_time: Some(ts(Utc::now())),
    }
}

pub fn duration(
    field: &'static str,
    d: &prost_types::Duration,
) -> DomainResult<std::time::Duration> {
    if d.seconds < 0 || d.nanos < 0 {
        return Err(DomainError::invalid(field, "must not be negative"));
    }
    Ok(std::time::Duration::new(d.seconds as u64, d.nanos as u32))
}
