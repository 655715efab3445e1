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
//! `notice.rs`) on which the other instances drop their local entry.
//!
//! Entry keys are `{namespace}:{loader}:shared:{key}` and
//! `{namespace}:{loader}:user:{user}:{key}` (the key as JSON, the user
//! with `%` and `:` escaped), so one user's entries are only ever read in
//! that user's scope, as in the local tier. A value is stored as the
//! moment it expires (8 bytes, milliseconds since the Unix epoch) and its
//! JSON, so that the local tier keeps a value from Redis only for what is
//! left of its TTL.
//!
//! [`prime`]: super::Loader::prime
//! [`invalidate`]: super::Loader::invalidate

use std::collections::hash_map::RandomState;
use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::aio::ConnectionManager;
use redis::AsyncCommands;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::time::Instant;

use crate::upstream::{Breaker, BreakerSettings};

use super::notice::{self, Listener, Listeners, Notice};
use super::Scope;

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
    /// is trusted by, instead of the system's roots (default none).
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
    kind: TierErrorKind,
    message: String,
}

/// What kind of [`TierError`] it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TierErrorKind {
    /// The Redis URL cannot be used (`redis://host:port/db` expected).
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

/// A connection to the Redis server of the shared tier. Cloning is cheap
/// and clones share the connection; every loader of a process uses one.
///
/// The connection is made lazily and remade after failures, so a server
/// starts (and serves, from its local tier) while Redis is down.
#[derive(Clone)]
pub struct RedisTier {
    inner: Arc<TierInner>,
}

