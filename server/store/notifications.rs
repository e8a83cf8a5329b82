//! Notification channels, the outbox and delivery attempts (issue 15).
//!
//! Outbox rows are written by [`enqueue`], called from `Locked::commit` in the transaction of
//! the session write whose events they announce: a question is never stored without its
//! notification, and the unique `(channel_id, event_key)` keeps one event from notifying a
//! channel twice. The worker claims due rows with `FOR UPDATE SKIP LOCKED` and pushes their
//! `due_at` a lease ahead, so replicas never claim the same row while its delivery runs, and a
//! replica that dies mid-delivery leaves the row due again after the lease (at least once; the
//! notification id in the body lets a receiver drop a repeat).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Store;
use super::sessions::Tx;
use crate::domain::*;
use crate::notify::{ChannelKind, NotifyEvent, Outcome, Payload};

/// `notification_outbox.state`.
const PENDING: i16 = 0;
const SENT: i16 = 1;
const SUPPRESSED: i16 = 2;
const FAILED: i16 = 3;

/// An event a session write announces, collected by `Locked` and written at its commit.
#[derive(Debug, Clone)]
pub(in crate::store) struct PendingNotification {
    pub event: NotifyEvent,
    /// Unique per event within the session (e.g. the seq of the message that announced it).
    pub key: String,
    pub payload: Payload,
    /// Due later than at once (a deadline warning); None: now, or the coalescing and
    /// escalation rules' time.
    pub due_at: Option<DateTime<Utc>>,
}

/// Writes one outbox row per enabled channel of every project member subscribed to the event.
/// A question joins its session's pending question notification (raising its count) and, when
/// one was already sent, waits until the coalescing window after it has passed.
pub(in crate::store) async fn enqueue(
    tx: &mut Tx,
    project_id: Uuid,
    session_id: Uuid,
    pending: &[PendingNotification],
    coalesce_secs: f64,
) -> DomainResult<u64> {
    let mut written = 0;
    for n in pending {
        let coalesce = n.event == NotifyEvent::QuestionAsked && coalesce_secs > 0.0;
        // A channel's escalation delay holds back what waits for an answer (see the worker,
        // which suppresses it when answered by then).
        let escalates = matches!(
            n.event,
            NotifyEvent::QuestionAsked | NotifyEvent::ApprovalRequested
        );
        let key = format!("{}:{session_id}:{}", n.event as i16, n.key);
        let done = sqlx::query(
            "WITH targets AS ( \
               SELECT c.id, c.user_id, c.escalate_after_secs FROM notification_channels c \
               JOIN project_members m ON m.user_id = c.user_id AND m.project_id = $1 \
               WHERE c.enabled AND c.confirmed AND c.events @> ARRAY[$2::smallint]), \
             coalesced AS ( \
               UPDATE notification_outbox o SET event_count = o.event_count + 1, payload = $5 \
               FROM targets t \
               WHERE $6 AND o.channel_id = t.id AND o.session_id = $3 AND o.event = $2 \
               AND o.state = 0 AND o.attempts = 0 \
               RETURNING o.channel_id) \
             INSERT INTO notification_outbox (id, channel_id, user_id, event, session_id, event_key, payload, due_at) \
             SELECT gen_random_uuid(), t.id, t.user_id, $2, $3, $4, $5, COALESCE($9, GREATEST( \
               CASE WHEN $6 THEN GREATEST(now(), COALESCE(( \
                 SELECT max(p.due_at) FROM notification_outbox p \
                 WHERE p.channel_id = t.id AND p.session_id = $3 AND p.event = $2) \
                 + make_interval(secs => $7), now())) ELSE now() END, \
               CASE WHEN $8 THEN now() + make_interval(secs => t.escalate_after_secs) ELSE now() END)) \
             FROM targets t WHERE t.id NOT IN (SELECT channel_id FROM coalesced) \
             ON CONFLICT (channel_id, event_key) DO NOTHING",
        )
        .bind(project_id)
        .bind(n.event as i16)
        .bind(session_id)
        .bind(&key)
        .bind(sqlx::types::Json(&n.payload))
        .bind(coalesce)
        .bind(coalesce_secs)
        .bind(escalates)
        .bind(n.due_at)
        .execute(&mut **tx)
        .await?;
        written += done.rows_affected();
    }
    Ok(written)
}

