//! `peregrine`: the server binary, a thin layer of flags over the
//! catalog library and the engine's `http::serve`.
//!
//! - `peregrine demo` (the default, so `cargo run --release` runs it):
//!   the embedded demo backend on a free loopback port, and the catalog
//!   graph over it on `--port`.
//! - `peregrine serve --backend URL`: the catalog graph over external
//!   services (each may have its own URL).
//! - `peregrine backend --port 9000`: the demo backend alone.
//!
//! Every flag can also come from an environment variable
//! (`PEREGRINE_PORT` for `--port`), as containers and process managers
//! prefer.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use peregrine::graphql::Limits;
use peregrine::http::AnswerCache;
use peregrine::http::Reload;
use peregrine::http::Traces;
use peregrine::loader::{RedisTier, TierSettings, Writes};
use peregrine::route_file::{Live, Served, Sources};
use peregrine::router::{Builder, Router};
use peregrine::upstream::{BreakerSettings, Settings as Guard};
use peregrine::upstream::{Pool, Trust};
use peregrine_routes::backend::{self, Settings};
use peregrine_routes::{catalog, Auth, Endpoints, Guards, Jwt};

// jemalloc rather than the system allocator: a request builds and drops
// thousands of small keys and nodes, and under load glibc's malloc spent a
// fifth of the server's CPU and kept more memory; jemalloc also beat
// mimalloc on both counts (ARCHITECTURE.md, figures).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Peregrine: a virtual JSON Graph data API server. With no command, runs
/// the demo.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// How log lines are written: `human` (readable lines) or `json` (one
    /// JSON object per line, for log pipelines). The level comes from
    /// RUST_LOG (default info).
    #[arg(long, global = true, env = "PEREGRINE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Option<Command>,
}

