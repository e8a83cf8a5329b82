//! Webhook deliveries: an HTTP POST of JSON, with hyper-util's client (already in the tree
//! through tonic), over https with rustls (`notify::tls`) or plain http. The generic body is signed so a receiver can check its origin and refuse
//! replays; the Slack body is an incoming-webhook Block Kit message.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hmac::{KeyInit, Mac};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::json;
use sha2::Sha256;

use super::action::AnswerLinks;
use super::{ChannelKind, NotifyEvent};
use crate::store::notifications::Claimed;

/// The header with the Unix time (seconds) the signature covers.
pub const TIMESTAMP_HEADER: &str = "Switchboard-Timestamp";
/// The header `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`.
pub const SIGNATURE_HEADER: &str = "Switchboard-Signature";

/// How much of a refusing receiver's body goes into the recorded reason.
const MAX_DETAIL_BODY: usize = 200;

/// `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// A short human sentence for the notification.
pub fn headline(n: &Claimed) -> String {
    let p = &n.payload;
    let who = if p.session_name.is_empty() {
        p.agent_name.clone()
    } else {
        format!("{} ({})", p.session_name, p.agent_name)
    };
    match n.event {
        Some(NotifyEvent::QuestionAsked) if n.event_count > 1 => {
            format!("{who} asked {} questions", n.event_count)
        }
        Some(NotifyEvent::QuestionAsked) => format!("{who} asked a question"),
        Some(NotifyEvent::ApprovalRequested) => {
            format!("{who} asks to run {}", p.tool_name)
        }
        Some(NotifyEvent::DeadlineNear) => format!("A question of {who} is about to time out"),
        Some(NotifyEvent::SessionFailed) => format!("{who} failed"),
        Some(NotifyEvent::SessionCompleted) => format!("{who} completed"),
        Some(NotifyEvent::SessionDisconnected) => format!("{who} disconnected"),
        None => "Switchboard test notification".to_owned(),
    }
}

/// The detail line: the question, the approval's summary, or the reason of an ending.
fn detail(n: &Claimed) -> String {
    let p = &n.payload;
    [&p.question_text, &p.approval_summary, &p.reason]
        .into_iter()
        .find(|s| !s.is_empty())
        .cloned()
        .unwrap_or_default()
}

/// The link to the session in the dashboard.
pub fn session_link(public_url: &str, n: &Claimed) -> String {
    let base = public_url.trim_end_matches('/');
    match n.session_id {
        Some(s) => format!("{base}/sessions/{s}"),
        None => format!("{base}/"),
    }
}

/// The generic webhook's JSON body. `answer` (questions and approvals) carries the answer
/// links: the page, and one link per option that opens the page with it ready to send.
pub fn generic_body(n: &Claimed, link: &str, links: Option<&AnswerLinks>) -> serde_json::Value {
    let mut body = json!({
        "id": n.id,
        "event": n.event.map_or("test", NotifyEvent::name),
        "event_count": n.event_count,
        "created_at": n.created_at,
        "attempt": n.attempt,
        "text": headline(n),
        "session": n.payload,
        "url": link,
    });
    if let Some(links) = links {
        body["answer"] = json!({
            "url": links.page,
            "options": links.options.iter().map(|o| json!({"label": o.label, "url": o.url})).collect::<Vec<_>>(),
        });
    }
    body
}

/// A Slack incoming-webhook message: header, the question (or reason) as a section, a context
/// line and a button that opens the session.
pub fn slack_body(n: &Claimed, link: &str, links: Option<&AnswerLinks>) -> serde_json::Value {
    let title = headline(n);
    let text = detail(n);
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": truncate(&title, 150), "emoji": true},
    })];
    if !text.is_empty() {
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": truncate(&slack_escape(&text), 3000)},
        }));
    }
    blocks.push(json!({
        "type": "context",
        "elements": [{
            "type": "mrkdwn",
            "text": truncate(&slack_escape(&format!(
                "agent {} · status {}",
                n.payload.agent_name, n.payload.status
            )), 3000),
        }],
    }));
    // The session first (where the whole context is), then one button per option (Slack
    // allows 25 elements; a few fit a phone), each opening the answer page with it ready.
    let mut buttons = vec![json!({
        "type": "button",
        "text": {"type": "plain_text", "text": "Open session"},
        "url": link,
        "action_id": "open_session",
    })];
    if let Some(links) = links {
        buttons.extend(links.options.iter().take(5).enumerate().map(|(i, o)| {
            json!({
                "type": "button",
                "text": {"type": "plain_text", "text": truncate(&o.label, 75)},
                "url": o.url,
                "action_id": format!("answer_{i}"),
            })
        }));
    }
    blocks.push(json!({"type": "actions", "elements": buttons}));
    // `text` is the fallback Slack shows in notifications and clients without blocks.
    json!({"text": title, "blocks": blocks})
}

