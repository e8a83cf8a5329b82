//! One launched agent process: spawned in a process group of its own (so stopping it reaches
//! everything it started, and the runner's own death does not), its output appended to a log
//! file and its exit code written to an exit file by a small `sh` around it. Both files outlive
//! the runner: a restarted runner finds the process again (`Run::adopt`) or its exit.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How many output lines a report carries.
pub const LAST_LINES: usize = 50;
const MAX_LINE_CHARS: usize = 4_096;

/// What the runner keeps on disk for a run: `<runs>/<session>.json`, `.log`, `.exit`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    pub session_id: String,
    pub pid: i32,
}

/// The files of one session's run.
#[derive(Debug, Clone)]
pub struct RunFiles {
    pub record: PathBuf,
    pub log: PathBuf,
    pub exit: PathBuf,
    /// The spec's MCP servers for Claude Code (see `agent_config`).
    pub mcp_config: PathBuf,
}

impl RunFiles {
    pub fn new(runs_dir: &Path, session_id: &str) -> RunFiles {
        RunFiles {
            record: runs_dir.join(format!("{session_id}.json")),
            log: runs_dir.join(format!("{session_id}.log")),
            exit: runs_dir.join(format!("{session_id}.exit")),
            mcp_config: runs_dir.join(format!("{session_id}.mcp.json")),
        }
    }

    /// Removes what the run left behind, once its exit is reported.
    pub fn remove(&self) {
        for f in [&self.record, &self.exit, &self.mcp_config] {
            let _ = std::fs::remove_file(f);
        }
    }

    /// The exit code the wrapping shell wrote, if the process ended normally.
    pub fn exit_code(&self) -> Option<i32> {
        std::fs::read_to_string(&self.exit)
            .ok()
            .and_then(|s| s.trim().parse().ok())
    }

    /// The last lines of the log.
    pub fn last_lines(&self) -> Vec<String> {
        last_lines(&self.log, LAST_LINES)
    }
}

/// The last `n` lines of a file (lossy UTF-8, each cut to a size the server accepts).
pub fn last_lines(path: &Path, n: usize) -> Vec<String> {
    let Ok(bytes) = std::fs::read(path) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| l.chars().take(MAX_LINE_CHARS).collect())
        .collect()
}

/// A launched process being waited for.
pub enum Run {
    /// Spawned by this runner process.
    Child(tokio::process::Child),
    /// Found alive after a restart: not our child, so it is watched by pid.
    Adopted(i32),
}

impl Run {
    /// Spawns `argv` in `dir` with `env`, output appended to the log, in its own process group.
    pub fn spawn(
        argv: &[String],
        dir: &Path,
        env: &[(String, String)],
        files: &RunFiles,
    ) -> std::io::Result<(Run, i32)> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&files.log)?;
        let _ = std::fs::remove_file(&files.exit);
        let mut command = tokio::process::Command::new("sh");
        // `sh -c` runs the program and writes its exit code where a restarted runner finds it.
        command
            .arg("-c")
            .arg(r#"f="$1"; shift; "$@"; c=$?; echo "$c" > "$f"; exit "$c""#)
            .arg("switchboard-run")
            .arg(&files.exit)
            .args(argv)
            .current_dir(dir)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0);
        let child = command.spawn()?;
        let pid = child
            .id()
            .and_then(|p| i32::try_from(p).ok())
            .ok_or_else(|| std::io::Error::other("the process has no pid"))?;
        Ok((Run::Child(child), pid))
    }

    /// A process of an earlier runner, if it still runs.
    pub fn adopt(pid: i32) -> Option<Run> {
        alive(pid).then_some(Run::Adopted(pid))
    }

    /// Waits for the process to end; its exit code (128 + signal when killed), or None when it
    /// cannot be known (an adopted process: read the exit file).
    pub async fn wait(self) -> Option<i32> {
        match self {
            Run::Child(mut child) => {
                let status = child.wait().await.ok()?;
                use std::os::unix::process::ExitStatusExt;
                status.code().or_else(|| status.signal().map(|s| 128 + s))
            }
            Run::Adopted(pid) => {
                // Not our child: nothing to wait on but its pid.
                while alive(pid) {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                None
            }
        }
    }
}

/// Whether a process with this pid exists and has not ended (a zombie nobody reaped yet, as an
/// orphan of a killed runner can be, has ended).
pub fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists and may be signalled.
    if pid <= 0 || unsafe { libc::kill(pid, 0) } != 0 {
        return false;
    }
    // /proc/<pid>/stat: "pid (comm) S ...": the state follows the last ')'.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_none_or(|state| state != "Z" && state != "X"),
        // No procfs: trust kill(2).
        Err(_) => true,
    }
}

/// SIGTERM to the process group, then SIGKILL after `grace` if it still runs.
pub async fn stop_group(pid: i32, grace: Duration) {
    if pid <= 0 {
        return;
    }
    // SAFETY: signals to the process group the runner created for this run (pgid = pid).
    unsafe { libc::kill(-pid, libc::SIGTERM) };
    let deadline = tokio::time::Instant::now() + grace;
    while tokio::time::Instant::now() < deadline {
        if !alive(pid) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // SAFETY: as above.
    unsafe { libc::kill(-pid, libc::SIGKILL) };
}
