//! The error of the graph module: a JSON Graph that cannot be read, or
//! refs that cannot be followed.

use std::fmt;

use crate::path::{Key, Path};

/// What went wrong reading or walking a JSON Graph, and where.
///
/// ```
/// use peregrine::graph::{ErrorKind, Graph};
/// use peregrine::path::PathSet;
///
/// let graph: Graph = serde_json::from_str(r#"{
///     "a": {"$type": "ref", "value": ["b"]},
///     "b": {"$type": "ref", "value": ["a"]}
/// }"#)?;
/// let err = graph.optimize(&[PathSet::parse("a.title")?], 5).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::CircularReference);
/// assert_eq!(
///     err.to_string(),
///     "circular reference: more than 5 refs in a row were followed from `a` \
///      (maximum reference following exceeded)"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    at: Path,
    kind: Reason,
}

/// What kind of [`Error`] it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input was not a valid JSON Graph.
    Invalid,
    /// More refs in a row were met than the hop limit allows (a cycle
    /// does that).
    CircularReference,
    /// A ref's target went through another ref.
    InnerReference,
}

/// What exactly went wrong, with what the message names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reason {
    /// JSON that is not a JSON Graph.
    Invalid(String),
    /// A chain of refs longer than the limit, as a cycle makes.
    CircularReference { limit: usize },
    /// A ref whose target path goes through another ref.
    InnerReference { inner: Path },
}

impl Error {
    pub(crate) fn at(at: &[Key], kind: Reason) -> Error {
        Error {
            at: Path::from(at.to_vec()),
            kind,
        }
    }

    /// The path where the problem was met.
    pub fn path(&self) -> &Path {
        &self.at
    }

    /// What kind of error it is.
    pub fn kind(&self) -> ErrorKind {
        match self.kind {
            Reason::Invalid(_) => ErrorKind::Invalid,
            Reason::CircularReference { .. } => ErrorKind::CircularReference,
            Reason::InnerReference { .. } => ErrorKind::InnerReference,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Reason::Invalid(message) if self.at.is_empty() => {
                write!(f, "invalid JSON Graph: {message}")
            }
            Reason::Invalid(message) => {
                write!(f, "invalid JSON Graph at `{}`: {message}", self.at)
            }
            Reason::CircularReference { limit } => write!(
                f,
                "circular reference: more than {limit} refs in a row were followed from `{}` \
                 (maximum reference following exceeded)",
                self.at
            ),
            Reason::InnerReference { inner } => write!(
                f,
                "the ref at `{}` points through another ref at `{inner}` \
                 (references with inner references are not allowed)",
                self.at
            ),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "graph::Error({self})")
    }
}

impl std::error::Error for Error {}
