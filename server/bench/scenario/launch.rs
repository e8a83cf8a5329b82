//! Scenario "launch" (issue 16): a real runner (`switchboard-agent runner`) on this machine runs
//! launched COMMAND agents that log one step (`switchboard-agent step`).
//!
//! - LaunchSession to the agent's first step, launches one after another: from just before the
//!   LaunchSession call to the step's server timestamp (same machine, same clock). Baseline: the
//!   same agent process run by hand on a session started beforehand (spawn to exit), which is
//!   the part of the launch path the runner cannot avoid.
//! - Assignments per second to one runner: a burst of launches sent at once to a runner with
//!   room for all of them, from the first LaunchSession call to the last session's STARTING.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use switchboard::proto::*;
use tokio::process::Command;

use super::hook::agent_bin;
use super::{Plan, Target};
use crate::client;
use crate::report::{PMAX, Report};
use crate::server::BoxError;
use crate::stats::Samples;

const SCENARIO: &str = "6 launch";
/// How long one launched agent may take before the run counts as failed.
const SESSION_TIMEOUT: Duration = Duration::from_secs(60);

fn at(t: &prost_types::Timestamp) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::new(t.seconds as u64, t.nanos as u32)
}

fn spec(bin: &Path) -> SessionSpec {
    SessionSpec {
        agent: AgentKind::Command as i32,
        command: vec![
            bin.display().to_string(),
            "step".into(),
            "first step".into(),
        ],
        ..Default::default()
    }
}

/// Waits until the session ended; returns its messages.
async fn ended(dash: &mut client::Dashboard, id: &str) -> Result<Vec<Message>, BoxError> {
    let deadline = Instant::now() + SESSION_TIMEOUT;
    loop {
        let s = dash
            .get_session(GetSessionRequest {
                session_id: id.to_owned(),
            })
            .await?
            .into_inner()
            .session
            .ok_or("GetSession returned no session")?;
        match s.status() {
            SessionStatus::Completed => break,
            SessionStatus::Failed | SessionStatus::Stopped => {
                return Err(format!(
                    "launched session {id} ended {:?}: {:?}",
                    s.status(),
                    s.last_output_lines
                )
                .into());
            }
            _ if Instant::now() > deadline => {
                return Err(format!("launched session {id} still {:?}", s.status()).into());
            }
            // The bench's own wait: it does not enter the figures (they come from timestamps).
            _ => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
    Ok(dash
        .list_messages(ListMessagesRequest {
            session_id: id.to_owned(),
            page_size: 100,
            ..Default::default()
        })
        .await?
        .into_inner()
        .messages)
}

fn first(messages: &[Message], want: impl Fn(&message::Body) -> bool) -> Option<SystemTime> {
    messages
        .iter()
        .find(|m| m.body.as_ref().is_some_and(&want))
        .and_then(|m| m.create_time.as_ref())
        .map(at)
}

pub async fn scenario_launch(
    plan: &Plan,
    t: &Target,
    token: &str,
    report: &mut Report,
    work: &Path,
) -> Result<(), BoxError> {
    let bin = match agent_bin() {
        Ok(b) => b,
        Err(e) => {
            report.notes.push(format!("launch: skipped: {e}"));
            return Ok(());
        }
    };
    let channel = client::connect(&t.addr).await?;
    let mut launcher = client::launcher(channel.clone(), token)?;
    let mut dash = client::dashboard(channel.clone(), token)?;
    let created = launcher
        .create_runner_credential(CreateRunnerCredentialRequest {
            project_id: String::new(),
            name: "bench".into(),
        })
        .await?
        .into_inner();
    let dir = work.join("launch");
    std::fs::create_dir_all(&dir)?;
    let credential = dir.join("runner-credential");
    std::fs::write(&credential, &created.secret)?;
    let capacity = plan.launch_burst.max(1);
    let _runner = Command::new(&bin)
        .arg("runner")
        .arg("--url")
        .arg(format!("http://{}", t.addr))
        .arg("--credential-file")
        .arg(&credential)
        .arg("--workdir-root")
        .arg(dir.join("work"))
        .arg("--capacity")
        .arg(capacity.to_string())
        .arg("--name")
        .arg("bench")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;

    // One after another, each next to the same agent run by hand.
    let n = plan.launch_round_trips;
    eprintln!("  launch: {n} launches to the first step, beside the agent run by hand");
    let mut agent = client::agent(channel.clone(), &t.api_key)?;
    let (mut launched, mut by_hand) = (Samples::with_capacity(n), Samples::with_capacity(n));
    for _ in 0..n {
        let t0 = SystemTime::now();
        let session = launcher
            .launch_session(LaunchSessionRequest {
                spec: Some(spec(&bin)),
                request_id: client::request_id(),
                ..Default::default()
            })
            .await?
            .into_inner()
            .session
            .ok_or("LaunchSession returned no session")?;
        let messages = ended(&mut dash, &session.id).await?;
        let step = first(&messages, |b| matches!(b, message::Body::Step(_)))
            .ok_or("the launched agent logged no step")?;
        launched.push(step.duration_since(t0).unwrap_or_default());

        let (id, _) = client::start_session(&mut agent, "command", "by hand").await?;
        let started = Instant::now();
        let status = Command::new(&bin)
            .args(["step", "first step"])
            .env("SWITCHBOARD_URL", format!("http://{}", t.addr))
            .env("SWITCHBOARD_API_KEY", &t.api_key)
            .env("SWITCHBOARD_SESSION_ID", &id)
            .env("SWITCHBOARD_AGENT_NAME", "command")
            .stdout(Stdio::null())
            .status()
            .await?;
        if !status.success() {
            return Err(format!("the agent run by hand exited with {status}").into());
        }
        by_hand.push(started.elapsed());
    }
    report.latency(
        SCENARIO,
        &format!("LaunchSession → first step, runner on this machine, n={n}"),
        &mut launched,
        Some(&mut by_hand),
        "agent run by hand",
        PMAX,
    );

    // A burst to one runner with room for all of it.
    let m = plan.launch_burst;
    eprintln!("  launch: {m} launches at once to one runner");
    let t0 = SystemTime::now();
    let mut calls = Vec::new();
    for _ in 0..m {
        let mut launcher = launcher.clone();
        let spec = spec(&bin);
        calls.push(tokio::spawn(async move {
            launcher
                .launch_session(LaunchSessionRequest {
                    spec: Some(spec),
                    request_id: client::request_id(),
                    ..Default::default()
                })
                .await
        }));
    }
    let mut last_starting = t0;
    for call in calls {
        let session = call
            .await??
            .into_inner()
            .session
            .ok_or("LaunchSession returned no session")?;
        let messages = ended(&mut dash, &session.id).await?;
        let starting = first(&messages, |b| {
            matches!(b, message::Body::StatusChange(c) if c.to_status() == SessionStatus::Starting)
        })
        .or_else(|| first(&messages, |b| matches!(b, message::Body::Step(_))))
        .ok_or("a launched session never started")?;
        last_starting = last_starting.max(starting);
    }
    let span = last_starting.duration_since(t0).unwrap_or_default();
    report.row(
        SCENARIO,
        &format!("{m} launches at once, one runner with capacity {capacity}"),
        "assignments started per second",
        "/s",
        m as f64 / span.as_secs_f64().max(1e-9),
        None,
        "",
    );
    Ok(())
}
