//! GraphQL over the same graph: a second front door to the router.
//!
//! The types come from SDL (the catalog's is `schema/catalog.graphql`)
//! whose fields say where they stand in the JSON Graph with
//! `@graph(path: "...")`, in path syntax relative to the parent object,
//! `{arg}` standing for an argument. Nothing of a domain is written here.
//! The SDL may come in several parts ([`Sdl`], `sdl.rs`): a team's file
//! adds its types, and root fields with `extend type Query { ... }`; an
//! error names the part, line and column. [`GraphQl::unserved`]
//! (`unserved.rs`) checks the schema against the router's patterns and
//! lists the fields no route serves.
//!
//! A query runs in three steps:
//!
//! 1. **Plan** (`plan.rs`): each root field's selection (fragments
//!    inlined, variables and argument defaults applied) becomes the path
//!    sets it needs, as a Falcor client would ask for them:
//!    `genreLists(from: 0, to: 9) { name videos { title } }` is
//!    `genreLists[0..9].name` and `genreLists[0..9][0..9].title`.
//! 2. **Get**: the router answers them like any Falcor request (waves,
//!    refs followed, loaders, cache, limits, the user's context), so a
//!    GraphQL query and the equivalent path sets cost the same backend
//!    calls.
//! 3. **Shape** (`executor.rs`): one walk over the answered JSON Graph
//!    writes the response's JSON text in selection order: objects are places in it
//!    (refs followed), lists are the paths a field's path set expands to
//!    (items with nothing there are left out), scalars are the values; a
//!    path holding an error is that field's error, and a null in a
//!    non-null place nulls the nearest nullable parent. (Mutations and
//!    introspection run through async-graphql's resolvers, `resolve.rs`,
//!    which shape the same way.)
//!
//! A key field (`@graph(key: true)`, as `Video.id`) has no path: it
//! answers its object's key, the last key of the ref followed to it or
//! the argument that named it (`videos[{id}]`), which the shaping walk
//! carries (normalized caches key objects by it and `__typename`); an
//! object reached neither way has no key of its own, and the field is an
//! error.
//!
//! A selection that asks for nothing under an object (only `__typename`
//! or key fields) asks for the object's first plain scalar field instead
//! (`title`), so that an object that exists answers its type and one
//! that does not is null.
//!
//! A mutation writes first, as a Falcor set (`@graph(set:, value:)`) or
//! call (`@graph(call:, arguments:)`) through the same routes, then reads
//! back its `path` like a query. Every root field's write and read-back
//! is checked against the router's limits before the first write
//! (`write.rs`), so a mutation that would be refused writes nothing.
//!
//! async-graphql does the parsing, validation and introspection (`execute.rs`
//! runs a request through it). Before it, `check.rs` refuses, each time
//! naming the limit: query text past `query_bytes` (before parsing),
//! aliases, depth (introspection fields not counted) and complexity
//! (every field, `__typename` and introspection's included, each time a
//! fragment spreads it), and `Int`s past 32 bits. A query answered before
//! (same text, operation name and variables) skips all of that: its
//! document is kept (`document_cache.rs`), weighed by an estimate of its memory.

mod check;
mod direct;
mod document_cache;
mod error;
mod execute;
mod executor;
mod mapping;
mod operations;
mod persisted;
mod plan;
mod prepared;
mod resolve;
mod response;
mod sdl;
mod selection;
#[cfg(test)]
mod tests;
mod unserved;
mod write;

pub use check::Limits;
pub use error::{Error, ErrorKind};
pub use execute::GraphQl;
pub(crate) use operations::sha256_hex;
pub use operations::{Operations, OperationsError, OperationsErrorKind};
pub use persisted::{PersistedError, PersistedErrorKind};
pub use response::Reply;
pub use sdl::{Place, Sdl};
pub use unserved::Unserved;
