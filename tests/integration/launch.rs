//! Issue 16: launching sessions on runners. Real runner processes (the built
//! `switchboard-agent runner`), real agent processes (the `launch_test_agent` example, built on
//! the agent crate: it logs a step, asks, and waits for the answer on the push path), real local
//! bare git repositories cloned by the runner, the real server and Postgres.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use switchboard::proto::launch_service_client::LaunchServiceClient;
use switchboard::proto::runner_service_client::RunnerServiceClient;
use switchboard::proto::*;
use tonic::Code;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use crate::harness::*;

pub type LaunchClient = LaunchServiceClient<InterceptedService<Channel, Bearer>>;
pub type RunnerClient = RunnerServiceClient<InterceptedService<Channel, Bearer>>;

/// Binaries built beside the server's by `cargo build --workspace --all-targets`.
fn built(relative: &str) -> PathBuf {
    let server = Path::new(env!("CARGO_BIN_EXE_switchboard"));
    let path = server.parent().unwrap().join(relative);
    assert!(
        path.exists(),
        "{} is missing: build it with `cargo build --workspace --all-targets`",
        path.display()
    );
    path
}

pub fn agent_bin() -> PathBuf {
    built("switchboard-agent")
}

pub(crate) fn test_agent() -> String {
    built("examples/launch_test_agent").display().to_string()
}

pub async fn launcher(app: &TestApp, user: &TestUser) -> LaunchClient {
    LaunchServiceClient::with_interceptor(app.channel().await, Bearer::new(&user.access_token))
}

/// Settings for launch tests: quick keep-alives and a short kill grace.
pub fn fast(s: &mut switchboard::config::Settings) {
    s.sessions.runner_keepalive_ms = 200;
    s.sessions.runner_kill_grace_secs = 1;
}

