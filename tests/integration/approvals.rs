//! Tool approvals (issue 14): an agent asks, a person allows or denies from the dashboard, the
//! decision is pushed to the waiting agent; allow-for-session rules, edited inputs, the
//! agent's terminal answering first, racing decisions, deadlines, retries and stops.
//! Validation, tenancy and feeds are in `approvals_edges.rs`.

use std::time::Duration;

use switchboard::proto::*;
use tonic::Code;

use crate::agent_loop::{all_messages, status_of};
use crate::harness::*;

/// A Bash approval request, as the Claude Code hook would send it.
pub fn bash_request(session: &str, command: &str) -> RequestApprovalRequest {
    RequestApprovalRequest {
        session_id: session.into(),
        tool_name: "Bash".into(),
        input_json: serde_json::json!({ "command": command }).to_string(),
        preview: Some(ApprovalPreview {
            summary: format!("Run {command}"),
            detail: Some(approval_preview::Detail::ShellCommand(
                ShellCommandPreview {
                    command: command.into(),
                    description: String::new(),
                    working_directory: "/work".into(),
                },
            )),
        }),
        tool_use_id: format!("toolu_{}", uuid::Uuid::new_v4().simple()),
        request_id: rid(),
        ..Default::default()
    }
}

pub async fn request(user: &mut TestUser, req: RequestApprovalRequest) -> ToolApproval {
    user.agent
        .request_approval(req)
        .await
        .expect("request approval")
        .into_inner()
        .approval
        .unwrap()
}

pub fn decide(
    session: &str,
    approval: &str,
    decision: ApprovalDecision,
    reason: &str,
) -> DecideApprovalRequest {
    DecideApprovalRequest {
        session_id: session.into(),
        approval_id: approval.into(),
        decision: decision as i32,
        reason: reason.into(),
        ..Default::default()
    }
}

/// The agent's WaitForApproval in the background, waiting at most `seconds`.
pub fn spawn_wait(
    agent: &AgentClient,
    session: &str,
    approval: &str,
    seconds: i64,
) -> tokio::task::JoinHandle<WaitForApprovalResponse> {
    let mut agent = agent.clone();
    let request = WaitForApprovalRequest {
        session_id: session.into(),
        approval_id: approval.into(),
        timeout: Some(prost_types::Duration { seconds, nanos: 0 }),
    };
    tokio::spawn(async move {
        agent
            .wait_for_approval(request)
            .await
            .expect("wait for approval")
            .into_inner()
    })
}

