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
    assert!(again.body.contains("Already answered"), "{}", again.body);
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

    // A day after it ran out, the sweeper deletes it: the link is then simply not valid.
    sqlx::query("UPDATE action_tokens SET expires_at = now() - interval '2 days'")
        .execute(app.store.pool())
        .await
        .unwrap();
    let pool = app.store.pool().clone();
    eventually("the stale token is deleted", || {
        let pool = pool.clone();
        async move {
            let n: i64 = sqlx::query_scalar("SELECT count(*) FROM action_tokens")
                .fetch_one(&pool)
                .await
                .unwrap();
            n == 0
        }
    })
    .await;
    assert_eq!(
        http("GET", &act_url(&app, &token), None, "").await.status,
        404
    );
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

/// A test certificate authority (rcgen) issuing certificates for 127.0.0.1.
pub struct TestCa {
    pub pem: String,
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
}

impl TestCa {
    pub fn new(name: &str) -> TestCa {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params.self_signed(&key).unwrap();
        TestCa {
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A leaf certificate for 127.0.0.1 and localhost and its key, both PEM.
    pub fn leaf_pem(&self) -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                .unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }

    /// A server configuration with a leaf for 127.0.0.1 and localhost.
    pub fn server_config(&self) -> std::sync::Arc<tokio_rustls::rustls::ServerConfig> {
        use tokio_rustls::rustls;
        use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let key = rcgen::KeyPair::generate().unwrap();
        let params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                .unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(cert.der().to_vec())],
                PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
            )
            .unwrap();
        std::sync::Arc::new(config)
    }
}

/// (path, body) of each request a receiver got.
type Requests = std::sync::Arc<std::sync::Mutex<Vec<(String, Vec<u8>)>>>;

/// An https receiver: records (path, body) of every request and answers 200.
#[derive(Clone, Default)]
pub struct TlsReceiver {
    pub addr: Option<std::net::SocketAddr>,
    got: Requests,
}

