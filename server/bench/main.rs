//! `switchboard-bench`: reproducible benchmarks of a real Switchboard server (see BENCHMARKS.md).
//!
//! Starts the release `switchboard serve` as a separate process on a temporary data directory
//! (its embedded Postgres), creates a user and an API key with the admin commands, drives it
//! over real gRPC with the generated client, and prints one table (each figure next to a
//! baseline measured in the same run on the same machine) plus a JSON file.
//!
//!     switchboard-bench [--smoke] [--json bench-results.json]
//!     switchboard-bench --target 127.0.0.1:50051 --email E --password P --api-key K [--server-pid PID] [--pg-socket-dir DIR]

mod answer;
mod client;
mod fanout;
mod ingest;
mod server;
mod stats;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::json;

use server::{BoxError, ServerProc, TempDir};
use stats::Samples;

#[derive(Parser, Clone)]
#[command(
    name = "switchboard-bench",
    about = "Benchmarks a real Switchboard server over gRPC"
)]
struct Args {
    /// Seconds, tiny numbers (CI): still fails on any lost event or error.
    #[arg(long)]
    smoke: bool,
    /// Where to write the results as JSON.
    #[arg(long, default_value = "bench-results.json")]
    json: PathBuf,
    /// The server binary (default: `switchboard` next to this binary).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Benchmark an already running server instead of starting one (needs --email, --password,
    /// --api-key; scenario 4 is skipped).
    #[arg(long)]
    target: Option<String>,
    #[arg(long, env = "SWITCHBOARD_EMAIL")]
    email: Option<String>,
    #[arg(long, env = "SWITCHBOARD_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    #[arg(long, env = "SWITCHBOARD_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// With --target: the server's pid, for its memory and CPU.
    #[arg(long)]
    server_pid: Option<u32>,
    /// With --target: the Postgres unix socket directory, for the pgbench baseline.
    #[arg(long)]
    pg_socket_dir: Option<PathBuf>,
    /// Only these scenarios (comma-separated: ingest, answer, fanout, replicas).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Fan-out cases instead of the mode's, as WATCHERSxSTREAMS_PER_CONNECTION (e.g. 10000x100).
    #[arg(long, value_delimiter = ',')]
    fanout_cases: Vec<String>,
    /// Fan-out: steps the agent writes (instead of the mode's).
    #[arg(long)]
    steps: Option<u64>,
    /// Fan-out: the agent's steady rate in steps per second (instead of the mode's).
    #[arg(long)]
    steps_per_sec: Option<f64>,
    /// Keep the temporary data directories (server logs) after the run.
    #[arg(long)]
    keep_data: bool,
}

/// One line of the table: a figure of ours next to its baseline.
struct Row {
    scenario: &'static str,
    case: String,
    metric: String,
    unit: &'static str,
    ours: f64,
    baseline: Option<f64>,
    baseline_name: &'static str,
}

#[derive(Default)]
struct Report {
    rows: Vec<Row>,
    failures: Vec<String>,
    notes: Vec<String>,
    /// Raw figures of every fan-out run.
    fanout: Vec<serde_json::Value>,
}

impl Report {
    #[allow(clippy::too_many_arguments)] // one table row: each argument is a column
    fn row(
        &mut self,
        scenario: &'static str,
        case: &str,
        metric: &str,
        unit: &'static str,
        ours: f64,
        baseline: Option<f64>,
        baseline_name: &'static str,
    ) {
        if ours.is_nan() && baseline.is_none_or(|b| b.is_nan()) {
            return; // not measurable here (e.g. no pid with --target)
        }
        self.rows.push(Row {
            scenario,
            case: case.to_owned(),
            metric: metric.to_owned(),
            unit,
            ours,
            baseline,
            baseline_name,
        });
    }

