//! Web push (RFC 8030) to a browser's subscription: the JSON message is encrypted for that
//! browser alone (RFC 8291, `aes128gcm`, with `web-push-native`) and the request carries this
//! deployment's VAPID token (RFC 8292, `vapid`). The service worker in `clients/web` shows it
//! with one action per answer; the action posts the answer to `/act/<token>`.
//!
//! Headers: `TTL` (how long the push service keeps it for an offline device), `Urgency` (high
//! for what blocks an agent, so a phone in power saving still wakes for it) and `Topic` (one per
//! session: an undelivered older push of the session is replaced by the newer one instead of
//! both arriving). A 404 or 410 answer means the subscription is gone for good: the channel is
//! disabled and its keys erased (`Store::remove_push_subscription`).

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::action::ActionTarget;
use super::vapid::{self, VAPID_KEY_PURPOSE, Vapid};
use super::webhook::{PostResult, WebhookClient, headline};
use super::{NotifyEvent, Payload};
use crate::auth::sealed::Sealer;
use crate::config::NotifySettings;
use crate::domain::{AuditChannel, DomainError, DomainResult, SessionId, validate};
use crate::store::Store;
use crate::store::notifications::Claimed;
use crate::store::push::PushSubject;

/// What a subscription's keys are sealed for (`auth::sealed`).
pub const PUSH_KEYS_PURPOSE: &str = "web push subscription keys";
/// Longest endpoint accepted.
pub const MAX_ENDPOINT_CHARS: usize = 2048;
/// Longest device label accepted.
pub const MAX_LABEL_CHARS: usize = 100;
/// RFC 8291 §4: a push message body is at most 4096 bytes; the aes128gcm header (86 bytes with
/// a P-256 key id), the padding delimiter (1) and the tag (16) leave 3993 for the JSON.
pub const MAX_MESSAGE_BYTES: usize = 4096 - 86 - 1 - 16;
/// Most answer buttons offered (browsers show two to four).
const MAX_ACTIONS: usize = 4;

/// A browser subscription's keys, as `PushSubscription.toJSON().keys` gives them (base64url).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionKeys {
    pub p256dh: String,
    pub auth: String,
}

/// A validated subscription.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub endpoint: String,
    pub keys: SubscriptionKeys,
}

/// Browsers give base64url without padding; a padded value is accepted too.
fn b64url(field: &'static str, value: &str) -> Result<Vec<u8>, DomainError> {
    URL_SAFE_NO_PAD
        .decode(value.trim().trim_end_matches('='))
        .map_err(|_| {
            DomainError::invalid(
                field,
                "must be base64url (as PushSubscription.toJSON() gives it)",
            )
        })
}

/// Whether `host` is this machine (plain http is allowed there only, for tests).
fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Checks a subscription's fields (named as in `AddPushSubscriptionRequest`): an https endpoint
/// (http for loopback only), a P-256 public key on the curve and a 16-byte auth secret.
pub fn subscription(endpoint: &str, p256dh: &str, auth: &str) -> Result<Subscription, DomainError> {
    let endpoint = validate::required_text("endpoint", endpoint.trim(), MAX_ENDPOINT_CHARS)?;
    let uri: http::Uri = endpoint.parse().map_err(|e| {
        DomainError::invalid(
            "endpoint",
            format!("{} is not a URL ({e})", validate::shown(&endpoint)),
        )
    })?;
    match (uri.scheme_str(), uri.host()) {
        (Some("https"), Some(host)) if !host.is_empty() => {}
        (Some("http"), Some(host)) if is_loopback_host(host) => {}
        _ => {
            return Err(DomainError::invalid(
                "endpoint",
                format!(
                    "{} must be an https:// URL with a host (http:// only on loopback)",
                    validate::shown(&endpoint)
                ),
            ));
        }
    }
    let key = b64url("p256dh", p256dh)?;
    if key.len() != 65 || key[0] != 4 {
        return Err(DomainError::invalid(
            "p256dh",
            format!(
                "must be an uncompressed P-256 point (65 bytes), not {} bytes",
                key.len()
            ),
        ));
    }
    if web_push_native::p256::PublicKey::from_sec1_bytes(&key).is_err() {
        return Err(DomainError::invalid(
            "p256dh",
            "is not a point on the P-256 curve",
        ));
    }
    let secret = b64url("auth", auth)?;
    if secret.len() != 16 {
        return Err(DomainError::invalid(
            "auth",
            format!("must be 16 bytes, not {}", secret.len()),
        ));
    }
    Ok(Subscription {
        endpoint,
        keys: SubscriptionKeys {
            p256dh: URL_SAFE_NO_PAD.encode(key),
            auth: URL_SAFE_NO_PAD.encode(secret),
        },
    })
}

