//! The agent side of Switchboard: a small `AgentService` client library ([`client`]) and the
//! `switchboard-agent` binary's commands ([`mcp`]: the MCP server over stdio; [`wrapper`]:
//! `switchboard-agent claude`).
//!
//! Where issue 14's next pieces land: approvals in [`client`] (request + wait on the push path)
//! and as the `approve` tool in [`mcp`]; the Claude Code hook in `hook`, its `--settings` file
//! and a `codex` wrapper beside `claude` in `wrapper`, each a subcommand in `main.rs`.

pub mod client;
pub mod mcp;
pub mod wrapper;

/// Client stubs generated from `proto/` by build.rs.
pub mod proto {
    pub mod v1 {
        // Generated code: lints are for the code written here.
        #![allow(clippy::all, clippy::pedantic)]
        tonic::include_proto!("switchboard.v1");
    }
}
