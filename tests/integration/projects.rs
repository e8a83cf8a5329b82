//! Issue 13 beyond the role table: the migration from the previous schema, access lost during an
//! open watch, the audit trail, invitations and the last-admin rules.

use std::borrow::Cow;
use std::time::Duration;

use switchboard::auth::passwords::hash_password;
use switchboard::auth::secrets::{hash_secret, new_api_key};
use switchboard::domain::{
    AgentId, InboxEvent, InboxEventKind, MessageBody, SessionId, SessionStatus as DomainStatus,
};
use switchboard::proto::dashboard_service_client::DashboardServiceClient;
use switchboard::proto::*;
use switchboard::runtime::server::start_with_store;
use switchboard::store::Store;
use tonic::Code;
use uuid::Uuid;

use crate::harness::*;
use crate::roles::{project_key, projects_of, team};

/// The last migration of the schema before projects.
const PREVIOUS_SCHEMA: i64 = 20261122000002;

/// A database filled by the previous schema (users own everything, a per-user inbox cursor)
/// keeps every id, sequence number, inbox cursor and API key through the projects migration.
#[tokio::test]
async fn the_projects_migration_keeps_every_id_seq_and_cursor() {
    let options = empty_database().await;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect_with(options.clone())
        .await
        .unwrap();
    let mut old = sqlx::migrate::Migrator::new(std::path::Path::new("./migrations"))
        .await
        .unwrap();
    let previous: Vec<_> = old
        .migrations
        .iter()
        .filter(|m| m.version <= PREVIOUS_SCHEMA)
        .cloned()
        .collect();
    assert_eq!(previous.len(), 2, "the two migrations before projects");
    old.migrations = Cow::Owned(previous);
    old.run(&pool).await.unwrap();

    // Data in the old shape, written as the old server wrote it.
    let user = Uuid::new_v4();
    let agent = Uuid::new_v4();
    let session = Uuid::new_v4();
    let key = new_api_key();
    sqlx::query("INSERT INTO users (id, email, password_hash, inbox_cursor) VALUES ($1, 'old@example.com', $2, 2)")
        .bind(user)
        .bind(hash_password(PASSWORD).unwrap())
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO api_keys (id, user_id, name, prefix, key_hash) VALUES ($1, $2, 'old', 'sb_live_x', $3)")
        .bind(Uuid::new_v4())
        .bind(user)
        .bind(hash_secret(&key))
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO agents (id, user_id, name) VALUES ($1, $2, 'old-agent')")
        .bind(agent)
        .bind(user)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO sessions (id, user_id, agent_id, name, status, last_seq, start_request_id) \
         VALUES ($1, $2, $3, 'old session', 1, 2, 'start-1')",
    )
    .bind(session)
    .bind(user)
    .bind(agent)
    .execute(&pool)
    .await
    .unwrap();
    for seq in 1..=2i64 {
        let body = MessageBody::Step {
            text: format!("step {seq}"),
        };
        sqlx::query(
            "INSERT INTO messages (session_id, seq, sender, kind, body) VALUES ($1, $2, 1, $3, $4)",
        )
        .bind(session)
        .bind(seq)
        .bind(body.kind() as i16)
        .bind(sqlx::types::Json(&body))
        .execute(&pool)
        .await
        .unwrap();
    }
    for cursor in 1..=2i64 {
        let event = InboxEvent {
            cursor,
            kind: InboxEventKind::SessionStarted,
            session_id: SessionId(session),
            agent_id: AgentId(agent),
            agent_name: "old-agent".into(),
            session_name: "old session".into(),
            status: DomainStatus::Active,
            seq: 0,
            question_id: None,
            question_text: String::new(),
            open_question_count: 0,
            created_at: chrono::Utc::now(),
            approval_id: None,
            tool_name: String::new(),
            approval_summary: String::new(),
            approval_decision: None,
            open_approval_count: 0,
        };
        // Stored in the shape of the previous schema: no approval fields at all.
        let mut body = serde_json::to_value(&event).unwrap();
        body.as_object_mut().unwrap().remove("open_approval_count");
        sqlx::query("INSERT INTO inbox_events (user_id, cursor, kind, session_id, body) VALUES ($1, $2, 1, $3, $4)")
            .bind(user)
            .bind(cursor)
            .bind(session)
            .bind(sqlx::types::Json(&body))
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;

    // The new server migrates the rest and serves the old data.
    let store = Store::connect(options, 8).await.unwrap();
    store.migrate().await.unwrap();
    let server = start_with_store(test_settings(), store.clone())
        .await
        .unwrap();
    let channel = channel_to(server.addr).await;
    let tokens = switchboard::proto::auth_service_client::AuthServiceClient::new(channel.clone())
        .login(LoginRequest {
            email: "old@example.com".into(),
            password: PASSWORD.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .tokens
        .unwrap();
    let mut dashboard = DashboardServiceClient::with_interceptor(
        channel.clone(),
        Bearer::new(&tokens.access_token),
    );
    let listed = dashboard
        .list_sessions(ListSessionsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.inbox_cursor, 2, "the inbox cursor carried over");
    assert_eq!(listed.sessions.len(), 1);
    let s = &listed.sessions[0];
    assert_eq!(s.id, session.to_string());
    assert_eq!(s.agent_id, agent.to_string());
    assert_eq!(s.last_seq, 2);
    assert_eq!(s.project_id, user.to_string(), "the personal project");
    let projects =
        switchboard::proto::project_service_client::ProjectServiceClient::with_interceptor(
            channel.clone(),
            Bearer::new(&tokens.access_token),
        )
        .list_projects(ListProjectsRequest {})
        .await
        .unwrap()
        .into_inner()
        .projects;
    assert_eq!(projects.len(), 1);
    assert!(projects[0].personal);
    assert_eq!(projects[0].role, ProjectRole::Admin as i32);

    // The old key still works, in the personal project: the next seq follows the old ones,
    // a retried start finds the old session, and the next inbox event gets cursor 3.
    let mut agent_client =
        switchboard::proto::agent_service_client::AgentServiceClient::with_interceptor(
            channel.clone(),
            Bearer::new(&key),
        );
    let step = agent_client
        .log_step(LogStepRequest {
            session_id: session.to_string(),
            text: "after the migration".into(),
            request_id: rid(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(step.seq, 3);
    let retried = agent_client
        .start_session(StartSessionRequest {
            agent_name: "old-agent".into(),
            request_id: "start-1".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(retried.resumed);
    assert_eq!(retried.session.unwrap().id, session.to_string());
    let fresh = agent_client
        .start_session(StartSessionRequest {
            agent_name: "old-agent".into(),
            request_id: rid(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    assert_eq!(fresh.agent_id, agent.to_string(), "the same agent row");
    let mut inbox = dashboard
        .watch_inbox(WatchInboxRequest {
            after_cursor: 0,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mut cursors = Vec::new();
    while cursors.len() < 3 {
        let item = tokio::time::timeout(Duration::from_secs(10), inbox.message())
            .await
            .expect("inbox event")
            .unwrap()
            .unwrap();
        if let Some(watch_inbox_response::Item::Event(e)) = item.item {
            cursors.push((e.cursor, e.session_id));
        }
    }
    assert_eq!(cursors[0], (1, session.to_string()));
    assert_eq!(cursors[1], (2, session.to_string()));
    assert_eq!(cursors[2], (3, fresh.id.clone()));
    server.shutdown().await.unwrap();
}

async fn next_error<T>(stream: &mut tonic::Streaming<T>) -> tonic::Status {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), stream.message())
            .await
            .expect("the stream ends promptly")
        {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the stream ended without an error"),
            Err(status) => return status,
        }
    }
}

/// A member removed, or a share revoked, while WatchSession/WatchInbox are open: those streams
/// end with PERMISSION_DENIED (woken by the access hint, on this server and on a replica).
#[tokio::test]
async fn losing_access_ends_open_watches_with_permission_denied() {
    let app = TestApp::spawn().await;
    let mut admin = app.user("lead@example.com").await;
    let member = app.user("member@example.com").await;
    let guest = app.user("guest@example.com").await;
    let project = team(&app, &admin, &[(&member, ProjectRole::View)]).await;
    let (secret, _) = project_key(&app, &mut admin, &project).await;
    let mut agent = app.agent_with_key(&secret).await;
    let session = agent
        .start_session(StartSessionRequest {
            agent_name: "a".into(),
            request_id: rid(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap()
        .id;
    let mut projects = projects_of(&app, &admin).await;
    projects
        .share_session(ShareSessionRequest {
            session_id: session.clone(),
            email: guest.email.clone(),
            access: ShareAccess::Read as i32,
        })
        .await
        .unwrap();
    // The shared session is listed for the guest under "shared with me", not in a project.
    let mut guest_dash = app.dashboard_with_token(&guest.access_token).await;
    let shared = guest_dash
        .list_sessions(ListSessionsRequest {
            shared_with_me: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(shared.sessions.len(), 1);
    assert_eq!(shared.sessions[0].id, session);
    assert_eq!(shared.sessions[0].project_id, project);
    let own = guest_dash
        .list_sessions(ListSessionsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(own.sessions.is_empty(), "their personal project has none");
    let replica = app.replica().await;
    let on_replica = channel_to(replica.addr).await;
    let mut member_dash = app.dashboard_with_token(&member.access_token).await;
    let mut member_replica =
        DashboardServiceClient::with_interceptor(on_replica, Bearer::new(&member.access_token));
    let mut watch = member_dash
        .watch_session(WatchSessionRequest {
            session_id: session.clone(),
            after_seq: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let mut inbox = member_replica
        .watch_inbox(WatchInboxRequest {
            after_cursor: 0,
            project_id: project.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let mut guest_watch = guest_dash
        .watch_session(WatchSessionRequest {
            session_id: session.clone(),
            after_seq: 0,
        })
        .await
        .unwrap()
        .into_inner();
    // Each stream delivers its history first: it is open and past its access check.
    assert!(watch.message().await.unwrap().is_some());
    assert!(inbox.message().await.unwrap().is_some());
    assert!(guest_watch.message().await.unwrap().is_some());

    projects
        .remove_member(RemoveMemberRequest {
            project_id: project.clone(),
            user_id: member.user_id.clone(),
        })
        .await
        .unwrap();
    let ended = next_error(&mut watch).await;
    assert_eq!(ended.code(), Code::PermissionDenied, "{ended:?}");
    let ended = next_error(&mut inbox).await;
    assert_eq!(
        ended.code(),
        Code::PermissionDenied,
        "on the replica: {ended:?}"
    );

    projects
        .revoke_session_share(RevokeSessionShareRequest {
            session_id: session.clone(),
            user_id: guest.user_id.clone(),
        })
        .await
        .unwrap();
    let ended = next_error(&mut guest_watch).await;
    assert_eq!(ended.code(), Code::PermissionDenied, "{ended:?}");
    // And a new watch is NOT_FOUND, like any id they cannot see.
    let again = guest_dash
        .watch_session(WatchSessionRequest {
            session_id: session.clone(),
            after_seq: 0,
        })
        .await;
    assert_eq!(code(again), Code::NotFound);
}

/// Reads the audit trail of a project as its admin.
async fn audit_of(app: &TestApp, admin: &TestUser, project: &str) -> Vec<AuditEvent> {
    projects_of(app, admin)
        .await
        .list_audit_events(ListAuditEventsRequest {
            project_id: project.into(),
            page_size: 500,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .events
}

/// Every decision kind this server makes writes one audit row with actor, project, session,
/// channel and details; a refused action writes none; members see only their own actions.
#[tokio::test]
async fn every_decision_is_audited_and_a_refused_one_is_not() {
    let app = TestApp::spawn().await;
    let mut admin = app.user("boss@example.com").await;
    let editor = app.user("editor@example.com").await;
    let viewer = app.user("viewer@example.com").await;
    let outsider = app.user("outsider@example.com").await;
    let project = team(
        &app,
        &admin,
        &[(&editor, ProjectRole::Edit), (&viewer, ProjectRole::View)],
    )
    .await;
    let (secret, key_id) = project_key(&app, &mut admin, &project).await;
    let mut agent = app.agent_with_key(&secret).await;
    let start = |name: &'static str| StartSessionRequest {
        agent_name: name.into(),
        request_id: rid(),
        ..Default::default()
    };
    let session = agent
        .start_session(start("a"))
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap()
        .id;
    let question = agent
        .ask_question(AskQuestionRequest {
            session_id: session.clone(),
            text: "ship it?".into(),
            options: vec![QuestionOption {
                id: "yes".into(),
                label: "Yes".into(),
                ..Default::default()
            }],
            choice_mode: ChoiceMode::Single as i32,
            request_id: rid(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .question
        .unwrap()
        .id;
    // Three tool approvals, one per decision kind.
    let mut approvals = Vec::new();
    for tool in ["Bash", "Edit", "WebFetch"] {
        let approval = agent
            .request_approval(RequestApprovalRequest {
                session_id: session.clone(),
                tool_name: tool.into(),
                input_json: "{}".into(),
                preview: Some(ApprovalPreview {
                    summary: format!("use {tool}"),
                    ..Default::default()
                }),
                request_id: rid(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .approval
            .unwrap();
        approvals.push(approval.id);
    }
    let before = audit_of(&app, &admin, &project).await.len();

    // Refused: a viewer answering, approving, messaging; an editor deleting or inviting.
    let mut viewer_dash = app.dashboard_with_token(&viewer.access_token).await;
    let mut editor_dash = app.dashboard_with_token(&editor.access_token).await;
    let refused = [
        code(
            viewer_dash
                .decide_approval(DecideApprovalRequest {
                    session_id: session.clone(),
                    approval_id: approvals[0].clone(),
                    decision: ApprovalDecision::AllowOnce as i32,
                    ..Default::default()
                })
                .await,
        ),
        code(
            viewer_dash
                .answer_question(AnswerQuestionRequest {
                    session_id: session.clone(),
                    question_id: question.clone(),
                    option_ids: vec!["yes".into()],
                    ..Default::default()
                })
                .await,
        ),
        code(
            viewer_dash
                .send_message(SendMessageRequest {
                    session_id: session.clone(),
                    text: "hi".into(),
                    request_id: String::new(),
                })
                .await,
        ),
        code(
            editor_dash
                .delete_session(DeleteSessionRequest {
                    session_id: session.clone(),
                })
                .await,
        ),
        code(
            projects_of(&app, &editor)
                .await
                .invite_member(InviteMemberRequest {
                    project_id: project.clone(),
                    email: "x@example.com".into(),
                    role: ProjectRole::View as i32,
                })
                .await,
        ),
    ];
    assert!(
        refused.iter().all(|c| *c == Code::PermissionDenied),
        "{refused:?}"
    );
    assert_eq!(
        audit_of(&app, &admin, &project).await.len(),
        before,
        "refused actions leave no audit row"
    );

    // Every kind of decision, once.
    editor_dash
        .answer_question(AnswerQuestionRequest {
            session_id: session.clone(),
            question_id: question.clone(),
            option_ids: vec!["yes".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    for (approval, decision) in approvals.iter().zip([
        ApprovalDecision::AllowOnce,
        ApprovalDecision::AllowSession,
        ApprovalDecision::Deny,
    ]) {
        editor_dash
            .decide_approval(DecideApprovalRequest {
                session_id: session.clone(),
                approval_id: approval.clone(),
                decision: decision as i32,
                ..Default::default()
            })
            .await
            .unwrap();
    }
    editor_dash
        .send_message(SendMessageRequest {
            session_id: session.clone(),
            text: "carry on".into(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    editor_dash
        .rename_session(RenameSessionRequest {
            session_id: session.clone(),
            name: "renamed".into(),
        })
        .await
        .unwrap();
    editor_dash
        .stop_session(StopSessionRequest {
            session_id: session.clone(),
            reason: "enough".into(),
        })
        .await
        .unwrap();
    let mut projects = projects_of(&app, &admin).await;
    projects
        .share_session(ShareSessionRequest {
            session_id: session.clone(),
            email: outsider.email.clone(),
            access: ShareAccess::Write as i32,
        })
        .await
        .unwrap();
    projects
        .revoke_session_share(RevokeSessionShareRequest {
            session_id: session.clone(),
            user_id: outsider.user_id.clone(),
        })
        .await
        .unwrap();
    admin
        .dashboard
        .delete_session(DeleteSessionRequest {
            session_id: session.clone(),
        })
        .await
        .unwrap();
    admin
        .dashboard
        .revoke_api_key(RevokeApiKeyRequest {
            api_key_id: key_id.clone(),
        })
        .await
        .unwrap();
    projects
        .change_member_role(ChangeMemberRoleRequest {
            project_id: project.clone(),
            user_id: viewer.user_id.clone(),
            role: ProjectRole::Edit as i32,
        })
        .await
        .unwrap();
    let invited = projects
        .invite_member(InviteMemberRequest {
            project_id: project.clone(),
            email: outsider.email.clone(),
            role: ProjectRole::View as i32,
        })
        .await
        .unwrap()
        .into_inner()
        .invitation
        .unwrap();
    projects_of(&app, &outsider)
        .await
        .decline_invitation(DeclineInvitationRequest {
            invitation_id: invited.id,
        })
        .await
        .unwrap();
    projects
        .remove_member(RemoveMemberRequest {
            project_id: project.clone(),
            user_id: viewer.user_id.clone(),
        })
        .await
        .unwrap();
    projects_of(&app, &editor)
        .await
        .leave_project(LeaveProjectRequest {
            project_id: project.clone(),
        })
        .await
        .unwrap();

    let events = audit_of(&app, &admin, &project).await;
    let kinds: Vec<i32> = events.iter().map(|e| e.action).collect();
    use AuditAction as A;
    for kind in [
        A::ProjectCreated,
        A::MemberInvited,
        A::InvitationAccepted,
        A::InvitationDeclined,
        A::ApiKeyCreated,
        A::ApiKeyRevoked,
        A::QuestionAnswered,
        A::ApprovalAllowed,
        A::ApprovalAllowedForSession,
        A::ApprovalDenied,
        A::MessageSent,
        A::SessionRenamed,
        A::SessionStopped,
        A::ShareGranted,
        A::ShareRevoked,
        A::SessionDeleted,
        A::MemberRoleChanged,
        A::MemberRemoved,
        A::MemberLeft,
    ] {
        assert!(kinds.contains(&(kind as i32)), "no {kind:?} in {kinds:?}");
    }
    let answered = events
        .iter()
        .find(|e| e.action == A::QuestionAnswered as i32)
        .unwrap();
    assert_eq!(answered.actor_email, editor.email);
    assert_eq!(answered.session_id, session);
    assert_eq!(answered.channel, AuditChannel::Api as i32, "plain gRPC");
    let details: serde_json::Value = serde_json::from_str(&answered.details_json).unwrap();
    assert_eq!(details["option_ids"], serde_json::json!(["yes"]));
    assert_eq!(details["question_id"], serde_json::json!(question));
    // Newest first.
    assert!(events.windows(2).all(|w| {
        let t = |e: &AuditEvent| e.create_time.map(|t| (t.seconds, t.nanos));
        t(&w[0]) >= t(&w[1])
    }));

    // Someone who is no longer an admin of it sees only their own actions (here: none left,
    // they left the project); the editor's own trail, across projects, has theirs.
    let own = projects_of(&app, &editor)
        .await
        .list_audit_events(ListAuditEventsRequest {
            page_size: 2,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(own.events.len(), 2);
    assert!(own.events.iter().all(|e| e.actor_email == editor.email));
    assert!(!own.next_page_token.is_empty(), "keyset pages");
    // A viewer-member of another project sees only their own rows in it.
    let other = team(&app, &admin, &[(&viewer, ProjectRole::View)]).await;
    let visible = projects_of(&app, &viewer)
        .await
        .list_audit_events(ListAuditEventsRequest {
            project_id: other.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .events;
    assert!(
        visible.iter().all(|e| e.actor_email == viewer.email),
        "{visible:?}"
    );
    assert!(
        visible
            .iter()
            .any(|e| e.action == A::InvitationAccepted as i32)
    );
}

/// An invite link's token works once; the last admin can neither leave, be removed nor be
/// demoted; a personal project cannot be deleted.
#[tokio::test]
async fn invitation_tokens_are_single_use_and_the_last_admin_stays() {
    let app = TestApp::spawn().await;
    let admin = app.user("owner@example.com").await;
    let joiner = app.user("joiner@example.com").await;
    let other = app.user("other@example.com").await;
    let project = team(&app, &admin, &[]).await;
    let mut projects = projects_of(&app, &admin).await;
    let invited = projects
        .invite_member(InviteMemberRequest {
            project_id: project.clone(),
            email: "joiner@example.com".into(),
            role: ProjectRole::Edit as i32,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(invited.token.starts_with("sb_invite_"));
    // The invited person sees it after signing in.
    let mine = projects_of(&app, &joiner)
        .await
        .list_my_invitations(ListMyInvitationsRequest {})
        .await
        .unwrap()
        .into_inner()
        .invitations;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].project_id, project);
    let by_token = |token: &str| AcceptInvitationRequest {
        invitation_id: String::new(),
        token: token.into(),
    };
    let joined = projects_of(&app, &joiner)
        .await
        .accept_invitation(by_token(&invited.token))
        .await
        .unwrap()
        .into_inner()
        .project
        .unwrap();
    assert_eq!(joined.role, ProjectRole::Edit as i32);
    let again = projects_of(&app, &other)
        .await
        .accept_invitation(by_token(&invited.token))
        .await;
    assert_eq!(code(again), Code::NotFound, "a token works once");
    let forged = projects_of(&app, &other)
        .await
        .accept_invitation(by_token("not-a-token"))
        .await
        .unwrap_err();
    assert_eq!(forged.code(), Code::InvalidArgument);
    assert!(
        forged.message().starts_with("token:"),
        "{}",
        forged.message()
    );

    // The last admin.
    let leave = projects
        .leave_project(LeaveProjectRequest {
            project_id: project.clone(),
        })
        .await;
    assert_eq!(code(leave), Code::FailedPrecondition);
    let demote = projects
        .change_member_role(ChangeMemberRoleRequest {
            project_id: project.clone(),
            user_id: admin.user_id.clone(),
            role: ProjectRole::Edit as i32,
        })
        .await;
    assert_eq!(code(demote), Code::FailedPrecondition);
    let remove = projects
        .remove_member(RemoveMemberRequest {
            project_id: project.clone(),
            user_id: admin.user_id.clone(),
        })
        .await;
    assert_eq!(code(remove), Code::FailedPrecondition);
    // With a second admin, the first may leave.
    projects
        .change_member_role(ChangeMemberRoleRequest {
            project_id: project.clone(),
            user_id: joiner.user_id.clone(),
            role: ProjectRole::Admin as i32,
        })
        .await
        .unwrap();
    projects
        .leave_project(LeaveProjectRequest {
            project_id: project.clone(),
        })
        .await
        .unwrap();
    // The personal project stays.
    let personal = projects
        .delete_project(DeleteProjectRequest {
            project_id: admin.user_id.clone(),
        })
        .await;
    assert_eq!(code(personal), Code::FailedPrecondition);
    // Invitations to a personal project make no sense either.
    let invite_personal = projects
        .invite_member(InviteMemberRequest {
            project_id: admin.user_id.clone(),
            email: other.email.clone(),
            role: ProjectRole::View as i32,
        })
        .await;
    assert_eq!(code(invite_personal), Code::FailedPrecondition);
}

/// The audit trail tells the dashboard (a gRPC-Web call from the browser) from other clients.
#[tokio::test]
async fn the_audit_channel_is_dashboard_for_grpc_web_and_api_otherwise() {
    use prost::Message;
    let app = TestApp::spawn().await;
    let mut web = app.user("web-audit@example.com").await;
    let session = web.start("a").await;
    let body = RenameSessionRequest {
        session_id: session.clone(),
        name: "from the browser".into(),
    }
    .encode_to_vec();
    let mut frame = vec![0u8];
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
    frame.extend_from_slice(&body);
    let mut request = format!(
        "POST /switchboard.v1.DashboardService/RenameSession HTTP/1.1\r\nHost: {}\r\n\
         Authorization: Bearer {}\r\nContent-Type: application/grpc-web+proto\r\nX-Grpc-Web: 1\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        app.addr,
        web.access_token,
        frame.len()
    )
    .into_bytes();
    request.extend_from_slice(&frame);
    let addr = app.addr;
    let response = tokio::task::spawn_blocking(move || crate::foundation::http1(addr, &request))
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&response).to_lowercase();
    assert!(text.contains("grpc-status:0"), "{text}");
    web.dashboard
        .rename_session(RenameSessionRequest {
            session_id: session.clone(),
            name: "from grpc".into(),
        })
        .await
        .unwrap();
    let events = projects_of(&app, &web)
        .await
        .list_audit_events(ListAuditEventsRequest {
            session_id: session.clone(),
            actions: vec![AuditAction::SessionRenamed as i32],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .events;
    let channels: Vec<(String, i32)> = events
        .iter()
        .map(|e| {
            let d: serde_json::Value = serde_json::from_str(&e.details_json).unwrap();
            (d["to"].as_str().unwrap().to_owned(), e.channel)
        })
        .collect();
    assert_eq!(
        channels,
        vec![
            ("from grpc".to_owned(), AuditChannel::Api as i32),
            (
                "from the browser".to_owned(),
                AuditChannel::Dashboard as i32
            ),
        ]
    );
}

/// GetSession tells the caller's effective role, so the dashboard hides the write controls from
/// someone who may only read: the member role, or VIEW for a READ share and EDIT for a WRITE one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_session_tells_the_callers_role() {
    let app = TestApp::spawn().await;
    let mut admin = app.user("admin@example.com").await;
    let mut view = app.user("view@example.com").await;
    let mut read = app.user("read@example.com").await;
    let mut write = app.user("write@example.com").await;
    let mut none = app.user("none@example.com").await;
    let project = team(&app, &admin, &[(&view, ProjectRole::View)]).await;
    let (secret, _) = project_key(&app, &mut admin, &project).await;
    let mut agent = app.agent_with_key(&secret).await;
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
    let mut projects = projects_of(&app, &admin).await;
    for (email, access) in [
        (&read.email, ShareAccess::Read),
        (&write.email, ShareAccess::Write),
    ] {
        projects
            .share_session(ShareSessionRequest {
                session_id: session.clone(),
                email: email.clone(),
                access: access as i32,
            })
            .await
            .unwrap();
    }
    let get = GetSessionRequest {
        session_id: session.clone(),
    };
    for (who, user, role) in [
        ("admin", &mut admin, ProjectRole::Admin),
        ("view member", &mut view, ProjectRole::View),
        ("read share", &mut read, ProjectRole::View),
        ("write share", &mut write, ProjectRole::Edit),
    ] {
        let got = user
            .dashboard
            .get_session(get.clone())
            .await
            .unwrap()
            .into_inner();
        assert_eq!(got.caller_role, role as i32, "{who}");
    }
    let e = none.dashboard.get_session(get).await.unwrap_err();
    assert_eq!(e.code(), Code::NotFound, "a non-member does not see it");
}
