//! `switchboard-agent claude [claude args...]`: runs Claude Code connected to Switchboard without
//! touching the user's own settings; `switchboard-agent codex [codex args...]` the same for
//! Codex CLI, as far as its contract allows.
//!
//! The wrapper starts the session itself (agent name `claude-code`), writes a temporary MCP
//! config and a temporary settings file, and runs `claude --mcp-config <file> --settings <file>
//! <user args...>` with the terminal inherited. Both flags were checked against npm
//! `@anthropic-ai/claude-code` 2.1.197 (`claude --help`: `--mcp-config <configs...>` loads MCP
//! servers from JSON files, `--settings <file-or-json>` loads *additional* settings: the user's
//! own are still read, and hooks from every source run). The MCP file follows Claude Code's
//! documented `--mcp-config` / `.mcp.json` format:
//!
//! ```json
//! {"mcpServers": {"switchboard": {"type": "stdio", "command": "/abs/switchboard-agent",
//!   "args": ["mcp"], "env": {"SWITCHBOARD_URL": "...", "SWITCHBOARD_API_KEY": "...",
//!   "SWITCHBOARD_SESSION_ID": "...", "SWITCHBOARD_AGENT_NAME": "claude-code",
//!   "SWITCHBOARD_LEAVE_SESSION_OPEN": "1"}}}}
//! ```
//!
//! It holds the API key: created 0600, removed when the wrapper exits. The MCP server it names
//! resumes the wrapper's session and leaves its end to the wrapper, which knows claude's exit
//! code: 0 → COMPLETED, anything else → FAILED with the code in the summary.
//!
//! The settings file holds only hooks (Claude Code's settings `hooks` format: event → matcher
//! groups → `{"type":"command","command":..,"timeout":<seconds>}`): this binary's absolute path
//! and `hook claude` for PermissionRequest, PostToolUse, PostToolUseFailure, Stop, Notification
//! and SessionStart (see `hook.rs` for what each does). claude's environment gets
//! SWITCHBOARD_SESSION_ID (and the agent name), so the hooks, which inherit it, and the MCP
//! server share the wrapper's session; SWITCHBOARD_LEAVE_SESSION_OPEN keeps any other
//! `switchboard-agent mcp` claude starts (one in the user's own config) from ending it.
//!
//! Codex CLI (`codex`, checked against the Codex docs at developers.openai.com/codex: the config
//! reference and hooks; no installed codex here): its MCP server is added with `-c
//! mcp_servers.switchboard.command=..`, `.args=["mcp"]`, `.env_vars=[..]` (names of variables
//! Codex copies from its own environment into the server's, which it otherwise filters: the key
//! stays off the command line) and `.tool_timeout_sec` (a person may take longer than the
//! default 60 s). Hooks
//! cannot be added the same way: Codex runs a non-managed hook only after the user reviewed and
//! trusted its exact definition (`/hooks`), so a hook that appears for one run would be skipped;
//! the README shows the one-time `~/.codex/hooks.json` entry (`switchboard-agent hook codex`)
//! instead. Codex's approval prompts then reach Switchboard through its PermissionRequest hook.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::Duration;

use serde_json::json;
use tokio::process::Command;

use crate::client::{
    AgentSession, Client, Config, ENV_AGENT_NAME, ENV_API_KEY, ENV_CA_FILE, ENV_LEAVE_SESSION_OPEN,
    ENV_SESSION_ID, ENV_URL,
};
use crate::proto::v1 as pb;

/// Overrides the `claude` executable found on PATH.
pub const ENV_CLAUDE_BIN: &str = "SWITCHBOARD_CLAUDE_BIN";
/// The agent name the dashboard shows for wrapped Claude Code sessions.
pub const AGENT_NAME: &str = "claude-code";

/// Below the server's 120 s of silence before DISCONNECTED, with room for a retry.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(30);

/// Overrides the `codex` executable found on PATH.
pub const ENV_CODEX_BIN: &str = "SWITCHBOARD_CODEX_BIN";
/// The agent name the dashboard shows for wrapped Codex sessions.
pub const CODEX_AGENT_NAME: &str = "codex";

/// Which coding agent the wrapper runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Agent {
    Claude,
    Codex,
}

impl Agent {
    fn name(self) -> &'static str {
        match self {
            Agent::Claude => AGENT_NAME,
            Agent::Codex => CODEX_AGENT_NAME,
        }
    }
    fn bin_env(self) -> &'static str {
        match self {
            Agent::Claude => ENV_CLAUDE_BIN,
            Agent::Codex => ENV_CODEX_BIN,
        }
    }
    fn default_program(self) -> &'static str {
        match self {
            Agent::Claude => "claude",
            Agent::Codex => "codex",
        }
    }
    fn install_hint(self) -> &'static str {
        match self {
            Agent::Claude => "install Claude Code",
            Agent::Codex => "install Codex CLI",
        }
    }
}

