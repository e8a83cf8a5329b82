//! Scenario "kube" (issue 17; `--only kube --kubeconfig FILE`, never part of the default run):
//! Kubernetes launches on a real control plane (`scripts/kube-cluster.sh`: kube-apiserver,
//! controller-manager, scheduler, kwok as the kubelet; kwok's timings make this a measure of
//! our path, not of a kubelet).
//!
//! N sessions are launched at once. For each, from just before its LaunchSession call: to its
//! Job in a watch of the bench's own, to its pod Running, and to ACTIVE (a stand-in agent calls
//! StartSession with the Secret's credential as soon as the pod runs, as the container's agent
//! would). Baselines: the same number of Jobs created at once straight through the apiserver by
//! the bench, to their appearance in the same kind of watch and to their pods Running (the
//! cluster's own part: Job controller, scheduler, kwok). Also: the time until
//! all pods run and all sessions are ACTIVE, and the server's watch traffic over the run (its
//! `switchboard_kube_received_bytes_total` and `switchboard_kube_watch_objects_total`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Namespace, Pod, Secret};
use kube::api::{Api, DeleteParams, PostParams};
use kube::runtime::watcher::{self, Event};
use switchboard::proto::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_stream::StreamExt;

use super::{Plan, Target};
use crate::client;
use crate::report::{PMAX, Report};
use crate::server::BoxError;
use crate::stats::Samples;

const SCENARIO: &str = "10 kube";
const TIMEOUT: Duration = Duration::from_secs(180);

/// The cluster and how the server under test is told about it.
pub struct KubeBench {
    pub kubeconfig: PathBuf,
    /// This run's `kubernetes.instance`: its workloads' label.
    pub instance: String,
    /// The server's metrics listener (the watch traffic is read there).
    pub metrics_port: u16,
}

