//! `Pool`: the HTTP/1.1 connections to backend services, kept open
//! between calls and shared by every upstream built on it.
//!
//! It is hyper-util's pooled client, not reqwest's: reqwest parses each
//! call's URL three times (its builder, its redirect layer and its
//! pending future, installed even with redirects off), which for the
//! hundred-id query strings of a home request was 4.7% of the server's
//! instructions, and its redirect, decompression and proxy layers are
//! nothing a backend call needs; moving here took 6.4% off a cache-off
//! GraphQL home request. The guards (timeout, bulkhead, retries,
//! breaker) are ours, around this client.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

/// How long an idle connection is kept before it is closed.
const IDLE_FOR: Duration = Duration::from_secs(90);

/// Connections to backend services (plain HTTP/1.1), shared by the
/// upstreams built on it. Cloning is cheap and shares the connections:
/// make one per process.
///
/// ```
/// use std::time::Duration;
/// use peregrine::upstream::Pool;
///
/// let pool = Pool::new(Duration::from_secs(2), 256);
/// # let _ = pool;
/// ```
#[derive(Clone, Debug)]
pub struct Pool {
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Pool {
    /// A pool that gives up connecting after `connect_timeout` (the
    /// attempt's own timeout also covers connecting) and keeps at most
    /// `idle_per_host` idle connections to each host.
    pub fn new(connect_timeout: Duration, idle_per_host: usize) -> Pool {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(connect_timeout));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(IDLE_FOR)
            .pool_max_idle_per_host(idle_per_host)
            .build(connector);
        Pool { client }
    }

    pub(super) fn client(&self) -> &Client<HttpConnector, Full<Bytes>> {
        &self.client
    }
}

impl Default for Pool {
    /// Connecting within 2 s, at most 256 idle connections per host.
    fn default() -> Pool {
        Pool::new(Duration::from_secs(2), 256)
    }
}
