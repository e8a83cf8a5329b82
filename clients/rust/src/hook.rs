//! `switchboard-agent hook claude`: a Claude Code command hook.
//!
//! ## The contract (checked against npm `@anthropic-ai/claude-code` 2.1.197: the hook input and
//! output schemas in its CLI, and the hooks reference at code.claude.com/docs/en/hooks)
//!
//! Claude Code runs the command with the event as one JSON object on stdin. Every event has
//! `session_id`, `transcript_path`, `cwd`, `hook_event_name` (and optional `permission_mode`).
//! Exit code 0: stdout, when it is JSON, is the decision; exit code 2: a *blocking* error (stderr
//! goes to the model; for PermissionRequest it denies); any other code: a non-blocking error
//! (stderr shown to the user, Claude goes on as if there were no hook). This hook never exits 2:
//! its own failures must not decide anything. Events used:
//!
//! - `PermissionRequest` {tool_name, tool_input, permission_suggestions?}: fires only where
//!   Claude would show its permission dialog. Output
//!   `{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":D}}` with D
//!   `{"behavior":"allow","updatedInput"?:{..},"updatedPermissions"?:[..]}` or
//!   `{"behavior":"deny","message"?:"..","interrupt"?:bool}`; no output: Claude's own dialog.
//!   An update is `{"type":"addRules","rules":[{"toolName":"Bash","ruleContent"?:".."}],
//!   "behavior":"allow","destination":"session"}` (destinations: userSettings, projectSettings,
//!   localSettings, session, cliArg). Its input has **no `tool_use_id`** (2.1.197), so the
//!   approval is found again by a key made from the tool's name and input (see [`call_key`]).
//!   Interactive runs call the hook *while* the dialog is shown, and the first answer wins
//!   (Claude ignores the other): the terminal is never blocked by this hook.
//! - `PreToolUse` {tool_name, tool_input, tool_use_id}: fires before *every* tool call; output
//!   `{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow"|"deny"|
//!   "ask","permissionDecisionReason":"..","updatedInput"?:{..}}}`. Supported for people who
//!   want every call decided on the phone, but not what the wrapper installs: PermissionRequest
//!   carries approvals, because it fires only where Claude would prompt, so calls the user's
//!   rules already allow cost no round trip at all.
//! - `PostToolUse` / `PostToolUseFailure` {tool_name, tool_input, tool_use_id, ...}: the call
//!   ran, so whoever answered allowed it; an approval this hook left open for it (answered in
//!   the terminal first) is resolved ALLOW_ONCE so the phone drops the stale card. Costs one
//!   `stat` and no network when there is none.
//! - `Stop` {stop_hook_active, last_assistant_message?}: the turn ended. Approvals of this
//!   Claude session still open were answered (denied, or dismissed) in the terminal: resolved
//!   DENY. A step is logged; when the person queued messages on the dashboard they are handed to
//!   Claude as its next instruction with `{"decision":"block","reason":"..."}` instead of
//!   stopping.
//! - `Notification` {message, notification_type, title?}: the contract has no "needs input"
//!   mark besides an open question or approval (a permission prompt's approval card already makes
//!   the session AWAITING_INPUT), so the notification is logged as a step (permission prompts are
//!   skipped: their card says it). Messages that step returns are given back in
//!   `additionalContext` and shown to the user (`systemMessage`).
//! - `SessionStart` {source: startup|resume|clear|compact}: binds Claude's session id: a step
//!   naming it; messages it returns go to `additionalContext` (added to the model's context).
//!   Under a runner (SWITCHBOARD_CONVERSATION_FILE set) the id is also written to that file, so
//!   a continuation of the launched session runs `claude --resume <id>`.
//!
//! ## Which Switchboard session
//! `SWITCHBOARD_SESSION_ID` (set by `switchboard-agent claude`, so the hooks and the MCP server
//! share one session); otherwise one started for Claude's session with a StartSession request id
//! derived from Claude's `session_id`, so every hook process of one Claude session (and a
//! `claude --resume` of it) lands in the same Switchboard session.
//!
//! ## Waiting, and the terminal racing the phone
//! A PermissionRequest waits for the person without a limit by default (headless `-p` runs have
//! no one at the terminal; interactive runs show Claude's dialog meanwhile, see above).
//! `SWITCHBOARD_APPROVAL_WAIT=<seconds>` limits the wait: then Claude's own prompt decides and
//! the card stays open until PostToolUse or Stop resolves it. The wrapper sets the hook's
//! `timeout` high enough for that wait.
//!
//! ## Failures
//! Switchboard unreachable, a bad key, a session that ended: Claude's own prompt decides
//! (PermissionRequest: no output, exit 0; PreToolUse: `"ask"`), never a silent allow, and the
//! reason goes to stderr. Bad stdin: exit 1 (a non-blocking error Claude shows).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::client::{
    AgentSession, ApprovalOutcome, Client, Config, ENV_SESSION_ID, RetryPolicy, is_stop_or_end,
};
use crate::preview;
use crate::proto::v1 as pb;