/// A local bare repository with one commit (README.md) on `main`.
fn bare_repository(dir: &Path) -> String {
    let work = dir.join("seed");
    let bare = dir.join("origin.git");
    let git = |args: &[&str], cwd: &Path| {
        let out = std::process::Command::new("git")
            .args(["-c", "user.email=t@example.com", "-c", "user.name=T"])
            .args(args)
            .current_dir(cwd)
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {out:?}");
    };
    std::fs::create_dir_all(&work).unwrap();
    git(&["init", "-q", "-b", "main"], &work);
    std::fs::write(work.join("README.md"), "hello\n").unwrap();
    git(&["add", "README.md"], &work);
    git(&["commit", "-q", "-m", "first"], &work);
    git(
        &[
            "clone",
            "-q",
            "--bare",
            work.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
        dir,
    );
    bare.display().to_string()
}

/// A runner process with its own credential file and workdir root.
pub struct RunnerProc {
    child: tokio::process::Child,
    credential_file: PathBuf,
    pub root: PathBuf,
    addr: std::net::SocketAddr,
    capacity: i32,
    pub id: String,
    /// More environment for the runner (and so its agents).
    env: Vec<(String, String)>,
}

impl RunnerProc {
    async fn start(
        app: &TestApp,
        launch: &mut LaunchClient,
        name: &str,
        capacity: i32,
    ) -> RunnerProc {
        Self::start_with_env(app, launch, name, capacity, Vec::new()).await
    }

    pub async fn start_with_env(
        app: &TestApp,
        launch: &mut LaunchClient,
        name: &str,
        capacity: i32,
        env: Vec<(String, String)>,
    ) -> RunnerProc {
        let created = launch
            .create_runner_credential(CreateRunnerCredentialRequest {
                project_id: String::new(),
                name: name.into(),
            })
            .await
            .unwrap()
            .into_inner();
        let dir = tempfile::tempdir().unwrap().keep();
        let credential_file = dir.join("credential");
        std::fs::write(&credential_file, &created.secret).unwrap();
        let root = dir.join("work");
        let child = Self::spawn(app.addr, &credential_file, &root, capacity, &env);
        RunnerProc {
            child,
            credential_file,
            root,
            addr: app.addr,
            capacity,
            id: created.runner.unwrap().id,
            env,
        }
    }

    fn spawn(
        addr: std::net::SocketAddr,
        credential: &Path,
        root: &Path,
        capacity: i32,
        env: &[(String, String)],
    ) -> tokio::process::Child {
        tokio::process::Command::new(agent_bin())
            .envs(env.iter().cloned())
            .arg("runner")
            .arg("--url")
            .arg(format!("http://{addr}"))
            .arg("--credential-file")
            .arg(credential)
            .arg("--workdir-root")
            .arg(root)
            .arg("--capacity")
            .arg(capacity.to_string())
            .stdin(Stdio::null())
            // Quiet like the server, unless SWITCHBOARD_TEST_LOG asks for logs.
            .stderr(if std::env::var_os("SWITCHBOARD_TEST_LOG").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .kill_on_drop(true)
            .spawn()
            .expect("the runner starts")
    }

    /// SIGKILL: the runner dies at once; its agents (own process groups) keep running.
    async fn kill(&mut self) {
        self.child.kill().await.unwrap();
    }

    fn restart(&mut self) {
        self.child = Self::spawn(
            self.addr,
            &self.credential_file,
            &self.root,
            self.capacity,
            &self.env,
        );
    }
}

fn command_spec(args: &[&str]) -> SessionSpec {
    let mut command = vec![test_agent()];
    command.extend(args.iter().map(|a| (*a).to_owned()));
    SessionSpec {
        agent: AgentKind::Command as i32,
        command,
        ..Default::default()
    }
}

pub async fn launch(launch: &mut LaunchClient, spec: SessionSpec) -> Session {
    launch
        .launch_session(LaunchSessionRequest {
            spec: Some(spec),
            request_id: rid(),
            ..Default::default()
        })
        .await
        .expect("launch")
        .into_inner()
        .session
        .unwrap()
}

pub(crate) async fn get(user: &mut TestUser, id: &str) -> GetSessionResponse {
    user.dashboard
        .get_session(GetSessionRequest {
            session_id: id.into(),
        })
        .await
        .unwrap()
        .into_inner()
}

/// Waits (bounded: processes start and clone here) until the session satisfies `check`.
pub async fn until(
    user: &mut TestUser,
    id: &str,
    what: &str,
    check: impl Fn(&GetSessionResponse) -> bool,
) -> GetSessionResponse {
    for _ in 0..600 {
        let s = get(user, id).await;
        if check(&s) {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let s = get(user, id).await;
    panic!(
        "timed out waiting for: {what}; the session is {:?}",
        s.session
    );
}

pub fn status(s: &GetSessionResponse) -> SessionStatus {
    s.session.as_ref().unwrap().status()
}

pub(crate) async fn answer_open_question(user: &mut TestUser, id: &str) {
    let s = until(user, id, "the agent asks", |s| !s.open_questions.is_empty()).await;
    user.dashboard
        .answer_question(AnswerQuestionRequest {
            session_id: id.into(),
            question_id: s.open_questions[0].id.clone(),
            option_ids: vec!["yes".into()],
            ..Default::default()
        })
        .await
        .unwrap();
}

pub async fn steps(user: &mut TestUser, id: &str) -> Vec<String> {
    messages(user, id)
        .await
        .into_iter()
        .filter_map(|m| match m.body {
            Some(message::Body::Step(s)) => Some(s.text),
            _ => None,
        })
        .collect()
}

async fn messages(user: &mut TestUser, id: &str) -> Vec<Message> {
    user.dashboard
        .list_messages(ListMessagesRequest {
            session_id: id.into(),
            page_size: 500,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .messages
}

/// The statuses the session went through, from its status-change messages.
pub(crate) async fn status_path(user: &mut TestUser, id: &str) -> Vec<SessionStatus> {
    messages(user, id)
        .await
        .into_iter()
        .filter_map(|m| match m.body {
            Some(message::Body::StatusChange(c)) => Some(c.to_status()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_launch_clones_runs_asks_and_completes_on_a_runner() {
    let app = TestApp::spawn_with(fast).await;
    let mut ann = app.user("ann@example.com").await;
    let mut launcher = launcher(&app, &ann).await;
    let repos = tempfile::tempdir().unwrap();
    let origin = bare_repository(repos.path());
    let runner = RunnerProc::start(&app, &mut launcher, "laptop", 1).await;

    let mut spec = command_spec(&["ask"]);
    spec.repositories.push(Repository {
        url: origin,
        branch: "main".into(),
        path: String::new(),
    });
    let session = launch(&mut launcher, spec).await;
    assert_eq!(session.status(), SessionStatus::Pending);
    assert_eq!(session.agent_name, "command");

    answer_open_question(&mut ann, &session.id).await;
    let done = until(&mut ann, &session.id, "the session completes", |s| {
        status(s) == SessionStatus::Completed
    })
    .await
    .session
    .unwrap();
    assert_eq!(done.exit_code, Some(0));
    assert_eq!(done.stop_reason(), StopReason::AgentExited);
    assert_eq!(done.runner_id, runner.id);
    assert!(
        done.last_output_lines
            .iter()
            .any(|l| l.contains("answered")),
        "{:?}",
        done.last_output_lines
    );
    let steps = steps(&mut ann, &session.id).await;
    // The runner cloned the repository and started the agent in it.
    assert!(steps[0].contains("/origin with README.md"), "{steps:?}");
    assert_eq!(steps.last().unwrap(), "the answer was yes");
    // (STARTING comes first unless the agent called in before the runner's report did.)
    let path = status_path(&mut ann, &session.id).await;
    assert!(
        path.ends_with(&[
            SessionStatus::Active,
            SessionStatus::AwaitingInput,
            SessionStatus::Active,
            SessionStatus::Completed
        ]),
        "{path:?}"
    );

    let runners = launcher
        .list_runners(ListRunnersRequest::default())
        .await
        .unwrap()
        .into_inner()
        .runners;
    assert_eq!(runners.len(), 1);
    assert!(runners[0].online);
    assert_eq!(
        (runners[0].name.as_str(), runners[0].running_count),
        ("laptop", 0)
    );
}

#[tokio::test]
async fn a_failing_command_fails_with_its_exit_code_and_last_lines() {
    let app = TestApp::spawn_with(fast).await;
    let mut bob = app.user("bob@example.com").await;
    let mut launcher = launcher(&app, &bob).await;
    let _runner = RunnerProc::start(&app, &mut launcher, "box", 1).await;
    let session = launch(&mut launcher, command_spec(&["fail"])).await;
    let failed = until(&mut bob, &session.id, "the session fails", |s| {
        status(s) == SessionStatus::Failed
    })
    .await
    .session
    .unwrap();
    assert_eq!(failed.exit_code, Some(3));
    assert_eq!(failed.stop_reason(), StopReason::AgentExited);
    assert_eq!(
        failed.last_output_lines.last().map(String::as_str),
        Some("error: the build is broken")
    );
    assert!(
        failed
            .last_output_lines
            .contains(&"working on part 1".to_owned())
    );
}

#[tokio::test]
async fn a_stop_reaches_the_runner_and_ends_the_agent_as_stopped() {
    let app = TestApp::spawn_with(fast).await;
    let mut cal = app.user("cal@example.com").await;
    let mut launcher = launcher(&app, &cal).await;
    let _runner = RunnerProc::start(&app, &mut launcher, "box", 1).await;
    let session = launch(&mut launcher, command_spec(&["wait"])).await;
    until(&mut cal, &session.id, "the agent asks", |s| {
        status(s) == SessionStatus::AwaitingInput
    })
    .await;
    cal.dashboard
        .stop_session(StopSessionRequest {
            session_id: session.id.clone(),
            reason: "enough".into(),
        })
        .await
        .unwrap();
    let stopped = until(&mut cal, &session.id, "the session stops", |s| {
        status(s) == SessionStatus::Stopped
    })
    .await
    .session
    .unwrap();
    assert_eq!(stopped.stop_reason(), StopReason::ByPerson);
    // Either the agent saw the stop and ended (0), or SIGTERM ended it (128 + 15).
    assert!(
        matches!(stopped.exit_code, Some(0) | Some(143)),
        "{:?}",
        stopped.exit_code
    );
}

#[tokio::test]
async fn without_a_runner_the_start_deadline_fails_the_launch() {
    let app = TestApp::spawn_with(fast).await;
    let mut dee = app.user("dee@example.com").await;
    let mut launcher = launcher(&app, &dee).await;
    let mut spec = command_spec(&["ask"]);
    spec.limits = Some(SessionLimits {
        start_deadline: Some(prost_types::Duration {
            seconds: 1,
            nanos: 0,
        }),
        ..Default::default()
    });
    let session = launch(&mut launcher, spec).await;
    let failed = until(&mut dee, &session.id, "the deadline fails it", |s| {
        status(s) == SessionStatus::Failed
    })
    .await
    .session
    .unwrap();
    assert_eq!(failed.stop_reason(), StopReason::StartDeadline);
    assert_eq!(failed.exit_code, None);
    // Applied once: one status change, from PENDING.
    assert_eq!(
        status_path(&mut dee, &session.id).await,
        [SessionStatus::Failed]
    );
    // A runner attaching later does not get it.
    let mut runner = runner_client(&app, &mut launcher).await;
    let mut stream = attach(&mut runner, 1, vec![]).await;
    let first = stream.message().await.unwrap().unwrap();
    assert!(matches!(
        first.item,
        Some(attach_response::Item::Attached(_))
    ));
    let next = stream.message().await.unwrap().unwrap();
    assert!(
        matches!(next.item, Some(attach_response::Item::Heartbeat(_))),
        "{next:?}"
    );
}

#[tokio::test]
async fn the_hard_limit_stops_a_running_agent() {
    let app = TestApp::spawn_with(fast).await;
    let mut eve = app.user("eve@example.com").await;
    let mut launcher = launcher(&app, &eve).await;
    let _runner = RunnerProc::start(&app, &mut launcher, "box", 1).await;
    let mut spec = command_spec(&["wait"]);
    spec.limits = Some(SessionLimits {
        hard_limit: Some(prost_types::Duration {
            seconds: 2,
            nanos: 0,
        }),
        ..Default::default()
    });
    let session = launch(&mut launcher, spec).await;
    let stopped = until(&mut eve, &session.id, "the hard limit stops it", |s| {
        status(s) == SessionStatus::Stopped
    })
    .await
    .session
    .unwrap();
    assert_eq!(stopped.stop_reason(), StopReason::HardLimit);
    assert!(stopped.exit_code.is_some());
}

#[tokio::test]
async fn two_runners_competing_get_each_launch_once() {
    let app = TestApp::spawn_with(fast).await;
    let mut fay = app.user("fay@example.com").await;
    let mut launcher = launcher(&app, &fay).await;
    let a = RunnerProc::start(&app, &mut launcher, "a", 2).await;
    let b = RunnerProc::start(&app, &mut launcher, "b", 2).await;
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(launch(&mut launcher, command_spec(&["fail"])).await.id);
    }
    let mut runners = Vec::new();
    for id in &ids {
        let s = until(&mut fay, id, "each launch fails on some runner", |s| {
            status(s) == SessionStatus::Failed
        })
        .await
        .session
        .unwrap();
        assert_eq!(s.exit_code, Some(3));
        // Started exactly once: one STARTING.
        let starts = status_path(&mut fay, id)
            .await
            .into_iter()
            .filter(|s| *s == SessionStatus::Starting)
            .count();
        assert_eq!(starts, 1, "{id}");
        runners.push(s.runner_id);
    }
    assert!(runners.iter().all(|r| *r == a.id || *r == b.id));
    let attempts: Vec<i32> =
        sqlx::query_scalar("SELECT attempts FROM launches ORDER BY created_at")
            .fetch_all(app.store.pool())
            .await
            .unwrap();
    assert_eq!(attempts, vec![1; 6], "each launch was claimed once");
}

#[tokio::test]
async fn a_runner_killed_mid_session_finds_its_agent_again_after_a_restart() {
    let app = TestApp::spawn_with(fast).await;
    let mut gus = app.user("gus@example.com").await;
    let mut launcher = launcher(&app, &gus).await;
    let mut runner = RunnerProc::start(&app, &mut launcher, "box", 1).await;
    let session = launch(&mut launcher, command_spec(&["ask"])).await;
    until(&mut gus, &session.id, "the agent asks", |s| {
        status(s) == SessionStatus::AwaitingInput
    })
    .await;
    runner.kill().await;
    runner.restart();
    // The restarted runner attaches with the session among its running ones (its stream is
    // open again), and the agent, which never stopped, gets its answer.
    answer_open_question(&mut gus, &session.id).await;
    let done = until(&mut gus, &session.id, "the session completes", |s| {
        status(s) == SessionStatus::Completed
    })
    .await
    .session
    .unwrap();
    assert_eq!(done.exit_code, Some(0));
    assert_eq!(done.stop_reason(), StopReason::AgentExited);
}

/// A runner credential (created through LaunchService) as a RunnerService client: the test
/// speaks the runner's side of the protocol itself to see what the wire carries.
async fn runner_client(app: &TestApp, launch: &mut LaunchClient) -> RunnerClient {
    let created = launch
        .create_runner_credential(CreateRunnerCredentialRequest {
            project_id: String::new(),
            name: "by-hand".into(),
        })
        .await
        .unwrap()
        .into_inner();
    RunnerServiceClient::with_interceptor(app.channel().await, Bearer::new(&created.secret))
}

async fn attach(
    runner: &mut RunnerClient,
    capacity: i32,
    running: Vec<String>,
) -> tonic::Streaming<AttachResponse> {
    runner
        .attach(AttachRequest {
            name: "by-hand".into(),
            capacity,
            running_session_ids: running,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

async fn next_assignment(stream: &mut tonic::Streaming<AttachResponse>) -> Assignment {
    loop {
        match stream.message().await.unwrap().unwrap().item {
            Some(attach_response::Item::Assignment(a)) => return a,
            Some(attach_response::Item::Stop(s)) => panic!("unexpected stop {s:?}"),
            _ => {}
        }
    }
}

#[tokio::test]
async fn the_per_session_credential_acts_on_its_session_only_and_dies_with_it() {
    let app = TestApp::spawn_with(fast).await;
    let mut hal = app.user("hal@example.com").await;
    let mut launcher = launcher(&app, &hal).await;
    let other = hal.start("someone-else").await;
    let mut runner = runner_client(&app, &mut launcher).await;
    let mut stream = attach(&mut runner, 1, vec![]).await;
    let session = launch(&mut launcher, command_spec(&["ask"])).await;
    let assignment = next_assignment(&mut stream).await;
    assert_eq!(assignment.session_id, session.id);
    assert_eq!(assignment.workspace_id, session.id);
    assert!(!assignment.resume);
    let spec = assignment.spec.unwrap();
    assert_eq!(spec.command[1], "ask");
    let mut agent = app.agent_with_key(&assignment.agent_api_key).await;

    // Its own session: resumed under the launch's agent name.
    let resumed = agent
        .start_session(StartSessionRequest {
            session_id: session.id.clone(),
            agent_name: assignment.agent_name.clone(),
            request_id: rid(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(resumed.resumed);
    assert_eq!(resumed.session.unwrap().status(), SessionStatus::Active);
    // Any other session of the same project looks like one that does not exist.
    let step = agent
        .log_step(LogStepRequest {
            session_id: other.clone(),
            text: "x".into(),
            request_id: rid(),
        })
        .await;
    assert_eq!(code(step), Code::NotFound);
    let hb = agent
        .heartbeat(HeartbeatRequest {
            session_id: other.clone(),
        })
        .await;
    assert_eq!(code(hb), Code::NotFound);
    // And it starts nothing new.
    let new = agent
        .start_session(StartSessionRequest {
            agent_name: "command".into(),
            request_id: rid(),
            ..Default::default()
        })
        .await;
    assert_eq!(code(new), Code::PermissionDenied);
    // The session-bound key is not listed among the project's keys.
    let keys = hal
        .dashboard
        .list_api_keys(ListApiKeysRequest::default())
        .await
        .unwrap()
        .into_inner()
        .api_keys;
    assert_eq!(keys.len(), 1);

    // The runner reports the exit: the key is revoked with the session's end.
    runner
        .report_started(ReportStartedRequest {
            session_id: session.id.clone(),
        })
        .await
        .unwrap();
    let ended = runner
        .report_exited(ReportExitedRequest {
            session_id: session.id.clone(),
            exit_code: 0,
            last_lines: vec!["bye".into()],
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    assert_eq!(ended.status(), SessionStatus::Completed);
    let after = agent
        .heartbeat(HeartbeatRequest {
            session_id: session.id.clone(),
        })
        .await;
    assert_eq!(code(after), Code::Unauthenticated);
    // Another runner's report about it is NOT_FOUND.
    let mut stranger = runner_client(&app, &mut launcher).await;
    let foreign = stranger
        .report_exited(ReportExitedRequest {
            session_id: session.id.clone(),
            exit_code: 1,
            last_lines: vec![],
        })
        .await;
    assert_eq!(code(foreign), Code::NotFound);
}

#[tokio::test]
async fn an_unacknowledged_assignment_returns_to_the_queue_when_its_stream_ends() {
    let app = TestApp::spawn_with(fast).await;
    let mut ida = app.user("ida@example.com").await;
    let mut launcher = launcher(&app, &ida).await;
    let mut first = runner_client(&app, &mut launcher).await;
    let mut stream = attach(&mut first, 1, vec![]).await;
    let session = launch(&mut launcher, command_spec(&["ask"])).await;
    let taken = next_assignment(&mut stream).await;
    assert_eq!(taken.session_id, session.id);
    drop(stream);
    // Another runner gets it, with a fresh agent key (the first one's is revoked).
    let mut second = runner_client(&app, &mut launcher).await;
    let mut stream = attach(&mut second, 1, vec![]).await;
    let again = next_assignment(&mut stream).await;
    assert_eq!(again.session_id, session.id);
    assert_ne!(again.agent_api_key, taken.agent_api_key);
    let mut old = app.agent_with_key(&taken.agent_api_key).await;
    let refused = old
        .heartbeat(HeartbeatRequest {
            session_id: session.id.clone(),
        })
        .await;
    assert_eq!(code(refused), Code::Unauthenticated);
    let attempts: i32 = sqlx::query_scalar("SELECT attempts FROM launches")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(attempts, 2);
    let _ = &mut ida;
}

#[tokio::test]
async fn continue_runs_again_in_the_same_workspace_linked_to_its_parent() {
    let app = TestApp::spawn_with(fast).await;
    let mut jo = app.user("jo@example.com").await;
    let mut launcher = launcher(&app, &jo).await;
    let repos = tempfile::tempdir().unwrap();
    let origin = bare_repository(repos.path());
    let runner = RunnerProc::start(&app, &mut launcher, "box", 1).await;
    let mut spec = command_spec(&["ask"]);
    spec.repositories.push(Repository {
        url: origin,
        branch: String::new(),
        path: "app".into(),
    });
    let first = launch(&mut launcher, spec).await;
    answer_open_question(&mut jo, &first.id).await;
    until(&mut jo, &first.id, "the first run completes", |s| {
        status(s) == SessionStatus::Completed
    })
    .await;

    let request_id = rid();
    let cont = |request_id: String| ContinueSessionRequest {
        session_id: first.id.clone(),
        request_id,
        prompt: String::new(),
    };
    let second = launcher
        .continue_session(cont(request_id.clone()))
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    assert_eq!(second.parent_session_id, first.id);
    // Idempotent by request id.
    let again = launcher
        .continue_session(cont(request_id))
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    assert_eq!(again.id, second.id);
    answer_open_question(&mut jo, &second.id).await;
    let done = until(&mut jo, &second.id, "the continuation completes", |s| {
        status(s) == SessionStatus::Completed
    })
    .await
    .session
    .unwrap();
    assert_eq!(done.runner_id, runner.id);
    let first_steps = steps(&mut jo, &first.id).await;
    let second_steps = steps(&mut jo, &second.id).await;
    assert_eq!(first_steps[0], second_steps[0], "same workspace directory");
    assert!(first_steps[0].contains(&format!("/{}/app with README.md", first.id)));
    // A session that has not ended cannot be continued (this one waits for a runner labelled
    // as none is).
    let running = launcher
        .launch_session(LaunchSessionRequest {
            spec: Some(command_spec(&["ask"])),
            runner: Some(RunnerSelector {
                labels: [("gpu".to_owned(), "yes".to_owned())].into(),
                ..Default::default()
            }),
            request_id: rid(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    let refused = launcher
        .continue_session(ContinueSessionRequest {
            session_id: running.id,
            request_id: rid(),
            prompt: String::new(),
        })
        .await;
    assert_eq!(code(refused), Code::FailedPrecondition);
}

#[tokio::test]
async fn launches_are_idempotent_and_validated_by_field() {
    let app = TestApp::spawn().await;
    let kim = app.user("kim@example.com").await;
    let mut launcher = launcher(&app, &kim).await;
    let request = LaunchSessionRequest {
        spec: Some(command_spec(&["ask"])),
        request_id: "launch-1".into(),
        ..Default::default()
    };
    let a = launcher
        .launch_session(request.clone())
        .await
        .unwrap()
        .into_inner();
    let b = launcher
        .launch_session(request.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(a.session.unwrap().id, b.session.unwrap().id);
    // Audited once, in the launch's transaction.
    let audit = crate::roles::projects_of(&app, &kim)
        .await
        .list_audit_events(ListAuditEventsRequest {
            project_id: kim.user_id.clone(),
            actions: vec![AuditAction::SessionLaunched as i32],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .events;
    assert_eq!(audit.len(), 1);

    let bad = |f: fn(&mut LaunchSessionRequest)| {
        let mut r = request.clone();
        r.request_id = rid();
        f(&mut r);
        r
    };
    let cases: Vec<(&str, LaunchSessionRequest)> = vec![
        ("spec.agent", bad(|r| r.spec.as_mut().unwrap().agent = 0)),
        (
            "spec.command",
            bad(|r| r.spec.as_mut().unwrap().command.clear()),
        ),
        (
            "spec.prompt",
            bad(|r| {
                let s = r.spec.as_mut().unwrap();
                s.agent = AgentKind::ClaudeCode as i32;
                s.command.clear();
            }),
        ),
        (
            "spec.workdir",
            bad(|r| r.spec.as_mut().unwrap().workdir = "../x".into()),
        ),
        (
            "spec.env",
            bad(|r| {
                r.spec
                    .as_mut()
                    .unwrap()
                    .env
                    .insert("SWITCHBOARD_URL".into(), "x".into());
            }),
        ),
        (
            "spec.limits.start_deadline",
            bad(|r| {
                r.spec.as_mut().unwrap().limits = Some(SessionLimits {
                    start_deadline: Some(prost_types::Duration {
                        seconds: 0,
                        nanos: 5,
                    }),
                    ..Default::default()
                });
            }),
        ),
        (
            "runner.runner_id",
            bad(|r| {
                r.runner = Some(RunnerSelector {
                    runner_id: "nope".into(),
                    ..Default::default()
                });
            }),
        ),
        (
            "spec.mcp_servers",
            bad(|r| {
                r.spec.as_mut().unwrap().mcp_servers.push(McpServer {
                    name: "docs".into(),
                    command: vec!["docs-mcp".into()],
                    ..Default::default()
                });
            }),
        ),
        ("request_id", bad(|r| r.request_id.clear())),
        ("spec", bad(|r| r.spec = None)),
        (
            "kubernetes",
            bad(|r| {
                r.runner = Some(RunnerSelector::default());
                r.kubernetes = Some(KubernetesTarget {});
            }),
        ),
    ];
    for (field, request) in cases {
        let err = launcher.launch_session(request).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{field}: {err:?}");
        assert!(
            err.message().starts_with(&format!("{field}:")),
            "{field}: {}",
            err.message()
        );
    }
    // This server has no Kubernetes configuration: a Kubernetes launch cannot run here.
    let mut r = request.clone();
    r.request_id = rid();
    r.kubernetes = Some(KubernetesTarget {});
    let err = launcher.launch_session(r).await.unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");
    // A runner of another project is NOT_FOUND.
    let lee = app.user("lee@example.com").await;
    let mut theirs = self::launcher(&app, &lee).await;
    let foreign = theirs
        .create_runner_credential(CreateRunnerCredentialRequest {
            project_id: String::new(),
            name: "theirs".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .runner
        .unwrap();
    let mut r = request.clone();
    r.request_id = rid();
    r.runner = Some(RunnerSelector {
        runner_id: foreign.id.clone(),
        ..Default::default()
    });
    assert_eq!(code(launcher.launch_session(r).await), Code::NotFound);
    let revoke = launcher
        .revoke_runner(RevokeRunnerRequest {
            runner_id: foreign.id,
        })
        .await;
    assert_eq!(code(revoke), Code::NotFound);
}

#[tokio::test]
async fn inactivity_stops_an_idle_agent() {
    let app = TestApp::spawn_with(fast).await;
    let mut max = app.user("max@example.com").await;
    let mut launcher = launcher(&app, &max).await;
    let _runner = RunnerProc::start(&app, &mut launcher, "box", 1).await;
    let mut spec = command_spec(&["wait"]);
    spec.limits = Some(SessionLimits {
        inactivity_timeout: Some(prost_types::Duration {
            seconds: 1,
            nanos: 0,
        }),
        ..Default::default()
    });
    let session = launch(&mut launcher, spec).await;
    let stopped = until(&mut max, &session.id, "inactivity stops it", |s| {
        status(s) == SessionStatus::Stopped
    })
    .await
    .session
    .unwrap();
    assert_eq!(stopped.stop_reason(), StopReason::Inactivity);
    assert!(steps(&mut max, &session.id).await[0].starts_with("working in"));
}

#[tokio::test]
async fn a_runner_gone_longer_than_the_limit_fails_its_sessions() {
    let app = TestApp::spawn_with(|s| {
        fast(s);
        s.sessions.runner_lost_after_secs = 1;
    })
    .await;
    let mut ned = app.user("ned@example.com").await;
    let mut launcher = launcher(&app, &ned).await;
    let mut runner = RunnerProc::start(&app, &mut launcher, "box", 1).await;
    let session = launch(&mut launcher, command_spec(&["ask"])).await;
    until(&mut ned, &session.id, "the agent asks", |s| {
        status(s) == SessionStatus::AwaitingInput
    })
    .await;
    runner.kill().await;
    let lost = until(&mut ned, &session.id, "the session is lost", |s| {
        status(s) == SessionStatus::Failed
    })
    .await
    .session
    .unwrap();
    assert_eq!(lost.stop_reason(), StopReason::RunnerLost);
    let runners = launcher
        .list_runners(ListRunnersRequest::default())
        .await
        .unwrap()
        .into_inner()
        .runners;
    assert!(!runners[0].online);
}

#[tokio::test]
async fn a_restarted_runner_without_its_agent_reports_it_lost() {
    let app = TestApp::spawn_with(fast).await;
    let mut oli = app.user("oli@example.com").await;
    let mut launcher = launcher(&app, &oli).await;
    let mut runner = RunnerProc::start(&app, &mut launcher, "box", 1).await;
    let session = launch(&mut launcher, command_spec(&["ask"])).await;
    until(&mut oli, &session.id, "the agent asks", |s| {
        status(s) == SessionStatus::AwaitingInput
    })
    .await;
    // The machine "reboots": the runner and its agent die.
    runner.kill().await;
    let record = runner
        .root
        .join(".switchboard-runs")
        .join(format!("{}.json", session.id));
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(record).unwrap()).unwrap();
    let pid = record["pid"].as_i64().unwrap();
    let killed = std::process::Command::new("kill")
        .args(["-KILL", "--", &format!("-{pid}")])
        .status()
        .unwrap();
    assert!(killed.success());
    runner.restart();
    let lost = until(
        &mut oli,
        &session.id,
        "the restarted runner reports it lost",
        |s| status(s) == SessionStatus::Failed,
    )
    .await
    .session
    .unwrap();
    assert_eq!(lost.stop_reason(), StopReason::RunnerLost);
}

#[tokio::test]
async fn an_assignment_in_flight_across_replicas_and_a_reconnect_is_claimed_again_not_twice() {
    let app = TestApp::spawn_with(fast).await;
    let replica = app.replica_with(fast).await;
    let mut pat = app.user("pat@example.com").await;
    let mut launcher = launcher(&app, &pat).await;
    let created = launcher
        .create_runner_credential(CreateRunnerCredentialRequest {
            project_id: String::new(),
            name: "roamer".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let on = |addr| {
        let secret = created.secret.clone();
        async move {
            RunnerServiceClient::with_interceptor(channel_to(addr).await, Bearer::new(&secret))
        }
    };
    // The runner is attached to replica B; the launch is made on A and reaches B by NOTIFY.
    let mut via_b = on(replica.addr).await;
    let mut old_stream = attach(&mut via_b, 1, vec![]).await;
    let session = launch(&mut launcher, command_spec(&["ask"])).await;
    let first = next_assignment(&mut old_stream).await;
    assert_eq!(first.session_id, session.id);
    // Its connection to B breaks without B noticing; it attaches again, to A, before it
    // started anything: the unacknowledged assignment comes again, on the new stream.
    let mut via_a = on(app.addr).await;
    let mut new_stream = attach(&mut via_a, 1, vec![]).await;
    let again = next_assignment(&mut new_stream).await;
    assert_eq!(again.session_id, session.id);
    // The old stream is told it was replaced, and B going away changes nothing.
    let ended = loop {
        match old_stream.message().await {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the replaced stream ended without a status"),
            Err(status) => break status,
        }
    };
    assert_eq!(ended.code(), Code::FailedPrecondition);
    drop((old_stream, via_b));
    replica.shutdown().await.unwrap();
    via_a
        .report_started(ReportStartedRequest {
            session_id: session.id.clone(),
        })
        .await
        .unwrap();
    let s = get(&mut pat, &session.id).await;
    assert_eq!(status(&s), SessionStatus::Starting);
    let attempts: i32 = sqlx::query_scalar("SELECT attempts FROM launches")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(attempts, 2);
    // Only the key of the live claim works.
    let mut stale = app.agent_with_key(&first.agent_api_key).await;
    let refused = stale
        .heartbeat(HeartbeatRequest {
            session_id: session.id.clone(),
        })
        .await;
    assert_eq!(code(refused), Code::Unauthenticated);
    let mut live = app.agent_with_key(&again.agent_api_key).await;
    live.heartbeat(HeartbeatRequest {
        session_id: session.id.clone(),
    })
    .await
    .unwrap();
}
