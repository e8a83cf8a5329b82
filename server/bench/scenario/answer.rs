//! Scenario 2 rows: answer latency next to a health-check round trip.

use super::{Plan, Target};
use crate::answer;
use crate::report::{P3, Report};
use crate::server::BoxError;

pub async fn scenario_answer(
    plan: &Plan,
    t: &Target,
    token: &str,
    report: &mut Report,
) -> Result<(), BoxError> {
    eprintln!(
        "  answer: {} round trips each via Subscribe and WaitForAnswer",
        plan.answer_round_trips
    );
    let mut r = answer::run(&t.addr, &t.api_key, token, plan.answer_round_trips).await?;
    let n = plan.answer_round_trips;
    report.latency(
        "2 answer",
        &format!("Subscribe push, n={n}"),
        &mut r.via_subscribe,
        Some(&mut r.health),
        "health check",
        P3,
    );
    report.latency(
        "2 answer",
        &format!("WaitForAnswer, n={n}"),
        &mut r.via_wait,
        Some(&mut r.health),
        "health check",
        P3,
    );
    let calls = r.answer_call.len();
    report.latency(
        "2 answer",
        &format!("AnswerQuestion call, n={calls}"),
        &mut r.answer_call,
        Some(&mut r.health),
        "health check",
        P3,
    );
    Ok(())
}
