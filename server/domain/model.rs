//! Domain types shared by the store, the feeds and the API.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{DomainError, DomainResult, SessionStatus};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn new_random() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(/// A person.
    UserId);
id_type!(/// A named kind of agent of one user.
    AgentId);
id_type!(/// One run of an agent.
    SessionId);
id_type!(/// A question asked in a session.
    QuestionId);
id_type!(/// An API key.
    ApiKeyId);
id_type!(/// A tool approval asked in a session.
    ApprovalId);
id_type!(/// A machine running launched sessions (`switchboard-agent runner`).
    RunnerId);
id_type!(/// A project: owns agents, sessions, keys, the inbox. A personal project's id is its
    /// owner's user id.
    ProjectId);

impl UserId {
    /// The user's personal project (same id: see the projects migration).
    pub fn personal_project(self) -> ProjectId {
        ProjectId(self.0)
    }
}

/// Who is calling AgentService: resolved from an API key by the auth layer.
#[derive(Debug, Clone, Copy)]
pub struct AgentCaller {
    /// Who created the key (recorded as the creator of what the agent starts).
    pub user_id: UserId,
    pub api_key_id: ApiKeyId,
    /// The one project the key acts in.
    pub project_id: ProjectId,
    /// A launch's agent key acts on this one session only (see `AgentCaller::may_act_on`).
    pub session_id: Option<SessionId>,
    /// False when the key came from this process's cache (`auth::key_cache`): it may have been
    /// revoked since, so the write must check it again (`Store::log_step` does, in its own
    /// statement). True when this call looked the key up in the database.
    pub key_confirmed: bool,
}

impl AgentCaller {
    /// A session-bound key (a launch's) sees no other session: NOT_FOUND, exactly like another
    /// project's id.
    pub fn may_act_on(&self, session: SessionId) -> DomainResult<()> {
        match self.session_id {
            Some(bound) if bound != session => Err(DomainError::NotFound("session")),
            _ => Ok(()),
        }
    }

    /// A session-bound key cannot start new sessions (only resume its own).
    pub fn may_start(&self, resume: Option<SessionId>) -> DomainResult<()> {
        match (self.session_id, resume) {
            (Some(_), None) => Err(DomainError::PermissionDenied(
                "this key belongs to one launched session: it can resume that session (session_id) but not start another".into(),
            )),
            (_, Some(s)) => self.may_act_on(s),
            (None, None) => Ok(()),
        }
    }
}

