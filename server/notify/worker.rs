//! The delivery worker: one per server, started with the other background tasks. It sleeps
//! until this server commits an outbox row (the store's wake-up), the next retry is due, or the
//! poll interval passes (rows another server wrote, or left behind when it died), then claims
//! due rows and delivers them.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::push::PushSender;
use super::webhook::{PostResult, WebhookClient};
use super::{ChannelKind, Outcome, Presence};
use crate::auth::sealed::Sealer;
use crate::config::NotifySettings;
use crate::domain::DomainError;
use crate::store::Store;
use crate::store::notifications::{AttemptResult, Claimed};

const BATCH: i64 = 20;

/// Delivers notifications; shared by the worker and `TestChannel`.
#[derive(Clone)]
pub struct Deliverer {
    pub store: Store,
    pub presence: Arc<Presence>,
    pub client: WebhookClient,
    /// Web push channels' sender (and the VAPID key).
    pub push: PushSender,
    /// Opens the channels' sealed secrets.
    pub sealer: Arc<Sealer>,
    pub settings: NotifySettings,
    /// Links in notifications point here; set once the server knows its address.
    pub public_url: Arc<std::sync::OnceLock<String>>,
}

impl Deliverer {
    pub fn new(
        store: Store,
        presence: Arc<Presence>,
        settings: NotifySettings,
        sealer: Arc<Sealer>,
    ) -> Deliverer {
        Deliverer {
            push: PushSender::new(store.clone(), sealer.clone(), settings.clone()),
            store,
            presence,
            client: WebhookClient::new(settings.http_timeout()),
            sealer,
            settings,
            public_url: Default::default(),
        }
    }

    /// How long a claimed row stays invisible to other servers: past the HTTP timeout, so a
    /// live delivery is never claimed twice, and short enough that a crash delays it little.
    pub fn lease(&self) -> Duration {
        self.settings.http_timeout() * 2 + Duration::from_secs(5)
    }

    /// The channel's signing secret, unsealed (empty for channels without one).
    fn signing_secret(&self, n: &Claimed) -> Result<Vec<u8>, String> {
        if n.secret.is_empty() {
            return Ok(Vec::new());
        }
        self.sealer
            .open(super::WEBHOOK_SECRET_PURPOSE, &n.secret)
            .map_err(|e| {
                format!("{e}; the server's root secret changed since the channel was created: re-create the channel")
            })
    }

    /// One attempt of a claimed notification, recorded.
    pub async fn attempt(&self, n: &Claimed) -> Result<AttemptResult, DomainError> {
        let watching = match n.session_id {
            // Only this server's dashboards are known; elsewhere, send (fail open).
            Some(session) => self.presence.is_watching(n.user_id, session),
            None => false,
        };
        let result = if watching {
            AttemptResult {
                outcome: Outcome::Suppressed,
                http_status: 0,
                detail: "suppressed: watching the session in a dashboard".to_owned(),
                retry_in: None,
            }
        } else {
            let public_url = self.public_url.get().map_or("", String::as_str);
            let posted = if n.kind == ChannelKind::WebPush {
                self.push.deliver(n, &self.client, public_url).await
            } else {
                match self.signing_secret(n) {
                    Ok(secret) => self.client.deliver(n, &secret, public_url).await,
                    // Retrying cannot help: fail for good, saying what to do.
                    Err(why) => PostResult {
                        http_status: 0,
                        error: Some(why),
                        permanent: true,
                    },
                }
            };
            match posted.error {
                None => AttemptResult {
                    outcome: Outcome::Sent,
                    http_status: i32::from(posted.http_status),
                    detail: String::new(),
                    retry_in: None,
                },
                Some(why) => {
                    let retry = (!posted.permanent
                        && n.event.is_some()
                        && n.attempt < self.settings.max_attempts)
                        .then(|| self.settings.backoff(n.attempt));
                    AttemptResult {
                        outcome: Outcome::Failed,
                        http_status: i32::from(posted.http_status),
                        detail: match retry {
                            Some(_) => why,
                            None if n.event.is_none() => why,
                            None => format!("{why} (attempt {}, giving up)", n.attempt),
                        },
                        retry_in: retry,
                    }
                }
            }
        };
        tracing::info!(
            notification_id = %n.id,
            channel_id = %n.channel_id,
            attempt = n.attempt,
            outcome = ?result.outcome,
            http_status = result.http_status,
            detail = %result.detail,
            "notification attempt"
        );
        self.store.record_attempt(n, &result).await?;
        Ok(result)
    }

    /// Claims and delivers due rows until none is left; returns how many were attempted.
    pub async fn drain(&self) -> Result<usize, DomainError> {
        let mut total = 0;
        loop {
            let claimed = self
                .store
                .claim_due_notifications(BATCH, self.lease())
                .await?;
            if claimed.is_empty() {
                return Ok(total);
            }
            total += claimed.len();
            // Concurrently within a batch: one slow receiver must not hold up the others.
            let mut set = tokio::task::JoinSet::new();
            for n in claimed {
                let me = self.clone();
                set.spawn(async move { me.attempt(&n).await });
            }
            let mut first_error = None;
            while let Some(done) = set.join_next().await {
                match done {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => {
                        first_error.get_or_insert(e);
                    }
                    Err(e) => {
                        first_error.get_or_insert(DomainError::internal_from("delivery task", e));
                    }
                }
            }
            if let Some(e) = first_error {
                return Err(e);
            }
        }
    }
}

pub async fn run(deliverer: Deliverer, shutdown: CancellationToken) {
    let wake = deliverer.store.clone();
    loop {
        if let Err(e) = deliverer.drain().await {
            tracing::warn!(error = %e, "notification delivery failed");
        }
        let poll = deliverer.settings.poll_interval();
        let sleep = match deliverer.store.next_notification_due().await {
            Ok(Some(due)) => (due - chrono::Utc::now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(poll),
            Ok(None) => poll,
            Err(e) => {
                tracing::warn!(error = %e, "reading the next notification's due time failed");
                poll
            }
        };
        tokio::select! {
            _ = wake.outbox().wake.notified() => {}
            _ = tokio::time::sleep(sleep.max(Duration::from_millis(10))) => {}
            _ = shutdown.cancelled() => return,
        }
    }
}
