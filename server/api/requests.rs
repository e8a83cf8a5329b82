//! Every request that carries more than an id, turned into the command it asks for: one
//! `TryFrom<proto request>` each, so that a handler reads validate → caller → call → convert.
//! Fields are checked in the order the request declares them, and a bad one is named in an
//! INVALID_ARGUMENT (`DomainError::InvalidArgument`), never INTERNAL.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::convert;
use crate::domain::validate::{self, NewApproval, NewDecision, NewQuestion};
use crate::domain::{
    AgentId, ApprovalId, ChoiceMode, DomainError, QuestionId, QuestionOption, SessionId, Usage,
};
use crate::proto as pb;
use crate::store::{
    AnswerInput, ApprovalRef, EndOutcome, MessageDirection, SessionFilter, StartSession,
};

/// Parses the `session_id` field every session RPC carries.
pub fn session_id(value: &str) -> Result<SessionId, DomainError> {
    Ok(SessionId(validate::uuid("session_id", value)?))
}

fn not_negative(field: &'static str, value: i64) -> Result<i64, DomainError> {
    if value < 0 {
        return Err(DomainError::invalid(field, "must not be negative"));
    }
    Ok(value)
}

impl TryFrom<pb::StartSessionRequest> for StartSession {
    type Error = DomainError;
    fn try_from(req: pb::StartSessionRequest) -> Result<Self, DomainError> {
        Ok(StartSession {
            session_id: if req.session_id.is_empty() {
                None
            } else {
                Some(session_id(&req.session_id)?)
            },
            agent_name: validate::agent_name(&req.agent_name)?,
            name: Some(validate::optional_text(
                "name",
                req.name.trim(),
                validate::MAX_SESSION_NAME_CHARS,
            )?),
            metadata: validate::metadata(&req.metadata)?,
            request_id: validate::request_id(&req.request_id)?,
        })
    }
}

pub struct LogStep {
    pub session: SessionId,
    pub text: String,
    pub request_id: String,
}

impl TryFrom<pb::LogStepRequest> for LogStep {
    type Error = DomainError;
    fn try_from(req: pb::LogStepRequest) -> Result<Self, DomainError> {
        Ok(LogStep {
            session: session_id(&req.session_id)?,
            text: validate::required_text("text", &req.text, validate::MAX_TEXT_CHARS)?,
            request_id: validate::request_id(&req.request_id)?,
        })
    }
}

pub struct AskQuestion {
    pub session: SessionId,
    pub request_id: String,
    pub question: NewQuestion,
}

impl TryFrom<pb::AskQuestionRequest> for AskQuestion {
    type Error = DomainError;
    fn try_from(req: pb::AskQuestionRequest) -> Result<Self, DomainError> {
        let session = session_id(&req.session_id)?;
        let request_id = validate::request_id(&req.request_id)?;
        let choice_mode = match pb::ChoiceMode::try_from(req.choice_mode) {
            Ok(pb::ChoiceMode::Unspecified) | Ok(pb::ChoiceMode::Single) => ChoiceMode::Single,
            Ok(pb::ChoiceMode::Multiple) => ChoiceMode::Multiple,
            Err(_) => {
                return Err(DomainError::invalid(
                    "choice_mode",
                    "is not a known choice mode",
                ));
            }
        };
        let question = NewQuestion {
            text: req.text,
            options: req
                .options
                .into_iter()
                .map(|o| QuestionOption {
                    id: o.id,
                    label: o.label,
                    description: o.description,
                })
                .collect(),
            choice_mode,
            allow_free_text: req.allow_free_text,
            timeout: req
                .timeout
                .as_ref()
                .map(|d| convert::duration("timeout", d))
                .transpose()?,
            default_option_ids: req.default_option_ids,
            default_text: req.default_text,
        }
        .validate()?;
        Ok(AskQuestion {
            session,
            request_id,
            question,
        })
    }
}

pub struct WaitForAnswer {
    pub session: SessionId,
    pub question: QuestionId,
    /// The wait the agent asked for, if any (`feed::wait::wait_time` bounds it).
    pub timeout: Option<Duration>,
}

