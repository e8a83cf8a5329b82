//! The one mapping from domain errors to gRPC statuses. It is an exhaustive match: a new error
//! variant does not compile until its status is decided here.

use tonic::{Code, Status};

use crate::domain::DomainError;

/// The longest message a status carries, in bytes. It travels in the `grpc-message` header
/// (percent-encoded, up to three times longer), and an HTTP/2 peer refuses a header block over
/// its limit (16 KiB by default): the client would see a protocol error (INTERNAL) instead of
/// the refusal. Messages that quote a client's value quote it short (`validate::shown`); this
/// is the backstop for every other one.
const MAX_MESSAGE_BYTES: usize = 1024;

pub fn to_status(err: DomainError) -> Status {
    bounded(domain_status(err))
}

/// `status` with its message cut to [`MAX_MESSAGE_BYTES`] (at a character boundary).
fn bounded(status: Status) -> Status {
    let message = status.message();
    if message.len() <= MAX_MESSAGE_BYTES {
        return status;
    }
    let mut end = MAX_MESSAGE_BYTES;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    let cut = format!("{}... ({} bytes in all)", &message[..end], message.len());
    Status::with_metadata(status.code(), cut, status.metadata().clone())
}

fn domain_status(err: DomainError) -> Status {
    match err {
        DomainError::InvalidArgument { field, message } => {
            Status::invalid_argument(format!("{field}: {message}"))
        }
        DomainError::NotFound(what) => Status::not_found(format!("{what} not found")),
        DomainError::NotFoundExplained(m) => Status::not_found(m),
        DomainError::AlreadyExists(m) => Status::already_exists(m),
        DomainError::FailedPrecondition(m) => Status::failed_precondition(m),
        DomainError::Unauthenticated(m) => Status::unauthenticated(m),
        DomainError::PermissionDenied(m) => Status::permission_denied(m),
        DomainError::ResourceExhausted {
            message,
            retry_after,
        } => {
            let mut status = Status::resource_exhausted(message);
            if let Some(wait) = retry_after {
                if let Ok(v) = wait.as_millis().max(1).to_string().parse() {
                    status.metadata_mut().insert("retry-after-ms", v);
                }
            }
            status
        }
        DomainError::Unavailable(m) => Status::unavailable(m),
        DomainError::Internal { context, source } => {
            let id = uuid::Uuid::new_v4();
            // The whole chain, innermost cause last.
            let mut detail = context;
            let mut cause: Option<&(dyn std::error::Error + 'static)> =
                source.as_deref().map(|e| e as _);
            while let Some(e) = cause {
                detail.push_str(&format!(": {e}"));
                cause = e.source();
            }
            tracing::error!(error_id = %id, %detail, "internal error");
            Status::new(
                Code::Internal,
                format!("internal error (id {id}); it has been logged"),
            )
        }
    }
}

/// Lets a handler use `?` on domain results.
impl From<DomainError> for Status {
    fn from(err: DomainError) -> Status {
        to_status(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_message_is_cut_short_keeping_its_code_and_metadata() {
        let long = "é".repeat(20_000);
        let s = to_status(DomainError::NotFoundExplained(long.clone()));
        assert_eq!(s.code(), Code::NotFound);
        assert!(
            s.message().len() < MAX_MESSAGE_BYTES + 40,
            "{}",
            s.message().len()
        );
        assert!(s.message().starts_with("éé"));
        assert!(
            s.message().ends_with("(40000 bytes in all)"),
            "{}",
            s.message()
        );
        let limited = to_status(DomainError::ResourceExhausted {
            message: long,
            retry_after: Some(std::time::Duration::from_millis(250)),
        });
        assert_eq!(limited.metadata().get("retry-after-ms").unwrap(), "250");
        let short = to_status(DomainError::Unavailable("retry".into()));
        assert_eq!(short.message(), "retry");
    }

    #[test]
    fn internal_errors_do_not_leak() {
        let s = to_status(DomainError::internal("password=hunter2 in SQL"));
        assert_eq!(s.code(), Code::Internal);
        assert!(!s.message().contains("hunter2"));
    }

    #[test]
    fn invalid_argument_names_the_field() {
        let s = to_status(DomainError::invalid("text", "is too long"));
        assert_eq!(s.code(), Code::InvalidArgument);
        assert_eq!(s.message(), "text: is too long");
    }

    #[test]
    fn rate_limits_carry_a_retry_hint() {
        let s = to_status(DomainError::ResourceExhausted {
            message: "slow down".into(),
            retry_after: Some(std::time::Duration::from_millis(250)),
        });
        assert_eq!(s.code(), Code::ResourceExhausted);
        assert_eq!(s.metadata().get("retry-after-ms").unwrap(), "250");
    }
}