/// The log formats of `--log-format`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
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
enum RoutesCommand {
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

/// Where the graph server listens.
#[derive(Debug, clap::Args)]
struct Listen {
    /// The port the graph server listens on; 0 picks a free one.
    #[arg(long, env = "PEREGRINE_PORT", default_value_t = 8080)]
    port: u16,
    /// The address the graph server listens on.
    #[arg(long, env = "PEREGRINE_HOST", default_value = "127.0.0.1")]
    host: IpAddr,
    /// Switches the cache off: every request asks the backends (for
    /// measuring, or when the backends' data must be read fresh).
    #[arg(long, env = "PEREGRINE_NO_CACHE")]
    no_cache: bool,
    /// How many megabytes of whole answers to keep (gzip-compressed: a
    /// home answer is about 3 KB), so that a user's repeated request is
    /// answered without routing it; 0 keeps none. An answer lives as long
    /// as the cached values it holds, and a user's writes drop the user's
    /// answers. Off with --no-cache.
    #[arg(long, env = "PEREGRINE_ANSWER_CACHE_MB", default_value_t = 32)]
    answer_cache_mb: u64,
    /// The folder of the client's demo page, served at /demo/ (built by
    /// `npm --prefix client-js run build`).
    #[arg(long, env = "PEREGRINE_DEMO_DIR", default_value = DEMO_DIR)]
    demo_dir: PathBuf,
    /// How long a request may take, in milliseconds; at the deadline the
    /// paths not yet answered become errors.
    #[arg(long, env = "PEREGRINE_REQUEST_TIMEOUT_MS", default_value_t = 10_000)]
    request_timeout_ms: u64,
    /// How many requests to /model.json and /graphql, together, may run
    /// at once; past that they are answered 503 at once.
    #[arg(long, env = "PEREGRINE_MAX_CONCURRENT_REQUESTS", default_value_t = 512)]
    max_concurrent_requests: usize,
    /// How long a client may take to send a request's line and headers,
    /// in milliseconds from their first byte; then the connection is
    /// closed.
    #[arg(long, env = "PEREGRINE_HEADER_TIMEOUT_MS", default_value_t = 10_000)]
    header_timeout_ms: u64,
    /// How long a connection may wait for its next request, in
    /// milliseconds; then it is closed. Keep it above the idle timeout of
    /// a load balancer in front.
    #[arg(long, env = "PEREGRINE_IDLE_TIMEOUT_MS", default_value_t = 75_000)]
    idle_timeout_ms: u64,
    /// The largest request line and headers accepted, in bytes; larger
    /// ones are answered 431.
    #[arg(long, env = "PEREGRINE_MAX_HEADER_BYTES", default_value_t = 64 * 1024)]
    max_header_bytes: usize,
    /// A Redis server shared by every instance, as a cache tier under each
    /// one's own (`redis://127.0.0.1:6379`): what one instance fetched,
    /// the others read. Redis being down or slow only costs backend calls.
    #[arg(long, env = "PEREGRINE_REDIS_URL", hide_env_values = true)]
    redis_url: Option<String>,
    /// How long one Redis operation may take before it is skipped, in
    /// milliseconds.
    #[arg(long, env = "PEREGRINE_REDIS_TIMEOUT_MS", default_value_t = 50)]
    redis_timeout_ms: u64,
    /// A private certificate authority (PEM) that a `rediss://` Redis is
    /// trusted by, instead of the system's roots.
    #[arg(long, value_name = "FILE", env = "PEREGRINE_REDIS_CA")]
    redis_ca: Option<PathBuf>,
    /// Answers requests for traces (the `Peregrine-Trace: 1` header) in
    /// production too; development mode (the demo, --dev-auth) always
    /// does, and also takes the `trace=1` parameter. A trace shows route
    /// patterns, loader names, timings and backend errors.
    #[arg(long, env = "PEREGRINE_TRACES")]
    traces: bool,
    /// Serves the explorer at `/` (always on in development mode: the
    /// demo and --dev-auth).
    #[arg(long, env = "PEREGRINE_EXPLORER")]
    explorer: bool,
    /// A directory of route files (`*.toml`, see docs/routes.md) whose
    /// routes are served beside the catalog's, and of GraphQL files
    /// (`*.graphql`) that add to the catalog's schema. Repeat for more;
    /// in the environment, directories separated by `:`.
    #[arg(
        long = "routes",
        value_name = "DIR",
        env = "PEREGRINE_ROUTES",
        value_delimiter = ':'
    )]
    routes: Vec<PathBuf>,
    /// Serves `GET /routes` (each route file, loaded or refused with its
    /// errors) in production too; development mode always does.
    #[arg(long, env = "PEREGRINE_ADMIN", value_parser = clap::builder::BoolishValueParser::new())]
    admin: bool,
    /// Serves the --routes directories alone, without the catalog's
    /// route files built into the server.
    #[arg(long, env = "PEREGRINE_NO_CATALOG")]
    no_catalog: bool,
    /// Logs a summary of each request (target `peregrine::request`: its
    /// method, paths, time, and each route call with its paths, time and
    /// outcome) and each route failure with its paths (target
    /// `peregrine::path_error`), as falcor-router's hooks told them.
    #[arg(long, env = "PEREGRINE_LOG_REQUESTS")]
    log_requests: bool,
    #[command(flatten)]
    guard: GuardArgs,
}

impl Listen {
    /// Where the route files are (the catalog's, over the services at
    /// `endpoints`, unless --no-catalog), and how their routes are
    /// served.
    fn sources(&self, endpoints: &Endpoints) -> anyhow::Result<Sources> {
        let sources = Sources {
            dirs: self.routes.clone(),
            pool: self.guard.pool()?,
            caching: !self.no_cache,
            guard: self.guard.settings(),
            schema: Some(schema(self.no_catalog)),
            graphql_limits: Limits::default(),
            ..Sources::default()
        };
        Ok(match self.no_catalog {
            true => sources,
            false => catalog::sources(sources, endpoints, &self.guard.guards()?),
        })
    }

    /// Refuses route files (and GraphQL files) that cannot be served,
    /// before the server binds its port and says it listens.
    fn check_routes(&self, endpoints: &Endpoints) -> anyhow::Result<()> {
        Served::load(&self.sources(endpoints)?, Router::builder())
            .map(drop)
            .map_err(|errors| refused(&errors))
    }
}

