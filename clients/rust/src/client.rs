//! A small client for `AgentService`: connection from the environment, retries that reuse the
//! request id, and the agent session helpers (steps, ask-and-wait on the push path, message
//! acknowledgement, heartbeat, end).
//!
//! Tool approvals (issue 14) sit beside `ask_and_wait`: `request_approval` + `wait_for_approval`
//! on the same push path, and `resolve_approval` when the agent's own terminal answered first.
//! The retry helper (`Client::call`) is the one place every RPC goes through.

use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use tonic::{Code, Status};

use crate::proto::v1 as pb;
use pb::agent_service_client::AgentServiceClient;

/// The hub's address, e.g. `http://127.0.0.1:50051`.
pub const ENV_URL: &str = "SWITCHBOARD_URL";
/// An API key (`switchboard key create`); decides which user owns the session.
pub const ENV_API_KEY: &str = "SWITCHBOARD_API_KEY";
/// A file holding the API key, read when `SWITCHBOARD_API_KEY` is unset (a Kubernetes launch
/// mounts the session's credential as a file, never a variable).
pub const ENV_API_KEY_FILE: &str = "SWITCHBOARD_API_KEY_FILE";
/// A PEM file of CA certificates that https:// URLs are verified against instead of the system's
/// roots (a private CA).
pub const ENV_CA_FILE: &str = "SWITCHBOARD_CA_FILE";
/// A session to resume instead of starting one (set when the session was launched for the agent).
pub const ENV_SESSION_ID: &str = "SWITCHBOARD_SESSION_ID";
/// The agent's name as the dashboard shows it.
pub const ENV_AGENT_NAME: &str = "SWITCHBOARD_AGENT_NAME";
/// Set (to 1/true) by `switchboard-agent claude`: the MCP server leaves the session's end to the
/// wrapper, which knows how claude exited.
pub const ENV_LEAVE_SESSION_OPEN: &str = "SWITCHBOARD_LEAVE_SESSION_OPEN";

/// Everything that can go wrong talking to Switchboard.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "{0} is not set: export it (README, \"First steps\": the URL the server prints, a key from `switchboard key create`)"
    )]
    MissingEnv(&'static str),
    #[error(
        "{ENV_URL}={url:?} is not a usable URL ({reason}); expected e.g. http://127.0.0.1:50051"
    )]
    BadUrl { url: String, reason: String },
    #[error("{ENV_CA_FILE}={path:?} cannot be used: {reason}")]
    BadCaFile { path: PathBuf, reason: String },
    #[error("{ENV_API_KEY_FILE}={path:?} cannot be used: {reason}")]
    BadApiKeyFile { path: PathBuf, reason: String },
    #[error("{ENV_API_KEY} holds characters an HTTP header cannot carry")]
    BadApiKey,
    #[error("Switchboard {rpc} failed: {}", describe(.status))]
    Rpc { rpc: &'static str, status: Status },
}

impl Error {
    /// The gRPC code, when the server (or the transport) answered with one.
    pub fn code(&self) -> Option<Code> {
        match self {
            Error::Rpc { status, .. } => Some(status.code()),
            _ => None,
        }
    }
}

fn describe(status: &Status) -> String {
    match status.code() {
        // The transport's own message ("transport error") says little; name what to check.
        Code::Unavailable => format!(
            "Switchboard is unreachable ({}); check {ENV_URL} and that the server runs",
            status.message()
        ),
        code => format!("{code:?}: {}", status.message()),
    }
}

/// Where and as whom to connect.
#[derive(Clone)]
pub struct Config {
    pub url: String,
    pub api_key: String,
    /// For https:// URLs: trust the CA certificates in this PEM file instead of the system's roots.
    pub ca_file: Option<PathBuf>,
}

