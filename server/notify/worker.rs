//! The delivery worker: one per server, started with the other background tasks. It sleeps
//! until this server commits an outbox row (the store's wake-up), the next retry is due, or the
//! poll interval passes (rows another server wrote, or left behind when it died), then claims
//! due rows and delivers them.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::action::{ActionTarget, AnswerLink, AnswerLinks};
use super::push::PushSender;
use super::webhook::{PostResult, WebhookClient};
use super::{ChannelKind, NotifyEvent, Outcome, Presence};
use crate::auth::sealed::Sealer;
use crate::config::NotifySettings;
use crate::domain::AuditChannel;
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
    /// Sends email channels' notifications; None without `notify.smtp`.
    pub mailer: Option<Arc<super::email::Mailer>>,
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
            client: WebhookClient::new(settings.http_timeout(), webhook_tls(&settings)),
            sealer,
            public_url: Default::default(),
            mailer: settings.smtp.as_ref().and_then(|smtp| {
                super::email::Mailer::new(smtp, settings.ca_file.as_deref())
                    .map(Arc::new)
                    .map_err(|e| tracing::error!(error = %e, "notify.smtp is unusable: no email"))
                    .ok()
            }),
            settings,
        }
    }

    /// How long a claimed row stays invisible to other servers: past the HTTP timeout, so a
    /// live delivery is never claimed twice, and short enough that a crash delays it little.
    pub fn lease(&self) -> Duration {
        self.settings.http_timeout() * 2 + Duration::from_secs(5)
    }

    /// Where to POST and the signing secret, unsealed: a generic webhook's secret is its
    /// signing key; a Slack channel's is its URL (Slack's URL is its secret), with the stored
    /// `url` redacted (channels from before URLs were sealed keep theirs in clear).
    fn target(&self, n: &Claimed) -> Result<(String, Vec<u8>), String> {
        let open = |purpose: &str| {
            self.sealer.open(purpose, &n.secret).map_err(|e| {
                format!("{e}; the server's root secret changed since the channel was created: re-create the channel")
            })
        };
        match n.kind {
            _ if n.secret.is_empty() => Ok((n.url.clone(), Vec::new())),
            super::ChannelKind::Slack => {
                let url = open(super::SLACK_URL_PURPOSE)?;
                Ok((String::from_utf8_lossy(&url).into_owned(), Vec::new()))
            }
            super::ChannelKind::Webhook => {
                Ok((n.url.clone(), open(super::WEBHOOK_SECRET_PURPOSE)?))
            }
            super::ChannelKind::Email => Ok((n.url.clone(), Vec::new())),
            // Sent by `push::PushSender` with the subscription's own keys, never through here.
            super::ChannelKind::WebPush => Err("a push subscription is not a webhook".to_owned()),
        }
    }

    /// Sends through the channel's kind, with answer links for a question or an approval.
    async fn send(&self, n: &Claimed) -> PostResult {
        let public_url = self.public_url.get().map_or("", String::as_str);
        if n.kind == ChannelKind::WebPush {
            // Push mints its own answer tokens (PUSH_ACTION) for the actions it offers.
            return self.push.deliver(n, &self.client, public_url).await;
        }
        let links = match self.answer_links(n, public_url).await {
            Ok(links) => links,
            Err(e) => {
                return PostResult {
                    http_status: 0,
                    error: Some(format!("the answer links could not be made: {e}")),
                    permanent: false,
                };
            }
        };
        if n.kind == ChannelKind::Email {
            let Some(mailer) = &self.mailer else {
                return PostResult {
                    http_status: 0,
                    error: Some("this server has no SMTP settings (notify.smtp)".to_owned()),
                    permanent: true,
                };
            };
            let email = super::email::render(n, links.as_ref(), public_url);
            return mailer.send(super::email::address(&n.url), &email).await;
        }
        match self.target(n) {
            Ok((url, secret)) => {
                self.client
                    .deliver(n, &url, &secret, public_url, links.as_ref())
                    .await
            }
            // Retrying cannot help: fail for good, saying what to do.
            Err(why) => PostResult {
                http_status: 0,
                error: Some(why),
                permanent: true,
            },
        }
    }

    /// For a question or an approval: a new action token for this person (minted now, at
    /// delivery: the clear token exists only in what is sent) and the links that carry it.
    async fn answer_links(
        &self,
        n: &Claimed,
        public_url: &str,
    ) -> Result<Option<AnswerLinks>, DomainError> {
        let (Some(event), Some(session)) = (n.event, n.session_id) else {
            return Ok(None);
        };
        let p = &n.payload;
        let (target, options): (ActionTarget, Vec<(String, String)>) = match event {
            NotifyEvent::QuestionAsked | NotifyEvent::DeadlineNear => {
                let Ok(question_id) = p.question_id.parse() else {
                    return Ok(None);
                };
                let labels = self.store.question_labels(question_id).await?;
                let options = labels
                    .into_iter()
                    .map(|l| {
                        let query = form_urlencoded::Serializer::new(String::new())
                            .append_pair("choice", &l)
                            .finish();
                        (l, query)
                    })
                    .collect();
                let target = ActionTarget::Question {
                    session_id: session.0,
                    question_id,
                };
                (target, options)
            }
            NotifyEvent::ApprovalRequested if !p.approval_id.is_empty() => {
                let target = ActionTarget::Approval {
                    session_id: session.0,
                    request_id: p.approval_id.clone(),
                };
                let options = [
                    ("Allow", "allow"),
                    ("Allow for this session", "allow_session"),
                    ("Deny", "deny"),
                ]
                .map(|(label, d)| (label.to_owned(), format!("decision={d}")))
                .to_vec();
                (target, options)
            }
            _ => return Ok(None),
        };
        let token = self
            .store
            .mint_action_token(
                n.user_id,
                target,
                AuditChannel::NotificationLink,
                self.settings.action_token_ttl(),
            )
            .await?;
        let page = format!("{}/act/{token}", public_url.trim_end_matches('/'));
        Ok(Some(AnswerLinks {
            options: options
                .into_iter()
                .map(|(label, query)| AnswerLink {
                    label,
                    url: format!("{page}?{query}"),
                })
                .collect(),
            page,
        }))
    }

    /// One attempt of a claimed notification, recorded.
    pub async fn attempt(&self, n: &Claimed) -> Result<AttemptResult, DomainError> {
        let watching = match n.session_id {
            Some(session) => self.presence.is_watching(n.user_id, session).await,
            None => false,
        };
        let suppressed = |detail: &str| AttemptResult {
            outcome: Outcome::Suppressed,
            http_status: 0,
            detail: detail.to_owned(),
            retry_in: None,
        };
        let result = if watching {
            suppressed("suppressed: watching the session in a dashboard")
        } else if !self.store.still_waiting(n).await? {
            // Answered (or decided, or the session ended) before this was due: an escalation
            // that is no longer needed, or a retry that would only be noise.
            suppressed("suppressed: already answered")
        } else {
            let posted = self.send(n).await;
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

    /// The claimed rows their people may still be sent this minute (`per_person_per_minute`);
    /// the others are put back, due when the oldest send of the window leaves it. Counted per
    /// batch here and from the database across batches and replicas (replicas racing in the same
    /// instant may each send one more).
    async fn within_rate_limit(&self, claimed: Vec<Claimed>) -> Result<Vec<Claimed>, DomainError> {
        let limit = i64::from(self.settings.per_person_per_minute);
        if limit == 0 {
            return Ok(claimed);
        }
        let window = chrono::Duration::minutes(1);
        let mut budgets: std::collections::HashMap<
            crate::domain::UserId,
            (i64, chrono::DateTime<chrono::Utc>),
        > = Default::default();
        let mut send = Vec::with_capacity(claimed.len());
        for n in claimed {
            let budget = match budgets.entry(n.user_id) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => {
                    let (count, oldest) = self.store.recent_sends(n.user_id).await?;
                    let frees = oldest.unwrap_or_else(chrono::Utc::now) + window;
                    v.insert((limit - count, frees))
                }
            };
            if budget.0 > 0 {
                budget.0 -= 1;
                send.push(n);
            } else {
                tracing::debug!(notification_id = %n.id, until = %budget.1, "rate limited: waits");
                self.store.defer_notification(&n, budget.1).await?;
            }
        }
        Ok(send)
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
            let claimed = self.within_rate_limit(claimed).await?;
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

/// The TLS configuration of deliveries; a bad `notify.ca_file` has already stopped the start
/// (`runtime::server` checks it first), so the fallback only serves callers that skip that check.
fn webhook_tls(settings: &NotifySettings) -> Arc<tokio_rustls::rustls::ClientConfig> {
    super::tls::client_config(settings.ca_file.as_deref()).unwrap_or_else(|e| {
        tracing::error!(error = %e, "notify.ca_file is unusable: trusting the system's CAs only");
        super::tls::client_config(None).expect("a configuration without a CA file builds")
    })
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
