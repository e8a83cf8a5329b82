//! A person's answer or decision on a tool approval takes the one-statement way
//! (`store/sessions/input_fast.rs`, `resolve_input`) when nothing unusual is going on: it must
//! write exactly what the general, locking way writes, stay exact when decisions and steps race,
//! and tell a caller who may not edit the session nothing the general way would not.

use serde_json::Value;
use switchboard::domain::validate::NewDecision;
use switchboard::domain::{
    ApprovalDecision as Decision, AuditAction, AuditChannel, QuestionId, SessionId, UserCaller,
    UserId,
};
use switchboard::proto::*;
use switchboard::store::access::Actor;
use switchboard::store::{AnswerInput, ApprovalRef, Decider};
use tonic::Code;
use uuid::Uuid;

use crate::agent_loop::{assert_one_resolution_without_gaps, race_with_steps, status_of};
use crate::approvals::{bash_request, decide, request};
use crate::harness::*;
use crate::roles::{project_key, projects_of, team};

/// Drops what differs between two sessions by nature (ids, times, cursors, seqs) from every
/// level of a stored JSON body.
fn shape(mut v: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for key in [
                    "approval_id",
                    "question_id",
                    "decided_at",
                    "answered_at",
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

/// Where a resolution's rows point, relative to the session's last seq before it: each
/// message's seq, each inbox event's seq (and whether its body's cursor is its row's), each
/// audit row's seq.
async fn placed(app: &TestApp, session: &str, from_seq: i64) -> Vec<(String, i64)> {
    let id: Uuid = session.parse().unwrap();
    let pool = app.store.pool();
    let mut rows: Vec<(String, i64)> = Vec::new();
    let messages: Vec<(i16, i64)> = sqlx::query_as(
        "SELECT kind, seq FROM messages WHERE session_id = $1 AND seq > $2 ORDER BY seq",
    )
    .bind(id)
    .bind(from_seq)
    .fetch_all(pool)
    .await
    .unwrap();
    rows.extend(
        messages
            .into_iter()
            .map(|(k, seq)| (format!("message {k}"), seq - from_seq)),
    );
    let inbox: Vec<(i16, i64, bool)> = sqlx::query_as(
        "SELECT kind, (body->>'seq')::bigint, (body->>'cursor')::bigint = cursor FROM inbox_events \
         WHERE session_id = $1 AND (body->>'seq')::bigint > $2 ORDER BY cursor",
    )
    .bind(id)
    .bind(from_seq)
    .fetch_all(pool)
    .await
    .unwrap();
    for (kind, seq, cursor_kept) in inbox {
        assert!(cursor_kept, "an inbox body carries its row's cursor");
        rows.push((format!("inbox {kind}"), seq - from_seq));
    }
    let audit: Vec<(i16, i64)> = sqlx::query_as(
        "SELECT action, (details->>'seq')::bigint FROM audit_events \
         WHERE session_id = $1 AND (details->>'seq')::bigint > $2 ORDER BY created_at",
    )
    .bind(id)
    .bind(from_seq)
    .fetch_all(pool)
    .await
    .unwrap();
    rows.extend(
        audit
            .into_iter()
            .map(|(a, seq)| (format!("audit {a}"), seq - from_seq)),
    );
    rows
}

/// Two sessions in the same state, two questions each: each answered through AnswerQuestion
/// (one statement) in one session and through the store's locking way in the other. The first
/// answer leaves a question open, the second ends the wait (a change to ACTIVE too): messages,
/// inbox events and audit rows match, in content and in the seqs they point at.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_one_statement_and_the_locking_way_answer_alike() {
    let app = TestApp::spawn_with(|s| s.metrics.listen = Some("127.0.0.1:0".into())).await;
    let mut ida = app.user("ida@example.com").await;
    let short = ida.start("claude-code").await;
    let general = ida.start("claude-code").await;
    let mut questions = Vec::new();
    for s in [&short, &general] {
        ida.step(s, "reading").await;
        let first = ida.ask(s, "Which database?", &["pg", "sqlite"]).await;
        let second = ida.ask(s, "Ship it?", &["yes", "no"]).await;
        questions.push([first, second]);
    }
    let caller = UserCaller {
        user_id: UserId(ida.user_id.parse().unwrap()),
        channel: AuditChannel::Api,
    };
    for (i, option) in ["pg", "yes"].into_iter().enumerate() {
        let before = last_seq(&app, &short).await;
        assert_eq!(before, last_seq(&app, &general).await, "same state");
        let answered = ida
            .dashboard
            .answer_question(AnswerQuestionRequest {
                session_id: short.clone(),
                question_id: questions[0][i].id.clone(),
                option_ids: vec![option.into()],
                text: String::new(),
                request_id: rid(),
            })
            .await
            .expect("one statement")
            .into_inner();
        assert_eq!(answered.seq, before + 1, "the answer's seq is the next one");
        let (_, seq) = app
            .store
            .answer_question_locking(
                Actor::Person(caller),
                SessionId(general.parse().unwrap()),
                QuestionId(questions[1][i].id.parse().unwrap()),
                AnswerInput {
                    option_ids: vec![option.into()],
                    text: String::new(),
                    request_id: Some(rid()),
                },
            )
            .await
            .expect("the locking way");
        assert_eq!(seq, before + 1);

        let short_rows = written(&app, &short, before).await;
        let expected = if i == 0 { 3 } else { 5 };
        let fresh: Vec<_> = short_rows
            .iter()
            .filter(|(kind, _, _)| !kind.starts_with("audit"))
            .collect();
        assert_eq!(
            fresh.len() + 1,
            expected,
            "answer, its inbox event (a status change and its event too the second time), \
             audit: {short_rows:#?}"
        );
        assert_eq!(short_rows, written(&app, &general, before).await);
        assert_eq!(
            placed(&app, &short, before).await,
            placed(&app, &general, before).await
        );
    }
    assert_eq!(status_of(&mut ida, &short).await, SessionStatus::Active);
    assert_eq!(status_of(&mut ida, &general).await, SessionStatus::Active);
    assert_eq!(
        resolutions(&app).await,
        (2.0, 0.0),
        "both answers through the RPC took one statement"
    );
}

/// The server's counts of answers and decisions written (in one statement, the locking way).
async fn resolutions(app: &TestApp) -> (f64, f64) {
    crate::serving::counts_by_way(
        app,
        "switchboard_input_resolutions_total",
        ("one_statement", "locking"),
    )
    .await
}

/// The one-statement way validates the answer before it knows who asks (from this process's
/// memory of the question): a viewer, or someone outside the project, must learn nothing from
/// it. Valid or not, a viewer's answer is PERMISSION_DENIED and an outsider's NOT_FOUND, as
/// the general way answers, and nothing is written; a member demoted to viewer after the
/// question was asked is refused too; an editor's answer is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_from_someone_who_may_not_edit_reveals_and_writes_nothing() {
    let app = TestApp::spawn_with(|s| s.metrics.listen = Some("127.0.0.1:0".into())).await;
    let mut ann = app.user("ann@example.com").await;
    let vic = app.user("vic@example.com").await;
    let mut ed = app.user("ed@example.com").await;
    let out = app.user("out@example.com").await;
    let project = team(
        &app,
        &ann,
        &[(&vic, ProjectRole::View), (&ed, ProjectRole::Edit)],
    )
    .await;
    let (key, _) = project_key(&app, &mut ann, &project).await;
    let mut agent = app.agent_with_key(&key).await;
    let session = start_session(&mut agent, "claude-code").await;
    let q = ask(&mut agent, &session, "Which database?", &["pg", "sqlite"]).await;
    let answer = |options: &[&str]| AnswerQuestionRequest {
        session_id: session.clone(),
        question_id: q.id.clone(),
        option_ids: options.iter().map(|o| o.to_string()).collect(),
        text: String::new(),
        request_id: rid(),
    };
    let before = last_seq(&app, &session).await;
    for (who, expected) in [(&vic, Code::PermissionDenied), (&out, Code::NotFound)] {
        for options in [&["pg"][..], &["no-such-option"], &["pg", "sqlite"]] {
            let mut dashboard = who.dashboard.clone();
            let refused = dashboard
                .answer_question(answer(options))
                .await
                .unwrap_err();
            assert_eq!(refused.code(), expected, "{}: {options:?}", who.email);
            assert!(
                !refused.message().contains("sqlite"),
                "the question's options stay hidden: {}",
                refused.message()
            );
        }
    }
    // Ed is demoted after the question was asked (and after this process kept it).
    let set_role = |role: ProjectRole| ChangeMemberRoleRequest {
        project_id: project.clone(),
        user_id: ed.user_id.clone(),
        role: role as i32,
    };
    let mut projects = projects_of(&app, &ann).await;
    projects
        .change_member_role(set_role(ProjectRole::View))
        .await
        .unwrap();
    let demoted = ed.dashboard.answer_question(answer(&["pg"])).await;
    assert_eq!(code(demoted), Code::PermissionDenied, "demoted to viewer");
    assert_eq!(last_seq(&app, &session).await, before, "nothing written");
    projects
        .change_member_role(set_role(ProjectRole::Edit))
        .await
        .unwrap();
    let stored = ed
        .dashboard
        .answer_question(answer(&["pg"]))
        .await
        .expect("an editor answers")
        .into_inner();
    assert_eq!(stored.seq, before + 1);
    assert_eq!(
        resolutions(&app).await,
        (1.0, 7.0),
        "every refusal was decided the locking way, the editor's answer in one statement"
    );
}

