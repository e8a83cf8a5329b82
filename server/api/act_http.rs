//! `/act/<token>` on the server's main port: answer a question or decide a tool approval from a
//! notification, with an action token (see `notify::action`) instead of a sign-in.
//!
//! - `GET` shows a page (no script) with the session, the question or the tool call and one
//!   button per option, each a form POST. It never acts: mail scanners fetch links.
//! - `POST` takes `choice=<option label>` (repeated for a multiple-choice question) and/or
//!   `text=<free answer>`, or `decision=allow|allow_session|deny`, as a form or as JSON
//!   (`Content-Type: application/json`, what the web push service worker sends). JSON gets
//!   `{"status", "message"}` back; a form gets a page saying the same. Both carry the status's
//!   HTTP code (`ActStatus::http`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::Path;
use axum::routing::get;
use http::{HeaderMap, HeaderValue, header};

use super::AppState;
use crate::auth::secrets::{looks_like_action_token, random_bytes};
use crate::domain::*;
use crate::notify::action::{
    ActStatus, ActionAnswer, decision_name, escape_html as escape, parse_decision,
};
use crate::store::action_tokens::{ActionView, StoredActionToken};

pub(super) type Resp = http::Response<axum::body::Body>;

/// The routes, merged into the main router (public: the token is the credential).
pub fn router(state: AppState) -> axum::Router {
    let state = Arc::new(state);
    let (show_state, act_state) = (state.clone(), state);
    axum::Router::new().route(
        "/act/{token}",
        get(move |Path(token): Path<String>, uri: http::Uri| {
            let state = show_state.clone();
            async move { show(&state, &token, uri.query()).await }
        })
        .post(
            move |Path(token): Path<String>, headers: HeaderMap, body: Bytes| {
                let state = act_state.clone();
                async move { act(&state, &token, &headers, &body).await }
            },
        ),
    )
}

/// A token that may be used now, or the status that says why not.
async fn usable(state: &AppState, token: &str) -> Result<StoredActionToken, (ActStatus, String)> {
    let unknown = || {
        (
            ActStatus::Unknown,
            "This link is not valid: it may have been copied incompletely.".to_owned(),
        )
    };
    if !looks_like_action_token(token) {
        return Err(unknown());
    }
    let stored = match state.store.find_action_token(token).await {
        Ok(Some(t)) => t,
        Ok(None) => return Err(unknown()),
        Err(e) => return Err(internal(e)),
    };
    if stored.used_at.is_some() {
        return Err((
            ActStatus::Used,
            "Already answered: this link was already used, and each answer link works once."
                .to_owned(),
        ));
    }
    if stored.expired() {
        return Err((
            ActStatus::Expired,
            "This link has expired. Open the session in Switchboard to answer there.".to_owned(),
        ));
    }
    Ok(stored)
}

/// Logs an unexpected failure with an id (through the one status mapping) and says only that.
fn internal(e: DomainError) -> (ActStatus, String) {
    let status = super::status::to_status(e);
    // "internal error (id ...)" for a bug, "... unavailable" for a database outage.
    (ActStatus::Error, status.message().to_owned())
}

/// The answer a link put ready to send (`?choice=<label>` or `?decision=<name>`).
fn ready(query: Option<&str>) -> Option<(&'static str, String)> {
    form_urlencoded::parse(query?.as_bytes()).find_map(|(k, v)| match k.as_ref() {
        "choice" => Some(("choice", v.into_owned())),
        "decision" => Some(("decision", v.into_owned())),
        _ => None,
    })
}

/// The confirm form on top of a page opened from an option's link: one tap sends it.
fn confirm_form(field: &str, value: &str, label: &str) -> String {
    format!(
        "<div class=\"ready\"><p>Send <strong>{label}</strong>?</p><form method=\"post\">\
         <input type=\"hidden\" name=\"{field}\" value=\"{value}\">\
         <button type=\"submit\">Send: {label}</button></form></div><p class=\"meta\">Or:</p>",
        label = escape(label),
        value = escape(value),
    )
}

