//! A person's sign-in history (`sign_in_events`): what `auth::sign_in` and the OIDC callback
//! record, and what the person reads back. Recording is best effort for the caller (a sign-in
//! does not fail because its history row could not be written); see `auth::sign_in::audit`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Store;
use crate::domain::{DomainResult, Page, UserId};

/// How long a person's sign-in history is kept.
const KEEP_DAYS: i32 = 90;

/// What happened. Stored as its number: never renumber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i16)]
pub enum SignInKind {
    Password = 1,
    PasswordFailed = 2,
    Oidc = 3,
    SignedOut = 4,
}

impl SignInKind {
    fn from_i16(v: i16) -> Option<SignInKind> {
        Some(match v {
            1 => SignInKind::Password,
            2 => SignInKind::PasswordFailed,
            3 => SignInKind::Oidc,
            4 => SignInKind::SignedOut,
            _ => return None,
        })
    }
}

/// One row of a person's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInEvent {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub kind: SignInKind,
    /// The OIDC issuer's id for OIDC sign-ins, else empty.
    pub issuer: String,
    /// The client's address as the server saw it (empty when unknown).
    pub client_addr: String,
}

/// Position after the last event of a page (newest first).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SignInCursor {
    pub at: DateTime<Utc>,
    pub id: Uuid,
}

const PRUNE_OLD: &str = "WITH pruned AS (DELETE FROM sign_in_events \
     WHERE user_id = $2 AND created_at < now() - make_interval(days => $6)) ";

impl Store {
    /// Appends an event to `user`'s history (and drops their rows past the retention).
    pub async fn record_sign_in(
        &self,
        user: UserId,
        kind: SignInKind,
        issuer: &str,
        client_addr: &str,
    ) -> DomainResult<()> {
        sqlx::query(&format!(
            "{PRUNE_OLD}INSERT INTO sign_in_events (id, user_id, kind, issuer, client_addr) \
             VALUES ($1, $2, $3, $4, $5)"
        ))
        .bind(Uuid::new_v4())
        .bind(user.0)
        .bind(kind as i16)
        .bind(issuer)
        .bind(client_addr)
        .bind(KEEP_DAYS)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records a refused password sign-in for the person with this email, if there is one.
    /// One statement whether or not the email exists, so that the refusal takes as long for an
    /// unknown email as for a known one (the password check's rule).
    pub async fn record_failed_password(&self, email: &str, client_addr: &str) -> DomainResult<()> {
        sqlx::query(
            "WITH u AS (SELECT id FROM users WHERE lower(email) = lower($2)), \
             pruned AS (DELETE FROM sign_in_events WHERE user_id IN (SELECT id FROM u) \
             AND created_at < now() - make_interval(days => $5)) \
             INSERT INTO sign_in_events (id, user_id, kind, client_addr) SELECT $1, id, $3, $4 FROM u",
        )
        .bind(Uuid::new_v4())
        .bind(email)
        .bind(SignInKind::PasswordFailed as i16)
        .bind(client_addr)
        .bind(KEEP_DAYS)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records a sign-out for the owner of the refresh token with this hash, when the token is
    /// known and its sign-in not already ended (signing out twice is recorded once). Call it
    /// before revoking.
    pub async fn record_sign_out(
        &self,
        refresh_hash: &[u8],
        client_addr: &str,
    ) -> DomainResult<()> {
        sqlx::query(
            "INSERT INTO sign_in_events (id, user_id, kind, client_addr) \
             SELECT $1, user_id, $3, $4 FROM refresh_tokens \
             WHERE token_hash = $2 AND revoked_at IS NULL",
        )
        .bind(Uuid::new_v4())
        .bind(refresh_hash)
        .bind(SignInKind::SignedOut as i16)
        .bind(client_addr)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// A page of `user`'s events, newest first, after `after` (the previous page's last).
    pub async fn sign_ins_of(
        &self,
        user: UserId,
        after: Option<SignInCursor>,
        limit: i64,
    ) -> DomainResult<Page<SignInEvent, SignInCursor>> {
        let (a_time, a_id) = after.map_or((None, None), |c| (Some(c.at), Some(c.id)));
        let rows: Vec<(Uuid, DateTime<Utc>, i16, String, String)> = sqlx::query_as(
            "SELECT id, created_at, kind, issuer, client_addr FROM sign_in_events \
             WHERE user_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3)) \
             ORDER BY created_at DESC, id DESC LIMIT $4",
        )
        .bind(user.0)
        .bind(a_time)
        .bind(a_id)
        .bind(limit + 1)
        .fetch_all(self.pool())
        .await?;
        let more = rows.len() as i64 > limit;
        let items: Vec<SignInEvent> = rows
            .into_iter()
            .take(limit as usize)
            .filter_map(|(id, at, kind, issuer, client_addr)| {
                Some(SignInEvent {
                    id,
                    at,
                    kind: SignInKind::from_i16(kind)?,
                    issuer,
                    client_addr,
                })
            })
            .collect();
        let next = if more {
            items.last().map(|e| SignInCursor { at: e.at, id: e.id })
        } else {
            None
        };
        Ok(Page { items, next })
    }
}