/// The guards of every backend service (per service: --upstream).
#[derive(Debug, clap::Args)]
struct GuardArgs {
    /// A private certificate authority (PEM) that `https://` services are
    /// trusted by, beside the system's roots; repeat for more.
    #[arg(
        long = "backend-ca",
        value_name = "FILE",
        env = "PEREGRINE_BACKEND_CA",
        value_delimiter = ':'
    )]
    backend_ca: Vec<PathBuf>,
    /// How long one backend call may take, in milliseconds.
    #[arg(long, env = "PEREGRINE_BACKEND_TIMEOUT_MS", default_value_t = 1_000)]
    backend_timeout_ms: u64,
    /// How many calls to one service may be in flight at once (more wait,
    /// the whole call bounded by the timeout times its attempts).
    #[arg(long, env = "PEREGRINE_BACKEND_MAX_CONCURRENT", default_value_t = 32)]
    backend_max_concurrent: usize,
    /// How many more attempts a failed read may make (within a budget of
    /// 20% of calls).
    #[arg(long, env = "PEREGRINE_BACKEND_RETRIES", default_value_t = 1)]
    backend_retries: u32,
    /// The circuit breaker opens after at least this many calls in its
    /// window...
    #[arg(long, env = "PEREGRINE_BREAKER_MIN_CALLS", default_value_t = 20)]
    breaker_min_calls: u32,
    /// ...of which at least this share failed (0 to 1).
    #[arg(long, env = "PEREGRINE_BREAKER_FAILURE_RATIO", default_value_t = 0.5, value_parser = fraction)]
    breaker_failure_ratio: f64,
    /// The breaker's window, in seconds.
    #[arg(long, env = "PEREGRINE_BREAKER_WINDOW_SECS", default_value_t = 10)]
    breaker_window_secs: u64,
    /// How long the breaker stays open before a trial call, in
    /// milliseconds.
    #[arg(long, env = "PEREGRINE_BREAKER_OPEN_MS", default_value_t = 5_000)]
    breaker_open_ms: u64,
    /// One service's own setting, as SERVICE.SETTING=VALUE (services:
    /// catalog, lists, ratings, mylist; settings: timeout_ms,
    /// max_concurrent, retries, breaker_min_calls, breaker_failure_ratio,
    /// breaker_window_secs, breaker_open_ms). Repeat for more.
    #[arg(long = "upstream", value_name = "SERVICE.SETTING=VALUE")]
    upstream: Vec<String>,
}

impl GuardArgs {
    /// The guards of the flags: the catalog's services', and the route
    /// files' where a file sets none of its own.
    /// The connections to the services, trusting the --backend-ca files.
    fn pool(&self) -> anyhow::Result<Pool> {
        let mut trust = Trust::system();
        for file in &self.backend_ca {
            trust = trust.with_pem_file(file).context("--backend-ca")?;
        }
        Ok(Pool::from_trust(trust))
    }

    fn settings(&self) -> Guard {
        Guard {
            timeout: Duration::from_millis(self.backend_timeout_ms),
            max_concurrent: self.backend_max_concurrent,
            retries: self.backend_retries,
            breaker: BreakerSettings {
                window: Duration::from_secs(self.breaker_window_secs),
                min_calls: self.breaker_min_calls,
                failure_ratio: self.breaker_failure_ratio,
                open_for: Duration::from_millis(self.breaker_open_ms),
            },
            ..Guard::default()
        }
    }

    fn guards(&self) -> anyhow::Result<Guards> {
        let mut guards = Guards::all(&self.settings());
        for text in &self.upstream {
            override_guard(&mut guards, text).with_context(|| format!("--upstream {text:?}"))?;
        }
        Ok(guards)
    }
}

