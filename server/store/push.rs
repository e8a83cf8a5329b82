//! Web push (issue 15): the deployment's VAPID key pair, push channels (a browser's
//! subscription: the endpoint is the channel's url, its keys the channel's sealed secret) and
//! what a push needs to know about the question or approval it announces.

use uuid::Uuid;

use super::Store;
use super::notifications::{CHANNEL_COLUMNS, ChannelRow, StoredChannel, channel};
use crate::domain::*;
use crate::notify::{ChannelKind, NotifyEvent};

/// The open question or approval a push offers to answer.
#[derive(Debug, Clone, Default)]
pub struct PushSubject {
    /// The question, when it is still unanswered.
    pub open_question: Option<Question>,
    /// Whether the approval is still undecided.
    pub approval_open: bool,
}

impl Store {
    /// The deployment's VAPID key pair: `candidate` (public key, sealed private key) is stored
    /// when none is yet, and the stored one returned either way, so concurrent replicas that
    /// each made a candidate all end up with the one that won.
    pub async fn vapid_key_pair(
        &self,
        candidate_public: &str,
        candidate_sealed_private: &str,
    ) -> DomainResult<(String, String)> {
        let mut conn = self.pool().acquire().await?;
        sqlx::query(
            "INSERT INTO push_vapid_keys (id, public_key, private_key) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(candidate_public)
        .bind(candidate_sealed_private)
        .execute(&mut *conn)
        .await?;
        let pair: (String, String) =
            sqlx::query_as("SELECT public_key, private_key FROM push_vapid_keys WHERE id = 1")
                .fetch_one(&mut *conn)
                .await?;
        Ok(pair)
    }

    /// Whether a VAPID key pair exists yet (without making one).
    pub async fn stored_vapid_key(&self) -> DomainResult<Option<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT public_key, private_key FROM push_vapid_keys WHERE id = 1")
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// A push channel for the caller's device; the same endpoint again updates that channel
    /// (new keys, events and label) and enables it.
    pub async fn add_push_channel(
        &self,
        user: UserId,
        endpoint: &str,
        sealed_keys: &str,
        events: &[NotifyEvent],
        label: &str,
    ) -> DomainResult<StoredChannel> {
        let events: Vec<i16> = events.iter().map(|e| *e as i16).collect();
        let row: ChannelRow = sqlx::query_as(&format!(
            "INSERT INTO notification_channels (id, user_id, kind, url, secret, events, label) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (user_id, url) WHERE kind = 4 DO UPDATE \
             SET secret = EXCLUDED.secret, events = EXCLUDED.events, label = EXCLUDED.label, \
                 enabled = true \
             RETURNING {CHANNEL_COLUMNS}"
        ))
        .bind(Uuid::new_v4())
        .bind(user.0)
        .bind(ChannelKind::WebPush as i16)
        .bind(endpoint)
        .bind(sealed_keys)
        .bind(&events)
        .bind(label)
        .fetch_one(self.pool())
        .await?;
        channel(row)
    }

    /// The push channels (id, sealed keys) with this endpoint, of anyone: the caller proves which
    /// is theirs with the subscription's auth secret (see `api::push_renew`).
    pub async fn push_channels_at(&self, endpoint: &str) -> DomainResult<Vec<(Uuid, String)>> {
        Ok(sqlx::query_as(
            "SELECT id, secret FROM notification_channels WHERE kind = 4 AND url = $1 AND secret <> ''",
        )
        .bind(endpoint)
        .fetch_all(self.pool())
        .await?)
    }

    /// Moves a push channel to the browser's new subscription, unless it changed meanwhile.
    /// AlreadyExists when the person has a channel at the new endpoint already.
    pub async fn renew_push_subscription(
        &self,
        channel_id: Uuid,
        old_sealed: &str,
        endpoint: &str,
        sealed: &str,
    ) -> DomainResult<bool> {
        let done = sqlx::query(
            "UPDATE notification_channels SET url = $3, secret = $4, enabled = true \
             WHERE id = $1 AND kind = 4 AND secret = $2",
        )
        .bind(channel_id)
        .bind(old_sealed)
        .bind(endpoint)
        .bind(sealed)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The push service said the subscription is gone (404/410): the channel is disabled and
    /// its keys erased, unless the device subscribed again meanwhile (its keys changed). Its
    /// history stays, with the failed attempt that says why. Returns whether it was removed.
    pub async fn remove_push_subscription(
        &self,
        channel_id: Uuid,
        sealed_keys: &str,
    ) -> DomainResult<bool> {
        let done = sqlx::query(
            "UPDATE notification_channels SET enabled = false, secret = '' \
             WHERE id = $1 AND kind = 4 AND secret = $2 AND secret <> ''",
        )
        .bind(channel_id)
        .bind(sealed_keys)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The question or approval a notification is about, as it stands now (a push offers its
    /// answers only while it is open).
    pub async fn push_subject(
        &self,
        session: SessionId,
        question: Option<Uuid>,
        approval: Option<Uuid>,
    ) -> DomainResult<PushSubject> {
        let mut subject = PushSubject::default();
        let mut conn = self.pool().acquire().await?;
        if let Some(q) = question {
            let spec: Option<(sqlx::types::Json<Question>,)> = sqlx::query_as(
                "SELECT spec FROM questions WHERE id = $1 AND session_id = $2 AND answered_at IS NULL",
            )
            .bind(q)
            .bind(session.0)
            .fetch_optional(&mut *conn)
            .await?;
            subject.open_question = spec.map(|(s,)| s.0);
        }
        if let Some(a) = approval {
            let open: Option<(Uuid,)> = sqlx::query_as(
                "SELECT id FROM approvals WHERE id = $1 AND session_id = $2 AND decided_at IS NULL",
            )
            .bind(a)
            .bind(session.0)
            .fetch_optional(&mut *conn)
            .await?;
            subject.approval_open = open.is_some();
        }
        Ok(subject)
    }
}
