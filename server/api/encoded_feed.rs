//! WatchSession and Subscribe, served with each message encoded once per process.
//!
//! Every watcher of a session receives the same message, and both responses carry it the same
//! way (`oneof item { Message message = 1; StreamHeartbeat heartbeat = 2; }`), so the encoded
//! response is the same bytes for all of them. The hub keeps those bytes, framed, next to the
//! message (`FeedMessage::wire`); these routes let tonic read the request and build the response
//! head, then send the feed through a body of their own (`feed_body`) that hands every watcher
//! those same bytes instead of converting and encoding per watcher. The wire format, the methods
//! and the generated service are unchanged: each route answers its one path and hands every
//! other call to the generated server it wraps.

use std::convert::Infallible;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{BufMut, Bytes};
use http_body_util::BodyExt as _;
use tokio_stream::Stream;
use tonic::body::Body;
use tonic::codec::{BufferSettings, Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::server::{Grpc, NamedService, ServerStreamingService};
use tonic::{Request, Response, Status};

use super::agent_service::AgentApi;
use super::dashboard_service::DashboardApi;
use super::feed_body::{FeedBody, frame};
use super::{convert, status};
use crate::domain::Message;
use crate::feed::hub::FeedMessage;
use crate::feed::stream::{FeedItem, FeedStream, SessionFeed};
use crate::proto::{
    SubscribeRequest, WatchSessionRequest, WatchSessionResponse, watch_session_response,
};

/// The encoder's first buffer per stream. tonic allocates it when the stream opens, so it is
/// part of every idle stream's cost; the default (8 KiB) is more than a typical message, and
/// the buffer grows when one is bigger.
const STREAM_BUFFER: usize = 512;
/// Hand what is buffered to HTTP/2 once this much is ready (tonic's default).
const YIELD_THRESHOLD: usize = 32 * 1024;
/// A gRPC frame's prefix: the compression flag and the message's length.
const PREFIX: usize = 5;

/// The gRPC frame of the response carrying `m`: the same bytes as a `SubscribeResponse`
/// carrying it.
pub fn frame_message(m: &Message) -> Bytes {
    frame(&WatchSessionResponse {
        item: Some(watch_session_response::Item::Message(convert::message(m))),
    })
}

fn frame_heartbeat(high_water: i64) -> Bytes {
    frame(&WatchSessionResponse {
        item: Some(watch_session_response::Item::Heartbeat(convert::heartbeat(
            high_water,
        ))),
    })
}

/// One framed response: a session message (its frame shared by every watcher, kept by the hub
/// next to the message) or a frame of its own (a heartbeat).
pub enum Wire {
    Message(Arc<FeedMessage>),
    Bytes(Bytes),
}

/// A session feed as framed responses. A concrete type rather than a mapped, boxed stream: its
/// body ([`FeedBody`]) calls `poll_wire` directly, and a session's feed lives inside it, not
/// behind a pointer of its own (one layer and one allocation less per stream).
pub struct EncodedStream {
    feed: Feed,
    /// Lives as long as the stream (a watcher's presence guard).
    _keep: Box<dyn std::any::Any + Send>,
}

// Every served watch is the large variant; boxing it would put back the pointer this avoids.
#[allow(clippy::large_enum_variant)]
enum Feed {
    Session(SessionFeed),
    /// Any other stream of deliveries (an empty one; tests' own).
    Other(FeedStream<Arc<FeedMessage>>),
}

/// A session feed as framed responses; `keep` lives as long as the stream.
pub fn encoded_session_feed<K: Send + 'static>(feed: SessionFeed, keep: K) -> EncodedStream {
    EncodedStream {
        feed: Feed::Session(feed),
        _keep: Box::new(keep),
    }
}

/// Any stream of session deliveries as framed responses.
pub fn encoded_feed<K: Send + 'static>(
    feed: FeedStream<Arc<FeedMessage>>,
    keep: K,
) -> EncodedStream {
    EncodedStream {
        feed: Feed::Other(feed),
        _keep: Box::new(keep),
    }
}

impl EncodedStream {
    pub fn empty() -> EncodedStream {
        encoded_feed(Box::pin(tokio_stream::empty()), ())
    }

    /// The next framed response: a message's shared frame, a heartbeat, or the status to end with.
    pub fn poll_wire(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Wire, Status>>> {
        let next = match &mut self.feed {
            Feed::Session(feed) => Pin::new(feed).poll_next(cx),
            Feed::Other(feed) => feed.as_mut().poll_next(cx),
        };
        next.map(|next| {
            next.map(|delivered| match delivered {
                Ok(FeedItem::Item(m)) => Ok(Wire::Message(m)),
                Ok(FeedItem::Heartbeat { high_water }) => {
                    Ok(Wire::Bytes(frame_heartbeat(high_water)))
                }
                Err(e) => Err(status::to_status(e)),
            })
        })
    }
}

impl Stream for EncodedStream {
    type Item = Result<Wire, Status>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_wire(cx)
    }
}

