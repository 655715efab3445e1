//! The catalog domain of Peregrine's workload (`workload/CONTRACT.md`):
//! what a real deployment adds to the engine, here for the demo, the
//! tests and the benchmarks.
//!
//! # Layout
//!
//! - [`catalog`]: the graph of CONTRACT §3 as route files
//!   (`routes/catalog/*.toml`), built into the binary.
//! - [`services`]: where the four backend services answer and how each
//!   is guarded ([`Endpoints`], [`Guards`]).
//! - [`auth`]: the user of a request, from a development token or a JWT.
//! - [`backend`]: the embedded demo backend, the four microservices of
//!   the contract over its deterministic data.
//! - [`pages`]: the demo page, explorer and GraphiQL, built on first
//!   run when Node is there ([`Pages`]).
//! - [`server`]: the server the binary runs, assembled in one place
//!   ([`Server`]): the binary and the tests both use it.
//! - `schema/catalog.graphql`: the catalog's GraphQL types ([`SCHEMA`]).
//! - `main.rs` and `cli/`: the `peregrine` binary (`peregrine demo`,
//!   `serve`, `backend`, `routes`): flags into a [`Server`].

use std::sync::Arc;

use peregrine::http::ContextMaker;
use peregrine::route_file::Authorization;
use peregrine::router::Context;

pub mod auth;
pub mod backend;
pub mod catalog;
pub mod pages;
pub mod server;
pub mod services;

pub use auth::{Auth, Jwt};
pub use pages::Pages;
pub use server::Server;
pub use services::{Endpoints, Guards};

/// The catalog graph's GraphQL types (`schema/catalog.graphql`), each
/// field mapped to its graph path: served at `/graphql` over the
/// [`catalog`]'s routes.
pub const SCHEMA: &str = include_str!("../schema/catalog.graphql");

/// [`SCHEMA`] as the first source of the served schema, placed as
/// `schema/catalog.graphql`: the `*.graphql` files beside route files
/// extend it (see [`peregrine::route_file::Sources::schema`]).
pub fn schema() -> peregrine::graphql::Sdl {
    peregrine::graphql::Sdl::new("schema/catalog.graphql", SCHEMA)
}

/// Makes each request's context: the user its token names (see
/// [`Auth`]; a token that is not valid is refused with 401), and its
/// `Authorization` header, for the remote routers it may be forwarded to
/// ([`Authorization`]).
pub fn context_maker(auth: Auth) -> ContextMaker {
    Arc::new(move |headers| {
        let ctx = match auth.user(headers)? {
            Some(user) => Context::new().with_user(user),
            None => Context::new(),
        };
        Ok(match headers.get(http::header::AUTHORIZATION) {
            Some(header) => ctx.with(Authorization(header.clone())),
            None => ctx,
        })
    })
}
