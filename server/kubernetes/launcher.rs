//! Turns queued Kubernetes launches into Jobs, and stopped sessions' Jobs into deletions.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Namespace, PersistentVolumeClaim, Secret, ServiceAccount};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use tokio_util::sync::CancellationToken;

use super::KubeTarget;
use super::workload::{self, job_name, namespace};
use crate::domain::DomainError;
use crate::store::{KubeLaunch, Store};

const DELETIONS_PER_ROUND: i64 = 100;

/// Why a workload was not created.
#[derive(Debug)]
pub enum CreateError {
    /// The cluster refused it for good (invalid, forbidden, no such namespace): the launch
    /// fails with this message.
    Refused(String),
    /// Worth another try (the apiserver unreachable, overloaded, a conflict).
    Transient(String),
}

impl From<kube::Error> for CreateError {
    fn from(e: kube::Error) -> CreateError {
        match &e {
            kube::Error::Api(s) if matches!(s.code, 400 | 403 | 404 | 422) => {
                CreateError::Refused(format!("{} ({})", s.message, s.reason))
            }
            _ => CreateError::Transient(e.to_string()),
        }
    }
}

pub async fn run(store: Store, target: Arc<KubeTarget>, shutdown: CancellationToken) {
    let poll = target.settings.poll_interval();
    loop {
        if let Err(e) = round(&store, &target).await {
            tracing::warn!(error = %e, "kubernetes launcher round failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            _ = target.wake.notified() => {}
            _ = shutdown.cancelled() => return,
        }
    }
}

/// Creates the Jobs of every queued launch, then sends the deletions due.
pub async fn round(store: &Store, target: &KubeTarget) -> Result<(), DomainError> {
    while launch_one(store, target).await? {}
    for (session, ns, job) in store.kube_deletions(DELETIONS_PER_ROUND).await? {
        match delete_job(target, &ns, &job).await {
            Ok(()) => {
                store.kube_deletion_sent(session).await?;
                tracing::info!(session_id = %session, namespace = %ns, job = %job, "job deletion sent");
            }
            Err(e) => {
                tracing::warn!(session_id = %session, error = %e, "cannot delete the session's job")
            }
        }
    }
    Ok(())
}

/// Claims one queued launch and creates its workload. False when the queue is empty or the
/// cluster cannot be reached now (the launch stays queued for the next round).
async fn launch_one(store: &Store, target: &KubeTarget) -> Result<bool, DomainError> {
    let Some(claim) = store.claim_kube_launch().await? else {
        return Ok(false);
    };
    let ns = namespace(&target.settings, claim.launch.project);
    let name = job_name(claim.launch.session);
    let session = claim.launch.session;
    match create_workload(target, &claim.launch).await {
        Ok(()) => {
            claim.created(&ns, &name).await?;
            tracing::info!(session_id = %session, namespace = %ns, job = %name, "job created");
            Ok(true)
        }
        Err(CreateError::Refused(message)) => {
            tracing::warn!(session_id = %session, %message, "kubernetes refused the job");
            claim.failed(store, &message).await?;
            Ok(true)
        }
        Err(CreateError::Transient(message)) => {
            tracing::warn!(session_id = %session, %message, "cannot create the job now; will retry");
            Ok(false)
        }
    }
}

/// The family's workspace claim (when configured), the Job, then its Secret owned by it. Idempotent: a Job already there for this session is
/// ours (a replica created it and died before recording it), and the Secret is rewritten with
/// this claim's credential (the earlier one was never recorded, so it is not valid).
pub async fn create_workload(target: &KubeTarget, launch: &KubeLaunch) -> Result<(), CreateError> {
    let settings = &target.settings;
    let ns = namespace(settings, launch.project);
    if settings.create_namespaces {
        ensure_namespace(target, &ns).await?;
    }
    if let Some(claim) = workload::workspace_claim(settings, launch) {
        // The family's first Job creates it; its continuations find it there.
        let claims: Api<PersistentVolumeClaim> = Api::namespaced(target.client.clone(), &ns);
        match claims.create(&PostParams::default(), &claim).await {
            Ok(_) => {}
            Err(kube::Error::Api(s)) if s.is_already_exists() => {}
            Err(e) => return Err(e.into()),
        }
    }
    let jobs: Api<Job> = Api::namespaced(target.client.clone(), &ns);
    let name = job_name(launch.session);
    let job = match jobs
        .create(&PostParams::default(), &workload::job(settings, launch))
        .await
    {
        Ok(job) => job,
        Err(kube::Error::Api(s)) if s.is_already_exists() => {
            let job = jobs.get(&name).await?;
            if workload::session_of(&job.metadata) != Some(launch.session) {
                return Err(CreateError::Refused(format!(
                    "a Job named {name} that is not this session's exists in {ns}"
                )));
            }
            job
        }
        Err(e) => return Err(e.into()),
    };
    let uid = job
        .metadata
        .uid
        .clone()
        .ok_or_else(|| CreateError::Transient("the created Job has no uid".into()))?;
    let secrets: Api<Secret> = Api::namespaced(target.client.clone(), &ns);
    let secret = workload::secret(settings, launch, &uid);
    match secrets.create(&PostParams::default(), &secret).await {
        Ok(_) => {}
        Err(kube::Error::Api(s)) if s.is_already_exists() => {
            let patch = serde_json::json!({
                "metadata": { "ownerReferences": secret.metadata.owner_references },
                "stringData": secret.string_data,
            });
            secrets
                .patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
                .await?;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// Creates the project's namespace if needed and waits for its default ServiceAccount (the
/// admission plugin refuses pods until it exists, and the Job controller then backs off).
async fn ensure_namespace(target: &KubeTarget, ns: &str) -> Result<(), CreateError> {
    if target
        .ready_namespaces
        .lock()
        .expect("namespace cache lock")
        .contains(ns)
    {
        return Ok(());
    }
    let namespaces: Api<Namespace> = Api::all(target.client.clone());
    let wanted = Namespace {
        metadata: ObjectMeta {
            name: Some(ns.to_owned()),
            labels: Some(
                [
                    (
                        workload::MANAGED_BY.to_owned(),
                        workload::MANAGER.to_owned(),
                    ),
                    (
                        workload::INSTANCE.to_owned(),
                        target.settings.instance.clone(),
                    ),
                ]
                .into(),
            ),
            ..Default::default()
        },
        ..Default::default()
    };
    match namespaces.create(&PostParams::default(), &wanted).await {
        Ok(_) => {}
        Err(kube::Error::Api(s)) if s.is_already_exists() => {}
        Err(e) => return Err(e.into()),
    }
    let accounts: Api<ServiceAccount> = Api::namespaced(target.client.clone(), ns);
    let mut wait = Duration::from_millis(50);
    for _ in 0..40 {
        if accounts.get_opt("default").await?.is_some() {
            target
                .ready_namespaces
                .lock()
                .expect("namespace cache lock")
                .insert(ns.to_owned());
            return Ok(());
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_millis(500));
    }
    Err(CreateError::Transient(format!(
        "namespace {ns} has no default ServiceAccount yet"
    )))
}

/// Deletes a Job and, through foreground propagation, its pods and Secret before it: its
/// disappearance from the watch then means everything is gone. Gone already counts as done.
pub async fn delete_job(target: &KubeTarget, ns: &str, job: &str) -> Result<(), kube::Error> {
    let jobs: Api<Job> = Api::namespaced(target.client.clone(), ns);
    match jobs.delete(job, &DeleteParams::foreground()).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(s)) if s.is_not_found() => Ok(()),
        Err(e) => Err(e),
    }
}