/// Seconds to wait for the person before Claude's own prompt decides; unset: no limit.
pub const ENV_APPROVAL_WAIT: &str = "SWITCHBOARD_APPROVAL_WAIT";
/// Where the hook keeps the approvals it left open (default: the system temp dir).
pub const ENV_STATE_DIR: &str = "SWITCHBOARD_HOOK_STATE_DIR";
/// The agent name of sessions the hook starts itself (the wrapper's too).
pub const AGENT_NAME: &str = "claude-code";
/// Stdin larger than this is not an event Claude Code sends.
const STDIN_MAX: u64 = 64 * 1024 * 1024;

const STOP_INSTRUCTION: &str = "The person supervising this task on Switchboard asked you to \
stop. Do not run this tool; stop working and summarize what was done.";

/// What the hook tells Claude Code: stdout and the exit code.
#[derive(Debug, PartialEq)]
pub struct Reply {
    pub stdout: Option<Value>,
    pub code: u8,
}

impl Reply {
    fn none() -> Self {
        Self {
            stdout: None,
            code: 0,
        }
    }
    fn json(v: Value) -> Self {
        Self {
            stdout: Some(v),
            code: 0,
        }
    }
}

/// Whose hook contract to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Claude,
    /// Codex CLI's PermissionRequest takes Claude's output shape, but (codex-rs hooks schema,
    /// `permission-request.command.output.schema.json`) fails closed when `updatedInput`,
    /// `updatedPermissions` or `interrupt: true` is present: they are left out.
    Codex,
}

/// Runs the hook on this process's stdin/stdout; returns the exit code.
pub fn main() -> u8 {
    main_as(Dialect::Claude)
}

/// `main` for a dialect.
pub fn main_as(dialect: Dialect) -> u8 {
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().take(STDIN_MAX).read_to_end(&mut input) {
        eprintln!("switchboard-agent hook: cannot read the event on stdin: {e}");
        return 1;
    }
    let mut reply = handle(&input);
    if dialect == Dialect::Codex {
        reply = codex_reply(reply);
    }
    if let Some(out) = &reply.stdout {
        let mut stdout = std::io::stdout().lock();
        if writeln!(stdout, "{out}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return 1;
        }
    }
    reply.code
}

