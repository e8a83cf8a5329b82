//! What this server's Kubernetes client receives, for the metrics: response body bytes, watch
//! streams apart from the rest (lists, creates, deletes), and the objects the pod and Job
//! watchers delivered. This is the cost of following the cluster by watch rather than by
//! polling each session, measured where it lands.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body::{Body, Frame, SizeHint};
use kube::client::Body as KubeBody;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;
use tower::{Layer, Service};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabel {
    request: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: &'static str,
}

/// The counters (cheap to clone: shared atomics).
#[derive(Clone, Default)]
pub struct KubeTraffic {
    received_bytes: Family<RequestLabel, Counter>,
    watch_objects: Family<KindLabel, Counter>,
}

impl KubeTraffic {
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "kube_received_bytes",
            "Response body bytes the Kubernetes client received: request=\"watch\" for watch streams, \"other\" for the rest",
            self.received_bytes.clone(),
        );
        registry.register(
            "kube_watch_objects",
            "Objects the pod and Job watchers delivered (initial lists and watch events), by kind",
            self.watch_objects.clone(),
        );
    }

    /// One object from the `kind` ("pod", "job") watcher.
    pub fn object(&self, kind: &'static str) {
        self.watch_objects.get_or_create(&KindLabel { kind }).inc();
    }

    fn bytes(&self, watch: bool) -> Counter {
        let request = if watch { "watch" } else { "other" };
        self.received_bytes
            .get_or_create(&RequestLabel { request })
            .clone()
    }
}

/// The client layer that counts response bytes.
pub struct CountingLayer(pub KubeTraffic);

impl<S> Layer<S> for CountingLayer {
    type Service = Counting<S>;
    fn layer(&self, inner: S) -> Counting<S> {
        Counting {
            inner,
            traffic: self.0.clone(),
        }
    }
}

pub struct Counting<S> {
    inner: S,
    traffic: KubeTraffic,
}

fn is_watch(req: &Request<KubeBody>) -> bool {
    req.uri()
        .query()
        .is_some_and(|q| q.split('&').any(|p| p == "watch=true" || p == "watch=1"))
}

impl<S, B> Service<Request<KubeBody>> for Counting<S>
where
    S: Service<Request<KubeBody>, Response = Response<B>>,
    S::Future: Send + 'static,
{
    type Response = Response<CountingBody<B>>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<KubeBody>) -> Self::Future {
        let counter = self.traffic.bytes(is_watch(&req));
        let response = self.inner.call(req);
        Box::pin(async move {
            let response = response.await?;
            Ok(response.map(|inner| CountingBody { inner, counter }))
        })
    }
}

/// A response body that adds each data frame's length to its counter as it is read.
pub struct CountingBody<B> {
    inner: B,
    counter: Counter,
}

impl<B> Body for CountingBody<B>
where
    B: Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            this.counter.inc_by(data.len() as u64);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
