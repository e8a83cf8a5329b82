//! The embedded default: a PostgreSQL cluster in the data directory, started with the system's
//! `initdb`/`pg_ctl`, reachable only through a unix socket inside that directory.

use std::path::{Path, PathBuf};
use std::process::Command;

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
    #[error("{0}")]
    Command(String),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

/// A cluster this process started (and stops on drop) or found already running.
pub struct EmbeddedPostgres {
    bin_dir: PathBuf,
    data: PathBuf,
    socket_dir: PathBuf,
    run_as: Option<String>,
    /// Extra server options given to `start_with`, kept for `restart`.
    extra_options: String,
    started_here: bool,
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
    pub fn start_with(
        data_dir: &Path,
        bin_dir: PathBuf,
        extra_options: &str,
    ) -> Result<EmbeddedPostgres, EmbeddedError> {
        std::fs::create_dir_all(data_dir)?;
        let root = std::fs::canonicalize(data_dir)?;
        let data = root.join("postgres");
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
        let mut pg = EmbeddedPostgres {
            bin_dir,
            data,
            socket_dir,
            run_as,
            extra_options: extra_options.to_owned(),
            started_here: false,
        };
        if let Some(user) = &pg.run_as {
            check_reachable(&root, user)?;
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
        if pg.is_running() {
            tracing::info!("the embedded PostgreSQL is already running; using it");
            return Ok(pg);
        }
        pg.pg_ctl_start()?;
        tracing::info!(socket = %pg.socket_dir.display(), "embedded PostgreSQL started");
        Ok(pg)
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

    fn is_running(&self) -> bool {
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
        self.started_here = false;
        self.run(&mut cmd, "pg_ctl stop")
    }

    /// Starts a stopped cluster again (after `force_stop`).
    pub fn restart(&mut self) -> Result<(), EmbeddedError> {
        self.pg_ctl_start()
    }

    /// `pg_ctl start` with the socket-only listening options (and the `start_with` extras).
    fn pg_ctl_start(&mut self) -> Result<(), EmbeddedError> {
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
        self.started_here = true;
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
        self.started_here = false;
        Ok(())
    }

    pub fn stop(&mut self) {
        if !self.started_here {
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
        self.started_here = false;
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        self.stop();
    }
}
