//! Builds the service stack and serves it: gRPC (HTTP/2) and gRPC-Web (HTTP/1.1) on one port,
//! in TLS or (loopback, or behind a TLS-terminating proxy) plaintext, plus reflection, health,
//! the probes and the web dashboard's static files; and the metrics listener beside it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderName, HeaderValue};
use http_body_util::BodyExt as _;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};

use super::database::{self, Database};
use super::metrics::{Metrics, MetricsLayer};
use super::probes::Readiness;
use super::serve::{Keepalive, serve};
use super::tasks::BackgroundTasks;
use super::{forwarded, health, probes, sweeper, tls};
use crate::api::AppState;
use crate::api::agent_service::AgentApi;
use crate::api::auth_service::AuthApi;
use crate::api::dashboard_service::DashboardApi;
use crate::api::encoded_feed::{
    FeedsFirst, SUBSCRIBE_PATH, SubscribeEncoded, WATCH_SESSION_PATH, WatchSessionEncoded,
    WithEncodedFeed,
};
use crate::api::launch_service::LaunchApi;
use crate::api::notification_service::NotificationApi;
use crate::api::project_service::ProjectApi;
use crate::api::runner_service::RunnerApi;
use crate::auth::rate_limit::RateLimiter;
use crate::auth::secrets::random_bytes;
use crate::auth::throttle::LoginThrottle;
use crate::auth::tokens::AccessTokens;
use crate::auth::{AuthLayer, Authenticator};
use crate::config::Settings;
use crate::feed::{Hub, listener, notifier};
use crate::proto::FILE_DESCRIPTOR_SET;
use crate::proto::agent_service_server::AgentServiceServer;
use crate::proto::auth_service_server::AuthServiceServer;
use crate::proto::dashboard_service_server::DashboardServiceServer;
use crate::proto::launch_service_server::LaunchServiceServer;
use crate::proto::notification_service_server::NotificationServiceServer;
use crate::proto::project_service_server::ProjectServiceServer;
use crate::proto::runner_service_server::RunnerServiceServer;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A running server: its address and the handle that stops it.
pub struct RunningServer {
    pub addr: SocketAddr,
    /// Whether `addr` speaks TLS (https) or plaintext (http).
    pub tls: bool,
    /// The metrics and probes listener, when `metrics.listen` is set.
    pub metrics_addr: Option<SocketAddr>,
    pub metrics: Metrics,
    pub readiness: Arc<Readiness>,
    /// This server's live-delivery hub (tests observe its followers instead of sleeping).
    pub hub: Arc<Hub>,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<Result<(), BoxError>>,
}

impl RunningServer {
    /// Ends every stream with UNAVAILABLE, finishes in-flight calls, stops background tasks
    /// and waits for them.
    pub async fn shutdown(self) -> Result<(), BoxError> {
        let _ = self.shutdown.send(true);
        self.task.await?
    }

    /// Resolves when the server stops on its own (an error).
    pub async fn wait(self) -> Result<(), BoxError> {
        self.task.await?
    }

    pub fn shutdown_handle(&self) -> watch::Sender<bool> {
        self.shutdown.clone()
    }
}

/// The HMAC key for access tokens: configured, or generated once into the data directory.
fn jwt_secret(settings: &Settings) -> Result<Vec<u8>, BoxError> {
    if let Some(secret) = &settings.auth.jwt_secret {
        let bytes = secret.expose_secret().as_bytes().to_vec();
        if bytes.len() < 32 {
            return Err("auth.jwt_secret must be at least 32 bytes".into());
        }
        return Ok(bytes);
    }
    let path: PathBuf = settings.data_dir.join("jwt-secret");
    if let Ok(existing) = std::fs::read(&path) {
        if existing.len() >= 32 {
            return Ok(existing);
        }
    }
    if settings.database_url.is_some() {
        tracing::warn!(
            path = %path.display(),
            "no auth.jwt_secret configured: generating one in the data directory; replicas must share it (set SWITCHBOARD__AUTH__JWT_SECRET)"
        );
    }
    std::fs::create_dir_all(&settings.data_dir)?;
    let secret = hex::encode(random_bytes(32)).into_bytes();
    write_private(&path, &secret)?;
    Ok(secret)
}

