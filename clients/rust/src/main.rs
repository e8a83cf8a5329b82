//! `switchboard-agent`: the one binary on the agent's machine.

use clap::{Parser, Subcommand};
use switchboard_agent::client::{
    Client, Config, ENV_AGENT_NAME, ENV_LEAVE_SESSION_OPEN, ENV_SESSION_ID,
};
use switchboard_agent::{hook, mcp, runner, wrapper};

/// Connects AI agents (Claude Code, Codex, ...) to a Switchboard hub.
///
/// Reads SWITCHBOARD_URL and SWITCHBOARD_API_KEY from the environment.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the Model Context Protocol over stdio (tools: log_step, ask_question, end_session,
    /// approve).
    ///
    /// One Switchboard session per process: started on the first tool call, ended when the
    /// process exits.
    Mcp {
        /// The agent's name on the dashboard [default: the MCP client's name].
        #[arg(long, env = ENV_AGENT_NAME)]
        agent_name: Option<String>,
        /// Resume this session instead of starting one.
        #[arg(long, env = ENV_SESSION_ID)]
        session_id: Option<String>,
        /// The session's name on the dashboard [default: agent name and start time].
        #[arg(long)]
        session_name: Option<String>,
        /// Do not end the session on exit: its owner (`switchboard-agent claude`) ends it.
        #[arg(long, env = ENV_LEAVE_SESSION_OPEN, value_parser = clap::builder::BoolishValueParser::new())]
        leave_session_open: bool,
    },
    /// Run Claude Code (`claude`, or SWITCHBOARD_CLAUDE_BIN) in a new Switchboard session.
    ///
    /// Passes a temporary --mcp-config with this binary's MCP server and a temporary --settings
    /// with this binary as its hooks (tool approvals decided on Switchboard; your own settings are
    /// not edited); ends the session when claude exits: COMPLETED on exit code 0, FAILED
    /// otherwise. Exits with claude's exit code.
    Claude {
        /// Arguments for claude, passed through as they are.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<std::ffi::OsString>,
    },
    /// Run Codex CLI (`codex`, or SWITCHBOARD_CODEX_BIN) in a new Switchboard session.
    ///
    /// Adds this binary's MCP server with `-c mcp_servers.switchboard.*` overrides (your
    /// ~/.codex/config.toml is not edited); ends the session when codex exits.
    Codex {
        /// Arguments for codex, passed through as they are.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<std::ffi::OsString>,
    },
    /// Run launched sessions on this machine: attach to the hub with a runner credential
    /// (LaunchService.CreateRunnerCredential), clone each assignment's repositories into a
    /// workspace under --workdir-root and run its agent there.
    Runner {
        /// The hub, e.g. http://127.0.0.1:50051.
        #[arg(long, env = "SWITCHBOARD_URL")]
        url: String,
        /// A file holding the runner credential (sb_runner_...).
        #[arg(long)]
        credential_file: std::path::PathBuf,
        /// Where workspaces are made (one directory per session).
        #[arg(long)]
        workdir_root: std::path::PathBuf,
        /// This machine's name, as the runner reports it.
        #[arg(long, default_value = "runner")]
        name: String,
        /// Sessions run at once.
        #[arg(long, default_value_t = 1)]
        capacity: i32,
        /// A label launches can select on, key=value (repeatable).
        #[arg(long = "label", value_parser = runner::parse_label)]
        labels: Vec<(String, String)>,
        /// Directory of secrets (one file per name) that specs may reference.
        #[arg(long)]
        secrets_dir: Option<std::path::PathBuf>,
    },
    /// Log one step in the session SWITCHBOARD_SESSION_ID names (for shell-script agents, e.g.
    /// a launched COMMAND): resumes it under SWITCHBOARD_AGENT_NAME, logs TEXT, and prints the
    /// messages the person sent since the last step, one per line.
    Step {
        /// What the agent did.
        text: String,
    },
    /// A hook command for a coding agent: reads the event JSON on stdin, writes the decision on
    /// stdout.
    Hook {
        #[command(subcommand)]
        agent: HookAgent,
    },
}

#[derive(Subcommand)]
enum HookAgent {
    /// Claude Code command hook (PermissionRequest, PreToolUse, PostToolUse, Stop, Notification,
    /// SessionStart). Set in the settings `switchboard-agent claude` passes with --settings.
    Claude,
    /// Codex CLI command hook (its PermissionRequest, PostToolUse, Stop): Claude's contract
    /// without the fields Codex refuses.
    Codex,
}

/// `switchboard-agent step TEXT`.
async fn step(text: String) -> Result<u8, String> {
    let session_id = std::env::var(ENV_SESSION_ID)
        .ok()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            format!("{ENV_SESSION_ID} is not set: step logs into an existing session")
        })?;
    let client = Client::from_env().map_err(|e| e.to_string())?;
    let session = client
        .start_session(switchboard_agent::proto::v1::StartSessionRequest {
            session_id,
            agent_name: std::env::var(ENV_AGENT_NAME).unwrap_or_else(|_| "command".into()),
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    let logged = session.log_step(text).await.map_err(|e| e.to_string())?;
    for m in logged.queued_messages {
        if let Some(switchboard_agent::proto::v1::message::Body::UserMessage(u)) = m.body {
            println!("{}", u.text);
        }
    }
    Ok(0)
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if let Command::Hook { agent } = &cli.command {
        // Runs before every tool call: no log subscriber (its messages are eprintln'd), no
        // multi-threaded runtime, and no runtime at all for events that need no network.
        let dialect = match agent {
            HookAgent::Claude => hook::Dialect::Claude,
            HookAgent::Codex => hook::Dialect::Codex,
        };
        return std::process::ExitCode::from(hook::main_as(dialect));
    }
    // stdout is the MCP channel: every log line goes to stderr.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SWITCHBOARD_AGENT_LOG")
                .unwrap_or_else(|_| "switchboard_agent=info,rmcp=warn".into()),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("switchboard-agent: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Mcp {
                agent_name,
                session_id,
                session_name,
                leave_session_open,
            } => {
                let client = Client::from_env().map_err(|e| e.to_string())?;
                let settings = mcp::Settings {
                    agent_name: agent_name.filter(|s| !s.trim().is_empty()),
                    session_id: session_id.filter(|s| !s.trim().is_empty()),
                    session_name,
                    leave_session_open,
                };
                mcp::serve_stdio(client, settings).await.map(|()| 0)
            }
            Command::Claude { args } => {
                let config = Config::from_env().map_err(|e| e.to_string())?;
                wrapper::run_claude(config, args).await
            }
            Command::Codex { args } => {
                let config = Config::from_env().map_err(|e| e.to_string())?;
                wrapper::run_codex(config, args).await
            }
            Command::Step { text } => step(text).await,
            Command::Runner {
                url,
                credential_file,
                workdir_root,
                name,
                capacity,
                labels,
                secrets_dir,
            } => {
                let settings = runner::Settings {
                    url,
                    credential_file,
                    workdir_root,
                    name,
                    capacity,
                    labels: labels.into_iter().collect(),
                    secrets_dir,
                };
                runner::run(settings).await
            }
            Command::Hook { .. } => unreachable!("handled before the runtime starts"),
        }
    });
    // A read of stdin that is still pending (SIGTERM while the client keeps the pipe open)
    // cannot be cancelled and would hold the runtime's shutdown: do not wait for it.
    runtime.shutdown_background();
    match result {
        Ok(code) => std::process::ExitCode::from(code),
        Err(e) => {
            eprintln!("switchboard-agent: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
