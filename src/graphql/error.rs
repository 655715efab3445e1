//! `graphql::Error`: why a schema could not be served.

use std::fmt;

/// Why an SDL file could not become a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
}

/// The kinds of [`Error`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The SDL does not parse.
    Syntax(String),
    /// A field's `@graph` mapping is missing or wrong.
    Mapping {
        /// `Type.field`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The types do not make a schema (an unknown type, no `Query`).
    Schema(String),
}

impl Error {
    pub(super) fn new(kind: ErrorKind) -> Error {
        Error { kind }
    }

    /// What kind of error it is.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Syntax(message) => write!(f, "the GraphQL schema does not parse: {message}"),
            ErrorKind::Mapping { field, message } => write!(f, "`{field}`: {message}"),
            ErrorKind::Schema(message) => write!(f, "the GraphQL schema is not valid: {message}"),
        }
    }
}

impl std::error::Error for Error {}
