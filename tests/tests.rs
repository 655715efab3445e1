//! The engine's integration tests: one test binary with a module per area,
//! so that the suite builds and links once (as ripgrep's `tests/tests.rs`).
//!
//! The conformance suite is a separate binary (`tests/conformance/`)
//! because it runs data-driven cases with its own harness.

mod graph;
mod http;
mod loader;
mod path;
mod router;
mod upstream;
