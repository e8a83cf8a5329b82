//! Projects, roles, shares and the audit trail's vocabulary.

use serde::{Deserialize, Serialize};

use super::{DomainError, DomainResult};

/// A member's role; each includes the ones below it (the derive's order is the check).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[repr(i16)]
pub enum Role {
    View = 1,
    Edit = 2,
    Admin = 3,
}

impl Role {
    pub fn from_i16(v: i16) -> DomainResult<Role> {
        match v {
            1 => Ok(Role::View),
            2 => Ok(Role::Edit),
            3 => Ok(Role::Admin),
            _ => Err(DomainError::internal(format!("stored role {v} is unknown"))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::View => "view",
            Role::Edit => "edit",
            Role::Admin => "admin",
        }
    }
}

/// What a session share allows: READ acts as the view role, WRITE as edit (never admin: an
/// outsider cannot delete the session or manage its shares).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[repr(i16)]
pub enum ShareAccess {
    Read = 1,
    Write = 2,
}

impl ShareAccess {
    pub fn from_i16(v: i16) -> DomainResult<ShareAccess> {
        match v {
            1 => Ok(ShareAccess::Read),
            2 => Ok(ShareAccess::Write),
            _ => Err(DomainError::internal(format!(
                "stored share access {v} is unknown"
            ))),
        }
    }

    pub fn as_role(self) -> Role {
        match self {
            ShareAccess::Read => Role::View,
            ShareAccess::Write => Role::Edit,
        }
    }
}

/// Through which channel an audited action came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[repr(i16)]
pub enum AuditChannel {
    /// The web dashboard: the call came over gRPC-Web.
    Dashboard = 1,
    /// Any other API client (plain gRPC).
    Api = 2,
    /// Reserved for the notifications work.
    NotificationLink = 3,
    /// Reserved for the notifications work.
    PushAction = 4,
}

impl AuditChannel {
    pub fn from_i16(v: i16) -> DomainResult<AuditChannel> {
        match v {
            1 => Ok(AuditChannel::Dashboard),
            2 => Ok(AuditChannel::Api),
            3 => Ok(AuditChannel::NotificationLink),
            4 => Ok(AuditChannel::PushAction),
            _ => Err(DomainError::internal(format!(
                "stored audit channel {v} is unknown"
            ))),
        }
    }
}

/// What an audit event records. The numbers are stored and equal the proto's `AuditAction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[repr(i16)]
pub enum AuditAction {
    QuestionAnswered = 1,
    MessageSent = 2,
    SessionStopped = 3,
    SessionRenamed = 4,
    SessionDeleted = 5,
    ApprovalAllowed = 6,
    ApprovalAllowedForSession = 7,
    ApprovalDenied = 8,
    ApiKeyCreated = 9,
    ApiKeyRevoked = 10,
    MemberInvited = 11,
    InvitationAccepted = 12,
    InvitationDeclined = 13,
    MemberRemoved = 14,
    MemberRoleChanged = 15,
    MemberLeft = 16,
    ShareGranted = 17,
    ShareRevoked = 18,
    ProjectCreated = 19,
    ProjectDeleted = 20,
    SessionLaunched = 21,
    SessionContinued = 22,
    RunnerCreated = 23,
    RunnerRevoked = 24,
}

impl AuditAction {
    pub const ALL: [AuditAction; 24] = [
        AuditAction::QuestionAnswered,
        AuditAction::MessageSent,
        AuditAction::SessionStopped,
        AuditAction::SessionRenamed,
        AuditAction::SessionDeleted,
        AuditAction::ApprovalAllowed,
        AuditAction::ApprovalAllowedForSession,
        AuditAction::ApprovalDenied,
        AuditAction::ApiKeyCreated,
        AuditAction::ApiKeyRevoked,
        AuditAction::MemberInvited,
        AuditAction::InvitationAccepted,
        AuditAction::InvitationDeclined,
        AuditAction::MemberRemoved,
        AuditAction::MemberRoleChanged,
        AuditAction::MemberLeft,
        AuditAction::ShareGranted,
        AuditAction::ShareRevoked,
        AuditAction::ProjectCreated,
        AuditAction::ProjectDeleted,
        AuditAction::SessionLaunched,
        AuditAction::SessionContinued,
        AuditAction::RunnerCreated,
        AuditAction::RunnerRevoked,
    ];

    pub fn from_i16(v: i16) -> DomainResult<AuditAction> {
        AuditAction::ALL
            .into_iter()
            .find(|a| *a as i16 == v)
            .ok_or_else(|| DomainError::internal(format!("stored audit action {v} is unknown")))
    }
}
