//! The dashboard's read side: ListAgents, ListSessions, GetSession, ListMessages, GetDiff,
//! RenameSession, DeleteSession, and tenancy (another user's ids are NOT_FOUND everywhere).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use switchboard::proto::*;
use tonic::Code;

use crate::harness::*;

pub fn ts(t: &Option<prost_types::Timestamp>) -> (i64, i32) {
    let t = t.as_ref().expect("a timestamp");
    (t.seconds, t.nanos)
}

pub async fn end(user: &mut TestUser, session_id: &str, outcome: SessionOutcome) {
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

pub async fn list_sessions(
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
            ..Default::default()
        })
        .await
        .map(|r| r.into_inner())
}

/// Every page of a session listing, concatenated.
pub async fn all_sessions(
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

pub fn ids(sessions: &[Session]) -> Vec<String> {
    sessions.iter().map(|s| s.id.clone()).collect()
}

/// Awaiting input first, then most recent activity first.
pub fn assert_dashboard_order(sessions: &[Session]) {
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
pub struct Fixture {
    user: TestUser,
    sessions: HashMap<&'static str, String>,
    agents: HashMap<String, String>,
}

/// alpha: a1 ACTIVE, a2 AWAITING_INPUT, a3 STOPPING; beta: b1 ACTIVE (most recent);
/// gamma: g1 COMPLETED, g2 FAILED (oldest).
pub async fn fixture(app: &TestApp, email: &str) -> Fixture {
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

pub fn counts(agent: &Agent) -> Vec<(SessionStatus, i32)> {
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
                ..Default::default()
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
            ..Default::default()
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
    let app = TestApp::spawn_with(fast_limits).await;
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
