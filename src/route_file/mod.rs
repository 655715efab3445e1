//! Route files: the services and routes a team declares in TOML, served
//! without Rust and without rebuilding the server.
//!
//! The smallest route file:
//!
//! ```toml
//! [services.people]
//! url = "http://127.0.0.1:9100"          # "${NAME}" in a value expands an environment variable
//!
//! [[routes]]
//! pattern = "people[{integers:ids}]['name','born']"
//! get = { service = "people", path = "/people?ids={ids}" }  # {ids}: the ids of one batch, comma-separated
//! items = "/people"                        # JSON Pointer to the answer's map of id -> object ("" is the whole answer)
//! scope = "shared"                         # or "user": cached per user, {user} in the path is the signed-in user
//! ttl_secs = 300
//! ```
//!
//! The answer `{"people": {"1": {"name": "Ada", "born": 1815}}}` gives
//! `people[1].name = "Ada"`; an id or a field the service leaves out is an
//! empty atom; a failed call is an error at that route's paths only. The
//! whole format is in `docs/routes.md`.
//!
//! Each route reads through a [`Loader`](crate::loader::Loader) of its own
//! (batched per wave, shared in flight, cached by scope) and each service
//! is an [`Upstream`](crate::upstream::Upstream) with its guards, so what
//! the engine does for Rust handlers it does for declared routes.
//!
//! A set of files is loaded whole: [`Declared::load`] answers every
//! refusal it finds, each with its file, line and column, or routes that
//! are all good. It knows the router and the loaders; nothing of HTTP or
//! of any one domain.
//!
//! `*.graphql` files beside the TOML ones add types and root fields to
//! the server's GraphQL schema ([`Schema`]); [`Served`] is all a set of
//! files makes the server serve, built whole or refused.

mod answer;
mod cached;
mod call;
mod check;
mod declaration;
mod declare;
mod declare_call;
mod declare_get;
mod declare_remote;
mod declare_write;
mod error;
mod fill;
mod format;
mod item;
mod live;
mod load;
mod read;
mod remote;
mod route;
mod schema;
mod served;
mod service;
mod status;
mod template;
mod write;

use std::fmt;
use std::path::PathBuf;

pub use error::{Error, ErrorKind};
pub use live::{Live, ServiceSettings, Sources};
pub use remote::Authorization;
pub use schema::Schema;
pub use served::Served;

use std::sync::Arc;

use crate::router::{Builder, Router};

use load::{Loaded, Table};

/// What a set of route files declares, ready to be served.
#[derive(Clone)]
pub struct Declared {
    files: Vec<PathBuf>,
    table: Arc<Table>,
}

/// A declared route: a read (with its set, if any), a call, or a remote
/// router's part of the graph (the fallback's too).
#[derive(Debug, Clone)]
enum Routed {
    Get(route::Get),
    Call(call::Caller),
    Remote(remote::Routed),
}

impl Routed {
    fn pattern(&self) -> &str {
        match self {
            Routed::Get(get) => get.pattern(),
            Routed::Call(call) => call.pattern(),
            Routed::Remote(remote) => &remote.pattern,
        }
    }

    fn canonical(&self) -> &str {
        match self {
            Routed::Get(get) => get.canonical(),
            Routed::Call(call) => call.pattern(),
            Routed::Remote(remote) => &remote.canonical,
        }
    }

    fn add_to(&self, builder: Builder) -> Builder {
        match self {
            Routed::Get(get) => get.add_to(builder),
            Routed::Call(call) => call.add_to(builder),
            Routed::Remote(remote) => remote.add_to(builder),
        }
    }
}

/// One route as [`Declared::table`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Listed {
    /// The route's pattern.
    pub pattern: String,
    /// `get`, `get set` (a route whose values can be set too), `call`,
    /// or `remote` (a remote router's: get, set and call; the fallback's
    /// pattern is `(fallback)`).
    pub method: &'static str,
    /// The service it calls.
    pub service: String,
    /// `shared` or `user`.
    pub scope: &'static str,
    /// Where it is declared, `file:line:column`.
    pub place: String,
    /// Whether its file is built into the server (see
    /// [`Sources::embedded`]).
    pub embedded: bool,
}

