//! Scenario 2 approval rows: the tool-approval round trip (issue 14) next to the health check.
//! An agent requests an approval and parks WaitForApproval; a person (a second connection,
//! signed in through AuthService) allows it; we time from the start of the DecideApproval call
//! to WaitForApproval returning with the decision, the same shape as the WaitForAnswer rows.

use std::time::Instant;

use switchboard::proto::{
    ApprovalDecision, ApprovalPreview, DecideApprovalRequest, RequestApprovalRequest,
    ShellCommandPreview, WaitForApprovalRequest, approval_preview,
};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

use crate::answer::{PARK, STEP_TIMEOUT};
use crate::client;
use crate::floor::{Floor, InputWrite};
use crate::server::BoxError;
use crate::stats::Samples;

pub struct ApprovalResult {
    /// DecideApproval started → WaitForApproval returned.
    pub round_trip: Samples,
    /// The DecideApproval unary call itself.
    pub decide_call: Samples,
    /// The agent's RequestApproval unary call (the general path: one locking transaction).
    pub request_call: Samples,
    pub health: Samples,
}

pub fn request(session: &str, i: usize) -> RequestApprovalRequest {
    let command = format!("cargo test --test bench_{i}");
    RequestApprovalRequest {
        session_id: session.to_owned(),
        tool_name: "Bash".into(),
        input_json: serde_json::json!({ "command": command }).to_string(),
        preview: Some(ApprovalPreview {
            summary: format!("Run {command}"),
            detail: Some(approval_preview::Detail::ShellCommand(
                ShellCommandPreview {
                    command,
                    description: String::new(),
                    working_directory: String::new(),
                },
            )),
        }),
        tool_use_id: format!("toolu_bench_{i}"),
        request_id: client::request_id(),
        ..Default::default()
    }
}

/// The person's decision: ALLOW_ONCE (ALLOW_SESSION would decide every later request without a
/// person).
pub fn decide(session: &str, approval_id: String) -> DecideApprovalRequest {
    DecideApprovalRequest {
        session_id: session.to_owned(),
        approval_id,
        decision: ApprovalDecision::AllowOnce as i32,
        ..Default::default()
    }
}

pub async fn run(
    addr: &str,
    api_key: &str,
    access_token: &str,
    round_trips: usize,
    mut floor: Option<&mut Floor>,
    mut decision_write: Option<&mut InputWrite>,
) -> Result<ApprovalResult, BoxError> {
    let mut agent = client::agent(client::connect(addr).await?, api_key)?;
    let person_channel = client::connect(addr).await?;
    let mut person = client::dashboard(person_channel.clone(), access_token)?;
    let mut health = HealthClient::new(person_channel);
    let (session, _) =
        client::start_session(&mut agent, "bench-approval", "approval latency").await?;
    let mut result = ApprovalResult {
        round_trip: Samples::with_capacity(round_trips),
        decide_call: Samples::with_capacity(round_trips),
        request_call: Samples::with_capacity(round_trips),
        health: Samples::with_capacity(round_trips),
    };
    for i in 0..round_trips {
        let requested = Instant::now();
        let approval = agent
            .request_approval(request(&session, i))
            .await?
            .into_inner()
            .approval
            .ok_or("RequestApproval returned no approval")?;
        result.request_call.push(requested.elapsed());
        if approval.result.is_some() {
            return Err("an approval was decided without a person (no rule was made)".into());
        }
        let mut waiter = agent.clone();
        let req = WaitForApprovalRequest {
            session_id: session.clone(),
            approval_id: approval.id.clone(),
            timeout: Some(prost_types::Duration {
                seconds: 10,
                nanos: 0,
            }),
        };
        let wait = tokio::spawn(async move {
            let r = waiter.wait_for_approval(req).await;
            (r, Instant::now())
        });
        tokio::time::sleep(PARK).await;
        if let Some(floor) = floor.as_deref_mut() {
            floor.sample().await?;
        }
        if let Some(floor) = decision_write.as_deref_mut() {
            floor.sample().await?;
        }
        let t0 = Instant::now();
        person
            .decide_approval(decide(&session, approval.id))
            .await?;
        result.decide_call.push(t0.elapsed());
        let (r, done) = tokio::time::timeout(STEP_TIMEOUT, wait)
            .await
            .map_err(|_| "WaitForApproval timed out")??;
        if !r?.into_inner().decided {
            return Err("WaitForApproval returned without the decision".into());
        }
        result.round_trip.push(done.saturating_duration_since(t0));
    }
    for _ in 0..round_trips.max(100) {
        let t0 = Instant::now();
        health
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await?;
        result.health.push(t0.elapsed());
    }
    Ok(result)
}
