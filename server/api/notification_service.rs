//! NotificationService: a person's webhook channels and their delivery history. Requests are
//! validated here (INVALID_ARGUMENT naming the field, in declaration order); every query is
//! scoped to the caller, so another user's channel is NOT_FOUND like one that never existed.

use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::{AppState, caller, convert};
use crate::domain::{DomainError, UserCaller, validate};
use crate::notify::{ChannelKind, NotifyEvent, Outcome, Payload};
use crate::proto::notification_service_server::NotificationService;
use crate::proto::*;
use crate::store::notifications::{StoredChannel, StoredDelivery};

/// Longest webhook URL accepted.
const MAX_URL_CHARS: usize = 2048;
/// The longest escalation delay.
const MAX_ESCALATE_SECS: u64 = 24 * 3600;

pub struct NotificationApi {
    state: AppState,
}

impl NotificationApi {
    pub fn new(state: AppState) -> NotificationApi {
        NotificationApi { state }
    }

    /// An email channel to someone else's address: kept waiting, and the confirmation link sent
    /// there now. A confirmation that cannot be sent keeps nothing (the caller may retry).
    async fn confirm_address(
        &self,
        user: crate::domain::UserId,
        account: &str,
        address: &str,
        events: &[crate::notify::NotifyEvent],
        escalate_after_secs: i32,
        mailer: &crate::notify::email::Mailer,
    ) -> Result<crate::store::notifications::StoredChannel, Status> {
        let store = &self.state.store;
        let (channel, token) = store
            .create_waiting_email_channel(
                user,
                address,
                events,
                escalate_after_secs,
                self.state.settings.notify.action_token_ttl(),
            )
            .await?;
        let public_url = self
            .state
            .deliverer
            .public_url
            .get()
            .map_or("", String::as_str)
            .trim_end_matches('/');
        let link = format!("{public_url}/act/{token}");
        let email = crate::notify::email::confirmation(account, address, &link);
        if let Some(why) = mailer.send(address, &email).await.error {
            if let Err(e) = store.delete_channel(user, channel.id).await {
                tracing::warn!(error = %e, channel_id = %channel.id, "an unconfirmable channel was left waiting");
            }
            tracing::warn!(channel_id = %channel.id, error = %why, "confirmation email not sent");
            return Err(Status::from(DomainError::Unavailable(format!(
                "the confirmation email could not be sent ({why}); try again later"
            ))));
        }
        tracing::info!(channel_id = %channel.id, "email channel waits for its address's confirmation");
        Ok(channel)
    }
}

fn channel_id(value: &str) -> Result<Uuid, DomainError> {
    validate::uuid("channel_id", value)
}

fn kind(value: i32) -> Result<ChannelKind, DomainError> {
    match crate::proto::ChannelKind::try_from(value) {
        Ok(crate::proto::ChannelKind::Webhook) => Ok(ChannelKind::Webhook),
        Ok(crate::proto::ChannelKind::Slack) => Ok(ChannelKind::Slack),
        _ => Err(DomainError::invalid(
            "kind",
            format!("must be CHANNEL_KIND_WEBHOOK or CHANNEL_KIND_SLACK, not {value}"),
        )),
    }
}

/// An absolute http(s) URL with a host: where the server will POST.
fn url(value: &str) -> Result<String, DomainError> {
    let v = validate::required_text("url", value.trim(), MAX_URL_CHARS)?;
    let uri: http::Uri = v.parse().map_err(|e| {
        DomainError::invalid("url", format!("{} is not a URL ({e})", validate::shown(&v)))
    })?;
    match (uri.scheme_str(), uri.host()) {
        (Some("http" | "https"), Some(host)) if !host.is_empty() => Ok(v),
        _ => Err(DomainError::invalid(
            "url",
            format!(
                "{} must be an absolute http:// or https:// URL with a host",
                validate::shown(&v)
            ),
        )),
    }
}

