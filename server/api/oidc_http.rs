//! OIDC sign-in over HTTP on the main port (the flow itself is `auth::oidc`):
//!
//! - `GET /auth/oidc`: the configured issuers, for the login page:
//!   `{"issuers": [{"id", "display_name", "start_url"}]}`.
//! - `GET /auth/oidc/<id>/start`: records a pending sign-in, sets the browser-binding cookie
//!   and redirects to the issuer. Rate-limited per client address (`oidc.start_burst`,
//!   `oidc.starts_per_minute`): anyone may call it, and each call stores a row.
//! - `GET /auth/oidc/<id>/callback`: where the issuer sends the browser back; on success sets
//!   the refresh cookie (`api::session_http`) and redirects to the dashboard (`/?signin=oidc`),
//!   which picks the sign-in up with `/auth/session/refresh`. Failures are a short page saying why (nothing of
//!   the issuer's answers or of internal errors beyond a reference id).

use std::net::{IpAddr, Ipv6Addr};
use std::sync::Arc;

use axum::Extension;
use axum::extract::Path;
use axum::routing::get;
use http::{HeaderMap, StatusCode, header};
use uuid::Uuid;

use super::AppState;
use super::session_http::{Resp, issue_session};
use crate::auth::cookies::{self, OIDC_BINDING_COOKIE, OIDC_PATH, SameSite};
use crate::auth::oidc::{CallbackParams, OidcError};
use crate::auth::rate_limit::RateLimiter;
use crate::auth::secrets::random_bytes;
use crate::auth::sign_in;
use crate::notify::action::escape_html as escape;
use crate::runtime::forwarded::ClientAddr;
use crate::store::sign_ins::SignInKind;

pub fn router(state: AppState) -> axum::Router {
    let starts = Arc::new(RateLimiter::<IpAddr>::per_minute(
        state.settings.oidc.starts_per_minute,
        state.settings.oidc.start_burst,
    ));
    let state = Arc::new(state);
    let (list_state, start_state, callback_state) = (state.clone(), state.clone(), state);
    axum::Router::new()
        .route(
            "/auth/oidc",
            get(move || {
                let state = list_state.clone();
                async move { list(&state) }
            }),
        )
        .route(
            "/auth/oidc/{issuer}/start",
            get(
                move |Path(issuer): Path<String>, client: Option<Extension<ClientAddr>>| {
                    let (state, starts) = (start_state.clone(), starts.clone());
                    async move {
                        // Every request passes the forwarded layer, which sets the address; were
                        // one to miss it, all such requests share one bucket.
                        let addr = client.map_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED), |c| c.0.0);
                        match starts.take(addr) {
                            Ok(()) => start(&state, &issuer).await,
                            Err(wait) => too_many_starts(&issuer, addr, wait),
                        }
                    }
                },
            ),
        )
        .route(
            "/auth/oidc/{issuer}/callback",
            get(
                move |Path(issuer): Path<String>,
                      uri: http::Uri,
                      headers: HeaderMap,
                      client: Option<Extension<ClientAddr>>| {
                    let state = callback_state.clone();
                    let params = callback_params(uri.query());
                    let client = client.map(|c| c.0.0);
                    async move { callback(&state, &issuer, &params, &headers, client).await }
                },
            ),
        )
}

/// The issuer's answer from the query (later duplicates ignored; unknown names too).
fn callback_params(query: Option<&str>) -> CallbackParams {
    let mut p = CallbackParams::default();
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let slot = match k.as_ref() {
            "code" => &mut p.code,
            "state" => &mut p.state,
            "iss" => &mut p.iss,
            "error" => &mut p.error,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(v.into_owned());
        }
    }
    p
}

fn list(state: &AppState) -> Resp {
    let issuers: Vec<_> = state
        .oidc
        .issuers()
        .iter()
        .map(|i| {
            serde_json::json!({
                "id": i.id,
                "display_name": i.label(),
                "start_url": format!("{OIDC_PATH}/{}/start", i.id),
            })
        })
        .collect();
    http::Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CACHE_CONTROL, "no-store")
        .body(axum::body::Body::from(
            serde_json::json!({ "issuers": issuers }).to_string(),
        ))
        .expect("static response")
}

/// Where the issuer sends the browser back: this server's public address.
fn redirect_uri(state: &AppState, issuer: &str) -> String {
    let base = state
        .deliverer
        .public_url
        .get()
        .map_or("", String::as_str)
        .trim_end_matches('/');
    format!("{base}{OIDC_PATH}/{issuer}/callback")
}

