//! The embedded default: a PostgreSQL cluster in the data directory, started with the system's
//! `initdb`/`pg_ctl`, reachable only through a unix socket inside that directory.
//!
//! Who may start or stop it: whoever holds the data directory's lock (`switchboard.lock`, an
//! exclusive `flock`). `serve` holds it for its whole life; an admin command holds it only while
//! it runs a stopped cluster for itself. The kernel releases a `flock` when its process dies,
//! even by `kill -9`, so the lock never goes stale, and a cluster found running by the holder was
//! left behind by a process that died: the holder adopts it and stops it when done.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sqlx::postgres::PgConnectOptions;

pub const DATABASE: &str = "switchboard";
const SUPERUSER: &str = "switchboard";

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found. Install them (Debian/Ubuntu: \
         `apt-get install postgresql-15`), set SWITCHBOARD__POSTGRES_BIN_DIR to their directory, or \
         set SWITCHBOARD__DATABASE_URL to use an existing database"
    )]
    BinariesMissing,
    #[error(
        "running as root, the embedded PostgreSQL must run as another user, and there is no `postgres` \
         user: install the postgresql package (it creates one) or run Switchboard as a normal user"
    )]
    NoUnprivilegedUser,
    #[error(
        "there is no Switchboard database in {}: admin commands use the database of the server \
         started with that data directory and never create one. Point them at the server's: \
         SWITCHBOARD__DATA_DIR=/path/to/its/data-dir (the server prints the exact command when it \
         starts; scripts/run.sh uses .switchboard in the repository), --config FILE with the \
         server's settings, or SWITCHBOARD__DATABASE_URL for an external database",
        .0.display()
    )]
    NoCluster(PathBuf),
    #[error(
        "{holder} already uses the data directory {}: stop it, or give this server its own \
         SWITCHBOARD__DATA_DIR",
        dir.display()
    )]
    InUse { dir: PathBuf, holder: String },
    #[error("{0}")]
    Command(String),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

/// The cluster of one data directory. When `owned` (this process started it, or adopted one a
/// dead process left running) it is stopped on drop.
pub struct EmbeddedPostgres {
    bin_dir: PathBuf,
    data: PathBuf,
    socket_dir: PathBuf,
    run_as: Option<String>,
    /// Extra server options given to `start_with`, kept for `restart`.
    extra_options: String,
    owned: bool,
    /// Declared after everything `Drop` uses: fields drop after `Drop::drop`, so the lock is
    /// released only once the cluster is stopped.
    lock: Option<DataDirLock>,
}

/// The data directory's exclusive `flock` (see the module comment). The file says who holds
/// it, for the messages of those who wait.
struct DataDirLock {
    _file: File,
}

/// How long a starting server or an admin command waits for the lock's holder (an admin
/// command running the cluster, or a server starting or stopping it) before giving up.
const LOCK_WAIT: Duration = Duration::from_secs(60);
const SERVE: &str = "serve";

