//! Tool approvals at their edges: validation messages, tenancy on every new RPC, inbox events,
//! and the live feeds (Subscribe, WatchSession) carrying both message kinds.

use std::time::Duration;

use switchboard::proto::*;
use tonic::Code;

use crate::approvals::*;
use crate::harness::*;

fn invalid(r: Result<impl std::fmt::Debug, tonic::Status>, field: &str, needle: &str) {
    let e = r.expect_err("expected INVALID_ARGUMENT");
    assert_eq!(e.code(), Code::InvalidArgument, "{field}: {}", e.message());
    assert!(
        e.message().starts_with(&format!("{field}:")) && e.message().contains(needle),
        "expected {field:?} and {needle:?} in {:?}",
        e.message()
    );
}

#[tokio::test]
async fn bad_requests_name_the_field_and_the_limit() {
    let app = TestApp::spawn().await;
    let mut ivy = app.user("ivy@example.com").await;
    let session = ivy.start("claude-code").await;
    let ok = || bash_request(&session, "ls");
    let preview = |summary: &str, detail| {
        Some(ApprovalPreview {
            summary: summary.into(),
            detail,
        })
    };
    let cases: Vec<(RequestApprovalRequest, &str, &str)> = vec![
        (
            RequestApprovalRequest {
                tool_name: String::new(),
                ..ok()
            },
            "tool_name",
            "required",
        ),
        (
            RequestApprovalRequest {
                tool_name: "x".repeat(201),
                ..ok()
            },
            "tool_name",
            "limit is 200",
        ),
        (
            RequestApprovalRequest {
                input_json: "[1, 2]".into(),
                ..ok()
            },
            "input_json",
            "JSON object",
        ),
        (
            RequestApprovalRequest {
                input_json: "{\"command\": ".into(),
                ..ok()
            },
            "input_json",
            "not valid JSON",
        ),
        (
            RequestApprovalRequest {
                input_json: format!("{{\"a\":\"{}\"}}", "x".repeat(256 * 1024)),
                ..ok()
            },
            "input_json",
            "256 KiB",
        ),
        (
            RequestApprovalRequest {
                input_json: r#"{"a":"\u0000"}"#.into(),
                ..ok()
            },
            "input_json",
            "NUL",
        ),
        (
            RequestApprovalRequest {
                preview: None,
                ..ok()
            },
            "preview",
            "required",
        ),
        (
            RequestApprovalRequest {
                preview: preview(&"s".repeat(281), None),
                ..ok()
            },
            "preview.summary",
            "limit is 280",
        ),
        (
            RequestApprovalRequest {
                preview: preview("", None),
                ..ok()
            },
            "preview.summary",
            "required",
        ),
        (
            RequestApprovalRequest {
                preview: preview(
                    "Edit",
                    Some(approval_preview::Detail::FileChange(FileChangePreview {
                        path: String::new(),
                        unified_diff: String::new(),
                    })),
                ),
                ..ok()
            },
            "preview.file_change.path",
            "required",
        ),
        (
            RequestApprovalRequest {
                preview: preview(
                    "Fetch",
                    Some(approval_preview::Detail::Url(UrlPreview {
                        url: "https://example.com".into(),
                        description: "d".repeat(2_001),
                    })),
                ),
                ..ok()
            },
            "preview.url.description",
            "limit is 2000",
        ),
        (
            RequestApprovalRequest {
                preview: preview(
                    "Run",
                    Some(approval_preview::Detail::ShellCommand(
                        ShellCommandPreview {
                            command: "ls\0".into(),
                            ..Default::default()
                        },
                    )),
                ),
                ..ok()
            },
            "preview.shell_command.command",
            "NUL",
        ),
        (
            RequestApprovalRequest {
                tool_use_id: "t".repeat(257),
                ..ok()
            },
            "tool_use_id",
            "limit is 256",
        ),
        (
            RequestApprovalRequest {
                default_decision: ApprovalDecision::AllowSession as i32,
                timeout: Some(prost_types::Duration {
                    seconds: 5,
                    nanos: 0,
                }),
                ..ok()
            },
            "default_decision",
            "DENY or ALLOW_ONCE",
        ),
        (
            RequestApprovalRequest {
                default_decision: ApprovalDecision::AllowOnce as i32,
                ..ok()
            },
            "default_decision",
            "timeout",
        ),
        (
            RequestApprovalRequest {
                default_decision: 42,
                ..ok()
            },
            "default_decision",
            "not an approval decision",
        ),
        (
            RequestApprovalRequest {
                timeout: Some(prost_types::Duration {
                    seconds: 8 * 24 * 3600,
                    nanos: 0,
                }),
                ..ok()
            },
            "timeout",
            "7 days",
        ),
        (
            RequestApprovalRequest {
                request_id: String::new(),
                ..ok()
            },
            "request_id",
            "required",
        ),
    ];
    for (req, field, needle) in cases {
        invalid(ivy.agent.request_approval(req).await, field, needle);
    }

    let a = request(
        &mut ivy,
        RequestApprovalRequest {
            input_editable: true,
            ..ok()
        },
    )
    .await;
    let d = |decision: i32, reason: &str, updated: &str| DecideApprovalRequest {
        session_id: session.clone(),
        approval_id: a.id.clone(),
        decision,
        reason: reason.into(),
        updated_input_json: updated.into(),
        request_id: String::new(),
    };
    for (req, field, needle) in [
        (d(0, "", ""), "decision", "is required"),
        (d(9, "", ""), "decision", "not an approval decision"),
        (
            d(ApprovalDecision::Deny as i32, &"r".repeat(2_001), ""),
            "reason",
            "limit is 2000",
        ),
        (
            d(ApprovalDecision::Deny as i32, "", "{}"),
            "updated_input_json",
            "only with an allow",
        ),
        (
            d(ApprovalDecision::AllowOnce as i32, "", "\"ls\""),
            "updated_input_json",
            "JSON object",
        ),
        (
            DecideApprovalRequest {
                approval_id: "nope".into(),
                ..d(ApprovalDecision::Deny as i32, "", "")
            },
            "approval_id",
            "UUID",
        ),
    ] {
        invalid(ivy.dashboard.decide_approval(req).await, field, needle);
    }
    let r = |approval_id: &str, tool_use_id: &str, decision: i32| ResolveApprovalRequest {
        session_id: session.clone(),
        approval_id: approval_id.into(),
        tool_use_id: tool_use_id.into(),
        decision,
        reason: String::new(),
        request_id: rid(),
    };
    let allow = ApprovalDecision::AllowOnce as i32;
    for (req, field, needle) in [
        (
            r("", "", allow),
            "approval_id",
            "set approval_id or tool_use_id",
        ),
        (r(&a.id, &a.tool_use_id, allow), "approval_id", "not both"),
        (r(&a.id, "", 0), "decision", "is required"),
    ] {
        invalid(ivy.agent.resolve_approval(req).await, field, needle);
    }
    invalid(
        ivy.agent
            .wait_for_approval(WaitForApprovalRequest {
                session_id: session.clone(),
                approval_id: String::new(),
                timeout: None,
            })
            .await,
        "approval_id",
        "required",
    );
    // None of that changed anything.
    assert!(open_approvals(&mut ivy, &session).await[0].result.is_none());
}