/// Writes a secret file that is never readable by others, not even for an instant: the file is
/// created with mode 0600 (not chmod-ed after writing), under a temporary name, and renamed into
/// place so a concurrent reader never sees it half-written.
fn write_private(path: &std::path::Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)?;
    file.write_all(contents)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

fn cors(settings: &Settings) -> CorsLayer {
    let expose = [
        "grpc-status",
        "grpc-message",
        "grpc-status-details-bin",
        "retry-after-ms",
    ]
    .map(HeaderName::from_static);
    let origin = match settings.cors_origin_list() {
        None => AllowOrigin::any(),
        Some(list) => AllowOrigin::list(list.iter().filter_map(|o| HeaderValue::from_str(o).ok())),
    };
    CorsLayer::new()
        .allow_origin(origin)
        .allow_methods([http::Method::POST, http::Method::GET, http::Method::OPTIONS])
        .allow_headers(Any)
        .expose_headers(expose)
        .max_age(Duration::from_secs(3600))
}

/// Serves static files of the dashboard for everything that is not gRPC; unknown gRPC paths
/// answer UNIMPLEMENTED as gRPC clients expect.
fn web_fallback(settings: &Settings, readiness: Arc<Readiness>) -> axum_like::Fallback {
    axum_like::Fallback::new(
        settings.web_dir.clone(),
        security_headers(settings),
        readiness,
    )
}

/// The headers every dashboard response carries. The CSP allows scripts and styles from this
/// origin only (the built dashboard has no inline script or style: checked in Chromium, no
/// violation signed in), the service worker (`/sw.js`, which shows web pushes) and the web app
/// manifest from this origin, calls to this origin and the configured CORS origins, no framing
/// (clickjacking), no plugins and no `<base>` tricks.
fn security_headers(settings: &Settings) -> Arc<http::HeaderMap> {
    let mut connect = vec!["'self'".to_owned()];
    connect.extend(settings.cors_origin_list().unwrap_or_default());
    let csp = format!(
        "default-src 'self'; script-src 'self'; connect-src {}; img-src 'self' data:; \
         style-src 'self'; object-src 'none'; base-uri 'self'; \
         frame-ancestors 'none'; form-action 'self'; worker-src 'self'; manifest-src 'self'",
        connect.join(" ")
    );
    let mut headers = http::HeaderMap::new();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), v);
        }
    };
    set("content-security-policy", &csp);
    set("x-content-type-options", "nosniff");
    set("referrer-policy", "no-referrer");
    set("x-frame-options", "DENY");
    // Only when the browser reached us over https: served here, or by the proxy in front.
    if settings.tls.files().is_some() || settings.tls.terminated_by_proxy {
        set("strict-transport-security", "max-age=31536000");
    }
    Arc::new(headers)
}

mod axum_like {
    //! The router's fallback: gRPC → UNIMPLEMENTED, anything else → the dashboard's files
    //! (index.html for unknown paths, so client-side routes survive a reload).

    use std::convert::Infallible;
    use std::future::Future;
    use std::path::PathBuf;
    use std::pin::Pin;
    use std::sync::Arc;
    use std::task::{Context, Poll};

    use tower::{Service, ServiceExt};

    use crate::runtime::probes::{self, Readiness};
    use tower_http::services::{ServeDir, ServeFile};

    #[derive(Clone)]
    pub struct Fallback {
        files: ServeDir<ServeFile>,
        present: bool,
        headers: Arc<http::HeaderMap>,
        readiness: Arc<Readiness>,
    }

    impl Fallback {
        pub fn new(
            dir: PathBuf,
            headers: Arc<http::HeaderMap>,
            readiness: Arc<Readiness>,
        ) -> Fallback {
            let present = dir.join("index.html").exists();
            Fallback {
                files: ServeDir::new(&dir).fallback(ServeFile::new(dir.join("index.html"))),
                present,
                headers,
                readiness,
            }
        }
    }

    fn with_headers(
        mut resp: http::Response<axum::body::Body>,
        headers: &http::HeaderMap,
    ) -> http::Response<axum::body::Body> {
        for (name, value) in headers {
            resp.headers_mut().insert(name, value.clone());
        }
        resp
    }

