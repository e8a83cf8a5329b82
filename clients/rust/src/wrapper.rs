//! `switchboard-agent claude [claude args...]`: runs Claude Code connected to Switchboard without
//! touching the user's own settings.
//!
//! The wrapper starts the session itself (agent name `claude-code`), writes a temporary MCP
//! config and runs `claude --mcp-config <file> <user args...>` with the terminal inherited. The
//! file follows Claude Code's documented `--mcp-config` / `.mcp.json` format (checked against
//! the Claude Code MCP docs at docs.anthropic.com; not yet against an installed npm
//! `@anthropic-ai/claude-code` and its argument parsing):
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

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::Duration;

use serde_json::json;
use tokio::process::Command;

use crate::client::{
    AgentSession, Client, Config, ENV_AGENT_NAME, ENV_API_KEY, ENV_LEAVE_SESSION_OPEN,
    ENV_SESSION_ID, ENV_URL,
};
use crate::proto::v1 as pb;

/// Overrides the `claude` executable found on PATH.
pub const ENV_CLAUDE_BIN: &str = "SWITCHBOARD_CLAUDE_BIN";
/// The agent name the dashboard shows for wrapped Claude Code sessions.
pub const AGENT_NAME: &str = "claude-code";

/// Below the server's 120 s of silence before DISCONNECTED, with room for a retry.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(30);

/// Runs claude under a Switchboard session; returns the exit code to exit with.
pub async fn run_claude(config: Config, user_args: Vec<OsString>) -> Result<u8, String> {
    let client = Client::connect_lazy(&config).map_err(|e| e.to_string())?;
    let program: OsString = std::env::var_os(ENV_CLAUDE_BIN)
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "claude".into());
    let me = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .map_err(|e| format!("cannot find this program's own path for the MCP config: {e}"))?;

    let session = client
        .start_session(pb::StartSessionRequest {
            agent_name: AGENT_NAME.to_owned(),
            metadata: [("via".to_owned(), "claude-wrapper".to_owned())].into(),
            ..Default::default()
        })
        .await
        .map_err(|e| format!("could not start the Switchboard session: {e}"))?;
    tracing::info!(session_id = session.id(), "switchboard session started");

    // From here on the session exists: every way out ends it.
    let result = run_in_session(&config, &session, &me, &program, user_args).await;
    let (outcome, summary, code) = match &result {
        Ok(status) => describe_exit(&program, *status),
        Err(e) => (
            pb::SessionOutcome::Failed,
            format!("The wrapper could not run claude: {e}"),
            1,
        ),
    };
    end_session(&session, outcome, summary).await;
    result.map(|_| code)
}

async fn run_in_session(
    config: &Config,
    session: &AgentSession,
    me: &std::path::Path,
    program: &OsString,
    user_args: Vec<OsString>,
) -> Result<ExitStatus, String> {
    // Dropped (and so removed) on every return, signals included: they are handled below.
    let mcp_config = write_mcp_config(config, session.id(), me)?;
    // Listening before the spawn: a signal from then on is forwarded, never the wrapper's death
    // with the session left ACTIVE.
    let signals = Signals::listen().map_err(|e| format!("cannot listen for signals: {e}"))?;
    let mut child = Command::new(program)
        .arg("--mcp-config")
        .arg(mcp_config.path())
        .args(user_args)
        .spawn()
        .map_err(|e| {
            format!(
                "cannot run {}: {e} (install Claude Code, or set {ENV_CLAUDE_BIN} to its path)",
                program.to_string_lossy()
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

/// The temporary MCP config (0600: it holds the API key), removed when dropped.
fn write_mcp_config(
    config: &Config,
    session_id: &str,
    me: &std::path::Path,
) -> Result<tempfile::NamedTempFile, String> {
    let body = mcp_config_json(config, session_id, me);
    let mut builder = tempfile::Builder::new();
    builder.prefix("switchboard-mcp-").suffix(".json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o600));
    }
    let mut file = builder
        .tempfile()
        .map_err(|e| format!("cannot create the temporary MCP config: {e}"))?;
    file.write_all(body.to_string().as_bytes())
        .and_then(|()| file.flush())
        .map_err(|e| format!("cannot write the temporary MCP config: {e}"))?;
    Ok(file)
}

fn mcp_config_json(config: &Config, session_id: &str, me: &std::path::Path) -> serde_json::Value {
    json!({
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
    })
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
        };
        let v = mcp_config_json(&c, "s1", std::path::Path::new("/bin/sa"));
        let server = &v["mcpServers"]["switchboard"];
        assert_eq!(server["command"], "/bin/sa");
        assert_eq!(server["args"], json!(["mcp"]));
        assert_eq!(server["env"][ENV_SESSION_ID], "s1");
        assert_eq!(server["env"][ENV_API_KEY], "sb_k");
        assert_eq!(server["env"][ENV_LEAVE_SESSION_OPEN], "1");
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
