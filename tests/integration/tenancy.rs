//! Tenancy and validation: another user's ids are NOT_FOUND on every RPC and stream, and every
//! field's INVALID_ARGUMENT names the field.

use switchboard::proto::*;
use tonic::Code;

use crate::agent_loop::*;
use crate::harness::*;

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
