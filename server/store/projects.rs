//! Projects, members, invitations and session shares. Every change checks the caller's role
//! (`store::access`), writes its audit row in the same transaction, and, when someone's access
//! shrinks, bumps their access epoch so that their open watches re-check (`FeedHint::Access`).
//! Changes to a project's membership lock its row first, so "the last admin" is decided on
//! a stable count.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Store;
use super::access::{self, require_project};
use super::audit::{self, AuditEvent};
use super::errors::{is_unique_violation, map_sqlx_error};
use super::sessions::Tx;
use crate::domain::*;
use crate::store::FeedHint;

/// How long an invitation can be accepted.
const INVITATION_DAYS: i64 = 7;

#[derive(Debug, Clone)]
pub struct StoredProject {
    pub id: ProjectId,
    pub name: String,
    pub personal: bool,
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct StoredMember {
    pub user_id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct StoredInvitation {
    pub id: Uuid,
    pub project_id: ProjectId,
    pub project_name: String,
    pub email: String,
    pub role: Role,
    pub invited_by_email: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct StoredShare {
    pub session_id: SessionId,
    pub user_id: UserId,
    pub email: String,
    pub access: ShareAccess,
    pub shared_by_email: String,
    pub created_at: DateTime<Utc>,
}

/// Which invitation to accept: by id (addressed to the caller's email) or by the SHA-256 of
/// an invite link's token.
#[derive(Debug, Clone)]
pub enum InvitationRef {
    Id(Uuid),
    TokenHash(Vec<u8>),
}

type ProjectRow = (Uuid, String, Option<Uuid>, i16, DateTime<Utc>);

fn project(row: ProjectRow, user: UserId) -> DomainResult<StoredProject> {
    let (id, name, personal_of, role, created_at) = row;
    Ok(StoredProject {
        id: ProjectId(id),
        name,
        personal: personal_of == Some(user.0),
        role: Role::from_i16(role)?,
        created_at,
    })
}

type InvitationRow = (
    Uuid,
    Uuid,
    String,
    String,
    i16,
    Option<String>,
    DateTime<Utc>,
    DateTime<Utc>,
);

const INVITATION_COLUMNS: &str = "i.id, i.project_id, p.name, i.email, i.role, \
    (SELECT u.email FROM users u WHERE u.id = i.invited_by), i.created_at, i.expires_at";

fn invitation(r: InvitationRow) -> DomainResult<StoredInvitation> {
    Ok(StoredInvitation {
        id: r.0,
        project_id: ProjectId(r.1),
        project_name: r.2,
        email: r.3,
        role: Role::from_i16(r.4)?,
        invited_by_email: r.5.unwrap_or_default(),
        created_at: r.6,
        expires_at: r.7,
    })
}

type ShareRow = (Uuid, Uuid, String, i16, Option<String>, DateTime<Utc>);

fn share(r: ShareRow) -> DomainResult<StoredShare> {
    Ok(StoredShare {
        session_id: SessionId(r.0),
        user_id: UserId(r.1),
        email: r.2,
        access: ShareAccess::from_i16(r.3)?,
        shared_by_email: r.4.unwrap_or_default(),
        created_at: r.5,
    })
}

/// Locks the project row (serialises membership changes) and says whether it is personal.
async fn lock_project(tx: &mut Tx, project: ProjectId) -> DomainResult<bool> {
    let personal: Option<bool> =
        sqlx::query_scalar("SELECT personal_of IS NOT NULL FROM projects WHERE id = $1 FOR UPDATE")
            .bind(project.0)
            .fetch_optional(&mut **tx)
            .await?;
    personal.ok_or(DomainError::NotFound("project"))
}

async fn admin_count(tx: &mut Tx, project: ProjectId) -> DomainResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM project_members WHERE project_id = $1 AND role = 3",
    )
    .bind(project.0)
    .fetch_one(&mut **tx)
    .await?)
}

async fn caller_email(tx: &mut Tx, user: UserId) -> DomainResult<String> {
    Ok(sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(user.0)
        .fetch_one(&mut **tx)
        .await?)
}

