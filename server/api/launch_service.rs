//! LaunchService: people launch and continue sessions and manage runners (access token).

use tonic::{Request, Response, Status};

use super::dashboard_service::project_or_personal;
use super::launch_convert::{runner_pb, spec_from_pb, target_from_pb};
use super::requests::session_id;
use super::{AppState, caller, convert};
use crate::auth::secrets::{hash_secret, random_token};
use crate::domain::launch::{LaunchTarget, MAX_PROMPT_CHARS};
use crate::domain::{RunnerId, UserCaller, validate};
use crate::proto::launch_service_server::LaunchService;
use crate::proto::*;
use crate::store::RUNNER_SECRET_PREFIX;

pub struct LaunchApi {
    state: AppState,
}

impl LaunchApi {
    pub fn new(state: AppState) -> LaunchApi {
        LaunchApi { state }
    }

    /// How recently a runner must have been seen to count as online.
    fn online_within(&self) -> std::time::Duration {
        self.state.settings.sessions.runner_keepalive() * 3
    }
}

#[tonic::async_trait]
impl LaunchService for LaunchApi {
    async fn launch_session(
        &self,
        request: Request<LaunchSessionRequest>,
    ) -> Result<Response<LaunchSessionResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.into_inner();
        let request_id = validate::request_id(&req.request_id)?;
        let project = project_or_personal(&caller, &req.project_id)?;
        let spec = spec_from_pb(req.spec)?;
        let target = target_from_pb(req.runner, req.kubernetes)?;
        let kubernetes = matches!(target, LaunchTarget::Kubernetes);
        if kubernetes && self.state.kubernetes.is_none() {
            return Err(Status::failed_precondition(
                "this server has no Kubernetes launch target (no [kubernetes] configuration)",
            ));
        }
        let session = self
            .state
            .store
            .launch_session(caller, project, spec, target, &request_id)
            .await?;
        if let (true, Some(k)) = (kubernetes, &self.state.kubernetes) {
            k.wake.notify_one();
        }
        Ok(Response::new(LaunchSessionResponse {
            session: Some(convert::session(session)),
        }))
    }

    async fn continue_session(
        &self,
        request: Request<ContinueSessionRequest>,
    ) -> Result<Response<ContinueSessionResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.into_inner();
        let parent = session_id(&req.session_id)?;
        let request_id = validate::request_id(&req.request_id)?;
        let prompt = validate::optional_text("prompt", &req.prompt, MAX_PROMPT_CHARS)?;
        let session = self
            .state
            .store
            .continue_session(caller, parent, &prompt, &request_id)
            .await?;
        // A continued Kubernetes launch is queued for this replica's launcher too.
        if let Some(k) = &self.state.kubernetes {
            k.wake.notify_one();
        }
        Ok(Response::new(ContinueSessionResponse {
            session: Some(convert::session(session)),
        }))
    }

    async fn list_runners(
        &self,
        request: Request<ListRunnersRequest>,
    ) -> Result<Response<ListRunnersResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.into_inner();
        let limit = validate::page_size(req.page_size)?;
        let project = project_or_personal(&caller, &req.project_id)?;
        let scope = format!("runners:{project}");
        let after: Option<(String, uuid::Uuid)> =
            self.state.page_tokens.decode(&scope, &req.page_token)?;
        let page = self
            .state
            .store
            .list_runners(caller, project, after, limit, self.online_within())
            .await?;
        Ok(Response::new(ListRunnersResponse {
            runners: page.items.into_iter().map(runner_pb).collect(),
            next_page_token: page
                .next
                .map(|c| self.state.page_tokens.encode(&scope, &c))
                .unwrap_or_default(),
        }))
    }

    async fn create_runner_credential(
        &self,
        request: Request<CreateRunnerCredentialRequest>,
    ) -> Result<Response<CreateRunnerCredentialResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.into_inner();
        let project = project_or_personal(&caller, &req.project_id)?;
        let name = validate::required_text("name", req.name.trim(), validate::MAX_KEY_NAME_CHARS)?;
        let secret = random_token(RUNNER_SECRET_PREFIX);
        let prefix = secret[..RUNNER_SECRET_PREFIX.len() + 4].to_owned();
        let runner = self
            .state
            .store
            .create_runner(
                caller,
                project,
                &name,
                &prefix,
                &hash_secret(&secret),
                self.online_within(),
            )
            .await?;
        tracing::info!(runner_id = %runner.id, %prefix, "runner credential created");
        Ok(Response::new(CreateRunnerCredentialResponse {
            runner: Some(runner_pb(runner)),
            secret,
        }))
    }

    async fn revoke_runner(
        &self,
        request: Request<RevokeRunnerRequest>,
    ) -> Result<Response<RevokeRunnerResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let id = RunnerId(validate::uuid("runner_id", &request.get_ref().runner_id)?);
        self.state.store.revoke_runner(caller, id).await?;
        tracing::info!(runner_id = %id, "runner revoked");
        Ok(Response::new(RevokeRunnerResponse {}))
    }
}
