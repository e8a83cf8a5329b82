//! Issue 15, the notification rules that span time and servers: the warning before a question's
//! deadline, presence seen by every replica, and a replica killed (`kill -9`, the real binary)
//! in the middle of a delivery.

use std::sync::{Arc, Mutex};

use switchboard::proto::agent_service_client::AgentServiceClient;
use switchboard::proto::dashboard_service_client::DashboardServiceClient;
use switchboard::proto::notification_service_client::NotificationServiceClient;
use switchboard::proto::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::*;
use crate::notifications::*;

async fn ask_with_timeout(user: &mut TestUser, session: &str, text: &str, secs: i64) -> Question {
    user.agent
        .ask_question(AskQuestionRequest {
            session_id: session.into(),
            text: text.into(),
            options: vec![QuestionOption {
                id: "go".into(),
                label: "Go".into(),
                description: String::new(),
            }],
            timeout: Some(prost_types::Duration {
                seconds: secs,
                nanos: 0,
            }),
            default_option_ids: vec!["go".into()],
            request_id: rid(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .question
        .unwrap()
}

#[tokio::test]
async fn a_question_about_to_time_out_warns_once_and_an_answered_one_not_at_all() {
    let app = TestApp::spawn_with(|s| {
        s.notify.coalesce_secs = 0;
        s.notify.poll_interval_ms = 100;
        // Three seconds before the deadline (at most half the time given).
        s.notify.deadline_warning_secs = 3;
    })
    .await;
    let receiver = Receiver::start().await;
    let mut gus = app.user("gus@example.com").await;
    let mut n = notifications_of(&app, &gus).await;
    let channel = create_channel(
        &mut n,
        ChannelKind::Webhook,
        &receiver.url(),
        &[NotificationEvent::DeadlineNear],
    )
    .await
    .channel
    .unwrap();
    let waiting = gus.start("slow to answer").await;
    let answered = gus.start("answered in time").await;
    let open = ask_with_timeout(&mut gus, &waiting, "Merge now?", 10).await;
    let quick = ask_with_timeout(&mut gus, &answered, "Tag it?", 10).await;
    // Nothing at once: the channel takes only the warning.
    gus.dashboard
        .answer_question(AnswerQuestionRequest {
            session_id: answered.clone(),
            question_id: quick.id.clone(),
            option_ids: vec!["go".into()],
            text: String::new(),
            request_id: rid(),
        })
        .await
        .unwrap();

    // Both warnings come due 7 s after asking: the open one is sent, the answered one not.
    let attempts = until_deliveries(&n, &channel.id, 2).await;
    let of = |session: &str| {
        attempts
            .iter()
            .find(|a| a.session_id == session)
            .unwrap_or_else(|| panic!("an attempt for {session}: {attempts:?}"))
            .clone()
    };
    let sent = of(&waiting);
    assert_eq!(sent.outcome, DeliveryOutcome::Sent as i32);
    assert_eq!(sent.event, NotificationEvent::DeadlineNear as i32);
    let quiet = of(&answered);
    assert_eq!(quiet.outcome, DeliveryOutcome::Suppressed as i32);
    assert!(
        quiet.detail.contains("already answered"),
        "{}",
        quiet.detail
    );

    let got = receiver.received();
    assert_eq!(got.len(), 1, "only the open question's warning");
    let body = got[0].json();
    assert_eq!(body["event"], "deadline_near");
    assert_eq!(body["session"]["question_id"], open.id);
    assert!(body["text"].as_str().unwrap().contains("about to time out"));
    // It says when, and it was sent before that moment.
    let deadline =
        chrono::DateTime::parse_from_rfc3339(body["session"]["deadline"].as_str().unwrap())
            .expect("an RFC 3339 deadline");
    let at = sent.attempt_time.unwrap();
    let sent_at = chrono::DateTime::from_timestamp(at.seconds, at.nanos as u32).unwrap();
    assert!(
        sent_at < deadline,
        "warned at {sent_at}, deadline {deadline}"
    );
    // The answer links of a question come along, as with QUESTION_ASKED.
    assert!(
        body["answer"]["url"]
            .as_str()
            .unwrap()
            .contains("/act/sb_act_")
    );
}

#[tokio::test]
async fn a_person_watching_on_another_replica_is_not_notified() {
    let app = TestApp::spawn_with(|s| {
        s.notify.coalesce_secs = 0;
        s.notify.poll_interval_ms = 100;
    })
    .await;
    // The replica serves the watch; its worker never polls, so the delivery is decided by the
    // first server, which learns of the watch only through the database.
    let replica = app
        .replica_with(|s| s.notify.poll_interval_ms = 3_600_000)
        .await;
    let receiver = Receiver::start().await;
    let mut hal = app.user("hal@example.com").await;
    let mut n = notifications_of(&app, &hal).await;
    let channel = create_channel(
        &mut n,
        ChannelKind::Webhook,
        &receiver.url(),
        &[NotificationEvent::QuestionAsked],
    )
    .await
    .channel
    .unwrap();
    let session = hal.start("watched elsewhere").await;
    let mut on_replica = DashboardServiceClient::with_interceptor(
        channel_to(replica.addr).await,
        Bearer::new(&hal.access_token),
    );
    let watch = on_replica
        .watch_session(WatchSessionRequest {
            session_id: session.clone(),
            after_seq: 0,
        })
        .await
        .unwrap();
    hal.ask(&session, "seen on the replica?", &["y"]).await;
    let attempts = until_deliveries(&n, &channel.id, 1).await;
    assert_eq!(attempts[0].outcome, DeliveryOutcome::Suppressed as i32);
    assert!(
        attempts[0].detail.contains("watching"),
        "{}",
        attempts[0].detail
    );
    assert!(receiver.received().is_empty());

    // The watch ends: the replica removes its row, and the next question is sent.
    drop(watch);
    let store = app.store.clone();
    eventually("the replica's presence row is gone", || {
        let store = store.clone();
        async move {
            let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM watch_presence")
                .fetch_one(store.pool())
                .await
                .unwrap();
            rows == 0
        }
    })
    .await;
    hal.ask(&session, "and now?", &["y"]).await;
    let got = receiver.until(1).await;
    assert_eq!(got[0].json()["session"]["question_text"], "and now?");
    replica.shutdown().await.ok();
}

/// A receiver whose first request never gets a response (the sending server dies meanwhile);
/// later requests get 200. Keeps every request's body.
struct HangingReceiver {
    url: String,
    bodies: Arc<Mutex<Vec<serde_json::Value>>>,
}

impl HangingReceiver {
    async fn start() -> HangingReceiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let bodies: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
        let kept = bodies.clone();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((mut stream, _)) = listener.accept().await {
                let body = read_request(&mut stream).await;
                let first = {
                    let mut all = kept.lock().unwrap();
                    all.push(body);
                    all.len() == 1
                };
                if first {
                    held.push(stream); // no response, ever
                } else {
                    let _ = stream
                        .write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                        )
                        .await;
                }
            }
        });
        HangingReceiver { url, bodies }
    }

    fn bodies(&self) -> Vec<serde_json::Value> {
        self.bodies.lock().unwrap().clone()
    }
}

