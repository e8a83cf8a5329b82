//! Scenario 1: durable ingest. N agents, each on its own connection and session, call LogStep
//! back to back; the baseline is pgbench running the same SQL shape (lock and bump the
//! session's last_seq, insert the message row, commit) at the same concurrency against the
//! same cluster.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use switchboard::proto::LogStepRequest;

use crate::client;
use crate::server::{BoxError, CpuMeter, CpuUse, Pids};
use crate::stats::Samples;

pub struct IngestResult {
    pub ops: u64,
    pub errors: u64,
    pub secs: f64,
    pub latency: Samples,
    pub first_error: Option<String>,
    pub cpu: CpuUse,
    /// The sessions our agents wrote to (the statement-for-statement pgbench replays on them).
    pub sessions: Vec<String>,
}

impl IngestResult {
    pub fn per_sec(&self) -> f64 {
        self.ops as f64 / self.secs
    }

    /// Adds another round's figures.
    pub fn merge(&mut self, o: IngestResult) {
        let add = |a: Option<f64>, b: Option<f64>| Some(a? + b?);
        self.ops += o.ops;
        self.errors += o.errors;
        self.secs += o.secs;
        self.latency.extend(o.latency);
        if self.first_error.is_none() {
            self.first_error = o.first_error;
        }
        self.cpu = CpuUse {
            wall_secs: self.cpu.wall_secs + o.cpu.wall_secs,
            server_secs: add(self.cpu.server_secs, o.cpu.server_secs),
            pg_secs: add(self.cpu.pg_secs, o.cpu.pg_secs),
            bench_secs: add(self.cpu.bench_secs, o.cpu.bench_secs),
        };
    }

    /// Microseconds of CPU per operation.
    pub fn us_per_op(&self, secs: Option<f64>) -> f64 {
        secs.map(|s| s * 1e6 / self.ops.max(1) as f64)
            .unwrap_or(f64::NAN)
    }
}

/// A step text of realistic size (about 120 bytes).
fn step_text(agent: usize, i: u64) -> String {
    format!(
        "agent {agent} step {i}: ran `cargo test -p switchboard store::sessions`, 42 passed, 0 failed; next: tidy the feed module"
    )
}

pub async fn run_ours(
    addr: &str,
    api_key: &str,
    pids: Pids,
    agents: usize,
    warmup: Duration,
    measure: Duration,
) -> Result<IngestResult, BoxError> {
    let mut clients = Vec::with_capacity(agents);
    let mut sessions = Vec::with_capacity(agents);
    for i in 0..agents {
        let mut agent = client::agent(client::connect(addr).await?, api_key)?;
        let (session, _) = client::start_session(
            &mut agent,
            "bench-ingest",
            &format!("ingest {agents}x #{i}"),
        )
        .await?;
        sessions.push(session.clone());
        clients.push((agent, session));
    }
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for (i, (mut agent, session)) in clients.into_iter().enumerate() {
        let measuring = measuring.clone();
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Samples::with_capacity(16_384);
            let (mut ops, mut errors, mut first_error) = (0u64, 0u64, None);
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let req = LogStepRequest {
                    session_id: session.clone(),
                    text: step_text(i, n),
                    request_id: client::request_id(),
                };
                let t0 = Instant::now();
                let r = agent.log_step(req).await;
                let took = t0.elapsed();
                if measuring.load(Ordering::Relaxed) && !stop.load(Ordering::Relaxed) {
                    match r {
                        Ok(_) => {
                            ops += 1;
                            lat.push(took);
                        }
                        Err(e) => {
                            errors += 1;
                            first_error.get_or_insert_with(|| e.to_string());
                        }
                    }
                } else if let Err(e) = r {
                    errors += 1;
                    first_error.get_or_insert_with(|| e.to_string());
                }
            }
            (ops, errors, lat, first_error)
        }));
    }
    tokio::time::sleep(warmup).await;
    measuring.store(true, Ordering::Relaxed);
    let cpu = CpuMeter::start(pids);
    let t0 = Instant::now();
    tokio::time::sleep(measure).await;
    stop.store(true, Ordering::Relaxed);
    let secs = t0.elapsed().as_secs_f64();
    let cpu = cpu.read();
    let mut result = IngestResult {
        ops: 0,
        errors: 0,
        secs,
        latency: Samples::default(),
        first_error: None,
        cpu,
        sessions,
    };
    for t in tasks {
        let (ops, errors, lat, err) = t.await?;
        result.ops += ops;
        result.errors += errors;
        result.latency.extend(lat);
        if result.first_error.is_none() {
            result.first_error = err;
        }
    }
    Ok(result)
}

