//! What a Kubernetes launch is made of: the names, labels, Job and Secret for a session, and
//! the reading of a pod's or Job's state back into how the launch stands. Pure functions: the
//! launcher and the watcher do the talking.

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, EnvVar, EnvVarSource, PersistentVolumeClaim,
    PersistentVolumeClaimSpec, PersistentVolumeClaimVolumeSource, Pod, PodSecurityContext, PodSpec,
    PodTemplateSpec, ResourceRequirements, SeccompProfile, Secret, SecretKeySelector,
    SecretVolumeSource, SecurityContext, Volume, VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

use crate::config::KubernetesSettings;
use crate::domain::launch::AgentKind;
use crate::domain::{ProjectId, SessionId};
use crate::store::{KubeEnd, KubeLaunch};

pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const MANAGER: &str = "switchboard";
pub const INSTANCE: &str = "switchboard.dev/instance";
pub const SESSION: &str = "switchboard.dev/session-id";
pub const PROJECT: &str = "switchboard.dev/project-id";
pub const WORKSPACE: &str = "switchboard.dev/workspace-id";
/// The key of the credential in the session's Secret, and the file name it is mounted as (the
/// MCP servers' files are mounted beside it).
pub const CREDENTIAL_KEY: &str = "api-key";
pub const CREDENTIAL_DIR: &str = "/var/run/secrets/switchboard";
/// The container's name in every session pod.
pub const CONTAINER: &str = "agent";

/// Waiting reasons that mean the pod will not start by itself (a Job's backoff never trips on
/// them: the container never ran).
pub const FATAL_WAITING: [&str; 5] = [
    "ImagePullBackOff",
    "ErrImagePull",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "InvalidImageName",
];

/// The scheduler's words for a pod waiting on its PersistentVolumeClaims to be bound.
const UNBOUND_CLAIMS: &str = "unbound immediate PersistentVolumeClaims";

/// The Job (and its Secret) of a session: "sb-" and the session's id, 39 characters (a
/// DNS label holds 63).
pub fn job_name(session: SessionId) -> String {
    format!("sb-{}", session.0)
}

/// The workspace claim of a session family: "sbw-" and its first session's id.
pub fn workspace_claim_name(workspace: SessionId) -> String {
    format!("sbw-{}", workspace.0)
}

/// A project's namespace.
pub fn namespace(settings: &KubernetesSettings, project: ProjectId) -> String {
    format!("{}{}", settings.namespace_prefix, project.0)
}

/// The label selector of this deployment's workloads (what the watch and the reconciliation
/// look at).
pub fn selector(settings: &KubernetesSettings) -> String {
    format!("{MANAGED_BY}={MANAGER},{INSTANCE}={}", settings.instance)
}

fn labels(settings: &KubernetesSettings, launch: &KubeLaunch) -> BTreeMap<String, String> {
    BTreeMap::from([
        (MANAGED_BY.to_owned(), MANAGER.to_owned()),
        (INSTANCE.to_owned(), settings.instance.clone()),
        (SESSION.to_owned(), launch.session.0.to_string()),
        (PROJECT.to_owned(), launch.project.0.to_string()),
    ])
}

/// The pod's labels: the configured extras, then Switchboard's own (which the settings' check
/// keeps the extras from overriding).
fn pod_labels(
    settings: &KubernetesSettings,
    own: BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut labels = settings.pod_labels.clone();
    labels.extend(own);
    labels
}

/// The session a labelled object belongs to.
pub fn session_of(meta: &ObjectMeta) -> Option<SessionId> {
    let value = meta.labels.as_ref()?.get(SESSION)?;
    uuid::Uuid::parse_str(value).ok().map(SessionId)
}

