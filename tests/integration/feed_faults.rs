//! Live feeds under faults: several servers on one database, a lost LISTEN connection, a write
//! whose hint never went out, a killed and restarted server, a shutdown.

use std::collections::HashSet;
use std::time::Duration;

use switchboard::domain::{AgentCaller, ApiKeyId, SessionId, UserId};
use switchboard::proto::dashboard_service_client::DashboardServiceClient;
use switchboard::proto::*;

use crate::feeds::*;
use crate::harness::*;

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
        project_id: switchboard::domain::ProjectId(user.user_id.parse().unwrap()),
        session_id: None,
        key_confirmed: true,
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
