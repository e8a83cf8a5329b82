//! Scenario 11: many idle streams. N streams stay open across many sessions (per session, the
//! agent's Subscribe and nine people's WatchSession), spread over HTTP/2 connections, while
//! nothing happens in those sessions. Measures the server's memory per idle stream and whether
//! a step still reaches the few watchers of another session as fast as with no idle streams
//! open (the probe: the fan-out measurement with a few watchers, run before the idle streams
//! open and again while they are open).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use switchboard::proto::{SubscribeRequest, WatchSessionRequest};
use tokio::sync::{Semaphore, watch};

use crate::client;
use crate::server::{BoxError, CpuMeter, CpuUse, Pids, rss_kib};

/// Streams per session: the agent's Subscribe and this many minus one watchers.
pub const PER_SESSION: usize = 10;

pub struct StreamsConfig {
    pub addr: String,
    pub pids: Pids,
    pub api_key: String,
    pub access_token: String,
    pub streams: usize,
    pub streams_per_connection: usize,
}

pub struct IdleStreams {
    pub streams: usize,
    pub sessions: usize,
    pub connections: usize,
    pub opened: usize,
    pub failed: usize,
    pub first_error: Option<String>,
    pub open_secs: f64,
    pub rss_before_kib: Option<u64>,
    pub rss_open_kib: Option<u64>,
    /// The bench process's own RSS with every stream open (the client side of them).
    pub client_rss_kib: Option<u64>,
    /// CPU while the streams were being opened.
    pub open_cpu: CpuUse,
    /// Items (heartbeats) the idle streams received while open.
    pub received: Arc<AtomicU64>,
    /// The streams' tasks and connections; dropping them (`close`) ends the streams.
    cancel: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl IdleStreams {
    pub fn kib_per_stream(&self) -> Option<f64> {
        Some((self.rss_open_kib? as f64 - self.rss_before_kib? as f64) / self.opened.max(1) as f64)
    }

    /// Ends every stream (the client cancels them) and waits for their tasks.
    pub async fn close(&mut self) {
        let _ = self.cancel.send(true);
        for t in std::mem::take(&mut self.tasks) {
            let _ = t.await;
        }
    }
}

/// The most open file descriptors this process may hold (each connection is one on each side).
pub fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Starts the sessions, then opens the streams and leaves them open.
pub async fn open(cfg: &StreamsConfig) -> Result<IdleStreams, BoxError> {
    let sessions_n = cfg.streams.div_ceil(PER_SESSION);
    let per_conn = cfg.streams_per_connection.max(1);
    let connections = cfg.streams.div_ceil(per_conn);
    eprintln!(
        "  streams: starting {sessions_n} sessions, then {} streams over {connections} connections",
        cfg.streams
    );
    // Sessions, started concurrently over a few connections.
    let mut sessions = Vec::with_capacity(sessions_n);
    {
        let gate = Arc::new(Semaphore::new(32));
        let mut agents = Vec::new();
        for _ in 0..8 {
            agents.push(client::agent(
                client::connect(&cfg.addr).await?,
                &cfg.api_key,
            )?);
        }
        let mut starts = Vec::with_capacity(sessions_n);
        for i in 0..sessions_n {
            let mut agent = agents[i % agents.len()].clone();
            let gate = gate.clone();
            starts.push(tokio::spawn(async move {
                let _permit = gate.acquire_owned().await;
                client::start_session(&mut agent, "bench-idle", &format!("idle {i}")).await
            }));
        }
        for s in starts {
            sessions.push(s.await?.map_err(|e| format!("StartSession: {e}"))?);
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = cfg.pids.server.and_then(rss_kib);
    let cpu = CpuMeter::start(cfg.pids);
    let t_open = Instant::now();
    let (cancel, cancel_rx) = watch::channel(false);
    let opened = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let first_error = Arc::new(std::sync::Mutex::new(None::<String>));
    let received = Arc::new(AtomicU64::new(0));
    let gate = Arc::new(Semaphore::new(512));
    let mut tasks = Vec::with_capacity(cfg.streams);
    let mut channel = None;
    for i in 0..cfg.streams {
        if i % per_conn == 0 {
            channel = Some(client::connect(&cfg.addr).await?);
        }
        let channel = channel.clone().expect("a connection");
        let (session, after_seq) = sessions[i / PER_SESSION].clone();
        let agent_stream = i % PER_SESSION == 0;
        let (api_key, token) = (cfg.api_key.clone(), cfg.access_token.clone());
        let (opened, failed, first_error, received, gate) = (
            opened.clone(),
            failed.clone(),
            first_error.clone(),
            received.clone(),
            gate.clone(),
        );
        let mut cancel = cancel_rx.clone();
        tasks.push(tokio::spawn(async move {
            let permit = gate.acquire_owned().await;
            let stream = if agent_stream {
                match client::agent(channel, &api_key) {
                    Ok(mut a) => a
                        .subscribe(SubscribeRequest {
                            session_id: session,
                            after_seq,
                        })
                        .await
                        .map(|s| IdleStream::Agent(s.into_inner()))
                        .map_err(|e| format!("Subscribe: {e}")),
                    Err(e) => Err(e.to_string()),
                }
            } else {
                match client::dashboard(channel, &token) {
                    Ok(mut d) => d
                        .watch_session(WatchSessionRequest {
                            session_id: session,
                            after_seq,
                        })
                        .await
                        .map(|s| IdleStream::Watch(s.into_inner()))
                        .map_err(|e| format!("WatchSession: {e}")),
                    Err(e) => Err(e.to_string()),
                }
            };
            drop(permit);
            let mut stream = match stream {
                Ok(s) => {
                    opened.fetch_add(1, Ordering::Relaxed);
                    s
                }
                Err(e) => {
                    failed.fetch_add(1, Ordering::Relaxed);
                    first_error.lock().expect("lock").get_or_insert(e);
                    return;
                }
            };
            // Read what comes (heartbeats) until the run ends.
            loop {
                tokio::select! {
                    got = stream.next() => match got {
                        Ok(true) => { received.fetch_add(1, Ordering::Relaxed); }
                        Ok(false) => return,
                        Err(e) => {
                            failed.fetch_add(1, Ordering::Relaxed);
                            first_error.lock().expect("lock").get_or_insert(format!("idle stream: {e}"));
                            return;
                        }
                    },
                    _ = cancel.changed() => return,
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(600);
    while opened.load(Ordering::Relaxed) + failed.load(Ordering::Relaxed) < cfg.streams {
        if Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let open_secs = t_open.elapsed().as_secs_f64();
    let open_cpu = cpu.read();
    // Let every stream's server side settle into its wait, then read the footprint.
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let rss_open = cfg.pids.server.and_then(rss_kib);
    let client_rss = rss_kib(std::process::id());
    let first_error = first_error.lock().expect("lock").clone();
    Ok(IdleStreams {
        streams: cfg.streams,
        sessions: sessions_n,
        connections,
        opened: opened.load(Ordering::Relaxed),
        failed: failed.load(Ordering::Relaxed),
        first_error,
        open_secs,
        rss_before_kib: rss_before,
        rss_open_kib: rss_open,
        client_rss_kib: client_rss,
        open_cpu,
        received,
        cancel,
        tasks,
    })
}

enum IdleStream {
    Agent(tonic::Streaming<switchboard::proto::SubscribeResponse>),
    Watch(tonic::Streaming<switchboard::proto::WatchSessionResponse>),
}

impl IdleStream {
    /// Reads one item: `Ok(false)` at the end of the stream.
    async fn next(&mut self) -> Result<bool, tonic::Status> {
        Ok(match self {
            IdleStream::Agent(s) => s.message().await?.is_some(),
            IdleStream::Watch(s) => s.message().await?.is_some(),
        })
    }
}
