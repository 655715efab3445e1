//! `peregrine`: the server binary, a thin layer of flags (`cli`) over the
//! library's [`peregrine_routes::Server`] and the engine's `http::serve`.
//!
//! - `peregrine demo` (the default, so `cargo run --release` runs it):
//!   the embedded demo backend on a free loopback port, and the catalog
//!   graph over it on `--port`.
//! - `peregrine serve --backend URL`: the catalog graph over external
//!   services (each may have its own URL).
//! - `peregrine backend --port 9000`: the demo backend alone.
//! - `peregrine routes check|list DIR…`: route files checked without a
//!   server.
//!
//! Every flag can also come from an environment variable
//! (`PEREGRINE_PORT` for `--port`), as containers and process managers
//! prefer.

mod cli;

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use peregrine::http::LogFormat;
use peregrine::telemetry::Telemetry;

// jemalloc rather than the system allocator: a request builds and drops
// thousands of small keys and nodes, and under load glibc's malloc spent a
// fifth of the server's CPU and kept more memory; jemalloc also beat
// mimalloc on both counts (docs/decisions).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Runs the command; an error is one line on stderr (its causes joined
/// by `: `, never a backtrace, whatever `RUST_BACKTRACE` says) and exit
/// status 1.
#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let cli = cli::Cli::parse();
    // No command is the demo, with its flags from the environment.
    let command = cli.command.unwrap_or_else(cli::Command::demo);
    // Only the servers export traces (`OTEL_EXPORTER_OTLP_ENDPOINT`).
    let telemetry = match command.serves() {
        true => Telemetry::from_env().context("OpenTelemetry")?,
        false => None,
    };
    let format = match cli.log_format {
        cli::LogFormat::Human => LogFormat::Human,
        cli::LogFormat::Json => LogFormat::Json,
    };
    peregrine::http::init_logging(format, telemetry.as_ref());
    if let Some(telemetry) = &telemetry {
        let endpoint = telemetry.endpoint();
        tracing::info!(endpoint, "exporting traces over OTLP/HTTP");
    }
    let done = command.run().await;
    if let Some(telemetry) = telemetry {
        // The last spans go out before the process ends.
        let _ = tokio::task::spawn_blocking(move || telemetry.shutdown()).await;
    }
    done
}
