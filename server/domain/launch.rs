//! Launching sessions on runners (issue 16): the session spec and its rules, why a session
//! stopped, runners.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use super::launch_mcp::McpServer;
use super::validate::{agent_name, optional_text, required_text};
use super::{DomainError, DomainResult, ProjectId, RunnerId, SessionId, UserId};

pub const MAX_PROMPT_CHARS: usize = 65_536;
pub const MAX_COMMAND_ARGS: usize = 256;
pub const MAX_ARG_CHARS: usize = 4_096;
pub const MAX_REPOSITORIES: usize = 16;
pub const MAX_URL_CHARS: usize = 2_048;
pub const MAX_BRANCH_CHARS: usize = 255;
pub const MAX_PATH_CHARS: usize = 1_024;
pub const MAX_MODEL_CHARS: usize = 200;
pub const MAX_ENV_VARS: usize = 64;
pub const MAX_ENV_NAME_CHARS: usize = 128;
pub const MAX_ENV_VALUE_CHARS: usize = 4_096;
pub const MAX_SELECTOR_LABELS: usize = 16;
pub const MAX_RUNNER_LABELS: usize = 32;
pub const MAX_LABEL_KEY_CHARS: usize = 64;
pub const MAX_LABEL_VALUE_CHARS: usize = 256;
pub const MAX_CAPACITY: i32 = 1_000;
pub const MAX_RUNNING_IDS: usize = 1_000;
pub const MAX_LAST_LINES: usize = 50;
pub const MAX_LINE_CHARS: usize = 4_096;
pub const DEFAULT_START_DEADLINE: Duration = Duration::from_secs(600);
const MIN_LIMIT: Duration = Duration::from_secs(1);
const MAX_START_DEADLINE: Duration = Duration::from_secs(24 * 3600);
const MAX_INACTIVITY: Duration = Duration::from_secs(7 * 24 * 3600);
const MAX_HARD_LIMIT: Duration = Duration::from_secs(30 * 24 * 3600);

/// Mirrors `switchboard.v1.StopReason`; stored as its number in `sessions.stop_reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[repr(i16)]
pub enum StopReason {
    ByPerson = 1,
    ByAgent = 2,
    Inactivity = 3,
    HardLimit = 4,
    StartDeadline = 5,
    RunnerLost = 6,
    AgentExited = 7,
    /// The launch's workload could not start (a Kubernetes pod's image, configuration or
    /// scheduling); the reason is in the last output lines.
    StartFailed = 8,
}

impl StopReason {
    const ALL: [StopReason; 8] = [
        StopReason::ByPerson,
        StopReason::ByAgent,
        StopReason::Inactivity,
        StopReason::HardLimit,
        StopReason::StartDeadline,
        StopReason::RunnerLost,
        StopReason::AgentExited,
        StopReason::StartFailed,
    ];

    pub fn from_i16(value: i16) -> DomainResult<StopReason> {
        Self::ALL
            .into_iter()
            .find(|r| *r as i16 == value)
            .ok_or_else(|| DomainError::internal(format!("unknown stored stop reason {value}")))
    }
}

/// What launching adds to a session.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionLaunchInfo {
    pub parent_session_id: Option<SessionId>,
    pub stop_reason: Option<StopReason>,
    pub exit_code: Option<i32>,
    pub last_output_lines: Vec<String>,
    pub runner_id: Option<RunnerId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AgentKind {
    ClaudeCode,
    Codex,
    Command,
}

