//! The spine: health, reflection, gRPC-Web with CORS, configuration layering, the embedded
//! default, graceful shutdown, unknown methods, and grpcurl against the real server.

use std::io::{Read, Write};
use std::time::Duration;

use switchboard::config::Settings;
use switchboard::proto::*;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::harness::*;

async fn health(addr: std::net::SocketAddr, service: &str) -> Option<ServingStatus> {
    let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .ok()?
        .connect()
        .await
        .ok()?;
    let resp = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: service.into(),
        })
        .await
        .ok()?;
    ServingStatus::try_from(resp.into_inner().status).ok()
}

#[tokio::test]
async fn health_is_serving_for_every_service() {
    let app = TestApp::spawn().await;
    for service in [
        "",
        "switchboard.v1.AgentService",
        "switchboard.v1.DashboardService",
        "switchboard.v1.AuthService",
    ] {
        eventually("health SERVING", || async {
            health(app.addr, service).await == Some(ServingStatus::Serving)
        })
        .await;
    }
}

#[tokio::test]
async fn reflection_lists_every_service() {
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

    let app = TestApp::spawn().await;
    let mut client = ServerReflectionClient::new(app.channel().await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = client
        .server_reflection_info(tokio_stream::iter(vec![request]))
        .await
        .unwrap()
        .into_inner();
    let response = responses.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("unexpected reflection answer")
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for expected in [
        "switchboard.v1.AgentService",
        "switchboard.v1.DashboardService",
        "switchboard.v1.AuthService",
        "grpc.health.v1.Health",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
}

/// Sends one raw HTTP/1.1 request and returns the whole response (the server closes it).
pub(crate) fn http1(addr: std::net::SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    out
}

#[tokio::test]
async fn grpc_web_over_http1_gets_a_real_answer_with_cors_headers() {
    use prost::Message;
    let app = TestApp::spawn().await;
    app.user("web@example.com").await;
    let body = LoginRequest {
        email: "web@example.com".into(),
        password: PASSWORD.into(),
    }
    .encode_to_vec();
    let mut frame = vec![0u8];
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
    frame.extend_from_slice(&body);
    let mut request = format!(
        "POST /switchboard.v1.AuthService/Login HTTP/1.1\r\nHost: {}\r\nOrigin: http://dashboard.example\r\n\
         Content-Type: application/grpc-web+proto\r\nX-Grpc-Web: 1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        app.addr,
        frame.len()
    )
    .into_bytes();
    request.extend_from_slice(&frame);
    let addr = app.addr;
    let response = tokio::task::spawn_blocking(move || http1(addr, &request))
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&response).to_lowercase();
    assert!(text.starts_with("http/1.1 200"), "{text}");
    assert!(
        text.contains("content-type: application/grpc-web+proto"),
        "{text}"
    );
    assert!(text.contains("access-control-allow-origin"), "{text}");
    assert!(
        text.contains("access-control-expose-headers") && text.contains("grpc-status"),
        "{text}"
    );
    assert!(
        text.contains("grpc-status:0"),
        "trailer frame says OK: {text}"
    );
    // The message frame decodes to real tokens.
    let body_start = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let body = dechunk(
        &response[body_start..],
        text.contains("transfer-encoding: chunked"),
    );
    assert_eq!(body[0], 0, "first frame is a message");
    let len = u32::from_be_bytes(body[1..5].try_into().unwrap()) as usize;
    let login = LoginResponse::decode(&body[5..5 + len]).unwrap();
    assert!(!login.tokens.unwrap().access_token.is_empty());

    // CORS preflight from a browser.
    let preflight = format!(
        "OPTIONS /switchboard.v1.DashboardService/ListSessions HTTP/1.1\r\nHost: {}\r\nOrigin: http://dashboard.example\r\n\
         Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: authorization,content-type,x-grpc-web\r\nConnection: close\r\n\r\n",
        app.addr
    );
    let response = tokio::task::spawn_blocking(move || http1(addr, preflight.as_bytes()))
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&response).to_lowercase();
    assert!(text.starts_with("http/1.1 200"), "{text}");
    assert!(
        text.contains("access-control-allow-methods") && text.contains("post"),
        "{text}"
    );
}

fn dechunk(body: &[u8], chunked: bool) -> Vec<u8> {
    if !chunked {
        return body.to_vec();
    }
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(std::str::from_utf8(&rest[..eol]).unwrap().trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
        rest = &rest[eol + 2 + size + 2..];
    }
    out
}

