//! ProjectService: projects, members, invitations, session shares and the audit trail. Every
//! request is validated here (INVALID_ARGUMENT naming the field, in declaration order); roles
//! are checked by the store (`store::access`) in the transaction that acts.

use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::requests::session_id;
use super::{AppState, caller, convert};
use crate::auth::secrets::{INVITATION_PREFIX, hash_secret, new_invitation_token};
use crate::domain::{
    AuditAction, AuditChannel, DomainError, ProjectId, Role, ShareAccess, UserCaller, UserId,
    validate,
};
use crate::proto::project_service_server::ProjectService;
use crate::proto::*;
use crate::store::audit::{AuditCursor, AuditFilter, StoredAuditEvent};
use crate::store::{InvitationRef, StoredInvitation, StoredMember, StoredProject, StoredShare};

/// Longest project name.
const MAX_PROJECT_NAME_CHARS: usize = 200;
/// Longest email accepted (RFC 5321's path limit).
const MAX_EMAIL_CHARS: usize = 254;

pub struct ProjectApi {
    state: AppState,
}

impl ProjectApi {
    pub fn new(state: AppState) -> ProjectApi {
        ProjectApi { state }
    }
}

fn project_id(value: &str) -> Result<ProjectId, DomainError> {
    Ok(ProjectId(validate::uuid("project_id", value)?))
}

fn user_id(field: &'static str, value: &str) -> Result<UserId, DomainError> {
    Ok(UserId(validate::uuid(field, value)?))
}

/// A plausible email: one `@` with text on both sides, no spaces. Whether it can receive mail
/// is not ours to know; this catches typos like a missing `@` early.
fn email(value: &str) -> Result<String, DomainError> {
    let v = validate::required_text("email", value.trim(), MAX_EMAIL_CHARS)?;
    let ok = match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !v.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if !ok {
        return Err(DomainError::invalid(
            "email",
            format!(
                "{} is not an email address (expected name@domain)",
                validate::shown(&v)
            ),
        ));
    }
    Ok(v)
}

fn role(value: i32) -> Result<Role, DomainError> {
    match ProjectRole::try_from(value) {
        Ok(ProjectRole::View) => Ok(Role::View),
        Ok(ProjectRole::Edit) => Ok(Role::Edit),
        Ok(ProjectRole::Admin) => Ok(Role::Admin),
        _ => Err(DomainError::invalid(
            "role",
            format!(
                "must be PROJECT_ROLE_VIEW, PROJECT_ROLE_EDIT or PROJECT_ROLE_ADMIN, not {value}"
            ),
        )),
    }
}

fn share_access(value: i32) -> Result<ShareAccess, DomainError> {
    match crate::proto::ShareAccess::try_from(value) {
        Ok(crate::proto::ShareAccess::Read) => Ok(ShareAccess::Read),
        Ok(crate::proto::ShareAccess::Write) => Ok(ShareAccess::Write),
        _ => Err(DomainError::invalid(
            "access",
            format!("must be SHARE_ACCESS_READ or SHARE_ACCESS_WRITE, not {value}"),
        )),
    }
}

pub(crate) fn role_pb(r: Role) -> ProjectRole {
    match r {
        Role::View => ProjectRole::View,
        Role::Edit => ProjectRole::Edit,
        Role::Admin => ProjectRole::Admin,
    }
}

fn project_pb(p: StoredProject) -> Project {
    Project {
        id: p.id.to_string(),
        name: p.name,
        personal: p.personal,
        role: role_pb(p.role) as i32,
        create_time: Some(convert::ts(p.created_at)),
    }
}

fn member_pb(m: StoredMember) -> Member {
    Member {
        user_id: m.user_id.to_string(),
        email: m.email,
        display_name: m.display_name,
        role: role_pb(m.role) as i32,
        join_time: Some(convert::ts(m.joined_at)),
    }
}

fn invitation_pb(i: StoredInvitation) -> Invitation {
    Invitation {
        id: i.id.to_string(),
        project_id: i.project_id.to_string(),
        project_name: i.project_name,
        email: i.email,
        role: role_pb(i.role) as i32,
        invited_by_email: i.invited_by_email,
        create_time: Some(convert::ts(i.created_at)),
        expire_time: Some(convert::ts(i.expires_at)),
    }
}

fn share_pb(s: StoredShare) -> SessionShare {
    SessionShare {
        session_id: s.session_id.to_string(),
        user_id: s.user_id.to_string(),
        email: s.email,
        access: match s.access {
            ShareAccess::Read => crate::proto::ShareAccess::Read,
            ShareAccess::Write => crate::proto::ShareAccess::Write,
        } as i32,
        shared_by_email: s.shared_by_email,
        create_time: Some(convert::ts(s.created_at)),
    }
}

