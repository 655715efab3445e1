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

use std::sync::Arc;

use peregrine::http::{AnswerCache, ContextMaker};
use peregrine::loader::Writes;
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
pub use loaders::Loaders;

/// The catalog graph's GraphQL types (`schema/catalog.graphql`), each
/// field mapped to its graph path: served at `/graphql` over [`router`].
pub const SCHEMA: &str = include_str!("../schema/catalog.graphql");

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