/// Runs claude under a Switchboard session; returns the exit code to exit with.
pub async fn run_claude(config: Config, user_args: Vec<OsString>) -> Result<u8, String> {
    run_agent(Agent::Claude, config, user_args).await
}

/// Runs codex under a Switchboard session; returns the exit code to exit with.
pub async fn run_codex(config: Config, user_args: Vec<OsString>) -> Result<u8, String> {
    run_agent(Agent::Codex, config, user_args).await
}

async fn run_agent(agent: Agent, config: Config, user_args: Vec<OsString>) -> Result<u8, String> {
    let client = Client::connect_lazy(&config).map_err(|e| e.to_string())?;
    let program: OsString = std::env::var_os(agent.bin_env())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| agent.default_program().into());
    let me = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .map_err(|e| format!("cannot find this program's own path for the MCP config: {e}"))?;

    let session = client
        .start_session(pb::StartSessionRequest {
            agent_name: agent.name().to_owned(),
            metadata: [(
                "via".to_owned(),
                format!("{}-wrapper", agent.default_program()),
            )]
            .into(),
            ..Default::default()
        })
        .await
        .map_err(|e| format!("could not start the Switchboard session: {e}"))?;
    tracing::info!(session_id = session.id(), "switchboard session started");

    // From here on the session exists: every way out ends it.
    let result = run_in_session(agent, &config, &session, &me, &program, user_args).await;
    let (outcome, summary, code) = match &result {
        Ok(status) => describe_exit(&program, *status),
        Err(e) => (
            pb::SessionOutcome::Failed,
            format!("The wrapper could not run {}: {e}", agent.default_program()),
            1,
        ),
    };
    end_session(&session, outcome, summary).await;
    result.map(|_| code)
}

async fn run_in_session(
    agent: Agent,
    config: &Config,
    session: &AgentSession,
    me: &std::path::Path,
    program: &OsString,
    user_args: Vec<OsString>,
) -> Result<ExitStatus, String> {
    let mut command = Command::new(program);
    // The hooks and any MCP server the agent starts inherit these: one session for all of them.
    command
        .env(ENV_SESSION_ID, session.id())
        .env(ENV_AGENT_NAME, agent.name())
        .env(ENV_LEAVE_SESSION_OPEN, "1");
    // Dropped (and so removed) on every return, signals included: they are handled below.
    let mut _temp_files = Vec::new();
    match agent {
        Agent::Claude => {
            let mcp_config = write_private_json(
                "switchboard-mcp-",
                &mcp_config_json(config, session.id(), me),
            )?;
            let settings = write_private_json("switchboard-settings-", &settings_json(me))?;
            command
                .arg("--mcp-config")
                .arg(mcp_config.path())
                .arg("--settings")
                .arg(settings.path());
            _temp_files.push(mcp_config);
            _temp_files.push(settings);
        }
        Agent::Codex => {
            command.args(codex_overrides(me));
        }
    }
    // Listening before the spawn: a signal from then on is forwarded, never the wrapper's death
    // with the session left ACTIVE.
    let signals = Signals::listen().map_err(|e| format!("cannot listen for signals: {e}"))?;
    let mut child = command.args(user_args).spawn().map_err(|e| {
        format!(
            "cannot run {}: {e} ({}, or set {} to its path)",
            program.to_string_lossy(),
            agent.install_hint(),
            agent.bin_env()
        )
    })?;
    let pid = child.id();

    let heartbeat = {
        let session = session.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(HEARTBEAT_EVERY);
            loop {
                tick.tick().await;
                if let Err(e) = session.heartbeat().await {
                    tracing::warn!("heartbeat failed: {e}");
                }
            }
        })
    };

    let status = signals.wait_forwarding(&mut child, pid).await;
    heartbeat.abort();
    status.map_err(|e| format!("waiting for claude failed: {e}"))
}

#[cfg(unix)]
struct Signals {
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn listen() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    /// Waits for claude, forwarding SIGTERM, SIGHUP and (see below) SIGINT to it.
    async fn wait_forwarding(
        mut self,
        child: &mut tokio::process::Child,
        pid: Option<u32>,
    ) -> std::io::Result<ExitStatus> {
        let forward = |sig: libc::c_int| {
            if let Some(pid) = pid.and_then(|p| libc::pid_t::try_from(p).ok()) {
                // SAFETY: kill(2) on the pid we spawned and have not reaped (the wait is here).
                unsafe { libc::kill(pid, sig) };
            }
        };
        loop {
            tokio::select! {
                status = child.wait() => return status,
                _ = self.term.recv() => forward(libc::SIGTERM),
                _ = self.hup.recv() => forward(libc::SIGHUP),
                // Ctrl-C in the terminal reaches claude already (same foreground process group)
                // and claude decides what it means (it cancels a turn; twice exits): sending it
                // again would turn one press into two. A SIGINT sent to the wrapper alone is
                // forwarded.
                _ = self.int.recv() => if !terminal_sent_it_to_claude() { forward(libc::SIGINT) },
            }
        }
    }
}

