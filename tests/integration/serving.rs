//! Production serving over real sockets: TLS on the one port (gRPC over HTTP/2, gRPC-Web and the
//! dashboard over HTTP/1.1, chosen by ALPN) with a CA generated here, certificate rotation on
//! disk, the plaintext rule, the metrics listener parsed by a real Prometheus text parser, the
//! probes, and the dashboard's security headers.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use switchboard::auth::passwords::hash_password;
use switchboard::proto::auth_service_client::AuthServiceClient;
use switchboard::proto::*;
use switchboard::runtime::server::start_with_store;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tonic::transport::{Certificate, Channel, ClientTlsConfig};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

use crate::harness::*;

/// A test certificate authority that issues server certificates for localhost.
struct Ca {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params.self_signed(&key).unwrap();
        Ca {
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A leaf for localhost and 127.0.0.1: (cert PEM, key PEM, cert DER).
    fn leaf(&self, common_name: &str) -> (String, String, Vec<u8>) {
        let key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem(), cert.der().to_vec())
    }
}

/// Certificate files laid out as Kubernetes mounts a secret: `tls.crt` and `tls.key` are
/// symlinks through `..data`, and a rotation swaps `..data` to a new directory in one rename,
/// so a reader never sees a new certificate with an old key.
struct TlsFiles {
    dir: tempfile::TempDir,
    cert: PathBuf,
    key: PathBuf,
}

impl TlsFiles {
    fn write(cert_pem: &str, key_pem: &str) -> TlsFiles {
        let dir = tempfile::tempdir().unwrap();
        let files = TlsFiles {
            cert: dir.path().join("tls.crt"),
            key: dir.path().join("tls.key"),
            dir,
        };
        files.replace(cert_pem, key_pem);
        std::os::unix::fs::symlink("..data/tls.crt", &files.cert).unwrap();
        std::os::unix::fs::symlink("..data/tls.key", &files.key).unwrap();
        files
    }

    fn replace(&self, cert_pem: &str, key_pem: &str) {
        let generation = self.dir.path().join(format!("..{}", uuid::Uuid::new_v4()));
        std::fs::create_dir(&generation).unwrap();
        std::fs::write(generation.join("tls.crt"), cert_pem).unwrap();
        std::fs::write(generation.join("tls.key"), key_pem).unwrap();
        let tmp = self.dir.path().join("..data_tmp");
        std::os::unix::fs::symlink(generation.file_name().unwrap(), &tmp).unwrap();
        std::fs::rename(&tmp, self.dir.path().join("..data")).unwrap();
    }
}

async fn spawn_tls(
    files: &TlsFiles,
    configure: impl FnOnce(&mut switchboard::config::Settings),
) -> TestApp {
    let (cert, key) = (files.cert.clone(), files.key.clone());
    TestApp::spawn_with(move |s| {
        s.tls.cert_file = Some(cert);
        s.tls.key_file = Some(key);
        s.tls.reload_interval_ms = 50;
        configure(s);
    })
    .await
}

fn client_config(ca_pem: &str, alpn: &[&[u8]]) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(ca_pem.as_bytes()) {
        let cert: CertificateDer<'static> = cert.unwrap();
        roots.add(cert).unwrap();
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    config
}

/// What a TLS client saw: the agreed ALPN protocol, the server's leaf certificate, and the
/// whole response to `request` (sent when given, then read until the server closes).
struct Seen {
    alpn: Option<Vec<u8>>,
    leaf: Vec<u8>,
    response: Vec<u8>,
}

async fn over_tls(
    addr: SocketAddr,
    ca_pem: &str,
    alpn: &[&[u8]],
    request: Option<&[u8]>,
) -> Result<Seen, std::io::Error> {
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client_config(ca_pem, alpn)));
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let mut tls = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await?;
    let (_, conn) = tls.get_ref();
    let alpn = conn.alpn_protocol().map(<[u8]>::to_vec);
    let leaf = conn.peer_certificates().unwrap()[0].to_vec();
    let mut response = Vec::new();
    if let Some(request) = request {
        tls.write_all(request).await?;
        let _ = tls.read_to_end(&mut response).await;
    }
    Ok(Seen {
        alpn,
        leaf,
        response,
    })
}

async fn tls_channel(addr: SocketAddr, ca_pem: &str) -> Result<Channel, tonic::transport::Error> {
    Channel::from_shared(format!("https://127.0.0.1:{}", addr.port()))
        .unwrap()
        .tls_config(
            ClientTlsConfig::new()
                .ca_certificate(Certificate::from_pem(ca_pem))
                .domain_name("localhost"),
        )?
        .connect()
        .await
}

