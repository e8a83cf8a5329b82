//! Scenario "hook": the Claude Code hook (`switchboard-agent hook claude`) as Claude Code runs it,
//! a fresh process per event with the event JSON on stdin.
//!
//! - Start-up and no-op: the hook for a PostToolUse with no approval of its own (what runs after
//!   every tool call: no network), next to the `true` process (spawn, exec, exit, wait).
//! - Approval round trip: the hook for a PermissionRequest (RequestApproval, then a parked
//!   WaitForApproval), a person watching the session (WatchSession) who decides the moment the
//!   card arrives, the hook printing the decision. Timed from the spawn to the hook's exit with
//!   its stdout read, next to a health-check round trip on the person's connection.
//!
//! The binary is `switchboard-agent` next to this one, or SWITCHBOARD_AGENT_BIN.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use switchboard::proto::{
    ApprovalDecision, DecideApprovalRequest, WatchSessionRequest, message, watch_session_response,
};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

use super::{Plan, Target};
use crate::client;
use crate::report::{PMAX, Report};
use crate::server::BoxError;
use crate::stats::Samples;

const SCENARIO: &str = "5 hook";
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

pub(super) fn agent_bin() -> Result<PathBuf, BoxError> {
    let bin = match std::env::var_os("SWITCHBOARD_AGENT_BIN") {
        Some(b) => PathBuf::from(b),
        None => std::env::current_exe()?.with_file_name("switchboard-agent"),
    };
    if !bin.exists() {
        return Err(format!(
            "{} missing: build it (cargo build --release --workspace --bins) or set SWITCHBOARD_AGENT_BIN",
            bin.display()
        )
        .into());
    }
    Ok(bin)
}

