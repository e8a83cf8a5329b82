//! Settings, layered: built-in defaults < a TOML file (`--config`) < environment variables
//! `SWITCHBOARD__<SECTION>__<KEY>` (e.g. `SWITCHBOARD__AUTH__JWT_SECRET`). Secrets are wrapped
//! so that printing the settings never prints them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::SecretString;
use serde::Deserialize;

/// The layouts `log_format` accepts.
pub const LOG_FORMATS: [&str; 3] = ["pretty", "compact", "full"];

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address for gRPC, gRPC-Web and the web dashboard (port 0 picks a free port).
    pub listen: String,
    /// Where the embedded database and generated keys live.
    pub data_dir: PathBuf,
    /// An external Postgres; when unset, an embedded cluster is started in `data_dir`.
    pub database_url: Option<SecretString>,
    pub database_max_connections: u32,
    /// Directory of PostgreSQL server binaries (initdb, pg_ctl); found automatically when unset.
    pub postgres_bin_dir: Option<PathBuf>,
    /// Built web dashboard to serve at `/`.
    pub web_dir: PathBuf,
    /// Comma-separated browser origins allowed by CORS, or `*` for any. Tokens travel in the
    /// authorization header, never in cookies, so `*` does not expose a session to CSRF.
    pub cors_origins: String,
    /// `pretty`, `compact` or `full` (anything else is refused at start).
    pub log_format: String,
    pub auth: AuthSettings,
    pub limits: LimitSettings,
    pub feed: FeedSettings,
    pub sessions: SessionSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// HMAC key for access tokens (at least 32 bytes). When unset, one is generated and kept in
    /// `data_dir/jwt-secret` (every replica must share one: set it explicitly for those).
    pub jwt_secret: Option<SecretString>,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitSettings {
    /// Largest request message a client may send, in bytes; a larger one is refused with
    /// RESOURCE_EXHAUSTED before it is decoded. Must leave room for a diff of `max_diff_bytes`.
    pub max_message_bytes: usize,
    pub max_diff_bytes: usize,
    pub max_api_keys_per_user: i64,
    /// Sustained AgentService calls per second per API key, and the burst above it.
    pub agent_calls_per_second: u32,
    pub agent_calls_burst: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeedSettings {
    /// Heartbeat on idle streams.
    pub heartbeat_ms: u64,
    /// How often an open agent subscription or waiting call refreshes the session's last-seen.
    pub presence_interval_ms: u64,
    /// How often every process re-reads its watched feeds' marks from the store: the longest
    /// a watcher waits for a write of a server that died between its commit and its NOTIFY.
    pub resync_interval_ms: u64,
    /// Least time between two NOTIFYs of this process to the others: under steady writes, the
    /// hints of each such interval share one NOTIFY. Also the most a watcher on another
    /// server waits for a hint beyond the NOTIFY itself (watchers here are woken at once).
    pub notify_spacing_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionSettings {
    /// A live session whose agent is silent this long becomes DISCONNECTED.
    pub disconnect_after_secs: u64,
    /// A STOPPING session becomes STOPPED after this long if the agent does not end it.
    pub stop_grace_secs: u64,
    /// How often deadlines, stop grace periods and silent agents are checked.
    pub sweep_interval_ms: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:50051".into(),
            data_dir: PathBuf::from(".switchboard"),
            database_url: None,
            database_max_connections: 32,
            postgres_bin_dir: None,
            web_dir: PathBuf::from("clients/web/dist"),
            cors_origins: "*".into(),
            log_format: "pretty".into(),
            auth: AuthSettings::default(),
            limits: LimitSettings::default(),
            feed: FeedSettings::default(),
            sessions: SessionSettings::default(),
        }
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            jwt_secret: None,
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_secs: 30 * 24 * 3600,
        }
    }
}

impl Default for LimitSettings {
    fn default() -> Self {
        LimitSettings {
            max_message_bytes: 4 << 20,
            max_diff_bytes: 1 << 20,
            max_api_keys_per_user: 25,
            agent_calls_per_second: 200,
            agent_calls_burst: 400,
        }
    }
}

