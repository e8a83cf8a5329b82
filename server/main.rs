// The server allocates and frees small buffers on every call and every delivery (frames,
// headers, futures); mimalloc's thread-local free lists cost less per call than glibc's arenas
// (BENCHMARKS.md §18).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    switchboard::cli::main()
}
