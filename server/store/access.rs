//! The one place that decides what a person may do with a session or a project.
//!
//! A person's effective role on a session is the higher of their membership role in the
//! session's project and their share of that session (READ = view, WRITE = edit). No role at all
//! means the session is invisible: NOT_FOUND, exactly like an id that does not exist. A visible
//! session with too low a role is PERMISSION_DENIED naming the role needed. Agents (API keys) and
//! the server's own sweeps act in one project: `Scope::Project`.
//!
//! Every write locks its session through `Locked::lock(tx, scope, id)`, which calls
//! [`require`] in the same transaction, so a new write path gets these rules by passing
//! `Scope::person(caller.user_id, Role::Edit)`.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::*;

/// On whose behalf a session is read or written.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    /// An agent key's project, or the server itself (sweeps): the session must be in it.
    Project(ProjectId),
    /// A person, who needs at least `needs` on the session.
    Person { user_id: UserId, needs: Role },
}

impl Scope {
    pub fn person(user_id: UserId, needs: Role) -> Scope {
        Scope::Person { user_id, needs }
    }
}

impl From<ProjectId> for Scope {
    fn from(p: ProjectId) -> Scope {
        Scope::Project(p)
    }
}

/// What a person may do with a session.
#[derive(Debug, Clone, Copy)]
pub struct SessionAccess {
    pub project_id: ProjectId,
    /// From membership; `None` for an outsider with a share.
    pub member_role: Option<Role>,
    pub share: Option<ShareAccess>,
}

impl SessionAccess {
    pub fn effective(&self) -> Option<Role> {
        self.member_role.max(self.share.map(ShareAccess::as_role))
    }
}

/// The caller's access to a session, or None when it is invisible to them (or does not exist).
pub async fn session_access(
    conn: &mut PgConnection,
    user_id: UserId,
    session_id: SessionId,
) -> DomainResult<Option<SessionAccess>> {
    let row: Option<(Uuid, Option<i16>, Option<i16>)> = sqlx::query_as(
        "SELECT s.project_id, \
         (SELECT m.role FROM project_members m WHERE m.project_id = s.project_id AND m.user_id = $2), \
         (SELECT sh.access FROM session_shares sh WHERE sh.session_id = s.id AND sh.user_id = $2) \
         FROM sessions s WHERE s.id = $1",
    )
    .bind(session_id.0)
    .bind(user_id.0)
    .fetch_optional(conn)
    .await?;
    let Some((project, role, share)) = row else {
        return Ok(None);
    };
    let access = SessionAccess {
        project_id: ProjectId(project),
        member_role: role.map(Role::from_i16).transpose()?,
        share: share.map(ShareAccess::from_i16).transpose()?,
    };
    Ok(access.effective().is_some().then_some(access))
}

/// The session's project if the person has at least `needs` on it.
pub async fn require(
    conn: &mut PgConnection,
    user_id: UserId,
    session_id: SessionId,
    needs: Role,
) -> DomainResult<ProjectId> {
    let access = session_access(conn, user_id, session_id)
        .await?
        .ok_or(DomainError::NotFound("session"))?;
    let have = access.effective().expect("visible means some role");
    if have < needs {
        return Err(DomainError::PermissionDenied(format!(
            "this needs the {} role on the session's project; you have {}{}",
            needs.name(),
            have.name(),
            if access.member_role.is_none() {
                " (through a session share)"
            } else {
                ""
            }
        )));
    }
    Ok(access.project_id)
}

/// The session's project for `scope`, checked (see [`require`]).
pub async fn resolve(
    conn: &mut PgConnection,
    scope: Scope,
    session_id: SessionId,
) -> DomainResult<ProjectId> {
    match scope {
        Scope::Project(p) => Ok(p),
        Scope::Person { user_id, needs } => require(conn, user_id, session_id, needs).await,
    }
}

/// The person's role in a project, None when not a member.
pub async fn project_role(
    conn: &mut PgConnection,
    user_id: UserId,
    project_id: ProjectId,
) -> DomainResult<Option<Role>> {
    let role: Option<i16> = sqlx::query_scalar(
        "SELECT role FROM project_members WHERE project_id = $1 AND user_id = $2",
    )
    .bind(project_id.0)
    .bind(user_id.0)
    .fetch_optional(conn)
    .await?;
    role.map(Role::from_i16).transpose()
}

/// Checks that the person has at least `needs` in the project: a non-member gets NOT_FOUND (the
/// project is invisible to them), a member with a lower role PERMISSION_DENIED.
pub async fn require_project(
    conn: &mut PgConnection,
    user_id: UserId,
    project_id: ProjectId,
    needs: Role,
) -> DomainResult<Role> {
    let have = project_role(conn, user_id, project_id)
        .await?
        .ok_or(DomainError::NotFound("project"))?;
    if have < needs {
        return Err(DomainError::PermissionDenied(format!(
            "this needs the {} role in the project; you have {}",
            needs.name(),
            have.name()
        )));
    }
    Ok(have)
}

/// Records that a user's access shrank (removed, demoted, share revoked, project deleted): bumps
/// their access epoch in the same transaction. After commit, the caller hands the feeds a
/// `FeedHint::Access` with the returned epoch, and every open watch of that user re-checks.
pub async fn shrank(conn: &mut PgConnection, user_id: UserId) -> DomainResult<i64> {
    let epoch: i64 = sqlx::query_scalar(
        "UPDATE users SET access_epoch = access_epoch + 1 WHERE id = $1 RETURNING access_epoch",
    )
    .bind(user_id.0)
    .fetch_one(conn)
    .await?;
    Ok(epoch)
}

/// Who makes a person-side decision: a person (checked, audited) or the server itself for a
/// project's session (a question's deadline answering with its default: not audited, no
/// person decided).
#[derive(Debug, Clone, Copy)]
pub enum Actor {
    Person(UserCaller),
    System(ProjectId),
}

impl Actor {
    pub fn scope(self, needs: Role) -> Scope {
        match self {
            Actor::Person(c) => Scope::person(c.user_id, needs),
            Actor::System(p) => Scope::Project(p),
        }
    }

    pub fn sender(self) -> Sender {
        match self {
            Actor::Person(_) => Sender::User,
            Actor::System(_) => Sender::System,
        }
    }
}