/// One event in, the reply out. Network only for events that need it.
pub fn handle(input: &[u8]) -> Reply {
    let event: Value = match serde_json::from_slice(input) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => return bad_input("the event on stdin is not a JSON object"),
        Err(e) => return bad_input(&format!("the event on stdin is not JSON ({e})")),
    };
    let name = event
        .get("hook_event_name")
        .and_then(Value::as_str)
        .unwrap_or("");
    let claude_session = event
        .get("session_id")
        .and_then(Value::as_str)
        .unwrap_or("");
    match name {
        "PermissionRequest" | "PreToolUse" => {
            if !event.get("tool_name").is_some_and(Value::is_string) {
                return bad_input(&format!("{name} event without a tool_name"));
            }
            with_runtime(name, || approval(&event, name == "PreToolUse"))
        }
        "PostToolUse" | "PostToolUseFailure" => {
            let Some(key) = tool_key(&event) else {
                return Reply::none();
            };
            // The common case: no approval of ours for this call, so no network at all.
            let marks = Marks::new(claude_session);
            let Some(open) = marks.take(&key) else {
                return Reply::none();
            };
            with_runtime(name, || async move {
                resolve_left_open(&open, pb::ApprovalDecision::AllowOnce, "").await;
                Reply::none()
            })
        }
        "Stop" => with_runtime(name, || stop(&event)),
        "Notification" => {
            if event.get("notification_type").and_then(Value::as_str) == Some("permission_prompt") {
                return Reply::none();
            }
            with_runtime(name, || notification(&event))
        }
        "SessionStart" => with_runtime(name, || session_start(&event)),
        // Another event configured to run this hook: nothing to do, no decision.
        _ => Reply::none(),
    }
}

/// Drops what Codex refuses (see [`Dialect::Codex`]): an allow for the session becomes an allow
/// once (Switchboard's session rule still answers the next request without a person).
fn codex_reply(mut reply: Reply) -> Reply {
    if let Some(d) = reply
        .stdout
        .as_mut()
        .and_then(|v| v.pointer_mut("/hookSpecificOutput/decision"))
        .and_then(Value::as_object_mut)
    {
        d.remove("updatedInput");
        d.remove("updatedPermissions");
        d.remove("interrupt");
    }
    reply
}

fn bad_input(why: &str) -> Reply {
    eprintln!(
        "switchboard-agent hook: {why}; it runs as a Claude Code command hook, which gets the event as JSON on stdin"
    );
    Reply {
        stdout: None,
        code: 1,
    }
}

/// A single-threaded runtime, built only for events that talk to Switchboard.
fn with_runtime<F, Fut>(event: &str, f: F) -> Reply
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Reply>,
{
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(f()),
        Err(e) => {
            eprintln!("switchboard-agent hook ({event}): cannot start the async runtime: {e}");
            Reply {
                stdout: None,
                code: 1,
            }
        }
    }
}

/// Few, quick tries: a hook must not hold Claude for the client library's 30 s of retries when
/// the hub is down; Claude's own prompt is the fallback.
fn hook_retry() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        first_delay: Duration::from_millis(200),
        max_delay: Duration::from_secs(1),
        call_timeout: Duration::from_secs(10),
    }
}

