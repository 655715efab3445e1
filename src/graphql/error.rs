//! `graphql::Error`: why a schema could not be served, and where in its
//! SDL sources.

use std::fmt;

use super::sdl::Place;

/// Why SDL could not become a schema: what is wrong, and where when it
/// is in the text (`origin:line:column`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    place: Option<Place>,
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
    /// The types do not make a schema (an unknown type, no `Query`, a
    /// type or a field defined twice).
    Schema(String),
}

impl Error {
    pub(super) fn new(kind: ErrorKind) -> Error {
        Error { kind, place: None }
    }

    /// An error at `place` in a source.
    pub(super) fn at(kind: ErrorKind, place: Place) -> Error {
        Error {
            kind,
            place: Some(place),
        }
    }

    /// What kind of error it is.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Where it is in the sources, when it is at one place.
    pub fn place(&self) -> Option<&Place> {
        self.place.as_ref()
    }

    /// What is wrong, without the place.
    pub fn message(&self) -> String {
        match &self.kind {
            ErrorKind::Syntax(message) => format!("the GraphQL schema does not parse: {message}"),
            ErrorKind::Mapping { field, message } => format!("`{field}`: {message}"),
            ErrorKind::Schema(message) => format!("the GraphQL schema is not valid: {message}"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.place {
            Some(place) => write!(f, "{place}: {}", self.message()),
            None => f.write_str(&self.message()),
        }
    }
}

impl std::error::Error for Error {}
