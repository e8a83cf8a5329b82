//! Issue 15, email helper: answer links (action tokens) and `/act/<token>`, end to end: real
//! Postgres, the real server, real HTTP requests to its port, and the agent's own
//! WaitForAnswer / WaitForApproval receiving what a link decided.

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use switchboard::domain::{AuditChannel, UserId};
use switchboard::notify::action::ActionTarget;
use switchboard::proto::*;

use crate::agent_loop::spawn_wait_for_answer;
use crate::approvals::{bash_request, request, spawn_wait};
use crate::harness::*;
use crate::roles::{projects_of, team};

/// One HTTP response, as a browser or the service worker would see it.
#[derive(Debug)]
pub struct HttpReply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl HttpReply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// A plain HTTP/1.1 request to the server.
pub async fn http(method: &str, url: &str, content_type: Option<&str>, body: &str) -> HttpReply {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let mut req = http::Request::builder().method(method).uri(url);
    if let Some(ct) = content_type {
        req = req.header(http::header::CONTENT_TYPE, ct);
    }
    let resp = client
        .request(req.body(Full::new(Bytes::from(body.to_owned()))).unwrap())
        .await
        .expect("HTTP request");
    let (parts, body) = resp.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    HttpReply {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

pub const FORM: Option<&str> = Some("application/x-www-form-urlencoded");
pub const JSON: Option<&str> = Some("application/json");

pub fn act_url(app: &TestApp, token: &str) -> String {
    format!("http://{}/act/{token}", app.addr)
}

pub async fn question_token(
    app: &TestApp,
    user: &TestUser,
    session: &str,
    question: &str,
) -> String {
    app.store
        .mint_action_token(
            UserId(user.user_id.parse().unwrap()),
            ActionTarget::Question {
                session_id: session.parse().unwrap(),
                question_id: question.parse().unwrap(),
            },
            AuditChannel::NotificationLink,
            Duration::from_secs(3600),
        )
        .await
        .expect("mint")
}

pub async fn approval_token(
    app: &TestApp,
    user: &TestUser,
    session: &str,
    approval: &str,
) -> String {
    app.store
        .mint_action_token(
            UserId(user.user_id.parse().unwrap()),
            ActionTarget::Approval {
                session_id: session.parse().unwrap(),
                request_id: approval.into(),
            },
            AuditChannel::PushAction,
            Duration::from_secs(3600),
        )
        .await
        .expect("mint")
}

async fn audit(app: &TestApp, user: &TestUser, project: &str) -> Vec<AuditEvent> {
    projects_of(app, user)
        .await
        .list_audit_events(ListAuditEventsRequest {
            project_id: project.into(),
            page_size: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .events
}

async fn question_of(user: &mut TestUser, session: &str) -> Vec<Question> {
    user.dashboard
        .get_session(GetSessionRequest {
            session_id: session.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .open_questions
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_shows_the_question_without_acting_and_its_post_answers_the_waiting_agent() {
    let app = TestApp::spawn().await;
    let mut ann = app.user("ann@example.com").await;
    let session = ann.start("claude-code").await;
    let q = ann
        .ask(&session, "Deploy <prod> now?", &["yes", "no"])
        .await;
    let token = question_token(&app, &ann, &session, &q.id).await;
    assert!(token.starts_with("sb_act_"), "{token}");
    // Only the hash is stored.
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT token_hash FROM action_tokens")
        .fetch_all(app.store.pool())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token.as_bytes());

    let waiter = spawn_wait_for_answer(&ann.agent, &session, &q.id, 60);
    app.until_followed(&session).await;

    // GET shows the question (escaped), one form per option, and acts on nothing, however often
    // (mail scanners prefetch links).
    for _ in 0..2 {
        let page = http("GET", &act_url(&app, &token), None, "").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(
            page.body.contains("Deploy &lt;prod&gt; now?"),
            "{}",
            page.body
        );
        assert!(!page.body.contains("<prod>"));
        assert_eq!(page.body.matches("<form method=\"post\">").count(), 2);
        assert!(page.body.contains("name=\"choice\" value=\"Label yes\""));
        assert!(!page.body.contains("<script"));
        assert_eq!(page.headers["cache-control"], "no-store");
        assert_eq!(page.headers["referrer-policy"], "no-referrer");
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'none'") && csp.contains("form-action 'self'"),
            "{csp}"
        );
    }
    assert_eq!(question_of(&mut ann, &session).await.len(), 1, "still open");
    assert!(!waiter.is_finished());

    // POST with the form answers: the agent gets it pushed.
    let done = http("POST", &act_url(&app, &token), FORM, "choice=Label+yes").await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body.contains("Your answer was sent to the agent."),
        "{}",
        done.body
    );
    let got = tokio::time::timeout(Duration::from_secs(20), waiter)
        .await
        .expect("the agent is woken")
        .unwrap();
    let answer = got.answer.expect("answered");
    assert_eq!(answer.option_ids, vec!["yes".to_owned()]);
    assert_eq!(answer.answered_by, Sender::User as i32);

    // Audited as the person, through the link.
    let events = audit(&app, &ann, &ann.user_id).await;
    let answered: Vec<_> = events
        .iter()
        .filter(|e| e.action == AuditAction::QuestionAnswered as i32)
        .collect();
    assert_eq!(answered.len(), 1, "{events:?}");
    assert_eq!(answered[0].actor_user_id, ann.user_id);
    assert_eq!(answered[0].channel, AuditChannel::NotificationLink as i32);
    assert_eq!(answered[0].session_id, session);

    // The second POST (and a GET) say the link was used.
    let again = http("POST", &act_url(&app, &token), FORM, "choice=Label+no").await;
    assert_eq!(again.status, 410);
    assert!(again.body.contains("already used"), "{}", again.body);
    let json = http(
        "POST",
        &act_url(&app, &token),
        JSON,
        r#"{"choice":"Label no"}"#,
    )
    .await;
    assert_eq!(json.status, 410);
    assert_eq!(json.json()["status"], "used");
    assert_eq!(
        http("GET", &act_url(&app, &token), None, "").await.status,
        410
    );
}

#[tokio::test]
async fn json_answers_first_wins_and_a_bad_choice_leaves_the_link_usable() {
    let app = TestApp::spawn().await;
    let mut bo = app.user("bo@example.com").await;
    let session = bo.start("agent").await;
    let q = bo.ask(&session, "Which?", &["a", "b"]).await;
    let first = question_token(&app, &bo, &session, &q.id).await;
    let second = question_token(&app, &bo, &session, &q.id).await;

    // Not an option, no answer at all, a decision for a question: refused, nothing used.
    let bad = http(
        "POST",
        &act_url(&app, &first),
        JSON,
        r#"{"choice":"Label z"}"#,
    )
    .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert_eq!(bad.json()["status"], "invalid");
    assert!(bad.json()["message"].as_str().unwrap().contains("Label z"));
    let empty = http("POST", &act_url(&app, &first), JSON, "{}").await;
    assert_eq!(empty.json()["status"], "invalid");
    let wrong = http(
        "POST",
        &act_url(&app, &first),
        JSON,
        r#"{"decision":"allow"}"#,
    )
    .await;
    assert_eq!(wrong.status, 400);
    assert_eq!(wrong.json()["status"], "invalid");
    let form = http("POST", &act_url(&app, &first), FORM, "").await;
    assert_eq!(form.status, 400);
    assert!(
        form.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );

    // An option by its id works too; the answer is stored.
    let ok = http("POST", &act_url(&app, &first), JSON, r#"{"choice":["b"]}"#).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json()["status"], "answered");
    assert!(question_of(&mut bo, &session).await.is_empty());

    // Another link to the same question: already answered, and it stays unused.
    let late = http(
        "POST",
        &act_url(&app, &second),
        JSON,
        r#"{"choice":"Label a"}"#,
    )
    .await;
    assert_eq!(late.status, 409, "{}", late.body);
    assert_eq!(late.json()["status"], "already_answered");
    assert!(
        late.json()["message"]
            .as_str()
            .unwrap()
            .contains("already answered")
    );
    let page = http("GET", &act_url(&app, &second), None, "").await;
    assert_eq!(page.status, 409);
    assert!(
        page.body.contains("Already answered: Label b"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<form"));
    let used: Vec<Option<chrono::DateTime<chrono::Utc>>> =
        sqlx::query_scalar("SELECT used_at FROM action_tokens ORDER BY created_at")
            .fetch_all(app.store.pool())
            .await
            .unwrap();
    assert_eq!(used.iter().filter(|u| u.is_some()).count(), 1, "{used:?}");

    // Unknown and malformed tokens.
    let unknown = format!("sb_act_{}", "A".repeat(43));
    let r = http("POST", &act_url(&app, &unknown), JSON, r#"{"choice":"a"}"#).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["status"], "unknown");
    assert_eq!(
        http("GET", &act_url(&app, "nonsense"), None, "")
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn an_expired_link_says_so_and_answers_nothing() {
    let app = TestApp::spawn().await;
    let mut cy = app.user("cy@example.com").await;
    let session = cy.start("agent").await;
    let q = cy.ask(&session, "Go?", &["yes"]).await;
    let token = question_token(&app, &cy, &session, &q.id).await;
    sqlx::query("UPDATE action_tokens SET expires_at = now() - interval '1 second'")
        .execute(app.store.pool())
        .await
        .unwrap();
    let page = http("GET", &act_url(&app, &token), None, "").await;
    assert_eq!(page.status, 410);
    assert!(page.body.contains("expired"), "{}", page.body);
    let r = http("POST", &act_url(&app, &token), JSON, r#"{"choice":"yes"}"#).await;
    assert_eq!(r.status, 410);
    assert_eq!(r.json()["status"], "expired");
    assert_eq!(question_of(&mut cy, &session).await.len(), 1, "still open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_who_lost_the_edit_role_is_refused() {
    let app = TestApp::spawn().await;
    let mut admin = app.user("admin@example.com").await;
    let demoted = app.user("demoted@example.com").await;
    let removed = app.user("removed@example.com").await;
    let project = team(
        &app,
        &admin,
        &[(&demoted, ProjectRole::Edit), (&removed, ProjectRole::Edit)],
    )
    .await;
    let (key, _) = crate::roles::project_key(&app, &mut admin, &project).await;
    let mut agent = app.agent_with_key(&key).await;
    let session = agent
        .start_session(StartSessionRequest {
            agent_name: "team-agent".into(),
            request_id: rid(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap()
        .id;
    let q = agent
        .ask_question(AskQuestionRequest {
            session_id: session.clone(),
            text: "Ship it?".into(),
            options: vec![QuestionOption {
                id: "y".into(),
                label: "Yes".into(),
                description: String::new(),
            }],
            request_id: rid(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .question
        .unwrap();
    let demoted_token = question_token(&app, &demoted, &session, &q.id).await;
    let removed_token = question_token(&app, &removed, &session, &q.id).await;
    // While they hold edit, the page offers the buttons.
    let page = http("GET", &act_url(&app, &demoted_token), None, "").await;
    assert_eq!(page.status, 200, "{}", page.body);

    let mut projects = projects_of(&app, &admin).await;
    projects
        .change_member_role(ChangeMemberRoleRequest {
            project_id: project.clone(),
            user_id: demoted.user_id.clone(),
            role: ProjectRole::View as i32,
        })
        .await
        .unwrap();
    projects
        .remove_member(RemoveMemberRequest {
            project_id: project.clone(),
            user_id: removed.user_id.clone(),
        })
        .await
        .unwrap();
    for token in [&demoted_token, &removed_token] {
        let page = http("GET", &act_url(&app, token), None, "").await;
        assert_eq!(page.status, 403, "{}", page.body);
        assert!(!page.body.contains("<form"));
        let r = http("POST", &act_url(&app, token), JSON, r#"{"choice":"Yes"}"#).await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert_eq!(r.json()["status"], "forbidden");
    }
    let open = admin
        .dashboard
        .get_session(GetSessionRequest {
            session_id: session.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .open_questions;
    assert_eq!(open.len(), 1, "nobody answered");
    assert!(
        audit(&app, &admin, &project)
            .await
            .iter()
            .all(|e| e.action != AuditAction::QuestionAnswered as i32)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approval_links_show_the_call_and_decide_it_for_the_waiting_agent() {
    let app = TestApp::spawn().await;
    let mut dee = app.user("dee@example.com").await;
    let session = dee.start("claude-code").await;
    let a = request(&mut dee, bash_request(&session, "rm -rf <build>")).await;
    let token = approval_token(&app, &dee, &session, &a.id).await;
    let page = http("GET", &act_url(&app, &token), None, "").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("rm -rf &lt;build&gt;"), "{}", page.body);
    for decision in ["allow", "allow_session", "deny"] {
        assert!(
            page.body
                .contains(&format!("name=\"decision\" value=\"{decision}\"")),
            "{decision}: {}",
            page.body
        );
    }
    assert!(page.body.contains(">Allow for this session</button>"));

    let waiter = spawn_wait(&dee.agent, &session, &a.id, 60);
    app.until_followed(&session).await;
    let r = http(
        "POST",
        &act_url(&app, &token),
        JSON,
        r#"{"decision":"deny"}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "answered");
    let got = tokio::time::timeout(Duration::from_secs(20), waiter)
        .await
        .expect("the agent is woken")
        .unwrap();
    assert!(got.decided);
    let result = got.result.unwrap();
    assert_eq!(result.decision, ApprovalDecision::Deny as i32);
    assert_eq!(result.decided_by, Sender::User as i32);
    let events = audit(&app, &dee, &dee.user_id).await;
    let denied: Vec<_> = events
        .iter()
        .filter(|e| e.action == AuditAction::ApprovalDenied as i32)
        .collect();
    assert_eq!(denied.len(), 1, "{events:?}");
    assert_eq!(denied[0].channel, AuditChannel::PushAction as i32);

    let again = http("POST", &act_url(&app, &token), FORM, "decision=allow").await;
    assert_eq!(again.status, 410);
    assert!(again.body.contains("already used"));

    // A second approval: decided from the dashboard first, its link says already decided;
    // a form POST that allows for the session is refused with the same words.
    let b = request(&mut dee, bash_request(&session, "make")).await;
    let late = approval_token(&app, &dee, &session, &b.id).await;
    dee.dashboard
        .decide_approval(crate::approvals::decide(
            &session,
            &b.id,
            ApprovalDecision::AllowOnce,
            "",
        ))
        .await
        .unwrap();
    let page = http("GET", &act_url(&app, &late), None, "").await;
    assert_eq!(page.status, 409);
    assert!(
        page.body.contains("Already decided: allowed once"),
        "{}",
        page.body
    );
    let r = http(
        "POST",
        &act_url(&app, &late),
        FORM,
        "decision=allow_session",
    )
    .await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("already decided"), "{}", r.body);
    let r = http("POST", &act_url(&app, &late), FORM, "choice=yes").await;
    assert_eq!(r.status, 400, "a question's answer on an approval link");
}

#[tokio::test]
async fn a_minted_token_names_a_real_approval_id() {
    let app = TestApp::spawn().await;
    let ed = app.user("ed@example.com").await;
    let err = app
        .store
        .mint_action_token(
            UserId(ed.user_id.parse().unwrap()),
            ActionTarget::Approval {
                session_id: uuid::Uuid::new_v4(),
                request_id: "not-a-uuid".into(),
            },
            AuditChannel::PushAction,
            Duration::from_secs(60),
        )
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("request_id"), "{err}");
}
