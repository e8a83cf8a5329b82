//! Requests that tonic's codec refuses before any handler runs get the codes our contract
//! promises: a message over the decode limit is RESOURCE_EXHAUSTED (gRPC's code for a message
//! that is too large; tonic says OUT_OF_RANGE) with the limit and the setting that raises it, and
//! a body that is not a valid message (bad protobuf, truncated frame, bad compression flag) is
//! INVALID_ARGUMENT (tonic says INTERNAL, which would send a client looking for a server bug).
//! The layer sits inside the gRPC-Web translation, so both protocols get the same answer, and it
//! rewrites only those exact refusals: a handler's own statuses pass unchanged.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response};
use tower::{Layer, Service};

/// What tonic's decoder says (tonic 0.14 `codec/decode.rs`); matched so that an OUT_OF_RANGE a
/// handler returns for its own reasons is never rewritten.
const TONIC_TOO_LARGE: &str = "decoded message length too large";

/// Prefixes of tonic's (and tonic-prost's) INTERNAL answers to a malformed request body, with
/// what we tell the client instead. Handlers never produce these texts: our own INTERNAL answers
/// read "internal error (id ...)".
const MALFORMED_REQUEST: [(&str, &str); 5] = [
    (
        "failed to decode Protobuf message",
        "the request is not a valid protobuf message for this method",
    ),
    (
        "Unexpected EOF decoding stream",
        "the request body ended in the middle of a message",
    ),
    ("Missing request message", "the request carries no message"),
    (
        "protocol error: received message with",
        "the request's message frame has an invalid compression flag",
    ),
    (
        "Error decompressing",
        "the request's message could not be decompressed",
    ),
];

#[derive(Clone, Copy)]
pub struct CodecErrorsLayer {
    pub limit: usize,
}

impl<S> Layer<S> for CodecErrorsLayer {
    type Service = CodecErrors<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CodecErrors {
            inner,
            limit: self.limit,
        }
    }
}

#[derive(Clone)]
pub struct CodecErrors<S> {
    inner: S,
    limit: usize,
}

impl<S, B, RB> Service<Request<B>> for CodecErrors<S>
where
    S: Service<Request<B>, Response = Response<RB>>,
    S::Future: Send + 'static,
{
    type Response = Response<RB>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let limit = self.limit;
        let fut = self.inner.call(req);
        Box::pin(async move {
            let mut response = fut.await?;
            rewrite(&mut response, limit);
            Ok(response)
        })
    }
}

/// The refusal comes before any message, so its status travels in the headers
/// (trailers-only response), for unary and server-streaming calls alike.
fn rewrite<RB>(response: &mut Response<RB>, limit: usize) {
    let headers = response.headers_mut();
    // Parses (and percent-decodes) grpc-status and grpc-message; None for a success.
    let Some(refused) = tonic::Status::from_header_map(headers) else {
        return;
    };
    let text = refused.message();
    let replacement = match refused.code() {
        tonic::Code::OutOfRange if text.contains(TONIC_TOO_LARGE) => {
            let size = found_bytes(text)
                .map(|n| format!(" ({n} bytes)"))
                .unwrap_or_default();
            tonic::Status::resource_exhausted(format!(
                "the request message is too large{size}; the limit is {limit} bytes (server setting limits.max_message_bytes)"
            ))
        }
        tonic::Code::Internal => {
            let Some((_, ours)) = MALFORMED_REQUEST
                .iter()
                .find(|(theirs, _)| text.starts_with(theirs))
            else {
                return;
            };
            tonic::Status::invalid_argument(format!(
                "{ours}; check that the client was generated from this server's proto"
            ))
        }
        _ => return,
    };
    // Replaces grpc-status and grpc-message (percent-encoding the message as gRPC requires).
    let _ = replacement.add_header(headers);
}

/// "... found 8388613 bytes, ..." → 8388613.
fn found_bytes(message: &str) -> Option<u64> {
    let after = message.split("found ").nth(1)?;
    after.split(' ').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: tonic::Code, message: &str) -> Response<()> {
        let mut r = Response::new(());
        tonic::Status::new(status, message)
            .add_header(r.headers_mut())
            .unwrap();
        r
    }

    #[test]
    fn only_the_decoders_refusal_is_rewritten() {
        let mut r = response(
            tonic::Code::OutOfRange,
            "Error, decoded message length too large: found 9000 bytes, the limit is: 100 bytes",
        );
        rewrite(&mut r, 100);
        assert_eq!(r.headers()["grpc-status"], "8");
        let status = tonic::Status::from_header_map(r.headers()).unwrap();
        assert!(
            status.message().contains("9000 bytes")
                && status.message().contains("limit is 100 bytes")
        );

        let mut own = response(tonic::Code::OutOfRange, "after_seq is out of range");
        rewrite(&mut own, 100);
        assert_eq!(own.headers()["grpc-status"], "11");

        let mut garbage = response(
            tonic::Code::Internal,
            "failed to decode Protobuf message: buffer underflow",
        );
        rewrite(&mut garbage, 100);
        assert_eq!(garbage.headers()["grpc-status"], "3");

        let mut bug = response(
            tonic::Code::Internal,
            "internal error (id 42); it has been logged",
        );
        rewrite(&mut bug, 100);
        assert_eq!(bug.headers()["grpc-status"], "13");
    }
}
