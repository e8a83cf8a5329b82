//! One trace layer for every call: a span named after the method around everything the call
//! does before its response (auth, handler, store), and one event when it ends, with its gRPC
//! status code and latency. DEBUG for OK, INFO for any other code (the handler has already
//! logged an INTERNAL with its id); a broken response body is a WARN. A streamed response ends
//! with its trailers, so its latency is the stream's whole life.
//!
//! Our own rather than tower-http's `TraceLayer`, which enters the span and reads the clock
//! twice on every poll of the response body: a watch stream is polled for each of its
//! deliveries, and entering a span takes the log filter's shared lock, on every core
//! (BENCHMARKS.md §18). Here the body is polled as it is and only its end is looked at; what a
//! body logs while it streams carries no method (the feed logs little, and says which session).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use http::{HeaderMap, Request, Response};
use http_body::Frame;
use tonic::Code;
use tower::{Layer, Service};
use tracing::{Instrument, Span};

#[derive(Clone, Copy, Debug, Default)]
pub struct RpcTraceLayer;

pub fn layer() -> RpcTraceLayer {
    RpcTraceLayer
}

impl<S> Layer<S> for RpcTraceLayer {
    type Service = RpcTrace<S>;
    fn layer(&self, inner: S) -> RpcTrace<S> {
        RpcTrace { inner }
    }
}

#[derive(Clone, Debug)]
pub struct RpcTrace<S> {
    inner: S,
}

impl<S, ReqB, ResB> Service<Request<ReqB>> for RpcTrace<S>
where
    S: Service<Request<ReqB>, Response = Response<ResB>>,
    S::Future: Send + 'static,
    S::Error: std::fmt::Display,
    ResB: http_body::Body,
    ResB::Error: std::fmt::Display,
{
    type Response = Response<TracedBody<ResB>>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqB>) -> Self::Future {
        let span = rpc_span(&request);
        let started = Instant::now();
        let call = span.in_scope(|| self.inner.call(request));
        let call_span = span.clone();
        Box::pin(
            async move {
                let response = match call.await {
                    Ok(response) => response,
                    Err(error) => {
                        tracing::warn!(%error, latency = ?started.elapsed(), "rpc failed in transport");
                        return Err(error);
                    }
                };
                // A trailers-only response (every error from a handler or the auth layer)
                // carries its status in the headers; otherwise it comes in the trailers.
                let ended = grpc_code(response.headers())
                    .map(|code| rpc_ended(code, started.elapsed(), &call_span));
                Ok(response.map(|inner| TracedBody {
                    inner,
                    end: ended.is_none().then_some((call_span, started)),
                }))
            }
            .instrument(span),
        )
    }
}

