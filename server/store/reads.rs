//! Read queries for the dashboard and the feeds. Keyset pagination everywhere.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Store;
use super::errors::map_sqlx_error;
use super::rows::{MESSAGE_COLUMNS, MessageRow, SESSION_COLUMNS, SessionRow, messages};
use crate::domain::*;
use crate::store::access::{self, Scope};

/// Position after the last agent of a page (awaiting first, then most recent activity).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AgentCursor {
    pub awaiting: bool,
    pub activity: DateTime<Utc>,
    pub id: Uuid,
}

/// Position after the last session of a page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SessionCursor {
    pub awaiting: bool,
    pub activity: DateTime<Utc>,
    pub id: Uuid,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ApiKeyCursor {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    pub agent_id: Option<AgentId>,
    pub statuses: Vec<SessionStatus>,
}

/// Which sessions a list shows.
#[derive(Debug, Clone, Copy)]
pub enum SessionSet {
    /// A project's (the caller's membership was checked).
    Project(ProjectId),
    /// Those of other projects shared with this person.
    SharedWith(UserId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageDirection {
    Forward,
    Backward,
}

#[derive(sqlx::FromRow)]
struct AgentRow {
    id: Uuid,
    name: String,
    created_at: DateTime<Utc>,
    awaiting: bool,
    activity: DateTime<Utc>,
    last_activity: Option<DateTime<Utc>>,
    awaiting_count: i64,
    counts: Option<sqlx::types::Json<Vec<(i16, i64)>>>,
}

impl Store {
    /// A project's agents (membership checked by the caller).
    pub async fn list_agents(
        &self,
        project_id: ProjectId,
        after: Option<AgentCursor>,
        limit: i64,
    ) -> DomainResult<Page<Agent, AgentCursor>> {
        let (a_awaiting, a_activity, a_id) = match &after {
            Some(c) => (Some(c.awaiting), Some(c.activity), Some(c.id)),
            None => (None, None, None),
        };
        let rows: Vec<AgentRow> = sqlx::query_as(
            "WITH stats AS ( \
               SELECT a.id, a.name, a.created_at, \
                 count(s.id) FILTER (WHERE s.status = 2) AS awaiting_count, \
                 max(s.last_activity_at) AS last_activity, \
                 (SELECT json_agg(json_build_array(c.status, c.n)) FROM \
                    (SELECT status, count(*) AS n FROM sessions WHERE agent_id = a.id GROUP BY status ORDER BY status) c) AS counts \
               FROM agents a LEFT JOIN sessions s ON s.agent_id = a.id \
               WHERE a.project_id = $1 GROUP BY a.id), \
             keyed AS (SELECT *, awaiting_count > 0 AS awaiting, coalesce(last_activity, created_at) AS activity FROM stats) \
             SELECT id, name, created_at, awaiting, activity, last_activity, awaiting_count, counts FROM keyed \
             WHERE $2::bool IS NULL OR (awaiting, activity, id) < ($2, $3, $4) \
             ORDER BY awaiting DESC, activity DESC, id DESC LIMIT $5",
        )
        .bind(project_id.0)
        .bind(a_awaiting)
        .bind(a_activity)
        .bind(a_id)
        .bind(limit + 1)
        .fetch_all(&self.pool)
        .await?;
        let more = rows.len() as i64 > limit;
        let mut items = Vec::new();
        let mut next = None;
        for r in rows.into_iter().take(limit as usize) {
            next = Some(AgentCursor {
                awaiting: r.awaiting,
                activity: r.activity,
                id: r.id,
            });
            let mut status_counts = Vec::new();
            for (status, n) in r.counts.map(|j| j.0).unwrap_or_default() {
                status_counts.push((SessionStatus::from_i16(status)?, n as i32));
            }
            items.push(Agent {
                id: AgentId(r.id),
                name: r.name,
                status_counts,
                awaiting_input_count: r.awaiting_count as i32,
                last_activity_at: r.last_activity,
                created_at: r.created_at,
            });
        }
        Ok(Page {
            items,
            next: if more { next } else { None },
        })
    }

    pub async fn list_sessions(
        &self,
        set: SessionSet,
        filter: &SessionFilter,
        after: Option<SessionCursor>,
        limit: i64,
    ) -> DomainResult<Page<Session, SessionCursor>> {
        let (a_awaiting, a_activity, a_id) = match &after {
            Some(c) => (Some(c.awaiting), Some(c.activity), Some(c.id)),
            None => (None, None, None),
        };
        let statuses: Vec<i16> = filter.statuses.iter().map(|s| *s as i16).collect();
        // Most recently active first. The index holds the activity to the second
        // (`activity_second`, so that a step's update of its session stays HOT: migration
        // `hot_session_updates`); the exact time and the id order within a second.
        let rows: Vec<SessionRow> = sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions s JOIN agents a ON a.id = s.agent_id \
             WHERE ($8 AND s.project_id = $1 OR NOT $8 AND s.id IN (SELECT session_id FROM session_shares WHERE user_id = $1)) \
             AND ($2::uuid IS NULL OR s.agent_id = $2) \
             AND (cardinality($3::smallint[]) = 0 OR s.status = ANY($3)) \
             AND ($4::bool IS NULL OR ((s.status = 2), s.activity_second, s.last_activity_at, s.id) \
                 < ($4, date_trunc('second', $5::timestamptz AT TIME ZONE 'UTC'), $5, $6)) \
             ORDER BY (s.status = 2) DESC, s.activity_second DESC, s.last_activity_at DESC, s.id DESC LIMIT $7"
        ))
        .bind(match set {
            SessionSet::Project(p) => p.0,
            SessionSet::SharedWith(u) => u.0,
        })
        .bind(filter.agent_id.map(|a| a.0))
        .bind(&statuses)
        .bind(a_awaiting)
        .bind(a_activity)
        .bind(a_id)
        .bind(limit + 1)
        .bind(matches!(set, SessionSet::Project(_)))
        .fetch_all(&self.pool)
        .await?;
        let more = rows.len() as i64 > limit;
        let items: Vec<Session> = rows
            .into_iter()
            .take(limit as usize)
            .map(SessionRow::into_domain)
            .collect::<DomainResult<_>>()?;
        let next = if more {
            items.last().map(|s| SessionCursor {
                awaiting: s.status == SessionStatus::AwaitingInput,
                activity: s.last_activity_at,
                id: s.id.0,
            })
        } else {
            None
        };
        Ok(Page { items, next })
    }

