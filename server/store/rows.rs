//! Row shapes and their conversion into domain types.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::*;

/// Columns of `SESSION_COLUMNS`, in order.
#[derive(sqlx::FromRow)]
pub(super) struct SessionRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub project_id: Uuid,
    pub agent_id: Uuid,
    pub agent_name: String,
    pub name: String,
    pub metadata: sqlx::types::Json<BTreeMap<String, String>>,
    pub status: i16,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub last_seen_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
    pub last_seq: i64,
    pub open_questions: i32,
    pub open_approvals: i32,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_micros: i64,
    pub diff_files: i32,
    pub diff_additions: i32,
    pub diff_deletions: i32,
    pub diff_updated_at: Option<DateTime<Utc>>,
    pub summary: String,
    pub stop_reason: Option<i16>,
    pub exit_code: Option<i32>,
    pub last_output_lines: Option<sqlx::types::Json<Vec<String>>>,
    pub runner_id: Option<Uuid>,
    pub parent_session_id: Option<Uuid>,
}

pub(super) const SESSION_COLUMNS: &str = "s.id, s.user_id, s.project_id, s.agent_id, a.name AS agent_name, s.name, s.metadata, \
    s.status, s.started_at, s.ended_at, s.last_seen_at, s.last_activity_at, s.last_seq, \
    s.open_questions, s.input_tokens, s.output_tokens, s.cost_micros, s.diff_files, s.diff_additions, \
    s.diff_deletions, s.diff_updated_at, s.summary, s.open_approvals, s.stop_reason, s.exit_code, \
    s.last_output_lines, s.runner_id, s.parent_session_id";