/// One of a person's channels.
#[derive(Debug, Clone)]
pub struct StoredChannel {
    pub id: Uuid,
    pub user_id: UserId,
    pub kind: ChannelKind,
    pub url: String,
    pub events: Vec<NotifyEvent>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    /// Questions and approvals reach the channel this long after they were asked (0: at once).
    pub escalate_after_secs: i32,
    /// A push channel's device name.
    pub label: String,
    /// False for an email channel to another address until its owner follows the link.
    pub confirmed: bool,
}

pub(in crate::store) type ChannelRow = (
    Uuid,
    Uuid,
    i16,
    String,
    Vec<i16>,
    bool,
    DateTime<Utc>,
    i32,
    String,
    bool,
);
pub(in crate::store) const CHANNEL_COLUMNS: &str =
    "id, user_id, kind, url, events, enabled, created_at, escalate_after_secs, label, confirmed";

pub(in crate::store) fn channel(row: ChannelRow) -> DomainResult<StoredChannel> {
    let (
        id,
        user_id,
        kind,
        url,
        events,
        enabled,
        created_at,
        escalate_after_secs,
        label,
        confirmed,
    ) = row;
    Ok(StoredChannel {
        id,
        user_id: UserId(user_id),
        kind: ChannelKind::from_i16(kind)
            .ok_or_else(|| DomainError::internal(format!("unknown webhook kind {kind}")))?,
        url,
        events: events
            .into_iter()
            .filter_map(NotifyEvent::from_i16)
            .collect(),
        enabled,
        created_at,
        escalate_after_secs,
        label,
        confirmed,
    })
}

/// A notification claimed for one delivery attempt, with what sending it needs.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: Uuid,
    pub channel_id: Uuid,
    pub user_id: UserId,
    pub kind: ChannelKind,
    pub url: String,
    /// The generic webhook's signing key. Never logged.
    pub secret: String,
    /// None for a test notification.
    pub event: Option<NotifyEvent>,
    pub session_id: Option<SessionId>,
    pub event_count: i32,
    pub payload: Payload,
    /// This attempt's number (1 for the first).
    pub attempt: i32,
    pub created_at: DateTime<Utc>,
}

type ClaimedRow = (
    Uuid,
    Uuid,
    Uuid,
    i16,
    String,
    String,
    i16,
    Option<Uuid>,
    i32,
    sqlx::types::Json<Payload>,
    i32,
    DateTime<Utc>,
);

fn claimed(row: ClaimedRow) -> DomainResult<Claimed> {
    let (
        id,
        channel_id,
        user_id,
        kind,
        url,
        secret,
        event,
        session_id,
        count,
        payload,
        attempt,
        at,
    ) = row;
    Ok(Claimed {
        id,
        channel_id,
        user_id: UserId(user_id),
        kind: ChannelKind::from_i16(kind)
            .ok_or_else(|| DomainError::internal(format!("unknown webhook kind {kind}")))?,
        url,
        secret,
        event: NotifyEvent::from_i16(event),
        session_id: session_id.map(SessionId),
        event_count: count,
        payload: payload.0,
        attempt,
        created_at: at,
    })
}

/// One recorded delivery attempt.
#[derive(Debug, Clone)]
pub struct StoredDelivery {
    pub id: i64,
    pub notification_id: Uuid,
    pub event: Option<NotifyEvent>,
    pub session_id: Option<SessionId>,
    pub attempt: i32,
    pub outcome: Outcome,
    pub http_status: i32,
    pub detail: String,
    pub created_at: DateTime<Utc>,
    pub event_count: i32,
}

/// What a delivery attempt came to.
#[derive(Debug, Clone)]
pub struct AttemptResult {
    pub outcome: Outcome,
    pub http_status: i32,
    pub detail: String,
    /// For a failure: retry after this long; None gives up (or is final for other outcomes).
    pub retry_in: Option<std::time::Duration>,
}

impl Store {
    pub async fn create_channel(
        &self,
        user: UserId,
        kind: ChannelKind,
        url: &str,
        secret: &str,
        events: &[NotifyEvent],
    ) -> DomainResult<StoredChannel> {
        self.create_escalating_channel(user, kind, url, secret, events, 0)
            .await
    }