async fn show(state: &AppState, token: &str, query: Option<&str>) -> Resp {
    if looks_like_action_token(token) {
        match super::act_confirm::find(state, token).await {
            Ok(Some(c)) => return super::act_confirm::show(&c),
            Ok(None) => {}
            Err(resp) => return resp,
        }
    }
    let ready = ready(query);
    let stored = match usable(state, token).await {
        Ok(t) => t,
        Err((status, message)) => return page(status, status_title(status), &message, None),
    };
    let view = match state.store.action_view(&stored).await {
        Ok(v) => v,
        Err(DomainError::NotFound(_)) => {
            return page(
                ActStatus::Unknown,
                "Not found",
                "The session of this link no longer exists.",
                None,
            );
        }
        Err(e) => {
            let (status, message) = internal(e);
            return page(status, "Something went wrong", &message, None);
        }
    };
    let link = session_link(state, &stored);
    if view.role.is_none_or(|r| r < Role::Edit) {
        return page(
            ActStatus::Forbidden,
            status_title(ActStatus::Forbidden),
            "You can no longer answer in this session: your role in its project does not allow it.",
            None,
        );
    }
    let header = format!(
        "<p class=\"meta\">{} · {} · {}</p>",
        escape(if view.session_name.is_empty() {
            "(unnamed session)"
        } else {
            &view.session_name
        }),
        escape(&view.agent_name),
        escape(view.status.name())
    );
    let (status, title, mut body) = if let Some(q) = &view.question {
        question_page(&view, q)
    } else if let Some(a) = &view.approval {
        approval_page(&view, a)
    } else {
        (ActStatus::Unknown, "Not found", String::new())
    };
    // Opened from an option's link, and still open: that option first, ready to send.
    if status == ActStatus::Answered {
        let chosen = match (&ready, &view.question, &view.approval) {
            (Some(("choice", c)), Some(q), _) => q
                .options
                .iter()
                .find(|o| &o.label == c || &o.id == c)
                .map(|o| confirm_form("choice", &o.label, &o.label)),
            (Some(("decision", d)), _, Some(_)) => parse_decision(d).map(|d| {
                let label = match d {
                    ApprovalDecision::AllowOnce => "Allow",
                    ApprovalDecision::AllowSession => "Allow for this session",
                    ApprovalDecision::Deny => "Deny",
                };
                confirm_form("decision", decision_name(d), label)
            }),
            _ => None,
        };
        if let Some(form) = chosen {
            // After the question or the tool call, before the other choices.
            let at = body.find("<form").unwrap_or(body.len());
            body.insert_str(at, &form);
        }
    }
    let body = format!("{header}{body}");
    page_html(status, title, &body, Some(&link))
}

fn question_page(view: &ActionView, q: &Question) -> (ActStatus, &'static str, String) {
    let mut body = format!("<p class=\"text\">{}</p>", escape(&q.text));
    if let Some(a) = &q.answer {
        let chosen: Vec<&str> = a
            .option_ids
            .iter()
            .map(|id| {
                q.options
                    .iter()
                    .find(|o| &o.id == id)
                    .map_or(id.as_str(), |o| o.label.as_str())
            })
            .collect();
        let mut what = chosen.join(", ");
        if !a.text.is_empty() {
            if !what.is_empty() {
                what.push_str(" — ");
            }
            what.push_str(&a.text);
        }
        body.push_str(&format!(
            "<p class=\"done\">Already answered: {}</p>",
            escape(&what)
        ));
        return (ActStatus::AlreadyAnswered, "Already answered", body);
    }
    if view.status.is_terminal() {
        body.push_str(&format!(
            "<p class=\"done\">The session is {}: its questions can no longer be answered.</p>",
            escape(view.status.name())
        ));
        return (ActStatus::AlreadyAnswered, "Session ended", body);
    }
    match q.choice_mode {
        ChoiceMode::Single => {
            for o in &q.options {
                body.push_str(&format!(
                    "<form method=\"post\"><input type=\"hidden\" name=\"choice\" value=\"{label}\">\
                     <button type=\"submit\">{label}</button>{desc}</form>",
                    label = escape(&o.label),
                    desc = description(&o.description),
                ));
            }
        }
        ChoiceMode::Multiple if !q.options.is_empty() => {
            body.push_str("<form method=\"post\">");
            for o in &q.options {
                body.push_str(&format!(
                    "<label class=\"check\"><input type=\"checkbox\" name=\"choice\" value=\"{label}\"> {label}</label>{desc}",
                    label = escape(&o.label),
                    desc = description(&o.description),
                ));
            }
            body.push_str("<button type=\"submit\">Send the chosen options</button></form>");
        }
        ChoiceMode::Multiple => {}
    }
    if q.allow_free_text {
        body.push_str(
            "<form method=\"post\"><label for=\"text\">Or write an answer</label>\
             <textarea id=\"text\" name=\"text\" rows=\"4\" required></textarea>\
             <button type=\"submit\">Send the answer</button></form>",
        );
    }
    (ActStatus::Answered, "A question for you", body)
}