    fn latency(
        &mut self,
        scenario: &'static str,
        case: &str,
        ours: &mut Samples,
        base: Option<&mut Samples>,
        baseline_name: &'static str,
        qs: &[(&str, f64)],
    ) {
        let mut base = base;
        for (name, q) in qs {
            let b = base.as_deref_mut().map(|b| {
                if *q >= 1.0 {
                    b.max_ms()
                } else {
                    b.quantile_ms(*q)
                }
            });
            let o = if *q >= 1.0 {
                ours.max_ms()
            } else {
                ours.quantile_ms(*q)
            };
            self.row(scenario, case, name, "ms", o, b, baseline_name);
        }
    }
}

const P3: &[(&str, f64)] = &[("p50", 0.5), ("p99", 0.99), ("p999", 0.999)];
const PMAX: &[(&str, f64)] = &[("p50", 0.5), ("p99", 0.99), ("max", 1.0)];

struct Plan {
    ingest_agents: Vec<usize>,
    ingest_warmup: Duration,
    ingest_secs: u64,
    /// Ours and pgbench alternate this many times per concurrency (the machine's other load
    /// then hits both alike).
    ingest_rounds: usize,
    answer_round_trips: usize,
    /// (watchers, streams per connection)
    fanout_cases: Vec<(usize, usize)>,
    replica_watchers: usize,
    steps: u64,
    steps_per_sec: f64,
}

impl Plan {
    fn new(smoke: bool) -> Plan {
        if smoke {
            Plan {
                ingest_agents: vec![1, 4],
                ingest_warmup: Duration::from_millis(300),
                ingest_secs: 1,
                ingest_rounds: 1,
                answer_round_trips: 30,
                fanout_cases: vec![(50, 10), (20, 1)],
                replica_watchers: 50,
                steps: 10,
                steps_per_sec: 20.0,
            }
        } else {
            Plan {
                ingest_agents: vec![1, 16, 64],
                ingest_warmup: Duration::from_secs(1),
                ingest_secs: 4,
                ingest_rounds: 3,
                answer_round_trips: 1000,
                fanout_cases: vec![(1000, 100), (1000, 1), (10_000, 100)],
                replica_watchers: 1000,
                steps: 100,
                steps_per_sec: 10.0,
            }
        }
    }
}

fn machine() -> serde_json::Value {
    let nproc = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib: u64 = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    json!({"nproc": nproc, "mem_total_kib": mem_kib, "cpu": model, "kernel": kernel.trim(), "loadavg_at_start": load.join(" ")})
}

fn fmt_num(v: f64) -> String {
    if v.is_nan() {
        "-".into()
    } else if v.abs() >= 100.0 || v == v.trunc() {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn print_table(report: &Report) {
    let header = ["scenario", "case", "metric", "ours", "baseline", "ratio"];
    let mut lines: Vec<[String; 6]> = Vec::new();
    for r in &report.rows {
        let unit = if r.unit.is_empty() {
            String::new()
        } else {
            format!(" {}", r.unit)
        };
        let (base, ratio) = match r.baseline {
            Some(b) => (
                format!("{}{unit} ({})", fmt_num(b), r.baseline_name),
                if b > 0.0 && !b.is_nan() && !r.ours.is_nan() {
                    format!("{:.2}", r.ours / b)
                } else {
                    "-".into()
                },
            ),
            None => ("-".into(), "-".into()),
        };
        lines.push([
            r.scenario.to_owned(),
            r.case.clone(),
            r.metric.clone(),
            format!("{}{unit}", fmt_num(r.ours)),
            base,
            ratio,
        ]);
    }
    let mut widths = header.map(|h| h.len());
    for l in &lines {
        for (i, c) in l.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let fmt_line = |cells: [&str; 6]| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i >= 3 {
                    format!("{c:>w$}", w = widths[i])
                } else {
                    format!("{c:<w$}", w = widths[i])
                }
            })
            .collect::<Vec<_>>()
            .join(" | ")
    };
    println!("{}", fmt_line(header));
    println!(
        "{}",
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("-|-")
    );
    let mut last_scenario = "";
    for (r, l) in report.rows.iter().zip(&lines) {
        if !last_scenario.is_empty() && r.scenario != last_scenario {
            println!(
                "{}",
                widths
                    .iter()
                    .map(|w| " ".repeat(*w))
                    .collect::<Vec<_>>()
                    .join(" | ")
                    .trim_end()
            );
        }
        last_scenario = r.scenario;
        println!("{}", fmt_line([&l[0], &l[1], &l[2], &l[3], &l[4], &l[5]]));
    }
}