/// The container's argv: Command launches run their own; Claude Code and Codex run through the
/// configured agent command, as a runner does.
fn argv(settings: &KubernetesSettings, launch: &KubeLaunch) -> Vec<String> {
    let spec = &launch.spec;
    let mut v = settings.agent_command.clone();
    let model = |v: &mut Vec<String>| {
        if !spec.model.is_empty() {
            v.extend(["--model".to_owned(), spec.model.clone()]);
        }
    };
    match spec.agent {
        AgentKind::Command => return spec.command.clone(),
        AgentKind::ClaudeCode => {
            v.push("claude".into());
            if launch.resume {
                v.push("--continue".into());
            }
            v.extend(super::mcp::config(spec, CREDENTIAL_DIR).args);
            model(&mut v);
            v.extend(["-p".to_owned(), spec.prompt.clone()]);
        }
        AgentKind::Codex => {
            v.push("codex".into());
            v.extend(super::mcp::config(spec, CREDENTIAL_DIR).args);
            v.push("exec".into());
            if launch.resume {
                // As on a runner: Codex's latest session in the working directory (kept only
                // with a workspace volume and Codex's state on it).
                v.extend(["resume".to_owned(), "--last".to_owned()]);
            }
            model(&mut v);
            v.push(spec.prompt.clone());
        }
    }
    v
}

fn env(settings: &KubernetesSettings, launch: &KubeLaunch) -> Vec<EnvVar> {
    let plain = |name: &str, value: String| EnvVar {
        name: name.to_owned(),
        value: Some(value),
        value_from: None,
    };
    let spec = &launch.spec;
    let mut env: Vec<EnvVar> = spec.env.iter().map(|(k, v)| plain(k, v.clone())).collect();
    // Secrets by reference: a Secret of that name in the project's namespace, key `value`
    // (missing: the pod shows CreateContainerConfigError and the launch fails with it).
    env.extend(spec.secret_env.iter().map(|s| EnvVar {
        name: s.name.clone(),
        value: None,
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: s.secret.clone(),
                key: "value".into(),
                optional: Some(false),
            }),
            ..Default::default()
        }),
    }));
    env.extend([
        plain("SWITCHBOARD_URL", settings.agent_url.clone()),
        plain("SWITCHBOARD_SESSION_ID", launch.session.0.to_string()),
        plain("SWITCHBOARD_AGENT_NAME", spec.agent_name.clone()),
        plain("SWITCHBOARD_PROMPT", spec.prompt.clone()),
        // The credential is a file, never a variable (variables leak into child processes,
        // crash reports and `kubectl describe`).
        plain(
            "SWITCHBOARD_API_KEY_FILE",
            format!("{CREDENTIAL_DIR}/{CREDENTIAL_KEY}"),
        ),
        plain(
            "SWITCHBOARD_RESUME",
            if launch.resume { "1" } else { "0" }.into(),
        ),
    ]);
    if !spec.repositories.is_empty() {
        let repos: Vec<_> = spec
            .repositories
            .iter()
            .map(|r| serde_json::json!({ "url": r.url, "branch": r.branch, "path": r.path }))
            .collect();
        env.push(plain(
            "SWITCHBOARD_REPOSITORIES",
            serde_json::Value::from(repos).to_string(),
        ));
    }
    if !spec.workdir.is_empty() {
        env.push(plain("SWITCHBOARD_WORKDIR", spec.workdir.clone()));
    }
    env
}

fn resources(settings: &KubernetesSettings) -> Option<ResourceRequirements> {
    let pick = |pairs: [(&str, &String); 2]| {
        let m: BTreeMap<String, Quantity> = pairs
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.to_owned(), Quantity(v.clone())))
            .collect();
        (!m.is_empty()).then_some(m)
    };
    let requests = pick([
        ("cpu", &settings.cpu_request),
        ("memory", &settings.memory_request),
    ]);
    let limits = pick([
        ("cpu", &settings.cpu_limit),
        ("memory", &settings.memory_limit),
    ]);
    (requests.is_some() || limits.is_some()).then(|| ResourceRequirements {
        requests,
        limits,
        ..Default::default()
    })
}