struct TierInner {
    connection: ConnectionManager,
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
        let invalid = |error: redis::RedisError| TierError {
            kind: TierErrorKind::InvalidUrl,
            message: format!("invalid Redis URL `{shown}`: {error}"),
        };
        // redis's TLS asks rustls for the process's provider.
        #[allow(deprecated)]
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = match &settings.ca_pem {
            Some(pem) => redis::Client::build_with_tls(
                url,
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(pem.clone()),
                },
            ),
            None => redis::Client::open(url),
        }
        .map_err(invalid)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(settings.timeout))
            .set_response_timeout(Some(settings.timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        let connection =
            ConnectionManager::new_lazy_with_config(client.clone(), config).map_err(invalid)?;
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
            client,
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
        Ok(RedisTier {
            inner: Arc::new(TierInner {
                connection,
                breaker: Breaker::new("redis".into(), &breaker_settings),
                settings,
                down: AtomicBool::new(false),
                url: shown,
                instance,
                channel,
                listeners,
                notices,
            }),
        })
    }

    /// Where the tier is: its URL without a password, for logs.
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
        F: FnOnce(ConnectionManager) -> Fut,
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
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let inner = &self.inner;
        if !inner.breaker.permits() {
            metrics::counter!("peregrine_redis_skipped_total", "op" => what).increment(1);
            return None;
        }
        let done = tokio::time::timeout(timeout, operation(inner.connection.clone())).await;
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
        self.run("get", |mut connection| async move {
            connection.mget::<_, Vec<Option<Vec<u8>>>>(keys).await
        })
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
            let mut pipe = redis::pipe();
            for (key, value) in entries {
                let command = pipe.cmd("SET").arg(key).arg(value).arg("PX").arg(millis);
                if only_new {
                    command.arg("NX");
                }
                command.ignore();
            }
            // After the write: an instance that hears it reads the new
            // value.
            if let Some(notice) = notice {
                pipe.publish(channel, notice).ignore();
            }
            pipe.query_async::<()>(&mut connection).await
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
            connection.publish::<_, _, ()>(channel, first).await
        })
        .await;
        let pattern = format!("{}*", glob_escape(&prefix));
        let timeout = self.inner.settings.timeout * 20;
        self.run_within("delete", timeout, |mut connection| async move {
            let mut cursor: u64 = 0;
            loop {
                let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(&pattern)
                    .arg("COUNT")
                    .arg(1000)
                    .query_async(&mut connection)
                    .await?;
                if !keys.is_empty() {
                    connection.del::<_, ()>(keys).await?;
                }
                if next == 0 {
                    return Ok(());
                }
                cursor = next;
            }
        })
        .await;
        self.run("publish", |mut connection| async move {
            connection.publish::<_, _, ()>(channel, notice).await
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

/// One loader's use of the tier: its keys and values as Redis entries.
pub(super) struct Remote<K, V> {
    tier: RedisTier,
    loader: String,
    /// `{namespace}:{loader}:`
    prefix: String,
    key: fn(&K) -> Option<String>,
    encode: fn(&V) -> Option<Vec<u8>>,
    decode: fn(&[u8]) -> Option<V>,
}

/// A value read from Redis, and when it expires.
pub(super) struct Found<K, V> {
    pub(super) key: K,
    pub(super) value: V,
    pub(super) expires: Instant,
}

impl<K: Serialize, V: Serialize + DeserializeOwned> Remote<K, V> {
    pub(super) fn new(tier: RedisTier, loader: &str) -> Remote<K, V> {
        let prefix = format!("{}:{}:", tier.inner.settings.namespace, loader);
        Remote {
            tier,
            loader: loader.to_string(),
            prefix,
            key: |key| serde_json::to_string(key).ok(),
            encode: |value| serde_json::to_vec(value).ok(),
            decode: |bytes| serde_json::from_slice(bytes).ok(),
        }
    }
}

impl<K: Clone, V> Remote<K, V> {
    fn scope_prefix(&self, scope: &Scope) -> String {
        format!("{}{}:", self.prefix, scope_name(scope))
    }

    /// The Redis key of `key` in `scope`; none for a key that cannot be
    /// written as JSON (such a key never goes to Redis).
    fn entry_key(&self, scope: &Scope, key: &K) -> Option<String> {
        let mut entry = self.scope_prefix(scope);
        entry.push_str(&(self.key)(key)?);
        Some(entry)
    }

    /// A notice of a write to `key` (none: the whole scope) in `scope`.
    fn notice(&self, scope: &Scope, key: Option<&K>) -> Vec<u8> {
        let key = key.and_then(|key| (self.key)(key));
        self.tier.notice(&self.loader, scope_name(scope), key)
    }

    fn entry(&self, value: &V, expires_at: SystemTime) -> Option<Vec<u8>> {
        let millis = expires_at.duration_since(UNIX_EPOCH).map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        });
        let mut bytes = millis.to_be_bytes().to_vec();
        bytes.extend((self.encode)(value)?);
        Some(bytes)
    }

    /// The values of `keys` in `scope` that Redis holds and that have not
    /// expired; `None` when the tier was skipped or failed.
    pub(super) async fn read(&self, scope: &Scope, keys: &[K]) -> Option<Vec<Found<K, V>>> {
        let (keys, entry_keys): (Vec<&K>, Vec<String>) = keys
            .iter()
            .filter_map(|key| Some((key, self.entry_key(scope, key)?)))
            .unzip();
        let entries = self.tier.get(entry_keys).await?;
        let (now, clock) = (Instant::now(), SystemTime::now());
        let mut found = Vec::new();
        for (key, entry) in keys.into_iter().zip(entries) {
            // A tombstone (empty) is a miss.
            let Some(bytes) = entry else { continue };
            let Some((expires, json)) = bytes.split_first_chunk::<8>() else {
                continue;
            };
            let expires = UNIX_EPOCH + Duration::from_millis(u64::from_be_bytes(*expires));
            let Ok(left) = expires.duration_since(clock) else {
                continue;
            };
            // An entry this process cannot read (written by another
            // version, say) is a miss, and the next write replaces it.
            if let Some(value) = (self.decode)(json) {
                found.push(Found {
                    key: key.clone(),
                    value,
                    expires: now + left,
                });
            }
        }
        Some(found)
    }

    /// Writes what a backend answered, unless a write stored a newer value
    /// (or a tombstone) meanwhile.
    pub(super) async fn fill<'a>(
        &self,
        scope: &Scope,
        values: impl Iterator<Item = (&'a K, &'a V)>,
        ttl: Duration,
    ) where
        K: 'a,
        V: 'a,
    {
        let expires = SystemTime::now() + ttl;
        let entries = values
            .filter_map(|(key, value)| {
                Some((self.entry_key(scope, key)?, self.entry(value, expires)?))
            })
            .collect();
        self.tier.put(entries, ttl, true, None).await;
    }

    /// Stores `value` for `key`, replacing what Redis held, and tells the
    /// other instances.
    pub(super) async fn store(&self, scope: &Scope, key: &K, value: &V, ttl: Duration) {
        let (Some(entry_key), Some(entry)) = (
            self.entry_key(scope, key),
            self.entry(value, SystemTime::now() + ttl),
        ) else {
            return;
        };
        let notice = self.notice(scope, Some(key));
        self.tier
            .put(vec![(entry_key, entry)], ttl, false, Some(notice))
            .await;
    }

    /// Replaces the value of `key` with a tombstone, which reads as a miss
    /// and which fills do not overwrite, for [`TOMBSTONE`] (or the TTL if
    /// shorter), and tells the other instances.
    pub(super) async fn invalidate(&self, scope: &Scope, key: &K, ttl: Duration) {
        let Some(entry_key) = self.entry_key(scope, key) else {
            return;
        };
        let notice = self.notice(scope, Some(key));
        let ttl = ttl.min(TOMBSTONE);
        self.tier
            .put(vec![(entry_key, Vec::new())], ttl, false, Some(notice))
            .await;
    }

    /// Deletes every entry of `scope`, and tells the other instances.
    pub(super) async fn delete_scope(&self, scope: &Scope) {
        let notice = self.notice(scope, None);
        self.tier
            .delete_prefix(self.scope_prefix(scope), notice)
            .await;
    }
}