/// The Switchboard session for this Claude session (see the module docs).
async fn session_for(event: &Value) -> Result<AgentSession, String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    let client = Client::connect_lazy(&config)
        .map_err(|e| e.to_string())?
        .with_retry(hook_retry());
    if let Ok(id) = std::env::var(ENV_SESSION_ID)
        && !id.trim().is_empty()
    {
        return Ok(client.session_handle(id.trim()));
    }
    let claude_session = event
        .get("session_id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or("the event has no session_id and SWITCHBOARD_SESSION_ID is not set")?;
    client
        .start_session(pb::StartSessionRequest {
            agent_name: AGENT_NAME.to_owned(),
            metadata: [
                ("via".to_owned(), "claude-hook".to_owned()),
                (
                    "claude_session_id".to_owned(),
                    preview::truncate(claude_session, 1024),
                ),
            ]
            .into(),
            request_id: start_request_id(claude_session),
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())
}

/// StartSession's idempotency key for a Claude session (1..128 characters).
fn start_request_id(claude_session: &str) -> String {
    format!(
        "claude-code:{}",
        &hex_sha256(claude_session.as_bytes())[..40]
    )
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The key of one tool call (its name and input): PermissionRequest has no `tool_use_id`, and
/// PostToolUse must find the approval again. The input is re-serialized the same way in both
/// processes (serde_json's map order), so equal inputs give equal keys.
pub fn call_key(tool_name: &str, input: &Value) -> String {
    let mut bytes = tool_name.as_bytes().to_vec();
    bytes.push(0);
    bytes.extend_from_slice(input.to_string().as_bytes());
    hex_sha256(&bytes)[..32].to_owned()
}

fn tool_key(event: &Value) -> Option<String> {
    let tool = event.get("tool_name")?.as_str()?;
    Some(call_key(
        tool,
        event.get("tool_input").unwrap_or(&Value::Null),
    ))
}

/// Approvals this hook opened and did not see decided, on disk so that the PostToolUse and Stop
/// hook processes find them: one file per call key, one `<session id> <approval id>` line per
/// open approval, in a 0700 directory per Claude session.
struct Marks {
    dir: PathBuf,
}

/// An approval left open: the Switchboard session and the approval.
#[derive(Debug, Clone, PartialEq)]
struct Open {
    session_id: String,
    approval_id: String,
}

impl Marks {
    fn new(claude_session: &str) -> Self {
        let base = std::env::var_os(ENV_STATE_DIR)
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| std::env::temp_dir().join(format!("switchboard-agent-{}", uid())));
        let session = &hex_sha256(claude_session.as_bytes())[..32];
        Self {
            dir: base.join(session),
        }
    }

    fn add(&self, key: &str, open: &Open) -> std::io::Result<()> {
        create_private_dir(&self.dir)?;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(key))?;
        // One short write per line: appends from concurrent hooks do not interleave.
        f.write_all(format!("{} {}\n", open.session_id, open.approval_id).as_bytes())
    }

    /// Removes one approval from the call's file (it was decided).
    fn remove(&self, key: &str, approval_id: &str) {
        let path = self.dir.join(key);
        let Ok(text) = std::fs::read_to_string(&path) else {
            return;
        };
        let rest: Vec<&str> = text
            .lines()
            .filter(|l| l.split_once(' ').map(|(_, a)| a) != Some(approval_id))
            .collect();
        self.rewrite(&path, &rest);
    }

    /// Takes the oldest open approval of the call, if any.
    fn take(&self, key: &str) -> Option<Open> {
        let path = self.dir.join(key);
        let text = std::fs::read_to_string(&path).ok()?;
        let mut lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
        if lines.is_empty() {
            let _ = std::fs::remove_file(&path);
            return None;
        }
        let first = parse_open(lines.remove(0));
        self.rewrite(&path, &lines);
        first
    }

    /// Takes every open approval of the Claude session.
    fn take_all(&self) -> Vec<Open> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut all = Vec::new();
        for entry in entries.flatten() {
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                all.extend(text.lines().filter_map(parse_open));
            }
            let _ = std::fs::remove_file(entry.path());
        }
        let _ = std::fs::remove_dir(&self.dir);
        all
    }

    fn rewrite(&self, path: &std::path::Path, lines: &[&str]) {
        if lines.is_empty() {
            let _ = std::fs::remove_file(path);
        } else {
            let _ = std::fs::write(path, lines.join("\n") + "\n");
        }
    }
}

fn parse_open(line: &str) -> Option<Open> {
    let (s, a) = line.trim().split_once(' ')?;
    Some(Open {
        session_id: s.to_owned(),
        approval_id: a.to_owned(),
    })
}

fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

#[cfg(unix)]
fn uid() -> u32 {
    // SAFETY: getuid(2) cannot fail.
    unsafe { libc::getuid() }
}

#[cfg(not(unix))]
fn uid() -> u32 {
    0
}