/// A single-use link that answers from the notification (see `action_link`).
#[derive(Debug, Clone)]
pub struct ActionLink {
    pub token: String,
    pub url: String,
}

/// The link to the session in the dashboard (its client-side route).
pub fn session_url(public_url: &str, session: Option<SessionId>) -> String {
    let base = public_url.trim_end_matches('/');
    match session {
        Some(s) => format!("{base}/sessions/{s}"),
        None => format!("{base}/"),
    }
}

/// `Urgency` (RFC 8030 §5.3): what blocks an agent wakes a device in power saving.
pub fn urgency(event: Option<NotifyEvent>) -> &'static str {
    match event {
        Some(
            NotifyEvent::QuestionAsked | NotifyEvent::ApprovalRequested | NotifyEvent::DeadlineNear,
        ) => "high",
        Some(NotifyEvent::SessionCompleted) => "low",
        _ => "normal",
    }
}

/// `Topic` (RFC 8030 §5.4): one per session, at most 32 URL-safe characters.
pub fn topic(session: Option<SessionId>) -> Option<String> {
    session.map(|s| s.0.simple().to_string())
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// The answers a notification offers as buttons: a single-choice question's options, or the
/// three approval decisions. None for coalesced questions (the person should see them all), for
/// free-text or multiple-choice questions, and for what is no longer open.
fn actions(n: &Claimed, subject: &PushSubject) -> Vec<serde_json::Value> {
    match n.event {
        Some(NotifyEvent::QuestionAsked | NotifyEvent::DeadlineNear) if n.event_count <= 1 => {
            let Some(q) = &subject.open_question else {
                return Vec::new();
            };
            if q.choice_mode == crate::domain::ChoiceMode::Multiple {
                return Vec::new();
            }
            q.options
                .iter()
                .take(MAX_ACTIONS)
                .enumerate()
                .map(|(i, o)| {
                    json!({
                        "action": format!("choice-{i}"),
                        "title": cut(&o.label, 40),
                        "answer": {"choice": o.label},
                    })
                })
                .collect()
        }
        Some(NotifyEvent::ApprovalRequested) if subject.approval_open => [
            ("allow", "Allow"),
            ("allow_session", "Allow for session"),
            ("deny", "Deny"),
        ]
        .into_iter()
        .map(|(decision, title)| {
            json!({"action": decision, "title": title, "answer": {"decision": decision}})
        })
        .collect(),
        _ => Vec::new(),
    }
}

fn detail(p: &Payload) -> &str {
    [&p.question_text, &p.approval_summary, &p.reason]
        .into_iter()
        .find(|s| !s.is_empty())
        .map_or("", String::as_str)
}

/// The JSON the service worker receives, within `MAX_MESSAGE_BYTES`: the body is shortened
/// first, then the buttons dropped (the notification still opens the session).
pub fn message(
    n: &Claimed,
    subject: &PushSubject,
    public_url: &str,
    action: Option<&ActionLink>,
) -> Vec<u8> {
    let p = &n.payload;
    let mut m = json!({
        "v": 1,
        "id": n.id,
        "event": n.event.map_or("test", NotifyEvent::name),
        "title": cut(&headline(n), 120),
        "body": cut(detail(p), 1000),
        "url": session_url(public_url, n.session_id),
        "session_id": p.session_id,
        "count": n.event_count,
        "urgency": urgency(n.event),
        // Same tag, same notification in the tray: a newer one of a session replaces the older.
        "tag": n.session_id.map_or_else(|| format!("switchboard-{}", n.id), |s| format!("switchboard-session-{s}")),
        "actions": actions(n, subject),
    });
    if !p.question_id.is_empty() {
        m["question_id"] = json!(p.question_id);
    }
    if !p.approval_id.is_empty() {
        m["approval_id"] = json!(p.approval_id);
        m["tool_name"] = json!(p.tool_name);
    }
    if let Some(a) = action {
        m["token"] = json!(a.token);
        m["act_url"] = json!(a.url);
    }
    let mut body = serde_json::to_vec(&m).expect("JSON values serialize");
    for max in [300, 80, 0] {
        if body.len() <= MAX_MESSAGE_BYTES {
            break;
        }
        m["body"] = json!(cut(detail(p), max));
        if max == 0 {
            m["actions"] = json!([]);
            m["title"] = json!(cut(&headline(n), 60));
        }
        body = serde_json::to_vec(&m).expect("JSON values serialize");
    }
    body
}

/// Sends web pushes; shared by the worker and `GetPushConfig`.
#[derive(Clone)]
pub struct PushSender {
    store: Store,
    sealer: Arc<Sealer>,
    settings: NotifySettings,
    vapid: Arc<OnceCell<Arc<Vapid>>>,
}

impl PushSender {
    pub fn new(store: Store, sealer: Arc<Sealer>, settings: NotifySettings) -> PushSender {
        PushSender {
            store,
            sealer,
            settings,
            vapid: Default::default(),
        }
    }

    /// Seals a subscription's keys for the channel's `secret`.
    pub fn seal_keys(&self, keys: &SubscriptionKeys) -> String {
        let json = serde_json::to_vec(keys).expect("keys serialize");
        self.sealer.seal(PUSH_KEYS_PURPOSE, &json)
    }

    /// A subscription's keys as sealed by `seal_keys`; None if they cannot be opened.
    pub fn open_keys(&self, sealed: &str) -> Option<SubscriptionKeys> {
        self.sealer
            .open(PUSH_KEYS_PURPOSE, sealed)
            .ok()
            .and_then(|k| serde_json::from_slice(&k).ok())
    }

    /// The deployment's VAPID key: read once, made once (by whichever replica needs it first).
    pub async fn vapid(&self) -> DomainResult<Arc<Vapid>> {
        self.vapid
            .get_or_try_init(|| async {
                let (public, sealed) = match self.store.stored_vapid_key().await? {
                    Some(pair) => pair,
                    None => {
                        let (pkcs8, public) = vapid::generate();
                        let sealed = self.sealer.seal(VAPID_KEY_PURPOSE, &pkcs8);
                        self.store
                            .vapid_key_pair(&URL_SAFE_NO_PAD.encode(public), &sealed)
                            .await?
                    }
                };
                let pkcs8 = self.sealer.open(VAPID_KEY_PURPOSE, &sealed).map_err(|e| {
                    DomainError::internal(format!(
                        "{e}: the VAPID key was sealed under another root secret (auth.jwt_secret); \
                         restore that secret, or delete the push_vapid_keys row and have every \
                         device enable push again"
                    ))
                })?;
                let key = Vapid::from_pkcs8(&pkcs8).map_err(DomainError::internal)?;
                if key.public_key() != public {
                    return Err(DomainError::internal(
                        "the stored VAPID public key does not match its private key",
                    ));
                }
                Ok(Arc::new(key))
            })
            .await
            .cloned()
    }

    /// The VAPID `sub` claim: the configured contact, else the public https address.
    pub fn subject(&self, public_url: &str) -> String {
        if !self.settings.vapid_subject.is_empty() {
            return self.settings.vapid_subject.clone();
        }
        if public_url.starts_with("https://") {
            return public_url.trim_end_matches('/').to_owned();
        }
        "mailto:switchboard@localhost".to_owned()
    }

    /// The single-use token that lets the service worker answer without a sign-in (see
    /// `notify::action`), minted at delivery for the question or approval whose answers the
    /// push offers; the clear token exists only in this push. None when nothing is offered or
    /// minting failed (the push then opens the session instead).
    async fn action_link(
        &self,
        n: &Claimed,
        subject: &PushSubject,
        public_url: &str,
    ) -> Option<ActionLink> {
        if actions(n, subject).is_empty() {
            return None;
        }
        let session_id = n.session_id?.0;
        let target = match (&subject.open_question, n.event?) {
            (Some(q), NotifyEvent::QuestionAsked | NotifyEvent::DeadlineNear) => {
                ActionTarget::Question {
                    session_id,
                    question_id: q.id.0,
                }
            }
            (_, NotifyEvent::ApprovalRequested) => ActionTarget::Approval {
                session_id,
                request_id: n.payload.approval_id.clone(),
            },
            _ => return None,
        };
        let minted = self
            .store
            .mint_action_token(
                n.user_id,
                target,
                AuditChannel::PushAction,
                self.settings.action_token_ttl(),
            )
            .await;
        match minted {
            Ok(token) => Some(ActionLink {
                url: format!("{}/act/{token}", public_url.trim_end_matches('/')),
                token,
            }),
            Err(e) => {
                tracing::warn!(error = %e, notification_id = %n.id, "minting a push action token failed");
                None
            }
        }
    }

    /// One push attempt: builds, encrypts, signs and posts it. A 404/410 answer removes the
    /// subscription.
    pub async fn deliver(
        &self,
        n: &Claimed,
        client: &WebhookClient,
        public_url: &str,
    ) -> PostResult {
        let permanent = |why: String| PostResult {
            http_status: 0,
            error: Some(why),
            permanent: true,
        };
        if n.secret.is_empty() {
            return permanent(
                "this device's push subscription was removed (its push service said it is gone); \
                 enable push on the device again"
                    .to_owned(),
            );
        }
        let keys: SubscriptionKeys = match self
            .sealer
            .open(PUSH_KEYS_PURPOSE, &n.secret)
            .ok()
            .and_then(|k| serde_json::from_slice(&k).ok())
        {
            Some(k) => k,
            None => {
                return permanent(
                    "the subscription's keys cannot be opened (the server's root secret changed): \
                     enable push on the device again"
                        .to_owned(),
                );
            }
        };
        let vapid = match self.vapid().await {
            Ok(v) => v,
            Err(e) => {
                tracing::error!(error = %e, "the VAPID key is unusable");
                return PostResult {
                    http_status: 0,
                    error: Some("the server's VAPID key is unusable (see the server log)".into()),
                    permanent: false,
                };
            }
        };
        let subject = match (n.session_id, n.event) {
            (Some(session), Some(_)) => {
                let question = Uuid::parse_str(&n.payload.question_id).ok();
                let approval = Uuid::parse_str(&n.payload.approval_id).ok();
                // Offering answers is a nicety: a failed read sends the push without them.
                self.store
                    .push_subject(session, question, approval)
                    .await
                    .unwrap_or_else(|e| {
                        tracing::warn!(error = %e, notification_id = %n.id, "reading what a push answers failed");
                        PushSubject::default()
                    })
            }
            _ => PushSubject::default(),
        };
        let action = self.action_link(n, &subject, public_url).await;
        let body = message(n, &subject, public_url, action.as_ref());
        let request = match self.encrypt(n, &keys, &vapid, public_url, body) {
            Ok(r) => r,
            Err(why) => return permanent(why),
        };
        let (parts, body) = request.into_parts();
        let mut builder = http::Request::post(parts.uri);
        if let Some(headers) = builder.headers_mut() {
            *headers = parts.headers;
        }
        let mut result = client.post(builder, body).await;
        match result.http_status {
            404 | 410 => {
                result.permanent = true;
                let removed = self
                    .store
                    .remove_push_subscription(n.channel_id, &n.secret)
                    .await;
                let why = result.error.take().unwrap_or_default();
                result.error = Some(match removed {
                    Ok(true) => format!(
                        "{why}; the subscription is gone: removed (enable push on the device again)"
                    ),
                    Ok(false) => {
                        format!("{why}; the subscription is gone (already removed or replaced)")
                    }
                    Err(e) => {
                        format!("{why}; the subscription is gone but removing it failed: {e}")
                    }
                });
            }
            // The request itself is refused (bad VAPID token, too large): retrying cannot help.
            400 | 401 | 403 | 413 => result.permanent = true,
            _ => {}
        }
        result
    }

    fn encrypt(
        &self,
        n: &Claimed,
        keys: &SubscriptionKeys,
        vapid: &Vapid,
        public_url: &str,
        body: Vec<u8>,
    ) -> Result<http::Request<Vec<u8>>, String> {
        let endpoint: http::Uri = n
            .url
            .parse()
            .map_err(|e| format!("the endpoint is not a URL: {e}"))?;
        let p256dh = URL_SAFE_NO_PAD
            .decode(&keys.p256dh)
            .ok()
            .and_then(|k| web_push_native::p256::PublicKey::from_sec1_bytes(&k).ok())
            .ok_or("the subscription's p256dh key is not a P-256 point")?;
        let auth = URL_SAFE_NO_PAD
            .decode(&keys.auth)
            .ok()
            .filter(|a| a.len() == 16)
            .map(|a| {
                let mut secret = web_push_native::Auth::default();
                secret.copy_from_slice(&a);
                secret
            })
            .ok_or("the subscription's auth secret is not 16 bytes")?;
        let ttl = self.settings.push_ttl();
        let mut request = web_push_native::WebPushBuilder::new(endpoint.clone(), p256dh, auth)
            .with_valid_duration(ttl)
            .build(body)
            .map_err(|e| format!("encrypting the push failed: {e}"))?;
        let authorization = vapid.authorization(
            &endpoint,
            &self.subject(public_url),
            std::time::Duration::from_secs(12 * 3600),
        )?;
        let headers = request.headers_mut();
        let mut set = |name: &'static str, value: &str| -> Result<(), String> {
            let value = http::HeaderValue::from_str(value).map_err(|e| format!("{name}: {e}"))?;
            headers.insert(http::HeaderName::from_static(name), value);
            Ok(())
        };
        set("authorization", &authorization)?;
        set("urgency", urgency(n.event))?;
        if let Some(t) = topic(n.session_id) {
            set("topic", &t)?;
        }
        set("user-agent", "switchboard-notify/1")?;
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P256DH: &str =
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";

    #[test]
    fn subscriptions_are_checked_field_by_field() {
        let ok = subscription("https://fcm.googleapis.com/fcm/send/abc", P256DH, AUTH).unwrap();
        assert_eq!(ok.keys.p256dh, P256DH);
        assert!(subscription("http://127.0.0.1:9/push", P256DH, AUTH).is_ok());
        assert!(subscription("http://[::1]:9/push", P256DH, AUTH).is_ok());
        let field = |r: Result<Subscription, DomainError>| match r {
            Err(DomainError::InvalidArgument { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(subscription("", P256DH, AUTH)), "endpoint");
        assert_eq!(
            field(subscription("http://push.example.com/x", P256DH, AUTH)),
            "endpoint"
        );
        assert_eq!(
            field(subscription("ftp://push.example.com/x", P256DH, AUTH)),
            "endpoint"
        );
        assert_eq!(
            field(subscription("https://p.example/x", "", AUTH)),
            "p256dh"
        );
        assert_eq!(
            field(subscription("https://p.example/x", "!!", AUTH)),
            "p256dh"
        );
        assert_eq!(
            field(subscription("https://p.example/x", &P256DH[..40], AUTH)),
            "p256dh"
        );
        // 65 bytes starting 0x04 but not on the curve.
        let off = URL_SAFE_NO_PAD.encode([4u8; 65]);
        assert_eq!(
            field(subscription("https://p.example/x", &off, AUTH)),
            "p256dh"
        );
        assert_eq!(
            field(subscription("https://p.example/x", P256DH, "AAAA")),
            "auth"
        );
        // Padding is tolerated.
        assert!(subscription("https://p.example/x", P256DH, "BTBZMqHH6r4Tts7J_aSIgg==").is_ok());
    }

    fn claimed(text: &str) -> Claimed {
        Claimed {
            id: Uuid::new_v4(),
            channel_id: Uuid::new_v4(),
            user_id: crate::domain::UserId(Uuid::new_v4()),
            kind: super::super::ChannelKind::WebPush,
            url: "https://p.example/x".into(),
            secret: String::new(),
            event: Some(NotifyEvent::QuestionAsked),
            session_id: Some(SessionId(Uuid::new_v4())),
            event_count: 1,
            payload: Payload {
                session_name: "n".repeat(500),
                agent_name: "agent".into(),
                question_text: text.into(),
                ..Payload::default()
            },
            attempt: 1,
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn a_long_question_is_shortened_to_fit_one_push() {
        let q = crate::domain::Question {
            id: crate::domain::QuestionId(Uuid::new_v4()),
            text: String::new(),
            options: (0..20)
                .map(|i| crate::domain::QuestionOption {
                    id: format!("o{i}"),
                    label: "é".repeat(200),
                    description: String::new(),
                })
                .collect(),
            choice_mode: crate::domain::ChoiceMode::Single,
            allow_free_text: false,
            deadline: None,
            default_option_ids: Vec::new(),
            default_text: String::new(),
            answer: None,
        };
        let subject = PushSubject {
            open_question: Some(q),
            approval_open: false,
        };
        let link = ActionLink {
            token: "sb_act_x".into(),
            url: "https://sb.example/act/sb_act_x".into(),
        };
        let n = claimed(&"€".repeat(16_000));
        let body = message(&n, &subject, "https://sb.example", Some(&link));
        assert!(body.len() <= MAX_MESSAGE_BYTES, "{} bytes", body.len());
        let m: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(m["token"], "sb_act_x", "the token survives shortening");
        assert!(m["body"].as_str().unwrap().ends_with('…'));
        // A short one is left whole, with its buttons (at most four).
        let n = claimed("Ship it?");
        let m: serde_json::Value =
            serde_json::from_slice(&message(&n, &subject, "https://sb.example", None)).unwrap();
        assert_eq!(m["body"], "Ship it?");
        assert_eq!(m["actions"].as_array().unwrap().len(), MAX_ACTIONS);
    }

    #[test]
    fn topics_fit_the_rfc_and_urgency_follows_the_event() {
        let s = SessionId(Uuid::new_v4());
        let t = topic(Some(s)).unwrap();
        assert_eq!(t.len(), 32);
        assert!(t.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(urgency(Some(NotifyEvent::ApprovalRequested)), "high");
        assert_eq!(urgency(Some(NotifyEvent::SessionFailed)), "normal");
        assert_eq!(urgency(None), "normal");
    }
}
