//! How the tier is reached ([`TierSettings`]) and why it could not be
//! set up ([`TierError`]).

use std::fmt;
use std::time::Duration;

/// How the Redis tier is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierSettings {
    /// How long one Redis operation may take before the tier is skipped
    /// for it (default 50 ms: on a local network Redis answers in well
    /// under a millisecond).
    pub timeout: Duration,
    /// The prefix of every key, so that several deployments can share one
    /// Redis (default `peregrine`).
    pub namespace: String,
    /// A private certificate authority (PEM) that a `rediss://` server
    /// (every node, in a cluster) is trusted by, instead of the system's
    /// roots (default none).
    pub ca_pem: Option<Vec<u8>>,
}

impl Default for TierSettings {
    fn default() -> TierSettings {
        TierSettings {
            timeout: Duration::from_millis(50),
            namespace: "peregrine".to_string(),
            ca_pem: None,
        }
    }
}

/// Why the tier could not be set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierError {
    pub(super) kind: TierErrorKind,
    pub(super) message: String,
}

/// What kind of [`TierError`] it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TierErrorKind {
    /// The Redis URL, or a cluster node's, cannot be used
    /// (`redis://host:port/db` expected).
    InvalidUrl,
}

impl TierError {
    /// What kind of error it is.
    pub fn kind(&self) -> TierErrorKind {
        self.kind
    }
}

impl fmt::Display for TierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TierError {}
