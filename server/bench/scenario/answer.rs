//! Scenario 2 rows: answer latency next to its floors (a one-row commit plus a health-check
//! round trip, and the answer's own write plus the same round trip, sampled during the same
//! round trips; see `floor.rs`), the same WaitForAnswer
//! round trip with the Python grpcio and gRPC-Web agents next to the Rust agent's, and the
//! tool-approval round trip.

use super::{Plan, Target};
use crate::answer::{self, AfterAnswer};
use crate::approval;
use crate::client;
use crate::drivers::{self, Drivers};
use crate::floor::{Floor, Input, InputWrite};
use crate::report::{P3, Report};
use crate::server::BoxError;
use crate::stats::Samples;

/// The quantiles of the from-AnswerQuestion-returned rows: the max shows a single stall.
const AFTER: &[(&str, f64)] = &[
    ("p50 after AnswerQuestion", 0.5),
    ("p99 after AnswerQuestion", 0.99),
    ("max after AnswerQuestion", 1.0),
];

/// The floor's connection (see `floor.rs`), or `None` and a note when the cluster's socket is
/// not known (`--target` without `--pg-socket-dir`).
async fn floor(t: &Target, report: &mut Report) -> Result<Option<Floor>, BoxError> {
    let Some(socket_dir) = &t.pg_socket_dir else {
        report
            .notes
            .push("answer: no floor (the Postgres socket directory is not known)".into());
        return Ok(None);
    };
    Ok(Some(
        Floor::connect(socket_dir, crate::client::connect(&t.addr).await?).await?,
    ))
}

/// The answer's or the decision's own write as a floor (see `floor.rs`), when the cluster's
/// socket is known.
async fn input_write(t: &Target, input: Input) -> Result<Option<InputWrite>, BoxError> {
    let Some(socket_dir) = &t.pg_socket_dir else {
        return Ok(None);
    };
    let mut agent = client::agent(client::connect(&t.addr).await?, &t.api_key)?;
    let channel = client::connect(&t.addr).await?;
    Ok(Some(
        InputWrite::connect(input, socket_dir, channel, &mut agent, &t.email).await?,
    ))
}

/// `ours` against the floor sampled during the same round trips, or the health check without.
fn against_floor(
    report: &mut Report,
    case: &str,
    ours: &mut Samples,
    floor: Option<&mut Samples>,
    health: &mut Samples,
) {
    match floor {
        Some(floor) => report.latency("2 answer", case, ours, Some(floor), "floor", P3),
        None => report.latency("2 answer", case, ours, Some(health), "health check", P3),
    }
}

/// The write floor's own row (against the one-row floor), then each round trip against it.
fn against_write<const N: usize>(
    report: &mut Report,
    whose: &str,
    written: &mut Samples,
    floor: Option<&mut Samples>,
    round_trips: [(&str, &mut Samples); N],
) {
    let case = format!(
        "floor: {whose} own write + health check, n={}",
        written.len()
    );
    report.latency("2 answer", &case, written, floor, "floor", P3);
    for (case, ours) in round_trips {
        report.latency(
            "2 answer",
            &format!("{case} vs {whose} write"),
            ours,
            Some(written),
            "the write",
            P3,
        );
    }
}