/// The baseline: the same SQL shape as a LogStep, reduced to what it needs.
const MINIMAL_SCRIPT: &str = "BEGIN;
UPDATE bench_sessions SET last_seq = last_seq + 1, last_activity_at = now(), last_seen_at = now() WHERE id = :client_id RETURNING last_seq AS seq \\gset
INSERT INTO bench_messages (session_id, seq, sender, kind, body, request_id, meta) VALUES (:client_id, :seq, 1, 1, '{\"type\": \"step\", \"text\": \"agent 0 step 1: ran `cargo test -p switchboard store::sessions`, 42 passed, 0 failed; next: tidy the feed module\"}', gen_random_uuid()::text, '{\"read_after\": 0, \"read_through\": 0}');
END;
";

/// LogStep's statements as the server issued them for an ordinary step before group commit
/// (issue 18; kept as the ablation that shows what grouping bought): the API key lookup, then
/// one autocommitted statement per step that bumps the session, checks the request id and
/// unread messages, and inserts the step, on the real tables. The first line only finds this client's session. The server's NOTIFY is not in
/// here: it goes out after the commit, one per batch of steps.
const SAME_STATEMENTS_SCRIPT: &str = "SELECT sid, uid FROM bench_xmap WHERE n = :client_id \\gset
SELECT id, user_id, expires_at, revoked_at, last_used_at FROM api_keys WHERE key_hash = '\\x00'::bytea;
WITH s AS (UPDATE sessions SET last_seq = last_seq + 1, last_activity_at = now(), last_seen_at = now() WHERE id = :sid AND user_id = :uid AND status = 1 AND open_questions = 0 AND open_approvals = 0 AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.session_id = :sid AND m.request_id = 'pgbench-no-such-request') AND NOT EXISTS (SELECT 1 FROM messages u WHERE u.session_id = :sid AND u.seq > sessions.agent_read_seq AND u.kind = 4) RETURNING id, last_seq, agent_read_seq) INSERT INTO messages (session_id, seq, sender, kind, body, request_id, meta) SELECT s.id, s.last_seq, 1, 1, '{\"type\": \"step\", \"text\": \"agent 0 step 1: ran `cargo test -p switchboard store::sessions`, 42 passed, 0 failed; next: tidy the feed module\"}', gen_random_uuid()::text, jsonb_build_object('read_after', s.agent_read_seq, 'read_through', s.agent_read_seq) FROM s RETURNING seq;
";

/// How a step went before it became one statement (kept as an ablation): a transaction that
/// locks the session row, inserts, updates and NOTIFYs (on a channel nobody listens to: same
/// cost, no wake-ups), holding the cluster-wide notify lock through its commit.
const LOCKING_STEP_WITH_NOTIFY_SCRIPT: &str = "SELECT sid, uid FROM bench_xmap WHERE n = :client_id \\gset
SELECT id, user_id, expires_at, revoked_at, last_used_at FROM api_keys WHERE key_hash = '\\x00'::bytea;
BEGIN;
SELECT s.id, s.user_id, s.agent_id, a.name AS agent_name, s.name, s.status, s.last_seq, s.agent_read_seq, s.open_questions, (SELECT m.seq FROM messages m WHERE m.session_id = s.id AND m.request_id = 'pgbench-no-such-request') AS replay_seq, EXISTS (SELECT 1 FROM messages u WHERE u.session_id = s.id AND u.seq > s.agent_read_seq AND u.kind = 4) AS has_unread FROM sessions s JOIN agents a ON a.id = s.agent_id WHERE s.id = :sid AND s.user_id = :uid FOR UPDATE OF s \\gset l_
INSERT INTO messages (session_id, seq, sender, kind, body, request_id, meta) VALUES (:sid, :l_last_seq + 1, 1, 1, '{\"type\": \"step\", \"text\": \"agent 0 step 1: ran `cargo test -p switchboard store::sessions`, 42 passed, 0 failed; next: tidy the feed module\"}', gen_random_uuid()::text, '{\"read_after\": 0, \"read_through\": 0}');
UPDATE sessions SET status = 1, last_seq = :l_last_seq + 1, agent_read_seq = :l_agent_read_seq, open_questions = 0, last_activity_at = now(), last_seen_at = now() WHERE id = :sid;
SELECT pg_notify('switchboard_bench_unheard', 'm ' || :sid || ' 1');
END;
";

