//! The append-only audit trail. [`record`] is called inside the transaction of the action it
//! records, so an action and its audit row commit together or not at all (and a refused action,
//! which returns before committing, leaves none).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Store;
use super::sessions::Tx;
use crate::domain::*;

/// One audited action.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub actor: UserId,
    pub project_id: ProjectId,
    pub session_id: Option<SessionId>,
    pub action: AuditAction,
    pub channel: AuditChannel,
    /// What was decided (the answer, the old and new role, ...).
    pub details: serde_json::Value,
}

impl AuditEvent {
    /// An action of `caller` in `project_id`.
    pub fn by(
        caller: UserCaller,
        project_id: ProjectId,
        action: AuditAction,
        details: serde_json::Value,
    ) -> AuditEvent {
        AuditEvent {
            actor: caller.user_id,
            project_id,
            session_id: None,
            action,
            channel: caller.channel,
            details,
        }
    }

    pub fn on(mut self, session_id: SessionId) -> AuditEvent {
        self.session_id = Some(session_id);
        self
    }
}

/// Appends the event in the action's own transaction.
pub(in crate::store) async fn record(tx: &mut Tx, event: AuditEvent) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO audit_events (id, actor_id, project_id, session_id, action, channel, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(Uuid::new_v4())
    .bind(event.actor.0)
    .bind(event.project_id.0)
    .bind(event.session_id.map(|s| s.0))
    .bind(event.action as i16)
    .bind(event.channel as i16)
    .bind(sqlx::types::Json(&event.details))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A stored audit event.
#[derive(Debug, Clone)]
pub struct StoredAuditEvent {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub actor: UserId,
    pub actor_email: String,
    pub project_id: ProjectId,
    pub session_id: Option<SessionId>,
    pub action: AuditAction,
    pub channel: AuditChannel,
    pub details: serde_json::Value,
}

/// Position after the last event of a page (newest first).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuditCursor {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub project_id: Option<ProjectId>,
    pub session_id: Option<SessionId>,
    pub actor: Option<UserId>,
    pub actions: Vec<AuditAction>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

type AuditRow = (
    Uuid,
    DateTime<Utc>,
    Uuid,
    Option<String>,
    Uuid,
    Option<Uuid>,
    i16,
    i16,
    sqlx::types::Json<serde_json::Value>,
);

impl Store {
    /// Audit events the caller may see, newest first: with a project, all of the project's
    /// for its admins and their own for anyone else who is a member; without one, the caller's
    /// own actions everywhere.
    pub async fn list_audit_events(
        &self,
        caller: UserId,
        filter: &AuditFilter,
        after: Option<AuditCursor>,
        limit: i64,
    ) -> DomainResult<Page<StoredAuditEvent, AuditCursor>> {
        let mut conn = self.pool().acquire().await?;
        let only_own = match filter.project_id {
            Some(p) => {
                let role = super::access::require_project(&mut conn, caller, p, Role::View).await?;
                role < Role::Admin
            }
            None => true,
        };
        let actions: Vec<i16> = filter.actions.iter().map(|a| *a as i16).collect();
        let (a_time, a_id) = match after {
            Some(c) => (Some(c.created_at), Some(c.id)),
            None => (None, None),
        };
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT e.id, e.created_at, e.actor_id, u.email, e.project_id, e.session_id, e.action, e.channel, e.details \
             FROM audit_events e LEFT JOIN users u ON u.id = e.actor_id \
             WHERE ($1::uuid IS NULL OR e.project_id = $1) \
             AND (NOT $2 OR e.actor_id = $3) \
             AND ($4::uuid IS NULL OR e.session_id = $4) \
             AND ($5::uuid IS NULL OR e.actor_id = $5) \
             AND (cardinality($6::smallint[]) = 0 OR e.action = ANY($6)) \
             AND ($7::timestamptz IS NULL OR e.created_at >= $7) \
             AND ($8::timestamptz IS NULL OR e.created_at < $8) \
             AND ($9::timestamptz IS NULL OR (e.created_at, e.id) < ($9, $10)) \
             ORDER BY e.created_at DESC, e.id DESC LIMIT $11",
        )
        .bind(filter.project_id.map(|p| p.0))
        .bind(only_own)
        .bind(caller.0)
        .bind(filter.session_id.map(|s| s.0))
        .bind(filter.actor.map(|a| a.0))
        .bind(&actions)
        .bind(filter.from)
        .bind(filter.until)
        .bind(a_time)
        .bind(a_id)
        .bind(limit + 1)
        .fetch_all(&mut *conn)
        .await?;
        let more = rows.len() as i64 > limit;
        let mut items = Vec::new();
        for (id, created_at, actor, email, project, session, action, channel, details) in
            rows.into_iter().take(limit as usize)
        {
            items.push(StoredAuditEvent {
                id,
                created_at,
                actor: UserId(actor),
                actor_email: email.unwrap_or_default(),
                project_id: ProjectId(project),
                session_id: session.map(SessionId),
                action: AuditAction::from_i16(action)?,
                channel: AuditChannel::from_i16(channel)?,
                details: details.0,
            });
        }
        let next = if more {
            items.last().map(|e| AuditCursor {
                created_at: e.created_at,
                id: e.id,
            })
        } else {
            None
        };
        Ok(Page { items, next })
    }
}