    /// A probe's plain-text answer (also used by the metrics listener).
    pub fn probe(status: http::StatusCode, body: &'static str) -> http::Response<axum::body::Body> {
        http::Response::builder()
            .status(status)
            .header(http::header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .header(http::header::CACHE_CONTROL, "no-store")
            .body(axum::body::Body::from(body))
            .expect("static response")
    }

    const NOT_BUILT: &str = "<!doctype html><title>Switchboard</title><p>The web dashboard is not built. \
        Run <code>clients/web/build.sh</code> (the README's run command does it for you) and reload.</p>";

    impl Service<http::Request<axum::body::Body>> for Fallback {
        type Response = http::Response<axum::body::Body>;
        type Error = Infallible;
        type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, req: http::Request<axum::body::Body>) -> Self::Future {
            let is_grpc = req
                .headers()
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ct| ct.starts_with("application/grpc"));
            if is_grpc {
                let status =
                    tonic::Status::unimplemented(format!("no such method: {}", req.uri().path()));
                return Box::pin(async move { Ok(status.into_http::<axum::body::Body>()) });
            }
            if req.method() == http::Method::GET {
                if let Some((status, body)) = probes::answer(req.uri().path(), &self.readiness) {
                    return Box::pin(async move { Ok(probe(status, body)) });
                }
            }
            let headers = self.headers.clone();
            if !self.present {
                return Box::pin(async move {
                    let resp = http::Response::builder()
                        .status(http::StatusCode::SERVICE_UNAVAILABLE)
                        .header(http::header::CONTENT_TYPE, "text/html; charset=utf-8")
                        .body(axum::body::Body::from(NOT_BUILT))
                        .expect("static response");
                    Ok(with_headers(resp, &headers))
                });
            }
            let files = self.files.clone();
            Box::pin(async move {
                let resp = files.oneshot(req).await.unwrap_or_else(|e| match e {});
                Ok(with_headers(resp.map(axum::body::Body::new), &headers))
            })
        }
    }
}

/// Opens the database and starts serving. Returns once the port is bound.
pub async fn start(
    settings: Settings,
) -> Result<(RunningServer, Option<super::embedded_pg::EmbeddedPostgres>), BoxError> {
    let Database { store, embedded } = database::open(&settings).await?;
    let running = start_with_store(settings, store).await?;
    Ok((running, embedded))
}