impl fmt::Debug for Config {
    // The key is a bearer secret: never in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("url", &self.url)
            .field("api_key", &"[REDACTED]")
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

impl Config {
    /// Reads `SWITCHBOARD_URL`, `SWITCHBOARD_API_KEY` (or the file `SWITCHBOARD_API_KEY_FILE`
    /// names) and, when set, `SWITCHBOARD_CA_FILE`.
    pub fn from_env() -> Result<Self, Error> {
        Ok(Self {
            url: env_required(ENV_URL)?,
            api_key: env_api_key()?,
            ca_file: env_ca_file(),
        })
    }
}

/// `SWITCHBOARD_CA_FILE` when set and not empty.
pub fn env_ca_file() -> Option<PathBuf> {
    std::env::var_os(ENV_CA_FILE)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The HTTP/2 endpoint for a Switchboard URL: plaintext for http://, TLS (rustls) for https://,
/// verified against the system's roots or the CA certificates in `ca_file`. Shared by the agent
/// client and the runner.
pub fn endpoint(url: &str, ca_file: Option<&Path>) -> Result<Endpoint, Error> {
    let bad_url = |reason: String| Error::BadUrl {
        url: url.to_owned(),
        reason,
    };
    let tls = match url.split_once("://").map(|(scheme, _)| scheme) {
        Some("http") => false,
        Some("https") => true,
        _ => return Err(bad_url("it must start with http:// or https://".into())),
    };
    let mut endpoint = Endpoint::from_shared(url.to_owned())
        .map_err(|e| bad_url(e.to_string()))?
        .connect_timeout(Duration::from_secs(5))
        // Blocked WaitForAnswer calls sit idle for minutes: keep-alives find a dead
        // connection before the call's deadline does.
        .http2_keep_alive_interval(Duration::from_secs(30))
        .keep_alive_while_idle(true);
    if tls {
        let config = match ca_file {
            None => ClientTlsConfig::new().with_native_roots(),
            Some(path) => {
                let bad_ca = |reason: String| Error::BadCaFile {
                    path: path.to_owned(),
                    reason,
                };
                let pem = std::fs::read(path).map_err(|e| bad_ca(e.to_string()))?;
                if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
                    return Err(bad_ca("it holds no PEM certificate".into()));
                }
                ClientTlsConfig::new().ca_certificate(Certificate::from_pem(pem))
            }
        };
        endpoint = endpoint
            .tls_config(config)
            .map_err(|e| bad_url(e.to_string()))?;
    }
    Ok(endpoint)
}

/// The API key: `SWITCHBOARD_API_KEY` when set and not blank, else the contents of the file
/// `SWITCHBOARD_API_KEY_FILE` names. Surrounding whitespace (the file's trailing newline) is
/// trimmed. Every client helper (Python, Go, TypeScript, Kotlin) follows the same rules.
fn env_api_key() -> Result<String, Error> {
    if let Ok(key) = env_required(ENV_API_KEY) {
        return Ok(key);
    }
    match std::env::var_os(ENV_API_KEY_FILE).filter(|v| !v.is_empty()) {
        Some(path) => read_api_key_file(Path::new(&path)),
        None => Err(Error::MissingEnv(ENV_API_KEY)),
    }
}

fn read_api_key_file(path: &Path) -> Result<String, Error> {
    let bad = |reason: String| Error::BadApiKeyFile {
        path: path.to_owned(),
        reason,
    };
    let key = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    match key.trim() {
        "" => Err(bad("it is empty".into())),
        key => Ok(key.to_owned()),
    }
}

fn env_required(name: &'static str) -> Result<String, Error> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_owned()),
        _ => Err(Error::MissingEnv(name)),
    }
}

/// How calls are retried. Only UNAVAILABLE and DEADLINE_EXCEEDED are retried: every write carries
/// a request id, so a retry of a write that did land returns the first result and writes nothing.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Tries in all, the first included.
    pub attempts: u32,
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// Deadline of one try (WaitForAnswer adds its own wait to it).
    pub call_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        // About 30 s of trying in all: a server restart or a replica change fits in it, a hub
        // that is down for good is reported to the agent instead of hanging it.
        Self {
            attempts: 8,
            first_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(8),
            call_timeout: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Delay before try `retry + 1` (0-based): doubling from `first_delay`, capped at `max_delay`.
    pub fn delay(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.min(16));
        self.first_delay.saturating_mul(factor).min(self.max_delay)
    }

    pub fn is_retryable(code: Code) -> bool {
        matches!(code, Code::Unavailable | Code::DeadlineExceeded)
    }
}

