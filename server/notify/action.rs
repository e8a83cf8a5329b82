//! Action tokens: a single-use, expiring token bound to one person and one open question or
//! approval, so that the person can answer from where a notification landed (an email link, a
//! Slack button, a push notification's action) without signing in.
//!
//! Minted by the delivery worker when it sends a notification (`Store::mint_action_token`; the
//! clear token exists only in the message sent, the database keeps its SHA-256), used through
//! `GET/POST /act/<token>` (`api::act_http`). Using one is an ordinary answer: first answer wins,
//! pushed to the agent, audited with the token's channel and the person as actor, and the token
//! is marked used in the answer's transaction. The person must still hold the edit role.

use uuid::Uuid;

use crate::domain::ApprovalDecision;

/// What a token answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionTarget {
    Question {
        session_id: Uuid,
        question_id: Uuid,
    },
    /// `request_id` is the approval's id (`ToolApproval.id`), as the proto spells it.
    Approval {
        session_id: Uuid,
        request_id: String,
    },
}

impl ActionTarget {
    pub fn session_id(&self) -> Uuid {
        match self {
            ActionTarget::Question { session_id, .. }
            | ActionTarget::Approval { session_id, .. } => *session_id,
        }
    }
}

/// What a person sends through a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionAnswer {
    /// `choices` name options by label (or id); `text` is a free answer.
    Question {
        choices: Vec<String>,
        text: String,
    },
    Approval {
        decision: ApprovalDecision,
    },
}

/// What using (or showing) a token came to: the JSON `status` and the HTTP status of
/// `/act/<token>` (the contract shared with the web push service worker).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActStatus {
    /// The answer was stored (or, for a page, the question is open).
    Answered,
    /// Someone (or the deadline) answered first, or the session ended.
    AlreadyAnswered,
    Expired,
    Used,
    /// No such token (or a malformed one).
    Unknown,
    /// The request does not fit the target (no choice, an option that does not exist...).
    Invalid,
    /// The person no longer holds a role that may answer (beyond the shared contract's list:
    /// a distinct status so a client can say why).
    Forbidden,
    /// The server failed (logged with an id; beyond the contract's list, never the client's
    /// fault).
    Error,
}

impl ActStatus {
    pub fn name(self) -> &'static str {
        match self {
            ActStatus::Answered => "answered",
            ActStatus::AlreadyAnswered => "already_answered",
            ActStatus::Expired => "expired",
            ActStatus::Used => "used",
            ActStatus::Unknown => "unknown",
            ActStatus::Invalid => "invalid",
            ActStatus::Forbidden => "forbidden",
            ActStatus::Error => "error",
        }
    }

    pub fn http(self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            ActStatus::Answered => StatusCode::OK,
            ActStatus::AlreadyAnswered => StatusCode::CONFLICT,
            ActStatus::Expired | ActStatus::Used => StatusCode::GONE,
            ActStatus::Unknown => StatusCode::NOT_FOUND,
            ActStatus::Invalid => StatusCode::BAD_REQUEST,
            ActStatus::Forbidden => StatusCode::FORBIDDEN,
            ActStatus::Error => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The decision names of `decision=` (form or JSON).
pub fn parse_decision(s: &str) -> Option<ApprovalDecision> {
    match s {
        "allow" | "allow_once" => Some(ApprovalDecision::AllowOnce),
        "allow_session" => Some(ApprovalDecision::AllowSession),
        "deny" => Some(ApprovalDecision::Deny),
        _ => None,
    }
}

/// The `decision=` value of a decision (the inverse of [`parse_decision`]).
pub fn decision_name(d: ApprovalDecision) -> &'static str {
    match d {
        ApprovalDecision::AllowOnce => "allow",
        ApprovalDecision::AllowSession => "allow_session",
        ApprovalDecision::Deny => "deny",
    }
}

/// One link of a notification: what it says and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerLink {
    pub label: String,
    pub url: String,
}

/// The answer links of one notification, all carrying one token: the page (every option, free
/// text) and one link per option, which opens the page with that option ready to send (a GET
/// never acts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerLinks {
    pub page: String,
    pub options: Vec<AnswerLink>,
}

/// HTML-escapes text for element content and quoted attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape_html("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn decision_names_round_trip() {
        for d in [
            ApprovalDecision::AllowOnce,
            ApprovalDecision::AllowSession,
            ApprovalDecision::Deny,
        ] {
            assert_eq!(parse_decision(decision_name(d)), Some(d));
        }
        assert_eq!(parse_decision("yes"), None);
    }

    #[test]
    fn statuses_keep_the_contract_codes() {
        assert_eq!(ActStatus::Answered.http().as_u16(), 200);
        assert_eq!(ActStatus::AlreadyAnswered.http().as_u16(), 409);
        assert_eq!(ActStatus::Expired.http().as_u16(), 410);
        assert_eq!(ActStatus::Used.http().as_u16(), 410);
        assert_eq!(ActStatus::Unknown.http().as_u16(), 404);
        assert_eq!(ActStatus::Invalid.http().as_u16(), 400);
    }
}
