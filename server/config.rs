//! Settings, layered: built-in defaults < a TOML file (`--config`) < environment variables
//! `SWITCHBOARD__<SECTION>__<KEY>` (e.g. `SWITCHBOARD__AUTH__JWT_SECRET`). Secrets are wrapped
//! so that printing the settings never prints them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::SecretString;
use serde::Deserialize;

pub mod oidc;
pub use oidc::{OidcIssuer, OidcSettings};

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
    /// Comma-separated browser origins allowed by CORS, or `*` for any. Access tokens travel in
    /// the authorization header; the one cookie (the refresh token) is SameSite=Strict and its
    /// endpoints check a custom header and the Origin (`api::session_http`), and CORS never
    /// allows credentials, so `*` does not expose a session to CSRF.
    pub cors_origins: String,
    /// `pretty`, `compact` or `full` (anything else is refused at start).
    pub log_format: String,
    pub auth: AuthSettings,
    pub limits: LimitSettings,
    pub feed: FeedSettings,
    pub sessions: SessionSettings,
    pub tls: TlsSettings,
    pub metrics: MetricsSettings,
    pub notify: NotifySettings,
    pub oidc: OidcSettings,
    /// Kubernetes as a launch target (issue 17); off when the section is absent.
    pub kubernetes: Option<KubernetesSettings>,
}

/// `[kubernetes]`: launches with a `KubernetesTarget` run as Jobs, one namespace per project.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KubernetesSettings {
    /// A kubeconfig file; unset: `KUBECONFIG`, `~/.kube/config`, or the pod's service account
    /// when the server runs in the cluster.
    pub kubeconfig: Option<PathBuf>,
    /// A project's namespace is this prefix followed by the project's id.
    pub namespace_prefix: String,
    /// Create a project's namespace on its first launch (needs the cluster-scoped right to
    /// create namespaces); false: an operator creates them.
    pub create_namespaces: bool,
    /// Names this deployment in the workloads' labels: the watch and the restart
    /// reconciliation only touch Jobs carrying it (two deployments may share a cluster).
    pub instance: String,
    /// The container image that runs the agent (required).
    pub image: String,
    /// The container's command for Claude Code and Codex launches (the agent wrapper);
    /// its arguments follow (`claude -p <prompt>`, `codex exec <prompt>`). Command launches run
    /// their own command.
    pub agent_command: Vec<String>,
    /// How the agent in the pod reaches this server (`SWITCHBOARD_URL`), e.g.
    /// `http://switchboard.switchboard.svc:50051` (required).
    pub agent_url: String,
    /// Container resources (Kubernetes quantities, e.g. `500m`, `1Gi`); empty: none set.
    pub cpu_request: String,
    pub memory_request: String,
    pub cpu_limit: String,
    pub memory_limit: String,
    /// The non-root user (and group) the agent runs as.
    pub run_as_user: i64,
    /// A finished Job (and its pod and Secret) is deleted this long after it ends.
    pub ttl_after_finished_secs: i32,
    /// How often each replica looks for queued Kubernetes launches and stops (its own
    /// launches wake it at once).
    pub poll_interval_ms: u64,
    /// Extra labels on every session pod (network policies, cost allocation, a mesh's
    /// selectors); Switchboard's own label keys (`switchboard.dev/*`,
    /// `app.kubernetes.io/managed-by`) are refused.
    pub pod_labels: BTreeMap<String, String>,
    /// Extra annotations on every session pod (e.g. the cluster autoscaler's
    /// `safe-to-evict: "false"`, a mesh's sidecar opt-out).
    pub pod_annotations: BTreeMap<String, String>,
    /// A persistent workspace per session family (`[kubernetes.workspace_volume]`): a session
    /// and its continuations mount one PersistentVolumeClaim; unset: the image's filesystem,
    /// nothing kept between Jobs.
    pub workspace_volume: Option<WorkspaceVolumeSettings>,
}

/// The claim a session family's Jobs share.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkspaceVolumeSettings {
    /// The claim's size (a Kubernetes quantity, e.g. `10Gi`).
    pub size: String,
    /// Its StorageClass; empty: the cluster's default.
    pub storage_class: String,
    /// Where it is mounted: the container's working directory.
    pub mount_path: String,
}