fn approval_page(view: &ActionView, a: &ToolApproval) -> (ActStatus, &'static str, String) {
    let mut body = format!(
        "<p class=\"text\">Run <code>{}</code>?</p>",
        escape(&a.tool_name)
    );
    if !a.preview.summary.is_empty() {
        body.push_str(&format!("<p>{}</p>", escape(&a.preview.summary)));
    }
    match &a.preview.detail {
        Some(PreviewDetail::ShellCommand {
            command,
            working_directory,
            ..
        }) => {
            body.push_str(&format!("<pre>{}</pre>", escape(&clip(command, 4000))));
            if !working_directory.is_empty() {
                body.push_str(&format!(
                    "<p class=\"meta\">in {}</p>",
                    escape(working_directory)
                ));
            }
        }
        Some(PreviewDetail::Url { url, .. }) => {
            body.push_str(&format!("<pre>{}</pre>", escape(&clip(url, 2000))));
        }
        Some(PreviewDetail::FileChange { path, unified_diff }) => {
            body.push_str(&format!("<p class=\"meta\">{}</p>", escape(path)));
            body.push_str(&format!("<pre>{}</pre>", escape(&clip(unified_diff, 4000))));
        }
        None => {
            body.push_str(&format!(
                "<pre>{}</pre>",
                escape(&clip(&a.input_json, 4000))
            ));
        }
    }
    if let Some(r) = &a.result {
        body.push_str(&format!(
            "<p class=\"done\">Already decided: {}.</p>",
            escape(r.decision.describe())
        ));
        return (ActStatus::AlreadyAnswered, "Already decided", body);
    }
    if view.status.is_terminal() {
        body.push_str(&format!(
            "<p class=\"done\">The session is {}: its approvals can no longer be decided.</p>",
            escape(view.status.name())
        ));
        return (ActStatus::AlreadyAnswered, "Session ended", body);
    }
    for (decision, label) in [
        (ApprovalDecision::AllowOnce, "Allow"),
        (ApprovalDecision::AllowSession, "Allow for this session"),
        (ApprovalDecision::Deny, "Deny"),
    ] {
        body.push_str(&format!(
            "<form method=\"post\"><input type=\"hidden\" name=\"decision\" value=\"{}\">\
             <button type=\"submit\" class=\"{}\">{label}</button></form>",
            decision_name(decision),
            if decision == ApprovalDecision::Deny {
                "deny"
            } else {
                "allow"
            },
        ));
    }
    (ActStatus::Answered, "A tool call waits for you", body)
}

fn description(d: &str) -> String {
    if d.is_empty() {
        String::new()
    } else {
        format!("<p class=\"meta\">{}</p>", escape(d))
    }
}

/// What a POST asks for, from a form or a JSON body.
fn parse_answer(headers: &HeaderMap, body: &[u8]) -> Result<(ActionAnswer, bool), String> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().starts_with("application/json"));
    let (mut choices, mut text, mut decision) = (Vec::new(), String::new(), None::<String>);
    if json {
        let value: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| format!("the body is not valid JSON: {e}"))?;
        let obj = value
            .as_object()
            .ok_or("the body must be a JSON object with choice, text or decision")?;
        match obj.get("choice") {
            None | Some(serde_json::Value::Null) => {}
            Some(serde_json::Value::String(s)) => choices.push(s.clone()),
            Some(serde_json::Value::Array(items)) => {
                for item in items {
                    choices.push(
                        item.as_str()
                            .ok_or("choice: each item must be a string (an option's label)")?
                            .to_owned(),
                    );
                }
            }
            Some(_) => return Err("choice: must be a string or a list of strings".into()),
        }
        match obj.get("text") {
            None | Some(serde_json::Value::Null) => {}
            Some(serde_json::Value::String(s)) => text = s.clone(),
            Some(_) => return Err("text: must be a string".into()),
        }
        match obj.get("decision") {
            None | Some(serde_json::Value::Null) => {}
            Some(serde_json::Value::String(s)) => decision = Some(s.clone()),
            Some(_) => return Err("decision: must be allow, allow_session or deny".into()),
        }
    } else {
        for (k, v) in form_urlencoded::parse(body) {
            match k.as_ref() {
                "choice" => choices.push(v.into_owned()),
                "text" => text = v.into_owned(),
                "decision" => decision = Some(v.into_owned()),
                _ => {}
            }
        }
    }
    let answer = match decision {
        Some(d) => {
            if !choices.is_empty() || !text.is_empty() {
                return Err(
                    "send either decision (an approval) or choice/text (a question), not both"
                        .into(),
                );
            }
            let decision = parse_decision(&d).ok_or_else(|| {
                format!("decision: {d:?} is not one of allow, allow_session, deny")
            })?;
            ActionAnswer::Approval { decision }
        }
        None => {
            if choices.is_empty() && text.trim().is_empty() {
                return Err("send choice=<an option's label>, text=<an answer> or decision=allow|allow_session|deny".into());
            }
            ActionAnswer::Question { choices, text }
        }
    };
    Ok((answer, json))
}

