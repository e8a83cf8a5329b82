//! `switchboard-bench`: reproducible benchmarks of a real Switchboard server (see BENCHMARKS.md).
//!
//! Starts the release `switchboard serve` as a separate process on a temporary data directory
//! (its embedded Postgres), creates a user and an API key with the admin commands, drives it
//! over real gRPC with the generated client, and prints one table (each figure next to a
//! baseline measured in the same run on the same machine) plus a JSON file. The ingest and
//! answer scenarios also drive the server from the clients users run, a Python grpcio agent
//! and a gRPC-Web agent from Node (`drivers.rs`), next to the Rust client in the same table.
//!
//!     switchboard-bench [--smoke] [--json bench-results.json]
//!     switchboard-bench --only kube --kubeconfig /tmp/kc/kubeconfig   (scripts/kube-cluster.sh)
//!     switchboard-bench --target 127.0.0.1:50051 --email E --password P --api-key K [--server-pid PID] [--pg-socket-dir DIR]

mod answer;
mod approval;
mod client;
mod drivers;
mod fanout;
mod floor;
mod ingest;
mod push;
mod report;
mod scenario;
mod server;
mod stats;
mod streams;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;

use report::{Report, RunInfo};
use scenario::{Plan, Target};
use server::{BoxError, ServerProc, TempDir};

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
    /// Only these scenarios (comma-separated: ingest, answer, approval, hook, launch, fanout,
    /// replicas, tls, push, notify, streams; and kube, which runs only when named here).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// The cluster of the kube scenario (e.g. the kubeconfig `scripts/kube-cluster.sh start`
    /// writes).
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
    /// Fan-out cases instead of the mode's, as WATCHERSxSTREAMS_PER_CONNECTION (e.g. 10000x100).
    #[arg(long, value_delimiter = ',')]
    fanout_cases: Vec<String>,
    /// Scenario 11: idle streams held open at once (instead of the mode's), as
    /// STREAMS or STREAMSxSTREAMS_PER_CONNECTION (e.g. 100000x100).
    #[arg(long)]
    idle_streams: Option<String>,
    /// Fan-out: steps the agent writes (instead of the mode's).
    #[arg(long)]
    steps: Option<u64>,
    /// Fan-out: the agent's steady rate in steps per second (instead of the mode's).
    #[arg(long)]
    steps_per_sec: Option<f64>,
    /// Scenario 11: steps of the probe (instead of the mode's: 1,000 at 20 a second).
    #[arg(long)]
    probe_steps: Option<u64>,
    /// Clients whose ingest and answer rows stand next to the Rust client's (rust, python,
    /// grpc-web; the Rust client always runs: it is their baseline).
    #[arg(long, value_delimiter = ',', default_value = "rust,python,grpc-web")]
    clients: Vec<String>,
    /// The checkout whose `server/bench/drivers/` and `clients/` the Python and gRPC-Web agents
    /// use (default: the one this binary was built from).
    #[arg(long)]
    repo: Option<PathBuf>,
    /// The Python interpreter with grpcio and protobuf (default: clients/python/.venv/bin/python).
    #[arg(long)]
    python: Option<PathBuf>,
    /// The Node.js binary (20 or later) for the gRPC-Web agent.
    #[arg(long, default_value = "node")]
    node: PathBuf,
    /// Keep the temporary data directories (server logs) after the run.
    #[arg(long)]
    keep_data: bool,
}

fn wants(args: &Args, name: &str) -> bool {
    args.only.is_empty() || args.only.iter().any(|o| o == name)
}

/// Scenarios that need something beyond this machine run only when named.
fn named(args: &Args, name: &str) -> bool {
    args.only.iter().any(|o| o == name)
}

