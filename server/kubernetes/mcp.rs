//! The spec's MCP servers (issue 16) for a Kubernetes workload, as a runner gives them to the
//! agent (`clients/rust/src/runner/agent_config.rs`), except that nothing secret goes into the
//! Job: an MCP server's environment values may be tokens, so they live in the session's Secret
//! (mounted read-only beside the credential) and the Job's argv names files only.
//!
//! - Claude Code: one more `--mcp-config <file>`, the file (`mcp.json` in the Secret) in its
//!   documented `{"mcpServers": {name: {"type": "stdio", ...} | {"type": "http", "url"}}}`
//!   format, environment included.
//! - Codex: `-c mcp_servers.<name>.*` overrides (its config reference's keys). A stdio server
//!   with an environment runs through `sh`, which first sources `mcp-<name>.env` from the
//!   Secret (`export NAME='value'` lines): the values reach that server's process and nothing
//!   else, and never the command line.

use std::collections::BTreeMap;

use serde_json::json;

use crate::domain::launch::{AgentKind, LaunchSpec};
use crate::domain::launch_mcp::McpServer;

/// What the workload gets for the spec's MCP servers: files for the Secret (key → content) and
/// arguments for the agent.
#[derive(Debug, Default, PartialEq)]
pub struct McpConfig {
    pub files: BTreeMap<String, String>,
    pub args: Vec<String>,
}

/// The Secret key of Claude Code's MCP configuration.
pub const CLAUDE_FILE: &str = "mcp.json";

/// The MCP configuration of a launch whose Secret is mounted at `dir`.
pub fn config(spec: &LaunchSpec, dir: &str) -> McpConfig {
    if spec.mcp_servers.is_empty() {
        return McpConfig::default();
    }
    match spec.agent {
        AgentKind::ClaudeCode => claude(&spec.mcp_servers, dir),
        AgentKind::Codex => codex(&spec.mcp_servers, dir),
        AgentKind::Command => McpConfig::default(),
    }
}

fn claude(servers: &[McpServer], dir: &str) -> McpConfig {
    let entries: serde_json::Map<String, serde_json::Value> = servers
        .iter()
        .map(|s| {
            let entry = if s.url.is_empty() {
                json!({
                    "type": "stdio",
                    "command": s.command[0],
                    "args": s.command[1..],
                    "env": s.env,
                })
            } else {
                json!({"type": "http", "url": s.url})
            };
            (s.name.clone(), entry)
        })
        .collect();
    McpConfig {
        files: BTreeMap::from([(
            CLAUDE_FILE.to_owned(),
            json!({ "mcpServers": entries }).to_string(),
        )]),
        args: vec!["--mcp-config".into(), format!("{dir}/{CLAUDE_FILE}")],
    }
}

/// The Secret key of a Codex stdio server's environment.
pub fn env_file(server: &str) -> String {
    format!("mcp-{server}.env")
}

fn codex(servers: &[McpServer], dir: &str) -> McpConfig {
    // A JSON string or array of strings is also a valid TOML value.
    let toml = |v: serde_json::Value| v.to_string();
    let mut out = McpConfig::default();
    let mut set = |key: String, value: String| {
        out.args.push("-c".into());
        out.args.push(format!("{key}={value}"));
    };
    let mut files = BTreeMap::new();
    for s in servers {
        let key = format!("mcp_servers.{}", s.name);
        if !s.url.is_empty() {
            set(format!("{key}.url"), toml(json!(s.url)));
            continue;
        }
        if s.env.is_empty() {
            set(format!("{key}.command"), toml(json!(s.command[0])));
            set(format!("{key}.args"), toml(json!(s.command[1..])));
            continue;
        }
        let file = env_file(&s.name);
        let script = format!(". {dir}/{file} && exec \"$@\"");
        let mut args = vec!["-c".to_owned(), script, s.name.clone()];
        args.extend(s.command.iter().cloned());
        set(format!("{key}.command"), toml(json!("sh")));
        set(format!("{key}.args"), toml(json!(args)));
        files.insert(file, exports(&s.env));
    }
    out.files = files;
    out
}

/// `export NAME='value'` lines (names are checked to be shell-safe when the spec is; a value's
/// single quotes are closed, escaped and reopened).
fn exports(env: &BTreeMap<String, String>) -> String {
    env.iter()
        .map(|(k, v)| format!("export {k}='{}'\n", v.replace('\'', "'\\''")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn servers() -> Vec<McpServer> {
        vec![
            McpServer {
                name: "docs".into(),
                command: vec!["printenv".into(), "TOKEN".into()],
                env: [("TOKEN".to_owned(), "it's \"secret\" $HOME\nline".to_owned())].into(),
                url: String::new(),
            },
            McpServer {
                name: "search".into(),
                command: Vec::new(),
                env: Default::default(),
                url: "https://mcp.example.com/mcp".into(),
            },
        ]
    }

    fn spec(agent: AgentKind) -> LaunchSpec {
        LaunchSpec {
            mcp_servers: servers(),
            ..LaunchSpec::example(agent, "p")
        }
    }

    #[test]
    fn claude_gets_a_config_file_and_its_path() {
        let c = config(&spec(AgentKind::ClaudeCode), "/run/s");
        assert_eq!(c.args, ["--mcp-config", "/run/s/mcp.json"]);
        let file: serde_json::Value = serde_json::from_str(&c.files[CLAUDE_FILE]).unwrap();
        assert_eq!(
            file,
            json!({"mcpServers": {
                "docs": {"type": "stdio", "command": "printenv", "args": ["TOKEN"], "env": {"TOKEN": "it's \"secret\" $HOME\nline"}},
                "search": {"type": "http", "url": "https://mcp.example.com/mcp"},
            }})
        );
    }

    /// The sourced file gives the server exactly the value, quotes, `$` and newlines included
    /// (a real `sh` runs the server's command as Codex would).
    #[test]
    fn codex_servers_read_their_environment_from_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_str().unwrap();
        let c = config(&spec(AgentKind::Codex), path);
        assert!(c.args.iter().all(|a| !a.contains("secret")), "{:?}", c.args);
        assert!(
            c.args
                .contains(&r#"mcp_servers.search.url="https://mcp.example.com/mcp""#.to_owned())
        );
        assert!(
            c.args
                .contains(&r#"mcp_servers.docs.command="sh""#.to_owned())
        );
        for (name, body) in &c.files {
            std::fs::write(dir.path().join(name), body).unwrap();
        }
        let args = c
            .args
            .iter()
            .find_map(|a| a.strip_prefix("mcp_servers.docs.args="))
            .unwrap();
        let args: Vec<String> = serde_json::from_str(args).unwrap();
        let out = std::process::Command::new("sh")
            .args(&args)
            .env_clear()
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            "it's \"secret\" $HOME\nline\n"
        );
    }

    #[test]
    fn no_servers_no_config() {
        let mut s = spec(AgentKind::ClaudeCode);
        s.mcp_servers.clear();
        assert_eq!(config(&s, "/run/s"), McpConfig::default());
    }
}
