//! The live feeds (WatchSession, WatchInbox): replay-then-tail under concurrent writes, slow
//! readers, several servers on one database, a lost LISTEN connection, a killed server, the
//! inbox's cursor, and disconnect detection. Every wait is bounded; no assertion depends on how
//! fast anything is.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use switchboard::domain::{AgentCaller, ApiKeyId, SessionId, UserId};
use switchboard::proto::dashboard_service_client::DashboardServiceClient;
use switchboard::proto::*;
use tokio::io::AsyncBufReadExt;
use tonic::Streaming;

use crate::harness::*;

/// Longest wait for any single item of a stream before the test fails.
const ITEM_WAIT: Duration = Duration::from_secs(60);

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
        .watch_inbox(WatchInboxRequest { after_cursor })
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

fn step_text(m: &Message) -> &str {
    match &m.body {
        Some(message::Body::Step(s)) => &s.text,
        other => panic!("expected a step, got {other:?}"),
    }
}

fn fast_limits(s: &mut switchboard::config::Settings) {
    s.limits.agent_calls_per_second = 1_000_000;
    s.limits.agent_calls_burst = 1_000_000;
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

/// The pids of this database's LISTEN connections.
async fn listen_pids(app: &TestApp) -> HashSet<i32> {
    let pids: Vec<i32> = sqlx::query_scalar(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query ILIKE 'LISTEN%'",
    )
    .bind(&app.database)
    .fetch_all(app.store.pool())
    .await
    .unwrap();
    pids.into_iter().collect()
}

/// Terminates the LISTEN connections in `pids` and waits until the replica listens again on a
/// new connection.
async fn kill_listeners(app: &TestApp, first_pids: &HashSet<i32>, killed: &mut HashSet<i32>) {
    let current = &listen_pids(app).await - first_pids;
    assert!(!current.is_empty(), "the replica has a LISTEN connection");
    for pid in &current {
        let done: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
            .bind(pid)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
        assert!(done, "terminated LISTEN backend {pid}");
        killed.insert(*pid);
    }
}

async fn wait_listening_again(app: &TestApp, first_pids: &HashSet<i32>, killed: &HashSet<i32>) {
    eventually("the replica listens again", || async {
        let now = &listen_pids(app).await - first_pids;
        !now.is_empty() && now.is_disjoint(killed)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_database_survive_a_lost_listen_connection() {
    const N: i64 = 600;
    const LONE_KILLS: i64 = 5;
    let app = TestApp::spawn_with(fast_limits).await;
    let mut user = app.user("replica@example.com").await;
    let session = user.start("replicated").await;
    eventually("the first server listens", || async {
        !listen_pids(&app).await.is_empty()
    })
    .await;
    let first_pids = listen_pids(&app).await;
    let replica = app.replica().await;
    let mut replica_pids = HashSet::new();
    for _ in 0..300 {
        replica_pids = &listen_pids(&app).await - &first_pids;
        if !replica_pids.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!replica_pids.is_empty(), "the replica listens");
    // What the query text of a LISTEN connection looks like (for the record).
    let text: String = sqlx::query_scalar("SELECT query FROM pg_stat_activity WHERE pid = $1")
        .bind(*replica_pids.iter().next().unwrap())
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert!(text.to_uppercase().starts_with("LISTEN"), "{text}");

    let mut dashboard = DashboardServiceClient::with_interceptor(
        channel_to(replica.addr).await,
        Bearer::new(&user.access_token),
    );
    let mut stream = watch_session(&mut dashboard, &session, 0).await;
    let mut inbox = watch_inbox(&mut dashboard, 0).await;
    assert_eq!(next_event(&mut inbox).await.cursor, 1);
    // Live through the other server.
    let seq = log_step(&mut user.agent, &session, "hello".into()).await;
    assert_eq!(seq, 1);
    let m = next_message(&mut stream).await;
    assert_eq!((m.seq, step_text(&m)), (1, "hello"));

    // The reader reports how far it got.
    let total = N + LONE_KILLS;
    let (seen_tx, mut seen_rx) = tokio::sync::watch::channel(1i64);
    let reader = tokio::spawn(async move {
        for expected in 2..=total {
            let m = next_message(&mut stream).await;
            assert_eq!(m.seq, expected, "replica watcher: gap or duplicate");
            seen_tx.send_replace(m.seq);
        }
        expect_quiet(&mut stream, total).await;
    });
    let mut killed = HashSet::new();

    // A lone write right after the LISTEN connection dies: no later notification covers for
    // it if it lands before the listener is back, only the resync after reconnecting does.
    let mut agent = user.agent.clone();
    let mut next = 2;
    for _ in 0..LONE_KILLS {
        kill_listeners(&app, &first_pids, &mut killed).await;
        assert_eq!(log_step(&mut agent, &session, "lone".into()).await, next);
        seen_rx.wait_for(|s| *s >= next).await.unwrap();
        wait_listening_again(&app, &first_pids, &killed).await;
        next += 1;
    }
    // The same for an inbox event: a question on another session.
    let other = user.start("replicated").await;
    assert_eq!(next_event(&mut inbox).await.cursor, 2);
    kill_listeners(&app, &first_pids, &mut killed).await;
    user.ask(&other, "Seen on the replica?", &[]).await;
    for cursor in [3, 4] {
        assert_eq!(next_event(&mut inbox).await.cursor, cursor);
    }
    wait_listening_again(&app, &first_pids, &killed).await;

    // And while a stream of writes goes on.
    let (progress_tx, mut progress_rx) = tokio::sync::watch::channel(next - 1);
    let writer = {
        let session = session.clone();
        tokio::spawn(async move {
            for i in next..=total {
                let seq = log_step(&mut agent, &session, format!("step {i}")).await;
                assert_eq!(seq, i);
                progress_tx.send_replace(seq);
            }
        })
    };
    for at in [total / 3, 2 * total / 3] {
        progress_rx.wait_for(|p| *p >= at).await.unwrap();
        kill_listeners(&app, &first_pids, &mut killed).await;
        wait_listening_again(&app, &first_pids, &killed).await;
    }
    writer.await.expect("writer");
    reader
        .await
        .expect("the replica's watcher saw every message once, in order");
    replica.shutdown().await.ok();
}

/// A server that commits and dies before its batched NOTIFY goes out leaves no hint anywhere:
/// every server's periodic resync still delivers the write, once, in order.
#[tokio::test]
async fn a_write_whose_hint_never_went_out_still_reaches_every_watcher() {
    let resync_fast = |s: &mut switchboard::config::Settings| s.feed.resync_interval_ms = 200;
    let app = TestApp::spawn_with(resync_fast).await;
    let mut user = app.user("unhinted@example.com").await;
    let session = user.start("unhinted").await;
    let replica = app.replica_with(resync_fast).await;
    let mut on_replica = DashboardServiceClient::with_interceptor(
        channel_to(replica.addr).await,
        Bearer::new(&user.access_token),
    );
    let mut here = watch_session(&mut user.dashboard, &session, 0).await;
    let mut there = watch_session(&mut on_replica, &session, 0).await;
    // A heartbeat at 0 on each: both streams have read the store and now wait for hints.
    expect_quiet(&mut here, 0).await;
    expect_quiet(&mut there, 0).await;

    // The test's own store has no hint sink: its commits are those of a server that died
    // right after committing.
    let caller = AgentCaller {
        user_id: UserId(user.user_id.parse().unwrap()),
        api_key_id: ApiKeyId(user.api_key_id.parse().unwrap()),
    };
    let step = app
        .store
        .log_step(
            caller,
            SessionId(session.parse().unwrap()),
            "unhinted".into(),
            "unhinted-1",
        )
        .await
        .expect("the step commits");
    assert_eq!(step.seq, 1);
    for stream in [&mut here, &mut there] {
        let m = next_message(stream).await;
        assert_eq!((m.seq, step_text(&m)), (1, "unhinted"));
    }
    // Hinted writes go on as before, with no duplicate at the seam.
    assert_eq!(
        log_step(&mut user.agent, &session, "hinted".into()).await,
        2
    );
    for stream in [&mut here, &mut there] {
        let m = next_message(stream).await;
        assert_eq!((m.seq, step_text(&m)), (2, "hinted"));
        expect_quiet(stream, 2).await;
    }
    replica.shutdown().await.ok();
}

/// The real binary, serving on a free port against `database_url`.
struct Binary {
    child: tokio::process::Child,
    addr: std::net::SocketAddr,
    _data_dir: tempfile::TempDir,
}

async fn spawn_binary(database_url: &str) -> Binary {
    let data_dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("serve")
        .env("SWITCHBOARD__DATABASE_URL", database_url)
        .env("SWITCHBOARD__LISTEN", "127.0.0.1:0")
        .env("SWITCHBOARD__AUTH__JWT_SECRET", JWT_SECRET)
        .env("SWITCHBOARD__DATA_DIR", data_dir.path())
        .env("SWITCHBOARD__WEB_DIR", "/nonexistent")
        .env("SWITCHBOARD__FEED__HEARTBEAT_MS", "500")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("switchboard binary starts");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("the binary prints its address")
        .unwrap()
        .expect("a first line");
    let addr = first
        .strip_prefix("switchboard listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .parse()
        .unwrap();
    // Keep draining stdout so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Binary {
        child,
        addr,
        _data_dir: data_dir,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watcher_resumes_on_a_restarted_server_after_a_kill() {
    const N: i64 = 600;
    let app = TestApp::spawn_with(fast_limits).await;
    let mut user = app.user("restart@example.com").await;
    let session = user.start("restarted").await;
    let mut first = spawn_binary(&app.database_url()).await;

    // Inbox events go on too: a new session every 100 steps (cursor 1 is the first start).
    const INBOX_EVENTS: i64 = 1 + N / 100;
    let (progress_tx, mut progress_rx) = tokio::sync::watch::channel(0i64);
    let writer = {
        let mut agent = user.agent.clone();
        let session = session.clone();
        tokio::spawn(async move {
            for i in 1..=N {
                let seq = log_step(&mut agent, &session, format!("step {i}")).await;
                assert_eq!(seq, i);
                progress_tx.send_replace(seq);
                if i % 100 == 0 {
                    agent
                        .start_session(StartSessionRequest {
                            agent_name: "restarted".into(),
                            request_id: uuid::Uuid::new_v4().to_string(),
                            ..Default::default()
                        })
                        .await
                        .unwrap();
                }
                if i % 50 == 0 {
                    // Give the watcher time to be mid-stream when the server dies.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        })
    };

    let mut dashboard = DashboardServiceClient::with_interceptor(
        channel_to(first.addr).await,
        Bearer::new(&user.access_token),
    );
    let mut stream = watch_session(&mut dashboard, &session, 0).await;
    // The inbox watcher on the same server reads until the stream breaks.
    let mut inbox = watch_inbox(&mut dashboard, 0).await;
    let inbox_reader = tokio::spawn(async move {
        let mut last = 0;
        loop {
            match tokio::time::timeout(ITEM_WAIT, inbox.message()).await {
                Err(_) => panic!("the inbox of a killed server neither ended nor failed"),
                Ok(Ok(Some(WatchInboxResponse {
                    item: Some(watch_inbox_response::Item::Event(e)),
                }))) => {
                    assert_eq!(e.cursor, last + 1, "inbox: gap or duplicate");
                    last = e.cursor;
                }
                Ok(Ok(Some(_))) => {}
                Ok(Ok(None)) | Ok(Err(_)) => return last,
            }
        }
    });
    let mut last = 0;
    progress_rx.wait_for(|p| *p >= N / 3).await.unwrap();
    // Read some, then kill the server under the stream.
    while last < N / 4 {
        let m = next_message(&mut stream).await;
        assert_eq!(m.seq, last + 1);
        last = m.seq;
    }
    first.child.kill().await.expect("SIGKILL");
    // What was already in flight may still arrive; then the stream fails.
    loop {
        match tokio::time::timeout(ITEM_WAIT, stream.message()).await {
            Err(_) => panic!("the stream of a killed server neither ended nor failed"),
            Ok(Ok(Some(WatchSessionResponse {
                item: Some(watch_session_response::Item::Message(m)),
            }))) => {
                assert_eq!(m.seq, last + 1);
                last = m.seq;
            }
            Ok(Ok(Some(_))) => {}
            Ok(Ok(None)) | Ok(Err(_)) => break,
        }
    }
    let second = spawn_binary(&app.database_url()).await;
    let mut dashboard = DashboardServiceClient::with_interceptor(
        channel_to(second.addr).await,
        Bearer::new(&user.access_token),
    );
    let mut stream = watch_session(&mut dashboard, &session, last).await;
    let inbox_last = inbox_reader.await.expect("inbox before the kill");
    let mut inbox = watch_inbox(&mut dashboard, inbox_last).await;
    expect_seqs(&mut stream, last, N).await;
    writer.await.expect("writer");
    expect_quiet(&mut stream, N).await;
    for cursor in inbox_last + 1..=INBOX_EVENTS {
        assert_eq!(next_event(&mut inbox).await.cursor, cursor);
    }
    eprintln!("inbox resumed after cursor {inbox_last} of {INBOX_EVENTS}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_shutdown_ends_a_watch_with_unavailable() {
    let mut app = TestApp::spawn().await;
    let mut user = app.user("shutdown@example.com").await;
    let session = user.start("shutdown").await;
    user.step(&session, "one").await;
    let mut stream = watch_session(&mut user.dashboard, &session, 0).await;
    assert_eq!(next_message(&mut stream).await.seq, 1);
    let mut inbox = watch_inbox(&mut user.dashboard, 0).await;
    assert_eq!(next_event(&mut inbox).await.cursor, 1);
    let server = app.server.take().unwrap();
    let shutdown = tokio::spawn(server.shutdown());
    loop {
        match next_item(&mut stream).await {
            Ok(_) => continue,
            Err(status) => {
                assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");
                break;
            }
        }
    }
    loop {
        match tokio::time::timeout(ITEM_WAIT, inbox.message()).await {
            Err(_) => panic!("inbox watch did not end"),
            Ok(Ok(Some(_))) => continue,
            Ok(Ok(None)) => panic!("the inbox watch ended OK instead of UNAVAILABLE"),
            Ok(Err(status)) => {
                assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");
                break;
            }
        }
    }
    let _ = tokio::time::timeout(ITEM_WAIT, shutdown).await;
}

fn kind(e: &InboxEvent) -> InboxEventKind {
    InboxEventKind::try_from(e.kind).unwrap()
}

fn status_of(e: &InboxEvent) -> SessionStatus {
    SessionStatus::try_from(e.status).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_reports_each_kind_in_cursor_order_and_resumes_from_a_cursor() {
    use InboxEventKind as K;
    use SessionStatus as S;
    let app = TestApp::spawn().await;
    let mut user = app.user("inbox@example.com").await;
    // Watching live from the start.
    let mut live_dash = app.dashboard_with_token(&user.access_token).await;
    let mut live = watch_inbox(&mut live_dash, 0).await;

    let session = user.start("inbox-agent").await;
    user.step(&session, "working").await;
    let question = user.ask(&session, "Ship it?", &["yes", "no"]).await;
    let answer = user
        .dashboard
        .answer_question(AnswerQuestionRequest {
            session_id: session.clone(),
            question_id: question.id.clone(),
            option_ids: vec!["yes".into()],
            text: String::new(),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    user.dashboard
        .rename_session(RenameSessionRequest {
            session_id: session.clone(),
            name: "renamed".into(),
        })
        .await
        .unwrap();
    user.agent
        .end_session(EndSessionRequest {
            session_id: session.clone(),
            outcome: SessionOutcome::Completed as i32,
            summary: "done".into(),
            request_id: uuid::Uuid::new_v4().to_string(),
        })
        .await
        .unwrap();

    let expected = [
        (K::SessionStarted, S::Active),
        (K::StatusChanged, S::AwaitingInput),
        (K::QuestionAsked, S::AwaitingInput),
        (K::StatusChanged, S::Active),
        (K::QuestionAnswered, S::Active),
        (K::SessionRenamed, S::Active),
        (K::SessionEnded, S::Completed),
    ];
    let mut events = Vec::new();
    for (i, (k, s)) in expected.iter().enumerate() {
        let e = next_event(&mut live).await;
        assert_eq!(e.cursor, i as i64 + 1, "gapless cursor: {e:?}");
        assert_eq!((kind(&e), status_of(&e)), (*k, *s), "{e:?}");
        assert_eq!(e.session_id, session);
        assert_eq!(e.agent_name, "inbox-agent");
        assert!(!e.agent_id.is_empty());
        assert!(e.create_time.is_some());
        events.push(e);
    }
    assert_eq!(events[0].seq, 0, "SESSION_STARTED has no message");
    let asked = &events[2];
    assert_eq!(asked.question_id, question.id);
    assert_eq!(asked.question_text, "Ship it?");
    assert_eq!(asked.open_question_count, 1);
    assert!(asked.seq > 1);
    let answered = &events[4];
    assert_eq!(answered.question_id, question.id);
    assert_eq!(answered.seq, answer.seq);
    assert_eq!(answered.open_question_count, 0);
    assert_eq!(events[5].session_name, "renamed");
    assert_eq!(events[5].seq, 0);
    assert_eq!(events[6].session_name, "renamed");
    assert!(events[6].seq > answer.seq);

    // Resume from every cursor: exactly what follows it.
    for after in 0..events.len() as i64 {
        let mut dash = app.dashboard_with_token(&user.access_token).await;
        let mut resumed = watch_inbox(&mut dash, after).await;
        for e in &events[after as usize..] {
            let got = next_event(&mut resumed).await;
            assert_eq!(got.cursor, e.cursor);
            assert_eq!(got.kind, e.kind);
        }
        // Then a heartbeat at the high-water cursor, not a duplicate.
        let item = tokio::time::timeout(ITEM_WAIT, resumed.message())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        match item.item {
            Some(watch_inbox_response::Item::Heartbeat(h)) => {
                assert_eq!(h.high_water, events.len() as i64)
            }
            other => panic!("expected a heartbeat, got {other:?}"),
        }
    }

    // Tail after a resume: a new session shows up live on a resumed watch.
    let mut dash = app.dashboard_with_token(&user.access_token).await;
    let mut resumed = watch_inbox(&mut dash, events.len() as i64).await;
    let second = user.start("inbox-agent").await;
    let e = next_event(&mut resumed).await;
    assert_eq!(
        (e.cursor, kind(&e), e.session_id.as_str()),
        (8, K::SessionStarted, second.as_str())
    );
    let e = next_event(&mut live).await;
    assert_eq!(e.cursor, 8);

    // Deleting a session is an inbox event too (the deleted session's own id).
    user.dashboard
        .delete_session(DeleteSessionRequest {
            session_id: second.clone(),
        })
        .await
        .unwrap();
    let e = next_event(&mut resumed).await;
    assert_eq!(
        (e.cursor, kind(&e), e.session_id.as_str(), e.seq),
        (9, K::SessionDeleted, second.as_str(), 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_stays_ordered_and_gapless_under_concurrent_sessions() {
    const SESSIONS: usize = 6;
    const QUESTIONS: usize = 5;
    let app = TestApp::spawn_with(fast_limits).await;
    // Per session: started, then per question 4 events (status, asked, status, answered).
    const TOTAL: i64 = (SESSIONS * (1 + QUESTIONS * 4)) as i64;
    let user = app.user("busy-inbox@example.com").await;
    let mut dash = app.dashboard_with_token(&user.access_token).await;
    let mut live = watch_inbox(&mut dash, 0).await;
    // The live watcher reads as the events come and says how far it got ...
    let (progress_tx, progress_rx) = tokio::sync::watch::channel(0i64);
    let live_reader = tokio::spawn(async move {
        let mut per_session: std::collections::HashMap<String, Vec<InboxEventKind>> =
            Default::default();
        for expected in 1..=TOTAL {
            let e = next_event(&mut live).await;
            assert_eq!(e.cursor, expected, "gapless, in order");
            per_session
                .entry(e.session_id.clone())
                .or_default()
                .push(kind(&e));
            progress_tx.send_replace(e.cursor);
        }
        per_session
    });
    // ... and others join at random points, resuming from a random earlier cursor.
    let mut rng = Rng::new();
    let mut joiners = Vec::new();
    for i in 0..6 {
        let connect_at = rng.below(TOTAL as u64) as i64;
        let after = if i % 2 == 0 {
            connect_at
        } else {
            rng.below(connect_at as u64 + 1) as i64
        };
        let mut progress = progress_rx.clone();
        let mut dash = app.dashboard_with_token(&user.access_token).await;
        joiners.push(tokio::spawn(async move {
            progress.wait_for(|p| *p >= connect_at).await.unwrap();
            let mut inbox = watch_inbox(&mut dash, after).await;
            for expected in after + 1..=TOTAL {
                let e = next_event(&mut inbox).await;
                assert_eq!(
                    e.cursor, expected,
                    "resumed after {after}: gap or duplicate"
                );
            }
        }));
    }
    let mut tasks = Vec::new();
    for i in 0..SESSIONS {
        let mut agent = app.agent_with_key(&user.api_key).await;
        let mut dashboard = app.dashboard_with_token(&user.access_token).await;
        tasks.push(tokio::spawn(async move {
            let session = agent
                .start_session(StartSessionRequest {
                    agent_name: format!("busy-{}", i % 2),
                    request_id: uuid::Uuid::new_v4().to_string(),
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner()
                .session
                .unwrap()
                .id;
            for q in 0..QUESTIONS {
                let question = agent
                    .ask_question(AskQuestionRequest {
                        session_id: session.clone(),
                        text: format!("question {q}"),
                        request_id: uuid::Uuid::new_v4().to_string(),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner()
                    .question
                    .unwrap();
                dashboard
                    .answer_question(AnswerQuestionRequest {
                        session_id: session.clone(),
                        question_id: question.id,
                        option_ids: vec![],
                        text: "ok".into(),
                        request_id: String::new(),
                    })
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let per_session = live_reader.await.expect("live inbox watcher");
    for j in joiners {
        j.await
            .expect("a resumed inbox watcher saw every later event once, in order");
    }
    assert_eq!(per_session.len(), SESSIONS);
    for kinds in per_session.values() {
        assert_eq!(kinds[0], InboxEventKind::SessionStarted);
        for chunk in kinds[1..].chunks(4) {
            assert_eq!(
                chunk,
                [
                    InboxEventKind::StatusChanged,
                    InboxEventKind::QuestionAsked,
                    InboxEventKind::StatusChanged,
                    InboxEventKind::QuestionAnswered
                ]
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_agent_is_disconnected_then_back_on_its_next_step() {
    use SessionStatus as S;
    let app = TestApp::spawn_with(|s| s.sessions.disconnect_after_secs = 1).await;
    let mut user = app.user("silent@example.com").await;
    let mut dash = app.dashboard_with_token(&user.access_token).await;
    let mut inbox = watch_inbox(&mut dash, 0).await;
    let session = user.start("quiet").await;
    user.step(&session, "then silence").await;
    let mut stream = watch_session(&mut user.dashboard, &session, 0).await;

    // Silence: the sweeper marks it DISCONNECTED (a SYSTEM status change) and nothing follows
    // it. (On a very slow machine the gap between start and step could already count as
    // silence: then the latest DISCONNECTED is the one that matters.)
    let mut expected_seq = 1;
    let disconnected_at = loop {
        let m = next_message(&mut stream).await;
        assert_eq!(m.seq, expected_seq);
        expected_seq += 1;
        let Some(message::Body::StatusChange(c)) = &m.body else {
            continue;
        };
        if c.to_status != S::Disconnected as i32 {
            continue;
        }
        assert_eq!(m.sender, Sender::System as i32);
        assert_eq!(c.from_status, S::Active as i32);
        assert!(!c.reason.is_empty());
        let now = user
            .dashboard
            .get_session(GetSessionRequest {
                session_id: session.clone(),
            })
            .await
            .unwrap()
            .into_inner()
            .session
            .unwrap();
        if now.last_seq == m.seq {
            assert_eq!(now.status, S::Disconnected as i32);
            break m.seq;
        }
    };
    loop {
        let e = next_event(&mut inbox).await;
        if e.seq == disconnected_at {
            assert_eq!(
                (kind(&e), status_of(&e)),
                (InboxEventKind::StatusChanged, S::Disconnected)
            );
            break;
        }
    }

    // The next step brings it back: a status change to ACTIVE, then the step.
    let back = user.step(&session, "I am back").await;
    assert_eq!(back.status, S::Active as i32);
    assert_eq!(back.seq, disconnected_at + 2);
    let m = next_message(&mut stream).await;
    assert_eq!(m.seq, disconnected_at + 1);
    match &m.body {
        Some(message::Body::StatusChange(c)) => {
            assert_eq!(
                (c.from_status, c.to_status),
                (S::Disconnected as i32, S::Active as i32)
            );
        }
        other => panic!("expected a status change, got {other:?}"),
    }
    let m = next_message(&mut stream).await;
    assert_eq!((m.seq, step_text(&m)), (back.seq, "I am back"));
    let e = next_event(&mut inbox).await;
    assert_eq!(
        (kind(&e), status_of(&e), e.seq),
        (
            InboxEventKind::StatusChanged,
            S::Active,
            disconnected_at + 1
        )
    );
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
