//! The tower layer that authenticates every request before it reaches a handler and puts the
//! caller (`AgentCaller` or `UserCaller`) into the request's extensions. Handlers only read it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tower::{Layer, Service};

use super::key_cache::{ApiKeyCache, CachedKey};
use super::rate_limit::RateLimiter;
use super::secrets::{API_KEY_PREFIX, hash_secret, looks_like_api_key};
use super::tokens::AccessTokens;
use crate::domain::{
    AgentCaller, AuditChannel, DomainError, DomainResult, RunnerCaller, UserCaller,
};
use crate::runtime::grpc_web::ViaGrpcWeb;
use crate::store::{ApiKeyAuth, RUNNER_SECRET_PREFIX, RunnerAuth, Store};

const AGENT_SERVICE: &str = "/switchboard.v1.AgentService/";
const DASHBOARD_SERVICE: &str = "/switchboard.v1.DashboardService/";
const PROJECT_SERVICE: &str = "/switchboard.v1.ProjectService/";
const NOTIFICATION_SERVICE: &str = "/switchboard.v1.NotificationService/";
const LAUNCH_SERVICE: &str = "/switchboard.v1.LaunchService/";
const RUNNER_SERVICE: &str = "/switchboard.v1.RunnerService/";
/// The one call that may use a cached key (see `Authenticator::agent`).
const LOG_STEP: &str = "/switchboard.v1.AgentService/LogStep";

/// Resolves credentials to callers.
pub struct Authenticator {
    pub store: Store,
    pub access_tokens: AccessTokens,
    pub rate_limiter: RateLimiter,
    pub key_cache: ApiKeyCache,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audience {
    Agent,
    Dashboard,
    Runner,
    Public,
}

fn audience(path: &str) -> Audience {
    if path.starts_with(AGENT_SERVICE) {
        Audience::Agent
    } else if path.starts_with(DASHBOARD_SERVICE)
        || path.starts_with(PROJECT_SERVICE)
        || path.starts_with(NOTIFICATION_SERVICE)
        || path.starts_with(LAUNCH_SERVICE)
    {
        Audience::Dashboard
    } else if path.starts_with(RUNNER_SERVICE) {
        Audience::Runner
    } else {
        Audience::Public
    }
}

fn bearer(headers: &http::HeaderMap) -> DomainResult<&str> {
    let value = headers.get(http::header::AUTHORIZATION).ok_or_else(|| {
        DomainError::Unauthenticated("missing `authorization: Bearer <token>` metadata".into())
    })?;
    let value = value.to_str().map_err(|_| {
        DomainError::Unauthenticated("the authorization metadata is not valid ASCII".into())
    })?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(|| {
            DomainError::Unauthenticated(
                "malformed authorization metadata: expected `Bearer <token>`".into(),
            )
        })?
        .trim();
    if token.is_empty() {
        return Err(DomainError::Unauthenticated(
            "the bearer token is empty".into(),
        ));
    }
    Ok(token)
}

impl Authenticator {
    /// The caller behind an API key. `LogStep` takes a key this process has seen before from
    /// its cache (`key_confirmed: false`; the write checks the key again in its own statement);
    /// every other call looks the key up, which also refreshes the cache.
    pub async fn agent(&self, headers: &http::HeaderMap, path: &str) -> DomainResult<AgentCaller> {
        let token = bearer(headers)?;
        if !token.starts_with(API_KEY_PREFIX) {
            return Err(DomainError::Unauthenticated(if token.starts_with("eyJ") {
                "AgentService takes an API key (sb_live_...), not a user access token".into()
            } else {
                "malformed API key: expected sb_live_ followed by 43 characters".into()
            }));
        }
        if !looks_like_api_key(token) {
            return Err(DomainError::Unauthenticated(
                "malformed API key: expected sb_live_ followed by 43 characters".into(),
            ));
        }
        let hash = hash_secret(token);
        let cached = (path == LOG_STEP)
            .then(|| self.key_cache.get(&hash))
            .flatten();
        let (key, key_confirmed) = match cached {
            Some(key) => (key, false),
            None => (self.look_up(&hash).await?, true),
        };
        if let Err(wait) = self.rate_limiter.take(key.key_id) {
            return Err(DomainError::ResourceExhausted {
                message: format!(
                    "this API key is over its rate limit of {}; retry in {} ms",
                    self.rate_limiter.describe(),
                    wait.as_millis().max(1)
                ),
                retry_after: Some(wait),
            });
        }
        // Record use at most once a minute: a write per call would double the load.
        if self.key_cache.due_for_touch(&hash) {
            let store = self.store.clone();
            let key_id = key.key_id;
            tokio::spawn(async move {
                if let Err(e) = store.touch_api_key(key_id).await {
                    tracing::debug!(error = %e, "recording API key use failed");
                }
            });
        }
        Ok(AgentCaller {
            user_id: key.user_id,
            api_key_id: key.key_id,
            project_id: key.project_id,
            session_id: key.session_id,
            key_confirmed,
        })
    }