struct Target {
    addr: String,
    pids: server::Pids,
    email: String,
    password: String,
    api_key: String,
    pg_socket_dir: Option<PathBuf>,
}

async fn scenario_ingest(
    plan: &Plan,
    t: &Target,
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
    for &agents in &plan.ingest_agents {
        let mut ours: Option<ingest::IngestResult> = None;
        let mut base: Option<ingest::IngestResult> = None;
        let mut same: Option<ingest::IngestResult> = None;
        let mut same_with_notify: Option<ingest::IngestResult> = None;
        let mut ratios = Vec::new();
        for round in 1..=plan.ingest_rounds {
            eprintln!(
                "  ingest: {agents} agent(s), {} s (round {round}/{})",
                plan.ingest_secs, plan.ingest_rounds
            );
            let o = ingest::run_ours(
                &t.addr,
                &t.api_key,
                t.pids,
                agents,
                plan.ingest_warmup,
                Duration::from_secs(plan.ingest_secs),
            )
            .await?;
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
                    "  ingest: pgbench replaying LogStep's statements, {agents} client(s), {} s (round {round}/{})",
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
        if let Some(sm) = same.as_mut() {
            report.row(
                "1 ingest",
                &case,
                "LogStep/s vs same SQL",
                "/s",
                ours.per_sec(),
                Some(sm.per_sec()),
                "pgbench, our statements",
            );
            report.row(
                "1 ingest",
                &case,
                "p50 vs same SQL",
                "ms",
                ours.latency.quantile_ms(0.5),
                Some(sm.latency.quantile_ms(0.5)),
                "pgbench, our statements",
            );
            if let Some(wn) = same_with_notify.as_ref() {
                report.row(
                    "1 ingest",
                    &case,
                    "former locking step+NOTIFY",
                    "/s",
                    wn.per_sec(),
                    Some(sm.per_sec()),
                    "pgbench, our statements",
                );
            }
            report.row(
                "1 ingest",
                &case,
                "Postgres CPU/op vs same SQL",
                "us",
                ours.us_per_op(ours.cpu.pg_secs),
                Some(sm.us_per_op(sm.cpu.pg_secs)),
                "pgbench, our statements",
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
                ours.first_error.unwrap_or_default()
            ));
        }
    }
    if let Some(pg) = &pg {
        pg.cleanup();
    }
    Ok(())
}

