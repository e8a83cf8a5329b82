//! Scenarios 3 and 4 rows: fan-out to many watchers on one server and on a second replica,
//! next to a single watcher (3) and to the same case on one server (4).

use serde_json::json;

use super::{Plan, Target};
use crate::fanout;
use crate::report::{PMAX, Report};
use crate::server::{self, BoxError};

fn fanout_rows(
    report: &mut Report,
    scenario: &'static str,
    case: &str,
    r: &mut fanout::FanoutResult,
    base: Option<&mut fanout::FanoutResult>,
    baseline_name: &'static str,
) {
    let mut base = base;
    report.latency(
        scenario,
        case,
        &mut r.latency,
        base.as_deref_mut().map(|b| &mut b.latency),
        baseline_name,
        PMAX,
    );
    let b = base.map(|b| b.tally.latency_from_send.quantile_ms(0.99));
    report.row(
        scenario,
        case,
        "p99 from send",
        "ms",
        r.tally.latency_from_send.quantile_ms(0.99),
        b,
        baseline_name,
    );
    report.row(
        scenario,
        case,
        "delivered",
        "",
        r.tally.received as f64,
        Some(r.expected as f64),
        "expected",
    );
    report.row(scenario, case, "lost", "", r.tally.lost as f64, None, "");
    report.row(
        scenario,
        case,
        "duplicates",
        "",
        r.tally.duplicates as f64,
        None,
        "",
    );
    report.row(
        scenario,
        case,
        "streams opened/s",
        "/s",
        r.watchers as f64 / r.open_secs.max(1e-9),
        None,
        "",
    );
    if let (Some(before), Some(idle)) = (r.rss_before_kib, r.rss_idle_kib) {
        report.row(
            scenario,
            case,
            "RSS before",
            "MiB",
            before as f64 / 1024.0,
            None,
            "",
        );
        report.row(
            scenario,
            case,
            "RSS idle streams",
            "MiB",
            idle as f64 / 1024.0,
            None,
            "",
        );
    }
    if let Some(peak) = r.rss_peak_kib {
        report.row(
            scenario,
            case,
            "RSS during",
            "MiB",
            peak as f64 / 1024.0,
            None,
            "",
        );
    }
    if let Some(k) = r.kib_per_stream() {
        report.row(scenario, case, "KiB per idle stream", "KiB", k, None, "");
    }
    report.row(
        scenario,
        case,
        "server CPU",
        "% core",
        r.cpu.pct(r.cpu.server_secs),
        None,
        "",
    );
    let per_msg = |secs: Option<f64>| {
        secs.map(|s| s * 1e6 / r.tally.received.max(1) as f64)
            .unwrap_or(f64::NAN)
    };
    // Issue 18's target: at most 3 us of server CPU per delivery.
    report.row(
        scenario,
        case,
        "server CPU/delivery",
        "us",
        per_msg(r.cpu.server_secs),
        Some(3.0),
        "target",
    );
    // Coalesced writes (server/runtime/coalesce.rs): how many deliveries one send carries.
    if let Some(writes) = r.server_writes {
        report.row(
            scenario,
            case,
            "server write calls/delivery",
            "",
            writes as f64 / r.tally.received.max(1) as f64,
            None,
            "",
        );
    }
    report.row(
        scenario,
        case,
        "Postgres CPU/delivery",
        "us",
        per_msg(r.cpu.pg_secs),
        None,
        "",
    );
    report.row(
        scenario,
        case,
        "client CPU/delivery",
        "us",
        per_msg(r.cpu.bench_secs),
        None,
        "",
    );
    report.row(
        scenario,
        case,
        "Postgres CPU",
        "% core",
        r.cpu.pct(r.cpu.pg_secs),
        None,
        "",
    );
    report.row(
        scenario,
        case,
        "bench client CPU",
        "% core",
        r.cpu.pct(r.cpu.bench_secs),
        None,
        "",
    );
    report.row(
        scenario,
        case,
        "LogStep p50 (writer)",
        "ms",
        r.log_step.quantile_ms(0.5),
        None,
        "",
    );
    if r.tally.lost > 0
        || r.tally.duplicates > 0
        || r.tally.errors > 0
        || r.tally.received != r.expected
    {
        report.failures.push(format!(
            "{scenario} {case}: lost {}, duplicates {}, out of order {}, errors {}, delivered {} of {}; first error: {}",
            r.tally.lost,
            r.tally.duplicates,
            r.tally.out_of_order,
            r.tally.errors,
            r.tally.received,
            r.expected,
            r.tally.first_error.clone().unwrap_or_default()
        ));
    }
}

