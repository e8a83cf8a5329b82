//! The question loop: every AgentService RPC, the dashboard's write half, the status machine,
//! idempotency, queued messages, pushed answers, deadlines, stops and tenancy.

use std::time::Duration;

use switchboard::proto::*;
use tonic::Code;

use crate::harness::*;

/// Runs `resolutions` (answers or decisions, each giving its stored seq) at once with `steps` of
/// the agent's steps, and returns the seqs of those accepted; every refusal must be
/// FAILED_PRECONDITION saying `refused` ("already answered").
pub async fn race_with_steps(
    agent: &AgentClient,
    session: &str,
    mut resolutions: tokio::task::JoinSet<Result<i64, tonic::Status>>,
    steps: usize,
    refused: &str,
) -> Vec<i64> {
    let mut stepping = tokio::task::JoinSet::new();
    for i in 0..steps {
        let mut agent = agent.clone();
        let session = session.to_owned();
        stepping.spawn(async move {
            agent
                .log_step(LogStepRequest {
                    session_id: session,
                    text: format!("step {i}"),
                    request_id: rid(),
                })
                .await
                .expect("step")
        });
    }
    let mut accepted = Vec::new();
    while let Some(done) = resolutions.join_next().await {
        match done.unwrap() {
            Ok(seq) => accepted.push(seq),
            Err(e) => {
                assert_eq!(e.code(), Code::FailedPrecondition, "{e:?}");
                assert!(e.message().contains(refused), "{}", e.message());
            }
        }
    }
    while let Some(done) = stepping.join_next().await {
        done.unwrap();
    }
    accepted
}

/// After answers (or decisions) raced each other and the agent's steps on one session, of which
/// the call that got `accepted` back won: the session's seqs have no gap, the one stored
/// resolution (`is_resolution`) is the accepted one, the change to ACTIVE is written once and
/// after it, the project's inbox cursors are gapless with each stored body carrying its row's
/// cursor, and one audit row of `actions` was written.
pub async fn assert_one_resolution_without_gaps(
    app: &TestApp,
    user: &mut TestUser,
    session: &str,
    accepted: &[i64],
    is_resolution: impl Fn(&message::Body) -> bool,
    actions: &[i16],
) {
    assert_eq!(accepted.len(), 1, "one accepted: {accepted:?}");
    let messages = all_messages(user, session).await;
    let seqs: Vec<i64> = messages.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "no gaps");
    let stored: Vec<i64> = messages
        .iter()
        .filter(|m| m.body.as_ref().is_some_and(&is_resolution))
        .map(|m| m.seq)
        .collect();
    assert_eq!(stored, accepted, "the accepted one is the one stored");
    let to_active: Vec<i64> = messages
        .iter()
        .filter(|m| {
            matches!(&m.body, Some(message::Body::StatusChange(c))
                if c.to_status == SessionStatus::Active as i32 && c.from_status == SessionStatus::AwaitingInput as i32)
        })
        .map(|m| m.seq)
        .collect();
    assert_eq!(to_active.len(), 1, "one change to ACTIVE");
    assert!(to_active[0] > accepted[0], "after the resolution");
    assert_eq!(status_of(user, session).await, SessionStatus::Active);

    let id: uuid::Uuid = session.parse().unwrap();
    let inbox: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT e.cursor, (e.body->>'cursor')::bigint FROM inbox_events e \
         JOIN sessions s ON s.project_id = e.project_id WHERE s.id = $1 ORDER BY e.cursor",
    )
    .bind(id)
    .fetch_all(app.store.pool())
    .await
    .unwrap();
    let cursors: Vec<i64> = inbox.iter().map(|(c, _)| *c).collect();
    assert_eq!(
        cursors,
        (1..=cursors.len() as i64).collect::<Vec<_>>(),
        "gapless inbox"
    );
    assert!(inbox.iter().all(|(row, body)| row == body), "{inbox:?}");
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE session_id = $1 AND action = ANY($2)",
    )
    .bind(id)
    .bind(actions)
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!(audited, 1, "one audited");
}

