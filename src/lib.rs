//! Peregrine: a virtual JSON Graph data API server.
//!
//! UIs ask one endpoint for exactly the data a screen needs, as path sets
//! into one graph (`genreLists[0..9][0..9]['title','rating']`); route
//! handlers fill the graph from backend services; the answer is one JSON
//! Graph envelope in Falcor's wire format.
//!
//! # Layout
//!
//! - [`path`]: keys, ranges, key sets, paths and path sets; the
//!   path-syntax parser and printer; count, expand, collapse and trees.
//! - [`graph`]: JSON Graph values (atoms, refs, errors), path values and
//!   envelopes; merging, reading through refs, optimizing paths and
//!   materializing what nothing filled.
//! - [`router`]: route patterns and handlers; get, set and call run in
//!   waves with ref following, precedence and limits.
//! - [`http`]: the axum application: Falcor's wire format at
//!   `/model.json`, limits, health, metrics, graceful shutdown.
//! - [`loader`]: batching, dedupe and in-flight sharing of backend
//!   calls, per scope (shared or one user's).
//! - [`upstream`]: backend services behind a circuit breaker, retries,
//!   a timeout and a bulkhead each.
//! - [`route_file`]: services and routes declared in TOML files,
//!   served without Rust.
//! - [`excerpt`]: what a client sent, cut short for an error message.
//! - [`graphql`]: GraphQL over the same graph: a schema whose fields
//!   map to graph paths, queries planned into router requests.
//! - [`trace`]: what one request did (waves, route calls, loads,
//!   batches, timings), when the client asks for it.
//! - [`telemetry`]: OpenTelemetry spans exported over OTLP/HTTP, and the
//!   trace context passed on to the services.
//!
//! # Example
//!
//! ```
//! use peregrine::graph::{Graph, PathValue, Value};
//! use peregrine::path::{Path, PathSet};
//!
//! // What route handlers answered, merged into one graph.
//! let mut graph = Graph::new();
//! graph.set(&PathSet::parse("genreLists[0]")?, Value::reference(Path::from_iter(["lists".into(), "list-17".into()])));
//! graph.set(&PathSet::parse("lists['list-17'].name")?, Value::from("Comedies"));
//!
//! // Reading a request out of it follows the ref; what nothing filled is
//! // materialized as an empty atom at its ref-resolved location.
//! let request = [PathSet::parse("genreLists[0]['name','length']")?];
//! graph.materialize(&request, 50)?;
//! assert_eq!(
//!     serde_json::to_value(&graph)?,
//!     serde_json::json!({
//!         "genreLists": {"0": {"$type": "ref", "value": ["lists", "list-17"]}},
//!         "lists": {"list-17": {"name": "Comedies", "length": {"$type": "atom"}}}
//!     })
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod excerpt;
pub mod graph;
pub mod graphql;
pub mod http;
pub mod loader;
pub mod path;
pub mod route_file;
pub mod router;
pub mod telemetry;
pub mod trace;
pub mod upstream;

/// The README's examples, run as doc tests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;

/// The examples of `docs/library.md`, run as doc tests so that they stay
/// true.
#[cfg(doctest)]
#[doc = include_str!("../docs/library.md")]
struct LibraryExamples;
