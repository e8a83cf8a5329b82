//! The live feeds (WatchSession, WatchInbox): replay-then-tail under concurrent writes, slow
//! readers, several servers on one database, a lost LISTEN connection, a killed server, the
//! inbox's cursor, and disconnect detection. Every wait is bounded; no assertion depends on how
//! fast anything is.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use switchboard::proto::dashboard_service_client::DashboardServiceClient;
use switchboard::proto::*;
use tonic::Streaming;

use crate::harness::*;

/// Longest wait for any single item of a stream before the test fails.
pub const ITEM_WAIT: Duration = Duration::from_secs(60);

/// A small xorshift generator; the seed is printed so a failure can be replayed.
pub struct Rng(u64);

impl Rng {
    pub fn new() -> Rng {
        let seed = std::env::var("FEED_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| uuid::Uuid::new_v4().as_u64_pair().0 | 1);
        eprintln!("random seed {seed} (FEED_TEST_SEED={seed} replays it)");
        Rng(seed)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x % n.max(1)
    }
}

pub async fn watch_session(
    dashboard: &mut DashboardClient,
    session_id: &str,
    after_seq: i64,
) -> Streaming<WatchSessionResponse> {
    dashboard
        .watch_session(WatchSessionRequest {
            session_id: session_id.into(),
            after_seq,
        })
        .await
        .expect("watch session")
        .into_inner()
}

pub async fn watch_inbox(
    dashboard: &mut DashboardClient,
    after_cursor: i64,
) -> Streaming<WatchInboxResponse> {
    dashboard
        .watch_inbox(WatchInboxRequest {
            after_cursor,
            ..Default::default()
        })
        .await
        .expect("watch inbox")
        .into_inner()
}

/// The next item of a session watch (message or heartbeat), bounded.
pub async fn next_item(
    stream: &mut Streaming<WatchSessionResponse>,
) -> Result<watch_session_response::Item, tonic::Status> {
    match tokio::time::timeout(ITEM_WAIT, stream.message()).await {
        Err(_) => panic!("no item on the session watch within {ITEM_WAIT:?}"),
        Ok(Err(status)) => Err(status),
        Ok(Ok(None)) => panic!("the session watch ended without an error"),
        Ok(Ok(Some(r))) => Ok(r.item.expect("an item")),
    }
}

/// The next message of a session watch, heartbeats skipped, bounded.
pub async fn next_message(stream: &mut Streaming<WatchSessionResponse>) -> Message {
    let deadline = tokio::time::Instant::now() + ITEM_WAIT;
    loop {
        let item = tokio::time::timeout_at(deadline, next_item(stream))
            .await
            .unwrap_or_else(|_| panic!("no message within {ITEM_WAIT:?} (only heartbeats)"));
        match item {
            Ok(watch_session_response::Item::Message(m)) => return m,
            Ok(watch_session_response::Item::Heartbeat(_)) => continue,
            Err(status) => panic!("session watch failed: {status:?}"),
        }
    }
}

/// Reads until `last` and checks that exactly `after+1 ..= last` arrived, once each, in order.
pub async fn expect_seqs(stream: &mut Streaming<WatchSessionResponse>, after: i64, last: i64) {
    for expected in after + 1..=last {
        let m = next_message(stream).await;
        assert_eq!(
            m.seq, expected,
            "watch from {after}: expected seq {expected}, got {}",
            m.seq
        );
    }
}

/// After the last expected message, the next item is a heartbeat at `high_water`: nothing
/// was duplicated after the end.
pub async fn expect_quiet(stream: &mut Streaming<WatchSessionResponse>, high_water: i64) {
    match next_item(stream).await {
        Ok(watch_session_response::Item::Heartbeat(h)) => assert_eq!(h.high_water, high_water),
        other => panic!("expected a heartbeat at {high_water}, got {other:?}"),
    }
}

/// The next inbox event, heartbeats skipped, bounded.
pub async fn next_event(stream: &mut Streaming<WatchInboxResponse>) -> InboxEvent {
    let deadline = tokio::time::Instant::now() + ITEM_WAIT;
    loop {
        match tokio::time::timeout_at(deadline, stream.message()).await {
            Err(_) => panic!("no inbox event within {ITEM_WAIT:?}"),
            Ok(Err(status)) => panic!("inbox watch failed: {status:?}"),
            Ok(Ok(None)) => panic!("the inbox watch ended"),
            Ok(Ok(Some(r))) => match r.item.expect("an item") {
                watch_inbox_response::Item::Event(e) => return e,
                watch_inbox_response::Item::Heartbeat(_) => continue,
            },
        }
    }
}

/// Logs one step, retrying with the same request id on a transport hiccup.
pub async fn log_step(agent: &mut AgentClient, session_id: &str, text: String) -> i64 {
    let request_id = uuid::Uuid::new_v4().to_string();
    for attempt in 0.. {
        match agent
            .log_step(LogStepRequest {
                session_id: session_id.into(),
                text: text.clone(),
                request_id: request_id.clone(),
            })
            .await
        {
            Ok(r) => return r.into_inner().seq,
            Err(s) if s.code() == tonic::Code::Unavailable && attempt < 20 => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            Err(s) => panic!("log step: {s:?}"),
        }
    }
    unreachable!()
}

pub fn step_text(m: &Message) -> &str {
    match &m.body {
        Some(message::Body::Step(s)) => &s.text,
        other => panic!("expected a step, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_then_tail_has_no_gap_and_no_duplicate_under_concurrent_writes() {
    const N: i64 = 300;
    const WATCHERS: usize = 24;
    let app = TestApp::spawn_with(fast_limits).await;
    let mut user = app.user("seam@example.com").await;
    let session = user.start("seam").await;
    let (progress_tx, progress_rx) = tokio::sync::watch::channel(0i64);
    let mut rng = Rng::new();
    let mut watchers = Vec::new();
    for i in 0..WATCHERS {
        // Where the writer is when this watcher connects, and where it resumes from.
        let connect_at = rng.below(N as u64) as i64;
        let after = match i % 3 {
            0 => 0,
            1 => connect_at,
            _ => rng.below(connect_at as u64 + 1) as i64,
        };
        let mut progress = progress_rx.clone();
        let mut dashboard = app.dashboard_with_token(&user.access_token).await;
        let session = session.clone();
        watchers.push(tokio::spawn(async move {
            progress.wait_for(|p| *p >= connect_at).await.unwrap();
            let mut stream = watch_session(&mut dashboard, &session, after).await;
            expect_seqs(&mut stream, after, N).await;
            expect_quiet(&mut stream, N).await;
        }));
    }
    let mut agent = user.agent.clone();
    for i in 1..=N {
        let seq = log_step(&mut agent, &session, format!("step {i}")).await;
        assert_eq!(seq, i);
        progress_tx.send_replace(seq);
        if i % 7 == 0 {
            tokio::task::yield_now().await;
        }
    }
    for w in watchers {
        w.await.expect("watcher saw every message once, in order");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_watcher_gets_every_message_in_order_while_thousands_are_written() {
    const WRITERS: i64 = 4;
    const PER_WRITER: i64 = 1_250;
    const TOTAL: i64 = WRITERS * PER_WRITER;
    let app = TestApp::spawn_with(fast_limits).await;
    let user = app.user("slow@example.com").await;
    let mut agent = user.agent.clone();
    let session = agent
        .start_session(StartSessionRequest {
            agent_name: "firehose".into(),
            request_id: uuid::Uuid::new_v4().to_string(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap()
        .id;
    let writing = Arc::new(AtomicBool::new(true));

    // The slow one sleeps on every message while the writers run, so it falls thousands of
    // messages behind: with 2 KB messages HTTP/2 flow control stops its server side long before
    // that, so the server reads far behind the hub's cache (from the store). Once the writers
    // are done it drains the rest at full speed.
    let slow = {
        let mut dashboard = app.dashboard_with_token(&user.access_token).await;
        let session = session.clone();
        let writing = writing.clone();
        tokio::spawn(async move {
            let mut stream = watch_session(&mut dashboard, &session, 0).await;
            let mut max_lag_sleeps = 0u64;
            for expected in 1..=TOTAL {
                let m = next_message(&mut stream).await;
                assert_eq!(m.seq, expected, "slow watcher: gap or duplicate");
                if writing.load(Ordering::Relaxed) {
                    max_lag_sleeps += 1;
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
            }
            expect_quiet(&mut stream, TOTAL).await;
            max_lag_sleeps
        })
    };
    // A fast one on the same session, to share the hub's cache with the slow one.
    let fast = {
        let mut dashboard = app.dashboard_with_token(&user.access_token).await;
        let session = session.clone();
        tokio::spawn(async move {
            let mut stream = watch_session(&mut dashboard, &session, 0).await;
            expect_seqs(&mut stream, 0, TOTAL).await;
        })
    };

    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let mut agent = app.agent_with_key(&user.api_key).await;
        let session = session.clone();
        writers.push(tokio::spawn(async move {
            let mut seqs = Vec::with_capacity(PER_WRITER as usize);
            for i in 0..PER_WRITER {
                let text = format!("writer {w} step {i} {}", "x".repeat(2_000));
                seqs.push(log_step(&mut agent, &session, text).await);
            }
            seqs
        }));
    }
    let mut written = HashSet::new();
    for w in writers {
        for seq in w.await.unwrap() {
            assert!(written.insert(seq), "seq {seq} handed out twice");
        }
    }
    writing.store(false, Ordering::Relaxed);
    assert_eq!(written.len() as i64, TOTAL);
    assert_eq!(written.iter().max(), Some(&TOTAL));
    fast.await.expect("fast watcher saw everything");
    let slept = slow.await.expect("slow watcher saw everything");
    eprintln!("slow watcher slept on {slept} of {TOTAL} messages while the writers ran");
}

/// A watcher that resumes far ahead of what the hub has cached (because another watcher of the
/// same session is stuck on HTTP/2 flow control) is served at once, not after heartbeat
/// periods of idling.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_far_ahead_of_a_stalled_watcher_is_served_without_idling() {
    const N: i64 = 1_300;
    const RESUME: i64 = 1_150;
    let app = TestApp::spawn_with(fast_limits).await;
    let mut user = app.user("ahead@example.com").await;
    let session = user.start("ahead").await;
    for i in 1..=10 {
        log_step(&mut user.agent, &session, format!("early {i}")).await;
    }
    // The stalled watcher fills the hub's cache with 1..10, then stops reading. With 8 KB
    // messages its server side soon blocks on flow control (a 2 MB window holds about 250 of
    // them), holding a batch that ends at 510: the hub's cache stays there too.
    let mut stalled_dash = app.dashboard_with_token(&user.access_token).await;
    let mut stalled = watch_session(&mut stalled_dash, &session, 0).await;
    expect_seqs(&mut stalled, 0, 10).await;
    let big = "x".repeat(8_000);
    let mut writers = Vec::new();
    for w in 0..4 {
        let mut agent = app.agent_with_key(&user.api_key).await;
        let (session, big) = (session.clone(), big.clone());
        writers.push(tokio::spawn(async move {
            for i in (11 + w..=N).step_by(4) {
                log_step(&mut agent, &session, format!("{i} {big}")).await;
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    // Every message up to N is committed and known, so a heartbeat (sent only after a period
    // with nothing to send) before N means the feed idled while behind.
    let mut dashboard = app.dashboard_with_token(&user.access_token).await;
    let mut stream = watch_session(&mut dashboard, &session, RESUME).await;
    for expected in RESUME + 1..=N {
        match next_item(&mut stream).await {
            Ok(watch_session_response::Item::Message(m)) => assert_eq!(m.seq, expected),
            other => panic!("expected seq {expected}, got {other:?} (the feed idled while behind)"),
        }
    }
    expect_quiet(&mut stream, N).await;
    // The stalled one still gets everything once it reads again.
    expect_seqs(&mut stalled, 10, N).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_session_ends_its_watchers_with_not_found() {
    let app = TestApp::spawn().await;
    let mut user = app.user("deleted-feed@example.com").await;
    let session = user.start("doomed").await;
    for i in 0..5 {
        user.step(&session, &format!("step {i}")).await;
    }
    // One watcher caught up and waiting, one on another server.
    let mut caught_up = watch_session(&mut user.dashboard, &session, 0).await;
    expect_seqs(&mut caught_up, 0, 5).await;
    let replica = app.replica().await;
    let mut other = DashboardServiceClient::with_interceptor(
        channel_to(replica.addr).await,
        Bearer::new(&user.access_token),
    );
    let mut on_replica = watch_session(&mut other, &session, 5).await;
    user.dashboard
        .delete_session(DeleteSessionRequest {
            session_id: session.clone(),
        })
        .await
        .unwrap();
    for stream in [&mut caught_up, &mut on_replica] {
        loop {
            match next_item(stream).await {
                Ok(watch_session_response::Item::Heartbeat(_)) => continue,
                Ok(other) => panic!("unexpected item after the delete: {other:?}"),
                Err(status) => {
                    assert_eq!(status.code(), tonic::Code::NotFound, "{status:?}");
                    break;
                }
            }
        }
    }
    // A new watch is refused.
    let r = user
        .dashboard
        .watch_session(WatchSessionRequest {
            session_id: session.clone(),
            after_seq: 0,
        })
        .await;
    assert_eq!(code(r), tonic::Code::NotFound);
    replica.shutdown().await.ok();
}

/// The agent's subscription filters out the agent's own steps; a session busy with steps is
/// still silence for the subscriber, so heartbeats keep coming (a client that watches for
/// them must not think the stream is dead).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_gets_heartbeats_while_only_filtered_messages_are_written() {
    const STEPS: i64 = 200;
    let app = TestApp::spawn_with(fast_limits).await;
    let mut user = app.user("busy-sub@example.com").await;
    let session = user.start("busy").await;
    let mut subscription = user
        .agent
        .subscribe(SubscribeRequest {
            session_id: session.clone(),
            after_seq: 0,
        })
        .await
        .unwrap()
        .into_inner();
    // Steps every 50 ms (ten per 500 ms heartbeat period of the test server) until a
    // heartbeat arrives or STEPS are written.
    let (done_tx, mut done_rx) = tokio::sync::oneshot::channel::<()>();
    let mut writer = {
        let mut agent = user.agent.clone();
        let session = session.clone();
        tokio::spawn(async move {
            for i in 1..=STEPS {
                log_step(&mut agent, &session, format!("busy {i}")).await;
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(50)) => {}
                    _ = &mut done_rx => return i,
                }
            }
            STEPS
        })
    };
    // The first item must be a heartbeat: the agent's own steps never reach it.
    let next = tokio::select! {
        next = subscription.message() => next,
        written = &mut writer => panic!(
            "no heartbeat while {} filtered steps were written, 50 ms apart",
            written.unwrap()
        ),
    };
    let h = match next.expect("subscription").expect("open").item {
        Some(subscribe_response::Item::Heartbeat(h)) => h,
        other => panic!("expected a heartbeat, got {other:?}"),
    };
    let _ = done_tx.send(());
    writer.await.unwrap();
    assert!(h.high_water >= 1);
}

/// A deleted session's id never comes back: starting under it is NOT_FOUND (ids are minted by
/// the server), and its watchers, even one stuck on flow control, get nothing from anyone else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_sessions_id_cannot_be_started_again() {
    let app = TestApp::spawn_with(fast_limits).await;
    let mut user = app.user("reborn@example.com").await;
    let id = user.start("phoenix").await;
    let start = |agent: &mut AgentClient| {
        let id = id.clone();
        let mut agent = agent.clone();
        async move {
            agent
                .start_session(StartSessionRequest {
                    session_id: id,
                    agent_name: "phoenix".into(),
                    request_id: uuid::Uuid::new_v4().to_string(),
                    ..Default::default()
                })
                .await
        }
    };
    log_step(&mut user.agent, &id, "old 1".into()).await;
    // A watcher that reads one message, then stops reading while big messages pile up: its
    // server side blocks on flow control and keeps the session's feed channel alive.
    let mut stuck_dash = app.dashboard_with_token(&user.access_token).await;
    let mut stuck = watch_session(&mut stuck_dash, &id, 0).await;
    assert_eq!(next_message(&mut stuck).await.seq, 1);
    let big = "o".repeat(8_000);
    for i in 2..=400 {
        log_step(&mut user.agent, &id, format!("old {i} {big}")).await;
    }
    user.dashboard
        .delete_session(DeleteSessionRequest {
            session_id: id.clone(),
        })
        .await
        .unwrap();
    let again = start(&mut user.agent).await.unwrap_err();
    assert_eq!(again.code(), tonic::Code::NotFound, "{again:?}");
    let mut dash = app.dashboard_with_token(&user.access_token).await;
    let fresh = dash
        .watch_session(WatchSessionRequest {
            session_id: id.clone(),
            after_seq: 0,
        })
        .await;
    assert_eq!(code(fresh), tonic::Code::NotFound);
    drop(stuck);
}
