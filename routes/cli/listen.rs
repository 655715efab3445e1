//! `Listen`: the flags of a graph server (`demo` and `serve`), and the
//! [`Server`] they describe.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use peregrine::loader::{RedisTier, TierSettings};
use peregrine_routes::{Auth, Endpoints, Pages, Server};

use super::guards::GuardArgs;

/// Where the graph server listens.
#[derive(Debug, clap::Args)]
pub(super) struct Listen {
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
    /// How many megabytes of whole answers to keep (a home answer is
    /// about 3 KB gzipped for clients that accept gzip, 21 KB for those
    /// that do not), so that a user's repeated request is answered
    /// without routing it; 0 keeps none. An answer lives as long
    /// as the cached values it holds, and a user's writes drop the user's
    /// answers. Off with --no-cache.
    #[arg(long, env = "PEREGRINE_ANSWER_CACHE_MB", default_value_t = 32)]
    answer_cache_mb: u64,
    /// The folder of the demo page, explorer and GraphiQL, served at
    /// /demo/ and / [default: client-js/demo/dist of this checkout, which
    /// `peregrine demo` builds with npm when it is not built].
    #[arg(long, env = "PEREGRINE_DEMO_DIR")]
    demo_dir: Option<PathBuf>,
    /// Never builds the pages with npm (`peregrine demo` does when they
    /// are not built); they answer a page saying what to run instead.
    #[arg(long, env = "PEREGRINE_NO_PAGE_BUILD")]
    no_page_build: bool,
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
    /// A Redis Cluster as the shared tier instead of one server: any
    /// node's URL (`redis://10.0.0.1:6379`), the others are discovered;
    /// or several, separated by commas, tried in turn. Timeout, CA,
    /// breaker, TTLs and write notices as with --redis-url.
    #[arg(
        long,
        env = "PEREGRINE_REDIS_CLUSTER_URL",
        hide_env_values = true,
        conflicts_with = "redis_url"
    )]
    redis_cluster_url: Option<String>,
    /// How long one Redis operation may take before it is skipped, in
    /// milliseconds (a cluster's too).
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
    /// Refuses GraphQL introspection (`__schema`, `__type`) and serves no
    /// GraphiQL page, so that a production schema is not given away.
    #[arg(long, env = "PEREGRINE_NO_INTROSPECTION")]
    no_introspection: bool,
    /// The only GraphQL operations run: an Apollo persisted query
    /// manifest, a JSON object of hashes to texts or a JSON array of
    /// texts or hashes, or one SHA-256 per line. Every other operation is
    /// refused.
    #[arg(long, value_name = "FILE", env = "PEREGRINE_GRAPHQL_OPERATIONS")]
    graphql_operations: Option<PathBuf>,
    /// Logs a summary of each request (target `peregrine::request`: its
    /// method, paths, time, and each route call with its paths, time and
    /// outcome) and each route failure with its paths (target
    /// `peregrine::path_error`), as falcor-router's hooks told them.
    #[arg(long, env = "PEREGRINE_LOG_REQUESTS")]
    log_requests: bool,
    #[command(flatten)]
    pub(super) guard: GuardArgs,
}

impl Listen {
    /// The server these flags describe, over the services at
    /// `endpoints`, users known by `auth`.
    pub(super) fn server(&self, endpoints: Endpoints, auth: Auth) -> anyhow::Result<Server> {
        let mut server = Server::new(endpoints, auth);
        server.guards = self.guard.guards()?;
        server.guard = self.guard.settings();
        server.pool = self.guard.pool()?;
        server.routes = self.routes.clone();
        server.catalog = !self.no_catalog;
        server.caching = !self.no_cache;
        server.answer_cache_bytes = self.answer_cache_mb.saturating_mul(1 << 20);
        server.tier = self.tier()?;
        server.log_requests = self.log_requests;
        server.traces = self.traces;
        server.explorer = self.explorer;
        server.admin = self.admin;
        server.introspection = !self.no_introspection;
        if let Some(file) = &self.graphql_operations {
            let operations = peregrine::graphql::Operations::read(file)?;
            tracing::info!(operations = operations.len(), file = %file.display(), "GraphQL allowlist: other operations are refused");
            server.graphql_operations = Some(std::sync::Arc::new(operations));
        }
        server.pages = Some(self.pages());
        let http = &mut server.http;
        http.request_timeout = Duration::from_millis(self.request_timeout_ms.max(1));
        http.max_concurrent_requests = self.max_concurrent_requests.max(1);
        http.header_timeout = Duration::from_millis(self.header_timeout_ms.max(1));
        http.idle_timeout = Duration::from_millis(self.idle_timeout_ms.max(1));
        http.max_header_bytes = self.max_header_bytes;
        Ok(server)
    }

    /// The Redis tier of `--redis-url` or `--redis-cluster-url`, if any.
    fn tier(&self) -> anyhow::Result<Option<RedisTier>> {
        let redis = (self.redis_url.as_ref().map(|url| (url, false)))
            .or(self.redis_cluster_url.as_ref().map(|url| (url, true)));
        let Some((url, cluster)) = redis else {
            return Ok(None);
        };
        let ca_pem = match &self.redis_ca {
            Some(file) => Some(
                std::fs::read(file)
                    .with_context(|| format!("--redis-ca: cannot read {}", file.display()))?,
            ),
            None => None,
        };
        let settings = TierSettings {
            timeout: Duration::from_millis(self.redis_timeout_ms.max(1)),
            ca_pem,
            ..TierSettings::default()
        };
        let tier = match cluster {
            false => RedisTier::connect(url, settings).context("--redis-url")?,
            true => RedisTier::connect_cluster(url, settings).context("--redis-cluster-url")?,
        };
        if self.no_cache {
            tracing::warn!("--no-cache: the Redis tier is not used either");
        } else {
            let url = tier.url();
            tracing::info!(
                url,
                cluster,
                "Redis tier: values are shared with the other instances"
            );
        }
        Ok(Some(tier))
    }

    /// Whether `peregrine demo` may build the checkout's pages with npm
    /// (not with `--demo-dir`, nor `--no-page-build`).
    pub(super) fn builds_pages(&self) -> bool {
        self.demo_dir.is_none() && !self.no_page_build
    }

    /// The pages of `--demo-dir`, else of this checkout.
    pub(super) fn pages(&self) -> Pages {
        match &self.demo_dir {
            Some(dir) => Pages::in_dir(dir.clone()),
            None => Pages::checkout(),
        }
    }

    /// Listens on `--host` and `--port`.
    pub(super) async fn bind(&self) -> anyhow::Result<tokio::net::TcpListener> {
        tokio::net::TcpListener::bind((self.host, self.port))
            .await
            .with_context(|| format!("cannot listen on {}:{}", self.host, self.port))
    }
}
