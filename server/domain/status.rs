//! The session status machine.

use serde::{Deserialize, Serialize};

use super::{DomainError, DomainResult};

/// Mirrors `switchboard.v1.SessionStatus`; stored as its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(i16)]
pub enum SessionStatus {
    Active = 1,
    AwaitingInput = 2,
    Stopping = 3,
    Completed = 4,
    Failed = 5,
    Stopped = 6,
    Disconnected = 7,
    /// Launched, waiting for a runner.
    Pending = 8,
    /// A runner started the agent process; the agent has not called in yet.
    Starting = 9,
}

impl SessionStatus {
    pub const ALL: [SessionStatus; 9] = [
        SessionStatus::Active,
        SessionStatus::AwaitingInput,
        SessionStatus::Stopping,
        SessionStatus::Completed,
        SessionStatus::Failed,
        SessionStatus::Stopped,
        SessionStatus::Disconnected,
        SessionStatus::Pending,
        SessionStatus::Starting,
    ];

    pub fn from_i16(value: i16) -> DomainResult<Self> {
        Self::ALL
            .into_iter()
            .find(|s| *s as i16 == value)
            .ok_or_else(|| DomainError::internal(format!("unknown stored session status {value}")))
    }

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            SessionStatus::Completed | SessionStatus::Failed | SessionStatus::Stopped
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            SessionStatus::Active => "ACTIVE",
            SessionStatus::AwaitingInput => "AWAITING_INPUT",
            SessionStatus::Stopping => "STOPPING",
            SessionStatus::Completed => "COMPLETED",
            SessionStatus::Failed => "FAILED",
            SessionStatus::Stopped => "STOPPED",
            SessionStatus::Disconnected => "DISCONNECTED",
            SessionStatus::Pending => "PENDING",
            SessionStatus::Starting => "STARTING",
        }
    }

    /// Agent writes are refused on terminal sessions.
    pub fn ensure_writable(self) -> DomainResult<()> {
        if self.is_terminal() {
            return Err(DomainError::FailedPrecondition(format!(
                "session is {}; a terminal session accepts no more writes (start a new session)",
                self.name()
            )));
        }
        Ok(())
    }

    /// Status after the agent shows a sign of life (a write, heartbeat or subscription) with
    /// `open_questions` unanswered: a stop request and open questions survive, a disconnect
    /// does not.
    pub fn after_agent_contact(self, open_questions: i32) -> SessionStatus {
        match self {
            SessionStatus::Stopping => SessionStatus::Stopping,
            s if s.is_terminal() => s,
            _ if open_questions > 0 => SessionStatus::AwaitingInput,
            _ => SessionStatus::Active,
        }
    }

    /// Status after the agent ends the session with `outcome`.
    pub fn after_end(self, completed: bool) -> SessionStatus {
        match self {
            SessionStatus::Stopping => SessionStatus::Stopped,
            _ if completed => SessionStatus::Completed,
            _ => SessionStatus::Failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SessionStatus::*;

    #[test]
    fn terminal_states_never_become_active() {
        for s in [Completed, Failed, Stopped] {
            assert!(s.is_terminal());
            assert_eq!(s.after_agent_contact(0), s);
            assert!(s.ensure_writable().is_err());
        }
    }

    #[test]
    fn contact_revives_disconnected_and_respects_questions_and_stops() {
        assert_eq!(Disconnected.after_agent_contact(0), Active);
        assert_eq!(Pending.after_agent_contact(0), Active);
        assert_eq!(Starting.after_agent_contact(0), Active);
        assert_eq!(Disconnected.after_agent_contact(2), AwaitingInput);
        assert_eq!(AwaitingInput.after_agent_contact(0), Active);
        assert_eq!(Stopping.after_agent_contact(0), Stopping);
    }

    #[test]
    fn ending_a_stopping_session_stops_it() {
        assert_eq!(Stopping.after_end(true), Stopped);
        assert_eq!(Active.after_end(true), Completed);
        assert_eq!(AwaitingInput.after_end(false), Failed);
    }

    #[test]
    fn stored_numbers_round_trip() {
        for s in super::SessionStatus::ALL {
            assert_eq!(super::SessionStatus::from_i16(s as i16).unwrap(), s);
        }
        assert!(super::SessionStatus::from_i16(0).is_err());
    }
}