/// One process: spawn, write `stdin`, read stdout to the end, wait. Returns (elapsed, stdout).
fn run_once(cmd: &mut Command, stdin: &[u8]) -> Result<(Duration, String), BoxError> {
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut input) = child.stdin.take() {
        // `true` does not read its stdin: a closed pipe is not an error here.
        let _ = input.write_all(stdin);
    }
    let out = child.wait_with_output()?;
    let elapsed = started.elapsed();
    if !out.status.success() {
        return Err(format!(
            "{:?} exited with {}: {}",
            cmd.get_program(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok((elapsed, String::from_utf8(out.stdout)?))
}

fn event(name: &str, claude_session: &str, extra: serde_json::Value) -> Vec<u8> {
    let mut ev = serde_json::json!({
        "session_id": claude_session,
        "transcript_path": "/tmp/bench.jsonl",
        "cwd": "/tmp",
        "hook_event_name": name,
    });
    if let (Some(ev), Some(extra)) = (ev.as_object_mut(), extra.as_object()) {
        ev.extend(extra.clone());
    }
    ev.to_string().into_bytes()
}

pub async fn scenario_hook(
    plan: &Plan,
    t: &Target,
    token: &str,
    report: &mut Report,
    work: &std::path::Path,
) -> Result<(), BoxError> {
    // scripts/bench.sh builds the server and the bench only: without the agent binary the
    // scenario is skipped with a note rather than failing every other scenario's run.
    let bin = match agent_bin() {
        Ok(b) => b,
        Err(e) => {
            report.notes.push(format!("hook: skipped: {e}"));
            return Ok(());
        }
    };
    // As many runs as the answer scenario's round trips (its plan sizes fit: 30 smoke, 1000 full).
    let n = plan.answer_round_trips;
    let state_dir = work.join("hook-state");
    let claude_session = uuid::Uuid::new_v4().to_string();
    let base_env = [
        ("SWITCHBOARD_URL", format!("http://{}", t.addr)),
        ("SWITCHBOARD_API_KEY", t.api_key.clone()),
        (
            "SWITCHBOARD_HOOK_STATE_DIR",
            state_dir.display().to_string(),
        ),
    ];

    // Start-up and no-op, alternating so the machine's other load hits both alike.
    eprintln!("  hook: {n} no-op runs beside `true`");
    let noop = event(
        "PostToolUse",
        &claude_session,
        serde_json::json!({"tool_name": "Bash", "tool_input": {"command": "ls"},
            "tool_response": {}, "tool_use_id": "toolu_bench"}),
    );
    let (mut hook_noop, mut true_proc) = (Samples::with_capacity(n), Samples::with_capacity(n));
    for _ in 0..n {
        let mut hook = Command::new(&bin);
        hook.args(["hook", "claude"]).envs(base_env.clone());
        let (d, out) = run_once(&mut hook, &noop)?;
        if !out.trim().is_empty() {
            return Err(format!("the no-op hook printed {out:?}").into());
        }
        hook_noop.push(d);
        true_proc.push(run_once(&mut Command::new("true"), b"")?.0);
    }
    report.latency(
        SCENARIO,
        &format!("hook no-op (PostToolUse), n={n}"),
        &mut hook_noop,
        Some(&mut true_proc),
        "true process",
        PMAX,
    );

    // Approval round trips: one Switchboard session, as the wrapper shares it with its hooks.
    let rounds = plan.answer_round_trips;
    eprintln!("  hook: {rounds} approval round trips");
    let mut agent = client::agent(client::connect(&t.addr).await?, &t.api_key)?;
    let (session, last_seq) =
        client::start_session(&mut agent, "claude-code", "bench hook approvals").await?;
    let person_channel = client::connect(&t.addr).await?;
    let mut person = client::dashboard(person_channel.clone(), token)?;
    let mut health = HealthClient::new(person_channel);
    let mut feed = person
        .watch_session(WatchSessionRequest {
            session_id: session.clone(),
            after_seq: last_seq,
        })
        .await?
        .into_inner();
    let (mut round_trip, mut health_rt) = (
        Samples::with_capacity(rounds),
        Samples::with_capacity(rounds),
    );
    for i in 0..rounds {
        let request = event(
            "PermissionRequest",
            &claude_session,
            // A distinct input each time: no session rule, no earlier card applies.
            serde_json::json!({"tool_name": "Bash",
                "tool_input": {"command": format!("make step-{i}"), "description": "bench"}}),
        );
        let mut hook = Command::new(&bin);
        hook.args(["hook", "claude"])
            .envs(base_env.clone())
            .env("SWITCHBOARD_SESSION_ID", &session);
        let runner = tokio::task::spawn_blocking(move || run_once(&mut hook, &request));
        // The person: decides the moment the card is on the feed.
        let approval_id = loop {
            let item = tokio::time::timeout(STEP_TIMEOUT, feed.message())
                .await
                .map_err(|_| "timed out waiting for the approval on the person's feed")??
                .ok_or("the person's feed ended")?;
            if let Some(watch_session_response::Item::Message(m)) = item.item
                && let Some(message::Body::Approval(a)) = m.body
                && a.result.is_none()
            {
                break a.id;
            }
        };
        person
            .decide_approval(DecideApprovalRequest {
                session_id: session.clone(),
                approval_id,
                decision: ApprovalDecision::AllowOnce as i32,
                ..Default::default()
            })
            .await?;
        let (elapsed, out) = tokio::time::timeout(STEP_TIMEOUT, runner)
            .await
            .map_err(|_| "timed out waiting for the hook to print")???;
        if !out.contains(r#""behavior":"allow""#) {
            return Err(format!("the hook printed {out:?}, not the allow").into());
        }
        round_trip.push(elapsed);
        let started = Instant::now();
        health
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await?;
        health_rt.push(started.elapsed());
    }
    report.latency(
        SCENARIO,
        &format!("approval round trip (hook spawned → person decides → hook prints), n={rounds}"),
        &mut round_trip,
        Some(&mut health_rt),
        "health check",
        PMAX,
    );
    Ok(())
}