/// True when stdin is a terminal whose foreground process group is ours (so claude's too).
#[cfg(unix)]
fn terminal_sent_it_to_claude() -> bool {
    // SAFETY: plain queries of the process's own state.
    unsafe {
        libc::isatty(libc::STDIN_FILENO) == 1
            && libc::tcgetpgrp(libc::STDIN_FILENO) == libc::getpgrp()
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn listen() -> std::io::Result<Self> {
        Ok(Self)
    }

    async fn wait_forwarding(
        self,
        child: &mut tokio::process::Child,
        _pid: Option<u32>,
    ) -> std::io::Result<ExitStatus> {
        // Ctrl-C reaches the child through the console; the wrapper outlives it to end the
        // session.
        loop {
            tokio::select! {
                status = child.wait() => return status,
                _ = tokio::signal::ctrl_c() => {}
            }
        }
    }
}

/// A temporary JSON file (0600: the MCP config holds the API key), removed when dropped.
fn write_private_json(
    prefix: &str,
    body: &serde_json::Value,
) -> Result<tempfile::NamedTempFile, String> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix).suffix(".json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o600));
    }
    let mut file = builder
        .tempfile()
        .map_err(|e| format!("cannot create a temporary file for claude: {e}"))?;
    file.write_all(body.to_string().as_bytes())
        .and_then(|()| file.flush())
        .map_err(|e| format!("cannot write a temporary file for claude: {e}"))?;
    Ok(file)
}

/// `me` quoted for the POSIX shell Claude Code runs hook commands with.
fn shell_quote(path: &std::path::Path) -> String {
    format!("'{}'", path.to_string_lossy().replace('\'', r"'\''"))
}

/// How long Claude Code lets the PermissionRequest hook run (seconds): past the configured wait,
/// or a day when the person may take as long as they like.
fn permission_hook_timeout() -> u64 {
    match std::env::var(crate::hook::ENV_APPROVAL_WAIT)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        Some(wait) => wait.saturating_add(60),
        None => 86_400,
    }
}

/// The `--settings` file: this binary as the command hook of every event it handles.
fn settings_json(me: &std::path::Path) -> serde_json::Value {
    let command = format!("{} hook claude", shell_quote(me));
    let hook = |timeout: u64| json!([{"hooks": [{"type": "command", "command": command, "timeout": timeout}]}]);
    // Tool events match every tool ("*"); the others take no matcher.
    let tool_hook = |timeout: u64| json!([{"matcher": "*", "hooks": [{"type": "command", "command": command, "timeout": timeout}]}]);
    json!({
        "hooks": {
            "PermissionRequest": tool_hook(permission_hook_timeout()),
            "PostToolUse": tool_hook(30),
            "PostToolUseFailure": tool_hook(30),
            "Stop": hook(30),
            "Notification": hook(30),
            "SessionStart": hook(30),
        }
    })
}

/// Codex `-c key=value` overrides (values are TOML; a JSON string or array is valid TOML).
fn codex_overrides(me: &std::path::Path) -> Vec<String> {
    let command = serde_json::Value::from(me.to_string_lossy().into_owned());
    let env_vars = json!([
        ENV_URL,
        ENV_API_KEY,
        ENV_SESSION_ID,
        ENV_AGENT_NAME,
        ENV_LEAVE_SESSION_OPEN,
        ENV_CA_FILE
    ]);
    [
        format!("mcp_servers.switchboard.command={command}"),
        r#"mcp_servers.switchboard.args=["mcp"]"#.to_owned(),
        format!("mcp_servers.switchboard.env_vars={env_vars}"),
        // ask_question and approve wait for a person: Codex's default tool timeout (60 s)
        // would cut them off.
        "mcp_servers.switchboard.tool_timeout_sec=86400".to_owned(),
    ]
    .into_iter()
    .flat_map(|kv| ["-c".to_owned(), kv])
    .collect()
}