impl Default for WorkspaceVolumeSettings {
    fn default() -> Self {
        WorkspaceVolumeSettings {
            size: "10Gi".into(),
            storage_class: String::new(),
            mount_path: "/workspace".into(),
        }
    }
}

impl Default for KubernetesSettings {
    fn default() -> Self {
        KubernetesSettings {
            kubeconfig: None,
            namespace_prefix: "switchboard-".into(),
            create_namespaces: true,
            instance: "switchboard".into(),
            image: String::new(),
            agent_command: vec!["switchboard-agent".into()],
            agent_url: String::new(),
            cpu_request: String::new(),
            memory_request: String::new(),
            cpu_limit: String::new(),
            memory_limit: String::new(),
            run_as_user: 1000,
            ttl_after_finished_secs: 3600,
            poll_interval_ms: 1_000,
            pod_labels: BTreeMap::new(),
            pod_annotations: BTreeMap::new(),
            workspace_volume: None,
        }
    }
}

impl KubernetesSettings {
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.poll_interval_ms.max(10))
    }

    /// What the server refuses to start with.
    pub fn check(&self) -> Result<(), String> {
        if self.image.trim().is_empty() {
            return Err("kubernetes.image is required (the agent's container image)".into());
        }
        if self.agent_url.trim().is_empty() {
            return Err(
                "kubernetes.agent_url is required (how the agent in the pod reaches this server)"
                    .into(),
            );
        }
        // A namespace is a DNS label of at most 63 characters; a project id takes 36.
        let prefix_ok = self.namespace_prefix.len() <= 27
            && self
                .namespace_prefix
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !self.namespace_prefix.starts_with('-');
        if !prefix_ok {
            return Err(format!(
                "kubernetes.namespace_prefix {:?} must be at most 27 lowercase letters, digits or '-', not starting with '-'",
                self.namespace_prefix
            ));
        }
        let instance_ok = !self.instance.is_empty()
            && self.instance.len() <= 63
            && self
                .instance
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !instance_ok {
            return Err(format!(
                "kubernetes.instance {:?} must be a label value (1..63 letters, digits, '-', '_', '.')",
                self.instance
            ));
        }
        if self.run_as_user <= 0 {
            return Err("kubernetes.run_as_user must be a non-root user id (> 0)".into());
        }
        // The watch and the reconciliation select on these: a pod must not claim another
        // deployment's or session's.
        let reserved =
            |k: &str| k.starts_with("switchboard.dev/") || k == "app.kubernetes.io/managed-by";
        if let Some(k) = self.pod_labels.keys().find(|k| reserved(k)) {
            return Err(format!(
                "kubernetes.pod_labels: {k:?} is Switchboard's own label"
            ));
        }
        if let Some(w) = &self.workspace_volume {
            if w.size.trim().is_empty() {
                return Err("kubernetes.workspace_volume.size is required (e.g. 10Gi)".into());
            }
            let credential_dir = "/var/run/secrets/switchboard";
            if !w.mount_path.starts_with('/')
                || w.mount_path == "/"
                || w.mount_path.starts_with(credential_dir)
            {
                return Err(format!(
                    "kubernetes.workspace_volume.mount_path {:?} must be an absolute path other than / and the credential's directory",
                    w.mount_path
                ));
            }
        }
        Ok(())
    }
}

