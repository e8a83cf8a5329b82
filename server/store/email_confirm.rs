//! Email channels to an address other than the account's (issue 15): created waiting, with a
//! single-use confirmation token (an `action_tokens` row whose target is the channel, stored as
//! its SHA-256) sent to that address; following the link confirms the channel. Nothing is
//! enqueued for a channel until then (`notifications::enqueue` takes confirmed channels only).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Store;
use super::notifications::{CHANNEL_COLUMNS, ChannelRow, StoredChannel, channel};
use crate::auth::secrets::{hash_secret, new_action_token};
use crate::domain::*;
use crate::notify::{ChannelKind, NotifyEvent};

/// Addresses one person may have waiting for confirmation at once: each sends an email to
/// someone who did not ask for it, so a few are plenty.
pub const MAX_WAITING_ADDRESSES: i64 = 5;

type ConfirmationRow = (
    Uuid,
    Uuid,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

/// A confirmation link's token as stored.
#[derive(Debug, Clone)]
pub struct EmailConfirmation {
    pub token_id: Uuid,
    pub channel_id: Uuid,
    /// The address to confirm.
    pub address: String,
    /// The account that asked for it.
    pub account_email: String,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

impl Store {
    /// A new email channel to `address`, waiting for confirmation, and the clear token of its
    /// confirmation link (only its hash is stored).
    pub async fn create_waiting_email_channel(
        &self,
        user: UserId,
        address: &str,
        events: &[NotifyEvent],
        escalate_after_secs: i32,
        ttl: std::time::Duration,
    ) -> DomainResult<(StoredChannel, String)> {
        let mut tx = self.begin().await?;
        // One person's waiting channels are counted under a lock on the person's row, so two
        // concurrent calls cannot both pass the limit.
        sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
            .bind(user.0)
            .execute(&mut *tx)
            .await?;
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM notification_channels WHERE user_id = $1 AND NOT confirmed",
        )
        .bind(user.0)
        .fetch_one(&mut *tx)
        .await?;
        if waiting >= MAX_WAITING_ADDRESSES {
            return Err(DomainError::FailedPrecondition(format!(
                "{waiting} addresses already wait for confirmation: follow their links or delete them first"
            )));
        }
        let events: Vec<i16> = events.iter().map(|e| *e as i16).collect();
        let row: ChannelRow = sqlx::query_as(&format!(
            "INSERT INTO notification_channels (id, user_id, kind, url, events, escalate_after_secs, confirmed) \
             VALUES ($1, $2, $3, $4, $5, $6, false) RETURNING {CHANNEL_COLUMNS}"
        ))
        .bind(Uuid::new_v4())
        .bind(user.0)
        .bind(ChannelKind::Email as i16)
        .bind(format!("mailto:{address}"))
        .bind(&events)
        .bind(escalate_after_secs)
        .fetch_one(&mut *tx)
        .await?;
        let channel = channel(row)?;
        let token = new_action_token();
        let ttl = chrono::Duration::from_std(ttl)
            .map_err(|_| DomainError::invalid("ttl", "is too long"))?;
        sqlx::query(
            "INSERT INTO action_tokens (id, token_hash, user_id, channel_id, audit_channel, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(Uuid::new_v4())
        .bind(hash_secret(&token))
        .bind(user.0)
        .bind(channel.id)
        .bind(AuditChannel::NotificationLink as i16)
        .bind(Utc::now() + ttl)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((channel, token))
    }

    /// The confirmation whose clear token is `token`, if it is one.
    pub async fn find_email_confirmation(
        &self,
        token: &str,
    ) -> DomainResult<Option<EmailConfirmation>> {
        let row: Option<ConfirmationRow> = sqlx::query_as(
            "SELECT t.id, c.id, c.url, u.email, t.expires_at, t.used_at FROM action_tokens t \
                 JOIN notification_channels c ON c.id = t.channel_id \
                 JOIN users u ON u.id = t.user_id \
                 WHERE t.token_hash = $1",
        )
        .bind(hash_secret(token))
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(
            |(token_id, channel_id, url, account_email, expires_at, used_at)| EmailConfirmation {
                token_id,
                channel_id,
                address: crate::notify::email::address(&url).to_owned(),
                account_email,
                expires_at,
                used_at,
            },
        ))
    }

    /// Uses the token and confirms its channel, together. A token used (or run out) since it
    /// was looked up refuses.
    pub async fn confirm_email_channel(&self, c: &EmailConfirmation) -> DomainResult<()> {
        let mut tx = self.begin().await?;
        let used = sqlx::query(
            "UPDATE action_tokens SET used_at = now() WHERE id = $1 AND used_at IS NULL AND expires_at > now()",
        )
        .bind(c.token_id)
        .execute(&mut *tx)
        .await?;
        if used.rows_affected() == 0 {
            return Err(DomainError::FailedPrecondition(
                "this link was used (or ran out) a moment ago".into(),
            ));
        }
        sqlx::query("UPDATE notification_channels SET confirmed = true WHERE id = $1")
            .bind(c.channel_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
