//! An agent's open Subscribe stream keeps its session seen (the disconnect sweep leaves it
//! alone) through refreshes batched across sessions (`store::sessions::presence_refresh`):
//! one statement moves the last-seen times and writes nothing else, and a session whose
//! status a sign of life changes (a disconnect meanwhile) goes the locking way, so the person
//! sees "agent is back" as after any other contact.

use std::time::Duration;

use chrono::{DateTime, Utc};
use switchboard::domain::SessionStatus as StoredStatus;
use switchboard::proto::{Sender, SessionStatus, SubscribeRequest, SubscribeResponse, message};
use tonic::Streaming;

use crate::feeds::*;
use crate::harness::*;

/// The server's counts of presence refreshes: (batched, locking).
async fn refreshes(app: &TestApp) -> (f64, f64) {
    crate::serving::counts_by_way(
        app,
        "switchboard_presence_refreshes_total",
        ("batched", "locking"),
    )
    .await
}

/// (last_seen_at, last_seq, status) as stored.
async fn stored(app: &TestApp, session: &str) -> (DateTime<Utc>, i64, i16) {
    sqlx::query_as("SELECT last_seen_at, last_seq, status FROM sessions WHERE id = $1::uuid")
        .bind(session)
        .fetch_one(app.store.pool())
        .await
        .unwrap()
}

async fn subscribe(user: &mut TestUser, session: &str) -> Streaming<SubscribeResponse> {
    user.agent
        .subscribe(SubscribeRequest {
            session_id: session.into(),
            after_seq: 0,
        })
        .await
        .expect("subscribe")
        .into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscribed_agent_stays_seen_through_batched_refreshes_that_write_nothing_else() {
    let app = TestApp::spawn_with(|s| s.metrics.listen = Some("127.0.0.1:0".into())).await;
    let mut ann = app.user("ann@example.com").await;
    let busy = ann.start("claude").await;
    let quiet = ann.start("codex").await;
    ann.step(&busy, "working").await;
    let _subs = (
        subscribe(&mut ann, &busy).await,
        subscribe(&mut ann, &quiet).await,
    );
    app.until_followed(&busy).await;
    app.until_followed(&quiet).await;
    let before = (stored(&app, &busy).await, stored(&app, &quiet).await);

    // Test settings refresh every 500 ms: two batches' worth for both sessions.
    eventually("four batched refreshes", || async {
        refreshes(&app).await.0 >= 4.0
    })
    .await;
    let after = (stored(&app, &busy).await, stored(&app, &quiet).await);
    for ((seen_before, seq_before, status_before), (seen_after, seq_after, status_after)) in
        [(before.0, after.0), (before.1, after.1)]
    {
        assert!(seen_after > seen_before, "last seen moved on");
        assert_eq!(seq_after, seq_before, "no message written");
        assert_eq!(status_after, status_before);
        assert_eq!(status_after, StoredStatus::Active as i16);
    }
    assert_eq!(refreshes(&app).await.1, 0.0, "none went the locking way");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_after_a_disconnect_ends_it_as_any_contact_does() {
    let app = TestApp::spawn_with(|s| {
        s.metrics.listen = Some("127.0.0.1:0".into());
        // Time for the sweep (every 100 ms in tests) to act before the first periodic refresh.
        s.feed.presence_interval_ms = 2_000;
    })
    .await;
    let mut ann = app.user("ann@example.com").await;
    let session = ann.start("claude").await;
    let last = ann.step(&session, "working").await.seq;
    let mut watch = watch_session(&mut ann.dashboard, &session, last).await;
    let mut sub = subscribe(&mut ann, &session).await;
    // Its first item (a heartbeat, 500 ms in) comes after the stream's first, awaited contact.
    tokio::time::timeout(Duration::from_secs(10), sub.message())
        .await
        .expect("an item on the subscription")
        .expect("the subscription is open");

    // The agent silent for an hour as far as the sweep can tell: it marks the session
    // DISCONNECTED, though the stream is open.
    sqlx::query("UPDATE sessions SET last_seen_at = now() - interval '1 hour' WHERE id = $1::uuid")
        .bind(&session)
        .execute(app.store.pool())
        .await
        .unwrap();
    let status_change = |m: &switchboard::proto::Message| match &m.body {
        Some(message::Body::StatusChange(c)) => (c.from_status, c.to_status),
        other => panic!("expected a status change, got {other:?}"),
    };
    let disconnected = next_message(&mut watch).await;
    assert_eq!(disconnected.seq, last + 1);
    assert_eq!(disconnected.sender, Sender::System as i32);
    assert_eq!(
        status_change(&disconnected),
        (
            SessionStatus::Active as i32,
            SessionStatus::Disconnected as i32
        )
    );

    // The stream's next refresh: the batch leaves a DISCONNECTED session alone, the locking
    // way ends the disconnect with the agent's own status change.
    let back = next_message(&mut watch).await;
    assert_eq!(back.seq, last + 2);
    assert_eq!(back.sender, Sender::Agent as i32);
    assert_eq!(
        status_change(&back),
        (
            SessionStatus::Disconnected as i32,
            SessionStatus::Active as i32
        )
    );
    let (_, last_seq, status) = stored(&app, &session).await;
    assert_eq!((last_seq, status), (last + 2, StoredStatus::Active as i16));
    assert!(refreshes(&app).await.1 >= 1.0, "it went the locking way");
}