impl AgentKind {
    pub fn default_agent_name(self) -> &'static str {
        match self {
            AgentKind::ClaudeCode => "claude-code",
            AgentKind::Codex => "codex",
            AgentKind::Command => "command",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repository {
    pub url: String,
    pub branch: String,
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretEnv {
    pub name: String,
    pub secret: String,
}

/// A validated session spec, as stored in `launches.spec` and sent to the runner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchSpec {
    pub agent: AgentKind,
    pub prompt: String,
    pub command: Vec<String>,
    pub repositories: Vec<Repository>,
    pub workdir: String,
    pub model: String,
    pub env: BTreeMap<String, String>,
    pub secret_env: Vec<SecretEnv>,
    pub start_deadline_ms: u64,
    pub inactivity_ms: Option<u64>,
    pub hard_limit_ms: Option<u64>,
    pub agent_name: String,
    pub session_name: String,
    /// Specs stored before MCP servers existed have none.
    #[serde(default)]
    pub mcp_servers: Vec<McpServer>,
}

#[cfg(test)]
impl LaunchSpec {
    /// A minimal valid spec for unit tests: `agent` with a prompt, nothing else.
    pub fn example(agent: AgentKind, prompt: &str) -> LaunchSpec {
        LaunchSpec {
            agent,
            prompt: prompt.into(),
            command: Vec::new(),
            repositories: Vec::new(),
            workdir: String::new(),
            model: String::new(),
            env: BTreeMap::new(),
            secret_env: Vec::new(),
            start_deadline_ms: 60_000,
            inactivity_ms: None,
            hard_limit_ms: None,
            agent_name: "a".into(),
            session_name: String::new(),
            mcp_servers: Vec::new(),
        }
    }
}

/// The spec as the client sent it, before validation.
pub struct SpecInput {
    pub agent: Option<AgentKind>,
    pub prompt: String,
    pub command: Vec<String>,
    pub repositories: Vec<Repository>,
    pub workdir: String,
    pub model: String,
    pub env: BTreeMap<String, String>,
    pub secret_env: Vec<SecretEnv>,
    pub start_deadline: Option<Duration>,
    pub inactivity: Option<Duration>,
    pub hard_limit: Option<Duration>,
    pub agent_name: String,
    pub session_name: String,
    pub mcp_servers: Vec<McpServer>,
}

impl LaunchSpec {
    pub fn validate(input: SpecInput) -> DomainResult<LaunchSpec> {
        let agent = input.agent.ok_or_else(|| {
            DomainError::invalid("spec.agent", "is required: CLAUDE_CODE, CODEX or COMMAND")
        })?;
        let prompt = match agent {
            AgentKind::Command => optional_text("spec.prompt", &input.prompt, MAX_PROMPT_CHARS)?,
            _ => required_text("spec.prompt", &input.prompt, MAX_PROMPT_CHARS)?,
        };
        match (agent, input.command.is_empty()) {
            (AgentKind::Command, true) => {
                return Err(DomainError::invalid(
                    "spec.command",
                    "is required for a COMMAND agent: the program and its arguments",
                ));
            }
            (AgentKind::Command, false) => {}
            (_, false) => {
                return Err(DomainError::invalid(
                    "spec.command",
                    "is only for COMMAND agents",
                ));
            }
            (_, true) => {}
        }
        if input.command.len() > MAX_COMMAND_ARGS {
            return Err(DomainError::invalid(
                "spec.command",
                format!(
                    "has {} entries; the limit is {MAX_COMMAND_ARGS}",
                    input.command.len()
                ),
            ));
        }
        if input.command.first().is_some_and(|p| p.trim().is_empty()) {
            return Err(DomainError::invalid(
                "spec.command",
                "its first entry (the program) must not be blank",
            ));
        }
        for arg in &input.command {
            optional_text("spec.command", arg, MAX_ARG_CHARS)?;
        }
        if input.repositories.len() > MAX_REPOSITORIES {
            return Err(DomainError::invalid(
                "spec.repositories",
                format!(
                    "has {} entries; the limit is {MAX_REPOSITORIES}",
                    input.repositories.len()
                ),
            ));
        }
        let mut repositories = Vec::new();
        for r in input.repositories {
            let url = required_text("spec.repositories.url", &r.url, MAX_URL_CHARS)?;
            if url.starts_with('-') || url.chars().any(char::is_control) {
                return Err(DomainError::invalid(
                    "spec.repositories.url",
                    "must not start with '-' or contain control characters",
                ));
            }
            let branch = optional_text("spec.repositories.branch", &r.branch, MAX_BRANCH_CHARS)?;
            if branch.starts_with('-') || branch.chars().any(|c| c.is_control() || c == ' ') {
                return Err(DomainError::invalid(
                    "spec.repositories.branch",
                    "must not start with '-' or contain spaces or control characters",
                ));
            }
            let path = relative_path("spec.repositories.path", &r.path)?;
            repositories.push(Repository { url, branch, path });
        }
        let workdir = relative_path("spec.workdir", &input.workdir)?;
        let model = optional_text("spec.model", &input.model, MAX_MODEL_CHARS)?;
        if model.starts_with('-') {
            return Err(DomainError::invalid(
                "spec.model",
                "must not start with '-'",
            ));
        }
        if input.env.len() > MAX_ENV_VARS {
            return Err(DomainError::invalid(
                "spec.env",
                format!(
                    "has {} entries; the limit is {MAX_ENV_VARS}",
                    input.env.len()
                ),
            ));
        }
        for (name, value) in &input.env {
            env_name("spec.env", name)?;
            optional_text("spec.env", value, MAX_ENV_VALUE_CHARS)?;
        }
        if input.secret_env.len() > MAX_ENV_VARS {
            return Err(DomainError::invalid(
                "spec.secret_env",
                format!(
                    "has {} entries; the limit is {MAX_ENV_VARS}",
                    input.secret_env.len()
                ),
            ));
        }
        for s in &input.secret_env {
            env_name("spec.secret_env.name", &s.name)?;
            if input.env.contains_key(&s.name) {
                return Err(DomainError::invalid(
                    "spec.secret_env.name",
                    format!("{:?} is also in spec.env", s.name),
                ));
            }
            let secret = required_text("spec.secret_env.secret", &s.secret, MAX_ENV_NAME_CHARS)?;
            if !secret
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
                || secret.starts_with('.')
            {
                return Err(DomainError::invalid(
                    "spec.secret_env.secret",
                    "may contain only letters, digits and _ . - (and not start with .)",
                ));
            }
        }
        let start_deadline = limit(
            "spec.limits.start_deadline",
            input.start_deadline,
            MAX_START_DEADLINE,
        )?
        .unwrap_or(DEFAULT_START_DEADLINE);
        let inactivity = limit(
            "spec.limits.inactivity_timeout",
            input.inactivity,
            MAX_INACTIVITY,
        )?;
        let hard_limit = limit("spec.limits.hard_limit", input.hard_limit, MAX_HARD_LIMIT)?;
        let agent_name = if input.agent_name.trim().is_empty() {
            agent.default_agent_name().to_owned()
        } else {
            agent_name(&input.agent_name).map_err(|e| rename_field(e, "spec.agent_name"))?
        };
        let session_name = optional_text(
            "spec.session_name",
            &input.session_name,
            super::validate::MAX_SESSION_NAME_CHARS,
        )?;
        Ok(LaunchSpec {
            agent,
            prompt,
            command: input.command,
            repositories,
            workdir,
            model,
            env: input.env,
            secret_env: input.secret_env,
            start_deadline_ms: start_deadline.as_millis() as u64,
            inactivity_ms: inactivity.map(|d| d.as_millis() as u64),
            hard_limit_ms: hard_limit.map(|d| d.as_millis() as u64),
            agent_name,
            session_name,
            mcp_servers: super::launch_mcp::validate(agent, input.mcp_servers)?,
        })
    }

    /// The session's name: the spec's, or the agent name and the prompt's first words.
    pub fn display_name(&self) -> String {
        if !self.session_name.trim().is_empty() {
            return self.session_name.trim().to_owned();
        }
        let what = if self.prompt.trim().is_empty() {
            self.command.join(" ")
        } else {
            self.prompt.clone()
        };
        let words: String = what.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut name = format!("{}: {words}", self.agent_name);
        if name.chars().count() > 80 {
            name = name.chars().take(79).collect::<String>() + "…";
        }
        name
    }
}

fn rename_field(e: DomainError, field: &'static str) -> DomainError {
    match e {
        DomainError::InvalidArgument { message, .. } => DomainError::invalid(field, message),
        other => other,
    }
}

fn limit(
    field: &'static str,
    d: Option<Duration>,
    max: Duration,
) -> DomainResult<Option<Duration>> {
    match d {
        None => Ok(None),
        Some(d) if d < MIN_LIMIT || d > max => Err(DomainError::invalid(
            field,
            format!(
                "must be between {} s and {} s",
                MIN_LIMIT.as_secs(),
                max.as_secs()
            ),
        )),
        Some(d) => Ok(Some(d)),
    }
}

/// A path inside the workspace: relative, no `..`, no empty or odd components.
fn relative_path(field: &'static str, value: &str) -> DomainResult<String> {
    let path = optional_text(field, value, MAX_PATH_CHARS)?;
    if path.is_empty() {
        return Ok(path);
    }
    if path.starts_with('/')
        || path
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == ".." || c.starts_with('-'))
        || path.chars().any(char::is_control)
    {
        return Err(DomainError::invalid(
            field,
            "must be a relative path inside the workspace (no leading /, no . or .. parts, no part starting with -)",
        ));
    }
    Ok(path)
}

pub(super) fn env_name(field: &'static str, name: &str) -> DomainResult<()> {
    let ok = !name.is_empty()
        && name.chars().count() <= MAX_ENV_NAME_CHARS
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        return Err(DomainError::invalid(
            field,
            format!(
                "{} is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*, up to {MAX_ENV_NAME_CHARS} characters)",
                super::validate::shown(name)
            ),
        ));
    }
    if name.to_ascii_uppercase().starts_with("SWITCHBOARD_") {
        return Err(DomainError::invalid(
            field,
            format!("{name} is reserved: the runner sets SWITCHBOARD_* itself"),
        ));
    }
    Ok(())
}

