//! gRPC clients with the bearer token attached, over real HTTP/2 connections.

use std::time::Duration;

use switchboard::proto::agent_service_client::AgentServiceClient;
use switchboard::proto::auth_service_client::AuthServiceClient;
use switchboard::proto::dashboard_service_client::DashboardServiceClient;
use switchboard::proto::{LoginRequest, StartSessionRequest};
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};

use crate::server::BoxError;

#[derive(Clone)]
pub struct Bearer(MetadataValue<Ascii>);

impl Interceptor for Bearer {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        req.metadata_mut().insert("authorization", self.0.clone());
        Ok(req)
    }
}

pub type Agent = AgentServiceClient<InterceptedService<Channel, Bearer>>;
pub type Dashboard = DashboardServiceClient<InterceptedService<Channel, Bearer>>;

/// One HTTP/2 connection (a tonic Channel is one connection; clones share it).
pub async fn connect(addr: &str) -> Result<Channel, BoxError> {
    if let Some(host_port) = addr.strip_prefix(crate::scenario::TLS_SCHEME) {
        return crate::scenario::connect_tls(host_port).await;
    }
    let channel = Endpoint::from_shared(format!("http://{addr}"))?
        .tcp_nodelay(true)
        .connect_timeout(Duration::from_secs(10))
        .http2_keep_alive_interval(Duration::from_secs(30))
        .keep_alive_while_idle(true)
        .initial_connection_window_size(Some(8 << 20))
        .initial_stream_window_size(Some(1 << 20))
        .connect()
        .await
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    Ok(channel)
}

pub fn bearer(token: &str) -> Result<Bearer, BoxError> {
    Ok(Bearer(format!("Bearer {token}").parse()?))
}

pub fn agent(channel: Channel, api_key: &str) -> Result<Agent, BoxError> {
    Ok(AgentServiceClient::with_interceptor(
        channel,
        bearer(api_key)?,
    ))
}

pub fn dashboard(channel: Channel, access_token: &str) -> Result<Dashboard, BoxError> {
    Ok(DashboardServiceClient::with_interceptor(
        channel,
        bearer(access_token)?,
    ))
}

/// Signs in and returns the access token.
pub async fn login(channel: Channel, email: &str, password: &str) -> Result<String, BoxError> {
    let resp = AuthServiceClient::new(channel)
        .login(LoginRequest {
            email: email.to_owned(),
            password: password.to_owned(),
        })
        .await?
        .into_inner();
    Ok(resp.tokens.ok_or("login returned no tokens")?.access_token)
}

pub fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Starts a fresh session and returns (session id, last seq).
pub async fn start_session(
    agent: &mut Agent,
    agent_name: &str,
    name: &str,
) -> Result<(String, i64), BoxError> {
    let s = agent
        .start_session(StartSessionRequest {
            session_id: String::new(),
            agent_name: agent_name.to_owned(),
            name: name.to_owned(),
            metadata: Default::default(),
            request_id: request_id(),
        })
        .await?
        .into_inner()
        .session
        .ok_or("StartSession returned no session")?;
    Ok((s.id, s.last_seq))
}
