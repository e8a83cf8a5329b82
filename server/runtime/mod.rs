//! Process wiring: the database (embedded or external), the gRPC server, background tasks.

pub mod coalesce;
pub mod codec_errors;
pub mod database;
pub mod embedded_pg;
pub mod forwarded;
pub mod grpc_web;
pub mod health;
pub mod metrics;
pub mod probes;
pub mod serve;
pub mod server;
pub mod sweeper;
pub mod tasks;
pub mod tls;
pub mod trace;