/// Starts serving on an already-opened store (tests share one cluster this way).
pub async fn start_with_store(
    settings: Settings,
    store: crate::store::Store,
) -> Result<RunningServer, BoxError> {
    // The plaintext rule holds however the server is started (the CLI has checked it already).
    settings.check_transport()?;
    let settings = Arc::new(settings);
    let (shutdown_tx, mut shutdown_rx) = watch::channel(false);
    // Everything inside the server watches one token. The public handle stays a watch sender
    // (the CLI flips it on a signal); this turns it, or its being dropped, into the token.
    let stop = CancellationToken::new();
    tokio::spawn({
        let stop = stop.clone();
        async move {
            tokio::select! {
                _ = shutdown_rx.wait_for(|s| *s) => stop.cancel(),
                _ = stop.cancelled() => {}
            }
        }
    });
    let hub = Arc::new(Hub::new());
    let metrics = Metrics::new();
    hub.observe_lag(metrics.feed_lag());
    let readiness = Arc::new(Readiness::default());
    // Certificates are checked before anything binds: a bad pair is a start-up error.
    let tls = match settings.tls.files() {
        Some((cert, key)) => Some(tls::Tls::load(cert, key)?),
        None => None,
    };
    let (hint_sink, hints) = tokio::sync::mpsc::unbounded_channel();
    let store = store
        .with_hint_sink(hint_sink)
        .observing_step_batches(metrics.step_batch_sizes())
        .observing_resolutions(metrics.resolution_ways())
        .observing_presence_refreshes(metrics.presence_refresh_ways());
    store
        .outbox()
        .set_coalesce_secs(settings.notify.coalesce_secs as f64);
    store
        .outbox()
        .set_deadline_warning_secs(settings.notify.deadline_warning_secs);
    // A bad notify.ca_file is a start-up error, not a silent fallback.
    crate::notify::tls::client_config(settings.notify.ca_file.as_deref())?;
    if let Some(smtp) = &settings.notify.smtp {
        crate::notify::email::Mailer::new(smtp, settings.notify.ca_file.as_deref())?;
    }
    let presence = Arc::new(crate::notify::Presence::shared(
        store.clone(),
        settings.feed.presence_interval(),
    ));
    let secret = jwt_secret(&settings)?;
    let deliverer = crate::notify::worker::Deliverer::new(
        store.clone(),
        presence.clone(),
        settings.notify.clone(),
        Arc::new(crate::auth::sealed::Sealer::new(&secret)),
    );
    let auth = Arc::new(Authenticator {
        store: store.clone(),
        access_tokens: AccessTokens::new(&secret, settings.auth.access_token_ttl()),
        rate_limiter: RateLimiter::new(
            settings.limits.agent_calls_per_second,
            settings.limits.agent_calls_burst,
        ),
        key_cache: Default::default(),
    });
    let kubernetes = match &settings.kubernetes {
        Some(k) => {
            Some(crate::kubernetes::KubeTarget::connect(k.clone(), metrics.kube_traffic()).await?)
        }
        None => None,
    };
    let state = AppState {
        store: store.clone(),
        hub: hub.clone(),
        auth: auth.clone(),
        login_throttle: Arc::new(LoginThrottle::default()),
        settings: settings.clone(),
        page_tokens: crate::api::pagination::PageTokens::new(&secret),
        presence,
        deliverer: deliverer.clone(),
        shutdown: stop.clone(),
        oidc: Arc::new(crate::auth::oidc::Oidc::new(
            &settings.oidc,
            Arc::new(crate::auth::sealed::Sealer::new(&secret)),
        )?),
        kubernetes: kubernetes.clone(),
    };

    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;

    let max_message = settings.limits.max_message_bytes;
    let agent_api = Arc::new(AgentApi::new(state.clone()));
    let dashboard_api = Arc::new(DashboardApi::new(state.clone()));
    // Their live feeds send each message's encoding, made once per process (encoded_feed).
    let agent_service = WithEncodedFeed::new(
        AgentServiceServer::from_arc(agent_api.clone()).max_decoding_message_size(max_message),
        SUBSCRIBE_PATH,
        SubscribeEncoded(agent_api),
        max_message,
    );
    let dashboard_service = WithEncodedFeed::new(
        DashboardServiceServer::from_arc(dashboard_api.clone())
            .max_decoding_message_size(max_message),
        WATCH_SESSION_PATH,
        WatchSessionEncoded(dashboard_api),
        max_message,
    );
    let mut builder = tonic::service::Routes::builder();
    builder
        .add_service(
            AuthServiceServer::new(AuthApi::new(state.clone()))
                .max_decoding_message_size(max_message),
        )
        .add_service(agent_service.clone())
        .add_service(dashboard_service.clone())
        .add_service(
            ProjectServiceServer::new(ProjectApi::new(state.clone()))
                .max_decoding_message_size(max_message),
        )
        .add_service(
            NotificationServiceServer::new(NotificationApi::new(state.clone()))
                .max_decoding_message_size(max_message),
        )
        .add_service(
            LaunchServiceServer::new(LaunchApi::new(state.clone()))
                .max_decoding_message_size(max_message),
        )
        .add_service(
            RunnerServiceServer::new(RunnerApi::new(state.clone()))
                .max_decoding_message_size(max_message),
        )
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha);
    let routes = builder.routes();
    let router = routes
        .into_axum_router()
        .merge(crate::api::act_http::router(state.clone()))
        .merge(crate::api::push_renew::router(state.clone()))
        .merge(crate::api::session_http::router(state.clone()))
        .merge(crate::api::oidc_http::router(state.clone()))
        .fallback_service(web_fallback(&settings, readiness.clone()));
    let routes = tonic::service::Routes::from(router);

    let listener = TcpListener::bind(&settings.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
    let addr = listener.local_addr()?;
    let metrics_listener = match &settings.metrics.listen {
        Some(listen) => Some(
            TcpListener::bind(listen)
                .await
                .map_err(|e| format!("cannot listen on {listen} (metrics.listen): {e}"))?,
        ),
        None => None,
    };
    let metrics_addr = match &metrics_listener {
        Some(l) => Some(l.local_addr()?),
        None => None,
    };

    let tasks = BackgroundTasks::new(stop.clone());
    tasks.spawn(
        "feed listener",
        listener::run(store.clone(), hub.clone(), stop.clone()),
    );
    tasks.spawn(
        "feed resync",
        listener::resync_periodically(
            store.clone(),
            hub.clone(),
            settings.feed.resync_interval(),
            stop.clone(),
        ),
    );
    tasks.spawn(
        "feed notifier",
        notifier::run(
            store.clone(),
            hub.clone(),
            hints,
            settings.feed.notify_spacing(),
            stop.clone(),
        ),
    );
    tasks.spawn(
        "sweeper",
        sweeper::run(
            store.clone(),
            settings.sessions.clone(),
            metrics.clone(),
            stop.clone(),
        ),
    );
    if let Some(target) = kubernetes {
        tasks.spawn(
            "kubernetes launcher",
            crate::kubernetes::launcher::run(store.clone(), target.clone(), stop.clone()),
        );
        tasks.spawn(
            "kubernetes watch",
            crate::kubernetes::watch::run(store.clone(), target, stop.clone()),
        );
    }
    let public_url = if settings.notify.public_url.is_empty() {
        let scheme = if tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{addr}")
    } else {
        settings.notify.public_url.clone()
    };
    let _ = deliverer.public_url.set(public_url);
    tasks.spawn(
        "notifications",
        crate::notify::worker::run(deliverer, stop.clone()),
    );
    tasks.spawn("presence", state.presence.clone().run(stop.clone()));
    tasks.spawn(
        "health",
        health::run(
            store.clone(),
            health_reporter,
            readiness.clone(),
            Duration::from_millis(500),
            stop.clone(),
        ),
    );

    // Readiness goes false the moment shutdown starts, while the listener still accepts; the
    // session feeds end with UNAVAILABLE (their shutdown signal, see `Hub::close_sessions`).
    tokio::spawn({
        let (stop, readiness, hub) = (stop.clone(), readiness.clone(), hub.clone());
        async move {
            stop.cancelled().await;
            readiness.drain();
            hub.close_sessions();
        }
    });
    // Its own token: the probes keep answering (not ready) until the main port has closed.
    let metrics_stop = CancellationToken::new();
    let metrics_server = metrics_listener.map(|l| {
        serve_metrics(
            l,
            metrics.clone(),
            readiness.clone(),
            store.clone(),
            hub.clone(),
            metrics_stop.clone(),
        )
    });

    let server_stop = stop.clone();
    let service = tower::ServiceBuilder::new()
        .layer(cors(&settings))
        .layer(super::grpc_web::GrpcWebWhereItAppliesLayer)
        // Inside gRPC-Web (so a gRPC-Web call's status is still a trailer here) and outside
        // auth (so a refused call is traced too); the body goes back to tonic's type for the
        // gRPC-Web layer.
        // The client address first (the span logs it), metrics beside the trace layer.
        .layer(
            tower::ServiceBuilder::new()
                .map_response(|r: http::Response<_>| r.map(into_tonic_body))
                .layer(forwarded::ForwardedLayer::new(settings.trusted_proxies()))
                .layer(MetricsLayer(metrics.clone()))
                .layer(super::trace::layer()),
        )
        .layer(AuthLayer::new(auth))
        .layer(super::codec_errors::CodecErrorsLayer { limit: max_message })
        .service(FeedsFirst::new(
            agent_service,
            dashboard_service,
            routes.prepare(),
        ));
    let keepalive = Some(Keepalive {
        interval: Duration::from_secs(30),
        timeout: Duration::from_secs(10),
    });
    let signal = async move {
        server_stop.cancelled().await;
        // Let streams send their UNAVAILABLE before connections are told to go away.
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let serving_tls = tls.is_some();
    let server: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> = match tls {
        Some(tls) => Box::pin(serve(
            tls.incoming(
                listener,
                settings.tls.handshake_timeout(),
                settings.tls.reload_interval(),
                metrics.clone(),
                stop.clone(),
            ),
            service,
            keepalive,
            signal,
        )),
        None => Box::pin(serve(
            accepted_connections(listener),
            service,
            keepalive,
            signal,
        )),
    };
    let task = tokio::spawn(async move {
        server.await;
        metrics_stop.cancel();
        if let Some(metrics_server) = metrics_server {
            let _ = metrics_server.await;
        }
        // A server that failed on its own stops its background tasks too.
        let failed = tasks.stop().await;
        if !failed.is_empty() {
            tracing::warn!(?failed, "background tasks failed while the server ran");
        }
        Ok(())
    });
    Ok(RunningServer {
        addr,
        tls: serving_tls,
        metrics_addr,
        metrics,
        readiness,
        hub,
        shutdown: shutdown_tx,
        task,
    })
}

/// tonic's body type for a body whose errors are already statuses, boxed the way tonic boxes so
/// that `Body::new` keeps the box instead of adding an error-mapping layer, polled on every frame
/// of every stream.
fn into_tonic_body<B>(body: B) -> tonic::body::Body
where
    B: http_body::Body<Data = bytes::Bytes, Error = tonic::Status> + Send + 'static,
{
    tonic::body::Body::new(body.boxed_unsync())
}

/// The metrics listener: `/metrics`, `/livez`, `/readyz` over plain HTTP/1.1, until `stop`.
fn serve_metrics(
    listener: TcpListener,
    metrics: Metrics,
    readiness: Arc<Readiness>,
    store: crate::store::Store,
    hub: Arc<Hub>,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    use axum::routing::get;
    let probe = |path: &'static str| {
        let readiness = readiness.clone();
        get(move || {
            let readiness = readiness.clone();
            async move {
                let (status, body) = probes::answer(path, &readiness).expect("a probe path");
                axum_like::probe(status, body)
            }
        })
    };
    let router = axum::Router::new()
        .route(
            "/metrics",
            get(move || {
                let (metrics, store, hub) = (metrics.clone(), store.clone(), hub.clone());
                async move {
                    let body = metrics.render(&store, &hub).await;
                    http::Response::builder()
                        .header(http::header::CONTENT_TYPE, super::metrics::CONTENT_TYPE)
                        .body(axum::body::Body::from(body))
                        .expect("metrics response")
                }
            }),
        )
        .route("/livez", probe("/livez"))
        .route("/readyz", probe("/readyz"));
    let router = tonic::service::Routes::from(router).prepare();
    tokio::spawn(serve(
        accepted_connections(listener),
        router,
        None,
        async move {
            stop.cancelled().await;
        },
    ))
}

