//! The one place where Postgres and driver errors become domain errors.

use crate::domain::DomainError;

/// Maps a sqlx error to a domain error by SQLSTATE (and by driver error kind for connection
/// trouble). Callers that expect a specific constraint violation match on the error before
/// calling this.
pub fn map_sqlx_error(err: sqlx::Error) -> DomainError {
    match &err {
        sqlx::Error::RowNotFound => DomainError::NotFound("row"),
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_) => {
            DomainError::Unavailable("the database is unreachable right now; retry shortly".into())
        }
        sqlx::Error::Database(db) => match db.code().as_deref() {
            // unique_violation
            Some("23505") => DomainError::AlreadyExists("it already exists".into()),
            // foreign_key_violation: the parent (a session being deleted) is gone
            Some("23503") => DomainError::NotFound("session"),
            // check_violation
            Some("23514") => DomainError::invalid("request", "a value is out of range"),
            // Class 22, data exceptions: a value Postgres cannot store or compare (a NUL byte in
            // text, a time outside its range, a number that overflows, ...). Only values a client
            // sent reach a query unvalidated, so this is the client's input, never INTERNAL.
            // Validation should have named the field first; this is the backstop.
            Some(code) if code.starts_with("22") => DomainError::invalid(
                "request",
                "a value is outside what can be stored (out of range, or a NUL character in text)",
            ),
            // serialization_failure, deadlock_detected: safe to retry
            Some("40001") | Some("40P01") => {
                DomainError::Unavailable("a concurrent update conflicted; retry".into())
            }
            // admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections
            Some("57P01") | Some("57P02") | Some("57P03") | Some("53300") => {
                DomainError::Unavailable(
                    "the database is restarting or overloaded; retry shortly".into(),
                )
            }
            _ => DomainError::internal(format!("database error: {err}")),
        },
        _ => DomainError::internal(format!("database error: {err}")),
    }
}

/// Whether `err` is a unique violation of the named constraint or index.
pub fn is_unique_violation(err: &sqlx::Error, constraint: &str) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.code().as_deref() == Some("23505") && db.constraint() == Some(constraint))
}