/// Where pgbench and psql live, and how to reach the cluster.
#[derive(Clone)]
pub struct Pg {
    pub bin_dir: PathBuf,
    pub socket_dir: PathBuf,
    pub work_dir: PathBuf,
}

pub fn find_pg_bin() -> Option<PathBuf> {
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("pgbench").exists().then_some((v, bin))
        })
        .collect();
    dirs.sort();
    dirs.pop().map(|(_, b)| b)
}

const MAX_CLIENTS: usize = 64;

impl Pg {
    fn conn_args(&self) -> Vec<String> {
        vec![
            "-h".into(),
            self.socket_dir.display().to_string(),
            "-U".into(),
            "switchboard".into(),
            "-d".into(),
            "switchboard".into(),
        ]
    }

    fn psql(&self, sql: &str) -> Result<(), BoxError> {
        let out = Command::new(self.bin_dir.join("psql"))
            .args(self.conn_args())
            .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
            .output()?;
        if !out.status.success() {
            return Err(format!("psql failed: {}", String::from_utf8_lossy(&out.stderr)).into());
        }
        Ok(())
    }

    /// Scratch tables shaped like `sessions` (the counter row) and `messages` (the event row,
    /// with its primary key and the request-id unique index).
    pub fn prepare(&self) -> Result<(), BoxError> {
        self.psql(&format!(
            "DROP TABLE IF EXISTS bench_messages, bench_sessions;
             CREATE TABLE bench_sessions (id int PRIMARY KEY, last_seq bigint NOT NULL DEFAULT 0,
               last_activity_at timestamptz NOT NULL DEFAULT now(), last_seen_at timestamptz NOT NULL DEFAULT now());
             CREATE TABLE bench_messages (session_id int NOT NULL REFERENCES bench_sessions (id), seq bigint NOT NULL,
               sender smallint NOT NULL, kind smallint NOT NULL, body jsonb NOT NULL, request_id text, meta jsonb,
               created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (session_id, seq));
             CREATE UNIQUE INDEX bench_messages_request_id_key ON bench_messages (session_id, request_id) WHERE request_id IS NOT NULL;
             INSERT INTO bench_sessions (id) SELECT g FROM generate_series(0, {}) g;",
            MAX_CLIENTS - 1
        ))
    }

    pub fn cleanup(&self) {
        let _ = self.psql("DROP TABLE IF EXISTS bench_messages, bench_sessions, bench_xmap;");
    }

    /// Runs pgbench with `clients` connections for `secs` seconds; returns tps and the
    /// per-transaction latencies from its log.
    pub fn run(&self, clients: usize, secs: u64, pids: Pids) -> Result<IngestResult, BoxError> {
        self.run_script("minimal", MINIMAL_SCRIPT, clients, secs, pids)
    }

