//! `switchboard-agent mcp`: a Model Context Protocol server over stdio, built on the official
//! Rust SDK `rmcp` (pinned `=3.11.0` in Cargo.toml).
//!
//! Protocol: rmcp 3.11.0 implements the MCP revisions 2024-11-05, 2025-03-26, 2025-06-18,
//! 2025-11-25 and 2026-07-28 (`rmcp::model::ProtocolVersion::KNOWN_VERSIONS`; `LATEST` is
//! 2026-07-28, the last revision with an `initialize` handshake is 2025-11-25). The revision is
//! negotiated with the client at `initialize`; the one agreed is logged on stderr. Tool results
//! follow `tools/call` of those revisions: a failure the model can act on (bad arguments, the hub
//! refusing or unreachable) is a result with `isError: true` and a message, never a JSON-RPC
//! error and never a crash.
//!
//! One Switchboard session per process: started on the first tool call (or resumed when
//! `SWITCHBOARD_SESSION_ID` names one), heartbeated while the process lives, ended COMPLETED when
//! the process exits (stdin closed, SIGTERM, Ctrl-C) unless `end_session` ended it already or
//! `SWITCHBOARD_LEAVE_SESSION_OPEN` leaves the end to the session's owner (the `claude` wrapper).
//!
//! `approve` is Claude Code's `--permission-prompt-tool` (`claude -p --permission-prompt-tool
//! mcp__switchboard__approve`), checked against npm `@anthropic-ai/claude-code` 2.1.197: the
//! input is `{tool_name, input, tool_use_id}`, the result ONE text block holding
//! `{"behavior":"allow","updatedInput":{..}}` (the input to run: the original unless the person
//! edited it; `updatedPermissions` may add rules, the same shape as a PermissionRequest hook's)
//! or `{"behavior":"deny","message":".."}`. It never allows without a person's (or a session
//! rule's) decision: a hub it cannot reach is a deny that says so.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, Peer, RoleServer, ServerHandler, ServiceExt};
use rmcp::{tool, tool_handler, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::OnceCell;

use crate::client::{self, AgentSession, Client, WaitOutcome};
use crate::proto::v1 as pb;

/// What the process was told about its session.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The agent's name on the dashboard; default: the MCP client's name (e.g. `claude-code`).
    pub agent_name: Option<String>,
    /// A session to resume instead of starting one.
    pub session_id: Option<String>,
    /// The session's name on the dashboard (default: chosen by the server).
    pub session_name: Option<String>,
    /// Do not end the session when the process exits (its owner, the `claude` wrapper, does).
    pub leave_session_open: bool,
}

const INSTRUCTIONS: &str = "Switchboard connects you to the person supervising this task, who \
watches from a browser or phone. Call log_step after each meaningful step (it returns any \
messages the person sent you: read and follow them). Call ask_question when you need a decision \
from the person; it waits for their answer. If a result says the person asked you to stop, stop \
working and call end_session. Call end_session when the task is done or has failed.";

/// The `tools/call` text for a stop request: the model must act on it, so it is spelled out.
const STOP_INSTRUCTION: &str = "The person asked you to stop. Stop working now: do not start \
anything new. Call end_session with a short summary of what was done.";

/// How often the session is heartbeated while the MCP client is quiet (a model thinking for
/// minutes is still a connected agent; the server marks 120 s of silence DISCONNECTED).
const HEARTBEAT_EVERY: Duration = Duration::from_secs(30);

struct State {
    client: Client,
    settings: Settings,
    /// Idempotency key of this process's StartSession: a retried start returns the same session.
    start_request_id: String,
    session: OnceCell<AgentSession>,
    /// Set once the session is known to be over (end_session, or the hub said so).
    ended: AtomicBool,
}

/// The MCP server. Cloned per request by rmcp; the state is shared.
#[derive(Clone)]
pub struct SwitchboardMcp {
    state: Arc<State>,
    tool_router: ToolRouter<Self>,
}

// ---- tool arguments (their doc comments become the JSON schema's descriptions) ----

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogStepArgs {
    /// What you just did or found, in a sentence or a short paragraph (1..16384 characters).
    pub text: String,
}