#[tokio::test]
async fn another_users_approval_is_not_found_on_every_rpc() {
    let app = TestApp::spawn().await;
    let mut jo = app.user("jo@example.com").await;
    let mut kim = app.user("kim@example.com").await;
    let session = jo.start("claude-code").await;
    let a = request(&mut jo, bash_request(&session, "ls")).await;
    let kims_session = kim.start("claude-code").await;

    assert_eq!(
        code(
            kim.agent
                .request_approval(bash_request(&session, "ls"))
                .await
        ),
        Code::NotFound,
        "RequestApproval in another user's session"
    );
    // Jo's session, or Kim's own with Jo's approval id: no way in either.
    for s in [&session, &kims_session] {
        let wait = kim
            .agent
            .wait_for_approval(WaitForApprovalRequest {
                session_id: s.clone(),
                approval_id: a.id.clone(),
                timeout: None,
            })
            .await;
        assert_eq!(code(wait), Code::NotFound, "WaitForApproval");
        let decide_it = kim
            .dashboard
            .decide_approval(decide(s, &a.id, ApprovalDecision::AllowOnce, ""))
            .await;
        assert_eq!(code(decide_it), Code::NotFound, "DecideApproval");
        for by_tool_use in [false, true] {
            let resolve = kim
                .agent
                .resolve_approval(ResolveApprovalRequest {
                    session_id: s.clone(),
                    approval_id: if by_tool_use { "" } else { &a.id }.into(),
                    tool_use_id: if by_tool_use { &a.tool_use_id } else { "" }.into(),
                    decision: ApprovalDecision::AllowOnce as i32,
                    reason: String::new(),
                    request_id: rid(),
                })
                .await;
            assert_eq!(code(resolve), Code::NotFound, "ResolveApproval");
        }
    }
    // Untouched: Jo still has the open approval.
    let open = open_approvals(&mut jo, &session).await;
    assert_eq!(open.len(), 1);
    assert!(open[0].result.is_none());
}

