//! One trace layer for every call (tower-http's `TraceLayer`, gRPC flavour): a span named after
//! the method around everything the call does (auth, handler, store), and one event when it
//! ends, with its gRPC status code and latency. DEBUG for OK, INFO for any other code (the
//! handler has already logged an INTERNAL with its id); a transport error is a WARN. A streamed
//! response ends with its trailers, so its latency is the stream's whole life.

use std::time::Duration;

use http::{HeaderMap, Request, Response};
use tonic::Code;
use tower_http::classify::{GrpcErrorsAsFailures, GrpcFailureClass, SharedClassifier};
use tower_http::trace::{MakeSpan, OnEos, OnFailure, OnResponse, TraceLayer};
use tracing::Span;

pub type RpcTraceLayer =
    TraceLayer<SharedClassifier<GrpcErrorsAsFailures>, RpcSpan, (), RpcEnd, (), RpcEnd, RpcEnd>;

pub fn layer() -> RpcTraceLayer {
    TraceLayer::new_for_grpc()
        .make_span_with(RpcSpan)
        .on_request(())
        .on_response(RpcEnd)
        .on_body_chunk(())
        .on_eos(RpcEnd)
        .on_failure(RpcEnd)
}

#[derive(Clone, Copy, Debug)]
pub struct RpcSpan;

impl<B> MakeSpan<B> for RpcSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        let path = logged_path(request.uri().path());
        // The client as `forwarded` resolved it (a trusted proxy's X-Forwarded-For, else the peer).
        match request.extensions().get::<super::forwarded::ClientAddr>() {
            Some(client) => {
                tracing::info_span!("rpc", method = %path, client = %client.0)
            }
            None => tracing::info_span!("rpc", method = %path),
        }
    }
}

/// The path as logs may show it: an answer link's path is its secret token.
fn logged_path(path: &str) -> &str {
    if path.starts_with("/act/") {
        "/act/<token>"
    } else {
        path
    }
}

#[derive(Clone, Copy, Debug)]
pub struct RpcEnd;

/// The status of a gRPC response, from its headers (a trailers-only response: every error a
/// handler or the auth layer returns) or from its trailers. None for anything that is not gRPC.
fn grpc_code(headers: &HeaderMap) -> Option<Code> {
    headers
        .get("grpc-status")
        .map(|v| Code::from_bytes(v.as_bytes()))
}

fn ended(code: Code, latency: Duration, span: &Span) {
    if code == Code::Ok {
        tracing::debug!(parent: span, code = ?code, ?latency, "rpc finished");
    } else {
        tracing::info!(parent: span, code = ?code, ?latency, "rpc finished");
    }
}

impl<B> OnResponse<B> for RpcEnd {
    fn on_response(self, response: &Response<B>, latency: Duration, span: &Span) {
        // Without a status in the headers, the status comes in the trailers (`on_eos`).
        if let Some(code) = grpc_code(response.headers()) {
            ended(code, latency, span);
        }
    }
}

impl OnEos for RpcEnd {
    fn on_eos(self, trailers: Option<&HeaderMap>, stream_duration: Duration, span: &Span) {
        if let Some(code) = trailers.and_then(grpc_code) {
            ended(code, stream_duration, span);
        }
    }
}

impl OnFailure<GrpcFailureClass> for RpcEnd {
    fn on_failure(&mut self, failure: GrpcFailureClass, latency: Duration, span: &Span) {
        // Status codes are logged once, by `ended`; only a broken body is news here.
        if let GrpcFailureClass::Error(error) = failure {
            tracing::warn!(parent: span, %error, ?latency, "rpc failed in transport");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_link_tokens_stay_out_of_logs() {
        assert_eq!(logged_path("/act/sb_act_secret"), "/act/<token>");
        assert_eq!(
            logged_path("/switchboard.v1.AgentService/LogStep"),
            "/switchboard.v1.AgentService/LogStep"
        );
    }

    #[test]
    fn the_status_comes_from_grpc_status_and_only_from_it() {
        let mut headers = HeaderMap::new();
        assert_eq!(grpc_code(&headers), None);
        headers.insert("grpc-status", "5".parse().unwrap());
        assert_eq!(grpc_code(&headers), Some(Code::NotFound));
        headers.insert("grpc-status", "0".parse().unwrap());
        assert_eq!(grpc_code(&headers), Some(Code::Ok));
    }
}