/// The session's Job: one pod, never retried (`backoffLimit: 0`: a failed agent is the
/// session's outcome), limited by the hard limit, cleaned up after `ttl_after_finished_secs`,
/// non-root, no service-account token, the credential mounted read-only from the Secret.
pub fn job(settings: &KubernetesSettings, launch: &KubeLaunch) -> Job {
    let name = job_name(launch.session);
    let labels = labels(settings, launch);
    let uid = settings.run_as_user;
    let mut mounts = vec![VolumeMount {
        name: "credential".into(),
        mount_path: CREDENTIAL_DIR.into(),
        read_only: Some(true),
        ..Default::default()
    }];
    let mut volumes = vec![Volume {
        name: "credential".into(),
        secret: Some(SecretVolumeSource {
            secret_name: Some(name.clone()),
            default_mode: Some(0o440),
            optional: Some(false),
            ..Default::default()
        }),
        ..Default::default()
    }];
    if let Some(w) = &settings.workspace_volume {
        mounts.push(VolumeMount {
            name: "workspace".into(),
            mount_path: w.mount_path.clone(),
            ..Default::default()
        });
        volumes.push(Volume {
            name: "workspace".into(),
            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                claim_name: workspace_claim_name(launch.workspace),
                read_only: None,
            }),
            ..Default::default()
        });
    }
    let container = Container {
        name: CONTAINER.into(),
        image: Some(settings.image.clone()),
        command: Some(argv(settings, launch)),
        env: Some(env(settings, launch)),
        resources: resources(settings),
        // The end of the output when the agent fails: its stop reason's last lines.
        termination_message_policy: Some("FallbackToLogsOnError".into()),
        volume_mounts: Some(mounts),
        working_dir: settings
            .workspace_volume
            .as_ref()
            .map(|w| w.mount_path.clone()),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            run_as_non_root: Some(true),
            capabilities: Some(Capabilities {
                drop: Some(vec!["ALL".into()]),
                add: None,
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    Job {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            namespace: Some(namespace(settings, launch.project)),
            labels: Some(labels.clone()),
            ..Default::default()
        },
        spec: Some(JobSpec {
            backoff_limit: Some(0),
            active_deadline_seconds: launch.hard_limit_secs,
            ttl_seconds_after_finished: Some(settings.ttl_after_finished_secs),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(pod_labels(settings, labels)),
                    annotations: (!settings.pod_annotations.is_empty())
                        .then(|| settings.pod_annotations.clone()),
                    ..Default::default()
                }),
                spec: Some(PodSpec {
                    restart_policy: Some("Never".into()),
                    automount_service_account_token: Some(false),
                    enable_service_links: Some(false),
                    security_context: Some(PodSecurityContext {
                        run_as_non_root: Some(true),
                        run_as_user: Some(uid),
                        run_as_group: Some(uid),
                        fs_group: Some(uid),
                        seccomp_profile: Some(SeccompProfile {
                            type_: "RuntimeDefault".into(),
                            localhost_profile: None,
                        }),
                        ..Default::default()
                    }),
                    containers: vec![container],
                    volumes: Some(volumes),
                    ..Default::default()
                }),
            },
            ..Default::default()
        }),
        status: None,
    }
}

/// The session's credential, and its MCP servers' configuration (their environments may hold
/// tokens), owned by its Job (deleted with it by the garbage collector).
pub fn secret(settings: &KubernetesSettings, launch: &KubeLaunch, job_uid: &str) -> Secret {
    let name = job_name(launch.session);
    let mut data = super::mcp::config(&launch.spec, CREDENTIAL_DIR).files;
    data.insert(CREDENTIAL_KEY.to_owned(), launch.agent_key.clone());
    Secret {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            namespace: Some(namespace(settings, launch.project)),
            labels: Some(labels(settings, launch)),
            owner_references: Some(vec![OwnerReference {
                api_version: "batch/v1".into(),
                kind: "Job".into(),
                name,
                uid: job_uid.to_owned(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            ..Default::default()
        },
        type_: Some("Opaque".into()),
        string_data: Some(data),
        immutable: None,
        data: None,
    }
}

/// The workspace claim of the launch's session family, when the settings ask for one. Not
/// owned by a Job: it outlives each of them for the next continuation (it goes with the
/// project's namespace, or by an operator's hand).
pub fn workspace_claim(
    settings: &KubernetesSettings,
    launch: &KubeLaunch,
) -> Option<PersistentVolumeClaim> {
    let w = settings.workspace_volume.as_ref()?;
    let mut labels = labels(settings, launch);
    // The claim belongs to the family, not to one session.
    labels.remove(SESSION);
    labels.insert(WORKSPACE.to_owned(), launch.workspace.0.to_string());
    Some(PersistentVolumeClaim {
        metadata: ObjectMeta {
            name: Some(workspace_claim_name(launch.workspace)),
            namespace: Some(namespace(settings, launch.project)),
            labels: Some(labels),
            ..Default::default()
        },
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec!["ReadWriteOnce".into()]),
            storage_class_name: (!w.storage_class.is_empty()).then(|| w.storage_class.clone()),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([(
                    "storage".to_owned(),
                    Quantity(w.size.clone()),
                )])),
                limits: None,
            }),
            ..Default::default()
        }),
        status: None,
    })
}

