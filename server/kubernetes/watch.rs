//! Follows this deployment's pods and Jobs (kube-runtime watchers on their labels) and moves
//! their sessions: a pod that exists makes a PENDING session STARTING; a finished pod, or one
//! that cannot start, ends the launch; a Job past its deadline ends it at its hard limit; a
//! Job gone ends a stop (or fails a session whose Job someone else deleted).
//!
//! Every full list of the Jobs (at start, after every relist) reconciles the cluster with the
//! database: Jobs without a launch that may have one are deleted, and launches whose Job was
//! running before the list but is not in it end.

use std::collections::HashMap;
use std::sync::Arc;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use tokio_stream::StreamExt;
use tokio_util::sync::CancellationToken;

use super::KubeTarget;
use super::launcher::delete_job;
use super::workload::{self, PodState, session_of};
use crate::domain::{DomainResult, SessionId};
use crate::store::{KubeEnd, Store};

pub async fn run(store: Store, target: Arc<KubeTarget>, shutdown: CancellationToken) {
    tokio::select! {
        _ = pods(&store, &target) => {}
        _ = jobs(&store, &target) => {}
        _ = shutdown.cancelled() => {}
    }
}

fn config(target: &KubeTarget) -> watcher::Config {
    watcher::Config::default().labels(&workload::selector(&target.settings))
}

async fn pods(store: &Store, target: &KubeTarget) {
    let api: Api<Pod> = Api::all(target.client.clone());
    let events = watcher::watcher(api, config(target)).default_backoff();
    let mut events = std::pin::pin!(events);
    while let Some(event) = events.next().await {
        let pod = match event {
            Ok(Event::Apply(pod)) | Ok(Event::InitApply(pod)) => {
                target.traffic.object("pod");
                pod
            }
            Ok(Event::Delete(_)) => {
                target.traffic.object("pod");
                continue;
            }
            Ok(_) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "kubernetes pod watch failed; retrying");
                continue;
            }
        };
        if let Err(e) = pod_changed(store, &pod).await {
            tracing::warn!(error = %e, pod = ?pod.metadata.name, "cannot apply a pod's state");
        }
    }
}

async fn pod_changed(store: &Store, pod: &Pod) -> DomainResult<()> {
    let Some(session) = session_of(&pod.metadata) else {
        return Ok(());
    };
    match workload::pod_state(pod) {
        // A pod being deleted (a stop) is followed through its Job.
        PodState::Starting if pod.metadata.deletion_timestamp.is_some() => Ok(()),
        PodState::Starting => store.kube_pod_started(session).await,
        PodState::Ended(end) => store.kube_launch_ended(session, end).await.map(|_| ()),
    }
}

async fn jobs(store: &Store, target: &KubeTarget) {
    let api: Api<Job> = Api::all(target.client.clone());
    let events = watcher::watcher(api, config(target)).default_backoff();
    let mut events = std::pin::pin!(events);
    // The Jobs of the list in progress, and when it started (database clock).
    let mut listed: HashMap<SessionId, (String, String)> = HashMap::new();
    let mut list_started = None;
    while let Some(event) = events.next().await {
        if let Ok(Event::Apply(_) | Event::InitApply(_) | Event::Delete(_)) = &event {
            target.traffic.object("job");
        }
        let result = match event {
            Ok(Event::Init) => {
                listed.clear();
                match store.db_now().await {
                    Ok(now) => list_started = Some(now),
                    Err(e) => tracing::warn!(error = %e, "cannot read the database clock"),
                }
                Ok(())
            }
            Ok(Event::InitApply(job)) => {
                if let (Some(s), Some(ns), Some(name)) = (
                    session_of(&job.metadata),
                    job.metadata.namespace.clone(),
                    job.metadata.name.clone(),
                ) {
                    listed.insert(s, (ns, name));
                }
                job_changed(store, &job).await
            }
            Ok(Event::InitDone) => match list_started.take() {
                Some(before) => reconcile(store, target, &listed, before).await,
                None => Ok(()),
            },
            Ok(Event::Apply(job)) => job_changed(store, &job).await,
            Ok(Event::Delete(job)) => match session_of(&job.metadata) {
                Some(session) => store
                    .kube_launch_ended(session, KubeEnd::Gone)
                    .await
                    .map(|_| ()),
                None => Ok(()),
            },
            Err(e) => {
                tracing::warn!(error = %e, "kubernetes job watch failed; retrying");
                Ok(())
            }
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "cannot apply a job's state");
        }
    }
}

async fn job_changed(store: &Store, job: &Job) -> DomainResult<()> {
    let Some(session) = session_of(&job.metadata) else {
        return Ok(());
    };
    if workload::job_deadline_exceeded(job) {
        store
            .kube_launch_ended(session, KubeEnd::DeadlineExceeded)
            .await?;
    }
    Ok(())
}

/// After a full list: deletes the Jobs that have no live launch, and ends the launches that
/// had a Job before the list started but are not in it.
async fn reconcile(
    store: &Store,
    target: &KubeTarget,
    listed: &HashMap<SessionId, (String, String)>,
    before: chrono::DateTime<chrono::Utc>,
) -> DomainResult<()> {
    let sessions: Vec<SessionId> = listed.keys().copied().collect();
    for orphan in store.kube_orphans(&sessions).await? {
        let Some((ns, name)) = listed.get(&orphan) else {
            continue;
        };
        match delete_job(target, ns, name).await {
            Ok(()) => tracing::info!(namespace = %ns, job = %name, "orphaned job deleted"),
            Err(e) => {
                tracing::warn!(namespace = %ns, job = %name, error = %e, "cannot delete an orphaned job")
            }
        }
    }
    for session in store.kube_running_before(before).await? {
        if !listed.contains_key(&session) && store.kube_launch_ended(session, KubeEnd::Gone).await?
        {
            tracing::info!(session_id = %session, "the session's job is gone from the cluster");
        }
    }
    Ok(())
}
