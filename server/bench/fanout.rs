//! Scenarios 3 and 4: fan-out. W people watch one session (WatchSession), spread over HTTP/2
//! connections, while its agent logs steps at a steady rate (on the same server, or on another
//! replica sharing the database). Every step carries its send time; each watcher records the
//! delay to its receipt and checks that it sees every sequence number exactly once, in order.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use switchboard::proto::{LogStepRequest, WatchSessionRequest, message, watch_session_response};
use tokio::sync::{Semaphore, watch};

use crate::client::{self, Dashboard};
use crate::server::{BoxError, CpuMeter, rss_kib};
use crate::stats::Samples;

pub struct FanoutConfig {
    /// Server the agent writes to.
    pub writer_addr: String,
    /// Server the watchers are connected to, and its pid (for RSS and CPU).
    pub watch_addr: String,
    pub watch_pid: Option<u32>,
    pub api_key: String,
    pub access_token: String,
    pub watchers: usize,
    pub streams_per_connection: usize,
    pub steps: u64,
    pub steps_per_sec: f64,
}

#[derive(Default)]
pub struct WatcherTally {
    pub latency: Samples,
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
    pub open_secs: f64,
    pub write_secs: f64,
    pub rss_before_kib: Option<u64>,
    pub rss_idle_kib: Option<u64>,
    pub rss_peak_kib: Option<u64>,
    pub cpu_secs: f64,
    pub cpu_percent: f64,
    pub log_step: Samples,
}

impl FanoutResult {
    pub fn kib_per_stream(&self) -> Option<f64> {
        Some((self.rss_idle_kib? as f64 - self.rss_before_kib? as f64) / self.watchers as f64)
    }
}

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos()
}

/// What one watcher does: read its stream until it has seen `final_seq`, or the run is
/// cancelled.
async fn watch_one(
    mut dash: Dashboard,
    session: String,
    after_seq: i64,
    opened: Arc<AtomicUsize>,
    open_gate: Arc<Semaphore>,
    mut final_seq: watch::Receiver<i64>,
    mut cancel: watch::Receiver<bool>,
) -> WatcherTally {
    let mut t = WatcherTally::default();
    let permit = open_gate.acquire_owned().await;
    let stream = dash
        .watch_session(WatchSessionRequest {
            session_id: session,
            after_seq,
        })
        .await;
    drop(permit);
    let mut stream = match stream {
        Ok(s) => s.into_inner(),
        Err(e) => {
            t.errors += 1;
            t.first_error = Some(format!("WatchSession: {e}"));
            opened.fetch_add(1, Ordering::Relaxed);
            return t;
        }
    };
    opened.fetch_add(1, Ordering::Relaxed);
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
        let received_ns = now_ns();
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
            if let Some(sent) = step
                .text
                .rsplit(' ')
                .next()
                .and_then(|v| v.parse::<u128>().ok())
            {
                t.latency
                    .push_us((received_ns.saturating_sub(sent) / 1000) as u64);
            }
        }
    }
    let fin = *final_seq.borrow();
    if fin != i64::MAX && next <= fin {
        t.lost += (fin + 1 - next) as u64;
    }
    t
}

pub async fn run(cfg: &FanoutConfig) -> Result<FanoutResult, BoxError> {
    let mut writer = client::agent(client::connect(&cfg.writer_addr).await?, &cfg.api_key)?;
    let (session, base_seq) = client::start_session(
        &mut writer,
        "bench-fanout",
        &format!("fan-out to {} watchers", cfg.watchers),
    )
    .await?;
    let rss_before = cfg.watch_pid.and_then(rss_kib);

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
    for w in 0..cfg.watchers {
        tasks.push(tokio::spawn(watch_one(
            dashes[w / per_conn].clone(),
            session.clone(),
            base_seq,
            opened.clone(),
            open_gate.clone(),
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
    let rss_idle = cfg.watch_pid.and_then(rss_kib);

    // The steady writer.
    let cpu = cfg.watch_pid.map(CpuMeter::start);
    let t_write = Instant::now();
    let mut rss_peak = rss_idle;
    let mut log_step = Samples::with_capacity(cfg.steps as usize);
    let mut last_seq = base_seq;
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / cfg.steps_per_sec));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut write_error = None;
    for i in 0..cfg.steps {
        tick.tick().await;
        let req = LogStepRequest {
            session_id: session.clone(),
            text: format!("fan-out step {i} sent at {}", now_ns()),
            request_id: client::request_id(),
        };
        let t0 = Instant::now();
        match writer.log_step(req).await {
            Ok(r) => {
                last_seq = r.into_inner().seq;
                log_step.push(t0.elapsed());
            }
            Err(e) => {
                write_error = Some(format!("LogStep: {e}"));
                break;
            }
        }
        if i % 10 == 0 {
            if let Some(r) = cfg.watch_pid.and_then(rss_kib) {
                rss_peak = Some(rss_peak.unwrap_or(0).max(r));
            }
        }
    }
    let _ = final_tx.send(last_seq);
    // Watchers already past the end are done; the rest finish when they read last_seq.
    let drain_deadline = Instant::now() + Duration::from_secs(60);
    while tasks.iter().any(|t| !t.is_finished()) && Instant::now() < drain_deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let write_secs = t_write.elapsed().as_secs_f64();
    let (cpu_secs, cpu_percent) = cpu.map(|c| c.read()).unwrap_or((0.0, 0.0));
    if let Some(r) = cfg.watch_pid.and_then(rss_kib) {
        rss_peak = Some(rss_peak.unwrap_or(0).max(r));
    }
    let _ = cancel_tx.send(true);
    let mut tally = WatcherTally::default();
    for t in tasks {
        let w = t.await?;
        tally.latency.extend(w.latency);
        tally.received += w.received;
        tally.lost += w.lost;
        tally.duplicates += w.duplicates;
        tally.out_of_order += w.out_of_order;
        tally.errors += w.errors;
        if tally.first_error.is_none() {
            tally.first_error = w.first_error;
        }
    }
    if let Some(e) = write_error {
        tally.errors += 1;
        tally.first_error.get_or_insert(e);
    }
    let steps = (last_seq - base_seq) as u64;
    Ok(FanoutResult {
        watchers: cfg.watchers,
        connections,
        steps,
        expected: steps * cfg.watchers as u64,
        tally,
        open_secs,
        write_secs,
        rss_before_kib: rss_before,
        rss_idle_kib: rss_idle,
        rss_peak_kib: rss_peak,
        cpu_secs,
        cpu_percent,
        log_step,
    })
}
