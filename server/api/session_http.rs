//! The dashboard's sign-in session over plain HTTP, with the refresh token in an HttpOnly
//! cookie (`auth::cookies`) that page scripts never see:
//!
//! - `POST /auth/session/login` `{"email", "password"}`: the password check of `Login`; sets
//!   the cookie and answers the access token.
//! - `POST /auth/session/refresh`: rotates the cookie's refresh token (as `Refresh` does) and
//!   answers a new access token.
//! - `POST /auth/session/logout`: revokes the cookie's sign-in and clears the cookie.
//!
//! Answers are JSON: `{"access_token", "access_token_expire_time", "refresh_token_expire_time",
//! "user": {"id", "email", "display_name"}}`, or `{"code", "message"}` with the HTTP status.
//! CSRF: every call needs the `X-Switchboard-CSRF` header (a page of another origin cannot send
//! it without a CORS preflight, which never allows credentials) and an `Origin` of this server
//! (its Host, `notify.public_url`, or one of `cors_origins`); the cookie is SameSite=Strict too.
//! Non-browser clients keep using AuthService's Refresh and Logout with the token in the body.

use std::net::IpAddr;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::routing::post;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use uuid::Uuid;

use super::AppState;
use crate::auth::cookies::{self, REFRESH_COOKIE, REFRESH_PATH, SameSite};
use crate::auth::sign_in;
use crate::domain::{DomainError, User, validate};
use crate::runtime::forwarded::ClientAddr;

pub type Resp = http::Response<axum::body::Body>;

/// The client's address, as the forwarded layer resolved it (for the sign-in history).
type Client = Option<Extension<ClientAddr>>;

/// The header a browser call must carry (any value).
pub const CSRF_HEADER: &str = "x-switchboard-csrf";

pub fn router(state: AppState) -> axum::Router {
    let state = Arc::new(state);
    let (login_state, refresh_state, logout_state) = (state.clone(), state.clone(), state);
    axum::Router::new()
        .route(
            "/auth/session/login",
            post(
                move |uri: http::Uri, headers: HeaderMap, client: Client, body: Bytes| {
                    let state = login_state.clone();
                    let client = client.map(|c| c.0.0);
                    async move {
                        guarded(&state, &uri, &headers, login(&state, &body, client)).await
                    }
                },
            ),
        )
        .route(
            "/auth/session/refresh",
            post(move |uri: http::Uri, headers: HeaderMap| {
                let state = refresh_state.clone();
                async move { guarded(&state, &uri, &headers, refresh(&state, &headers)).await }
            }),
        )
        .route(
            "/auth/session/logout",
            post(move |uri: http::Uri, headers: HeaderMap, client: Client| {
                let state = logout_state.clone();
                let client = client.map(|c| c.0.0);
                async move {
                    guarded(&state, &uri, &headers, logout(&state, &headers, client)).await
                }
            }),
        )
}

/// Runs `call` only for a same-origin browser call (see the module's CSRF rule).
async fn guarded(
    state: &AppState,
    uri: &http::Uri,
    headers: &HeaderMap,
    call: impl std::future::Future<Output = Resp>,
) -> Resp {
    match csrf_check(state, uri, headers) {
        Ok(()) => call.await,
        Err(message) => error_json(StatusCode::FORBIDDEN, "permission_denied", message),
    }
}

fn csrf_check(state: &AppState, uri: &http::Uri, headers: &HeaderMap) -> Result<(), &'static str> {
    if headers.get(CSRF_HEADER).is_none() {
        return Err("missing the X-Switchboard-CSRF header");
    }
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .ok_or("missing the Origin header")?;
    if allowed_origin(state, uri, headers, origin) {
        Ok(())
    } else {
        Err("this origin may not use the session endpoints")
    }
}

fn allowed_origin(state: &AppState, uri: &http::Uri, headers: &HeaderMap, origin: &str) -> bool {
    let Some(authority) = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
    else {
        return false;
    };
    // This server as the browser addressed it (Host over HTTP/1.1, :authority over HTTP/2).
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()));
    if host.is_some_and(|h| h.eq_ignore_ascii_case(authority)) {
        return true;
    }
    let public = state.deliverer.public_url.get().map(String::as_str);
    let same_as = |base: &str| {
        let base = base.trim_end_matches('/');
        base.eq_ignore_ascii_case(origin)
    };
    public.is_some_and(same_as)
        || state
            .settings
            .cors_origin_list()
            .is_some_and(|list| list.iter().any(|o| same_as(o)))
}