impl KubeBench {
    pub fn new(kubeconfig: PathBuf) -> Result<KubeBench, BoxError> {
        // A free port for the server's metrics listener (bound and released: the server takes it).
        let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        Ok(KubeBench {
            kubeconfig,
            instance: format!("bench-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]),
            metrics_port,
        })
    }

    /// The server's `[kubernetes]` section and metrics listener.
    pub fn server_env(&self) -> Vec<(String, String)> {
        [
            (
                "KUBERNETES__KUBECONFIG",
                self.kubeconfig.display().to_string(),
            ),
            ("KUBERNETES__INSTANCE", self.instance.clone()),
            (
                "KUBERNETES__IMAGE",
                "registry.example/switchboard-agent:bench".to_owned(),
            ),
            (
                "KUBERNETES__AGENT_URL",
                "http://switchboard.switchboard.svc:50051".to_owned(),
            ),
            (
                "METRICS__LISTEN",
                format!("127.0.0.1:{}", self.metrics_port),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (format!("SWITCHBOARD__{k}"), v))
        .collect()
    }
}

async fn kube_client(path: &Path) -> Result<kube::Client, BoxError> {
    let kubeconfig = kube::config::Kubeconfig::read_from(path)?;
    let config =
        kube::config::Config::from_custom_kubeconfig(kubeconfig, &Default::default()).await?;
    Ok(kube::Client::try_from(config)?)
}

/// When each session's Job and Running pod were first seen, keyed by (session id, "job" /
/// "running"), from the bench's own watches.
type Seen = Arc<Mutex<HashMap<(String, &'static str), Instant>>>;

fn spawn_watch<K>(
    api: Api<K>,
    selector: String,
    key_label: &'static str,
    what: &'static str,
    seen: Seen,
    counts: impl Fn(&K) -> bool + Send + 'static,
) -> tokio::task::JoinHandle<()>
where
    K: kube::Resource + Clone + std::fmt::Debug + serde::de::DeserializeOwned + Send + 'static,
{
    tokio::spawn(async move {
        let events = watcher::watcher(api, watcher::Config::default().labels(&selector));
        let mut events = std::pin::pin!(events);
        while let Some(event) = events.next().await {
            let (Ok(Event::Apply(o)) | Ok(Event::InitApply(o))) = event else {
                continue;
            };
            if !counts(&o) {
                continue;
            }
            if let Some(id) = o.meta().labels.as_ref().and_then(|l| l.get(key_label)) {
                seen.lock()
                    .unwrap()
                    .entry((id.clone(), what))
                    .or_insert_with(Instant::now);
            }
        }
    })
}

async fn wait_seen(seen: &Seen, id: &str, what: &'static str) -> Result<Instant, BoxError> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(at) = seen.lock().unwrap().get(&(id.to_owned(), what)) {
            return Ok(*at);
        }
        if Instant::now() > deadline {
            return Err(format!("session {id}: no {what} after {TIMEOUT:?}").into());
        }
        // The bench's own wait: the figures come from the watch's timestamps.
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// The server's counters (`name{label="value"} number` lines of its metrics text).
async fn scrape(port: u16) -> Result<HashMap<String, f64>, BoxError> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    stream
        .write_all(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .await?;
    let mut text = String::new();
    stream.read_to_string(&mut text).await?;
    Ok(text
        .lines()
        .filter(|l| l.starts_with("switchboard_kube_"))
        .filter_map(|l| {
            let (name, value) = l.rsplit_once(' ')?;
            Some((name.to_owned(), value.parse().ok()?))
        })
        .collect())
}

/// A Kubernetes launch of a COMMAND agent (the pod runs nothing under kwok: the stand-in agent
/// calls in for it).
async fn launch(mut launcher: client::Launcher) -> Result<Session, BoxError> {
    launcher
        .launch_session(LaunchSessionRequest {
            spec: Some(SessionSpec {
                agent: AgentKind::Command as i32,
                command: vec!["switchboard-agent".into(), "step".into(), "working".into()],
                ..Default::default()
            }),
            request_id: client::request_id(),
            kubernetes: Some(KubernetesTarget {}),
            ..Default::default()
        })
        .await?
        .into_inner()
        .session
        .ok_or_else(|| BoxError::from("LaunchSession returned no session"))
}

fn pod_running(p: &Pod) -> bool {
    p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
}

pub async fn scenario_kube(
    plan: &Plan,
    t: &Target,
    token: &str,
    kb: &KubeBench,
    report: &mut Report,
) -> Result<(), BoxError> {
    let n = plan.kube_sessions;
    let kube = kube_client(&kb.kubeconfig).await?;
    let channel = client::connect(&t.addr).await?;
    let launcher = client::launcher(channel.clone(), token)?;
    // One launch first: it creates the project's namespace (not part of the figures).
    let warm = launch(launcher.clone()).await?;
    let ns = format!("switchboard-{}", warm.project_id);
    let jobs: Api<Job> = Api::namespaced(kube.clone(), &ns);
    let deadline = Instant::now() + TIMEOUT;
    while jobs.get_opt(&format!("sb-{}", warm.id)).await?.is_none() {
        if Instant::now() > deadline {
            return Err("the warm-up launch's Job never appeared".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pods: Api<Pod> = Api::namespaced(kube.clone(), &ns);
    let secrets: Api<Secret> = Api::namespaced(kube.clone(), &ns);
    let seen: Seen = Arc::default();
    let ours = format!("switchboard.dev/instance={}", kb.instance);
    let direct = format!("switchboard.bench/direct={}", kb.instance);
    let watches = [
        spawn_watch(
            jobs.clone(),
            ours.clone(),
            "switchboard.dev/session-id",
            "job",
            seen.clone(),
            |_| true,
        ),
        spawn_watch(
            pods.clone(),
            ours,
            "switchboard.dev/session-id",
            "running",
            seen.clone(),
            pod_running,
        ),
        spawn_watch(
            jobs.clone(),
            direct.clone(),
            "switchboard.bench/id",
            "direct",
            seen.clone(),
            |_| true,
        ),
        spawn_watch(
            pods.clone(),
            direct.clone(),
            "switchboard.bench/id",
            "direct-running",
            seen.clone(),
            pod_running,
        ),
    ];
    // Let the watches' initial lists land.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = scrape(kb.metrics_port).await?;

    eprintln!("  kube: {n} launches at once");
    let started = Instant::now();
    let mut calls = Vec::new();
    for _ in 0..n {
        let launcher = launcher.clone();
        calls.push(tokio::spawn(async move {
            let t0 = Instant::now();
            launch(launcher).await.map(|s| (s.id, t0))
        }));
    }
    let mut launched = Vec::new();
    for call in calls {
        launched.push(call.await??);
    }
    // The stand-in agents: each calls in as soon as its pod runs.
    let mut agents = Vec::new();
    for (id, _) in &launched {
        let (id, seen, secrets, channel) =
            (id.clone(), seen.clone(), secrets.clone(), channel.clone());
        agents.push(tokio::spawn(async move {
            wait_seen(&seen, &id, "running").await?;
            let secret = secrets.get(&format!("sb-{id}")).await?;
            let key = secret
                .data
                .as_ref()
                .and_then(|d| d.get("api-key"))
                .ok_or("the session's Secret has no api-key")?;
            let mut agent = client::agent(channel, std::str::from_utf8(&key.0)?)?;
            let s = agent
                .start_session(StartSessionRequest {
                    session_id: id.clone(),
                    agent_name: "command".into(),
                    request_id: client::request_id(),
                    ..Default::default()
                })
                .await?
                .into_inner()
                .session
                .ok_or("StartSession returned no session")?;
            if s.status() != SessionStatus::Active {
                return Err(format!("session {id} is {:?}, not ACTIVE", s.status()).into());
            }
            Ok::<_, BoxError>(Instant::now())
        }));
    }
    let mut active_at = Vec::new();
    for a in agents {
        active_at.push(a.await??);
    }
    let all_active = started.elapsed();
    let (mut to_job, mut to_running, mut to_active) = (
        Samples::with_capacity(n),
        Samples::with_capacity(n),
        Samples::with_capacity(n),
    );
    let mut last_running = started;
    for ((id, t0), active) in launched.iter().zip(&active_at) {
        let job = wait_seen(&seen, id, "job").await?;
        let running = wait_seen(&seen, id, "running").await?;
        last_running = last_running.max(running);
        to_job.push(job.saturating_duration_since(*t0));
        to_running.push(running.saturating_duration_since(*t0));
        to_active.push(active.saturating_duration_since(*t0));
    }
    let after = scrape(kb.metrics_port).await?;

    // The baseline: as many Jobs created at once by the bench itself, straight to the apiserver.
    eprintln!("  kube: {n} Jobs created at once through the apiserver (baseline)");
    let template: Job = serde_json::from_value(serde_json::json!({
        "metadata": {},
        "spec": {
            "backoffLimit": 0,
            "template": {
                "metadata": {},
                "spec": {
                    "restartPolicy": "Never",
                    "automountServiceAccountToken": false,
                    "containers": [{"name": "agent", "image": "registry.example/switchboard-agent:bench"}],
                }
            }
        }
    }))?;
    let mut creates = Vec::new();
    for i in 0..n {
        let (jobs, mut job, instance) = (jobs.clone(), template.clone(), kb.instance.clone());
        let id = format!("d{i}");
        job.metadata.name = Some(format!("bench-direct-{i}-{instance}"));
        let labels: std::collections::BTreeMap<String, String> = [
            ("switchboard.bench/direct".to_owned(), instance),
            ("switchboard.bench/id".to_owned(), id.clone()),
        ]
        .into();
        if let Some(template) = job.spec.as_mut().and_then(|s| s.template.metadata.as_mut()) {
            template.labels = Some(labels.clone());
        }
        job.metadata.labels = Some(labels);
        creates.push(tokio::spawn(async move {
            let t0 = Instant::now();
            jobs.create(&PostParams::default(), &job).await?;
            Ok::<_, BoxError>((id, t0))
        }));
    }
    let (mut direct_job, mut direct_running) =
        (Samples::with_capacity(n), Samples::with_capacity(n));
    for c in creates {
        let (id, t0) = c.await??;
        let at = wait_seen(&seen, &id, "direct").await?;
        direct_job.push(at.saturating_duration_since(t0));
        let at = wait_seen(&seen, &id, "direct-running").await?;
        direct_running.push(at.saturating_duration_since(t0));
    }
    for w in watches {
        w.abort();
    }

    report.latency(
        SCENARIO,
        &format!("{n} launches at once: LaunchSession → Job in a watch"),
        &mut to_job,
        Some(&mut direct_job),
        "Job created directly, to the watch",
        PMAX,
    );
    report.latency(
        SCENARIO,
        &format!("{n} launches at once: LaunchSession → pod Running (kwok)"),
        &mut to_running,
        Some(&mut direct_running),
        "Job created directly, to its pod Running",
        PMAX,
    );
    report.latency(
        SCENARIO,
        &format!("{n} launches at once: LaunchSession → ACTIVE"),
        &mut to_active,
        None,
        "",
        PMAX,
    );
    report.row(
        SCENARIO,
        &format!("{n} launches at once"),
        "until all pods Running",
        "s",
        last_running.duration_since(started).as_secs_f64(),
        None,
        "",
    );
    report.row(
        SCENARIO,
        &format!("{n} launches at once"),
        "until all ACTIVE",
        "s",
        all_active.as_secs_f64(),
        None,
        "",
    );
    let delta =
        |k: &str| after.get(k).copied().unwrap_or(0.0) - before.get(k).copied().unwrap_or(0.0);
    let watch_bytes = delta(r#"switchboard_kube_received_bytes_total{request="watch"}"#);
    let other_bytes = delta(r#"switchboard_kube_received_bytes_total{request="other"}"#);
    let objects = delta(r#"switchboard_kube_watch_objects_total{kind="pod"}"#)
        + delta(r#"switchboard_kube_watch_objects_total{kind="job"}"#);
    for (metric, unit, value) in [
        (
            "server's watch streams received",
            "KiB",
            watch_bytes / 1024.0,
        ),
        (
            "server's other kube responses received",
            "KiB",
            other_bytes / 1024.0,
        ),
        ("pod and Job objects the server's watchers got", "", objects),
        (
            "watch KiB per session",
            "KiB",
            watch_bytes / 1024.0 / n as f64,
        ),
    ] {
        report.row(
            SCENARIO,
            &format!("{n} launches at once"),
            metric,
            unit,
            value,
            None,
            "",
        );
    }

    // Leave the cluster as it was: the namespace goes, with every Job, pod and Secret in it.
    let namespaces: Api<Namespace> = Api::all(kube);
    if let Err(e) = namespaces.delete(&ns, &DeleteParams::background()).await {
        report
            .notes
            .push(format!("kube: the namespace {ns} was not deleted: {e}"));
    }
    Ok(())
}
