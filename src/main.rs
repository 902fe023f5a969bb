use clap::Parser;
use delegation_server::cli::{self, Cli};

/// mimalloc instead of glibc's malloc: a delegation makes a few hundred short-lived
/// allocations on two or more threads, and glibc spent about a tenth of the CPU on them
/// (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match cli::run(Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
