//! `Pool`: the HTTP/1.1 connections to backend services, kept open
//! between calls and shared by every upstream built on it.
//!
//! It is hyper-util's pooled client, not reqwest's: reqwest parses each
//! call's URL three times (costly for the hundred-id query strings of a
//! home request) and runs redirect, decompression and proxy layers no
//! backend call needs (docs/decisions/0008 has the measurements). The
//! guards (timeout, bulkhead, retries, breaker) are ours, around this
//! client.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use super::trust::Trust;

/// How long an idle connection is kept before it is closed.
const IDLE_FOR: Duration = Duration::from_secs(90);

/// Connections to backend services (HTTP/1.1, `http://` or `https://`
/// over rustls, checked against its [`Trust`]), shared by the upstreams
/// built on it. Cloning is cheap and shares the connections: make one
/// per process (and one per private CA a service alone trusts).
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
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    connect_timeout: Duration,
    idle_per_host: usize,
    trust: Trust,
}

impl Pool {
    /// A pool that gives up connecting after `connect_timeout` (the
    /// attempt's own timeout also covers connecting) and keeps at most
    /// `idle_per_host` idle connections to each host; `https://`
    /// services are checked against the system's roots.
    pub fn new(connect_timeout: Duration, idle_per_host: usize) -> Pool {
        Pool::with_trust(connect_timeout, idle_per_host, Trust::system())
    }

    /// As [`Pool::new`], checking `https://` services against `trust`.
    pub fn with_trust(connect_timeout: Duration, idle_per_host: usize, trust: Trust) -> Pool {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(connect_timeout));
        connector.set_nodelay(true);
        // `https` URIs go through TLS, the rest as they are.
        connector.enforce_http(false);
        let connector = HttpsConnectorBuilder::new()
            .with_tls_config(trust.client_config())
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(IDLE_FOR)
            .pool_max_idle_per_host(idle_per_host)
            .build(connector);
        Pool {
            client,
            connect_timeout,
            idle_per_host,
            trust,
        }
    }

    /// A pool like this one that also trusts `more`'s private CAs (a
    /// service's own `ca_file`); this one itself when `more` adds none.
    pub fn trusting(&self, more: &Trust) -> Pool {
        if !more.has_private_ca() {
            return self.clone();
        }
        let trust = self.trust.clone().and(more);
        Pool::with_trust(self.connect_timeout, self.idle_per_host, trust)
    }

    /// What its `https://` services are checked against.
    pub fn trust(&self) -> &Trust {
        &self.trust
    }

    pub(crate) fn client(&self) -> &Client<HttpsConnector<HttpConnector>, Full<Bytes>> {
        &self.client
    }
}

impl Default for Pool {
    /// Connecting within 2 s, at most 256 idle connections per host, the
    /// system's roots trusted.
    fn default() -> Pool {
        Pool::from_trust(Trust::system())
    }
}

impl Pool {
    /// The default pool (see [`Pool::default`]), checking `https://`
    /// services against `trust`.
    pub fn from_trust(trust: Trust) -> Pool {
        Pool::with_trust(Duration::from_secs(2), 256, trust)
    }
}
