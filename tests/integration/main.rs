//! Integration tests: real PostgreSQL, the real server on port 0, the generated Rust client.

mod agent_loop;
mod foundation;
mod harness;
mod identity;