    pub async fn open_questions(
        &self,
        scope: impl Into<Scope>,
        session_id: SessionId,
    ) -> DomainResult<Vec<Question>> {
        let project = self.resolve(scope.into(), session_id).await?;
        let rows: Vec<(sqlx::types::Json<Question>,)> = sqlx::query_as(
            "SELECT q.spec FROM questions q JOIN sessions s ON s.id = q.session_id \
             WHERE q.session_id = $1 AND s.project_id = $2 AND q.answered_at IS NULL \
             AND s.status NOT IN (4, 5, 6) ORDER BY q.seq",
        )
        .bind(session_id.0)
        .bind(project.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|r| r.0.0).collect())
    }

    /// Tool approvals not yet decided, oldest first (none once the session is terminal, like
    /// questions).
    pub async fn open_approvals(
        &self,
        scope: impl Into<Scope>,
        session_id: SessionId,
    ) -> DomainResult<Vec<ToolApproval>> {
        let project = self.resolve(scope.into(), session_id).await?;
        let rows: Vec<(sqlx::types::Json<ToolApproval>,)> = sqlx::query_as(
            "SELECT p.spec FROM approvals p JOIN sessions s ON s.id = p.session_id \
             WHERE p.session_id = $1 AND s.project_id = $2 AND p.decided_at IS NULL \
             AND s.status NOT IN (4, 5, 6) ORDER BY p.seq",
        )
        .bind(session_id.0)
        .bind(project.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|r| r.0.0).collect())
    }

    /// A page of messages of a session the caller owns. `from` is exclusive: FORWARD reads
    /// seq > from, BACKWARD reads seq < from (None = from the newest).
    pub async fn list_messages(
        &self,
        scope: impl Into<Scope>,
        session_id: SessionId,
        direction: MessageDirection,
        from: Option<i64>,
        limit: i64,
    ) -> DomainResult<Page<Message, i64>> {
        let project = self.resolve(scope.into(), session_id).await?;
        let owned: Option<i64> =
            sqlx::query_scalar("SELECT last_seq FROM sessions WHERE id = $1 AND project_id = $2")
                .bind(session_id.0)
                .bind(project.0)
                .fetch_optional(&self.pool)
                .await?;
        owned.ok_or(DomainError::NotFound("session"))?;
        let sql = match direction {
            MessageDirection::Forward => format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
            ),
            MessageDirection::Backward => format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3"
            ),
        };
        let from = from.unwrap_or(match direction {
            MessageDirection::Forward => 0,
            MessageDirection::Backward => i64::MAX,
        });
        let rows: Vec<MessageRow> = sqlx::query_as(&sql)
            .bind(session_id.0)
            .bind(from)
            .bind(limit + 1)
            .fetch_all(&self.pool)
            .await?;
        let more = rows.len() as i64 > limit;
        let items = messages(rows.into_iter().take(limit as usize).collect())?;
        let next = if more {
            items.last().map(|m| m.seq)
        } else {
            None
        };
        Ok(Page { items, next })
    }

    /// Messages after `after_seq`, oldest first, for the feeds (ownership is checked when the
    /// stream opens).
    pub async fn messages_after(
        &self,
        session_id: SessionId,
        after_seq: i64,
        limit: i64,
    ) -> DomainResult<Vec<Message>> {
        // On a kept connection (see `kept`): every new message a session's watchers have not
        // seen yet is read once, right after its commit, while they wait for it.
        let mut conn = self.kept.take(&self.pool).await?;
        let rows: Result<Vec<MessageRow>, sqlx::Error> = sqlx::query_as(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
        ))
        .bind(session_id.0)
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await;
        conn.finished(&rows);
        messages(rows?)
    }

    /// The session's newest sequence number, or None if the session is gone.
    pub async fn session_high_water(&self, session_id: SessionId) -> DomainResult<Option<i64>> {
        sqlx::query_scalar("SELECT last_seq FROM sessions WHERE id = $1")
            .bind(session_id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx_error)
    }

    /// The high-water marks of many sessions in one round trip (a feed resync); deleted
    /// sessions are missing from the answer.
    pub async fn session_high_waters(
        &self,
        session_ids: &[SessionId],
    ) -> DomainResult<Vec<(SessionId, i64)>> {
        let ids: Vec<uuid::Uuid> = session_ids.iter().map(|s| s.0).collect();
        let rows: Vec<(uuid::Uuid, i64)> =
            sqlx::query_as("SELECT id, last_seq FROM sessions WHERE id = ANY($1)")
                .bind(&ids)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, seq)| (SessionId(id), seq))
            .collect())
    }

    pub async fn get_diff(
        &self,
        scope: impl Into<Scope>,
        session_id: SessionId,
    ) -> DomainResult<(String, Option<DiffSummary>)> {
        let project = self.resolve(scope.into(), session_id).await?;
        // One read, so the text and its summary always belong to the same report (and a
        // session deleted meanwhile is NOT_FOUND, not an internal error).
        type DiffRow = (Option<String>, i32, i32, i32, Option<DateTime<Utc>>);
        let row: Option<DiffRow> = sqlx::query_as(
            "SELECT diff, diff_files, diff_additions, diff_deletions, diff_updated_at \
             FROM sessions WHERE id = $1 AND project_id = $2",
        )
        .bind(session_id.0)
        .bind(project.0)
        .fetch_optional(&self.pool)
        .await?;
        let (diff, files_changed, additions, deletions, updated_at) =
            row.ok_or(DomainError::NotFound("session"))?;
        let summary = updated_at.map(|updated_at| DiffSummary {
            files_changed,
            additions,
            deletions,
            updated_at,
        });
        Ok((diff.unwrap_or_default(), summary))
    }
}