/// One label, or a list of labels.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AskQuestionArgs {
    /// The question for the person, self-contained: they read it on a phone without your context.
    pub question: String,
    /// Choices to offer (at most 20 short labels). Leave out for a free-text question. The person
    /// may also type their own answer instead.
    #[serde(default)]
    pub options: Option<Vec<String>>,
    /// With options: true lets the person pick several. Default false (one).
    #[serde(default)]
    pub multiple: Option<bool>,
    /// Give the person at most this many seconds (1..604800); when they pass, `default` is the
    /// answer. Requires `default`. Leave out to wait as long as it takes.
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
    /// The answer applied when `timeout_seconds` passes: the label of an option (a list of labels
    /// when `multiple`), or a text without options. Requires `timeout_seconds`.
    #[serde(default)]
    pub default: Option<OneOrMany>,
}

/// Claude Code's permission-prompt-tool input. Unknown fields are accepted: Claude Code may add
/// some, and refusing them would turn every permission prompt into an error.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ApproveArgs {
    /// The tool Claude wants to run ("Bash", "Edit", "mcp__github__create_issue").
    pub tool_name: String,
    /// The tool's input, a JSON object.
    pub input: serde_json::Map<String, Value>,
    /// Claude's id of this tool call.
    #[serde(default)]
    pub tool_use_id: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The task is done.
    #[serde(alias = "COMPLETED", alias = "Completed")]
    Completed,
    /// The task could not be done.
    #[serde(alias = "FAILED", alias = "Failed")]
    Failed,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndSessionArgs {
    /// "completed" when the task is done, "failed" when it could not be done.
    pub outcome: Outcome,
    /// What you achieved, or why it failed (up to 16384 characters).
    #[serde(default)]
    pub summary: String,
}

/// A tool failure the model reads (`isError: true`).
fn tool_error(message: impl Into<String>) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message.into())])
}

fn ok_json(value: Value) -> CallToolResult {
    CallToolResult::structured(value)
}

/// The permission-prompt-tool result: one text block holding the decision's JSON.
fn permission_result(decision: Value) -> CallToolResult {
    CallToolResult::success(vec![ContentBlock::text(decision.to_string())])
}

/// The decision as Claude Code's permission prompt tool returns it.
fn approve_json(tool_name: &str, input: Value, result: &pb::ApprovalResult) -> Value {
    match result.decision() {
        pb::ApprovalDecision::AllowOnce | pb::ApprovalDecision::AllowSession => {
            let updated = (!result.updated_input_json.is_empty())
                .then(|| serde_json::from_str::<Value>(&result.updated_input_json).ok())
                .flatten()
                .filter(Value::is_object)
                .unwrap_or(input);
            let mut v = json!({"behavior": "allow", "updatedInput": updated});
            if crate::hook::adds_session_rule(result) {
                v["updatedPermissions"] = crate::hook::session_rule(tool_name);
            }
            v
        }
        _ => json!({"behavior": "deny", "message": crate::hook::deny_message(result)}),
    }
}

fn status_name(status: pb::SessionStatus) -> &'static str {
    status
        .as_str_name()
        .strip_prefix("SESSION_STATUS_")
        .unwrap_or("UNSPECIFIED")
}

#[tool_router]
impl SwitchboardMcp {
    pub fn new(client: Client, settings: Settings) -> Self {
        Self {
            state: Arc::new(State {
                client,
                settings,
                start_request_id: client::new_request_id(),
                session: OnceCell::new(),
                ended: AtomicBool::new(false),
            }),
            tool_router: Self::tool_router(),
        }
    }

