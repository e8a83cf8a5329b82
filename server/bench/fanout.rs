//! Scenarios 3 and 4: fan-out. W people watch one session (WatchSession), spread over HTTP/2
//! connections, while its agent logs steps at a steady rate (on the same server, or on another
//! replica sharing the database). Each watcher checks that it sees every sequence number
//! exactly once, in order, and records when each step arrived. Delivery latency is measured
//! from the moment the writer got LogStep's response (the commit is acknowledged; a watcher
//! may see the step slightly before that, counted as 0) and, for reference, from the moment
//! the writer sent it (the send time is stamped into the step's text).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use switchboard::proto::{LogStepRequest, WatchSessionRequest, message, watch_session_response};
use tokio::sync::{Semaphore, watch};

use crate::client::{self, Dashboard};
use crate::server::{BoxError, CpuMeter, CpuUse, Pids, rss_kib, write_calls};
use crate::stats::Samples;

pub struct FanoutConfig {
    /// Server the agent writes to.
    pub writer_addr: String,
    /// Server the watchers are connected to.
    pub watch_addr: String,
    /// The watchers' server and the database, for memory and CPU.
    pub pids: Pids,
    pub api_key: String,
    pub access_token: String,
    pub watchers: usize,
    pub streams_per_connection: usize,
    pub steps: u64,
    pub steps_per_sec: f64,
}

#[derive(Default)]
pub struct WatcherTally {
    /// (step index, receipt time in ns since the epoch).
    pub arrivals: Vec<(u32, u64)>,
    pub latency_from_send: Samples,
    pub received: u64,
    pub lost: u64,
    pub duplicates: u64,
    pub out_of_order: u64,
    pub errors: u64,
    pub first_error: Option<String>,
}

pub struct FanoutResult {
    pub watchers: usize,
    pub connections: usize,
    pub steps: u64,
    pub expected: u64,
    pub tally: WatcherTally,
    /// From LogStep's response to receipt.
    pub latency: Samples,
    pub open_secs: f64,
    pub write_secs: f64,
    pub rss_before_kib: Option<u64>,
    pub rss_idle_kib: Option<u64>,
    pub rss_peak_kib: Option<u64>,
    pub cpu: CpuUse,
    /// The server's write system calls while the steps were written and delivered.
    pub server_writes: Option<u64>,
    pub log_step: Samples,
}

impl FanoutResult {
    pub fn kib_per_stream(&self) -> Option<f64> {
        Some((self.rss_idle_kib? as f64 - self.rss_before_kib? as f64) / self.watchers as f64)
    }
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos() as u64
}

/// Parses "fan-out step <i> sent at <ns>".
fn parse_step(text: &str) -> Option<(u32, u64)> {
    let mut it = text.split(' ');
    let (_, _, i, _, _, ns) = (
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
    );
    Some((i.parse().ok()?, ns.parse().ok()?))
}

/// What every watcher of one run shares.
struct WatchShared {
    session: String,
    after_seq: i64,
    expected_steps: usize,
    /// Streams whose WatchSession call has returned (opened or failed).
    opened: Arc<AtomicUsize>,
    /// Bounds how many WatchSession calls are in flight at once.
    open_gate: Arc<Semaphore>,
}

