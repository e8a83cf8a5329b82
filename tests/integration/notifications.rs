//! Issue 15: notifications through webhook channels, end to end: real Postgres, the real
//! server over gRPC, and a real HTTP receiver in the test (hyper on port 0) that records what
//! arrives; the test checks the HMAC signature and timestamp as a receiver would.

use std::collections::{HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use hmac::{KeyInit, Mac};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use switchboard::proto::notification_service_client::NotificationServiceClient;
use switchboard::proto::*;
use tonic::Code;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel as GrpcChannel;

use crate::harness::*;

pub type NotifyClient = NotificationServiceClient<InterceptedService<GrpcChannel, Bearer>>;

pub async fn notifications_of(app: &TestApp, user: &TestUser) -> NotifyClient {
    NotificationServiceClient::with_interceptor(
        app.channel().await,
        Bearer::new(&user.access_token),
    )
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// A webhook receiver: answers each request with the next queued status (200 when none is
/// queued) and keeps every request.
#[derive(Clone, Default)]
pub struct Receiver {
    pub addr: Option<SocketAddr>,
    got: Arc<Mutex<Vec<Received>>>,
    statuses: Arc<Mutex<VecDeque<u16>>>,
    arrived: Arc<tokio::sync::Notify>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut me = Receiver {
            addr: Some(listener.local_addr().unwrap()),
            ..Receiver::default()
        };
        let server = me.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let server = server.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let server = server.clone();
                        async move { server.handle(req).await }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        me.addr = me.addr.take();
        me
    }

    async fn handle(
        &self,
        req: hyper::Request<hyper::body::Incoming>,
    ) -> Result<hyper::Response<Full<Bytes>>, std::convert::Infallible> {
        let (parts, body) = req.into_parts();
        let body = body
            .collect()
            .await
            .map(|b| b.to_bytes().to_vec())
            .unwrap_or_default();
        let status = self.statuses.lock().unwrap().pop_front().unwrap_or(200);
        self.got.lock().unwrap().push(Received {
            headers: parts.headers,
            body,
        });
        self.arrived.notify_waiters();
        let text = if status == 200 {
            "ok"
        } else {
            "receiver is down"
        };
        Ok(hyper::Response::builder()
            .status(status)
            .body(Full::new(Bytes::from(text)))
            .unwrap())
    }

    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr.unwrap())
    }

    /// The next `n` requests answer `status`.
    pub fn answer(&self, status: u16, n: usize) {
        self.statuses
            .lock()
            .unwrap()
            .extend(std::iter::repeat_n(status, n));
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits (bounded) until at least `n` requests arrived.
    pub async fn until(&self, n: usize) -> Vec<Received> {
        let got = self.got.clone();
        eventually(&format!("{n} webhook requests"), || {
            let len = got.lock().unwrap().len();
            async move { len >= n }
        })
        .await;
        self.received()
    }
}

/// Checks a generic webhook request the way a receiver should: the signature over
/// "<timestamp>.<body>" with the channel's secret, and a timestamp within five minutes.
pub fn verify_signature(r: &Received, secret: &str) {
    let ts = r
        .headers
        .get("switchboard-timestamp")
        .expect("a timestamp header")
        .to_str()
        .unwrap();
    let ts: i64 = ts.parse().expect("Unix seconds");
    assert!(
        (chrono::Utc::now().timestamp() - ts).abs() < 300,
        "a fresh timestamp: {ts}"
    );
    let sig = r
        .headers
        .get("switchboard-signature")
        .expect("a signature header")
        .to_str()
        .unwrap();
    let hex_sig = sig.strip_prefix("v1=").expect("v1= scheme");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.").as_bytes());
    mac.update(&r.body);
    mac.verify_slice(&hex::decode(hex_sig).expect("hex"))
        .expect("the signature verifies with the channel's secret");
    // And it binds the body: one changed byte fails.
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.").as_bytes());
    mac.update(&r.body[1..]);
    assert!(mac.verify_slice(&hex::decode(hex_sig).unwrap()).is_err());
}

pub async fn create_channel(
    n: &mut NotifyClient,
    kind: ChannelKind,
    url: &str,
    events: &[NotificationEvent],
) -> CreateWebhookChannelResponse {
    n.create_webhook_channel(CreateWebhookChannelRequest {
        escalate_after: None,
        kind: kind as i32,
        url: url.into(),
        events: events.iter().map(|e| *e as i32).collect(),
    })
    .await
    .expect("create channel")
    .into_inner()
}