impl DataDirLock {
    /// Takes the lock if it is free; otherwise returns who holds it.
    fn try_acquire(root: &Path, role: &str) -> Result<Result<DataDirLock, Holder>, EmbeddedError> {
        let path = root.join("switchboard.lock");
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)?;
        match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {
                file.set_len(0)?;
                file.rewind()?;
                write!(file, "{} {role}", std::process::id())?;
                Ok(Ok(DataDirLock { _file: file }))
            }
            Err(e) if e == rustix::io::Errno::WOULDBLOCK => {
                let mut holder = String::new();
                file.read_to_string(&mut holder)?;
                Ok(Err(Holder(holder.trim().to_owned())))
            }
            Err(e) => Err(std::io::Error::from(e).into()),
        }
    }

    /// Waits (bounded) for the lock. A starting server does not wait for another server, which
    /// holds it for as long as it runs; `on_busy` may end the wait early with a value.
    fn acquire<T>(
        root: &Path,
        role: &str,
        mut on_busy: impl FnMut(&Holder) -> Result<Option<T>, EmbeddedError>,
    ) -> Result<Result<DataDirLock, T>, EmbeddedError> {
        let deadline = Instant::now() + LOCK_WAIT;
        let mut logged = false;
        loop {
            let holder = match Self::try_acquire(root, role)? {
                Ok(lock) => return Ok(Ok(lock)),
                Err(holder) => holder,
            };
            if let Some(done) = on_busy(&holder)? {
                return Ok(Err(done));
            }
            if Instant::now() > deadline {
                return Err(EmbeddedError::Command(format!(
                    "{holder} has held the lock of the data directory {} for over {} s; try again \
                     once it is done",
                    root.display(),
                    LOCK_WAIT.as_secs()
                )));
            }
            if !logged {
                tracing::info!(dir = %root.display(), "waiting for {holder} to finish with the embedded PostgreSQL");
                logged = true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// What the lock file says about its holder: "<pid> <role>" (empty for a moment after a new
/// holder took it and before it wrote).
struct Holder(String);

impl Holder {
    fn is_server(&self) -> bool {
        self.0
            .split_once(' ')
            .is_some_and(|(_, role)| role == SERVE)
    }
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.split_once(' ') {
            Some((pid, role)) => write!(f, "process {pid} (switchboard {role})"),
            None => f.write_str("another switchboard process"),
        }
    }
}

/// Finds initdb/pg_ctl: the configured directory, else the newest /usr/lib/postgresql/*/bin,
/// else PATH.
pub fn find_bin_dir(configured: Option<&Path>) -> Result<PathBuf, EmbeddedError> {
    if let Some(dir) = configured {
        return if dir.join("initdb").exists() {
            Ok(dir.to_owned())
        } else {
            Err(EmbeddedError::BinariesMissing)
        };
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .find(|p| p.join("initdb").exists() && p.join("pg_ctl").exists())
        })
        .ok_or(EmbeddedError::BinariesMissing)
}

/// As root, the cluster runs as `user`, who must be able to traverse every ancestor directory.
fn check_reachable(dir: &Path, user: &str) -> Result<(), EmbeddedError> {
    use std::os::unix::fs::PermissionsExt;
    for ancestor in dir.ancestors().skip(1) {
        let mode = std::fs::metadata(ancestor)?.permissions().mode();
        if mode & 0o001 == 0 {
            return Err(EmbeddedError::Command(format!(
                "the embedded PostgreSQL runs as the `{user}` user (Switchboard runs as root), who cannot enter {}: \
                 choose a data directory outside it (SWITCHBOARD__DATA_DIR) or `chmod o+x` it",
                ancestor.display()
            )));
        }
    }
    Ok(())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl EmbeddedPostgres {
    /// Initialises the cluster on first use and starts it unless it is already running.
    pub fn start(data_dir: &Path, bin_dir: PathBuf) -> Result<EmbeddedPostgres, EmbeddedError> {
        Self::start_with(data_dir, bin_dir, "")
    }

    /// `start` with extra server options (`-c name=value ...`), e.g. for throwaway test clusters.
    ///
    /// Holds the data directory's lock for as long as the value lives: a second server on the
    /// same directory is refused at once rather than sharing (and later stopping) this one's
    /// cluster. A cluster found running here was left by a process that died (the lock was
    /// free); it is adopted and stopped like one started here.
    pub fn start_with(
        data_dir: &Path,
        bin_dir: PathBuf,
        extra_options: &str,
    ) -> Result<EmbeddedPostgres, EmbeddedError> {
        std::fs::create_dir_all(data_dir)?;
        let root = std::fs::canonicalize(data_dir)?;
        let mut pg = EmbeddedPostgres::new(&root, bin_dir, extra_options)?;
        if let Some(user) = &pg.run_as {
            check_reachable(&root, user)?;
        }
        let lock = DataDirLock::acquire(&root, SERVE, |holder| {
            if holder.is_server() {
                return Err(EmbeddedError::InUse {
                    dir: root.clone(),
                    holder: holder.to_string(),
                });
            }
            Ok(None::<()>)
        })?;
        pg.lock = lock.ok();
        if let Some(user) = &pg.run_as {
            pg.run(
                Command::new("chown").args(["-R", &format!("{user}:"), &root.to_string_lossy()]),
                "chown",
            )?;
        }
        if !pg.data.join("PG_VERSION").exists() {
            tracing::info!(dir = %pg.data.display(), "initialising the embedded PostgreSQL cluster");
            let mut cmd = pg.tool("initdb");
            cmd.args([
                "-D",
                &pg.data.to_string_lossy(),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-instructions",
            ]);
            pg.run(&mut cmd, "initdb")?;
        }
        if let Some(pid) = pg.live_postmaster() {
            tracing::info!(
                pid,
                "the embedded PostgreSQL was left running by a switchboard process that is gone; \
                 adopting it (it is stopped at shutdown)"
            );
            pg.owned = true;
            return Ok(pg);
        }
        pg.pg_ctl_start()?;
        tracing::info!(socket = %pg.socket_dir.display(), "embedded PostgreSQL started");
        Ok(pg)
    }

    /// The existing cluster of `data_dir`, for admin commands: never initialises one (a command
    /// run from the wrong directory must not quietly create an empty second database).
    ///
    /// Running (a server uses it, or one that died left it): connect to it, leave it running.
    /// Stopped: start it for this command and stop it afterwards, holding the lock meanwhile, so
    /// a server starting at the same moment waits for us instead of adopting a cluster we are
    /// about to stop; if a server holds the lock, it is starting or stopping the cluster, so we
    /// wait for it to be running.
    pub fn open_existing(
        data_dir: &Path,
        bin_dir: PathBuf,
    ) -> Result<EmbeddedPostgres, EmbeddedError> {
        let root = std::path::absolute(data_dir)?;
        if !root.join("postgres").join("PG_VERSION").exists() {
            return Err(EmbeddedError::NoCluster(root));
        }
        let root = std::fs::canonicalize(root)?;
        let mut pg = EmbeddedPostgres::new(&root, bin_dir, "")?;
        let lock = DataDirLock::acquire(&root, "admin command", |_| {
            Ok(pg.live_postmaster().map(|_| ()))
        })?;
        let Ok(lock) = lock else {
            return Ok(pg);
        };
        if pg.live_postmaster().is_none() {
            tracing::info!(
                dir = %root.display(),
                "no server is running on this data directory: starting its PostgreSQL for this command"
            );
            pg.lock = Some(lock);
            pg.pg_ctl_start()?;
        }
        Ok(pg)
    }

    fn new(
        root: &Path,
        bin_dir: PathBuf,
        extra_options: &str,
    ) -> Result<EmbeddedPostgres, EmbeddedError> {
        let socket_dir = root.join("run");
        std::fs::create_dir_all(&socket_dir)?;
        let run_as = if is_root() {
            let ok = Command::new("id")
                .arg("postgres")
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false);
            if !ok {
                return Err(EmbeddedError::NoUnprivilegedUser);
            }
            Some("postgres".to_owned())
        } else {
            None
        };
        Ok(EmbeddedPostgres {
            bin_dir,
            data: root.join("postgres"),
            socket_dir,
            run_as,
            extra_options: extra_options.to_owned(),
            owned: false,
            lock: None,
        })
    }

    /// The pid in `postmaster.pid` if that process is alive and a postmaster of this data
    /// directory. `pg_ctl status` only asks whether the pid is alive, so a pid file left by a
    /// crash or a reboot, whose pid now belongs to another process, would pass for a running
    /// server; a postmaster's working directory is its data directory, which is what we check.
    fn live_postmaster(&self) -> Option<u32> {
        let pid: u32 = std::fs::read_to_string(self.data.join("postmaster.pid"))
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()?;
        if !Path::new("/proc/self/cwd").exists() {
            // No procfs (not Linux): pg_ctl's check is the best there is.
            return self.pg_ctl_status().then_some(pid);
        }
        let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).ok()?;
        (cwd == self.data).then_some(pid)
    }

    /// Removes a `postmaster.pid` whose process is not this cluster's postmaster: PostgreSQL
    /// refuses to start while the pid in it is alive, whatever process that is now. Only called
    /// with the lock held and no live postmaster, so no server of ours is starting meanwhile.
    fn remove_stale_pid_file(&self) -> Result<(), EmbeddedError> {
        let pid_file = self.data.join("postmaster.pid");
        if pid_file.exists() {
            tracing::warn!(file = %pid_file.display(), "removing a stale postmaster.pid (its process is not this cluster's PostgreSQL)");
            std::fs::remove_file(&pid_file)?;
        }
        Ok(())
    }

    fn tool(&self, name: &str) -> Command {
        let path = self.bin_dir.join(name);
        match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        }
    }

    fn run(&self, cmd: &mut Command, what: &str) -> Result<(), EmbeddedError> {
        let out = cmd.output()?;
        if !out.status.success() {
            return Err(EmbeddedError::Command(format!(
                "{what} failed ({}): {}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(())
    }

    fn pg_ctl_status(&self) -> bool {
        let mut cmd = self.tool("pg_ctl");
        cmd.args(["status", "-D", &self.data.to_string_lossy()]);
        cmd.output().map(|o| o.status.success()).unwrap_or(false)
    }

    /// Options for connecting to the maintenance database (`postgres`) or ours.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .port(5432)
            .username(SUPERUSER)
            .database(database)
    }

    /// The directory holding the server's unix socket.
    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    /// A connection URL for `database` over the unix socket.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{SUPERUSER}@localhost:5432/{database}?host={}",
            self.socket_dir.display()
        )
    }

    /// Stops the cluster now (fast shutdown), even if this process did not start it.
    pub fn force_stop(&mut self) -> Result<(), EmbeddedError> {
        let mut cmd = self.tool("pg_ctl");
        cmd.args([
            "stop",
            "-m",
            "fast",
            "-w",
            "-D",
            &self.data.to_string_lossy(),
        ]);
        self.owned = false;
        self.run(&mut cmd, "pg_ctl stop")
    }

    /// Starts a stopped cluster again (after `force_stop`).
    pub fn restart(&mut self) -> Result<(), EmbeddedError> {
        self.pg_ctl_start()
    }

    /// `pg_ctl start` with the socket-only listening options (and the `start_with` extras).
    fn pg_ctl_start(&mut self) -> Result<(), EmbeddedError> {
        self.remove_stale_pid_file()?;
        let log = self.data.join("server.log");
        let options = format!(
            "-c listen_addresses='' -c unix_socket_directories='{}' -c unix_socket_permissions=0700 -c max_connections=300 {}",
            self.socket_dir.display(),
            self.extra_options
        );
        let mut cmd = self.tool("pg_ctl");
        cmd.args([
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            &self.data.to_string_lossy(),
            "-l",
            &log.to_string_lossy(),
            "-o",
            &options,
        ]);
        self.run(&mut cmd, "pg_ctl start")?;
        self.owned = true;
        Ok(())
    }

    /// Leaves the cluster running after this value is gone, and has a watchdog stop it (and
    /// remove `remove_dir`) once process `pid` exits. For test clusters that outlive no test run.
    pub fn stop_when_process_exits(
        mut self,
        pid: u32,
        remove_dir: &Path,
    ) -> Result<(), EmbeddedError> {
        let pg_ctl = self.bin_dir.join("pg_ctl");
        let stop = match &self.run_as {
            Some(user) => format!(
                "runuser -u {user} -- {} stop -m immediate -D '{}'",
                pg_ctl.display(),
                self.data.display()
            ),
            None => format!(
                "{} stop -m immediate -D '{}'",
                pg_ctl.display(),
                self.data.display()
            ),
        };
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop} >/dev/null 2>&1; rm -rf '{}'",
            remove_dir.display()
        );
        Command::new("sh")
            .args(["-c", &script])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()?;
        self.owned = false;
        Ok(())
    }

    /// Stops the cluster if this value owns it (a fast shutdown: sessions are cut, nothing
    /// committed is lost), then releases the lock.
    pub fn stop(&mut self) {
        if !self.owned {
            return;
        }
        let mut cmd = self.tool("pg_ctl");
        cmd.args([
            "stop",
            "-m",
            "fast",
            "-w",
            "-D",
            &self.data.to_string_lossy(),
        ]);
        match self.run(&mut cmd, "pg_ctl stop") {
            Ok(()) => tracing::info!("embedded PostgreSQL stopped"),
            Err(e) => tracing::warn!(error = %e, "stopping the embedded PostgreSQL failed"),
        }
        self.owned = false;
        self.lock = None;
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        self.stop();
    }
}