    /// Looks the key up in the database, remembering a valid one (and forgetting any other).
    async fn look_up(&self, hash: &[u8]) -> DomainResult<CachedKey> {
        let refused = match self.store.authenticate_api_key(hash).await? {
            ApiKeyAuth::Valid {
                key_id,
                user_id,
                project_id,
                last_used_at,
                session_id,
                expires_at,
            } => {
                let key = CachedKey {
                    key_id,
                    user_id,
                    project_id,
                    session_id,
                    expires_at,
                };
                self.key_cache.insert(hash.to_vec(), key, last_used_at);
                return Ok(key);
            }
            ApiKeyAuth::Unknown => "unknown API key",
            ApiKeyAuth::Revoked => "this API key was revoked",
            ApiKeyAuth::Expired => "this API key has expired",
        };
        self.key_cache.remove(hash);
        Err(DomainError::Unauthenticated(refused.into()))
    }

    /// A runner credential (LaunchService.CreateRunnerCredential) for RunnerService.
    pub async fn runner(&self, headers: &http::HeaderMap) -> DomainResult<RunnerCaller> {
        let token = bearer(headers)?;
        if !token.starts_with(RUNNER_SECRET_PREFIX) {
            return Err(DomainError::Unauthenticated(
                "RunnerService takes a runner credential (sb_runner_...) from LaunchService.CreateRunnerCredential".into(),
            ));
        }
        match self.store.authenticate_runner(&hash_secret(token)).await? {
            RunnerAuth::Valid(caller) => Ok(caller),
            RunnerAuth::Unknown => Err(DomainError::Unauthenticated(
                "unknown runner credential".into(),
            )),
            RunnerAuth::Revoked => Err(DomainError::Unauthenticated(
                "this runner credential was revoked".into(),
            )),
        }
    }

    pub fn user(&self, headers: &http::HeaderMap, via_web: bool) -> DomainResult<UserCaller> {
        let token = bearer(headers)?;
        if token.starts_with(API_KEY_PREFIX) {
            return Err(DomainError::Unauthenticated(
                "DashboardService takes a user access token from AuthService.Login, not an API key"
                    .into(),
            ));
        }
        Ok(UserCaller {
            user_id: self.access_tokens.verify(token)?,
            channel: if via_web {
                AuditChannel::Dashboard
            } else {
                AuditChannel::Api
            },
        })
    }
}

#[derive(Clone)]
pub struct AuthLayer {
    auth: Arc<Authenticator>,
}

impl AuthLayer {
    pub fn new(auth: Arc<Authenticator>) -> AuthLayer {
        AuthLayer { auth }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthMiddleware<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthMiddleware {
            inner,
            auth: self.auth.clone(),
        }
    }
}

#[derive(Clone)]
pub struct AuthMiddleware<S> {
    inner: S,
    auth: Arc<Authenticator>,
}

impl<S, B> Service<http::Request<B>> for AuthMiddleware<S>
where
    S: Service<http::Request<B>, Response = http::Response<tonic::body::Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        let audience = audience(req.uri().path());
        if audience == Audience::Public {
            return Box::pin(self.inner.call(req));
        }
        // The ready inner service is the one we must call; leave a fresh clone in its place.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let auth = self.auth.clone();
        Box::pin(async move {
            let resolved = match audience {
                Audience::Agent => auth.agent(req.headers(), req.uri().path()).await.map(|c| {
                    req.extensions_mut().insert(c);
                }),
                Audience::Dashboard => {
                    let via_web = req.extensions().get::<ViaGrpcWeb>().is_some();
                    auth.user(req.headers(), via_web).map(|c| {
                        req.extensions_mut().insert(c);
                    })
                }
                Audience::Runner => auth.runner(req.headers()).await.map(|c| {
                    req.extensions_mut().insert(c);
                }),
                Audience::Public => Ok(()),
            };
            if let Err(e) = resolved {
                // The one DomainError → Status map (api::status), through its From impl.
                return Ok(tonic::Status::from(e).into_http());
            }
            inner.call(req).await
        })
    }
}