/// Applies one `SERVICE.SETTING=VALUE`.
fn override_guard(guards: &mut Guards, text: &str) -> anyhow::Result<()> {
    let (name, value) = text
        .split_once('=')
        .context("expected SERVICE.SETTING=VALUE")?;
    let (service, setting) = name
        .split_once('.')
        .context("expected SERVICE.SETTING=VALUE")?;
    let guard = guards
        .service_mut(service)
        .with_context(|| format!("no service {service:?}: catalog, lists, ratings or mylist"))?;
    let number = || -> anyhow::Result<u64> {
        value
            .parse()
            .with_context(|| format!("{value:?} is not a whole number"))
    };
    match setting {
        "timeout_ms" => guard.timeout = Duration::from_millis(number()?),
        "max_concurrent" => guard.max_concurrent = usize::try_from(number()?)?,
        "retries" => guard.retries = u32::try_from(number()?)?,
        "breaker_min_calls" => guard.breaker.min_calls = u32::try_from(number()?)?,
        "breaker_window_secs" => guard.breaker.window = Duration::from_secs(number()?),
        "breaker_open_ms" => guard.breaker.open_for = Duration::from_millis(number()?),
        "breaker_failure_ratio" => {
            guard.breaker.failure_ratio = fraction(value).map_err(anyhow::Error::msg)?
        }
        other => anyhow::bail!("no setting {other:?}"),
    }
    Ok(())
}

/// Where `client-js` builds the demo page, in this checkout.
const DEMO_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../client-js/demo/dist");

#[derive(Debug, Parser)]
struct DemoArgs {
    #[command(flatten)]
    listen: Listen,
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    #[command(flatten)]
    listen: Listen,
    /// The base URL of all four services, for those not given their own
    /// (not needed with --no-catalog).
    #[arg(
        long,
        env = "PEREGRINE_BACKEND_URL",
        required_unless_present = "no_catalog"
    )]
    backend: Option<String>,
    /// The catalog service's base URL (default: --backend).
    #[arg(long, env = "PEREGRINE_CATALOG_URL")]
    catalog_url: Option<String>,
    /// The lists service's base URL (default: --backend).
    #[arg(long, env = "PEREGRINE_LISTS_URL")]
    lists_url: Option<String>,
    /// The ratings service's base URL (default: --backend).
    #[arg(long, env = "PEREGRINE_RATINGS_URL")]
    ratings_url: Option<String>,
    /// The my list service's base URL (default: --backend).
    #[arg(long, env = "PEREGRINE_MYLIST_URL")]
    mylist_url: Option<String>,
    /// The secret JWTs are signed with (HS256): each request's user is
    /// its bearer token's `sub`. Prefer the environment variable: a flag
    /// shows in the process list.
    #[arg(
        long,
        env = "PEREGRINE_JWT_SECRET",
        hide_env_values = true,
        conflicts_with = "dev_auth"
    )]
    jwt_secret: Option<String>,
    /// The audience JWTs must be for: a token's `aud` must name it. Unset,
    /// tokens with an `aud` are refused (they are meant for another
    /// service).
    #[arg(long, env = "PEREGRINE_JWT_AUDIENCE")]
    jwt_audience: Option<String>,
    /// The issuer JWTs must come from: a token's `iss` must be it. Unset,
    /// any issuer is accepted.
    #[arg(long, env = "PEREGRINE_JWT_ISSUER")]
    jwt_issuer: Option<String>,
    /// Development mode: the bearer token is the user id (`Bearer u17`).
    /// Never in production: anyone can be anyone.
    #[arg(long, env = "PEREGRINE_DEV_AUTH")]
    dev_auth: bool,
}

impl ServeArgs {
    /// How users are told apart: JWTs with the secret, or development
    /// mode.
    fn auth(&self) -> anyhow::Result<Auth> {
        let jwt_only = self.jwt_audience.is_some() || self.jwt_issuer.is_some();
        match (&self.jwt_secret, self.dev_auth) {
            (Some(secret), _) if !secret.is_empty() => {
                let mut jwt = Jwt::new(secret.as_bytes());
                if let Some(audience) = &self.jwt_audience {
                    jwt = jwt.audience(audience);
                }
                if let Some(issuer) = &self.jwt_issuer {
                    jwt = jwt.issuer(issuer);
                }
                Ok(Auth::from(jwt))
            }
            (_, true) if jwt_only => anyhow::bail!(
                "--jwt-audience and --jwt-issuer check JWTs: they need --jwt-secret, not --dev-auth"
            ),
            (_, true) => {
                tracing::warn!("development authentication: the bearer token is the user id");
                Ok(Auth::Development)
            }
            _ => anyhow::bail!(
                "serve needs --jwt-secret (or PEREGRINE_JWT_SECRET) to check users' tokens, \
                 or --dev-auth for development mode (Bearer u17)"
            ),
        }
    }

