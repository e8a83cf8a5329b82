//! The enum numbers that SQL in this crate spells as literals.
//!
//! Queries and partial indexes say `kind = 4` or `status NOT IN (4, 5, 6)` rather than binding a
//! parameter, because Postgres only uses a partial index (`... WHERE kind = 4`) for a query whose
//! predicate names the same constant. The price is that a renumbered Rust enum would silently
//! change what those queries mean. This module ties them together: every literal the SQL uses is
//! listed here and asserted against the enum at compile time, and a test scans the store's SQL
//! and the migrations so that a new literal cannot appear without being listed.

use crate::domain::{MessageKind, SessionStatus};

/// `messages.kind` of a user message (unread-message lookups, `messages_user_messages_idx`).
pub const USER_MESSAGE_KIND: i16 = 4;
/// `sessions.status` of a session waiting for a person (inbox order, counts).
pub const AWAITING_INPUT: i16 = 2;
/// `sessions.status` of a session asked to stop (grace-period sweep).
pub const STOPPING: i16 = 3;
/// The live statuses (`sessions_live_idx`, the disconnect sweep uses the first two).
pub const LIVE: [i16; 3] = [1, 2, 3];
/// The terminal statuses (`status NOT IN (4, 5, 6)`).
pub const TERMINAL: [i16; 3] = [4, 5, 6];

const _: () = {
    assert!(MessageKind::UserMessage as i16 == USER_MESSAGE_KIND);
    assert!(SessionStatus::AwaitingInput as i16 == AWAITING_INPUT);
    assert!(SessionStatus::Stopping as i16 == STOPPING);
    assert!(SessionStatus::Active as i16 == LIVE[0]);
    assert!(SessionStatus::AwaitingInput as i16 == LIVE[1]);
    assert!(SessionStatus::Stopping as i16 == LIVE[2]);
    assert!(SessionStatus::Completed as i16 == TERMINAL[0]);
    assert!(SessionStatus::Failed as i16 == TERMINAL[1]);
    assert!(SessionStatus::Stopped as i16 == TERMINAL[2]);
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `kind`/`status` literal in the store's SQL and in the migrations, as
    /// (column, number).
    fn literals(source: &str) -> Vec<(&'static str, i16)> {
        let mut found = Vec::new();
        for column in ["kind", "status"] {
            for (at, _) in source.match_indices(column) {
                let before = source[..at].chars().last().unwrap_or(' ');
                if before.is_alphanumeric() || before == '_' {
                    continue;
                }
                let rest = source[at + column.len()..].trim_start();
                let list = if let Some(r) = rest.strip_prefix("= ") {
                    r.split(|c: char| !c.is_ascii_digit()).next().unwrap_or("")
                } else if let Some(r) = rest
                    .strip_prefix("NOT IN (")
                    .or_else(|| rest.strip_prefix("IN ("))
                {
                    r.split(')').next().unwrap_or("")
                } else {
                    continue;
                };
                for n in list.split(',').filter_map(|n| n.trim().parse().ok()) {
                    found.push((column, n));
                }
            }
        }
        found
    }

    #[test]
    fn every_enum_literal_in_sql_is_listed_here() {
        let listed = |column: &str, n: i16| match column {
            "kind" => n == USER_MESSAGE_KIND,
            _ => n == AWAITING_INPUT || n == STOPPING || LIVE.contains(&n) || TERMINAL.contains(&n),
        };
        let root = env!("CARGO_MANIFEST_DIR");
        let mut files = Vec::new();
        let mut dirs = vec![
            std::path::PathBuf::from(format!("{root}/server/store")),
            std::path::PathBuf::from(format!("{root}/migrations")),
        ];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        let mut seen = 0;
        for path in files {
            if path.ends_with("sql_enums.rs") {
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            for (column, n) in literals(&source) {
                seen += 1;
                assert!(
                    listed(column, n),
                    "{}: `{column}` literal {n} is not listed in store/sql_enums.rs",
                    path.display()
                );
            }
        }
        assert!(seen >= 10, "the scan found the SQL literals ({seen})");
    }
}
