//! The floor an answer's latency is held to (issue 18): one durable one-row commit on the
//! server's own Postgres cluster plus one health-check round trip to the server. It is sampled
//! once per answer round trip, just before it, so that both see the same moment of the
//! machine's load and disk: a sample is the commit's time plus the round trip's.

use std::path::Path;
use std::time::{Duration, Instant};

use sqlx::Connection;
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

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
        let url = format!(
            "postgres://switchboard@{}/switchboard",
            url_encode(&socket_dir.display().to_string())
        );
        let mut db = sqlx::PgConnection::connect(&url).await?;
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