    /// `create_channel` with an escalation delay (seconds) for questions and approvals.
    pub async fn create_escalating_channel(
        &self,
        user: UserId,
        kind: ChannelKind,
        url: &str,
        secret: &str,
        events: &[NotifyEvent],
        escalate_after_secs: i32,
    ) -> DomainResult<StoredChannel> {
        let events: Vec<i16> = events.iter().map(|e| *e as i16).collect();
        let row: ChannelRow = sqlx::query_as(&format!(
            "INSERT INTO notification_channels (id, user_id, kind, url, secret, events, escalate_after_secs) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {CHANNEL_COLUMNS}"
        ))
        .bind(Uuid::new_v4())
        .bind(user.0)
        .bind(kind as i16)
        .bind(url)
        .bind(secret)
        .bind(&events)
        .bind(escalate_after_secs)
        .fetch_one(self.pool())
        .await?;
        channel(row)
    }

    /// Changes a channel's escalation delay; another user's channel is NOT_FOUND.
    pub async fn set_channel_escalation(
        &self,
        user: UserId,
        id: Uuid,
        escalate_after_secs: i32,
    ) -> DomainResult<StoredChannel> {
        let row: Option<ChannelRow> = sqlx::query_as(&format!(
            "UPDATE notification_channels SET escalate_after_secs = $3 \
             WHERE id = $1 AND user_id = $2 RETURNING {CHANNEL_COLUMNS}"
        ))
        .bind(id)
        .bind(user.0)
        .bind(escalate_after_secs)
        .fetch_optional(self.pool())
        .await?;
        channel(row.ok_or(DomainError::NotFound("channel"))?)
    }

    pub async fn list_channels(&self, user: UserId) -> DomainResult<Vec<StoredChannel>> {
        let rows: Vec<ChannelRow> = sqlx::query_as(&format!(
            "SELECT {CHANNEL_COLUMNS} FROM notification_channels WHERE user_id = $1 ORDER BY created_at, id"
        ))
        .bind(user.0)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(channel).collect()
    }

    /// Changes what is given; another user's channel is NOT_FOUND.
    pub async fn update_channel(
        &self,
        user: UserId,
        id: Uuid,
        enabled: Option<bool>,
        events: Option<&[NotifyEvent]>,
    ) -> DomainResult<StoredChannel> {
        let events: Option<Vec<i16>> = events.map(|e| e.iter().map(|e| *e as i16).collect());
        let row: Option<ChannelRow> = sqlx::query_as(&format!(
            "UPDATE notification_channels SET enabled = COALESCE($3, enabled), events = COALESCE($4, events) \
             WHERE id = $1 AND user_id = $2 RETURNING {CHANNEL_COLUMNS}"
        ))
        .bind(id)
        .bind(user.0)
        .bind(enabled)
        .bind(events)
        .fetch_optional(self.pool())
        .await?;
        channel(row.ok_or(DomainError::NotFound("channel"))?)
    }