impl TryFrom<pb::WaitForAnswerRequest> for WaitForAnswer {
    type Error = DomainError;
    fn try_from(req: pb::WaitForAnswerRequest) -> Result<Self, DomainError> {
        Ok(WaitForAnswer {
            session: session_id(&req.session_id)?,
            question: QuestionId(validate::uuid("question_id", &req.question_id)?),
            timeout: req
                .timeout
                .as_ref()
                .map(|d| convert::duration("timeout", d))
                .transpose()?,
        })
    }
}

fn optional_duration(
    field: &'static str,
    d: Option<&prost_types::Duration>,
) -> Result<Option<Duration>, DomainError> {
    d.map(|d| convert::duration(field, d)).transpose()
}

pub struct RequestApproval {
    pub session: SessionId,
    pub request_id: String,
    pub approval: NewApproval,
}

impl TryFrom<pb::RequestApprovalRequest> for RequestApproval {
    type Error = DomainError;
    fn try_from(req: pb::RequestApprovalRequest) -> Result<Self, DomainError> {
        let session = session_id(&req.session_id)?;
        let timeout = optional_duration("timeout", req.timeout.as_ref())?;
        let default_decision =
            convert::approval_decision_from_pb("default_decision", req.default_decision)?;
        let approval = NewApproval::validate(
            &req.tool_name,
            &req.input_json,
            req.preview.map(convert::approval_preview_from_pb),
            &req.tool_use_id,
            req.input_editable,
            timeout,
            default_decision,
        )?;
        Ok(RequestApproval {
            session,
            request_id: validate::request_id(&req.request_id)?,
            approval,
        })
    }
}

pub struct WaitForApproval {
    pub session: SessionId,
    pub approval: ApprovalId,
    /// The wait the agent asked for, if any (`feed::wait::wait_time` bounds it).
    pub timeout: Option<Duration>,
}

impl TryFrom<pb::WaitForApprovalRequest> for WaitForApproval {
    type Error = DomainError;
    fn try_from(req: pb::WaitForApprovalRequest) -> Result<Self, DomainError> {
        Ok(WaitForApproval {
            session: session_id(&req.session_id)?,
            approval: ApprovalId(validate::uuid("approval_id", &req.approval_id)?),
            timeout: optional_duration("timeout", req.timeout.as_ref())?,
        })
    }
}

pub struct ResolveApproval {
    pub session: SessionId,
    pub approval: ApprovalRef,
    pub decision: NewDecision,
    pub request_id: String,
}

impl TryFrom<pb::ResolveApprovalRequest> for ResolveApproval {
    type Error = DomainError;
    fn try_from(req: pb::ResolveApprovalRequest) -> Result<Self, DomainError> {
        let session = session_id(&req.session_id)?;
        let approval = match (req.approval_id.is_empty(), req.tool_use_id.is_empty()) {
            (false, true) => {
                ApprovalRef::Id(ApprovalId(validate::uuid("approval_id", &req.approval_id)?))
            }
            (true, false) => ApprovalRef::ToolUseId(validate::optional_text(
                "tool_use_id",
                &req.tool_use_id,
                validate::MAX_TOOL_USE_ID_CHARS,
            )?),
            (true, true) => {
                return Err(DomainError::invalid(
                    "approval_id",
                    "name the approval: set approval_id or tool_use_id (one of them)",
                ));
            }
            (false, false) => {
                return Err(DomainError::invalid(
                    "approval_id",
                    "set approval_id or tool_use_id, not both",
                ));
            }
        };
        let decision = NewDecision::validate(
            convert::approval_decision_from_pb("decision", req.decision)?,
            &req.reason,
            "",
        )?;
        Ok(ResolveApproval {
            session,
            approval,
            decision,
            request_id: validate::request_id(&req.request_id)?,
        })
    }
}

pub struct DecideApproval {
    pub session: SessionId,
    pub approval: ApprovalId,
    pub decision: NewDecision,
    pub request_id: Option<String>,
}

impl TryFrom<pb::DecideApprovalRequest> for DecideApproval {
    type Error = DomainError;
    fn try_from(req: pb::DecideApprovalRequest) -> Result<Self, DomainError> {
        Ok(DecideApproval {
            session: session_id(&req.session_id)?,
            approval: ApprovalId(validate::uuid("approval_id", &req.approval_id)?),
            decision: NewDecision::validate(
                convert::approval_decision_from_pb("decision", req.decision)?,
                &req.reason,
                &req.updated_input_json,
            )?,
            request_id: validate::optional_request_id(&req.request_id)?,
        })
    }
}

