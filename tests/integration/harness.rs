//! Test harness: one PostgreSQL cluster per test run (from the system's binaries, in a temp
//! dir, stopped by a watchdog when the run ends), a migrated template database copied for every
//! test, and the real server on port 0 talking to it. Clients are the generated ones.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::PgConnectOptions;
use switchboard::auth::passwords::hash_password;
use switchboard::config::Settings;
use switchboard::proto::agent_service_client::AgentServiceClient;
use switchboard::proto::auth_service_client::AuthServiceClient;
use switchboard::proto::dashboard_service_client::DashboardServiceClient;
use switchboard::proto::*;
use switchboard::runtime::embedded_pg::{EmbeddedPostgres, find_bin_dir};
use switchboard::runtime::server::{RunningServer, start_with_store};
use switchboard::store::Store;
use tokio::io::AsyncBufReadExt;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";
pub const PASSWORD: &str = "correct horse battery staple";

struct Cluster {
    socket_dir: PathBuf,
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();
static TEMPLATE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
static NEXT_DB: AtomicUsize = AtomicUsize::new(0);

fn cluster() -> &'static Cluster {
    CLUSTER.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("switchboard-test-pg-")
            .tempdir()
            .expect("temp dir")
            .keep();
        set_mode(&dir, 0o711);
        let bin =
            find_bin_dir(None).expect("PostgreSQL server binaries (apt-get install postgresql-15)");
        let pg = EmbeddedPostgres::start_with(
            &dir,
            bin,
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
        )
        .expect("test cluster starts");
        let socket_dir = pg.socket_dir().to_owned();
        pg.stop_when_process_exits(std::process::id(), &dir)
            .expect("watchdog");
        Cluster { socket_dir }
    })
}

pub fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn options(database: &str) -> PgConnectOptions {
    PgConnectOptions::new()
        .socket(&cluster().socket_dir)
        .port(5432)
        .username("switchboard")
        .database(database)
}

pub fn database_url(database: &str) -> String {
    format!(
        "postgres://switchboard@localhost:5432/{database}?host={}",
        cluster().socket_dir.display()
    )
}

async fn admin(sql: &str) {
    let mut conn = sqlx::PgConnection::connect_with(&options("postgres"))
        .await
        .expect("admin connection");
    sqlx::query(sql)
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    conn.close().await.ok();
}

/// An empty database (no migrations applied), for testing a migration from an older schema.
pub async fn empty_database() -> PgConnectOptions {
    let name = format!(
        "e_{}_{}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::SeqCst)
    );
    admin(&format!("CREATE DATABASE {name}")).await;
    options(&name)
}

/// A fresh, migrated database for one test.
pub async fn fresh_database() -> (String, Store) {
    fresh_database_with_pool(16).await
}

/// A fresh, migrated database for one test, its store's pool `pool_size` connections.
pub async fn fresh_database_with_pool(pool_size: u32) -> (String, Store) {
    TEMPLATE
        .get_or_init(|| async {
            admin("CREATE DATABASE sb_template").await;
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect_with(options("sb_template"))
                .await
                .unwrap();
            Store::from_pool(pool.clone())
                .migrate()
                .await
                .expect("migrations apply");
            pool.close().await;
        })
        .await;
    let name = format!(
        "t_{}_{}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::SeqCst)
    );
    admin(&format!("CREATE DATABASE {name} TEMPLATE sb_template")).await;
    let store = Store::connect(options(&name), pool_size)
        .await
        .expect("test database connects");
    (name, store)
}

/// `SWITCHBOARD_TEST_LOG=<filter>` (`debug`, `switchboard=trace,sqlx=warn`, ...) turns the
/// server's logs on for a test run; libtest shows them with a failing test's output (or always,
/// with `-- --nocapture`). Unset, tests log nothing.
fn init_test_logs() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        if let Ok(filter) = std::env::var("SWITCHBOARD_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
    });
}