#[test]
fn configuration_layers_defaults_then_file_then_environment() {
    figment::Jail::expect_with(|jail| {
        jail.create_file(
            "switchboard.toml",
            "listen = \"0.0.0.0:7000\"\ncors_origins = \"https://a.example\"\n[sessions]\nstop_grace_secs = 5\n[auth]\njwt_secret = \"from-the-file-from-the-file-from-the\"\n",
        )?;
        jail.set_env("SWITCHBOARD__LISTEN", "127.0.0.1:7001");
        jail.set_env("SWITCHBOARD__SESSIONS__DISCONNECT_AFTER_SECS", "9");
        let s =
            Settings::load(Some(std::path::Path::new("switchboard.toml"))).expect("settings load");
        assert_eq!(s.listen, "127.0.0.1:7001", "environment beats file");
        assert_eq!(
            s.cors_origin_list(),
            Some(vec!["https://a.example".to_string()]),
            "file beats default"
        );
        assert_eq!(s.sessions.stop_grace_secs, 5);
        assert_eq!(s.sessions.disconnect_after_secs, 9);
        assert_eq!(s.feed.heartbeat_ms, 15_000, "default kept");
        let printed = format!("{s:?}");
        assert!(
            !printed.contains("from-the-file"),
            "secrets never print: {printed}"
        );
        jail.set_env("SWITCHBOARD__NO_SUCH_KEY", "1");
        assert!(
            Settings::load(None).is_err(),
            "unknown keys are refused, not ignored"
        );
        Ok(())
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_default_starts_from_empty_and_existing_data_dir_and_health_follows_the_database()
{
    let dir = tempfile::Builder::new()
        .prefix("sb-embedded-")
        .tempdir()
        .unwrap();
    set_mode(dir.path(), 0o711);
    let mut settings = test_settings();
    settings.data_dir = dir.path().join("data");
    settings.auth.jwt_secret = None;

    let (server, pg) = switchboard::runtime::server::start(settings.clone())
        .await
        .expect("starts from an empty dir");
    let mut pg = pg.expect("embedded cluster");
    let addr = server.addr;
    eventually("SERVING", || async {
        health(addr, "").await == Some(ServingStatus::Serving)
    })
    .await;
    assert!(
        settings.data_dir.join("jwt-secret").exists(),
        "signing key generated and kept"
    );

    tokio::task::block_in_place(|| pg.force_stop()).expect("stop postgres");
    eventually("NOT_SERVING while Postgres is down", || async {
        health(addr, "").await == Some(ServingStatus::NotServing)
    })
    .await;
    tokio::task::block_in_place(|| pg.restart()).expect("restart");
    eventually("SERVING again", || async {
        health(addr, "").await == Some(ServingStatus::Serving)
    })
    .await;

    // Write something, stop everything, start again from the existing directory.
    let store_user = {
        let mut auth =
            switchboard::proto::auth_service_client::AuthServiceClient::new(channel_to(addr).await);
        auth.login(LoginRequest {
            email: "nobody@example.com".into(),
            password: "whatever1".into(),
        })
        .await
        .unwrap_err()
    };
    assert_eq!(store_user.code(), tonic::Code::Unauthenticated);
    server.shutdown().await.unwrap();
    tokio::task::block_in_place(|| pg.stop());
    drop(pg);

    let (server, pg) = switchboard::runtime::server::start(settings)
        .await
        .expect("starts from an existing dir");
    let addr = server.addr;
    eventually("SERVING after restart", || async {
        health(addr, "").await == Some(ServingStatus::Serving)
    })
    .await;
    server.shutdown().await.unwrap();
    let mut pg = pg.unwrap();
    tokio::task::block_in_place(|| pg.stop());
}

#[tokio::test]
async fn shutdown_ends_streams_with_unavailable() {
    let mut app = TestApp::spawn().await;
    let mut alice = app.user("shutdown@example.com").await;
    let session = alice.start("claude-code").await;
    alice.step(&session, "working").await;
    let mut watch = alice
        .dashboard
        .watch_session(WatchSessionRequest {
            session_id: session.clone(),
            after_seq: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let first = watch.message().await.unwrap().unwrap();
    assert!(matches!(
        first.item,
        Some(watch_session_response::Item::Message(_))
    ));
    app.server.take().unwrap().shutdown().await.unwrap();
    let ended = loop {
        match watch.message().await {
            Ok(Some(_)) => continue,
            Ok(None) => {
                panic!("stream ended with OK; it must say UNAVAILABLE so the client resumes")
            }
            Err(status) => break status,
        }
    };
    assert_eq!(ended.code(), tonic::Code::Unavailable, "{ended:?}");
    assert!(ended.message().contains("resume"), "{}", ended.message());
}

#[tokio::test]
async fn unknown_methods_answer_unimplemented_with_a_message() {
    let app = TestApp::spawn().await;
    let mut grpc = tonic::client::Grpc::new(app.channel().await);
    grpc.ready().await.unwrap();
    let codec = tonic_prost::ProstCodec::<LogoutRequest, LogoutResponse>::default();
    let path = http::uri::PathAndQuery::from_static("/switchboard.v1.NoSuchService/Nothing");
    let status = grpc
        .unary(tonic::Request::new(LogoutRequest::default()), path, codec)
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unimplemented);
    assert!(status.message().contains("NoSuchService"), "{status:?}");
}

fn grpcurl() -> Option<std::path::PathBuf> {
    let local = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/bin/grpcurl");
    if local.exists() {
        return Some(local);
    }
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("grpcurl"))
            .find(|p| p.exists())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpcurl_lists_services_checks_health_and_makes_an_authenticated_call() {
    let Some(grpcurl) = grpcurl() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "grpcurl must be installed in CI (scripts/tools.sh)"
        );
        eprintln!("grpcurl not installed (run `. scripts/tools.sh`); skipping");
        return;
    };
    let app = TestApp::spawn().await;
    let alice = app.user("grpcurl@example.com").await;
    let addr = app.addr.to_string();
    let run = |args: Vec<String>| {
        let out = std::process::Command::new(&grpcurl)
            .args(&args)
            .output()
            .expect("grpcurl runs");
        assert!(
            out.status.success(),
            "grpcurl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let list =
        tokio::task::block_in_place(|| run(vec!["-plaintext".into(), addr.clone(), "list".into()]));
    assert!(
        list.contains("switchboard.v1.AgentService") && list.contains("grpc.health.v1.Health"),
        "{list}"
    );
    let health = tokio::task::block_in_place(|| {
        run(vec![
            "-plaintext".into(),
            addr.clone(),
            "grpc.health.v1.Health/Check".into(),
        ])
    });
    assert!(health.contains("SERVING"), "{health}");
    let describe = tokio::task::block_in_place(|| {
        run(vec![
            "-plaintext".into(),
            addr.clone(),
            "describe".into(),
            "switchboard.v1.AgentService".into(),
        ])
    });
    assert!(describe.contains("rpc LogStep"), "{describe}");
    let started = tokio::task::block_in_place(|| {
        run(vec![
            "-plaintext".into(),
            "-H".into(),
            format!("authorization: Bearer {}", alice.api_key),
            "-d".into(),
            r#"{"agent_name": "grpcurl-agent", "request_id": "start-1"}"#.into(),
            addr.clone(),
            "switchboard.v1.AgentService/StartSession".into(),
        ])
    });
    assert!(
        started.contains("SESSION_STATUS_ACTIVE") && started.contains("grpcurl-agent"),
        "{started}"
    );
}

#[tokio::test]
async fn the_dashboard_is_served_over_http1_with_an_spa_fallback() {
    let web = tempfile::tempdir().unwrap();
    std::fs::write(
        web.path().join("index.html"),
        "<!doctype html><title>Switchboard dashboard</title>",
    )
    .unwrap();
    std::fs::create_dir(web.path().join("assets")).unwrap();
    std::fs::write(
        web.path().join("assets/app.js"),
        "console.log('switchboard')",
    )
    .unwrap();
    let dir = web.path().to_owned();
    let app = TestApp::spawn_with(move |s| s.web_dir = dir).await;
    let addr = app.addr;
    let get = move |path: &str| {
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        String::from_utf8_lossy(&http1(addr, request.as_bytes())).to_string()
    };
    let (index, deep, asset) = tokio::task::spawn_blocking(move || {
        (get("/"), get("/sessions/abc"), get("/assets/app.js"))
    })
    .await
    .unwrap();
    for page in [&index, &deep] {
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        assert!(page.contains("Switchboard dashboard"), "{page}");
    }
    assert!(
        asset.starts_with("HTTP/1.1 200") && asset.contains("console.log"),
        "{asset}"
    );
    assert!(
        asset
            .to_lowercase()
            .contains("content-type: text/javascript"),
        "{asset}"
    );
}
