//! Liveness and readiness for load balancers and Kubernetes, answered on the main port and on
//! the metrics listener: `/livez` is 200 while the process serves HTTP at all; `/readyz` is 200
//! only while the database answers and the server is not draining. A graceful shutdown turns
//! readiness off first, before the listener closes, so a balancer stops sending new calls.

use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, Default)]
pub struct Readiness {
    database_ok: AtomicBool,
    draining: AtomicBool,
}

impl Readiness {
    pub fn set_database_ok(&self, ok: bool) {
        self.database_ok.store(ok, Ordering::Relaxed);
    }

    pub fn drain(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    /// Why the server is not ready, or None when it is.
    pub fn not_ready_because(&self) -> Option<&'static str> {
        if self.draining.load(Ordering::Relaxed) {
            Some("draining: shutting down")
        } else if !self.database_ok.load(Ordering::Relaxed) {
            Some("the database is unreachable")
        } else {
            None
        }
    }
}

/// The probe answer for `path`, or None when `path` is not a probe.
pub fn answer(path: &str, readiness: &Readiness) -> Option<(http::StatusCode, &'static str)> {
    match path {
        "/livez" => Some((http::StatusCode::OK, "ok\n")),
        "/readyz" => Some(match readiness.not_ready_because() {
            None => (http::StatusCode::OK, "ready\n"),
            Some(why) => (http::StatusCode::SERVICE_UNAVAILABLE, why),
        }),
        _ => None,
    }
}