fn fanout_json(r: &fanout::FanoutResult) -> serde_json::Value {
    json!({
        "watchers": r.watchers, "connections": r.connections, "steps": r.steps, "expected": r.expected,
        "delivered": r.tally.received, "lost": r.tally.lost, "duplicates": r.tally.duplicates,
        "errors": r.tally.errors, "open_secs": r.open_secs, "write_secs": r.write_secs,
        "rss_before_kib": r.rss_before_kib, "rss_idle_kib": r.rss_idle_kib, "rss_peak_kib": r.rss_peak_kib,
        "kib_per_stream": r.kib_per_stream(), "wall_secs": r.cpu.wall_secs, "server_cpu_secs": r.cpu.server_secs,
        "postgres_cpu_secs": r.cpu.pg_secs, "bench_cpu_secs": r.cpu.bench_secs,
    })
}

pub async fn scenario_fanout(
    plan: &Plan,
    t: &Target,
    token: &str,
    report: &mut Report,
    raw: &mut Vec<serde_json::Value>,
) -> Result<Option<fanout::FanoutResult>, BoxError> {
    let cfg = |watchers: usize, per_conn: usize| fanout::FanoutConfig {
        writer_addr: t.addr.clone(),
        watch_addr: t.addr.clone(),
        pids: t.pids,
        api_key: t.api_key.clone(),
        access_token: token.to_owned(),
        watchers,
        streams_per_connection: per_conn,
        steps: plan.steps,
        steps_per_sec: plan.steps_per_sec,
    };
    eprintln!(
        "  fan-out: baseline, 1 watcher, {} steps at {}/s",
        plan.steps, plan.steps_per_sec
    );
    let mut base = fanout::run(&cfg(1, 1)).await?;
    fanout_rows(
        report,
        "3 fan-out",
        "1 watcher (baseline)",
        &mut base,
        None,
        "",
    );
    raw.push(fanout_json(&base));
    let mut replica_base = None;
    for &(watchers, per_conn) in &plan.fanout_cases {
        let conns = watchers.div_ceil(per_conn);
        eprintln!("  fan-out: {watchers} watchers over {conns} connections");
        let mut r = fanout::run(&cfg(watchers, per_conn)).await?;
        let case = format!("{watchers} watchers / {conns} conns");
        fanout_rows(
            report,
            "3 fan-out",
            &case,
            &mut r,
            Some(&mut base),
            "1 watcher",
        );
        raw.push(fanout_json(&r));
        if watchers == plan.replica_watchers && per_conn > 1 && replica_base.is_none() {
            replica_base = Some(r);
        }
    }
    Ok(replica_base)
}

#[allow(clippy::too_many_arguments)]
pub async fn scenario_replicas(
    plan: &Plan,
    a: &Target,
    b_addr: &str,
    b_pid: u32,
    token: &str,
    single: Option<&mut fanout::FanoutResult>,
    report: &mut Report,
    raw: &mut Vec<serde_json::Value>,
) -> Result<(), BoxError> {
    let per_conn = if plan.replica_watchers >= 100 {
        100
    } else {
        10
    };
    eprintln!(
        "  replicas: {} watchers on B, writer on A",
        plan.replica_watchers
    );
    let mut r = fanout::run(&fanout::FanoutConfig {
        writer_addr: a.addr.clone(),
        watch_addr: b_addr.to_owned(),
        pids: server::Pids {
            server: Some(b_pid),
            postmaster: a.pids.postmaster,
        },
        api_key: a.api_key.clone(),
        access_token: token.to_owned(),
        watchers: plan.replica_watchers,
        streams_per_connection: per_conn,
        steps: plan.steps,
        steps_per_sec: plan.steps_per_sec,
    })
    .await?;
    let case = format!("{} watchers on B, writer on A", plan.replica_watchers);
    fanout_rows(report, "4 replicas", &case, &mut r, single, "same server");
    raw.push(fanout_json(&r));
    Ok(())
}
