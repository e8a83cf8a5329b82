//! Questions, answers and stops: deadlines with defaults, validation of answers, retried answers, a
//! stop reaching a waiting agent and the grace period.

use std::time::Duration;

use switchboard::proto::*;
use tonic::Code;

use crate::agent_loop::*;
use crate::harness::*;

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
async fn a_waiting_agent_learns_of_a_stop_at_once() {
    let app = TestApp::spawn_with(|s| s.sessions.stop_grace_secs = 600).await;
    let mut una = app.user("una@example.com").await;
    let session = una.start("waiter").await;
    let q = una.ask(&session, "go on?", &["y"]).await;
    let waiter = spawn_wait_for_answer(&una.agent, &session, &q.id, 600);
    app.until_followed(&session).await;
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

/// Six answers to one question race each other and the agent's steps (the answer's short path
/// writes only if nothing else wrote to the session since it read it): exactly one answer is
/// stored and accepted, the others are refused as already answered, the session's seqs have no
/// gap, the status change to ACTIVE is written once, after the answer, and the project's inbox
/// cursors stay gapless with each stored body carrying its row's cursor.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_answers_and_steps_store_one_answer_without_gaps() {
    const ANSWERS: usize = 6;
    const STEPS: usize = 10;
    let app = TestApp::spawn().await;
    let mut zoe = app.user("zoe@example.com").await;
    let session = zoe.start("asker").await;
    let q = zoe.ask(&session, "which way?", &["left", "right"]).await;
    let mut answers = tokio::task::JoinSet::new();
    for i in 0..ANSWERS {
        let mut dashboard = zoe.dashboard.clone();
        let req = AnswerQuestionRequest {
            session_id: session.clone(),
            question_id: q.id.clone(),
            option_ids: vec![if i % 2 == 0 { "left" } else { "right" }.into()],
            text: String::new(),
            request_id: rid(),
        };
        answers.spawn(async move {
            let answered = dashboard.answer_question(req).await?;
            Ok(answered.into_inner().seq)
        });
    }
    let accepted = race_with_steps(&zoe.agent, &session, answers, STEPS, "already answered").await;
    assert_one_resolution_without_gaps(
        &app,
        &mut zoe,
        &session,
        &accepted,
        |b| matches!(b, message::Body::Answer(_)),
        &[switchboard::domain::AuditAction::QuestionAnswered as i16],
    )
    .await;
}