impl SessionRow {
    pub fn into_domain(self) -> DomainResult<Session> {
        Ok(Session {
            id: SessionId(self.id),
            user_id: UserId(self.user_id),
            project_id: ProjectId(self.project_id),
            agent_id: AgentId(self.agent_id),
            agent_name: self.agent_name,
            name: self.name,
            metadata: self.metadata.0,
            status: SessionStatus::from_i16(self.status)?,
            started_at: self.started_at,
            ended_at: self.ended_at,
            last_seen_at: self.last_seen_at,
            last_activity_at: self.last_activity_at,
            last_seq: self.last_seq,
            open_questions: self.open_questions,
            open_approvals: self.open_approvals,
            usage: Usage {
                input_tokens: self.input_tokens,
                output_tokens: self.output_tokens,
                cost_micros: self.cost_micros,
            },
            diff_summary: self.diff_updated_at.map(|updated_at| DiffSummary {
                files_changed: self.diff_files,
                additions: self.diff_additions,
                deletions: self.diff_deletions,
                updated_at,
            }),
            summary: self.summary,
            launch: SessionLaunchInfo {
                parent_session_id: self.parent_session_id.map(SessionId),
                stop_reason: self.stop_reason.map(StopReason::from_i16).transpose()?,
                exit_code: self.exit_code,
                last_output_lines: self.last_output_lines.map(|j| j.0).unwrap_or_default(),
                runner_id: self.runner_id.map(RunnerId),
            },
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct MessageRow {
    pub session_id: Uuid,
    pub seq: i64,
    pub sender: i16,
    pub body: sqlx::types::Json<MessageBody>,
    pub created_at: DateTime<Utc>,
}

pub(super) const MESSAGE_COLUMNS: &str = "session_id, seq, sender, body, created_at";

impl MessageRow {
    pub fn into_domain(self) -> DomainResult<Message> {
        Ok(Message {
            session_id: SessionId(self.session_id),
            seq: self.seq,
            sender: Sender::from_i16(self.sender)?,
            created_at: self.created_at,
            body: self.body.0,
        })
    }
}

pub(super) fn messages(rows: Vec<MessageRow>) -> DomainResult<Vec<Message>> {
    rows.into_iter().map(MessageRow::into_domain).collect()
}

#[derive(sqlx::FromRow)]
pub(super) struct ApiKeyRow {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub project_id: Uuid,
    pub user_id: Uuid,
    pub creator_email: Option<String>,
}

/// Selected from `api_keys k` (the creator's email by subquery, so that the columns also work
/// in an INSERT/UPDATE ... RETURNING on `api_keys AS k`).
pub(super) const API_KEY_COLUMNS: &str = "k.id, k.name, k.prefix, k.created_at, k.expires_at, k.last_used_at, k.revoked_at, \
    k.project_id, k.user_id, (SELECT u.email FROM users u WHERE u.id = k.user_id) AS creator_email";

impl From<ApiKeyRow> for ApiKey {
    fn from(r: ApiKeyRow) -> ApiKey {
        ApiKey {
            id: ApiKeyId(r.id),
            name: r.name,
            prefix: r.prefix,
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
            project_id: ProjectId(r.project_id),
            creator_user_id: UserId(r.user_id),
            creator_email: r.creator_email.unwrap_or_default(),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub created_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> User {
        User {
            id: UserId(r.id),
            email: r.email,
            display_name: r.display_name,
            created_at: r.created_at,
        }
    }
}

/// What a step stores beside its body (`messages.meta`) so that a retry returns the same
/// queued user messages as the original: the agent's read position before and after it.
/// The field names are the stored format (the one-statement step writes them with
/// `jsonb_build_object`): rename them only with a migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StepMeta {
    pub read_after: i64,
    pub read_through: i64,
}

impl StepMeta {
    pub fn to_stored(self) -> serde_json::Value {
        serde_json::to_value(self).expect("two integers serialize")
    }

    /// A step row without readable metadata is a bug in what wrote it, not the caller's fault.
    pub fn from_stored(meta: Option<serde_json::Value>) -> DomainResult<StepMeta> {
        let meta = meta.ok_or_else(|| DomainError::internal("a stored step has no meta"))?;
        serde_json::from_value(meta)
            .map_err(|e| DomainError::internal_from("a stored step's meta is unreadable", e))
    }
}

#[cfg(test)]
mod stored_format {
    use super::StepMeta;
    use crate::domain::{MessageBody, Usage};

    /// Rows written by earlier versions must stay readable: these are the stored JSON forms,
    /// byte for byte. A renamed domain field fails here instead of on old rows in production.
    #[test]
    fn stored_json_forms_are_stable() {
        let meta = StepMeta {
            read_after: 3,
            read_through: 7,
        };
        assert_eq!(
            meta.to_stored().to_string(),
            r#"{"read_after":3,"read_through":7}"#
        );
        let step = MessageBody::Step {
            text: "ran the tests".into(),
        };
        let stored = serde_json::to_string(&step).unwrap();
        assert_eq!(stored, r#"{"type":"step","text":"ran the tests"}"#);
        let back: MessageBody = serde_json::from_str(&stored).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), stored);
        let usage = MessageBody::UsageUpdate(Usage {
            input_tokens: 1,
            output_tokens: 2,
            cost_micros: 3,
        });
        let stored = serde_json::to_string(&usage).unwrap();
        assert_eq!(
            stored,
            r#"{"type":"usage_update","input_tokens":1,"output_tokens":2,"cost_micros":3}"#
        );
        let back: MessageBody = serde_json::from_str(&stored).unwrap();
        assert_eq!(back, usage);
    }

    #[test]
    fn stored_approval_forms_are_stable() {
        use crate::domain::*;
        let id = ApprovalId(uuid::Uuid::nil());
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let approval = MessageBody::Approval(ToolApproval {
            id,
            tool_name: "Bash".into(),
            input_json: r#"{"command":"ls"}"#.into(),
            preview: ApprovalPreview {
                summary: "Run ls".into(),
                detail: Some(PreviewDetail::ShellCommand {
                    command: "ls".into(),
                    description: String::new(),
                    working_directory: String::new(),
                }),
            },
            tool_use_id: "toolu_1".into(),
            input_editable: false,
            deadline: None,
            default_decision: ApprovalDecision::Deny,
            result: None,
        });
        let stored = serde_json::to_string(&approval).unwrap();
        assert_eq!(
            stored,
            r#"{"type":"approval","id":"00000000-0000-0000-0000-000000000000","tool_name":"Bash","input_json":"{\"command\":\"ls\"}","preview":{"summary":"Run ls","detail":{"type":"shell_command","command":"ls","description":"","working_directory":""}},"tool_use_id":"toolu_1","input_editable":false,"deadline":null,"default_decision":"deny"}"#
        );
        assert_eq!(
            serde_json::from_str::<MessageBody>(&stored).unwrap(),
            approval
        );
        let result = MessageBody::ApprovalResult(ApprovalResult {
            approval_id: id,
            decision: ApprovalDecision::AllowSession,
            reason: String::new(),
            updated_input_json: String::new(),
            decided_by: Sender::User,
            decided_at: at,
        });
        let stored = serde_json::to_string(&result).unwrap();
        assert_eq!(
            stored,
            r#"{"type":"approval_result","approval_id":"00000000-0000-0000-0000-000000000000","decision":"allow_session","reason":"","updated_input_json":"","decided_by":"User","decided_at":"2026-12-01T00:00:00Z"}"#
        );
        assert_eq!(
            serde_json::from_str::<MessageBody>(&stored).unwrap(),
            result
        );
    }
}