impl TlsReceiver {
    pub async fn start(ca: &TestCa) -> TlsReceiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let me = TlsReceiver {
            addr: Some(listener.local_addr().unwrap()),
            ..TlsReceiver::default()
        };
        let acceptor = tokio_rustls::TlsAcceptor::from(ca.server_config());
        let got = me.got.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (acceptor, got) = (acceptor.clone(), got.clone());
                tokio::spawn(async move {
                    // A client that refuses the certificate ends the handshake: nothing to serve.
                    let Ok(tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    let service = hyper::service::service_fn(
                        move |req: hyper::Request<hyper::body::Incoming>| {
                            let got = got.clone();
                            async move {
                                let path = req.uri().path().to_owned();
                                let body = req.into_body().collect().await.unwrap().to_bytes();
                                got.lock().unwrap().push((path, body.to_vec()));
                                Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(
                                    Bytes::from("ok"),
                                )))
                            }
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        me
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://{}{path}", self.addr.unwrap())
    }

    pub fn received(&self) -> Vec<(String, Vec<u8>)> {
        self.got.lock().unwrap().clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_webhooks_trust_the_configured_ca_and_refuse_another() {
    use crate::notifications::{create_channel, notifications_of, until_deliveries};
    let trusted = TestCa::new("trusted test CA");
    let stranger = TestCa::new("unknown test CA");
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &trusted.pem).unwrap();
    let app = TestApp::spawn_with(|s| s.notify.ca_file = Some(ca_file.clone())).await;
    let good = TlsReceiver::start(&trusted).await;
    let bad = TlsReceiver::start(&stranger).await;
    let mut fay = app.user("fay@example.com").await;
    let mut n = notifications_of(&app, &fay).await;
    let webhook = create_channel(
        &mut n,
        ChannelKind::Webhook,
        &good.url("/hook"),
        &[NotificationEvent::QuestionAsked],
    )
    .await;
    let slack = create_channel(
        &mut n,
        ChannelKind::Slack,
        &good.url("/services/T000/B000/slack-secret-part"),
        &[NotificationEvent::QuestionAsked],
    )
    .await;
    let refused = create_channel(
        &mut n,
        ChannelKind::Webhook,
        &bad.url("/hook"),
        &[NotificationEvent::QuestionAsked],
    )
    .await;
    // Slack's URL is its secret: shown redacted, stored sealed.
    let slack_channel = slack.channel.unwrap();
    assert_eq!(
        slack_channel.url,
        format!("https://{}/…", good.addr.unwrap()),
        "only the origin is shown"
    );
    let (url, secret): (String, String) =
        sqlx::query_as("SELECT url, secret FROM notification_channels WHERE id = $1::uuid")
            .bind(&slack_channel.id)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert!(!url.contains("slack-secret-part") && !secret.contains("slack-secret-part"));
    assert!(secret.starts_with("v1."), "sealed: {secret}");

    let session = fay.start("tls-agent").await;
    fay.ask(&session, "Over TLS?", &["yes"]).await;
    let webhook_channel = webhook.channel.unwrap();
    let sent = until_deliveries(&n, &webhook_channel.id, 1).await;
    assert_eq!(sent[0].outcome, DeliveryOutcome::Sent as i32, "{sent:?}");
    let sent = until_deliveries(&n, &slack_channel.id, 1).await;
    assert_eq!(sent[0].outcome, DeliveryOutcome::Sent as i32, "{sent:?}");
    let got = good.received();
    let mut paths: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
    paths.sort();
    assert_eq!(paths, ["/hook", "/services/T000/B000/slack-secret-part"]);
    let (_, body) = got.iter().find(|(p, _)| p == "/hook").unwrap();
    let json: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(json["event"], "question_asked");

    // A receiver whose certificate no trusted CA issued: the attempt fails, saying why, and
    // nothing reaches it.
    let failed = until_deliveries(&n, &refused.channel.unwrap().id, 1).await;
    assert_eq!(failed[0].outcome, DeliveryOutcome::Failed as i32);
    assert!(
        failed[0].detail.to_lowercase().contains("certificate")
            || failed[0].detail.contains("UnknownIssuer"),
        "{}",
        failed[0].detail
    );
    assert!(bad.received().is_empty());
}

#[tokio::test]
async fn an_unreadable_notify_ca_file_stops_the_start() {
    let (_, store) = fresh_database().await;
    let mut settings = test_settings();
    settings.notify.ca_file = Some("/nonexistent/ca.pem".into());
    let err = switchboard::runtime::server::start_with_store(settings, store)
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("notify.ca_file"), "{err}");
}

/// A real SMTP server (tests/smtp/smtp_sink.py, aiosmtpd) on a free port, writing what it
/// accepts into a directory this reads. Stopped with the test (its stdin closes).
pub struct SmtpSink {
    pub port: u16,
    dir: tempfile::TempDir,
    _child: tokio::process::Child,
}

/// One email the sink accepted, decoded by Python's email package.
#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)] // every field is kept for failure messages
pub struct Mail {
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub content_type: String,
    pub text: String,
    pub html: String,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        Self::start_with(&[]).await
    }

    /// With more arguments for smtp_sink.py (`--starttls CERT KEY`, `--auth USER PASSWORD`).
    pub async fn start_with(args: &[&std::ffi::OsStr]) -> SmtpSink {
        use tokio::io::AsyncBufReadExt;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp");
        let python = root.join(".venv/bin/python");
        assert!(
            python.exists(),
            "the SMTP test server needs aiosmtpd: run tests/smtp/setup.sh (scripts/test.sh does)"
        );
        let dir = tempfile::tempdir().unwrap();
        let mut child = tokio::process::Command::new(python)
            .arg(root.join("smtp_sink.py"))
            .arg(dir.path())
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the SMTP server");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        tokio::time::timeout(
            Duration::from_secs(30),
            tokio::io::BufReader::new(stdout).read_line(&mut line),
        )
        .await
        .expect("the SMTP server prints its port")
        .unwrap();
        SmtpSink {
            port: line.trim().parse().expect("a port"),
            dir,
            _child: child,
        }
    }

    pub fn settings(&self) -> switchboard::config::SmtpSettings {
        switchboard::config::SmtpSettings {
            host: "127.0.0.1".into(),
            port: Some(self.port),
            tls: switchboard::config::SmtpTls::None,
            username: None,
            password: None,
            from: "Switchboard <switchboard@example.com>".into(),
            timeout_ms: 10_000,
        }
    }

    pub fn mails(&self) -> Vec<Mail> {
        let mut names: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
            .collect()
    }

    /// Waits (bounded) until `n` emails arrived.
    pub async fn until(&self, n: usize) -> Vec<Mail> {
        eventually(&format!("{n} emails"), || {
            let got = self.mails().len();
            async move { got >= n }
        })
        .await;
        self.mails()
    }
}