pub async fn open_approvals(user: &mut TestUser, session: &str) -> Vec<ToolApproval> {
    user.dashboard
        .get_session(GetSessionRequest {
            session_id: session.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .open_approvals
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_allows_and_the_waiting_agent_gets_it_pushed() {
    let app = TestApp::spawn().await;
    let mut ann = app.user("ann@example.com").await;
    let session = ann.start("claude-code").await;
    let a = request(&mut ann, bash_request(&session, "cargo test")).await;
    assert!(a.result.is_none(), "open until a person decides");
    assert_eq!(a.tool_name, "Bash");
    assert!(a.deadline_time.is_none(), "no timeout, no deadline");
    assert_eq!(a.default_decision, ApprovalDecision::Deny as i32);
    assert_eq!(
        status_of(&mut ann, &session).await,
        SessionStatus::AwaitingInput
    );
    let open = open_approvals(&mut ann, &session).await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].id, a.id);
    assert_eq!(open[0].preview.as_ref().unwrap().summary, "Run cargo test");
    let got = ann
        .dashboard
        .get_session(GetSessionRequest {
            session_id: session.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    assert_eq!(got.open_approval_count, 1);

    // The waiter is parked before the decision exists: it must be woken by the commit.
    let waiter = spawn_wait(&ann.agent, &session, &a.id, 60);
    app.until_followed(&session).await;
    let decided = ann
        .dashboard
        .decide_approval(decide(&session, &a.id, ApprovalDecision::AllowOnce, ""))
        .await
        .unwrap()
        .into_inner();
    let result = decided.result.unwrap();
    assert_eq!(result.decision, ApprovalDecision::AllowOnce as i32);
    assert_eq!(result.decided_by, Sender::User as i32);
    let got = waiter.await.unwrap();
    assert!(got.decided);
    assert_eq!(got.result.unwrap(), result, "the stored decision, pushed");
    assert_eq!(got.status, SessionStatus::Active as i32);
    assert!(open_approvals(&mut ann, &session).await.is_empty());

    // Both messages are in the history, the decision after the request.
    let messages = all_messages(&mut ann, &session).await;
    let request_seq = messages
        .iter()
        .find(|m| matches!(&m.body, Some(message::Body::Approval(x)) if x.id == a.id))
        .expect("the request is a message")
        .seq;
    let result_msg = messages
        .iter()
        .find(|m| matches!(&m.body, Some(message::Body::ApprovalResult(_))))
        .expect("the decision is a message");
    assert_eq!(result_msg.seq, decided.seq);
    assert!(result_msg.seq > request_seq);
    assert_eq!(result_msg.sender, Sender::User as i32);
}

#[tokio::test]
async fn a_person_denies_with_a_reason_and_edits_an_input() {
    let app = TestApp::spawn().await;
    let mut bea = app.user("bea@example.com").await;
    let session = bea.start("claude-code").await;
    let a = request(&mut bea, bash_request(&session, "rm -rf target")).await;
    bea.dashboard
        .decide_approval(decide(
            &session,
            &a.id,
            ApprovalDecision::Deny,
            "use cargo clean instead",
        ))
        .await
        .unwrap();
    let got = bea
        .agent
        .wait_for_approval(WaitForApprovalRequest {
            session_id: session.clone(),
            approval_id: a.id.clone(),
            timeout: None,
        })
        .await
        .unwrap()
        .into_inner();
    let r = got.result.unwrap();
    assert_eq!(r.decision, ApprovalDecision::Deny as i32);
    assert_eq!(r.reason, "use cargo clean instead");
    assert!(r.updated_input_json.is_empty());

    // An editable input: the person runs a different command.
    let editable = request(
        &mut bea,
        RequestApprovalRequest {
            input_editable: true,
            ..bash_request(&session, "git push --force")
        },
    )
    .await;
    let edited = r#"{"command":"git push --force-with-lease"}"#;
    let r = bea
        .dashboard
        .decide_approval(DecideApprovalRequest {
            updated_input_json: edited.into(),
            ..decide(&session, &editable.id, ApprovalDecision::AllowOnce, "")
        })
        .await
        .unwrap()
        .into_inner()
        .result
        .unwrap();
    assert_eq!(
        r.updated_input_json, edited,
        "the bytes as the person sent them"
    );

    // A non-editable input cannot be edited.
    let fixed = request(&mut bea, bash_request(&session, "ls")).await;
    let e = bea
        .dashboard
        .decide_approval(DecideApprovalRequest {
            updated_input_json: r#"{"command":"ls -la"}"#.into(),
            ..decide(&session, &fixed.id, ApprovalDecision::AllowOnce, "")
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(
        e.message().starts_with("updated_input_json:") && e.message().contains("not editable"),
        "{}",
        e.message()
    );
    assert_eq!(
        open_approvals(&mut bea, &session).await.len(),
        1,
        "still open"
    );
}

#[tokio::test]
async fn allow_for_session_decides_later_calls_of_that_tool_at_once() {
    let app = TestApp::spawn().await;
    let mut cid = app.user("cid@example.com").await;
    let session = cid.start("claude-code").await;
    let first = request(&mut cid, bash_request(&session, "cargo build")).await;
    cid.dashboard
        .decide_approval(decide(
            &session,
            &first.id,
            ApprovalDecision::AllowSession,
            "",
        ))
        .await
        .unwrap();
    assert_eq!(status_of(&mut cid, &session).await, SessionStatus::Active);
    let inbox_before = inbox_kinds(&mut cid).await;

    let later = cid
        .agent
        .request_approval(bash_request(&session, "cargo test"))
        .await
        .unwrap()
        .into_inner();
    let approval = later.approval.unwrap();
    let r = approval.result.expect("decided at once by the rule");
    assert_eq!(r.decision, ApprovalDecision::AllowSession as i32);
    assert_eq!(r.decided_by, Sender::System as i32);
    assert!(
        r.reason.contains(&first.id),
        "names the rule's origin: {}",
        r.reason
    );
    assert_eq!(
        status_of(&mut cid, &session).await,
        SessionStatus::Active,
        "nobody is asked"
    );
    assert!(open_approvals(&mut cid, &session).await.is_empty());
    assert_eq!(
        inbox_kinds(&mut cid).await,
        inbox_before,
        "no inbox event: a person is not asked"
    );
    // WaitForApproval returns the rule's decision too.
    let got = spawn_wait(&cid.agent, &session, &approval.id, 5)
        .await
        .unwrap();
    assert!(got.decided);

    // Another tool still asks.
    let other = request(
        &mut cid,
        RequestApprovalRequest {
            tool_name: "Write".into(),
            ..bash_request(&session, "x")
        },
    )
    .await;
    assert!(other.result.is_none());
    assert_eq!(
        status_of(&mut cid, &session).await,
        SessionStatus::AwaitingInput
    );
    // A decision on the rule-decided approval is refused, naming the rule.
    let e = cid
        .dashboard
        .decide_approval(decide(&session, &approval.id, ApprovalDecision::Deny, ""))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition);
    assert!(e.message().contains("session rule"), "{}", e.message());
}

/// Claude runs tool calls in parallel: "allow for this session" on one of several open Bash
/// approvals allows them all (each with its own SYSTEM decision naming the one that made the
/// rule); another tool's approval stays open and keeps the session AWAITING_INPUT.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allow_for_session_also_decides_the_open_calls_of_that_tool() {
    let app = TestApp::spawn().await;
    let mut dee = app.user("dee@example.com").await;
    let session = dee.start("claude-code").await;
    let first = request(&mut dee, bash_request(&session, "cargo build")).await;
    let second = request(&mut dee, bash_request(&session, "cargo test")).await;
    let edit = request(
        &mut dee,
        RequestApprovalRequest {
            tool_name: "Edit".into(),
            ..bash_request(&session, "x")
        },
    )
    .await;
    let waiting = spawn_wait(&dee.agent, &session, &second.id, 30);
    dee.dashboard
        .decide_approval(decide(
            &session,
            &first.id,
            ApprovalDecision::AllowSession,
            "",
        ))
        .await
        .unwrap();

    let got = waiting.await.unwrap();
    assert!(got.decided, "the other Bash approval is decided too");
    let r = got.result.expect("its decision");
    assert_eq!(r.approval_id, second.id);
    assert_eq!(r.decision, ApprovalDecision::AllowSession as i32);
    assert_eq!(r.decided_by, Sender::System as i32);
    assert!(
        r.reason.contains(&first.id),
        "names the approval whose decision made the rule: {}",
        r.reason
    );
    // One decision message per approval.
    let decisions: Vec<String> = all_messages(&mut dee, &session)
        .await
        .into_iter()
        .filter_map(|m| match m.body {
            Some(message::Body::ApprovalResult(r)) => Some(r.approval_id),
            _ => None,
        })
        .collect();
    assert_eq!(decisions, vec![first.id.clone(), second.id.clone()]);

    let open: Vec<String> = open_approvals(&mut dee, &session)
        .await
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(open, vec![edit.id.clone()], "the Edit approval stays open");
    assert_eq!(
        status_of(&mut dee, &session).await,
        SessionStatus::AwaitingInput
    );
    dee.dashboard
        .decide_approval(decide(&session, &edit.id, ApprovalDecision::AllowOnce, ""))
        .await
        .unwrap();
    assert_eq!(status_of(&mut dee, &session).await, SessionStatus::Active);
}

/// The inbox's event kinds so far (a bounded read of the live feed up to its high-water mark).
pub async fn inbox_kinds(user: &mut TestUser) -> Vec<i32> {
    inbox_events(user).await.iter().map(|e| e.kind).collect()
}

pub async fn inbox_events(user: &mut TestUser) -> Vec<InboxEvent> {
    let high = user
        .dashboard
        .list_sessions(ListSessionsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .inbox_cursor;
    let mut stream = user
        .dashboard
        .watch_inbox(WatchInboxRequest {
            after_cursor: 0,
            project_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let mut events = Vec::new();
    while events.last().map(|e: &InboxEvent| e.cursor) != Some(high) && high > 0 {
        let item = tokio::time::timeout(Duration::from_secs(10), stream.message())
            .await
            .expect("inbox delivers")
            .unwrap()
            .unwrap();
        if let Some(watch_inbox_response::Item::Event(e)) = item.item {
            events.push(e);
        }
    }
    events
}

#[tokio::test]
async fn the_terminal_answers_first_and_the_person_is_told() {
    let app = TestApp::spawn().await;
    let mut dan = app.user("dan@example.com").await;
    let session = dan.start("claude-code").await;
    let a = request(&mut dan, bash_request(&session, "make")).await;
    let resolve = ResolveApprovalRequest {
        session_id: session.clone(),
        tool_use_id: a.tool_use_id.clone(),
        decision: ApprovalDecision::AllowOnce as i32,
        request_id: rid(),
        ..Default::default()
    };
    let r = dan
        .agent
        .resolve_approval(resolve.clone())
        .await
        .unwrap()
        .into_inner();
    assert!(r.applied);
    let result = r.result.unwrap();
    assert_eq!(result.decided_by, Sender::Agent as i32);
    assert_eq!(result.approval_id, a.id, "found by tool_use_id");
    assert_eq!(status_of(&mut dan, &session).await, SessionStatus::Active);
    // Retried with the same request id: the same result, still applied.
    let again = dan
        .agent
        .resolve_approval(resolve)
        .await
        .unwrap()
        .into_inner();
    assert!(again.applied);
    assert_eq!(again.result.unwrap(), result);

    let e = dan
        .dashboard
        .decide_approval(decide(&session, &a.id, ApprovalDecision::Deny, "no"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition);
    assert!(e.message().contains("terminal"), "{}", e.message());

    // The person first, then the terminal: the terminal learns the person's decision.
    let b = request(&mut dan, bash_request(&session, "make install")).await;
    dan.dashboard
        .decide_approval(decide(&session, &b.id, ApprovalDecision::Deny, "not now"))
        .await
        .unwrap();
    let late = dan
        .agent
        .resolve_approval(ResolveApprovalRequest {
            session_id: session.clone(),
            approval_id: b.id.clone(),
            decision: ApprovalDecision::AllowOnce as i32,
            request_id: rid(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!late.applied);
    let winner = late.result.unwrap();
    assert_eq!(winner.decision, ApprovalDecision::Deny as i32);
    assert_eq!(winner.reason, "not now");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_decisions_store_exactly_one() {
    let app = TestApp::spawn().await;
    let mut eve = app.user("eve@example.com").await;
    let session = eve.start("claude-code").await;
    for round in 0..5 {
        let a = request(&mut eve, bash_request(&session, &format!("step {round}"))).await;
        let mut tasks = Vec::new();
        for i in 0..4 {
            let mut dashboard = eve.dashboard.clone();
            let req = decide(
                &session,
                &a.id,
                if i % 2 == 0 {
                    ApprovalDecision::AllowOnce
                } else {
                    ApprovalDecision::Deny
                },
                &format!("person {i}"),
            );
            tasks.push(tokio::spawn(async move {
                dashboard
                    .decide_approval(req)
                    .await
                    .map(|r| r.into_inner().result.unwrap())
            }));
        }
        let mut agent = eve.agent.clone();
        let resolve = ResolveApprovalRequest {
            session_id: session.clone(),
            approval_id: a.id.clone(),
            decision: ApprovalDecision::AllowOnce as i32,
            reason: "terminal".into(),
            request_id: rid(),
            ..Default::default()
        };
        let terminal =
            tokio::spawn(
                async move { agent.resolve_approval(resolve).await.unwrap().into_inner() },
            );
        let mut winners = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                Ok(r) => winners.push(r),
                Err(e) => assert_eq!(e.code(), Code::FailedPrecondition, "{}", e.message()),
            }
        }
        let terminal = terminal.await.unwrap();
        if terminal.applied {
            winners.push(terminal.result.clone().unwrap());
        }
        assert_eq!(winners.len(), 1, "exactly one decision wins: {winners:?}");
        assert_eq!(
            terminal.result.unwrap(),
            winners[0],
            "the terminal gets the winner"
        );
        let stored = all_messages(&mut eve, &session)
            .await
            .into_iter()
            .filter(|m| matches!(&m.body, Some(message::Body::ApprovalResult(r)) if r.approval_id == a.id))
            .count();
        assert_eq!(stored, 1, "one decision message");
    }
    assert_eq!(status_of(&mut eve, &session).await, SessionStatus::Active);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadline_applies_the_default_deny_or_allow_once() {
    let app = TestApp::spawn().await;
    let mut fred = app.user("fred@example.com").await;
    let session = fred.start("claude-code").await;
    let one_second = Some(prost_types::Duration {
        seconds: 1,
        nanos: 0,
    });
    let denied = request(
        &mut fred,
        RequestApprovalRequest {
            timeout: one_second,
            ..bash_request(&session, "curl example.com")
        },
    )
    .await;
    let allowed = request(
        &mut fred,
        RequestApprovalRequest {
            timeout: one_second,
            default_decision: ApprovalDecision::AllowOnce as i32,
            ..bash_request(&session, "cargo fmt")
        },
    )
    .await;
    assert!(denied.deadline_time.is_some());
    let got = spawn_wait(&fred.agent, &session, &denied.id, 20)
        .await
        .unwrap();
    let r = got
        .result
        .expect("the default is delivered like a decision");
    assert_eq!(r.decision, ApprovalDecision::Deny as i32);
    assert_eq!(r.decided_by, Sender::System as i32);
    assert!(r.reason.contains("deadline"), "{}", r.reason);
    let got = spawn_wait(&fred.agent, &session, &allowed.id, 20)
        .await
        .unwrap();
    assert_eq!(
        got.result.unwrap().decision,
        ApprovalDecision::AllowOnce as i32
    );
    assert_eq!(status_of(&mut fred, &session).await, SessionStatus::Active);
    let late = fred
        .dashboard
        .decide_approval(decide(
            &session,
            &denied.id,
            ApprovalDecision::AllowOnce,
            "",
        ))
        .await
        .unwrap_err();
    assert_eq!(late.code(), Code::FailedPrecondition);
    assert!(late.message().contains("deadline"), "{}", late.message());
}

#[tokio::test]
async fn a_retried_request_and_decision_write_once() {
    let app = TestApp::spawn().await;
    let mut gus = app.user("gus@example.com").await;
    let session = gus.start("claude-code").await;
    let req = bash_request(&session, "npm install");
    let first = gus
        .agent
        .request_approval(req.clone())
        .await
        .unwrap()
        .into_inner();
    let second = gus.agent.request_approval(req).await.unwrap().into_inner();
    assert_eq!(first, second, "a retry returns the first approval");
    assert_eq!(open_approvals(&mut gus, &session).await.len(), 1);
    let id = first.approval.unwrap().id;
    let decision = DecideApprovalRequest {
        request_id: rid(),
        ..decide(&session, &id, ApprovalDecision::AllowOnce, "")
    };
    let a = gus
        .dashboard
        .decide_approval(decision.clone())
        .await
        .unwrap()
        .into_inner();
    let b = gus
        .dashboard
        .decide_approval(decision)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(a, b, "a retried decision returns the stored one");
    // Stored durably: a new server on the same database reads the same decision.
    let replica = app.replica().await;
    let mut agent = switchboard::proto::agent_service_client::AgentServiceClient::with_interceptor(
        channel_to(replica.addr).await,
        Bearer::new(&gus.api_key),
    );
    let got = agent
        .wait_for_approval(WaitForApprovalRequest {
            session_id: session.clone(),
            approval_id: id,
            timeout: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.result, a.result);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_or_end_returns_the_waiting_agent_at_once() {
    let app = TestApp::spawn().await;
    let mut hal = app.user("hal@example.com").await;
    let session = hal.start("claude-code").await;
    let a = request(&mut hal, bash_request(&session, "deploy")).await;
    let waiter = spawn_wait(&hal.agent, &session, &a.id, 600);
    app.until_followed(&session).await;
    hal.dashboard
        .stop_session(StopSessionRequest {
            session_id: session.clone(),
            reason: "enough".into(),
        })
        .await
        .unwrap();
    let got = waiter.await.unwrap();
    assert!(!got.decided);
    assert_eq!(got.status, SessionStatus::Stopping as i32);
    // Still decidable while stopping, like a question.
    assert_eq!(open_approvals(&mut hal, &session).await.len(), 1);

    hal.agent
        .end_session(EndSessionRequest {
            session_id: session.clone(),
            outcome: SessionOutcome::Completed as i32,
            request_id: rid(),
            ..Default::default()
        })
        .await
        .unwrap();
    let got = spawn_wait(&hal.agent, &session, &a.id, 600).await.unwrap();
    assert!(!got.decided);
    assert_eq!(got.status, SessionStatus::Stopped as i32);
    assert!(
        open_approvals(&mut hal, &session).await.is_empty(),
        "an ended session has no open approvals"
    );
    let e = hal
        .dashboard
        .decide_approval(decide(&session, &a.id, ApprovalDecision::AllowOnce, ""))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition);
    assert!(e.message().contains("STOPPED"), "{}", e.message());
}
