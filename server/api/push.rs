//! NotificationService's web push RPCs (kept apart from the webhook ones): the VAPID public key
//! a browser subscribes with, and adding a browser's subscription as a channel.

use tonic::{Request, Response, Status};

use super::notification_service::{channel_pb, events};
use super::{AppState, caller};
use crate::domain::{UserCaller, validate};
use crate::notify::push::{self, MAX_LABEL_CHARS};
use crate::proto::*;

pub async fn get_push_config(
    state: &AppState,
    request: Request<GetPushConfigRequest>,
) -> Result<Response<GetPushConfigResponse>, Status> {
    let _: UserCaller = caller(&request)?;
    let vapid = state.deliverer.push.vapid().await?;
    Ok(Response::new(GetPushConfigResponse {
        application_server_key: vapid.public_key().to_owned(),
    }))
}

pub async fn add_push_subscription(
    state: &AppState,
    request: Request<AddPushSubscriptionRequest>,
) -> Result<Response<AddPushSubscriptionResponse>, Status> {
    let caller: UserCaller = caller(&request)?;
    let req = request.get_ref();
    let subscription = push::subscription(&req.endpoint, &req.p256dh, &req.auth)?;
    let events = events("events", &req.events)?;
    let label = validate::optional_text("label", req.label.trim(), MAX_LABEL_CHARS)?;
    // The auth secret lets anyone who has it read the pushes: kept sealed, like webhook keys.
    let sealed = state.deliverer.push.seal_keys(&subscription.keys);
    let channel = state
        .store
        .add_push_channel(
            caller.user_id,
            &subscription.endpoint,
            &sealed,
            &events,
            &label,
        )
        .await?;
    // The endpoint is a capability URL of the push service: not logged.
    tracing::info!(channel_id = %channel.id, "web push subscription added");
    Ok(Response::new(AddPushSubscriptionResponse {
        channel: Some(channel_pb(channel)),
    }))
}
