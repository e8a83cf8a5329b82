//! The gRPC surface: thin handlers that validate, read the caller, call the store/domain and
//! convert back. Nothing below this module knows protobuf or tonic.

mod act_confirm;
pub mod act_http;
pub mod agent_service;
pub mod auth_service;
pub mod convert;
pub mod dashboard_service;
pub mod encoded_feed;
pub mod feed_body;
pub mod launch_convert;
pub mod launch_service;
pub mod notification_service;
pub mod oidc_http;
pub mod pagination;
pub mod project_service;
pub mod push;
pub mod push_renew;
pub mod requests;
pub mod runner_service;
pub mod session_http;
pub mod status;

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::auth::Authenticator;
use crate::auth::throttle::LoginThrottle;
use crate::config::Settings;
use crate::feed::Hub;
use crate::store::Store;

/// What every handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub hub: Arc<Hub>,
    pub auth: Arc<Authenticator>,
    pub login_throttle: Arc<LoginThrottle>,
    pub settings: Arc<Settings>,
    pub page_tokens: pagination::PageTokens,
    /// Who watches which session here (suppresses their notifications).
    pub presence: Arc<crate::notify::Presence>,
    /// Sends notifications (the worker's, and `TestChannel`'s).
    pub deliverer: crate::notify::worker::Deliverer,
    /// Cancelled when the server stops: streams and waits end with UNAVAILABLE.
    pub shutdown: CancellationToken,
    /// The configured OIDC issuers (sign-in through them: `oidc_http`).
    pub oidc: Arc<crate::auth::oidc::Oidc>,
    /// The Kubernetes launch target, when configured.
    pub kubernetes: Option<Arc<crate::kubernetes::KubeTarget>>,
}

impl AppState {
    /// How live streams of this server behave (heartbeat period, shutdown signal).
    pub fn feed_config(&self) -> crate::feed::stream::FeedConfig {
        crate::feed::stream::FeedConfig {
            heartbeat: self.settings.feed.heartbeat(),
            shutdown: self.shutdown.clone(),
            access: None,
        }
    }

    /// A person's feed config: the stream re-checks `check` whenever the person's access
    /// shrinks (see `feed::stream::AccessGuard`).
    pub fn person_feed_config<F, Fut>(
        &self,
        user_id: crate::domain::UserId,
        check: F,
    ) -> crate::feed::stream::FeedConfig
    where
        F: Fn(Store) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = crate::domain::DomainResult<()>> + Send + 'static,
    {
        let store = self.store.clone();
        let guard = crate::feed::stream::AccessGuard {
            channel: self.hub.access(user_id),
            check: Arc::new(move || Box::pin(check(store.clone()))),
        };
        self.feed_config().with_access(guard)
    }
}

/// The session a feed request (Subscribe, WatchSession) resumes, after checking that the caller
/// may read it (deleted sessions are refused) and that the resume position is one it has reached.
pub async fn session_to_resume(
    state: &AppState,
    scope: impl Into<crate::store::access::Scope>,
    feed: &requests::SessionFeed,
) -> Result<crate::domain::Session, tonic::Status> {
    let session = state.store.get_session(scope, feed.session).await?;
    beyond_the_end("after_seq", feed.after_seq, session.last_seq)?;
    Ok(session)
}

/// A resume position past the newest item cannot come from this feed (a client bug, or a
/// session deleted and started again under its id): say so instead of waiting forever.
pub fn beyond_the_end(field: &'static str, after: i64, newest: i64) -> Result<(), tonic::Status> {
    if after > newest {
        return Err(status::to_status(crate::domain::DomainError::invalid(
            field,
            format!(
                "{after} is beyond the newest position {newest}; resume from a position this feed sent"
            ),
        )));
    }
    Ok(())
}

/// A live feed as a gRPC response stream: `item` converts each delivered item, heartbeats
/// carry the high-water mark, and domain errors become statuses.
pub fn feed_response<T: Send + 'static, R: Send + 'static>(
    feed: impl tokio_stream::Stream<
        Item = Result<crate::feed::stream::FeedItem<T>, crate::domain::DomainError>,
    > + Send
    + 'static,
    item: impl Fn(T) -> R + Send + 'static,
    heartbeat: impl Fn(crate::proto::StreamHeartbeat) -> R + Send + 'static,
) -> std::pin::Pin<Box<dyn tokio_stream::Stream<Item = Result<R, tonic::Status>> + Send>> {
    use crate::feed::stream::FeedItem;
    use tokio_stream::StreamExt;
    Box::pin(feed.map(move |delivered| match delivered {
        Ok(FeedItem::Item(x)) => Ok(item(x)),
        Ok(FeedItem::Heartbeat { high_water }) => Ok(heartbeat(convert::heartbeat(high_water))),
        Err(e) => Err(status::to_status(e)),
    }))
}

/// Reads the caller the auth layer put into the request's extensions.
pub fn caller<T: Clone + Send + Sync + 'static, R>(
    request: &tonic::Request<R>,
) -> Result<T, tonic::Status> {
    request
        .extensions()
        .get::<T>()
        .cloned()
        .ok_or_else(|| tonic::Status::unauthenticated("no credentials were resolved for this call"))
}
