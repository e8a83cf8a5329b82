//! Integration tests: real PostgreSQL, the real server on port 0, the generated Rust client.

// Test code: a large tonic::Status in figment's Jail closure and step-by-step settings are fine.
#![allow(clippy::result_large_err, clippy::field_reassign_with_default)]

mod agent_loop;
mod approvals;
mod approvals_edges;
mod bad_input;
mod decisions;
mod embedded;
mod feed_faults;
mod feeds;
mod foundation;
mod group_commit;
mod harness;
mod hot_updates;
mod identity;
mod inbox;
mod kubernetes;
mod launch;
mod launch_agents;
mod notifications;
mod notify_email;
mod notify_push;
mod notify_replicas;
mod oidc;
mod presence_refresh;
mod projects;
mod questions;
mod reads;
mod reads_tenancy;
mod roles;
mod serving;
mod session_history;
mod sign_in_history;
mod subscription;
mod tenancy;
mod transactions;
