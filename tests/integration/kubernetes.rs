//! Issue 17: Kubernetes as a launch target, against a real control plane: etcd, kube-apiserver
//! (token auth, RBAC), kube-controller-manager (Job controller, garbage collector), kube-scheduler
//! and kwok as the kubelet of one fake node, started by `scripts/kube-cluster.sh` (which
//! `scripts/test.sh` runs; its kubeconfig arrives in `SWITCHBOARD_TEST_KUBECONFIG`). kwok's
//! stages (written by that script) run pods, hold them in a waiting reason for two test images
//! or for the reason a pod annotation names (`kubernetes.pod_annotations`), hold them Pending,
//! and end a running pod when a test annotates it with an exit code.
//!
//! The agent "in" the pod is the real `launch_test_agent` process, started by the test with the
//! container's own command and environment as the Job spells them, and the credential read from
//! the session's Secret.
//!
//! Without the variable these tests return early, except under CI (`CI=true`), where they fail.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Container, Pod, Secret};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use switchboard::config::KubernetesSettings;
use switchboard::proto::*;
use tonic::Code;

use crate::harness::*;
use crate::launch::{
    answer_open_question, launcher, status, status_path, steps, test_agent, until,
};
use switchboard::proto::dashboard_service_client::DashboardServiceClient;

const AGENT_URL: &str = "http://switchboard.switchboard.svc:50051";
const IMAGE: &str = "registry.example/switchboard-agent:test";

/// The test cluster's kubeconfig, or None when this run has none (a local run that opted out).
fn kubeconfig() -> Option<PathBuf> {
    match std::env::var_os("SWITCHBOARD_TEST_KUBECONFIG").filter(|v| !v.is_empty()) {
        Some(path) => Some(PathBuf::from(path)),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => panic!(
            "CI=true but SWITCHBOARD_TEST_KUBECONFIG is not set: run the tests through scripts/test.sh (it starts the cluster)"
        ),
        None => {
            eprintln!("SWITCHBOARD_TEST_KUBECONFIG is not set: Kubernetes test skipped");
            None
        }
    }
}

async fn kube_client(path: &Path) -> kube::Client {
    let kubeconfig = kube::config::Kubeconfig::read_from(path).expect("kubeconfig");
    let config = kube::config::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .expect("kube config");
    kube::Client::try_from(config).expect("kube client")
}

/// Kubernetes settings for one test: its own instance label (tests share the cluster; each
/// server sees only its own workloads), a fast launcher.
fn kube_settings(path: &Path, instance: &str) -> KubernetesSettings {
    KubernetesSettings {
        kubeconfig: Some(path.to_path_buf()),
        instance: instance.into(),
        image: IMAGE.into(),
        agent_url: AGENT_URL.into(),
        poll_interval_ms: 100,
        ttl_after_finished_secs: 600,
        ..Default::default()
    }
}

struct KubeTest {
    app: TestApp,
    kube: kube::Client,
    settings: KubernetesSettings,
}

impl KubeTest {
    async fn start(configure: impl FnOnce(&mut KubernetesSettings)) -> Option<KubeTest> {
        let path = kubeconfig()?;
        let mut settings = kube_settings(&path, &format!("t-{}", uuid::Uuid::new_v4().simple()));
        configure(&mut settings);
        let for_server = settings.clone();
        let app = TestApp::spawn_with(move |s| {
            s.kubernetes = Some(for_server);
            s.sessions.stop_grace_secs = 60;
            s.metrics.listen = Some("127.0.0.1:0".into());
        })
        .await;
        Some(KubeTest {
            app,
            kube: kube_client(&path).await,
            settings,
        })
    }

    fn namespace(&self, user: &TestUser) -> String {
        // The personal project's id is the user's id.
        format!("{}{}", self.settings.namespace_prefix, user.user_id)
    }

    fn jobs(&self, user: &TestUser) -> Api<Job> {
        Api::namespaced(self.kube.clone(), &self.namespace(user))
    }

    fn pods(&self, user: &TestUser) -> Api<Pod> {
        Api::namespaced(self.kube.clone(), &self.namespace(user))
    }

    fn secrets(&self, user: &TestUser) -> Api<Secret> {
        Api::namespaced(self.kube.clone(), &self.namespace(user))
    }