/// Adds `authorization: Bearer <key>` to every call.
#[derive(Clone)]
pub struct BearerAuth(MetadataValue<Ascii>);

impl BearerAuth {
    /// `value` is the whole header value, `Bearer <token>`.
    pub fn new(value: MetadataValue<Ascii>) -> Self {
        Self(value)
    }
}

impl Interceptor for BearerAuth {
    fn call(&mut self, mut request: tonic::Request<()>) -> Result<tonic::Request<()>, Status> {
        request
            .metadata_mut()
            .insert("authorization", self.0.clone());
        Ok(request)
    }
}

type Stub = AgentServiceClient<InterceptedService<Channel, BearerAuth>>;

/// A connection to `AgentService`. Cheap to clone (one HTTP/2 channel underneath).
#[derive(Clone)]
pub struct Client {
    stub: Stub,
    retry: RetryPolicy,
}

impl Client {
    /// Connects lazily: nothing is dialled until the first call, so an agent starts even while
    /// the hub restarts (the first call's retries cover it).
    pub fn connect_lazy(config: &Config) -> Result<Self, Error> {
        let endpoint = endpoint(&config.url, config.ca_file.as_deref())?;
        let token: MetadataValue<Ascii> = format!("Bearer {}", config.api_key)
            .parse()
            .map_err(|_| Error::BadApiKey)?;
        let channel = endpoint.connect_lazy();
        Ok(Self {
            stub: AgentServiceClient::with_interceptor(channel, BearerAuth(token)),
            retry: RetryPolicy::default(),
        })
    }

    /// `connect_lazy` with the configuration from the environment.
    pub fn from_env() -> Result<Self, Error> {
        Self::connect_lazy(&Config::from_env()?)
    }

    /// A handle on a session this process did not start (its id came from the environment):
    /// no round trip; the first call on it finds out whether it exists.
    pub fn session_handle(&self, session_id: impl Into<String>) -> AgentSession {
        let id = session_id.into();
        AgentSession {
            client: self.clone(),
            session: pb::Session {
                id: id.clone(),
                ..Default::default()
            },
            id,
            resumed: true,
        }
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// One RPC with retries. The message is built once and cloned for every try, so a write's
    /// request id is the same on each.
    async fn call<Req, Resp, F, Fut>(
        &self,
        rpc: &'static str,
        message: Req,
        timeout: Duration,
        mut send: F,
    ) -> Result<Resp, Error>
    where
        Req: Clone,
        F: FnMut(Stub, tonic::Request<Req>) -> Fut,
        Fut: Future<Output = Result<tonic::Response<Resp>, Status>>,
    {
        let mut retry = 0;
        loop {
            let mut request = tonic::Request::new(message.clone());
            request.set_timeout(timeout);
            match send(self.stub.clone(), request).await {
                Ok(response) => return Ok(response.into_inner()),
                Err(status)
                    if RetryPolicy::is_retryable(status.code())
                        && retry + 1 < self.retry.attempts =>
                {
                    tracing::debug!(rpc, code = ?status.code(), retry, "retrying");
                    tokio::time::sleep(self.retry.delay(retry)).await;
                    retry += 1;
                }
                Err(status) => return Err(Error::Rpc { rpc, status }),
            }
        }
    }

    /// Starts a session (or resumes `session_id` when it is set). A fresh request id is chosen
    /// when `request_id` is empty; retries reuse it, so they return the same session.
    pub async fn start_session(
        &self,
        mut request: pb::StartSessionRequest,
    ) -> Result<AgentSession, Error> {
        if request.request_id.is_empty() {
            request.request_id = new_request_id();
        }
        let response = self
            .call(
                "StartSession",
                request,
                self.retry.call_timeout,
                |mut s, r| async move { s.start_session(r).await },
            )
            .await?;
        let session = response.session.unwrap_or_default();
        Ok(AgentSession {
            client: self.clone(),
            id: session.id.clone(),
            resumed: response.resumed,
            session,
        })
    }
}

/// A fresh idempotency key.
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// How a wait for an answer ended.
#[derive(Debug, Clone, PartialEq)]
pub enum WaitOutcome {
    /// The person answered (or the question's deadline applied its default).
    Answered(pb::Answer),
    /// No answer will come: a person asked the agent to stop (STOPPING), or the session ended.
    Interrupted(pb::SessionStatus),
}

/// How a wait for a tool approval's decision ended.
#[derive(Debug, Clone, PartialEq)]
pub enum ApprovalOutcome {
    /// Decided: by the person, a deadline's default, a session rule, or the agent's terminal.
    Decided(pb::ApprovalResult),
    /// No decision will come: a person asked the agent to stop (STOPPING), or the session ended.
    Interrupted(pb::SessionStatus),
    /// The caller's own wait limit passed first; the approval stays open.
    TimedOut,
}

/// One agent session.
#[derive(Clone)]
pub struct AgentSession {
    client: Client,
    id: String,
    resumed: bool,
    session: pb::Session,
}

impl AgentSession {
    pub fn id(&self) -> &str {
        &self.id
    }

