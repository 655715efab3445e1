//! The server's settings, each with a safe default.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderMap;

use crate::router::Context;

/// How the server is set up: where it answers, and its limits.
///
/// ```
/// use std::time::Duration;
/// use peregrine::http::Config;
///
/// let config = Config {
///     request_timeout: Duration::from_secs(2),
///     cors_origins: vec!["https://tv.example".to_owned()],
///     ..Config::default()
/// };
/// assert_eq!(config.model_path, "/model.json");
/// ```
#[derive(Clone)]
pub struct Config {
    /// Where the JSON Graph endpoint answers (default `/model.json`).
    pub model_path: String,
    /// The largest request body accepted, in bytes (default 1 MiB);
    /// larger ones get 413.
    pub max_body_bytes: usize,
    /// The longest request URL accepted, path and query, in bytes
    /// (default 16 KiB); longer ones get 414.
    pub max_url_bytes: usize,
    /// How long a request may take (default 10 s), counted from its
    /// arrival. Handlers see it as the context's deadline; at the deadline
    /// the paths not yet answered become errors and the rest is answered
    /// (200). A body not received by then, or an answer not written within
    /// a second more, gets 504.
    pub request_timeout: Duration,
    /// How long a client may take to send a request's head (request line
    /// and headers), counted from its first byte (default 10 s); past it
    /// the connection is closed. [`request_timeout`](Config::request_timeout)
    /// starts once the head is in.
    pub header_timeout: Duration,
    /// How long a connection may wait for its next request (default 75 s),
    /// counted from when it is accepted or its last answer is written;
    /// then it is closed. Keep it above the idle timeout of any load
    /// balancer in front (60 s is common), so that the balancer closes
    /// first and never sends a request on a connection being closed.
    pub idle_timeout: Duration,
    /// The largest request head accepted, request line and headers, in
    /// bytes (default 64 KiB); larger ones get 431 and the connection is
    /// closed. Keep it above [`max_url_bytes`](Config::max_url_bytes).
    pub max_header_bytes: usize,
    /// How many requests to `/model.json` and `/graphql` may run at once,
    /// all methods and both endpoints counted together (default 512);
    /// past that, requests are answered 503 at once rather than queued.
    pub max_concurrent_requests: usize,
    /// Origins allowed to call from a browser (CORS). Empty (the default)
    /// allows none beyond the server's own. Listed origins may send
    /// credentials (falcor-http-datasource does unless told
    /// `withCredentials: false`); `"*"` allows any origin, without
    /// credentials.
    pub cors_origins: Vec<String>,
    /// On shutdown, how long `/readyz` answers 503 while requests are
    /// still served, before the server stops taking connections (default
    /// 0; behind a load balancer, set it to the balancer's check interval
    /// so that it drains the instance first).
    pub drain_delay: Duration,
    /// Folders of static files served under a URL prefix, such as the
    /// client's demo page at `/demo/` (default none). A path without a
    /// file of its own gets the folder's `index.html`, as single-page
    /// apps expect.
    pub static_files: Vec<StaticFiles>,
    /// GraphQL over the same router at `/graphql` (default none).
    pub graphql: Option<crate::graphql::GraphQl>,
    /// A handle to replace the router and `graphql` while the server
    /// serves (a route file reload, say); default none. When set, the
    /// server serves what it holds, from the first request on: put the
    /// router and GraphQL in it (`Reload::new`) before serving; the
    /// router given to `app` or `serve` is then not used, and `graphql`
    /// only says whether `/graphql` is routed.
    pub reload: Option<super::Reload>,
    /// Route files whose state `GET /routes` shows (each file loaded or
    /// refused with its errors, its routes, the last reload); default
    /// none, and no `/routes`. Meant for development or an admin port:
    /// it shows service names and patterns.
    pub route_files: Option<crate::route_file::Live>,
    /// Where a browser's `GET /graphql` (without a query) is sent: a
    /// GraphiQL page served beside (such as `/demo/graphiql.html`).
    /// Default none: async-graphql's own page, which loads its scripts
    /// from a CDN.
    pub graphiql: Option<String>,
    /// The GraphQL operations allowed (`--graphql-operations`); every
    /// other one is refused. Default none: any operation runs.
    pub graphql_operations: Option<std::sync::Arc<crate::graphql::Operations>>,
    /// Makes each request's [`Context`] from its headers (the user, per
    /// request state), or refuses the request (a token that is not valid:
    /// [`Error::unauthorized`](super::Error::unauthorized)). The default
    /// makes an anonymous context.
    pub context: ContextMaker,
    /// Who may ask for a request's trace (default: nobody; a trace shows
    /// route patterns, loader names, timings and backend errors).
    pub traces: Traces,
    /// A page served at `/`, such as the explorer
    /// (`client-js/demo/dist/explorer.html`); default none (`/` is 404).
    pub index_page: Option<PathBuf>,
    /// Whole answers to gets, kept per user and request while their
    /// values stay cached (default none). Only for routes that answer
    /// from what they load through loaders reporting to the cache's
    /// [`Writes`](crate::loader::Writes), and from the user and paths
    /// alone: see [`AnswerCache`](super::AnswerCache).
    pub answers: Option<super::AnswerCache>,
}

