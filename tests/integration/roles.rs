//! Issue 13's role table: every RPC of AgentService, DashboardService, ProjectService and
//! NotificationService (both live feeds included), read from the descriptors the server serves,
//! called by each principal
//! {admin, edit, view, shared-read, shared-write, non-member, another project's key} against one
//! team project's session, over real gRPC. A new RPC without a row fails the test by name.

use std::collections::BTreeMap;

use prost::Message as _;
use switchboard::proto::project_service_client::ProjectServiceClient;
use switchboard::proto::*;
use tonic::Code;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use crate::bad_input::{methods_and_messages, raw_call};
use crate::harness::*;

pub type ProjectClient = ProjectServiceClient<InterceptedService<Channel, Bearer>>;

pub async fn projects_of(app: &TestApp, user: &TestUser) -> ProjectClient {
    ProjectServiceClient::with_interceptor(app.channel().await, Bearer::new(&user.access_token))
}

/// The principals, in the order they run: the destructive rows (leave, delete) end each
/// principal's run, so everyone before the admin still finds the project intact.
const PRINCIPALS: [&str; 7] = ["key", "none", "read", "write", "view", "edit", "admin"];

/// Creates a team project owned by `admin` and adds `member` with `role` through an
/// invitation (by id, as the invited person would).
pub async fn team(app: &TestApp, admin: &TestUser, members: &[(&TestUser, ProjectRole)]) -> String {
    let mut projects = projects_of(app, admin).await;
    let project = projects
        .create_project(CreateProjectRequest {
            name: "team".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .project
        .unwrap()
        .id;
    for (member, role) in members {
        add_member(app, admin, &project, member, *role).await;
    }
    project
}

pub async fn add_member(
    app: &TestApp,
    admin: &TestUser,
    project: &str,
    member: &TestUser,
    role: ProjectRole,
) {
    let invitation = projects_of(app, admin)
        .await
        .invite_member(InviteMemberRequest {
            project_id: project.into(),
            email: member.email.clone(),
            role: role as i32,
        })
        .await
        .unwrap()
        .into_inner()
        .invitation
        .unwrap();
    projects_of(app, member)
        .await
        .accept_invitation(AcceptInvitationRequest {
            invitation_id: invitation.id,
            token: String::new(),
        })
        .await
        .unwrap();
}

/// A key of `project` (created by its admin) as an agent client.
pub async fn project_key(app: &TestApp, admin: &mut TestUser, project: &str) -> (String, String) {
    let key = admin
        .dashboard
        .create_api_key(CreateApiKeyRequest {
            name: "team key".into(),
            project_id: project.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let _ = app;
    (key.secret, key.api_key.unwrap().id)
}

struct Fixture {
    project: String,
    session: String,
    admin: TestUser,
    team_agent: AgentClient,
    spare_email: String,
    remove_target: String,
    role_target: String,
    /// A notification channel of the admin's (it refuses connections: TestChannel records a
    /// failed delivery and answers OK).
    admin_channel: String,
}

impl Fixture {
    /// A session of the team project, shared READ with `read` and WRITE with `write`.
    async fn fresh_session(&mut self, app: &TestApp, read: &str, write: &str) -> String {
        let id = self
            .team_agent
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
        let mut projects = projects_of(app, &self.admin).await;
        for (email, access) in [(read, ShareAccess::Read), (write, ShareAccess::Write)] {
            projects
                .share_session(ShareSessionRequest {
                    session_id: id.clone(),
                    email: email.into(),
                    access: access as i32,
                })
                .await
                .unwrap();
        }
        id
    }

    async fn channel(&self, app: &TestApp) -> String {
        crate::notifications::notifications_of(app, &self.admin)
            .await
            .create_webhook_channel(CreateWebhookChannelRequest {
                escalate_after: None,
                kind: ChannelKind::Webhook as i32,
                url: "http://127.0.0.1:9/refused".into(),
                events: vec![NotificationEvent::QuestionAsked as i32],
            })
            .await
            .unwrap()
            .into_inner()
            .channel
            .unwrap()
            .id
    }

    async fn approval(&mut self, session: &str) -> String {
        self.team_agent
            .request_approval(approval_request(session))
            .await
            .unwrap()
            .into_inner()
            .approval
            .unwrap()
            .id
    }

    async fn question(&mut self, session: &str) -> String {
        self.team_agent
            .ask_question(AskQuestionRequest {
                session_id: session.into(),
                text: "go?".into(),
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
            .id
    }
}

fn approval_request(session: &str) -> RequestApprovalRequest {
    RequestApprovalRequest {
        session_id: session.into(),
        tool_name: "Bash".into(),
        input_json: r#"{"command":"ls"}"#.into(),
        preview: Some(ApprovalPreview {
            summary: "Run ls".into(),
            ..Default::default()
        }),
        request_id: rid(),
        ..Default::default()
    }
}

/// OK for who may, PERMISSION_DENIED for a visible-but-too-low role, NOT_FOUND for who cannot
/// see it; persons calling AgentService and keys calling the person services are
/// UNAUTHENTICATED.
fn expected(rpc: &str, who: &str) -> Option<Code> {
    use Code::*;
    let agent = [
        "StartSession",
        "LogStep",
        "AskQuestion",
        "WaitForAnswer",
        "Subscribe",
        "AcknowledgeMessages",
        "Heartbeat",
        "ReportDiff",
        "ReportUsage",
        "EndSession",
        "RequestApproval",
        "WaitForApproval",
        "ResolveApproval",
    ];
    if agent.contains(&rpc) {
        // Another project's key: the team's session is NOT_FOUND, like an id never used.
        return Some(if who == "key" {
            NotFound
        } else {
            Unauthenticated
        });
    }
    // Runners only: no person or agent key gets in.
    if ["Attach", "ReportStarted", "ReportExited"].contains(&rpc) {
        return Some(Unauthenticated);
    }
    if who == "key" {
        return Some(Unauthenticated);
    }
    // (admin, edit, view, write share, read share, non-member)
    let row: [Code; 6] = match rpc {
        // Reads of one session: view, or any share.
        "GetSession" | "ListMessages" | "GetDiff" | "WatchSession" => {
            [Ok, Ok, Ok, Ok, Ok, NotFound]
        }
        // Writes of one session: edit, or a write share.
        "AnswerQuestion" | "DecideApproval" | "SendMessage" | "StopSession" | "RenameSession" => {
            [Ok, Ok, PermissionDenied, Ok, PermissionDenied, NotFound]
        }
        "DeleteSession" => [
            Ok,
            PermissionDenied,
            PermissionDenied,
            PermissionDenied,
            PermissionDenied,
            NotFound,
        ],
        // Project reads: members only (a share shows one session, not the project).
        "ListAgents" | "ListSessions" | "WatchInbox" | "ListMembers" | "ListAuditEvents" => {
            [Ok, Ok, Ok, NotFound, NotFound, NotFound]
        }
        // Project administration.
        "CreateApiKey"
        | "ListApiKeys"
        | "RevokeApiKey"
        | "InviteMember"
        | "ListProjectInvitations"
        | "RemoveMember"
        | "ChangeMemberRole"
        | "DeleteProject" => [
            Ok,
            PermissionDenied,
            PermissionDenied,
            NotFound,
            NotFound,
            NotFound,
        ],
        // Shares are managed by the project's admins; a share holder sees the session.
        "ShareSession" | "ListSessionShares" | "RevokeSessionShare" => [
            Ok,
            PermissionDenied,
            PermissionDenied,
            PermissionDenied,
            PermissionDenied,
            NotFound,
        ],
        // The last (only) admin cannot leave; members can; others are not in it.
        "LeaveProject" => [FailedPrecondition, Ok, Ok, NotFound, NotFound, NotFound],
        // Launching: edit in the project (a share shows one session, not the project).
        "LaunchSession" => [Ok, Ok, PermissionDenied, NotFound, NotFound, NotFound],
        // Continuing starts a new session in the project: edit in the project (a write share
        // is not enough). The fixture's session is running, so whoever may continue it hears
        // that it has not ended.
        "ContinueSession" => [
            FailedPrecondition,
            FailedPrecondition,
            PermissionDenied,
            PermissionDenied,
            PermissionDenied,
            NotFound,
        ],
        "ListRunners" => [Ok, Ok, Ok, NotFound, NotFound, NotFound],
        "CreateRunnerCredential" | "RevokeRunner" => [
            Ok,
            PermissionDenied,
            PermissionDenied,
            NotFound,
            NotFound,
            NotFound,
        ],
        // The caller's own: always allowed.
        "ListProjects" | "CreateProject" | "ListMyInvitations" => [Ok; 6],
        // Notification channels belong to one person, not to a project: everyone lists and
        // creates their own; the admin's channel is NOT_FOUND to everyone else.
        "ListChannels"
        | "CreateWebhookChannel"
        | "CreateEmailChannel"
        | "GetPushConfig"
        | "AddPushSubscription" => [Ok; 6],
        "UpdateChannel" | "DeleteChannel" | "TestChannel" | "ListDeliveries" => {
            [Ok, NotFound, NotFound, NotFound, NotFound, NotFound]
        }
        // Someone else's invitation, by id: nobody else can act on it.
        "AcceptInvitation" | "DeclineInvitation" => [NotFound; 6],
        _ => return None,
    };
    let at = ["admin", "edit", "view", "write", "read", "none"]
        .iter()
        .position(|p| *p == who)
        .unwrap();
    Some(row[at])
}

/// Rows that change what later rows see run last within each principal: a member tries to
/// delete the project before leaving it; the admin (who cannot leave) deletes it at the very end.
fn late(rpc: &str, who: &str) -> usize {
    match (rpc, who == "admin") {
        ("DeleteProject", false) | ("LeaveProject", true) => 1,
        ("LeaveProject", false) | ("DeleteProject", true) => 2,
        _ => 0,
    }
}

#[tokio::test]
async fn every_rpc_answers_each_role_as_the_table_says() {
    let app = TestApp::spawn_with(|s| {
        fast_limits(s);
        s.notify.smtp = Some(crate::notify_email::refusing_smtp());
    })
    .await;
    let mut admin = app.user("admin@example.com").await;
    let edit = app.user("edit@example.com").await;
    let view = app.user("view@example.com").await;
    let read = app.user("read@example.com").await;
    let write = app.user("write@example.com").await;
    let none = app.user("none@example.com").await;
    let spare = app.user("spare@example.com").await;
    let remove_target = app.user("removed@example.com").await;
    let role_target = app.user("promoted@example.com").await;
    let project = team(
        &app,
        &admin,
        &[
            (&edit, ProjectRole::Edit),
            (&view, ProjectRole::View),
            (&remove_target, ProjectRole::View),
            (&role_target, ProjectRole::View),
        ],
    )
    .await;
    let (secret, _) = project_key(&app, &mut admin, &project).await;
    let team_agent = app.agent_with_key(&secret).await;
    let mut fx = Fixture {
        project: project.clone(),
        session: String::new(),
        admin,
        team_agent,
        spare_email: spare.email.clone(),
        remove_target: remove_target.user_id.clone(),
        role_target: role_target.user_id.clone(),
        admin_channel: String::new(),
    };
    fx.admin_channel = fx.channel(&app).await;
    fx.session = fx.fresh_session(&app, &read.email, &write.email).await;
    let session = fx.session.clone();
    fx.team_agent
        .log_step(LogStepRequest {
            session_id: session.clone(),
            text: "working".into(),
            request_id: rid(),
        })
        .await
        .unwrap();

    let (methods, _) = methods_and_messages();
    let methods: Vec<_> = methods
        .into_iter()
        .filter(|m| {
            [
                "AgentService",
                "DashboardService",
                "ProjectService",
                "NotificationService",
                "LaunchService",
                "RunnerService",
            ]
            .iter()
            .any(|s| m.path.starts_with(&format!("/switchboard.v1.{s}/")))
        })
        .collect();
    let name = |path: &str| path.rsplit('/').next().unwrap().to_owned();
    let missing: Vec<String> = methods
        .iter()
        .map(|m| name(&m.path))
        .filter(|n| expected(n, "admin").is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "RPCs without a row in the role table: {missing:?}"
    );

    let admin_token = fx.admin.access_token.clone();
    let bearer_of = |who: &str| -> String {
        match who {
            "key" => none.api_key.clone(),
            "none" => none.access_token.clone(),
            "read" => read.access_token.clone(),
            "write" => write.access_token.clone(),
            "view" => view.access_token.clone(),
            "edit" => edit.access_token.clone(),
            "admin" => admin_token.clone(),
            _ => unreachable!(),
        }
    };
    let channel = app.channel().await;
    let mut failures = Vec::new();
    let mut seen = BTreeMap::new();
    for who in PRINCIPALS {
        let bearer = bearer_of(who);
        let mut ordered: Vec<_> = methods.iter().collect();
        ordered.sort_by_key(|m| late(&name(&m.path), who));
        for method in ordered {
            let rpc = name(&method.path);
            let body = request_for(&rpc, &mut fx, &app, &read.email, &write.email).await;
            let got = raw_call(channel.clone(), method, Some(&bearer), body).await;
            let want = expected(&rpc, who).unwrap();
            seen.insert((rpc.clone(), who), got);
            if got != want {
                failures.push(format!("{rpc} as {who}: expected {want:?}, got {got:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(seen.len(), methods.len() * PRINCIPALS.len());
}

/// A valid request for `rpc` against the fixture; consumable targets (a question to answer, a
/// session to stop or delete, a key to revoke) are made fresh for each call.
async fn request_for(
    rpc: &str,
    fx: &mut Fixture,
    app: &TestApp,
    read: &str,
    write: &str,
) -> Vec<u8> {
    let s = fx.session.clone();
    let p = fx.project.clone();
    match rpc {
        "StartSession" => StartSessionRequest {
            session_id: s,
            agent_name: "team-agent".into(),
            request_id: rid(),
            ..Default::default()
        }
        .encode_to_vec(),
        "LogStep" => LogStepRequest {
            session_id: s,
            text: "x".into(),
            request_id: rid(),
        }
        .encode_to_vec(),
        "AskQuestion" => AskQuestionRequest {
            session_id: s,
            text: "q".into(),
            request_id: rid(),
            ..Default::default()
        }
        .encode_to_vec(),
        "WaitForAnswer" => WaitForAnswerRequest {
            session_id: s,
            question_id: uuid::Uuid::new_v4().to_string(),
            timeout: Some(prost_types::Duration {
                seconds: 0,
                nanos: 1_000_000,
            }),
        }
        .encode_to_vec(),
        "Subscribe" => SubscribeRequest {
            session_id: s,
            after_seq: 0,
        }
        .encode_to_vec(),
        "AcknowledgeMessages" => AcknowledgeMessagesRequest {
            session_id: s,
            through_seq: 0,
        }
        .encode_to_vec(),
        "Heartbeat" => HeartbeatRequest { session_id: s }.encode_to_vec(),
        "ReportDiff" => ReportDiffRequest {
            session_id: s,
            diff: String::new(),
            request_id: rid(),
        }
        .encode_to_vec(),
        "ReportUsage" => ReportUsageRequest {
            session_id: s,
            usage: Some(Usage::default()),
            request_id: rid(),
        }
        .encode_to_vec(),
        "EndSession" => EndSessionRequest {
            session_id: s,
            outcome: SessionOutcome::Completed as i32,
            summary: String::new(),
            request_id: rid(),
        }
        .encode_to_vec(),
        "RequestApproval" => approval_request(&s).encode_to_vec(),
        "WaitForApproval" => WaitForApprovalRequest {
            session_id: s,
            approval_id: uuid::Uuid::new_v4().to_string(),
            timeout: Some(prost_types::Duration {
                seconds: 0,
                nanos: 1_000_000,
            }),
        }
        .encode_to_vec(),
        "ResolveApproval" => ResolveApprovalRequest {
            session_id: s,
            approval_id: uuid::Uuid::new_v4().to_string(),
            decision: ApprovalDecision::AllowOnce as i32,
            request_id: rid(),
            ..Default::default()
        }
        .encode_to_vec(),
        "DecideApproval" => {
            let approval = fx.approval(&s).await;
            DecideApprovalRequest {
                session_id: s,
                approval_id: approval,
                decision: ApprovalDecision::AllowOnce as i32,
                ..Default::default()
            }
            .encode_to_vec()
        }
        "ListAgents" => ListAgentsRequest {
            project_id: p,
            ..Default::default()
        }
        .encode_to_vec(),
        "ListSessions" => ListSessionsRequest {
            project_id: p,
            ..Default::default()
        }
        .encode_to_vec(),
        "GetSession" => GetSessionRequest { session_id: s }.encode_to_vec(),
        "ListMessages" => ListMessagesRequest {
            session_id: s,
            ..Default::default()
        }
        .encode_to_vec(),
        "GetDiff" => GetDiffRequest { session_id: s }.encode_to_vec(),
        "AnswerQuestion" => {
            let question = fx.question(&s).await;
            AnswerQuestionRequest {
                session_id: s,
                question_id: question,
                option_ids: vec!["yes".into()],
                ..Default::default()
            }
            .encode_to_vec()
        }
        "SendMessage" => SendMessageRequest {
            session_id: s,
            text: "hi".into(),
            request_id: String::new(),
        }
        .encode_to_vec(),
        "StopSession" | "DeleteSession" => {
            let fresh = fx.fresh_session(app, read, write).await;
            if rpc == "StopSession" {
                StopSessionRequest {
                    session_id: fresh,
                    reason: String::new(),
                }
                .encode_to_vec()
            } else {
                DeleteSessionRequest { session_id: fresh }.encode_to_vec()
            }
        }
        "RenameSession" => RenameSessionRequest {
            session_id: s,
            name: "renamed".into(),
        }
        .encode_to_vec(),
        "CreateApiKey" => CreateApiKeyRequest {
            name: "k".into(),
            project_id: p,
            ..Default::default()
        }
        .encode_to_vec(),
        "ListApiKeys" => ListApiKeysRequest {
            project_id: p,
            ..Default::default()
        }
        .encode_to_vec(),
        "RevokeApiKey" => {
            let (_, id) = project_key(app, &mut fx.admin, &p).await;
            RevokeApiKeyRequest { api_key_id: id }.encode_to_vec()
        }
        "WatchSession" => WatchSessionRequest {
            session_id: s,
            after_seq: 0,
        }
        .encode_to_vec(),
        "WatchInbox" => WatchInboxRequest {
            after_cursor: 0,
            project_id: p,
        }
        .encode_to_vec(),
        "ListProjects" => ListProjectsRequest {}.encode_to_vec(),
        "CreateProject" => CreateProjectRequest {
            name: "another".into(),
        }
        .encode_to_vec(),
        "DeleteProject" => DeleteProjectRequest { project_id: p }.encode_to_vec(),
        "ListMembers" => ListMembersRequest { project_id: p }.encode_to_vec(),
        "InviteMember" => InviteMemberRequest {
            project_id: p,
            email: format!("{}@example.com", uuid::Uuid::new_v4()),
            role: ProjectRole::View as i32,
        }
        .encode_to_vec(),
        "ListProjectInvitations" => ListProjectInvitationsRequest { project_id: p }.encode_to_vec(),
        "ListMyInvitations" => ListMyInvitationsRequest {}.encode_to_vec(),
        "AcceptInvitation" | "DeclineInvitation" => {
            let invitation = projects_of(app, &fx.admin)
                .await
                .invite_member(InviteMemberRequest {
                    project_id: p,
                    email: format!("{}@example.com", uuid::Uuid::new_v4()),
                    role: ProjectRole::Admin as i32,
                })
                .await
                .unwrap()
                .into_inner()
                .invitation
                .unwrap()
                .id;
            if rpc == "AcceptInvitation" {
                AcceptInvitationRequest {
                    invitation_id: invitation,
                    token: String::new(),
                }
                .encode_to_vec()
            } else {
                DeclineInvitationRequest {
                    invitation_id: invitation,
                }
                .encode_to_vec()
            }
        }
        "ChangeMemberRole" => ChangeMemberRoleRequest {
            project_id: p,
            user_id: fx.role_target.clone(),
            role: ProjectRole::Edit as i32,
        }
        .encode_to_vec(),
        "RemoveMember" => RemoveMemberRequest {
            project_id: p,
            user_id: fx.remove_target.clone(),
        }
        .encode_to_vec(),
        "LeaveProject" => LeaveProjectRequest { project_id: p }.encode_to_vec(),
        "ShareSession" => ShareSessionRequest {
            session_id: s,
            email: fx.spare_email.clone(),
            access: ShareAccess::Read as i32,
        }
        .encode_to_vec(),
        "ListSessionShares" => ListSessionSharesRequest { session_id: s }.encode_to_vec(),
        "RevokeSessionShare" => RevokeSessionShareRequest {
            session_id: s,
            user_id: uuid::Uuid::new_v4().to_string(),
        }
        .encode_to_vec(),
        "ListAuditEvents" => ListAuditEventsRequest {
            project_id: p,
            ..Default::default()
        }
        .encode_to_vec(),
        "ListChannels" => ListChannelsRequest {}.encode_to_vec(),
        "CreateWebhookChannel" => CreateWebhookChannelRequest {
            escalate_after: None,
            kind: ChannelKind::Slack as i32,
            url: "http://127.0.0.1:9/refused".into(),
            events: vec![NotificationEvent::SessionFailed as i32],
        }
        .encode_to_vec(),
        // To the caller's own address, through a relay that refuses connections.
        "CreateEmailChannel" => CreateEmailChannelRequest {
            address: String::new(),
            events: vec![NotificationEvent::SessionFailed as i32],
            escalate_after: None,
        }
        .encode_to_vec(),
        "UpdateChannel" => UpdateChannelRequest {
            escalate_after: None,
            channel_id: fx.admin_channel.clone(),
            enabled: Some(true),
            events: None,
        }
        .encode_to_vec(),
        // Consumable: a fresh channel of the admin's each time.
        "DeleteChannel" => DeleteChannelRequest {
            channel_id: fx.channel(app).await,
        }
        .encode_to_vec(),
        "TestChannel" => TestChannelRequest {
            channel_id: fx.admin_channel.clone(),
        }
        .encode_to_vec(),
        "ListDeliveries" => ListDeliveriesRequest {
            channel_id: fx.admin_channel.clone(),
            ..Default::default()
        }
        .encode_to_vec(),
        "LaunchSession" => LaunchSessionRequest {
            project_id: p,
            spec: Some(SessionSpec {
                agent: AgentKind::Command as i32,
                command: vec!["true".into()],
                ..Default::default()
            }),
            request_id: rid(),
            ..Default::default()
        }
        .encode_to_vec(),
        "ContinueSession" => ContinueSessionRequest {
            session_id: s,
            request_id: rid(),
            prompt: String::new(),
        }
        .encode_to_vec(),
        "ListRunners" => ListRunnersRequest {
            project_id: p,
            ..Default::default()
        }
        .encode_to_vec(),
        "CreateRunnerCredential" => CreateRunnerCredentialRequest {
            project_id: p,
            name: "r".into(),
        }
        .encode_to_vec(),
        "RevokeRunner" => {
            let runner = crate::launch::launcher(app, &fx.admin)
                .await
                .create_runner_credential(CreateRunnerCredentialRequest {
                    project_id: p,
                    name: "to revoke".into(),
                })
                .await
                .unwrap()
                .into_inner()
                .runner
                .unwrap();
            RevokeRunnerRequest {
                runner_id: runner.id,
            }
            .encode_to_vec()
        }
        "Attach" => AttachRequest {
            name: "r".into(),
            capacity: 1,
            ..Default::default()
        }
        .encode_to_vec(),
        "ReportStarted" => ReportStartedRequest { session_id: s }.encode_to_vec(),
        "ReportExited" => ReportExitedRequest {
            session_id: s,
            exit_code: 0,
            last_lines: vec![],
        }
        .encode_to_vec(),
        "GetPushConfig" => GetPushConfigRequest {}.encode_to_vec(),
        // A valid subscription (the P-256 generator as the browser's key); each caller's own.
        "AddPushSubscription" => AddPushSubscriptionRequest {
            endpoint: "https://push.example.net/wpush/roles".into(),
            p256dh: "BGsX0fLhLEJH-Lzm5WOkQPJ3A32BLeszoPShOUXYmMKWT-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU"
                .into(),
            auth: "BwcHBwcHBwcHBwcHBwcHBw".into(),
            events: vec![NotificationEvent::SessionFailed as i32],
            label: String::new(),
        }
        .encode_to_vec(),
        other => panic!("no request for {other}: add it with its row in `expected`"),
    }
}
