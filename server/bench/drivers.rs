//! The clients users run, next to the Rust one: a Python grpcio agent and a gRPC-Web agent from
//! Node (HTTP/1.1), each a small script in `server/bench/drivers/` that uses only the generated
//! stubs of `clients/python` and `clients/typescript`. The bench spawns a script per
//! measurement and reads its results as JSON lines on stdout. In the answer scenario the person
//! (AnswerQuestion) stays here, in Rust, exactly as in the Rust client's rows.
//!
//! A missing interpreter, venv, `node_modules` or compiled stub is an error that says how to
//! create it: CI's smoke run must fail, not skip, when a driver cannot run.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};
use tokio::task::JoinHandle;

use crate::answer;
use crate::client::Dashboard;
use crate::server::BoxError;
use crate::stats::Samples;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Client {
    Python,
    GrpcWeb,
}

impl Client {
    pub fn parse(name: &str) -> Result<Option<Client>, BoxError> {
        match name {
            "rust" => Ok(None), // always measured: every other client's baseline
            "python" => Ok(Some(Client::Python)),
            "grpc-web" => Ok(Some(Client::GrpcWeb)),
            other => Err(format!("unknown client {other:?} (rust, python, grpc-web)").into()),
        }
    }

    /// The name in the table's case column.
    pub fn label(self) -> &'static str {
        match self {
            Client::Python => "Python grpcio",
            Client::GrpcWeb => "gRPC-Web (Node)",
        }
    }
}

/// Where the driver scripts and the clients they load live.
pub struct Drivers {
    pub clients: Vec<Client>,
    /// The checkout: `server/bench/drivers/` and `clients/`.
    pub repo: PathBuf,
    pub python: PathBuf,
    pub node: PathBuf,
}

impl Drivers {
    fn command(&self, client: Client) -> Result<Command, BoxError> {
        let drivers = self.repo.join("server/bench/drivers");
        let mut cmd = match client {
            Client::Python => {
                if !self.python.exists() {
                    return Err(format!(
                        "Python driver: {} does not exist; create the client's venv with \
                         `scripts/with-server.sh clients/python/test.sh` (or run scripts/bench.sh, \
                         which installs it), or name another interpreter with --python",
                        self.python.display()
                    )
                    .into());
                }
                let mut cmd = Command::new(&self.python);
                // The stubs of this checkout, not a copy installed earlier into the venv.
                cmd.arg(drivers.join("grpcio_agent.py"))
                    .env("PYTHONPATH", self.repo.join("clients/python/src"));
                cmd
            }
            Client::GrpcWeb => {
                let dir = self.repo.join("clients/typescript");
                for need in ["node_modules", "dist/gen"] {
                    if !dir.join(need).exists() {
                        return Err(format!(
                            "gRPC-Web driver: {} does not exist; run `npm ci && npx tsc -p \
                             tsconfig.json` in {} (clients/typescript/test.sh and scripts/bench.sh do)",
                            dir.join(need).display(),
                            dir.display()
                        )
                        .into());
                    }
                }
                let mut cmd = Command::new(&self.node);
                cmd.arg(drivers.join("grpc_web_agent.mjs"))
                    .env("SWITCHBOARD_TS_CLIENT_DIR", dir);
                cmd
            }
        };
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        Ok(cmd)
    }

    fn spawn(&self, client: Client, api_key: &str, args: &[String]) -> Result<Proc, BoxError> {
        let mut cmd = self.command(client)?;
        cmd.args(args).env("SWITCHBOARD_API_KEY", api_key);
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("{}: cannot start the driver: {e}", client.label()))?;
        let stdout = child.stdout.take().ok_or("driver without stdout")?;
        let mut stderr = child.stderr.take().ok_or("driver without stderr")?;
        let stderr = tokio::spawn(async move {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s).await;
            s
        });
        Ok(Proc {
            client,
            child,
            lines: BufReader::new(stdout).lines(),
            stderr,
        })
    }
}

/// A running driver script.
struct Proc {
    client: Client,
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    stderr: JoinHandle<String>,
}

impl Proc {
    /// The next event the driver prints; its exit and stderr when it stops early.
    async fn next(&mut self, timeout: Duration) -> Result<Value, BoxError> {
        let line = match tokio::time::timeout(timeout, self.lines.next_line()).await {
            Err(_) => {
                return Err(
                    format!("{}: no result within {timeout:?}", self.client.label()).into(),
                );
            }
            Ok(line) => line?,
        };
        match line {
            Some(l) => serde_json::from_str(&l)
                .map_err(|e| format!("{}: not a JSON line ({e}): {l}", self.client.label()).into()),
            None => Err(self.failure().await),
        }
    }