/// A session feed from a resume position (Subscribe, WatchSession).
pub struct SessionFeed {
    pub session: SessionId,
    pub after_seq: i64,
}

impl TryFrom<pb::SubscribeRequest> for SessionFeed {
    type Error = DomainError;
    fn try_from(req: pb::SubscribeRequest) -> Result<Self, DomainError> {
        Ok(SessionFeed {
            session: session_id(&req.session_id)?,
            after_seq: not_negative("after_seq", req.after_seq)?,
        })
    }
}

impl TryFrom<pb::WatchSessionRequest> for SessionFeed {
    type Error = DomainError;
    fn try_from(req: pb::WatchSessionRequest) -> Result<Self, DomainError> {
        Ok(SessionFeed {
            session: session_id(&req.session_id)?,
            after_seq: not_negative("after_seq", req.after_seq)?,
        })
    }
}

pub struct Acknowledge {
    pub session: SessionId,
    pub through_seq: i64,
}

impl TryFrom<pb::AcknowledgeMessagesRequest> for Acknowledge {
    type Error = DomainError;
    fn try_from(req: pb::AcknowledgeMessagesRequest) -> Result<Self, DomainError> {
        Ok(Acknowledge {
            session: session_id(&req.session_id)?,
            through_seq: not_negative("through_seq", req.through_seq)?,
        })
    }
}

/// A diff as sent; its size limit is a setting, checked by `domain::diff::analyze`.
pub struct ReportDiff {
    pub session: SessionId,
    pub request_id: String,
    pub diff: String,
}

impl TryFrom<pb::ReportDiffRequest> for ReportDiff {
    type Error = DomainError;
    fn try_from(req: pb::ReportDiffRequest) -> Result<Self, DomainError> {
        Ok(ReportDiff {
            session: session_id(&req.session_id)?,
            request_id: validate::request_id(&req.request_id)?,
            diff: req.diff,
        })
    }
}

pub struct ReportUsage {
    pub session: SessionId,
    pub request_id: String,
    pub usage: Usage,
}

impl TryFrom<pb::ReportUsageRequest> for ReportUsage {
    type Error = DomainError;
    fn try_from(req: pb::ReportUsageRequest) -> Result<Self, DomainError> {
        let session = session_id(&req.session_id)?;
        let request_id = validate::request_id(&req.request_id)?;
        let u = req
            .usage
            .ok_or_else(|| DomainError::invalid("usage", "is required"))?;
        Ok(ReportUsage {
            session,
            request_id,
            usage: Usage {
                input_tokens: not_negative("usage.input_tokens", u.input_tokens)?,
                output_tokens: not_negative("usage.output_tokens", u.output_tokens)?,
                cost_micros: not_negative("usage.cost_micros", u.cost_micros)?,
            },
        })
    }
}

pub struct EndSession {
    pub session: SessionId,
    pub request_id: String,
    pub outcome: EndOutcome,
    pub summary: String,
}

impl TryFrom<pb::EndSessionRequest> for EndSession {
    type Error = DomainError;
    fn try_from(req: pb::EndSessionRequest) -> Result<Self, DomainError> {
        let session = session_id(&req.session_id)?;
        let request_id = validate::request_id(&req.request_id)?;
        let outcome = match pb::SessionOutcome::try_from(req.outcome) {
            Ok(pb::SessionOutcome::Completed) => EndOutcome::Completed,
            Ok(pb::SessionOutcome::Failed) => EndOutcome::Failed,
            _ => {
                return Err(DomainError::invalid(
                    "outcome",
                    "is required: COMPLETED or FAILED",
                ));
            }
        };
        Ok(EndSession {
            session,
            request_id,
            outcome,
            summary: validate::optional_text("summary", &req.summary, validate::MAX_TEXT_CHARS)?,
        })
    }
}

impl TryFrom<&pb::ListSessionsRequest> for SessionFilter {
    type Error = DomainError;
    fn try_from(req: &pb::ListSessionsRequest) -> Result<Self, DomainError> {
        let mut filter = SessionFilter::default();
        if !req.agent_id.is_empty() {
            filter.agent_id = Some(AgentId(validate::uuid("agent_id", &req.agent_id)?));
        }
        for s in &req.statuses {
            filter
                .statuses
                .push(convert::status_from_pb("statuses", *s)?);
        }
        Ok(filter)
    }
}