    fn endpoints(&self) -> Endpoints {
        // Without --backend (--no-catalog), the catalog is not served.
        let backend = self.backend.clone().unwrap_or_default();
        let or_backend = |url: &Option<String>| url.clone().unwrap_or_else(|| backend.clone());
        Endpoints {
            catalog: or_backend(&self.catalog_url),
            lists: or_backend(&self.lists_url),
            ratings: or_backend(&self.ratings_url),
            my_list: or_backend(&self.mylist_url),
        }
    }
}

#[derive(Debug, clap::Args)]
struct BackendArgs {
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // No command is the demo, with its flags from the environment.
    let command = cli
        .command
        .unwrap_or_else(|| Command::Demo(DemoArgs::parse_from(["demo"])));
    // Only the servers export traces (`OTEL_EXPORTER_OTLP_ENDPOINT`).
    let telemetry = match &command {
        Command::Demo(_) | Command::Serve(_) => {
            peregrine::telemetry::Telemetry::from_env().context("OpenTelemetry")?
        }
        Command::Routes(_) | Command::Backend(_) => None,
    };
    let format = match cli.log_format {
        LogFormat::Human => peregrine::http::LogFormat::Human,
        LogFormat::Json => peregrine::http::LogFormat::Json,
    };
    peregrine::http::init_logging(format, telemetry.as_ref());
    if let Some(telemetry) = &telemetry {
        let endpoint = telemetry.endpoint();
        tracing::info!(endpoint, "exporting traces over OTLP/HTTP");
    }
    let done = run(command).await;
    if let Some(telemetry) = telemetry {
        // The last spans go out before the process ends.
        let _ = tokio::task::spawn_blocking(move || telemetry.shutdown()).await;
    }
    done
}

/// Runs one command of the command line.
async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Demo(args) => demo(args).await,
        Command::Serve(args) => {
            let auth = args.auth()?;
            args.listen.check_routes(&args.endpoints())?;
            let listener = bind(&args.listen).await?;
            let local = listener.local_addr().context("no local address")?;
            println!("peregrine listening on http://{local}/model.json");
            serve(listener, &args.endpoints(), &args.listen, auth).await
        }
        Command::Routes(command) => routes_command(command),
        Command::Backend(args) => {
            let address = (args.host, args.port);
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .with_context(|| format!("cannot listen on {}:{}", args.host, args.port))?;
            let local = listener.local_addr().context("no local address")?;
            let settings = args.settings();
            println!("demo backend listening on http://{local}");
            backend::serve(listener, settings, peregrine::http::shutdown_signal())
                .await
                .context("serving the demo backend")
        }
    }
}

/// The demo backend on a free loopback port, the graph over it, until
/// Ctrl-C or SIGTERM.
async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    // The backend's URL is not known yet: any will do for the check.
    args.listen
        .check_routes(&Endpoints::all("http://127.0.0.1:9000"))?;
    let backend_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot listen for the demo backend")?;
    let backend_url = format!(
        "http://{}",
        backend_listener.local_addr().context("no local address")?
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let backend = tokio::spawn(backend::serve(
        backend_listener,
        Settings::default(),
        async {
            // Stops when told, or when the sender is dropped.
            let _ = stopped.await;
        },
    ));
    let listener = bind(&args.listen).await?;
    let local = listener.local_addr().context("no local address")?;
    let model = format!("http://{local}/model.json");
    println!("demo backend on {backend_url}");
    println!("peregrine demo listening on {model}\n");
    println!("The home screen of user u17 (10 rows of 10 videos):\n");
    println!("{}\n", home_curl(&model));
    println!("Ctrl-C stops.");
    if args.listen.demo_dir.join("index.html").is_file() {
        println!("The demo page (the TypeScript client in a React app): http://{local}/demo/");
        println!("The explorer (run path sets, see what each request did): http://{local}/\n");
    } else {
        println!(
            "The demo page is at http://{local}/demo/ once built (needs node): npm --prefix client-js ci && npm --prefix client-js run build\n"
        );
    }
    let served = serve(
        listener,
        &Endpoints::all(&backend_url),
        &args.listen,
        Auth::Development,
    )
    .await;
    let _ = stop.send(());
    backend
        .await
        .context("the demo backend's task failed")?
        .context("serving the demo backend")?;
    served
}

