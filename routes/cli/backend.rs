//! `peregrine backend`: the demo backend alone.

use std::net::IpAddr;

use anyhow::Context;
use peregrine_routes::backend::{self, Settings};

use super::fraction;

/// The flags of `peregrine backend`.
#[derive(Debug, clap::Args)]
pub(crate) struct BackendArgs {
    /// The port to listen on; 0 picks a free one (printed at start).
    #[arg(long, env = "PEREGRINE_BACKEND_PORT")]
    port: u16,
    /// The address to listen on.
    #[arg(long, env = "PEREGRINE_BACKEND_HOST", default_value = "127.0.0.1")]
    host: IpAddr,
    /// The seed all data is generated from: the same seed serves the same data.
    #[arg(long, env = "PEREGRINE_BACKEND_SEED", default_value_t = 42)]
    seed: u64,
    /// How many videos (ids 1..=N).
    #[arg(long, env = "PEREGRINE_BACKEND_VIDEOS", default_value_t = 10_000)]
    videos: u32,
    /// How many lists (ids list-1..=list-N).
    #[arg(long, env = "PEREGRINE_BACKEND_LISTS", default_value_t = 200)]
    lists: u32,
    /// How many videos each list holds (at most --videos).
    #[arg(long, env = "PEREGRINE_BACKEND_LIST_LENGTH", default_value_t = 75)]
    list_length: usize,
    /// How many users (u1..=uN).
    #[arg(long, env = "PEREGRINE_BACKEND_USERS", default_value_t = 1_000)]
    users: u32,
    /// How many home rows each user has (at most --lists).
    #[arg(long, env = "PEREGRINE_BACKEND_ROWS_PER_USER", default_value_t = 40)]
    rows_per_user: usize,
    /// The latency of every call, in milliseconds.
    #[arg(long, env = "PEREGRINE_BACKEND_LATENCY_MS", default_value_t = 2)]
    latency_ms: u64,
    /// The latency added per id a call asks for, in microseconds.
    #[arg(long, env = "PEREGRINE_BACKEND_PER_ITEM_US", default_value_t = 10)]
    per_item_us: u64,
    /// The fraction of calls (0 to 1) that answer 503 {"error": "injected failure"}.
    #[arg(long, env = "PEREGRINE_BACKEND_FAIL_RATE", default_value_t = 0.0, value_parser = fraction)]
    fail_rate: f64,
    /// The fraction of calls (0 to 1) that take --slow-ms longer.
    #[arg(long, env = "PEREGRINE_BACKEND_SLOW_RATE", default_value_t = 0.0, value_parser = fraction)]
    slow_rate: f64,
    /// The extra latency of a slow call, in milliseconds.
    #[arg(long, env = "PEREGRINE_BACKEND_SLOW_MS", default_value_t = 1_000)]
    slow_ms: u64,
}

impl BackendArgs {
    fn settings(&self) -> Settings {
        Settings {
            seed: self.seed,
            videos: self.videos,
            lists: self.lists,
            list_length: self.list_length,
            users: self.users,
            rows_per_user: self.rows_per_user,
            latency_ms: self.latency_ms,
            per_item_us: self.per_item_us,
            fail_rate: self.fail_rate,
            slow_rate: self.slow_rate,
            slow_ms: self.slow_ms,
        }
    }
}

/// Serves the demo backend until Ctrl-C or SIGTERM.
pub(super) async fn run(args: BackendArgs) -> anyhow::Result<()> {
    let address = (args.host, args.port);
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on {}:{}", args.host, args.port))?;
    let local = listener.local_addr().context("no local address")?;
    println!("demo backend listening on http://{local}");
    backend::serve(
        listener,
        args.settings(),
        peregrine::http::shutdown_signal(),
    )
    .await
    .context("serving the demo backend")
}
