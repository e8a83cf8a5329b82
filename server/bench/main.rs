//! `switchboard-bench`: reproducible benchmarks (see BENCHMARKS.md). Placeholder until the
//! benchmark lands.
fn main() {
    eprintln!("switchboard-bench: not implemented yet");
    std::process::exit(2);
}