async fn run(args: Args) -> Result<Report, BoxError> {
    let mut plan = Plan::new(args.smoke);
    if let Some(n) = args.steps {
        plan.steps = n.max(1);
    }
    if let Some(r) = args.steps_per_sec {
        plan.steps_per_sec = r.max(0.01);
    }
    if let Some(n) = args.probe_steps {
        plan.probe_steps = n.max(1);
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
    if let Some(spec) = &args.idle_streams {
        let (n, per_conn) = spec.split_once('x').unwrap_or((spec, "100"));
        plan.idle_streams = n.parse::<usize>()?.max(1);
        plan.idle_streams_per_connection = per_conn.parse::<usize>()?.max(1);
    }
    let repo = args
        .repo
        .clone()
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let mut clients = Vec::new();
    for c in &args.clients {
        if let Some(c) = drivers::Client::parse(c)? {
            if !clients.contains(&c) {
                clients.push(c);
            }
        }
    }
    let drivers = drivers::Drivers {
        clients,
        python: args
            .python
            .clone()
            .unwrap_or_else(|| drivers::default_python(&repo)),
        node: args.node.clone(),
        repo,
    };
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
    // The SMTP server the notify scenario's emails go to (before the server, which is told).
    let smtp = match wants(&args, "notify") && args.target.is_none() {
        true => Some(scenario::SmtpSink::start().await?),
        false => None,
    };
    // The cluster of the kube scenario (before the server, which is told).
    let kube = match (named(&args, "kube"), &args.kubeconfig, &args.target) {
        (true, Some(path), None) => Some(scenario::KubeBench::new(std::path::absolute(path)?)?),
        (true, None, _) => {
            report.failures.push(
                "kube: needs --kubeconfig (scripts/kube-cluster.sh start DIR writes one)".into(),
            );
            None
        }
        (true, Some(_), Some(_)) => {
            report.notes.push("kube: skipped with --target".into());
            None
        }
        (false, _, _) => None,
    };

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
            metrics_addr: None,
        },
        None => {
            let bin = match &args.server_bin {
                Some(b) => b.clone(),
                None => std::env::current_exe()?.with_file_name("switchboard"),
            };
            let data_dir = work.path.join("a");
            let mut env = server_env(&data_dir, &jwt_secret, None);
            // Its Prometheus listener: the ingest scenario reads the group-commit batch sizes.
            let metrics_addr = format!("127.0.0.1:{}", server::free_port()?);
            env.push((
                "SWITCHBOARD__METRICS__LISTEN".to_owned(),
                metrics_addr.clone(),
            ));
            if let Some(smtp) = &smtp {
                env.extend(smtp_env(smtp.port));
            }
            if let Some(kube) = &kube {
                env.extend(kube.server_env());
            }
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
                metrics_addr: Some(metrics_addr),
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
        if let Err(e) =
            scenario::scenario_ingest(&plan, &target, &drivers, &mut report, &work.path).await
        {
            report.failures.push(format!("ingest: {e}"));
        }
    }
    if wants(&args, "answer") {
        if let Err(e) =
            scenario::scenario_answer(&plan, &target, &token, &drivers, &mut report).await
        {
            report.failures.push(format!("answer: {e}"));
        }
    }
    if wants(&args, "approval") {
        if let Err(e) = scenario::scenario_approval(&plan, &target, &token, &mut report).await {
            report.failures.push(format!("approval: {e}"));
        }
    }
    if wants(&args, "hook") {
        if let Err(e) =
            scenario::scenario_hook(&plan, &target, &token, &mut report, &work.path).await
        {
            report.failures.push(format!("hook: {e}"));
        }
    }
    if wants(&args, "launch") {
        if let Err(e) =
            scenario::scenario_launch(&plan, &target, &token, &mut report, &work.path).await
        {
            report.failures.push(format!("launch: {e}"));
        }
    }
    if let Some(kube) = &kube {
        if let Err(e) = scenario::scenario_kube(&plan, &target, &token, kube, &mut report).await {
            report.failures.push(format!("kube: {e}"));
        }
    }
    if wants(&args, "push") {
        if let Err(e) = push::scenario_push(&plan, &target, &token, &mut report).await {
            report.failures.push(format!("push: {e}"));
        }
    }
    let mut single = None;
    if wants(&args, "fanout") {
        match scenario::scenario_fanout(&plan, &target, &token, &mut report, &mut raw_fanout).await
        {
            Ok(s) => single = s,
            Err(e) => report.failures.push(format!("fan-out: {e}")),
        }
    }
    if wants(&args, "streams") {
        if let Err(e) = scenario::scenario_streams(&plan, &target, &token, &mut report).await {
            report.failures.push(format!("streams: {e}"));
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
                        if let Err(e) = scenario::scenario_replicas(
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
    if wants(&args, "tls") {
        match (&args.target, &target.pg_socket_dir) {
            (None, Some(socket_dir)) => {
                let bin = servers[0].bin.clone();
                if let Err(e) = scenario::scenario_tls(
                    &plan,
                    &target,
                    &bin,
                    socket_dir,
                    &jwt_secret,
                    &work.path,
                    &mut report,
                )
                .await
                {
                    report.failures.push(format!("tls: {e}"));
                }
            }
            _ => report.notes.push("tls: skipped with --target".into()),
        }
    }
    if wants(&args, "notify") {
        match &smtp {
            Some(sink) => {
                if let Err(e) =
                    scenario::scenario_notify(&plan, &target, &token, sink, &mut report).await
                {
                    report.failures.push(format!("notify: {e}"));
                }
            }
            None => report.notes.push("notify: skipped with --target".into()),
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

/// The server's email settings for the notify scenario: plain SMTP to the tool's own sink, no
/// per-person rate limit (the scenario sends one email per question, fast).
fn smtp_env(port: u16) -> Vec<(String, String)> {
    [
        ("SWITCHBOARD__NOTIFY__SMTP__HOST", "127.0.0.1".to_owned()),
        ("SWITCHBOARD__NOTIFY__SMTP__PORT", port.to_string()),
        ("SWITCHBOARD__NOTIFY__SMTP__TLS", "none".to_owned()),
        (
            "SWITCHBOARD__NOTIFY__SMTP__FROM",
            "Switchboard bench <bench@example.com>".to_owned(),
        ),
        ("SWITCHBOARD__NOTIFY__PER_PERSON_PER_MINUTE", "0".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

fn main() -> ExitCode {
    let args = Args::parse();
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let started = Instant::now();
    let date = chrono::Utc::now()
        .format("%Y-%m-%d %H:%M:%S UTC")
        .to_string();
    let machine = report::machine();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = runtime.block_on(run(args.clone()));
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("switchboard-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let run = RunInfo {
        command,
        date,
        machine,
        smoke: args.smoke,
        elapsed_secs: started.elapsed().as_secs_f64(),
    };
    report::print(&report, &run);
    let doc = report::to_json(&report, &run);
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
