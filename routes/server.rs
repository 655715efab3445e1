//! The server the `peregrine` binary runs, assembled in one place: the
//! catalog's route files and the team's, reloaded live, GraphQL over
//! them, the caches, authentication and the HTTP configuration. The
//! binary fills a [`Server`] from its flags; the tests fill one too and
//! run the same wiring.

use std::fmt;
use std::path::PathBuf;

use peregrine::http::{AnswerCache, Config, Reload, StaticFiles, Traces};
use peregrine::loader::{RedisTier, Writes};
use peregrine::route_file::{Live, Served, Sources};
use peregrine::router::{Builder, Router};
use peregrine::upstream::{Pool, Settings as Guard};

use crate::{catalog, Auth, Endpoints, Guards};

/// What a server serves and how: every part of the app, before it is
/// assembled ([`Server::assemble`]).
#[derive(Clone)]
pub struct Server {
    /// Where the catalog's services answer.
    pub endpoints: Endpoints,
    /// How each catalog service is guarded.
    pub guards: Guards,
    /// How a route file's service is guarded where its file says nothing.
    pub guard: Guard,
    /// The connections to the services (and whom they trust).
    pub pool: Pool,
    /// How a request's user is known.
    pub auth: Auth,
    /// Directories of route files (and `*.graphql` files) served beside
    /// the catalog's, reloaded when they change.
    pub routes: Vec<PathBuf>,
    /// Whether the catalog's own route files are served.
    pub catalog: bool,
    /// Whether values are cached (off: every request asks the services).
    pub caching: bool,
    /// The bytes of whole answers kept; 0 keeps none.
    pub answer_cache_bytes: u64,
    /// The Redis tier shared with other instances.
    pub tier: Option<RedisTier>,
    /// Whether each request and route failure is logged.
    pub log_requests: bool,
    /// Whether traces (`Peregrine-Trace: 1`) are answered outside
    /// development mode.
    pub traces: bool,
    /// Whether the explorer is served at `/` outside development mode.
    pub explorer: bool,
    /// Whether `GET /routes` is served outside development mode.
    pub admin: bool,
    /// Whether GraphQL introspection (and GraphiQL) is served.
    pub introspection: bool,
    /// The GraphQL operations allowed; none: any.
    pub graphql_operations: Option<std::sync::Arc<peregrine::graphql::Operations>>,
    /// The demo page, explorer and GraphiQL (`client-js/demo/dist`),
    /// served at `/demo/` and `/`.
    pub pages: Option<crate::Pages>,
    /// The router the route files' routes are added to: Rust routes of
    /// one's own go here.
    pub base: fn() -> Builder,
    /// The HTTP configuration: limits and timeouts as given; what the
    /// rest of the server decides (GraphQL, caches, context, pages) is
    /// filled in by [`Server::assemble`].
    pub http: Config,
}

/// A server assembled: the router serving now and the configuration of
/// its HTTP app ([`peregrine::http::app`], [`peregrine::http::serve`]).
#[derive(Debug)]
pub struct App {
    /// The router of the route files as first loaded.
    pub router: Router,
    /// The HTTP app's configuration.
    pub config: Config,
    /// The route files, reloaded live.
    pub live: Live,
}

/// Why a server could not be assembled.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

/// What kind of [`Error`] it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Route files (or GraphQL files) were refused.
    RouteFiles,
    /// The route directories cannot be watched.
    Watch,
}

impl Error {
    /// What kind of error it is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("endpoints", &self.endpoints)
            .field("routes", &self.routes)
            .field("catalog", &self.catalog)
            .field("caching", &self.caching)
            .finish_non_exhaustive()
    }
}

/// Route files refused: each refusal on a line of its own.
fn refused(errors: &[peregrine::route_file::Error]) -> Error {
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    Error {
        kind: ErrorKind::RouteFiles,
        message: format!(
            "{} refused in the route files:\n{}",
            errors.len(),
            lines.join("\n")
        ),
    }
}

impl Server {
    /// The catalog over the services at `endpoints`, users known by
    /// `auth`, with every default: cached, a 32 MiB answer cache, no
    /// Redis, no route directories.
    pub fn new(endpoints: Endpoints, auth: Auth) -> Server {
        Server {
            endpoints,
            guards: Guards::default(),
            guard: Guard::default(),
            pool: Pool::default(),
            auth,
            routes: Vec::new(),
            catalog: true,
            caching: true,
            answer_cache_bytes: 32 << 20,
            tier: None,
            log_requests: false,
            traces: false,
            explorer: false,
            admin: false,
            introspection: true,
            graphql_operations: None,
            pages: None,
            base: Router::builder,
            http: Config::default(),
        }
    }

