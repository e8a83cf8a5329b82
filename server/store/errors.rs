//! The one place where Postgres and driver errors become domain errors.

use crate::domain::DomainError;

/// The SQLSTATEs this map decides on, by their Postgres names (Appendix A of its manual).
pub mod sqlstate {
    pub const UNIQUE_VIOLATION: &str = "23505";
    pub const FOREIGN_KEY_VIOLATION: &str = "23503";
    pub const CHECK_VIOLATION: &str = "23514";
    /// Class 22: data exceptions (a value that cannot be stored or compared).
    pub const DATA_EXCEPTION_CLASS: &str = "22";
    pub const SERIALIZATION_FAILURE: &str = "40001";
    pub const DEADLOCK_DETECTED: &str = "40P01";
    pub const ADMIN_SHUTDOWN: &str = "57P01";
    pub const CRASH_SHUTDOWN: &str = "57P02";
    pub const CANNOT_CONNECT_NOW: &str = "57P03";
    pub const TOO_MANY_CONNECTIONS: &str = "53300";
}

/// Maps a sqlx error to a domain error by SQLSTATE (and by driver error kind for connection
/// trouble). Callers that expect a specific constraint violation match on the error before
/// calling this. The cause of every UNAVAILABLE is logged here, once: the client only hears
/// "retry", the operator needs to know why.
pub fn map_sqlx_error(err: sqlx::Error) -> DomainError {
    use sqlstate::*;
    let unavailable = |message: &str, err: &sqlx::Error| {
        tracing::warn!(error = %err, "database unavailable: answering UNAVAILABLE");
        DomainError::Unavailable(message.into())
    };
    match &err {
        sqlx::Error::RowNotFound => DomainError::NotFound("row"),
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_) => {
            unavailable("the database is unreachable right now; retry shortly", &err)
        }
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some(UNIQUE_VIOLATION) => DomainError::AlreadyExists("it already exists".into()),
            // The parent (a session being deleted) is gone.
            Some(FOREIGN_KEY_VIOLATION) => DomainError::NotFound("session"),
            Some(CHECK_VIOLATION) => DomainError::invalid("request", "a value is out of range"),
            // A value Postgres cannot store or compare (a NUL byte in text, a time outside its
            // range, a number that overflows, ...). Only values a client sent reach a query
            // unvalidated, so this is the client's input, never INTERNAL. Validation should
            // have named the field first; this is the backstop.
            Some(code) if code.starts_with(DATA_EXCEPTION_CLASS) => DomainError::invalid(
                "request",
                "a value is outside what can be stored (out of range, or a NUL character in text)",
            ),
            // Safe to retry.
            Some(SERIALIZATION_FAILURE | DEADLOCK_DETECTED) => {
                unavailable("a concurrent update conflicted; retry", &err)
            }
            Some(ADMIN_SHUTDOWN | CRASH_SHUTDOWN | CANNOT_CONNECT_NOW | TOO_MANY_CONNECTIONS) => {
                unavailable(
                    "the database is restarting or overloaded; retry shortly",
                    &err,
                )
            }
            _ => DomainError::internal_from("database error", err),
        },
        _ => DomainError::internal_from("database error", err),
    }
}

/// Lets store code use `?` on sqlx results.
impl From<sqlx::Error> for DomainError {
    fn from(err: sqlx::Error) -> DomainError {
        map_sqlx_error(err)
    }
}

/// Whether `err` is a unique violation of the named constraint or index.
pub fn is_unique_violation(err: &sqlx::Error, constraint: &str) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.code().as_deref() == Some(sqlstate::UNIQUE_VIOLATION) && db.constraint() == Some(constraint))
}

/// Whether the connection the error came from is ready for the next statement: true for an
/// ERROR from Postgres, which ends only its statement (and rolls back an autocommitted one);
/// false for a FATAL, a lost socket or a reply that made no sense, after which the connection
/// may be gone or mid-exchange.
pub fn leaves_connection_ready(err: &sqlx::Error) -> bool {
    use sqlx::postgres::{PgDatabaseError, PgSeverity};
    match err {
        sqlx::Error::Database(e) => e
            .try_downcast_ref::<PgDatabaseError>()
            .is_some_and(|pg| pg.severity() == PgSeverity::Error),
        _ => false,
    }
}