/// Who is calling DashboardService: resolved from an access token by the auth layer.
#[derive(Debug, Clone, Copy)]
pub struct UserCaller {
    pub user_id: UserId,
    /// How the call came (gRPC-Web from the dashboard or plain gRPC), for the audit trail.
    pub channel: super::AuditChannel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[repr(i16)]
pub enum Sender {
    Agent = 1,
    User = 2,
    System = 3,
}

impl Sender {
    pub fn from_i16(v: i16) -> DomainResult<Self> {
        match v {
            1 => Ok(Sender::Agent),
            2 => Ok(Sender::User),
            3 => Ok(Sender::System),
            _ => Err(DomainError::internal(format!("unknown stored sender {v}"))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ChoiceMode {
    #[default]
    Single,
    Multiple,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionOption {
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub description: String,
}

/// A question as asked; `answer` is filled in when reading open/answered questions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub id: QuestionId,
    pub text: String,
    pub options: Vec<QuestionOption>,
    pub choice_mode: ChoiceMode,
    pub allow_free_text: bool,
    pub deadline: Option<DateTime<Utc>>,
    pub default_option_ids: Vec<String>,
    pub default_text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<Answer>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub question_id: QuestionId,
    pub option_ids: Vec<String>,
    pub text: String,
    pub answered_by: Sender,
    pub answered_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_micros: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffSummary {
    pub files_changed: i32,
    pub additions: i32,
    pub deletions: i32,
    pub updated_at: DateTime<Utc>,
}

/// What a message says. Stored as JSON; the kind column duplicates the tag for filtering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MessageBody {
    Step {
        text: String,
    },
    Question(Question),
    Answer(Answer),
    UserMessage {
        text: String,
    },
    StatusChange {
        from: SessionStatus,
        to: SessionStatus,
        reason: String,
    },
    DiffUpdate(DiffSummary),
    UsageUpdate(Usage),
    Approval(ToolApproval),
    ApprovalResult(ApprovalResult),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i16)]
pub enum MessageKind {
    Step = 1,
    Question = 2,
    Answer = 3,
    UserMessage = 4,
    StatusChange = 5,
    DiffUpdate = 6,
    UsageUpdate = 7,
    Approval = 8,
    ApprovalResult = 9,
}

impl MessageBody {
    pub fn kind(&self) -> MessageKind {
        match self {
            MessageBody::Step { .. } => MessageKind::Step,
            MessageBody::Question(_) => MessageKind::Question,
            MessageBody::Answer(_) => MessageKind::Answer,
            MessageBody::UserMessage { .. } => MessageKind::UserMessage,
            MessageBody::StatusChange { .. } => MessageKind::StatusChange,
            MessageBody::DiffUpdate(_) => MessageKind::DiffUpdate,
            MessageBody::UsageUpdate(_) => MessageKind::UsageUpdate,
            MessageBody::Approval(_) => MessageKind::Approval,
            MessageBody::ApprovalResult(_) => MessageKind::ApprovalResult,
        }
    }

    /// Whether the agent's subscription carries this kind (what the agent must react to).
    pub fn is_for_agent(&self) -> bool {
        matches!(
            self,
            MessageBody::UserMessage { .. }
                | MessageBody::Answer(_)
                | MessageBody::ApprovalResult(_)
                | MessageBody::StatusChange { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub session_id: SessionId,
    pub seq: i64,
    pub sender: Sender,
    pub created_at: DateTime<Utc>,
    pub body: MessageBody,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: SessionId,
    pub user_id: UserId,
    pub project_id: ProjectId,
    pub agent_id: AgentId,
    pub agent_name: String,
    pub name: String,
    pub metadata: BTreeMap<String, String>,
    pub status: SessionStatus,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub last_seen_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
    pub last_seq: i64,
    pub open_questions: i32,
    pub open_approvals: i32,
    pub usage: Usage,
    pub diff_summary: Option<DiffSummary>,
    pub summary: String,
    /// What launching added (all empty for a session an agent started itself).
    pub launch: super::SessionLaunchInfo,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    pub id: AgentId,
    pub name: String,
    pub status_counts: Vec<(SessionStatus, i32)>,
    pub awaiting_input_count: i32,
    pub last_activity_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub name: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub project_id: ProjectId,
    pub creator_user_id: UserId,
    pub creator_email: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[repr(i16)]
pub enum InboxEventKind {
    SessionStarted = 1,
    StatusChanged = 2,
    QuestionAsked = 3,
    QuestionAnswered = 4,
    SessionEnded = 5,
    SessionRenamed = 6,
    SessionDeleted = 7,
    ApprovalRequested = 8,
    ApprovalDecided = 9,
}

/// One home-screen event with its per-user cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxEvent {
    pub cursor: i64,
    pub kind: InboxEventKind,
    pub session_id: SessionId,
    pub agent_id: AgentId,
    pub agent_name: String,
    pub session_name: String,
    pub status: SessionStatus,
    pub seq: i64,
    pub question_id: Option<QuestionId>,
    pub question_text: String,
    pub open_question_count: i32,
    pub created_at: DateTime<Utc>,
    // Approval events (issue 14); absent from events stored before, hence the defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_id: Option<ApprovalId>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tool_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub approval_summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_decision: Option<ApprovalDecision>,
    #[serde(default)]
    pub open_approval_count: i32,
}

/// How a tool approval was decided. Stored by name in the message and approval JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalDecision {
    AllowOnce,
    AllowSession,
    Deny,
}

impl ApprovalDecision {
    pub fn is_allow(self) -> bool {
        !matches!(self, ApprovalDecision::Deny)
    }

    /// How a person reads it in a message ("allowed once").
    pub fn describe(self) -> &'static str {
        match self {
            ApprovalDecision::AllowOnce => "allowed once",
            ApprovalDecision::AllowSession => "allowed for the session",
            ApprovalDecision::Deny => "denied",
        }
    }
}

/// The detail of a preview that fits the tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PreviewDetail {
    ShellCommand {
        command: String,
        description: String,
        working_directory: String,
    },
    FileChange {
        path: String,
        unified_diff: String,
    },
    Url {
        url: String,
        description: String,
    },
}

/// What a person needs to judge a tool call on a small screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalPreview {
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<PreviewDetail>,
}

/// A tool call an agent asks its person to allow or deny; `result` once decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolApproval {
    pub id: ApprovalId,
    pub tool_name: String,
    /// The JSON object as the agent sent it: kept as text so that the person sees (and an
    /// allow runs) exactly those bytes, not a re-serialised form with keys reordered.
    pub input_json: String,
    pub preview: ApprovalPreview,
    pub tool_use_id: String,
    pub input_editable: bool,
    pub deadline: Option<DateTime<Utc>>,
    pub default_decision: ApprovalDecision,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<ApprovalResult>,
}

/// The one decision stored for an approval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalResult {
    pub approval_id: ApprovalId,
    pub decision: ApprovalDecision,
    pub reason: String,
    pub updated_input_json: String,
    pub decided_by: Sender,
    pub decided_at: DateTime<Utc>,
}

/// A keyset page: the items and, when there may be more, the cursor of the last one.
#[derive(Debug, Clone)]
pub struct Page<T, C> {
    pub items: Vec<T>,
    pub next: Option<C>,
}
