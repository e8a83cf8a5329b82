//! The server's background tasks (feed listener and resync, notifier, sweeper, health): started
//! under one tracker, stopped by one token, awaited when the server stops, so the notifier's
//! last NOTIFY and the final NOT_SERVING are sent before `shutdown` returns. A task that panics
//! or ends before shutdown is logged with its name instead of vanishing with its JoinHandle.

use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub struct BackgroundTasks {
    tracker: TaskTracker,
    stop: CancellationToken,
    failed: Arc<Mutex<Vec<&'static str>>>,
}

impl BackgroundTasks {
    /// Tasks that run until `stop` is cancelled.
    pub fn new(stop: CancellationToken) -> BackgroundTasks {
        BackgroundTasks {
            tracker: TaskTracker::new(),
            stop,
            failed: Arc::default(),
        }
    }

    /// Starts `task`, which must run until the stop token is cancelled.
    pub fn spawn(&self, name: &'static str, task: impl Future<Output = ()> + Send + 'static) {
        // The task runs as its own tokio task so that a panic comes back as a JoinError here
        // (and leaves the rest of the server running) rather than unwinding the supervisor.
        // Whether it ended after the stop signal is decided as it ends, not when the supervisor
        // next runs.
        let stop = self.stop.clone();
        let inner = tokio::spawn(async move {
            task.await;
            stop.is_cancelled()
        });
        let failed = self.failed.clone();
        self.tracker.spawn(async move {
            let failure = match inner.await {
                Ok(true) => {
                    tracing::debug!(task = name, "background task stopped");
                    return;
                }
                Ok(false) => "ended before shutdown".to_owned(),
                Err(e) if e.is_panic() => format!("panicked: {}", panic_message(e.into_panic())),
                Err(e) => e.to_string(),
            };
            tracing::error!(task = name, failure, "background task failed");
            failed.lock().expect("failed tasks lock").push(name);
        });
    }

    /// Cancels the stop token, waits for every task to end, and returns the names of those
    /// that failed (panicked or ended before shutdown) over the server's life.
    pub async fn stop(self) -> Vec<&'static str> {
        self.stop.cancel();
        self.tracker.close();
        self.tracker.wait().await;
        std::mem::take(&mut *self.failed.lock().expect("failed tasks lock"))
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(s) => (*s).to_owned(),
            Err(_) => "(a non-string panic payload)".to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[tokio::test]
    async fn stop_waits_for_every_task_and_names_the_failed_ones() {
        let stop = CancellationToken::new();
        let tasks = BackgroundTasks::new(stop.clone());
        let finished = Arc::new(AtomicBool::new(false));
        tasks.spawn("patient", {
            let stop = stop.clone();
            let finished = finished.clone();
            async move {
                stop.cancelled().await;
                // Work done after the signal must still be awaited by `stop`.
                tokio::task::yield_now().await;
                finished.store(true, Ordering::SeqCst);
            }
        });
        tasks.spawn("panicky", async { panic!("boom") });
        let (quit, quitted) = tokio::sync::oneshot::channel();
        tasks.spawn("quitter", async move {
            let _ = quit.send(());
        });
        quitted.await.unwrap();
        let mut failed = tasks.stop().await;
        failed.sort();
        assert_eq!(failed, ["panicky", "quitter"]);
        assert!(finished.load(Ordering::SeqCst));
        assert!(stop.is_cancelled());
    }
}
