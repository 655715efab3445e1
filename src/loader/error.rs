//! `LoadError`: why a key has no value.

use std::fmt;
use std::sync::Arc;

/// Why a load failed. Cheap to clone: one failing backend call gives the
/// same error to every caller whose keys were in it.
#[derive(Clone, PartialEq, Eq)]
pub struct LoadError {
    kind: Kind,
    message: Arc<str>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Backend,
    TimedOut,
    Refused,
    Unavailable,
    Rejected,
    Untrusted,
}

impl LoadError {
    /// The backend call failed (an error answer, a broken connection, a
    /// panicking batch function).
    pub fn backend(message: impl Into<Arc<str>>) -> LoadError {
        LoadError::new(Kind::Backend, message)
    }

    /// The backend call took longer than its timeout.
    pub fn timed_out(message: impl Into<Arc<str>>) -> LoadError {
        LoadError::new(Kind::TimedOut, message)
    }

    /// The load was refused before any backend was called (for example
    /// one user's data asked for in the shared scope).
    pub fn refused(message: impl Into<Arc<str>>) -> LoadError {
        LoadError::new(Kind::Refused, message)
    }

    /// The backend was not called because it is known to be failing or
    /// busy (its circuit breaker is open, its bulkhead full).
    pub fn unavailable(message: impl Into<Arc<str>>) -> LoadError {
        LoadError::new(Kind::Unavailable, message)
    }

    /// The backend answered that the call was wrong (an HTTP 4xx): an
    /// unknown user, say. `message` is its reason, which clients may see.
    pub fn rejected(message: impl Into<Arc<str>>) -> LoadError {
        LoadError::new(Kind::Rejected, message)
    }

    /// The backend could not be reached over TLS: `reason` says why in
    /// words that name no host ("its TLS certificate has expired"), which
    /// clients may see.
    pub fn untrusted(reason: impl Into<Arc<str>>) -> LoadError {
        LoadError::new(Kind::Untrusted, reason)
    }

    fn new(kind: Kind, message: impl Into<Arc<str>>) -> LoadError {
        LoadError {
            kind,
            message: message.into(),
        }
    }

    /// Whether the backend call failed.
    pub fn is_backend(&self) -> bool {
        self.kind == Kind::Backend
    }

    /// Whether the backend call timed out.
    pub fn is_timed_out(&self) -> bool {
        self.kind == Kind::TimedOut
    }

    /// Whether the load was refused without calling the backend.
    pub fn is_refused(&self) -> bool {
        self.kind == Kind::Refused
    }

    /// Whether the backend was not called because it is failing or busy.
    pub fn is_unavailable(&self) -> bool {
        self.kind == Kind::Unavailable
    }

    /// Whether the backend answered that the call was wrong.
    pub fn is_rejected(&self) -> bool {
        self.kind == Kind::Rejected
    }

    /// Whether the backend could not be reached over TLS (its
    /// certificate not accepted, the handshake failed).
    pub fn is_untrusted(&self) -> bool {
        self.kind == Kind::Untrusted
    }

    /// What clients are told of this failure of `service`'s: the service
    /// and, in general terms, why (the log has the call and its error);
    /// when the service refused the call as wrong, its own reason.
    pub fn for_clients(&self, service: &str) -> String {
        let why = match self.kind {
            Kind::Rejected => {
                return format!("{service} service refused the call: {}", self.message)
            }
            Kind::Untrusted => return format!("{service} service unavailable: {}", self.message),
            Kind::TimedOut => "it did not answer in time",
            Kind::Unavailable => "it is failing, so calls to it are paused",
            Kind::Backend | Kind::Refused => "it failed",
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
            Kind::Backend => "backend failed",
            Kind::TimedOut => "backend timed out",
            Kind::Refused => "load refused",
            Kind::Unavailable => "backend unavailable",
            Kind::Rejected => "backend refused the call",
            Kind::Untrusted => "backend not reached over TLS",
        };
        write!(f, "{what}: {}", self.message)
    }
}

impl std::error::Error for LoadError {}