impl Declared {
    /// Reads every `*.toml` file in the directories of `sources` (in
    /// each, by name), as [`Sources`] says. Answers every refusal found,
    /// or routes that are all good. Their loaders are on neither the
    /// tier and report to the writes of `sources`, if it has them.
    pub fn load(sources: &Sources) -> Result<Declared, Vec<Error>> {
        let files = load::files(sources)?;
        let table = load::load(&files, sources, None)?;
        Ok(Declared {
            files,
            table: Arc::new(table),
        })
    }

    /// Reads `dirs` again as [`Declared::load`] does, keeping the routes
    /// declared as before (with their loaders, and so their caches), and
    /// the services and loads declared as before.
    pub fn reload(&self, sources: &Sources) -> Result<Declared, Vec<Error>> {
        let files = load::files(sources)?;
        let table = load::load(&files, sources, Some(&self.table))?;
        Ok(Declared {
            files,
            table: Arc::new(table),
        })
    }

    /// Whether `other` declares the same routes from the same files: a
    /// reload that changed nothing (a file touched, a SIGHUP).
    fn same_as(&self, other: &Declared) -> bool {
        let (routes, others) = (&self.table.routes, &other.table.routes);
        self.files == other.files
            && routes.len() == others.len()
            && routes.iter().zip(others).all(|(new, old)| {
                new.kept && new.identity == old.identity && new.offset == old.offset
            })
    }

    /// The files read.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Each route: its pattern, method, service, scope and place.
    pub fn table(&self) -> Vec<Listed> {
        self.table
            .routes
            .iter()
            .map(|loaded| {
                let (method, service, user) = match &loaded.route {
                    Routed::Get(get) => {
                        let method = if get.is_set() { "get set" } else { "get" };
                        (method, get.service(), get.is_user())
                    }
                    Routed::Call(call) => ("call", call.service(), call.is_user()),
                    Routed::Remote(routed) => {
                        let remote = &routed.remote;
                        ("remote", remote.service().name(), remote.is_user())
                    }
                };
                Listed {
                    pattern: loaded.route.pattern().to_string(),
                    method,
                    service: service.to_string(),
                    scope: if user { "user" } else { "shared" },
                    place: loaded.source.place(loaded.offset),
                    embedded: self.table.embedded.contains(&loaded.source.path),
                }
            })
            .collect()
    }

    /// The names of the services declared, each with the file declaring
    /// it.
    pub(crate) fn services(&self) -> impl Iterator<Item = (&str, &std::path::Path)> {
        self.table
            .services
            .iter()
            .map(|service| (service.name.as_str(), service.file.as_path()))
    }

    /// How many routes there are.
    pub fn len(&self) -> usize {
        self.table.routes.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.table.routes.is_empty()
    }

    /// Adds the routes to `builder`.
    pub fn add_to(&self, builder: Builder) -> Builder {
        self.table
            .routes
            .iter()
            .fold(builder, |builder, loaded| loaded.route.add_to(builder))
    }

    /// Builds `builder` with these routes added: the router, or the
    /// refusal of the table, placed at the declared route it names (two
    /// routes serving the same paths, say).
    pub fn build(&self, builder: Builder) -> Result<Router, Vec<Error>> {
        self.add_to(builder).build().map_err(|error| {
            let message = error.to_string();
            // The router names the routes as written or as it prints them.
            let named: Vec<&Loaded> = self
                .table
                .routes
                .iter()
                .filter(|loaded| {
                    let route = &loaded.route;
                    [route.pattern(), route.canonical()]
                        .iter()
                        .any(|text| message.contains(&format!("`{text}`")))
                })
                .collect();
            let place = |loaded: &Loaded| loaded.source.place(loaded.offset);
            vec![match named.as_slice() {
                [] => Error::whole(
                    ErrorKind::Collision,
                    std::path::Path::new("(routes)"),
                    message,
                ),
                [only] => only.source.error(
                    ErrorKind::Collision,
                    only.offset,
                    format!("{message}; the other is one of the server's own routes"),
                ),
                // At the later one: the route that came to collide.
                [other, .., later] => later.source.error(
                    ErrorKind::Collision,
                    later.offset,
                    format!("{message}; the other is at {}", place(other)),
                ),
            }]
        })
    }
}

impl fmt::Debug for Declared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Declared")
            .field("files", &self.files)
            .field("routes", &self.table.routes.len())
            .finish()
    }
}