/// `peregrine routes check|list`.
fn routes_command(command: RoutesCommand) -> anyhow::Result<()> {
    let (RoutesCommand::Check { dirs, no_catalog } | RoutesCommand::List { dirs, no_catalog }) =
        &command;
    let mut sources = Sources {
        dirs: dirs.clone(),
        caching: true,
        schema: Some(schema(*no_catalog)),
        ..Sources::default()
    };
    if !no_catalog {
        let endpoints = Endpoints::all("http://127.0.0.1:9000");
        sources = catalog::sources(sources, &endpoints, &Guards::default());
    }
    let served = match Served::load(&sources, Router::builder()) {
        Ok(served) => served,
        Err(errors) => {
            for error in &errors {
                eprintln!("{error}");
            }
            eprintln!("{} refused", errors.len());
            std::process::exit(1);
        }
    };
    let declared = &served.declared;
    match command {
        // The directories' files and routes (checked with the catalog's).
        RoutesCommand::Check { .. } => {
            let (graphql_files, unserved) = match &served.schema {
                Some(schema) => (schema.files().len(), schema.unserved()),
                None => (0, &[][..]),
            };
            // Warnings: a field no route serves is null, not refused.
            for field in unserved {
                eprintln!("{}: warning: {field}", field.place());
            }
            let graphql = match graphql_files {
                0 => String::new(),
                files => format!(", GraphQL files: {files}"),
            };
            let verdict = match unserved.len() {
                0 => "all good".to_owned(),
                1 => "1 warning".to_owned(),
                warnings => format!("{warnings} warnings"),
            };
            let routes = declared
                .table()
                .iter()
                .filter(|route| !route.embedded)
                .count();
            println!(
                "route files: {}, routes: {routes}{graphql}; {verdict}",
                declared.files().len() - sources.embedded.len(),
            );
        }
        RoutesCommand::List { .. } => {
            for route in declared.table().into_iter().filter(|route| !route.embedded) {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    route.pattern, route.method, route.service, route.scope, route.place
                );
            }
        }
    }
    Ok(())
}

/// The GraphQL schema the route files' `*.graphql` files extend: the
/// catalog's, or without it none (their `extend type Query` defines
/// `Query`).
fn schema(no_catalog: bool) -> peregrine::graphql::Sdl {
    match no_catalog {
        true => peregrine::graphql::Sdl::new("<no catalog>", ""),
        false => peregrine_routes::schema(),
    }
}

/// Route files refused: each refusal on a line of its own.
fn refused(errors: &[peregrine::route_file::Error]) -> anyhow::Error {
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    anyhow::anyhow!(
        "{} refused in the route files:\n{}",
        errors.len(),
        lines.join("\n")
    )
}

/// The curl of CONTRACT §4's home request, quoted for a POSIX shell.
fn home_curl(model: &str) -> String {
    let paths = r#"[["genreLists",{"from":0,"to":9},"name"],["genreLists",{"from":0,"to":9},{"from":0,"to":9},["title","boxshot","rating"]]]"#;
    format!(
        "curl -G '{model}' -H 'Authorization: Bearer u17' \\\n  --data-urlencode 'method=get' \\\n  --data-urlencode '{}'",
        format_args!("paths={paths}")
    )
}

async fn bind(listen: &Listen) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind((listen.host, listen.port))
        .await
        .with_context(|| format!("cannot listen on {}:{}", listen.host, listen.port))
}

