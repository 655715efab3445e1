//! The catalog domain of Peregrine's workload (`workload/CONTRACT.md`):
//! what a real deployment writes on top of the engine, here for the demo,
//! the tests and the benchmarks.
//!
//! # Layout
//!
//! - [`auth`]: the user of a request, from a development token or a JWT.
//! - [`backend`]: the embedded demo backend, the four microservices of
//!   the contract over its deterministic data.
//! - [`client`]: typed clients of those services over one pooled HTTP
//!   client.
//! - [`Loaders`] (`loaders.rs`): one loader per backend read, shared by
//!   every request of the process.
//! - The graph of CONTRACT §3, one file per top-level key:
//!   `genre_lists.rs`, `lists.rs`, `videos.rs`, `my_list.rs`; [`router`]
//!   assembles them and [`context_maker`] gives each request its user and
//!   the loaders.
//! - `main.rs`: the `peregrine` binary (`peregrine demo`, `serve`,
//!   `backend`).

use std::path::PathBuf;
use std::sync::Arc;

use peregrine::http::{AnswerCache, ContextMaker};
use peregrine::loader::Writes;
use peregrine::route_file::{ServiceSettings, Sources};
use peregrine::router::{Builder, Context, Router};

pub mod auth;
pub mod backend;
pub mod client;
mod genre_lists;
mod lists;
mod loaders;
mod my_list;
mod videos;

pub use auth::{Auth, Jwt};
pub use client::{Endpoints, Guards};
pub use loaders::Loaders;

/// The catalog graph as route files (`routes/catalog/`), built into the
/// binary: each file's name, as errors and `GET /routes` show it, and its
/// text.
pub const CATALOG_FILES: [(&str, &str); 5] = [
    (
        "<catalog>/services.toml",
        include_str!("catalog/services.toml"),
    ),
    (
        "<catalog>/genre_lists.toml",
        include_str!("catalog/genre_lists.toml"),
    ),
    ("<catalog>/lists.toml", include_str!("catalog/lists.toml")),
    ("<catalog>/videos.toml", include_str!("catalog/videos.toml")),
    (
        "<catalog>/my_list.toml",
        include_str!("catalog/my_list.toml"),
    ),
];

/// `sources` with the catalog's route files ([`CATALOG_FILES`]) first,
/// their services at `endpoints` behind `guards`.
pub fn catalog_sources(mut sources: Sources, endpoints: &Endpoints, guards: &Guards) -> Sources {
    let embedded = CATALOG_FILES
        .iter()
        .map(|(name, text)| (PathBuf::from(name), Arc::<str>::from(*text)));
    sources.embedded = embedded.chain(sources.embedded).collect();
    let services = [
        ("catalog", &endpoints.catalog, &guards.catalog),
        ("lists", &endpoints.lists, &guards.lists),
        ("ratings", &endpoints.ratings, &guards.ratings),
        ("mylist", &endpoints.my_list, &guards.my_list),
    ];
    for (name, url, guard) in services {
        sources.services.insert(
            name.to_owned(),
            ServiceSettings {
                url: Some(url.clone()),
                guard: Some(guard.clone()),
            },
        );
    }
    sources
}

/// Makes each request's context from its token alone (see [`Auth`]):
/// what the catalog's route files need.
pub fn user_context(auth: Auth) -> ContextMaker {
    Arc::new(move |headers| {
        Ok(match auth.user(headers)? {
            Some(user) => Context::new().with_user(user),
            None => Context::new(),
        })
    })
}

/// The catalog graph's GraphQL types (`schema/catalog.graphql`), each
/// field mapped to its graph path: served at `/graphql` over [`router`].
pub const SCHEMA: &str = include_str!("../schema/catalog.graphql");

/// [`SCHEMA`] as the first source of the served schema, placed as
/// `schema/catalog.graphql`: the `*.graphql` files beside route files
/// extend it (see [`peregrine::route_file::Sources::schema`]).
pub fn schema() -> peregrine::graphql::Sdl {
    peregrine::graphql::Sdl::new("schema/catalog.graphql", SCHEMA)
}

/// The catalog graph: every route of CONTRACT §3. Handlers read their
/// [`Loaders`] from the request context ([`context_maker`]).
pub fn router() -> Result<Router, peregrine::router::Error> {
    builder().build()
}

/// The catalog's routes, to add more to (route files, say) before
/// building the router.
pub fn builder() -> Builder {
    let builder = Router::builder();
    let builder = genre_lists::routes(builder);
    let builder = lists::routes(builder);
    let builder = videos::routes(builder);
    my_list::routes(builder)
}

/// An answer cache of at most `max_bytes` over `loaders`: the loaders,
/// reporting their writes to it, and the cache, for
/// [`Config::answers`](peregrine::http::Config::answers). Every catalog
/// route reads through these loaders and answers by user and paths only,
/// which is what an answer cache needs.
pub fn answer_cache(loaders: Loaders, max_bytes: u64) -> (Loaders, AnswerCache) {
    let writes = Writes::new();
    let cache = AnswerCache::new(max_bytes, &writes);
    (loaders.with_writes(&writes), cache)
}

/// Makes each request's context: the user its token names (see
/// [`Auth`]; a token that is not valid is refused with 401), and the
/// process's one set of [`Loaders`] (built once, with
/// [`Loaders::new`]), so that concurrent requests share backend calls in
/// flight and one cache.
pub fn context_maker(loaders: Loaders, auth: Auth) -> ContextMaker {
    let base = Context::new().with(loaders);
    Arc::new(move |headers| {
        Ok(match auth.user(headers)? {
            Some(user) => base.clone().with_user(user),
            None => base.clone(),
        })
    })
}