#[derive(serde::Deserialize)]
struct LoginBody {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn login(state: &AppState, body: &[u8], client: Option<IpAddr>) -> Resp {
    let Ok(body) = serde_json::from_slice::<LoginBody>(body) else {
        return error_json(
            StatusCode::BAD_REQUEST,
            "invalid_argument",
            "the body must be JSON: {\"email\": ..., \"password\": ...}",
        );
    };
    let checked = async {
        let email = validate::required_text("email", body.email.trim(), 320)?;
        validate::required_text("password", &body.password, validate::MAX_PASSWORD_CHARS)?;
        sign_in::check_password(
            &state.store,
            &state.login_throttle,
            &email,
            body.password,
            client,
        )
        .await
    };
    match checked.await {
        Ok(user) => {
            tracing::info!(user_id = %user.id, "signed in (browser session)");
            session_response(state, &user, Uuid::new_v4()).await
        }
        Err(e) => domain_error(e),
    }
}

async fn refresh(state: &AppState, headers: &HeaderMap) -> Resp {
    let Some(token) = cookies::get(headers, REFRESH_COOKIE) else {
        return error_json(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "not signed in (no session cookie)",
        );
    };
    match sign_in::rotate_refresh_token(
        &state.store,
        token,
        state.settings.auth.refresh_reuse_grace(),
    )
    .await
    {
        Ok((user, family)) => session_response(state, &user, family).await,
        Err(e) => {
            let mut resp = domain_error(e);
            // A refused token is dead: drop it from the browser too.
            resp.headers_mut()
                .append(header::SET_COOKIE, clear_refresh_cookie());
            resp
        }
    }
}

async fn logout(state: &AppState, headers: &HeaderMap, client: Option<IpAddr>) -> Resp {
    if let Some(token) = cookies::get(headers, REFRESH_COOKIE) {
        if let Err(e) = sign_in::sign_out(&state.store, token, client).await {
            return domain_error(e);
        }
    }
    let mut resp = json(StatusCode::OK, serde_json::json!({}));
    resp.headers_mut()
        .append(header::SET_COOKIE, clear_refresh_cookie());
    resp
}

/// A new token pair for `user` in `family`: the refresh token into the cookie, the access token
/// into the body (also the OIDC callback's way of signing in, without the body).
pub async fn issue_session(
    state: &AppState,
    user: &User,
    family: Uuid,
) -> Result<(serde_json::Value, HeaderValue), DomainError> {
    let t = sign_in::issue_tokens(
        &state.store,
        &state.auth.access_tokens,
        state.settings.auth.refresh_token_ttl(),
        user,
        family,
    )
    .await?;
    let cookie = cookies::set(
        REFRESH_COOKIE,
        &t.refresh_token,
        REFRESH_PATH,
        SameSite::Strict,
        state.settings.auth.refresh_token_ttl(),
    );
    let body = serde_json::json!({
        "access_token": t.access_token,
        "access_token_expire_time": t.access_expires_at.to_rfc3339(),
        "refresh_token_expire_time": t.refresh_expires_at.to_rfc3339(),
        "user": {"id": user.id.0, "email": user.email, "display_name": user.display_name},
    });
    Ok((body, cookie))
}

async fn session_response(state: &AppState, user: &User, family: Uuid) -> Resp {
    match issue_session(state, user, family).await {
        Ok((body, cookie)) => {
            let mut resp = json(StatusCode::OK, body);
            resp.headers_mut().append(header::SET_COOKIE, cookie);
            resp
        }
        Err(e) => domain_error(e),
    }
}

pub fn clear_refresh_cookie() -> HeaderValue {
    cookies::clear(REFRESH_COOKIE, REFRESH_PATH, SameSite::Strict)
}

/// Through the one status mapping (internal errors are logged with an id there).
fn domain_error(e: DomainError) -> Resp {
    let status = super::status::to_status(e);
    let (http, code) = match status.code() {
        tonic::Code::InvalidArgument => (StatusCode::BAD_REQUEST, "invalid_argument"),
        tonic::Code::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
        tonic::Code::PermissionDenied => (StatusCode::FORBIDDEN, "permission_denied"),
        tonic::Code::ResourceExhausted => (StatusCode::TOO_MANY_REQUESTS, "resource_exhausted"),
        tonic::Code::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    };
    error_json(http, code, status.message())
}

fn error_json(status: StatusCode, code: &str, message: &str) -> Resp {
    json(
        status,
        serde_json::json!({"code": code, "message": message}),
    )
}

fn json(status: StatusCode, body: serde_json::Value) -> Resp {
    http::Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CACHE_CONTROL, "no-store")
        .body(axum::body::Body::from(body.to_string()))
        .expect("static response")
}
