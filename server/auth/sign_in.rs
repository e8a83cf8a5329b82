//! A person's sign-in: the password check (throttled per email, and as slow for an unknown
//! email as for a wrong password), the token pair it earns, rotation of the refresh token, and
//! sign-out. AuthService's handlers only validate, call these and convert.

use std::net::IpAddr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::passwords::{dummy_hash, verify_password};
use super::secrets::{hash_secret, new_refresh_token};
use super::throttle::LoginThrottle;
use super::tokens::AccessTokens;
use crate::domain::{DomainError, DomainResult, User, UserId};
use crate::store::sign_ins::SignInKind;
use crate::store::{RefreshOutcome, Store};

const BAD_CREDENTIALS: &str = "wrong email or password";

/// An access token and the refresh token that renews it, with their expiry times.
pub struct IssuedTokens {
    pub access_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
}

/// Adds an event to the person's sign-in history. Best effort: the sign-in (or sign-out) it
/// records goes ahead when the row cannot be written, which is logged with an id.
pub async fn audit(
    store: &Store,
    user: UserId,
    kind: SignInKind,
    issuer: &str,
    client: Option<IpAddr>,
) {
    let addr = client.map(|a| a.to_string()).unwrap_or_default();
    if let Err(e) = store.record_sign_in(user, kind, issuer, &addr).await {
        let id = Uuid::new_v4();
        tracing::error!(error_id = %id, %user, ?kind, error = %e, "recording a sign-in failed");
    }
}

/// The user whose password this is, or UNAUTHENTICATED (the same answer, in the same time,
/// for an unknown email), or RESOURCE_EXHAUSTED while the email is throttled. Successes and
/// failures for an existing person go into their sign-in history with `client`'s address.
pub async fn check_password(
    store: &Store,
    throttle: &LoginThrottle,
    email: &str,
    password: String,
    client: Option<IpAddr>,
) -> DomainResult<User> {
    if let Some(wait) = throttle.check(email) {
        return Err(DomainError::ResourceExhausted {
            message: format!(
                "too many failed sign-in attempts for this email; retry in {} s",
                wait.as_secs().max(1)
            ),
            retry_after: Some(wait),
        });
    }
    let found = store.user_credentials(email).await?;
    // Verify against a dummy hash for unknown emails: same answer, same time.
    let hash = found
        .as_ref()
        .and_then(|(_, h)| h.clone())
        .unwrap_or_else(|| dummy_hash().to_owned());
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(DomainError::internal)?;
    match (found, ok) {
        // A person without a password (signed up through OIDC) was checked against the dummy
        // hash, whose password is in this source: that match must not count.
        (Some((user, Some(_))), true) => {
            throttle.record_success(email);
            audit(store, user.id, SignInKind::Password, "", client).await;
            Ok(user)
        }
        _ => {
            throttle.record_failure(email);
            // The same statement for a known and an unknown email: same time (see above).
            let addr = client.map(|a| a.to_string()).unwrap_or_default();
            if let Err(e) = store.record_failed_password(email, &addr).await {
                let id = Uuid::new_v4();
                tracing::error!(error_id = %id, error = %e, "recording a failed sign-in failed");
            }
            Err(DomainError::Unauthenticated(BAD_CREDENTIALS.into()))
        }
    }
}

/// A new token pair for `user`; the refresh token joins `family_id` (a new one per sign-in),
/// so that presenting a rotated token again revokes the whole sign-in.
pub async fn issue_tokens(
    store: &Store,
    access_tokens: &AccessTokens,
    refresh_ttl: Duration,
    user: &User,
    family_id: Uuid,
) -> DomainResult<IssuedTokens> {
    let (access_token, access_expires_at) = access_tokens.issue(user.id)?;
    let refresh_token = new_refresh_token();
    let refresh_expires_at =
        Utc::now() + chrono::Duration::from_std(refresh_ttl).unwrap_or_default();
    store
        .insert_refresh_token(
            user.id,
            family_id,
            &hash_secret(&refresh_token),
            refresh_expires_at,
        )
        .await?;
    Ok(IssuedTokens {
        access_token,
        access_expires_at,
        refresh_token,
        refresh_expires_at,
    })
}

/// Retires `refresh_token` and returns its user and family, for a new pair in that family
/// (`reuse_grace`: `AuthSettings::refresh_reuse_grace_secs`).
pub async fn rotate_refresh_token(
    store: &Store,
    refresh_token: &str,
    reuse_grace: Duration,
) -> DomainResult<(User, Uuid)> {
    match store
        .rotate_refresh_token(&hash_secret(refresh_token), reuse_grace)
        .await?
    {
        RefreshOutcome::Rotated { user, family_id } => Ok((user, family_id)),
        RefreshOutcome::Invalid => Err(DomainError::Unauthenticated(
            "the refresh token is unknown, expired or revoked: sign in again".into(),
        )),
        RefreshOutcome::Reused => {
            tracing::warn!("a rotated refresh token was presented again; its family is revoked");
            Err(DomainError::Unauthenticated(
                "this refresh token was already used; every session of this sign-in is revoked for safety: sign in again".into(),
            ))
        }
    }
}

/// Revokes every refresh token of the sign-in `refresh_token` belongs to, and records the
/// sign-out in its owner's history (once, best effort).
pub async fn sign_out(
    store: &Store,
    refresh_token: &str,
    client: Option<IpAddr>,
) -> DomainResult<()> {
    let hash = hash_secret(refresh_token);
    let addr = client.map(|a| a.to_string()).unwrap_or_default();
    if let Err(e) = store.record_sign_out(&hash, &addr).await {
        let id = Uuid::new_v4();
        tracing::error!(error_id = %id, error = %e, "recording a sign-out failed");
    }
    store.revoke_refresh_family(&hash).await
}