fn audit_pb(e: StoredAuditEvent) -> AuditEvent {
    AuditEvent {
        id: e.id.to_string(),
        create_time: Some(convert::ts(e.created_at)),
        actor_user_id: e.actor.to_string(),
        actor_email: e.actor_email,
        project_id: e.project_id.to_string(),
        session_id: e.session_id.map(|s| s.to_string()).unwrap_or_default(),
        // The stored numbers are the proto's (see `domain::AuditAction`).
        action: e.action as i32,
        channel: match e.channel {
            AuditChannel::Dashboard => crate::proto::AuditChannel::Dashboard,
            AuditChannel::Api => crate::proto::AuditChannel::Api,
            AuditChannel::NotificationLink => crate::proto::AuditChannel::NotificationLink,
            AuditChannel::PushAction => crate::proto::AuditChannel::PushAction,
        } as i32,
        details_json: e.details.to_string(),
    }
}

fn audit_filter(req: &ListAuditEventsRequest) -> Result<AuditFilter, DomainError> {
    let mut f = AuditFilter::default();
    if !req.project_id.is_empty() {
        f.project_id = Some(project_id(&req.project_id)?);
    }
    if !req.session_id.is_empty() {
        f.session_id = Some(session_id(&req.session_id)?);
    }
    if !req.actor_user_id.is_empty() {
        f.actor = Some(user_id("actor_user_id", &req.actor_user_id)?);
    }
    for a in &req.actions {
        let action = i16::try_from(*a)
            .ok()
            .and_then(|n| AuditAction::from_i16(n).ok())
            .ok_or_else(|| {
                DomainError::invalid(
                    "actions",
                    format!("{a} is not an AuditAction (1..=24, UNSPECIFIED is not a filter)"),
                )
            })?;
        f.actions.push(action);
    }
    if let Some(t) = &req.start_time {
        f.from = Some(convert::from_ts("start_time", t)?);
    }
    if let Some(t) = &req.end_time {
        f.until = Some(convert::from_ts("end_time", t)?);
    }
    if let (Some(from), Some(until)) = (f.from, f.until) {
        if until < from {
            return Err(DomainError::invalid(
                "end_time",
                "must not be before start_time",
            ));
        }
    }
    Ok(f)
}

