//! Scenario 1 rows: our LogStep throughput, latency and CPU next to the pgbench baselines,
//! ours and pgbench alternating in rounds; then the Python grpcio and gRPC-Web agents at fixed
//! numbers of agents next to the Rust agents' figures of this run.

use std::time::Duration;

use super::{Plan, Target};
use crate::drivers::{self, Drivers};
use crate::ingest;
use crate::report::{P3, Report};
use crate::server::BoxError;
use crate::stats::Samples;

pub async fn scenario_ingest(
    plan: &Plan,
    t: &Target,
    drivers: &Drivers,
    report: &mut Report,
    work: &std::path::Path,
) -> Result<(), BoxError> {
    let pg = match (&t.pg_socket_dir, ingest::find_pg_bin()) {
        (Some(socket_dir), Some(bin_dir)) => Some(ingest::Pg {
            bin_dir,
            socket_dir: socket_dir.clone(),
            work_dir: work.to_owned(),
        }),
        _ => {
            report.notes.push(
                "ingest: no pgbench baseline (no Postgres binaries or socket directory)".into(),
            );
            None
        }
    };
    if let Some(pg) = &pg {
        pg.prepare()?;
    }
    // The Rust agents' LogStep/s and latency per number of agents: the drivers' baselines.
    let mut rust: Vec<(usize, f64, Samples)> = Vec::new();
    for &agents in &plan.ingest_agents {
        let mut ours: Option<ingest::IngestResult> = None;
        let mut base: Option<ingest::IngestResult> = None;
        let mut same: Option<ingest::IngestResult> = None;
        let mut same_with_notify: Option<ingest::IngestResult> = None;
        let mut ratios = Vec::new();
        // Steps and group commits seen by the server's metrics during our rounds.
        let mut batches = (0.0, 0.0);
        for round in 1..=plan.ingest_rounds {
            eprintln!(
                "  ingest: {agents} agent(s), {} s (round {round}/{})",
                plan.ingest_secs, plan.ingest_rounds
            );
            let before = step_batch_totals(t);
            let o = ingest::run_ours(
                &t.addr,
                &t.api_key,
                t.pids,
                agents,
                plan.ingest_warmup,
                Duration::from_secs(plan.ingest_secs),
            )
            .await?;
            if let (Some(b), Some(a)) = (before, step_batch_totals(t)) {
                batches.0 += a.0 - b.0;
                batches.1 += a.1 - b.1;
            }
            let o_rate = o.per_sec();
            let o_sessions = o.sessions.clone();
            match &mut ours {
                Some(acc) => acc.merge(o),
                None => ours = Some(o),
            }
            if let Some(pg) = &pg {
                eprintln!(
                    "  ingest: pgbench, {agents} client(s), {} s (round {round}/{})",
                    plan.ingest_secs, plan.ingest_rounds
                );
                let b = pg.run(agents, plan.ingest_secs, t.pids)?;
                ratios.push(format!("{:.2}", o_rate / b.per_sec()));
                match &mut base {
                    Some(acc) => acc.merge(b),
                    None => base = Some(b),
                }
                eprintln!(
                    "  ingest: pgbench replaying LogStep's statements before group commit, {agents} client(s), {} s (round {round}/{})",
                    plan.ingest_secs, plan.ingest_rounds
                );
                pg.map_sessions(&o_sessions)?;
                let b = pg.run_same_statements(agents, plan.ingest_secs, t.pids)?;
                match &mut same {
                    Some(acc) => acc.merge(b),
                    None => same = Some(b),
                }
                eprintln!(
                    "  ingest: pgbench replaying the former locking step with its NOTIFY, {agents} client(s), {} s (round {round}/{})",
                    plan.ingest_secs, plan.ingest_rounds
                );
                let b = pg.run_locking_step_with_notify(agents, plan.ingest_secs, t.pids)?;
                match &mut same_with_notify {
                    Some(acc) => acc.merge(b),
                    None => same_with_notify = Some(b),
                }
            }
        }
        let mut ours = ours.ok_or("no ingest round ran")?;
        if ratios.len() > 1 {
            report.notes.push(format!(
                "ingest {agents} agent(s): throughput ratio per round {}",
                ratios.join(", ")
            ));
        }
        let case = format!("{agents} agent{}", if agents == 1 { "" } else { "s" });
        report.row(
            "1 ingest",
            &case,
            "LogStep/s",
            "/s",
            ours.per_sec(),
            base.as_ref().map(|b| b.per_sec()),
            "pgbench tps",
        );
        report.latency(
            "1 ingest",
            &case,
            &mut ours.latency,
            base.as_mut().map(|b| &mut b.latency),
            "pgbench",
            P3,
        );
        if batches.1 > 0.0 {
            report.row(
                "1 ingest",
                &case,
                "steps per group commit (mean)",
                "",
                batches.0 / batches.1,
                None,
                "",
            );
        }
        if let Some(sm) = same.as_mut() {
            report.row(
                "1 ingest",
                &case,
                "LogStep/s vs one statement per step",
                "/s",
                ours.per_sec(),
                Some(sm.per_sec()),
                "pgbench, key lookup + 1 statement/step",
            );
            report.row(
                "1 ingest",
                &case,
                "p50 vs one statement per step",
                "ms",
                ours.latency.quantile_ms(0.5),
                Some(sm.latency.quantile_ms(0.5)),
                "pgbench, key lookup + 1 statement/step",
            );
            if let Some(wn) = same_with_notify.as_ref() {
                report.row(
                    "1 ingest",
                    &case,
                    "former locking step+NOTIFY",
                    "/s",
                    wn.per_sec(),
                    Some(sm.per_sec()),
                    "pgbench, key lookup + 1 statement/step",
                );
            }
            report.row(
                "1 ingest",
                &case,
                "Postgres CPU/op vs one statement per step",
                "us",
                ours.us_per_op(ours.cpu.pg_secs),
                Some(sm.us_per_op(sm.cpu.pg_secs)),
                "pgbench, key lookup + 1 statement/step",
            );
        }
        let b = base.as_ref();
        report.row(
            "1 ingest",
            &case,
            "Postgres CPU/op",
            "us",
            ours.us_per_op(ours.cpu.pg_secs),
            b.map(|b| b.us_per_op(b.cpu.pg_secs)),
            "pgbench",
        );
        report.row(
            "1 ingest",
            &case,
            "Postgres CPU",
            "% core",
            ours.cpu.pct(ours.cpu.pg_secs),
            b.map(|b| b.cpu.pct(b.cpu.pg_secs)),
            "pgbench",
        );
        report.row(
            "1 ingest",
            &case,
            "server CPU/op",
            "us",
            ours.us_per_op(ours.cpu.server_secs),
            None,
            "",
        );
        report.row(
            "1 ingest",
            &case,
            "server CPU",
            "% core",
            ours.cpu.pct(ours.cpu.server_secs),
            None,
            "",
        );
        report.row(
            "1 ingest",
            &case,
            "client CPU",
            "% core",
            ours.cpu.pct(ours.cpu.bench_secs),
            b.map(|b| b.cpu.pct(b.cpu.bench_secs)),
            "pgbench",
        );
        if ours.errors > 0 {
            report.failures.push(format!(
                "ingest {case}: {} errors, first: {}",
                ours.errors,
                ours.first_error.clone().unwrap_or_default()
            ));
        }
        rust.push((agents, ours.per_sec(), ours.latency));
    }
    if let Some(pg) = &pg {
        pg.cleanup();
    }
    for &c in &drivers.clients {
        for &agents in &plan.driver_ingest_agents {
            let case = format!(
                "{agents} agent{}, {}",
                if agents == 1 { "" } else { "s" },
                c.label()
            );
            eprintln!("  ingest: {case}, {} s", plan.ingest_secs);
            let mut r = match drivers::ingest(
                drivers,
                c,
                &t.addr,
                &t.api_key,
                agents,
                plan.ingest_warmup,
                Duration::from_secs(plan.ingest_secs),
            )
            .await
            {
                Ok(r) => r,
                Err(e) => {
                    report.failures.push(format!("ingest {case}: {e}"));
                    continue;
                }
            };
            let mut base = rust.iter_mut().find(|(n, ..)| *n == agents);
            report.row(
                "1 ingest",
                &case,
                "LogStep/s",
                "/s",
                r.per_sec(),
                base.as_ref().map(|(_, per_sec, _)| *per_sec),
                "Rust tonic",
            );
            report.latency(
                "1 ingest",
                &case,
                &mut r.latency,
                base.as_mut().map(|(.., l)| l),
                "Rust tonic",
                &P3[..2],
            );
            if r.errors > 0 || r.ops == 0 {
                report.failures.push(format!(
                    "ingest {case}: {} steps, {} errors, first: {}",
                    r.ops,
                    r.errors,
                    r.first_error.unwrap_or_default()
                ));
            }
        }
    }
    Ok(())
}

/// The server's `switchboard_step_batch_size` sum and count, when its metrics can be read
/// (a server without group commit has none).
fn step_batch_totals(t: &Target) -> Option<(f64, f64)> {
    let text = crate::server::scrape_metrics(t.metrics_addr.as_deref()?).ok()?;
    crate::server::histogram_totals(&text, "switchboard_step_batch_size")
}
