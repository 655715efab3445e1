//! The router's error: a route table that cannot work, or a request that
//! fails as a whole.

use std::fmt;

use crate::graph;
use crate::path::{self, Path, PathSet};

/// Why a route table was refused or a whole request failed.
///
/// Handler failures in get and set are not errors: they become
/// `$type: "error"` values at the handler's paths, and the rest of the
/// answer still arrives. What fails a whole request is either the
/// request's fault ([`ErrorKind::is_bad_request`]: too many paths, a `null`
/// key, a call to a path no route serves, a set without values) or the
/// data's (a ref cycle, a failing call handler).
#[derive(Clone, PartialEq)]
pub struct Error {
    reason: Reason,
}

/// What exactly went wrong, with what the message names.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reason {
    /// A route pattern that does not parse.
    Pattern { route: String, source: path::Error },
    /// A route pattern no request can reach.
    EmptyPattern,
    /// A route pattern listing too many literal keys at one position.
    TooManyLiterals { route: String, limit: u64 },
    /// Two routes with the same precedence for the same method.
    Collision {
        method: &'static str,
        route: String,
        other: String,
    },
    /// A pattern served both by a source and by handlers.
    SourceAndHandler { route: String },
    /// More paths than the limit.
    TooManyPaths { count: u64, limit: u64 },
    /// A set of more values than the limit.
    TooManyValues { count: u64, limit: u64 },
    /// A `null` key in a requested path, at this position.
    NullKey { position: usize },
    /// A requested path longer than the limit.
    PathTooLong { length: usize, limit: usize },
    /// A path a call would read back (a suffix under the ref it returns,
    /// or one of its paths under the call path's parent) longer than the
    /// limit.
    ReadBackTooLong { length: usize, limit: usize },
    /// A call path that names no function or several.
    CallPathNotOne { path: PathSet, count: u64 },
    /// A set whose JSON Graph lacks a value at one of its paths.
    SetValueMissing { path: Path, why: &'static str },
    /// A call to a path that no call route serves.
    CallNotFound { path: PathSet },
    /// A call handler failed.
    CallFailed { route: String, message: String },
    /// A call handler refused what the caller sent.
    CallRejected { route: String, message: String },
    /// A call that needs a signed-in user was made without one.
    SignInRequired { route: String, message: String },
    /// A call handler returned an envelope without `paths`.
    CallEnvelopeWithoutPaths { route: String },
    /// A ref cycle, too long a chain of refs, or an inner reference.
    Graph(graph::Error),
    /// The request did not settle within the wave limit.
    TooManyWaves { limit: usize },
}

/// What kind of [`Error`] it is: a short, stable name for logs, metrics
/// and the `kind` of an HTTP error body ([`ErrorKind::name`]), and whose
/// fault it is ([`ErrorKind::is_bad_request`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A route pattern that does not parse, reaches nothing or lists too
    /// many literal keys.
    RoutePattern,
    /// Two routes of the same precedence for one method, or a pattern
    /// served both by a source and by handlers.
    RouteCollision,
    /// More paths than the limit.
    TooManyPaths,
    /// A set of more values than the limit.
    TooManyValues,
    /// A `null` key in a requested path.
    NullKey,
    /// A requested path (or one a call would read back) longer than the
    /// limit.
    PathTooLong,
    /// A call path that names no function or several.
    InvalidCallPath,
    /// A set whose JSON Graph lacks a value at one of its paths.
    SetValueMissing,
    /// A call to a path that no call route serves.
    CallNotFound,
    /// A call handler failed, or answered what a call may not.
    CallFailed,
    /// A call handler refused what the caller sent.
    CallRejected,
    /// A call that needs a signed-in user was made without one.
    SignInRequired,
    /// A ref cycle, too long a chain of refs, or an inner reference.
    Reference,
    /// The request did not settle within the wave limit.
    TooManyWaves,
}

impl ErrorKind {
    /// Its short, stable name (`too_many_paths`).
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::RoutePattern => "route_pattern",
            ErrorKind::RouteCollision => "route_collision",
            ErrorKind::TooManyPaths => "too_many_paths",
            ErrorKind::TooManyValues => "too_many_values",
            ErrorKind::NullKey => "null_key",
            ErrorKind::PathTooLong => "path_too_long",
            ErrorKind::InvalidCallPath => "invalid_call_path",
            ErrorKind::SetValueMissing => "set_value_missing",
            ErrorKind::CallNotFound => "call_not_found",
            ErrorKind::CallFailed => "call_failed",
            ErrorKind::CallRejected => "call_rejected",
            ErrorKind::SignInRequired => "unauthorized",
            ErrorKind::Reference => "reference",
            ErrorKind::TooManyWaves => "too_many_waves",
        }
    }

    /// Whether the request itself is at fault (an HTTP server answers
    /// 4xx): too many paths, a path too long, a `null` key, a set without
    /// a value for one of its paths, a call to a path no call route serves
    /// or that its handler refused ([`HandlerError::bad_request`](super::HandlerError::bad_request)).
    pub fn is_bad_request(self) -> bool {
        matches!(
            self,
            ErrorKind::TooManyPaths
                | ErrorKind::TooManyValues
                | ErrorKind::NullKey
                | ErrorKind::PathTooLong
                | ErrorKind::InvalidCallPath
                | ErrorKind::SetValueMissing
                | ErrorKind::CallNotFound
                | ErrorKind::CallRejected
        )
    }
}