    /// Log a progress step to the person watching this task, and receive the messages they
    /// sent since your last log_step. Call it after each meaningful step. Follow the returned
    /// messages; if `stop_requested` is true, stop and call end_session.
    #[tool(annotations(
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = false,
        open_world_hint = false
    ))]
    async fn log_step(
        &self,
        Parameters(args): Parameters<LogStepArgs>,
        peer: Peer<RoleServer>,
    ) -> Result<CallToolResult, McpError> {
        let session = match self.session(&peer).await {
            Ok(s) => s,
            Err(e) => return Ok(e),
        };
        let response = match session.log_step(args.text).await {
            Ok(r) => r,
            Err(e) => return Ok(self.rpc_failure(e)),
        };
        let status = response.status();
        let messages: Vec<Value> = response
            .queued_messages
            .iter()
            .filter_map(|m| match &m.body {
                Some(pb::message::Body::UserMessage(u)) => Some(json!({
                    "seq": m.seq,
                    "text": u.text,
                })),
                _ => None,
            })
            .collect();
        let stop = status == pb::SessionStatus::Stopping;
        let mut result = json!({
            "logged": true,
            "session_id": session.id(),
            "seq": response.seq,
            "status": status_name(status),
            "user_messages": messages,
            "stop_requested": stop,
        });
        if stop {
            result["instruction"] = STOP_INSTRUCTION.into();
        }
        Ok(ok_json(result))
    }

    /// Ask the person supervising this task a question and wait for their answer (it can take
    /// minutes; the person is notified). Use it for decisions you must not take alone. Returns
    /// the chosen option labels and/or their text. If the result says the person asked you to
    /// stop, stop working and call end_session.
    #[tool(annotations(
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = false,
        open_world_hint = true
    ))]
    async fn ask_question(
        &self,
        Parameters(args): Parameters<AskQuestionArgs>,
        peer: Peer<RoleServer>,
    ) -> Result<CallToolResult, McpError> {
        let (request, labels) = match question_request(args) {
            Ok(r) => r,
            Err(message) => return Ok(tool_error(message)),
        };
        let session = match self.session(&peer).await {
            Ok(s) => s,
            Err(e) => return Ok(e),
        };
        let (question, outcome) = match session.ask_and_wait(request).await {
            Ok(r) => r,
            Err(e) => return Ok(self.rpc_failure(e)),
        };
        Ok(match outcome {
            WaitOutcome::Answered(answer) => ok_json(answer_json(&question, &answer, &labels)),
            WaitOutcome::Interrupted(pb::SessionStatus::Stopping) => ok_json(json!({
                "answered": false,
                "stop_requested": true,
                "status": "STOPPING",
                "instruction": STOP_INSTRUCTION,
            })),
            WaitOutcome::Interrupted(status) => {
                self.state.ended.store(true, Ordering::SeqCst);
                ok_json(json!({
                    "answered": false,
                    "session_ended": true,
                    "status": status_name(status),
                    "instruction": "The Switchboard session has ended; no answer will come. Stop working.",
                }))
            }
        })
    }

    /// Claude Code's permission prompt (--permission-prompt-tool): asks the person supervising
    /// this task to allow or deny a tool call, waits for their decision, and returns it as
    /// {"behavior":"allow","updatedInput":{...}} or {"behavior":"deny","message":"..."}.
    #[tool(annotations(
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = false,
        open_world_hint = true
    ))]
    async fn approve(
        &self,
        Parameters(args): Parameters<ApproveArgs>,
        peer: Peer<RoleServer>,
    ) -> Result<CallToolResult, McpError> {
        if args.tool_name.trim().is_empty() {
            return Ok(tool_error(
                "`tool_name` is empty: name the tool to approve.",
            ));
        }
        let input = Value::Object(args.input);
        let deny =
            |message: String| permission_result(json!({"behavior": "deny", "message": message}));
        let session = match self.session(&peer).await {
            Ok(s) => s,
            Err(_) => {
                return Ok(deny(
                    "Switchboard could not be reached to ask the person supervising this task, so \
                     the call is not allowed. Try again later or ask the person directly."
                        .into(),
                ));
            }
        };
        let cwd = std::env::current_dir()
            .map(|d| d.to_string_lossy().into_owned())
            .unwrap_or_default();
        let request = pb::RequestApprovalRequest {
            tool_name: args.tool_name.clone(),
            input_json: input.to_string(),
            preview: Some(crate::preview::build(&args.tool_name, &input, &cwd)),
            tool_use_id: args.tool_use_id.unwrap_or_default(),
            input_editable: true,
            ..Default::default()
        };
        let approval = match session.request_approval(request).await {
            Ok(a) => a,
            Err(e) => {
                let message = format!("The call is not allowed: asking the person failed ({e}).");
                self.rpc_failure(e);
                return Ok(deny(message));
            }
        };
        let result = match approval.result {
            Some(r) => r,
            None => match session.wait_for_approval(&approval.id, None).await {
                Ok(client::ApprovalOutcome::Decided(r)) => r,
                Ok(client::ApprovalOutcome::Interrupted(pb::SessionStatus::Stopping)) => {
                    return Ok(deny(STOP_INSTRUCTION.into()));
                }
                Ok(client::ApprovalOutcome::Interrupted(_)) => {
                    self.state.ended.store(true, Ordering::SeqCst);
                    return Ok(deny(
                        "The Switchboard session has ended; no decision will come. Stop working."
                            .into(),
                    ));
                }
                Ok(client::ApprovalOutcome::TimedOut) => unreachable!("no limit was given"),
                Err(e) => {
                    return Ok(deny(format!(
                        "The call is not allowed: waiting for the person's decision failed ({e})."
                    )));
                }
            },
        };
        Ok(permission_result(approve_json(
            &args.tool_name,
            input,
            &result,
        )))
    }

    /// End this task's Switchboard session, with its outcome and a summary for the person.
    /// Call it once, when the task is done or has failed, or after a stop request.
    #[tool(annotations(
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn end_session(
        &self,
        Parameters(args): Parameters<EndSessionArgs>,
        peer: Peer<RoleServer>,
    ) -> Result<CallToolResult, McpError> {
        let session = match self.session(&peer).await {
            Ok(s) => s,
            Err(e) => return Ok(e),
        };
        let outcome = match args.outcome {
            Outcome::Completed => pb::SessionOutcome::Completed,
            Outcome::Failed => pb::SessionOutcome::Failed,
        };
        match session.end(outcome, args.summary).await {
            Ok(ended) => {
                self.state.ended.store(true, Ordering::SeqCst);
                Ok(ok_json(json!({
                    "ended": true,
                    "session_id": ended.id,
                    "status": status_name(ended.status()),
                })))
            }
            Err(e) => Ok(self.rpc_failure(e)),
        }
    }
}

