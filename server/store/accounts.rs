//! Users, refresh tokens and API keys. Secrets arrive here already hashed.

use std::time::Duration;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::errors::{is_unique_violation, map_sqlx_error};
use super::rows::{API_KEY_COLUMNS, ApiKeyRow, UserRow};
use super::{ApiKeyCursor, Store};
use crate::domain::*;
use crate::store::access::{self, require_project};
use crate::store::audit::{self, AuditEvent};

/// What the auth layer learns from an API key hash.
#[derive(Debug, Clone)]
pub enum ApiKeyAuth {
    Valid {
        key_id: ApiKeyId,
        user_id: UserId,
        project_id: ProjectId,
        last_used_at: Option<DateTime<Utc>>,
        /// A launch's agent key acts on this session only.
        session_id: Option<SessionId>,
        expires_at: Option<DateTime<Utc>>,
    },
    Unknown,
    Revoked,
    Expired,
}

pub struct NewApiKey {
    pub name: String,
    pub prefix: String,
    pub hash: Vec<u8>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Result of presenting a refresh token.
#[derive(Debug)]
pub enum RefreshOutcome {
    Rotated {
        user: User,
        family_id: Uuid,
    },
    /// Unknown, expired or revoked.
    Invalid,
    /// Already rotated once: probably stolen; the whole family is now revoked.
    Reused,
}

#[derive(sqlx::FromRow)]
struct RefreshRow {
    user_id: Uuid,
    family_id: Uuid,
    expires_at: DateTime<Utc>,
    rotated_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    within_grace: Option<bool>,
}

#[derive(sqlx::FromRow)]
struct KeyAuthRow {
    id: Uuid,
    user_id: Uuid,
    project_id: Uuid,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    session_id: Option<Uuid>,
    /// A session-bound key stops working when its session ends (it is also revoked then).
    session_ended: bool,
}

impl Store {
    pub async fn create_user(
        &self,
        email: &str,
        display_name: &str,
        password_hash: &str,
    ) -> DomainResult<User> {
        let mut tx = self.begin().await?;
        let user = insert_user(&mut tx, email, display_name, Some(password_hash)).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// The user and their password hash, for login (none: the person signs in only through
    /// an OIDC issuer).
    pub async fn user_credentials(
        &self,
        email: &str,
    ) -> DomainResult<Option<(User, Option<String>)>> {
        #[derive(sqlx::FromRow)]
        struct Credentials {
            #[sqlx(flatten)]
            user: UserRow,
            password_hash: Option<String>,
        }
        let row: Option<Credentials> = sqlx::query_as(
            "SELECT id, email, display_name, created_at, password_hash FROM users WHERE lower(email) = lower($1)",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| (r.user.into(), r.password_hash)))
    }

    pub async fn user_id_by_email(&self, email: &str) -> DomainResult<UserId> {
        let id: Option<Uuid> =
            sqlx::query_scalar("SELECT id FROM users WHERE lower(email) = lower($1)")
                .bind(email)
                .fetch_optional(&self.pool)
                .await?;
        id.map(UserId).ok_or(DomainError::NotFound("user"))
    }

