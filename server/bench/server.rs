//! The server under test as a separate process: start `switchboard serve` on a fresh data
//! directory (embedded Postgres) or against a shared database, run the admin commands, read
//! its memory and CPU from /proc, and stop it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A `switchboard serve` child process; stopped (SIGTERM, then SIGKILL) on drop.
pub struct ServerProc {
    pub bin: PathBuf,
    pub child: Child,
    pub pid: u32,
    pub addr: String,
    pub data_dir: PathBuf,
    pub env: Vec<(String, String)>,
}

impl ServerProc {
    /// Starts the server with `env` on top of the bench's own environment and waits for its
    /// "switchboard listening on http(s)://ADDR" line.
    pub fn start(
        bin: &Path,
        data_dir: &Path,
        env: Vec<(String, String)>,
    ) -> Result<ServerProc, BoxError> {
        std::fs::create_dir_all(data_dir)?;
        let stdout_path = data_dir.join("server.stdout");
        let stderr_path = data_dir.join("server.log");
        let mut cmd = Command::new(bin);
        cmd.arg("serve")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout_path)?)
            .stderr(std::fs::File::create(&stderr_path)?);
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let pid = child.id();
        let mut server = ServerProc {
            bin: bin.to_owned(),
            child,
            pid,
            addr: String::new(),
            data_dir: data_dir.to_owned(),
            env,
        };
        let started = Instant::now();
        loop {
            let out = std::fs::read_to_string(&stdout_path).unwrap_or_default();
            if let Some(line) = out
                .lines()
                .find(|l| l.starts_with("switchboard listening on "))
            {
                server.addr = line
                    .trim_start_matches("switchboard listening on ")
                    .trim_start_matches("https://")
                    .trim_start_matches("http://")
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                return Ok(server);
            }
            if let Some(status) = server.child.try_wait()? {
                let log = std::fs::read_to_string(&stderr_path).unwrap_or_default();
                return Err(
                    format!("the server exited ({status}) before listening:\n{log}").into(),
                );
            }
            if started.elapsed() > Duration::from_secs(90) {
                return Err("the server did not start listening within 90 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs an admin command (`switchboard user create ...`) with the server's settings.
    pub fn admin(&self, args: &[&str], stdin: Option<&str>) -> Result<String, BoxError> {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn()?;
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .expect("piped stdin")
                .write_all(input.as_bytes())?;
        }
        let out = child.wait_with_output()?;
        if !out.status.success() {
            return Err(format!(
                "`switchboard {}` failed ({}): {}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    pub fn log_tail(&self, lines: usize) -> String {
        let log = std::fs::read_to_string(self.data_dir.join("server.log")).unwrap_or_default();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    pub fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status();
        let until = Instant::now() + Duration::from_secs(20);
        while Instant::now() < until {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Resident memory of a process in KiB (VmRSS).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Write system calls (write, writev, ...) a process has made so far (`syscw` of
/// `/proc/<pid>/io`): how many sends its deliveries took.
pub fn write_calls(pid: u32) -> Option<u64> {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).ok()?;
    io.lines()
        .find_map(|l| l.strip_prefix("syscw:"))?
        .trim()
        .parse()
        .ok()
}

fn stat_fields(pid: u32) -> Option<Vec<i64>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (in parentheses, may contain spaces): state, ppid, ...
    let rest = &stat[stat.rfind(')')? + 2..];
    Some(
        rest.split_whitespace()
            .map(|f| f.parse::<i64>().unwrap_or(0))
            .collect(),
    )
}

fn ticks_to_duration(ticks: i64) -> Duration {
    Duration::from_secs_f64(ticks.max(0) as f64 / clock_ticks() as f64)
}

/// CPU time (user + system) a process has used so far.
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let f = stat_fields(pid)?;
    // utime and stime are fields 14 and 15 of the line: 11 and 12 after the command name.
    Some(ticks_to_duration(f.get(11)? + f.get(12)?))
}

/// CPU time of a process plus that of its children, live (utime + stime) and reaped
/// (cutime + cstime): for the postmaster this is the whole Postgres cluster, for this process
/// it includes pgbench and psql once they have exited.
pub fn cpu_time_with_children(pid: u32, live_children: bool) -> Option<Duration> {
    let f = stat_fields(pid)?;
    let mut ticks = f.get(11)? + f.get(12)? + f.get(13)? + f.get(14)?;
    if !live_children {
        return Some(ticks_to_duration(ticks));
    }
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let Some(child) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some(cf) = stat_fields(child) {
                if cf.get(1).copied() == Some(pid as i64) && child != pid {
                    ticks += cf.get(11).unwrap_or(&0) + cf.get(12).unwrap_or(&0);
                }
            }
        }
    }
    Some(ticks_to_duration(ticks))
}

/// The postmaster's pid, from `<data_dir>/postgres/postmaster.pid`.
pub fn postmaster_pid(data_dir: &Path) -> Option<u32> {
    std::fs::read_to_string(data_dir.join("postgres").join("postmaster.pid"))
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

fn clock_ticks() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100)
    })
}