pub async fn status_of(user: &mut TestUser, session: &str) -> SessionStatus {
    let s = user
        .dashboard
        .get_session(GetSessionRequest {
            session_id: session.into(),
        })
        .await
        .unwrap()
        .into_inner();
    SessionStatus::try_from(s.session.unwrap().status).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_runs_a_whole_session_answered_by_its_person() {
    let app = TestApp::spawn().await;
    let mut alice = app.user("alice@example.com").await;
    let session = alice.start("claude-code").await;
    assert_eq!(alice.step(&session, "reading the code").await.seq, 1);
    assert_eq!(alice.step(&session, "planning").await.seq, 2);

    let asked = alice
        .agent
        .ask_question(AskQuestionRequest {
            session_id: session.clone(),
            text: "Which database?".into(),
            options: vec![
                QuestionOption {
                    id: "pg".into(),
                    label: "PostgreSQL".into(),
                    description: "the usual".into(),
                },
                QuestionOption {
                    id: "sqlite".into(),
                    label: "SQLite".into(),
                    description: String::new(),
                },
            ],
            choice_mode: ChoiceMode::Single as i32,
            request_id: rid(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let question = asked.question.unwrap();
    assert_eq!(
        status_of(&mut alice, &session).await,
        SessionStatus::AwaitingInput
    );

    // The agent waits; a second client (the person) answers while it waits.
    let waiter = spawn_wait_for_answer(&alice.agent, &session, &question.id, 30);
    app.until_followed(&session).await;
    let mut person = app.dashboard_with_token(&alice.access_token).await;
    let answered = choose(&mut person, &session, &question.id, "pg").await;
    let got = tokio::time::timeout(Duration::from_secs(10), waiter)
        .await
        .expect("answer pushed to the waiting agent")
        .unwrap();
    assert!(got.answered);
    let answer = got.answer.unwrap();
    assert_eq!(answer.option_ids, vec!["pg".to_string()]);
    assert_eq!(answer.answered_by, Sender::User as i32);
    assert_eq!(answered.seq, got_seq(&mut alice, &session, "answer").await);
    assert_eq!(status_of(&mut alice, &session).await, SessionStatus::Active);

    alice
        .agent
        .report_usage(ReportUsageRequest {
            session_id: session.clone(),
            usage: Some(Usage {
                input_tokens: 1200,
                output_tokens: 300,
                cost_micros: 4_250,
            }),
            request_id: rid(),
        })
        .await
        .unwrap();
    let diff =
        "diff --git a/x.rs b/x.rs\n--- a/x.rs\n+++ b/x.rs\n@@ -1 +1,2 @@\n-old\n+new\n+more\n";
    let reported = alice
        .agent
        .report_diff(ReportDiffRequest {
            session_id: session.clone(),
            diff: diff.into(),
            request_id: rid(),
        })
        .await
        .unwrap()
        .into_inner();
    let summary = reported.summary.unwrap();
    assert_eq!(
        (summary.files_changed, summary.additions, summary.deletions),
        (1, 2, 1)
    );
    let ended = alice
        .agent
        .end_session(EndSessionRequest {
            session_id: session.clone(),
            outcome: SessionOutcome::Completed as i32,
            summary: "chose PostgreSQL".into(),
            request_id: rid(),
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    assert_eq!(ended.status, SessionStatus::Completed as i32);
    assert_eq!(ended.usage.unwrap().cost_micros, 4_250);
    assert!(ended.end_time.is_some());
    let got_diff = alice
        .dashboard
        .get_diff(GetDiffRequest {
            session_id: session.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got_diff.diff, diff);

    // Terminal: further agent writes are refused and the session never becomes active again.
    let err = alice
        .agent
        .log_step(LogStepRequest {
            session_id: session.clone(),
            text: "more".into(),
            request_id: rid(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(err.message().contains("COMPLETED"), "{}", err.message());
    let err = alice
        .agent
        .heartbeat(HeartbeatRequest {
            session_id: session.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    let resumed = alice
        .agent
        .start_session(StartSessionRequest {
            session_id: session.clone(),
            agent_name: "claude-code".into(),
            request_id: rid(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(resumed.code(), Code::FailedPrecondition);
    assert_eq!(
        status_of(&mut alice, &session).await,
        SessionStatus::Completed
    );
}

/// An agent's WaitForAnswer call running in the background (it must not block the test's
/// other client), waiting at most `seconds`.
pub fn spawn_wait_for_answer(
    agent: &AgentClient,
    session: &str,
    question: &str,
    seconds: i64,
) -> tokio::task::JoinHandle<WaitForAnswerResponse> {
    let mut agent = agent.clone();
    let request = WaitForAnswerRequest {
        session_id: session.into(),
        question_id: question.into(),
        timeout: Some(prost_types::Duration { seconds, nanos: 0 }),
    };
    tokio::spawn(async move {
        agent
            .wait_for_answer(request)
            .await
            .expect("wait for answer")
            .into_inner()
    })
}

/// Every message of a session (up to 500), oldest first.
pub async fn all_messages(user: &mut TestUser, session: &str) -> Vec<Message> {
    user.dashboard
        .list_messages(ListMessagesRequest {
            session_id: session.into(),
            page_size: 500,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .messages
}

/// The texts of queued user messages (anything else fails the test).
pub fn user_texts(messages: &[Message]) -> Vec<String> {
    messages
        .iter()
        .map(|m| match &m.body {
            Some(message::Body::UserMessage(u)) => u.text.clone(),
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

/// The seq of the last message of `kind` in the session.
pub async fn got_seq(user: &mut TestUser, session: &str, kind: &str) -> i64 {
    all_messages(user, session)
        .await
        .iter()
        .rev()
        .find(|m| {
            matches!(
                (&m.body, kind),
                (Some(message::Body::Answer(_)), "answer") | (Some(message::Body::Step(_)), "step")
            )
        })
        .map(|m| m.seq)
        .expect("message of that kind")
}

#[tokio::test]
async fn retries_with_the_same_request_id_write_once() {
    let app = TestApp::spawn().await;
    let mut bob = app.user("bob@example.com").await;
    let start = StartSessionRequest {
        agent_name: "nightly".into(),
        request_id: "start-1".into(),
        ..Default::default()
    };
    let first = bob
        .agent
        .start_session(start.clone())
        .await
        .unwrap()
        .into_inner();
    let again = bob.agent.start_session(start).await.unwrap().into_inner();
    assert_eq!(
        first.session.as_ref().unwrap().id,
        again.session.as_ref().unwrap().id
    );
    assert!(!first.resumed && again.resumed);
    let session = first.session.unwrap().id;

    let step = LogStepRequest {
        session_id: session.clone(),
        text: "once".into(),
        request_id: "step-1".into(),
    };
    let a = bob.agent.log_step(step.clone()).await.unwrap().into_inner();
    let b = bob.agent.log_step(step).await.unwrap().into_inner();
    assert_eq!(a.seq, b.seq);
    let ask = AskQuestionRequest {
        session_id: session.clone(),
        text: "ok?".into(),
        request_id: "ask-1".into(),
        ..Default::default()
    };
    let q1 = bob
        .agent
        .ask_question(ask.clone())
        .await
        .unwrap()
        .into_inner();
    let q2 = bob.agent.ask_question(ask).await.unwrap().into_inner();
    assert_eq!(q1.question.unwrap().id, q2.question.unwrap().id);
    let page = bob
        .dashboard
        .list_messages(ListMessagesRequest {
            session_id: session.clone(),
            page_size: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let steps = page
        .messages
        .iter()
        .filter(|m| matches!(m.body, Some(message::Body::Step(_))))
        .count();
    let questions = page
        .messages
        .iter()
        .filter(|m| matches!(m.body, Some(message::Body::Question(_))))
        .count();
    assert_eq!((steps, questions), (1, 1), "one row per request id");
    let seqs: Vec<i64> = page.messages.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "no gaps");

    // A given id resumes (a new request id: an agent restarting, not a retry).
    let resumed = bob
        .agent
        .start_session(StartSessionRequest {
            session_id: session.clone(),
            agent_name: "nightly".into(),
            request_id: "start-2".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resumed.session.unwrap().id, session);
    assert!(resumed.resumed);
}

/// Issue 11: ids are never created by a client, so an id nobody used and another user's id get
/// the same answer, NOT_FOUND, and neither creates anything.
#[tokio::test]
async fn starting_with_an_unknown_or_foreign_session_id_is_not_found_alike() {
    let app = TestApp::spawn().await;
    let mut owner = app.user("owner@example.com").await;
    let theirs = owner.start("private").await;
    let mut other = app.user("other@example.com").await;
    let mut answers = Vec::new();
    for id in [theirs.clone(), uuid::Uuid::new_v4().to_string()] {
        let err = other
            .agent
            .start_session(StartSessionRequest {
                session_id: id,
                agent_name: "private".into(),
                request_id: rid(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        answers.push((err.code(), err.message().replace(&theirs, "<id>")));
    }
    assert_eq!(answers[0].0, Code::NotFound, "{answers:?}");
    assert_eq!(answers[0].0, answers[1].0);
    // Same wording apart from the id itself.
    let unknown = answers[1]
        .1
        .split_whitespace()
        .filter(|w| w.len() != 36)
        .collect::<Vec<_>>();
    let foreign = answers[0]
        .1
        .split_whitespace()
        .filter(|w| *w != "<id>")
        .collect::<Vec<_>>();
    assert_eq!(unknown, foreign);
    assert!(
        other
            .dashboard
            .list_sessions(ListSessionsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .sessions
            .is_empty(),
        "nothing was created"
    );
}

#[tokio::test]
async fn queued_user_messages_reach_the_agent_in_order_exactly_once() {
    let app = TestApp::spawn().await;
    let mut carol = app.user("carol@example.com").await;
    let session = carol.start("codex").await;
    for text in ["first", "second", "third"] {
        carol
            .dashboard
            .send_message(SendMessageRequest {
                session_id: session.clone(),
                text: text.into(),
                request_id: String::new(),
            })
            .await
            .unwrap();
    }
    let hb = carol
        .agent
        .heartbeat(HeartbeatRequest {
            session_id: session.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(hb.unread_message_count, 3);
    let step = LogStepRequest {
        session_id: session.clone(),
        text: "step".into(),
        request_id: "s1".into(),
    };
    let got = carol
        .agent
        .log_step(step.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        user_texts(&got.queued_messages),
        ["first", "second", "third"]
    );
    let retried = carol.agent.log_step(step).await.unwrap().into_inner();
    assert_eq!(
        retried.queued_messages.len(),
        3,
        "a retry returns the same list"
    );
    assert_eq!(
        carol.step(&session, "next").await.queued_messages.len(),
        0,
        "each message once"
    );
    carol
        .dashboard
        .send_message(SendMessageRequest {
            session_id: session.clone(),
            text: "fourth".into(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let next = carol.step(&session, "again").await;
    assert_eq!(next.queued_messages.len(), 1);
}

/// Steps take a one-statement path when nothing is unusual and the locking path otherwise.
/// Racing retries of one step, other steps and user messages all at once: the retried step is
/// written once, seqs have no gap, and every user message reaches the agent exactly once.
#[tokio::test]
async fn racing_retries_steps_and_user_messages_lose_and_duplicate_nothing() {
    const RETRIES: usize = 8;
    const STEPS: usize = 24;
    const USER_MESSAGES: usize = 12;
    let app = TestApp::spawn().await;
    let mut dave = app.user("dave@example.com").await;
    let session = dave.start("racer").await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..RETRIES + STEPS {
        let mut agent = dave.agent.clone();
        let session = session.clone();
        tasks.spawn(async move {
            let (text, request_id) = if i < RETRIES {
                ("the retried step".to_string(), "retried".to_string())
            } else {
                (format!("step {i}"), rid())
            };
            let r = agent
                .log_step(LogStepRequest {
                    session_id: session,
                    text,
                    request_id: request_id.clone(),
                })
                .await
                .expect("log step")
                .into_inner();
            (request_id, r)
        });
    }
    for i in 0..USER_MESSAGES {
        let mut dashboard = dave.dashboard.clone();
        let session = session.clone();
        tasks.spawn(async move {
            dashboard
                .send_message(SendMessageRequest {
                    session_id: session,
                    text: format!("note {i}"),
                    request_id: String::new(),
                })
                .await
                .expect("send message");
            (String::from("user"), LogStepResponse::default())
        });
    }
    let mut retried_seqs = std::collections::BTreeSet::new();
    let mut handed_out: Vec<String> = Vec::new();
    let mut retried_queue: Option<Vec<String>> = None;
    while let Some(done) = tasks.join_next().await {
        let (request_id, r) = done.unwrap();
        let texts = user_texts(&r.queued_messages);
        match request_id.as_str() {
            "user" => {}
            // Every retry answers what the first call answered: the same seq and list.
            "retried" => {
                retried_seqs.insert(r.seq);
                match &retried_queue {
                    None => retried_queue = Some(texts),
                    Some(first) => assert_eq!(first, &texts, "a retry returns the same list"),
                }
            }
            _ => handed_out.extend(texts),
        }
    }
    assert_eq!(
        retried_seqs.len(),
        1,
        "one seq for every retry: {retried_seqs:?}"
    );
    handed_out.extend(retried_queue.unwrap_or_default());
    // Whatever arrived too late for the racing steps comes with the next one.
    handed_out.extend(user_texts(
        &dave.step(&session, "drain").await.queued_messages,
    ));
    handed_out.sort();
    let mut expected: Vec<String> = (0..USER_MESSAGES).map(|i| format!("note {i}")).collect();
    expected.sort();
    assert_eq!(handed_out, expected, "every user message exactly once");

    let messages = all_messages(&mut dave, &session).await;
    let seqs: Vec<i64> = messages.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "no gaps");
    let retried_rows = messages
        .iter()
        .filter(|m| matches!(&m.body, Some(message::Body::Step(s)) if s.text == "the retried step"))
        .count();
    assert_eq!(retried_rows, 1, "the retried step is stored once");
    let steps = messages
        .iter()
        .filter(|m| matches!(m.body, Some(message::Body::Step(_))))
        .count();
    assert_eq!(steps, 1 + STEPS + 1, "every step stored once");
}

#[tokio::test]
async fn list_sessions_returns_the_inbox_cursor_to_tail_from() {
    let app = TestApp::spawn().await;
    let mut zed = app.user("zed@example.com").await;
    let session = zed.start("home").await;
    zed.ask(&session, "q", &["a"]).await;
    let listed = zed
        .dashboard
        .list_sessions(ListSessionsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(
        listed.inbox_cursor >= 3,
        "started, asked, status changed: {}",
        listed.inbox_cursor
    );
    let mut inbox = zed
        .dashboard
        .watch_inbox(WatchInboxRequest {
            after_cursor: listed.inbox_cursor,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    zed.dashboard
        .rename_session(RenameSessionRequest {
            session_id: session,
            name: "renamed".into(),
        })
        .await
        .unwrap();
    loop {
        let item = tokio::time::timeout(Duration::from_secs(10), inbox.message())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        if let Some(watch_inbox_response::Item::Event(e)) = item.item {
            assert_eq!(
                e.cursor,
                listed.inbox_cursor + 1,
                "nothing older is replayed"
            );
            assert_eq!(e.kind, InboxEventKind::SessionRenamed as i32);
            break;
        }
    }
}