/// The wait limit from SWITCHBOARD_APPROVAL_WAIT: None = no limit.
fn wait_limit() -> Result<Option<Duration>, String> {
    match std::env::var(ENV_APPROVAL_WAIT) {
        Err(_) => Ok(None),
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => match v.trim().parse::<u64>() {
            Ok(s) => Ok(Some(Duration::from_secs(s))),
            Err(_) => Err(format!(
                "{ENV_APPROVAL_WAIT}={v:?} is not a number of seconds (unset it to wait without a limit)"
            )),
        },
    }
}

/// Claude's own prompt decides: PermissionRequest without output, PreToolUse "ask".
fn fall_back(pre_tool_use: bool, why: &str) -> Reply {
    eprintln!("switchboard-agent hook: {why}; Claude Code's own permission prompt decides");
    if pre_tool_use {
        Reply::json(json!({"hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "ask",
            "permissionDecisionReason": format!("Switchboard: {why}"),
        }}))
    } else {
        Reply::none()
    }
}

async fn approval(event: &Value, pre_tool_use: bool) -> Reply {
    let tool_name = event["tool_name"].as_str().unwrap_or_default().to_owned();
    let input = event.get("tool_input").cloned().unwrap_or(json!({}));
    let cwd = event.get("cwd").and_then(Value::as_str).unwrap_or("");
    let limit = match wait_limit() {
        Ok(l) => l,
        Err(e) => return fall_back(pre_tool_use, &e),
    };
    let session = match session_for(event).await {
        Ok(s) => s,
        Err(e) => return fall_back(pre_tool_use, &e),
    };
    let key = call_key(&tool_name, &input);
    let tool_use_id = event
        .get("tool_use_id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let request = pb::RequestApprovalRequest {
        tool_name: tool_name.clone(),
        input_json: input.to_string(),
        preview: Some(preview::build(&tool_name, &input, cwd)),
        tool_use_id,
        // Claude Code runs an allow's `updatedInput` instead of the requested input.
        input_editable: true,
        ..Default::default()
    };
    let approval = match session.request_approval(request).await {
        Ok(a) => a,
        Err(e) => return fall_back(pre_tool_use, &e.to_string()),
    };
    let result = match approval.result {
        // A session rule allowed it at once: no person, no card.
        Some(r) => r,
        None => {
            let marks = Marks::new(event["session_id"].as_str().unwrap_or(""));
            let open = Open {
                session_id: session.id().to_owned(),
                approval_id: approval.id.clone(),
            };
            if let Err(e) = marks.add(&key, &open) {
                // Without the mark a terminal answer leaves the card until its deadline; the
                // approval itself still works.
                eprintln!("switchboard-agent hook: cannot record the open approval: {e}");
            }
            let outcome = session.wait_for_approval(&approval.id, limit).await;
            match outcome {
                Ok(ApprovalOutcome::Decided(r)) => {
                    marks.remove(&key, &approval.id);
                    r
                }
                Ok(ApprovalOutcome::TimedOut) => {
                    return fall_back(
                        pre_tool_use,
                        &format!(
                            "no decision on Switchboard within {ENV_APPROVAL_WAIT}={}s (the card stays open until the terminal answers)",
                            limit.unwrap_or_default().as_secs()
                        ),
                    );
                }
                Ok(ApprovalOutcome::Interrupted(status)) => {
                    marks.remove(&key, &approval.id);
                    if status == pb::SessionStatus::Stopping {
                        return stop_reply(pre_tool_use);
                    }
                    return fall_back(pre_tool_use, "the Switchboard session has ended");
                }
                Err(e) => return fall_back(pre_tool_use, &e.to_string()),
            }
        }
    };
    decision_reply(&tool_name, &result, pre_tool_use)
}

fn stop_reply(pre_tool_use: bool) -> Reply {
    if pre_tool_use {
        Reply::json(json!({"hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": STOP_INSTRUCTION,
        }}))
    } else {
        Reply::json(json!({"hookSpecificOutput": {
            "hookEventName": "PermissionRequest",
            // interrupt: Claude stops the turn instead of trying something else.
            "decision": {"behavior": "deny", "message": STOP_INSTRUCTION, "interrupt": true},
        }}))
    }
}

