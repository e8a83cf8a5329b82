//! Group commit of steps (issue 18): many agents' steps written in one statement, each caller
//! answered with its own seq, nothing lost, duplicated or out of order; a step that cannot take
//! the batch (unread messages) still works; and a revoked key is refused on the very next step
//! although the auth layer takes LogStep's key from its cache.

use std::time::Instant;

use switchboard::proto::agent_service_client::AgentServiceClient;
use switchboard::proto::*;
use tonic::Code;

use crate::agent_loop::{all_messages, user_texts};
use crate::harness::*;

/// 16 sessions, each with 3 agents' worth of concurrent steps (and one retried request id per
/// session racing its original): every session's seqs are 1..n with no gap, every step is
/// stored once, in the order each caller's own steps were answered, and each caller got back
/// the seq its step is stored at.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_steps_of_many_sessions_are_each_stored_once_without_gaps() {
    const SESSIONS: usize = 16;
    const WRITERS: usize = 3;
    const STEPS: usize = 15;
    // 768 steps on one key: as fast as they go, not as fast as the per-key limit allows.
    let app = TestApp::spawn_with(fast_limits).await;
    let mut erin = app.user("erin@example.com").await;
    let mut sessions = Vec::new();
    for i in 0..SESSIONS {
        sessions.push(erin.start(&format!("agent-{i}")).await);
    }
    let mut tasks = tokio::task::JoinSet::new();
    for session in &sessions {
        for w in 0..WRITERS {
            let mut agent = app.agent_with_key(&erin.api_key).await;
            let session = session.clone();
            tasks.spawn(async move {
                let mut answered = Vec::new();
                for s in 0..STEPS {
                    let text = format!("w{w} s{s}");
                    let r = agent
                        .log_step(LogStepRequest {
                            session_id: session.clone(),
                            text: text.clone(),
                            request_id: rid(),
                        })
                        .await
                        .expect("log step")
                        .into_inner();
                    answered.push((r.seq, text));
                }
                // The same request id twice at once: one row, one seq for both.
                let retried = format!("retry-{session}-{w}");
                let twice = [retried.clone(), retried].map(|request_id| {
                    let mut agent = agent.clone();
                    let session = session.clone();
                    async move {
                        agent
                            .log_step(LogStepRequest {
                                session_id: session,
                                text: format!("retried by w{w}"),
                                request_id,
                            })
                            .await
                            .expect("retried step")
                            .into_inner()
                            .seq
                    }
                });
                let [a, b] = twice;
                let (a, b) = tokio::join!(a, b);
                assert_eq!(a, b, "a retry answers its original's seq");
                answered.push((a, format!("retried by w{w}")));
                (session, answered)
            });
        }
    }
    let mut answered: std::collections::HashMap<String, Vec<(i64, String)>> = Default::default();
    while let Some(done) = tasks.join_next().await {
        let (session, mine) = done.unwrap();
        answered.entry(session).or_default().extend(mine);
    }
    for session in &sessions {
        let stored: Vec<(i64, String)> = all_messages(&mut erin, session)
            .await
            .into_iter()
            .filter_map(|m| match m.body {
                Some(message::Body::Step(s)) => Some((m.seq, s.text)),
                _ => None,
            })
            .collect();
        let seqs: Vec<i64> = all_messages(&mut erin, session)
            .await
            .iter()
            .map(|m| m.seq)
            .collect();
        assert_eq!(
            seqs,
            (1..=seqs.len() as i64).collect::<Vec<_>>(),
            "no gap in {session}"
        );
        let mut expected = answered[session].clone();
        expected.sort();
        assert_eq!(
            stored, expected,
            "every step stored once, at the seq its caller was given"
        );
        assert_eq!(stored.len(), WRITERS * (STEPS + 1));
    }
}

