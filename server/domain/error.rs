//! The one error type every layer below the API speaks. `api::status` maps it to gRPC codes.

use std::time::Duration;

pub type DomainResult<T> = Result<T, DomainError>;

/// Any error kept as the cause of an internal error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// A request field breaks a rule; `field` names it and the message says the limit.
    #[error("{field}: {message}")]
    InvalidArgument {
        field: &'static str,
        message: String,
    },
    /// The thing does not exist for this caller (another user's ids look exactly the same).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// NOT_FOUND with a whole sentence telling the caller what to do instead.
    #[error("{0}")]
    NotFoundExplained(String),
    #[error("{0}")]
    AlreadyExists(String),
    /// The request is valid but the state does not allow it (terminal session, answered question).
    #[error("{0}")]
    FailedPrecondition(String),
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    PermissionDenied(String),
    /// A limit or rate was hit; `retry_after` says when trying again makes sense.
    #[error("{message}")]
    ResourceExhausted {
        message: String,
        retry_after: Option<Duration>,
    },
    /// The database cannot be reached right now; retrying later may work.
    #[error("{0}")]
    Unavailable(String),
    /// A bug or an unexpected failure: logged with an id (with its whole source chain), never
    /// shown to the caller.
    #[error("internal error: {context}")]
    Internal {
        context: String,
        #[source]
        source: Option<BoxError>,
    },
}

impl DomainError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        DomainError::InvalidArgument {
            field,
            message: message.into(),
        }
    }

    /// An unexpected failure described by `context` alone.
    pub fn internal(context: impl std::fmt::Display) -> Self {
        DomainError::Internal {
            context: context.to_string(),
            source: None,
        }
    }

    /// An unexpected failure with the error that caused it, kept as the source.
    pub fn internal_from(context: impl std::fmt::Display, source: impl Into<BoxError>) -> Self {
        DomainError::Internal {
            context: context.to_string(),
            source: Some(source.into()),
        }
    }
}