    pub async fn insert_refresh_token(
        &self,
        user_id: UserId,
        family_id: Uuid,
        hash: &[u8],
        expires_at: DateTime<Utc>,
    ) -> DomainResult<()> {
        sqlx::query("INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(Uuid::new_v4())
            .bind(user_id.0)
            .bind(family_id)
            .bind(hash)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Marks the presented token rotated (once) and reports whose it was. Presented again
    /// within `reuse_grace` of its rotation, while no token it was exchanged for has been used
    /// (the answer to the first presentation was lost, say to a browser navigating away), it is
    /// rotated once more; otherwise it was probably stolen and the whole family is revoked. The
    /// caller then issues the family's next token.
    pub async fn rotate_refresh_token(
        &self,
        hash: &[u8],
        reuse_grace: Duration,
    ) -> DomainResult<RefreshOutcome> {
        let mut tx = self.begin().await?;
        // The database's clock judges the grace, as it stamped `rotated_at`. A successor that
        // has itself been exchanged shows the first answer did arrive: then it is theft.
        let row: Option<RefreshRow> = sqlx::query_as(
            "SELECT user_id, family_id, expires_at, rotated_at, revoked_at, \
             rotated_at > now() - make_interval(secs => $2) AND NOT EXISTS ( \
               SELECT 1 FROM refresh_tokens s WHERE s.family_id = t.family_id AND s.id <> t.id \
               AND s.created_at >= t.rotated_at AND s.rotated_at IS NOT NULL) AS within_grace \
             FROM refresh_tokens t WHERE token_hash = $1 FOR UPDATE",
        )
        .bind(hash)
        .bind(reuse_grace.as_secs_f64())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(RefreshRow {
            user_id,
            family_id,
            expires_at,
            rotated_at,
            revoked_at,
            within_grace,
        }) = row
        else {
            return Ok(RefreshOutcome::Invalid);
        };
        let live = revoked_at.is_none() && expires_at > Utc::now();
        if rotated_at.is_some() && live && within_grace == Some(true) {
            // `rotated_at` stays: the grace runs from the first rotation, not the latest.
            tracing::info!(%family_id, "a refresh token was presented again within its reuse grace; rotated once more");
        } else if rotated_at.is_some() {
            sqlx::query("UPDATE refresh_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE family_id = $1")
                .bind(family_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(RefreshOutcome::Reused);
        }
        if !live {
            return Ok(RefreshOutcome::Invalid);
        }
        sqlx::query("UPDATE refresh_tokens SET rotated_at = coalesce(rotated_at, now()) WHERE token_hash = $1")
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        let user: UserRow =
            sqlx::query_as("SELECT id, email, display_name, created_at FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(RefreshOutcome::Rotated {
            user: user.into(),
            family_id,
        })
    }

    /// Revokes the family the token belongs to (logout). Unknown tokens are ignored.
    pub async fn revoke_refresh_family(&self, hash: &[u8]) -> DomainResult<()> {
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = coalesce(revoked_at, now()) \
             WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1)",
        )
        .bind(hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Creates a key of `project_id` (the caller needs admin there) unless the project already
    /// has `max_active` active keys.
    pub async fn create_api_key(
        &self,
        caller: UserCaller,
        project_id: ProjectId,
        key: NewApiKey,
        max_active: i64,
    ) -> DomainResult<ApiKey> {
        let mut tx = self.begin().await?;
        require_project(&mut tx, caller.user_id, project_id, Role::Admin).await?;
        // Serialise key creation per project so the cap holds under concurrency.
        sqlx::query("SELECT 1 FROM projects WHERE id = $1 FOR UPDATE")
            .bind(project_id.0)
            .execute(&mut *tx)
            .await?;
        let active: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM api_keys WHERE project_id = $1 AND revoked_at IS NULL AND session_id IS NULL \
             AND (expires_at IS NULL OR expires_at > now())",
        )
        .bind(project_id.0)
        .fetch_one(&mut *tx)
        .await?;
        if active >= max_active {
            return Err(DomainError::ResourceExhausted {
                message: format!(
                    "the project has {active} active API keys, the limit is {max_active}: revoke one first"
                ),
                retry_after: None,
            });
        }
        let row: ApiKeyRow = sqlx::query_as(&format!(
            "INSERT INTO api_keys AS k (id, user_id, project_id, name, prefix, key_hash, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {API_KEY_COLUMNS}"
        ))
        .bind(Uuid::new_v4())
        .bind(caller.user_id.0)
        .bind(project_id.0)
        .bind(&key.name)
        .bind(&key.prefix)
        .bind(&key.hash)
        .bind(key.expires_at)
        .fetch_one(&mut *tx)
        .await?;
        let details =
            serde_json::json!({ "api_key_id": row.id, "name": row.name, "prefix": row.prefix });
        let event = AuditEvent::by(caller, project_id, AuditAction::ApiKeyCreated, details);
        audit::record(&mut tx, event).await?;
        tx.commit().await?;
        Ok(row.into())
    }

    /// A project's keys (the caller needs admin there).
    pub async fn list_api_keys(
        &self,
        caller: UserId,
        project_id: ProjectId,
        include_revoked: bool,
        after: Option<ApiKeyCursor>,
        limit: i64,
    ) -> DomainResult<Page<ApiKey, ApiKeyCursor>> {
        let mut conn = self.pool.acquire().await?;
        require_project(&mut conn, caller, project_id, Role::Admin).await?;
        let (after_time, after_id) = match after {
            Some(c) => (Some(c.created_at), Some(c.id)),
            None => (None, None),
        };
        let rows: Vec<ApiKeyRow> = sqlx::query_as(&format!(
            "SELECT {API_KEY_COLUMNS} FROM api_keys k WHERE k.project_id = $1 AND k.session_id IS NULL AND ($2 OR k.revoked_at IS NULL) \
             AND ($3::timestamptz IS NULL OR (k.created_at, k.id) < ($3, $4)) \
             ORDER BY k.created_at DESC, k.id DESC LIMIT $5"
        ))
        .bind(project_id.0)
        .bind(include_revoked)
        .bind(after_time)
        .bind(after_id)
        .bind(limit + 1)
        .fetch_all(&mut *conn)
        .await?;
        let mut items: Vec<ApiKey> = rows.into_iter().map(Into::into).collect();
        let next = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|k| ApiKeyCursor {
                created_at: k.created_at,
                id: k.id.0,
            })
        } else {
            None
        };
        Ok(Page { items, next })
    }