/// The person's decision in the event's output format.
pub fn decision_reply(tool_name: &str, result: &pb::ApprovalResult, pre_tool_use: bool) -> Reply {
    let updated_input: Option<Value> = (!result.updated_input_json.is_empty())
        .then(|| serde_json::from_str(&result.updated_input_json).ok())
        .flatten();
    let decision = result.decision();
    if decision == pb::ApprovalDecision::Deny || decision == pb::ApprovalDecision::Unspecified {
        let message = deny_message(result);
        return Reply::json(if pre_tool_use {
            json!({"hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": "deny",
                "permissionDecisionReason": message,
            }})
        } else {
            json!({"hookSpecificOutput": {
                "hookEventName": "PermissionRequest",
                "decision": {"behavior": "deny", "message": message},
            }})
        });
    }
    if pre_tool_use {
        // PreToolUse has no permission updates: the server's session rule answers the next call.
        let mut out = json!({
            "hookEventName": "PreToolUse",
            "permissionDecision": "allow",
            "permissionDecisionReason": "Allowed on Switchboard",
        });
        if let Some(u) = updated_input {
            out["updatedInput"] = u;
        }
        return Reply::json(json!({ "hookSpecificOutput": out }));
    }
    let mut d = json!({"behavior": "allow"});
    if let Some(u) = updated_input {
        d["updatedInput"] = u;
    }
    if adds_session_rule(result) {
        d["updatedPermissions"] = session_rule(tool_name);
    }
    Reply::json(json!({"hookSpecificOutput": {
        "hookEventName": "PermissionRequest",
        "decision": d,
    }}))
}

/// Whether the result is a person's (or the terminal's) "allow for the session" just now; an
/// allow by the session rule itself (SYSTEM) adds nothing Claude does not have already.
pub fn adds_session_rule(result: &pb::ApprovalResult) -> bool {
    result.decision() == pb::ApprovalDecision::AllowSession
        && result.decided_by() != pb::Sender::System
}

/// "Allow for the rest of this session": the whole tool, for this Claude session only, the
/// same scope the server's rule has.
pub fn session_rule(tool_name: &str) -> Value {
    json!([{
        "type": "addRules",
        "rules": [{"toolName": tool_name}],
        "behavior": "allow",
        "destination": "session",
    }])
}

pub fn deny_message(result: &pb::ApprovalResult) -> String {
    let by = match result.decided_by() {
        pb::Sender::System => "Switchboard (the approval's deadline passed)",
        pb::Sender::Agent => "the terminal",
        _ => "the person supervising this task on Switchboard",
    };
    if result.reason.trim().is_empty() {
        format!("Denied by {by}.")
    } else {
        format!("Denied by {by}: {}", result.reason.trim())
    }
}

/// Resolves an approval the terminal answered first; failures only go to stderr (the card's
/// deadline still ends it).
async fn resolve_left_open(open: &Open, decision: pb::ApprovalDecision, reason: &str) {
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("switchboard-agent hook: cannot resolve an open approval: {e}");
            return;
        }
    };
    let session = match Client::connect_lazy(&config) {
        Ok(c) => c.with_retry(hook_retry()).session_handle(&open.session_id),
        Err(e) => {
            eprintln!("switchboard-agent hook: cannot resolve an open approval: {e}");
            return;
        }
    };
    let request = pb::ResolveApprovalRequest {
        approval_id: open.approval_id.clone(),
        decision: decision as i32,
        reason: reason.to_owned(),
        ..Default::default()
    };
    match session.resolve_approval(request).await {
        Ok(r) => tracing::debug!(applied = r.applied, "approval resolved"),
        Err(e) if e.code() == Some(tonic::Code::NotFound) => {}
        Err(e) => eprintln!("switchboard-agent hook: cannot resolve an open approval: {e}"),
    }
}