fn grpc_web_login(host: SocketAddr, email: &str) -> Vec<u8> {
    use prost::Message;
    let body = LoginRequest {
        email: email.into(),
        password: PASSWORD.into(),
    }
    .encode_to_vec();
    let mut frame = vec![0u8];
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
    frame.extend_from_slice(&body);
    let mut request = format!(
        "POST /switchboard.v1.AuthService/Login HTTP/1.1\r\nHost: {host}\r\n\
         Content-Type: application/grpc-web+proto\r\nX-Grpc-Web: 1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        frame.len()
    )
    .into_bytes();
    request.extend_from_slice(&frame);
    request
}

fn get(path: &str, host: SocketAddr) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").into_bytes()
}

/// One plain HTTP/1.1 GET; the whole response as text.
async fn http_get(addr: SocketAddr, path: &str) -> String {
    let request = get(path, addr);
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        stream.write_all(&request).unwrap();
        let mut out = Vec::new();
        let _ = stream.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn grpc_and_grpc_web_share_the_tls_port_and_alpn_picks_the_protocol() {
    let ca = Ca::new("Switchboard test CA");
    let (cert, key, _) = ca.leaf("server one");
    let files = TlsFiles::write(&cert, &key);
    let app = spawn_tls(&files, |_| {}).await;
    app.store
        .create_user("tls@example.com", "TLS", &hash_password(PASSWORD).unwrap())
        .await
        .unwrap();

    // gRPC over HTTP/2 with the generated client, trusting the test CA.
    let channel = tls_channel(app.addr, &ca.pem).await.expect("TLS connect");
    let login = AuthServiceClient::new(channel.clone())
        .login(LoginRequest {
            email: "tls@example.com".into(),
            password: PASSWORD.into(),
        })
        .await
        .expect("login over TLS")
        .into_inner();
    assert!(!login.tokens.unwrap().access_token.is_empty());
    let health = HealthClient::new(channel)
        .check(HealthCheckRequest::default())
        .await
        .expect("health over TLS");
    assert_eq!(health.into_inner().status, 1, "SERVING");

    // ALPN: a client offering both gets h2, an HTTP/1.1-only client gets http/1.1.
    let both = over_tls(app.addr, &ca.pem, &[b"h2", b"http/1.1"], None)
        .await
        .unwrap();
    assert_eq!(both.alpn.as_deref(), Some(&b"h2"[..]));

    // gRPC-Web over HTTP/1.1 in TLS on the same port gets a real answer.
    let web = over_tls(
        app.addr,
        &ca.pem,
        &[b"http/1.1"],
        Some(&grpc_web_login(app.addr, "tls@example.com")),
    )
    .await
    .unwrap();
    assert_eq!(web.alpn.as_deref(), Some(&b"http/1.1"[..]));
    let text = String::from_utf8_lossy(&web.response).to_lowercase();
    assert!(text.starts_with("http/1.1 200"), "{text}");
    assert!(text.contains("application/grpc-web+proto"), "{text}");
    assert!(text.contains("grpc-status:0"), "{text}");

    // The dashboard over HTTPS says so with HSTS; the probes answer on the main port too.
    let page = over_tls(app.addr, &ca.pem, &[b"http/1.1"], Some(&get("/", app.addr)))
        .await
        .unwrap();
    let page = String::from_utf8_lossy(&page.response).to_lowercase();
    assert!(
        page.contains("strict-transport-security: max-age="),
        "{page}"
    );
    let live = over_tls(
        app.addr,
        &ca.pem,
        &[b"http/1.1"],
        Some(&get("/livez", app.addr)),
    )
    .await
    .unwrap();
    assert!(String::from_utf8_lossy(&live.response).starts_with("HTTP/1.1 200"));

    // Plaintext on the TLS port is not served.
    let plain = http_get(app.addr, "/livez").await;
    assert!(!plain.starts_with("HTTP/1.1 200"), "{plain}");
}

#[tokio::test]
async fn a_client_trusting_another_ca_is_refused() {
    let ca = Ca::new("Switchboard test CA");
    let (cert, key, _) = ca.leaf("server");
    let files = TlsFiles::write(&cert, &key);
    let app = spawn_tls(&files, |s| s.tls.handshake_timeout_ms = 300).await;
    let stranger = Ca::new("Some other CA");
    // A client that connects and never starts its handshake holds up nobody (every check
    // below runs while it is connected) and is closed once the handshake timeout passes.
    let mut silent = tokio::net::TcpStream::connect(app.addr).await.unwrap();

    let err = over_tls(app.addr, &stranger.pem, &[b"h2"], None)
        .await
        .err()
        .expect("the handshake must fail");
    assert!(
        err.to_string().contains("UnknownIssuer")
            || err.to_string().contains("invalid peer certificate"),
        "{err}"
    );
    let refused = match tls_channel(app.addr, &stranger.pem).await {
        Err(e) => Err(e.to_string()),
        Ok(channel) => HealthClient::new(channel)
            .check(HealthCheckRequest::default())
            .await
            .map(|_| ())
            .map_err(|s| s.to_string()),
    };
    assert!(
        refused.is_err(),
        "a gRPC call through an untrusted certificate succeeded"
    );
    // The server still serves clients that trust it: a failed handshake hurts nobody else.
    let channel = tls_channel(app.addr, &ca.pem).await.unwrap();
    HealthClient::new(channel)
        .check(HealthCheckRequest::default())
        .await
        .expect("health");
    let mut buf = [0u8; 16];
    let closed = tokio::time::timeout(Duration::from_secs(30), silent.read(&mut buf))
        .await
        .expect("the server closes a connection that never shakes hands");
    assert!(matches!(closed, Ok(0) | Err(_)), "{closed:?}");
}

#[tokio::test]
async fn a_rotated_certificate_is_served_to_new_connections_and_a_bad_one_is_not() {
    let ca = Ca::new("Switchboard test CA");
    let (cert1, key1, der1) = ca.leaf("first");
    let files = TlsFiles::write(&cert1, &key1);
    let app = spawn_tls(&files, |s| s.metrics.listen = Some("127.0.0.1:0".into())).await;
    let seen = over_tls(app.addr, &ca.pem, &[b"h2"], None).await.unwrap();
    assert_eq!(seen.leaf, der1);

    // A client that opened its connection before the rotation keeps working.
    let old_channel = tls_channel(app.addr, &ca.pem).await.unwrap();

    let (cert2, key2, der2) = ca.leaf("second");
    files.replace(&cert2, &key2);
    let addr = app.addr;
    let ca_pem = ca.pem.clone();
    eventually("new connections get the rotated certificate", || {
        let (ca_pem, der2) = (ca_pem.clone(), der2.clone());
        async move {
            over_tls(addr, &ca_pem, &[b"h2"], None)
                .await
                .is_ok_and(|s| s.leaf == der2)
        }
    })
    .await;
    HealthClient::new(old_channel)
        .check(HealthCheckRequest::default())
        .await
        .expect("a connection from before the rotation");

    // A certificate whose key does not match it: logged, counted, and the second pair stays.
    let (cert3, _, _) = ca.leaf("third");
    files.replace(&cert3, &key2);
    let metrics_addr = app.server.as_ref().unwrap().metrics_addr.unwrap();
    eventually("the bad pair is refused", || async move {
        let scrape = scrape(metrics_addr).await;
        value(
            &scrape,
            "switchboard_tls_certificate_reloads_total",
            &[("outcome", "error")],
        ) == Some(1.0)
    })
    .await;
    let scrape = scrape(metrics_addr).await;
    assert_eq!(
        value(
            &scrape,
            "switchboard_tls_certificate_reloads_total",
            &[("outcome", "ok")]
        ),
        Some(1.0)
    );
    let seen = over_tls(app.addr, &ca.pem, &[b"h2"], None).await.unwrap();
    assert_eq!(seen.leaf, der2, "the last good certificate is still served");
}

#[tokio::test]
async fn a_server_with_an_unusable_certificate_does_not_start() {
    let ca = Ca::new("Switchboard test CA");
    let (cert, _, _) = ca.leaf("server");
    let (_, other_key, _) = ca.leaf("other");
    let files = TlsFiles::write(&cert, &other_key);
    let (_db, store) = fresh_database().await;
    let mut settings = test_settings();
    settings.tls.cert_file = Some(files.cert.clone());
    settings.tls.key_file = Some(files.key.clone());
    let err = start_with_store(settings, store.clone())
        .await
        .err()
        .expect("a key that does not fit its certificate is refused");
    assert!(err.to_string().contains("does not fit"), "{err}");

    // And plaintext on a non-loopback address is refused however the server is started.
    let mut settings = test_settings();
    settings.listen = "0.0.0.0:0".into();
    let err = start_with_store(settings, store)
        .await
        .err()
        .expect("plaintext on 0.0.0.0 is refused");
    assert!(
        err.to_string().contains("refusing to serve plaintext"),
        "{err}"
    );
}

pub async fn scrape(addr: SocketAddr) -> prometheus_parse::Scrape {
    let response = http_get(addr, "/metrics").await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let body = &response[response.find("\r\n\r\n").expect("a body") + 4..];
    prometheus_parse::Scrape::parse(body.lines().map(|l| Ok(l.to_owned()))).expect("parses")
}

/// Two series of a counter labelled by `way`, scraped from the app's metrics listener (0 for
/// a series not yet written).
pub async fn counts_by_way(
    app: &crate::harness::TestApp,
    metric: &str,
    (a, b): (&str, &str),
) -> (f64, f64) {
    let addr = app
        .server
        .as_ref()
        .expect("running")
        .metrics_addr
        .expect("a metrics listener");
    let scrape = scrape(addr).await;
    let way = |way| value(&scrape, metric, &[("way", way)]).unwrap_or(0.0);
    (way(a), way(b))
}

/// A counter's or gauge's value, or a histogram's count, for the series with these labels.
pub fn value(
    scrape: &prometheus_parse::Scrape,
    metric: &str,
    labels: &[(&str, &str)],
) -> Option<f64> {
    use prometheus_parse::Value;
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == metric)
        .find(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match &s.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
            Value::Histogram(buckets) => buckets
                .iter()
                .find(|b| b.less_than.is_infinite())
                .map(|b| b.count)
                .unwrap_or(0.0),
            Value::Summary(_) => f64::NAN,
        })
}

