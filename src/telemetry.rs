//! Logging setup. Levels come from `DELEGATION_LOG` (e.g. `info`, `delegation_server=debug`).

use tracing_subscriber::EnvFilter;

/// `default` applies when `DELEGATION_LOG` is not set.
pub fn init(json: bool, default: &str) {
    let filter =
        EnvFilter::try_from_env("DELEGATION_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second init (tests) keeps the first subscriber.
    let _ = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
}