fn rpc_span<B>(request: &Request<B>) -> Span {
    let path = logged_path(request.uri().path());
    // The client as `forwarded` resolved it (a trusted proxy's X-Forwarded-For, else the peer).
    match request.extensions().get::<super::forwarded::ClientAddr>() {
        Some(client) => tracing::info_span!("rpc", method = %path, client = %client.0),
        None => tracing::info_span!("rpc", method = %path),
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

/// The status of a gRPC response, from its headers (a trailers-only response: every error a
/// handler or the auth layer returns) or from its trailers. None for anything that is not gRPC.
fn grpc_code(headers: &HeaderMap) -> Option<Code> {
    headers
        .get("grpc-status")
        .map(|v| Code::from_bytes(v.as_bytes()))
}

fn rpc_ended(code: Code, latency: Duration, span: &Span) {
    if code == Code::Ok {
        tracing::debug!(parent: span, code = ?code, ?latency, "rpc finished");
    } else {
        tracing::info!(parent: span, code = ?code, ?latency, "rpc finished");
    }
}

/// A response body, passed through; its end (trailers with a status, or an error) is logged
/// in its call's span.
pub struct TracedBody<B> {
    inner: B,
    /// The call's span and start, until its end is logged.
    end: Option<(Span, Instant)>,
}

impl<B> http_body::Body for TracedBody<B>
where
    B: http_body::Body + Unpin,
    B::Error: std::fmt::Display,
{
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let polled = ready!(Pin::new(&mut this.inner).poll_frame(cx));
        let ended = match &polled {
            Some(Ok(frame)) => frame.trailers_ref().map(|t| Ok(grpc_code(t))),
            Some(Err(error)) => Some(Err(error.to_string())),
            None => Some(Ok(None)),
        };
        if let Some(ended) = ended
            && let Some((span, started)) = this.end.take()
        {
            let latency = started.elapsed();
            match ended {
                Ok(Some(code)) => rpc_ended(code, latency, &span),
                // Not gRPC after all (the dashboard's files, the probes).
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(parent: &span, %error, ?latency, "rpc failed in transport");
                }
            }
        }
        Poll::Ready(polled)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
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

    use std::sync::{Arc, Mutex};

    use bytes::Bytes;
    use http_body_util::{BodyExt, StreamBody};
    use tower::ServiceExt;
    use tracing_subscriber::layer::{Context as LayerContext, SubscriberExt};

    /// Each event's message, code and the name of the span it was logged in.
    #[derive(Clone, Default)]
    struct Recorded(Arc<Mutex<Vec<(String, String, String)>>>);

    impl<S> tracing_subscriber::Layer<S> for Recorded
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        fn on_event(&self, event: &tracing::Event<'_>, ctx: LayerContext<'_, S>) {
            #[derive(Default)]
            struct Fields(String, String);
            impl tracing::field::Visit for Fields {
                fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                    match f.name() {
                        "message" => self.0 = format!("{v:?}"),
                        "code" => self.1 = format!("{v:?}"),
                        _ => {}
                    }
                }
            }
            let mut fields = Fields::default();
            event.record(&mut fields);
            let span = ctx
                .event_span(event)
                .map(|s| s.name().to_owned())
                .unwrap_or_default();
            self.0.lock().unwrap().push((fields.0, fields.1, span));
        }
    }

    type Frames = Vec<Result<Frame<Bytes>, std::convert::Infallible>>;

    /// Calls a traced service answering with `headers` and `frames`; returns the frames the
    /// body gave and what was logged, before the body was read and after.
    async fn traced_call(
        headers: &[(&'static str, &'static str)],
        frames: Frames,
    ) -> (
        usize,
        Vec<(String, String, String)>,
        Vec<(String, String, String)>,
    ) {
        let recorded = Recorded::default();
        let subscriber = tracing_subscriber::registry()
            .with(recorded.clone())
            .with(tracing_subscriber::filter::LevelFilter::DEBUG);
        let _default = tracing::subscriber::set_default(subscriber);
        let headers: Vec<_> = headers.to_vec();
        let frames = Mutex::new(Some(frames));
        let service = tower::service_fn(move |_: Request<()>| {
            let frames = frames.lock().unwrap().take().expect("called once");
            let mut response = Response::new(StreamBody::new(futures_util::stream::iter(frames)));
            for (k, v) in &headers {
                response.headers_mut().insert(*k, v.parse().unwrap());
            }
            async move {
                tracing::info!("handled");
                Ok::<_, std::convert::Infallible>(response)
            }
        });
        let request = Request::builder()
            .uri("/switchboard.v1.AgentService/Subscribe")
            .body(())
            .unwrap();
        let response = layer().layer(service).oneshot(request).await.unwrap();
        let before = recorded.0.lock().unwrap().clone();
        let mut body = response.into_body();
        let mut read = 0;
        while let Some(frame) = body.frame().await {
            frame.unwrap();
            read += 1;
        }
        let after = recorded.0.lock().unwrap().clone();
        (read, before, after)
    }

    fn finished(code: &str) -> (String, String, String) {
        ("rpc finished".into(), code.into(), "rpc".into())
    }

    /// The handler's own event, in the call's span.
    fn handled() -> (String, String, String) {
        ("handled".into(), String::new(), "rpc".into())
    }

    #[tokio::test]
    async fn a_streams_end_is_logged_once_in_its_calls_span_from_its_trailers() {
        let mut trailers = HeaderMap::new();
        trailers.insert("grpc-status", "5".parse().unwrap());
        let frames = vec![
            Ok(Frame::data(Bytes::from_static(b"one"))),
            Ok(Frame::data(Bytes::from_static(b"two"))),
            Ok(Frame::trailers(trailers)),
        ];
        let (read, before, after) = traced_call(&[], frames).await;
        assert_eq!(read, 3, "every frame passes through");
        assert_eq!(before, [handled()], "nothing ends before the trailers");
        assert_eq!(after, [handled(), finished("NotFound")]);
    }

    #[tokio::test]
    async fn a_trailers_only_answer_is_logged_when_it_is_returned() {
        let (read, before, after) = traced_call(&[("grpc-status", "7")], Vec::new()).await;
        assert_eq!(read, 0);
        assert_eq!(before, [handled(), finished("PermissionDenied")]);
        assert_eq!(after, before, "its end of body logs nothing more");
    }

    #[tokio::test]
    async fn a_body_that_is_not_grpc_logs_no_end() {
        let frames = vec![Ok(Frame::data(Bytes::from_static(b"<html>")))];
        let (read, _, after) = traced_call(&[], frames).await;
        assert_eq!(read, 1);
        assert_eq!(after, [handled()]);
    }
}
