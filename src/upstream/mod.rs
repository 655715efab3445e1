//! Upstreams: the backend services route handlers call, each behind a
//! timeout, a bulkhead, retries and a circuit breaker, so that a slow or
//! failing service degrades only the paths it serves.
//!
//! An [`Upstream`] is one service (say "ratings") over a shared [`Pool`]
//! of connections. Every call through [`Upstream::send`] passes, from
//! the outside in:
//!
//! 1. **Circuit breaker** (`failsafe`): while the service keeps failing,
//!    calls fail at once instead of waiting on it. Defaults as Hystrix:
//!    at least 20 calls in a 10 s window with at least half failing opens
//!    it; after 5 s one trial call is let through, and a success closes it.
//! 2. **Retries** (`tower::retry`), for idempotent reads only (GET,
//!    HEAD): one more attempt after a transport error, a timeout or a 5xx,
//!    drawn from a retry budget (at most 20 % of calls, plus 10 per
//!    second), so that retries never multiply the load on a service that
//!    is already failing.
//! 3. **Timeout** (`tower::timeout`) per attempt, 1 s by default.
//! 4. **Bulkhead** (`tower::limit`): at most 32 calls in flight to the
//!    service; past that a call waits for a slot. The whole call, waits
//!    and attempts, is bounded by the timeout times the attempts it may
//!    make, so a slow service holds at most 32 calls and the rest fail in
//!    bounded time instead of piling onto it. (Refusing
//!    at once, as Hystrix's semaphores do, refused ordinary bursts: 50
//!    users opening the app at once make 50 `/rows` calls.)
//!
//! Errors come back as [`UpstreamError`], with a [`kind`](UpstreamError::kind)
//! and a message that names the service, never its URL. Metrics, labelled
//! with the upstream's name: `peregrine_upstream_calls_total` (with an
//! `outcome`), `peregrine_upstream_retries_total` and
//! `peregrine_upstream_breaker_open` (1 while open).
//!
//! Failed calls are logged as warnings at most once per upstream every
//! 10 s, each line counting the failures not written since the last
//! ([`Upstream::warn`]): a failing service under load must not bury the
//! log before its breaker opens.
//!
//! The answer is read whole within the attempt's timeout, so a service
//! that sends its headers and then stalls times out like one that never
//! answers.
//!
//! ```
//! use std::time::Duration;
//! use peregrine::upstream::{Pool, Settings, Upstream};
//!
//! let pool = Pool::default();
//! let ratings = Upstream::new(
//!     "ratings",
//!     Settings { timeout: Duration::from_millis(500), ..Settings::default() },
//!     pool,
//! );
//! assert_eq!(ratings.name(), "ratings");
//! assert!(!ratings.is_open());
//! ```

mod breaker;
mod endpoint;
mod error;
mod guard;
mod pool;
mod retry;
mod settings;
mod trust;
mod warnings;

pub(crate) use warnings::Warnings;

pub(crate) use breaker::Breaker;
pub use endpoint::{endpoint, EndpointError, EndpointErrorKind};
pub use error::{reason, UpstreamError, UpstreamErrorKind};
pub use guard::Upstream;
pub use pool::Pool;
pub use settings::{BreakerSettings, Settings};
pub use trust::{Trust, TrustError, TrustErrorKind};
