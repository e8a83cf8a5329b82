//! MCP servers a launched Claude Code or Codex agent gets beside Switchboard's own (issue 16):
//! their rules. The runner turns them into `--mcp-config` (Claude Code) or `-c mcp_servers.*`
//! (Codex) arguments.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::launch::{
    AgentKind, MAX_ARG_CHARS, MAX_ENV_VALUE_CHARS, MAX_ENV_VARS, MAX_URL_CHARS, env_name,
};
use super::validate::{optional_text, shown};
use super::{DomainError, DomainResult};

pub const MAX_MCP_SERVERS: usize = 16;
pub const MAX_MCP_NAME_CHARS: usize = 64;
pub const MAX_MCP_COMMAND_ARGS: usize = 64;
/// Switchboard's own server's name in the agent's MCP configuration.
pub const RESERVED_NAME: &str = "switchboard";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct McpServer {
    pub name: String,
    /// A stdio server's program and arguments; empty for an HTTP server.
    #[serde(default)]
    pub command: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// A streamable-HTTP server's URL; empty for a stdio server.
    #[serde(default)]
    pub url: String,
}

/// Checks the spec's MCP servers, naming the field of the first rule broken.
pub fn validate(agent: AgentKind, servers: Vec<McpServer>) -> DomainResult<Vec<McpServer>> {
    if servers.is_empty() {
        return Ok(servers);
    }
    if agent == AgentKind::Command {
        return Err(DomainError::invalid(
            "spec.mcp_servers",
            "are only for CLAUDE_CODE and CODEX agents (a COMMAND agent configures its own)",
        ));
    }
    if servers.len() > MAX_MCP_SERVERS {
        return Err(DomainError::invalid(
            "spec.mcp_servers",
            format!(
                "has {} entries; the limit is {MAX_MCP_SERVERS}",
                servers.len()
            ),
        ));
    }
    let mut names = BTreeSet::new();
    for s in &servers {
        name(&s.name)?;
        if !names.insert(s.name.as_str()) {
            return Err(DomainError::invalid(
                "spec.mcp_servers.name",
                format!("{:?} is given twice", s.name),
            ));
        }
        match (s.command.is_empty(), s.url.is_empty()) {
            (true, true) | (false, false) => {
                return Err(DomainError::invalid(
                    "spec.mcp_servers.command",
                    format!(
                        "server {:?} needs exactly one of command (a stdio program) and url (streamable HTTP)",
                        s.name
                    ),
                ));
            }
            (false, true) => command(s)?,
            (true, false) => url(s)?,
        }
    }
    Ok(servers)
}

fn name(name: &str) -> DomainResult<()> {
    let ok = !name.is_empty()
        && name.chars().count() <= MAX_MCP_NAME_CHARS
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'));
    if !ok {
        return Err(DomainError::invalid(
            "spec.mcp_servers.name",
            format!(
                "{} must be 1..{MAX_MCP_NAME_CHARS} letters, digits, '_' or '-'",
                shown(name)
            ),
        ));
    }
    if name.eq_ignore_ascii_case(RESERVED_NAME) {
        return Err(DomainError::invalid(
            "spec.mcp_servers.name",
            "\"switchboard\" is Switchboard's own server: choose another name",
        ));
    }
    Ok(())
}

fn command(s: &McpServer) -> DomainResult<()> {
    if s.command.len() > MAX_MCP_COMMAND_ARGS {
        return Err(DomainError::invalid(
            "spec.mcp_servers.command",
            format!(
                "has {} entries; the limit is {MAX_MCP_COMMAND_ARGS}",
                s.command.len()
            ),
        ));
    }
    if s.command[0].trim().is_empty() {
        return Err(DomainError::invalid(
            "spec.mcp_servers.command",
            "its first entry (the program) must not be blank",
        ));
    }
    for arg in &s.command {
        optional_text("spec.mcp_servers.command", arg, MAX_ARG_CHARS)?;
    }
    if s.env.len() > MAX_ENV_VARS {
        return Err(DomainError::invalid(
            "spec.mcp_servers.env",
            format!("has {} entries; the limit is {MAX_ENV_VARS}", s.env.len()),
        ));
    }
    for (k, v) in &s.env {
        env_name("spec.mcp_servers.env", k)?;
        optional_text("spec.mcp_servers.env", v, MAX_ENV_VALUE_CHARS)?;
    }
    Ok(())
}

fn url(s: &McpServer) -> DomainResult<()> {
    let url = optional_text("spec.mcp_servers.url", &s.url, MAX_URL_CHARS)?;
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    if !scheme_ok || url.chars().any(|c| c.is_control() || c == ' ') {
        return Err(DomainError::invalid(
            "spec.mcp_servers.url",
            format!(
                "{} must be an http:// or https:// URL without spaces",
                shown(&url)
            ),
        ));
    }
    if !s.env.is_empty() {
        return Err(DomainError::invalid(
            "spec.mcp_servers.env",
            "is for stdio servers only (an HTTP server gets no environment)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stdio(name: &str) -> McpServer {
        McpServer {
            name: name.into(),
            command: vec!["npx".into(), "-y".into(), "@acme/mcp".into()],
            env: BTreeMap::new(),
            url: String::new(),
        }
    }

    fn field(r: DomainResult<Vec<McpServer>>) -> &'static str {
        match r {
            Err(DomainError::InvalidArgument { field, .. }) => field,
            other => panic!("expected INVALID_ARGUMENT, got {other:?}"),
        }
    }

    #[test]
    fn each_rule_names_its_field() {
        let ok = validate(AgentKind::ClaudeCode, vec![stdio("docs")]);
        assert_eq!(ok.unwrap().len(), 1);
        assert_eq!(
            field(validate(AgentKind::Command, vec![stdio("docs")])),
            "spec.mcp_servers"
        );
        for bad in ["", "switchboard", "Switchboard", "a b", "x/y"] {
            assert_eq!(
                field(validate(AgentKind::Codex, vec![stdio(bad)])),
                "spec.mcp_servers.name",
                "{bad:?}"
            );
        }
        assert_eq!(
            field(validate(AgentKind::Codex, vec![stdio("a"), stdio("a")])),
            "spec.mcp_servers.name"
        );
        let mut both = stdio("both");
        both.url = "https://mcp.example.com".into();
        assert_eq!(
            field(validate(AgentKind::Codex, vec![both])),
            "spec.mcp_servers.command"
        );
        let mut neither = stdio("neither");
        neither.command.clear();
        assert_eq!(
            field(validate(AgentKind::Codex, vec![neither])),
            "spec.mcp_servers.command"
        );
        let mut ftp = stdio("ftp");
        ftp.command.clear();
        ftp.url = "ftp://x".into();
        assert_eq!(
            field(validate(AgentKind::Codex, vec![ftp])),
            "spec.mcp_servers.url"
        );
        let mut env = stdio("env");
        env.env.insert("SWITCHBOARD_API_KEY".into(), "x".into());
        assert_eq!(
            field(validate(AgentKind::Codex, vec![env])),
            "spec.mcp_servers.env"
        );
    }
}
