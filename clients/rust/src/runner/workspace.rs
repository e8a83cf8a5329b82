//! A session's workspace: `<workdir root>/<workspace id>/`, with the spec's repositories cloned
//! into it (the `git` CLI), and what the agent process is started with (argv and environment).

use std::path::{Path, PathBuf};

use crate::client::{ENV_AGENT_NAME, ENV_API_KEY, ENV_SESSION_ID, ENV_URL};
use crate::proto::v1 as pb;

/// The prompt, for COMMAND agents (and anyone curious).
pub const ENV_PROMPT: &str = "SWITCHBOARD_PROMPT";

/// The exit code reported when the agent could not be started at all (the shell's "cannot
/// execute"); the last lines say why. (-1 means something else: the exit is unknown.)
pub const NOT_STARTED: i32 = 127;

/// Why a workspace could not be prepared: what to report as the "exit".
pub struct Failed {
    pub code: i32,
    pub lines: Vec<String>,
}

fn failed(code: i32, what: impl Into<String>) -> Failed {
    Failed {
        code,
        lines: vec![what.into()],
    }
}

/// Creates the workspace (or, for a continuation, finds it) and clones the repositories into a
/// new one. Returns the directory the agent starts in.
pub async fn prepare(
    root: &Path,
    a: &pb::Assignment,
    spec: &pb::SessionSpec,
) -> Result<PathBuf, Failed> {
    let workspace = root.join(&a.workspace_id);
    if a.resume {
        if !workspace.is_dir() {
            return Err(failed(
                NOT_STARTED,
                format!(
                    "the workspace {} of the continued session is gone from this runner",
                    workspace.display()
                ),
            ));
        }
    } else {
        std::fs::create_dir_all(&workspace).map_err(|e| {
            failed(
                NOT_STARTED,
                format!("cannot create {}: {e}", workspace.display()),
            )
        })?;
        for repo in &spec.repositories {
            clone(&workspace, repo).await?;
        }
    }
    let dir = if !spec.workdir.is_empty() {
        workspace.join(&spec.workdir)
    } else if spec.repositories.len() == 1 {
        workspace.join(repo_dir(&spec.repositories[0]))
    } else {
        workspace.clone()
    };
    if !dir.is_dir() {
        return Err(failed(
            NOT_STARTED,
            format!("the working directory {} does not exist", dir.display()),
        ));
    }
    Ok(dir)
}

/// Where a repository goes inside the workspace: its `path`, or the URL's last part.
fn repo_dir(repo: &pb::Repository) -> String {
    if !repo.path.is_empty() {
        return repo.path.clone();
    }
    let last = repo
        .url
        .trim_end_matches('/')
        .rsplit(['/', ':'])
        .next()
        .unwrap_or("repository");
    let name = last.strip_suffix(".git").unwrap_or(last);
    if name.is_empty() || name == "." || name == ".." {
        "repository".to_owned()
    } else {
        name.to_owned()
    }
}

async fn clone(workspace: &Path, repo: &pb::Repository) -> Result<(), Failed> {
    let mut git = tokio::process::Command::new("git");
    git.arg("clone").arg("--quiet");
    if !repo.branch.is_empty() {
        git.arg("--branch").arg(&repo.branch);
    }
    // `--` ends the options: a URL can never pass for one (the server refuses a leading '-'
    // too).
    git.arg("--").arg(&repo.url).arg(repo_dir(repo));
    let out = git
        .current_dir(workspace)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| failed(NOT_STARTED, format!("cannot run git: {e}")))?;
    if !out.status.success() {
        let mut lines = vec![format!("git clone {} failed", repo.url)];
        lines.extend(
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .map(str::to_owned),
        );
        return Err(Failed {
            code: out.status.code().unwrap_or(NOT_STARTED),
            lines,
        });
    }
    Ok(())
}

/// How a Claude Code or Codex run starts besides its spec (see `agent_config`).
#[derive(Debug, Default)]
pub struct AgentStart {
    /// A continuation: resume the agent's conversation.
    pub resume: bool,
    /// Claude Code's recorded session id in this workspace, for `--resume`.
    pub conversation: Option<String>,
    /// The spec's MCP servers for Claude Code, written to this file.
    pub mcp_config: Option<PathBuf>,
}