/// An email address a person typed: what an SMTP relay accepts, at most 254 characters.
fn email_address(address: &str) -> Result<(), DomainError> {
    if address.chars().count() > 254 || address.parse::<lettre::Address>().is_err() {
        return Err(DomainError::invalid(
            "address",
            format!(
                "{} is not an email address",
                crate::domain::validate::shown(address)
            ),
        ));
    }
    Ok(())
}

/// An escalation delay: whole seconds (rounded up), at most a day; unset is 0 (at once).
fn escalate_after(d: Option<&prost_types::Duration>) -> Result<i32, DomainError> {
    let Some(d) = d else { return Ok(0) };
    let d = convert::duration("escalate_after", d)?;
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    if secs > MAX_ESCALATE_SECS {
        return Err(DomainError::invalid(
            "escalate_after",
            format!("is at most 24 hours ({MAX_ESCALATE_SECS} s), not {secs} s"),
        ));
    }
    Ok(secs as i32)
}

pub(super) fn events(field: &'static str, values: &[i32]) -> Result<Vec<NotifyEvent>, DomainError> {
    if values.is_empty() {
        return Err(DomainError::invalid(
            field,
            "name at least one event (e.g. NOTIFICATION_EVENT_QUESTION_ASKED)",
        ));
    }
    let mut out = Vec::with_capacity(values.len());
    for &v in values {
        let event = i16::try_from(v)
            .ok()
            .filter(|n| *n != 0)
            .and_then(NotifyEvent::from_i16)
            .ok_or_else(|| {
                DomainError::invalid(
                    field,
                    format!("{v} is not a NotificationEvent (1 to 6; UNSPECIFIED is not one)"),
                )
            })?;
        if out.contains(&event) {
            return Err(DomainError::invalid(
                field,
                format!("{} is listed twice", event_pb(event).as_str_name()),
            ));
        }
        out.push(event);
    }
    Ok(out)
}

fn event_pb(e: NotifyEvent) -> NotificationEvent {
    match e {
        NotifyEvent::QuestionAsked => NotificationEvent::QuestionAsked,
        NotifyEvent::ApprovalRequested => NotificationEvent::ApprovalRequested,
        NotifyEvent::DeadlineNear => NotificationEvent::DeadlineNear,
        NotifyEvent::SessionFailed => NotificationEvent::SessionFailed,
        NotifyEvent::SessionCompleted => NotificationEvent::SessionCompleted,
        NotifyEvent::SessionDisconnected => NotificationEvent::SessionDisconnected,
    }
}

pub(super) fn channel_pb(c: StoredChannel) -> Channel {
    Channel {
        id: c.id.to_string(),
        kind: match c.kind {
            ChannelKind::Webhook => crate::proto::ChannelKind::Webhook,
            ChannelKind::Slack => crate::proto::ChannelKind::Slack,
            ChannelKind::Email => crate::proto::ChannelKind::Email,
            ChannelKind::WebPush => crate::proto::ChannelKind::WebPush,
        } as i32,
        url: c.url,
        events: c.events.into_iter().map(|e| event_pb(e) as i32).collect(),
        enabled: c.enabled,
        create_time: Some(convert::ts(c.created_at)),
        escalate_after: (c.escalate_after_secs > 0).then(|| prost_types::Duration {
            seconds: i64::from(c.escalate_after_secs),
            nanos: 0,
        }),
        label: c.label,
        awaiting_confirmation: !c.confirmed,
    }
}

fn delivery_pb(d: StoredDelivery) -> Delivery {
    Delivery {
        notification_id: d.notification_id.to_string(),
        event: d.event.map_or(NotificationEvent::Unspecified, event_pb) as i32,
        session_id: d.session_id.map(|s| s.to_string()).unwrap_or_default(),
        attempt: d.attempt,
        outcome: match d.outcome {
            Outcome::Sent => DeliveryOutcome::Sent,
            Outcome::Suppressed => DeliveryOutcome::Suppressed,
            Outcome::Failed => DeliveryOutcome::Failed,
        } as i32,
        http_status: d.http_status,
        detail: d.detail,
        attempt_time: Some(convert::ts(d.created_at)),
        event_count: d.event_count,
    }
}