    /// Revokes a key (admin of its project; a key of a project the caller is not a member of is
    /// NOT_FOUND). Idempotent; only the first revocation is audited.
    pub async fn revoke_api_key(
        &self,
        caller: UserCaller,
        key_id: ApiKeyId,
    ) -> DomainResult<ApiKey> {
        let mut tx = self.begin().await?;
        let found: Option<(Uuid, bool)> = sqlx::query_as(
            "SELECT project_id, revoked_at IS NOT NULL FROM api_keys WHERE id = $1 FOR UPDATE",
        )
        .bind(key_id.0)
        .fetch_optional(&mut *tx)
        .await?;
        let (project, already) = found.ok_or(DomainError::NotFound("API key"))?;
        let project = ProjectId(project);
        match access::project_role(&mut tx, caller.user_id, project).await? {
            None => return Err(DomainError::NotFound("API key")),
            Some(r) if r < Role::Admin => {
                return Err(DomainError::PermissionDenied(format!(
                    "revoking an API key needs the admin role in its project; you have {}",
                    r.name()
                )));
            }
            Some(_) => {}
        }
        let row: ApiKeyRow = sqlx::query_as(&format!(
            "UPDATE api_keys AS k SET revoked_at = coalesce(k.revoked_at, now()) WHERE k.id = $1 \
             RETURNING {API_KEY_COLUMNS}"
        ))
        .bind(key_id.0)
        .fetch_one(&mut *tx)
        .await?;
        if !already {
            let details =
                serde_json::json!({ "api_key_id": row.id, "name": row.name, "prefix": row.prefix });
            let event = AuditEvent::by(caller, project, AuditAction::ApiKeyRevoked, details);
            audit::record(&mut tx, event).await?;
        }
        tx.commit().await?;
        Ok(row.into())
    }

