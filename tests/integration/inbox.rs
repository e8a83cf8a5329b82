//! The inbox feed (WatchInbox): each kind in cursor order, resume from a cursor, ordered and
//! gapless under concurrent sessions, disconnect detection.

use switchboard::proto::*;

use crate::feeds::*;
use crate::harness::*;

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
    let answer = choose(&mut user.dashboard, &session, &question.id, "yes").await;
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