/// Requests decoded with prost, responses already encoded.
pub struct PreEncodedCodec<D>(PhantomData<fn() -> D>);

impl<D> Default for PreEncodedCodec<D> {
    fn default() -> Self {
        PreEncodedCodec(PhantomData)
    }
}

impl<D: prost::Message + Default + Send + 'static> Codec for PreEncodedCodec<D> {
    type Encode = Wire;
    type Decode = D;
    type Encoder = PreEncoded;
    type Decoder = RequestDecoder<D>;

    fn encoder(&mut self) -> PreEncoded {
        PreEncoded
    }

    fn decoder(&mut self) -> RequestDecoder<D> {
        RequestDecoder(PhantomData)
    }
}

/// Copies a framed response's message into tonic's frame. Only the handover's empty stream goes
/// through tonic's body (see [`WithEncodedFeed`]); this keeps the codec whole all the same.
pub struct PreEncoded;

impl Encoder for PreEncoded {
    type Item = Wire;
    type Error = Status;

    fn encode(&mut self, item: Wire, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        match item {
            Wire::Message(m) => dst.put_slice(&m.wire(frame_message)[PREFIX..]),
            Wire::Bytes(b) => dst.put_slice(&b[PREFIX..]),
        }
        Ok(())
    }

    fn buffer_settings(&self) -> BufferSettings {
        BufferSettings::new(STREAM_BUFFER, YIELD_THRESHOLD)
    }
}

pub struct RequestDecoder<D>(PhantomData<fn() -> D>);

impl<D: prost::Message + Default> Decoder for RequestDecoder<D> {
    type Item = D;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<D>, Status> {
        D::decode(src)
            .map(Some)
            .map_err(|e| Status::internal(e.to_string()))
    }

    fn buffer_settings(&self) -> BufferSettings {
        BufferSettings::new(STREAM_BUFFER, YIELD_THRESHOLD)
    }
}

type BoxFuture<T> = Pin<Box<dyn std::future::Future<Output = T> + Send>>;

/// DashboardService.WatchSession with shared encodings.
#[derive(Clone)]
pub struct WatchSessionEncoded(pub Arc<DashboardApi>);

impl ServerStreamingService<WatchSessionRequest> for WatchSessionEncoded {
    type Response = Wire;
    type ResponseStream = EncodedStream;
    type Future = BoxFuture<Result<Response<EncodedStream>, Status>>;

    fn call(&mut self, request: Request<WatchSessionRequest>) -> Self::Future {
        let api = self.0.clone();
        Box::pin(async move { api.watch_session_encoded(request).await })
    }
}

/// AgentService.Subscribe with shared encodings.
#[derive(Clone)]
pub struct SubscribeEncoded(pub Arc<AgentApi>);

impl ServerStreamingService<SubscribeRequest> for SubscribeEncoded {
    type Response = Wire;
    type ResponseStream = EncodedStream;
    type Future = BoxFuture<Result<Response<EncodedStream>, Status>>;

    fn call(&mut self, request: Request<SubscribeRequest>) -> Self::Future {
        let api = self.0.clone();
        Box::pin(async move { api.subscribe_encoded(request).await })
    }
}

/// Takes the route's feed as it passes through tonic: tonic reads the request (its size limit,
/// its metadata) and builds the response head, then the feed goes out through a [`FeedBody`]
/// instead of tonic's encoder. A route that fails never hands a feed over, and tonic's
/// trailers-only answer carries its status.
struct Handover<R> {
    route: R,
    feed: Arc<std::sync::Mutex<Option<EncodedStream>>>,
}

impl<R, Req> ServerStreamingService<Req> for Handover<R>
where
    R: ServerStreamingService<Req, Response = Wire, ResponseStream = EncodedStream>,
    R::Future: Send + 'static,
{
    type Response = Wire;
    type ResponseStream = EncodedStream;
    type Future = BoxFuture<Result<Response<EncodedStream>, Status>>;

    fn call(&mut self, request: Request<Req>) -> Self::Future {
        let (call, slot) = (self.route.call(request), self.feed.clone());
        Box::pin(async move {
            let (metadata, feed, extensions) = call.await?.into_parts();
            *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(feed);
            Ok(Response::from_parts(
                metadata,
                EncodedStream::empty(),
                extensions,
            ))
        })
    }
}

/// A generated service with one server-streaming method served by `route` instead.
#[derive(Clone)]
pub struct WithEncodedFeed<S, R, Req> {
    inner: S,
    path: &'static str,
    route: R,
    max_decoding_message_size: usize,
    request: PhantomData<fn() -> Req>,
}

impl<S, R, Req> WithEncodedFeed<S, R, Req> {
    /// `path` is the method's full path (`/package.Service/Method`).
    pub fn new(inner: S, path: &'static str, route: R, max_decoding_message_size: usize) -> Self {
        WithEncodedFeed {
            inner,
            path,
            route,
            max_decoding_message_size,
            request: PhantomData,
        }
    }
}

impl<S: NamedService, R, Req> NamedService for WithEncodedFeed<S, R, Req> {
    const NAME: &'static str = S::NAME;
}

