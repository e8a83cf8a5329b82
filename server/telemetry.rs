//! Logging setup: `RUST_LOG` filters (default `info`), `log_format` picks the layout.

use tracing_subscriber::EnvFilter;

pub fn init(format: &str) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,h2=warn,hyper=warn,tower=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = match format {
        "compact" => builder.compact().try_init(),
        "full" => builder.try_init(),
        // Settings::check refuses any other value before we get here.
        _ => builder.pretty().try_init(),
    };
    // A second init (tests) is harmless.
    let _ = result;
}
