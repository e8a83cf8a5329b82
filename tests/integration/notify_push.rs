//! Issue 15: web push, end to end. Real Postgres and the real server; the push service is a
//! stand-in process (tests/push_service/push_service.py) that holds the browser's side of the
//! subscription, decrypts every push with Python's `http_ece` (an implementation independent of
//! the server's) and verifies the VAPID token with pyca/cryptography. Its setup script makes
//! its virtualenv on first use (PyPI).

use std::process::Stdio;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use switchboard::proto::*;
use tokio::io::{AsyncBufReadExt, BufReader};
use tonic::Code;

use crate::agent_loop::spawn_wait_for_answer;
use crate::approvals::{bash_request, spawn_wait};
use crate::harness::*;
use crate::notifications::{NotifyClient, notifications_of, until_deliveries};
use crate::notify_email::{JSON, http};

const STAND_IN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/push_service");

static SETUP: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

/// The push service stand-in: one subscription's keys, and every push it received.
pub struct PushService {
    pub port: u16,
    pub p256dh: String,
    pub auth: String,
    got: Arc<Mutex<Vec<Value>>>,
    // Killed on drop; its stdin closing ends it too if this process dies first.
    _child: tokio::process::Child,
}

impl PushService {
    pub async fn start() -> PushService {
        SETUP
            .get_or_init(|| async {
                let status = tokio::process::Command::new(format!("{STAND_IN}/setup.sh"))
                    .status()
                    .await
                    .expect("run tests/push_service/setup.sh");
                assert!(status.success(), "tests/push_service/setup.sh failed");
            })
            .await;
        let mut child = tokio::process::Command::new(format!("{STAND_IN}/.venv/bin/python"))
            .arg(format!("{STAND_IN}/push_service.py"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the push service stand-in");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines
            .next_line()
            .await
            .unwrap()
            .expect("the stand-in's keys");
        let first: Value = serde_json::from_str(&first).unwrap();
        let got = Arc::new(Mutex::new(Vec::new()));
        tokio::spawn({
            let got = got.clone();
            async move {
                while let Ok(Some(line)) = lines.next_line().await {
                    got.lock()
                        .unwrap()
                        .push(serde_json::from_str(&line).unwrap());
                }
            }
        });
        PushService {
            port: first["port"].as_u64().unwrap() as u16,
            p256dh: first["p256dh"].as_str().unwrap().to_owned(),
            auth: first["auth"].as_str().unwrap().to_owned(),
            got,
            _child: child,
        }
    }

    /// An endpoint of this stand-in that answers `status`.
    pub fn endpoint(&self, status: u16, name: &str) -> String {
        format!("http://127.0.0.1:{}/push/{status}/{name}", self.port)
    }

    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn received(&self) -> Vec<Value> {
        self.got.lock().unwrap().clone()
    }

    /// Waits (bounded) until at least `n` pushes arrived.
    pub async fn until(&self, n: usize) -> Vec<Value> {
        let got = self.got.clone();
        eventually(&format!("{n} pushes"), || {
            let len = got.lock().unwrap().len();
            async move { len >= n }
        })
        .await;
        self.received()
    }

    pub async fn subscribe(
        &self,
        n: &mut NotifyClient,
        endpoint: &str,
        events: &[NotificationEvent],
    ) -> Channel {
        n.add_push_subscription(AddPushSubscriptionRequest {
            endpoint: endpoint.into(),
            p256dh: self.p256dh.clone(),
            auth: self.auth.clone(),
            events: events.iter().map(|e| *e as i32).collect(),
            label: "test browser".into(),
        })
        .await
        .expect("add push subscription")
        .into_inner()
        .channel
        .unwrap()
    }
}

/// What every push must satisfy, as the stand-in checked it: a VAPID token that verifies with
/// the server's key, for this origin, and a payload that decrypted to JSON.
fn assert_valid_push(push: &Value, server_key: &str, origin: &str) {
    assert_eq!(push["vapid"]["ok"], true, "VAPID: {}", push["vapid"]);
    assert_eq!(push["vapid"]["k"], server_key);
    assert_eq!(push["vapid"]["claims"]["aud"], origin);
    assert!(push["decrypt_error"].is_null(), "{}", push["decrypt_error"]);
    assert!(push["payload"].is_object(), "{push}");
    assert_eq!(push["headers"]["content-encoding"], "aes128gcm");
}

async fn server_key(n: &mut NotifyClient) -> String {
    n.get_push_config(GetPushConfigRequest {})
        .await
        .unwrap()
        .into_inner()
        .application_server_key
}

#[tokio::test]
async fn a_question_reaches_the_browser_encrypted_and_signed_with_the_deployments_vapid_key() {
    let app = TestApp::spawn_with(|s| {
        s.notify.public_url = "https://sb.example.com".into();
        s.notify.push_ttl_secs = 3600;
        s.notify.vapid_subject = "mailto:ops@example.com".into();
    })
    .await;
    let push = PushService::start().await;
    let mut ann = app.user("ann@example.com").await;
    let mut n = notifications_of(&app, &ann).await;

    // One key per deployment: the same from this server, again, and from a replica; its
    // private half is stored sealed.
    let key = server_key(&mut n).await;
    assert_eq!(URL_SAFE_NO_PAD.decode(&key).unwrap().len(), 65);
    assert_eq!(server_key(&mut n).await, key);
    let replica = app.replica().await;
    let mut via_replica =
        switchboard::proto::notification_service_client::NotificationServiceClient::with_interceptor(
            channel_to(replica.addr).await,
            Bearer::new(&ann.access_token),
        );
    assert_eq!(server_key(&mut via_replica).await, key);
    let (public, private): (String, String) =
        sqlx::query_as("SELECT public_key, private_key FROM push_vapid_keys")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!(public, key);
    assert!(private.starts_with("v1."), "sealed: {private}");

    let channel = push
        .subscribe(
            &mut n,
            &push.endpoint(201, "ann"),
            &[NotificationEvent::QuestionAsked],
        )
        .await;
    assert_eq!(channel.kind, ChannelKind::WebPush as i32);
    assert_eq!(channel.label, "test browser");
    assert_eq!(channel.url, push.endpoint(201, "ann"));
    // The subscription's auth secret is kept sealed.
    let stored: String =
        sqlx::query_scalar("SELECT secret FROM notification_channels WHERE id = $1::uuid")
            .bind(&channel.id)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert!(stored.starts_with("v1.") && !stored.contains(&push.auth));

    let session = ann.start("deployer").await;
    let question = ann
        .ask(&session, "Deploy to production?", &["yes", "no"])
        .await;
    let got = push.until(1).await;
    assert_valid_push(&got[0], &key, &push.origin());
    assert_eq!(got[0]["vapid"]["claims"]["sub"], "mailto:ops@example.com");
    let headers = &got[0]["headers"];
    assert_eq!(headers["ttl"], "3600");
    assert_eq!(headers["urgency"], "high");
    assert_eq!(headers["topic"], session.replace('-', ""));
    let p = &got[0]["payload"];
    assert_eq!(p["event"], "question_asked");
    let title = p["title"].as_str().unwrap();
    assert!(title.ends_with("(deployer) asked a question"), "{title}");
    assert_eq!(p["body"], "Deploy to production?");
    assert_eq!(
        p["url"],
        format!("https://sb.example.com/sessions/{session}")
    );
    assert_eq!(p["session_id"], session);
    assert_eq!(p["question_id"], question.id);
    assert_eq!(p["tag"], format!("switchboard-session-{session}"));
    let actions = p["actions"].as_array().unwrap();
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Label yes", "Label no"]);
    assert_eq!(
        actions[1]["answer"],
        serde_json::json!({"choice": "Label no"})
    );

    let delivered = until_deliveries(&n, &channel.id, 1).await;
    assert_eq!(delivered[0].outcome, DeliveryOutcome::Sent as i32);
    assert_eq!(delivered[0].http_status, 201);
    assert_eq!(p["id"], delivered[0].notification_id);

    // The push carries a single-use action token (only its hash is stored); the service
    // worker's JSON POST of an action's answer answers the waiting agent, audited as a push
    // action, and the same token cannot answer twice.
    let token = p["token"].as_str().expect("an action token");
    assert!(token.starts_with("sb_act_"), "{token}");
    assert_eq!(p["act_url"], format!("https://sb.example.com/act/{token}"));
    let stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM action_tokens WHERE token_hash = $1 AND question_id = $2::uuid",
    )
    .bind(switchboard::auth::secrets::hash_secret(token))
    .bind(&question.id)
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!(stored, 1);
    let waiting = spawn_wait_for_answer(&ann.agent, &session, &question.id, 30);
    let act = format!("http://{}/act/{token}", app.addr);
    let answer = actions[1]["answer"].to_string();
    let reply = http("POST", &act, JSON, &answer).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["status"], "answered");
    let got_answer = waiting.await.unwrap();
    assert_eq!(got_answer.answer.unwrap().option_ids, ["no"]);
    let again = http("POST", &act, JSON, &answer).await;
    assert_eq!(again.status, 410, "{}", again.body);
    assert_eq!(again.json()["status"], "used");
    let audit = crate::roles::projects_of(&app, &ann)
        .await
        .list_audit_events(ListAuditEventsRequest {
            project_id: String::new(),
            page_size: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .events;
    assert!(
        audit
            .iter()
            .any(|e| e.channel == AuditChannel::PushAction as i32 && e.session_id == session),
        "{audit:?}"
    );

    // A test push goes the same way, with normal urgency and no topic.
    let test = n
        .test_channel(TestChannelRequest {
            channel_id: channel.id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .delivery
        .unwrap();
    assert_eq!(test.outcome, DeliveryOutcome::Sent as i32);
    let got = push.until(2).await;
    assert_valid_push(&got[1], &key, &push.origin());
    assert_eq!(got[1]["payload"]["event"], "test");
    assert!(
        got[1]["payload"]["token"].is_null(),
        "nothing to answer, no token"
    );
    assert_eq!(got[1]["headers"]["urgency"], "normal");
    assert!(got[1]["headers"]["topic"].is_null());
    drop(replica);
}

#[tokio::test]
async fn an_approval_push_offers_allow_allow_for_the_session_and_deny() {
    let app = TestApp::spawn().await;
    let push = PushService::start().await;
    let mut bea = app.user("bea@example.com").await;
    let mut n = notifications_of(&app, &bea).await;
    let key = server_key(&mut n).await;
    push.subscribe(
        &mut n,
        &push.endpoint(201, "bea"),
        &[NotificationEvent::ApprovalRequested],
    )
    .await;
    let session = bea.start("shell").await;
    let approval = bea
        .agent
        .request_approval(bash_request(&session, "rm -rf build"))
        .await
        .unwrap()
        .into_inner();
    let got = push.until(1).await;
    assert_valid_push(&got[0], &key, &push.origin());
    assert_eq!(got[0]["headers"]["urgency"], "high");
    let p = &got[0]["payload"];
    assert_eq!(p["event"], "approval_requested");
    let title = p["title"].as_str().unwrap();
    assert!(title.ends_with("(shell) asks to run Bash"), "{title}");
    assert_eq!(p["body"], "Run rm -rf build");
    assert_eq!(
        p["approval_id"],
        approval.approval.as_ref().unwrap().id.as_str()
    );
    assert_eq!(got[0]["headers"]["topic"], session.replace('-', ""));
    let actions: Vec<(&str, &str)> = p["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["title"].as_str().unwrap(),
                a["answer"]["decision"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("Allow", "allow"),
            ("Allow for session", "allow_session"),
            ("Deny", "deny")
        ]
    );
    // "Allow for session" from the notification reaches the waiting agent.
    let approval_id = approval.approval.unwrap().id;
    let waiting = spawn_wait(&bea.agent, &session, &approval_id, 30);
    let token = p["token"].as_str().expect("an action token");
    let reply = http(
        "POST",
        &format!("http://{}/act/{token}", app.addr),
        JSON,
        r#"{"decision":"allow_session"}"#,
    )
    .await;
    assert_eq!(reply.json()["status"], "answered", "{}", reply.body);
    let decided = waiting.await.unwrap();
    assert!(decided.decided);
    assert_eq!(
        decided.result.unwrap().decision,
        ApprovalDecision::AllowSession as i32
    );
}

#[tokio::test]
async fn a_gone_subscription_is_removed_saying_why_and_subscribing_again_revives_it() {
    let app = TestApp::spawn_with(|s| {
        s.notify.retry_base_ms = 50;
        s.notify.coalesce_secs = 0;
    })
    .await;
    let push = PushService::start().await;
    let mut cal = app.user("cal@example.com").await;
    let mut n = notifications_of(&app, &cal).await;
    for status in [410u16, 404] {
        let endpoint = push.endpoint(status, "cal");
        let channel = push
            .subscribe(&mut n, &endpoint, &[NotificationEvent::QuestionAsked])
            .await;
        let before = push.received().len();
        let session = cal.start("gone").await;
        cal.ask(&session, "anyone?", &["y"]).await;
        let attempts = until_deliveries(&n, &channel.id, 1).await;
        let last = attempts.last().unwrap();
        assert_eq!(last.outcome, DeliveryOutcome::Failed as i32);
        assert_eq!(last.http_status, i32::from(status));
        assert!(
            last.detail.contains("the subscription is gone: removed"),
            "{}",
            last.detail
        );
        // Disabled, keys erased; listed, with its history.
        let listed = n
            .list_channels(ListChannelsRequest {})
            .await
            .unwrap()
            .into_inner()
            .channels;
        let mine = listed.iter().find(|c| c.id == channel.id).unwrap();
        assert!(!mine.enabled);
        let secret: String =
            sqlx::query_scalar("SELECT secret FROM notification_channels WHERE id = $1::uuid")
                .bind(&channel.id)
                .fetch_one(app.store.pool())
                .await
                .unwrap();
        assert_eq!(secret, "");
        // Not retried, and the next question pushes nothing. A question to a webhook-free
        // account has no other path, so a TestChannel after it (recorded, never sent) shows
        // the worker had its turn.
        cal.ask(&session, "still?", &["y"]).await;
        let test = n
            .test_channel(TestChannelRequest {
                channel_id: channel.id.clone(),
            })
            .await
            .unwrap()
            .into_inner()
            .delivery
            .unwrap();
        assert_eq!(test.outcome, DeliveryOutcome::Failed as i32);
        assert!(test.detail.contains("removed"), "{}", test.detail);
        assert_eq!(push.received().len(), before + 1, "one request, no retry");
        let attempts = until_deliveries(&n, &channel.id, 2).await;
        assert_eq!(attempts.len(), 2, "{attempts:?}");

        // The device subscribes again: the same channel, enabled, with new keys.
        let again = push
            .subscribe(&mut n, &endpoint, &[NotificationEvent::QuestionAsked])
            .await;
        assert_eq!(again.id, channel.id);
        assert!(again.enabled);
        n.delete_channel(DeleteChannelRequest {
            channel_id: channel.id,
        })
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn pushes_are_coalesced_per_session_and_suppressed_while_watching() {
    let app = TestApp::spawn_with(|s| s.notify.coalesce_secs = 3600).await;
    let push = PushService::start().await;
    let mut dee = app.user("dee@example.com").await;
    let mut n = notifications_of(&app, &dee).await;
    let key = server_key(&mut n).await;
    let channel = push
        .subscribe(
            &mut n,
            &push.endpoint(201, "dee"),
            &[NotificationEvent::QuestionAsked],
        )
        .await;

    // 50 steps and 3 questions in a minute: one push; the later two wait as one row.
    let busy = dee.start("busy").await;
    for i in 0..50 {
        dee.step(&busy, &format!("step {i}")).await;
    }
    for text in ["first", "second", "third"] {
        dee.ask(&busy, text, &["ok"]).await;
    }
    until_deliveries(&n, &channel.id, 1).await;
    let rows: Vec<(i32, i16)> = sqlx::query_as(
        "SELECT event_count, state FROM notification_outbox WHERE channel_id = $1::uuid ORDER BY created_at",
    )
    .bind(&channel.id)
    .fetch_all(app.store.pool())
    .await
    .unwrap();
    assert_eq!(rows, [(1, 1), (2, 0)]);

    // Watching another session in a dashboard: its question is suppressed, nothing is sent.
    let watched = dee.start("watched").await;
    let watch = dee
        .dashboard
        .watch_session(WatchSessionRequest {
            session_id: watched.clone(),
            after_seq: 0,
        })
        .await
        .unwrap();
    dee.ask(&watched, "seen already?", &["y"]).await;
    let attempts = until_deliveries(&n, &channel.id, 2).await;
    assert_eq!(attempts[1].outcome, DeliveryOutcome::Suppressed as i32);
    drop(watch);

    let got = push.received();
    assert_eq!(got.len(), 1, "one push for all of that");
    assert_valid_push(&got[0], &key, &push.origin());
    assert_eq!(got[0]["payload"]["body"], "first");
}

#[tokio::test]
async fn push_subscriptions_refuse_bad_input_naming_the_field() {
    let app = TestApp::spawn().await;
    let eve = app.user("eve@example.com").await;
    let mut n = notifications_of(&app, &eve).await;
    let p256dh = URL_SAFE_NO_PAD.encode(
        // A valid uncompressed point (the P-256 generator).
        hex::decode(
            "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296\
             4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
        )
        .unwrap(),
    );
    let auth = URL_SAFE_NO_PAD.encode([7u8; 16]);
    let ok = AddPushSubscriptionRequest {
        endpoint: "https://push.example.net/wpush/abc".into(),
        p256dh: p256dh.clone(),
        auth: auth.clone(),
        events: vec![NotificationEvent::QuestionAsked as i32],
        label: String::new(),
    };
    for (req, field) in [
        (
            AddPushSubscriptionRequest {
                endpoint: String::new(),
                ..ok.clone()
            },
            "endpoint",
        ),
        (
            AddPushSubscriptionRequest {
                endpoint: "http://push.example.net/x".into(),
                ..ok.clone()
            },
            "endpoint",
        ),
        (
            AddPushSubscriptionRequest {
                p256dh: "AAAA".into(),
                ..ok.clone()
            },
            "p256dh",
        ),
        (
            AddPushSubscriptionRequest {
                auth: URL_SAFE_NO_PAD.encode([1u8; 8]),
                ..ok.clone()
            },
            "auth",
        ),
        (
            AddPushSubscriptionRequest {
                events: vec![],
                ..ok.clone()
            },
            "events",
        ),
        (
            AddPushSubscriptionRequest {
                label: "x".repeat(101),
                ..ok.clone()
            },
            "label",
        ),
    ] {
        let err = n.add_push_subscription(req.clone()).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{req:?}");
        assert!(
            err.message().starts_with(field),
            "{req:?}: {}",
            err.message()
        );
    }
    // A push channel is made from a subscription only.
    let err = n
        .create_webhook_channel(CreateWebhookChannelRequest {
            kind: ChannelKind::WebPush as i32,
            url: "https://push.example.net/x".into(),
            events: vec![NotificationEvent::QuestionAsked as i32],
            escalate_after: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().starts_with("kind"), "{}", err.message());
    // The valid one works; the same endpoint twice is one channel.
    let a = n
        .add_push_subscription(ok.clone())
        .await
        .unwrap()
        .into_inner();
    let b = n.add_push_subscription(ok).await.unwrap().into_inner();
    assert_eq!(a.channel.unwrap().id, b.channel.unwrap().id);
}

#[tokio::test]
async fn a_replaced_subscription_is_renewed_by_its_browser_proving_the_old_auth_secret() {
    let app = TestApp::spawn_with(|s| s.notify.coalesce_secs = 0).await;
    let (old, new) = (PushService::start().await, PushService::start().await);
    let mut dee = app.user("dee@example.com").await;
    let mut n = notifications_of(&app, &dee).await;
    let old_endpoint = old.endpoint(201, "dee");
    let channel = old
        .subscribe(&mut n, &old_endpoint, &[NotificationEvent::QuestionAsked])
        .await;
    let url = format!("http://{}/push/renew", app.addr);
    let body = |old_auth: &str| {
        serde_json::json!({
            "old_endpoint": old_endpoint,
            "old_auth": old_auth,
            "endpoint": new.endpoint(201, "dee-renewed"),
            "p256dh": new.p256dh,
            "auth": new.auth,
        })
        .to_string()
    };
    // Without the old subscription's secret: as if there were no such subscription.
    let refused = http("POST", &url, JSON, &body(&new.auth)).await;
    assert_eq!(refused.status, 404, "{}", refused.body);
    assert_eq!(refused.json()["status"], "unknown");
    let bad = http("POST", &url, JSON, "{\"old_endpoint\": 1}").await;
    assert_eq!(bad.status, 400, "{}", bad.body);

    let renewed = http("POST", &url, JSON, &body(&old.auth)).await;
    assert_eq!(renewed.status, 200, "{}", renewed.body);
    assert_eq!(renewed.json()["status"], "renewed");
    let listed = n
        .list_channels(ListChannelsRequest {})
        .await
        .unwrap()
        .into_inner()
        .channels;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, channel.id, "the same channel, moved");
    assert_eq!(listed[0].url, new.endpoint(201, "dee-renewed"));
    // A replay finds nothing at the old endpoint.
    let replay = http("POST", &url, JSON, &body(&old.auth)).await;
    assert_eq!(replay.status, 404, "{}", replay.body);

    // The next push goes to the new subscription, encrypted for its keys.
    let session = dee.start("renewed").await;
    dee.ask(&session, "Still reachable?", &["y"]).await;
    let got = new.until(1).await;
    assert_valid_push(&got[0], &server_key(&mut n).await, &new.origin());
    assert!(old.received().is_empty());
}