/// Labels a runner reports or a selector asks for.
pub fn labels(
    field: &'static str,
    labels: BTreeMap<String, String>,
    max: usize,
) -> DomainResult<BTreeMap<String, String>> {
    if labels.len() > max {
        return Err(DomainError::invalid(
            field,
            format!("has {} entries; the limit is {max}", labels.len()),
        ));
    }
    for (k, v) in &labels {
        required_text(field, k, MAX_LABEL_KEY_CHARS)?;
        optional_text(field, v, MAX_LABEL_VALUE_CHARS)?;
    }
    Ok(labels)
}

/// Which runner may take a launch.
#[derive(Debug, Clone, Default)]
pub struct RunnerSelector {
    pub runner_id: Option<RunnerId>,
    pub labels: BTreeMap<String, String>,
}

/// Where a launch runs: on a runner of the project, or as a Kubernetes Job.
#[derive(Debug, Clone)]
pub enum LaunchTarget {
    Runner(RunnerSelector),
    Kubernetes,
}

impl LaunchTarget {
    /// `launches.target`.
    pub fn code(&self) -> i16 {
        match self {
            LaunchTarget::Runner(_) => TARGET_RUNNER,
            LaunchTarget::Kubernetes => TARGET_KUBERNETES,
        }
    }
}

