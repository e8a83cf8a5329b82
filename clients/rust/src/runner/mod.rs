//! `switchboard-agent runner`: runs launched sessions on this machine. It connects out to the
//! hub (no inbound port), holds one `RunnerService.Attach` stream open (reconnecting with
//! backoff, re-reporting the sessions it still runs), and for each assignment makes the
//! session's workspace, starts the agent with its per-session credential, reports it started,
//! stops it when told (SIGTERM, grace, SIGKILL), and reports its exit with the last lines of its
//! output. Processes outlive the runner: a restarted runner finds them again (`child`).

pub mod agent_config;
mod child;
mod workspace;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;
use tonic::{Code, Status};

use crate::client::BearerAuth;
use crate::proto::v1 as pb;
use child::{Run, RunFiles, RunRecord};
use pb::runner_service_client::RunnerServiceClient;

type Stub = RunnerServiceClient<InterceptedService<Channel, BearerAuth>>;

/// The runner's command line.
#[derive(Debug, Clone)]
pub struct Settings {
    pub url: String,
    pub credential_file: PathBuf,
    pub workdir_root: PathBuf,
    pub name: String,
    pub capacity: i32,
    pub labels: BTreeMap<String, String>,
    pub secrets_dir: Option<PathBuf>,
}

/// One session this runner is responsible for, from assignment until its exit is reported.
#[derive(Debug, Default, Clone, Copy)]
struct Slot {
    /// The process group (0 while the workspace is prepared).
    pid: i32,
    /// A stop arrived before the process started: do not start it.
    stop: bool,
}

struct Runner {
    settings: Settings,
    stub: Stub,
    me: PathBuf,
    runs_dir: PathBuf,
    slots: Mutex<HashMap<String, Slot>>,
}

/// Runs until the credential is refused or the runner is told to exit (SIGINT/SIGTERM; the
/// agents keep running and are found again by the next start).
pub async fn run(settings: Settings) -> Result<u8, String> {
    let credential = std::fs::read_to_string(&settings.credential_file)
        .map_err(|e| format!("cannot read {}: {e}", settings.credential_file.display()))?
        .trim()
        .to_owned();
    if !credential.starts_with("sb_runner_") {
        return Err(format!(
            "{} does not hold a runner credential (sb_runner_...; LaunchService.CreateRunnerCredential)",
            settings.credential_file.display()
        ));
    }
    if !settings.url.starts_with("http://") {
        return Err(format!(
            "--url {:?}: expected http://host:port (this build has no TLS)",
            settings.url
        ));
    }
    let runs_dir = settings.workdir_root.join(".switchboard-runs");
    std::fs::create_dir_all(&runs_dir)
        .map_err(|e| format!("cannot create {}: {e}", runs_dir.display()))?;
    let me = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .map_err(|e| format!("cannot find this program's own path: {e}"))?;
    let token: MetadataValue<Ascii> = format!("Bearer {credential}")
        .parse()
        .map_err(|_| "the credential holds characters a header cannot carry".to_owned())?;
    // https:// hubs are verified like the agent client's (system roots or SWITCHBOARD_CA_FILE,
    // which the agents it starts inherit).
    let channel = crate::client::endpoint(&settings.url, crate::client::env_ca_file().as_deref())
        .map_err(|e| format!("--url: {e}"))?
        .http2_keep_alive_interval(Duration::from_secs(20))
        .connect_lazy();
    let runner = Arc::new(Runner {
        settings,
        stub: RunnerServiceClient::with_interceptor(channel, BearerAuth::new(token)),
        me,
        runs_dir,
        slots: Mutex::new(HashMap::new()),
    });
    runner.find_earlier_runs();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| format!("cannot listen for SIGTERM: {e}"))?;
    tokio::select! {
        r = runner.clone().attach_forever() => r,
        _ = tokio::signal::ctrl_c() => Ok(0),
        _ = term.recv() => Ok(0),
    }
}