    /// Points pgbench client i at session i of `sessions` (our agents' own sessions).
    pub fn map_sessions(&self, sessions: &[String]) -> Result<(), BoxError> {
        let values: Vec<String> = sessions
            .iter()
            .enumerate()
            .filter(|(_, id)| uuid::Uuid::parse_str(id).is_ok())
            .map(|(i, id)| format!("({i}, '{id}'::uuid)"))
            .collect();
        if values.is_empty() {
            return Err("no sessions to replay on".into());
        }
        self.psql(&format!(
            "DROP TABLE IF EXISTS bench_xmap;
             CREATE TABLE bench_xmap (n int PRIMARY KEY, sid uuid NOT NULL, uid uuid NOT NULL);
             INSERT INTO bench_xmap SELECT v.n, s.id, s.user_id FROM (VALUES {}) v (n, sid) JOIN sessions s ON s.id = v.sid;",
            values.join(", ")
        ))
    }

    /// pgbench replaying LogStep's own statements, one for one, on our sessions (after
    /// `map_sessions`): what the database alone costs for our SQL, without the server.
    pub fn run_same_statements(
        &self,
        clients: usize,
        secs: u64,
        pids: Pids,
    ) -> Result<IngestResult, BoxError> {
        self.run_script("statements", SAME_STATEMENTS_SCRIPT, clients, secs, pids)
    }

    /// The step as the server ran it before (locking transaction, NOTIFY inside): what the
    /// one-statement step and the NOTIFY after commit gained.
    pub fn run_locking_step_with_notify(
        &self,
        clients: usize,
        secs: u64,
        pids: Pids,
    ) -> Result<IngestResult, BoxError> {
        self.run_script(
            "locking-step-with-notify",
            LOCKING_STEP_WITH_NOTIFY_SCRIPT,
            clients,
            secs,
            pids,
        )
    }

    fn run_script(
        &self,
        name: &str,
        text: &str,
        clients: usize,
        secs: u64,
        pids: Pids,
    ) -> Result<IngestResult, BoxError> {
        let script = self.work_dir.join(format!("{name}.sql"));
        std::fs::write(&script, text)?;
        let log_dir = self.work_dir.join(format!("pgbench-{name}-{clients}"));
        let _ = std::fs::remove_dir_all(&log_dir);
        std::fs::create_dir_all(&log_dir)?;
        let threads = clients.min(
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
        );
        let cpu = CpuMeter::start(Pids {
            server: None,
            ..pids
        });
        let out = Command::new(self.bin_dir.join("pgbench"))
            .args(self.conn_args().into_iter().take(4))
            .args([
                "-n",
                "-M",
                "prepared",
                "-c",
                &clients.to_string(),
                "-j",
                &threads.to_string(),
                "-T",
                &secs.to_string(),
                "-f",
                &script.display().to_string(),
                "-l",
                "--log-prefix",
                &log_dir.join("tx").display().to_string(),
                "switchboard",
            ])
            .current_dir(&self.work_dir)
            .output()?;
        let mut cpu = cpu.read();
        // pgbench's own connection set-up is outside its measured window; scale to -T.
        cpu.wall_secs = cpu.wall_secs.max(secs as f64);
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            return Err(format!(
                "pgbench failed: {stdout}{}",
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        let tps: f64 = stdout
            .lines()
            .find(|l| l.starts_with("tps = "))
            .and_then(|l| l.split_whitespace().nth(2))
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("no tps in pgbench output: {stdout}"))?;
        let failed: u64 = stdout
            .lines()
            .find(|l| l.starts_with("number of failed transactions"))
            .and_then(|l| l.split(':').nth(1))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut latency = Samples::default();
        for entry in std::fs::read_dir(&log_dir)?.flatten() {
            let text = std::fs::read_to_string(entry.path())?;
            for line in text.lines() {
                // client_id transaction_no time_us script_no time_epoch time_us
                if let Some(us) = line
                    .split_whitespace()
                    .nth(2)
                    .and_then(|v| v.parse::<u64>().ok())
                {
                    latency.push_us(us);
                }
            }
        }
        let ops = (tps * secs as f64).round() as u64;
        Ok(IngestResult {
            ops,
            errors: failed,
            secs: secs as f64,
            latency,
            first_error: None,
            cpu,
            sessions: Vec::new(),
        })
    }
}

pub fn socket_dir_of(data_dir: &Path) -> PathBuf {
    data_dir.join("run")
}