impl Default for FeedSettings {
    fn default() -> Self {
        FeedSettings {
            heartbeat_ms: 5_000,
            presence_interval_ms: 15_000,
            resync_interval_ms: 2_000,
            notify_spacing_ms: 2,
        }
    }
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            disconnect_after_secs: 120,
            stop_grace_secs: 60,
            sweep_interval_ms: 500,
        }
    }
}

impl AuthSettings {
    pub fn access_token_ttl(&self) -> Duration {
        Duration::from_secs(self.access_token_ttl_secs)
    }
    pub fn refresh_token_ttl(&self) -> Duration {
        Duration::from_secs(self.refresh_token_ttl_secs)
    }
}

impl FeedSettings {
    pub fn heartbeat(&self) -> Duration {
        Duration::from_millis(self.heartbeat_ms.max(10))
    }
    pub fn presence_interval(&self) -> Duration {
        Duration::from_millis(self.presence_interval_ms.max(10))
    }
    pub fn notify_spacing(&self) -> Duration {
        Duration::from_millis(self.notify_spacing_ms)
    }
    pub fn resync_interval(&self) -> Duration {
        Duration::from_millis(self.resync_interval_ms.max(10))
    }
}

impl SessionSettings {
    pub fn disconnect_after(&self) -> Duration {
        Duration::from_secs(self.disconnect_after_secs)
    }
    pub fn stop_grace(&self) -> Duration {
        Duration::from_secs(self.stop_grace_secs)
    }
    pub fn sweep_interval(&self) -> Duration {
        Duration::from_millis(self.sweep_interval_ms.max(10))
    }
}

impl Settings {
    /// Defaults, then the file (if given), then the environment; refused when a value is
    /// unusable (a typo must not silently fall back to a default).
    pub fn load(file: Option<&Path>) -> Result<Settings, Box<figment::Error>> {
        let settings: Settings = Self::figment(file, Env::prefixed("SWITCHBOARD__").split("__"))
            .extract()
            .map_err(Box::new)?;
        settings
            .check()
            .map_err(|e| Box::new(figment::Error::from(e)))?;
        Ok(settings)
    }

    /// Values serde accepts but the server cannot use.
    pub fn check(&self) -> Result<(), String> {
        if !LOG_FORMATS.contains(&self.log_format.as_str()) {
            return Err(format!(
                "log_format {:?} is not one of {}",
                self.log_format,
                LOG_FORMATS.join(", ")
            ));
        }
        for origin in self.cors_origin_list().unwrap_or_default() {
            let host = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            let valid = host
                .is_some_and(|h| !h.is_empty() && !h.contains(['/', ' ', '\t', '*', '?', '#']))
                && http::HeaderValue::from_str(&origin).is_ok();
            if !valid {
                return Err(format!(
                    "cors_origins: {origin:?} is not an origin (scheme://host[:port], no path), or `*`"
                ));
            }
        }
        // A full diff plus the request's other fields must fit in one message.
        let needed = self.limits.max_diff_bytes + 64 * 1024;
        if self.limits.max_message_bytes < needed {
            return Err(format!(
                "limits.max_message_bytes ({}) must be at least limits.max_diff_bytes + 64 KiB ({needed})",
                self.limits.max_message_bytes
            ));
        }
        Ok(())
    }

    /// The same layering with a given environment provider (tests pass their own).
    pub fn figment(file: Option<&Path>, env: Env) -> Figment {
        let mut figment = Figment::new();
        if let Some(path) = file {
            figment = figment.merge(Toml::file_exact(path));
        }
        figment.merge(env)
    }

    pub fn cors_origin_list(&self) -> Option<Vec<String>> {
        let trimmed = self.cors_origins.trim();
        if trimmed == "*" {
            return None;
        }
        Some(
            trimmed
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
        )
    }
}
