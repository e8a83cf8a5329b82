//! The dashboard's read side: ListAgents, ListSessions, GetSession, ListMessages, GetDiff,
//! RenameSession, DeleteSession, and tenancy (another user's ids are NOT_FOUND everywhere).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use switchboard::proto::*;
use tonic::Code;

use crate::feeds::{next_event, watch_inbox};
use crate::harness::*;

fn ts(t: &Option<prost_types::Timestamp>) -> (i64, i32) {
    let t = t.as_ref().expect("a timestamp");
    (t.seconds, t.nanos)
}

async fn end(user: &mut TestUser, session_id: &str, outcome: SessionOutcome) {
    user.agent
        .end_session(EndSessionRequest {
            session_id: session_id.into(),
            outcome: outcome as i32,
            summary: "over".into(),
            request_id: uuid::Uuid::new_v4().to_string(),
        })
        .await
        .expect("end session");
}

async fn list_sessions(
    user: &mut TestUser,
    agent_id: &str,
    statuses: &[SessionStatus],
    page_size: i32,
    page_token: &str,
) -> Result<ListSessionsResponse, tonic::Status> {
    user.dashboard
        .list_sessions(ListSessionsRequest {
            agent_id: agent_id.into(),
            statuses: statuses.iter().map(|s| *s as i32).collect(),
            page_size,
            page_token: page_token.into(),
        })
        .await
        .map(|r| r.into_inner())
}

/// Every page of a session listing, concatenated.
async fn all_sessions(
    user: &mut TestUser,
    agent_id: &str,
    statuses: &[SessionStatus],
    page_size: i32,
) -> Vec<Session> {
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let page = list_sessions(user, agent_id, statuses, page_size, &token)
            .await
            .expect("list sessions");
        let limit = if page_size == 0 { 50 } else { page_size };
        assert!(page.sessions.len() <= limit as usize);
        out.extend(page.sessions);
        if page.next_page_token.is_empty() {
            return out;
        }
        token = page.next_page_token;
    }
}

fn ids(sessions: &[Session]) -> Vec<String> {
    sessions.iter().map(|s| s.id.clone()).collect()
}

/// Awaiting input first, then most recent activity first.
fn assert_dashboard_order(sessions: &[Session]) {
    for pair in sessions.windows(2) {
        let awaiting = |s: &Session| s.status == SessionStatus::AwaitingInput as i32;
        let (a, b) = (&pair[0], &pair[1]);
        assert!(
            awaiting(a) >= awaiting(b),
            "awaiting sessions come first: {} before {}",
            a.name,
            b.name
        );
        if awaiting(a) == awaiting(b) {
            assert!(
                ts(&a.last_activity_time) >= ts(&b.last_activity_time),
                "most recent activity first: {} before {}",
                a.name,
                b.name
            );
        }
    }
}

/// The user's sessions, by name (session names are unique in these tests).
struct Fixture {
    user: TestUser,
    sessions: HashMap<&'static str, String>,
    agents: HashMap<String, String>,
}