/// How a pod stands, for its session.
#[derive(Debug, Clone, PartialEq)]
pub enum PodState {
    /// Created, starting or running.
    Starting,
    /// Finished or unable to start: the launch's end.
    Ended(KubeEnd),
}

/// Reads a pod: its phase, its container's waiting or terminated state, and the scheduler's
/// verdict.
pub fn pod_state(pod: &Pod) -> PodState {
    let Some(status) = &pod.status else {
        return PodState::Starting;
    };
    let container = status
        .container_statuses
        .iter()
        .flatten()
        .find(|c| c.name == CONTAINER);
    let terminated = container.and_then(|c| c.state.as_ref()?.terminated.as_ref());
    match status.phase.as_deref() {
        Some("Succeeded") | Some("Failed") => {
            let succeeded = status.phase.as_deref() == Some("Succeeded");
            let code = terminated
                .map(|t| t.exit_code)
                .unwrap_or(if succeeded { 0 } else { 1 });
            let mut lines = Vec::new();
            if let Some(t) = terminated {
                if let Some(reason) = t.reason.as_deref().filter(|r| !r.is_empty()) {
                    lines.push(format!("{reason} (exit code {})", t.exit_code));
                }
                lines.extend(last_lines(t.message.as_deref().unwrap_or_default()));
            } else if let Some(reason) = status.reason.as_deref() {
                lines.push(format!(
                    "{reason}: {}",
                    status.message.as_deref().unwrap_or_default()
                ));
            }
            return PodState::Ended(KubeEnd::Exited { code, lines });
        }
        _ => {}
    }
    if let Some(waiting) = container.and_then(|c| c.state.as_ref()?.waiting.as_ref()) {
        let reason = waiting.reason.as_deref().unwrap_or_default();
        if FATAL_WAITING.contains(&reason) {
            let message = waiting.message.as_deref().unwrap_or_default();
            return PodState::Ended(KubeEnd::StartFailed {
                lines: vec![format!("{reason}: {message}").trim_end_matches(": ").into()],
            });
        }
    }
    // A claim not bound yet (a provisioner at work, the workspace volume's first Job) is a
    // wait, not a verdict: the scheduler retries once it is bound, and the start deadline
    // bounds the wait.
    let unschedulable = status.conditions.iter().flatten().find(|c| {
        c.type_ == "PodScheduled"
            && c.status == "False"
            && c.reason.as_deref() == Some("Unschedulable")
            && !c
                .message
                .as_deref()
                .is_some_and(|m| m.contains(UNBOUND_CLAIMS))
    });
    if let Some(c) = unschedulable {
        return PodState::Ended(KubeEnd::StartFailed {
            lines: vec![format!(
                "Unschedulable: {}",
                c.message.as_deref().unwrap_or_default()
            )],
        });
    }
    PodState::Starting
}

/// Whether the Job's deadline (the launch's hard limit) ended it.
pub fn job_deadline_exceeded(job: &Job) -> bool {
    job.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .any(|c| {
            c.type_ == "Failed"
                && c.status == "True"
                && c.reason.as_deref() == Some("DeadlineExceeded")
        })
}