    /// True when StartSession resumed an existing session.
    pub fn resumed(&self) -> bool {
        self.resumed
    }

    /// The session as StartSession returned it.
    pub fn session(&self) -> &pb::Session {
        &self.session
    }

    /// Logs a step; the response carries the user messages not read yet (now marked read) and
    /// the status (STOPPING: a person asked the agent to stop).
    pub async fn log_step(&self, text: impl Into<String>) -> Result<pb::LogStepResponse, Error> {
        let request = pb::LogStepRequest {
            session_id: self.id.clone(),
            text: text.into(),
            request_id: new_request_id(),
        };
        self.client
            .call(
                "LogStep",
                request,
                self.client.retry.call_timeout,
                |mut s, r| async move { s.log_step(r).await },
            )
            .await
    }

    /// Asks a question and returns at once with the stored question. `session_id` is filled in,
    /// and `request_id` when empty.
    pub async fn ask(
        &self,
        mut request: pb::AskQuestionRequest,
    ) -> Result<pb::AskQuestionResponse, Error> {
        request.session_id = self.id.clone();
        if request.request_id.is_empty() {
            request.request_id = new_request_id();
        }
        self.client
            .call(
                "AskQuestion",
                request,
                self.client.retry.call_timeout,
                |mut s, r| async move { s.ask_question(r).await },
            )
            .await
    }

    /// Waits for the answer on the push path: WaitForAnswer returns the moment the answer
    /// commits; it is called again while it returns answered=false with the session still
    /// going, and returns `Interrupted` at once on a stop request or the session's end.
    pub async fn wait_for_answer(&self, question_id: &str) -> Result<WaitOutcome, Error> {
        // One server-side wait; the call's deadline leaves it room to answer in time.
        const WAIT: Duration = Duration::from_secs(60);
        let request = pb::WaitForAnswerRequest {
            session_id: self.id.clone(),
            question_id: question_id.to_owned(),
            timeout: Some(prost_types::Duration {
                seconds: WAIT.as_secs() as i64,
                nanos: 0,
            }),
        };
        loop {
            let response = self
                .client
                .call(
                    "WaitForAnswer",
                    request.clone(),
                    WAIT + self.client.retry.call_timeout,
                    |mut s, r| async move { s.wait_for_answer(r).await },
                )
                .await?;
            if let Some(outcome) = wait_outcome(response) {
                return Ok(outcome);
            }
        }
    }

    /// `ask` then `wait_for_answer`.
    pub async fn ask_and_wait(
        &self,
        request: pb::AskQuestionRequest,
    ) -> Result<(pb::Question, WaitOutcome), Error> {
        let asked = self.ask(request).await?;
        let question = asked.question.unwrap_or_default();
        let outcome = self.wait_for_answer(&question.id).await?;
        Ok((question, outcome))
    }

    /// Asks the person to allow or deny one tool call; returns at once with the stored approval
    /// (its `result` already set when an ALLOW_SESSION rule of this session covers the tool).
    /// `session_id` is filled in, and `request_id` when empty; retries reuse it, so a retried
    /// request never opens a second card.
    pub async fn request_approval(
        &self,
        mut request: pb::RequestApprovalRequest,
    ) -> Result<pb::ToolApproval, Error> {
        request.session_id = self.id.clone();
        if request.request_id.is_empty() {
            request.request_id = new_request_id();
        }
        let response = self
            .client
            .call(
                "RequestApproval",
                request,
                self.client.retry.call_timeout,
                |mut s, r| async move { s.request_approval(r).await },
            )
            .await?;
        Ok(response.approval.unwrap_or_default())
    }