/// What one watcher does: read its stream until it has seen the writer's last seq, or the run
/// is cancelled.
async fn watch_one(
    mut dash: Dashboard,
    shared: Arc<WatchShared>,
    mut final_seq: watch::Receiver<i64>,
    mut cancel: watch::Receiver<bool>,
) -> WatcherTally {
    let after_seq = shared.after_seq;
    let mut t = WatcherTally {
        arrivals: Vec::with_capacity(shared.expected_steps),
        latency_from_send: Samples::with_capacity(shared.expected_steps),
        ..Default::default()
    };
    let permit = shared.open_gate.clone().acquire_owned().await;
    let stream = dash
        .watch_session(WatchSessionRequest {
            session_id: shared.session.clone(),
            after_seq,
        })
        .await;
    drop(permit);
    shared.opened.fetch_add(1, Ordering::Relaxed);
    let mut stream = match stream {
        Ok(s) => s.into_inner(),
        Err(e) => {
            t.errors += 1;
            t.first_error = Some(format!("WatchSession: {e}"));
            return t;
        }
    };
    let mut next = after_seq + 1;
    loop {
        if next > *final_seq.borrow_and_update() {
            break;
        }
        let item = tokio::select! {
            item = stream.message() => item,
            changed = final_seq.changed() => if changed.is_err() { break } else { continue },
            _ = cancel.changed() => break,
        };
        let item = match item {
            Ok(Some(i)) => i,
            Ok(None) => {
                t.errors += 1;
                t.first_error
                    .get_or_insert_with(|| "the stream ended early".into());
                break;
            }
            Err(e) => {
                t.errors += 1;
                t.first_error
                    .get_or_insert_with(|| format!("stream error: {e}"));
                break;
            }
        };
        let received = now_ns();
        let Some(watch_session_response::Item::Message(m)) = item.item else {
            continue;
        };
        if m.seq < next {
            t.duplicates += 1;
            continue;
        }
        if m.seq > next {
            t.out_of_order += 1;
            t.lost += (m.seq - next) as u64;
        }
        next = m.seq + 1;
        t.received += 1;
        if let Some(message::Body::Step(step)) = &m.body {
            if let Some((i, sent)) = parse_step(&step.text) {
                t.latency_from_send
                    .push_us(received.saturating_sub(sent) / 1000);
                t.arrivals.push((i, received));
            }
        }
    }
    let fin = *final_seq.borrow();
    if fin != i64::MAX && next <= fin {
        t.lost += (fin + 1 - next) as u64;
    }
    t
}

struct Written {
    last_seq: i64,
    log_step: Samples,
    /// Per step: when its LogStep response arrived (ns since the epoch).
    acked_ns: Vec<u64>,
    error: Option<String>,
}

/// The steady writer, on its own thread and runtime so that thousands of watcher tasks in the
/// main runtime do not delay its calls.
fn spawn_writer(
    addr: String,
    api_key: String,
    session: String,
    steps: u64,
    per_sec: f64,
    base_seq: i64,
) -> std::thread::JoinHandle<Written> {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("writer runtime");
        rt.block_on(async move {
            let mut w = Written {
                last_seq: base_seq,
                log_step: Samples::with_capacity(steps as usize),
                acked_ns: Vec::with_capacity(steps as usize),
                error: None,
            };
            let mut writer = match client::connect(&addr)
                .await
                .and_then(|c| client::agent(c, &api_key))
            {
                Ok(a) => a,
                Err(e) => {
                    w.error = Some(format!("writer: {e}"));
                    return w;
                }
            };
            let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / per_sec));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            for i in 0..steps {
                tick.tick().await;
                let req = LogStepRequest {
                    session_id: session.clone(),
                    text: format!("fan-out step {i} sent at {}", now_ns()),
                    request_id: client::request_id(),
                };
                let t0 = Instant::now();
                match writer.log_step(req).await {
                    Ok(r) => {
                        w.acked_ns.push(now_ns());
                        w.last_seq = r.into_inner().seq;
                        w.log_step.push(t0.elapsed());
                    }
                    Err(e) => {
                        w.error = Some(format!("LogStep: {e}"));
                        break;
                    }
                }
            }
            w
        })
    })
}

