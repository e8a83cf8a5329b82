//! Identity: sign-in, refresh rotation and reuse detection, API keys (revocation, expiry, cap),
//! the wrong kind of credential, rate limits, and secrets kept out of logs.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use switchboard::proto::auth_service_client::AuthServiceClient;
use switchboard::proto::*;
use tonic::Code;

use crate::harness::*;

type AuthClient = AuthServiceClient<tonic::transport::Channel>;

#[tokio::test]
async fn login_refresh_rotation_reuse_detection_and_logout() {
    // No reuse grace: a second presentation revokes at once (the grace has a test of its own).
    let app = TestApp::spawn_with(|s| s.auth.refresh_reuse_grace_secs = 0).await;
    let kim = app.user("kim@example.com").await;
    let mut auth = app.auth().await;

    let wrong_password = auth
        .login(LoginRequest {
            email: "kim@example.com".into(),
            password: "nope".into(),
        })
        .await
        .unwrap_err();
    let unknown_email = auth
        .login(LoginRequest {
            email: "nobody@example.com".into(),
            password: "nope".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(wrong_password.code(), Code::Unauthenticated);
    assert_eq!(
        wrong_password.message(),
        unknown_email.message(),
        "same answer for both"
    );
    // Emails are case-insensitive.
    auth.login(LoginRequest {
        email: "KIM@Example.com".into(),
        password: PASSWORD.into(),
    })
    .await
    .unwrap();

    let rotated = auth
        .refresh(RefreshRequest {
            refresh_token: kim.refresh_token.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .tokens
        .unwrap();
    assert_ne!(rotated.refresh_token, kim.refresh_token);
    let mut d = app.dashboard_with_token(&rotated.access_token).await;
    d.list_sessions(ListSessionsRequest::default())
        .await
        .expect("new access token works");

    // Reusing the rotated token: refused, and the whole family (the newest token too) is revoked.
    let reuse = auth
        .refresh(RefreshRequest {
            refresh_token: kim.refresh_token.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(reuse.code(), Code::Unauthenticated);
    assert!(
        reuse.message().contains("already used"),
        "{}",
        reuse.message()
    );
    let newest = auth
        .refresh(RefreshRequest {
            refresh_token: rotated.refresh_token.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(newest.code(), Code::Unauthenticated);

    // Logout revokes.
    let fresh = auth
        .login(LoginRequest {
            email: "kim@example.com".into(),
            password: PASSWORD.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .tokens
        .unwrap();
    auth.logout(LogoutRequest {
        refresh_token: fresh.refresh_token.clone(),
    })
    .await
    .unwrap();
    assert_eq!(
        code(
            auth.refresh(RefreshRequest {
                refresh_token: fresh.refresh_token
            })
            .await
        ),
        Code::Unauthenticated
    );
    assert_eq!(
        code(
            auth.refresh(RefreshRequest {
                refresh_token: String::new()
            })
            .await
        ),
        Code::InvalidArgument
    );
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled() {
    let app = TestApp::spawn().await;
    app.user("lee@example.com").await;
    let mut auth = app.auth().await;
    let mut last = None;
    for _ in 0..6 {
        last = Some(
            auth.login(LoginRequest {
                email: "lee@example.com".into(),
                password: "guess".into(),
            })
            .await
            .unwrap_err()
            .code(),
        );
    }
    assert_eq!(last, Some(Code::ResourceExhausted));
    let blocked = auth
        .login(LoginRequest {
            email: "lee@example.com".into(),
            password: PASSWORD.into(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        blocked.code(),
        Code::ResourceExhausted,
        "even the right password waits"
    );
    assert!(
        blocked.message().contains("retry in"),
        "{}",
        blocked.message()
    );
}

#[tokio::test]
async fn revoked_and_expired_keys_are_refused_on_the_next_call() {
    let app = TestApp::spawn().await;
    let mut max = app.user("max@example.com").await;
    let session = max.start("agent").await;
    max.dashboard
        .revoke_api_key(RevokeApiKeyRequest {
            api_key_id: max.api_key_id.clone(),
        })
        .await
        .unwrap();
    let refused = max
        .agent
        .heartbeat(HeartbeatRequest {
            session_id: session.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    assert!(
        refused.message().contains("revoked"),
        "{}",
        refused.message()
    );

    let soon = chrono::Utc::now() + chrono::Duration::seconds(3);
    let key = max
        .dashboard
        .create_api_key(CreateApiKeyRequest {
            name: "short".into(),
            expire_time: Some(prost_types::Timestamp {
                seconds: soon.timestamp(),
                nanos: 0,
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(key.secret.starts_with("sb_live_"));
    assert!(
        key.secret
            .starts_with(&key.api_key.as_ref().unwrap().prefix)
    );
    let mut agent = app.agent_with_key(&key.secret).await;
    agent
        .heartbeat(HeartbeatRequest {
            session_id: session.clone(),
        })
        .await
        .expect("valid before expiry");
    // Wait until the expiry has certainly passed (bounded: this is not a timing assertion).
    while chrono::Utc::now().timestamp() <= soon.timestamp() {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let expired = agent
        .heartbeat(HeartbeatRequest {
            session_id: session.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(expired.code(), Code::Unauthenticated);
    assert!(
        expired.message().contains("expired"),
        "{}",
        expired.message()
    );

    let past = max
        .dashboard
        .create_api_key(CreateApiKeyRequest {
            name: "past".into(),
            expire_time: Some(prost_types::Timestamp {
                seconds: 1,
                nanos: 0,
            }),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(past.code(), Code::InvalidArgument);

    let keys = max
        .dashboard
        .list_api_keys(ListApiKeysRequest {
            include_revoked: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(keys.api_keys.len(), 2);
    assert!(keys.api_keys.iter().any(|k| k.revoke_time.is_some()));
    let active = max
        .dashboard
        .list_api_keys(ListApiKeysRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(active.api_keys.len(), 1);
}

#[tokio::test]
async fn the_wrong_kind_of_credential_is_refused_with_a_reason() {
    let app = TestApp::spawn().await;
    let ned = app.user("ned@example.com").await;
    let mut agent_with_user_token = app.agent_with_key(&ned.access_token).await;
    let e = agent_with_user_token
        .start_session(StartSessionRequest {
            agent_name: "a".into(),
            request_id: "r".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::Unauthenticated);
    assert!(e.message().contains("API key"), "{}", e.message());
    let mut dashboard_with_key = app.dashboard_with_token(&ned.api_key).await;
    let e = dashboard_with_key
        .list_sessions(ListSessionsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::Unauthenticated);
    assert!(e.message().contains("access token"), "{}", e.message());
    let mut bare = switchboard::proto::dashboard_service_client::DashboardServiceClient::new(
        app.channel().await,
    );
    let e = bare
        .list_sessions(ListSessionsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::Unauthenticated);
    assert!(e.message().contains("missing"), "{}", e.message());
    let mut garbage = app.agent_with_key("sb_live_short").await;
    let e = garbage
        .heartbeat(HeartbeatRequest {
            session_id: uuid::Uuid::new_v4().to_string(),
        })
        .await
        .unwrap_err();
    assert!(
        e.code() == Code::Unauthenticated && e.message().contains("malformed"),
        "{e:?}"
    );
    let mut forged = app
        .dashboard_with_token("eyJhbGciOiJIUzI1NiJ9.e30.AAAA")
        .await;
    assert_eq!(
        code(forged.list_sessions(ListSessionsRequest::default()).await),
        Code::Unauthenticated
    );
}

#[tokio::test]
async fn active_keys_are_capped_per_user() {
    let app = TestApp::spawn_with(|s| s.limits.max_api_keys_per_user = 2).await;
    let mut oz = app.user("oz@example.com").await; // has one key already
    oz.dashboard
        .create_api_key(CreateApiKeyRequest {
            name: "second".into(),
            expire_time: None,
            ..Default::default()
        })
        .await
        .unwrap();
    let e = oz
        .dashboard
        .create_api_key(CreateApiKeyRequest {
            name: "third".into(),
            expire_time: None,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::ResourceExhausted);
    assert!(e.message().contains("revoke"), "{}", e.message());
    oz.dashboard
        .revoke_api_key(RevokeApiKeyRequest {
            api_key_id: oz.api_key_id.clone(),
        })
        .await
        .unwrap();
    oz.dashboard
        .create_api_key(CreateApiKeyRequest {
            name: "third".into(),
            expire_time: None,
            ..Default::default()
        })
        .await
        .expect("room again after revoking");
}

#[tokio::test]
async fn a_key_over_its_rate_limit_gets_resource_exhausted_with_a_retry_hint() {
    let app = TestApp::spawn_with(|s| {
        s.limits.agent_calls_per_second = 1;
        s.limits.agent_calls_burst = 3;
    })
    .await;
    let mut pat = app.user("pat@example.com").await;
    let session = pat.start("busy").await; // 1 call of the burst
    let mut last = Ok(());
    for _ in 0..5 {
        last = pat
            .agent
            .heartbeat(HeartbeatRequest {
                session_id: session.clone(),
            })
            .await
            .map(|_| ());
        if last.is_err() {
            break;
        }
    }
    let e = last.unwrap_err();
    assert_eq!(e.code(), Code::ResourceExhausted);
    assert!(e.metadata().get("retry-after-ms").is_some(), "{e:?}");
    assert!(e.message().contains("retry in"), "{}", e.message());
}

/// Runs the real binary with verbose logging through sign-in, key creation and agent calls, then
/// checks that no secret appears anywhere in its output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_appear_in_logs() {
    let app = TestApp::spawn().await; // provides a fresh database
    let data = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_switchboard");
    let env = [
        ("SWITCHBOARD__DATABASE_URL", app.database_url()),
        ("SWITCHBOARD__LISTEN", "127.0.0.1:0".into()),
        ("SWITCHBOARD__AUTH__JWT_SECRET", JWT_SECRET.into()),
        ("SWITCHBOARD__DATA_DIR", data.path().display().to_string()),
        ("SWITCHBOARD__WEB_DIR", "/nonexistent".into()),
        ("SWITCHBOARD__LOG_FORMAT", "full".into()),
        ("RUST_LOG", "debug".into()),
    ];
    let log_path = data.path().join("server.log");
    let password = "a-password-nobody-should-see";
    let mut create = Command::new(bin);
    create
        .args([
            "user",
            "create",
            "--email",
            "quinn@example.com",
            "--password-stdin",
        ])
        .envs(env.clone())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = create.spawn().unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), password.as_bytes()).unwrap();
    let created = tokio::task::block_in_place(|| child.wait_with_output()).unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );

    let mut server = Command::new(bin)
        .arg("serve")
        .envs(env.clone())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(server.stdout.take().unwrap());
    let mut first = String::new();
    tokio::task::block_in_place(|| stdout.read_line(&mut first)).unwrap();
    let addr: std::net::SocketAddr = first
        .trim()
        .strip_prefix("switchboard listening on http://")
        .expect(&first)
        .parse()
        .unwrap();

    let channel = channel_to(addr).await;
    let mut auth = switchboard::proto::auth_service_client::AuthServiceClient::new(channel.clone());
    let tokens = auth
        .login(LoginRequest {
            email: "quinn@example.com".into(),
            password: password.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .tokens
        .unwrap();
    let _ = auth
        .login(LoginRequest {
            email: "quinn@example.com".into(),
            password: "a-wrong-password-also-secret".into(),
        })
        .await;
    let mut dashboard =
        switchboard::proto::dashboard_service_client::DashboardServiceClient::with_interceptor(
            channel.clone(),
            Bearer::new(&tokens.access_token),
        );
    let key = dashboard
        .create_api_key(CreateApiKeyRequest {
            name: "k".into(),
            expire_time: None,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .secret;
    let mut agent = switchboard::proto::agent_service_client::AgentServiceClient::with_interceptor(
        channel.clone(),
        Bearer::new(&key),
    );
    let session = agent
        .start_session(StartSessionRequest {
            agent_name: "quiet".into(),
            request_id: "r1".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap()
        .id;
    agent
        .log_step(LogStepRequest {
            session_id: session.clone(),
            text: "hi".into(),
            request_id: "r2".into(),
        })
        .await
        .unwrap();
    let refreshed = auth
        .refresh(RefreshRequest {
            refresh_token: tokens.refresh_token.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .tokens
        .unwrap();
    let mut bad_agent =
        switchboard::proto::agent_service_client::AgentServiceClient::with_interceptor(
            channel,
            Bearer::new(&format!("{}x", &key[..key.len() - 1])),
        );
    let _ = bad_agent
        .heartbeat(HeartbeatRequest {
            session_id: session,
        })
        .await;

    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let _ = tokio::task::block_in_place(|| server.wait());
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains("signed in") && log.contains("API key created"),
        "the log is real: {log}"
    );
    for secret in [
        password,
        "a-wrong-password-also-secret",
        &key,
        &key[8..],
        &tokens.access_token,
        &tokens.refresh_token,
        &refreshed.refresh_token,
        JWT_SECRET,
    ] {
        assert!(
            !log.contains(secret),
            "secret {secret:?} leaked into the log"
        );
    }
    let created_out = String::from_utf8_lossy(&created.stdout).to_string()
        + &String::from_utf8_lossy(&created.stderr);
    assert!(!created_out.contains(password));
}

/// Exchanges `token` for the next pair (it must be accepted).
async fn exchange(auth: &mut AuthClient, token: &str) -> TokenPair {
    let refresh = RefreshRequest {
        refresh_token: token.to_owned(),
    };
    let response = auth.refresh(refresh).await;
    response.expect("exchanged").into_inner().tokens.unwrap()
}

/// Presents `token`, which must be refused as reused.
async fn refused_as_reused(auth: &mut AuthClient, token: &str) {
    let refresh = RefreshRequest {
        refresh_token: token.to_owned(),
    };
    let refused = auth.refresh(refresh).await.unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated, "{token:.8}");
    assert!(
        refused.message().contains("already used"),
        "{}",
        refused.message()
    );
}

/// A rotated token presented again within the grace (the first answer was lost: a tab navigated
/// away mid-refresh) gets another token of the same sign-in; after the grace, or once a token it
/// was exchanged for has been used, it revokes them all.
#[tokio::test]
async fn a_rotated_refresh_token_presented_again_within_the_grace_is_rotated_once_more() {
    let app = TestApp::spawn_with(|s| s.auth.refresh_reuse_grace_secs = 3).await;
    let kim = app.user("kim@example.com").await;
    let mut auth = app.auth().await;

    let lost = exchange(&mut auth, &kim.refresh_token).await;
    let again = exchange(&mut auth, &kim.refresh_token).await;
    assert_ne!(again.refresh_token, lost.refresh_token);
    let mut d = app.dashboard_with_token(&again.access_token).await;
    d.list_sessions(ListSessionsRequest::default())
        .await
        .expect("the new access token works");
    let next = exchange(&mut auth, &again.refresh_token).await;

    // Within the grace, but a token it was exchanged for has been used: the first answer did
    // arrive, so this is theft, and the whole sign-in is revoked.
    let login = LoginRequest {
        email: "kim@example.com".into(),
        password: PASSWORD.into(),
    };
    let other = auth
        .login(login)
        .await
        .unwrap()
        .into_inner()
        .tokens
        .unwrap();
    let used = exchange(&mut auth, &other.refresh_token).await;
    exchange(&mut auth, &used.refresh_token).await;
    refused_as_reused(&mut auth, &other.refresh_token).await;

    // Past the grace (it runs from the first rotation), the old token is theft: all revoked.
    tokio::time::sleep(Duration::from_millis(3200)).await;
    refused_as_reused(&mut auth, &kim.refresh_token).await;
    for token in [&lost.refresh_token, &next.refresh_token] {
        let refresh = RefreshRequest {
            refresh_token: token.clone(),
        };
        let refused = auth.refresh(refresh).await.unwrap_err();
        assert_eq!(refused.code(), Code::Unauthenticated, "{token:.8}");
    }
}