/// Reads one HTTP/1.1 request with a content-length body; returns the body as JSON.
async fn read_request(stream: &mut tokio::net::TcpStream) -> serde_json::Value {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the request ended early");
        buf.extend_from_slice(&chunk[..n]);
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map(|v| v.trim().parse().unwrap())
            .expect("a content-length");
        if buf.len() >= end + 4 + len {
            return serde_json::from_slice(&buf[end + 4..end + 4 + len]).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_killed_mid_delivery_neither_loses_nor_doubles_the_notification() {
    let mut app = TestApp::spawn().await;
    let receiver = HangingReceiver::start().await;
    let mut ivy = app.user("ivy@example.com").await;
    let mut n = notifications_of(&app, &ivy).await;
    let channel = create_channel(
        &mut n,
        ChannelKind::Webhook,
        &receiver.url,
        &[NotificationEvent::QuestionAsked],
    )
    .await
    .channel
    .unwrap();
    let session = ivy.start("delivered through a crash").await;
    // Only the real binary delivers from here: the first server goes away (the database stays).
    app.server.take().unwrap().shutdown().await.unwrap();
    let mut doomed = spawn_binary_with(
        &app.database_url(),
        &[
            ("SWITCHBOARD__NOTIFY__COALESCE_SECS", "0"),
            ("SWITCHBOARD__NOTIFY__HTTP_TIMEOUT_MS", "1000"),
        ],
    )
    .await;
    let mut agent = AgentServiceClient::with_interceptor(
        channel_to(doomed.addr).await,
        Bearer::new(&ivy.api_key),
    );
    agent
        .ask_question(AskQuestionRequest {
            session_id: session.clone(),
            text: "Still there?".into(),
            request_id: rid(),
            ..Default::default()
        })
        .await
        .unwrap();
    eventually("the doomed server's request", || {
        let n = receiver.bodies().len();
        async move { n == 1 }
    })
    .await;
    // Killed while the receiver holds the request: no attempt could be recorded.
    doomed.child.kill().await.unwrap();
    let pending: (i16, i32) = sqlx::query_as(
        "SELECT state, attempts FROM notification_outbox WHERE channel_id = $1::uuid",
    )
    .bind(&channel.id)
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!(pending, (0, 1), "still pending, one claim made");

    // Another replica takes it over once the dead server's lease (2 × 1 s + 5 s) lapses.
    let survivor = app
        .replica_with(|s| {
            s.notify.coalesce_secs = 0;
            s.notify.poll_interval_ms = 100;
            s.notify.http_timeout_ms = 1000;
        })
        .await;
    let mut n = NotificationServiceClient::with_interceptor(
        channel_to(survivor.addr).await,
        Bearer::new(&ivy.access_token),
    );
    let attempts = until_deliveries(&n, &channel.id, 1).await;
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].outcome, DeliveryOutcome::Sent as i32);
    assert_eq!(attempts[0].attempt, 2, "the lost attempt counts");
    let bodies = receiver.bodies();
    assert_eq!(bodies.len(), 2);
    // The same notification id both times: a receiver drops the repeat of an unanswered request.
    assert_eq!(bodies[0]["id"], bodies[1]["id"]);
    assert_eq!(bodies[1]["attempt"], 2);

    // Sent is final: a test notification through the same receiver arrives third, nothing else.
    n.test_channel(TestChannelRequest {
        channel_id: channel.id.clone(),
    })
    .await
    .unwrap();
    let events: Vec<String> = receiver
        .bodies()
        .iter()
        .map(|b| b["event"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(events, ["question_asked", "question_asked", "test"]);
    survivor.shutdown().await.ok();
}
