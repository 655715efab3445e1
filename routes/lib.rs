//! The catalog domain of Peregrine's workload (`workload/CONTRACT.md`):
//! what a real deployment writes on top of the engine, here for the demo,
//! the tests and the benchmarks.
//!
//! # Layout
//!
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

use peregrine::http::ContextMaker;
use peregrine::router::{Context, Router};

pub mod backend;
pub mod client;
mod genre_lists;
mod lists;
mod loaders;
mod my_list;
mod videos;

pub use loaders::Loaders;

/// The catalog graph: every route of CONTRACT §3. Handlers read their
/// [`Loaders`] from the request context ([`context_maker`]).
pub fn router() -> Result<Router, peregrine::router::Error> {
    let builder = Router::builder();
    let builder = genre_lists::routes(builder);
    let builder = lists::routes(builder);
    let builder = videos::routes(builder);
    let builder = my_list::routes(builder);
    builder.build()
}

/// Makes each request's context: the user named by `Authorization:
/// Bearer u17` (development mode: the token is the user id, and anything
/// but `u` and digits is no user), and the process's one set of
/// [`Loaders`] over `clients`, so that concurrent requests share backend
/// calls in flight.
pub fn context_maker(clients: &client::Clients, cache: bool) -> ContextMaker {
    let base = Context::new().with(Loaders::new(clients, cache));
    Arc::new(move |headers| match user(headers) {
        Some(user) => base.clone().with_user(user),
        None => base.clone(),
    })
}

/// The user of `Authorization: Bearer u<digits>`.
fn user(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    let digits = token.strip_prefix('u')?;
    let valid =
        !digits.is_empty() && digits.len() <= 10 && digits.bytes().all(|b| b.is_ascii_digit());
    valid.then_some(token)
}