/// The agent's argv: the command as given, or this binary's `claude` / `codex` wrapper (which
/// adds the MCP server and hooks, and resumes the launched session).
pub fn argv(me: &Path, spec: &pb::SessionSpec, start: &AgentStart) -> Vec<String> {
    let me = me.to_string_lossy().into_owned();
    let model = |v: &mut Vec<String>| {
        if !spec.model.is_empty() {
            v.push("--model".into());
            v.push(spec.model.clone());
        }
    };
    match pb::AgentKind::try_from(spec.agent) {
        Ok(pb::AgentKind::ClaudeCode) => {
            let mut v = vec![me, "claude".into()];
            match (&start.conversation, start.resume) {
                (Some(id), true) => v.extend(["--resume".into(), id.clone()]),
                // The directory's latest conversation: the hook never recorded one.
                (None, true) => v.push("--continue".into()),
                (_, false) => {}
            }
            if let Some(file) = &start.mcp_config {
                v.push("--mcp-config".into());
                v.push(file.to_string_lossy().into_owned());
            }
            model(&mut v);
            v.push("-p".into());
            v.push(spec.prompt.clone());
            v
        }
        Ok(pb::AgentKind::Codex) => {
            let mut v = vec![me, "codex".into()];
            v.extend(super::agent_config::codex_mcp_overrides(spec));
            v.push("exec".into());
            if start.resume {
                // Codex's latest session in the working directory (the workspace's).
                v.extend(["resume".into(), "--last".into()]);
            }
            model(&mut v);
            v.push(spec.prompt.clone());
            v
        }
        _ => spec.command.clone(),
    }
}

/// The agent's environment: the spec's variables, the secrets it names (files in the runner's
/// secrets directory; a missing one is an error), and Switchboard's own.
pub fn env(
    url: &str,
    a: &pb::Assignment,
    spec: &pb::SessionSpec,
    secrets_dir: Option<&Path>,
) -> Result<Vec<(String, String)>, Failed> {
    let mut env: Vec<(String, String)> = spec
        .env
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for s in &spec.secret_env {
        let Some(dir) = secrets_dir else {
            return Err(failed(
                NOT_STARTED,
                format!(
                    "the spec needs secret {:?} but this runner has no --secrets-dir",
                    s.secret
                ),
            ));
        };
        let value = std::fs::read_to_string(dir.join(&s.secret)).map_err(|e| {
            failed(
                NOT_STARTED,
                format!("cannot read secret {:?}: {e}", s.secret),
            )
        })?;
        env.push((s.name.clone(), value.trim_end_matches('\n').to_owned()));
    }
    env.extend([
        (ENV_URL.to_owned(), url.to_owned()),
        (ENV_API_KEY.to_owned(), a.agent_api_key.clone()),
        (ENV_SESSION_ID.to_owned(), a.session_id.clone()),
        (ENV_AGENT_NAME.to_owned(), a.agent_name.clone()),
        (ENV_PROMPT.to_owned(), spec.prompt.clone()),
    ]);
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_land_in_their_name_or_path() {
        let r = |url: &str, path: &str| pb::Repository {
            url: url.into(),
            branch: String::new(),
            path: path.into(),
        };
        assert_eq!(repo_dir(&r("https://h/o/app.git", "")), "app");
        assert_eq!(repo_dir(&r("git@h:o/tool", "")), "tool");
        assert_eq!(repo_dir(&r("/srv/git/x.git/", "")), "x");
        assert_eq!(repo_dir(&r("/srv/git/x.git", "src/x")), "src/x");
    }

    #[test]
    fn claude_runs_through_the_wrapper_and_continues_in_place() {
        let spec = pb::SessionSpec {
            agent: pb::AgentKind::ClaudeCode as i32,
            prompt: "fix it".into(),
            model: "opus".into(),
            ..Default::default()
        };
        let resume = |conversation: Option<&str>| AgentStart {
            resume: true,
            conversation: conversation.map(str::to_owned),
            mcp_config: Some("/runs/s1.mcp.json".into()),
        };
        let v = argv(Path::new("/bin/sa"), &spec, &resume(Some("c-1")));
        assert_eq!(
            v,
            [
                "/bin/sa",
                "claude",
                "--resume",
                "c-1",
                "--mcp-config",
                "/runs/s1.mcp.json",
                "--model",
                "opus",
                "-p",
                "fix it"
            ]
        );
        let v = argv(Path::new("/bin/sa"), &spec, &resume(None));
        assert_eq!(v[2], "--continue");
    }

    #[test]
    fn codex_resumes_its_latest_session_in_the_workspace() {
        let spec = pb::SessionSpec {
            agent: pb::AgentKind::Codex as i32,
            prompt: "go on".into(),
            ..Default::default()
        };
        let start = AgentStart {
            resume: true,
            ..Default::default()
        };
        assert_eq!(
            argv(Path::new("/bin/sa"), &spec, &start),
            ["/bin/sa", "codex", "exec", "resume", "--last", "go on"]
        );
    }
}
