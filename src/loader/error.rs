//! `LoadError`: why a key has no value.

use std::fmt;
use std::sync::Arc;

/// Why a load failed. Cheap to clone: one failing backend call gives the
/// same error to every caller whose keys were in it.
#[derive(Clone, PartialEq, Eq)]
pub struct LoadError {
    kind: LoadErrorKind,
    message: Arc<str>,
}

/// What kind of [`LoadError`] it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadErrorKind {
    /// The backend call failed (an error answer, a broken connection, a
    /// panicking batch function).
    Backend,
    /// The backend call took longer than its timeout.
    TimedOut,
    /// The load was refused before any backend was called.
    Refused,
    /// The backend was not called because it is failing or busy.
    Unavailable,
    /// The backend answered that the call was wrong (an HTTP 4xx).
    Rejected,
    /// The backend could not be reached over TLS.
    Untrusted,
}

impl LoadError {
    /// The backend call failed (an error answer, a broken connection, a
    /// panicking batch function).
    pub fn backend(message: impl Into<Arc<str>>) -> LoadError {
        LoadError::new(LoadErrorKind::Backend, message)
    }

    /// The backend call took longer than its timeout.
    pub fn timed_out(message: impl Into<Arc<str>>) -> LoadError {
        LoadError::new(LoadErrorKind::TimedOut, message)
    }

    /// The load was refused before any backend was called (for example
    /// one user's data asked for in the shared scope).
    pub fn refused(message: impl Into<Arc<str>>) -> LoadError {
        LoadError::new(LoadErrorKind::Refused, message)
    }

    /// The backend was not called because it is known to be failing or
    /// busy (its circuit breaker is open, its bulkhead full).
    pub fn unavailable(message: impl Into<Arc<str>>) -> LoadError {
        LoadError::new(LoadErrorKind::Unavailable, message)
    }

    /// The backend answered that the call was wrong (an HTTP 4xx): an
    /// unknown user, say. `message` is its reason, which clients may see.
    pub fn rejected(message: impl Into<Arc<str>>) -> LoadError {
        LoadError::new(LoadErrorKind::Rejected, message)
    }

    /// The backend could not be reached over TLS: `reason` says why in
    /// words that name no host ("its TLS certificate has expired"), which
    /// clients may see.
    pub fn untrusted(reason: impl Into<Arc<str>>) -> LoadError {
        LoadError::new(LoadErrorKind::Untrusted, reason)
    }

    fn new(kind: LoadErrorKind, message: impl Into<Arc<str>>) -> LoadError {
        LoadError {
            kind,
            message: message.into(),
        }
    }

    /// What kind of failure it is.
    pub fn kind(&self) -> LoadErrorKind {
        self.kind
    }

    /// What clients are told of this failure of `service`'s: the service
    /// and, in general terms, why (the log has the call and its error);
    /// when the service refused the call as wrong, its own reason.
    pub fn for_clients(&self, service: &str) -> String {
        let why = match self.kind {
            LoadErrorKind::Rejected => {
                return format!("{service} service refused the call: {}", self.message)
            }
            LoadErrorKind::Untrusted => {
                return format!("{service} service unavailable: {}", self.message)
            }
            LoadErrorKind::TimedOut => "it did not answer in time",
            LoadErrorKind::Unavailable => "it is failing, so calls to it are paused",
            LoadErrorKind::Backend | LoadErrorKind::Refused => "it failed",
        };
        format!("{service} service unavailable: {why}")
    }

    /// What went wrong, for logs and `$type: "error"` values.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Debug for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadError")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .finish()
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            LoadErrorKind::Backend => "backend failed",
            LoadErrorKind::TimedOut => "backend timed out",
            LoadErrorKind::Refused => "load refused",
            LoadErrorKind::Unavailable => "backend unavailable",
            LoadErrorKind::Rejected => "backend refused the call",
            LoadErrorKind::Untrusted => "backend not reached over TLS",
        };
        write!(f, "{what}: {}", self.message)
    }
}

impl std::error::Error for LoadError {}
