//! `POST /push/renew`: a browser's push service replaced its subscription (expiry, key
//! rotation) and the service worker's `pushsubscriptionchange` handler reports the new one. The
//! worker has no sign-in token, so it proves it is the browser of the old subscription with that
//! subscription's auth secret, which only the browser and this server hold (the push service
//! never sees it). Anything else (unknown endpoint, wrong secret) is one indistinguishable 404.
//!
//! Body (JSON): `{old_endpoint, old_auth, endpoint, p256dh, auth}`, keys base64url as
//! `PushSubscription.toJSON()` gives them. Answers `{"status": "renewed" | "unknown" |
//! "invalid" | "conflict" | "error", "message"}`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::routing::post;
use sha2::{Digest, Sha256};

use super::AppState;
use crate::domain::DomainError;
use crate::notify::push;

type Resp = http::Response<axum::body::Body>;

pub fn router(state: AppState) -> axum::Router {
    let state = Arc::new(state);
    axum::Router::new().route(
        "/push/renew",
        post(move |body: Bytes| {
            let state = state.clone();
            async move { renew(&state, &body).await }
        }),
    )
}

#[derive(serde::Deserialize)]
struct RenewBody {
    old_endpoint: String,
    old_auth: String,
    endpoint: String,
    p256dh: String,
    auth: String,
}

fn reply(code: http::StatusCode, status: &str, message: &str) -> Resp {
    let body = serde_json::json!({"status": status, "message": message});
    http::Response::builder()
        .status(code)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::CACHE_CONTROL, "no-store")
        .body(axum::body::Body::from(body.to_string()))
        .expect("static response")
}

/// Compares two secrets without an early exit on the first differing byte.
fn same_secret(a: &str, b: &str) -> bool {
    Sha256::digest(a.trim_end_matches('=')) == Sha256::digest(b.trim_end_matches('='))
}

async fn renew(state: &AppState, body: &[u8]) -> Resp {
    use http::StatusCode;
    let Ok(body) = serde_json::from_slice::<RenewBody>(body) else {
        return reply(
            StatusCode::BAD_REQUEST,
            "invalid",
            "expected JSON {old_endpoint, old_auth, endpoint, p256dh, auth}",
        );
    };
    let next = match push::subscription(&body.endpoint, &body.p256dh, &body.auth) {
        Ok(s) => s,
        Err(e) => return reply(StatusCode::BAD_REQUEST, "invalid", &e.to_string()),
    };
    let unknown = || {
        reply(
            StatusCode::NOT_FOUND,
            "unknown",
            "no subscription with that endpoint and secret",
        )
    };
    let sender = &state.deliverer.push;
    let candidates = match state.store.push_channels_at(body.old_endpoint.trim()).await {
        Ok(c) => c,
        Err(e) => return failed(e),
    };
    let Some((channel_id, old_sealed)) = candidates.into_iter().find(|(_, sealed)| {
        sender
            .open_keys(sealed)
            .is_some_and(|k| same_secret(&k.auth, &body.old_auth))
    }) else {
        return unknown();
    };
    let sealed = sender.seal_keys(&next.keys);
    match state
        .store
        .renew_push_subscription(channel_id, &old_sealed, &next.endpoint, &sealed)
        .await
    {
        Ok(true) => {
            tracing::info!(%channel_id, "web push subscription renewed by its browser");
            reply(StatusCode::OK, "renewed", "the subscription was renewed")
        }
        // Changed by a concurrent renewal or a new subscription: that one stands.
        Ok(false) => unknown(),
        Err(DomainError::AlreadyExists(_)) => reply(
            StatusCode::CONFLICT,
            "conflict",
            "this browser's new subscription is already a channel",
        ),
        Err(e) => failed(e),
    }
}

fn failed(e: DomainError) -> Resp {
    let status = super::status::to_status(e);
    reply(
        http::StatusCode::INTERNAL_SERVER_ERROR,
        "error",
        status.message(),
    )
}