pub async fn deliveries(n: &mut NotifyClient, channel: &str) -> Vec<Delivery> {
    n.list_deliveries(ListDeliveriesRequest {
        channel_id: channel.into(),
        page_size: 500,
        page_token: String::new(),
    })
    .await
    .expect("list deliveries")
    .into_inner()
    .deliveries
}

/// Waits until the channel has `count` recorded attempts; returns them oldest first.
pub async fn until_deliveries(n: &NotifyClient, channel: &str, count: usize) -> Vec<Delivery> {
    let mut last = Vec::new();
    for _ in 0..300 {
        last = deliveries(&mut n.clone(), channel).await;
        if last.len() >= count {
            last.reverse();
            return last;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {count} deliveries; have {last:?}");
}

#[tokio::test]
async fn a_question_notifies_a_generic_webhook_once_with_a_valid_signature() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start().await;
    let mut ann = app.user("ann@example.com").await;
    let mut n = notifications_of(&app, &ann).await;
    let created = create_channel(
        &mut n,
        ChannelKind::Webhook,
        &receiver.url(),
        &[NotificationEvent::QuestionAsked],
    )
    .await;
    assert!(created.signing_secret.starts_with("sb_whsec_"));
    let channel = created.channel.unwrap();
    // The secret is shown once: never in a listing.
    let listed = n
        .list_channels(ListChannelsRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.channels, vec![channel.clone()]);
    // Nor in the database: it is kept sealed.
    let stored: String =
        sqlx::query_scalar("SELECT secret FROM notification_channels WHERE id = $1::uuid")
            .bind(&channel.id)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert!(stored.starts_with("v1."), "sealed: {stored}");
    let secret_body = created.signing_secret.trim_start_matches("sb_whsec_");
    assert!(!stored.contains(secret_body));

    let session = ann.start("builder").await;
    ann.step(&session, "working").await;
    let question = ann
        .ask(&session, "Deploy to production?", &["yes", "no"])
        .await;
    let got = receiver.until(1).await;
    let delivered = until_deliveries(&n, &channel.id, 1).await;
    assert_eq!(delivered[0].outcome, DeliveryOutcome::Sent as i32);
    assert_eq!(delivered[0].http_status, 200);
    assert_eq!(delivered[0].session_id, session);
    assert_eq!(delivered[0].event, NotificationEvent::QuestionAsked as i32);

    verify_signature(&got[0], &created.signing_secret);
    let body = got[0].json();
    assert_eq!(body["event"], "question_asked");
    assert_eq!(body["id"], delivered[0].notification_id);
    assert_eq!(body["session"]["session_id"], session);
    assert_eq!(body["session"]["question_id"], question.id);
    assert_eq!(body["session"]["question_text"], "Deploy to production?");
    assert!(
        body["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/sessions/{session}")),
        "{body}"
    );
    // Steps and the answer notify nobody; ending COMPLETED is not an event this channel takes.
    ann.step(&session, "more work").await;
    ann.agent
        .end_session(EndSessionRequest {
            session_id: session.clone(),
            outcome: SessionOutcome::Completed as i32,
            summary: String::new(),
            request_id: rid(),
        })
        .await
        .unwrap();
    // The end committed after the question's delivery was recorded: had it queued anything, the
    // worker (woken by that commit) would deliver it; a TestChannel call after it goes through
    // the same receiver, so once its request arrives, anything queued earlier has had its turn.
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
    let events: Vec<String> = receiver
        .received()
        .iter()
        .map(|r| r.json()["event"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(events, ["question_asked", "test"]);
}

#[tokio::test]
async fn a_slack_channel_gets_a_block_kit_message_with_a_link_to_the_session() {
    let app = TestApp::spawn_with(|s| s.notify.public_url = "https://sb.example.com/".into()).await;
    let receiver = Receiver::start().await;
    let mut bea = app.user("bea@example.com").await;
    let mut n = notifications_of(&app, &bea).await;
    let created = create_channel(
        &mut n,
        ChannelKind::Slack,
        &receiver.url(),
        &[
            NotificationEvent::QuestionAsked,
            NotificationEvent::SessionFailed,
        ],
    )
    .await;
    assert_eq!(created.signing_secret, "", "Slack channels have no secret");
    let session = bea.start("slacker").await;
    bea.ask(&session, "Use <b>bold</b> & go?", &["a"]).await;
    let got = receiver.until(1).await;
    assert!(got[0].headers.get("switchboard-signature").is_none());
    let body = got[0].json();
    assert!(
        body["text"].as_str().unwrap().contains("asked a question"),
        "{body}"
    );
    let blocks = body["blocks"].as_array().expect("blocks");
    let types: Vec<&str> = blocks.iter().map(|b| b["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["header", "section", "context", "actions"]);
    assert_eq!(blocks[0]["text"]["type"], "plain_text");
    assert_eq!(blocks[1]["text"]["type"], "mrkdwn");
    assert_eq!(
        blocks[1]["text"]["text"],
        "Use &lt;b&gt;bold&lt;/b&gt; &amp; go?"
    );
    let button = &blocks[3]["elements"][0];
    assert_eq!(button["type"], "button");
    assert_eq!(
        button["url"],
        format!("https://sb.example.com/sessions/{session}")
    );

    // A failed session notifies too, with its reason.
    bea.agent
        .end_session(EndSessionRequest {
            session_id: session.clone(),
            outcome: SessionOutcome::Failed as i32,
            summary: "tests are red".into(),
            request_id: rid(),
        })
        .await
        .unwrap();
    let got = receiver.until(2).await;
    let body = got[1].json();
    assert!(body["text"].as_str().unwrap().ends_with("failed"), "{body}");
}

#[tokio::test]
async fn a_failing_receiver_is_retried_with_backoff_and_every_attempt_recorded() {
    let app = TestApp::spawn_with(|s| {
        s.notify.retry_base_ms = 100;
        s.notify.max_attempts = 3;
    })
    .await;
    let receiver = Receiver::start().await;
    receiver.answer(500, 3);
    let mut cal = app.user("cal@example.com").await;
    let mut n = notifications_of(&app, &cal).await;
    let channel = create_channel(
        &mut n,
        ChannelKind::Webhook,
        &receiver.url(),
        &[NotificationEvent::QuestionAsked],
    )
    .await
    .channel
    .unwrap();
    let session = cal.start("flaky").await;
    cal.ask(&session, "still there?", &["y"]).await;
    let attempts = until_deliveries(&n, &channel.id, 3).await;
    assert_eq!(receiver.until(3).await.len(), 3);
    let ids: HashSet<&str> = attempts
        .iter()
        .map(|a| a.notification_id.as_str())
        .collect();
    assert_eq!(ids.len(), 1, "three attempts of one notification");
    for (i, a) in attempts.iter().enumerate() {
        assert_eq!(a.attempt, i as i32 + 1);
        assert_eq!(a.outcome, DeliveryOutcome::Failed as i32);
        assert_eq!(a.http_status, 500);
        assert!(
            a.detail.contains("HTTP 500: receiver is down"),
            "{}",
            a.detail
        );
    }
    assert!(
        attempts[2].detail.contains("giving up"),
        "{}",
        attempts[2].detail
    );
    // Each retry waited at least its backoff (100 ms, then 200 ms): a lower bound the server
    // guarantees, not a speed threshold.
    let at = |d: &Delivery| {
        let t = d.attempt_time.unwrap();
        t.seconds as f64 + f64::from(t.nanos) / 1e9
    };
    assert!(at(&attempts[1]) - at(&attempts[0]) >= 0.1);
    assert!(at(&attempts[2]) - at(&attempts[1]) >= 0.2);
    // Given up: the receiver, healthy again, gets nothing more. A test delivery after it is
    // the next (and only the next) request.
    n.test_channel(TestChannelRequest {
        channel_id: channel.id.clone(),
    })
    .await
    .unwrap();
    let got = receiver.received();
    assert_eq!(got.len(), 4);
    assert_eq!(got[3].json()["event"], "test");
}

#[tokio::test]
async fn a_person_watching_the_session_is_not_notified() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start().await;
    let mut dee = app.user("dee@example.com").await;
    let mut n = notifications_of(&app, &dee).await;
    let channel = create_channel(
        &mut n,
        ChannelKind::Webhook,
        &receiver.url(),
        &[NotificationEvent::QuestionAsked],
    )
    .await
    .channel
    .unwrap();
    let session = dee.start("watched").await;
    // The response (headers) arrives after the server registered the watcher.
    let watch = dee
        .dashboard
        .watch_session(WatchSessionRequest {
            session_id: session.clone(),
            after_seq: 0,
        })
        .await
        .unwrap();
    dee.ask(&session, "seen already?", &["y"]).await;
    let attempts = until_deliveries(&n, &channel.id, 1).await;
    assert_eq!(attempts[0].outcome, DeliveryOutcome::Suppressed as i32);
    assert!(
        attempts[0].detail.contains("watching"),
        "{}",
        attempts[0].detail
    );
    assert!(receiver.received().is_empty());

    // Once the watch ends, the next event is sent. Another session's question, so that
    // coalescing (per session) does not hold it back.
    drop(watch);
    let other = dee.start("other").await;
    dee.ask(&other, "and now?", &["y"]).await;
    let got = receiver.until(1).await;
    assert_eq!(got[0].json()["session"]["session_id"], other);
}

#[tokio::test]
async fn two_servers_deliver_each_notification_once() {
    let app = TestApp::spawn_with(|s| {
        s.notify.coalesce_secs = 0;
        s.notify.poll_interval_ms = 20;
        // 20 notifications to one person at once: past the default rate limit.
        s.notify.per_person_per_minute = 0;
    })
    .await;
    let replica = app
        .replica_with(|s| {
            s.notify.coalesce_secs = 0;
            s.notify.poll_interval_ms = 20;
            s.notify.per_person_per_minute = 0;
        })
        .await;
    let receiver = Receiver::start().await;
    let mut eve = app.user("eve@example.com").await;
    let mut n = notifications_of(&app, &eve).await;
    let channel = create_channel(
        &mut n,
        ChannelKind::Webhook,
        &receiver.url(),
        &[NotificationEvent::QuestionAsked],
    )
    .await
    .channel
    .unwrap();
    // Half the questions through each server, so both workers are woken and both poll.
    let mut via_replica =
        switchboard::proto::agent_service_client::AgentServiceClient::with_interceptor(
            channel_to(replica.addr).await,
            Bearer::new(&eve.api_key),
        );
    let session = eve.start("busy").await;
    const N: usize = 20;
    for i in 0..N {
        let request = AskQuestionRequest {
            session_id: session.clone(),
            text: format!("question {i}"),
            request_id: rid(),
            ..Default::default()
        };
        if i % 2 == 0 {
            eve.agent.ask_question(request).await.unwrap();
        } else {
            via_replica.ask_question(request).await.unwrap();
        }
    }
    let attempts = until_deliveries(&n, &channel.id, N).await;
    assert!(
        attempts
            .iter()
            .all(|a| a.outcome == DeliveryOutcome::Sent as i32)
    );
    let got = receiver.until(N).await;
    let ids: HashSet<String> = got
        .iter()
        .map(|r| r.json()["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), N, "each notification once");
    // Every row is sent, so nothing is left to claim: no later duplicate can come.
    assert_eq!(receiver.received().len(), N);
    drop(replica);
}

#[tokio::test]
async fn questions_in_the_coalescing_window_become_one_notification_with_their_count() {
    let app = TestApp::spawn_with(|s| s.notify.coalesce_secs = 3600).await;
    let receiver = Receiver::start().await;
    let mut fay = app.user("fay@example.com").await;
    let mut n = notifications_of(&app, &fay).await;
    let channel = create_channel(
        &mut n,
        ChannelKind::Webhook,
        &receiver.url(),
        &[NotificationEvent::QuestionAsked],
    )
    .await
    .channel
    .unwrap();
    let session = fay.start("chatty").await;
    fay.ask(&session, "first", &["y"]).await;
    until_deliveries(&n, &channel.id, 1).await;
    for text in ["second", "third"] {
        fay.ask(&session, text, &["y"]).await;
    }
    // The two later ones wait, as one row, for the window after the first to pass.
    let rows: Vec<(i32, i16)> = sqlx::query_as(
        "SELECT event_count, state FROM notification_outbox WHERE channel_id = $1::uuid ORDER BY created_at",
    )
    .bind(&channel.id)
    .fetch_all(app.store.pool())
    .await
    .unwrap();
    assert_eq!(rows, [(1, 1), (2, 0)]);
    assert_eq!(receiver.received().len(), 1);
}

#[tokio::test]
async fn channel_rpcs_refuse_bad_input_naming_the_field_and_hide_other_users_channels() {
    let app = TestApp::spawn().await;
    let gus = app.user("gus@example.com").await;
    let hal = app.user("hal@example.com").await;
    let mut n = notifications_of(&app, &gus).await;
    let bad = |kind: ChannelKind, url: &str, events: Vec<i32>| CreateWebhookChannelRequest {
        escalate_after: None,
        kind: kind as i32,
        url: url.into(),
        events,
    };
    let q = vec![NotificationEvent::QuestionAsked as i32];
    for (req, field) in [
        (
            bad(ChannelKind::Unspecified, "http://x.test/h", q.clone()),
            "kind",
        ),
        (
            CreateWebhookChannelRequest {
                kind: 9,
                ..bad(ChannelKind::Webhook, "http://x.test/h", q.clone())
            },
            "kind",
        ),
        (bad(ChannelKind::Webhook, "", q.clone()), "url"),
        (bad(ChannelKind::Webhook, "not a url", q.clone()), "url"),
        (
            bad(ChannelKind::Webhook, "ftp://x.test/h", q.clone()),
            "url",
        ),
        (
            bad(ChannelKind::Webhook, "/relative/path", q.clone()),
            "url",
        ),
        (bad(ChannelKind::Slack, "http://x.test/h", vec![]), "events"),
        (
            bad(ChannelKind::Slack, "http://x.test/h", vec![0]),
            "events",
        ),
        (
            bad(ChannelKind::Slack, "http://x.test/h", vec![77]),
            "events",
        ),
        (
            bad(ChannelKind::Slack, "http://x.test/h", vec![1, 1]),
            "events",
        ),
    ] {
        let err = n.create_webhook_channel(req.clone()).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{req:?}");
        assert!(
            err.message().starts_with(field),
            "{req:?}: {}",
            err.message()
        );
    }
    let mine = create_channel(
        &mut n,
        ChannelKind::Webhook,
        "http://127.0.0.1:9/never",
        &[NotificationEvent::QuestionAsked],
    )
    .await
    .channel
    .unwrap();
    let err = n
        .update_channel(UpdateChannelRequest {
            escalate_after: None,
            channel_id: mine.id.clone(),
            enabled: None,
            events: Some(EventList { events: vec![] }),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().starts_with("events"), "{}", err.message());
    let err = n
        .update_channel(UpdateChannelRequest {
            channel_id: "nope".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().starts_with("channel_id"), "{}", err.message());

    // Hal sees none of Gus's channel.
    let mut theirs = notifications_of(&app, &hal).await;
    let id = mine.id.clone();
    assert_eq!(
        code(
            theirs
                .update_channel(UpdateChannelRequest {
                    escalate_after: None,
                    channel_id: id.clone(),
                    enabled: Some(false),
                    events: None,
                })
                .await
        ),
        Code::NotFound
    );
    assert_eq!(
        code(
            theirs
                .test_channel(TestChannelRequest {
                    channel_id: id.clone()
                })
                .await
        ),
        Code::NotFound
    );
    assert_eq!(
        code(
            theirs
                .list_deliveries(ListDeliveriesRequest {
                    channel_id: id.clone(),
                    ..Default::default()
                })
                .await
        ),
        Code::NotFound
    );
    assert_eq!(
        code(
            theirs
                .delete_channel(DeleteChannelRequest {
                    channel_id: id.clone()
                })
                .await
        ),
        Code::NotFound
    );
    assert!(
        theirs
            .list_channels(ListChannelsRequest {})
            .await
            .unwrap()
            .into_inner()
            .channels
            .is_empty()
    );
    // Gus's own changes work; a refusing URL is a FAILED delivery, not an RPC error.
    let updated = n
        .update_channel(UpdateChannelRequest {
            escalate_after: None,
            channel_id: id.clone(),
            enabled: Some(false),
            events: Some(EventList {
                events: vec![NotificationEvent::SessionFailed as i32],
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .channel
        .unwrap();
    assert!(!updated.enabled);
    assert_eq!(updated.events, [NotificationEvent::SessionFailed as i32]);
    let test = n
        .test_channel(TestChannelRequest {
            channel_id: id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .delivery
        .unwrap();
    assert_eq!(test.outcome, DeliveryOutcome::Failed as i32);
    assert_eq!(test.http_status, 0);
    assert!(!test.detail.is_empty());
    n.delete_channel(DeleteChannelRequest {
        channel_id: id.clone(),
    })
    .await
    .unwrap();
    assert_eq!(
        code(
            n.delete_channel(DeleteChannelRequest { channel_id: id })
                .await
        ),
        Code::NotFound
    );
}
