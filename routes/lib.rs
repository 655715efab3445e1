//! The catalog domain of Peregrine's workload (`workload/CONTRACT.md`):
//! what a real deployment writes on top of the engine, here for the demo,
//! the tests and the benchmarks.
//!
//! # Layout
//!
//! - [`backend`]: the embedded demo backend, the four microservices of
//!   the contract over its deterministic data.
//! - The graph routes over those services, and the `peregrine` binary
//!   serving them (`main.rs`), come next; for now the binary serves the
//!   backend (`peregrine backend --port 9000`).

pub mod backend;