async fn act(state: &AppState, token: &str, headers: &HeaderMap, body: &[u8]) -> Resp {
    let wants_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().starts_with("application/json"));
    let respond = |status: ActStatus, message: &str| {
        if wants_json {
            json_response(status, message)
        } else {
            page(status, status_title(status), message, None)
        }
    };
    if looks_like_action_token(token) {
        match super::act_confirm::find(state, token).await {
            Ok(Some(c)) => return super::act_confirm::confirm(state, &c).await,
            Ok(None) => {}
            Err(resp) => return resp,
        }
    }
    let stored = match usable(state, token).await {
        Ok(t) => t,
        Err((status, message)) => return respond(status, &message),
    };
    let (answer, _) = match parse_answer(headers, body) {
        Ok(a) => a,
        Err(message) => return respond(ActStatus::Invalid, &message),
    };
    let what = match &answer {
        ActionAnswer::Approval { decision } => {
            format!(
                "Your decision ({}) was sent to the agent.",
                decision.describe()
            )
        }
        ActionAnswer::Question { .. } => "Your answer was sent to the agent.".to_owned(),
    };
    let (status, message) = match state.store.use_action_token(&stored, answer).await {
        Ok(()) => {
            tracing::info!(
                user_id = %stored.user_id,
                session_id = %stored.target.session_id(),
                channel = ?stored.audit_channel,
                "answered through an action token"
            );
            (ActStatus::Answered, what)
        }
        Err(e) => refused(e),
    };
    if wants_json || status != ActStatus::Answered {
        return respond(status, &message);
    }
    page(
        status,
        status_title(status),
        &message,
        Some(&session_link(state, &stored)),
    )
}

/// How a refused answer reads.
fn refused(e: DomainError) -> (ActStatus, String) {
    match e {
        DomainError::FailedPrecondition(m) => (ActStatus::AlreadyAnswered, sentence(&m)),
        DomainError::InvalidArgument { field, message } => {
            (ActStatus::Invalid, format!("{field}: {message}"))
        }
        DomainError::NotFound(_)
        | DomainError::NotFoundExplained(_)
        | DomainError::PermissionDenied(_) => (
            ActStatus::Forbidden,
            "You can no longer answer in this session: your role in its project does not allow it."
                .to_owned(),
        ),
        other => internal(other),
    }
}

/// A store message as a sentence on a page ("this question was..." → "This question was...").
fn sentence(m: &str) -> String {
    let mut chars = m.chars();
    match chars.next() {
        Some(c) => format!(
            "{}{}.",
            c.to_uppercase(),
            chars.as_str().trim_end_matches('.')
        ),
        None => String::new(),
    }
}

fn status_title(status: ActStatus) -> &'static str {
    match status {
        ActStatus::Answered => "Answered",
        ActStatus::AlreadyAnswered => "Already answered",
        ActStatus::Expired => "Link expired",
        ActStatus::Used => "Already answered",
        ActStatus::Unknown => "Link not valid",
        ActStatus::Invalid => "Not understood",
        ActStatus::Forbidden => "Not allowed",
        ActStatus::Error => "Something went wrong",
    }
}