/// Which processes to account CPU to.
#[derive(Clone, Copy, Default)]
pub struct Pids {
    pub server: Option<u32>,
    pub postmaster: Option<u32>,
}

/// CPU used between two readings by the server, the Postgres cluster and this bench process
/// (with its reaped children, e.g. pgbench; not the live server processes).
pub struct CpuMeter {
    pids: Pids,
    server: Option<Duration>,
    pg: Option<Duration>,
    bench: Option<Duration>,
    start: Instant,
}

#[derive(Clone, Copy, Default, Debug)]
pub struct CpuUse {
    pub wall_secs: f64,
    pub server_secs: Option<f64>,
    pub pg_secs: Option<f64>,
    pub bench_secs: Option<f64>,
}

impl CpuUse {
    /// Percentage of one core.
    pub fn pct(&self, secs: Option<f64>) -> f64 {
        secs.map(|s| s / self.wall_secs.max(1e-9) * 100.0)
            .unwrap_or(f64::NAN)
    }
}

impl CpuMeter {
    pub fn start(pids: Pids) -> CpuMeter {
        CpuMeter {
            pids,
            server: pids.server.and_then(cpu_time),
            pg: pids
                .postmaster
                .and_then(|p| cpu_time_with_children(p, true)),
            bench: cpu_time_with_children(std::process::id(), false),
            start: Instant::now(),
        }
    }

    pub fn read(&self) -> CpuUse {
        let d =
            |a: Option<Duration>, b: Option<Duration>| Some(b?.saturating_sub(a?).as_secs_f64());
        CpuUse {
            wall_secs: self.start.elapsed().as_secs_f64(),
            server_secs: d(self.server, self.pids.server.and_then(cpu_time)),
            pg_secs: d(
                self.pg,
                self.pids
                    .postmaster
                    .and_then(|p| cpu_time_with_children(p, true)),
            ),
            bench_secs: d(
                self.bench,
                cpu_time_with_children(std::process::id(), false),
            ),
        }
    }
}

/// Percent-encodes a path for the host part of a postgres:// URL (a unix socket directory).
pub fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A temporary directory the embedded Postgres (which runs as `postgres` when we are root) can
/// traverse; removed on drop unless kept.
pub struct TempDir {
    pub path: PathBuf,
    pub keep: bool,
}

impl TempDir {
    pub fn new(prefix: &str) -> Result<TempDir, BoxError> {
        use std::os::unix::fs::PermissionsExt;
        let base = std::env::temp_dir();
        let name = format!("{prefix}-{}", uuid::Uuid::new_v4().simple());
        let path = base.join(name);
        std::fs::create_dir_all(&path)?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o711))?;
        Ok(TempDir { path, keep: false })
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if self.keep {
            eprintln!("switchboard-bench: kept {}", self.path.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// A loopback port free at the time of asking (for a listener the server opens itself).
pub fn free_port() -> Result<u16, BoxError> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The server's Prometheus text, from its metrics listener (plain HTTP/1.0 GET).
pub fn scrape_metrics(addr: &str) -> Result<String, BoxError> {
    use std::io::Read;
    let mut conn = std::net::TcpStream::connect(addr)?;
    conn.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(conn, "GET /metrics HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
    let mut text = String::new();
    conn.read_to_string(&mut text)?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .ok_or("no HTTP body from the metrics listener")?;
    Ok(body)
}

/// The `_sum` and `_count` of a histogram in Prometheus text, e.g. `switchboard_step_batch_size`.
pub fn histogram_totals(text: &str, name: &str) -> Option<(f64, f64)> {
    let value = |suffix: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}{suffix} ")))
            .and_then(|v| v.trim().parse::<f64>().ok())
    };
    Some((value("_sum")?, value("_count")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_a_socket_dir() {
        assert_eq!(url_encode("/tmp/a b/run"), "%2Ftmp%2Fa%20b%2Frun");
    }

    #[test]
    fn reads_own_cpu_and_rss() {
        let pid = std::process::id();
        assert!(rss_kib(pid).unwrap() > 0);
        assert!(cpu_time(pid).is_some());
    }
}
