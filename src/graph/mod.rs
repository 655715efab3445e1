//! JSON Graph: the values (primitives, atoms, refs, errors and their
//! metadata), the graph they form, path values and envelopes; merging
//! route output into one graph, reading path sets out of it through refs,
//! optimizing paths, and materializing empty atoms where nothing answered.
//!
//! This module knows paths ([`crate::path`]) but nothing of routes, HTTP or
//! backends.
//!
//! ```
//! use peregrine::graph::{Graph, PathValue, Value};
//! use peregrine::path::{Path, PathSet};
//!
//! let mut graph = Graph::new();
//! graph.merge_path_value(&PathValue::new(
//!     PathSet::parse("genreLists[0]")?,
//!     Value::reference(Path::from_iter(["lists".into(), "list-17".into()])),
//! ));
//! // Reading through the ref: the name is missing at its optimized place.
//! let reading = graph.read(&[PathSet::parse("genreLists[0].name")?], 50)?;
//! assert_eq!(reading.missing, [PathSet::parse("lists['list-17'].name")?]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod envelope;
mod error;
mod members;
mod metadata;
mod node;
mod read;
mod value;
mod write;

pub use envelope::{Envelope, PathValue};
pub use error::{Error, ErrorKind};
pub(crate) use node::kind_of;
pub use node::{Graph, Node};
pub use read::Reading;
pub use value::{Atom, ErrorValue, Metadata, Ref, Value};
pub(crate) use write::{number as write_number, string as write_string};