#[tonic::async_trait]
impl ProjectService for ProjectApi {
    async fn list_projects(
        &self,
        request: Request<ListProjectsRequest>,
    ) -> Result<Response<ListProjectsResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let projects = self.state.store.list_projects(caller.user_id).await?;
        Ok(Response::new(ListProjectsResponse {
            projects: projects.into_iter().map(project_pb).collect(),
        }))
    }

    async fn create_project(
        &self,
        request: Request<CreateProjectRequest>,
    ) -> Result<Response<CreateProjectResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let name = validate::required_text(
            "name",
            request.get_ref().name.trim(),
            MAX_PROJECT_NAME_CHARS,
        )?;
        let project = self.state.store.create_project(caller, &name).await?;
        tracing::info!(project_id = %project.id, "project created");
        Ok(Response::new(CreateProjectResponse {
            project: Some(project_pb(project)),
        }))
    }

    async fn delete_project(
        &self,
        request: Request<DeleteProjectRequest>,
    ) -> Result<Response<DeleteProjectResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let id = project_id(&request.get_ref().project_id)?;
        self.state.store.delete_project(caller, id).await?;
        tracing::info!(project_id = %id, "project deleted");
        Ok(Response::new(DeleteProjectResponse {}))
    }

    async fn list_members(
        &self,
        request: Request<ListMembersRequest>,
    ) -> Result<Response<ListMembersResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let id = project_id(&request.get_ref().project_id)?;
        let members = self.state.store.list_members(caller.user_id, id).await?;
        Ok(Response::new(ListMembersResponse {
            members: members.into_iter().map(member_pb).collect(),
        }))
    }

    async fn invite_member(
        &self,
        request: Request<InviteMemberRequest>,
    ) -> Result<Response<InviteMemberResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.get_ref();
        let id = project_id(&req.project_id)?;
        let email = email(&req.email)?;
        let role = role(req.role)?;
        let token = new_invitation_token();
        let invitation = self
            .state
            .store
            .invite_member(caller, id, &email, role, &hash_secret(&token))
            .await?;
        Ok(Response::new(InviteMemberResponse {
            invitation: Some(invitation_pb(invitation)),
            token,
        }))
    }

    async fn list_project_invitations(
        &self,
        request: Request<ListProjectInvitationsRequest>,
    ) -> Result<Response<ListProjectInvitationsResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let id = project_id(&request.get_ref().project_id)?;
        let list = self
            .state
            .store
            .list_project_invitations(caller.user_id, id)
            .await?;
        Ok(Response::new(ListProjectInvitationsResponse {
            invitations: list.into_iter().map(invitation_pb).collect(),
        }))
    }

    async fn list_my_invitations(
        &self,
        request: Request<ListMyInvitationsRequest>,
    ) -> Result<Response<ListMyInvitationsResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let list = self.state.store.list_my_invitations(caller.user_id).await?;
        Ok(Response::new(ListMyInvitationsResponse {
            invitations: list.into_iter().map(invitation_pb).collect(),
        }))
    }

    async fn accept_invitation(
        &self,
        request: Request<AcceptInvitationRequest>,
    ) -> Result<Response<AcceptInvitationResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.get_ref();
        let which = match (req.invitation_id.is_empty(), req.token.is_empty()) {
            (false, true) => {
                InvitationRef::Id(validate::uuid("invitation_id", &req.invitation_id)?)
            }
            (true, false) => {
                let token = req.token.trim();
                if !token.starts_with(INVITATION_PREFIX) || token.len() > 128 {
                    return Err(DomainError::invalid(
                        "token",
                        format!("is not an invitation token (they start with {INVITATION_PREFIX})"),
                    )
                    .into());
                }
                InvitationRef::TokenHash(hash_secret(token))
            }
            (true, true) => {
                return Err(DomainError::invalid(
                    "invitation_id",
                    "give the invitation's id or, from an invite link, its token",
                )
                .into());
            }
            (false, false) => {
                return Err(DomainError::invalid(
                    "token",
                    "give either invitation_id or token, not both",
                )
                .into());
            }
        };
        let project = self.state.store.accept_invitation(caller, which).await?;
        Ok(Response::new(AcceptInvitationResponse {
            project: Some(project_pb(project)),
        }))
    }

    async fn decline_invitation(
        &self,
        request: Request<DeclineInvitationRequest>,
    ) -> Result<Response<DeclineInvitationResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let id: Uuid = validate::uuid("invitation_id", &request.get_ref().invitation_id)?;
        self.state.store.decline_invitation(caller, id).await?;
        Ok(Response::new(DeclineInvitationResponse {}))
    }

    async fn change_member_role(
        &self,
        request: Request<ChangeMemberRoleRequest>,
    ) -> Result<Response<ChangeMemberRoleResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.get_ref();
        let id = project_id(&req.project_id)?;
        let user = user_id("user_id", &req.user_id)?;
        let role = role(req.role)?;
        let member = self
            .state
            .store
            .change_member_role(caller, id, user, role)
            .await?;
        Ok(Response::new(ChangeMemberRoleResponse {
            member: Some(member_pb(member)),
        }))
    }

    async fn remove_member(
        &self,
        request: Request<RemoveMemberRequest>,
    ) -> Result<Response<RemoveMemberResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.get_ref();
        let id = project_id(&req.project_id)?;
        let user = user_id("user_id", &req.user_id)?;
        self.state.store.remove_member(caller, id, user).await?;
        Ok(Response::new(RemoveMemberResponse {}))
    }

    async fn leave_project(
        &self,
        request: Request<LeaveProjectRequest>,
    ) -> Result<Response<LeaveProjectResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let id = project_id(&request.get_ref().project_id)?;
        self.state.store.leave_project(caller, id).await?;
        Ok(Response::new(LeaveProjectResponse {}))
    }

    async fn share_session(
        &self,
        request: Request<ShareSessionRequest>,
    ) -> Result<Response<ShareSessionResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.get_ref();
        let session = session_id(&req.session_id)?;
        let email = email(&req.email)?;
        let access = share_access(req.access)?;
        let share = self
            .state
            .store
            .share_session(caller, session, &email, access)
            .await?;
        Ok(Response::new(ShareSessionResponse {
            share: Some(share_pb(share)),
        }))
    }

    async fn list_session_shares(
        &self,
        request: Request<ListSessionSharesRequest>,
    ) -> Result<Response<ListSessionSharesResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let session = session_id(&request.get_ref().session_id)?;
        let shares = self
            .state
            .store
            .list_session_shares(caller.user_id, session)
            .await?;
        Ok(Response::new(ListSessionSharesResponse {
            shares: shares.into_iter().map(share_pb).collect(),
        }))
    }

    async fn revoke_session_share(
        &self,
        request: Request<RevokeSessionShareRequest>,
    ) -> Result<Response<RevokeSessionShareResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.get_ref();
        let session = session_id(&req.session_id)?;
        let user = user_id("user_id", &req.user_id)?;
        self.state
            .store
            .revoke_session_share(caller, session, user)
            .await?;
        Ok(Response::new(RevokeSessionShareResponse {}))
    }

    async fn list_audit_events(
        &self,
        request: Request<ListAuditEventsRequest>,
    ) -> Result<Response<ListAuditEventsResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.into_inner();
        let filter = audit_filter(&req)?;
        let limit = validate::page_size(req.page_size)?;
        // The token is bound to every filter: a page token replayed with other filters is
        // INVALID_ARGUMENT, not a silently wrong page.
        let scope = format!(
            "audit:{}:{}:{}:{:?}:{:?}:{:?}",
            req.project_id,
            req.session_id,
            req.actor_user_id,
            req.actions,
            filter.from,
            filter.until
        );
        let after: Option<AuditCursor> = self.state.page_tokens.decode(&scope, &req.page_token)?;
        let page = self
            .state
            .store
            .list_audit_events(caller.user_id, &filter, after, limit)
            .await?;
        Ok(Response::new(ListAuditEventsResponse {
            events: page.items.into_iter().map(audit_pb).collect(),
            next_page_token: page
                .next
                .map(|c| self.state.page_tokens.encode(&scope, &c))
                .unwrap_or_default(),
        }))
    }
}