/// Slack's mrkdwn treats these three as control characters.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut t: String = s.chars().take(max - 1).collect();
    t.push('…');
    t
}

/// What one POST came to.
#[derive(Debug, Clone)]
pub struct PostResult {
    /// 0 when no response was received.
    pub http_status: u16,
    /// None when the receiver accepted it (2xx); else why not.
    pub error: Option<String>,
    /// Retrying cannot help (the failure is the channel's, not the network's).
    pub permanent: bool,
}

/// Sends webhook deliveries.
#[derive(Clone)]
pub struct WebhookClient {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

impl WebhookClient {
    /// `tls` decides which receivers' certificates are trusted (`notify::tls::client_config`).
    pub fn new(timeout: Duration, tls: Arc<tokio_rustls::rustls::ClientConfig>) -> WebhookClient {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(timeout));
        // The https connector below takes the https URLs; this one must let them through.
        connector.enforce_http(false);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config((*tls).clone())
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        WebhookClient {
            client: Client::builder(TokioExecutor::new()).build(connector),
            timeout,
        }
    }

    /// Builds the channel's body and POSTs it to `url` (the channel's, unsealed for Slack).
    /// `secret` is the channel's signing key, unsealed.
    pub async fn deliver(
        &self,
        n: &Claimed,
        url: &str,
        secret: &[u8],
        public_url: &str,
        links: Option<&AnswerLinks>,
    ) -> PostResult {
        let link = session_link(public_url, n);
        let body = match n.kind {
            ChannelKind::Slack => slack_body(n, &link, links),
            _ => generic_body(n, &link, links),
        };
        let body = serde_json::to_vec(&body).expect("JSON values serialize");
        let mut request = http::Request::post(url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::USER_AGENT, "switchboard-notify/1");
        if n.kind == ChannelKind::Webhook {
            let timestamp = chrono::Utc::now().timestamp();
            request = request
                .header(TIMESTAMP_HEADER, timestamp)
                .header(SIGNATURE_HEADER, signature(secret, timestamp, &body));
        }
        self.post(request, body).await
    }

    /// POSTs a built request (also the web push sender's).
    pub(crate) async fn post(&self, request: http::request::Builder, body: Vec<u8>) -> PostResult {
        let failed = |error: String| PostResult {
            http_status: 0,
            error: Some(error),
            permanent: false,
        };
        let request = match request.body(Full::new(Bytes::from(body))) {
            Ok(r) => r,
            Err(e) => return failed(format!("the channel's URL cannot be requested: {e}")),
        };
        let sent = tokio::time::timeout(self.timeout, async {
            let response = self.client.request(request).await?;
            let status = response.status();
            // Read a little of a refusal's body: receivers often say why there.
            let body = if status.is_success() {
                Bytes::new()
            } else {
                response
                    .into_body()
                    .collect()
                    .await
                    .map(|b| b.to_bytes())
                    .unwrap_or_default()
            };
            Ok::<_, hyper_util::client::legacy::Error>((status, body))
        })
        .await;
        match sent {
            Err(_) => failed(format!(
                "no response within {} ms",
                self.timeout.as_millis()
            )),
            Ok(Err(e)) => {
                use std::error::Error;
                let mut why = e.to_string();
                let mut source = e.source();
                while let Some(s) = source {
                    why = format!("{why}: {s}");
                    source = s.source();
                }
                failed(why)
            }
            Ok(Ok((status, _))) if status.is_success() => PostResult {
                http_status: status.as_u16(),
                error: None,
                permanent: false,
            },
            Ok(Ok((status, body))) => {
                let text = String::from_utf8_lossy(&body);
                let text = truncate(text.trim(), MAX_DETAIL_BODY);
                PostResult {
                    http_status: status.as_u16(),
                    error: Some(if text.is_empty() {
                        format!("the receiver answered HTTP {}", status.as_u16())
                    } else {
                        format!("the receiver answered HTTP {}: {text}", status.as_u16())
                    }),
                    permanent: false,
                }
            }
        }
    }
}
