//! AuthService: sign-in, token rotation, sign-out.

use chrono::Utc;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::{AppState, convert};
use crate::auth::passwords::{dummy_hash, verify_password};
use crate::auth::secrets::{hash_secret, new_refresh_token};
use crate::domain::{DomainError, DomainResult, User, validate};
use crate::proto::auth_service_server::AuthService;
use crate::proto::*;
use crate::store::RefreshOutcome;

pub struct AuthApi {
    state: AppState,
}

impl AuthApi {
    pub fn new(state: AppState) -> AuthApi {
        AuthApi { state }
    }

    async fn issue(&self, user: &User, family_id: Uuid) -> DomainResult<TokenPair> {
        let (access_token, access_exp) = self.state.auth.access_tokens.issue(user.id)?;
        let refresh_token = new_refresh_token();
        let refresh_exp = Utc::now()
            + chrono::Duration::from_std(self.state.settings.auth.refresh_token_ttl())
                .unwrap_or_default();
        self.state
            .store
            .insert_refresh_token(
                user.id,
                family_id,
                &hash_secret(&refresh_token),
                refresh_exp,
            )
            .await?;
        Ok(TokenPair {
            access_token,
            access_token_expire_time: Some(convert::ts(access_exp)),
            refresh_token,
            refresh_token_expire_time: Some(convert::ts(refresh_exp)),
        })
    }
}

const BAD_CREDENTIALS: &str = "wrong email or password";

#[tonic::async_trait]
impl AuthService for AuthApi {
    #[tracing::instrument(skip_all, fields(rpc = "Login"))]
    async fn login(
        &self,
        request: Request<LoginRequest>,
    ) -> Result<Response<LoginResponse>, Status> {
        let req = request.into_inner();
        let email = validate::required_text("email", req.email.trim(), 320)?;
        validate::required_text("password", &req.password, 1024)?;
        let throttle = &self.state.login_throttle;
        if let Some(wait) = throttle.check(&email) {
            return Err(DomainError::ResourceExhausted {
                message: format!(
                    "too many failed sign-in attempts for this email; retry in {} s",
                    wait.as_secs().max(1)
                ),
                retry_after: Some(wait),
            }
            .into());
        }
        let found = self.state.store.user_credentials(&email).await?;
        // Verify against a dummy hash for unknown emails: same answer, same time.
        let password = req.password;
        let hash = found
            .as_ref()
            .map(|(_, h)| h.clone())
            .unwrap_or_else(|| dummy_hash().to_owned());
        let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .map_err(DomainError::internal)?;
        let user = match (found, ok) {
            (Some((user, _)), true) => user,
            _ => {
                throttle.record_failure(&email);
                return Err(Status::unauthenticated(BAD_CREDENTIALS));
            }
        };
        throttle.record_success(&email);
        let tokens = self.issue(&user, Uuid::new_v4()).await?;
        tracing::info!(user_id = %user.id, "signed in");
        Ok(Response::new(LoginResponse {
            tokens: Some(tokens),
            user: Some(convert::user(user)),
        }))
    }

    #[tracing::instrument(skip_all, fields(rpc = "Refresh"))]
    async fn refresh(
        &self,
        request: Request<RefreshRequest>,
    ) -> Result<Response<RefreshResponse>, Status> {
        let token = request.into_inner().refresh_token;
        validate::required_text("refresh_token", &token, 200)?;
        match self
            .state
            .store
            .rotate_refresh_token(&hash_secret(&token))
            .await?
        {
            RefreshOutcome::Rotated { user, family_id } => {
                let tokens = self.issue(&user, family_id).await?;
                Ok(Response::new(RefreshResponse {
                    tokens: Some(tokens),
                    user: Some(convert::user(user)),
                }))
            }
            RefreshOutcome::Invalid => Err(Status::unauthenticated(
                "the refresh token is unknown, expired or revoked: sign in again",
            )),
            RefreshOutcome::Reused => {
                tracing::warn!(
                    "a rotated refresh token was presented again; its family is revoked"
                );
                Err(Status::unauthenticated(
                    "this refresh token was already used; every session of this sign-in is revoked for safety: sign in again",
                ))
            }
        }
    }

    #[tracing::instrument(skip_all, fields(rpc = "Logout"))]
    async fn logout(
        &self,
        request: Request<LogoutRequest>,
    ) -> Result<Response<LogoutResponse>, Status> {
        let token = request.into_inner().refresh_token;
        validate::required_text("refresh_token", &token, 200)?;
        self.state
            .store
            .revoke_refresh_family(&hash_secret(&token))
            .await?;
        Ok(Response::new(LogoutResponse {}))
    }
}
