//! The floors an answer's latency is held to (issue 18), each sampled once per answer round
//! trip, just before it, so that they see the same moment of the machine's load and disk:
//!
//! - [`Floor`], the issue's: one durable one-row commit on the server's own Postgres cluster
//!   plus one health-check round trip to the server;
//! - [`AnswerWrite`]: the same round trip plus the answer's own durable write, made by the
//!   server's store code in this process (the statement the server sends, on the same kind of
//!   kept connection, with no gRPC, auth or feed in between). An answer must write its question,
//!   its session, its messages, the inbox events and the audit row in one commit, which costs
//!   Postgres several times a one-row insert (BENCHMARKS.md §15); this floor holds that part
//!   fixed, so an answer's ratio to it is what serving the answer adds.

use std::path::Path;
use std::time::{Duration, Instant};

use sqlx::Connection;
use sqlx::postgres::PgConnectOptions;
use switchboard::domain::validate::NewQuestion;
use switchboard::domain::{
    AgentCaller, ApiKeyId, AuditChannel, ChoiceMode, ProjectId, QuestionId, SessionId, UserCaller,
    UserId,
};
use switchboard::store::access::Actor;
use switchboard::store::{AnswerInput, Store};
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

use crate::client;
use crate::server::{BoxError, url_encode};
use crate::stats::Samples;

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
        self.health
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await?;
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

/// The answer's own floor (see the module comment). Its questions are asked in a session of its
/// own through the same store, untimed, one at a time like the bench's, so that each answer
/// writes what the bench's answers write (the status back to ACTIVE included) and finds the
/// question's spec in the store's cache, as the server's answers do.
pub struct AnswerWrite {
    store: Store,
    agent: AgentCaller,
    person: UserCaller,
    session: SessionId,
    health: HealthClient<Channel>,
    asked: usize,
    pub samples: Samples,
}

impl AnswerWrite {
    /// `socket_dir`: the cluster's unix socket directory; `channel`: the person's connection;
    /// `agent`: the bench's agent, which starts the floor's session; `email`: the person's.
    pub async fn connect(
        socket_dir: &Path,
        channel: Channel,
        agent: &mut client::Agent,
        email: &str,
    ) -> Result<AnswerWrite, BoxError> {
        let options: PgConnectOptions = database_url(socket_dir).parse()?;
        let store = Store::connect(options, 4).await?;
        let (session, _) =
            client::start_session(agent, "bench-answer-floor", "answer floor").await?;
        let session = SessionId(session.parse()?);
        let mut db = sqlx::PgConnection::connect(&database_url(socket_dir)).await?;
        let (key, creator, project): (uuid::Uuid, uuid::Uuid, uuid::Uuid) = sqlx::query_as(
            "SELECT k.id, k.user_id, k.project_id FROM api_keys k \
             JOIN sessions s ON s.project_id = k.project_id \
             WHERE s.id = $1 AND k.revoked_at IS NULL ORDER BY k.created_at LIMIT 1",
        )
        .bind(session.0)
        .fetch_one(&mut db)
        .await?;
        let person: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&mut db)
            .await?;
        let _ = db.close().await;
        Ok(AnswerWrite {
            store,
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

    /// One sample: a question asked (untimed), then a health check and the answer's write.
    pub async fn sample(&mut self) -> Result<Duration, BoxError> {
        self.asked += 1;
        // What the bench's AskQuestion sends (`answer::ask`): free text, no options.
        let question = NewQuestion {
            text: format!("floor question {}: go ahead?", self.asked),
            options: vec![],
            choice_mode: ChoiceMode::Single,
            allow_free_text: true,
            timeout: None,
            default_option_ids: vec![],
            default_text: String::new(),
        }
        .validate()?;
        let (question, _) = self
            .store
            .ask_question(self.agent, self.session, question, &client::request_id())
            .await?;
        let question: QuestionId = question.id;
        let t0 = Instant::now();
        self.health
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await?;
        self.store
            .answer_question(
                Actor::Person(self.person),
                self.session,
                question,
                AnswerInput {
                    option_ids: vec![],
                    text: "yes".into(),
                    request_id: Some(client::request_id()),
                },
            )
            .await?;
        let d = t0.elapsed();
        self.samples.push(d);
        Ok(d)
    }
}