    async fn failure(&mut self) -> BoxError {
        let status = self.child.wait().await;
        let stderr = (&mut self.stderr).await.unwrap_or_default();
        let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        format!(
            "{} driver ended early ({}):\n{}",
            self.client.label(),
            status.map_or_else(|e| e.to_string(), |s| s.to_string()),
            tail.join("\n")
        )
        .into()
    }

    /// Waits for a clean exit.
    async fn finish(mut self) -> Result<(), BoxError> {
        let status = tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .map_err(|_| format!("{}: the driver did not exit", self.client.label()))??;
        if status.success() {
            Ok(())
        } else {
            Err(self.failure().await)
        }
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> Result<&'a str, BoxError> {
    v[key]
        .as_str()
        .ok_or_else(|| format!("driver event without {key:?}: {v}").into())
}

fn wall_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_micros() as u64
}

/// Answer latency with the driver as the agent, measured as [`answer::run`] does for the Rust
/// agent: the driver's agent asks and parks in WaitForAnswer, we answer, and the sample is from
/// AnswerQuestion returning here to WaitForAnswer returning there (both wall-clock stamps, one
/// machine). With `subscribe`, the agent keeps a Subscribe stream open on the same connection
/// while it waits, as the clients' `ask()` helpers do (the pattern the issue-11 stalls were
/// found with: the answer's push on that stream goes out first, the WaitForAnswer reply second).
#[allow(clippy::too_many_arguments)] // the run's parameters, each used once
pub async fn answer(
    drivers: &Drivers,
    client: Client,
    addr: &str,
    api_key: &str,
    person: &mut Dashboard,
    round_trips: usize,
    subscribe: bool,
) -> Result<answer::AfterAnswer, BoxError> {
    let mut args = vec![
        "answer".to_owned(),
        "--target".to_owned(),
        addr.to_owned(),
        "--round-trips".to_owned(),
        round_trips.to_string(),
    ];
    if subscribe {
        args.push("--subscribe".to_owned());
    }
    let mut proc = drivers.spawn(client, api_key, &args)?;
    let mut result = answer::AfterAnswer::with_capacity(round_trips);
    for _ in 0..round_trips {
        let waiting = proc.next(Duration::from_secs(30)).await?;
        let (session, question) = (str_of(&waiting, "session")?, str_of(&waiting, "question")?);
        tokio::time::sleep(answer::PARK).await;
        person
            .answer_question(answer::answer_req(session, question))
            .await?;
        let answered_us = wall_us();
        let done = proc.next(answer::STEP_TIMEOUT).await?;
        if str_of(&done, "question")? != question {
            return Err(format!("{}: answer to another question: {done}", client.label()).into());
        }
        let done_us = done["done_us"]
            .as_u64()
            .ok_or_else(|| format!("driver event without done_us: {done}"))?;
        result.push_us(done_us as i64 - answered_us as i64);
    }
    proc.finish().await?;
    Ok(result)
}

/// LogStep throughput and latency of `agents` driver agents, counted as [`crate::ingest`]
/// counts the Rust agents.
pub struct Ingest {
    pub ops: u64,
    pub errors: u64,
    pub secs: f64,
    pub latency: Samples,
    pub first_error: Option<String>,
}

impl Ingest {
    pub fn per_sec(&self) -> f64 {
        self.ops as f64 / self.secs
    }
}

pub async fn ingest(
    drivers: &Drivers,
    client: Client,
    addr: &str,
    api_key: &str,
    agents: usize,
    warmup: Duration,
    measure: Duration,
) -> Result<Ingest, BoxError> {
    let args = [
        "ingest".to_owned(),
        "--target".to_owned(),
        addr.to_owned(),
        "--agents".to_owned(),
        agents.to_string(),
        "--warmup-ms".to_owned(),
        warmup.as_millis().to_string(),
        "--secs".to_owned(),
        measure.as_secs_f64().to_string(),
    ];
    let mut proc = drivers.spawn(client, api_key, &args)?;
    let r = proc
        .next(warmup + measure + Duration::from_secs(30))
        .await?;
    proc.finish().await?;
    let mut latency = Samples::default();
    for v in r["latency_us"]
        .as_array()
        .ok_or("ingest without latency_us")?
    {
        latency.push_us(v.as_u64().ok_or("latency_us: not a number")?);
    }
    Ok(Ingest {
        ops: r["ops"].as_u64().ok_or("ingest without ops")?,
        errors: r["errors"].as_u64().ok_or("ingest without errors")?,
        secs: r["secs"].as_f64().ok_or("ingest without secs")?,
        latency,
        first_error: r["first_error"].as_str().map(str::to_owned),
    })
}

/// The default interpreter: the venv that clients/python/test.sh creates.
pub fn default_python(repo: &Path) -> PathBuf {
    repo.join("clients/python/.venv/bin/python")
}