/// Settings for a test server: port 0, fast sweeps and heartbeats, a shared signing key.
pub fn test_settings() -> Settings {
    init_test_logs();
    let mut s = Settings::default();
    s.listen = "127.0.0.1:0".into();
    s.data_dir = tempfile::tempdir().unwrap().keep();
    s.auth.jwt_secret = Some(JWT_SECRET.to_owned().into());
    s.feed.heartbeat_ms = 500;
    s.feed.presence_interval_ms = 500;
    s.sessions.sweep_interval_ms = 100;
    s.web_dir = PathBuf::from("/nonexistent");
    s
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub database: String,
    pub store: Store,
    pub server: Option<RunningServer>,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
        Self::spawn_with_pool(16, configure).await
    }

    /// A server whose store's pool has `pool_size` connections.
    pub async fn spawn_with_pool(pool_size: u32, configure: impl FnOnce(&mut Settings)) -> TestApp {
        let (database, store) = fresh_database_with_pool(pool_size).await;
        let mut settings = test_settings();
        configure(&mut settings);
        let server = start_with_store(settings, store.clone())
            .await
            .expect("server starts");
        TestApp {
            addr: server.addr,
            database,
            store,
            server: Some(server),
        }
    }

    /// Another server process-equivalent (own hub, own listener) on the same database.
    pub async fn replica(&self) -> RunningServer {
        self.replica_with(|_| {}).await
    }

    pub async fn replica_with(&self, configure: impl FnOnce(&mut Settings)) -> RunningServer {
        let store = Store::connect(options(&self.database), 8).await.unwrap();
        let mut settings = test_settings();
        configure(&mut settings);
        start_with_store(settings, store).await.unwrap()
    }

    /// Returns once something on this server (a stream, a parked WaitForAnswer) follows the
    /// session: the observable condition a test waits for instead of sleeping.
    pub async fn until_followed(&self, session_id: &str) {
        let id = switchboard::domain::SessionId(session_id.parse().expect("a session id"));
        let hub = self.server.as_ref().expect("running").hub.clone();
        eventually("the session is followed", || {
            let n = hub.session_followers(id);
            async move { n > 0 }
        })
        .await;
    }

    pub async fn channel(&self) -> Channel {
        channel_to(self.addr).await
    }

    pub fn database_url(&self) -> String {
        database_url(&self.database)
    }

    pub async fn auth(&self) -> AuthServiceClient<Channel> {
        AuthServiceClient::new(self.channel().await)
    }

    /// Creates a user (admin path), signs in through AuthService and creates an API key through
    /// DashboardService: everything a test needs to act as that person and their agent.
    pub async fn user(&self, email: &str) -> TestUser {
        let hash = hash_password(PASSWORD).unwrap();
        let user = self
            .store
            .create_user(email, "Test User", &hash)
            .await
            .unwrap();
        let login = self
            .auth()
            .await
            .login(LoginRequest {
                email: email.into(),
                password: PASSWORD.into(),
            })
            .await
            .expect("login")
            .into_inner();
        let tokens = login.tokens.unwrap();
        let channel = self.channel().await;
        let mut dashboard = DashboardServiceClient::with_interceptor(
            channel.clone(),
            Bearer::new(&tokens.access_token),
        );
        let key = dashboard
            .create_api_key(CreateApiKeyRequest {
                name: "test".into(),
                expire_time: None,
                ..Default::default()
            })
            .await
            .expect("create key")
            .into_inner();
        let agent = AgentServiceClient::with_interceptor(channel, Bearer::new(&key.secret));
        TestUser {
            user_id: user.id.to_string(),
            email: email.into(),
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            api_key: key.secret,
            api_key_id: key.api_key.unwrap().id,
            dashboard,
            agent,
        }
    }

    pub async fn agent_with_key(&self, key: &str) -> AgentClient {
        AgentServiceClient::with_interceptor(self.channel().await, Bearer::new(key))
    }

    pub async fn dashboard_with_token(&self, token: &str) -> DashboardClient {
        DashboardServiceClient::with_interceptor(self.channel().await, Bearer::new(token))
    }
}

pub async fn channel_to(addr: SocketAddr) -> Channel {
    Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .expect("connect to server")
}

pub type AgentClient = AgentServiceClient<InterceptedService<Channel, Bearer>>;
pub type DashboardClient = DashboardServiceClient<InterceptedService<Channel, Bearer>>;

#[allow(dead_code)] // not every test reads every field
pub struct TestUser {
    pub user_id: String,
    pub email: String,
    pub access_token: String,
    pub refresh_token: String,
    pub api_key: String,
    pub api_key_id: String,
    pub dashboard: DashboardClient,
    pub agent: AgentClient,
}

impl TestUser {
    /// Starts a session for `agent_name` and returns its id.
    pub async fn start(&mut self, agent_name: &str) -> String {
        start_session(&mut self.agent, agent_name).await
    }