/// A session with an unread user message cannot take the batch; the steps of the sessions
/// around it still can, and its own step returns the message exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_step_with_something_to_read_leaves_the_batch_and_gets_it() {
    let app = TestApp::spawn().await;
    let mut fay = app.user("fay@example.com").await;
    let busy = fay.start("busy").await;
    let mut others = Vec::new();
    for i in 0..8 {
        others.push(fay.start(&format!("quiet-{i}")).await);
    }
    fay.dashboard
        .send_message(SendMessageRequest {
            session_id: busy.clone(),
            text: "look at the failing test first".into(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for session in others.iter().chain([&busy]) {
        let mut agent = app.agent_with_key(&fay.api_key).await;
        let session = session.clone();
        tasks.spawn(async move {
            let r = agent
                .log_step(LogStepRequest {
                    session_id: session.clone(),
                    text: "working".into(),
                    request_id: rid(),
                })
                .await
                .expect("log step")
                .into_inner();
            (session, r)
        });
    }
    while let Some(done) = tasks.join_next().await {
        let (session, r) = done.unwrap();
        if session == busy {
            assert_eq!(
                user_texts(&r.queued_messages),
                vec!["look at the failing test first".to_string()]
            );
        } else {
            assert!(r.queued_messages.is_empty());
            assert_eq!(r.seq, 1);
        }
    }
    let again = fay.step(&busy, "next").await;
    assert!(again.queued_messages.is_empty(), "handed out once");
}

/// One call of `log_steps` (the statement a batch is) with every kind of step in it, in the
/// order the server sends them (by session): each qualifying step gets the next seq of its
/// session in batch order, and a step that does not qualify gets NULL and takes no seq, so the
/// steps after it still follow on without a gap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_batch_numbers_each_sessions_qualifying_steps_in_order() {
    use switchboard::domain::{MessageKind, Sender, SessionStatus};
    let app = TestApp::spawn().await;
    let mut hal = app.user("hal@example.com").await;
    let mut ida = app.user("ida@example.com").await;
    let busy = hal.start("busy").await;
    let used = hal.start("used").await;
    let ended = hal.start("ended").await;
    let elsewhere = ida.start("elsewhere").await;
    let busy_before = hal.step(&busy, "before").await.seq;
    let used_before = hal.step(&used, "before").await.seq;
    let used_request_id: String =
        sqlx::query_scalar("SELECT request_id FROM messages WHERE session_id = $1 AND seq = $2")
            .bind(uuid(&used))
            .bind(used_before)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    hal.agent
        .end_session(EndSessionRequest {
            session_id: ended.clone(),
            outcome: SessionOutcome::Completed as i32,
            summary: "done".into(),
            request_id: rid(),
        })
        .await
        .unwrap();
    let project: uuid::Uuid = sqlx::query_scalar("SELECT project_id FROM sessions WHERE id = $1")
        .bind(uuid(&busy))
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let key = uuid(&hal.api_key_id);
    let unknown_key = uuid::Uuid::new_v4();
    // (session, request id, key, the seq expected back)
    let steps = [
        (&busy, "b1", key, Some(busy_before + 1)),
        (&busy, "b2", unknown_key, None),
        (&busy, "b3", key, Some(busy_before + 2)),
        (&used, used_request_id.as_str(), key, None),
        (&used, "u1", key, Some(used_before + 1)),
        (&ended, "e1", key, None),
        // Another project's session, named with this key's project.
        (&elsewhere, "x1", key, None),
        (&busy, "b4", key, Some(busy_before + 3)),
    ];
    let body = |rid: &str| format!(r#"{{"type":"step","text":"{rid}"}}"#);
    let seqs: Vec<Option<i64>> =
        sqlx::query_scalar("SELECT log_steps($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(steps.iter().map(|s| uuid(s.0)).collect::<Vec<_>>())
            .bind(vec![project; steps.len()])
            .bind(steps.iter().map(|s| s.1).collect::<Vec<_>>())
            .bind(steps.iter().map(|s| body(s.1)).collect::<Vec<_>>())
            .bind(steps.iter().map(|s| s.2).collect::<Vec<_>>())
            .bind(SessionStatus::Active as i16)
            .bind(Sender::Agent as i16)
            .bind(MessageKind::Step as i16)
            .fetch_one(app.store.pool())
            .await
            .expect("log_steps");
    assert_eq!(seqs, steps.iter().map(|s| s.3).collect::<Vec<_>>());
    // Stored as the seqs say, read back through the API; the sessions' heads moved with them.
    let texts = |messages: Vec<Message>| -> Vec<(i64, String)> {
        messages
            .into_iter()
            .filter_map(|m| match m.body {
                Some(message::Body::Step(s)) => Some((m.seq, s.text)),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        texts(all_messages(&mut hal, &busy).await),
        vec![
            (busy_before, "before".to_string()),
            (busy_before + 1, "b1".into()),
            (busy_before + 2, "b3".into()),
            (busy_before + 3, "b4".into()),
        ]
    );
    assert_eq!(
        texts(all_messages(&mut hal, &used).await),
        vec![
            (used_before, "before".to_string()),
            (used_before + 1, "u1".into())
        ]
    );
    assert!(texts(all_messages(&mut ida, &elsewhere).await).is_empty());
    assert_eq!(hal.step(&busy, "after").await.seq, busy_before + 4);
    assert_eq!(hal.step(&used, "after").await.seq, used_before + 2);
}

fn uuid(id: &str) -> uuid::Uuid {
    id.parse().expect("a uuid")
}

/// One batch of steps is written at a time, so a session whose row another transaction holds
/// locked must not hold up every other session's steps: the batch stops waiting for the lock,
/// its steps go one by one, and the locked session's step is stored once the lock goes, at the
/// next seq.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_session_locked_elsewhere_does_not_hold_up_other_sessions_steps() {
    let app = TestApp::spawn().await;
    let mut gil = app.user("gil@example.com").await;
    let held = gil.start("held").await;
    let free = gil.start("free").await;
    let before = gil.step(&held, "before the lock").await.seq;
    // Another transaction holds the session's row, as a stuck general-path write would.
    let mut lock = app.store.pool().begin().await.unwrap();
    sqlx::query("SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE")
        .bind(held.parse::<uuid::Uuid>().unwrap())
        .execute(&mut *lock)
        .await
        .unwrap();
    let mut agent = app.agent_with_key(&gil.api_key).await;
    let request = LogStepRequest {
        session_id: held.clone(),
        text: "behind the lock".into(),
        request_id: rid(),
    };
    let waiting = tokio::spawn(async move { agent.log_step(request).await });
    for i in 0..5 {
        // The bound only turns a hang into a failure.
        tokio::time::timeout(
            std::time::Duration::from_secs(30),
            gil.step(&free, &format!("free {i}")),
        )
        .await
        .expect("another session's steps are written while one session is locked");
    }
    assert!(
        !waiting.is_finished(),
        "the locked session's step waits for its own lock"
    );
    lock.rollback().await.unwrap();
    let stored = waiting
        .await
        .unwrap()
        .expect("the step is stored once the lock goes")
        .into_inner();
    assert_eq!(stored.seq, before + 1);
}

/// Writers on two servers step as fast as they can with one key while the key is revoked on
/// one of them. The auth layer serves LogStep's key from its cache, so only the write's own
/// check stands between a revoked key and a stored step: no step whose call began after the
/// revocation returned may succeed, on either server, and every writer is refused with the
/// reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_revoke_racing_steps_refuses_every_later_step_on_every_replica() {
    const WRITERS_PER_SERVER: usize = 4;
    let app = TestApp::spawn().await;
    let replica = app.replica().await;
    let mut gus = app.user("gus@example.com").await;
    let session = gus.start("racer").await;
    // Both servers have the key in their cache before the race starts.
    let mut on_replica = AgentServiceClient::with_interceptor(
        channel_to(replica.addr).await,
        Bearer::new(&gus.api_key),
    );
    gus.step(&session, "warm here").await;
    on_replica
        .log_step(LogStepRequest {
            session_id: session.clone(),
            text: "warm there".into(),
            request_id: rid(),
        })
        .await
        .unwrap();

    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..2 * WRITERS_PER_SERVER {
        let mut agent = if w % 2 == 0 {
            app.agent_with_key(&gus.api_key).await
        } else {
            on_replica.clone()
        };
        let session = session.clone();
        tasks.spawn(async move {
            let mut succeeded: Vec<Instant> = Vec::new();
            loop {
                let began = Instant::now();
                let r = agent
                    .log_step(LogStepRequest {
                        session_id: session.clone(),
                        text: format!("writer {w}"),
                        request_id: rid(),
                    })
                    .await;
                match r {
                    Ok(_) => succeeded.push(began),
                    Err(e) => return (succeeded, e),
                }
            }
        });
    }
    // Let the writers get going, then revoke.
    eventually("the writers are writing", || {
        let mut gus_dash = gus.dashboard.clone();
        let session = session.clone();
        async move {
            let s = gus_dash
                .get_session(GetSessionRequest {
                    session_id: session,
                })
                .await
                .unwrap()
                .into_inner();
            s.session.unwrap().last_seq > 40
        }
    })
    .await;
    gus.dashboard
        .revoke_api_key(RevokeApiKeyRequest {
            api_key_id: gus.api_key_id.clone(),
        })
        .await
        .unwrap();
    let revoked = Instant::now();
    let mut written = 2;
    while let Some(done) = tasks.join_next().await {
        let (succeeded, refused) = done.unwrap();
        assert_eq!(refused.code(), Code::Unauthenticated, "{refused:?}");
        assert!(
            refused.message().contains("revoked"),
            "{}",
            refused.message()
        );
        assert!(
            succeeded.iter().all(|began| *began < revoked),
            "a step that began after the revocation returned was written"
        );
        written += succeeded.len();
    }
    let steps = all_messages(&mut gus, &session)
        .await
        .iter()
        .filter(|m| matches!(m.body, Some(message::Body::Step(_))))
        .count();
    assert_eq!(
        steps, written,
        "every step stored was answered, none refused was stored"
    );
}

/// The batch writer keeps its connection from batch to batch. When Postgres ends that
/// connection (an administrator, a failover) no step is lost or refused: the batch that finds
/// it gone takes the general way, and the next batch is written on a connection of its own
/// again.
#[tokio::test]
async fn steps_go_on_when_the_batch_writers_connection_is_ended() {
    let app = TestApp::spawn().await;
    let mut hana = app.user("hana@example.com").await;
    let session = hana.start("writer").await;
    let first = hana.step(&session, "before").await.seq;
    let writer = batch_writer_backend(&app)
        .await
        .expect("one connection writes the batches");
    let ended: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1, 10000)")
        .bind(writer)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert!(ended);
    let mut seqs = Vec::new();
    for i in 0..3 {
        seqs.push(hana.step(&session, &format!("after {i}")).await.seq);
    }
    assert_eq!(seqs, [first + 1, first + 2, first + 3]);
    let again = batch_writer_backend(&app)
        .await
        .expect("the batches have a connection again");
    assert_ne!(again, writer);
}

/// The backend whose last statement was a batch of steps, when exactly one is.
async fn batch_writer_backend(app: &TestApp) -> Option<i32> {
    let pids: Vec<i32> = sqlx::query_scalar(
        "SELECT pid FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'SELECT log_steps(%'",
    )
    .fetch_all(app.store.pool())
    .await
    .unwrap();
    match pids[..] {
        [pid] => Some(pid),
        _ => None,
    }
}

/// The step batches' writer and the answers keep connections out of the pool between their
/// statements. A pool of two cannot spare any: every call still gets a connection (none waits
/// for one kept idle, which would end in UNAVAILABLE after the pool's acquire timeout), for
/// steps, a question, its answer pushed to the agent, and steps after it.
#[tokio::test]
async fn a_pool_of_two_keeps_no_connection_from_the_calls_that_need_it() {
    let app = TestApp::spawn_with_pool(2, |_| {}).await;
    let mut ivy = app.user("ivy@example.com").await;
    let session = ivy.start("small pool").await;
    for i in 0..5 {
        ivy.step(&session, &format!("before {i}")).await;
    }
    let question = ivy.ask(&session, "which?", &["a", "b"]).await;
    let waiter = crate::agent_loop::spawn_wait_for_answer(&ivy.agent, &session, &question.id, 30);
    app.until_followed(&session).await;
    let mut person = app.dashboard_with_token(&ivy.access_token).await;
    choose(&mut person, &session, &question.id, "a").await;
    let waited = waiter.await.unwrap();
    assert!(waited.answered);
    let mut seqs = Vec::new();
    for i in 0..5 {
        seqs.push(ivy.step(&session, &format!("after {i}")).await.seq);
    }
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
}
