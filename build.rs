//! Compiles `proto/` into Rust (messages, servers and clients) plus the encoded descriptor set
//! that gRPC reflection serves.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let protos = [
        "proto/switchboard/v1/model.proto",
        "proto/switchboard/v1/auth_service.proto",
        "proto/switchboard/v1/agent_service.proto",
        "proto/switchboard/v1/dashboard_service.proto",
        "proto/switchboard/v1/project_service.proto",
        "proto/switchboard/v1/notification_service.proto",
        "proto/switchboard/v1/launch_service.proto",
        "proto/switchboard/v1/runner_service.proto",
    ];
    let mut config = tonic_prost_build::Config::new();
    // The vendored protoc keeps builds independent of whatever protoc the machine has.
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .file_descriptor_set_path(out_dir.join("switchboard_descriptor.bin"))
        .compile_with_config(config, &protos, &["proto"])?;
    println!("cargo:rerun-if-changed=proto");
    // sqlx::migrate!() embeds migrations/ at compile time; a new file must rebuild the crate.
    println!("cargo:rerun-if-changed=migrations");
    Ok(())
}