    pub async fn delete_channel(&self, user: UserId, id: Uuid) -> DomainResult<()> {
        let done = sqlx::query("DELETE FROM notification_channels WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user.0)
            .execute(self.pool())
            .await?;
        if done.rows_affected() == 0 {
            return Err(DomainError::NotFound("channel"));
        }
        Ok(())
    }

    /// A test notification through one of the caller's channels, claimed for its one attempt.
    pub async fn claim_test_notification(
        &self,
        user: UserId,
        id: Uuid,
        payload: &Payload,
        lease: std::time::Duration,
    ) -> DomainResult<Claimed> {
        let confirmed: Option<bool> = sqlx::query_scalar(
            "SELECT confirmed FROM notification_channels WHERE id = $1 AND user_id = $2",
        )
        .bind(id)
        .bind(user.0)
        .fetch_optional(self.pool())
        .await?;
        if confirmed == Some(false) {
            return Err(DomainError::FailedPrecondition(
                "this address has not been confirmed yet: follow the link in the confirmation email first"
                    .into(),
            ));
        }
        let row: Option<ClaimedRow> = sqlx::query_as(
            "WITH o AS ( \
               INSERT INTO notification_outbox (id, channel_id, user_id, event, event_key, payload, attempts, due_at) \
               SELECT gen_random_uuid(), c.id, c.user_id, 0, 'test:' || gen_random_uuid(), $3, 1, \
                 now() + make_interval(secs => $4) \
               FROM notification_channels c WHERE c.id = $1 AND c.user_id = $2 \
               RETURNING *) \
             SELECT o.id, o.channel_id, o.user_id, c.kind, c.url, c.secret, o.event, o.session_id, \
               o.event_count, o.payload, o.attempts, o.created_at \
             FROM o JOIN notification_channels c ON c.id = o.channel_id",
        )
        .bind(id)
        .bind(user.0)
        .bind(sqlx::types::Json(payload))
        .bind(lease.as_secs_f64())
        .fetch_optional(self.pool())
        .await?;
        claimed(row.ok_or(DomainError::NotFound("channel"))?)
    }

    /// Claims up to `limit` due notifications for one attempt each: their `due_at` moves a
    /// `lease` ahead so no other replica claims them while this one delivers.
    pub async fn claim_due_notifications(
        &self,
        limit: i64,
        lease: std::time::Duration,
    ) -> DomainResult<Vec<Claimed>> {
        let rows: Vec<ClaimedRow> = sqlx::query_as(
            "WITH due AS ( \
               SELECT id FROM notification_outbox WHERE state = 0 AND due_at <= now() \
               ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED), \
             o AS ( \
               UPDATE notification_outbox n SET attempts = n.attempts + 1, \
                 due_at = now() + make_interval(secs => $2) \
               FROM due WHERE n.id = due.id RETURNING n.*) \
             SELECT o.id, o.channel_id, o.user_id, c.kind, c.url, c.secret, o.event, o.session_id, \
               o.event_count, o.payload, o.attempts, o.created_at \
             FROM o JOIN notification_channels c ON c.id = o.channel_id",
        )
        .bind(limit)
        .bind(lease.as_secs_f64())
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(claimed).collect()
    }

    /// How many notifications the person was sent in the last minute, and when the oldest of
    /// them was (the per-person rate limit).
    pub async fn recent_sends(&self, user: UserId) -> DomainResult<(i64, Option<DateTime<Utc>>)> {
        Ok(sqlx::query_as(
            "SELECT count(*), min(sent_at) FROM notification_outbox \
             WHERE user_id = $1 AND sent_at > now() - interval '1 minute'",
        )
        .bind(user.0)
        .fetch_one(self.pool())
        .await?)
    }

    /// Puts a claimed notification back, due at `until`, as if it had not been claimed (no
    /// attempt is recorded, and later questions of its session still coalesce into it).
    pub async fn defer_notification(&self, n: &Claimed, until: DateTime<Utc>) -> DomainResult<()> {
        sqlx::query(
            "UPDATE notification_outbox SET attempts = attempts - 1, due_at = $3 \
             WHERE id = $1 AND attempts = $2 AND state = 0",
        )
        .bind(n.id)
        .bind(n.attempt)
        .bind(until)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Whether what a notification asks a person for still waits: a question event while the
    /// session has an open question, an approval event while that approval is undecided (and
    /// its session live). Other events always are.
    pub async fn still_waiting(&self, n: &Claimed) -> DomainResult<bool> {
        let Some(session) = n.session_id else {
            return Ok(true);
        };
        let waiting: Option<bool> = match n.event {
            Some(NotifyEvent::QuestionAsked) => {
                sqlx::query_scalar("SELECT open_questions > 0 FROM sessions WHERE id = $1")
                    .bind(session.0)
                    .fetch_optional(self.pool())
                    .await?
            }
            Some(NotifyEvent::ApprovalRequested) => {
                let Ok(id) = n.payload.approval_id.parse::<Uuid>() else {
                    return Ok(true);
                };
                sqlx::query_scalar(
                    "SELECT a.decided_at IS NULL AND s.open_approvals > 0 FROM approvals a \
                     JOIN sessions s ON s.id = a.session_id WHERE a.id = $1 AND a.session_id = $2",
                )
                .bind(id)
                .bind(session.0)
                .fetch_optional(self.pool())
                .await?
            }
            Some(NotifyEvent::DeadlineNear) => {
                let Ok(id) = n.payload.question_id.parse::<Uuid>() else {
                    return Ok(true);
                };
                sqlx::query_scalar(
                    "SELECT q.answered_at IS NULL AND s.open_questions > 0 FROM questions q \
                     JOIN sessions s ON s.id = q.session_id WHERE q.id = $1 AND q.session_id = $2",
                )
                .bind(id)
                .bind(session.0)
                .fetch_optional(self.pool())
                .await?
            }
            _ => return Ok(true),
        };
        Ok(waiting.unwrap_or(false))
    }

    /// When the next pending notification is due, if any (the worker sleeps until then).
    pub async fn next_notification_due(&self) -> DomainResult<Option<DateTime<Utc>>> {
        let (due,): (Option<DateTime<Utc>>,) =
            sqlx::query_as("SELECT min(due_at) FROM notification_outbox WHERE state = 0")
                .fetch_one(self.pool())
                .await?;
        Ok(due)
    }

    /// Records an attempt and moves the notification on: done, or due again for a retry.
    pub async fn record_attempt(
        &self,
        n: &Claimed,
        result: &AttemptResult,
    ) -> DomainResult<StoredDelivery> {
        let state = match (result.outcome, result.retry_in) {
            (Outcome::Sent, _) => SENT,
            (Outcome::Suppressed, _) => SUPPRESSED,
            (Outcome::Failed, Some(_)) => PENDING,
            (Outcome::Failed, None) => FAILED,
        };
        let retry = result.retry_in.unwrap_or_default().as_secs_f64();
        let mut tx = self.begin().await?;
        // Only the attempt that claimed it may move it (a lease that ran out and was claimed
        // again by another replica belongs to that one now).
        let moved = sqlx::query(
            "UPDATE notification_outbox SET state = $3, due_at = now() + make_interval(secs => $4), \
             sent_at = CASE WHEN $3 = 1 THEN now() ELSE sent_at END \
             WHERE id = $1 AND attempts = $2 AND state = 0",
        )
        .bind(n.id)
        .bind(n.attempt)
        .bind(state)
        .bind(retry)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 0 {
            tracing::debug!(notification_id = %n.id, "notification moved on while this attempt ran");
        }
        let (id, created_at): (i64, DateTime<Utc>) = sqlx::query_as(
            "INSERT INTO notification_attempts (notification_id, channel_id, attempt, outcome, http_status, detail) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, created_at",
        )
        .bind(n.id)
        .bind(n.channel_id)
        .bind(n.attempt)
        .bind(result.outcome as i16)
        .bind(result.http_status)
        .bind(&result.detail)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(StoredDelivery {
            id,
            notification_id: n.id,
            event: n.event,
            session_id: n.session_id,
            attempt: n.attempt,
            outcome: result.outcome,
            http_status: result.http_status,
            detail: result.detail.clone(),
            created_at,
            event_count: n.event_count,
        })
    }

    /// The attempts of one of the caller's channels, newest first, after the cursor (an
    /// attempt id); another user's channel is NOT_FOUND.
    pub async fn list_deliveries(
        &self,
        user: UserId,
        channel_id: Uuid,
        before: Option<i64>,
        limit: i64,
    ) -> DomainResult<(Vec<StoredDelivery>, bool)> {
        let mut conn = self.pool().acquire().await?;
        let owned: Option<(Uuid,)> =
            sqlx::query_as("SELECT id FROM notification_channels WHERE id = $1 AND user_id = $2")
                .bind(channel_id)
                .bind(user.0)
                .fetch_optional(&mut *conn)
                .await?;
        if owned.is_none() {
            return Err(DomainError::NotFound("channel"));
        }
        type Row = (
            i64,
            Uuid,
            i16,
            Option<Uuid>,
            i32,
            i16,
            i32,
            String,
            DateTime<Utc>,
            i32,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT a.id, a.notification_id, o.event, o.session_id, a.attempt, a.outcome, a.http_status, \
             a.detail, a.created_at, o.event_count \
             FROM notification_attempts a JOIN notification_outbox o ON o.id = a.notification_id \
             WHERE a.channel_id = $1 AND ($2::bigint IS NULL OR a.id < $2) \
             ORDER BY a.id DESC LIMIT $3",
        )
        .bind(channel_id)
        .bind(before)
        .bind(limit + 1)
        .fetch_all(&mut *conn)
        .await?;
        let more = rows.len() as i64 > limit;
        let items = rows
            .into_iter()
            .take(limit as usize)
            .map(
                |(id, nid, event, session, attempt, outcome, status, detail, at, count)| {
                    StoredDelivery {
                        id,
                        notification_id: nid,
                        event: NotifyEvent::from_i16(event),
                        session_id: session.map(SessionId),
                        attempt,
                        outcome: Outcome::from_i16(outcome).unwrap_or(Outcome::Failed),
                        http_status: status,
                        detail,
                        created_at: at,
                        event_count: count,
                    }
                },
            )
            .collect();
        Ok((items, more))
    }
}