pub async fn scenario_answer(
    plan: &Plan,
    t: &Target,
    token: &str,
    drivers: &Drivers,
    report: &mut Report,
) -> Result<(), BoxError> {
    eprintln!(
        "  answer: {} round trips each via Subscribe and WaitForAnswer",
        plan.answer_round_trips
    );
    let mut floor = floor(t, report).await?;
    let mut write_floor = input_write(t, Input::Question).await?;
    let mut r = answer::run(
        &t.addr,
        &t.api_key,
        token,
        plan.answer_round_trips,
        floor.as_mut(),
        write_floor.as_mut(),
    )
    .await?;
    let n = plan.answer_round_trips;
    // From the start of AnswerQuestion to the agent holding the answer, against the floor.
    let mut floor = match floor {
        Some(f) => Some(f.close().await),
        None => None,
    };
    if let Some(floor) = floor.as_mut() {
        let case = format!("floor: one-row commit + health check, n={}", floor.len());
        report.latency(
            "2 answer",
            &case,
            floor,
            Some(&mut r.health),
            "health check",
            P3,
        );
    }
    against_floor(
        report,
        &format!("Subscribe push, n={n}"),
        &mut r.via_subscribe,
        floor.as_mut(),
        &mut r.health,
    );
    against_floor(
        report,
        &format!("WaitForAnswer, n={n}"),
        &mut r.via_wait,
        floor.as_mut(),
        &mut r.health,
    );
    // The same two round trips against the answer's own write: what serving it adds.
    if let Some(write_floor) = write_floor.as_mut() {
        against_write(
            report,
            "the answer's",
            &mut write_floor.samples,
            floor.as_mut(),
            [
                (
                    format!("Subscribe push, n={n}").as_str(),
                    &mut r.via_subscribe,
                ),
                (format!("WaitForAnswer, n={n}").as_str(), &mut r.via_wait),
            ],
        );
    }
    let calls = r.answer_call.len();
    report.latency(
        "2 answer",
        &format!("AnswerQuestion call, n={calls}"),
        &mut r.answer_call,
        Some(&mut r.health),
        "health check",
        P3,
    );
    let asks = r.ask_call.len();
    report.latency(
        "2 answer",
        &format!("AskQuestion call, n={asks}"),
        &mut r.ask_call,
        Some(&mut r.health),
        "health check",
        P3,
    );

    // The same parked WaitForAnswer, from AnswerQuestion returning, per client: Rust's against
    // the health check, the others against Rust's.
    let rust = &mut r.via_wait_after_answer;
    report.latency(
        "2 answer",
        &format!("WaitForAnswer, Rust tonic, n={n}"),
        &mut rust.latency,
        Some(&mut r.health),
        "health check",
        AFTER,
    );
    note_early(report, "Rust tonic", rust, n);
    let mut person = client::dashboard(client::connect(&t.addr).await?, token)?;
    // Each driver twice: WaitForAnswer alone, and with a Subscribe stream open on the same
    // connection as the clients' ask() helpers keep one (what users run).
    for &c in &drivers.clients {
        for subscribe in [false, true] {
            let how = if subscribe {
                "WaitForAnswer+Subscribe"
            } else {
                "WaitForAnswer"
            };
            let who = format!("{how}, {}", c.label());
            eprintln!("  answer: {n} round trips via {who}");
            match drivers::answer(drivers, c, &t.addr, &t.api_key, &mut person, n, subscribe).await
            {
                Ok(mut d) => {
                    report.latency(
                        "2 answer",
                        &format!("{who}, n={n}"),
                        &mut d.latency,
                        Some(&mut rust.latency),
                        "Rust tonic",
                        AFTER,
                    );
                    note_early(report, &who, &d, n);
                }
                Err(e) => report.failures.push(format!("answer, {who}: {e}")),
            }
        }
    }
    Ok(())
}

/// The tool-approval round trip (RequestApproval, WaitForApproval parked, DecideApproval) next
/// to the health check, on the same sizes as the answer rows.
pub async fn scenario_approval(
    plan: &Plan,
    t: &Target,
    token: &str,
    report: &mut Report,
) -> Result<(), BoxError> {
    let n = plan.answer_round_trips;
    eprintln!("  approval: {n} round trips via WaitForApproval");
    let mut floor = floor(t, report).await?;
    let mut write_floor = input_write(t, Input::Approval).await?;
    let mut r = approval::run(
        &t.addr,
        &t.api_key,
        token,
        n,
        floor.as_mut(),
        write_floor.as_mut(),
    )
    .await?;
    let mut floor = match floor {
        Some(f) => Some(f.close().await),
        None => None,
    };
    let case = format!("WaitForApproval after DecideApproval started, n={n}");
    against_floor(
        report,
        &case,
        &mut r.round_trip,
        floor.as_mut(),
        &mut r.health,
    );
    if let Some(write_floor) = write_floor.as_mut() {
        against_write(
            report,
            "the decision's",
            &mut write_floor.samples,
            floor.as_mut(),
            [(case.as_str(), &mut r.round_trip)],
        );
    }
    report.latency(
        "2 answer",
        &format!("DecideApproval call, n={n}"),
        &mut r.decide_call,
        Some(&mut r.health),
        "health check",
        P3,
    );
    report.latency(
        "2 answer",
        &format!("RequestApproval call, n={n}"),
        &mut r.request_call,
        Some(&mut r.health),
        "health check",
        P3,
    );
    Ok(())
}

fn note_early(report: &mut Report, client: &str, r: &AfterAnswer, n: usize) {
    if r.early > 0 {
        report.notes.push(format!(
            "answer, {client}: in {} of {n} round trips WaitForAnswer returned before AnswerQuestion did (counted as 0 ms)",
            r.early
        ));
    }
}