    async fn job(&self, user: &TestUser, session: &str) -> Job {
        let jobs = self.jobs(user);
        let name = format!("sb-{session}");
        for _ in 0..300 {
            if let Ok(Some(job)) = jobs.get_opt(&name).await {
                return job;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the job {name} was never created");
    }

    /// The session's pod once `check` holds for it.
    async fn pod_until(
        &self,
        user: &TestUser,
        session: &str,
        what: &str,
        check: impl Fn(&Pod) -> bool,
    ) -> Pod {
        let pods = self.pods(user);
        let lp = ListParams::default().labels(&format!("switchboard.dev/session-id={session}"));
        for _ in 0..300 {
            if let Ok(list) = pods.list(&lp).await
                && let Some(pod) = list.items.into_iter().find(|p| check(p))
            {
                return pod;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("timed out waiting for the pod: {what}");
    }

    async fn running_pod(&self, user: &TestUser, session: &str) -> Pod {
        self.pod_until(user, session, "running", |p| phase(p) == "Running")
            .await
    }

    /// What kwok does for a container that exits: a test annotation drives its stage.
    async fn exit_pod(&self, user: &TestUser, pod: &Pod, code: i32, message: &str) {
        let patch = serde_json::json!({ "metadata": { "annotations": {
            "switchboard.test/exit-code": code.to_string(),
            "switchboard.test/message": message,
        }}});
        self.pods(user)
            .patch(
                pod.metadata.name.as_deref().unwrap(),
                &PatchParams::default(),
                &Patch::Merge(&patch),
            )
            .await
            .expect("annotate the pod");
    }

    /// Deletes the user's project namespace and everything in it (the cluster outlives the
    /// test; a failed test leaves its namespace for a look).
    async fn clean_up(&self, user: &TestUser) {
        let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(self.kube.clone());
        match namespaces
            .delete(&self.namespace(user), &DeleteParams::background())
            .await
        {
            Ok(_) => {}
            Err(kube::Error::Api(s)) if s.is_not_found() => {}
            Err(e) => panic!("cannot delete the test namespace: {e}"),
        }
    }

    async fn until_job_gone(&self, user: &TestUser, session: &str) {
        let jobs = self.jobs(user);
        let name = format!("sb-{session}");
        for _ in 0..300 {
            if jobs.get_opt(&name).await.expect("get job").is_none() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the job {name} was never deleted");
    }
}

fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or_default()
}

fn command_spec(args: &[&str]) -> SessionSpec {
    SessionSpec {
        agent: AgentKind::Command as i32,
        command: args.iter().map(|a| a.to_string()).collect(),
        prompt: "do the thing".into(),
        limits: Some(SessionLimits {
            hard_limit: Some(prost_types::Duration {
                seconds: 3600,
                nanos: 0,
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

async fn launch_on_kubernetes(t: &KubeTest, user: &TestUser, spec: SessionSpec) -> Session {
    let mut client = launcher(&t.app, user).await;
    client
        .launch_session(LaunchSessionRequest {
            spec: Some(spec),
            request_id: rid(),
            kubernetes: Some(KubernetesTarget {}),
            ..Default::default()
        })
        .await
        .expect("launch")
        .into_inner()
        .session
        .unwrap()
}

/// A Kubernetes launch in a project (empty: the caller's personal one); the session's id.
async fn launch_in(t: &KubeTest, user: &TestUser, project: &str) -> String {
    launcher(&t.app, user)
        .await
        .launch_session(LaunchSessionRequest {
            project_id: project.into(),
            spec: Some(command_spec(&["launch_test_agent", "wait"])),
            request_id: rid(),
            kubernetes: Some(KubernetesTarget {}),
            ..Default::default()
        })
        .await
        .expect("launch")
        .into_inner()
        .session
        .unwrap()
        .id
}

fn container(job: &Job) -> &Container {
    &job.spec
        .as_ref()
        .unwrap()
        .template
        .spec
        .as_ref()
        .unwrap()
        .containers[0]
}

fn env_of(container: &Container) -> BTreeMap<String, String> {
    container
        .env
        .iter()
        .flatten()
        .filter_map(|e| Some((e.name.clone(), e.value.clone()?)))
        .collect()
}

/// The session's credential, as the Secret holds it.
async fn credential(t: &KubeTest, user: &TestUser, session: &str) -> String {
    let secret = t
        .secrets(user)
        .get(&format!("sb-{session}"))
        .await
        .expect("the session's secret");
    let bytes = &secret.data.as_ref().unwrap()["api-key"].0;
    String::from_utf8(bytes.clone()).unwrap()
}

/// Runs the container's command and environment here, as its stand-in: the program is the
/// test agent; SWITCHBOARD_URL points at the test server; the mounted credential file is a
/// file holding what the Secret holds.
async fn run_as_container(
    t: &KubeTest,
    user: &TestUser,
    job: &Job,
    session: &str,
) -> tokio::task::JoinHandle<std::process::Output> {
    let c = container(job);
    let argv = c.command.clone().unwrap();
    let mut env = env_of(c);
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("api-key");
    std::fs::write(&key_file, credential(t, user, session).await).unwrap();
    env.insert("SWITCHBOARD_URL".into(), format!("http://{}", t.app.addr));
    env.insert(
        "SWITCHBOARD_API_KEY_FILE".into(),
        key_file.display().to_string(),
    );
    let mut command = tokio::process::Command::new(test_agent());
    command
        .args(&argv[1..])
        .env_clear()
        .envs(env)
        .current_dir(dir.path());
    tokio::spawn(async move {
        let out = command.output().await.expect("the test agent runs");
        drop(dir);
        out
    })
}

#[tokio::test]
async fn a_launch_runs_as_a_job_whose_agent_works_and_completes() {
    let Some(t) = KubeTest::start(|_| {}).await else {
        return;
    };
    let mut user = t.app.user("kube-run@example.com").await;
    let session =
        launch_on_kubernetes(&t, &user, command_spec(&["launch_test_agent", "ask"])).await;
    assert_eq!(session.status(), SessionStatus::Pending);
    let id = session.id.clone();

    // The Job, as the issue asks for it.
    let job = t.job(&user, &id).await;
    let spec = job.spec.as_ref().unwrap();
    assert_eq!(spec.backoff_limit, Some(0));
    let deadline = spec.active_deadline_seconds.expect("activeDeadlineSeconds");
    assert!((3500..=3600).contains(&deadline), "{deadline}");
    assert_eq!(spec.ttl_seconds_after_finished, Some(600));
    let labels = job.metadata.labels.as_ref().unwrap();
    assert_eq!(labels["switchboard.dev/session-id"], id);
    assert_eq!(labels["switchboard.dev/project-id"], user.user_id);
    assert_eq!(labels["switchboard.dev/instance"], t.settings.instance);
    let pod_spec = spec.template.spec.as_ref().unwrap();
    assert_eq!(pod_spec.automount_service_account_token, Some(false));
    assert_eq!(pod_spec.restart_policy.as_deref(), Some("Never"));
    let security = pod_spec.security_context.as_ref().unwrap();
    assert_eq!(security.run_as_non_root, Some(true));
    assert!(security.run_as_user.unwrap() > 0);
    let c = container(&job);
    assert_eq!(c.image.as_deref(), Some(IMAGE));
    assert_eq!(
        c.command.as_deref().unwrap(),
        ["launch_test_agent".to_owned(), "ask".to_owned()]
    );
    let env = env_of(c);
    assert_eq!(env["SWITCHBOARD_URL"], AGENT_URL);
    assert_eq!(env["SWITCHBOARD_SESSION_ID"], id);
    assert_eq!(
        env["SWITCHBOARD_API_KEY_FILE"],
        "/var/run/secrets/switchboard/api-key"
    );
    assert!(
        c.env
            .iter()
            .flatten()
            .all(|e| e.name != "SWITCHBOARD_API_KEY"),
        "the credential is a file, never a variable"
    );
    let volume = &pod_spec.volumes.as_ref().unwrap()[0];
    assert_eq!(
        volume.secret.as_ref().unwrap().secret_name.as_deref(),
        Some(format!("sb-{id}").as_str())
    );

    // The Secret: owned by the Job (garbage-collected with it), holding a working credential.
    let secret = t.secrets(&user).get(&format!("sb-{id}")).await.unwrap();
    let owner = &secret.metadata.owner_references.as_ref().unwrap()[0];
    assert_eq!(owner.kind, "Job");
    assert_eq!(Some(&owner.uid), job.metadata.uid.as_ref());

    // kwok runs the pod: the session is STARTING until the agent calls in.
    let pod = t.running_pod(&user, &id).await;
    until(&mut user, &id, "STARTING", |s| {
        status(s) == SessionStatus::Starting
    })
    .await;

    // The agent (the container's command and environment, run here) works, asks, is answered.
    let agent = run_as_container(&t, &user, &job, &id).await;
    answer_open_question(&mut user, &id).await;
    let out = agent.await.unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        steps(&mut user, &id)
            .await
            .iter()
            .any(|s| s == "the answer was yes")
    );

    // The container exits 0: the session is COMPLETED with its exit code.
    t.exit_pod(&user, &pod, 0, "").await;
    let done = until(&mut user, &id, "COMPLETED", |s| {
        status(s) == SessionStatus::Completed
    })
    .await;
    let s = done.session.unwrap();
    assert_eq!(s.exit_code, Some(0));
    assert_eq!(s.stop_reason(), StopReason::AgentExited);
    let path = status_path(&mut user, &id).await;
    assert!(
        path.starts_with(&[SessionStatus::Starting, SessionStatus::Active]),
        "{path:?}"
    );

    // Its credential died with it.
    let key = credential(&t, &user, &id).await;
    let mut agent = t.app.agent_with_key(&key).await;
    let refused = agent
        .log_step(LogStepRequest {
            session_id: id.clone(),
            text: "late".into(),
            request_id: rid(),
        })
        .await;
    assert_eq!(code(refused), Code::Unauthenticated);

    // The watch traffic is counted: the bytes the client's watch streams received, and the
    // pod and Job objects the watchers delivered (this pod's states among them).
    let scrape = crate::serving::scrape(t.app.server.as_ref().unwrap().metrics_addr.unwrap()).await;
    let counted = |metric: &str, labels: &[(&str, &str)]| {
        crate::serving::value(&scrape, metric, labels).unwrap_or(0.0)
    };
    assert!(
        counted(
            "switchboard_kube_received_bytes_total",
            &[("request", "watch")]
        ) > 0.0
    );
    assert!(
        counted(
            "switchboard_kube_received_bytes_total",
            &[("request", "other")]
        ) > 0.0
    );
    assert!(counted("switchboard_kube_watch_objects_total", &[("kind", "pod")]) >= 3.0);
    assert!(counted("switchboard_kube_watch_objects_total", &[("kind", "job")]) >= 1.0);
    t.clean_up(&user).await;
}

#[tokio::test]
async fn a_failing_container_ends_the_session_failed_with_its_last_lines() {
    let Some(t) = KubeTest::start(|_| {}).await else {
        return;
    };
    let mut user = t.app.user("kube-fail@example.com").await;
    let id = launch_on_kubernetes(&t, &user, command_spec(&["launch_test_agent", "fail"]))
        .await
        .id;
    let pod = t.running_pod(&user, &id).await;
    t.exit_pod(
        &user,
        &pod,
        3,
        "working on part 3\nerror: the build is broken",
    )
    .await;
    let s = until(&mut user, &id, "FAILED", |s| {
        status(s) == SessionStatus::Failed
    })
    .await
    .session
    .unwrap();
    assert_eq!(s.exit_code, Some(3));
    assert_eq!(s.stop_reason(), StopReason::AgentExited);
    assert!(
        s.last_output_lines
            .iter()
            .any(|l| l == "error: the build is broken"),
        "{:?}",
        s.last_output_lines
    );

    // Continue: a new Job for a new session linked to the ended one, told to resume.
    let next = launcher(&t.app, &user)
        .await
        .continue_session(ContinueSessionRequest {
            session_id: id.clone(),
            request_id: rid(),
            prompt: "try again".into(),
        })
        .await
        .expect("continue")
        .into_inner()
        .session
        .unwrap();
    assert_eq!(next.parent_session_id, id);
    let job = t.job(&user, &next.id).await;
    let env = env_of(container(&job));
    assert_eq!(env["SWITCHBOARD_RESUME"], "1");
    assert_eq!(env["SWITCHBOARD_PROMPT"], "try again");
    t.clean_up(&user).await;
}

#[tokio::test]
async fn the_hard_limit_stops_the_job() {
    let Some(t) = KubeTest::start(|_| {}).await else {
        return;
    };
    let mut user = t.app.user("kube-hard@example.com").await;
    let mut spec = command_spec(&["launch_test_agent", "wait"]);
    spec.limits = Some(SessionLimits {
        hard_limit: Some(prost_types::Duration {
            seconds: 2,
            nanos: 0,
        }),
        ..Default::default()
    });
    let id = launch_on_kubernetes(&t, &user, spec).await.id;
    let job = t.job(&user, &id).await;
    assert_eq!(job.spec.as_ref().unwrap().active_deadline_seconds, Some(2));
    let s = until(&mut user, &id, "STOPPED", |s| {
        status(s) == SessionStatus::Stopped
    })
    .await
    .session
    .unwrap();
    assert_eq!(s.stop_reason(), StopReason::HardLimit);
    t.until_job_gone(&user, &id).await;
    t.clean_up(&user).await;
}

/// A pod that cannot start never trips the Job's backoff: the watcher sees the waiting reason,
/// fails the session with it, and the Job is deleted.
async fn start_failure(
    configure: impl FnOnce(&mut KubernetesSettings),
    email: &str,
    expected_prefix: &str,
) {
    let Some(t) = KubeTest::start(configure).await else {
        return;
    };
    let mut user = t.app.user(email).await;
    let id = launch_on_kubernetes(&t, &user, command_spec(&["launch_test_agent", "ask"]))
        .await
        .id;
    let s = until(&mut user, &id, "FAILED", |s| {
        status(s) == SessionStatus::Failed
    })
    .await
    .session
    .unwrap();
    assert_eq!(s.stop_reason(), StopReason::StartFailed);
    assert!(
        s.last_output_lines
            .first()
            .is_some_and(|l| l.starts_with(expected_prefix)),
        "{:?}",
        s.last_output_lines
    );
    t.until_job_gone(&user, &id).await;
    t.clean_up(&user).await;
}

#[tokio::test]
async fn an_invalid_image_name_fails_the_launch_with_the_reason() {
    start_failure(
        |k| k.image = "invalid::image".into(),
        "kube-invalid@example.com",
        "InvalidImageName: Failed to apply default image tag",
    )
    .await;
}

#[tokio::test]
async fn an_image_that_cannot_be_pulled_fails_the_launch_with_the_reason() {
    start_failure(
        |k| k.image = "switchboard.test/unpullable".into(),
        "kube-pull@example.com",
        "ImagePullBackOff: Back-off pulling image",
    )
    .await;
}

#[tokio::test]
async fn an_unschedulable_pod_fails_the_launch_with_the_schedulers_message() {
    // The fake node has 16 CPUs: the real scheduler says why none fits.
    start_failure(
        |k| k.cpu_request = "64".into(),
        "kube-unschedulable@example.com",
        "Unschedulable: 0/1 nodes are available: 1 Insufficient cpu",
    )
    .await;
}

/// Pod annotations that make kwok report the container waiting for `reason` (see
/// scripts/kube-cluster.sh), put on the pod template through `kubernetes.pod_annotations`.
fn waiting(reason: &str, message: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "switchboard.test/waiting-reason".to_owned(),
            reason.to_owned(),
        ),
        (
            "switchboard.test/waiting-message".to_owned(),
            message.to_owned(),
        ),
    ])
}

#[tokio::test]
async fn a_crash_looping_container_fails_the_launch_with_the_reason() {
    start_failure(
        |k| {
            k.pod_annotations = waiting(
                "CrashLoopBackOff",
                "back-off 10s restarting failed container=agent",
            )
        },
        "kube-crash@example.com",
        "CrashLoopBackOff: back-off 10s restarting failed container=agent",
    )
    .await;
}

#[tokio::test]
async fn a_container_config_error_fails_the_launch_with_the_reason() {
    // What a kubelet reports for a spec.secret_env naming a Secret the namespace lacks.
    start_failure(
        |k| {
            k.pod_annotations = waiting(
                "CreateContainerConfigError",
                "secret \"db-password\" not found",
            )
        },
        "kube-config-error@example.com",
        "CreateContainerConfigError: secret \"db-password\" not found",
    )
    .await;
}

#[tokio::test]
async fn a_pod_that_never_starts_fails_at_the_start_deadline() {
    let Some(t) = KubeTest::start(|k| {
        k.pod_annotations = BTreeMap::from([("switchboard.test/hold".into(), "true".into())]);
        k.pod_labels = BTreeMap::from([("team".into(), "agents".into())]);
    })
    .await
    else {
        return;
    };
    let mut user = t.app.user("kube-deadline@example.com").await;
    let mut spec = command_spec(&["launch_test_agent", "ask"]);
    spec.limits.as_mut().unwrap().start_deadline = Some(prost_types::Duration {
        seconds: 2,
        nanos: 0,
    });
    let id = launch_on_kubernetes(&t, &user, spec).await.id;
    // The configured extras are on the pod template, beside Switchboard's own labels.
    let job = t.job(&user, &id).await;
    let template = job
        .spec
        .as_ref()
        .unwrap()
        .template
        .metadata
        .as_ref()
        .unwrap();
    let labels = template.labels.as_ref().unwrap();
    assert_eq!(labels["team"], "agents");
    assert_eq!(labels["switchboard.dev/session-id"], id);
    assert_eq!(
        template.annotations.as_ref().unwrap()["switchboard.test/hold"],
        "true"
    );
    // kwok holds the pod Pending: the session is STARTING, then the deadline fails it.
    t.pod_until(&user, &id, "pending", |p| {
        p.metadata.labels.as_ref().unwrap()["team"] == "agents"
    })
    .await;
    let s = until(&mut user, &id, "FAILED", |s| {
        status(s) == SessionStatus::Failed
    })
    .await
    .session
    .unwrap();
    assert_eq!(s.stop_reason(), StopReason::StartDeadline);
    let path = status_path(&mut user, &id).await;
    assert_eq!(path.last(), Some(&SessionStatus::Failed), "{path:?}");
    assert!(!path.contains(&SessionStatus::Active), "{path:?}");
    t.until_job_gone(&user, &id).await;
    t.clean_up(&user).await;
}

#[tokio::test]
async fn an_agent_that_goes_silent_is_stopped_for_inactivity_and_its_job_deleted() {
    let Some(t) = KubeTest::start(|_| {}).await else {
        return;
    };
    let mut user = t.app.user("kube-idle@example.com").await;
    let mut spec = command_spec(&["launch_test_agent", "wait"]);
    spec.limits.as_mut().unwrap().inactivity_timeout = Some(prost_types::Duration {
        seconds: 1,
        nanos: 0,
    });
    let id = launch_on_kubernetes(&t, &user, spec).await.id;
    t.running_pod(&user, &id).await;
    // The agent calls in with the pod's credential, then says nothing more.
    let mut agent = t
        .app
        .agent_with_key(&credential(&t, &user, &id).await)
        .await;
    let started = agent
        .start_session(StartSessionRequest {
            session_id: id.clone(),
            agent_name: "command".into(),
            request_id: rid(),
            ..Default::default()
        })
        .await
        .expect("the agent calls in")
        .into_inner()
        .session
        .unwrap();
    assert_eq!(started.status(), SessionStatus::Active);
    let s = until(&mut user, &id, "STOPPED", |s| {
        status(s) == SessionStatus::Stopped
    })
    .await
    .session
    .unwrap();
    assert_eq!(s.stop_reason(), StopReason::Inactivity);
    // STOPPED once the Job (and with it the pod and the Secret) is gone.
    t.until_job_gone(&user, &id).await;
    assert!(
        t.secrets(&user)
            .get_opt(&format!("sb-{id}"))
            .await
            .unwrap()
            .is_none()
    );
    t.clean_up(&user).await;
}

#[tokio::test]
async fn stop_deletes_the_job_and_its_secret_and_ends_stopped() {
    let Some(t) = KubeTest::start(|_| {}).await else {
        return;
    };
    let mut user = t.app.user("kube-stop@example.com").await;
    let id = launch_on_kubernetes(&t, &user, command_spec(&["launch_test_agent", "wait"]))
        .await
        .id;
    t.running_pod(&user, &id).await;
    user.dashboard
        .stop_session(StopSessionRequest {
            session_id: id.clone(),
            ..Default::default()
        })
        .await
        .expect("stop");
    t.until_job_gone(&user, &id).await;
    let s = until(&mut user, &id, "STOPPED", |s| {
        status(s) == SessionStatus::Stopped
    })
    .await
    .session
    .unwrap();
    assert_eq!(s.stop_reason(), StopReason::ByPerson);
    // Foreground propagation: the pod and the owned Secret went before the Job.
    assert!(
        t.secrets(&user)
            .get_opt(&format!("sb-{id}"))
            .await
            .unwrap()
            .is_none()
    );
    let pods = t
        .pods(&user)
        .list(&ListParams::default().labels(&format!("switchboard.dev/session-id={id}")))
        .await
        .unwrap();
    assert!(pods.items.is_empty());
    t.clean_up(&user).await;
}

#[tokio::test]
async fn two_replicas_create_one_job_per_launch() {
    let Some(t) = KubeTest::start(|_| {}).await else {
        return;
    };
    let settings = t.settings.clone();
    let replica = t
        .app
        .replica_with(move |s| s.kubernetes = Some(settings))
        .await;
    let user = t.app.user("kube-replicas@example.com").await;
    // Launches through both replicas; both launchers claim from one queue.
    let mut on_first = launcher(&t.app, &user).await;
    let mut on_second =
        switchboard::proto::launch_service_client::LaunchServiceClient::with_interceptor(
            channel_to(replica.addr).await,
            Bearer::new(&user.access_token),
        );
    let mut ids = Vec::new();
    for i in 0..12 {
        let client = if i % 2 == 0 {
            &mut on_first
        } else {
            &mut on_second
        };
        let session = client
            .launch_session(LaunchSessionRequest {
                spec: Some(command_spec(&["launch_test_agent", "ask"])),
                request_id: rid(),
                kubernetes: Some(KubernetesTarget {}),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .session
            .unwrap();
        ids.push(session.id);
    }
    for id in &ids {
        t.job(&user, id).await;
    }
    // One claim each, and the Secret holds the one credential that claim minted (a second
    // claim would have minted another and revoked the first).
    for id in &ids {
        let session: uuid::Uuid = id.parse().unwrap();
        let (attempts, state): (i32, i16) =
            sqlx::query_as("SELECT attempts, state FROM launches WHERE session_id = $1")
                .bind(session)
                .fetch_one(t.app.store.pool())
                .await
                .unwrap();
        assert_eq!((attempts, state), (1, 3), "session {id}");
        let key = credential(&t, &user, id).await;
        let live: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM api_keys WHERE session_id = $1 AND revoked_at IS NULL AND key_hash = $2",
        )
        .bind(session)
        .bind(switchboard::auth::secrets::hash_secret(&key))
        .fetch_one(t.app.store.pool())
        .await
        .unwrap();
        assert_eq!(live, 1, "session {id}");
    }
    let jobs = t
        .jobs(&user)
        .list(
            &ListParams::default()
                .labels(&format!("switchboard.dev/instance={}", t.settings.instance)),
        )
        .await
        .unwrap();
    assert_eq!(jobs.items.len(), ids.len());
    // One session's credential acts on that session only.
    let mut first = t
        .app
        .agent_with_key(&credential(&t, &user, &ids[0]).await)
        .await;
    let elsewhere = first
        .log_step(LogStepRequest {
            session_id: ids[1].clone(),
            text: "not mine".into(),
            request_id: rid(),
        })
        .await;
    assert_eq!(code(elsewhere), Code::NotFound);
    replica.shutdown().await.unwrap();
    t.clean_up(&user).await;
}

#[tokio::test]
async fn each_project_launches_into_its_own_namespace_and_credentials_stay_in_their_session() {
    use k8s_openapi::api::authorization::v1::{
        ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec,
    };

    let Some(t) = KubeTest::start(|_| {}).await else {
        return;
    };
    let alice = t.app.user("kube-alice@example.com").await;
    let bob = t.app.user("kube-bob@example.com").await;
    let team = crate::roles::team(&t.app, &alice, &[]).await;
    // Alice launches in her personal project and in the team's; Bob in his own.
    let personal = launch_in(&t, &alice, "").await;
    let in_team = launch_in(&t, &alice, &team).await;
    let bobs = launch_in(&t, &bob, "").await;
    let ns_of = |project: &str| format!("{}{project}", t.settings.namespace_prefix);
    let mut namespaces = Vec::new();
    for (session, project) in [
        (&personal, alice.user_id.as_str()),
        (&in_team, team.as_str()),
        (&bobs, bob.user_id.as_str()),
    ] {
        let ns = ns_of(project);
        let jobs: Api<Job> = Api::namespaced(t.kube.clone(), &ns);
        let name = format!("sb-{session}");
        let mut job = None;
        for _ in 0..300 {
            job = jobs.get_opt(&name).await.unwrap();
            if job.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let job = job.unwrap_or_else(|| panic!("no job {name} in {ns}"));
        assert_eq!(
            job.metadata.labels.as_ref().unwrap()["switchboard.dev/project-id"],
            project
        );
        namespaces.push(ns);
    }
    // Three projects, three namespaces; no session's Job in another project's namespace.
    let distinct: std::collections::BTreeSet<_> = namespaces.iter().collect();
    assert_eq!(distinct.len(), 3);
    let team_jobs: Api<Job> = Api::namespaced(t.kube.clone(), &ns_of(&team));
    let in_team_ns: Vec<String> = team_jobs
        .list(
            &ListParams::default()
                .labels(&format!("switchboard.dev/instance={}", t.settings.instance)),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|j| j.metadata.name)
        .collect();
    assert_eq!(in_team_ns, [format!("sb-{in_team}")]);

    // The team session's credential (its pod's file) acts on that session only: not on the
    // same person's session in another project, nor on another tenant's.
    let key = {
        let secrets: Api<Secret> = Api::namespaced(t.kube.clone(), &ns_of(&team));
        let secret = secrets.get(&format!("sb-{in_team}")).await.unwrap();
        String::from_utf8(secret.data.unwrap()["api-key"].0.clone()).unwrap()
    };
    let mut agent = t.app.agent_with_key(&key).await;
    for other in [&personal, &bobs] {
        let refused = agent
            .log_step(LogStepRequest {
                session_id: other.clone(),
                text: "not mine".into(),
                request_id: rid(),
            })
            .await;
        assert_eq!(code(refused), Code::NotFound, "session {other}");
        let refused = agent
            .start_session(StartSessionRequest {
                session_id: other.clone(),
                agent_name: "command".into(),
                request_id: rid(),
                ..Default::default()
            })
            .await;
        assert_eq!(code(refused), Code::NotFound, "session {other}");
    }
    let own = agent
        .log_step(LogStepRequest {
            session_id: in_team.clone(),
            text: "mine".into(),
            request_id: rid(),
        })
        .await;
    assert!(own.is_ok(), "{own:?}");

    // A session pod's identity in one project's namespace (its default ServiceAccount, whose
    // token is not even mounted) gets nothing from another's, nor from its own.
    let reviews: Api<SubjectAccessReview> = Api::all(t.kube.clone());
    for (ns, verb, resource) in [
        (ns_of(&team), "get", "secrets"),
        (ns_of(&team), "list", "pods"),
        (ns_of(&alice.user_id), "get", "secrets"),
    ] {
        let review = SubjectAccessReview {
            spec: SubjectAccessReviewSpec {
                user: Some(format!(
                    "system:serviceaccount:{}:default",
                    ns_of(&alice.user_id)
                )),
                resource_attributes: Some(ResourceAttributes {
                    namespace: Some(ns.clone()),
                    verb: Some(verb.into()),
                    resource: Some(resource.into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        };
        let allowed = reviews
            .create(&PostParams::default(), &review)
            .await
            .unwrap()
            .status
            .unwrap()
            .allowed;
        assert!(!allowed, "{verb} {resource} in {ns} must be refused");
    }
    for project in [alice.user_id.as_str(), team.as_str(), bob.user_id.as_str()] {
        let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(t.kube.clone());
        let _ = namespaces
            .delete(&ns_of(project), &DeleteParams::background())
            .await;
    }
}

/// spec.mcp_servers reach the agent as they do on a runner, but their environment (tokens)
/// only through the session's Secret: never in the Job, its argv or its variables.
#[tokio::test]
async fn mcp_servers_go_into_the_secret_and_the_job_names_only_files() {
    let Some(t) = KubeTest::start(|_| {}).await else {
        return;
    };
    let mut user = t.app.user("kube-mcp@example.com").await;
    const TOKEN: &str = "tok-0123456789-very-secret";
    let servers = vec![
        McpServer {
            name: "docs".into(),
            command: vec!["docs-mcp".into(), "--stdio".into()],
            env: [("DOCS_TOKEN".to_owned(), TOKEN.to_owned())].into(),
            url: String::new(),
        },
        McpServer {
            name: "search".into(),
            command: Vec::new(),
            env: Default::default(),
            url: "https://mcp.example.com/mcp".into(),
        },
    ];
    let spec = |agent: AgentKind| SessionSpec {
        agent: agent as i32,
        prompt: "use the docs".into(),
        mcp_servers: servers.clone(),
        ..Default::default()
    };
    let claude = launch_on_kubernetes(&t, &user, spec(AgentKind::ClaudeCode))
        .await
        .id;
    let codex = launch_on_kubernetes(&t, &user, spec(AgentKind::Codex))
        .await
        .id;
    let secret_data = |secret: Secret| -> BTreeMap<String, String> {
        secret
            .data
            .unwrap()
            .into_iter()
            .map(|(k, v)| (k, String::from_utf8(v.0).unwrap()))
            .collect()
    };

    // Claude Code: one more --mcp-config, a file from the Secret in Claude's format.
    let job = t.job(&user, &claude).await;
    let json = serde_json::to_string(&job).unwrap();
    assert!(!json.contains(TOKEN), "the token is in the Job: {json}");
    let argv = container(&job).command.clone().unwrap();
    let at = argv
        .iter()
        .position(|a| a == "--mcp-config")
        .expect("--mcp-config");
    assert_eq!(argv[at + 1], "/var/run/secrets/switchboard/mcp.json");
    let data = secret_data(t.secrets(&user).get(&format!("sb-{claude}")).await.unwrap());
    let config: serde_json::Value = serde_json::from_str(&data["mcp.json"]).unwrap();
    assert_eq!(
        config,
        serde_json::json!({"mcpServers": {
            "docs": {"type": "stdio", "command": "docs-mcp", "args": ["--stdio"], "env": {"DOCS_TOKEN": TOKEN}},
            "search": {"type": "http", "url": "https://mcp.example.com/mcp"},
        }})
    );
    assert!(data.contains_key("api-key"));

    // Codex: -c overrides; the stdio server sources its environment from the Secret first.
    let job = t.job(&user, &codex).await;
    let json = serde_json::to_string(&job).unwrap();
    assert!(!json.contains(TOKEN), "the token is in the Job: {json}");
    let argv = container(&job).command.clone().unwrap();
    let codex_at = argv.iter().position(|a| a == "codex").unwrap();
    let exec_at = argv.iter().position(|a| a == "exec").unwrap();
    let overrides = &argv[codex_at + 1..exec_at];
    for wanted in [
        r#"mcp_servers.search.url="https://mcp.example.com/mcp""#,
        r#"mcp_servers.docs.command="sh""#,
        r#"mcp_servers.docs.args=["-c",". /var/run/secrets/switchboard/mcp-docs.env && exec \"$@\"","docs","docs-mcp","--stdio"]"#,
    ] {
        assert!(
            overrides.iter().any(|a| a == wanted),
            "{wanted} not in {overrides:?}"
        );
    }
    let data = secret_data(t.secrets(&user).get(&format!("sb-{codex}")).await.unwrap());
    assert_eq!(
        data["mcp-docs.env"],
        format!("export DOCS_TOKEN='{TOKEN}'\n")
    );
    // The pod mounts the whole Secret (credential and MCP files) read-only.
    let mount = &container(&job).volume_mounts.as_ref().unwrap()[0];
    assert_eq!(mount.mount_path, "/var/run/secrets/switchboard");
    assert_eq!(mount.read_only, Some(true));
    for id in [&claude, &codex] {
        user.dashboard
            .stop_session(StopSessionRequest {
                session_id: id.clone(),
                ..Default::default()
            })
            .await
            .expect("stop");
    }
    t.clean_up(&user).await;
}

/// With `workspace_volume`, a session and its continuation mount one claim: what the first
/// Job left in the workspace is there for the next. A hostPath PersistentVolume of the test's
/// own StorageClass name is bound to the claim by the real PV controller, and the real scheduler
/// places the pods with it.
#[tokio::test]
async fn a_continuation_mounts_its_familys_workspace_claim() {
    use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};

    let class = format!(
        "sb-test-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let for_settings = class.clone();
    let Some(t) = KubeTest::start(move |k| {
        k.workspace_volume = Some(switchboard::config::WorkspaceVolumeSettings {
            size: "1Gi".into(),
            storage_class: for_settings,
            mount_path: "/workspace".into(),
        })
    })
    .await
    else {
        return;
    };
    let volumes: Api<PersistentVolume> = Api::all(t.kube.clone());
    let volume: PersistentVolume = serde_json::from_value(serde_json::json!({
        "metadata": {"name": class},
        "spec": {
            "storageClassName": class,
            "capacity": {"storage": "1Gi"},
            "accessModes": ["ReadWriteOnce"],
            "hostPath": {"path": format!("/tmp/{class}")},
        }
    }))
    .unwrap();
    volumes
        .create(&PostParams::default(), &volume)
        .await
        .expect("the test's volume");
    let mut user = t.app.user("kube-workspace@example.com").await;
    let first = launch_on_kubernetes(&t, &user, command_spec(&["launch_test_agent", "ask"]))
        .await
        .id;
    let claim_name = format!("sbw-{first}");
    let mounted = |job: &Job| {
        let pod = job.spec.as_ref().unwrap().template.spec.as_ref().unwrap();
        let volume = pod
            .volumes
            .iter()
            .flatten()
            .find(|v| v.name == "workspace")
            .expect("a workspace volume");
        let c = &pod.containers[0];
        let mount = c
            .volume_mounts
            .iter()
            .flatten()
            .find(|m| m.name == "workspace")
            .expect("a workspace mount");
        assert_eq!(mount.mount_path, "/workspace");
        assert_eq!(c.working_dir.as_deref(), Some("/workspace"));
        volume
            .persistent_volume_claim
            .as_ref()
            .unwrap()
            .claim_name
            .clone()
    };
    assert_eq!(mounted(&t.job(&user, &first).await), claim_name);
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(t.kube.clone(), &t.namespace(&user));
    let claim = claims.get(&claim_name).await.expect("the family's claim");
    let labels = claim.metadata.labels.as_ref().unwrap();
    assert_eq!(labels["switchboard.dev/workspace-id"], first);
    assert!(!labels.contains_key("switchboard.dev/session-id"));
    assert!(
        claim.metadata.owner_references.is_none(),
        "it outlives the Job"
    );
    let spec = claim.spec.as_ref().unwrap();
    assert_eq!(spec.storage_class_name.as_deref(), Some(class.as_str()));
    assert_eq!(
        spec.resources.as_ref().unwrap().requests.as_ref().unwrap()["storage"].0,
        "1Gi"
    );

    // The claim is bound and the pod runs with it; it ends, and the continuation gets the
    // same claim while the first Job's pod is done with it.
    let pod = t.running_pod(&user, &first).await;
    t.exit_pod(&user, &pod, 0, "").await;
    until(&mut user, &first, "COMPLETED", |s| {
        status(s) == SessionStatus::Completed
    })
    .await;
    let bound = claims.get(&claim_name).await.unwrap();
    assert_eq!(
        bound.spec.unwrap().volume_name.as_deref(),
        Some(class.as_str())
    );
    let next = launcher(&t.app, &user)
        .await
        .continue_session(ContinueSessionRequest {
            session_id: first.clone(),
            request_id: rid(),
            prompt: "go on".into(),
        })
        .await
        .expect("continue")
        .into_inner()
        .session
        .unwrap()
        .id;
    assert_eq!(mounted(&t.job(&user, &next).await), claim_name);
    t.running_pod(&user, &next).await;
    let claims_now = claims
        .list(&ListParams::default().labels(&format!("switchboard.dev/workspace-id={first}")))
        .await
        .unwrap();
    assert_eq!(claims_now.items.len(), 1, "one claim per family");
    t.clean_up(&user).await;
    let _ = volumes.delete(&class, &DeleteParams::background()).await;
}

#[tokio::test]
async fn a_restarted_server_reconciles_with_the_cluster() {
    let Some(mut t) = KubeTest::start(|_| {}).await else {
        return;
    };
    let user = t.app.user("kube-restart@example.com").await;
    let id = launch_on_kubernetes(&t, &user, command_spec(&["launch_test_agent", "ask"]))
        .await
        .id;
    let job = t.job(&user, &id).await;
    t.running_pod(&user, &id).await;
    t.app.server.take().unwrap().shutdown().await.unwrap();

    // While no server runs: the Job vanishes, and a Job no launch owns appears.
    t.jobs(&user)
        .delete(&format!("sb-{id}"), &DeleteParams::background())
        .await
        .unwrap();
    let orphan_session = uuid::Uuid::new_v4();
    let mut orphan = job.clone();
    orphan.metadata = kube::api::ObjectMeta {
        name: Some(format!("sb-{orphan_session}")),
        namespace: job.metadata.namespace.clone(),
        labels: Some({
            let mut l = job.metadata.labels.clone().unwrap();
            l.insert(
                "switchboard.dev/session-id".into(),
                orphan_session.to_string(),
            );
            l
        }),
        ..Default::default()
    };
    orphan.status = None;
    if let Some(spec) = orphan.spec.as_mut() {
        // The Job controller fills these in; a new Job must not carry the old selector.
        spec.selector = None;
        spec.template.metadata.as_mut().unwrap().labels = orphan.metadata.labels.clone();
    }
    t.jobs(&user)
        .create(&PostParams::default(), &orphan)
        .await
        .expect("the orphan job is created");

    // A new server on the same database: the orphan is deleted, the session whose Job is gone
    // ends (it cannot be running anywhere).
    let settings = t.settings.clone();
    let server = t
        .app
        .replica_with(move |s| s.kubernetes = Some(settings))
        .await;
    let mut dashboard = DashboardServiceClient::with_interceptor(
        channel_to(server.addr).await,
        Bearer::new(&user.access_token),
    );
    let mut s = None;
    for _ in 0..300 {
        let got = dashboard
            .get_session(GetSessionRequest {
                session_id: id.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        if status(&got) == SessionStatus::Failed {
            s = got.session;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let s = s.expect("the session whose job vanished fails");
    assert_eq!(s.stop_reason(), StopReason::RunnerLost);
    t.until_job_gone(&user, &orphan_session.to_string()).await;
    server.shutdown().await.unwrap();
    t.clean_up(&user).await;
}

/// deploy/kubernetes/*.yaml, each document as JSON.
fn manifests() -> Vec<serde_json::Value> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/kubernetes");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("deploy/kubernetes")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            serde_saphyr::from_multiple::<serde_json::Value>(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", f.display()))
        })
        .collect()
}

#[tokio::test]
async fn the_deployment_manifests_are_accepted_and_grant_only_what_the_launcher_needs() {
    use k8s_openapi::api::authorization::v1::{
        ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec,
    };
    use kube::api::{ApiResource, DynamicObject, GroupVersionKind};

    let Some(path) = kubeconfig() else {
        return;
    };
    let kube = kube_client(&path).await;
    // Applied as written, in a namespace and with cluster-wide names of this test's own.
    let suffix = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let ns = format!("switchboard-{suffix}");
    let text = serde_json::to_string(&manifests())
        .unwrap()
        .replace(
            "\"switchboard-launcher\"",
            &format!("\"switchboard-launcher-{suffix}\""),
        )
        .replace(
            "\"namespace\":\"switchboard\"",
            &format!("\"namespace\":\"{ns}\""),
        );
    let mut docs: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    for doc in &mut docs {
        if doc["kind"] == "Namespace" {
            doc["metadata"]["name"] = ns.clone().into();
        }
    }
    let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    for kind in [
        "Namespace",
        "Secret",
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "Deployment",
        "Service",
    ] {
        assert!(kinds.contains(&kind), "deploy/kubernetes has no {kind}");
    }
    // Namespaces first, then the rest in file order.
    docs.sort_by_key(|d| d["kind"] != "Namespace");
    for doc in docs {
        let (group, version) = match doc["apiVersion"].as_str().unwrap().split_once('/') {
            Some((g, v)) => (g.to_owned(), v.to_owned()),
            None => (
                String::new(),
                doc["apiVersion"].as_str().unwrap().to_owned(),
            ),
        };
        let kind = doc["kind"].as_str().unwrap().to_owned();
        let resource = ApiResource::from_gvk(&GroupVersionKind::gvk(&group, &version, &kind));
        let object: DynamicObject = serde_json::from_value(doc).unwrap();
        let api: Api<DynamicObject> = match object.metadata.namespace.as_deref() {
            Some(n) => Api::namespaced_with(kube.clone(), n, &resource),
            None => Api::all_with(kube.clone(), &resource),
        };
        api.create(&PostParams::default(), &object)
            .await
            .unwrap_or_else(|e| panic!("{kind} {:?} refused: {e}", object.metadata.name));
    }
    // The Deployment's replicas are scheduled and run (kwok plays their kubelet).
    let pods: Api<Pod> = Api::namespaced(kube.clone(), &ns);
    let mut running = 0;
    for _ in 0..300 {
        running = pods
            .list(&ListParams::default().labels("app.kubernetes.io/name=switchboard"))
            .await
            .unwrap()
            .items
            .iter()
            .filter(|p| phase(p) == "Running")
            .count();
        if running == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(running, 2);

    // What the server's service account may do, as the apiserver's RBAC decides it.
    let user = format!("system:serviceaccount:{ns}:switchboard");
    let reviews: Api<SubjectAccessReview> = Api::all(kube.clone());
    let may_in =
        |namespace: Option<&str>, verb: &str, group: &str, resource: &str, subresource: &str| {
            let review = SubjectAccessReview {
                spec: SubjectAccessReviewSpec {
                    user: Some(user.clone()),
                    resource_attributes: Some(ResourceAttributes {
                        namespace: namespace.map(str::to_owned),
                        verb: Some(verb.into()),
                        group: Some(group.into()),
                        resource: Some(resource.into()),
                        subresource: (!subresource.is_empty()).then(|| subresource.into()),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                ..Default::default()
            };
            let reviews = reviews.clone();
            async move {
                reviews
                    .create(&PostParams::default(), &review)
                    .await
                    .unwrap()
                    .status
                    .unwrap()
                    .allowed
            }
        };
    let may = |verb: &str, group: &str, resource: &str, subresource: &str| {
        may_in(
            Some("switchboard-some-project"),
            verb,
            group,
            resource,
            subresource,
        )
    };
    for (verb, group, resource) in [
        ("create", "batch", "jobs"),
        ("delete", "batch", "jobs"),
        ("watch", "batch", "jobs"),
        ("watch", "", "pods"),
        ("create", "", "secrets"),
        ("patch", "", "secrets"),
        ("create", "", "namespaces"),
        ("create", "", "persistentvolumeclaims"),
    ] {
        assert!(
            may(verb, group, resource, "").await,
            "{verb} {resource} is needed"
        );
    }
    for (verb, group, resource, sub) in [
        ("list", "", "secrets", ""),
        ("get", "", "secrets", ""),
        ("create", "", "pods", ""),
        ("delete", "", "pods", ""),
        ("create", "", "pods", "exec"),
        ("get", "", "pods", "log"),
        ("create", "apps", "deployments", ""),
        ("delete", "", "namespaces", ""),
        ("delete", "", "persistentvolumeclaims", ""),
        ("create", "", "persistentvolumes", ""),
        ("create", "rbac.authorization.k8s.io", "rolebindings", ""),
    ] {
        assert!(
            !may(verb, group, resource, sub).await,
            "{verb} {resource}/{sub} must be refused"
        );
    }
    // Cluster-wide and in the system's namespaces: no reading Secrets, no exec.
    for (ns, verb, resource, sub) in [
        (None, "list", "secrets", ""),
        (None, "watch", "secrets", ""),
        (Some("kube-system"), "get", "secrets", ""),
        (Some("kube-system"), "create", "pods", "exec"),
        (None, "update", "namespaces", ""),
        (None, "create", "clusterrolebindings", ""),
    ] {
        let group = if resource == "clusterrolebindings" {
            "rbac.authorization.k8s.io"
        } else {
            ""
        };
        assert!(
            !may_in(ns, verb, group, resource, sub).await,
            "{verb} {resource}/{sub} in {ns:?} must be refused"
        );
    }
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(kube.clone());
    namespaces
        .delete(&ns, &DeleteParams::background())
        .await
        .expect("the test namespace is deleted");
}
