//! The read side's tenancy and consistency: another user's session on every read and stream, one
//! diff summary everywhere, the inbox cursor leaving no gap.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use switchboard::proto::*;
use tonic::Code;

use crate::feeds::{next_event, watch_inbox};
use crate::harness::*;
use crate::reads::*;
use crate::session_history::list_messages;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_session_is_not_found_on_every_read_and_stream() {
    let app = TestApp::spawn().await;
    let mut owner = app.user("owner@example.com").await;
    let mut stranger = app.user("stranger@example.com").await;
    let mut stranger_inbox_dash = app.dashboard_with_token(&stranger.access_token).await;
    let mut stranger_inbox = watch_inbox(&mut stranger_inbox_dash, 0).await;

    let session = owner.start("private").await;
    owner.step(&session, "secret work").await;
    let question = owner.ask(&session, "Secret?", &["y"]).await;
    owner
        .agent
        .report_diff(ReportDiffRequest {
            session_id: session.clone(),
            diff: String::new(),
            request_id: uuid::Uuid::new_v4().to_string(),
        })
        .await
        .unwrap();

    let d = &mut stranger.dashboard;
    let s = || session.clone();
    let mut codes: Vec<(&str, Code)> = vec![
        (
            "GetSession",
            code(d.get_session(GetSessionRequest { session_id: s() }).await),
        ),
        (
            "ListMessages",
            code(
                d.list_messages(ListMessagesRequest {
                    session_id: s(),
                    ..Default::default()
                })
                .await,
            ),
        ),
        (
            "ListMessages backward",
            code(
                d.list_messages(ListMessagesRequest {
                    session_id: s(),
                    direction: ListDirection::Backward as i32,
                    ..Default::default()
                })
                .await,
            ),
        ),
        (
            "GetDiff",
            code(d.get_diff(GetDiffRequest { session_id: s() }).await),
        ),
        (
            "AnswerQuestion",
            code(
                d.answer_question(AnswerQuestionRequest {
                    session_id: s(),
                    question_id: question.id.clone(),
                    option_ids: vec!["y".into()],
                    text: String::new(),
                    request_id: String::new(),
                })
                .await,
            ),
        ),
        (
            "SendMessage",
            code(
                d.send_message(SendMessageRequest {
                    session_id: s(),
                    text: "hi".into(),
                    request_id: String::new(),
                })
                .await,
            ),
        ),
        (
            "StopSession",
            code(
                d.stop_session(StopSessionRequest {
                    session_id: s(),
                    reason: String::new(),
                })
                .await,
            ),
        ),
        (
            "RenameSession",
            code(
                d.rename_session(RenameSessionRequest {
                    session_id: s(),
                    name: "mine now".into(),
                })
                .await,
            ),
        ),
        (
            "DeleteSession",
            code(
                d.delete_session(DeleteSessionRequest { session_id: s() })
                    .await,
            ),
        ),
    ];
    // WatchSession: refused up front or on the first item; either way NOT_FOUND.
    let watch = match d
        .watch_session(WatchSessionRequest {
            session_id: s(),
            after_seq: 0,
        })
        .await
    {
        Err(status) => status.code(),
        Ok(stream) => {
            let mut stream = stream.into_inner();
            match tokio::time::timeout(Duration::from_secs(30), stream.message())
                .await
                .expect("bounded")
            {
                Err(status) => status.code(),
                Ok(item) => panic!("a stranger watched someone else's session: {item:?}"),
            }
        }
    };
    codes.push(("WatchSession", watch));
    // The stranger's agent cannot write to it either.
    let r = stranger
        .agent
        .log_step(LogStepRequest {
            session_id: s(),
            text: "hijack".into(),
            request_id: uuid::Uuid::new_v4().to_string(),
        })
        .await;
    codes.push(("LogStep", code(r)));
    let r = stranger
        .agent
        .acknowledge_messages(AcknowledgeMessagesRequest {
            session_id: s(),
            through_seq: 0,
        })
        .await;
    codes.push(("AcknowledgeMessages", code(r)));
    let r = stranger
        .agent
        .subscribe(SubscribeRequest {
            session_id: s(),
            after_seq: 0,
        })
        .await;
    let sub = match r {
        Err(status) => status.code(),
        Ok(stream) => {
            match tokio::time::timeout(Duration::from_secs(30), stream.into_inner().message())
                .await
                .expect("bounded")
            {
                Err(status) => status.code(),
                Ok(item) => panic!("a stranger subscribed to someone else's session: {item:?}"),
            }
        }
    };
    codes.push(("Subscribe", sub));
    for (rpc, c) in &codes {
        assert_eq!(*c, Code::NotFound, "{rpc}");
    }
    // The stranger's listings are empty.
    let d = &mut stranger.dashboard;
    let sessions = d
        .list_sessions(ListSessionsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(sessions.sessions.is_empty());
    let agents = d
        .list_agents(ListAgentsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(agents.agents.is_empty());

    // Nothing the stranger tried changed the owner's session.
    let got = owner
        .dashboard
        .get_session(GetSessionRequest {
            session_id: session.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let got_session = got.session.unwrap();
    assert_eq!(got_session.status, SessionStatus::AwaitingInput as i32);
    assert_ne!(got_session.name, "mine now");
    assert_eq!(got.open_questions.len(), 1);

    // The stranger's inbox never showed the owner's events: its first event is its own.
    let mine = stranger.start("mine").await;
    let e = next_event(&mut stranger_inbox).await;
    assert_eq!((e.cursor, e.session_id.as_str()), (1, mine.as_str()));
    // And an inbox resumed from 0 replays only that one.
    let mut again = watch_inbox(&mut stranger.dashboard, 0).await;
    let e = next_event(&mut again).await;
    assert_eq!((e.cursor, e.session_id.as_str()), (1, mine.as_str()));
    let item = tokio::time::timeout(Duration::from_secs(30), again.message())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        matches!(
            item.item,
            Some(watch_inbox_response::Item::Heartbeat(StreamHeartbeat {
                high_water: 1,
                ..
            }))
        ),
        "{item:?}"
    );
}

/// One diff report shows the same summary, update_time included, wherever a client reads it:
/// ReportDiff's answer, the diff_update message, GetSession and GetDiff. (The answer used to
/// carry nanoseconds while the session row kept microseconds.)
#[tokio::test]
async fn a_diff_summary_is_the_same_wherever_it_is_read() {
    let app = TestApp::spawn().await;
    let mut user = app.user("diff-time@example.com").await;
    let session = user.start("differ").await;
    let mut reported = None;
    // A report whose time happens to fall on a whole microsecond would hide the difference.
    for _ in 0..5 {
        let r = user
            .agent
            .report_diff(ReportDiffRequest {
                session_id: session.clone(),
                diff: "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n".into(),
                request_id: uuid::Uuid::new_v4().to_string(),
            })
            .await
            .unwrap()
            .into_inner();
        let nanos = r.summary.as_ref().unwrap().update_time.unwrap().nanos;
        reported = Some(r);
        if nanos % 1_000 != 0 {
            break;
        }
    }
    let reported = reported.unwrap();
    let from_answer = reported.summary.unwrap();
    let from_session = user
        .dashboard
        .get_session(GetSessionRequest {
            session_id: session.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap()
        .diff_summary
        .unwrap();
    let from_message = list_messages(&mut user, &session, ListDirection::Backward, 0, 1, "")
        .await
        .unwrap()
        .messages
        .remove(0);
    let Some(message::Body::DiffUpdate(update)) = from_message.body else {
        panic!("expected a diff update")
    };
    assert_eq!(from_session, from_answer);
    assert_eq!(update.summary.unwrap(), from_session);
    let from_get_diff = user
        .dashboard
        .get_diff(GetDiffRequest {
            session_id: session.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .summary
        .unwrap();
    assert_eq!(from_get_diff, from_session);
}

/// A home screen lists its sessions, then watches the inbox from the list's inbox_cursor:
/// every session whose SESSION_STARTED event is at or before that cursor is in the list, so
/// nothing falls between the two calls, even while sessions are being started.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_sessions_inbox_cursor_leaves_no_gap_before_the_inbox_watch() {
    const STARTS: usize = 60;
    let app = TestApp::spawn_with(fast_limits).await;
    let mut user = app.user("home@example.com").await;
    let mut watcher_dash = app.dashboard_with_token(&user.access_token).await;
    let mut inbox = watch_inbox(&mut watcher_dash, 0).await;
    let starter = {
        let mut agent = app.agent_with_key(&user.api_key).await;
        tokio::spawn(async move {
            for i in 0..STARTS {
                agent
                    .start_session(StartSessionRequest {
                        agent_name: format!("home-{}", i % 3),
                        request_id: uuid::Uuid::new_v4().to_string(),
                        ..Default::default()
                    })
                    .await
                    .unwrap();
                tokio::time::sleep(Duration::from_millis(3)).await;
            }
        })
    };
    let mut snapshots = Vec::new();
    while !starter.is_finished() {
        let page = list_sessions(&mut user, "", &[], 500, "").await.unwrap();
        let listed: HashSet<String> = page.sessions.into_iter().map(|s| s.id).collect();
        snapshots.push((page.inbox_cursor, listed));
    }
    starter.await.unwrap();
    let last = list_sessions(&mut user, "", &[], 500, "").await.unwrap();
    assert_eq!(last.sessions.len(), STARTS);
    assert_eq!(last.inbox_cursor, STARTS as i64);
    // Where each session started, from the inbox itself.
    let mut started_at = HashMap::new();
    for cursor in 1..=STARTS as i64 {
        let e = next_event(&mut inbox).await;
        assert_eq!(e.cursor, cursor);
        started_at.insert(e.session_id, e.cursor);
    }
    for (cursor, listed) in &snapshots {
        for (session, at) in &started_at {
            if at <= cursor {
                assert!(
                    listed.contains(session),
                    "session started at cursor {at} missing from a list whose inbox_cursor is {cursor}"
                );
            }
        }
    }
    eprintln!("{} lists checked", snapshots.len());
    // Watching from the list's cursor replays exactly what came after it.
    let mut from_list = watch_inbox(&mut user.dashboard, last.inbox_cursor).await;
    let fresh = user.start("home-0").await;
    let e = next_event(&mut from_list).await;
    assert_eq!(
        (e.cursor, e.session_id.as_str()),
        (STARTS as i64 + 1, fresh.as_str())
    );
}