impl SwitchboardMcp {
    /// The process's session, started (or resumed) on first use.
    async fn session(&self, peer: &Peer<RoleServer>) -> Result<&AgentSession, CallToolResult> {
        let state = &self.state;
        let session = state
            .session
            .get_or_try_init(|| async {
                let agent_name = state
                    .settings
                    .agent_name
                    .clone()
                    .or_else(|| {
                        peer.peer_info()
                            .map(|info| agent_name_from(&info.client_info.name))
                    })
                    .unwrap_or_else(|| "mcp-agent".to_owned());
                let started = state
                    .client
                    .start_session(pb::StartSessionRequest {
                        session_id: state.settings.session_id.clone().unwrap_or_default(),
                        agent_name,
                        name: state.settings.session_name.clone().unwrap_or_default(),
                        metadata: [("via".to_owned(), "mcp".to_owned())].into(),
                        request_id: state.start_request_id.clone(),
                    })
                    .await?;
                tracing::info!(
                    session_id = started.id(),
                    resumed = started.resumed(),
                    "switchboard session ready"
                );
                spawn_heartbeat(self.state.clone());
                Ok::<_, client::Error>(started)
            })
            .await
            .map_err(|e| tool_error(format!("Could not start the Switchboard session: {e}")))?;
        Ok(session)
    }

    /// A failed RPC as a tool result the model can act on.
    fn rpc_failure(&self, error: client::Error) -> CallToolResult {
        if error.code() == Some(tonic::Code::FailedPrecondition) {
            // The session is over (ended, or stopped by a person): nothing left to end on exit.
            self.state.ended.store(true, Ordering::SeqCst);
        }
        tool_error(error.to_string())
    }