fn session_link(state: &AppState, token: &StoredActionToken) -> String {
    let base = state
        .deliverer
        .public_url
        .get()
        .map_or("", String::as_str)
        .trim_end_matches('/');
    format!("{base}/sessions/{}", token.target.session_id())
}

fn json_response(status: ActStatus, message: &str) -> Resp {
    let body = serde_json::json!({"status": status.name(), "message": message});
    let mut resp = http::Response::builder()
        .status(status.http())
        .header(header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .expect("static response");
    private(resp.headers_mut(), None);
    resp
}

pub(super) fn page(status: ActStatus, title: &str, message: &str, link: Option<&str>) -> Resp {
    page_html(
        status,
        title,
        &format!("<p class=\"text\">{}</p>", escape(message)),
        link,
    )
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1b1f24}\
main{max-width:36rem;margin:0 auto;padding:1.5rem 1rem}\
.brand{font-weight:600;color:#57606a;margin:0 0 1rem}\
h1{font-size:1.35rem;margin:0 0 .5rem}.meta{color:#57606a;font-size:.9rem;margin:.25rem 0}\
.text{font-size:1.1rem;white-space:pre-wrap}.done{font-weight:600}\
pre{background:#fff;border:1px solid #d0d7de;padding:.75rem;overflow-x:auto;white-space:pre-wrap}\
form{margin:.75rem 0}button{font-size:1rem;padding:.7rem 1rem;min-width:12rem;border-radius:.4rem;\
border:1px solid #1f6feb;background:#1f6feb;color:#fff;cursor:pointer}button.deny{background:#cf222e;border-color:#cf222e}\
label{display:block;margin:.4rem 0}.ready{border:2px solid #1f6feb;border-radius:.5rem;padding:.25rem .75rem;margin:.75rem 0}textarea{width:100%;box-sizing:border-box;font:inherit;margin:.4rem 0}";

/// The page: no script, its one inline style allowed by a nonce, never cached, never framed,
/// and no referrer (the address holds the token).
pub(super) fn page_html(status: ActStatus, title: &str, body: &str, link: Option<&str>) -> Resp {
    let nonce = hex::encode(random_bytes(16));
    let link = link
        .map(|l| {
            format!(
                "<p><a href=\"{}\">Open the session in Switchboard</a></p>",
                escape(l)
            )
        })
        .unwrap_or_default();
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>Switchboard: {t}</title>\
         <style nonce=\"{nonce}\">{STYLE}</style></head><body><main>\
         <p class=\"brand\">Switchboard</p><h1>{t}</h1>{body}{link}</main></body></html>",
        t = escape(title),
    );
    let mut resp = http::Response::builder()
        .status(status.http())
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .body(axum::body::Body::from(html))
        .expect("static response");
    private(resp.headers_mut(), Some(&nonce));
    resp
}

fn private(headers: &mut HeaderMap, style_nonce: Option<&str>) {
    let csp = match style_nonce {
        Some(n) => format!(
            "default-src 'none'; style-src 'nonce-{n}'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'"
        ),
        None => "default-src 'none'; frame-ancestors 'none'".to_owned(),
    };
    for (name, value) in [
        ("content-security-policy", csp.as_str()),
        ("cache-control", "no-store"),
        ("referrer-policy", "no-referrer"),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("x-robots-tag", "noindex"),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut t: String = s.chars().take(max - 1).collect();
    t.push('…');
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_with_repeated_choices_is_a_multiple_answer() {
        let (answer, json) =
            parse_answer(&HeaderMap::new(), b"choice=Label+a&choice=Label%20b").unwrap();
        assert!(!json);
        assert_eq!(
            answer,
            ActionAnswer::Question {
                choices: vec!["Label a".into(), "Label b".into()],
                text: String::new()
            }
        );
    }

    #[test]
    fn json_decisions_and_mixed_bodies() {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        let (answer, json) = parse_answer(&h, br#"{"decision":"allow_session"}"#).unwrap();
        assert!(json);
        assert_eq!(
            answer,
            ActionAnswer::Approval {
                decision: ApprovalDecision::AllowSession
            }
        );
        assert!(parse_answer(&h, br#"{"decision":"allow","choice":"x"}"#).is_err());
        assert!(parse_answer(&h, br#"{"decision":"maybe"}"#).is_err());
        assert!(parse_answer(&h, br#"{}"#).is_err());
        assert!(parse_answer(&h, b"not json").is_err());
    }
}