#[tokio::test]
async fn the_inbox_tells_of_requests_and_decisions() {
    let app = TestApp::spawn().await;
    let mut lea = app.user("lea@example.com").await;
    let session = lea.start("claude-code").await;
    let a = request(&mut lea, bash_request(&session, "cargo publish")).await;
    lea.dashboard
        .decide_approval(decide(&session, &a.id, ApprovalDecision::Deny, "not yet"))
        .await
        .unwrap();
    let events = inbox_events(&mut lea).await;
    let requested = events
        .iter()
        .find(|e| e.kind == InboxEventKind::ApprovalRequested as i32)
        .expect("APPROVAL_REQUESTED");
    assert_eq!(requested.approval_id, a.id);
    assert_eq!(requested.tool_name, "Bash");
    assert_eq!(requested.approval_summary, "Run cargo publish");
    assert_eq!(requested.open_approval_count, 1);
    assert_eq!(requested.status, SessionStatus::AwaitingInput as i32);
    assert_eq!(
        requested.approval_decision,
        ApprovalDecision::Unspecified as i32
    );
    let decided = events
        .iter()
        .find(|e| e.kind == InboxEventKind::ApprovalDecided as i32)
        .expect("APPROVAL_DECIDED");
    assert_eq!(decided.approval_id, a.id);
    assert_eq!(decided.approval_decision, ApprovalDecision::Deny as i32);
    assert_eq!(decided.open_approval_count, 0);
    assert_eq!(decided.status, SessionStatus::Active as i32);
    assert!(decided.cursor > requested.cursor);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_delivers_the_decision_and_watch_session_both_kinds() {
    let app = TestApp::spawn().await;
    let mut max = app.user("max@example.com").await;
    let session = max.start("claude-code").await;
    let mut agent_feed = max
        .agent
        .subscribe(SubscribeRequest {
            session_id: session.clone(),
            after_seq: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let mut person_feed = max
        .dashboard
        .watch_session(WatchSessionRequest {
            session_id: session.clone(),
            after_seq: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let a = request(&mut max, bash_request(&session, "terraform apply")).await;
    max.dashboard
        .decide_approval(decide(&session, &a.id, ApprovalDecision::AllowOnce, "ok"))
        .await
        .unwrap();

    // The agent's subscription: the decision (not its own request).
    let result = loop {
        let item = tokio::time::timeout(Duration::from_secs(10), agent_feed.message())
            .await
            .expect("the decision is pushed")
            .unwrap()
            .unwrap();
        match item.item {
            Some(subscribe_response::Item::Message(m)) => match m.body {
                Some(message::Body::ApprovalResult(r)) => break r,
                Some(message::Body::Approval(_)) => panic!("the agent's own request came back"),
                _ => {}
            },
            _ => continue,
        }
    };
    assert_eq!(result.approval_id, a.id);
    assert_eq!(result.reason, "ok");

    // The person's view: the request, then the decision.
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let item = tokio::time::timeout(Duration::from_secs(10), person_feed.message())
            .await
            .expect("watch delivers")
            .unwrap()
            .unwrap();
        if let Some(watch_session_response::Item::Message(m)) = item.item {
            match m.body {
                Some(message::Body::Approval(x)) => {
                    assert_eq!(x.id, a.id);
                    assert_eq!(x.input_json, r#"{"command":"terraform apply"}"#);
                    seen.push("approval")
                }
                Some(message::Body::ApprovalResult(_)) => seen.push("result"),
                _ => {}
            }
        }
    }
    assert_eq!(seen, ["approval", "result"]);
}
