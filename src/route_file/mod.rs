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

mod check;
mod error;
mod format;
mod live;
mod load;
mod route;
mod service;
mod template;

use std::fmt;
use std::path::PathBuf;

pub use error::{Error, ErrorKind};
pub use live::{Live, Sources};

use crate::loader::{RedisTier, Writes};
use crate::router::{Builder, Router};

use load::{Declaration, Loaded};

/// What a set of route files declares, ready to be served.
#[derive(Clone)]
pub struct Declared {
    files: Vec<PathBuf>,
    services: Vec<Declaration>,
    routes: Vec<Loaded>,
}

/// One route as [`Declared::table`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Listed {
    /// The route's pattern.
    pub pattern: String,
    /// `get`.
    pub method: &'static str,
    /// The service it calls.
    pub service: String,
    /// `shared` or `user`.
    pub scope: &'static str,
    /// Where it is declared, `file:line:column`.
    pub place: String,
}

impl Declared {
    /// Reads every `*.toml` file in the directories of `sources` (in
    /// each, by name), as [`Sources`] says. Answers every refusal found,
    /// or routes that are all good. Their loaders are on neither the
    /// tier nor the writes of `sources`: see [`Declared::with_tier`].
    pub fn load(sources: &Sources) -> Result<Declared, Vec<Error>> {
        let files = load::files(&sources.dirs)?;
        let (services, routes) = load::load(&files, sources, (&[], &[]))?;
        Ok(Declared {
            files,
            services,
            routes,
        })
    }

    /// Reads `dirs` again as [`Declared::load`] does, keeping the routes
    /// declared as before (with their loaders, and so their caches). Give
    /// the result [`with_tier`](Declared::with_tier) and
    /// [`with_writes`](Declared::with_writes) as this was: they change
    /// only the new routes.
    pub fn reload(&self, sources: &Sources) -> Result<Declared, Vec<Error>> {
        let files = load::files(&sources.dirs)?;
        let (services, routes) = load::load(&files, sources, (&self.services, &self.routes))?;
        Ok(Declared {
            files,
            services,
            routes,
        })
    }

    /// Whether `other` declares the same routes from the same files: a
    /// reload that changed nothing (a file touched, a SIGHUP).
    fn same_as(&self, other: &Declared) -> bool {
        self.files == other.files
            && self.routes.len() == other.routes.len()
            && self.routes.iter().zip(&other.routes).all(|(new, old)| {
                new.kept && new.identity == old.identity && new.offset == old.offset
            })
    }

    /// The files read.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Each route: its pattern, method, service, scope and place.
    pub fn table(&self) -> Vec<Listed> {
        self.routes
            .iter()
            .map(|loaded| Listed {
                pattern: loaded.route.pattern().to_string(),
                method: "get",
                service: loaded.route.service().to_string(),
                scope: if loaded.route.is_user() {
                    "user"
                } else {
                    "shared"
                },
                place: loaded.source.place(loaded.offset),
            })
            .collect()
    }

    /// The same routes with their loaders over the Redis tier.
    pub fn with_tier(self, tier: &RedisTier) -> Declared {
        self.map(|route| route.with_tier(tier))
    }

    /// The same routes with their loaders reporting writes to `writes`
    /// (the answer cache's).
    pub fn with_writes(self, writes: &Writes) -> Declared {
        self.map(|route| route.with_writes(writes))
    }

    /// Changes each route that is new (not kept by a reload).
    fn map(self, change: impl Fn(&route::Get) -> route::Get) -> Declared {
        let routes = self
            .routes
            .into_iter()
            .map(|loaded| match loaded.kept {
                true => loaded,
                false => Loaded {
                    route: change(&loaded.route),
                    ..loaded
                },
            })
            .collect();
        Declared {
            files: self.files,
            services: self.services,
            routes,
        }
    }

    /// Adds the routes to `builder`.
    pub fn add_to(&self, builder: Builder) -> Builder {
        self.routes
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
            .field("routes", &self.routes.len())
            .finish()
    }
}