    /// Looks a key up by its hash. Checked on every call, so a revocation applies at once.
    pub async fn authenticate_api_key(&self, hash: &[u8]) -> DomainResult<ApiKeyAuth> {
        let row: Option<KeyAuthRow> =
            sqlx::query_as("SELECT k.id, k.user_id, k.project_id, k.expires_at, k.revoked_at, k.last_used_at, k.session_id, \
                 COALESCE(s.status IN (4, 5, 6), false) AS session_ended \
                 FROM api_keys k LEFT JOIN sessions s ON s.id = k.session_id WHERE k.key_hash = $1")
                .bind(hash)
                .fetch_optional(&self.pool)
                .await?;
        Ok(match row {
            None => ApiKeyAuth::Unknown,
            Some(KeyAuthRow {
                revoked_at: Some(_),
                ..
            })
            | Some(KeyAuthRow {
                session_ended: true,
                ..
            }) => ApiKeyAuth::Revoked,
            Some(KeyAuthRow {
                expires_at: Some(exp),
                ..
            }) if exp <= Utc::now() => ApiKeyAuth::Expired,
            Some(KeyAuthRow {
                id,
                user_id,
                project_id,
                last_used_at,
                session_id,
                expires_at,
                ..
            }) => ApiKeyAuth::Valid {
                key_id: ApiKeyId(id),
                user_id: UserId(user_id),
                project_id: ProjectId(project_id),
                last_used_at,
                session_id: session_id.map(SessionId),
                expires_at,
            },
        })
    }

    /// Checks again that a key taken from a process's cache is still good (revoked, expired
    /// or its session ended since are refused, with the same messages as a lookup).
    pub async fn confirm_api_key(&self, key_id: ApiKeyId) -> DomainResult<()> {
        /// revoked_at, expires_at, whether its session ended.
        type KeyState = (Option<DateTime<Utc>>, Option<DateTime<Utc>>, bool);
        let row: Option<KeyState> = sqlx::query_as(
            "SELECT k.revoked_at, k.expires_at, COALESCE(s.status IN (4, 5, 6), false) \
             FROM api_keys k LEFT JOIN sessions s ON s.id = k.session_id WHERE k.id = $1",
        )
        .bind(key_id.0)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            None => Err(DomainError::Unauthenticated("unknown API key".into())),
            Some((Some(_), _, _)) | Some((_, _, true)) => Err(DomainError::Unauthenticated(
                "this API key was revoked".into(),
            )),
            Some((None, Some(exp), false)) if exp <= Utc::now() => Err(
                DomainError::Unauthenticated("this API key has expired".into()),
            ),
            Some(_) => Ok(()),
        }
    }

    pub async fn touch_api_key(&self, key_id: ApiKeyId) -> DomainResult<()> {
        sqlx::query("UPDATE api_keys SET last_used_at = now() WHERE id = $1")
            .bind(key_id.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// A new user and their personal project (id = user id, see the projects migration), in the
/// caller's transaction: every path that creates an account goes through here. No password
/// hash: the person signs in through an OIDC issuer only.
pub(super) async fn insert_user(
    tx: &mut sqlx::PgConnection,
    email: &str,
    display_name: &str,
    password_hash: Option<&str>,
) -> DomainResult<User> {
    let row = sqlx::query_as::<_, UserRow>(
        "INSERT INTO users (id, email, display_name, password_hash) VALUES ($1, lower($2), $3, $4) \
         RETURNING id, email, display_name, created_at",
    )
    .bind(Uuid::new_v4())
    .bind(email)
    .bind(display_name)
    .bind(password_hash)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e, "users_email_lower_key") {
            DomainError::AlreadyExists(format!("a user with email {email} already exists"))
        } else {
            map_sqlx_error(e)
        }
    })?;
    sqlx::query(
        "WITH p AS (INSERT INTO projects (id, name, personal_of) VALUES ($1, 'Personal', $1) RETURNING id) \
         INSERT INTO project_members (project_id, user_id, role) SELECT id, id, 3 FROM p",
    )
    .bind(row.id)
    .execute(&mut *tx)
    .await?;
    Ok(row.into())
}