async fn start(state: &AppState, issuer: &str) -> Resp {
    let redirect = redirect_uri(state, issuer);
    match state.oidc.start(&state.store, issuer, &redirect).await {
        Ok(started) => {
            let cookie = cookies::set(
                OIDC_BINDING_COOKIE,
                &started.browser_secret,
                OIDC_PATH,
                SameSite::Lax,
                state.settings.oidc.login_ttl(),
            );
            http::Response::builder()
                .status(StatusCode::SEE_OTHER)
                .header(header::LOCATION, started.authorize_url)
                .header(header::SET_COOKIE, cookie)
                .header(header::CACHE_CONTROL, "no-store")
                .body(axum::body::Body::empty())
                .expect("static response")
        }
        Err(e) => failure_page(issuer, e),
    }
}

async fn callback(
    state: &AppState,
    issuer: &str,
    params: &CallbackParams,
    headers: &HeaderMap,
    client: Option<IpAddr>,
) -> Resp {
    let redirect = redirect_uri(state, issuer);
    let binding = cookies::get(headers, OIDC_BINDING_COOKIE);
    let clear_binding = cookies::clear(OIDC_BINDING_COOKIE, OIDC_PATH, SameSite::Lax);
    let signed_in = async {
        let user = state
            .oidc
            .finish(&state.store, issuer, params, binding, &redirect)
            .await?;
        let (_, cookie) = issue_session(state, &user, Uuid::new_v4()).await?;
        tracing::info!(user_id = %user.id, issuer, "signed in through OIDC");
        sign_in::audit(&state.store, user.id, SignInKind::Oidc, issuer, client).await;
        Ok::<_, OidcError>(cookie)
    };
    let mut resp = match signed_in.await {
        Ok(refresh_cookie) => {
            let mut resp = http::Response::builder()
                .status(StatusCode::SEE_OTHER)
                // The marker tells the dashboard to pick the sign-in up from the cookie.
                .header(header::LOCATION, "/?signin=oidc")
                .header(header::CACHE_CONTROL, "no-store")
                .body(axum::body::Body::empty())
                .expect("static response");
            resp.headers_mut()
                .append(header::SET_COOKIE, refresh_cookie);
            resp
        }
        Err(e) => failure_page(issuer, e),
    };
    resp.headers_mut().append(header::SET_COOKIE, clear_binding);
    resp
}

/// 429 with Retry-After: this address started too many sign-ins lately.
fn too_many_starts(issuer: &str, addr: IpAddr, wait: std::time::Duration) -> Resp {
    let secs = wait.as_secs() + 1;
    tracing::info!(issuer, client = %addr, "an OIDC sign-in start was rate-limited");
    let mut resp = page(
        StatusCode::TOO_MANY_REQUESTS,
        &format!("Too many sign-ins were started from your address. Try again in {secs} s."),
    );
    resp.headers_mut()
        .insert(header::RETRY_AFTER, http::HeaderValue::from(secs));
    resp
}

/// The page a failed sign-in shows: why, in words, and the way back.
fn failure_page(issuer: &str, e: OidcError) -> Resp {
    let (status, message) = match e {
        OidcError::UnknownIssuer => (
            StatusCode::NOT_FOUND,
            "This sign-in provider is not configured here.".to_owned(),
        ),
        OidcError::Refused(why) => {
            tracing::info!(issuer, reason = %why, "an OIDC sign-in was refused");
            (StatusCode::FORBIDDEN, why)
        }
        OidcError::Issuer(detail) => {
            let id = Uuid::new_v4();
            tracing::error!(error_id = %id, issuer, detail, "an OIDC issuer failed");
            (
                StatusCode::BAD_GATEWAY,
                format!(
                    "The identity provider could not be reached or answered something unexpected. \
                     Try again later (reference {id})."
                ),
            )
        }
        OidcError::Domain(e) => {
            // Logged with an id there; the message is the id or "unavailable".
            let status = super::status::to_status(e);
            (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("Signing in failed: {}.", status.message()),
            )
        }
    };
    page(status, &message)
}

fn page(status: StatusCode, message: &str) -> Resp {
    let nonce = hex::encode(random_bytes(16));
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Switchboard: sign-in failed</title><style nonce=\"{nonce}\">\
         body{{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1b1f24}}\
         main{{max-width:36rem;margin:0 auto;padding:1.5rem 1rem}}h1{{font-size:1.35rem}}\
         </style></head><body><main><p>Switchboard</p><h1>Sign-in failed</h1>\
         <p id=\"reason\">{}</p><p><a href=\"/\">Back to sign-in</a></p></main></body></html>",
        escape(message)
    );
    http::Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .header(
            "content-security-policy",
            format!("default-src 'none'; style-src 'nonce-{nonce}'; frame-ancestors 'none'; base-uri 'none'"),
        )
        .header("referrer-policy", "no-referrer")
        .header("x-content-type-options", "nosniff")
        .header("x-frame-options", "DENY")
        .body(axum::body::Body::from(html))
        .expect("static response")
}