async fn stop(event: &Value) -> Reply {
    let marks = Marks::new(event["session_id"].as_str().unwrap_or(""));
    for open in marks.take_all() {
        resolve_left_open(
            &open,
            pb::ApprovalDecision::Deny,
            "Claude Code's turn ended without this call running: it was denied or dismissed in the terminal.",
        )
        .await;
    }
    let session = match session_for(event).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("switchboard-agent hook (Stop): {e}");
            return Reply::none();
        }
    };
    let mut text = "Claude Code finished its turn.".to_owned();
    if let Some(last) = event
        .get("last_assistant_message")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
    {
        text = format!("{text}\n\n{}", preview::truncate(last.trim(), 4_000));
    }
    let response = match session.log_step(text).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("switchboard-agent hook (Stop): {e}");
            return Reply::none();
        }
    };
    let messages = user_messages(&response);
    if response.status() == pb::SessionStatus::Stopping || is_stop_or_end(response.status()) {
        return Reply::none();
    }
    if messages.is_empty() {
        return Reply::none();
    }
    // Documented Stop output: "block" keeps Claude going with `reason` as its next instruction.
    Reply::json(json!({
        "decision": "block",
        "reason": format!(
            "The person supervising this task sent you {} on Switchboard. Follow it:\n\n{}",
            if messages.len() == 1 { "a message" } else { "messages" },
            messages.join("\n\n")
        ),
    }))
}

fn user_messages(response: &pb::LogStepResponse) -> Vec<String> {
    response
        .queued_messages
        .iter()
        .filter_map(|m| match &m.body {
            Some(pb::message::Body::UserMessage(u)) => Some(u.text.clone()),
            _ => None,
        })
        .collect()
}

/// A step; the messages it returns (now read) go back to Claude as `additionalContext`.
async fn step_with_context(event: &Value, name: &str, text: String) -> Reply {
    let session = match session_for(event).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("switchboard-agent hook ({name}): {e}");
            return Reply::none();
        }
    };
    match session.log_step(text).await {
        Ok(r) => {
            let messages = user_messages(&r);
            if messages.is_empty() {
                return Reply::none();
            }
            let context = format!(
                "Messages from the person supervising this task (sent on Switchboard):\n\n{}",
                messages.join("\n\n")
            );
            Reply::json(json!({
                "systemMessage": context,
                "hookSpecificOutput": {"hookEventName": name, "additionalContext": context},
            }))
        }
        Err(e) => {
            eprintln!("switchboard-agent hook ({name}): {e}");
            Reply::none()
        }
    }
}

async fn notification(event: &Value) -> Reply {
    let message = event.get("message").and_then(Value::as_str).unwrap_or("");
    let kind = event
        .get("notification_type")
        .and_then(Value::as_str)
        .unwrap_or("notification");
    let text = format!(
        "Claude Code ({kind}): {}",
        preview::truncate(message, 4_000)
    );
    step_with_context(event, "Notification", text).await
}

