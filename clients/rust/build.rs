//! Compiles `proto/` into Rust client stubs (no servers, no descriptor set).
//!
//! Generated here rather than taken from the root `switchboard` library: that crate brings the
//! whole server (sqlx, axum, argon2, ...) into every build of this binary, including
//! `cargo install --path clients/rust` on an agent's machine. Generating client stubs costs one
//! protoc run on crates the workspace already builds.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("../../proto");
    // The agent's service and the runner's (model.proto and launch_service.proto's messages come
    // in through their imports): the person's side (AuthService, DashboardService) is not this
    // crate's business.
    let protos = [
        root.join("switchboard/v1/agent_service.proto"),
        root.join("switchboard/v1/runner_service.proto"),
    ];
    let mut config = tonic_prost_build::Config::new();
    // The vendored protoc keeps builds independent of whatever protoc the machine has.
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    tonic_prost_build::configure()
        .build_server(false)
        .build_client(true)
        .compile_with_config(config, &protos, std::slice::from_ref(&root))?;
    println!("cargo:rerun-if-changed={}", root.display());
    Ok(())
}