impl Store {
    async fn project_for(
        &self,
        tx: &mut Tx,
        user: UserId,
        id: ProjectId,
    ) -> DomainResult<StoredProject> {
        let row: ProjectRow = sqlx::query_as(
            "SELECT p.id, p.name, p.personal_of, m.role, p.created_at FROM projects p \
             JOIN project_members m ON m.project_id = p.id AND m.user_id = $2 WHERE p.id = $1",
        )
        .bind(id.0)
        .bind(user.0)
        .fetch_one(&mut **tx)
        .await?;
        project(row, user)
    }

    pub async fn list_projects(&self, user: UserId) -> DomainResult<Vec<StoredProject>> {
        let rows: Vec<ProjectRow> = sqlx::query_as(
            "SELECT p.id, p.name, p.personal_of, m.role, p.created_at FROM projects p \
             JOIN project_members m ON m.project_id = p.id WHERE m.user_id = $1 \
             ORDER BY (p.personal_of = $1) DESC NULLS LAST, lower(p.name), p.id",
        )
        .bind(user.0)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(|r| project(r, user)).collect()
    }

    pub async fn create_project(
        &self,
        caller: UserCaller,
        name: &str,
    ) -> DomainResult<StoredProject> {
        let mut tx = self.begin().await?;
        let id = ProjectId::new_random();
        sqlx::query("INSERT INTO projects (id, name) VALUES ($1, $2)")
            .bind(id.0)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, 3)")
            .bind(id.0)
            .bind(caller.user_id.0)
            .execute(&mut *tx)
            .await?;
        let event = AuditEvent::by(
            caller,
            id,
            AuditAction::ProjectCreated,
            serde_json::json!({ "name": name }),
        );
        audit::record(&mut tx, event).await?;
        let created = self.project_for(&mut tx, caller.user_id, id).await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn delete_project(&self, caller: UserCaller, id: ProjectId) -> DomainResult<()> {
        let mut tx = self.begin().await?;
        require_project(&mut tx, caller.user_id, id, Role::Admin).await?;
        if lock_project(&mut tx, id).await? {
            return Err(DomainError::FailedPrecondition(
                "a personal project cannot be deleted".into(),
            ));
        }
        let name: String = sqlx::query_scalar("SELECT name FROM projects WHERE id = $1")
            .bind(id.0)
            .fetch_one(&mut *tx)
            .await?;
        let sessions: Vec<Uuid> =
            sqlx::query_scalar("SELECT id FROM sessions WHERE project_id = $1")
                .bind(id.0)
                .fetch_all(&mut *tx)
                .await?;
        let members: Vec<Uuid> =
            sqlx::query_scalar("SELECT user_id FROM project_members WHERE project_id = $1")
                .bind(id.0)
                .fetch_all(&mut *tx)
                .await?;
        // Outsiders with shares lose them with the sessions.
        let sharers: Vec<Uuid> = sqlx::query_scalar(
            "SELECT DISTINCT sh.user_id FROM session_shares sh JOIN sessions s ON s.id = sh.session_id WHERE s.project_id = $1",
        )
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await?;
        let details = serde_json::json!({ "name": name, "sessions": sessions.len() });
        audit::record(
            &mut tx,
            AuditEvent::by(caller, id, AuditAction::ProjectDeleted, details),
        )
        .await?;
        sqlx::query("DELETE FROM projects WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        let mut hints = Vec::new();
        for user in members.into_iter().chain(sharers) {
            let epoch = access::shrank(&mut tx, UserId(user)).await?;
            hints.push(FeedHint::Access {
                user_id: UserId(user),
                epoch,
            });
        }
        tx.commit().await?;
        let deleted = sessions.into_iter().map(|s| FeedHint::Deleted {
            session_id: SessionId(s),
        });
        self.committed(deleted.chain(hints));
        Ok(())
    }

    pub async fn list_members(
        &self,
        caller: UserId,
        id: ProjectId,
    ) -> DomainResult<Vec<StoredMember>> {
        let mut conn = self.pool.acquire().await?;
        require_project(&mut conn, caller, id, Role::View).await?;
        let rows: Vec<(Uuid, String, String, i16, DateTime<Utc>)> = sqlx::query_as(
            "SELECT u.id, u.email, u.display_name, m.role, m.created_at FROM project_members m \
             JOIN users u ON u.id = m.user_id WHERE m.project_id = $1 ORDER BY m.role DESC, u.email",
        )
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await?;
        rows.into_iter()
            .map(|(id, email, display_name, role, joined_at)| {
                Ok(StoredMember {
                    user_id: UserId(id),
                    email,
                    display_name,
                    role: Role::from_i16(role)?,
                    joined_at,
                })
            })
            .collect()
    }

    /// Invites `email` (admin). `token_hash` is the SHA-256 of the token shown once.
    pub async fn invite_member(
        &self,
        caller: UserCaller,
        id: ProjectId,
        email: &str,
        role: Role,
        token_hash: &[u8],
    ) -> DomainResult<StoredInvitation> {
        let mut tx = self.begin().await?;
        require_project(&mut tx, caller.user_id, id, Role::Admin).await?;
        if lock_project(&mut tx, id).await? {
            return Err(DomainError::FailedPrecondition(
                "a personal project has no other members: create a team project to invite people"
                    .into(),
            ));
        }
        let member: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM project_members m JOIN users u ON u.id = m.user_id \
             WHERE m.project_id = $1 AND lower(u.email) = lower($2))",
        )
        .bind(id.0)
        .bind(email)
        .fetch_one(&mut *tx)
        .await?;
        if member {
            return Err(DomainError::AlreadyExists(format!(
                "{email} is already a member of this project"
            )));
        }
        // An expired invitation no longer blocks a new one.
        sqlx::query(
            "UPDATE invitations SET resolved_at = now() WHERE project_id = $1 AND lower(email) = lower($2) \
             AND resolved_at IS NULL AND expires_at <= now()",
        )
        .bind(id.0)
        .bind(email)
        .execute(&mut *tx)
        .await?;
        let inv_id = Uuid::new_v4();
        let inserted = sqlx::query(
            "INSERT INTO invitations (id, project_id, email, role, token_hash, invited_by, expires_at) \
             VALUES ($1, $2, lower($3), $4, $5, $6, now() + make_interval(days => $7))",
        )
        .bind(inv_id)
        .bind(id.0)
        .bind(email)
        .bind(role as i16)
        .bind(token_hash)
        .bind(caller.user_id.0)
        .bind(INVITATION_DAYS as i32)
        .execute(&mut *tx)
        .await;
        if let Err(e) = inserted {
            return Err(if is_unique_violation(&e, "invitations_pending_key") {
                DomainError::AlreadyExists(format!(
                    "{email} already has a pending invitation to this project"
                ))
            } else {
                map_sqlx_error(e)
            });
        }
        let details = serde_json::json!({ "invitation_id": inv_id, "email": email.to_lowercase(), "role": role.name() });
        audit::record(
            &mut tx,
            AuditEvent::by(caller, id, AuditAction::MemberInvited, details),
        )
        .await?;
        let row: InvitationRow = sqlx::query_as(&format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations i JOIN projects p ON p.id = i.project_id WHERE i.id = $1"
        ))
        .bind(inv_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        invitation(row)
    }

    pub async fn list_project_invitations(
        &self,
        caller: UserId,
        id: ProjectId,
    ) -> DomainResult<Vec<StoredInvitation>> {
        let mut conn = self.pool.acquire().await?;
        require_project(&mut conn, caller, id, Role::Admin).await?;
        let rows: Vec<InvitationRow> = sqlx::query_as(&format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations i JOIN projects p ON p.id = i.project_id \
             WHERE i.project_id = $1 AND i.resolved_at IS NULL AND i.expires_at > now() ORDER BY i.created_at DESC, i.id"
        ))
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await?;
        rows.into_iter().map(invitation).collect()
    }

    pub async fn list_my_invitations(&self, caller: UserId) -> DomainResult<Vec<StoredInvitation>> {
        let rows: Vec<InvitationRow> = sqlx::query_as(&format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations i JOIN projects p ON p.id = i.project_id \
             WHERE lower(i.email) = (SELECT lower(email) FROM users WHERE id = $1) \
             AND i.resolved_at IS NULL AND i.expires_at > now() ORDER BY i.created_at DESC, i.id"
        ))
        .bind(caller.0)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(invitation).collect()
    }

    /// Finds a pending invitation for the caller and locks it; NOT_FOUND when unknown, spent,
    /// expired, or (by id) addressed to someone else.
    async fn pending_invitation(
        &self,
        tx: &mut Tx,
        caller: UserId,
        which: &InvitationRef,
    ) -> DomainResult<(Uuid, ProjectId, Role)> {
        let row: Option<(Uuid, Uuid, i16)> =
            match which {
                InvitationRef::Id(id) => {
                    sqlx::query_as(
                        "SELECT i.id, i.project_id, i.role FROM invitations i WHERE i.id = $1 \
                 AND lower(i.email) = (SELECT lower(email) FROM users WHERE id = $2) \
                 AND i.resolved_at IS NULL AND i.expires_at > now() FOR UPDATE",
                    )
                    .bind(id)
                    .bind(caller.0)
                    .fetch_optional(&mut **tx)
                    .await?
                }
                InvitationRef::TokenHash(hash) => sqlx::query_as(
                    "SELECT i.id, i.project_id, i.role FROM invitations i WHERE i.token_hash = $1 \
                 AND i.resolved_at IS NULL AND i.expires_at > now() FOR UPDATE",
                )
                .bind(hash)
                .fetch_optional(&mut **tx)
                .await?,
            };
        let (id, project, role) = row.ok_or_else(|| {
            DomainError::NotFoundExplained(
                "no pending invitation matches: it may have been used, declined or have expired; ask for a new one".into(),
            )
        })?;
        Ok((id, ProjectId(project), Role::from_i16(role)?))
    }

    pub async fn accept_invitation(
        &self,
        caller: UserCaller,
        which: InvitationRef,
    ) -> DomainResult<StoredProject> {
        let mut tx = self.begin().await?;
        let (inv, project, role) = self
            .pending_invitation(&mut tx, caller.user_id, &which)
            .await?;
        lock_project(&mut tx, project).await?;
        if access::project_role(&mut tx, caller.user_id, project)
            .await?
            .is_some()
        {
            return Err(DomainError::AlreadyExists(
                "you are already a member of this project".into(),
            ));
        }
        // Spent in the same transaction as the membership: a token works once.
        sqlx::query("UPDATE invitations SET resolved_at = now() WHERE id = $1")
            .bind(inv)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, $3)")
            .bind(project.0)
            .bind(caller.user_id.0)
            .bind(role as i16)
            .execute(&mut *tx)
            .await?;
        // A share of one of this project's sessions is superseded by the membership.
        sqlx::query(
            "DELETE FROM session_shares WHERE user_id = $1 AND session_id IN (SELECT id FROM sessions WHERE project_id = $2)",
        )
        .bind(caller.user_id.0)
        .bind(project.0)
        .execute(&mut *tx)
        .await?;
        let via = match which {
            InvitationRef::Id(_) => "invitation",
            InvitationRef::TokenHash(_) => "token",
        };
        let details = serde_json::json!({ "invitation_id": inv, "role": role.name(), "via": via });
        audit::record(
            &mut tx,
            AuditEvent::by(caller, project, AuditAction::InvitationAccepted, details),
        )
        .await?;
        let joined = self.project_for(&mut tx, caller.user_id, project).await?;
        tx.commit().await?;
        Ok(joined)
    }

    pub async fn decline_invitation(&self, caller: UserCaller, id: Uuid) -> DomainResult<()> {
        let mut tx = self.begin().await?;
        let (inv, project, _) = self
            .pending_invitation(&mut tx, caller.user_id, &InvitationRef::Id(id))
            .await?;
        sqlx::query("UPDATE invitations SET resolved_at = now() WHERE id = $1")
            .bind(inv)
            .execute(&mut *tx)
            .await?;
        let details = serde_json::json!({ "invitation_id": inv });
        audit::record(
            &mut tx,
            AuditEvent::by(caller, project, AuditAction::InvitationDeclined, details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The target member's role, with the project locked; NOT_FOUND when not a member.
    async fn member_role_locked(
        &self,
        tx: &mut Tx,
        project: ProjectId,
        user: UserId,
    ) -> DomainResult<(bool, Role)> {
        let personal = lock_project(tx, project).await?;
        let role = access::project_role(tx, user, project)
            .await?
            .ok_or(DomainError::NotFound("member"))?;
        Ok((personal, role))
    }

    pub async fn change_member_role(
        &self,
        caller: UserCaller,
        project: ProjectId,
        user: UserId,
        role: Role,
    ) -> DomainResult<StoredMember> {
        let mut tx = self.begin().await?;
        require_project(&mut tx, caller.user_id, project, Role::Admin).await?;
        let (_, old) = self.member_role_locked(&mut tx, project, user).await?;
        if old == Role::Admin && role < Role::Admin && admin_count(&mut tx, project).await? <= 1 {
            return Err(DomainError::FailedPrecondition(
                "this is the project's last admin: make another member admin first".into(),
            ));
        }
        sqlx::query("UPDATE project_members SET role = $3 WHERE project_id = $1 AND user_id = $2")
            .bind(project.0)
            .bind(user.0)
            .bind(role as i16)
            .execute(&mut *tx)
            .await?;
        let email = caller_email(&mut tx, user).await?;
        let details = serde_json::json!({ "user_id": user.0, "email": email, "from": old.name(), "to": role.name() });
        audit::record(
            &mut tx,
            AuditEvent::by(caller, project, AuditAction::MemberRoleChanged, details),
        )
        .await?;
        let hint = if role < old {
            Some(FeedHint::Access {
                user_id: user,
                epoch: access::shrank(&mut tx, user).await?,
            })
        } else {
            None
        };
        tx.commit().await?;
        self.committed(hint);
        let members = self.list_members(caller.user_id, project).await?;
        members
            .into_iter()
            .find(|m| m.user_id == user)
            .ok_or(DomainError::NotFound("member"))
    }

    pub async fn remove_member(
        &self,
        caller: UserCaller,
        project: ProjectId,
        user: UserId,
    ) -> DomainResult<()> {
        let mut tx = self.begin().await?;
        require_project(&mut tx, caller.user_id, project, Role::Admin).await?;
        let (_, old) = self.member_role_locked(&mut tx, project, user).await?;
        if old == Role::Admin && admin_count(&mut tx, project).await? <= 1 {
            return Err(DomainError::FailedPrecondition(
                "this is the project's last admin and cannot be removed: make another member admin first, or delete the project".into(),
            ));
        }
        let email = caller_email(&mut tx, user).await?;
        self.drop_member(&mut tx, project, user).await?;
        let details = serde_json::json!({ "user_id": user.0, "email": email, "role": old.name() });
        audit::record(
            &mut tx,
            AuditEvent::by(caller, project, AuditAction::MemberRemoved, details),
        )
        .await?;
        let epoch = access::shrank(&mut tx, user).await?;
        tx.commit().await?;
        self.committed([FeedHint::Access {
            user_id: user,
            epoch,
        }]);
        Ok(())
    }

    pub async fn leave_project(&self, caller: UserCaller, project: ProjectId) -> DomainResult<()> {
        let mut tx = self.begin().await?;
        require_project(&mut tx, caller.user_id, project, Role::View).await?;
        let (personal, old) = self
            .member_role_locked(&mut tx, project, caller.user_id)
            .await?;
        if personal {
            return Err(DomainError::FailedPrecondition(
                "you cannot leave your personal project".into(),
            ));
        }
        if old == Role::Admin && admin_count(&mut tx, project).await? <= 1 {
            return Err(DomainError::FailedPrecondition(
                "you are the project's last admin: make another member admin first, or delete the project".into(),
            ));
        }
        self.drop_member(&mut tx, project, caller.user_id).await?;
        let details = serde_json::json!({ "role": old.name() });
        audit::record(
            &mut tx,
            AuditEvent::by(caller, project, AuditAction::MemberLeft, details),
        )
        .await?;
        let epoch = access::shrank(&mut tx, caller.user_id).await?;
        tx.commit().await?;
        self.committed([FeedHint::Access {
            user_id: caller.user_id,
            epoch,
        }]);
        Ok(())
    }

    async fn drop_member(&self, tx: &mut Tx, project: ProjectId, user: UserId) -> DomainResult<()> {
        sqlx::query("DELETE FROM project_members WHERE project_id = $1 AND user_id = $2")
            .bind(project.0)
            .bind(user.0)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Checks that the caller is an admin member of the session's project (a share never
    /// manages shares); returns the project.
    async fn share_admin(
        &self,
        tx: &mut Tx,
        caller: UserId,
        session: SessionId,
    ) -> DomainResult<ProjectId> {
        let access = access::session_access(tx, caller, session)
            .await?
            .ok_or(DomainError::NotFound("session"))?;
        match access.member_role {
            Some(Role::Admin) => Ok(access.project_id),
            Some(r) => Err(DomainError::PermissionDenied(format!(
                "sharing a session needs the admin role in its project; you have {}",
                r.name()
            ))),
            None => Err(DomainError::PermissionDenied(
                "sharing a session needs the admin role in its project; you only have it shared with you".into(),
            )),
        }
    }

    pub async fn share_session(
        &self,
        caller: UserCaller,
        session: SessionId,
        email: &str,
        level: ShareAccess,
    ) -> DomainResult<StoredShare> {
        let mut tx = self.begin().await?;
        let project = self.share_admin(&mut tx, caller.user_id, session).await?;
        let target: Option<Uuid> =
            sqlx::query_scalar("SELECT id FROM users WHERE lower(email) = lower($1)")
                .bind(email)
                .fetch_optional(&mut *tx)
                .await?;
        let target = UserId(target.ok_or_else(|| {
            DomainError::NotFoundExplained(format!(
                "no user with email {email}: sessions are shared with people who have an account"
            ))
        })?);
        if access::project_role(&mut tx, target, project)
            .await?
            .is_some()
        {
            return Err(DomainError::FailedPrecondition(format!(
                "{email} is a member of the session's project already: change their role instead"
            )));
        }
        let previous: Option<i16> = sqlx::query_scalar(
            "SELECT access FROM session_shares WHERE session_id = $1 AND user_id = $2 FOR UPDATE",
        )
        .bind(session.0)
        .bind(target.0)
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO session_shares (session_id, user_id, access, shared_by) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (session_id, user_id) DO UPDATE SET access = $3, shared_by = $4",
        )
        .bind(session.0)
        .bind(target.0)
        .bind(level as i16)
        .bind(caller.user_id.0)
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({
            "user_id": target.0,
            "email": email.to_lowercase(),
            "access": match level { ShareAccess::Read => "read", ShareAccess::Write => "write" },
            "previous": previous.map(|p| if p == ShareAccess::Write as i16 { "write" } else { "read" }),
        });
        audit::record(
            &mut tx,
            AuditEvent::by(caller, project, AuditAction::ShareGranted, details).on(session),
        )
        .await?;
        let row: ShareRow = sqlx::query_as(
            "SELECT sh.session_id, sh.user_id, u.email, sh.access, (SELECT b.email FROM users b WHERE b.id = sh.shared_by), sh.created_at \
             FROM session_shares sh JOIN users u ON u.id = sh.user_id WHERE sh.session_id = $1 AND sh.user_id = $2",
        )
        .bind(session.0)
        .bind(target.0)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        share(row)
    }

    pub async fn list_session_shares(
        &self,
        caller: UserId,
        session: SessionId,
    ) -> DomainResult<Vec<StoredShare>> {
        let mut tx = self.begin().await?;
        self.share_admin(&mut tx, caller, session).await?;
        let rows: Vec<ShareRow> = sqlx::query_as(
            "SELECT sh.session_id, sh.user_id, u.email, sh.access, (SELECT b.email FROM users b WHERE b.id = sh.shared_by), sh.created_at \
             FROM session_shares sh JOIN users u ON u.id = sh.user_id WHERE sh.session_id = $1 ORDER BY sh.created_at, u.email",
        )
        .bind(session.0)
        .fetch_all(&mut *tx)
        .await?;
        rows.into_iter().map(share).collect()
    }

    pub async fn revoke_session_share(
        &self,
        caller: UserCaller,
        session: SessionId,
        user: UserId,
    ) -> DomainResult<()> {
        let mut tx = self.begin().await?;
        let project = self.share_admin(&mut tx, caller.user_id, session).await?;
        let removed: Option<i16> = sqlx::query_scalar(
            "DELETE FROM session_shares WHERE session_id = $1 AND user_id = $2 RETURNING access",
        )
        .bind(session.0)
        .bind(user.0)
        .fetch_optional(&mut *tx)
        .await?;
        if removed.is_none() {
            // Idempotent: nothing changed, nothing to audit.
            return Ok(());
        }
        let details = serde_json::json!({ "user_id": user.0 });
        audit::record(
            &mut tx,
            AuditEvent::by(caller, project, AuditAction::ShareRevoked, details).on(session),
        )
        .await?;
        let epoch = access::shrank(&mut tx, user).await?;
        tx.commit().await?;
        self.committed([FeedHint::Access {
            user_id: user,
            epoch,
        }]);
        Ok(())
    }
}