const LOGIN: &str = "/switchboard.v1.AuthService/Login";
const SUBSCRIBE: &str = "/switchboard.v1.AgentService/Subscribe";
const LOG_STEP: &str = "/switchboard.v1.AgentService/LogStep";

#[tokio::test]
async fn metrics_count_calls_by_method_and_code_and_streams_at_their_end() {
    let app = TestApp::spawn_with(|s| s.metrics.listen = Some("127.0.0.1:0".into())).await;
    let metrics_addr = app.server.as_ref().unwrap().metrics_addr.unwrap();
    let mut ann = app.user("ann@example.com").await;
    let session = ann.start("metered").await;
    ann.step(&session, "one").await;
    ann.step(&session, "two").await;
    let mut stranger = app.agent_with_key("sb_live_not-a-real-key").await;
    let refused = stranger
        .log_step(LogStepRequest {
            session_id: session.clone(),
            text: "x".into(),
            request_id: rid(),
        })
        .await;
    assert_eq!(code(refused), tonic::Code::Unauthenticated);

    let mut sub = ann
        .agent
        .subscribe(SubscribeRequest {
            session_id: session.clone(),
            after_seq: 0,
        })
        .await
        .unwrap()
        .into_inner();
    app.until_followed(&session).await;

    let s = scrape(metrics_addr).await;
    let calls = "switchboard_rpc_calls_total";
    let ok = |m: &'static str| [("grpc_method", m), ("grpc_code", "OK")];
    assert_eq!(value(&s, calls, &ok(LOGIN)), Some(1.0));
    assert_eq!(value(&s, calls, &ok(LOG_STEP)), Some(2.0));
    assert_eq!(
        value(
            &s,
            calls,
            &[("grpc_method", LOG_STEP), ("grpc_code", "UNAUTHENTICATED")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(&s, "switchboard_rpc_duration_seconds", &ok(LOG_STEP)),
        Some(2.0),
        "two latencies observed"
    );
    assert_eq!(
        value(&s, "switchboard_rpc_open", &[("grpc_method", SUBSCRIBE)]),
        Some(1.0)
    );
    assert_eq!(
        value(&s, calls, &ok(SUBSCRIBE)),
        None,
        "an open stream is not counted yet"
    );
    assert!(value(&s, "switchboard_db_pool_max_connections", &[]).unwrap() > 0.0);
    assert!(value(&s, "switchboard_db_pool_connections", &[]).unwrap() >= 1.0);
    assert!(value(&s, "switchboard_feed_watched_sessions", &[]).unwrap() >= 1.0);

    // The client hangs up: the stream ends as CANCELLED and is no longer open.
    let _ = sub.message().await;
    // The messages the stream read were observed for the feed lag (write to live read).
    let lagged = value(
        &scrape(metrics_addr).await,
        "switchboard_feed_lag_seconds",
        &[],
    );
    assert!(
        lagged.unwrap_or(0.0) >= 1.0,
        "feed lag observed: {lagged:?}"
    );
    drop(sub);
    eventually("the stream's end is counted", || async move {
        let s = scrape(metrics_addr).await;
        value(
            &s,
            calls,
            &[("grpc_method", SUBSCRIBE), ("grpc_code", "CANCELLED")],
        ) == Some(1.0)
            && value(&s, "switchboard_rpc_open", &[("grpc_method", SUBSCRIBE)]) == Some(0.0)
    })
    .await;
    // Nothing waits in the queues yet; a launch no runner takes waits in the launch queue.
    let waiting = |s: &prometheus_parse::Scrape, queue: &str| {
        value(s, "switchboard_queue_waiting", &[("queue", queue)])
    };
    assert_eq!(waiting(&s, "launches"), Some(0.0));
    assert_eq!(waiting(&s, "notifications"), Some(0.0));
    assert_eq!(
        value(&s, "switchboard_feed_listener_reconnects_total", &[]),
        Some(0.0)
    );
    let mut launcher = crate::launch::launcher(&app, &ann).await;
    launcher
        .launch_session(LaunchSessionRequest {
            spec: Some(SessionSpec {
                agent: AgentKind::Command as i32,
                command: vec!["true".into()],
                ..Default::default()
            }),
            request_id: rid(),
            ..Default::default()
        })
        .await
        .unwrap();
    let s = scrape(metrics_addr).await;
    assert_eq!(waiting(&s, "launches"), Some(1.0));
    assert!(
        value(
            &s,
            "switchboard_queue_oldest_age_seconds",
            &[("queue", "launches")]
        )
        .unwrap()
            >= 0.0
    );

    eventually("the sweeper's runs are counted", || async move {
        let s = scrape(metrics_addr).await;
        value(&s, "switchboard_sweeper_runs_total", &[("outcome", "ok")]).unwrap_or(0.0) >= 1.0
    })
    .await;
}

#[tokio::test]
async fn probes_answer_on_both_listeners_and_readiness_ends_before_the_listener() {
    let app = TestApp::spawn_with(|s| s.metrics.listen = Some("127.0.0.1:0".into())).await;
    let server = app.server.as_ref().unwrap();
    let metrics_addr = server.metrics_addr.unwrap();
    for addr in [app.addr, metrics_addr] {
        assert!(http_get(addr, "/livez").await.starts_with("HTTP/1.1 200"));
        eventually("ready once the database answered", || async move {
            http_get(addr, "/readyz").await.starts_with("HTTP/1.1 200")
        })
        .await;
    }
    // Keep a stream open so the drain takes a moment, then start the shutdown.
    let mut bo = app.user("bo@example.com").await;
    let session = bo.start("draining").await;
    let _sub = bo
        .agent
        .subscribe(SubscribeRequest {
            session_id: session.clone(),
            after_seq: 0,
        })
        .await
        .unwrap()
        .into_inner();
    app.until_followed(&session).await;
    let _ = server.shutdown_handle().send(true);
    // The listener still answers, and says it is not ready.
    eventually(
        "readiness turns false while the listener is up",
        || async move {
            let answer = http_get(metrics_addr, "/readyz").await;
            answer.starts_with("HTTP/1.1 503") && answer.contains("draining")
        },
    )
    .await;
}

#[tokio::test]
async fn dashboard_responses_carry_the_security_headers() {
    let web = tempfile::tempdir().unwrap();
    std::fs::write(
        web.path().join("index.html"),
        "<!doctype html><title>t</title>",
    )
    .unwrap();
    let dir = web.path().to_owned();
    let app = TestApp::spawn_with(move |s| {
        s.web_dir = dir;
        s.cors_origins = "https://dash.example".into();
    })
    .await;
    for path in ["/", "/index.html", "/sessions/some-client-route"] {
        let page = http_get(app.addr, path).await.to_lowercase();
        assert!(page.starts_with("http/1.1 200"), "{page}");
        let csp = page
            .lines()
            .find_map(|l| l.strip_prefix("content-security-policy: "))
            .unwrap_or_else(|| panic!("no CSP on {path}: {page}"));
        for directive in [
            "script-src 'self'",
            "connect-src 'self' https://dash.example",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'self'",
            "worker-src 'self'",
            "manifest-src 'self'",
        ] {
            assert!(csp.contains(directive), "{directive} missing from {csp}");
        }
        assert!(page.contains("x-content-type-options: nosniff"), "{page}");
        assert!(page.contains("referrer-policy: no-referrer"), "{page}");
        assert!(page.contains("x-frame-options: deny"), "{page}");
        assert!(
            !page.contains("strict-transport-security"),
            "no HSTS over plain http: {page}"
        );
    }
}