/// How long an invalidated key stays a tombstone: longer than a backend
/// call in flight during the write may take (the upstream bounds a call
/// by its timeout times its attempts, 2 s by default).
const TOMBSTONE: Duration = Duration::from_secs(5);

/// `url` without its password, for logs and errors.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://***@{host}{path}"),
        None => url.to_string(),
    }
}

/// A scope as a key part: `shared`, or `user:` and the escaped id.
fn scope_name(scope: &Scope) -> String {
    match scope.user_id() {
        None => "shared".to_string(),
        Some(user) => format!("user:{}", escape_user(user)),
    }
}

/// The scope a key part names ([`scope_name`]'s inverse).
pub(super) fn scope_named(name: &str) -> Option<Scope> {
    if name == "shared" {
        return Some(Scope::shared());
    }
    let user = name.strip_prefix("user:")?;
    Some(Scope::user(&unescape_user(user)))
}

fn unescape_user(user: &str) -> String {
    user.replace("%3A", ":").replace("%25", "%")
}

/// A user's id as a key part: `%` and `:` escaped, so that no id can
/// reach into another scope's keys.
fn escape_user(user: &str) -> String {
    user.replace('%', "%25").replace(':', "%3A")
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
    fn user_ids_cannot_reach_into_other_scopes() {
        assert_eq!(escape_user("u17"), "u17");
        assert_eq!(escape_user("a:shared:1"), "a%3Ashared%3A1");
        assert_eq!(escape_user("50%"), "50%25");
        for id in ["u17", "a:shared:1", "50%3A", "%"] {
            let scope = Scope::user(id);
            assert_eq!(scope_named(&scope_name(&scope)), Some(scope));
        }
        assert_eq!(scope_named("shared"), Some(Scope::shared()));
        assert_eq!(scope_named("other"), None);
    }

    #[test]
    fn passwords_never_reach_the_logs() {
        assert_eq!(
            redact("redis://:secret@cache:6379/0"),
            "redis://***@cache:6379/0"
        );
        assert_eq!(redact("redis://user:p@ss@cache"), "redis://***@cache");
        assert_eq!(redact("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
        assert_eq!(redact("unix:/run/redis.sock"), "unix:/run/redis.sock");
        assert_eq!(glob_escape("p:user:a*[b]?"), "p:user:a\\*\\[b\\]\\?");
    }
}