    pub async fn step(&mut self, session_id: &str, text: &str) -> LogStepResponse {
        self.agent
            .log_step(LogStepRequest {
                session_id: session_id.into(),
                text: text.into(),
                request_id: uuid::Uuid::new_v4().to_string(),
            })
            .await
            .expect("log step")
            .into_inner()
    }

    pub async fn ask(&mut self, session_id: &str, text: &str, options: &[&str]) -> Question {
        ask(&mut self.agent, session_id, text, options).await
    }
}

/// Starts a session for `agent_name` with `agent`'s key and returns its id.
pub async fn start_session(agent: &mut AgentClient, agent_name: &str) -> String {
    agent
        .start_session(StartSessionRequest {
            agent_name: agent_name.into(),
            request_id: uuid::Uuid::new_v4().to_string(),
            ..Default::default()
        })
        .await
        .expect("start session")
        .into_inner()
        .session
        .unwrap()
        .id
}

/// Answers `question` with the one option `option` as the person behind `dashboard`.
pub async fn choose(
    dashboard: &mut DashboardClient,
    session_id: &str,
    question_id: &str,
    option: &str,
) -> AnswerQuestionResponse {
    dashboard
        .answer_question(AnswerQuestionRequest {
            session_id: session_id.into(),
            question_id: question_id.into(),
            option_ids: vec![option.into()],
            text: String::new(),
            request_id: String::new(),
        })
        .await
        .expect("answer question")
        .into_inner()
}

/// Asks `text` with options `options` (labelled "Label <id>") as `agent`.
pub async fn ask(
    agent: &mut AgentClient,
    session_id: &str,
    text: &str,
    options: &[&str],
) -> Question {
    agent
        .ask_question(AskQuestionRequest {
            session_id: session_id.into(),
            text: text.into(),
            options: options
                .iter()
                .map(|o| QuestionOption {
                    id: (*o).into(),
                    label: format!("Label {o}"),
                    description: String::new(),
                })
                .collect(),
            request_id: uuid::Uuid::new_v4().to_string(),
            ..Default::default()
        })
        .await
        .expect("ask")
        .into_inner()
        .question
        .unwrap()
}

/// Adds `authorization: Bearer <token>` to every call.
#[derive(Clone)]
pub struct Bearer(MetadataValue<Ascii>);

impl Bearer {
    pub fn new(token: &str) -> Bearer {
        Bearer(format!("Bearer {token}").parse().expect("ascii token"))
    }
}

impl Interceptor for Bearer {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        req.metadata_mut().insert("authorization", self.0.clone());
        Ok(req)
    }
}

/// A fresh request id.
pub fn rid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Waits (bounded) until `check` passes; for conditions driven by background tasks.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..300 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for: {what}");
}

pub fn code<T: std::fmt::Debug>(r: Result<T, tonic::Status>) -> tonic::Code {
    r.expect_err("expected an error").code()
}

/// The real binary, serving on a free port against `database_url`.
pub struct Binary {
    pub child: tokio::process::Child,
    pub addr: std::net::SocketAddr,
    _data_dir: tempfile::TempDir,
}

pub async fn spawn_binary(database_url: &str) -> Binary {
    spawn_binary_with(database_url, &[]).await
}

/// The same, with more settings (`SWITCHBOARD__...` variables).
pub async fn spawn_binary_with(database_url: &str, settings: &[(&str, &str)]) -> Binary {
    let data_dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("serve")
        .env("SWITCHBOARD__DATABASE_URL", database_url)
        .env("SWITCHBOARD__LISTEN", "127.0.0.1:0")
        .env("SWITCHBOARD__AUTH__JWT_SECRET", JWT_SECRET)
        .env("SWITCHBOARD__DATA_DIR", data_dir.path())
        .env("SWITCHBOARD__WEB_DIR", "/nonexistent")
        .env("SWITCHBOARD__FEED__HEARTBEAT_MS", "500")
        .env("RUST_LOG", "warn")
        .envs(settings.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("switchboard binary starts");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("the binary prints its address")
        .unwrap()
        .expect("a first line");
    let addr = first
        .strip_prefix("switchboard listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .parse()
        .unwrap();
    // Keep draining stdout so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Binary {
        child,
        addr,
        _data_dir: data_dir,
    }
}

/// Settings for tests that step faster than the per-key rate limit allows.
pub fn fast_limits(s: &mut switchboard::config::Settings) {
    s.limits.agent_calls_per_second = 1_000_000;
    s.limits.agent_calls_burst = 1_000_000;
}
