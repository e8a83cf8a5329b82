//! AuthService: sign-in, token rotation, sign-out, and the person's sign-in history.

use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::{AppState, convert};
use crate::auth::sign_in::{self, IssuedTokens};
use crate::domain::{DomainResult, User, validate};
use crate::proto::auth_service_server::AuthService;
use crate::proto::*;
use crate::store::sign_ins::{SignInCursor, SignInKind};

pub struct AuthApi {
    state: AppState,
}

impl AuthApi {
    pub fn new(state: AppState) -> AuthApi {
        AuthApi { state }
    }

    async fn issue(&self, user: &User, family_id: Uuid) -> DomainResult<TokenPair> {
        let t: IssuedTokens = sign_in::issue_tokens(
            &self.state.store,
            &self.state.auth.access_tokens,
            self.state.settings.auth.refresh_token_ttl(),
            user,
            family_id,
        )
        .await?;
        Ok(TokenPair {
            access_token: t.access_token,
            access_token_expire_time: Some(convert::ts(t.access_expires_at)),
            refresh_token: t.refresh_token,
            refresh_token_expire_time: Some(convert::ts(t.refresh_expires_at)),
        })
    }
}

#[tonic::async_trait]
impl AuthService for AuthApi {
    async fn login(
        &self,
        request: Request<LoginRequest>,
    ) -> Result<Response<LoginResponse>, Status> {
        let client = client_addr(&request);
        let req = request.into_inner();
        let email = validate::required_text("email", req.email.trim(), 320)?;
        validate::required_text("password", &req.password, validate::MAX_PASSWORD_CHARS)?;
        let user = sign_in::check_password(
            &self.state.store,
            &self.state.login_throttle,
            &email,
            req.password,
            client,
        )
        .await?;
        let tokens = self.issue(&user, Uuid::new_v4()).await?;
        tracing::info!(user_id = %user.id, "signed in");
        Ok(Response::new(LoginResponse {
            tokens: Some(tokens),
            user: Some(convert::user(user)),
        }))
    }

    async fn refresh(
        &self,
        request: Request<RefreshRequest>,
    ) -> Result<Response<RefreshResponse>, Status> {
        let token = request.into_inner().refresh_token;
        validate::required_text("refresh_token", &token, 200)?;
        let (user, family_id) = sign_in::rotate_refresh_token(
            &self.state.store,
            &token,
            self.state.settings.auth.refresh_reuse_grace(),
        )
        .await?;
        let tokens = self.issue(&user, family_id).await?;
        Ok(Response::new(RefreshResponse {
            tokens: Some(tokens),
            user: Some(convert::user(user)),
        }))
    }

    async fn logout(
        &self,
        request: Request<LogoutRequest>,
    ) -> Result<Response<LogoutResponse>, Status> {
        let client = client_addr(&request);
        let token = request.into_inner().refresh_token;
        validate::required_text("refresh_token", &token, 200)?;
        sign_in::sign_out(&self.state.store, &token, client).await?;
        Ok(Response::new(LogoutResponse {}))
    }

    async fn list_sign_ins(
        &self,
        request: Request<ListSignInsRequest>,
    ) -> Result<Response<ListSignInsResponse>, Status> {
        // The auth layer lets AuthService through unauthenticated (Login needs no token): this
        // call checks the access token itself, as the layer does for DashboardService.
        let headers = request.metadata().clone().into_headers();
        let caller = self.state.auth.user(&headers, false)?;
        let req = request.into_inner();
        let limit = validate::page_size(req.page_size)?;
        let scope = format!("sign-ins:{}", caller.user_id);
        let after: Option<SignInCursor> = self.state.page_tokens.decode(&scope, &req.page_token)?;
        let page = self
            .state
            .store
            .sign_ins_of(caller.user_id, after, limit)
            .await?;
        Ok(Response::new(ListSignInsResponse {
            events: page
                .items
                .into_iter()
                .map(|e| SignInEvent {
                    time: Some(convert::ts(e.at)),
                    kind: sign_in_kind(e.kind) as i32,
                    issuer: e.issuer,
                    client_address: e.client_addr,
                })
                .collect(),
            next_page_token: page
                .next
                .map(|c| self.state.page_tokens.encode(&scope, &c))
                .unwrap_or_default(),
        }))
    }
}

fn sign_in_kind(kind: SignInKind) -> SignInEventKind {
    match kind {
        SignInKind::Password => SignInEventKind::Password,
        SignInKind::PasswordFailed => SignInEventKind::PasswordFailed,
        SignInKind::Oidc => SignInEventKind::Oidc,
        SignInKind::SignedOut => SignInEventKind::SignedOut,
    }
}

/// The caller's address as the forwarded layer resolved it (for the sign-in history).
fn client_addr<T>(request: &Request<T>) -> Option<std::net::IpAddr> {
    request
        .extensions()
        .get::<crate::runtime::forwarded::ClientAddr>()
        .map(|c| c.0)
}