/// Delivery of notifications (issue 15).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifySettings {
    /// The dashboard's public address, for links in notifications (e.g.
    /// `https://switchboard.example.com`); empty: this server's own address.
    pub public_url: String,
    /// First retry delay after a failed delivery; doubles per attempt, capped at an hour.
    pub retry_base_ms: u64,
    /// Attempts before a notification is given up (recorded as failed).
    pub max_attempts: i32,
    /// Questions of one session within this window after a notification become one
    /// notification that says how many.
    pub coalesce_secs: u64,
    /// How often each server looks for due retries and rows another server left behind (new
    /// rows of this server's own writes are delivered at once, woken by the commit).
    pub poll_interval_ms: u64,
    /// Timeout of one HTTP delivery.
    pub http_timeout_ms: u64,
    /// How long a push service keeps a web push for a device that is offline (the `TTL`
    /// header); an undelivered older push of the same session is replaced by a newer one.
    pub push_ttl_secs: u64,
    /// The operator's contact in VAPID tokens (`mailto:` or `https:` URL, RFC 8292), which
    /// push services use to reach whoever sends too much; empty: `public_url` when it is https,
    /// else `mailto:switchboard@localhost` (Apple's push service refuses localhost: set it).
    pub vapid_subject: String,
    /// How long an answer link (action token) in a notification stays usable.
    pub action_token_ttl_secs: u64,
    /// PEM file of extra CAs trusted for https deliveries, beside the system's roots (a private
    /// CA of an internal receiver). Also trusted for the SMTP relay's TLS.
    pub ca_file: Option<PathBuf>,
    /// The SMTP relay email notifications go through; none: email channels cannot be created.
    pub smtp: Option<SmtpSettings>,
    /// At most this many notifications per person per minute; past it, rows wait (coalescing
    /// keeps them few). 0: no limit.
    pub per_person_per_minute: u32,
    /// DEADLINE_NEAR is sent this long before an open question times out (at most half the
    /// time the question gave).
    pub deadline_warning_secs: u64,
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plaintext (a relay on the same host or a test server only).
    None,
    /// STARTTLS, required (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// `notify.smtp`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: String,
    /// Default: 25 without TLS, 587 for STARTTLS, 465 for TLS.
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub tls: SmtpTls,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<SecretString>,
    /// The sender, e.g. `Switchboard <switchboard@example.com>`.
    pub from: String,
    /// Timeout of one SMTP conversation.
    #[serde(default = "default_smtp_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_smtp_timeout_ms() -> u64 {
    10_000
}

impl SmtpSettings {
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            SmtpTls::None => 25,
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
        })
    }
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            public_url: String::new(),
            retry_base_ms: 5_000,
            max_attempts: 6,
            coalesce_secs: 60,
            poll_interval_ms: 5_000,
            http_timeout_ms: 10_000,
            push_ttl_secs: 24 * 3600,
            vapid_subject: String::new(),
            action_token_ttl_secs: 3 * 24 * 3600,
            ca_file: None,
            smtp: None,
            per_person_per_minute: 10,
            deadline_warning_secs: 300,
        }
    }
}

impl NotifySettings {
    /// The delay before attempt `attempts + 1`, after `attempts` failures.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let exp = attempts.clamp(1, 20) as u32 - 1;
        Duration::from_millis(self.retry_base_ms.max(1).saturating_mul(1 << exp))
            .min(Duration::from_secs(3600))
    }
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.poll_interval_ms.max(10))
    }
    pub fn http_timeout(&self) -> Duration {
        Duration::from_millis(self.http_timeout_ms.max(10))
    }
    pub fn push_ttl(&self) -> Duration {
        Duration::from_secs(self.push_ttl_secs)
    }
    pub fn action_token_ttl(&self) -> Duration {
        Duration::from_secs(self.action_token_ttl_secs.max(1))
    }
}