impl Error {
    pub(crate) fn new(reason: Reason) -> Error {
        Error { reason }
    }

    /// What kind of error it is.
    pub fn kind(&self) -> ErrorKind {
        match self.reason {
            Reason::Pattern { .. } | Reason::EmptyPattern | Reason::TooManyLiterals { .. } => {
                ErrorKind::RoutePattern
            }
            Reason::Collision { .. } | Reason::SourceAndHandler { .. } => ErrorKind::RouteCollision,
            Reason::TooManyPaths { .. } => ErrorKind::TooManyPaths,
            Reason::TooManyValues { .. } => ErrorKind::TooManyValues,
            Reason::NullKey { .. } => ErrorKind::NullKey,
            Reason::PathTooLong { .. } | Reason::ReadBackTooLong { .. } => ErrorKind::PathTooLong,
            Reason::CallPathNotOne { .. } => ErrorKind::InvalidCallPath,
            Reason::SetValueMissing { .. } => ErrorKind::SetValueMissing,
            Reason::CallNotFound { .. } => ErrorKind::CallNotFound,
            Reason::CallFailed { .. } | Reason::CallEnvelopeWithoutPaths { .. } => {
                ErrorKind::CallFailed
            }
            Reason::CallRejected { .. } => ErrorKind::CallRejected,
            Reason::SignInRequired { .. } => ErrorKind::SignInRequired,
            Reason::Graph(_) => ErrorKind::Reference,
            Reason::TooManyWaves { .. } => ErrorKind::TooManyWaves,
        }
    }
}

impl From<graph::Error> for Error {
    fn from(err: graph::Error) -> Error {
        Error::new(Reason::Graph(err))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            Reason::Pattern { route, source } => write!(f, "route `{route}`: {source}"),
            Reason::EmptyPattern => f.write_str("a route pattern needs at least one key"),
            Reason::TooManyLiterals { route, limit } => write!(
                f,
                "route `{route}` lists more than {limit} literal keys at one position: \
                 use a token such as {{integers}} instead"
            ),
            Reason::Collision {
                method,
                route,
                other,
            } => write!(
                f,
                "the {method} routes `{other}` and `{route}` match the same paths with the same \
                 precedence (two routes cannot have the same precedence or path)"
            ),
            Reason::SourceAndHandler { route } => write!(
                f,
                "the route `{route}` is served by a source (a remote router) and by handlers: \
                 a source answers every path under its pattern, so give the handlers a longer one"
            ),
            Reason::TooManyPaths { count, limit } => write!(
                f,
                "the request asks for {count} paths, more than the limit of {limit} \
                 (maximum number of paths exceeded)"
            ),
            Reason::TooManyValues { count, limit } => write!(
                f,
                "the set writes {count} values, more than the limit of {limit} \
                 (max_set_values): send them in several requests"
            ),
            Reason::NullKey { position } => write!(
                f,
                "a requested path has null as its key at position {position}: \
                 null cannot name a member (send \"null\" for a member named so)"
            ),
            Reason::PathTooLong { length, limit } => write!(
                f,
                "a requested path has {length} keys, more than the limit of {limit} (max_path_length)"
            ),
            Reason::ReadBackTooLong { length, limit } => write!(
                f,
                "the call would read back a path of {length} keys (the call path, or its parent, \
                 and a path it asks back), more than the limit of {limit} (max_path_length): \
                 nothing was called"
            ),
            Reason::CallPathNotOne { path, count } => write!(
                f,
                "a call path names one function, and `{path}` names {count}"
            ),
            Reason::SetValueMissing { path, why } => {
                write!(
                    f,
                    "set: the jsonGraph has no value at `{path}`, one of its paths: {why}"
                )
            }
            Reason::CallNotFound { path } => {
                write!(f, "no call route serves `{path}` (function does not exist)")
            }
            Reason::CallFailed { route, message } => {
                write!(f, "the call handler of `{route}` failed: {message}")
            }
            Reason::CallRejected { route, message } => {
                write!(f, "`{route}` refused the call: {message}")
            }
            Reason::SignInRequired { route, message } => {
                write!(f, "`{route}` needs a signed-in user: {message}")
            }
            Reason::CallEnvelopeWithoutPaths { route } => write!(
                f,
                "the call handler of `{route}` returned a JSON Graph envelope without `paths`: \
                 a call must say which paths its JSON Graph answers"
            ),
            Reason::Graph(err) => err.fmt(f),
            Reason::TooManyWaves { limit } => write!(
                f,
                "the request did not settle after {limit} waves of route calls"
            ),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "router::Error({self})")
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.reason {
            Reason::Pattern { source, .. } => Some(source),
            Reason::Graph(err) => Some(err),
            _ => None,
        }
    }
}
