//! The error of the graph module: a JSON Graph that cannot be read, or
//! refs that cannot be followed.

use std::fmt;

use crate::path::{Key, Path};

/// What went wrong reading or walking a JSON Graph, and where.
///
/// ```
/// use peregrine::graph::Graph;
/// use peregrine::path::PathSet;
///
/// let graph: Graph = serde_json::from_str(r#"{
///     "a": {"$type": "ref", "value": ["b"]},
///     "b": {"$type": "ref", "value": ["a"]}
/// }"#)?;
/// let err = graph.optimize(&[PathSet::parse("a.title")?], 5).unwrap_err();
/// assert!(err.is_circular_reference());
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
    kind: ErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    /// JSON that is not a JSON Graph.
    Invalid(String),
    /// A chain of refs longer than the limit, as a cycle makes.
    CircularReference { limit: usize },
    /// A ref whose target path goes through another ref.
    InnerReference { inner: Path },
}

impl Error {
    pub(crate) fn at(at: &[Key], kind: ErrorKind) -> Error {
        Error {
            at: Path::from(at.to_vec()),
            kind,
        }
    }

    /// The path where the problem was met.
    pub fn path(&self) -> &Path {
        &self.at
    }

    /// Whether the input was not a valid JSON Graph.
    pub fn is_invalid(&self) -> bool {
        matches!(self.kind, ErrorKind::Invalid(_))
    }

    /// Whether more refs in a row were met than the hop limit allows.
    pub fn is_circular_reference(&self) -> bool {
        matches!(self.kind, ErrorKind::CircularReference { .. })
    }

    /// Whether a ref's target went through another ref.
    pub fn is_inner_reference(&self) -> bool {
        matches!(self.kind, ErrorKind::InnerReference { .. })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Invalid(message) if self.at.is_empty() => {
                write!(f, "invalid JSON Graph: {message}")
            }
            ErrorKind::Invalid(message) => {
                write!(f, "invalid JSON Graph at `{}`: {message}", self.at)
            }
            ErrorKind::CircularReference { limit } => write!(
                f,
                "circular reference: more than {limit} refs in a row were followed from `{}` \
                 (maximum reference following exceeded)",
                self.at
            ),
            ErrorKind::InnerReference { inner } => write!(
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
