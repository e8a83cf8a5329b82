//! `/act/<token>` for an email address's confirmation (see `store::email_confirm`): the same
//! single-use link shape as the answer links, so one route and one page style serve both.
//! `GET` shows who asked and a Confirm button (never acting: mail scanners fetch links);
//! `POST` confirms.

use super::AppState;
use super::act_http::{Resp, page, page_html};
use crate::domain::DomainError;
use crate::notify::action::{ActStatus, escape_html as escape};
use crate::store::email_confirm::EmailConfirmation;

/// The confirmation `token` stands for, if it is one (None: an answer link, or nothing).
pub async fn find(state: &AppState, token: &str) -> Result<Option<EmailConfirmation>, Resp> {
    state
        .store
        .find_email_confirmation(token)
        .await
        .map_err(|e| {
            let status = super::status::to_status(e);
            page(
                ActStatus::Error,
                "Something went wrong",
                status.message(),
                None,
            )
        })
}

/// Why the link can no longer be used, if so.
fn spent(c: &EmailConfirmation) -> Option<Resp> {
    if c.used_at.is_some() {
        return Some(page(
            ActStatus::Used,
            "Already confirmed",
            &format!(
                "{} already receives the notifications of {}: this link was used.",
                c.address, c.account_email
            ),
            None,
        ));
    }
    if c.expires_at <= chrono::Utc::now() {
        return Some(page(
            ActStatus::Expired,
            "Link expired",
            &format!(
                "This link has expired. Ask {} to add {} again for a new one.",
                c.account_email, c.address
            ),
            None,
        ));
    }
    None
}

pub fn show(c: &EmailConfirmation) -> Resp {
    if let Some(resp) = spent(c) {
        return resp;
    }
    page_html(
        ActStatus::Answered,
        "Confirm this address",
        &format!(
            "<p class=\"text\"><strong>{account}</strong> asked Switchboard to send the \
             notifications of their AI agents to <strong>{address}</strong>.</p>\
             <form method=\"post\"><button type=\"submit\">Confirm</button></form>\
             <p class=\"meta\">If you did not expect this, close this page: nothing will be sent.</p>",
            account = escape(&c.account_email),
            address = escape(&c.address),
        ),
        None,
    )
}

pub async fn confirm(state: &AppState, c: &EmailConfirmation) -> Resp {
    if let Some(resp) = spent(c) {
        return resp;
    }
    match state.store.confirm_email_channel(c).await {
        Ok(()) => {
            tracing::info!(channel_id = %c.channel_id, "email channel confirmed by its address");
            page(
                ActStatus::Answered,
                "Confirmed",
                &format!(
                    "{} now receives the notifications {} chose.",
                    c.address, c.account_email
                ),
                None,
            )
        }
        Err(DomainError::FailedPrecondition(m)) => {
            page(ActStatus::Used, "Already confirmed", &m, None)
        }
        Err(e) => {
            let status = super::status::to_status(e);
            page(
                ActStatus::Error,
                "Something went wrong",
                status.message(),
                None,
            )
        }
    }
}