/// Reads of one session that the write paths and the handlers share.
impl Store {
    /// The question's answer, if any (`Ok(None)` while open).
    pub async fn question_answer(
        &self,
        scope: impl Into<Scope>,
        session_id: SessionId,
        question_id: QuestionId,
    ) -> DomainResult<(Option<Answer>, SessionStatus)> {
        let project = self.resolve(scope.into(), session_id).await?;
        let row: Option<(Option<sqlx::types::Json<Answer>>, i16)> = sqlx::query_as(
            "SELECT q.answer, s.status FROM questions q JOIN sessions s ON s.id = q.session_id \
             WHERE q.id = $1 AND q.session_id = $2 AND s.project_id = $3",
        )
        .bind(question_id.0)
        .bind(session_id.0)
        .bind(project.0)
        .fetch_optional(&self.pool)
        .await?;
        let (answer, status) = row.ok_or(DomainError::NotFound("question"))?;
        Ok((answer.map(|a| a.0), SessionStatus::from_i16(status)?))
    }

    /// The approval's decision, if any (`Ok(None)` while open).
    pub async fn approval_result(
        &self,
        scope: impl Into<Scope>,
        session_id: SessionId,
        approval_id: ApprovalId,
    ) -> DomainResult<(Option<ApprovalResult>, SessionStatus)> {
        let project = self.resolve(scope.into(), session_id).await?;
        let row: Option<(Option<sqlx::types::Json<ApprovalResult>>, i16)> = sqlx::query_as(
            "SELECT p.result, s.status FROM approvals p JOIN sessions s ON s.id = p.session_id \
             WHERE p.id = $1 AND p.session_id = $2 AND s.project_id = $3",
        )
        .bind(approval_id.0)
        .bind(session_id.0)
        .bind(project.0)
        .fetch_optional(&self.pool)
        .await?;
        let (result, status) = row.ok_or(DomainError::NotFound("approval"))?;
        Ok((result.map(|r| r.0), SessionStatus::from_i16(status)?))
    }

