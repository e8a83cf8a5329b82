//! The scenarios: each runs its measurement (the modules at the top of the tool) at the sizes
//! of the plan and turns the results into report rows next to their baselines.

mod answer;
mod fanout;
mod hook;
mod ingest;
mod kube;
mod launch;
mod notify;
mod streams;
mod tls;

use std::path::PathBuf;
use std::time::Duration;

use crate::server;

pub use answer::{scenario_answer, scenario_approval};
pub use fanout::{scenario_fanout, scenario_replicas};
pub use hook::scenario_hook;
pub use ingest::scenario_ingest;
pub use kube::{KubeBench, scenario_kube};
pub use launch::scenario_launch;
pub use notify::{SmtpSink, scenario_notify};
pub use streams::scenario_streams;
pub use tls::{SCHEME as TLS_SCHEME, connect as connect_tls, scenario_tls};

/// The sizes of one run (full or smoke), some of them overridable from the command line.
pub struct Plan {
    pub ingest_agents: Vec<usize>,
    pub ingest_warmup: Duration,
    pub ingest_secs: u64,
    /// Ours and pgbench alternate this many times per concurrency (the machine's other load
    /// then hits both alike).
    pub ingest_rounds: usize,
    /// The Python and gRPC-Web agents' ingest runs (one round each, no pgbench).
    pub driver_ingest_agents: Vec<usize>,
    pub answer_round_trips: usize,
    /// (watchers, streams per connection)
    pub fanout_cases: Vec<(usize, usize)>,
    pub replica_watchers: usize,
    pub steps: u64,
    pub steps_per_sec: f64,
    /// Launches timed one after another (LaunchSession to the agent's first step).
    pub launch_round_trips: usize,
    /// Launches sent at once to one runner (assignments per second).
    pub launch_burst: usize,
    /// Kubernetes launches sent at once (scenario "kube").
    pub kube_sessions: usize,
    /// Idle streams held open at once (scenario 11), and how many share a connection.
    pub idle_streams: usize,
    pub idle_streams_per_connection: usize,
    /// Scenario 11's probe: steps written to the few watchers, and at what rate. Its p99 is
    /// compared with its baseline's, so it takes enough steps for a p99 to be more than the
    /// second-worst sample.
    pub probe_steps: u64,
    pub probe_steps_per_sec: f64,
}

impl Plan {
    pub fn new(smoke: bool) -> Plan {
        if smoke {
            Plan {
                ingest_agents: vec![1, 4],
                ingest_warmup: Duration::from_millis(300),
                ingest_secs: 1,
                ingest_rounds: 1,
                driver_ingest_agents: vec![4],
                answer_round_trips: 30,
                fanout_cases: vec![(50, 10), (20, 1)],
                replica_watchers: 50,
                steps: 10,
                steps_per_sec: 20.0,
                launch_round_trips: 5,
                launch_burst: 4,
                kube_sessions: 10,
                idle_streams: 200,
                idle_streams_per_connection: 100,
                probe_steps: 10,
                probe_steps_per_sec: 20.0,
            }
        } else {
            Plan {
                ingest_agents: vec![1, 16, 64],
                ingest_warmup: Duration::from_secs(1),
                ingest_secs: 4,
                ingest_rounds: 3,
                driver_ingest_agents: vec![1, 16],
                answer_round_trips: 1000,
                fanout_cases: vec![(1000, 100), (1000, 1), (10_000, 100)],
                replica_watchers: 1000,
                steps: 100,
                steps_per_sec: 10.0,
                launch_round_trips: 100,
                launch_burst: 32,
                kube_sessions: 100,
                idle_streams: 100_000,
                idle_streams_per_connection: 100,
                probe_steps: 1000,
                probe_steps_per_sec: 20.0,
            }
        }
    }
}

/// The server under test and the credentials the scenarios use.
pub struct Target {
    pub addr: String,
    pub pids: server::Pids,
    pub email: String,
    pub password: String,
    pub api_key: String,
    pub pg_socket_dir: Option<PathBuf>,
    /// The server's metrics listener (host:port), when the tool started the server.
    pub metrics_addr: Option<String>,
}