pub struct ListMessages {
    pub session: SessionId,
    pub limit: i64,
    pub direction: MessageDirection,
    /// Where to start when there is no page token (0: from the start or the end).
    pub cursor_seq: i64,
}

impl TryFrom<&pb::ListMessagesRequest> for ListMessages {
    type Error = DomainError;
    fn try_from(req: &pb::ListMessagesRequest) -> Result<Self, DomainError> {
        let session = session_id(&req.session_id)?;
        let limit = validate::page_size(req.page_size)?;
        let direction = match pb::ListDirection::try_from(req.direction) {
            Ok(pb::ListDirection::Unspecified) | Ok(pb::ListDirection::Forward) => {
                MessageDirection::Forward
            }
            Ok(pb::ListDirection::Backward) => MessageDirection::Backward,
            Err(_) => {
                return Err(DomainError::invalid(
                    "direction",
                    "is not a known direction",
                ));
            }
        };
        Ok(ListMessages {
            session,
            limit,
            direction,
            cursor_seq: not_negative("cursor_seq", req.cursor_seq)?,
        })
    }
}

pub struct AnswerQuestion {
    pub session: SessionId,
    pub question: QuestionId,
    pub input: AnswerInput,
}

impl TryFrom<pb::AnswerQuestionRequest> for AnswerQuestion {
    type Error = DomainError;
    fn try_from(req: pb::AnswerQuestionRequest) -> Result<Self, DomainError> {
        Ok(AnswerQuestion {
            session: session_id(&req.session_id)?,
            question: QuestionId(validate::uuid("question_id", &req.question_id)?),
            input: AnswerInput {
                option_ids: req.option_ids,
                text: req.text,
                request_id: validate::optional_request_id(&req.request_id)?,
            },
        })
    }
}

pub struct SendMessage {
    pub session: SessionId,
    pub text: String,
    pub request_id: Option<String>,
}

impl TryFrom<pb::SendMessageRequest> for SendMessage {
    type Error = DomainError;
    fn try_from(req: pb::SendMessageRequest) -> Result<Self, DomainError> {
        Ok(SendMessage {
            session: session_id(&req.session_id)?,
            text: validate::required_text("text", &req.text, validate::MAX_TEXT_CHARS)?,
            request_id: validate::optional_request_id(&req.request_id)?,
        })
    }
}

pub struct StopSession {
    pub session: SessionId,
    pub reason: String,
}

impl TryFrom<pb::StopSessionRequest> for StopSession {
    type Error = DomainError;
    fn try_from(req: pb::StopSessionRequest) -> Result<Self, DomainError> {
        Ok(StopSession {
            session: session_id(&req.session_id)?,
            reason: validate::optional_text("reason", &req.reason, validate::MAX_REASON_CHARS)?,
        })
    }
}

pub struct RenameSession {
    pub session: SessionId,
    pub name: String,
}

impl TryFrom<pb::RenameSessionRequest> for RenameSession {
    type Error = DomainError;
    fn try_from(req: pb::RenameSessionRequest) -> Result<Self, DomainError> {
        Ok(RenameSession {
            session: session_id(&req.session_id)?,
            name: validate::required_text(
                "name",
                req.name.trim(),
                validate::MAX_SESSION_NAME_CHARS,
            )?,
        })
    }
}

pub struct CreateApiKey {
    pub name: String,
    pub expires_at: Option<DateTime<Utc>>,
}

impl TryFrom<pb::CreateApiKeyRequest> for CreateApiKey {
    type Error = DomainError;
    fn try_from(req: pb::CreateApiKeyRequest) -> Result<Self, DomainError> {
        let name = validate::required_text("name", req.name.trim(), validate::MAX_KEY_NAME_CHARS)?;
        let expires_at = match &req.expire_time {
            Some(t) => {
                let t = convert::from_ts("expire_time", t)?;
                if t <= Utc::now() {
                    return Err(DomainError::invalid("expire_time", "must be in the future"));
                }
                Some(t)
            }
            None => None,
        };
        Ok(CreateApiKey { name, expires_at })
    }
}
