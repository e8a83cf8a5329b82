//! OIDC sign-in: the sign-ins on their way through an issuer (single use, short-lived), and the
//! person an issuer's verified email signs in as (created on first sign-in).

use chrono::{DateTime, Utc};

use super::Store;
use super::accounts::insert_user;
use super::rows::UserRow;
use crate::domain::*;

/// A sign-in that left for the issuer. Secrets arrive hashed or sealed.
pub struct PendingOidcLogin {
    pub state_hash: Vec<u8>,
    pub issuer_id: String,
    pub nonce_hash: Vec<u8>,
    pub browser_hash: Vec<u8>,
    pub verifier_sealed: String,
    pub expires_at: DateTime<Utc>,
}

/// A pending sign-in taken back (it is deleted: a second callback with its state finds nothing).
#[derive(sqlx::FromRow)]
pub struct TakenOidcLogin {
    pub issuer_id: String,
    pub nonce_hash: Vec<u8>,
    pub browser_hash: Vec<u8>,
    pub verifier_sealed: String,
    pub expires_at: DateTime<Utc>,
}

/// Who the issuer says signed in: its subject, and the verified email the person is matched by.
pub struct OidcIdentity<'a> {
    pub issuer: &'a str,
    pub subject: &'a str,
    pub email: &'a str,
    pub display_name: &'a str,
}

impl Store {
    /// Records a pending sign-in; expired ones are cleared on the way (they are never used).
    pub async fn insert_oidc_login(&self, login: PendingOidcLogin) -> DomainResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM oidc_logins WHERE expires_at < now()")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO oidc_logins (state_hash, issuer_id, nonce_hash, browser_hash, verifier_sealed, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&login.state_hash)
        .bind(&login.issuer_id)
        .bind(&login.nonce_hash)
        .bind(&login.browser_hash)
        .bind(&login.verifier_sealed)
        .bind(login.expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes the pending sign-in of a state, once: concurrent callbacks with one state get it
    /// at most once between them. Expired ones are returned too, for the caller to say so.
    pub async fn take_oidc_login(&self, state_hash: &[u8]) -> DomainResult<Option<TakenOidcLogin>> {
        Ok(sqlx::query_as(
            "DELETE FROM oidc_logins WHERE state_hash = $1 \
             RETURNING issuer_id, nonce_hash, browser_hash, verifier_sealed, expires_at",
        )
        .bind(state_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The person with this verified email, created (with their personal project) when there
    /// is none; the issuer account is recorded against them.
    pub async fn oidc_sign_in(&self, identity: OidcIdentity<'_>) -> DomainResult<User> {
        match self.oidc_sign_in_once(&identity).await {
            // Two first sign-ins of one email at once: the other created the person; find them.
            Err(DomainError::AlreadyExists(_)) => self.oidc_sign_in_once(&identity).await,
            done => done,
        }
    }

    async fn oidc_sign_in_once(&self, identity: &OidcIdentity<'_>) -> DomainResult<User> {
        let mut tx = self.begin().await?;
        let found: Option<UserRow> = sqlx::query_as(
            "SELECT id, email, display_name, created_at FROM users WHERE lower(email) = lower($1)",
        )
        .bind(identity.email)
        .fetch_optional(&mut *tx)
        .await?;
        let user = match found {
            Some(row) => row.into(),
            None => {
                let user =
                    insert_user(&mut tx, identity.email, identity.display_name, None).await?;
                tracing::info!(user_id = %user.id, issuer = identity.issuer, "account created by an OIDC sign-in");
                user
            }
        };
        sqlx::query(
            "INSERT INTO oidc_identities (issuer, subject, user_id, email) VALUES ($1, $2, $3, lower($4)) \
             ON CONFLICT (issuer, subject) DO UPDATE SET user_id = $3, email = lower($4), last_login_at = now()",
        )
        .bind(identity.issuer)
        .bind(identity.subject)
        .bind(user.id.0)
        .bind(identity.email)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    /// The issuer accounts recorded for a person (tests and operators).
    pub async fn oidc_identities_of(&self, user_id: UserId) -> DomainResult<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT issuer, subject FROM oidc_identities WHERE user_id = $1 ORDER BY issuer, subject",
        )
        .bind(user_id.0)
        .fetch_all(&self.pool)
        .await?)
    }
}
