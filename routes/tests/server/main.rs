//! The catalog server as it runs (`peregrine_routes::Server`, or the
//! `peregrine` binary itself), one module per area, in one test binary.
//! Tests that need the process to themselves stay binaries of their own:
//! `auth.rs`, `redis.rs` and `remote_routes/` read the logs of their own
//! thread; `overload.rs` and `redis_cluster.rs` measure time under load.

#[path = "../support/mod.rs"]
mod support;

mod add_a_route;
mod backend;
mod catalog;
mod faults;
mod first_run;
mod graphql;
mod http_caching;
mod quick_start;
mod route_file_writes;
mod route_files;
mod route_files_cli;
mod route_files_graphql;
mod rust_routes;
mod schema;
mod telemetry;
mod tls;
mod trace;
mod writes;
