//! Prometheus metrics (the `prometheus-client` crate, OpenMetrics text format): RPC counts and
//! latency by method and gRPC code, calls and streams open, database pool use, sweeper runs,
//! feed listener reconnects, the notification and launch queues (depth and oldest entry's age),
//! TLS handshake failures and certificate reloads, and the Kubernetes client's watch traffic.
//! Served on a separate plain-HTTP listener (`metrics.listen`) with the probes, so scraping
//! never competes with, or authenticates against, the API port.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use http::{HeaderMap, Request, Response};
use http_body::Frame;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tonic::Code;
use tower::{Layer, Service};

use crate::store::Store;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RpcLabels {
    grpc_method: String,
    grpc_code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodLabel {
    grpc_method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabel {
    queue: &'static str,
}

/// How a person's answer or approval decision was written (see `store::sessions::input_fast`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WayLabel {
    way: &'static str,
}

type WayCounters = Family<WayLabel, Counter>;

/// The counters of two ways of a `WayCounters` family.
fn two_ways(family: &WayCounters, a: &'static str, b: &'static str) -> (Counter, Counter) {
    let way = |way| family.get_or_create(&WayLabel { way }).clone();
    (way(a), way(b))
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

type HistogramFamily<S> = Family<S, Histogram, fn() -> Histogram>;

struct Inner {
    registry: Registry,
    rpc_calls: Family<RpcLabels, Counter>,
    rpc_seconds: HistogramFamily<RpcLabels>,
    rpc_open: Family<MethodLabel, Gauge>,
    pool_size: Gauge,
    pool_idle: Gauge,
    pool_max: Gauge,
    watched_sessions: Gauge,
    listener_reconnects: Counter,
    queue_waiting: Family<QueueLabel, Gauge>,
    queue_oldest: Family<QueueLabel, Gauge<f64, std::sync::atomic::AtomicU64>>,
    sweeps: Family<OutcomeLabel, Counter>,
    tls_handshake_failures: Family<OutcomeLabel, Counter>,
    tls_reloads: Family<OutcomeLabel, Counter>,
    feed_lag: Histogram,
    step_batch_sizes: Histogram,
    resolution_ways: WayCounters,
    presence_refresh_ways: WayCounters,
    kube: crate::kubernetes::traffic::KubeTraffic,
}

/// The server's metrics; cheap to clone (one shared registry).
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

fn latency_histogram() -> Histogram {
    // 0.5 ms .. ~16 s: a LogStep is sub-millisecond, a long WaitForAnswer ends much later
    // (streams land in +Inf, their count still says how many ended with which code).
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("switchboard");
        let rpc_calls = Family::<RpcLabels, Counter>::default();
        let rpc_seconds: HistogramFamily<RpcLabels> =
            Family::new_with_constructor(latency_histogram as fn() -> Histogram);
        let rpc_open = Family::<MethodLabel, Gauge>::default();
        let (pool_size, pool_idle, pool_max) =
            (Gauge::default(), Gauge::default(), Gauge::default());
        let watched_sessions = Gauge::default();
        let listener_reconnects = Counter::default();
        let queue_waiting = Family::<QueueLabel, Gauge>::default();
        let queue_oldest =
            Family::<QueueLabel, Gauge<f64, std::sync::atomic::AtomicU64>>::default();
        let sweeps = Family::<OutcomeLabel, Counter>::default();
        let tls_handshake_failures = Family::<OutcomeLabel, Counter>::default();
        let tls_reloads = Family::<OutcomeLabel, Counter>::default();
        let feed_lag = latency_histogram();
        let step_batch_sizes = Histogram::new(exponential_buckets(1.0, 2.0, 10));
        registry.register(
            "step_batch_size",
            "Steps written per group commit (one statement and one WAL flush each)",
            step_batch_sizes.clone(),
        );
        let resolution_ways = WayCounters::default();
        registry.register(
            "input_resolutions",
            "People's answers and approval decisions by how they were written: one_statement (the \
             usual case) or locking (the general transaction: refusals, replays, races, \
             allow-for-session)",
            resolution_ways.clone(),
        );
        let presence_refresh_ways = WayCounters::default();
        registry.register(
            "presence_refreshes",
            "Agents' periodic signs of life (sessions' last-seen times) by how they were written: \
             batched (one statement a second for every session whose status stays) or locking \
             (a disconnect ended, a row busy at the time)",
            presence_refresh_ways.clone(),
        );
        registry.register(
            "rpc_calls",
            "Finished RPCs by method and gRPC status code (a stream counts when it ends)",
            rpc_calls.clone(),
        );
        registry.register(
            "rpc_duration_seconds",
            "RPC latency by method and gRPC status code (a stream's whole life)",
            rpc_seconds.clone(),
        );
        registry.register(
            "rpc_open",
            "RPCs in progress by method: open streams and waiting calls",
            rpc_open.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Database pool connections, idle or in use",
            pool_size.clone(),
        );
        registry.register(
            "db_pool_idle_connections",
            "Idle database pool connections",
            pool_idle.clone(),
        );
        registry.register(
            "db_pool_max_connections",
            "The database pool's limit",
            pool_max.clone(),
        );
        registry.register(
            "feed_watched_sessions",
            "Sessions whose live feed this process follows",
            watched_sessions.clone(),
        );
        registry.register(
            "feed_listener_reconnects",
            "Times this process's LISTEN connection was re-established (each resyncs every feed)",
            listener_reconnects.clone(),
        );
        registry.register(
            "queue_waiting",
            "Entries waiting: notifications due and not delivered, launches no runner has taken",
            queue_waiting.clone(),
        );
        registry.register(
            "queue_oldest_age_seconds",
            "Age of the oldest waiting entry of each queue (0 when empty)",
            queue_oldest.clone(),
        );
        registry.register(
            "sweeper_runs",
            "Sweeper passes (deadlines, stop grace, silent agents) by outcome",
            sweeps.clone(),
        );
        registry.register(
            "feed_lag_seconds",
            "Seconds from a session message's write to this process reading it for its live watchers",
            feed_lag.clone(),
        );
        registry.register(
            "tls_handshake_failures",
            "TLS handshakes that failed or timed out",
            tls_handshake_failures.clone(),
        );
        registry.register(
            "tls_certificate_reloads",
            "Certificate reloads from changed files, by outcome (a failed one keeps the old pair)",
            tls_reloads.clone(),
        );
        let kube = crate::kubernetes::traffic::KubeTraffic::default();
        kube.register(&mut registry);
        Metrics(Arc::new(Inner {
            registry,
            rpc_calls,
            rpc_seconds,
            rpc_open,
            pool_size,
            pool_idle,
            pool_max,
            watched_sessions,
            listener_reconnects,
            queue_waiting,
            queue_oldest,
            sweeps,
            tls_handshake_failures,
            tls_reloads,
            feed_lag,
            step_batch_sizes,
            resolution_ways,
            presence_refresh_ways,
            kube,
        }))
    }

    /// The group-commit batch sizes, for the store to observe into.
    pub fn step_batch_sizes(&self) -> Histogram {
        self.0.step_batch_sizes.clone()
    }

    /// For the store to count its answers and decisions by the way it wrote them: the
    /// `one_statement` and the `locking` counters.
    pub fn resolution_ways(&self) -> (Counter, Counter) {
        two_ways(&self.0.resolution_ways, "one_statement", "locking")
    }

    /// For the store to count agents' presence refreshes by the way it wrote them: the
    /// `batched` and the `locking` counters.
    pub fn presence_refresh_ways(&self) -> (Counter, Counter) {
        two_ways(&self.0.presence_refresh_ways, "batched", "locking")
    }

    /// The Kubernetes client's counters, for its layer and watchers to count into.
    pub fn kube_traffic(&self) -> crate::kubernetes::traffic::KubeTraffic {
        self.0.kube.clone()
    }

    /// The feed lag histogram, for the hub to observe into.
    pub fn feed_lag(&self) -> Histogram {
        self.0.feed_lag.clone()
    }

    pub fn sweep(&self, ok: bool) {
        let outcome = if ok { "ok" } else { "error" };
        self.0.sweeps.get_or_create(&OutcomeLabel { outcome }).inc();
    }

    pub fn tls_handshake_failed(&self, outcome: &'static str) {
        self.0
            .tls_handshake_failures
            .get_or_create(&OutcomeLabel { outcome })
            .inc();
    }

    pub fn cert_reload(&self, ok: bool) {
        let outcome = if ok { "ok" } else { "error" };
        self.0
            .tls_reloads
            .get_or_create(&OutcomeLabel { outcome })
            .inc();
    }

    /// The text exposition, with the gauges that are read rather than kept (pool, hub, queues)
    /// taken at scrape time. A queue read that fails leaves the queue gauges as they were.
    pub async fn render(&self, store: &Store, hub: &crate::feed::Hub) -> String {
        match store.queue_depths().await {
            Ok(depths) => {
                for (queue, depth) in [
                    ("notifications", depths.notifications),
                    ("launches", depths.launches),
                ] {
                    let label = QueueLabel { queue };
                    self.0
                        .queue_waiting
                        .get_or_create(&label)
                        .set(depth.waiting);
                    self.0
                        .queue_oldest
                        .get_or_create(&label)
                        .set(depth.oldest_seconds);
                }
            }
            Err(e) => tracing::warn!(error = %e, "metrics: the queue depths cannot be read"),
        }
        let reconnects = hub.listener_reconnects();
        let counted = self.0.listener_reconnects.get();
        if reconnects > counted {
            self.0.listener_reconnects.inc_by(reconnects - counted);
        }
        let pool = store.pool();
        let size = i64::from(pool.size());
        self.0.pool_size.set(size);
        self.0.pool_idle.set(pool.num_idle() as i64);
        self.0
            .pool_max
            .set(i64::from(pool.options().get_max_connections()));
        self.0.watched_sessions.set(hub.watched_sessions() as i64);
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.0.registry)
            .expect("writing to a String does not fail");
        out
    }

    fn start(&self, method: &str) -> CallGuard {
        let method = MethodLabel {
            grpc_method: method.to_owned(),
        };
        self.0.rpc_open.get_or_create(&method).inc();
        CallGuard {
            metrics: self.clone(),
            method,
            started: Instant::now(),
            done: false,
        }
    }
}

pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The gRPC status names as gRPC documents them (`NOT_FOUND`), the usual label values.
fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

fn grpc_code(headers: &HeaderMap) -> Option<Code> {
    headers
        .get("grpc-status")
        .map(|v| Code::from_bytes(v.as_bytes()))
}

/// One call in progress: recorded once, when its status is known, or as CANCELLED when its
/// response is dropped before that (the client went away mid-stream).
struct CallGuard {
    metrics: Metrics,
    method: MethodLabel,
    started: Instant,
    done: bool,
}

impl CallGuard {
    fn finish(&mut self, code: Code) {
        if std::mem::replace(&mut self.done, true) {
            return;
        }
        let inner = &self.metrics.0;
        inner.rpc_open.get_or_create(&self.method).dec();
        // A made-up method name answers UNIMPLEMENTED: one shared label, so that nobody can
        // grow the series without bound by calling random paths.
        let grpc_method = if code == Code::Unimplemented {
            "unknown".to_owned()
        } else {
            self.method.grpc_method.clone()
        };
        let labels = RpcLabels {
            grpc_method,
            grpc_code: code_name(code),
        };
        inner.rpc_calls.get_or_create(&labels).inc();
        inner
            .rpc_seconds
            .get_or_create(&labels)
            .observe(self.started.elapsed().as_secs_f64());
    }
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        self.finish(Code::Cancelled);
    }
}