fn last_lines(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines
        .len()
        .saturating_sub(crate::domain::launch::MAX_LAST_LINES - 1);
    lines[start..]
        .iter()
        .map(|l| {
            l.chars()
                .take(crate::domain::launch::MAX_LINE_CHARS)
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{
        ContainerState, ContainerStateTerminated, ContainerStateWaiting, ContainerStatus,
        PodCondition, PodStatus,
    };

    fn pod(status: PodStatus) -> Pod {
        Pod {
            status: Some(status),
            ..Default::default()
        }
    }

    fn container(state: ContainerState) -> Option<Vec<ContainerStatus>> {
        Some(vec![ContainerStatus {
            name: CONTAINER.into(),
            state: Some(state),
            ..Default::default()
        }])
    }

    #[test]
    fn names_fit_a_dns_label() {
        let s = SessionId(uuid::Uuid::new_v4());
        assert!(job_name(s).len() <= 63);
        let settings = KubernetesSettings::default();
        assert!(namespace(&settings, ProjectId(uuid::Uuid::new_v4())).len() <= 63);
    }

    #[test]
    fn waiting_reasons_that_never_recover_end_the_launch() {
        for reason in FATAL_WAITING {
            let p = pod(PodStatus {
                phase: Some("Pending".into()),
                container_statuses: container(ContainerState {
                    waiting: Some(ContainerStateWaiting {
                        reason: Some(reason.into()),
                        message: Some("details".into()),
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            });
            assert_eq!(
                pod_state(&p),
                PodState::Ended(KubeEnd::StartFailed {
                    lines: vec![format!("{reason}: details")]
                })
            );
        }
        let creating = pod(PodStatus {
            phase: Some("Pending".into()),
            container_statuses: container(ContainerState {
                waiting: Some(ContainerStateWaiting {
                    reason: Some("ContainerCreating".into()),
                    message: None,
                }),
                ..Default::default()
            }),
            ..Default::default()
        });
        assert_eq!(pod_state(&creating), PodState::Starting);
    }

    #[test]
    fn unschedulable_carries_the_schedulers_message() {
        let p = pod(PodStatus {
            phase: Some("Pending".into()),
            conditions: Some(vec![PodCondition {
                type_: "PodScheduled".into(),
                status: "False".into(),
                reason: Some("Unschedulable".into()),
                message: Some("0/1 nodes are available: 1 Insufficient cpu.".into()),
                ..Default::default()
            }]),
            ..Default::default()
        });
        assert_eq!(
            pod_state(&p),
            PodState::Ended(KubeEnd::StartFailed {
                lines: vec!["Unschedulable: 0/1 nodes are available: 1 Insufficient cpu.".into()]
            })
        );
    }

    fn launch(agent: AgentKind, resume: bool) -> KubeLaunch {
        KubeLaunch {
            session: SessionId(uuid::Uuid::new_v4()),
            project: ProjectId(uuid::Uuid::new_v4()),
            spec: crate::domain::launch::LaunchSpec::example(agent, "go on"),
            resume,
            agent_key: "k".into(),
            hard_limit_secs: None,
            workspace: SessionId(uuid::Uuid::new_v4()),
        }
    }

    /// A continuation resumes as on a runner: Claude Code's `--continue`, Codex's
    /// `exec resume --last`.
    #[test]
    fn continuations_resume_the_agents_conversation() {
        let settings = KubernetesSettings::default();
        assert_eq!(
            argv(&settings, &launch(AgentKind::Codex, true)),
            [
                "switchboard-agent",
                "codex",
                "exec",
                "resume",
                "--last",
                "go on"
            ]
        );
        assert_eq!(
            argv(&settings, &launch(AgentKind::Codex, false)),
            ["switchboard-agent", "codex", "exec", "go on"]
        );
        assert_eq!(
            argv(&settings, &launch(AgentKind::ClaudeCode, true)),
            ["switchboard-agent", "claude", "--continue", "-p", "go on"]
        );
    }

    #[test]
    fn a_claim_being_bound_is_a_wait_not_a_failure() {
        let p = pod(PodStatus {
            phase: Some("Pending".into()),
            conditions: Some(vec![PodCondition {
                type_: "PodScheduled".into(),
                status: "False".into(),
                reason: Some("Unschedulable".into()),
                message: Some(
                    "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. not found"
                        .into(),
                ),
                ..Default::default()
            }]),
            ..Default::default()
        });
        assert_eq!(pod_state(&p), PodState::Starting);
    }

    #[test]
    fn a_failed_container_keeps_its_code_and_last_lines() {
        let p = pod(PodStatus {
            phase: Some("Failed".into()),
            container_statuses: container(ContainerState {
                terminated: Some(ContainerStateTerminated {
                    exit_code: 3,
                    reason: Some("Error".into()),
                    message: Some("cloning\nfatal: repository not found\n".into()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        });
        assert_eq!(
            pod_state(&p),
            PodState::Ended(KubeEnd::Exited {
                code: 3,
                lines: vec![
                    "Error (exit code 3)".into(),
                    "cloning".into(),
                    "fatal: repository not found".into()
                ]
            })
        );
    }
}
