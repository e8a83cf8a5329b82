pub mod proto {
    tonic::include_proto!("switchboard.v1");
}