    /// Ends the session when the process exits, unless it has ended already.
    pub async fn finish(&self, summary: &str) {
        let Some(session) = self.state.session.get() else {
            return;
        };
        if self.state.settings.leave_session_open {
            tracing::info!("leaving the session's end to its owner");
            return;
        }
        if self.state.ended.swap(true, Ordering::SeqCst) {
            return;
        }
        match session
            .end(pb::SessionOutcome::Completed, summary.to_owned())
            .await
        {
            Ok(s) => tracing::info!(status = status_name(s.status()), "session ended"),
            Err(e) => tracing::warn!("could not end the session: {e}"),
        }
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for SwitchboardMcp {
    /// The router's own `call_tool` plus one thing: rmcp reports arguments that do not
    /// deserialize as a tool error ("failed to deserialize parameters: invalid type: integer
    /// `42`, expected a string") without naming the argument; the tool's signature is appended
    /// so the model can correct the call.
    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let name = request.name.clone();
        let call = ToolCallContext::new(self, request, context);
        let mut response = self.tool_router.call(call).await?;
        if let CallToolResponse::Complete(result) = &mut response
            && result.is_error == Some(true)
            && let Some(tool) = self.tool_router.get(&name)
        {
            for block in &mut result.content {
                if let ContentBlock::Text(text) = block
                    && text.text.starts_with("failed to deserialize parameters")
                {
                    text.text = format!(
                        "{} (arguments of {name}: {})",
                        text.text,
                        signature(&tool.input_schema)
                    );
                }
            }
        }
        Ok(response)
    }

    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                "switchboard-agent",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(INSTRUCTIONS)
    }
}

/// `text: string (required), options: array, ...` from a tool's input schema.
fn signature(schema: &serde_json::Map<String, Value>) -> String {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return "none".into();
    };
    props
        .iter()
        .map(|(name, p)| {
            let ty = match p.get("type") {
                Some(Value::String(t)) => t.clone(),
                Some(Value::Array(ts)) => ts
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|t| *t != "null")
                    .collect::<Vec<_>>()
                    .join("|"),
                _ if p.get("enum").is_some() || p.get("oneOf").is_some() => {
                    "one of the listed values".into()
                }
                _ => "see schema".into(),
            };
            let req = if required.contains(&name.as_str()) {
                ", required"
            } else {
                ""
            };
            format!("{name} ({ty}{req})")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Keeps the session connected while the process lives (the MCP client may be quiet for long).
fn spawn_heartbeat(state: Arc<State>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(HEARTBEAT_EVERY);
        tick.tick().await;
        loop {
            tick.tick().await;
            if state.ended.load(Ordering::SeqCst) {
                return;
            }
            let Some(session) = state.session.get() else {
                return;
            };
            if let Err(e) = session.heartbeat().await {
                tracing::warn!("heartbeat failed: {e}");
            }
        }
    });
}

/// An agent name the server accepts (1..100 of letters, digits, space and `._-`) from the MCP
/// client's name.
fn agent_name_from(client_name: &str) -> String {
    let name: String = client_name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, ' ' | '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .take(100)
        .collect();
    let name = name.trim().to_owned();
    if name.is_empty() {
        "mcp-agent".to_owned()
    } else {
        name
    }
}