/// `launches.target` values.
pub const TARGET_RUNNER: i16 = 1;
pub const TARGET_KUBERNETES: i16 = 2;

/// Who is calling RunnerService: resolved from a runner credential by the auth layer.
#[derive(Debug, Clone, Copy)]
pub struct RunnerCaller {
    pub runner_id: RunnerId,
    pub project_id: ProjectId,
}

/// A runner as people see it.
#[derive(Debug, Clone)]
pub struct Runner {
    pub id: RunnerId,
    pub project_id: ProjectId,
    pub name: String,
    pub prefix: String,
    pub labels: BTreeMap<String, String>,
    pub capacity: i32,
    pub online: bool,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub running: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: UserId,
}

/// A session handed to a runner.
#[derive(Debug, Clone)]
pub struct Assignment {
    pub session_id: SessionId,
    pub spec: LaunchSpec,
    pub agent_api_key: String,
    pub workspace_id: SessionId,
    pub resume: bool,
}

/// A stop the runner must carry out.
#[derive(Debug, Clone)]
pub struct StopOrder {
    pub session_id: SessionId,
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(agent: AgentKind) -> SpecInput {
        SpecInput {
            agent: Some(agent),
            prompt: "fix it".into(),
            command: Vec::new(),
            repositories: Vec::new(),
            workdir: String::new(),
            model: String::new(),
            env: BTreeMap::new(),
            secret_env: Vec::new(),
            start_deadline: None,
            inactivity: None,
            hard_limit: None,
            agent_name: String::new(),
            mcp_servers: Vec::new(),
            session_name: String::new(),
        }
    }

    fn field(r: DomainResult<LaunchSpec>) -> &'static str {
        match r {
            Err(DomainError::InvalidArgument { field, .. }) => field,
            other => panic!("expected INVALID_ARGUMENT, got {other:?}"),
        }
    }

    #[test]
    fn each_rule_names_its_field() {
        let mut i = input(AgentKind::Command);
        assert_eq!(field(LaunchSpec::validate(i)), "spec.command");
        i = input(AgentKind::ClaudeCode);
        i.prompt = " ".into();
        assert_eq!(field(LaunchSpec::validate(i)), "spec.prompt");
        i = input(AgentKind::ClaudeCode);
        i.workdir = "../etc".into();
        assert_eq!(field(LaunchSpec::validate(i)), "spec.workdir");
        i = input(AgentKind::ClaudeCode);
        i.env.insert("SWITCHBOARD_API_KEY".into(), "x".into());
        assert_eq!(field(LaunchSpec::validate(i)), "spec.env");
        i = input(AgentKind::ClaudeCode);
        i.hard_limit = Some(Duration::from_millis(10));
        assert_eq!(field(LaunchSpec::validate(i)), "spec.limits.hard_limit");
        i = input(AgentKind::ClaudeCode);
        i.repositories.push(Repository {
            url: "--upload-pack=evil".into(),
            branch: String::new(),
            path: String::new(),
        });
        assert_eq!(field(LaunchSpec::validate(i)), "spec.repositories.url");
        i = input(AgentKind::ClaudeCode);
        i.secret_env.push(SecretEnv {
            name: "TOKEN".into(),
            secret: "../x".into(),
        });
        assert_eq!(field(LaunchSpec::validate(i)), "spec.secret_env.secret");
    }

    #[test]
    fn defaults_fill_in() {
        let spec = LaunchSpec::validate(input(AgentKind::ClaudeCode)).unwrap();
        assert_eq!(spec.agent_name, "claude-code");
        assert_eq!(spec.start_deadline_ms, 600_000);
        assert_eq!(spec.display_name(), "claude-code: fix it");
    }
}
