//! The agent side of Switchboard: a small `AgentService` client library ([`client`]) and the
//! `switchboard-agent` binary's commands ([`mcp`]: the MCP server over stdio).
//!
//! Where issue 14's next pieces land: approvals in [`client`] (request + wait on the push path)
//! and as the `approve` tool in [`mcp`]; the Claude Code hook in `hook` and the `claude` /
//! `codex` wrappers in `wrapper`, each a subcommand in `main.rs`.

pub mod client;
pub mod mcp;

/// Client stubs generated from `proto/` by build.rs.
pub mod proto {
    pub mod v1 {
        // Generated code: lints are for the code written here.
        #![allow(clippy::all, clippy::pedantic)]
        tonic::include_proto!("switchboard.v1");
    }
}