/// How a client asks for a [trace](crate::trace) of its request: the
/// answer then carries `trace` beside `jsonGraph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Traces {
    /// Never: the header and the parameter are ignored (the default).
    #[default]
    Off,
    /// With the `Peregrine-Trace: 1` header. A trace shows the routes,
    /// loaders, timings and backend errors of the asker's own request, no
    /// data beyond its answer.
    Header,
    /// With the header, or `trace=1` in the request's parameters (handy
    /// in a browser's address bar; for development).
    HeaderOrParameter,
}

/// A folder of static files and the URL prefix it is served under.
#[derive(Debug, Clone)]
pub struct StaticFiles {
    /// The URL prefix, such as `/demo`: `/demo/app.js` is `dir/app.js`.
    pub prefix: String,
    /// The folder on disk.
    pub dir: PathBuf,
    /// The page answered for every path of the folder, and for
    /// [`Config::index_page`] when it lies in it, while the folder has no
    /// `index.html` (default none: 404). Checked at each request, so a
    /// folder built while the server runs is served without a restart.
    pub unbuilt: Option<Unbuilt>,
}

/// What pages not built yet answer instead, written at each request (it
/// may tell how a build under way is going).
#[derive(Clone)]
pub struct Unbuilt(pub Arc<dyn Fn() -> Placeholder + Send + Sync>);

/// The page [`Unbuilt`] answers.
#[derive(Debug, Clone)]
pub struct Placeholder {
    /// The page's HTML.
    pub html: String,
    /// Whether a build is under way: answered 202 (the page is coming),
    /// else 503 (someone must build it).
    pub building: bool,
}

impl fmt::Debug for Unbuilt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Unbuilt(..)")
    }
}

/// Makes a request's [`Context`] from its headers, or refuses it.
pub type ContextMaker = Arc<dyn Fn(&HeaderMap) -> Result<Context, super::Error> + Send + Sync>;

impl Default for Config {
    fn default() -> Config {
        Config {
            model_path: "/model.json".to_owned(),
            max_body_bytes: 1024 * 1024,
            max_url_bytes: 16 * 1024,
            request_timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(75),
            max_header_bytes: 64 * 1024,
            max_concurrent_requests: 512,
            cors_origins: Vec::new(),
            drain_delay: Duration::ZERO,
            static_files: Vec::new(),
            graphql: None,
            reload: None,
            route_files: None,
            graphiql: None,
            graphql_operations: None,
            context: Arc::new(|_headers| Ok(Context::new())),
            traces: Traces::default(),
            index_page: None,
            answers: None,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("model_path", &self.model_path)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_url_bytes", &self.max_url_bytes)
            .field("request_timeout", &self.request_timeout)
            .field("header_timeout", &self.header_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_header_bytes", &self.max_header_bytes)
            .field("max_concurrent_requests", &self.max_concurrent_requests)
            .field("cors_origins", &self.cors_origins)
            .field("drain_delay", &self.drain_delay)
            .field("static_files", &self.static_files)
            .field("graphql", &self.graphql)
            .field("graphiql", &self.graphiql)
            .field("traces", &self.traces)
            .field("index_page", &self.index_page)
            .field("answers", &self.answers)
            .finish_non_exhaustive()
    }
}