/// alpha: a1 ACTIVE, a2 AWAITING_INPUT, a3 STOPPING; beta: b1 ACTIVE (most recent);
/// gamma: g1 COMPLETED, g2 FAILED (oldest).
async fn fixture(app: &TestApp, email: &str) -> Fixture {
    let mut user = app.user(email).await;
    let mut sessions = HashMap::new();
    for (name, agent) in [
        ("g1", "gamma"),
        ("g2", "gamma"),
        ("a1", "alpha"),
        ("a2", "alpha"),
        ("a3", "alpha"),
        ("b1", "beta"),
    ] {
        let id = user
            .agent
            .start_session(StartSessionRequest {
                agent_name: agent.into(),
                name: name.into(),
                request_id: uuid::Uuid::new_v4().to_string(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .session
            .unwrap()
            .id;
        sessions.insert(name, id);
    }
    end(&mut user, &sessions["g1"], SessionOutcome::Completed).await;
    end(&mut user, &sessions["g2"], SessionOutcome::Failed).await;
    let a1 = sessions["a1"].clone();
    user.step(&a1, "a1 works").await;
    let a2 = sessions["a2"].clone();
    user.ask(&a2, "May I?", &["yes", "no"]).await;
    user.dashboard
        .stop_session(StopSessionRequest {
            session_id: sessions["a3"].clone(),
            reason: "enough".into(),
        })
        .await
        .unwrap();
    let b1 = sessions["b1"].clone();
    user.step(&b1, "b1 works").await;
    let mut agents = HashMap::new();
    for name in ["a1", "b1", "g1"] {
        let s = user
            .dashboard
            .get_session(GetSessionRequest {
                session_id: sessions[name].clone(),
            })
            .await
            .unwrap()
            .into_inner()
            .session
            .unwrap();
        agents.insert(s.agent_name, s.agent_id);
    }
    Fixture {
        user,
        sessions,
        agents,
    }
}

fn counts(agent: &Agent) -> Vec<(SessionStatus, i32)> {
    agent
        .status_counts
        .iter()
        .map(|c| (SessionStatus::try_from(c.status).unwrap(), c.count))
        .collect()
}

#[tokio::test]
async fn list_agents_puts_awaiting_first_then_recent_with_status_counts() {
    use SessionStatus as S;
    let app = TestApp::spawn().await;
    let Fixture {
        mut user, sessions, ..
    } = fixture(&app, "agents@example.com").await;
    // Someone else's agents never show up.
    let mut other = app.user("other-agents@example.com").await;
    other.start("intruder").await;

    let list = user
        .dashboard
        .list_agents(ListAgentsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let names: Vec<&str> = list.agents.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["alpha", "beta", "gamma"]);
    assert!(list.next_page_token.is_empty());
    let (alpha, beta, gamma) = (&list.agents[0], &list.agents[1], &list.agents[2]);
    assert_eq!(alpha.awaiting_input_count, 1);
    assert_eq!(
        counts(alpha),
        [(S::Active, 1), (S::AwaitingInput, 1), (S::Stopping, 1)]
    );
    assert_eq!(beta.awaiting_input_count, 0);
    assert_eq!(counts(beta), [(S::Active, 1)]);
    assert_eq!(counts(gamma), [(S::Completed, 1), (S::Failed, 1)]);
    assert!(ts(&beta.last_activity_time) >= ts(&gamma.last_activity_time));
    for a in &list.agents {
        assert!(a.create_time.is_some() && !a.id.is_empty());
    }

    // One per page, same order, then an empty token.
    let mut paged = Vec::new();
    let mut token = String::new();
    loop {
        let page = user
            .dashboard
            .list_agents(ListAgentsRequest {
                page_size: 1,
                page_token: token.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(page.agents.len(), 1);
        paged.push(page.agents[0].name.clone());
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(paged, ["alpha", "beta", "gamma"]);

    // Answering alpha's question: alpha stays first, now by activity (the newest).
    let a2 = sessions["a2"].clone();
    let question = user
        .dashboard
        .get_session(GetSessionRequest {
            session_id: a2.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .open_questions
        .remove(0);
    user.dashboard
        .answer_question(AnswerQuestionRequest {
            session_id: a2,
            question_id: question.id,
            option_ids: vec!["yes".into()],
            text: String::new(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let list = user
        .dashboard
        .list_agents(ListAgentsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(list.agents[0].name, "alpha");
    assert_eq!(list.agents[0].awaiting_input_count, 0);
    assert_eq!(counts(&list.agents[0]), [(S::Active, 2), (S::Stopping, 1)]);

    let bad = user
        .dashboard
        .list_agents(ListAgentsRequest {
            page_size: 0,
            page_token: "not a token".into(),
        })
        .await;
    assert_eq!(code(bad), Code::InvalidArgument);
}

#[tokio::test]
async fn list_sessions_filters_orders_and_pages() {
    use SessionStatus as S;
    let app = TestApp::spawn().await;
    let Fixture {
        mut user,
        sessions,
        agents,
    } = fixture(&app, "sessions@example.com").await;
    let mut other = app.user("other-sessions@example.com").await;
    other.start("alpha").await;

    let everything = all_sessions(&mut user, "", &[], 0).await;
    let names: Vec<&str> = everything.iter().map(|s| s.name.as_str()).collect();
    // a2 awaits input; then by activity: b1 stepped last, a3 was stopped, a1 stepped, then the
    // two ended ones.
    assert_eq!(names, ["a2", "b1", "a3", "a1", "g2", "g1"]);
    assert_dashboard_order(&everything);

    // Any page size gives the same sequence.
    for size in [1, 2, 4] {
        assert_eq!(
            ids(&all_sessions(&mut user, "", &[], size).await),
            ids(&everything)
        );
    }

    // New activity moves a session up.
    let a1 = sessions["a1"].clone();
    user.step(&a1, "again").await;
    let names: Vec<String> = all_sessions(&mut user, "", &[], 2)
        .await
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["a2", "a1", "b1", "a3", "g2", "g1"]);

    // Filters: agent, statuses, both.
    let alpha = agents["alpha"].clone();
    let names: Vec<String> = all_sessions(&mut user, &alpha, &[], 1)
        .await
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["a2", "a1", "a3"]);
    let names: Vec<String> = all_sessions(
        &mut user,
        "",
        &[S::Active, S::Completed, S::AwaitingInput],
        2,
    )
    .await
    .into_iter()
    .map(|s| s.name)
    .collect();
    assert_eq!(names, ["a2", "a1", "b1", "g1"]);
    let names: Vec<String> = all_sessions(&mut user, &alpha, &[S::Active, S::Stopping], 1)
        .await
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["a1", "a3"]);
    let none = list_sessions(&mut user, &alpha, &[S::Disconnected], 0, "")
        .await
        .unwrap();
    assert!(none.sessions.is_empty() && none.next_page_token.is_empty());
    // Another user's agent id filters to nothing.
    let theirs = other
        .dashboard
        .list_agents(ListAgentsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .agents
        .remove(0)
        .id;
    let none = list_sessions(&mut user, &theirs, &[], 0, "").await.unwrap();
    assert!(none.sessions.is_empty());

    // A page token only works with the filters it came from.
    let first = list_sessions(&mut user, "", &[S::Active, S::Completed], 1, "")
        .await
        .unwrap();
    assert!(!first.next_page_token.is_empty());
    let token = first.next_page_token;
    for (agent, statuses) in [
        ("", vec![S::Active]),
        ("", vec![]),
        (alpha.as_str(), vec![S::Active, S::Completed]),
    ] {
        let r = list_sessions(&mut user, agent, &statuses, 1, &token).await;
        assert_eq!(code(r), Code::InvalidArgument, "{agent:?} {statuses:?}");
    }
    assert!(
        list_sessions(&mut user, "", &[S::Active, S::Completed], 1, &token)
            .await
            .is_ok()
    );
    for (agent, size, token) in [("not-a-uuid", 0, ""), ("", -1, ""), ("", 0, "garbage")] {
        let r = list_sessions(&mut user, agent, &[], size, token).await;
        assert_eq!(code(r), Code::InvalidArgument);
    }
    let r = user
        .dashboard
        .list_sessions(ListSessionsRequest {
            statuses: vec![99],
            ..Default::default()
        })
        .await;
    assert_eq!(code(r), Code::InvalidArgument);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_pages_stay_correct_while_sessions_are_inserted() {
    const EXISTING: usize = 40;
    let app = TestApp::spawn_with(|s| {
        s.limits.agent_calls_per_second = 1_000_000;
        s.limits.agent_calls_burst = 1_000_000;
    })
    .await;
    let mut user = app.user("keyset@example.com").await;
    let mut existing = HashSet::new();
    for i in 0..EXISTING {
        let id = user.start(&format!("agent-{}", i % 3)).await;
        if i % 8 == 0 {
            user.ask(&id, "waiting on you", &[]).await;
        } else {
            user.step(&id, "working").await;
        }
        existing.insert(id);
    }
    // A writer keeps starting sessions (some of them awaiting input) while we page.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let inserter = {
        let mut agent = app.agent_with_key(&user.api_key).await;
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let id = agent
                    .start_session(StartSessionRequest {
                        agent_name: format!("agent-{}", n % 3),
                        request_id: uuid::Uuid::new_v4().to_string(),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner()
                    .session
                    .unwrap()
                    .id;
                if n % 4 == 0 {
                    agent
                        .ask_question(AskQuestionRequest {
                            session_id: id,
                            text: "new and waiting".into(),
                            request_id: uuid::Uuid::new_v4().to_string(),
                            ..Default::default()
                        })
                        .await
                        .unwrap();
                }
                n += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            n
        })
    };
    for round in 0..3 {
        let mut seen = HashSet::new();
        let mut token = String::new();
        loop {
            let page = list_sessions(&mut user, "", &[], 3, &token).await.unwrap();
            for s in &page.sessions {
                assert!(seen.insert(s.id.clone()), "round {round}: {} twice", s.id);
            }
            // Let the inserter get some in between pages.
            tokio::time::sleep(Duration::from_millis(5)).await;
            if page.next_page_token.is_empty() {
                break;
            }
            token = page.next_page_token;
        }
        let missing: Vec<&String> = existing.difference(&seen).collect();
        assert!(
            missing.is_empty(),
            "round {round}: never listed {missing:?}"
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let inserted = inserter.await.unwrap();
    eprintln!("{inserted} sessions were inserted while paging");
}

#[tokio::test]
async fn get_session_has_open_questions_usage_and_diff_summary() {
    let app = TestApp::spawn().await;
    let mut user = app.user("get@example.com").await;
    let session = user.start("getter").await;
    let q1 = user.ask(&session, "First?", &["a", "b"]).await;
    let q2 = user.ask(&session, "Second?", &[]).await;
    let q3 = user.ask(&session, "Third?", &["x"]).await;
    let got = user
        .dashboard
        .get_session(GetSessionRequest {
            session_id: session.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let open: Vec<&str> = got.open_questions.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(open, [q1.id.as_str(), q2.id.as_str(), q3.id.as_str()]);
    let s = got.session.unwrap();
    assert_eq!(s.status, SessionStatus::AwaitingInput as i32);
    assert_eq!(s.open_question_count, 3);
    assert!(s.diff_summary.is_none());
    assert_eq!(s.usage.unwrap_or_default(), Usage::default());

    user.dashboard
        .answer_question(AnswerQuestionRequest {
            session_id: session.clone(),
            question_id: q2.id.clone(),
            option_ids: vec![],
            text: "free text".into(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    user.agent
        .report_usage(ReportUsageRequest {
            session_id: session.clone(),
            usage: Some(Usage {
                input_tokens: 1200,
                output_tokens: 340,
                cost_micros: 56_789,
            }),
            request_id: uuid::Uuid::new_v4().to_string(),
        })
        .await
        .unwrap();
    let diff = "diff --git a/src/a.rs b/src/a.rs\n--- a/src/a.rs\n+++ b/src/a.rs\n@@ -1,2 +1,3 @@\n line\n-old\n+new\n+added\n\
                diff --git a/b.txt b/b.txt\n--- a/b.txt\n+++ b/b.txt\n@@ -1 +1 @@\n-x\n+y\n";
    let reported = user
        .agent
        .report_diff(ReportDiffRequest {
            session_id: session.clone(),
            diff: diff.into(),
            request_id: uuid::Uuid::new_v4().to_string(),
        })
        .await
        .unwrap()
        .into_inner();
    let summary = reported.summary.unwrap();
    assert_eq!(
        (summary.files_changed, summary.additions, summary.deletions),
        (2, 3, 2)
    );

    let got = user
        .dashboard
        .get_session(GetSessionRequest {
            session_id: session.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let open: Vec<&str> = got.open_questions.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(open, [q1.id.as_str(), q3.id.as_str()], "oldest first");
    assert!(got.open_questions.iter().all(|q| q.answer.is_none()));
    assert_eq!(got.open_questions[0].options.len(), 2);
    let s = got.session.unwrap();
    assert_eq!(s.open_question_count, 2);
    assert_eq!(s.status, SessionStatus::AwaitingInput as i32);
    assert_eq!(
        s.usage.unwrap(),
        Usage {
            input_tokens: 1200,
            output_tokens: 340,
            cost_micros: 56_789
        }
    );
    let stored = s.diff_summary.unwrap();
    assert_eq!(stored, summary);
    assert_eq!(s.last_seq, reported.seq);
    assert_eq!(s.agent_name, "getter");

    let got_diff = user
        .dashboard
        .get_diff(GetDiffRequest {
            session_id: session.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got_diff.diff, diff);
    assert_eq!(got_diff.summary.unwrap(), stored);

    // A session without a diff: empty text, no summary.
    let plain = user.start("getter").await;
    let none = user
        .dashboard
        .get_diff(GetDiffRequest { session_id: plain })
        .await
        .unwrap()
        .into_inner();
    assert!(none.diff.is_empty() && none.summary.is_none());

    for bad in ["", "nope"] {
        let r = user
            .dashboard
            .get_session(GetSessionRequest {
                session_id: bad.into(),
            })
            .await;
        assert_eq!(code(r), Code::InvalidArgument);
    }
    let r = user
        .dashboard
        .get_session(GetSessionRequest {
            session_id: uuid::Uuid::new_v4().to_string(),
        })
        .await;
    assert_eq!(code(r), Code::NotFound);
}

async fn list_messages(
    user: &mut TestUser,
    session_id: &str,
    direction: ListDirection,
    cursor_seq: i64,
    page_size: i32,
    page_token: &str,
) -> Result<ListMessagesResponse, tonic::Status> {
    user.dashboard
        .list_messages(ListMessagesRequest {
            session_id: session_id.into(),
            direction: direction as i32,
            cursor_seq,
            page_size,
            page_token: page_token.into(),
        })
        .await
        .map(|r| r.into_inner())
}

fn seqs(r: &ListMessagesResponse) -> Vec<i64> {
    r.messages.iter().map(|m| m.seq).collect()
}

#[tokio::test]
async fn list_messages_pages_forward_and_backward() {
    use ListDirection::{Backward, Forward, Unspecified};
    let app = TestApp::spawn().await;
    let mut user = app.user("messages@example.com").await;
    let session = user.start("pager").await;
    for i in 1..=23 {
        assert_eq!(user.step(&session, &format!("step {i}")).await.seq, i);
    }

    // FORWARD (and the default) from the start.
    for direction in [Forward, Unspecified] {
        let mut token = String::new();
        let mut pages = Vec::new();
        loop {
            let page = list_messages(&mut user, &session, direction, 0, 10, &token)
                .await
                .unwrap();
            pages.push(seqs(&page));
            if page.next_page_token.is_empty() {
                break;
            }
            token = page.next_page_token;
        }
        assert_eq!(
            pages,
            [
                (1..=10).collect::<Vec<_>>(),
                (11..=20).collect(),
                (21..=23).collect()
            ]
        );
    }
    let first = list_messages(&mut user, &session, Forward, 0, 1, "")
        .await
        .unwrap();
    let m = &first.messages[0];
    assert_eq!(m.session_id, session);
    assert_eq!(m.sender, Sender::Agent as i32);
    assert!(m.create_time.is_some());
    match &m.body {
        Some(message::Body::Step(s)) => assert_eq!(s.text, "step 1"),
        other => panic!("{other:?}"),
    }

    // A phone: the newest page first, then scrolling back while new messages arrive.
    let newest = list_messages(&mut user, &session, Backward, 0, 10, "")
        .await
        .unwrap();
    assert_eq!(seqs(&newest), (14..=23).rev().collect::<Vec<_>>());
    for i in 24..=30 {
        user.step(&session, &format!("step {i}")).await;
    }
    let older = list_messages(
        &mut user,
        &session,
        Backward,
        0,
        10,
        &newest.next_page_token,
    )
    .await
    .unwrap();
    assert_eq!(seqs(&older), (4..=13).rev().collect::<Vec<_>>());
    let oldest = list_messages(&mut user, &session, Backward, 0, 10, &older.next_page_token)
        .await
        .unwrap();
    assert_eq!(seqs(&oldest), [3, 2, 1]);
    assert!(oldest.next_page_token.is_empty());
    // ... and catches up forward from the newest it had.
    let fresh = list_messages(&mut user, &session, Forward, 23, 0, "")
        .await
        .unwrap();
    assert_eq!(seqs(&fresh), (24..=30).collect::<Vec<_>>());
    assert!(fresh.next_page_token.is_empty());

    // cursor_seq on the first page: FORWARD after it, BACKWARD before it.
    let after = list_messages(&mut user, &session, Forward, 5, 3, "")
        .await
        .unwrap();
    assert_eq!(seqs(&after), [6, 7, 8]);
    let before = list_messages(&mut user, &session, Backward, 5, 10, "")
        .await
        .unwrap();
    assert_eq!(seqs(&before), [4, 3, 2, 1]);
    assert!(before.next_page_token.is_empty());
    // A token overrides cursor_seq.
    let next = list_messages(&mut user, &session, Forward, 1, 3, &after.next_page_token)
        .await
        .unwrap();
    assert_eq!(seqs(&next), [9, 10, 11]);
    // Past the end: nothing, and no token.
    let end = list_messages(&mut user, &session, Forward, 30, 0, "")
        .await
        .unwrap();
    assert!(end.messages.is_empty() && end.next_page_token.is_empty());

    // A token reused with other filters is refused.
    let other_session = user.start("pager").await;
    user.step(&other_session, "elsewhere").await;
    let r = list_messages(&mut user, &session, Backward, 0, 3, &after.next_page_token).await;
    assert_eq!(code(r), Code::InvalidArgument, "other direction");
    let r = list_messages(
        &mut user,
        &other_session,
        Forward,
        0,
        3,
        &after.next_page_token,
    )
    .await;
    assert_eq!(code(r), Code::InvalidArgument, "other session");
    let r = list_messages(&mut user, &session, Forward, 0, 3, "garbage").await;
    assert_eq!(code(r), Code::InvalidArgument);
    let r = list_messages(&mut user, &session, Forward, -1, 3, "").await;
    assert_eq!(code(r), Code::InvalidArgument);
    let r = user
        .dashboard
        .list_messages(ListMessagesRequest {
            session_id: session.clone(),
            direction: 7,
            ..Default::default()
        })
        .await;
    assert_eq!(code(r), Code::InvalidArgument);

    // Every kind of message comes back with its body.
    let q = user.ask(&other_session, "Pick", &["a"]).await;
    user.dashboard
        .answer_question(AnswerQuestionRequest {
            session_id: other_session.clone(),
            question_id: q.id.clone(),
            option_ids: vec!["a".into()],
            text: String::new(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    user.dashboard
        .send_message(SendMessageRequest {
            session_id: other_session.clone(),
            text: "hi agent".into(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let all = list_messages(&mut user, &other_session, Forward, 0, 500, "")
        .await
        .unwrap();
    let kinds: Vec<(i32, &str)> = all
        .messages
        .iter()
        .map(|m| {
            (
                m.sender,
                match &m.body {
                    Some(message::Body::Step(_)) => "step",
                    Some(message::Body::Question(_)) => "question",
                    Some(message::Body::Answer(_)) => "answer",
                    Some(message::Body::UserMessage(_)) => "user_message",
                    Some(message::Body::StatusChange(_)) => "status_change",
                    other => panic!("{other:?}"),
                },
            )
        })
        .collect();
    let (agent, person) = (Sender::Agent as i32, Sender::User as i32);
    assert_eq!(
        kinds,
        [
            (agent, "step"),
            (agent, "question"),
            (agent, "status_change"),
            (person, "answer"),
            (person, "status_change"),
            (person, "user_message"),
        ]
    );
}

#[tokio::test]
async fn rename_session_changes_the_name_everywhere() {
    let app = TestApp::spawn().await;
    let mut user = app.user("rename@example.com").await;
    let session = user.start("renamer").await;
    let renamed = user
        .dashboard
        .rename_session(RenameSessionRequest {
            session_id: session.clone(),
            name: "  Nightly refactor  ".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    assert_eq!(renamed.name, "Nightly refactor");
    let got = user
        .dashboard
        .get_session(GetSessionRequest {
            session_id: session.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    assert_eq!(got.name, "Nightly refactor");
    let listed = all_sessions(&mut user, "", &[], 0).await;
    assert_eq!(listed[0].name, "Nightly refactor");
    for bad in ["", "   ", &"n".repeat(201)] {
        let r = user
            .dashboard
            .rename_session(RenameSessionRequest {
                session_id: session.clone(),
                name: bad.to_string(),
            })
            .await;
        assert_eq!(code(r), Code::InvalidArgument);
    }
    let r = user
        .dashboard
        .rename_session(RenameSessionRequest {
            session_id: uuid::Uuid::new_v4().to_string(),
            name: "x".into(),
        })
        .await;
    assert_eq!(code(r), Code::NotFound);
}

#[tokio::test]
async fn delete_session_removes_it_and_its_messages() {
    let app = TestApp::spawn().await;
    let mut user = app.user("delete@example.com").await;
    let session = user.start("deleter").await;
    let keep = user.start("deleter").await;
    for i in 0..5 {
        user.step(&session, &format!("step {i}")).await;
    }
    user.ask(&session, "Still there?", &[]).await;
    user.dashboard
        .delete_session(DeleteSessionRequest {
            session_id: session.clone(),
        })
        .await
        .unwrap();
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE session_id = $1")
        .bind(uuid::Uuid::parse_str(&session).unwrap())
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(left, 0, "the messages are gone");
    let r = list_messages(&mut user, &session, ListDirection::Forward, 0, 0, "").await;
    assert_eq!(code(r), Code::NotFound);
    let r = user
        .dashboard
        .get_session(GetSessionRequest {
            session_id: session.clone(),
        })
        .await;
    assert_eq!(code(r), Code::NotFound);
    let r = user
        .dashboard
        .get_diff(GetDiffRequest {
            session_id: session.clone(),
        })
        .await;
    assert_eq!(code(r), Code::NotFound);
    assert_eq!(ids(&all_sessions(&mut user, "", &[], 0).await), [keep]);
    // The agent still writing to it learns it is gone.
    let r = user
        .agent
        .log_step(LogStepRequest {
            session_id: session.clone(),
            text: "anyone?".into(),
            request_id: uuid::Uuid::new_v4().to_string(),
        })
        .await;
    assert_eq!(code(r), Code::NotFound);
    let r = user
        .agent
        .heartbeat(HeartbeatRequest {
            session_id: session.clone(),
        })
        .await;
    assert_eq!(code(r), Code::NotFound);
    // Deleting again: NOT_FOUND.
    let r = user
        .dashboard
        .delete_session(DeleteSessionRequest {
            session_id: session.clone(),
        })
        .await;
    assert_eq!(code(r), Code::NotFound);
    let agents = user
        .dashboard
        .list_agents(ListAgentsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .agents;
    assert_eq!(
        counts(&agents[0]),
        [(SessionStatus::Active, 1)],
        "the deleted session no longer counts"
    );
}

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
    let app = TestApp::spawn_with(|s| {
        s.limits.agent_calls_per_second = 1_000_000;
        s.limits.agent_calls_burst = 1_000_000;
    })
    .await;
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