/// A server that did not see the question asked (another replica) reads it once and answers in
/// one statement all the same; the agent waiting on the first server gets the answer, and an
/// approval decided there reaches it too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_that_did_not_see_the_input_asked_resolves_it() {
    let app = TestApp::spawn().await;
    let mut kai = app.user("kai@example.com").await;
    let session = kai.start("claude-code").await;
    let q = kai
        .ask(&session, "Which database?", &["pg", "sqlite"])
        .await;
    let replica = app.replica().await;
    let mut elsewhere = dashboard_service_client::DashboardServiceClient::with_interceptor(
        channel_to(replica.addr).await,
        Bearer::new(&kai.access_token),
    );
    let before = last_seq(&app, &session).await;
    let answered = elsewhere
        .answer_question(AnswerQuestionRequest {
            session_id: session.clone(),
            question_id: q.id.clone(),
            option_ids: vec!["sqlite".into()],
            text: String::new(),
            request_id: rid(),
        })
        .await
        .expect("answered on the replica")
        .into_inner();
    assert_eq!(answered.seq, before + 1);
    let got = kai
        .agent
        .wait_for_answer(WaitForAnswerRequest {
            session_id: session.clone(),
            question_id: q.id,
            timeout: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.answer.unwrap().option_ids, vec!["sqlite".to_string()]);

    let a = request(&mut kai, bash_request(&session, "cargo test")).await;
    let decided = elsewhere
        .decide_approval(decide(&session, &a.id, ApprovalDecision::Deny, "not now"))
        .await
        .expect("decided on the replica")
        .into_inner();
    let got = kai
        .agent
        .wait_for_approval(WaitForApprovalRequest {
            session_id: session.clone(),
            approval_id: a.id,
            timeout: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.result, decided.result);
    assert_eq!(status_of(&mut kai, &session).await, SessionStatus::Active);
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