#[derive(Clone)]
pub struct MetricsLayer(pub Metrics);

impl<S> Layer<S> for MetricsLayer {
    type Service = MetricsService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        MetricsService {
            inner,
            metrics: self.0.clone(),
        }
    }
}

#[derive(Clone)]
pub struct MetricsService<S> {
    inner: S,
    metrics: Metrics,
}

fn is_grpc<B>(req: &Request<B>) -> bool {
    req.headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/grpc"))
}

impl<S, ReqB, ResB> Service<Request<ReqB>> for MetricsService<S>
where
    S: Service<Request<ReqB>, Response = Response<ResB>>,
    S::Future: Send + 'static,
    ResB: http_body::Body + Unpin + Send + 'static,
{
    type Response = Response<MetricsBody<ResB>>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqB>) -> Self::Future {
        // The dashboard's files and the probes are not RPCs.
        let guard = is_grpc(&req).then(|| self.metrics.start(req.uri().path()));
        let fut = self.inner.call(req);
        Box::pin(async move {
            let mut guard = guard;
            let response = fut.await?;
            // A trailers-only response (every error from a handler or the auth layer) carries
            // its status in the headers; otherwise it comes in the trailers.
            if let (Some(g), Some(code)) = (guard.as_mut(), grpc_code(response.headers())) {
                g.finish(code);
            }
            Ok(response.map(|inner| MetricsBody { inner, guard }))
        })
    }
}

/// The response body as it is (no box of its own: every frame of every stream passes here).
pub struct MetricsBody<B> {
    inner: B,
    guard: Option<CallGuard>,
}

impl<B: http_body::Body + Unpin> http_body::Body for MetricsBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(ready) = &polled {
            let code = match ready {
                Some(Ok(frame)) => frame
                    .trailers_ref()
                    .map(|t| grpc_code(t).unwrap_or(Code::Unknown)),
                Some(Err(_)) => Some(Code::Unknown),
                // The end without trailers: not gRPC after all, or already recorded.
                None => Some(Code::Unknown),
            };
            if let (Some(code), Some(guard)) = (code, self.guard.as_mut()) {
                guard.finish(code);
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
