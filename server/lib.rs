//! Switchboard: the hub between long-running AI agents and the people who watch and answer them.
//!
//! A request travels: `runtime::server` (tower stack: CORS, gRPC-Web, trace, `auth` layer) →
//! `api` (thin handlers) → `store` (Postgres transactions, using `domain` rules) → and back;
//! live streams are served by `feed` from the store, woken by the hints of commits (directly in
//! the writing process, through Postgres NOTIFY in the others).

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod domain;
pub mod feed;
pub mod kubernetes;
pub mod notify;
pub mod runtime;
pub mod store;
pub mod telemetry;

/// Code generated from `proto/switchboard/v1` (messages, servers and clients).
pub mod proto {
    #![allow(clippy::all, clippy::pedantic)]
    tonic::include_proto!("switchboard.v1");

    /// The encoded descriptors that gRPC reflection serves.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        tonic::include_file_descriptor_set!("switchboard_descriptor");
}
