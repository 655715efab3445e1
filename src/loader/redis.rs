//! The Redis tier: a cache shared by every Peregrine instance, under each
//! instance's own.
//!
//! A loader with a tier ([`Loader::with_tier`](super::Loader::with_tier))
//! looks in Redis for the keys of a batch before calling its backend, and
//! writes what the backend answered to Redis (with the loader's TTL)
//! (after answering its callers); writes through the loader ([`prime`],
//! [`invalidate`]) update the Redis entries too, an invalidation by
//! leaving a short-lived tombstone (not a delete, so that a fill from a
//! backend call made before the write, which only writes absent keys,
//! cannot bring the old value back). So a value fetched through one
//! instance is a Redis hit on the others, and a write through one is seen
//! through the others.
//!
//! Redis must never fail a request: every operation is bounded by the
//! tier's timeout, and failures open a circuit breaker (the `redis`
//! upstream, see [`crate::upstream`]: half of the operations of the last
//! second failed, at least five) so that while Redis is down or slow the
//! loaders skip it at once and use the local tier and the backends. Fills
//! are written after the callers have their answer, so only reads are on
//! a request's path. A
//! warning is logged when the tier goes down and an info line when it is
//! back. While Redis is unreachable, writes cannot reach it: an entry
//! written before may be read by other instances until its TTL ends.
//!
//! Each instance's own (local) tier would still hold the old value after
//! a write through another instance; so writes also publish a notice (see
//! `redis/notice.rs`) on which the other instances drop their local entry.
//!
//! Entry keys are `{namespace}:{loader}:shared:{key}` and
//! `{namespace}:{loader}:user:{user}:{key}` (the key as JSON, the user
//! with `%` and `:` escaped), so one user's entries are only ever read in
//! that user's scope, as in the local tier. A value is stored as the
//! moment it expires (8 bytes, milliseconds since the Unix epoch) and its
//! JSON, so that the local tier keeps a value from Redis only for what is
//! left of its TTL (`remote.rs`).
//!
//! The tier is one Redis server ([`RedisTier::connect`]) or a Redis
//! Cluster ([`RedisTier::connect_cluster`]): `connection.rs` runs each
//! operation on either, `cluster.rs` keeps the connection to a cluster
//! and `nodes.rs` its nodes (where notices are heard).
//!
//! [`prime`]: super::Loader::prime
//! [`invalidate`]: super::Loader::invalidate

use std::collections::hash_map::RandomState;
use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

use crate::upstream::{Breaker, BreakerSettings};

use notice::{Listener, Listeners, Notice};

mod cluster;
mod connection;
mod nodes;
mod notice;
mod remote;
mod settings;

use connection::Connection;
use nodes::redact;
pub(super) use nodes::Nodes;
pub(super) use remote::{scope_named, Found, Remote};
pub use settings::{TierError, TierErrorKind, TierSettings};

/// A connection to the Redis server (or Redis Cluster) of the shared
/// tier. Cloning is cheap and clones share the connection; every loader of
/// a process uses one.
///
/// The connection is made lazily and remade after failures, so a server
/// starts (and serves, from its local tier) while Redis is down.
#[derive(Clone)]
pub struct RedisTier {
    inner: Arc<TierInner>,
}

struct TierInner {
    connection: Connection,
    settings: TierSettings,
    breaker: Breaker,
    down: AtomicBool,
    /// Where Redis is, without its password (for logs).
    url: String,
    /// This instance, in the notices it publishes.
    instance: String,
    /// `{namespace}:writes`
    channel: String,
    listeners: Arc<Listeners>,
    notices: tokio::task::AbortHandle,
}

impl Drop for TierInner {
    fn drop(&mut self) {
        self.notices.abort();
    }
}

impl RedisTier {
    /// A tier on the Redis server at `url` (`redis://127.0.0.1:6379`, or
    /// `rediss://` over TLS, checked against the system's roots or
    /// [`TierSettings::ca_pem`]). Must be called within a tokio runtime.
    /// Fails only for a URL that cannot be used; an unreachable server is
    /// not an error.
    pub fn connect(url: &str, settings: TierSettings) -> Result<RedisTier, TierError> {
        let shown = redact(url);
        install_tls_provider();
        let (connection, notices) =
            Connection::server(url, &settings).map_err(|error| TierError {
                kind: TierErrorKind::InvalidUrl,
                message: format!("invalid Redis URL `{shown}`: {error}"),
            })?;
        Ok(RedisTier::over(connection, notices, shown, settings))
    }

