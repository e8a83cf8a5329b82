//! A person's decision on a tool approval takes the two-statement way
//! (`store/sessions/input_fast.rs`) when nothing unusual is going on: it must write exactly what
//! the general, locking way writes, and stay exact when decisions and steps race.

use serde_json::Value;
use switchboard::domain::validate::NewDecision;
use switchboard::domain::{
    ApprovalDecision as Decision, AuditAction, AuditChannel, SessionId, UserCaller, UserId,
};
use switchboard::proto::*;
use switchboard::store::{ApprovalRef, Decider};
use uuid::Uuid;

use crate::agent_loop::{assert_one_resolution_without_gaps, race_with_steps, status_of};
use crate::approvals::{bash_request, decide, request};
use crate::harness::*;

/// Drops what differs between two sessions by nature (ids, times, cursors, seqs) from every
/// level of a stored JSON body.
fn shape(mut v: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for key in [
                    "approval_id",
                    "decided_at",
                    "created_at",
                    "cursor",
                    "session_id",
                    "seq",
                    "id",
                    "tool_use_id",
                    "also_allowed",
                ] {
                    map.remove(key);
                }
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

async fn last_seq(app: &TestApp, session: &str) -> i64 {
    sqlx::query_scalar("SELECT last_seq FROM sessions WHERE id = $1")
        .bind(session.parse::<Uuid>().unwrap())
        .fetch_one(app.store.pool())
        .await
        .unwrap()
}

/// What a session's decision wrote: its messages from the request on, its inbox events and
/// its audit rows, as (kind, sender or action, shape of the body).
async fn written(app: &TestApp, session: &str, from_seq: i64) -> Vec<(String, i64, Value)> {
    let id: Uuid = session.parse().unwrap();
    let pool = app.store.pool();
    let mut rows: Vec<(String, i64, Value)> = Vec::new();
    let messages: Vec<(i16, i16, Value)> = sqlx::query_as(
        "SELECT kind, sender, body FROM messages WHERE session_id = $1 AND seq > $2 ORDER BY seq",
    )
    .bind(id)
    .bind(from_seq)
    .fetch_all(pool)
    .await
    .unwrap();
    for (kind, sender, body) in messages {
        rows.push((format!("message {kind}"), sender.into(), shape(body)));
    }
    let inbox: Vec<(i16, Value)> = sqlx::query_as(
        "SELECT kind, body FROM inbox_events WHERE session_id = $1 AND (body->>'seq')::bigint > $2 \
         ORDER BY cursor",
    )
    .bind(id)
    .bind(from_seq)
    .fetch_all(pool)
    .await
    .unwrap();
    for (kind, body) in inbox {
        rows.push((format!("inbox {kind}"), 0, shape(body)));
    }
    let audit: Vec<(i16, i16, Value)> = sqlx::query_as(
        "SELECT action, channel, details FROM audit_events WHERE session_id = $1 ORDER BY created_at",
    )
    .bind(id)
    .fetch_all(pool)
    .await
    .unwrap();
    for (action, channel, details) in audit {
        rows.push((format!("audit {action}"), channel.into(), shape(details)));
    }
    rows
}

/// Two sessions in the same state, one approval each: one decided through DecideApproval (the
/// short way), the other through the store's general way (naming the approval by its tool-call
/// id, which the short way does not take). Messages, inbox events and audit rows match.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_short_and_the_general_way_write_the_same_rows() {
    let app = TestApp::spawn().await;
    let mut eve = app.user("eve@example.com").await;
    for (decision, proto_decision) in [
        (Decision::AllowOnce, ApprovalDecision::AllowOnce),
        (Decision::Deny, ApprovalDecision::Deny),
    ] {
        let short = eve.start("claude-code").await;
        let general = eve.start("claude-code").await;
        let a = request(&mut eve, bash_request(&short, "cargo test")).await;
        let b = request(&mut eve, bash_request(&general, "cargo test")).await;
        let before = last_seq(&app, &short).await;
        assert_eq!(
            before,
            last_seq(&app, &general).await,
            "both sessions are in the same state"
        );

        eve.dashboard
            .decide_approval(decide(&short, &a.id, proto_decision, "as asked"))
            .await
            .expect("the short way");
        let caller = UserCaller {
            user_id: UserId(eve.user_id.parse().unwrap()),
            channel: AuditChannel::Api,
        };
        let decided = app
            .store
            .decide_approval(
                Decider::Person(caller),
                SessionId(general.parse().unwrap()),
                ApprovalRef::ToolUseId(b.tool_use_id.clone()),
                NewDecision {
                    decision,
                    reason: "as asked".into(),
                    updated_input_json: String::new(),
                },
                None,
            )
            .await
            .expect("the general way");
        assert!(decided.applied);

        let short_rows = written(&app, &short, before).await;
        let general_rows = written(&app, &general, before).await;
        assert_eq!(
            short_rows.len(),
            5,
            "decision, status change, two inbox events, audit: {short_rows:#?}"
        );
        assert_eq!(short_rows, general_rows);
        assert_eq!(status_of(&mut eve, &short).await, SessionStatus::Active);
    }
}

/// Six decisions on one approval race each other and the agent's steps: exactly one is stored
/// and accepted, the rest are refused as already decided, the session's seqs have no gap, the
/// change to ACTIVE is written once, after the decision, the project's inbox cursors stay
/// gapless with each body carrying its row's cursor, and one decision is audited.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_decisions_and_steps_store_one_decision_without_gaps() {
    const DECISIONS: usize = 6;
    const STEPS: usize = 10;
    let app = TestApp::spawn().await;
    let mut zoe = app.user("zoe@example.com").await;
    let session = zoe.start("claude-code").await;
    let a = request(&mut zoe, bash_request(&session, "rm -rf target")).await;
    let mut decisions = tokio::task::JoinSet::new();
    for i in 0..DECISIONS {
        let mut dashboard = zoe.dashboard.clone();
        let decision = if i % 2 == 0 {
            ApprovalDecision::AllowOnce
        } else {
            ApprovalDecision::Deny
        };
        let mut req = decide(&session, &a.id, decision, &format!("person {i}"));
        req.request_id = rid();
        decisions.spawn(async move {
            let decided = dashboard.decide_approval(req).await?;
            Ok(decided.into_inner().seq)
        });
    }
    let accepted = race_with_steps(&zoe.agent, &session, decisions, STEPS, "already decided").await;
    let decided = [
        AuditAction::ApprovalAllowed as i16,
        AuditAction::ApprovalDenied as i16,
    ];
    assert_one_resolution_without_gaps(
        &app,
        &mut zoe,
        &session,
        &accepted,
        |b| matches!(b, message::Body::ApprovalResult(_)),
        &decided,
    )
    .await;
}