fn mcp_config_json(config: &Config, session_id: &str, me: &std::path::Path) -> serde_json::Value {
    let mut value = json!({
        "mcpServers": {
            "switchboard": {
                "type": "stdio",
                "command": PathBuf::from(me),
                "args": ["mcp"],
                "env": {
                    ENV_URL: config.url,
                    ENV_API_KEY: config.api_key,
                    ENV_SESSION_ID: session_id,
                    // A session is resumed only under the agent name it was started with.
                    ENV_AGENT_NAME: AGENT_NAME,
                    // The wrapper ends the session with claude's exit code; the MCP server,
                    // closed when claude exits, must not end it first as COMPLETED.
                    ENV_LEAVE_SESSION_OPEN: "1",
                }
            }
        }
    });
    // A private CA for an https:// hub reaches the MCP server too.
    if let Some(ca_file) = &config.ca_file {
        value["mcpServers"]["switchboard"]["env"][ENV_CA_FILE] = json!(ca_file);
    }
    value
}

/// Outcome, summary and the wrapper's exit code for how claude exited.
fn describe_exit(program: &OsString, status: ExitStatus) -> (pb::SessionOutcome, String, u8) {
    let name = program.to_string_lossy();
    if let Some(code) = status.code() {
        if code == 0 {
            return (
                pb::SessionOutcome::Completed,
                format!("{name} exited normally (exit code 0)."),
                0,
            );
        }
        return (
            pb::SessionOutcome::Failed,
            format!("{name} exited with code {code}."),
            u8::try_from(code).unwrap_or(1),
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            // The shell's convention for a child killed by a signal.
            let code = u8::try_from(128 + sig).unwrap_or(1);
            return (
                pb::SessionOutcome::Failed,
                format!("{name} was ended by signal {sig} (exit code {code})."),
                code,
            );
        }
    }
    (
        pb::SessionOutcome::Failed,
        format!("{name} ended without an exit code."),
        1,
    )
}

/// Ends the session; one the MCP server's `end_session` tool ended already is left as it is.
async fn end_session(session: &AgentSession, outcome: pb::SessionOutcome, summary: String) {
    match session.end(outcome, summary).await {
        Ok(s) => tracing::info!(status = ?s.status(), "switchboard session ended"),
        Err(e) if e.code() == Some(tonic::Code::FailedPrecondition) => {
            tracing::info!("switchboard session had ended already ({e})");
        }
        Err(e) => eprintln!("switchboard-agent: could not end the Switchboard session: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mcp_config_has_the_documented_shape() {
        let c = Config {
            url: "http://127.0.0.1:1".into(),
            api_key: "sb_k".into(),
            ca_file: None,
        };
        let v = mcp_config_json(&c, "s1", std::path::Path::new("/bin/sa"));
        let server = &v["mcpServers"]["switchboard"];
        assert_eq!(server["command"], "/bin/sa");
        assert_eq!(server["args"], json!(["mcp"]));
        assert_eq!(server["env"][ENV_SESSION_ID], "s1");
        assert_eq!(server["env"][ENV_API_KEY], "sb_k");
        assert_eq!(server["env"][ENV_LEAVE_SESSION_OPEN], "1");
    }

    #[test]
    fn settings_run_this_binary_as_every_hook() {
        let v = settings_json(std::path::Path::new("/opt/it's/sa"));
        let pr = &v["hooks"]["PermissionRequest"][0];
        assert_eq!(pr["matcher"], "*");
        assert_eq!(pr["hooks"][0]["type"], "command");
        assert_eq!(pr["hooks"][0]["command"], r"'/opt/it'\''s/sa' hook claude");
        for event in [
            "PostToolUse",
            "PostToolUseFailure",
            "Stop",
            "Notification",
            "SessionStart",
        ] {
            assert!(
                v["hooks"][event][0]["hooks"][0]["command"].is_string(),
                "{event}"
            );
        }
    }

    #[test]
    fn codex_overrides_name_the_server_without_the_key() {
        let args = codex_overrides(std::path::Path::new("/bin/sa"));
        assert_eq!(args[0], "-c");
        assert_eq!(args[1], r#"mcp_servers.switchboard.command="/bin/sa""#);
        assert!(args.iter().all(|a| !a.contains("sb_")));
        assert!(args[5].contains(ENV_API_KEY));
    }

    #[cfg(unix)]
    #[test]
    fn exit_codes_map_to_outcomes() {
        use std::os::unix::process::ExitStatusExt;
        let p = OsString::from("claude");
        let (o, _, c) = describe_exit(&p, ExitStatus::from_raw(0));
        assert_eq!((o, c), (pb::SessionOutcome::Completed, 0));
        let (o, s, c) = describe_exit(&p, ExitStatus::from_raw(3 << 8));
        assert_eq!((o, c), (pb::SessionOutcome::Failed, 3));
        assert!(s.contains("code 3"), "{s}");
        let (o, s, c) = describe_exit(&p, ExitStatus::from_raw(libc::SIGTERM));
        assert_eq!((o, c), (pb::SessionOutcome::Failed, 143));
        assert!(s.contains("signal 15"), "{s}");
    }
}