/// SMTP settings whose relay refuses connections (the roles table needs email channels that
/// can be created; nothing is expected to arrive).
pub fn refusing_smtp() -> switchboard::config::SmtpSettings {
    switchboard::config::SmtpSettings {
        host: "127.0.0.1".into(),
        port: Some(9),
        tls: switchboard::config::SmtpTls::None,
        username: None,
        password: None,
        from: "Switchboard <switchboard@example.com>".into(),
        timeout_ms: 2_000,
    }
}

/// The link of the line `  <label>: <url>` in an email's text.
fn link_for(text: &str, label: &str) -> String {
    let prefix = format!("  {label}: ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no link for {label:?} in:\n{text}"))
        .trim()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_arrives_with_answer_links_that_answer_once() {
    use crate::notifications::{notifications_of, until_deliveries};
    let smtp = SmtpSink::start().await;
    let settings = smtp.settings();
    let app = TestApp::spawn_with(move |s| s.notify.smtp = Some(settings)).await;
    let mut gil = app.user("gil@example.com").await;
    let mut n = notifications_of(&app, &gil).await;

    // Refused input names its field.
    let err = n
        .create_email_channel(CreateEmailChannelRequest {
            address: "someone at else.example".into(),
            events: vec![NotificationEvent::QuestionAsked as i32],
            escalate_after: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert!(err.message().starts_with("address:"), "{}", err.message());
    let err = n
        .create_email_channel(CreateEmailChannelRequest {
            address: String::new(),
            events: vec![],
            escalate_after: None,
        })
        .await
        .unwrap_err();
    assert!(err.message().starts_with("events:"), "{}", err.message());
    let err = n
        .create_email_channel(CreateEmailChannelRequest {
            address: String::new(),
            events: vec![NotificationEvent::QuestionAsked as i32],
            escalate_after: Some(prost_types::Duration {
                seconds: 2 * 86_400,
                nanos: 0,
            }),
        })
        .await
        .unwrap_err();
    assert!(
        err.message().starts_with("escalate_after:"),
        "{}",
        err.message()
    );

    let channel = n
        .create_email_channel(CreateEmailChannelRequest {
            address: "GIL@example.com".into(),
            events: vec![
                NotificationEvent::QuestionAsked as i32,
                NotificationEvent::ApprovalRequested as i32,
            ],
            escalate_after: None,
        })
        .await
        .unwrap()
        .into_inner()
        .channel
        .unwrap();
    assert_eq!(channel.kind, ChannelKind::Email as i32);
    assert_eq!(channel.url, "mailto:gil@example.com");

    let session = gil.start("mailer").await;
    let q = gil
        .ask(&session, "Merge the <branch>?", &["yes", "no"])
        .await;
    let mails = smtp.until(1).await;
    let mail = &mails[0];
    assert_eq!(mail.rcpt_tos, ["gil@example.com"]);
    assert_eq!(mail.mail_from, "switchboard@example.com");
    assert_eq!(mail.content_type, "multipart/alternative");
    assert!(
        mail.subject.contains("asked a question"),
        "{}",
        mail.subject
    );
    assert!(mail.text.contains("Merge the <branch>?"), "{}", mail.text);
    assert!(
        mail.html.contains("Merge the &lt;branch&gt;?"),
        "{}",
        mail.html
    );
    assert!(
        mail.text.contains(&format!("/sessions/{session}")),
        "a link to the session: {}",
        mail.text
    );
    let yes = link_for(&mail.text, "Label yes");
    let no = link_for(&mail.text, "Label no");
    assert!(
        yes.starts_with(&format!("http://{}/act/sb_act_", app.addr)),
        "{yes}"
    );
    assert!(
        mail.html.contains(&yes.replace('&', "&amp;")),
        "{}",
        mail.html
    );
    let sent = until_deliveries(&n, &channel.id, 1).await;
    assert_eq!(sent[0].outcome, DeliveryOutcome::Sent as i32, "{sent:?}");

    // The link opens the page with that answer ready; the GET answers nothing.
    let page = http("GET", &yes, None, "").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Send: Label yes"), "{}", page.body);
    assert_eq!(question_of(&mut gil, &session).await.len(), 1);

    let waiter = spawn_wait_for_answer(&gil.agent, &session, &q.id, 60);
    app.until_followed(&session).await;
    // The browser posts the form to the page's own address.
    let done = http("POST", &yes, FORM, "choice=Label+yes").await;
    assert_eq!(done.status, 200, "{}", done.body);
    let got = tokio::time::timeout(Duration::from_secs(20), waiter)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.answer.unwrap().option_ids, ["yes"]);
    let events = audit(&app, &gil, &gil.user_id).await;
    let answered = events
        .iter()
        .find(|e| e.action == AuditAction::QuestionAnswered as i32)
        .expect("audited");
    assert_eq!(answered.channel, AuditChannel::NotificationLink as i32);

    // A second click, on the same or another option: already answered.
    for link in [&yes, &no] {
        let again = http("POST", link, FORM, "choice=Label+no").await;
        assert_eq!(again.status, 410);
        assert!(again.body.contains("Already answered"), "{}", again.body);
    }

    // An approval: Allow / Allow for this session / Deny links.
    let a = request(&mut gil, bash_request(&session, "cargo publish")).await;
    let mails = smtp.until(2).await;
    let mail = &mails[1];
    assert!(
        mail.subject.contains("asks to run Bash"),
        "{}",
        mail.subject
    );
    let deny = link_for(&mail.text, "Deny");
    link_for(&mail.text, "Allow for this session");
    let page = http("GET", &deny, None, "").await;
    assert!(page.body.contains("Send: Deny"), "{}", page.body);
    let waiter = spawn_wait(&gil.agent, &session, &a.id, 60);
    app.until_followed(&session).await;
    let done = http("POST", &deny, FORM, "decision=deny").await;
    assert_eq!(done.status, 200, "{}", done.body);
    let got = tokio::time::timeout(Duration::from_secs(20), waiter)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.result.unwrap().decision, ApprovalDecision::Deny as i32);
}