/// Serves the catalog graph on `listener` over the services at
/// `endpoints`, as `listen` says, until Ctrl-C or SIGTERM.
async fn serve(
    listener: tokio::net::TcpListener,
    endpoints: &Endpoints,
    listen: &Listen,
    auth: Auth,
) -> anyhow::Result<()> {
    let demo = &listen.demo_dir;
    let mut sources = listen.sources(endpoints)?;
    let mut answers = None;
    if !listen.no_cache && listen.answer_cache_mb > 0 {
        let max_bytes = listen.answer_cache_mb.saturating_mul(1 << 20);
        let writes = Writes::new();
        answers = Some(AnswerCache::new(max_bytes, &writes));
        sources.writes = Some(writes);
    }
    if let Some(url) = &listen.redis_url {
        let ca_pem = match &listen.redis_ca {
            Some(file) => Some(
                std::fs::read(file)
                    .with_context(|| format!("--redis-ca: cannot read {}", file.display()))?,
            ),
            None => None,
        };
        let settings = TierSettings {
            timeout: Duration::from_millis(listen.redis_timeout_ms.max(1)),
            ca_pem,
            ..TierSettings::default()
        };
        let tier = RedisTier::connect(url, settings).context("--redis-url")?;
        if listen.no_cache {
            tracing::warn!("--no-cache: the Redis tier is not used either");
        } else {
            let url = tier.url();
            tracing::info!(
                url,
                "Redis tier: values are shared with the other instances"
            );
        }
        sources.tier = Some(tier);
    }
    // Development mode (the demo, --dev-auth) has the explorer and
    // `?trace=1`; production has them only when asked.
    let development = matches!(auth, Auth::Development);
    let traces = match (development, listen.traces) {
        (true, _) => Traces::HeaderOrParameter,
        (false, true) => Traces::Header,
        (false, false) => Traces::Off,
    };
    let explorer = demo.join("explorer.html");
    let index_page = (listen.explorer || development)
        .then(|| explorer.is_file().then(|| explorer.clone()))
        .flatten();
    // The route files' routes beside the catalog's, swapped whole on
    // each good reload, GraphQL with them.
    let reload = Reload::new(Router::builder().build()?, None);
    let swap = reload.clone();
    let base: fn() -> Builder = match listen.log_requests {
        true => || Router::builder().log_requests(),
        false => Router::builder,
    };
    let (live, router) = Live::start(sources, base, move |router, graphql| {
        swap.replace(router, graphql);
    })
    .map_err(|errors| refused(&errors))?;
    let graphql = live.graphql();
    // Served from the first request on, before any reload can replace it.
    reload.replace(router.clone(), graphql.clone());
    if !listen.routes.is_empty() {
        live.watch()
            .context("cannot watch the --routes directories")?;
        tracing::info!(dirs = ?listen.routes, "route files served: reloaded on change and on SIGHUP");
    }
    if !demo.join("index.html").is_file() {
        tracing::warn!(
            dir = %demo.display(),
            "the demo page is not built, /demo/ answers 404: run `npm --prefix client-js ci && npm --prefix client-js run build`"
        );
    }
    let config = peregrine::http::Config {
        graphql,
        reload: Some(reload),
        route_files: (development || listen.admin).then_some(live),
        // GraphiQL bundled with the demo page, when built (it needs
        // nothing from the network).
        graphiql: demo
            .join("graphiql.html")
            .is_file()
            .then(|| "/demo/graphiql.html".to_owned()),
        context: peregrine_routes::context_maker(auth),
        answers,
        traces,
        index_page,
        request_timeout: Duration::from_millis(listen.request_timeout_ms.max(1)),
        max_concurrent_requests: listen.max_concurrent_requests.max(1),
        header_timeout: Duration::from_millis(listen.header_timeout_ms.max(1)),
        idle_timeout: Duration::from_millis(listen.idle_timeout_ms.max(1)),
        max_header_bytes: listen.max_header_bytes,
        static_files: vec![peregrine::http::StaticFiles {
            prefix: "/demo".to_owned(),
            dir: demo.clone(),
        }],
        ..peregrine::http::Config::default()
    };
    peregrine::http::serve(listener, router, config, peregrine::http::shutdown_signal())
        .await
        .context("serving the graph")
}
