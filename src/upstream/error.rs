//! `UpstreamError`: why a call to an upstream has no answer.

use std::fmt;

use crate::loader::LoadError;

/// Why a call to an upstream failed. The message names the upstream and
/// what happened, never its URL (messages may reach clients).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamError {
    kind: UpstreamErrorKind,
    message: String,
    /// Why, in words clients may see (a TLS failure's).
    reason: &'static str,
}

/// The kinds of [`UpstreamError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpstreamErrorKind {
    /// The circuit breaker is open: the call was not made.
    Open,
    /// The call (its last attempt) took longer than the timeout, waiting
    /// for a bulkhead slot or for the answer.
    TimedOut,
    /// The upstream answered a 5xx status.
    Status(u16),
    /// No answer: connection refused or broken, or an unreadable one.
    Transport,
    /// No TLS connection: the service's certificate was not accepted, or
    /// the handshake failed.
    Tls,
}

impl UpstreamError {
    pub(super) fn new(kind: UpstreamErrorKind, upstream: &str, what: impl fmt::Display) -> Self {
        UpstreamError {
            kind,
            message: format!("{upstream} service: {what}"),
            reason: "it failed",
        }
    }

    /// A TLS failure: `reason` in words that name no host.
    pub(super) fn tls(upstream: &str, what: impl fmt::Display, reason: &'static str) -> Self {
        UpstreamError {
            reason,
            ..UpstreamError::new(
                UpstreamErrorKind::Tls,
                upstream,
                format_args!("{what}: {reason}"),
            )
        }
    }

    /// Why it failed, in words that name no host (a TLS failure's reason;
    /// "it failed" for the others, whose messages say more).
    pub fn reason(&self) -> &'static str {
        self.reason
    }

    /// What kind of failure it was.
    pub fn kind(&self) -> UpstreamErrorKind {
        self.kind
    }

    /// Whether the call was refused without reaching the upstream (its
    /// breaker is open).
    pub fn is_refused(&self) -> bool {
        self.kind == UpstreamErrorKind::Open
    }

    /// What happened, naming the upstream.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for UpstreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UpstreamError {}

/// An upstream failure as the loaders report it: refused calls (breaker
/// open, bulkhead full) apart from timeouts and failures.
impl From<UpstreamError> for LoadError {
    fn from(error: UpstreamError) -> LoadError {
        match error.kind() {
            UpstreamErrorKind::TimedOut => LoadError::timed_out(error.message()),
            UpstreamErrorKind::Tls => LoadError::untrusted(error.reason()),
            _ if error.is_refused() => LoadError::unavailable(error.message()),
            _ => LoadError::backend(error.message()),
        }
    }
}

/// The reason in a service's error answer, `{"error": "..."}` as the
/// contract's services write it, cut to 200 characters; none when the
/// answer is not one.
pub fn reason(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Answer {
        error: String,
    }
    let Answer { error } = serde_json::from_slice(body).ok()?;
    Some(crate::excerpt::excerpt(&error, 200).into_owned())
}