async fn session_start(event: &Value) -> Reply {
    let source = event
        .get("source")
        .and_then(Value::as_str)
        .unwrap_or("startup");
    let claude = event
        .get("session_id")
        .and_then(Value::as_str)
        .unwrap_or("");
    // A launched session's runner asks for the id, to resume exactly this conversation when the
    // person continues the session (runner::agent_config).
    if let Some(file) = std::env::var_os(crate::runner::agent_config::ENV_CONVERSATION_FILE)
        && !claude.is_empty()
        && let Err(e) =
            crate::runner::agent_config::record_conversation(std::path::Path::new(&file), claude)
    {
        tracing::warn!("cannot record the Claude Code session id: {e}");
    }
    let text = format!("Claude Code session {claude} ({source}).");
    step_with_context(event, "SessionStart", text).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_stdin_is_a_non_blocking_error() {
        assert_eq!(handle(b"not json").code, 1);
        assert_eq!(handle(b"[1]").code, 1);
        assert_eq!(
            handle(br#"{"hook_event_name":"PermissionRequest"}"#).code,
            1
        );
        // An event this hook does not handle: nothing to say.
        assert_eq!(
            handle(br#"{"hook_event_name":"UserPromptSubmit","prompt":"x"}"#),
            Reply::none()
        );
    }

    #[test]
    fn codex_gets_no_field_it_refuses() {
        let result = pb::ApprovalResult {
            decision: pb::ApprovalDecision::AllowSession as i32,
            updated_input_json: r#"{"command":"ls"}"#.into(),
            decided_by: pb::Sender::User as i32,
            ..Default::default()
        };
        let out = codex_reply(decision_reply("Bash", &result, false))
            .stdout
            .unwrap();
        assert_eq!(
            out["hookSpecificOutput"]["decision"],
            json!({"behavior": "allow"})
        );
        let stop = codex_reply(stop_reply(false)).stdout.unwrap();
        assert_eq!(stop["hookSpecificOutput"]["decision"]["behavior"], "deny");
        assert!(
            stop["hookSpecificOutput"]["decision"]
                .get("interrupt")
                .is_none()
        );
    }

    #[test]
    fn call_keys_match_between_events() {
        let a = call_key("Bash", &json!({"command": "ls", "description": "list"}));
        let b = call_key("Bash", &json!({"description": "list", "command": "ls"}));
        assert_eq!(a, b);
        assert_ne!(a, call_key("Bash", &json!({"command": "ls -a"})));
    }

    #[test]
    fn marks_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let marks = Marks {
            dir: dir.path().join("s"),
        };
        let o = |a: &str| Open {
            session_id: "s1".into(),
            approval_id: a.into(),
        };
        marks.add("k", &o("a1")).unwrap();
        marks.add("k", &o("a2")).unwrap();
        marks.add("j", &o("a3")).unwrap();
        marks.remove("k", "a1");
        assert_eq!(marks.take("k"), Some(o("a2")));
        assert_eq!(marks.take("k"), None);
        assert_eq!(marks.take_all(), vec![o("a3")]);
        assert!(!dir.path().join("s").exists());
    }

    #[test]
    fn decisions_in_each_output_format() {
        let r = |d: pb::ApprovalDecision, reason: &str, updated: &str| pb::ApprovalResult {
            decision: d as i32,
            reason: reason.into(),
            updated_input_json: updated.into(),
            decided_by: pb::Sender::User as i32,
            ..Default::default()
        };
        let allow = decision_reply("Bash", &r(pb::ApprovalDecision::AllowOnce, "", ""), false);
        assert_eq!(
            allow.stdout.unwrap(),
            json!({"hookSpecificOutput": {"hookEventName": "PermissionRequest", "decision": {"behavior": "allow"}}})
        );
        let session = decision_reply(
            "Bash",
            &r(
                pb::ApprovalDecision::AllowSession,
                "",
                r#"{"command":"ls"}"#,
            ),
            false,
        );
        let d = &session.stdout.unwrap()["hookSpecificOutput"]["decision"];
        assert_eq!(d["updatedInput"], json!({"command": "ls"}));
        assert_eq!(d["updatedPermissions"][0]["destination"], "session");
        assert_eq!(d["updatedPermissions"][0]["rules"][0]["toolName"], "Bash");
        let deny = decision_reply(
            "Bash",
            &r(pb::ApprovalDecision::Deny, "use the staging db", ""),
            true,
        );
        let out = &deny.stdout.unwrap()["hookSpecificOutput"];
        assert_eq!(out["permissionDecision"], "deny");
        assert!(
            out["permissionDecisionReason"]
                .as_str()
                .unwrap()
                .ends_with("use the staging db")
        );
    }
}
