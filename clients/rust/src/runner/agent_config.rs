//! What a launched Claude Code or Codex agent is started with beyond the prompt: the spec's MCP
//! servers, and which conversation a continuation resumes.
//!
//! - MCP servers: Claude Code gets one more `--mcp-config <file>` (its documented
//!   `{"mcpServers": {name: {"type": "stdio", "command", "args", "env"} | {"type": "http",
//!   "url"}}}` format; the flag takes several files, the wrapper's own comes first); Codex gets
//!   `-c mcp_servers.<name>.command|args|env|url=<TOML value>` overrides (its config
//!   reference's keys).
//! - Resuming: the wrapper's `SessionStart` hook writes Claude Code's session id to the file
//!   named by SWITCHBOARD_CONVERSATION_FILE (beside the workspace), so a continuation runs
//!   `--resume <id>`: exactly that conversation, whatever else ran in the directory; without
//!   the file (a hook that never ran), `--continue` (the directory's latest). Codex resumes with
//!   `exec resume --last`, its latest session in the working directory.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::proto::v1 as pb;

/// Where the hook records Claude Code's session id (see the module docs).
pub const ENV_CONVERSATION_FILE: &str = "SWITCHBOARD_CONVERSATION_FILE";

/// The conversation file of a workspace: beside it, not in it (never in a repository's tree).
pub fn conversation_file(workdir_root: &Path, workspace_id: &str) -> PathBuf {
    workdir_root.join(format!("{workspace_id}.claude-session"))
}

/// The recorded Claude Code session id, if it looks like one.
pub fn read_conversation(path: &Path) -> Option<String> {
    let id = std::fs::read_to_string(path).ok()?;
    let id = id.trim();
    let plausible = !id.is_empty()
        && id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    plausible.then(|| id.to_owned())
}

/// Records Claude Code's session id (called by the SessionStart hook): written whole or not at
/// all (a temporary file renamed over it).
pub fn record_conversation(path: &Path, id: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(id.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// Claude Code's MCP configuration for the spec's servers; None when it has none.
pub fn claude_mcp_config(spec: &pb::SessionSpec) -> Option<serde_json::Value> {
    if spec.mcp_servers.is_empty() {
        return None;
    }
    let servers: serde_json::Map<String, serde_json::Value> = spec
        .mcp_servers
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
    Some(json!({ "mcpServers": servers }))
}

/// Codex `-c` overrides for the spec's servers (values are TOML: a JSON string or array of
/// strings is valid TOML; a table is written as a TOML inline table).
pub fn codex_mcp_overrides(spec: &pb::SessionSpec) -> Vec<String> {
    let string = |s: &str| serde_json::Value::from(s).to_string();
    let mut out = Vec::new();
    for s in &spec.mcp_servers {
        let key = format!("mcp_servers.{}", s.name);
        if s.url.is_empty() {
            out.push(format!("{key}.command={}", string(&s.command[0])));
            out.push(format!("{key}.args={}", json!(s.command[1..])));
            if !s.env.is_empty() {
                let table: Vec<String> = s
                    .env
                    .iter()
                    .map(|(k, v)| format!("{} = {}", string(k), string(v)))
                    .collect();
                out.push(format!("{key}.env={{{}}}", table.join(", ")));
            }
        } else {
            out.push(format!("{key}.url={}", string(&s.url)));
        }
    }
    out.into_iter()
        .flat_map(|kv| ["-c".to_owned(), kv])
        .collect()
}

/// Writes the MCP configuration for the run (0600: an MCP server's environment may hold a
/// token) into `path`.
pub fn write_private(path: &Path, body: &serde_json::Value) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(body.to_string().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> pb::SessionSpec {
        pb::SessionSpec {
            mcp_servers: vec![
                pb::McpServer {
                    name: "docs".into(),
                    command: vec!["npx".into(), "-y".into(), "@acme/docs-mcp".into()],
                    env: [("TOKEN".to_owned(), "t\"1".to_owned())].into(),
                    url: String::new(),
                },
                pb::McpServer {
                    name: "search".into(),
                    command: Vec::new(),
                    env: Default::default(),
                    url: "https://mcp.example.com/mcp".into(),
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn claude_gets_the_documented_mcp_config_shape() {
        assert_eq!(
            claude_mcp_config(&spec()).unwrap(),
            json!({"mcpServers": {
                "docs": {"type": "stdio", "command": "npx", "args": ["-y", "@acme/docs-mcp"], "env": {"TOKEN": "t\"1"}},
                "search": {"type": "http", "url": "https://mcp.example.com/mcp"},
            }})
        );
        assert!(claude_mcp_config(&pb::SessionSpec::default()).is_none());
    }

    #[test]
    fn codex_gets_toml_overrides() {
        assert_eq!(
            codex_mcp_overrides(&spec()),
            [
                "-c",
                r#"mcp_servers.docs.command="npx""#,
                "-c",
                r#"mcp_servers.docs.args=["-y","@acme/docs-mcp"]"#,
                "-c",
                r#"mcp_servers.docs.env={"TOKEN" = "t\"1"}"#,
                "-c",
                r#"mcp_servers.search.url="https://mcp.example.com/mcp""#,
            ]
        );
    }

    #[test]
    fn a_recorded_conversation_is_read_back_and_junk_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = conversation_file(dir.path(), "w1");
        assert_eq!(read_conversation(&path), None);
        record_conversation(&path, "5f1c2a9e-1111-4222-8333-944455556666").unwrap();
        assert_eq!(
            read_conversation(&path).as_deref(),
            Some("5f1c2a9e-1111-4222-8333-944455556666")
        );
        record_conversation(&path, "--dangerous flag").unwrap();
        assert_eq!(read_conversation(&path), None);
    }
}
