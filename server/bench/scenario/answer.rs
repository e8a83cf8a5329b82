//! Scenario 2 rows: answer latency next to a health-check round trip, the same WaitForAnswer
//! round trip with the Python grpcio and gRPC-Web agents next to the Rust agent's, and the
//! tool-approval round trip.

use super::{Plan, Target};
use crate::answer::{self, AfterAnswer};
use crate::approval;
use crate::client;
use crate::drivers::{self, Drivers};
use crate::ingest;
use crate::report::{P3, Report};
use crate::server::BoxError;
use crate::stats::Samples;

/// How long the one-row commits of the floor run.
const FLOOR_SECS: u64 = 3;

/// The floor an answer's latency is held to (issue 18): one durable one-row commit (pgbench,
/// one client, on the server's own cluster) plus one health-check round trip, both measured in
/// this run; each quantile is the sum of the two quantiles. `None` (and a note) without
/// pgbench or the cluster's socket.
fn floor(
    t: &Target,
    health: &mut Samples,
    report: &mut Report,
    work: &std::path::Path,
) -> Option<Samples> {
    let (Some(socket_dir), Some(bin_dir)) = (&t.pg_socket_dir, ingest::find_pg_bin()) else {
        report
            .notes
            .push("answer: no floor (no Postgres binaries or socket directory)".into());
        return None;
    };
    let pg = ingest::Pg {
        bin_dir,
        socket_dir: socket_dir.clone(),
        work_dir: work.to_owned(),
    };
    match pg.run_one_row_commits(FLOOR_SECS, t.pids) {
        Ok(mut commits) => {
            let mut floor = Samples::comonotonic_sum(&mut commits.latency, health);
            report.latency(
                "2 answer",
                &format!("floor: one-row commit + health check, n={}", floor.len()),
                &mut floor,
                Some(health),
                "health check",
                P3,
            );
            Some(floor)
        }
        Err(e) => {
            report.failures.push(format!("answer floor: {e}"));
            None
        }
    }
}

/// The quantiles of the from-AnswerQuestion-returned rows: the max shows a single stall.
const AFTER: &[(&str, f64)] = &[
    ("p50 after AnswerQuestion", 0.5),
    ("p99 after AnswerQuestion", 0.99),
    ("max after AnswerQuestion", 1.0),
];

pub async fn scenario_answer(
    plan: &Plan,
    t: &Target,
    token: &str,
    drivers: &Drivers,
    report: &mut Report,
    work: &std::path::Path,
) -> Result<(), BoxError> {
    eprintln!(
        "  answer: {} round trips each via Subscribe and WaitForAnswer",
        plan.answer_round_trips
    );
    let mut r = answer::run(&t.addr, &t.api_key, token, plan.answer_round_trips).await?;
    let n = plan.answer_round_trips;
    // From the start of AnswerQuestion to the agent holding the answer, against the floor.
    let mut floor = floor(t, &mut r.health, report, work);
    for (case, samples) in [
        ("Subscribe push", &mut r.via_subscribe),
        ("WaitForAnswer", &mut r.via_wait),
    ] {
        match floor.as_mut() {
            Some(floor) => report.latency(
                "2 answer",
                &format!("{case}, n={n}"),
                samples,
                Some(floor),
                "floor",
                P3,
            ),
            None => report.latency(
                "2 answer",
                &format!("{case}, n={n}"),
                samples,
                Some(&mut r.health),
                "health check",
                P3,
            ),
        }
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
    work: &std::path::Path,
) -> Result<(), BoxError> {
    let n = plan.answer_round_trips;
    eprintln!("  approval: {n} round trips via WaitForApproval");
    let mut r = approval::run(&t.addr, &t.api_key, token, n).await?;
    let case = format!("WaitForApproval after DecideApproval started, n={n}");
    match floor(t, &mut r.health, report, work).as_mut() {
        Some(floor) => report.latency(
            "2 answer",
            &case,
            &mut r.round_trip,
            Some(floor),
            "floor",
            P3,
        ),
        None => report.latency(
            "2 answer",
            &case,
            &mut r.round_trip,
            Some(&mut r.health),
            "health check",
            P3,
        ),
    }
    report.latency(
        "2 answer",
        &format!("DecideApproval call, n={n}"),
        &mut r.decide_call,
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
