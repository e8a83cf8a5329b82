//! Email notifications: the message (plain text and HTML, the question with one answer link per
//! option, a link to the session) and the SMTP relay it goes through (`lettre`, tokio, rustls
//! with ring; `notify.smtp`).

use std::path::Path;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use super::action::{AnswerLinks, escape_html};
use super::webhook::{PostResult, headline, session_link};
use crate::config::{SmtpSettings, SmtpTls};
use crate::store::notifications::Claimed;

/// An email channel's address, from its stored `url` (`mailto:<address>`).
pub fn address(url: &str) -> &str {
    url.strip_prefix("mailto:").unwrap_or(url)
}

/// A rendered notification email.
#[derive(Debug, Clone)]
pub struct Email {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The email that asks an address's owner to confirm that they want `account`'s notifications.
pub fn confirmation(account: &str, address: &str, link: &str) -> Email {
    let subject = "Confirm Switchboard notifications to this address".to_owned();
    let text = format!(
        "{account} asked Switchboard to send the notifications of their AI agents (questions, \
         approvals, sessions that end) to {address}.\n\n\
         To accept, open this link and press Confirm:\n  {link}\n\n\
         If you did not expect this, ignore this email: nothing will be sent to you.\n"
    );
    let html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#1b1f24\">\
         <p><strong>{account}</strong> asked Switchboard to send the notifications of their AI \
         agents (questions, approvals, sessions that end) to {address}.</p>\
         <p><a href=\"{link}\">Open the confirmation page</a> and press Confirm to accept.</p>\
         <p style=\"color:#57606a\">If you did not expect this, ignore this email: nothing will be \
         sent to you.</p></body></html>",
        account = escape_html(account),
        address = escape_html(address),
        link = escape_html(link),
    );
    Email {
        subject,
        text,
        html,
    }
}

/// The question, summary or reason the notification is about.
fn detail(n: &Claimed) -> &str {
    let p = &n.payload;
    [&p.question_text, &p.approval_summary, &p.reason]
        .into_iter()
        .find(|s| !s.is_empty())
        .map_or("", |s| s.as_str())
}

pub fn render(n: &Claimed, links: Option<&AnswerLinks>, public_url: &str) -> Email {
    let subject = headline(n);
    let session = session_link(public_url, n);
    let detail = detail(n);
    let p = &n.payload;
    let mut text = format!("{subject}\n\n");
    let mut html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#1b1f24\">\
         <h2 style=\"font-size:18px\">{}</h2>",
        escape_html(&subject)
    );
    if !p.tool_name.is_empty() {
        text.push_str(&format!("Tool: {}\n", p.tool_name));
        html.push_str(&format!(
            "<p>Tool: <code>{}</code></p>",
            escape_html(&p.tool_name)
        ));
    }
    if !detail.is_empty() {
        text.push_str(&format!("{detail}\n\n"));
        html.push_str(&format!(
            "<p style=\"font-size:16px;white-space:pre-wrap\">{}</p>",
            escape_html(detail)
        ));
    }
    if let Some(links) = links {
        text.push_str("Answer with one click (each link opens a page with the answer ready to send; the links work once):\n");
        html.push_str("<p>Answer with one click:</p><p>");
        for o in &links.options {
            text.push_str(&format!("  {}: {}\n", o.label, o.url));
            html.push_str(&format!(
                "<a href=\"{}\" style=\"display:inline-block;margin:4px 8px 4px 0;padding:10px 16px;\
                 background:#1f6feb;color:#fff;border-radius:6px;text-decoration:none\">{}</a>",
                escape_html(&o.url),
                escape_html(&o.label)
            ));
        }
        text.push_str(&format!(
            "  Every option, or a written answer: {}\n\n",
            links.page
        ));
        html.push_str(&format!(
            "</p><p><a href=\"{}\">Every option, or a written answer</a></p>",
            escape_html(&links.page)
        ));
    }
    if n.event_count > 1 {
        text.push_str(&format!(
            "{} questions are waiting; the links above answer the latest.\n",
            n.event_count
        ));
        html.push_str(&format!(
            "<p>{} questions are waiting; the links above answer the latest.</p>",
            n.event_count
        ));
    }
    text.push_str(&format!(
        "Open the session: {session}\n\n-- \nSwitchboard: agent {} · status {}\n",
        p.agent_name, p.status
    ));
    html.push_str(&format!(
        "<p><a href=\"{}\">Open the session</a></p><p style=\"color:#57606a;font-size:12px\">\
         Switchboard: agent {} · status {}</p></body></html>",
        escape_html(&session),
        escape_html(&p.agent_name),
        escape_html(&p.status)
    ));
    Email {
        subject,
        text,
        html,
    }
}

/// Sends mail through the configured relay.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Mailer(..)")
    }
}

impl Mailer {
    /// A bad `from`, CA file or TLS setup is a start-up error (see `runtime::server`).
    pub fn new(s: &SmtpSettings, ca_file: Option<&Path>) -> Result<Mailer, String> {
        let from: Mailbox = s
            .from
            .parse()
            .map_err(|e| format!("notify.smtp.from {:?}: {e}", s.from))?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(s.host.as_str())
            .port(s.port())
            .timeout(Some(Duration::from_millis(s.timeout_ms.max(10))));
        if s.tls != SmtpTls::None {
            let mut params = TlsParameters::builder(s.host.clone());
            if let Some(path) = ca_file {
                let pem = std::fs::read(path)
                    .map_err(|e| format!("notify.ca_file {}: {e}", path.display()))?;
                let cert = Certificate::from_pem(&pem)
                    .map_err(|e| format!("notify.ca_file {}: {e}", path.display()))?;
                params = params.add_root_certificate(cert);
            }
            let params = params
                .build_rustls()
                .map_err(|e| format!("notify.smtp TLS: {e}"))?;
            builder = builder.tls(match s.tls {
                SmtpTls::Starttls => Tls::Required(params),
                _ => Tls::Wrapper(params),
            });
        }
        if let (Some(user), Some(password)) = (&s.username, &s.password) {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
        })
    }

    /// Sends one email; the result reads like a webhook POST's (no HTTP status: 0).
    pub async fn send(&self, to: &str, email: &Email) -> PostResult {
        let failed = |error: String, permanent: bool| PostResult {
            http_status: 0,
            error: Some(error),
            permanent,
        };
        let to: Mailbox = match to.parse() {
            Ok(m) => m,
            Err(e) => return failed(format!("the address {to:?} is not valid: {e}"), true),
        };
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                email.html.clone(),
            ));
        let message = match message {
            Ok(m) => m,
            Err(e) => return failed(format!("the email cannot be built: {e}"), true),
        };
        match self.transport.send(message).await {
            Ok(_) => PostResult {
                http_status: 0,
                error: None,
                permanent: false,
            },
            Err(e) => {
                use std::error::Error;
                let mut why = format!("SMTP: {e}");
                let mut source = e.source();
                while let Some(s) = source {
                    why = format!("{why}: {s}");
                    source = s.source();
                }
                failed(why, e.is_permanent())
            }
        }
    }
}