    /// Waits for the approval's decision on the push path (WaitForApproval returns the moment
    /// it commits), called again while it returns decided=false with the session still going.
    /// Returns `Interrupted` at once on a stop request or the session's end, and `TimedOut` when
    /// `limit` (if any) passes first.
    pub async fn wait_for_approval(
        &self,
        approval_id: &str,
        limit: Option<Duration>,
    ) -> Result<ApprovalOutcome, Error> {
        const WAIT: Duration = Duration::from_secs(60);
        let give_up = limit.map(|l| tokio::time::Instant::now() + l);
        loop {
            let wait = match give_up {
                Some(at) => {
                    let left = at.saturating_duration_since(tokio::time::Instant::now());
                    if left.is_zero() {
                        return Ok(ApprovalOutcome::TimedOut);
                    }
                    // The server's wait is whole-second granular at 1 s minimum.
                    left.min(WAIT).max(Duration::from_secs(1))
                }
                None => WAIT,
            };
            let request = pb::WaitForApprovalRequest {
                session_id: self.id.clone(),
                approval_id: approval_id.to_owned(),
                timeout: Some(prost_types::Duration {
                    seconds: wait.as_secs() as i64,
                    nanos: wait.subsec_nanos() as i32,
                }),
            };
            let response = self
                .client
                .call(
                    "WaitForApproval",
                    request,
                    wait + self.client.retry.call_timeout,
                    |mut s, r| async move { s.wait_for_approval(r).await },
                )
                .await?;
            if let Some(outcome) = approval_outcome(response) {
                return Ok(outcome);
            }
        }
    }

    /// Reports that the agent's own terminal answered an open approval first. The first decision
    /// wins: the response carries the one in force and whether this call's was stored.
    pub async fn resolve_approval(
        &self,
        mut request: pb::ResolveApprovalRequest,
    ) -> Result<pb::ResolveApprovalResponse, Error> {
        request.session_id = self.id.clone();
        if request.request_id.is_empty() {
            request.request_id = new_request_id();
        }
        self.client
            .call(
                "ResolveApproval",
                request,
                self.client.retry.call_timeout,
                |mut s, r| async move { s.resolve_approval(r).await },
            )
            .await
    }

    /// Marks every user message up to `through_seq` as read (after the agent saw it on
    /// Subscribe), so LogStep does not return it again.
    pub async fn acknowledge(
        &self,
        through_seq: i64,
    ) -> Result<pb::AcknowledgeMessagesResponse, Error> {
        let request = pb::AcknowledgeMessagesRequest {
            session_id: self.id.clone(),
            through_seq,
        };
        self.client
            .call(
                "AcknowledgeMessages",
                request,
                self.client.retry.call_timeout,
                |mut s, r| async move { s.acknowledge_messages(r).await },
            )
            .await
    }

    /// Tells the hub the agent is alive.
    pub async fn heartbeat(&self) -> Result<pb::HeartbeatResponse, Error> {
        let request = pb::HeartbeatRequest {
            session_id: self.id.clone(),
        };
        self.client
            .call(
                "Heartbeat",
                request,
                self.client.retry.call_timeout,
                |mut s, r| async move { s.heartbeat(r).await },
            )
            .await
    }

