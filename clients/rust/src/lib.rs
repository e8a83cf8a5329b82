//! The agent side of Switchboard: a small `AgentService` client library ([`client`]) and the
//! `switchboard-agent` binary's commands ([`mcp`]: the MCP server over stdio, with the `approve`
//! permission-prompt tool; [`hook`]: the Claude Code command hook; [`wrapper`]:
//! `switchboard-agent claude` and `switchboard-agent codex`; [`runner`]: `switchboard-agent runner`,
//! which runs launched sessions). [`preview`] turns a tool call into
//! what a person judges on a phone.

pub mod client;
pub mod hook;
pub mod mcp;
pub mod preview;
pub mod runner;
pub mod wrapper;

/// Client stubs generated from `proto/` by build.rs.
pub mod proto {
    pub mod v1 {
        // Generated code: lints are for the code written here.
        #![allow(clippy::all, clippy::pedantic)]
        tonic::include_proto!("switchboard.v1");
    }
}