    /// A tier on a Redis Cluster: `url` is any node's
    /// (`redis://10.0.0.1:6379`; the other nodes are discovered), or
    /// several nodes' separated by commas, tried in turn until one
    /// answers. Nodes are `rediss://` over TLS, as for
    /// [`RedisTier::connect`], all with the same credentials. Must be
    /// called within a tokio runtime. Fails only for URLs that cannot be
    /// used; an unreachable cluster is not an error.
    pub fn connect_cluster(url: &str, settings: TierSettings) -> Result<RedisTier, TierError> {
        let (seeds, shown) = nodes::seeds(url, settings.ca_pem.is_some())?;
        install_tls_provider();
        let (connection, notices) =
            Connection::cluster(seeds, &settings).map_err(|error| TierError {
                kind: TierErrorKind::InvalidUrl,
                message: format!("invalid Redis Cluster URL `{shown}`: {error}"),
            })?;
        Ok(RedisTier::over(connection, notices, shown, settings))
    }

    /// The tier over `connection`, hearing the other instances' write
    /// notices from `notices`; `url` is where it is, for logs.
    fn over(
        connection: Connection,
        notices: notice::Source,
        url: String,
        settings: TierSettings,
    ) -> RedisTier {
        // Unique across machines (containers all run as pid 1) and within
        // a process (tests run several instances in one).
        static TIERS: AtomicU64 = AtomicU64::new(0);
        let instance = format!(
            "{:016x}-{}-{}",
            RandomState::new().build_hasher().finish(),
            std::process::id(),
            TIERS.fetch_add(1, Ordering::Relaxed)
        );
        let channel = format!("{}:writes", settings.namespace);
        let listeners = Arc::new(Listeners::default());
        let notices = tokio::spawn(notice::listen(
            notices,
            channel.clone(),
            instance.clone(),
            Arc::downgrade(&listeners),
        ))
        .abort_handle();
        // Opens when at least half of the operations of the last second
        // failed (five at least), so that a long run of successes does not
        // hold it closed into an outage; a trial after a second.
        let breaker_settings = BreakerSettings {
            window: Duration::from_secs(1),
            min_calls: 5,
            failure_ratio: 0.5,
            open_for: Duration::from_secs(1),
        };
        RedisTier {
            inner: Arc::new(TierInner {
                connection,
                breaker: Breaker::new("redis".into(), &breaker_settings),
                settings,
                down: AtomicBool::new(false),
                url,
                instance,
                channel,
                listeners,
                notices,
            }),
        }
    }

    /// Where the tier is: its URL (a cluster's, as given: one node's or
    /// several) without passwords, for logs.
    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// The tier's settings.
    pub fn settings(&self) -> &TierSettings {
        &self.inner.settings
    }

    /// Whether the tier is being skipped now (its breaker is open).
    pub fn is_down(&self) -> bool {
        self.inner.breaker.is_open()
    }

    /// Runs one operation within the timeout, unless the breaker is open;
    /// `None` when it was skipped or failed (warned once per outage).
    async fn run<T, F, Fut>(&self, what: &'static str, operation: F) -> Option<T>
    where
        F: FnOnce(Connection) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        self.run_within(what, self.inner.settings.timeout, operation)
            .await
    }

