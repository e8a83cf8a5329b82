//! Wake-up hints for the live feeds, produced by writes after they commit.
//!
//! A hint says "this session now has messages up to seq N" (or "this user's inbox reached
//! cursor N", or "this session is gone"), never what the messages say: watchers read content from
//! the store by cursor. Hints travel two ways: straight to this process's hub, and, batched, as a
//! `NOTIFY` on [`NOTIFY_CHANNEL`] to the other server processes sharing the database.
//!
//! Why after commit and not inside the writing transaction: a transaction that NOTIFYs holds
//! Postgres' cluster-wide notify lock from pre-commit until its commit record is flushed, so
//! notifying writers cannot share a WAL flush. Notifying from one place after commit, in batches,
//! leaves group commit to the writers (see BENCHMARKS.md). The price is a window in which a
//! process could commit and die before its NOTIFY goes out; every process therefore also resyncs
//! its watched feeds from the store periodically (`feed::listener`), so a hint can be late but a
//! message is never lost.

use tokio::sync::mpsc;

use crate::domain::{ProjectId, SessionId, UserId};

/// The channel hints are NOTIFYed on. Payload: one hint per line, `m <session id> <seq>`,
/// `i <project id> <cursor>`, `d <session id>`, `a <user id> <access epoch>` or
/// `l <project id> <queue seq>`.
pub const NOTIFY_CHANNEL: &str = "switchboard_feed";

/// Postgres refuses NOTIFY payloads of 8000 bytes or more; batches are split below this.
pub const MAX_NOTIFY_PAYLOAD: usize = 7_900;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedHint {
    /// The session's messages now reach `seq`.
    Message { session_id: SessionId, seq: i64 },
    /// The project's inbox now reaches `cursor`.
    Inbox { project_id: ProjectId, cursor: i64 },
    /// The session was deleted.
    Deleted { session_id: SessionId },
    /// The user's access shrank (epoch `epoch`): their open watches re-check their role.
    Access { user_id: UserId, epoch: i64 },
    /// A launch of the project entered its queue (`launches.queue_seq`): its runners claim.
    LaunchQueued { project_id: ProjectId, seq: i64 },
}

impl FeedHint {
    /// One payload line.
    pub fn line(&self) -> String {
        match self {
            FeedHint::Message { session_id, seq } => format!("m {} {seq}", session_id.0),
            FeedHint::Inbox { project_id, cursor } => format!("i {} {cursor}", project_id.0),
            FeedHint::Deleted { session_id } => format!("d {}", session_id.0),
            FeedHint::Access { user_id, epoch } => format!("a {} {epoch}", user_id.0),
            FeedHint::LaunchQueued { project_id, seq } => format!("l {} {seq}", project_id.0),
        }
    }

    /// Parses one payload line; `None` for anything else (a newer server's hint kind, say).
    pub fn parse(line: &str) -> Option<FeedHint> {
        let mut parts = line.split(' ');
        let hint = match (parts.next()?, parts.next()?, parts.next()) {
            ("m", id, Some(seq)) => FeedHint::Message {
                session_id: SessionId(id.parse().ok()?),
                seq: seq.parse().ok()?,
            },
            ("i", id, Some(cursor)) => FeedHint::Inbox {
                project_id: ProjectId(id.parse().ok()?),
                cursor: cursor.parse().ok()?,
            },
            ("a", id, Some(epoch)) => FeedHint::Access {
                user_id: UserId(id.parse().ok()?),
                epoch: epoch.parse().ok()?,
            },
            ("l", id, Some(seq)) => FeedHint::LaunchQueued {
                project_id: ProjectId(id.parse().ok()?),
                seq: seq.parse().ok()?,
            },
            ("d", id, None) => FeedHint::Deleted {
                session_id: SessionId(id.parse().ok()?),
            },
            _ => return None,
        };
        parts.next().is_none().then_some(hint)
    }
}

/// Where a store sends the hints of its commits. Unbounded on purpose: a hint is a few bytes,
/// the consumer (`feed::notifier`) drains it in batches, and a writer must never wait on it.
pub type HintSender = mpsc::UnboundedSender<FeedHint>;
pub type HintReceiver = mpsc::UnboundedReceiver<FeedHint>;

/// Joins hints into NOTIFY payloads, each below [`MAX_NOTIFY_PAYLOAD`] bytes.
pub fn payloads(hints: impl IntoIterator<Item = FeedHint>) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for hint in hints {
        let line = hint.line();
        if !current.is_empty() && current.len() + 1 + line.len() > MAX_NOTIFY_PAYLOAD {
            out.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(&line);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn every_hint_survives_its_line() {
        let hints = [
            FeedHint::Message {
                session_id: SessionId(Uuid::new_v4()),
                seq: 42,
            },
            FeedHint::Inbox {
                project_id: ProjectId(Uuid::new_v4()),
                cursor: 7,
            },
            FeedHint::Access {
                user_id: UserId(Uuid::new_v4()),
                epoch: 3,
            },
            FeedHint::Deleted {
                session_id: SessionId(Uuid::new_v4()),
            },
            FeedHint::LaunchQueued {
                project_id: ProjectId(Uuid::new_v4()),
                seq: 12,
            },
        ];
        for hint in hints {
            assert_eq!(FeedHint::parse(&hint.line()), Some(hint));
        }
    }

    #[test]
    fn unknown_or_malformed_lines_are_ignored() {
        for line in [
            "",
            "m",
            "m not-a-uuid 1",
            "x 1 2",
            "d",
            "m 00000000-0000-0000-0000-000000000000 1 2",
        ] {
            assert_eq!(FeedHint::parse(line), None, "{line:?}");
        }
    }

    #[test]
    fn payloads_split_below_the_postgres_limit_and_keep_every_hint() {
        let hints: Vec<FeedHint> = (0..1000)
            .map(|i| FeedHint::Message {
                session_id: SessionId(Uuid::new_v4()),
                seq: i,
            })
            .collect();
        let out = payloads(hints.iter().copied());
        assert!(out.len() > 1);
        assert!(out.iter().all(|p| p.len() < MAX_NOTIFY_PAYLOAD));
        let back: Vec<FeedHint> = out
            .iter()
            .flat_map(|p| p.lines())
            .map(|l| FeedHint::parse(l).expect("parses"))
            .collect();
        assert_eq!(back, hints);
    }
}
