//! Notifications (issue 15): what reaches a person away from the dashboard.
//!
//! - The outbox rows are written by the store, in the transaction of the event they announce
//!   (`store::notifications`, called from `Locked::commit`);
//! - `worker` claims due rows (`FOR UPDATE SKIP LOCKED`, so replicas share the work and each row
//!   is sent once), suppresses what a person is already watching (`Presence`), sends, records
//!   every attempt and retries with backoff;
//! - `webhook` is the HTTP side: the generic HMAC-signed JSON body and the Slack Block Kit one;
//!   `email` the SMTP side; `action` the answer links (action tokens) all of them carry.
//! - `push` sends web push (RFC 8030/8291) to browsers, signed with `vapid` (RFC 8292).

pub mod action;
pub mod email;
pub mod presence;
pub mod push;
pub mod tls;
pub mod vapid;
pub mod webhook;
pub mod worker;

pub use presence::Presence;

/// What a webhook's signing secret is sealed for (`auth::sealed`).
pub const WEBHOOK_SECRET_PURPOSE: &str = "notification webhook signing secret";
/// What a Slack channel's URL (it carries Slack's secret) is sealed for.
pub const SLACK_URL_PURPOSE: &str = "notification slack webhook url";

use serde::{Deserialize, Serialize};

/// Mirrors `switchboard.v1.NotificationEvent`; stored as its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(i16)]
pub enum NotifyEvent {
    QuestionAsked = 1,
    ApprovalRequested = 2,
    DeadlineNear = 3,
    SessionFailed = 4,
    SessionCompleted = 5,
    SessionDisconnected = 6,
}

impl NotifyEvent {
    pub const ALL: [NotifyEvent; 6] = [
        NotifyEvent::QuestionAsked,
        NotifyEvent::ApprovalRequested,
        NotifyEvent::DeadlineNear,
        NotifyEvent::SessionFailed,
        NotifyEvent::SessionCompleted,
        NotifyEvent::SessionDisconnected,
    ];

    pub fn from_i16(v: i16) -> Option<NotifyEvent> {
        NotifyEvent::ALL.into_iter().find(|e| *e as i16 == v)
    }

    /// The name receivers see in the JSON body.
    pub fn name(self) -> &'static str {
        match self {
            NotifyEvent::QuestionAsked => "question_asked",
            NotifyEvent::ApprovalRequested => "approval_requested",
            NotifyEvent::DeadlineNear => "deadline_near",
            NotifyEvent::SessionFailed => "session_failed",
            NotifyEvent::SessionCompleted => "session_completed",
            NotifyEvent::SessionDisconnected => "session_disconnected",
        }
    }
}

/// Mirrors `switchboard.v1.ChannelKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i16)]
pub enum ChannelKind {
    Webhook = 1,
    Slack = 2,
    Email = 3,
    WebPush = 4,
}

impl ChannelKind {
    pub fn from_i16(v: i16) -> Option<ChannelKind> {
        match v {
            1 => Some(ChannelKind::Webhook),
            2 => Some(ChannelKind::Slack),
            3 => Some(ChannelKind::Email),
            4 => Some(ChannelKind::WebPush),
            _ => None,
        }
    }
}

/// Mirrors `switchboard.v1.DeliveryOutcome`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i16)]
pub enum Outcome {
    Sent = 1,
    Suppressed = 2,
    Failed = 3,
}

impl Outcome {
    pub fn from_i16(v: i16) -> Option<Outcome> {
        match v {
            1 => Some(Outcome::Sent),
            2 => Some(Outcome::Suppressed),
            3 => Some(Outcome::Failed),
            _ => None,
        }
    }
}

/// What a notification says, kept in the outbox row (a snapshot at the event's commit: the
/// session may be renamed or the question answered before delivery).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Payload {
    pub session_id: String,
    pub session_name: String,
    pub agent_name: String,
    pub status: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub question_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub question_text: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tool_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub approval_summary: String,
    /// The approval's id (action tokens for the approval are minted from it at delivery).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub approval_id: String,
    /// The status change's reason (why it failed or disconnected).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// When the question times out (RFC 3339), for a deadline warning.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub deadline: String,
}
