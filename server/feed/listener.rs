//! The one LISTEN connection of this process. It raises hub marks on every notification and,
//! after any reconnect, resyncs every mark from the store (notifications sent while it was
//! disconnected are gone for good). A periodic resync covers the one hint a NOTIFY cannot
//! carry: that of a process that committed and died before its batched NOTIFY went out.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio_util::sync::CancellationToken;

use super::Hub;
use crate::store::{NOTIFY_CHANNEL, Store};

/// Runs until `shutdown` is cancelled.
pub async fn run(store: Store, hub: Arc<Hub>, shutdown: CancellationToken) {
    let mut backoff = Duration::from_millis(100);
    let mut first = true;
    loop {
        if shutdown.is_cancelled() {
            return;
        }
        let listener = async {
            let mut l = PgListener::connect_with(store.pool()).await?;
            l.listen(NOTIFY_CHANNEL).await?;
            Ok::<_, sqlx::Error>(l)
        }
        .await;
        let mut listener = match listener {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?backoff, "feed listener cannot connect");
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = shutdown.cancelled() => return,
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        backoff = Duration::from_millis(100);
        if !first {
            tracing::info!("feed listener reconnected; resyncing every watched feed");
            hub.note_listener_reconnect();
        }
        first = false;
        // Listening again before resyncing: anything committed after this point is notified.
        hub.resync(&store).await;
        loop {
            tokio::select! {
                received = listener.try_recv() => match received {
                    Ok(Some(n)) => hub.apply_notification(n.payload()),
                    Ok(None) => {
                        tracing::warn!("feed listener lost its connection");
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "feed listener failed");
                        break;
                    }
                },
                _ = shutdown.cancelled() => return,
            }
        }
    }
}

/// Re-reads every watched mark from the store every `every`, until `shutdown` is cancelled.
/// Two small queries per tick per process, however many streams are open.
pub async fn resync_periodically(
    store: Store,
    hub: Arc<Hub>,
    every: Duration,
    shutdown: CancellationToken,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => hub.resync(&store).await,
            _ = shutdown.cancelled() => return,
        }
    }
}
