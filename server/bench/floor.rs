//! The floors an answer's latency is held to (issue 18), each sampled once per answer round
//! trip, just before it, so that they see the same moment of the machine's load and disk:
//!
//! - [`Floor`], the issue's: one durable one-row commit on the server's own Postgres cluster
//!   plus one health-check round trip to the server;
//! - [`InputWrite`]: the same round trip plus the answer's (or the decision's) own durable
//!   write, made by the server's store code in this process (the statement the server sends, on
//!   the same kind of kept connection, with no gRPC, auth or feed in between). An answer must
//!   write its question, its session, its messages, the inbox events and the audit row in one
//!   commit, which costs Postgres several times a one-row insert (BENCHMARKS.md §15); this floor
//!   holds that part fixed, so a round trip's ratio to it is what serving it adds.

use std::path::Path;
use std::time::{Duration, Instant};

use prometheus_client::metrics::counter::Counter;
use sqlx::Connection;
use sqlx::postgres::PgConnectOptions;
use switchboard::api::requests;
use switchboard::domain::{AgentCaller, ApiKeyId, AuditChannel, ProjectId, UserCaller, UserId};
use switchboard::store::access::Actor;
use switchboard::store::{ApprovalRef, Decider, Store};
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

use crate::server::{BoxError, url_encode};
use crate::stats::Samples;
use crate::{answer, approval, client};

pub struct Floor {
    db: sqlx::PgConnection,
    health: HealthClient<Channel>,
    pub samples: Samples,
}

impl Floor {
    /// `socket_dir`: the cluster's unix socket directory; `channel`: the person's connection.
    pub async fn connect(socket_dir: &Path, channel: Channel) -> Result<Floor, BoxError> {
        let mut db = sqlx::PgConnection::connect(&database_url(socket_dir)).await?;
        // A plain table: a temporary one would skip the WAL, and the flush is the point.
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, v int NOT NULL)",
        )
        .execute(&mut db)
        .await?;
        Ok(Floor {
            db,
            health: HealthClient::new(channel),
            samples: Samples::default(),
        })
    }

    /// One floor sample: a health check, then a one-row autocommitted INSERT.
    pub async fn sample(&mut self) -> Result<Duration, BoxError> {
        let t0 = Instant::now();
        health_check(&mut self.health).await?;
        sqlx::query("INSERT INTO bench_floor (v) VALUES (1)")
            .execute(&mut self.db)
            .await?;
        let d = t0.elapsed();
        self.samples.push(d);
        Ok(d)
    }

    pub async fn close(mut self) -> Samples {
        let _ = sqlx::query("DROP TABLE IF EXISTS bench_floor")
            .execute(&mut self.db)
            .await;
        let _ = self.db.close().await;
        self.samples
    }
}

fn database_url(socket_dir: &Path) -> String {
    format!(
        "postgres://switchboard@{}/switchboard",
        url_encode(&socket_dir.display().to_string())
    )
}

/// Which input an [`InputWrite`] floor resolves: a question answered or an approval decided.
#[derive(Clone, Copy)]
pub enum Input {
    Question,
    Approval,
}

/// The write's own floor (see the module comment). Its inputs are asked in a session of its
/// own through the same store, untimed, one at a time like the bench's, from the bench's own
/// requests turned into commands as the server's handlers turn them: so each resolution writes
/// what the bench's write (the status back to ACTIVE included) and finds the input's spec in
/// the store's cache, as the server's do.
pub struct InputWrite {
    store: Store,
    /// The store's resolutions that did not go in one statement (its metric): any would mean
    /// the floor measured another path than the server's answers take.
    locking: Counter,
    input: Input,
    agent: AgentCaller,
    person: UserCaller,
    session: String,
    health: HealthClient<Channel>,
    asked: usize,
    pub samples: Samples,
}

