//! The per-project inbox: home-screen events with a gapless per-project cursor (the cursor
//! lives on the project row; a personal project's is the user's pre-projects cursor).

use super::sessions::Tx;

use super::Store;
use super::errors::map_sqlx_error;
use crate::domain::*;

/// Appends `event` to the user's inbox under the next cursor, which it returns. One statement:
/// the cursor comes from the user row's UPDATE (its lock is held to commit, so cursors are
/// gapless and in commit order) and is written into the row and into the stored body.
pub(super) async fn append(
    tx: &mut Tx,
    project_id: ProjectId,
    event: &InboxEvent,
) -> DomainResult<i64> {
    sqlx::query_scalar(
        "WITH c AS (UPDATE projects SET inbox_cursor = inbox_cursor + 1 WHERE id = $1 RETURNING inbox_cursor) \
         INSERT INTO inbox_events (project_id, cursor, kind, session_id, body, created_at) \
         SELECT $1, c.inbox_cursor, $2, $3, jsonb_set($4::jsonb, '{cursor}', to_jsonb(c.inbox_cursor)), $5 FROM c \
         RETURNING cursor",
    )
    .bind(project_id.0)
    .bind(event.kind as i16)
    .bind(event.session_id.0)
    .bind(sqlx::types::Json(event))
    .bind(event.created_at)
    .fetch_one(&mut **tx)
    .await
    .map_err(map_sqlx_error)
}

impl Store {
    /// Inbox events with a cursor greater than `after`, oldest first.
    pub async fn inbox_after(
        &self,
        project_id: ProjectId,
        after: i64,
        limit: i64,
    ) -> DomainResult<Vec<InboxEvent>> {
        let rows: Vec<(sqlx::types::Json<InboxEvent>,)> = sqlx::query_as(
            "SELECT body FROM inbox_events WHERE project_id = $1 AND cursor > $2 ORDER BY cursor LIMIT $3",
        )
        .bind(project_id.0)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|r| r.0.0).collect())
    }

    /// The project's newest inbox cursor.
    pub async fn inbox_high_water(&self, project_id: ProjectId) -> DomainResult<i64> {
        sqlx::query_scalar("SELECT inbox_cursor FROM projects WHERE id = $1")
            .bind(project_id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx_error)
            .map(|c| c.unwrap_or(0))
    }

    /// The inbox cursors of many projects in one round trip (a feed resync).
    pub async fn inbox_high_waters(
        &self,
        project_ids: &[ProjectId],
    ) -> DomainResult<Vec<(ProjectId, i64)>> {
        let ids: Vec<uuid::Uuid> = project_ids.iter().map(|u| u.0).collect();
        let rows: Vec<(uuid::Uuid, i64)> =
            sqlx::query_as("SELECT id, inbox_cursor FROM projects WHERE id = ANY($1)")
                .bind(&ids)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(id, c)| (ProjectId(id), c)).collect())
    }

    /// The access epochs of many users in one round trip (a feed resync).
    pub async fn access_epochs(&self, user_ids: &[UserId]) -> DomainResult<Vec<(UserId, i64)>> {
        let ids: Vec<uuid::Uuid> = user_ids.iter().map(|u| u.0).collect();
        let rows: Vec<(uuid::Uuid, i64)> =
            sqlx::query_as("SELECT id, access_epoch FROM users WHERE id = ANY($1)")
                .bind(&ids)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(id, c)| (UserId(id), c)).collect())
    }
}
