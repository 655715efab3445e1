//! The command line: the flags of each command (every one also read
//! from a `PEREGRINE_*` environment variable) and what each command
//! does. The server itself is assembled by the library
//! ([`peregrine_routes::Server`]); here flags become its fields.

mod backend;
mod demo;
mod guards;
mod listen;
mod routes;
mod serve;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

use backend::BackendArgs;
use listen::Listen;
use serve::ServeArgs;

/// Peregrine: a virtual JSON Graph data API server. With no command, runs
/// the demo.
#[derive(Debug, Parser)]
#[command(version)]
pub(crate) struct Cli {
    /// How log lines are written: `human` (readable lines) or `json` (one
    /// JSON object per line, for log pipelines). The level comes from
    /// RUST_LOG (default info).
    #[arg(long, global = true, env = "PEREGRINE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human)]
    pub(crate) log_format: LogFormat,
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

/// The log formats of `--log-format`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Runs the demo (the default): the embedded backend on a free
    /// 127.0.0.1 port, and the catalog graph over it.
    Demo(DemoArgs),
    /// Serves the catalog graph over external backend services.
    Serve(ServeArgs),
    /// Serves the demo backend: the catalog, lists, ratings and mylist
    /// services of the workload contract on one port, over data generated
    /// from a seed.
    Backend(BackendArgs),
    /// Checks or lists route files without a server, for a team's own CI.
    #[command(subcommand)]
    Routes(RoutesCommand),
}

/// What `peregrine routes` does.
#[derive(Debug, Subcommand)]
pub(crate) enum RoutesCommand {
    /// Checks the route files and GraphQL files of each directory (with
    /// the catalog's routes and schema, and each other's): prints every
    /// refusal with its file, line and column, and exits non-zero if
    /// there is one; a GraphQL field no route serves is a warning.
    Check {
        /// The directories of route files.
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Checks the directories alone, not with the catalog's files.
        #[arg(long)]
        no_catalog: bool,
    },
    /// Prints the routes the files declare: pattern, method, service,
    /// scope and where each is declared.
    List {
        /// The directories of route files.
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Lists the directories' routes alone, not the catalog's too.
        #[arg(long)]
        no_catalog: bool,
    },
}

/// The flags of `peregrine demo`.
#[derive(Debug, Parser)]
pub(crate) struct DemoArgs {
    #[command(flatten)]
    listen: Listen,
}

impl Command {
    /// The demo, with its flags from the environment: what no command
    /// runs.
    pub(crate) fn demo() -> Command {
        Command::Demo(DemoArgs::parse_from(["demo"]))
    }

    /// Whether the command runs a server (which may export traces).
    pub(crate) fn serves(&self) -> bool {
        matches!(self, Command::Demo(_) | Command::Serve(_))
    }

    /// Runs the command to its end.
    pub(crate) async fn run(self) -> anyhow::Result<()> {
        match self {
            Command::Demo(args) => demo::run(args.listen).await,
            Command::Serve(args) => serve::run(args).await,
            Command::Routes(command) => routes::run(command),
            Command::Backend(args) => backend::run(args).await,
        }
    }
}

/// A number from 0 to 1.
fn fraction(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is not between 0 and 1"))
    }
}