impl Runner {
    /// Attach, serve the stream, and attach again after any failure (with backoff).
    async fn attach_forever(self: Arc<Self>) -> Result<u8, String> {
        let mut backoff = Duration::from_millis(200);
        loop {
            let running: Vec<String> = self.slots.lock().expect("slots").keys().cloned().collect();
            let request = pb::AttachRequest {
                name: self.settings.name.clone(),
                labels: self.settings.labels.clone().into_iter().collect(),
                capacity: self.settings.capacity,
                running_session_ids: running,
            };
            match self.stub.clone().attach(request).await {
                Ok(response) => {
                    let mut stream = response.into_inner();
                    loop {
                        match stream.message().await {
                            Ok(Some(msg)) => {
                                backoff = Duration::from_millis(200);
                                self.handle(msg);
                            }
                            Ok(None) => {
                                tracing::info!("the hub ended the stream; attaching again");
                                break;
                            }
                            Err(status) => {
                                refused(&status)?;
                                tracing::warn!(code = ?status.code(), "stream ended: {}", status.message());
                                break;
                            }
                        }
                    }
                }
                Err(status) => {
                    refused(&status)?;
                    tracing::warn!(code = ?status.code(), retry_in = ?backoff, "cannot attach: {}", status.message());
                }
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    }

    fn handle(self: &Arc<Self>, msg: pb::AttachResponse) {
        use pb::attach_response::Item;
        match msg.item {
            Some(Item::Attached(a)) => {
                tracing::info!(runner_id = %a.runner_id, "attached");
            }
            Some(Item::Assignment(a)) => {
                let fresh = self
                    .slots
                    .lock()
                    .expect("slots")
                    .insert(a.session_id.clone(), Slot::default())
                    .is_none();
                if fresh {
                    tracing::info!(session_id = %a.session_id, "assignment received");
                    tokio::spawn(self.clone().run_assignment(a));
                }
            }
            Some(Item::Stop(stop)) => self.stop(&stop),
            Some(Item::Heartbeat(_)) | None => {}
        }
    }

    fn stop(&self, stop: &pb::StopAssignment) {
        let grace = stop
            .grace
            .map(|g| Duration::new(g.seconds.max(0) as u64, g.nanos.max(0) as u32))
            .unwrap_or(Duration::from_secs(10));
        let pid = {
            let mut slots = self.slots.lock().expect("slots");
            let Some(slot) = slots.get_mut(&stop.session_id) else {
                return;
            };
            slot.stop = true;
            slot.pid
        };
        tracing::info!(session_id = %stop.session_id, reason = %stop.reason, "stopping");
        if pid > 0 {
            tokio::spawn(child::stop_group(pid, grace));
        }
    }

    async fn run_assignment(self: Arc<Self>, a: pb::Assignment) {
        let spec = a.spec.clone().unwrap_or_default();
        let files = RunFiles::new(&self.runs_dir, &a.session_id);
        let code = match self.start(&a, &spec, &files).await {
            Ok(run) => run.wait().await,
            Err(NotStarted::Failed(failed)) => {
                self.report_exited(&a.session_id, failed.code, failed.lines, &files)
                    .await;
                return;
            }
            Err(NotStarted::TakenBack) => {
                tracing::warn!(session_id = %a.session_id, "the hub took the assignment back before it started; not running it");
                files.remove();
                self.slots.lock().expect("slots").remove(&a.session_id);
                return;
            }
        };
        self.finish(&a.session_id, code, &files).await;
    }

    /// Prepares the workspace, acknowledges the assignment (before any process exists: one the
    /// hub took back meanwhile, to give it to another runner, is never started here), and
    /// spawns the agent.
    async fn start(
        &self,
        a: &pb::Assignment,
        spec: &pb::SessionSpec,
        files: &RunFiles,
    ) -> Result<Run, NotStarted> {
        let dir = workspace::prepare(&self.settings.workdir_root, a, spec).await?;
        let env = workspace::env(
            &self.settings.url,
            a,
            spec,
            self.settings.secrets_dir.as_deref(),
        )?;
        let claude = spec.agent == pb::AgentKind::ClaudeCode as i32;
        let conversation_file =
            agent_config::conversation_file(&self.settings.workdir_root, &a.workspace_id);
        let mut env = env;
        if claude {
            env.push((
                agent_config::ENV_CONVERSATION_FILE.to_owned(),
                conversation_file.to_string_lossy().into_owned(),
            ));
        }
        let mcp_config = match agent_config::claude_mcp_config(spec).filter(|_| claude) {
            Some(body) => {
                agent_config::write_private(&files.mcp_config, &body).map_err(|e| {
                    NotStarted::Failed(workspace::Failed {
                        code: workspace::NOT_STARTED,
                        lines: vec![format!("cannot write the MCP configuration: {e}")],
                    })
                })?;
                Some(files.mcp_config.clone())
            }
            None => None,
        };
        let start = workspace::AgentStart {
            resume: a.resume,
            conversation: a
                .resume
                .then(|| agent_config::read_conversation(&conversation_file))
                .flatten(),
            mcp_config,
        };
        let argv = workspace::argv(&self.me, spec, &start);
        let failed = |e: String| workspace::Failed {
            code: workspace::NOT_STARTED,
            lines: vec![e],
        };
        if argv.is_empty() {
            return Err(failed("nothing to run".into()).into());
        }
        if !self.report_started(&a.session_id).await {
            return Err(NotStarted::TakenBack);
        }
        let mut slots = self.slots.lock().expect("slots");
        if slots.get(&a.session_id).is_some_and(|s| s.stop) {
            return Err(NotStarted::Failed(workspace::Failed {
                code: 143,
                lines: vec!["stopped before the agent started".into()],
            }));
        }
        let (run, pid) = Run::spawn(&argv, &dir, &env, files)
            .map_err(|e| failed(format!("cannot start {}: {e}", argv[0])))?;
        let record = RunRecord {
            session_id: a.session_id.clone(),
            pid,
        };
        if let Err(e) = std::fs::write(
            &files.record,
            serde_json::to_vec(&record).unwrap_or_default(),
        ) {
            tracing::warn!(error = %e, "cannot record the run: a restarted runner will not find it");
        }
        slots.insert(a.session_id.clone(), Slot { pid, stop: false });
        tracing::info!(session_id = %a.session_id, pid, dir = %dir.display(), "agent started");
        Ok(run)
    }

    /// Runs left by an earlier runner process: still running ones are watched again, ended ones
    /// reported (exit code from the exit file); one gone without an exit is left out of the
    /// next Attach, which makes the hub end it as lost.
    fn find_earlier_runs(self: &Arc<Self>) {
        let Ok(entries) = std::fs::read_dir(&self.runs_dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let Some(record) = std::fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice::<RunRecord>(&b).ok())
            else {
                continue;
            };
            let files = RunFiles::new(&self.runs_dir, &record.session_id);
            let run = Run::adopt(record.pid);
            if run.is_none() && files.exit_code().is_none() {
                // Gone without an exit (the machine restarted, say): not reported as running,
                // so the hub reports it lost.
                tracing::info!(session_id = %record.session_id, "a run of an earlier runner is gone");
                files.remove();
                continue;
            }
            tracing::info!(session_id = %record.session_id, pid = record.pid, running = run.is_some(), "found a run of an earlier runner");
            self.slots.lock().expect("slots").insert(
                record.session_id.clone(),
                Slot {
                    pid: if run.is_some() { record.pid } else { 0 },
                    stop: false,
                },
            );
            let me = self.clone();
            tokio::spawn(async move {
                let code = match run {
                    Some(run) => run.wait().await,
                    None => None,
                };
                me.finish(&record.session_id, code, &files).await;
            });
        }
    }

    async fn finish(&self, session_id: &str, code: Option<i32>, files: &RunFiles) {
        let code = code.or_else(|| files.exit_code()).unwrap_or(-1);
        // Gone: a stop arriving while the exit is reported must not signal the group id, which
        // the system may already have given to another process.
        if let Some(slot) = self.slots.lock().expect("slots").get_mut(session_id) {
            slot.pid = 0;
        }
        let lines = files.last_lines();
        tracing::info!(session_id, code, "agent exited");
        self.report_exited(session_id, code, lines, files).await;
    }

    /// Acknowledges an assignment; false when the hub refuses (it is no longer this runner's).
    async fn report_started(&self, session_id: &str) -> bool {
        let request = pb::ReportStartedRequest {
            session_id: session_id.to_owned(),
        };
        let sent = retrying("ReportStarted", || {
            let mut stub = self.stub.clone();
            let request = request.clone();
            async move { stub.report_started(request).await.map(|_| ()) }
        })
        .await;
        match sent {
            Ok(()) => true,
            Err(status) => {
                tracing::warn!(session_id, "ReportStarted refused: {}", status.message());
                false
            }
        }
    }

    /// Reports the exit until the hub has it, then forgets the run.
    async fn report_exited(
        &self,
        session_id: &str,
        code: i32,
        lines: Vec<String>,
        files: &RunFiles,
    ) {
        let request = pb::ReportExitedRequest {
            session_id: session_id.to_owned(),
            exit_code: code,
            last_lines: lines,
        };
        let sent = retrying("ReportExited", || {
            let mut stub = self.stub.clone();
            let request = request.clone();
            async move { stub.report_exited(request).await.map(|_| ()) }
        })
        .await;
        if let Err(status) = sent {
            tracing::warn!(session_id, "ReportExited refused: {}", status.message());
        }
        files.remove();
        self.slots.lock().expect("slots").remove(session_id);
    }
}

/// Why an assignment's agent did not start.
enum NotStarted {
    /// Reported as its exit (the workspace or the process could not be made).
    Failed(workspace::Failed),
    /// The hub no longer gives it to this runner: nothing to report.
    TakenBack,
}

impl From<workspace::Failed> for NotStarted {
    fn from(f: workspace::Failed) -> NotStarted {
        NotStarted::Failed(f)
    }
}

/// A refused credential ends the runner; anything else is retried.
fn refused(status: &Status) -> Result<(), String> {
    if status.code() == Code::Unauthenticated {
        return Err(format!(
            "the hub refused the runner credential: {}",
            status.message()
        ));
    }
    Ok(())
}

/// Retries a report while the hub is unreachable (reports are idempotent).
async fn retrying<F, Fut>(rpc: &'static str, mut call: F) -> Result<(), Status>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), Status>>,
{
    let mut backoff = Duration::from_millis(200);
    loop {
        match call().await {
            Ok(()) => return Ok(()),
            Err(s)
                if matches!(
                    s.code(),
                    Code::Unavailable
                        | Code::Unknown
                        | Code::DeadlineExceeded
                        | Code::Internal
                        | Code::Cancelled
                ) =>
            {
                tracing::debug!(rpc, code = ?s.code(), "retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
            Err(s) => return Err(s),
        }
    }
}

/// `key=value` for `--label`.
pub fn parse_label(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("{s:?} is not key=value"))
}