/// The AskQuestion request for the tool's arguments, and the option labels by id; or a message
/// naming the tool argument that is wrong.
fn question_request(
    args: AskQuestionArgs,
) -> Result<(pb::AskQuestionRequest, Vec<(String, String)>), String> {
    if args.question.trim().is_empty() {
        return Err("`question` is empty: write the question for the person.".into());
    }
    let labels = args.options.unwrap_or_default();
    let multiple = args.multiple.unwrap_or(false);
    if multiple && labels.is_empty() {
        return Err("`multiple` needs `options` to pick from.".into());
    }
    if labels.iter().any(|l| l.trim().is_empty()) {
        return Err("`options` has an empty label.".into());
    }
    for (i, l) in labels.iter().enumerate() {
        if labels[..i].iter().any(|earlier| earlier.trim() == l.trim()) {
            return Err(format!("`options` lists {l:?} twice."));
        }
    }
    let ids = client::option_ids(&labels);
    let default = args.default.map(OneOrMany::into_vec).unwrap_or_default();
    let timeout = match (args.timeout_seconds, default.is_empty()) {
        (None, true) => None,
        (None, false) => {
            return Err(
                "`default` applies when `timeout_seconds` passes: give both, or neither.".into(),
            );
        }
        (Some(_), true) => {
            return Err(
                "`timeout_seconds` needs `default`, the answer used when it passes.".into(),
            );
        }
        (Some(0), false) | (Some(604_801..), false) => {
            return Err("`timeout_seconds` must be between 1 and 604800 (7 days).".into());
        }
        (Some(s), false) => Some(prost_types::Duration {
            seconds: s as i64,
            nanos: 0,
        }),
    };
    let (default_option_ids, default_text) = if labels.is_empty() {
        (Vec::new(), default.join("\n"))
    } else {
        if !multiple && default.len() > 1 {
            return Err(
                "`default` names several options but `multiple` is not true: name one.".into(),
            );
        }
        let mut chosen = Vec::new();
        for d in &default {
            match labels.iter().position(|l| l.trim() == d.trim()) {
                Some(i) => chosen.push(ids[i].clone()),
                None => {
                    return Err(format!(
                        "`default` {d:?} is not one of the options {labels:?}: use an option's label."
                    ));
                }
            }
        }
        (chosen, String::new())
    };
    let options = ids
        .iter()
        .zip(&labels)
        .map(|(id, label)| pb::QuestionOption {
            id: id.clone(),
            label: label.trim().to_owned(),
            description: String::new(),
        })
        .collect();
    let request = pb::AskQuestionRequest {
        text: args.question,
        options,
        choice_mode: if multiple {
            pb::ChoiceMode::Multiple
        } else {
            pb::ChoiceMode::Single
        } as i32,
        // The person may always write something else than the options offered.
        allow_free_text: true,
        timeout,
        default_option_ids,
        default_text,
        ..Default::default()
    };
    let by_id = ids.into_iter().zip(labels).collect();
    Ok((request, by_id))
}

fn answer_json(question: &pb::Question, answer: &pb::Answer, labels: &[(String, String)]) -> Value {
    let selected: Vec<&str> = answer
        .option_ids
        .iter()
        .map(|id| {
            labels
                .iter()
                .find(|(i, _)| i == id)
                .map(|(_, l)| l.as_str())
                .unwrap_or(id.as_str())
        })
        .collect();
    let by_default = answer.answered_by() == pb::Sender::System;
    json!({
        "answered": true,
        "question_id": question.id,
        "selected": selected,
        "text": answer.text,
        "answered_by": if by_default { "default (the timeout passed)" } else { "person" },
    })
}

