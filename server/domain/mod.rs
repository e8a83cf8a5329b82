//! The domain: types, rules and the one error enum. Knows neither tonic nor sqlx.

pub mod diff;
pub mod error;
pub mod launch;
pub mod launch_mcp;
pub mod model;
pub mod projects;
pub mod status;
pub mod validate;

pub use error::{DomainError, DomainResult};
pub use launch::{RunnerCaller, SessionLaunchInfo, StopReason};
pub use model::*;
pub use projects::*;
pub use status::SessionStatus;