    /// Ends the session (STOPPED instead when a person had asked it to stop).
    pub async fn end(
        &self,
        outcome: pb::SessionOutcome,
        summary: impl Into<String>,
    ) -> Result<pb::Session, Error> {
        let request = pb::EndSessionRequest {
            session_id: self.id.clone(),
            outcome: outcome as i32,
            summary: summary.into(),
            request_id: new_request_id(),
        };
        let response = self
            .client
            .call(
                "EndSession",
                request,
                self.client.retry.call_timeout,
                |mut s, r| async move { s.end_session(r).await },
            )
            .await?;
        Ok(response.session.unwrap_or_default())
    }
}

/// What one WaitForAnswer response means; `None`: no answer yet, wait again.
fn wait_outcome(response: pb::WaitForAnswerResponse) -> Option<WaitOutcome> {
    let status = response.status();
    if response.answered {
        return Some(WaitOutcome::Answered(response.answer.unwrap_or_default()));
    }
    if is_stop_or_end(status) {
        return Some(WaitOutcome::Interrupted(status));
    }
    None
}

/// What one WaitForApproval response means; `None`: not decided yet, wait again.
fn approval_outcome(response: pb::WaitForApprovalResponse) -> Option<ApprovalOutcome> {
    let status = response.status();
    if response.decided {
        return Some(ApprovalOutcome::Decided(
            response.result.unwrap_or_default(),
        ));
    }
    if is_stop_or_end(status) {
        return Some(ApprovalOutcome::Interrupted(status));
    }
    None
}

/// STOPPING (a person asked the agent to stop) or a terminal status.
pub fn is_stop_or_end(status: pb::SessionStatus) -> bool {
    use pb::SessionStatus as S;
    matches!(status, S::Stopping | S::Completed | S::Failed | S::Stopped)
}

/// The option id derived from a label, the same rule as the Python client's `option_slug`
/// ("Ship it" -> "ship-it"): ASCII lowercase, runs of anything but `a-z0-9_.` become `-`, no
/// leading or trailing `-`/`.`, at most 64 characters. May be empty.
pub fn option_slug(label: &str) -> String {
    const MAX_OPTION_ID: usize = 64;
    let mut slug = String::with_capacity(label.len());
    for c in label.chars().map(|c| c.to_ascii_lowercase()) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.' {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let trimmed = slug.trim_matches(|c| c == '-' || c == '.');
    let cut: String = trimmed.chars().take(MAX_OPTION_ID).collect();
    cut.trim_end_matches(['-', '.']).to_owned()
}

/// Option ids for labels: the slug, or `option-<n>` (1-based) when the slug is empty or taken.
pub fn option_ids(labels: &[String]) -> Vec<String> {
    let mut taken = std::collections::HashSet::new();
    let mut ids = Vec::with_capacity(labels.len());
    for (i, label) in labels.iter().enumerate() {
        let mut id = option_slug(label);
        if id.is_empty() || taken.contains(&id) {
            let base = format!("option-{}", i + 1);
            id = base.clone();
            let mut n = 1;
            while taken.contains(&id) {
                n += 1;
                id = format!("{base}-{n}");
            }
        }
        taken.insert(id.clone());
        ids.push(id);
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_then_caps() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(0), Duration::from_millis(200));
        assert_eq!(p.delay(1), Duration::from_millis(400));
        assert_eq!(p.delay(3), Duration::from_millis(1600));
        assert_eq!(p.delay(6), Duration::from_secs(8));
        assert_eq!(p.delay(u32::MAX), Duration::from_secs(8));
    }

    #[test]
    fn only_transient_codes_are_retried() {
        assert!(RetryPolicy::is_retryable(Code::Unavailable));
        assert!(RetryPolicy::is_retryable(Code::DeadlineExceeded));
        for code in [
            Code::InvalidArgument,
            Code::NotFound,
            Code::FailedPrecondition,
            Code::Unauthenticated,
            Code::Internal,
        ] {
            assert!(!RetryPolicy::is_retryable(code), "{code:?}");
        }
    }

    #[test]
    fn api_key_file_is_trimmed_and_named_when_unusable() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("api-key");
        std::fs::write(&file, "sb_live_abc\n").unwrap();
        assert_eq!(read_api_key_file(&file).unwrap(), "sb_live_abc");

        std::fs::write(&file, " \n").unwrap();
        let empty = read_api_key_file(&file).unwrap_err().to_string();
        assert!(
            empty.starts_with(&format!(
                "{ENV_API_KEY_FILE}={file:?} cannot be used: it is empty"
            )),
            "{empty}"
        );