impl<S, R, Req> tower::Service<http::Request<Body>> for WithEncodedFeed<S, R, Req>
where
    S: tower::Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>,
    S::Future: Send + 'static,
    R: ServerStreamingService<Req, Response = Wire, ResponseStream = EncodedStream>
        + Clone
        + Send
        + 'static,
    R::Future: Send + 'static,
    Req: prost::Message + Default + Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<http::Response<Body>, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        if req.uri().path() != self.path {
            return Box::pin(self.inner.call(req));
        }
        let feed = Arc::new(std::sync::Mutex::new(None));
        let handover = Handover {
            route: self.route.clone(),
            feed: feed.clone(),
        };
        let max = self.max_decoding_message_size;
        Box::pin(async move {
            let mut grpc = Grpc::new(PreEncodedCodec::<Req>::default())
                .apply_max_message_size_config(Some(max), None);
            let response = grpc.server_streaming(handover, req).await;
            let handed_over = feed.lock().unwrap_or_else(|e| e.into_inner()).take();
            Ok(match handed_over {
                // Boxed as tonic boxes, so that `Body::new` keeps it as it is (no wrapper).
                Some(feed) => response.map(|_| Body::new(FeedBody::new(feed).boxed_unsync())),
                None => response,
            })
        })
    }
}

/// In front of the router: the calls of the two feed methods go straight to their services.
///
/// Why: through axum's router a response body is converted twice, to axum's body and back to
/// tonic's, each conversion an error-mapping layer and a box, and those are polled on every
/// frame of every watch (about 4 % of the server's CPU with 10,000 watchers; BENCHMARKS.md §22).
/// The router still serves every other method of both services, and these two when called
/// through it.
#[derive(Clone)]
pub struct FeedsFirst<F, G, R> {
    subscribe: F,
    watch: G,
    routes: R,
}

impl<F, G, R> FeedsFirst<F, G, R> {
    pub fn new(subscribe: F, watch: G, routes: R) -> Self {
        FeedsFirst {
            subscribe,
            watch,
            routes,
        }
    }
}

pub const SUBSCRIBE_PATH: &str = "/switchboard.v1.AgentService/Subscribe";
pub const WATCH_SESSION_PATH: &str = "/switchboard.v1.DashboardService/WatchSession";

impl<F, G, R> tower::Service<http::Request<Body>> for FeedsFirst<F, G, R>
where
    F: tower::Service<
            http::Request<Body>,
            Response = http::Response<Body>,
            Error = Infallible,
            Future = BoxFuture<Result<http::Response<Body>, Infallible>>,
        >,
    G: tower::Service<
            http::Request<Body>,
            Response = http::Response<Body>,
            Error = Infallible,
            Future = BoxFuture<Result<http::Response<Body>, Infallible>>,
        >,
    R: tower::Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = futures_util::future::Either<F::Future, R::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // All three are always ready (generated servers and axum's router hold no capacity);
        // each is asked anyway, so that one that ever does is respected.
        std::task::ready!(self.subscribe.poll_ready(cx))?;
        std::task::ready!(self.watch.poll_ready(cx))?;
        self.routes.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        use futures_util::future::Either;
        match req.uri().path() {
            SUBSCRIBE_PATH => Either::Left(self.subscribe.call(req)),
            WATCH_SESSION_PATH => Either::Left(self.watch.call(req)),
            _ => Either::Right(self.routes.call(req)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{MessageBody, Sender, SessionId};
    use crate::proto::{SubscribeResponse, subscribe_response};
    use prost::Message as _;

    #[test]
    fn one_encoding_serves_watch_session_and_subscribe() {
        let m = Message {
            session_id: SessionId(uuid::Uuid::new_v4()),
            seq: 7,
            sender: Sender::Agent,
            created_at: chrono::Utc::now(),
            body: MessageBody::Step {
                text: "ran the tests".into(),
            },
        };
        let framed = frame_message(&m);
        assert_eq!(framed[0], 0, "uncompressed");
        let len = u32::from_be_bytes(framed[1..PREFIX].try_into().unwrap()) as usize;
        assert_eq!(len, framed.len() - PREFIX);
        let wire = framed.slice(PREFIX..);
        let as_subscribe = SubscribeResponse::decode(wire.clone()).expect("decodes");
        assert_eq!(
            as_subscribe,
            SubscribeResponse {
                item: Some(subscribe_response::Item::Message(convert::message(&m))),
            }
        );
        let as_watch = WatchSessionResponse::decode(wire).expect("decodes");
        assert_eq!(
            as_watch.item,
            Some(watch_session_response::Item::Message(convert::message(&m)))
        );
        let hb = SubscribeResponse::decode(frame_heartbeat(9).slice(PREFIX..)).expect("decodes");
        match hb.item {
            Some(subscribe_response::Item::Heartbeat(hb)) => assert_eq!(hb.high_water, 9),
            other => panic!("expected a heartbeat, got {other:?}"),
        }
    }
}