    /// The person's effective role on a session (see `store::access`): NOT_FOUND when it is
    /// invisible to them, so clients can hide what the server would refuse.
    pub async fn session_role(&self, user_id: UserId, session_id: SessionId) -> DomainResult<Role> {
        let mut conn = self.pool.acquire().await?;
        access::session_access(&mut conn, user_id, session_id)
            .await?
            .and_then(|a| a.effective())
            .ok_or(DomainError::NotFound("session"))
    }

    pub async fn get_session(
        &self,
        scope: impl Into<Scope>,
        session_id: SessionId,
    ) -> DomainResult<Session> {
        let project = self.resolve(scope.into(), session_id).await?;
        let row: Option<SessionRow> = sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions s JOIN agents a ON a.id = s.agent_id WHERE s.id = $1 AND s.project_id = $2"
        ))
        .bind(session_id.0)
        .bind(project.0)
        .fetch_optional(&self.pool)
        .await?;
        row.ok_or(DomainError::NotFound("session"))?.into_domain()
    }
}

impl Store {
    /// The session's project for `scope`: checks a person's role (see `store::access`).
    pub(in crate::store) async fn resolve(
        &self,
        scope: Scope,
        session_id: SessionId,
    ) -> DomainResult<ProjectId> {
        match scope {
            Scope::Project(p) => Ok(p),
            Scope::Person { .. } => {
                let mut conn = self.pool.acquire().await?;
                access::resolve(&mut conn, scope, session_id).await
            }
        }
    }
}
