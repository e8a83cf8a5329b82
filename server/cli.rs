//! The `switchboard` command: `serve`, and the admin commands a new user needs to get in
//! without the web UI.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::auth::passwords::hash_password;
use crate::auth::secrets::mint_api_key;
use crate::config::Settings;
use crate::domain::validate;
use crate::runtime::{database, server};

#[derive(Parser)]
#[command(
    name = "switchboard",
    version,
    about = "Hub between long-running AI agents and their people"
)]
struct Cli {
    /// TOML settings file (layered over the defaults, under SWITCHBOARD__* environment variables).
    #[arg(long, global = true, env = "SWITCHBOARD_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve gRPC, gRPC-Web and the dashboard (starts the embedded database when no URL is set).
    Serve,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API keys.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Apply database migrations and exit.
    Migrate,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user who can sign in to the dashboard.
    Create {
        #[arg(long)]
        email: String,
        /// The password (prefer --password-stdin: arguments show up in `ps`).
        #[arg(long, conflicts_with = "password_stdin")]
        password: Option<String>,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
        #[arg(long, default_value = "")]
        display_name: String,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Create an API key for a user's agents and print its secret (shown only this once).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "default")]
        name: String,
        /// Print only the secret.
        #[arg(long)]
        quiet: bool,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("switchboard: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init(&settings.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("switchboard: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli.command, settings, cli.config));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("switchboard: {e}");
            ExitCode::FAILURE
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn run(
    command: Command,
    settings: Settings,
    config: Option<PathBuf>,
) -> Result<(), BoxError> {
    // Admin commands (everything but `serve`) open the database with `open_existing`: run from
    // the wrong directory, they must say where they looked rather than create an empty cluster.
    match command {
        Command::Serve => serve(settings, config.as_deref()).await,
        Command::Migrate => {
            let _db = database::open_existing(&settings).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Create {
                    email,
                    password,
                    password_stdin,
                    display_name,
                },
        } => {
            let password = match (password, password_stdin) {
                (Some(p), _) => p,
                (None, true) => {
                    let mut s = String::new();
                    std::io::stdin().read_to_string(&mut s)?;
                    s.trim_end_matches(['\n', '\r']).to_owned()
                }
                (None, false) => return Err("give --password-stdin (or --password)".into()),
            };
            let email = validate::required_text("email", email.trim(), 320)?;
            if !email.contains('@') {
                return Err("email: must contain @".into());
            }
            let password = validate::password(&password)?;
            let db = database::open_existing(&settings).await?;
            let hash = hash_password(&password)?;
            let user = db.store.create_user(&email, &display_name, &hash).await?;
            println!("created user {} ({})", user.email, user.id);
            Ok(())
        }
        Command::Key {
            command: KeyCommand::Create { email, name, quiet },
        } => {
            let db = database::open_existing(&settings).await?;
            let user_id = db
                .store
                .user_id_by_email(&email)
                .await
                .map_err(|_| format!("no user with email {email}"))?;
            let (secret, key) = mint_api_key(name, None);
            let created = db
                .store
                .create_api_key(
                    // The admin command acts as the user on their personal project (audited
                    // as an API action: it did not come from the dashboard).
                    crate::domain::UserCaller {
                        user_id,
                        channel: crate::domain::AuditChannel::Api,
                    },
                    user_id.personal_project(),
                    key,
                    settings.limits.max_api_keys_per_user,
                )
                .await?;
            if quiet {
                println!("{secret}");
            } else {
                println!(
                    "API key {:?} ({}) for {email}:\n\n    {secret}\n\nIt is shown only this once. Agents send it as `authorization: Bearer <key>`.",
                    created.name, created.id
                );
            }
            Ok(())
        }
    }
}

async fn serve(settings: Settings, config: Option<&Path>) -> Result<(), BoxError> {
    tracing::info!(?settings, "starting");
    let admin = admin_command_prefix(&settings, config);
    let signal = shutdown_signal()?;
    let (running, mut embedded) = server::start(settings).await?;
    let addr = running.addr;
    // Machine-readable first line (scripts wait for it), then hints people can paste as they are.
    let scheme = if running.tls { "https" } else { "http" };
    println!("switchboard listening on {scheme}://{addr}");
    println!("  dashboard:  {scheme}://{addr}/");
    if running.tls {
        println!("  grpcurl:    grpcurl {addr} list  (-cacert <ca.pem> for a private CA)");
    } else {
        println!("  grpcurl:    grpcurl -plaintext {addr} list");
    }
    if let Some(metrics) = running.metrics_addr {
        println!("  metrics:    http://{metrics}/metrics  (probes: /livez, /readyz)");
    }
    println!("  in another terminal, a person who can sign in and an API key for their agents:");
    println!(
        "    printf '%s' 'a-long-password' | {admin} user create --email you@example.com --password-stdin"
    );
    println!("    {admin} key create --email you@example.com --name my-agent");
    let stop = running.shutdown_handle();
    tokio::spawn(async move {
        signal.await;
        tracing::info!("shutting down: ending streams with UNAVAILABLE, finishing calls in flight");
        let _ = stop.send(true);
    });
    let result = running.wait().await;
    if let Some(pg) = embedded.as_mut() {
        tokio::task::block_in_place(|| pg.stop());
    }
    result
}

/// How to run an admin command against this server from any directory: this binary's real
/// path, and the absolute data directory (or settings file) the server uses. A relative data
/// directory would resolve against the caller's directory and miss the server's database.
fn admin_command_prefix(settings: &Settings, config: Option<&Path>) -> String {
    let mut words = Vec::new();
    if settings.database_url.is_none() {
        let data_dir =
            std::path::absolute(&settings.data_dir).unwrap_or_else(|_| settings.data_dir.clone());
        words.push(format!(
            "SWITCHBOARD__DATA_DIR={}",
            shell_quote(&data_dir.to_string_lossy())
        ));
    }
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("switchboard"));
    words.push(shell_quote(&exe.to_string_lossy()));
    if let Some(config) = config {
        let config = std::path::absolute(config).unwrap_or_else(|_| config.to_owned());
        words.push(format!(
            "--config {}",
            shell_quote(&config.to_string_lossy())
        ));
    } else if settings.database_url.is_some() {
        // The URL holds a secret: never print it; the person has it in their environment.
        words.insert(
            0,
            "SWITCHBOARD__DATABASE_URL=\"$SWITCHBOARD__DATABASE_URL\"".to_owned(),
        );
    }
    words.join(" ")
}

/// Quotes a word for a POSIX shell unless it needs none.
fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:,@%=".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Installs the SIGTERM and SIGINT (Ctrl-C) handlers now and returns the wait for either.
/// Installed before the database starts and the "listening" line is printed: a signal that
/// arrived before the handler would kill the process with no clean shutdown, leaving its
/// PostgreSQL running (scripts send SIGTERM as soon as they have what they need).
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = interrupt.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn printed_commands_survive_a_shell() {
        assert_eq!(shell_quote("/srv/sb/.switchboard"), "/srv/sb/.switchboard");
        assert_eq!(shell_quote("/home/a b/x"), "'/home/a b/x'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
        let out = std::process::Command::new("sh")
            .args(["-c", &format!("printf %s {}", shell_quote("a 'b' $c"))])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "a 'b' $c");
    }
}