#[tokio::test]
async fn webhook_and_slack_bodies_carry_answer_links() {
    use crate::notifications::{Receiver, create_channel, notifications_of};
    let app = TestApp::spawn().await;
    let receiver = Receiver::start().await;
    let mut hal = app.user("hal@example.com").await;
    let mut n = notifications_of(&app, &hal).await;
    create_channel(
        &mut n,
        ChannelKind::Webhook,
        &receiver.url(),
        &[NotificationEvent::QuestionAsked],
    )
    .await;
    create_channel(
        &mut n,
        ChannelKind::Slack,
        &receiver.url(),
        &[NotificationEvent::QuestionAsked],
    )
    .await;
    let session = hal.start("hooked").await;
    hal.ask(&session, "Pick one", &["a", "b"]).await;
    let got = receiver.until(2).await;
    let bodies: Vec<serde_json::Value> = got.iter().map(|r| r.json()).collect();
    let generic = bodies.iter().find(|b| b.get("event").is_some()).unwrap();
    let slack = bodies.iter().find(|b| b.get("blocks").is_some()).unwrap();
    let options = generic["answer"]["options"]
        .as_array()
        .expect("answer links");
    assert_eq!(options.len(), 2);
    assert_eq!(options[0]["label"], "Label a");
    let buttons: Vec<&str> = slack["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "actions")
        .unwrap()["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(buttons, ["Open session", "Label a", "Label b"]);

    // The generic body's link answers (as JSON, like a bot would).
    let url = options[1]["url"].as_str().unwrap();
    let r = http("POST", url, JSON, r#"{"choice":"Label b"}"#).await;
    assert_eq!(r.json()["status"], "answered", "{}", r.body);
    // The Slack button's token is another: the question is answered by now.
    let slack_url = slack["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "actions")
        .unwrap()["elements"][1]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(slack_url.split('?').next(), url.split('?').next());
    let r = http("POST", &slack_url, JSON, r#"{"choice":"Label a"}"#).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["status"], "already_answered");
}

async fn webhook_channel(
    n: &mut crate::notifications::NotifyClient,
    url: &str,
    escalate_secs: Option<i64>,
) -> Channel {
    n.create_webhook_channel(CreateWebhookChannelRequest {
        kind: ChannelKind::Webhook as i32,
        url: url.into(),
        events: vec![NotificationEvent::QuestionAsked as i32],
        escalate_after: escalate_secs.map(|seconds| prost_types::Duration { seconds, nanos: 0 }),
    })
    .await
    .unwrap()
    .into_inner()
    .channel
    .unwrap()
}

/// Moves a channel's pending notifications' time to now (time passing, without waiting).
async fn make_due(app: &TestApp, channel: &str) {
    sqlx::query(
        "UPDATE notification_outbox SET due_at = now() WHERE channel_id = $1::uuid AND state = 0",
    )
    .bind(channel)
    .execute(app.store.pool())
    .await
    .unwrap();
}

#[tokio::test]
async fn an_escalated_channel_waits_and_stays_quiet_once_the_question_is_answered() {
    use crate::notifications::{Receiver, deliveries, notifications_of, until_deliveries};
    let app = TestApp::spawn_with(|s| s.notify.poll_interval_ms = 50).await;
    let receiver = Receiver::start().await;
    let mut ida = app.user("ida@example.com").await;
    let mut n = notifications_of(&app, &ida).await;
    let at_once = webhook_channel(&mut n, &receiver.url(), None).await;
    let later = webhook_channel(&mut n, &receiver.url(), Some(600)).await;
    assert_eq!(at_once.escalate_after, None);
    assert_eq!(
        later.escalate_after,
        Some(prost_types::Duration {
            seconds: 600,
            nanos: 0
        })
    );

    let session = ida.start("escalating").await;
    let q = ida.ask(&session, "First?", &["yes"]).await;
    let sent = until_deliveries(&n, &at_once.id, 1).await;
    assert_eq!(sent[0].outcome, DeliveryOutcome::Sent as i32);
    // The escalated one is due ten minutes after the question.
    let due: chrono::DateTime<chrono::Utc> = sqlx::query_scalar(
        "SELECT due_at FROM notification_outbox WHERE channel_id = $1::uuid AND state = 0",
    )
    .bind(&later.id)
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert!(
        due > chrono::Utc::now() + chrono::Duration::minutes(9),
        "{due}"
    );
    assert!(deliveries(&mut n, &later.id).await.is_empty());

    // Answered before its time: when the time comes, nothing is sent.
    ida.dashboard
        .answer_question(AnswerQuestionRequest {
            session_id: session.clone(),
            question_id: q.id.clone(),
            option_ids: vec!["yes".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    make_due(&app, &later.id).await;
    let quiet = until_deliveries(&n, &later.id, 1).await;
    assert_eq!(quiet[0].outcome, DeliveryOutcome::Suppressed as i32);
    assert!(quiet[0].detail.contains("already answered"), "{quiet:?}");
    assert_eq!(receiver.received().len(), 1, "only the at-once channel's");

    // A question still open when its time comes is sent.
    ida.ask(&session, "Second?", &["yes"]).await;
    make_due(&app, &later.id).await;
    let got = until_deliveries(&n, &later.id, 2).await;
    assert_eq!(got[1].outcome, DeliveryOutcome::Sent as i32, "{got:?}");
    let last = receiver.until(2).await;
    assert!(
        last.iter()
            .any(|r| r.json()["session"]["question_text"] == "Second?"),
        "{last:?}"
    );

    // UpdateChannel changes the delay (zero: at once).
    let updated = n
        .update_channel(UpdateChannelRequest {
            channel_id: later.id.clone(),
            enabled: None,
            events: None,
            escalate_after: Some(prost_types::Duration {
                seconds: 0,
                nanos: 0,
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .channel
        .unwrap();
    assert_eq!(updated.escalate_after, None);
    let err = n
        .update_channel(UpdateChannelRequest {
            channel_id: later.id.clone(),
            enabled: None,
            events: None,
            escalate_after: Some(prost_types::Duration {
                seconds: -1,
                nanos: 0,
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert!(
        err.message().starts_with("escalate_after:"),
        "{}",
        err.message()
    );
}

#[tokio::test]
async fn past_the_per_person_rate_limit_notifications_wait_and_then_go() {
    use crate::notifications::{Receiver, notifications_of};
    let app = TestApp::spawn_with(|s| {
        s.notify.per_person_per_minute = 2;
        s.notify.poll_interval_ms = 50;
    })
    .await;
    let receiver = Receiver::start().await;
    let mut jo = app.user("jo@example.com").await;
    let mut n = notifications_of(&app, &jo).await;
    let channel = webhook_channel(&mut n, &receiver.url(), None).await;
    // Three sessions (nothing to coalesce), one question each.
    for i in 0..3 {
        let session = jo.start(&format!("agent-{i}")).await;
        jo.ask(&session, &format!("Question {i}?"), &["ok"]).await;
    }
    receiver.until(2).await;
    // The third waits, unattempted, until the first send leaves the one-minute window.
    let pool = app.store.pool().clone();
    eventually("the third notification is put back", || {
        let pool = pool.clone();
        async move {
            let rows: Vec<(i32, chrono::DateTime<chrono::Utc>)> =
                sqlx::query_as("SELECT attempts, due_at FROM notification_outbox WHERE state = 0")
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            rows.len() == 1
                && rows[0].0 == 0
                && rows[0].1 > chrono::Utc::now() + chrono::Duration::seconds(30)
        }
    })
    .await;
    assert_eq!(receiver.received().len(), 2);
    let attempts: i64 = sqlx::query_scalar("SELECT count(*) FROM notification_attempts")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(attempts, 2, "a wait is not an attempt");

    // A minute passes (moved in the database): it goes out.
    sqlx::query("UPDATE notification_outbox SET sent_at = sent_at - interval '2 minutes' WHERE sent_at IS NOT NULL")
        .execute(app.store.pool())
        .await
        .unwrap();
    make_due(&app, &channel.id).await;
    let got = receiver.until(3).await;
    assert_eq!(got.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_address_receives_nothing_until_its_owner_confirms() {
    use crate::notifications::notifications_of;
    let smtp = SmtpSink::start().await;
    let settings = smtp.settings();
    let app = TestApp::spawn_with(move |s| {
        s.notify.smtp = Some(settings);
        s.notify.coalesce_secs = 0;
    })
    .await;
    let mut hal = app.user("hal@example.com").await;
    let mut n = notifications_of(&app, &hal).await;
    let create = |address: &str| CreateEmailChannelRequest {
        address: address.into(),
        events: vec![NotificationEvent::QuestionAsked as i32],
        escalate_after: None,
    };
    let ops = n
        .create_email_channel(create("ops@team.example"))
        .await
        .unwrap()
        .into_inner()
        .channel
        .unwrap();
    assert!(ops.awaiting_confirmation);
    assert_eq!(ops.url, "mailto:ops@team.example");
    // The confirmation goes to that address, naming who asked.
    let mails = smtp.until(1).await;
    assert_eq!(mails[0].rcpt_tos, ["ops@team.example"]);
    assert!(mails[0].subject.contains("Confirm"), "{}", mails[0].subject);
    assert!(
        mails[0].text.contains("hal@example.com"),
        "{}",
        mails[0].text
    );
    let link = mails[0]
        .text
        .lines()
        .find_map(|l| l.trim().strip_prefix(&format!("http://{}/act/", app.addr)))
        .map(|t| act_url(&app, t))
        .unwrap_or_else(|| panic!("a link in {}", mails[0].text));

    // Waiting: no test sends, and a question queues nothing for it.
    let err = n
        .test_channel(TestChannelRequest {
            channel_id: ops.id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::FailedPrecondition);
    assert!(err.message().contains("confirm"), "{}", err.message());
    let first = hal.start("before confirming").await;
    hal.ask(&first, "Ship it?", &["yes"]).await;
    let queued: i64 =
        sqlx::query_scalar("SELECT count(*) FROM notification_outbox WHERE channel_id = $1::uuid")
            .bind(&ops.id)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!(queued, 0);

    // The page asks; only the POST confirms.
    let page = http("GET", &link, None, "").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Confirm this address"), "{}", page.body);
    let listed = n
        .list_channels(ListChannelsRequest {})
        .await
        .unwrap()
        .into_inner();
    assert!(
        listed
            .channels
            .iter()
            .any(|c| c.id == ops.id && c.awaiting_confirmation)
    );
    let done = http("POST", &link, FORM, "").await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Confirmed"), "{}", done.body);
    let again = http("POST", &link, FORM, "").await;
    assert_eq!(again.status, 410, "{}", again.body);
    assert!(again.body.contains("Already confirmed"), "{}", again.body);
    let listed = n
        .list_channels(ListChannelsRequest {})
        .await
        .unwrap()
        .into_inner();
    assert!(
        listed
            .channels
            .iter()
            .any(|c| c.id == ops.id && !c.awaiting_confirmation)
    );

    // From now on it gets questions, with answer links.
    let second = hal.start("after confirming").await;
    hal.ask(&second, "Deploy now?", &["yes", "no"]).await;
    let mails = smtp.until(2).await;
    assert_eq!(mails[1].rcpt_tos, ["ops@team.example"]);
    assert!(mails[1].text.contains("Deploy now?"), "{}", mails[1].text);
    link_for(&mails[1].text, "Label yes");

    // Bad addresses name the field; a few waiting addresses at most.
    let err = n
        .create_email_channel(create("no-at-sign"))
        .await
        .unwrap_err();
    assert!(err.message().starts_with("address:"), "{}", err.message());
    for i in 0..5 {
        n.create_email_channel(create(&format!("team{i}@team.example")))
            .await
            .unwrap();
    }
    let err = n
        .create_email_channel(create("one-more@team.example"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::FailedPrecondition);
    assert!(
        err.message().contains("wait for confirmation"),
        "{}",
        err.message()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_goes_through_a_relay_that_requires_starttls_and_auth_and_a_wrong_ca_is_refused() {
    use crate::notifications::notifications_of;
    let ca = TestCa::new("Switchboard SMTP test CA");
    let files = tempfile::tempdir().unwrap();
    let (cert, key) = ca.leaf_pem();
    let (cert_file, key_file, ca_file) = (
        files.path().join("smtp.pem"),
        files.path().join("smtp.key"),
        files.path().join("ca.pem"),
    );
    std::fs::write(&cert_file, cert).unwrap();
    std::fs::write(&key_file, key).unwrap();
    std::fs::write(&ca_file, &ca.pem).unwrap();
    let smtp = SmtpSink::start_with(&[
        "--starttls".as_ref(),
        cert_file.as_os_str(),
        key_file.as_os_str(),
        "--auth".as_ref(),
        "relay-user".as_ref(),
        "relay-password".as_ref(),
    ])
    .await;
    let relay = |ca: &std::path::Path| {
        let port = smtp.port;
        let ca = ca.to_owned();
        move |s: &mut switchboard::config::Settings| {
            s.notify.smtp = Some(switchboard::config::SmtpSettings {
                host: "localhost".into(),
                port: Some(port),
                tls: switchboard::config::SmtpTls::Starttls,
                username: Some("relay-user".into()),
                password: Some("relay-password".to_owned().into()),
                from: "Switchboard <switchboard@example.com>".into(),
                timeout_ms: 10_000,
            });
            s.notify.ca_file = Some(ca);
        }
    };
    let app = TestApp::spawn_with(relay(&ca_file)).await;
    let ivy = app.user("ivy@example.com").await;
    let mut n = notifications_of(&app, &ivy).await;
    let channel = n
        .create_email_channel(CreateEmailChannelRequest {
            address: String::new(),
            events: vec![NotificationEvent::QuestionAsked as i32],
            escalate_after: None,
        })
        .await
        .unwrap()
        .into_inner()
        .channel
        .unwrap();
    // The sink refuses mail before STARTTLS and AUTH: accepted means both happened.
    let sent = n
        .test_channel(TestChannelRequest {
            channel_id: channel.id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .delivery
        .unwrap();
    assert_eq!(sent.outcome, DeliveryOutcome::Sent as i32, "{sent:?}");
    let mails = smtp.until(1).await;
    assert_eq!(mails[0].rcpt_tos, ["ivy@example.com"]);

    // Another server trusting another CA refuses the relay's certificate: a failed delivery that
    // says why, and no mail.
    let other = TestCa::new("Some other CA");
    let other_file = files.path().join("other.pem");
    std::fs::write(&other_file, &other.pem).unwrap();
    let doubtful = app.replica_with(relay(&other_file)).await;
    let mut via = switchboard::proto::notification_service_client::NotificationServiceClient::with_interceptor(
        channel_to(doubtful.addr).await,
        Bearer::new(&ivy.access_token),
    );
    let failed = via
        .test_channel(TestChannelRequest {
            channel_id: channel.id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .delivery
        .unwrap();
    assert_eq!(failed.outcome, DeliveryOutcome::Failed as i32, "{failed:?}");
    assert!(
        failed.detail.to_lowercase().contains("certificate"),
        "{}",
        failed.detail
    );
    assert_eq!(smtp.mails().len(), 1);
    doubtful.shutdown().await.ok();
}
