//! The embedded database as a newcomer meets it, through the real `switchboard` binary: which
//! process owns the cluster across `kill -9`, restarts and SIGTERM, and admin commands run from
//! another directory.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use switchboard::proto::auth_service_client::AuthServiceClient;
use switchboard::proto::*;
use switchboard::runtime::embedded_pg::find_bin_dir;

use crate::harness::*;

const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

/// `program` run in `cwd` with none of this process's SWITCHBOARD settings.
fn clean(program: &str, cwd: &Path) -> Command {
    let mut cmd = Command::new(program);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("SWITCHBOARD") {
            cmd.env_remove(key);
        }
    }
    cmd.current_dir(cwd);
    cmd
}

/// The binary, run in `cwd`, on port 0.
fn switchboard(cwd: &Path) -> Command {
    let mut cmd = clean(BIN, cwd);
    cmd.env("SWITCHBOARD__LISTEN", "127.0.0.1:0")
        .env("SWITCHBOARD__WEB_DIR", "/nonexistent")
        .env("SWITCHBOARD__LOG_FORMAT", "compact");
    cmd
}

/// A temp dir the embedded cluster's `postgres` user can reach (tests run as root), which stops
/// any cluster still running in it when the test ends, pass or fail.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        let dir = tempfile::Builder::new()
            .prefix("sb-embedded-")
            .tempdir()
            .unwrap();
        set_mode(dir.path(), 0o711);
        Workspace { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `<dir>/.switchboard`: the default data directory of a server started in `dir`.
    fn data_dir(&self) -> PathBuf {
        self.path().join(".switchboard")
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let data = self.data_dir().join("postgres");
        if data.join("postmaster.pid").exists() {
            let pg_ctl = find_bin_dir(None).unwrap().join("pg_ctl");
            let _ = Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&pg_ctl)
                .args(["stop", "-m", "immediate", "-D"])
                .arg(&data)
                .output();
            let _ = Command::new(&pg_ctl)
                .args(["stop", "-m", "immediate", "-D"])
                .arg(&data)
                .output();
        }
    }
}

/// A `switchboard serve` process, started in `cwd` with the default data directory.
struct Serve {
    child: Child,
    addr: String,
    /// The lines after "listening": the hints a person pastes.
    hints: Vec<String>,
    log: PathBuf,
}

impl Serve {
    fn start(cwd: &Path, log_name: &str) -> Serve {
        Self::try_start(cwd, log_name).unwrap_or_else(|log| panic!("serve did not start:\n{log}"))
    }

    /// Starts serve and waits for its "listening" line; `Err(log)` if it exits first.
    fn try_start(cwd: &Path, log_name: &str) -> Result<Serve, String> {
        let log = cwd.join(log_name);
        let mut child = switchboard(cwd)
            .arg("serve")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("switchboard runs");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let Some(addr) = line.trim().strip_prefix("switchboard listening on http://") else {
            child.wait().unwrap();
            return Err(std::fs::read_to_string(&log).unwrap());
        };
        let addr = addr.to_owned();
        // The hints end with the `key create` line.
        let mut hints = Vec::new();
        while !hints
            .last()
            .is_some_and(|h: &String| h.contains("key create"))
        {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap() == 0 {
                panic!("serve's output ended before its hints: {hints:#?}");
            }
            hints.push(line.trim().to_owned());
        }
        Ok(Serve {
            child,
            addr,
            hints,
            log,
        })
    }

    fn kill_9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, and waits until the process has exited.
    fn terminate(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = self.child.wait().unwrap();
        assert!(
            exit.success(),
            "serve exits cleanly on SIGTERM ({exit}):\n{}",
            std::fs::read_to_string(&self.log).unwrap()
        );
    }

    /// The pasteable hint that contains `what`.
    fn hint(&self, what: &str) -> &str {
        self.hints
            .iter()
            .find(|h| h.contains(what))
            .unwrap_or_else(|| panic!("no hint with {what:?} in {:#?}", self.hints))
    }
}

/// A test that fails midway leaves no server behind (its cluster is the `Workspace`'s to stop).
impl Drop for Serve {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The pid in the cluster's postmaster.pid, if there is one.
fn postmaster_pid(data_dir: &Path) -> Option<u32> {
    std::fs::read_to_string(data_dir.join("postgres/postmaster.pid"))
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

/// Whether `pid` is a live process (a zombie is not).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| {
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z') && !state.starts_with('X')
        })
        .unwrap_or(false)
}

