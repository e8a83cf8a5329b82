//! Scenario 11 rows: N idle streams (Subscribe and WatchSession across many sessions), the
//! server's memory per stream, and a step's delivery to the few watchers of another session
//! while they are open, next to the same delivery with none open.

use super::{Plan, Target};
use crate::fanout;
use crate::report::{PMAX, Report};
use crate::server::BoxError;
use crate::streams;

const SCENARIO: &str = "11 streams";
/// The probe session's watchers while the idle streams are open (one connection each).
const PROBE_WATCHERS: usize = 3;

pub async fn scenario_streams(
    plan: &Plan,
    t: &Target,
    token: &str,
    report: &mut Report,
) -> Result<(), BoxError> {
    let probe = |watchers: usize, steps: u64| fanout::FanoutConfig {
        writer_addr: t.addr.clone(),
        watch_addr: t.addr.clone(),
        pids: t.pids,
        api_key: t.api_key.clone(),
        access_token: token.to_owned(),
        watchers,
        streams_per_connection: 1,
        steps: steps.max(1),
        steps_per_sec: plan.probe_steps_per_sec,
    };
    // The baseline is taken in two halves, before the idle streams open and after they close,
    // so that the machine's drift over the scenario (a disk or a neighbour busier at one end)
    // weighs on it as on the probe between them.
    let before_half = plan.probe_steps / 2;
    eprintln!("  streams: baseline with no idle streams (1 watcher), first half");
    let mut base = fanout::run(&probe(1, before_half)).await?;
    let mut idle = streams::open(&streams::StreamsConfig {
        addr: t.addr.clone(),
        pids: t.pids,
        api_key: t.api_key.clone(),
        access_token: token.to_owned(),
        streams: plan.idle_streams,
        streams_per_connection: plan.idle_streams_per_connection,
    })
    .await?;
    eprintln!(
        "  streams: {} of {} open ({} failed); probe with {PROBE_WATCHERS} watchers",
        idle.opened, idle.streams, idle.failed
    );
    let mut probed = fanout::run(&probe(PROBE_WATCHERS, plan.probe_steps)).await?;
    let heartbeats = idle.received.load(std::sync::atomic::Ordering::Relaxed);
    idle.close().await;
    // The server lets go of 100,000 streams; give it a moment before the second half.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    eprintln!("  streams: baseline with no idle streams (1 watcher), second half");
    let base_after = fanout::run(&probe(1, plan.probe_steps - before_half)).await?;
    base.latency.extend(base_after.latency.clone());

    let case = format!(
        "{} idle / {} sessions / {} conns",
        idle.streams, idle.sessions, idle.connections
    );
    report.row(
        SCENARIO,
        &case,
        "streams open",
        "",
        idle.opened as f64,
        Some(idle.streams as f64),
        "expected",
    );
    report.row(
        SCENARIO,
        &case,
        "streams opened/s",
        "/s",
        idle.opened as f64 / idle.open_secs.max(1e-9),
        None,
        "",
    );
    if let (Some(before), Some(open)) = (idle.rss_before_kib, idle.rss_open_kib) {
        report.row(
            SCENARIO,
            &case,
            "server RSS before",
            "MiB",
            before as f64 / 1024.0,
            None,
            "",
        );
        report.row(
            SCENARIO,
            &case,
            "server RSS streams open",
            "MiB",
            open as f64 / 1024.0,
            None,
            "",
        );
    }
    if let Some(k) = idle.kib_per_stream() {
        report.row(
            SCENARIO,
            &case,
            "server KiB per idle stream",
            "KiB",
            k,
            Some(8.0),
            "target",
        );
    }
    if let Some(c) = idle.client_rss_kib {
        report.row(
            SCENARIO,
            &case,
            "bench client RSS",
            "MiB",
            c as f64 / 1024.0,
            None,
            "",
        );
    }
    let open_cpu = &idle.open_cpu;
    for (metric, secs) in [
        ("server CPU opening", open_cpu.server_secs),
        ("Postgres CPU opening", open_cpu.pg_secs),
        ("bench client CPU opening", open_cpu.bench_secs),
    ] {
        report.row(
            SCENARIO,
            &case,
            metric,
            "% core",
            open_cpu.pct(secs),
            None,
            "",
        );
    }
    let probe_case = format!("{PROBE_WATCHERS} watchers of a step, streams open");
    report.latency(
        SCENARIO,
        &probe_case,
        &mut probed.latency,
        Some(&mut base.latency),
        "1 watcher, none open (before and after)",
        PMAX,
    );
    report.row(
        SCENARIO,
        &probe_case,
        "delivered",
        "",
        probed.tally.received as f64,
        Some(probed.expected as f64),
        "expected",
    );
    report.row(
        SCENARIO,
        &probe_case,
        "server CPU (idle streams + probe)",
        "% core",
        probed.cpu.pct(probed.cpu.server_secs),
        Some(base.cpu.pct(base.cpu.server_secs)),
        "none open",
    );
    report.row(
        SCENARIO,
        &probe_case,
        "Postgres CPU (idle streams + probe)",
        "% core",
        probed.cpu.pct(probed.cpu.pg_secs),
        Some(base.cpu.pct(base.cpu.pg_secs)),
        "none open",
    );
    report.row(
        SCENARIO,
        &probe_case,
        "heartbeats to idle streams",
        "",
        heartbeats as f64,
        None,
        "",
    );
    if let Some(limit) = streams::open_files_limit() {
        report.notes.push(format!(
            "streams: open files limit {limit} (each connection is one descriptor on each side)"
        ));
    }
    let mut failures = Vec::new();
    if idle.opened != idle.streams {
        failures.push(format!(
            "{} of {} idle streams open, {} failed; first error: {}",
            idle.opened,
            idle.streams,
            idle.failed,
            idle.first_error.clone().unwrap_or_default()
        ));
    }
    for (name, r) in [
        ("baseline probe", &base),
        ("baseline probe after", &base_after),
        ("probe", &probed),
    ] {
        if r.tally.lost > 0 || r.tally.duplicates > 0 || r.tally.errors > 0 {
            failures.push(format!(
                "{name}: lost {}, duplicates {}, errors {}; first error: {}",
                r.tally.lost,
                r.tally.duplicates,
                r.tally.errors,
                r.tally.first_error.clone().unwrap_or_default()
            ));
        }
    }
    for f in failures {
        report.failures.push(format!("{SCENARIO}: {f}"));
    }
    Ok(())
}
