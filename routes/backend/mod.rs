//! The embedded demo backend: the four microservices of the catalog
//! workload (`workload/CONTRACT.md` §2) over its generated data (§1), on
//! one axum router.
//!
//! It stands for the services a real deployment's routes would call, so
//! that the server, its tests and its benchmarks have something to call
//! with known data and a known cost per call. It knows nothing of the
//! graph or the engine: it speaks only the contract's HTTP.
//!
//! | service | calls |
//! | --- | --- |
//! | catalog | `GET /videos?ids=1,2,3` |
//! | lists | `GET /rows?user=u1`, `GET /lists?ids=list-17,list-3` |
//! | ratings | `GET /ratings?user=u1&ids=1,2,3`, `PUT /ratings?user=u1&id=5` `{"rating": 4.0}` |
//! | mylist | `GET /mylist?user=u1`, `POST /mylist?user=u1` `{"id": 5}`, `DELETE /mylist?user=u1&index=0` |
//! | all | `GET /_stats`, `POST /_stats/reset`, `GET /_faults`, `PUT /_faults` `{"fail_rate": 0.2, "slow_rate": 0, "slow_ms": 1000}` |
//!
//! Where the contract leaves a choice open, this backend:
//! - leaves unknown ids out of every answer, writes included: a `PUT
//!   /ratings` of an unknown video answers `{}` and stores nothing, a
//!   `POST /mylist` of one adds nothing and answers the length unchanged,
//!   and a `DELETE /mylist` past the end removes nothing;
//! - answers 400 `{"error": ...}` for a missing, repeated or malformed
//!   parameter, an unknown user, a body that is not the expected JSON and
//!   a rating outside `1..=5`;
//! - counts in `/_stats` every call a route received, malformed ones
//!   included, and as items the ids of an id list (with repeats) or 1 for
//!   a call about a single thing;
//! - sleeps before answering 503 for an injected failure.
//!
//! ```no_run
//! use peregrine_routes::backend::{self, Settings};
//!
//! # #[tokio::main]
//! # async fn main() -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! println!("listening on {}", listener.local_addr()?);
//! backend::serve(listener, Settings::default(), async {
//!     let _ = tokio::signal::ctrl_c().await;
//! })
//! .await
//! # }
//! ```

use std::future::Future;

pub mod data;
mod fault;
mod random;
mod service;
mod stats;
mod store;
mod words;

/// What the backend serves and how it behaves: the data's counts and
/// seed, and each call's latency and faults. The defaults are the
/// contract's.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The seed every piece of data is derived from (default 42).
    pub seed: u64,
    /// How many videos, ids `1..=videos` (default 10,000).
    pub videos: u32,
    /// How many lists, ids `list-1..=list-{lists}` (default 200).
    pub lists: u32,
    /// How many videos each list holds (default 75).
    pub list_length: usize,
    /// How many users, `u1..=u{users}` (default 1,000).
    pub users: u32,
    /// How many home rows each user has (default 40).
    pub rows_per_user: usize,
    /// The latency of every call, in milliseconds (default 2).
    pub latency_ms: u64,
    /// The latency added per id asked for, in microseconds (default 10).
    pub per_item_us: u64,
    /// The fraction of calls that answer 503 (default 0).
    pub fail_rate: f64,
    /// The fraction of calls that take `slow_ms` longer (default 0).
    pub slow_rate: f64,
    /// The extra latency of a slow call, in milliseconds (default 1,000).
    pub slow_ms: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            seed: 42,
            videos: 10_000,
            lists: 200,
            list_length: 75,
            users: 1_000,
            rows_per_user: 40,
            latency_ms: 2,
            per_item_us: 10,
            fail_rate: 0.0,
            slow_rate: 0.0,
            slow_ms: 1_000,
        }
    }
}

/// The four services and `/_stats` as one axum router, over data
/// generated from `settings` (a few milliseconds for the defaults).
/// Each call to `app` starts with fresh data, counters and user changes.
pub fn app(settings: Settings) -> axum::Router {
    service::router(&settings)
}

/// Serves [`app`] on `listener` until `shutdown` completes, then stops
/// taking connections and lets the calls in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(settings))
        .with_graceful_shutdown(shutdown)
        .await
}