/// The server's incoming connections with the socket options tonic's own `serve` would set.
/// Serving from a bare listener stream skips them, and without TCP_NODELAY every small write
/// (an answer pushed to a waiting agent, a LogStep reply) waits for the peer's delayed ACK:
/// about 40 ms on Linux.
/// Accepted plaintext connections: Nagle off, write bursts coalesced (`coalesce`).
fn accepted_connections(
    listener: TcpListener,
) -> impl tokio_stream::Stream<
    Item = std::io::Result<super::coalesce::CoalescedWrites<tokio::net::TcpStream>>,
> {
    use tokio_stream::StreamExt;
    tonic::transport::server::TcpIncoming::from(listener)
        .with_nodelay(Some(true))
        .map(|accepted| accepted.map(super::coalesce::CoalescedWrites::new))
}

#[cfg(test)]
mod tests {
    use tokio_stream::StreamExt;

    #[test]
    fn a_generated_secret_file_is_private_from_its_creation() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jwt-secret");
        super::write_private(&path, b"0123456789abcdef0123456789abcdef").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(std::fs::read(&path).unwrap().len(), 32);
        // Only the file itself is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[tokio::test]
    async fn accepted_sockets_have_nagle_off() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut incoming = super::accepted_connections(listener);
        let _client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let accepted = incoming.next().await.unwrap().unwrap();
        assert!(
            accepted.get_ref().nodelay().unwrap(),
            "TCP_NODELAY must be set on accepted sockets"
        );
    }
}