    /// As [`RedisTier::run`], within `timeout`.
    async fn run_within<T, F, Fut>(
        &self,
        what: &'static str,
        timeout: Duration,
        operation: F,
    ) -> Option<T>
    where
        F: FnOnce(Connection) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let inner = &self.inner;
        if !inner.breaker.permits() {
            metrics::counter!("peregrine_redis_skipped_total", "op" => what).increment(1);
            return None;
        }
        // A span in the request's trace (none for work outside one, such
        // as the fill after an answer went out).
        let span = match crate::telemetry::is_on() && !tracing::Span::current().is_none() {
            true => tracing::debug_span!(
                "redis",
                otel.kind = "client",
                db.system = "redis",
                db.operation = what,
                error = tracing::field::Empty,
                otel.status_code = tracing::field::Empty,
            ),
            false => tracing::Span::none(),
        };
        let done = tokio::time::timeout(timeout, operation(inner.connection.clone()))
            .instrument(span.clone())
            .await;
        let error = match done {
            Ok(Ok(value)) => {
                inner.breaker.record(true);
                if inner.down.swap(false, Ordering::Relaxed) {
                    tracing::info!(url = %inner.url, "Redis tier back: shared cache in use again");
                }
                return Some(value);
            }
            Ok(Err(error)) => error.to_string(),
            Err(_) => format!("no answer within {timeout:?}"),
        };
        inner.breaker.record(false);
        span.record("error", error.as_str());
        span.record("otel.status_code", "ERROR");
        metrics::counter!("peregrine_redis_errors_total", "op" => what).increment(1);
        if !inner.down.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                url = %inner.url,
                op = what,
                %error,
                "Redis tier unavailable: answering from the local cache and the backends"
            );
        } else {
            tracing::debug!(op = what, %error, "Redis operation failed");
        }
        None
    }

    /// Has `listener` drop `loader`'s local entries on the other
    /// instances' write notices (loaders are told apart by name).
    pub(super) fn listen(&self, loader: &str, listener: Listener) {
        self.inner.listeners.add(loader, listener);
    }

    /// A notice of a write to `key` (none: the whole scope) of `loader`
    /// in `scope` (as in entry keys), as published.
    fn notice(&self, loader: &str, scope: String, key: Option<String>) -> Vec<u8> {
        let notice = Notice {
            from: self.inner.instance.clone(),
            loader: loader.to_string(),
            scope,
            key,
        };
        serde_json::to_vec(&notice).unwrap_or_default()
    }

    async fn get(&self, keys: Vec<String>) -> Option<Vec<Option<Vec<u8>>>> {
        if keys.is_empty() {
            return Some(Vec::new());
        }
        self.run(
            "get",
            |mut connection| async move { connection.get(keys).await },
        )
        .await
    }

    /// Writes `entries`, each to expire in `ttl`; with `only_new`, entries
    /// already in Redis are kept (a fill must not overwrite what a write
    /// stored meanwhile). A write's `notice` is published after it.
    async fn put(
        &self,
        entries: Vec<(String, Vec<u8>)>,
        ttl: Duration,
        only_new: bool,
        notice: Option<Vec<u8>>,
    ) {
        if entries.is_empty() {
            return;
        }
        let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let channel = &self.inner.channel;
        self.run("put", |mut connection| async move {
            // After the write: an instance that hears it reads the new
            // value.
            let notice = notice.map(|notice| (channel.as_str(), notice));
            connection.put(entries, millis, only_new, notice).await
        })
        .await;
    }

    /// Publishes the write's `notice`, then deletes every key starting
    /// with `prefix`: a scan of the keyspace, for rare writes such as
    /// dropping one user's scope, so it may take up to 20 times the
    /// timeout. Unlike [`Remote::invalidate`] it leaves no tombstones: a
    /// fill from a call in flight during it can bring an old value back
    /// (for at most its TTL).
    async fn delete_prefix(&self, prefix: String, notice: Vec<u8>) {
        let channel = &self.inner.channel;
        // Published before the scan, so that other instances stop serving
        // their copies at once, and again after it, so that what they read
        // from Redis meanwhile (the entries not yet deleted) is dropped too.
        let first = notice.clone();
        self.run("publish", |mut connection| async move {
            connection.publish(channel, first).await
        })
        .await;
        let pattern = format!("{}*", glob_escape(&prefix));
        let timeout = self.inner.settings.timeout * 20;
        self.run_within("delete", timeout, |mut connection| async move {
            connection.delete_matching(&pattern).await
        })
        .await;
        self.run("publish", |mut connection| async move {
            connection.publish(channel, notice).await
        })
        .await;
    }
}

impl fmt::Debug for RedisTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTier")
            .field("url", &self.inner.url)
            .field("settings", &self.inner.settings)
            .field("down", &self.is_down())
            .finish()
    }
}

/// redis's TLS asks rustls for the process's provider.
fn install_tls_provider() {
    #[allow(deprecated)]
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// `text` matching itself in a Redis glob pattern.
fn glob_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_patterns_match_the_prefix_itself() {
        assert_eq!(glob_escape("p:user:a*[b]?"), "p:user:a\\*\\[b\\]\\?");
    }
}