    /// Where the route files are (the catalog's unless `catalog` is off,
    /// and `routes`), and how their routes are served.
    pub fn sources(&self) -> Sources {
        let sources = Sources {
            dirs: self.routes.clone(),
            pool: self.pool.clone(),
            caching: self.caching,
            guard: self.guard.clone(),
            tier: self.tier.clone().filter(|_| self.caching),
            graphql_limits: peregrine::graphql::Limits {
                introspection: self.introspection,
                ..Default::default()
            },
            schema: Some(match self.catalog {
                true => crate::schema(),
                // Their `extend type Query` defines `Query`.
                false => peregrine::graphql::Sdl::new("<no catalog>", ""),
            }),
            ..Sources::default()
        };
        match self.catalog {
            true => catalog::sources(sources, &self.endpoints, &self.guards),
            false => sources,
        }
    }

    /// Refuses route files (and GraphQL files) that cannot be served.
    pub fn check(&self) -> Result<(), Error> {
        Served::load(&self.sources(), (self.base)())
            .map(drop)
            .map_err(|errors| refused(&errors))
    }

    fn development(&self) -> bool {
        matches!(self.auth, Auth::Development)
    }
}

impl Server {
    /// Assembles the app: loads the route files (refused ones: an error
    /// naming each refusal), watches `routes` for changes, and fills the
    /// HTTP configuration. Must be called within a tokio runtime.
    pub fn assemble(self) -> Result<App, Error> {
        let mut sources = self.sources();
        let answers = (self.caching && self.answer_cache_bytes > 0).then(|| {
            let writes = Writes::new();
            sources.writes = Some(writes.clone());
            AnswerCache::new(self.answer_cache_bytes, &writes)
        });
        // The route files' routes, swapped whole on each good reload,
        // GraphQL with them.
        let empty = Router::builder().build().map_err(|error| Error {
            kind: ErrorKind::RouteFiles,
            message: error.to_string(),
        })?;
        let reload = Reload::new(empty, None);
        let swap = reload.clone();
        let (base, log_requests) = (self.base, self.log_requests);
        let routes = move || match log_requests {
            true => base().log_requests(),
            false => base(),
        };
        let (live, router) = Live::start(sources, routes, move |router, graphql| {
            swap.replace(router, graphql);
        })
        .map_err(|errors| refused(&errors))?;
        let graphql = live.graphql();
        // Served from the first request on, before any reload replaces it.
        reload.replace(router.clone(), graphql.clone());
        if !self.routes.is_empty() {
            live.watch().map_err(|error| Error {
                kind: ErrorKind::Watch,
                message: format!("cannot watch the route directories: {error}"),
            })?;
            tracing::info!(dirs = ?self.routes, "route files served: reloaded on change and on SIGHUP");
        }
        let development = self.development();
        let mut config = self.http;
        config.graphql = graphql;
        config.reload = Some(reload);
        config.route_files = (development || self.admin).then(|| live.clone());
        config.context = crate::context_maker(self.auth);
        config.answers = answers;
        config.graphql_operations = self.graphql_operations;
        // Development mode (the demo, --dev-auth) has the explorer and
        // `?trace=1`; production has them only when asked.
        config.traces = match (development, self.traces) {
            (true, _) => Traces::HeaderOrParameter,
            (false, true) => Traces::Header,
            (false, false) => Traces::Off,
        };
        if let Some(pages) = &self.pages {
            serve_pages(&mut config, pages, self.explorer || development);
        }
        Ok(App {
            router,
            config,
            live,
        })
    }
}

/// The demo page at `/demo/`, GraphiQL bundled with it, and the explorer
/// at `/` when `explorer`; until they are built, the page that says so.
fn serve_pages(config: &mut Config, pages: &crate::Pages, explorer: bool) {
    let demo = pages.dir();
    if !pages.built() {
        tracing::warn!(
            dir = %demo.display(),
            "the demo pages are not built: /, /demo/ and GraphiQL answer a page saying what to run"
        );
    }
    // GraphiQL needs nothing from the network; until the pages are built,
    // its address answers the page that says so.
    let graphiql = demo.join("graphiql.html");
    config.graphiql =
        (graphiql.is_file() || !pages.built()).then(|| "/demo/graphiql.html".to_owned());
    config.index_page = explorer.then(|| demo.join("explorer.html"));
    config.static_files = vec![StaticFiles {
        prefix: "/demo".to_owned(),
        dir: demo.to_path_buf(),
        unbuilt: Some(pages.unbuilt()),
    }];
}