        let missing = dir.path().join("missing");
        let unreadable = read_api_key_file(&missing).unwrap_err().to_string();
        assert!(
            unreadable.starts_with(&format!("{ENV_API_KEY_FILE}={missing:?} cannot be used: ")),
            "{unreadable}"
        );
    }

    #[test]
    fn slugs_match_the_python_rule() {
        assert_eq!(option_slug("Ship it"), "ship-it");
        assert_eq!(option_slug("  --Yes, please!  "), "yes-please");
        assert_eq!(option_slug("v1.2_beta"), "v1.2_beta");
        assert_eq!(option_slug("¿Qué?"), "qu");
        assert_eq!(option_slug("!!!"), "");
        let long = "a".repeat(63) + "-b";
        assert_eq!(option_slug(&long), "a".repeat(63));
    }

    #[test]
    fn option_ids_are_unique() {
        let labels: Vec<String> = ["Yes", "yes", "!!!", "No"].map(String::from).into();
        assert_eq!(option_ids(&labels), ["yes", "option-2", "option-3", "no"]);
    }

    #[test]
    fn wait_again_only_while_the_session_goes_on() {
        use pb::SessionStatus as S;
        let unanswered = |status: S| pb::WaitForAnswerResponse {
            answered: false,
            answer: None,
            status: status as i32,
        };
        assert_eq!(wait_outcome(unanswered(S::AwaitingInput)), None);
        assert_eq!(wait_outcome(unanswered(S::Disconnected)), None);
        assert_eq!(
            wait_outcome(unanswered(S::Stopping)),
            Some(WaitOutcome::Interrupted(S::Stopping))
        );
        assert_eq!(
            wait_outcome(unanswered(S::Completed)),
            Some(WaitOutcome::Interrupted(S::Completed))
        );
        let answer = pb::Answer {
            text: "go".into(),
            ..Default::default()
        };
        let answered = pb::WaitForAnswerResponse {
            answered: true,
            answer: Some(answer.clone()),
            status: S::Active as i32,
        };
        assert_eq!(wait_outcome(answered), Some(WaitOutcome::Answered(answer)));
    }

    #[test]
    fn wait_for_approval_again_only_while_the_session_goes_on() {
        use pb::SessionStatus as S;
        let undecided = |status: S| pb::WaitForApprovalResponse {
            decided: false,
            result: None,
            status: status as i32,
        };
        assert_eq!(approval_outcome(undecided(S::AwaitingInput)), None);
        assert_eq!(
            approval_outcome(undecided(S::Stopping)),
            Some(ApprovalOutcome::Interrupted(S::Stopping))
        );
        let result = pb::ApprovalResult {
            approval_id: "a".into(),
            decision: pb::ApprovalDecision::Deny as i32,
            reason: "no".into(),
            ..Default::default()
        };
        let decided = pb::WaitForApprovalResponse {
            decided: true,
            result: Some(result.clone()),
            status: S::Active as i32,
        };
        assert_eq!(
            approval_outcome(decided),
            Some(ApprovalOutcome::Decided(result))
        );
    }

    #[test]
    fn config_debug_hides_the_key() {
        let c = Config {
            url: "http://x".into(),
            api_key: "sb_secret".into(),
            ca_file: None,
        };
        assert!(!format!("{c:?}").contains("sb_secret"));
    }

    // A runtime: a lazily connected channel spawns its worker at once.
    #[tokio::test]
    async fn garbage_urls_and_unreadable_ca_files_are_refused_with_a_reason() {
        let c = |url: &str| Config {
            url: url.into(),
            api_key: "k".into(),
            ca_file: None,
        };
        assert!(matches!(
            Client::connect_lazy(&c("localhost:1")),
            Err(Error::BadUrl { .. })
        ));
        assert!(Client::connect_lazy(&c("https://hub.example")).is_ok());
        let missing = Config {
            ca_file: Some("/nonexistent/ca.pem".into()),
            ..c("https://hub.example")
        };
        assert!(matches!(
            Client::connect_lazy(&missing),
            Err(Error::BadCaFile { .. })
        ));
        assert!(matches!(
            Client::connect_lazy(&Config {
                url: "http://127.0.0.1:1".into(),
                api_key: "bad\nkey".into(),
                ca_file: None,
            }),
            Err(Error::BadApiKey)
        ));
    }
}