/// A URL with its path (where a Slack URL keeps its secret) cut: `https://hooks.slack.com/…`.
fn redacted(url: &str) -> String {
    match url.parse::<http::Uri>() {
        // Host and port only: the authority may carry user:password too.
        Ok(uri) => format!(
            "{}://{}{}/…",
            uri.scheme_str().unwrap_or("https"),
            uri.host().unwrap_or(""),
            uri.port_u16().map(|p| format!(":{p}")).unwrap_or_default()
        ),
        Err(_) => "…".to_owned(),
    }
}

/// A generic webhook's signing key: 32 random bytes, shown to the person once.
fn new_signing_secret() -> String {
    crate::auth::secrets::new_webhook_secret()
}

#[tonic::async_trait]
impl NotificationService for NotificationApi {
    async fn list_channels(
        &self,
        request: Request<ListChannelsRequest>,
    ) -> Result<Response<ListChannelsResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let channels = self.state.store.list_channels(caller.user_id).await?;
        Ok(Response::new(ListChannelsResponse {
            channels: channels.into_iter().map(channel_pb).collect(),
        }))
    }

    async fn create_webhook_channel(
        &self,
        request: Request<CreateWebhookChannelRequest>,
    ) -> Result<Response<CreateWebhookChannelResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.get_ref();
        let kind = kind(req.kind)?;
        let url = url(&req.url)?;
        let events = events("events", &req.events)?;
        let escalate = escalate_after(req.escalate_after.as_ref())?;
        let sealer = &self.state.deliverer.sealer;
        // Kept sealed: the worker needs the key to sign (the URL to post to Slack), a database
        // dump must not reveal either. A Slack URL is its secret: only its origin is shown.
        let (secret, stored_url, stored_secret) = match kind {
            ChannelKind::Webhook => {
                let secret = new_signing_secret();
                let sealed = sealer.seal(crate::notify::WEBHOOK_SECRET_PURPOSE, secret.as_bytes());
                (secret, url, sealed)
            }
            ChannelKind::Slack => {
                let sealed = sealer.seal(crate::notify::SLACK_URL_PURPOSE, url.as_bytes());
                (String::new(), redacted(&url), sealed)
            }
            ChannelKind::Email | ChannelKind::WebPush => {
                unreachable!("kind() refuses EMAIL and WEB_PUSH here")
            }
        };
        let channel = self
            .state
            .store
            .create_escalating_channel(
                caller.user_id,
                kind,
                &stored_url,
                &stored_secret,
                &events,
                escalate,
            )
            .await?;
        // The URL can carry a token of its own (Slack's do): neither it nor the secret is logged.
        tracing::info!(channel_id = %channel.id, ?kind, "notification channel created");
        Ok(Response::new(CreateWebhookChannelResponse {
            channel: Some(channel_pb(channel)),
            signing_secret: secret,
        }))
    }

    async fn create_email_channel(
        &self,
        request: Request<CreateEmailChannelRequest>,
    ) -> Result<Response<CreateEmailChannelResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.get_ref();
        let address = req.address.trim();
        let events = events("events", &req.events)?;
        let escalate = escalate_after(req.escalate_after.as_ref())?;
        let own = self.state.store.user_email(caller.user_id).await?;
        let other = !address.is_empty() && !address.eq_ignore_ascii_case(&own);
        if other {
            email_address(address)?;
        }
        let Some(mailer) = self.state.deliverer.mailer.clone() else {
            return Err(Status::from(DomainError::FailedPrecondition(
                "this server sends no email: its operator has not configured notify.smtp".into(),
            )));
        };
        if other {
            let channel = self
                .confirm_address(caller.user_id, &own, address, &events, escalate, &mailer)
                .await?;
            return Ok(Response::new(CreateEmailChannelResponse {
                channel: Some(channel_pb(channel)),
            }));
        }
        let channel = self
            .state
            .store
            .create_escalating_channel(
                caller.user_id,
                ChannelKind::Email,
                &format!("mailto:{own}"),
                "",
                &events,
                escalate,
            )
            .await?;
        tracing::info!(channel_id = %channel.id, "email notification channel created");
        Ok(Response::new(CreateEmailChannelResponse {
            channel: Some(channel_pb(channel)),
        }))
    }

    async fn update_channel(
        &self,
        request: Request<UpdateChannelRequest>,
    ) -> Result<Response<UpdateChannelResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.get_ref();
        let id = channel_id(&req.channel_id)?;
        let events = match &req.events {
            Some(list) => Some(events("events", &list.events)?),
            None => None,
        };
        let escalate = match &req.escalate_after {
            Some(d) => Some(escalate_after(Some(d))?),
            None => None,
        };
        let mut channel = self
            .state
            .store
            .update_channel(caller.user_id, id, req.enabled, events.as_deref())
            .await?;
        if let Some(secs) = escalate {
            channel = self
                .state
                .store
                .set_channel_escalation(caller.user_id, id, secs)
                .await?;
        }
        Ok(Response::new(UpdateChannelResponse {
            channel: Some(channel_pb(channel)),
        }))
    }

    async fn delete_channel(
        &self,
        request: Request<DeleteChannelRequest>,
    ) -> Result<Response<DeleteChannelResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let id = channel_id(&request.get_ref().channel_id)?;
        self.state.store.delete_channel(caller.user_id, id).await?;
        tracing::info!(channel_id = %id, "notification channel deleted");
        Ok(Response::new(DeleteChannelResponse {}))
    }

    async fn test_channel(
        &self,
        request: Request<TestChannelRequest>,
    ) -> Result<Response<TestChannelResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let id = channel_id(&request.get_ref().channel_id)?;
        let deliverer = &self.state.deliverer;
        let payload = Payload {
            session_name: "test".to_owned(),
            agent_name: "switchboard".to_owned(),
            status: "Test".to_owned(),
            question_text: "This is a test notification from Switchboard.".to_owned(),
            ..Payload::default()
        };
        let claimed = self
            .state
            .store
            .claim_test_notification(caller.user_id, id, &payload, deliverer.lease())
            .await?;
        deliverer.attempt(&claimed).await?;
        let (mut latest, _) = self
            .state
            .store
            .list_deliveries(caller.user_id, id, None, 1)
            .await?;
        Ok(Response::new(TestChannelResponse {
            delivery: latest.pop().map(delivery_pb),
        }))
    }

    async fn list_deliveries(
        &self,
        request: Request<ListDeliveriesRequest>,
    ) -> Result<Response<ListDeliveriesResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.get_ref();
        let id = channel_id(&req.channel_id)?;
        let limit = validate::page_size(req.page_size)?;
        let scope = format!("deliveries:{id}");
        let before: Option<i64> = self.state.page_tokens.decode(&scope, &req.page_token)?;
        let (items, more) = self
            .state
            .store
            .list_deliveries(caller.user_id, id, before, limit)
            .await?;
        let next = if more {
            items
                .last()
                .map(|d| self.state.page_tokens.encode(&scope, &d.id))
        } else {
            None
        };
        Ok(Response::new(ListDeliveriesResponse {
            deliveries: items.into_iter().map(delivery_pb).collect(),
            next_page_token: next.unwrap_or_default(),
        }))
    }

    async fn get_push_config(
        &self,
        request: Request<GetPushConfigRequest>,
    ) -> Result<Response<GetPushConfigResponse>, Status> {
        super::push::get_push_config(&self.state, request).await
    }

    async fn add_push_subscription(
        &self,
        request: Request<AddPushSubscriptionRequest>,
    ) -> Result<Response<AddPushSubscriptionResponse>, Status> {
        super::push::add_push_subscription(&self.state, request).await
    }
}
