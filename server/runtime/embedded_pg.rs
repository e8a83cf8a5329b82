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
        let log = pg.data.join("server.log");
        let options = format!(
            "-c listen_addresses='' -c unix_socket_directories='{}' -c unix_socket_permissions=0700 -c max_connections=200",
            pg.socket_dir.display()
        );
        let mut cmd = pg.tool("pg_ctl");
        cmd.args([
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            &pg.data.to_string_lossy(),
            "-l",
            &log.to_string_lossy(),
            "-o",
            &options,
        ]);
        pg.run(&mut cmd, "pg_ctl start")?;
        pg.started_here = true;
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