impl InputWrite {
    /// `socket_dir`: the cluster's unix socket directory; `channel`: the person's connection;
    /// `agent`: the bench's agent, which starts the floor's session; `email`: the person's.
    pub async fn connect(
        input: Input,
        socket_dir: &Path,
        channel: Channel,
        agent: &mut client::Agent,
        email: &str,
    ) -> Result<InputWrite, BoxError> {
        let options: PgConnectOptions = database_url(socket_dir).parse()?;
        // The server's default pool size, so that the store keeps connections for its single
        // statements as the server's does (`store::kept`: none for a pool under 8).
        let locking = Counter::default();
        let store = Store::connect(options, 32)
            .await?
            .observing_resolutions((Counter::default(), locking.clone()));
        let (session, _) = client::start_session(agent, "bench-floor", "write floor").await?;
        let mut db = sqlx::PgConnection::connect(&database_url(socket_dir)).await?;
        let (key, creator, project): (uuid::Uuid, uuid::Uuid, uuid::Uuid) = sqlx::query_as(
            "SELECT k.id, k.user_id, k.project_id FROM api_keys k \
             JOIN sessions s ON s.project_id = k.project_id \
             WHERE s.id = $1 AND k.revoked_at IS NULL ORDER BY k.created_at LIMIT 1",
        )
        .bind(session.parse::<uuid::Uuid>()?)
        .fetch_one(&mut db)
        .await?;
        let person: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&mut db)
            .await?;
        let _ = db.close().await;
        Ok(InputWrite {
            store,
            locking,
            input,
            agent: AgentCaller {
                user_id: UserId(creator),
                api_key_id: ApiKeyId(key),
                project_id: ProjectId(project),
                session_id: None,
                key_confirmed: true,
            },
            person: UserCaller {
                user_id: UserId(person),
                channel: AuditChannel::Api,
            },
            session,
            health: HealthClient::new(channel),
            asked: 0,
            samples: Samples::default(),
        })
    }

    /// One sample: an input asked (untimed), then a health check and the input's resolution.
    pub async fn sample(&mut self) -> Result<Duration, BoxError> {
        self.asked += 1;
        let (session, i) = (self.session.as_str(), self.asked);
        let t0;
        match self.input {
            Input::Question => {
                let ask = requests::AskQuestion::try_from(answer::ask_req(session, i))?;
                let (question, _) = self
                    .store
                    .ask_question(self.agent, ask.session, ask.question, &ask.request_id)
                    .await?;
                let answer = requests::AnswerQuestion::try_from(answer::answer_req(
                    session,
                    &question.id.0.to_string(),
                ))?;
                t0 = Instant::now();
                health_check(&mut self.health).await?;
                self.store
                    .answer_question(
                        Actor::Person(self.person),
                        answer.session,
                        answer.question,
                        answer.input,
                    )
                    .await?;
            }
            Input::Approval => {
                let ask = requests::RequestApproval::try_from(approval::request(session, i))?;
                let (requested, _) = self
                    .store
                    .request_approval(self.agent, ask.session, ask.approval, &ask.request_id)
                    .await?;
                let decide = requests::DecideApproval::try_from(approval::decide(
                    session,
                    requested.id.0.to_string(),
                ))?;
                t0 = Instant::now();
                health_check(&mut self.health).await?;
                self.store
                    .decide_approval(
                        Decider::Person(self.person),
                        decide.session,
                        ApprovalRef::Id(decide.approval),
                        decide.decision,
                        decide.request_id.as_deref(),
                    )
                    .await?;
            }
        }
        let d = t0.elapsed();
        if self.locking.get() > 0 {
            return Err(
                "the write floor's resolution went the locking way, not the one \
                        statement the server's answers take: its figure would mislead"
                    .into(),
            );
        }
        self.samples.push(d);
        Ok(d)
    }
}

/// The cheapest unary round trip to the server, the part every floor sample shares.
async fn health_check(health: &mut HealthClient<Channel>) -> Result<(), BoxError> {
    health
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await?;
    Ok(())
}