async fn scenario_answer(
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
    report.row(
        scenario,
        case,
        "server CPU/delivery",
        "us",
        per_msg(r.cpu.server_secs),
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

async fn scenario_fanout(
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
async fn scenario_replicas(
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

fn wants(args: &Args, name: &str) -> bool {
    args.only.is_empty() || args.only.iter().any(|o| o == name)
}

async fn run(args: Args) -> Result<Report, BoxError> {
    let mut plan = Plan::new(args.smoke);
    if let Some(n) = args.steps {
        plan.steps = n.max(1);
    }
    if let Some(r) = args.steps_per_sec {
        plan.steps_per_sec = r.max(0.01);
    }
    if !args.fanout_cases.is_empty() {
        plan.fanout_cases = args
            .fanout_cases
            .iter()
            .map(|c| {
                let (w, p) = c
                    .split_once('x')
                    .ok_or("--fanout-cases takes WATCHERSxSTREAMS_PER_CONNECTION")?;
                Ok::<_, BoxError>((w.parse()?, p.parse()?))
            })
            .collect::<Result<_, _>>()?;
    }
    let mut report = Report::default();
    let mut raw_fanout = Vec::new();
    let mut work = TempDir::new("switchboard-bench")?;
    work.keep = args.keep_data;
    let jwt_secret = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let mut servers: Vec<ServerProc> = Vec::new();

    let target = match &args.target {
        Some(addr) => Target {
            addr: addr.clone(),
            pids: server::Pids {
                server: args.server_pid,
                postmaster: None,
            },
            email: args.email.clone().ok_or("--target needs --email")?,
            password: args.password.clone().ok_or("--target needs --password")?,
            api_key: args.api_key.clone().ok_or("--target needs --api-key")?,
            pg_socket_dir: args.pg_socket_dir.clone(),
        },
        None => {
            let bin = match &args.server_bin {
                Some(b) => b.clone(),
                None => std::env::current_exe()?.with_file_name("switchboard"),
            };
            let data_dir = work.path.join("a");
            let env = server_env(&data_dir, &jwt_secret, None);
            eprintln!(
                "starting {} (embedded Postgres in {})",
                bin.display(),
                data_dir.display()
            );
            let a = ServerProc::start(&bin, &data_dir, env)?;
            let email = "bench@example.com".to_owned();
            let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
            a.admin(
                &["user", "create", "--email", &email, "--password-stdin"],
                Some(&password),
            )?;
            let api_key = a.admin(
                &[
                    "key", "create", "--email", &email, "--name", "bench", "--quiet",
                ],
                None,
            )?;
            let t = Target {
                addr: a.addr.clone(),
                pids: server::Pids {
                    server: Some(a.pid),
                    postmaster: server::postmaster_pid(&std::fs::canonicalize(&data_dir)?),
                },
                email,
                password,
                api_key,
                pg_socket_dir: Some(ingest::socket_dir_of(&std::fs::canonicalize(&data_dir)?)),
            };
            servers.push(a);
            t
        }
    };
    let token = client::login(
        client::connect(&target.addr).await?,
        &target.email,
        &target.password,
    )
    .await?;

    if wants(&args, "ingest") {
        if let Err(e) = scenario_ingest(&plan, &target, &mut report, &work.path).await {
            report.failures.push(format!("ingest: {e}"));
        }
    }
    if wants(&args, "answer") {
        if let Err(e) = scenario_answer(&plan, &target, &token, &mut report).await {
            report.failures.push(format!("answer: {e}"));
        }
    }
    let mut single = None;
    if wants(&args, "fanout") {
        match scenario_fanout(&plan, &target, &token, &mut report, &mut raw_fanout).await {
            Ok(s) => single = s,
            Err(e) => report.failures.push(format!("fan-out: {e}")),
        }
    }
    if wants(&args, "replicas") {
        match (&args.target, &target.pg_socket_dir) {
            (None, Some(socket_dir)) => {
                let data_dir = work.path.join("b");
                let url = format!(
                    "postgres://switchboard@{}/switchboard",
                    server::url_encode(&socket_dir.display().to_string())
                );
                let bin = servers[0].bin.clone();
                eprintln!("  replicas: starting a second server on the same database");
                match ServerProc::start(
                    &bin,
                    &data_dir,
                    server_env(&data_dir, &jwt_secret, Some(&url)),
                ) {
                    Ok(b) => {
                        let (b_addr, b_pid) = (b.addr.clone(), b.pid);
                        servers.push(b);
                        if let Err(e) = scenario_replicas(
                            &plan,
                            &target,
                            &b_addr,
                            b_pid,
                            &token,
                            single.as_mut(),
                            &mut report,
                            &mut raw_fanout,
                        )
                        .await
                        {
                            report.failures.push(format!("replicas: {e}"));
                        }
                    }
                    Err(e) => report
                        .failures
                        .push(format!("replicas: second server: {e}")),
                }
            }
            _ => report.notes.push("replicas: skipped with --target".into()),
        }
    }
    if !report.failures.is_empty() {
        for s in &servers {
            eprintln!(
                "--- last lines of the log of server {} (pid {}):\n{}",
                s.addr,
                s.pid,
                s.log_tail(30)
            );
        }
    }
    // Stop the replica first, then the server that owns the embedded cluster.
    while let Some(mut s) = servers.pop() {
        s.stop();
    }
    report.fanout = raw_fanout;
    Ok(report)
}

fn server_env(
    data_dir: &std::path::Path,
    jwt_secret: &str,
    database_url: Option<&str>,
) -> Vec<(String, String)> {
    let mut env = vec![
        (
            "SWITCHBOARD__DATA_DIR".to_owned(),
            data_dir.display().to_string(),
        ),
        ("SWITCHBOARD__LISTEN".to_owned(), "127.0.0.1:0".to_owned()),
        ("SWITCHBOARD__LOG_FORMAT".to_owned(), "compact".to_owned()),
        (
            "SWITCHBOARD__LIMITS__AGENT_CALLS_PER_SECOND".to_owned(),
            "1000000".to_owned(),
        ),
        (
            "SWITCHBOARD__LIMITS__AGENT_CALLS_BURST".to_owned(),
            "1000000".to_owned(),
        ),
        (
            "SWITCHBOARD__AUTH__JWT_SECRET".to_owned(),
            jwt_secret.to_owned(),
        ),
        (
            "SWITCHBOARD__WEB_DIR".to_owned(),
            data_dir.join("no-web").display().to_string(),
        ),
    ];
    if let Some(url) = database_url {
        env.push(("SWITCHBOARD__DATABASE_URL".to_owned(), url.to_owned()));
    }
    env
}

fn main() -> ExitCode {
    let args = Args::parse();
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let started = Instant::now();
    let date = chrono::Utc::now()
        .format("%Y-%m-%d %H:%M:%S UTC")
        .to_string();
    let machine = machine();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = runtime.block_on(run(args.clone()));
    let elapsed = started.elapsed().as_secs_f64();
    let mut report = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("switchboard-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!();
    println!("command:  {command}");
    println!("date:     {date}");
    println!(
        "machine:  {} CPUs ({}), {:.1} GiB RAM (MemTotal {} kB), Linux {}, load average at start {}",
        machine["nproc"],
        machine["cpu"].as_str().unwrap_or(""),
        machine["mem_total_kib"].as_u64().unwrap_or(0) as f64 / 1048576.0,
        machine["mem_total_kib"],
        machine["kernel"].as_str().unwrap_or(""),
        machine["loadavg_at_start"].as_str().unwrap_or("")
    );
    println!(
        "mode:     {}   (total {:.1} s; the bench client and the server share these cores)",
        if args.smoke { "smoke" } else { "full" },
        elapsed
    );
    println!();
    print_table(&report);
    let notes = std::mem::take(&mut report.notes);
    for n in &notes {
        println!("note: {n}");
    }
    let rows: Vec<serde_json::Value> = report
        .rows
        .iter()
        .map(|r| {
            json!({
                "scenario": r.scenario, "case": r.case, "metric": r.metric, "unit": r.unit,
                "ours": if r.ours.is_nan() { None } else { Some(r.ours) },
                "baseline": r.baseline.filter(|b| !b.is_nan()), "baseline_name": r.baseline_name,
                "ratio": r.baseline.filter(|b| *b > 0.0 && !r.ours.is_nan()).map(|b| r.ours / b),
            })
        })
        .collect();
    let doc = json!({
        "command": command, "date": date, "machine": machine,
        "mode": if args.smoke { "smoke" } else { "full" }, "duration_secs": elapsed,
        "rows": rows, "fanout_runs": report.fanout, "failures": report.failures, "notes": notes,
    });
    if let Err(e) = std::fs::write(
        &args.json,
        serde_json::to_string_pretty(&doc).unwrap_or_default(),
    ) {
        eprintln!(
            "switchboard-bench: cannot write {}: {e}",
            args.json.display()
        );
    } else {
        println!("results:  {}", args.json.display());
    }
    if !report.failures.is_empty() {
        for f in &report.failures {
            eprintln!("FAILED: {f}");
        }
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