/// Runs the MCP server on stdin/stdout until the client closes stdin or the process is told to
/// stop (SIGTERM, Ctrl-C), then ends the session.
pub async fn serve_stdio(client: Client, settings: Settings) -> Result<(), String> {
    let server = SwitchboardMcp::new(client, settings);
    let running = server
        .clone()
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| format!("MCP handshake failed: {e}"))?;
    if let Some(info) = running.peer().peer_info() {
        tracing::info!(
            client = %info.client_info.name,
            protocol = %info.protocol_version,
            "MCP client connected"
        );
    }
    let cancel = running.cancellation_token();
    let signalled = Arc::new(AtomicBool::new(false));
    {
        let signalled = signalled.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            signalled.store(true, Ordering::SeqCst);
            cancel.cancel();
        });
    }
    let reason = running.waiting().await;
    tracing::info!(?reason, "MCP server stopped");
    let summary = if signalled.load(Ordering::SeqCst) {
        "The agent's MCP server was stopped (signal)."
    } else {
        "The agent's MCP client disconnected."
    };
    server.finish(summary).await;
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: Value) -> AskQuestionArgs {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn free_text_question() {
        let (r, labels) = question_request(args(json!({"question": "Which branch?"}))).unwrap();
        assert!(r.options.is_empty() && labels.is_empty());
        assert!(r.allow_free_text && r.timeout.is_none());
    }

    #[test]
    fn options_with_a_default() {
        let (r, labels) = question_request(args(json!({
            "question": "Deploy?", "options": ["Ship it", "Wait"],
            "timeout_seconds": 30, "default": "Wait"
        })))
        .unwrap();
        assert_eq!(r.default_option_ids, ["wait"]);
        assert_eq!(r.timeout.unwrap().seconds, 30);
        assert_eq!(labels[0], ("ship-it".to_owned(), "Ship it".to_owned()));
    }

    #[test]
    fn bad_combinations_name_the_argument() {
        let cases = [
            (json!({"question": " "}), "`question`"),
            (json!({"question": "q", "multiple": true}), "`multiple`"),
            (json!({"question": "q", "options": ["a", "a"]}), "twice"),
            (
                json!({"question": "q", "timeout_seconds": 5}),
                "`timeout_seconds` needs",
            ),
            (json!({"question": "q", "default": "x"}), "give both"),
            (
                json!({"question": "q", "options": ["a"], "timeout_seconds": 5, "default": "b"}),
                "not one of",
            ),
            (
                json!({"question": "q", "options": ["a", "b"], "timeout_seconds": 5, "default": ["a", "b"]}),
                "several",
            ),
            (
                json!({"question": "q", "timeout_seconds": 0, "default": "x"}),
                "between",
            ),
        ];
        for (v, needle) in cases {
            let err = question_request(args(v.clone())).unwrap_err();
            assert!(err.contains(needle), "{v}: {err}");
        }
    }

    #[test]
    fn signature_names_arguments_types_and_required_ones() {
        let schema = json!({
            "type": "object",
            "required": ["question"],
            "properties": {
                "question": {"type": "string"},
                "timeout_seconds": {"type": ["integer", "null"]},
                "outcome": {"enum": ["completed", "failed"]},
            }
        });
        let sig = signature(schema.as_object().unwrap());
        assert!(sig.contains("question (string, required)"), "{sig}");
        assert!(sig.contains("timeout_seconds (integer)"), "{sig}");
        assert!(sig.contains("outcome (one of the listed values)"), "{sig}");
    }

    #[test]
    fn agent_names_are_made_acceptable() {
        assert_eq!(agent_name_from("claude-code"), "claude-code");
        assert_eq!(agent_name_from("my/agent:1"), "my-agent-1");
        assert_eq!(agent_name_from("  "), "mcp-agent");
    }

    #[test]
    fn approve_results_have_the_permission_prompt_shape() {
        let input = json!({"command": "ls"});
        let r = |d: pb::ApprovalDecision, updated: &str| pb::ApprovalResult {
            decision: d as i32,
            reason: "not now".into(),
            updated_input_json: updated.into(),
            ..Default::default()
        };
        assert_eq!(
            approve_json(
                "Bash",
                input.clone(),
                &r(pb::ApprovalDecision::AllowOnce, "")
            ),
            json!({"behavior": "allow", "updatedInput": {"command": "ls"}})
        );
        let edited = approve_json(
            "Bash",
            input.clone(),
            &r(pb::ApprovalDecision::AllowSession, r#"{"command":"ls -a"}"#),
        );
        assert_eq!(edited["updatedInput"], json!({"command": "ls -a"}));
        assert_eq!(
            edited["updatedPermissions"][0]["rules"][0]["toolName"],
            "Bash"
        );
        let deny = approve_json("Bash", input, &r(pb::ApprovalDecision::Deny, ""));
        assert_eq!(deny["behavior"], "deny");
        assert!(deny["message"].as_str().unwrap().ends_with("not now"));
    }

    #[test]
    fn outcome_accepts_either_case() {
        let a: EndSessionArgs = serde_json::from_value(json!({"outcome": "COMPLETED"})).unwrap();
        assert_eq!(a.outcome, Outcome::Completed);
        assert!(serde_json::from_value::<EndSessionArgs>(json!({"outcome": "done"})).is_err());
    }
}
