//! Keeps the gRPC health status and the `/readyz` probe in step with the database:
//! NOT_SERVING (and not ready) while it is unreachable.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use super::probes::Readiness;
use crate::store::Store;

pub const SERVICES: [&str; 6] = [
    "",
    "switchboard.v1.AgentService",
    "switchboard.v1.DashboardService",
    "switchboard.v1.ProjectService",
    "switchboard.v1.NotificationService",
    "switchboard.v1.AuthService",
];

pub async fn run(
    store: Store,
    reporter: HealthReporter,
    readiness: Arc<Readiness>,
    every: Duration,
    shutdown: CancellationToken,
) {
    let mut last = None;
    loop {
        let ok = tokio::time::timeout(Duration::from_secs(2), store.ping())
            .await
            .map(|r| r.is_ok())
            .unwrap_or(false);
        readiness.set_database_ok(ok);
        let status = if ok {
            ServingStatus::Serving
        } else {
            ServingStatus::NotServing
        };
        if last != Some(ok) {
            if !ok {
                tracing::warn!("database unreachable: health is NOT_SERVING");
            } else if last.is_some() {
                tracing::info!("database reachable again: health is SERVING");
            }
            for service in SERVICES {
                reporter.set_service_status(service, status).await;
            }
            last = Some(ok);
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.cancelled() => {
                for service in SERVICES {
                    reporter.set_service_status(service, ServingStatus::NotServing).await;
                }
                return;
            }
        }
    }
}