/// TLS on the one port, or the statement that a proxy in front terminates it. Plaintext is
/// accepted on loopback only unless `terminated_by_proxy` says so (see `Settings::check`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsSettings {
    /// PEM certificate chain (leaf first). With `key_file`, the port speaks TLS only.
    pub cert_file: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1) of the leaf certificate.
    pub key_file: Option<PathBuf>,
    /// How often the files are re-read; a changed, valid pair replaces the served one without a
    /// restart (SIGHUP re-reads at once). A bad new pair is logged and the old one kept.
    pub reload_interval_ms: u64,
    /// A connection that has not finished its TLS handshake by then is closed.
    pub handshake_timeout_ms: u64,
    /// TLS is terminated by a proxy or load balancer in front: plaintext on a non-loopback
    /// address is then allowed.
    pub terminated_by_proxy: bool,
    /// Addresses or CIDRs (`10.0.0.0/8`, `::1`) whose X-Forwarded-For / X-Forwarded-Proto are
    /// believed. Forwarded headers from anyone else are ignored.
    pub trusted_proxies: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSettings {
    /// Address of the separate plain-HTTP listener for `/metrics` (Prometheus text format),
    /// `/livez` and `/readyz`, e.g. `127.0.0.1:9464`. Off when unset.
    pub listen: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// HMAC key for access tokens (at least 32 bytes). When unset, one is generated and kept in
    /// `data_dir/jwt-secret` (every replica must share one: set it explicitly for those).
    pub jwt_secret: Option<SecretString>,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_secs: u64,
    /// A rotated refresh token presented again within this many seconds, before any token it
    /// was exchanged for has been used, is rotated once more instead of revoking its sign-in:
    /// the answer to the first presentation can be lost (a browser tab navigating away
    /// mid-refresh). Otherwise a second presentation means the token leaked, and every token
    /// of that sign-in is revoked. 0 revokes at once.
    pub refresh_reuse_grace_secs: u64,
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
    /// Heartbeat on idle streams: a frame on each stream that carried nothing for this long,
    /// so that proxies in between do not end it as idle. The default, 15 s, is a quarter of the
    /// shortest idle timeout common in front of gRPC (60 s: nginx's `grpc_read_timeout`, AWS
    /// ALB, ingress-nginx) and lets a phone's radio sleep between frames; dead connections are
    /// found by HTTP/2 keepalive pings, not by these (BENCHMARKS.md §19).
    pub heartbeat_ms: u64,
    /// How often an open agent subscription or waiting call refreshes the session's last-seen
    /// time (after its first refresh, these are written together, once a second at most:
    /// `store::sessions::presence_refresh`). Keep it well below `sessions.disconnect_after_secs`.
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
    /// How often a runner's Attach stream sends a keep-alive and records that it is alive
    /// (also how soon a revoked or replaced runner's stream ends).
    pub runner_keepalive_ms: u64,
    /// A runner silent this long is offline; its started sessions become FAILED (runner lost)
    /// and its unacknowledged assignments return to the queue.
    pub runner_lost_after_secs: u64,
    /// Between SIGTERM and SIGKILL when a launched session is stopped (sent to the runner).
    pub runner_kill_grace_secs: u64,
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
            tls: TlsSettings::default(),
            metrics: MetricsSettings::default(),
            notify: NotifySettings::default(),
            oidc: OidcSettings::default(),
            kubernetes: None,
        }
    }
}

impl Default for TlsSettings {
    fn default() -> Self {
        TlsSettings {
            cert_file: None,
            key_file: None,
            reload_interval_ms: 5_000,
            handshake_timeout_ms: 10_000,
            terminated_by_proxy: false,
            trusted_proxies: Vec::new(),
        }
    }
}

impl TlsSettings {
    /// The certificate and key files when TLS is on.
    pub fn files(&self) -> Option<(&Path, &Path)> {
        match (&self.cert_file, &self.key_file) {
            (Some(c), Some(k)) => Some((c.as_path(), k.as_path())),
            _ => None,
        }
    }
    pub fn reload_interval(&self) -> Duration {
        Duration::from_millis(self.reload_interval_ms.max(10))
    }
    pub fn handshake_timeout(&self) -> Duration {
        Duration::from_millis(self.handshake_timeout_ms.max(10))
    }
}

/// Whether `listen` (`host:port`) names only loopback addresses. A host name other than
/// `localhost` may resolve anywhere, so it does not count.
pub fn is_loopback_listen(listen: &str) -> bool {
    if let Ok(addr) = listen.parse::<std::net::SocketAddr>() {
        return addr.ip().is_loopback();
    }
    listen
        .rsplit_once(':')
        .is_some_and(|(host, _)| host.eq_ignore_ascii_case("localhost"))
}

