//! Writes to sessions. Each write is one transaction that locks the session row, bumps its
//! sequence number, inserts the message(s) and commits; then it hands the live feeds a wake-up
//! hint (`hints`). The row lock makes sequence order equal commit order, with no gaps.
//!
//! - `locked`: the locked-session aggregate every write goes through (lock, replay, append,
//!   status change, inbox event, save-and-commit);
//! - `agent_writes`: what an agent does (start, steps, questions, acknowledgements, diff, usage,
//!   end); `person_writes`: what a person does (answer, message, stop, rename, delete);
//!   `approvals`: tool approvals, asked by the agent and decided by a person, a deadline or the
//!   agent's terminal.
//!
//! Reads (`get_session`, `question_answer`) live in `store/reads.rs`, system transitions next to
//! the sweeps in `store/sweeps.rs`.

mod agent_writes;
mod approvals;
mod input_fast;
mod locked;
mod person_writes;
mod presence_refresh;
mod step_batch;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Store;
use super::rows::{MESSAGE_COLUMNS, MessageRow, messages};
use crate::domain::*;
pub use approvals::{ApprovalRef, Decided, Decider};
pub(in crate::store) use locked::Locked;
pub use presence_refresh::PresenceRefresh;
pub use step_batch::GroupCommit;

pub(in crate::store) use crate::store::tx::Tx;

pub struct StartSession {
    pub session_id: Option<SessionId>,
    pub agent_name: String,
    pub name: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub request_id: String,
}

pub struct StartedSession {
    pub session: Session,
    pub resumed: bool,
}

pub struct StepResult {
    pub seq: i64,
    pub queued: Vec<Message>,
    pub status: SessionStatus,
}

pub struct AnswerInput {
    pub option_ids: Vec<String>,
    pub text: String,
    /// Makes a retried answer return the stored one instead of "already answered".
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndOutcome {
    Completed,
    Failed,
}

impl Store {
    pub(in crate::store) async fn begin(&self) -> DomainResult<Tx> {
        Ok(Tx::begin(&self.kept, &self.pool).await?)
    }
}

pub(in crate::store) fn now_micros() -> DateTime<Utc> {
    use chrono::SubsecRound;
    Utc::now().trunc_subsecs(6)
}

pub(in crate::store) fn shorten(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(max_chars - 1).collect();
    s.push('…');
    s
}

pub(in crate::store) async fn user_messages_between(
    tx: &mut Tx,
    session_id: Uuid,
    after: i64,
    through: i64,
) -> DomainResult<Vec<Message>> {
    let rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_id = $1 AND seq > $2 AND seq <= $3 AND kind = 4 ORDER BY seq"
    ))
    .bind(session_id)
    .bind(after)
    .bind(through)
    .fetch_all(&mut **tx)
    .await?;
    messages(rows)
}
