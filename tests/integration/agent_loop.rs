//! The question loop: every AgentService RPC, the dashboard's write half, the status machine,
//! idempotency, queued messages, pushed answers, deadlines, stops and tenancy.

use std::time::Duration;

use switchboard::proto::*;
use tonic::Code;

use crate::harness::*;

async fn status_of(user: &mut TestUser, session: &str) -> SessionStatus {
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
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut person = app.dashboard_with_token(&alice.access_token).await;
    let answered = person
        .answer_question(AnswerQuestionRequest {
            session_id: session.clone(),
            question_id: question.id.clone(),
            option_ids: vec!["pg".into()],
            text: String::new(),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
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
fn spawn_wait_for_answer(
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
async fn all_messages(user: &mut TestUser, session: &str) -> Vec<Message> {
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
fn user_texts(messages: &[Message]) -> Vec<String> {
    messages
        .iter()
        .map(|m| match &m.body {
            Some(message::Body::UserMessage(u)) => u.text.clone(),
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

/// The seq of the last message of `kind` in the session.
async fn got_seq(user: &mut TestUser, session: &str, kind: &str) -> i64 {
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
async fn the_subscription_delivers_messages_answers_and_stop_requests_live_and_resumes() {
    let app = TestApp::spawn_with(|s| s.sessions.stop_grace_secs = 600).await;
    let mut dave = app.user("dave@example.com").await;
    let session = dave.start("n8n").await;
    let mut sub = dave
        .agent
        .subscribe(SubscribeRequest {
            session_id: session.clone(),
            after_seq: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let q = dave.ask(&session, "continue?", &["yes", "no"]).await;
    dave.dashboard
        .send_message(SendMessageRequest {
            session_id: session.clone(),
            text: "hello agent".into(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    dave.dashboard
        .answer_question(AnswerQuestionRequest {
            session_id: session.clone(),
            question_id: q.id.clone(),
            option_ids: vec!["yes".into()],
            text: String::new(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    dave.dashboard
        .stop_session(StopSessionRequest {
            session_id: session.clone(),
            reason: "enough".into(),
        })
        .await
        .unwrap();

    let mut seen = Vec::new();
    let mut last_seq = 0;
    while seen.len() < 5 {
        let item = tokio::time::timeout(Duration::from_secs(10), sub.message())
            .await
            .expect("live item")
            .unwrap()
            .unwrap();
        if let Some(subscribe_response::Item::Message(m)) = item.item {
            assert!(m.seq > last_seq, "in order");
            last_seq = m.seq;
            seen.push(m.body.unwrap());
        }
    }
    // status AWAITING_INPUT, user message, answer, status ACTIVE, status STOPPING (steps and
    // questions are the agent's own and are not echoed back).
    assert!(
        matches!(&seen[1], message::Body::UserMessage(u) if u.text == "hello agent"),
        "{seen:?}"
    );
    assert!(
        matches!(&seen[2], message::Body::Answer(a) if a.option_ids == ["yes"]),
        "{seen:?}"
    );
    assert!(
        matches!(&seen[4], message::Body::StatusChange(c) if c.to_status == SessionStatus::Stopping as i32 && c.reason == "enough"),
        "{seen:?}"
    );
    // The stop request is also visible on the next write.
    assert_eq!(
        dave.step(&session, "wrapping up").await.status,
        SessionStatus::Stopping as i32
    );

    // Resume after a dropped stream from the last seq: only what came after.
    drop(sub);
    dave.dashboard
        .send_message(SendMessageRequest {
            session_id: session.clone(),
            text: "after drop".into(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let mut resumed = dave
        .agent
        .subscribe(SubscribeRequest {
            session_id: session.clone(),
            after_seq: last_seq,
        })
        .await
        .unwrap()
        .into_inner();
    loop {
        let item = resumed.message().await.unwrap().unwrap();
        if let Some(subscribe_response::Item::Message(m)) = item.item {
            assert!(
                matches!(m.body, Some(message::Body::UserMessage(ref u)) if u.text == "after drop"),
                "{m:?}"
            );
            break;
        }
    }
    let ended = dave
        .agent
        .end_session(EndSessionRequest {
            session_id: session.clone(),
            outcome: SessionOutcome::Completed as i32,
            summary: String::new(),
            request_id: rid(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        ended.session.unwrap().status,
        SessionStatus::Stopped as i32,
        "ending a stopping session stops it"
    );
}

#[tokio::test]
async fn a_question_deadline_applies_its_default_answer() {
    let app = TestApp::spawn().await;
    let mut erin = app.user("erin@example.com").await;
    let session = erin.start("deployer").await;
    let q = erin
        .agent
        .ask_question(AskQuestionRequest {
            session_id: session.clone(),
            text: "Deploy now?".into(),
            options: vec![
                QuestionOption {
                    id: "yes".into(),
                    label: "Yes".into(),
                    description: String::new(),
                },
                QuestionOption {
                    id: "no".into(),
                    label: "No".into(),
                    description: String::new(),
                },
            ],
            timeout: Some(prost_types::Duration {
                seconds: 1,
                nanos: 0,
            }),
            default_option_ids: vec!["no".into()],
            request_id: rid(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .question
        .unwrap();
    assert!(q.deadline_time.is_some());
    let got = spawn_wait_for_answer(&erin.agent, &session, &q.id, 20)
        .await
        .unwrap();
    assert!(got.answered, "the default is delivered like any answer");
    let answer = got.answer.unwrap();
    assert_eq!(answer.option_ids, ["no"]);
    assert_eq!(answer.answered_by, Sender::System as i32);
    let late = erin
        .dashboard
        .answer_question(AnswerQuestionRequest {
            session_id: session.clone(),
            question_id: q.id,
            option_ids: vec!["yes".into()],
            text: String::new(),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(late.code(), Code::FailedPrecondition);
    assert!(
        late.message().contains("deadline"),
        "names who answered: {}",
        late.message()
    );
}

#[tokio::test]
async fn answers_are_validated_and_given_once() {
    let app = TestApp::spawn().await;
    let mut fay = app.user("fay@example.com").await;
    let session = fay.start("bot").await;
    let q = fay.ask(&session, "pick", &["a", "b"]).await;
    let q2 = fay.ask(&session, "second", &["x"]).await;
    let answer = |ids: &[&str], text: &str| AnswerQuestionRequest {
        session_id: session.clone(),
        question_id: q.id.clone(),
        option_ids: ids.iter().map(|s| s.to_string()).collect(),
        text: text.into(),
        request_id: String::new(),
    };
    for (req, needle) in [
        (answer(&["zzz"], ""), "not one of"),
        (answer(&["a", "b"], ""), "single-choice"),
        (answer(&[], "free text"), "does not accept free text"),
        (answer(&[], ""), "empty"),
    ] {
        let e = fay.dashboard.answer_question(req).await.unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(
            e.message().contains(needle),
            "{} should mention {needle}",
            e.message()
        );
    }
    fay.dashboard
        .answer_question(answer(&["a"], ""))
        .await
        .unwrap();
    assert_eq!(
        status_of(&mut fay, &session).await,
        SessionStatus::AwaitingInput,
        "one question still open"
    );
    let twice = fay
        .dashboard
        .answer_question(answer(&["b"], ""))
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Code::FailedPrecondition);
    assert!(
        twice.message().contains("already answered by you"),
        "{}",
        twice.message()
    );
    fay.dashboard
        .answer_question(AnswerQuestionRequest {
            session_id: session.clone(),
            question_id: q2.id,
            option_ids: vec!["x".into()],
            text: String::new(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    assert_eq!(
        status_of(&mut fay, &session).await,
        SessionStatus::Active,
        "every question answered"
    );
}

#[tokio::test]
async fn every_field_is_validated_with_an_actionable_message() {
    let app = TestApp::spawn().await;
    let mut gil = app.user("gil@example.com").await;
    let session = gil.start("validator").await;
    let cases: Vec<(tonic::Status, &str)> = vec![
        (
            gil.agent
                .start_session(StartSessionRequest {
                    agent_name: "".into(),
                    request_id: rid(),
                    ..Default::default()
                })
                .await
                .unwrap_err(),
            "agent_name",
        ),
        (
            gil.agent
                .start_session(StartSessionRequest {
                    agent_name: "bad/name".into(),
                    request_id: rid(),
                    ..Default::default()
                })
                .await
                .unwrap_err(),
            "agent_name",
        ),
        (
            gil.agent
                .start_session(StartSessionRequest {
                    agent_name: "ok".into(),
                    request_id: String::new(),
                    ..Default::default()
                })
                .await
                .unwrap_err(),
            "request_id",
        ),
        (
            gil.agent
                .start_session(StartSessionRequest {
                    agent_name: "ok".into(),
                    session_id: "not-a-uuid".into(),
                    request_id: rid(),
                    ..Default::default()
                })
                .await
                .unwrap_err(),
            "session_id",
        ),
        (
            gil.agent
                .start_session(StartSessionRequest {
                    agent_name: "ok".into(),
                    request_id: rid(),
                    metadata: (0..40).map(|i| (format!("k{i}"), "v".into())).collect(),
                    ..Default::default()
                })
                .await
                .unwrap_err(),
            "metadata",
        ),
        (
            gil.agent
                .log_step(LogStepRequest {
                    session_id: session.clone(),
                    text: "x".repeat(16_385),
                    request_id: rid(),
                })
                .await
                .unwrap_err(),
            "text",
        ),
        (
            gil.agent
                .log_step(LogStepRequest {
                    session_id: session.clone(),
                    text: "  ".into(),
                    request_id: rid(),
                })
                .await
                .unwrap_err(),
            "text",
        ),
        (
            gil.agent
                .ask_question(AskQuestionRequest {
                    session_id: session.clone(),
                    text: "q".into(),
                    options: (0..21)
                        .map(|i| QuestionOption {
                            id: format!("o{i}"),
                            label: "l".into(),
                            description: String::new(),
                        })
                        .collect(),
                    request_id: rid(),
                    ..Default::default()
                })
                .await
                .unwrap_err(),
            "options",
        ),
        (
            gil.agent
                .ask_question(AskQuestionRequest {
                    session_id: session.clone(),
                    text: "q".into(),
                    options: vec![QuestionOption {
                        id: "a".into(),
                        label: "x".repeat(201),
                        description: String::new(),
                    }],
                    request_id: rid(),
                    ..Default::default()
                })
                .await
                .unwrap_err(),
            "options.label",
        ),
        (
            gil.agent
                .report_diff(ReportDiffRequest {
                    session_id: session.clone(),
                    diff: "just prose".into(),
                    request_id: rid(),
                })
                .await
                .unwrap_err(),
            "diff",
        ),
        (
            gil.agent
                .report_usage(ReportUsageRequest {
                    session_id: session.clone(),
                    usage: Some(Usage {
                        input_tokens: -1,
                        ..Default::default()
                    }),
                    request_id: rid(),
                })
                .await
                .unwrap_err(),
            "usage.input_tokens",
        ),
        (
            gil.agent
                .end_session(EndSessionRequest {
                    session_id: session.clone(),
                    outcome: 0,
                    summary: String::new(),
                    request_id: rid(),
                })
                .await
                .unwrap_err(),
            "outcome",
        ),
        (
            gil.dashboard
                .list_sessions(ListSessionsRequest {
                    page_size: -1,
                    ..Default::default()
                })
                .await
                .unwrap_err(),
            "page_size",
        ),
        (
            gil.dashboard
                .rename_session(RenameSessionRequest {
                    session_id: session.clone(),
                    name: " ".into(),
                })
                .await
                .unwrap_err(),
            "name",
        ),
    ];
    for (status, field) in cases {
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert!(
            status.message().starts_with(field),
            "message {:?} should name {field}",
            status.message()
        );
    }
    // Usage totals are cumulative and may not go down.
    gil.agent
        .report_usage(ReportUsageRequest {
            session_id: session.clone(),
            usage: Some(Usage {
                input_tokens: 10,
                output_tokens: 1,
                cost_micros: 5,
            }),
            request_id: rid(),
        })
        .await
        .unwrap();
    let down = gil
        .agent
        .report_usage(ReportUsageRequest {
            session_id: session.clone(),
            usage: Some(Usage {
                input_tokens: 9,
                output_tokens: 1,
                cost_micros: 5,
            }),
            request_id: rid(),
        })
        .await
        .unwrap_err();
    assert_eq!(down.code(), Code::InvalidArgument);
    // An oversized diff names the cap.
    let big = format!(
        "diff --git a/a b/a\n@@ -1 +1 @@\n+{}\n",
        "x".repeat(1 << 20)
    );
    let e = gil
        .agent
        .report_diff(ReportDiffRequest {
            session_id: session,
            diff: big,
            request_id: rid(),
        })
        .await
        .unwrap_err();
    assert!(
        e.code() == Code::InvalidArgument || e.code() == Code::ResourceExhausted,
        "{e:?}"
    );
}

#[tokio::test]
async fn stopping_reaches_the_agent_and_the_grace_period_ends_in_stopped() {
    let app = TestApp::spawn_with(|s| s.sessions.stop_grace_secs = 1).await;
    let mut hal = app.user("hal@example.com").await;
    let session = hal.start("runaway").await;
    let stopped = hal
        .dashboard
        .stop_session(StopSessionRequest {
            session_id: session.clone(),
            reason: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        stopped.session.unwrap().status,
        SessionStatus::Stopping as i32
    );
    // Idempotent while stopping.
    hal.dashboard
        .stop_session(StopSessionRequest {
            session_id: session.clone(),
            reason: String::new(),
        })
        .await
        .unwrap();
    let hb = hal
        .agent
        .heartbeat(HeartbeatRequest {
            session_id: session.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(hb.status, SessionStatus::Stopping as i32);
    let mut dashboard = hal.dashboard.clone();
    let sid = session.clone();
    eventually("STOPPED after the grace period", || {
        let mut d = dashboard.clone();
        let sid = sid.clone();
        async move {
            d.get_session(GetSessionRequest { session_id: sid })
                .await
                .unwrap()
                .into_inner()
                .session
                .unwrap()
                .status
                == SessionStatus::Stopped as i32
        }
    })
    .await;
    let again = dashboard
        .stop_session(StopSessionRequest {
            session_id: session,
            reason: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition);
}

#[tokio::test]
async fn another_users_session_is_not_found_everywhere() {
    let app = TestApp::spawn().await;
    let mut ivy = app.user("ivy@example.com").await;
    let mut joe = app.user("joe@example.com").await;
    let session = ivy.start("private").await;
    let q = ivy.ask(&session, "secret?", &["y"]).await;
    let s = session.clone();
    let codes = vec![
        code(
            joe.agent
                .log_step(LogStepRequest {
                    session_id: s.clone(),
                    text: "x".into(),
                    request_id: rid(),
                })
                .await,
        ),
        code(
            joe.agent
                .heartbeat(HeartbeatRequest {
                    session_id: s.clone(),
                })
                .await,
        ),
        code(
            joe.agent
                .ask_question(AskQuestionRequest {
                    session_id: s.clone(),
                    text: "x".into(),
                    request_id: rid(),
                    ..Default::default()
                })
                .await,
        ),
        code(
            joe.agent
                .wait_for_answer(WaitForAnswerRequest {
                    session_id: s.clone(),
                    question_id: q.id.clone(),
                    timeout: None,
                })
                .await,
        ),
        code(
            joe.agent
                .subscribe(SubscribeRequest {
                    session_id: s.clone(),
                    after_seq: 0,
                })
                .await,
        ),
        code(
            joe.agent
                .report_usage(ReportUsageRequest {
                    session_id: s.clone(),
                    usage: Some(Usage::default()),
                    request_id: rid(),
                })
                .await,
        ),
        code(
            joe.agent
                .end_session(EndSessionRequest {
                    session_id: s.clone(),
                    outcome: 1,
                    summary: String::new(),
                    request_id: rid(),
                })
                .await,
        ),
        code(
            joe.dashboard
                .get_session(GetSessionRequest {
                    session_id: s.clone(),
                })
                .await,
        ),
        code(
            joe.dashboard
                .answer_question(AnswerQuestionRequest {
                    session_id: s.clone(),
                    question_id: q.id.clone(),
                    option_ids: vec!["y".into()],
                    text: String::new(),
                    request_id: String::new(),
                })
                .await,
        ),
        code(
            joe.dashboard
                .send_message(SendMessageRequest {
                    session_id: s.clone(),
                    text: "x".into(),
                    request_id: String::new(),
                })
                .await,
        ),
        code(
            joe.dashboard
                .stop_session(StopSessionRequest {
                    session_id: s.clone(),
                    reason: String::new(),
                })
                .await,
        ),
        code(
            joe.dashboard
                .rename_session(RenameSessionRequest {
                    session_id: s.clone(),
                    name: "mine".into(),
                })
                .await,
        ),
        code(
            joe.dashboard
                .delete_session(DeleteSessionRequest {
                    session_id: s.clone(),
                })
                .await,
        ),
        code(
            joe.dashboard
                .revoke_api_key(RevokeApiKeyRequest {
                    api_key_id: ivy.api_key_id.clone(),
                })
                .await,
        ),
    ];
    assert!(codes.iter().all(|c| *c == Code::NotFound), "{codes:?}");
    // A session id of another user cannot be claimed (it looks like an id never used), and the
    // owner still has it.
    let claim = joe
        .agent
        .start_session(StartSessionRequest {
            session_id: s.clone(),
            agent_name: "private".into(),
            request_id: rid(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(claim.code(), Code::NotFound);
    assert_eq!(
        status_of(&mut ivy, &session).await,
        SessionStatus::AwaitingInput
    );
    let listed = joe
        .dashboard
        .list_sessions(ListSessionsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(listed.sessions.is_empty());
}

#[tokio::test]
async fn a_waiting_agent_learns_of_a_stop_at_once() {
    let app = TestApp::spawn_with(|s| s.sessions.stop_grace_secs = 600).await;
    let mut una = app.user("una@example.com").await;
    let session = una.start("waiter").await;
    let q = una.ask(&session, "go on?", &["y"]).await;
    let waiter = spawn_wait_for_answer(&una.agent, &session, &q.id, 600);
    tokio::time::sleep(Duration::from_millis(200)).await;
    una.dashboard
        .stop_session(StopSessionRequest {
            session_id: session,
            reason: "stop".into(),
        })
        .await
        .unwrap();
    let got = tokio::time::timeout(Duration::from_secs(20), waiter)
        .await
        .expect("the wait ends with the stop, not the 600 s timeout")
        .unwrap();
    assert!(!got.answered);
    assert_eq!(got.status, SessionStatus::Stopping as i32);
}

/// Issue 11: a stream a client reads only in part (the helpers watch for a stop during `ask`)
/// must not make a message disappear. Delivery on Subscribe leaves a message unread; only
/// AcknowledgeMessages (or LogStep returning it) marks it read.
#[tokio::test]
async fn a_message_delivered_on_the_subscription_stays_queued_until_acknowledged() {
    let app = TestApp::spawn().await;
    let mut val = app.user("val@example.com").await;
    let session = val.start("listener").await;
    let mut sub = val
        .agent
        .subscribe(SubscribeRequest {
            session_id: session.clone(),
            after_seq: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let send = |text: &str| {
        let mut dashboard = val.dashboard.clone();
        let req = SendMessageRequest {
            session_id: session.clone(),
            text: text.into(),
            request_id: String::new(),
        };
        async move {
            dashboard
                .send_message(req)
                .await
                .unwrap()
                .into_inner()
                .message
                .unwrap()
                .seq
        }
    };
    let first = send("seen on the stream only").await;
    loop {
        let item = sub.message().await.unwrap().unwrap();
        if let Some(subscribe_response::Item::Message(m)) = item.item {
            assert!(matches!(m.body, Some(message::Body::UserMessage(_))));
            assert_eq!(m.seq, first);
            break;
        }
    }
    let mut agent = val.agent.clone();
    let unread = agent
        .heartbeat(HeartbeatRequest {
            session_id: session.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .unread_message_count;
    assert_eq!(unread, 1, "written to a stream is not read");
    let stepper = agent.clone();
    let step = |text: &str| {
        let mut agent = stepper.clone();
        let req = LogStepRequest {
            session_id: session.clone(),
            text: text.into(),
            request_id: rid(),
        };
        async move { agent.log_step(req).await.unwrap().into_inner() }
    };
    let texts = |r: &LogStepResponse| -> Vec<String> {
        r.queued_messages
            .iter()
            .map(|m| match &m.body {
                Some(message::Body::UserMessage(u)) => u.text.clone(),
                other => panic!("not a user message: {other:?}"),
            })
            .collect()
    };
    assert_eq!(
        texts(&step("one").await),
        vec!["seen on the stream only".to_string()],
        "the next step still delivers it"
    );

    // Acknowledged after the stream delivered it: the step does not return it again.
    let second = send("acknowledged").await;
    let acked = agent
        .acknowledge_messages(AcknowledgeMessagesRequest {
            session_id: session.clone(),
            through_seq: second,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(acked.read_through_seq, second);
    assert_eq!(acked.unread_message_count, 0);
    assert!(texts(&step("two").await).is_empty(), "acknowledged");

    // Monotonic: a lower position changes nothing.
    let again = agent
        .acknowledge_messages(AcknowledgeMessagesRequest {
            session_id: session.clone(),
            through_seq: 1,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(again.read_through_seq >= second);

    // Bounds and tenancy.
    for (through_seq, code) in [
        (-1, Code::InvalidArgument),
        (1_000_000, Code::InvalidArgument),
    ] {
        let err = agent
            .acknowledge_messages(AcknowledgeMessagesRequest {
                session_id: session.clone(),
                through_seq,
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), code, "{through_seq}: {err:?}");
        assert!(err.message().contains("through_seq"), "{}", err.message());
    }
    let stranger = app.user("wil@example.com").await;
    let err = stranger
        .agent
        .clone()
        .acknowledge_messages(AcknowledgeMessagesRequest {
            session_id: session.clone(),
            through_seq: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

#[tokio::test]
async fn the_subscription_ends_with_ok_when_the_session_ends() {
    let app = TestApp::spawn().await;
    let mut wes = app.user("wes@example.com").await;
    let session = wes.start("finisher").await;
    let mut sub = wes
        .agent
        .subscribe(SubscribeRequest {
            session_id: session.clone(),
            after_seq: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let ended = wes
        .agent
        .end_session(EndSessionRequest {
            session_id: session.clone(),
            outcome: SessionOutcome::Failed as i32,
            summary: "gave up".into(),
            request_id: rid(),
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    let mut last = None;
    while let Some(item) = tokio::time::timeout(Duration::from_secs(10), sub.message())
        .await
        .expect("the stream ends by itself")
        .expect("and with OK")
    {
        last = item.item;
    }
    assert!(
        matches!(&last, Some(subscribe_response::Item::Message(m)) if matches!(&m.body, Some(message::Body::StatusChange(c)) if c.to_status == SessionStatus::Failed as i32)),
        "the terminal status change is the last item: {last:?}"
    );
    // Subscribing afterwards: nothing left after the last seq → ends at once; from 0 → replay, then end.
    let mut late = wes
        .agent
        .subscribe(SubscribeRequest {
            session_id: session.clone(),
            after_seq: ended.last_seq,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(late.message().await.unwrap().is_none());
    let mut replay = wes
        .agent
        .subscribe(SubscribeRequest {
            session_id: session,
            after_seq: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let mut n = 0;
    while replay.message().await.unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 1, "only the terminal status change is for the agent");
}

#[tokio::test]
async fn a_retried_answer_with_its_request_id_returns_the_stored_answer() {
    let app = TestApp::spawn().await;
    let mut xia = app.user("xia@example.com").await;
    let session = xia.start("asker").await;
    let q = xia.ask(&session, "ok?", &["y", "n"]).await;
    let answer = AnswerQuestionRequest {
        session_id: session.clone(),
        question_id: q.id.clone(),
        option_ids: vec!["y".into()],
        text: String::new(),
        request_id: "answer-1".into(),
    };
    let first = xia
        .dashboard
        .answer_question(answer.clone())
        .await
        .unwrap()
        .into_inner();
    let retry = xia
        .dashboard
        .answer_question(answer.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.seq, retry.seq);
    let other = xia
        .dashboard
        .answer_question(AnswerQuestionRequest {
            request_id: "answer-2".into(),
            ..answer
        })
        .await
        .unwrap_err();
    assert_eq!(other.code(), Code::FailedPrecondition);
}

#[tokio::test]
async fn an_ended_session_has_no_open_questions() {
    let app = TestApp::spawn().await;
    let mut yan = app.user("yan@example.com").await;
    let session = yan.start("quitter").await;
    yan.ask(&session, "never answered", &["a"]).await;
    yan.agent
        .end_session(EndSessionRequest {
            session_id: session.clone(),
            outcome: SessionOutcome::Failed as i32,
            summary: String::new(),
            request_id: rid(),
        })
        .await
        .unwrap();
    let got = yan
        .dashboard
        .get_session(GetSessionRequest {
            session_id: session,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.session.unwrap().open_question_count, 0);
    assert!(got.open_questions.is_empty());
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

#[tokio::test]
async fn resuming_beyond_the_end_of_a_feed_is_refused() {
    let app = TestApp::spawn().await;
    let mut ada = app.user("ada@example.com").await;
    let session = ada.start("resumer").await;
    let last = ada.step(&session, "one").await.seq;
    let watch = ada
        .dashboard
        .watch_session(WatchSessionRequest {
            session_id: session.clone(),
            after_seq: last + 5,
        })
        .await
        .unwrap_err();
    assert_eq!(watch.code(), Code::InvalidArgument);
    assert!(
        watch.message().starts_with("after_seq"),
        "{}",
        watch.message()
    );
    let sub = ada
        .agent
        .subscribe(SubscribeRequest {
            session_id: session,
            after_seq: last + 1,
        })
        .await
        .unwrap_err();
    assert_eq!(sub.code(), Code::InvalidArgument);
    let inbox = ada
        .dashboard
        .watch_inbox(WatchInboxRequest {
            after_cursor: 1_000,
        })
        .await
        .unwrap_err();
    assert_eq!(inbox.code(), Code::InvalidArgument);
    // Exactly at the end is fine: nothing to replay, then live.
    let fresh = ada.start("other").await;
    ada.dashboard
        .watch_session(WatchSessionRequest {
            session_id: fresh,
            after_seq: 0,
        })
        .await
        .expect("after_seq 0 on an empty session");
}