/// One `trusted_proxies` entry: an address or a CIDR block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: std::net::IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn parse(s: &str) -> Result<IpNet, String> {
        let bad = || format!("{s:?} is not an IP address or CIDR block (e.g. 10.0.0.0/8, ::1)");
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().map_err(|_| bad())?)),
            None => (s.trim(), None),
        };
        let addr: std::net::IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return Err(bad());
        }
        Ok(IpNet { addr, prefix })
    }

    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        // An IPv4 peer on a dual-stack socket shows up as ::ffff:a.b.c.d.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            jwt_secret: None,
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            refresh_reuse_grace_secs: 10,
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
            heartbeat_ms: 15_000,
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
            runner_keepalive_ms: 5_000,
            runner_lost_after_secs: 60,
            runner_kill_grace_secs: 10,
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
    pub fn refresh_reuse_grace(&self) -> Duration {
        Duration::from_secs(self.refresh_reuse_grace_secs)
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
    pub fn runner_keepalive(&self) -> Duration {
        Duration::from_millis(self.runner_keepalive_ms.max(10))
    }
    pub fn runner_lost_after(&self) -> Duration {
        Duration::from_secs(self.runner_lost_after_secs)
    }
    pub fn runner_kill_grace(&self) -> Duration {
        Duration::from_secs(self.runner_kill_grace_secs)
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
        self.check_transport()?;
        self.oidc.check()?;
        // A full diff plus the request's other fields must fit in one message.
        let needed = self.limits.max_diff_bytes + 64 * 1024;
        if self.limits.max_message_bytes < needed {
            return Err(format!(
                "limits.max_message_bytes ({}) must be at least limits.max_diff_bytes + 64 KiB ({needed})",
                self.limits.max_message_bytes
            ));
        }
        if let Some(kube) = &self.kubernetes {
            kube.check()?;
        }
        Ok(())
    }

    /// The plaintext rule: TLS files come in pairs, and plaintext is served on loopback only
    /// unless a proxy in front is said to terminate TLS.
    pub fn check_transport(&self) -> Result<(), String> {
        let tls = &self.tls;
        match (&tls.cert_file, &tls.key_file) {
            (Some(_), None) => {
                return Err("tls.cert_file is set but tls.key_file is not: set both".into());
            }
            (None, Some(_)) => {
                return Err("tls.key_file is set but tls.cert_file is not: set both".into());
            }
            _ => {}
        }
        for entry in &tls.trusted_proxies {
            IpNet::parse(entry).map_err(|e| format!("tls.trusted_proxies: {e}"))?;
        }
        if tls.files().is_none() && !tls.terminated_by_proxy && !is_loopback_listen(&self.listen) {
            return Err(format!(
                "refusing to serve plaintext on {:?}, which is not a loopback address: set \
                 tls.cert_file and tls.key_file (SWITCHBOARD__TLS__CERT_FILE, \
                 SWITCHBOARD__TLS__KEY_FILE), or, when a proxy in front terminates TLS, \
                 tls.terminated_by_proxy = true (and tls.trusted_proxies to believe its \
                 X-Forwarded-For)",
                self.listen
            ));
        }
        if let Some(listen) = &self.metrics.listen {
            if listen.parse::<std::net::SocketAddr>().is_err() && !listen.contains(':') {
                return Err(format!(
                    "metrics.listen {listen:?} is not host:port (e.g. 127.0.0.1:9464)"
                ));
            }
        }
        Ok(())
    }

    pub fn trusted_proxies(&self) -> Vec<IpNet> {
        // Validated by `check`; a settings value built in code is checked the same way here.
        self.tls
            .trusted_proxies
            .iter()
            .filter_map(|e| IpNet::parse(e).ok())
            .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn with_listen(listen: &str) -> Settings {
        Settings {
            listen: listen.into(),
            ..Settings::default()
        }
    }

    #[test]
    fn plaintext_is_served_on_loopback_only() {
        for listen in [
            "127.0.0.1:50051",
            "[::1]:0",
            "localhost:50051",
            "127.0.0.2:1",
        ] {
            assert_eq!(with_listen(listen).check(), Ok(()), "{listen}");
        }
        for listen in [
            "0.0.0.0:50051",
            "[::]:50051",
            "10.1.2.3:50051",
            "switchboard.example:443",
        ] {
            let err = with_listen(listen).check().unwrap_err();
            assert!(
                err.contains("refusing to serve plaintext"),
                "{listen}: {err}"
            );
            assert!(err.contains("tls.terminated_by_proxy"), "{err}");
        }
    }

    #[test]
    fn tls_or_a_terminating_proxy_allows_any_address() {
        let mut s = with_listen("0.0.0.0:50051");
        s.tls.cert_file = Some("cert.pem".into());
        s.tls.key_file = Some("key.pem".into());
        assert_eq!(s.check(), Ok(()));

        let mut s = with_listen("0.0.0.0:50051");
        s.tls.terminated_by_proxy = true;
        s.tls.trusted_proxies = vec!["10.0.0.0/8".into(), "fd00::/8".into(), "192.168.1.1".into()];
        assert_eq!(s.check(), Ok(()));
    }

    #[test]
    fn half_a_tls_pair_and_bad_proxies_are_refused() {
        let mut s = with_listen("127.0.0.1:0");
        s.tls.cert_file = Some("cert.pem".into());
        assert!(s.check().unwrap_err().contains("tls.key_file is not"));

        let mut s = with_listen("127.0.0.1:0");
        s.tls.trusted_proxies = vec!["10.0.0.0/33".into()];
        assert!(s.check().unwrap_err().contains("tls.trusted_proxies"));
        s.tls.trusted_proxies = vec!["proxy.internal".into()];
        assert!(s.check().unwrap_err().contains("not an IP address"));
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail closure returns its own error type
    fn the_rule_applies_to_settings_from_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("SWITCHBOARD__LISTEN", "0.0.0.0:50051");
            assert!(Settings::load(None).is_err());
            jail.set_env("SWITCHBOARD__TLS__TERMINATED_BY_PROXY", "true");
            jail.set_env("SWITCHBOARD__TLS__TRUSTED_PROXIES", "[10.0.0.0/8]");
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            assert_eq!(
                s.trusted_proxies(),
                vec![IpNet::parse("10.0.0.0/8").unwrap()]
            );
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail closure returns its own error type
    fn the_kubernetes_section_comes_from_the_environment_and_is_checked() {
        figment::Jail::expect_with(|jail| {
            assert!(
                Settings::load(None)
                    .map_err(|e| e.to_string())?
                    .kubernetes
                    .is_none()
            );
            jail.set_env("SWITCHBOARD__KUBERNETES__IMAGE", "registry.example/agent:1");
            // An image without the URL the agent calls back on is refused at start.
            let refused = Settings::load(None).unwrap_err().to_string();
            assert!(refused.contains("kubernetes.agent_url"), "{refused}");
            jail.set_env(
                "SWITCHBOARD__KUBERNETES__AGENT_URL",
                "http://switchboard:50051",
            );
            jail.set_env("SWITCHBOARD__KUBERNETES__CPU_REQUEST", "500m");
            let k = Settings::load(None)
                .map_err(|e| e.to_string())?
                .kubernetes
                .expect("the section is on");
            assert_eq!(k.cpu_request, "500m");
            assert_eq!(k.namespace_prefix, "switchboard-");
            jail.set_env("SWITCHBOARD__KUBERNETES__POD_LABELS__TEAM", "agents");
            let k = Settings::load(None)
                .map_err(|e| e.to_string())?
                .kubernetes
                .expect("the section is on");
            assert_eq!(k.pod_labels["team"], "agents");
            jail.set_env("SWITCHBOARD__KUBERNETES__NAMESPACE_PREFIX", "Not_A_Label");
            assert!(Settings::load(None).is_err());
            Ok(())
        });
    }

    #[test]
    fn cidr_blocks_match_their_addresses() {
        let net = IpNet::parse("10.0.0.0/8").unwrap();
        assert!(net.contains("10.255.0.1".parse().unwrap()));
        assert!(!net.contains("11.0.0.1".parse().unwrap()));
        assert!(
            IpNet::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        let v6 = IpNet::parse("fd00::/8").unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        assert!(!v6.contains("10.0.0.1".parse().unwrap()));
    }
}
