//! Launch messages between protobuf and the domain: the session spec (validated on the way in,
//! naming the field), the runner selector, runners and assignments.

use crate::api::convert::{self, ts};
use crate::domain::launch::{
    AgentKind, Assignment, LaunchSpec, LaunchTarget, MAX_SELECTOR_LABELS, McpServer, Repository,
    Runner, RunnerSelector, SecretEnv, SpecInput, labels,
};
use crate::domain::{DomainError, DomainResult, RunnerId, validate};
use crate::proto as pb;

fn agent_kind(v: i32) -> DomainResult<Option<AgentKind>> {
    match pb::AgentKind::try_from(v) {
        Ok(pb::AgentKind::Unspecified) => Ok(None),
        Ok(pb::AgentKind::ClaudeCode) => Ok(Some(AgentKind::ClaudeCode)),
        Ok(pb::AgentKind::Codex) => Ok(Some(AgentKind::Codex)),
        Ok(pb::AgentKind::Command) => Ok(Some(AgentKind::Command)),
        Err(_) => Err(DomainError::invalid(
            "spec.agent",
            format!("{v} is not an AgentKind"),
        )),
    }
}

fn agent_kind_pb(k: AgentKind) -> pb::AgentKind {
    match k {
        AgentKind::ClaudeCode => pb::AgentKind::ClaudeCode,
        AgentKind::Codex => pb::AgentKind::Codex,
        AgentKind::Command => pb::AgentKind::Command,
    }
}

/// The spec a client sent, validated.
pub fn spec_from_pb(spec: Option<pb::SessionSpec>) -> DomainResult<LaunchSpec> {
    let spec = spec.ok_or_else(|| DomainError::invalid("spec", "is required"))?;
    let limits = spec.limits.unwrap_or_default();
    let duration = |field: &'static str, d: Option<prost_types::Duration>| {
        d.map(|d| convert::duration(field, &d)).transpose()
    };
    LaunchSpec::validate(SpecInput {
        agent: agent_kind(spec.agent)?,
        prompt: spec.prompt,
        command: spec.command,
        repositories: spec
            .repositories
            .into_iter()
            .map(|r| Repository {
                url: r.url,
                branch: r.branch,
                path: r.path,
            })
            .collect(),
        workdir: spec.workdir,
        model: spec.model,
        env: spec.env.into_iter().collect(),
        secret_env: spec
            .secret_env
            .into_iter()
            .map(|s| SecretEnv {
                name: s.name,
                secret: s.secret,
            })
            .collect(),
        start_deadline: duration("spec.limits.start_deadline", limits.start_deadline)?,
        inactivity: duration("spec.limits.inactivity_timeout", limits.inactivity_timeout)?,
        hard_limit: duration("spec.limits.hard_limit", limits.hard_limit)?,
        agent_name: spec.agent_name,
        session_name: spec.session_name,
        mcp_servers: spec
            .mcp_servers
            .into_iter()
            .map(|m| McpServer {
                name: m.name,
                command: m.command,
                env: m.env.into_iter().collect(),
                url: m.url,
            })
            .collect(),
    })
}

fn pb_duration(ms: u64) -> prost_types::Duration {
    prost_types::Duration {
        seconds: (ms / 1000) as i64,
        nanos: ((ms % 1000) * 1_000_000) as i32,
    }
}

/// The stored spec as the runner gets it (secret references by name only: no value exists
/// on the server).
pub fn spec_pb(spec: LaunchSpec) -> pb::SessionSpec {
    pb::SessionSpec {
        agent: agent_kind_pb(spec.agent) as i32,
        prompt: spec.prompt,
        command: spec.command,
        repositories: spec
            .repositories
            .into_iter()
            .map(|r| pb::Repository {
                url: r.url,
                branch: r.branch,
                path: r.path,
            })
            .collect(),
        workdir: spec.workdir,
        model: spec.model,
        env: spec.env.into_iter().collect(),
        secret_env: spec
            .secret_env
            .into_iter()
            .map(|s| pb::SecretEnvVar {
                name: s.name,
                secret: s.secret,
            })
            .collect(),
        limits: Some(pb::SessionLimits {
            start_deadline: Some(pb_duration(spec.start_deadline_ms)),
            inactivity_timeout: spec.inactivity_ms.map(pb_duration),
            hard_limit: spec.hard_limit_ms.map(pb_duration),
        }),
        agent_name: spec.agent_name,
        session_name: spec.session_name,
        mcp_servers: spec
            .mcp_servers
            .into_iter()
            .map(|m| pb::McpServer {
                name: m.name,
                command: m.command,
                env: m.env.into_iter().collect(),
                url: m.url,
            })
            .collect(),
    }
}

/// Where a launch runs: a runner (the selector, possibly unset) or Kubernetes; not both.
pub fn target_from_pb(
    runner: Option<pb::RunnerSelector>,
    kubernetes: Option<pb::KubernetesTarget>,
) -> DomainResult<LaunchTarget> {
    match (runner, kubernetes) {
        (Some(_), Some(_)) => Err(DomainError::invalid(
            "kubernetes",
            "set at most one of runner and kubernetes",
        )),
        (None, Some(pb::KubernetesTarget {})) => Ok(LaunchTarget::Kubernetes),
        (runner, None) => Ok(LaunchTarget::Runner(selector_from_pb(runner)?)),
    }
}

pub fn selector_from_pb(s: Option<pb::RunnerSelector>) -> DomainResult<RunnerSelector> {
    let Some(s) = s else {
        return Ok(RunnerSelector::default());
    };
    let runner_id = if s.runner_id.is_empty() {
        None
    } else {
        Some(RunnerId(validate::uuid("runner.runner_id", &s.runner_id)?))
    };
    Ok(RunnerSelector {
        runner_id,
        labels: labels(
            "runner.labels",
            s.labels.into_iter().collect(),
            MAX_SELECTOR_LABELS,
        )?,
    })
}

pub fn runner_pb(r: Runner) -> pb::Runner {
    pb::Runner {
        id: r.id.to_string(),
        name: r.name,
        labels: r.labels.into_iter().collect(),
        capacity: r.capacity,
        online: r.online,
        last_seen_time: r.last_seen_at.map(ts),
        running_count: r.running,
        create_time: Some(ts(r.created_at)),
        prefix: r.prefix,
        project_id: r.project_id.to_string(),
    }
}

pub fn assignment_pb(a: Assignment) -> pb::Assignment {
    pb::Assignment {
        session_id: a.session_id.to_string(),
        agent_name: a.spec.agent_name.clone(),
        spec: Some(spec_pb(a.spec)),
        agent_api_key: a.agent_api_key,
        workspace_id: a.workspace_id.to_string(),
        resume: a.resume,
    }
}