pub async fn run(cfg: &FanoutConfig) -> Result<FanoutResult, BoxError> {
    let mut agent = client::agent(client::connect(&cfg.writer_addr).await?, &cfg.api_key)?;
    let (session, base_seq) = client::start_session(
        &mut agent,
        "bench-fanout",
        &format!("fan-out to {} watchers", cfg.watchers),
    )
    .await?;
    let rss_before = cfg.pids.server.and_then(rss_kib);

    // Connections, then streams spread over them.
    let per_conn = cfg.streams_per_connection.max(1);
    let connections = cfg.watchers.div_ceil(per_conn);
    let mut dashes = Vec::with_capacity(connections);
    for _ in 0..connections {
        dashes.push(client::dashboard(
            client::connect(&cfg.watch_addr).await?,
            &cfg.access_token,
        )?);
    }
    let opened = Arc::new(AtomicUsize::new(0));
    let open_gate = Arc::new(Semaphore::new(256));
    let (final_tx, final_rx) = watch::channel(i64::MAX);
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let t_open = Instant::now();
    let mut tasks = Vec::with_capacity(cfg.watchers);
    let shared = Arc::new(WatchShared {
        session: session.clone(),
        after_seq: base_seq,
        expected_steps: cfg.steps as usize,
        opened: opened.clone(),
        open_gate,
    });
    for w in 0..cfg.watchers {
        tasks.push(tokio::spawn(watch_one(
            dashes[w / per_conn].clone(),
            shared.clone(),
            final_rx.clone(),
            cancel_rx.clone(),
        )));
    }
    drop(dashes);
    let open_deadline = Instant::now() + Duration::from_secs(120);
    while opened.load(Ordering::Relaxed) < cfg.watchers {
        if Instant::now() > open_deadline {
            tasks.iter().for_each(|t| t.abort());
            return Err(format!(
                "only {} of {} watch streams opened within 120 s",
                opened.load(Ordering::Relaxed),
                cfg.watchers
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let open_secs = t_open.elapsed().as_secs_f64();
    // Let every stream's server task reach its idle wait, then read the idle footprint.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let rss_idle = cfg.pids.server.and_then(rss_kib);

    let cpu = CpuMeter::start(cfg.pids);
    let writes_before = cfg.pids.server.and_then(write_calls);
    let t_write = Instant::now();
    let writer = spawn_writer(
        cfg.writer_addr.clone(),
        cfg.api_key.clone(),
        session.clone(),
        cfg.steps,
        cfg.steps_per_sec,
        base_seq,
    );
    let mut rss_peak = rss_idle;
    while !writer.is_finished() {
        if let Some(r) = cfg.pids.server.and_then(rss_kib) {
            rss_peak = Some(rss_peak.unwrap_or(0).max(r));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let written = writer.join().map_err(|_| "the writer thread panicked")?;
    let _ = final_tx.send(written.last_seq);
    // Watchers already past the end are done; the rest finish when they read the last seq.
    let drain_deadline = Instant::now() + Duration::from_secs(60);
    while tasks.iter().any(|t| !t.is_finished()) && Instant::now() < drain_deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let write_secs = t_write.elapsed().as_secs_f64();
    let cpu_use = cpu.read();
    let server_writes = cfg
        .pids
        .server
        .and_then(write_calls)
        .zip(writes_before)
        .map(|(after, before)| after.saturating_sub(before));
    if let Some(r) = cfg.pids.server.and_then(rss_kib) {
        rss_peak = Some(rss_peak.unwrap_or(0).max(r));
    }
    let _ = cancel_tx.send(true);
    let mut tally = WatcherTally::default();
    let mut latency = Samples::with_capacity(cfg.watchers * cfg.steps as usize);
    for t in tasks {
        let w = t.await?;
        for (i, received) in &w.arrivals {
            if let Some(acked) = written.acked_ns.get(*i as usize) {
                latency.push_us(received.saturating_sub(*acked) / 1000);
            }
        }
        tally.latency_from_send.extend(w.latency_from_send);
        tally.received += w.received;
        tally.lost += w.lost;
        tally.duplicates += w.duplicates;
        tally.out_of_order += w.out_of_order;
        tally.errors += w.errors;
        if tally.first_error.is_none() {
            tally.first_error = w.first_error;
        }
    }
    if let Some(e) = written.error {
        tally.errors += 1;
        tally.first_error.get_or_insert(e);
    }
    let steps = (written.last_seq - base_seq) as u64;
    Ok(FanoutResult {
        watchers: cfg.watchers,
        connections,
        steps,
        expected: steps * cfg.watchers as u64,
        tally,
        latency,
        open_secs,
        write_secs,
        rss_before_kib: rss_before,
        rss_idle_kib: rss_idle,
        rss_peak_kib: rss_peak,
        cpu: cpu_use,
        server_writes,
        log_step: written.log_step,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_the_stamp() {
        assert_eq!(
            super::parse_step("fan-out step 7 sent at 123456"),
            Some((7, 123456))
        );
    }
}