/// No PostgreSQL runs on `data_dir`: no pid file and none of the cluster's processes (the
/// postmaster's children included) have it as their working directory.
async fn assert_no_postgres(data_dir: &Path, postmaster: u32) {
    let data = std::fs::canonicalize(data_dir.join("postgres")).unwrap();
    eventually("the postmaster has exited", || async { !alive(postmaster) }).await;
    assert_eq!(postmaster_pid(data_dir), None, "postmaster.pid is removed");
    let left: Vec<String> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter(|e| std::fs::read_link(e.path().join("cwd")).ok().as_deref() == Some(&*data))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|pid| alive(pid.parse().unwrap()))
        .collect();
    assert!(left.is_empty(), "processes left in {data:?}: {left:?}");
}

async fn login(addr: &str, email: &str, password: &str) -> Result<LoginResponse, tonic::Status> {
    let mut auth = AuthServiceClient::new(channel_to(addr.parse().unwrap()).await);
    auth.login(LoginRequest {
        email: email.into(),
        password: password.into(),
    })
    .await
    .map(|r| r.into_inner())
}

/// Runs `user create` in `cwd` with `env`, the password on stdin.
fn user_create(cwd: &Path, env: &[(&str, &Path)], email: &str, password: &str) -> (bool, String) {
    let mut cmd = switchboard(cwd);
    cmd.args(["user", "create", "--email", email, "--password-stdin"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(password.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_owns_the_cluster_it_adopts_after_a_kill_9_and_stops_it_on_sigterm() {
    let ws = Workspace::new();
    let first = tokio::task::block_in_place(|| Serve::start(ws.path(), "serve-1.log"));
    let postmaster = postmaster_pid(&ws.data_dir()).expect("postmaster.pid");
    tokio::task::block_in_place(|| first.kill_9());
    assert!(
        alive(postmaster),
        "kill -9 leaves the cluster running (it has no way to know)"
    );

    let second = tokio::task::block_in_place(|| Serve::start(ws.path(), "serve-2.log"));
    assert_eq!(
        postmaster_pid(&ws.data_dir()),
        Some(postmaster),
        "the orphaned cluster is adopted, not started twice"
    );
    let refused = login(&second.addr, "nobody@example.com", "whatever1")
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::Unauthenticated, "it serves");
    tokio::task::block_in_place(|| second.terminate());
    assert_no_postgres(&ws.data_dir(), postmaster).await;

    // Started and stopped cleanly from the existing directory: nothing left either.
    let third = tokio::task::block_in_place(|| Serve::start(ws.path(), "serve-3.log"));
    let postmaster = postmaster_pid(&ws.data_dir()).expect("postmaster.pid");
    tokio::task::block_in_place(|| third.terminate());
    assert_no_postgres(&ws.data_dir(), postmaster).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_postmaster_pid_whose_pid_lives_on_does_not_pass_for_a_running_cluster() {
    let ws = Workspace::new();
    let first = tokio::task::block_in_place(|| Serve::start(ws.path(), "serve-1.log"));
    let postmaster = postmaster_pid(&ws.data_dir()).unwrap();
    tokio::task::block_in_place(|| first.terminate());
    assert_no_postgres(&ws.data_dir(), postmaster).await;

    // As after a crash and a reboot: the file names a pid that now belongs to something else.
    let mut other = Command::new("sleep").arg("600").spawn().unwrap();
    let pid_file = ws.data_dir().join("postgres/postmaster.pid");
    std::fs::write(
        &pid_file,
        format!(
            "{}\n{}\n",
            other.id(),
            ws.data_dir().join("postgres").display()
        ),
    )
    .unwrap();
    let second = tokio::task::block_in_place(|| Serve::try_start(ws.path(), "serve-2.log"));
    other.kill().unwrap();
    other.wait().unwrap();
    let second =
        second.unwrap_or_else(|log| panic!("serve starts despite a stale pid file:\n{log}"));
    let postmaster = postmaster_pid(&ws.data_dir()).unwrap();
    assert!(alive(postmaster));
    let refused = login(&second.addr, "nobody@example.com", "whatever1")
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::Unauthenticated, "it serves");
    tokio::task::block_in_place(|| second.terminate());
    assert_no_postgres(&ws.data_dir(), postmaster).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_server_on_the_same_data_dir_is_refused_and_the_first_keeps_its_database() {
    let ws = Workspace::new();
    let first = tokio::task::block_in_place(|| Serve::start(ws.path(), "serve-1.log"));
    let postmaster = postmaster_pid(&ws.data_dir()).unwrap();
    let log = match tokio::task::block_in_place(|| Serve::try_start(ws.path(), "serve-2.log")) {
        Ok(second) => {
            tokio::task::block_in_place(|| second.terminate());
            panic!("a second server started on a data directory in use")
        }
        Err(log) => log,
    };
    assert!(
        log.contains("already uses the data directory")
            && log.contains(&ws.data_dir().display().to_string()),
        "{log}"
    );
    assert!(alive(postmaster), "the first server's cluster is untouched");
    let refused = login(&first.addr, "nobody@example.com", "whatever1")
        .await
        .unwrap_err();
    assert_eq!(
        refused.code(),
        tonic::Code::Unauthenticated,
        "it still serves"
    );
    tokio::task::block_in_place(|| first.terminate());
    assert_no_postgres(&ws.data_dir(), postmaster).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_commands_from_another_directory_never_create_a_cluster_and_the_printed_hints_work() {
    let ws = Workspace::new();
    let elsewhere = ws.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let server = tokio::task::block_in_place(|| Serve::start(ws.path(), "serve.log"));
    let postmaster = postmaster_pid(&ws.data_dir()).unwrap();

    let (ok, out) = user_create(&elsewhere, &[], "lost@example.com", PASSWORD);
    assert!(!ok, "{out}");
    let looked_in = elsewhere.join(".switchboard");
    assert!(
        out.contains(&looked_in.display().to_string()) && out.contains("SWITCHBOARD__DATA_DIR"),
        "says where it looked (absolute) and how to point it elsewhere: {out}"
    );
    assert!(!looked_in.exists(), "no second cluster, no directory");

    // The password rule holds before anything touches the database.
    let data_dir = ws.data_dir();
    let (ok, out) = user_create(
        &elsewhere,
        &[("SWITCHBOARD__DATA_DIR", &data_dir)],
        "short@example.com",
        "1234567",
    );
    assert!(
        !ok && out.contains("password:") && out.contains('8'),
        "{out}"
    );

    // The hints, pasted as printed (with a password chosen), from another directory.
    let password = "pasted-password-1";
    let create = server
        .hint("user create")
        .replace("'a-long-password'", &format!("'{password}'"));
    let key = server.hint("key create").to_owned();
    let run = |line: &str| {
        let out = clean("sh", &elsewhere).args(["-c", line]).output().unwrap();
        assert!(
            out.status.success(),
            "{line}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let created = tokio::task::block_in_place(|| run(&create));
    assert!(created.contains("you@example.com"), "{created}");
    let key_out = tokio::task::block_in_place(|| run(&key));
    assert!(key_out.contains("sb_"), "{key_out}");
    let tokens = login(&server.addr, "you@example.com", password)
        .await
        .expect("the person signs in to the real server with the password they set");
    assert!(tokens.tokens.is_some());
    assert!(!looked_in.exists());

    tokio::task::block_in_place(|| server.terminate());
    assert_no_postgres(&ws.data_dir(), postmaster).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_command_runs_a_stopped_cluster_only_for_itself() {
    let ws = Workspace::new();
    let first = tokio::task::block_in_place(|| Serve::start(ws.path(), "serve-1.log"));
    let postmaster = postmaster_pid(&ws.data_dir()).unwrap();
    tokio::task::block_in_place(|| first.terminate());
    assert_no_postgres(&ws.data_dir(), postmaster).await;

    let data_dir = ws.data_dir();
    let (ok, out) = tokio::task::block_in_place(|| {
        user_create(
            ws.path(),
            &[("SWITCHBOARD__DATA_DIR", &data_dir)],
            "offline@example.com",
            PASSWORD,
        )
    });
    assert!(ok, "{out}");
    assert_eq!(
        postmaster_pid(&ws.data_dir()),
        None,
        "the command stopped the cluster it started"
    );

    let second = tokio::task::block_in_place(|| Serve::start(ws.path(), "serve-2.log"));
    let postmaster = postmaster_pid(&ws.data_dir()).unwrap();
    login(&second.addr, "offline@example.com", PASSWORD)
        .await
        .expect("the user created while the server was down signs in");
    tokio::task::block_in_place(|| second.terminate());
    assert_no_postgres(&ws.data_dir(), postmaster).await;
}
