//! `Loader`: asking a backend operation for keys, cached, batched and
//! shared.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use futures::future::{join_all, BoxFuture, FutureExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::time::Instant;

use crate::telemetry::{self, Origin};
use crate::trace::{self, BatchFigures, LoadFigures};
use tracing::field::Empty;
use tracing::Instrument;

use super::batch::{Answered, Batches, Launch, Outcome};
use super::cache::{Cache, Weigher};
use super::expiry::{self, Watch};
use super::loaded::Loaded;
use super::redis::{scope_named, Found, RedisTier, Remote};
use super::{LoadError, Scope, Settings, Writes};

type BatchFn<K, V> =
    Box<dyn Fn(Scope, Vec<K>) -> BoxFuture<'static, Result<KeyMap<K, V>, LoadError>> + Send + Sync>;

/// A map keyed by what requests ask for: hashed with foldhash, seeded
/// per map, rather than with std's SipHash, which (with the growing of
/// maps not sized up front) was 8% of the instructions of a cache-off
/// home request.
pub type KeyMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The loader of one backend operation: keys asked for at about the same
/// time become one call of its batch function, keys already being fetched
/// in the same scope are not asked again, and, when its settings give it a
/// cache ([`Settings::cache`]), keys fetched lately in the same scope are
/// answered from the cache.
///
/// Cloning is cheap and clones share their batches. Loads must run on a
/// tokio runtime: each backend call runs in a task of its own, so that a
/// cancelled request cannot cancel it for the others waiting on it.
///
/// ```
/// use std::collections::HashMap;
/// use peregrine::loader::{Loader, Scope, Settings};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let squares = Loader::new(Settings::new("squares"), |_scope, keys: Vec<u64>| async move {
///     Ok(keys.into_iter().map(|k| (k, k * k)).collect::<HashMap<_, _>>())
/// });
/// let (a, b) = futures::join!(
///     squares.load_many(Scope::shared(), [2, 3]),
///     squares.load_one(Scope::shared(), 3),
/// );
/// assert_eq!(a[&2], Ok(4));
/// assert_eq!(b, Ok(Some(9)));
/// # }
/// ```
pub struct Loader<K, V> {
    inner: Arc<Inner<K, V>>,
}

struct Inner<K, V> {
    settings: Settings,
    batch: BatchFn<K, V>,
    batches: Mutex<Batches<K, V>>,
    /// Filled only under the `batches` lock, so that a write (which
    /// forgets the calls in flight under the same lock) cannot be
    /// overwritten by an older answer.
    cache: Option<Cache<K, V>>,
    /// The shared tier under the cache, if the loader has one.
    remote: OnceLock<Remote<K, V>>,
    /// Where writes are reported, if anywhere.
    writes: OnceLock<Writes>,
}

impl<K, V> Loader<K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// A loader calling `batch` with a scope and distinct keys (at most
    /// the maximum batch size); `batch` answers the keys it found, as
    /// key-value pairs (a map, a vector, an iterator), and leaves out the
    /// ones that do not exist.
    pub fn new<F, Fut, Found>(settings: Settings, batch: F) -> Loader<K, V>
    where
        F: Fn(Scope, Vec<K>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Found, LoadError>> + Send + 'static,
        Found: IntoIterator<Item = (K, V)>,
    {
        Loader::with_weigher(settings, |_, _| 1, batch)
    }

    /// As [`Loader::new`], with the weight of each cached entry against
    /// the cache's maximum weight ([`Settings::cache`]): for example a
    /// list's length, or a value's size in bytes. [`Loader::new`] weighs
    /// every entry 1, so the maximum weight is a number of entries.
    pub fn with_weigher<W, F, Fut, Found>(settings: Settings, weigher: W, batch: F) -> Loader<K, V>
    where
        W: Fn(&K, &V) -> u32 + Send + Sync + 'static,
        F: Fn(Scope, Vec<K>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Found, LoadError>> + Send + 'static,
        Found: IntoIterator<Item = (K, V)>,
    {
        let weigher: Weigher<K, V> = Arc::new(weigher);
        let cache = settings
            .active_cache()
            .map(|limits| Cache::new(limits, weigher));
        Loader {
            inner: Arc::new(Inner {
                settings,
                batch: Box::new(move |scope, keys| {
                    let asked = keys.len();
                    batch(scope, keys)
                        .map(move |found| {
                            found.map(|found| {
                                let mut values = key_map(asked);
                                values.extend(found);
                                values
                            })
                        })
                        .boxed()
                }),
                batches: Mutex::new(Batches::new()),
                cache,
                remote: OnceLock::new(),
                writes: OnceLock::new(),
            }),
        }
    }

    /// Puts the shared Redis tier under the loader's cache (see
    /// [`RedisTier`]): a batch's keys are looked up in Redis before the
    /// backend is called, what the backend answers is written to Redis
    /// with the cache's TTL, and [`Loader::prime`] and
    /// [`Loader::invalidate`] update Redis too. Keys and values go to
    /// Redis as JSON.
    ///
    /// Writes through other instances reach this one as notices: the
    /// local entries they changed are dropped, so the new value is read.
    ///
    /// Only a loader whose cache is on uses a tier (the tier keeps values
    /// for the cache's TTL); a loader has at most one, the first given.
    pub fn with_tier(self, tier: &RedisTier) -> Loader<K, V>
    where
        K: Serialize + DeserializeOwned,
        V: Serialize + DeserializeOwned,
    {
        let name = self.inner.settings.tier_name();
        if self.inner.cache.is_none() || self.inner.remote.get().is_some() {
            return self;
        }
        let remote = Remote::new(tier.clone(), name);
        if self.inner.remote.set(remote).is_ok() {
            let inner = Arc::downgrade(&self.inner);
            tier.listen(
                name,
                Arc::new(move |scope: &str, key: Option<&str>| {
                    let (Some(inner), Some(scope)) = (inner.upgrade(), scope_named(scope)) else {
                        return;
                    };
                    match key.map(serde_json::from_str::<K>) {
                        None => inner.drop_local(&scope, None),
                        Some(Ok(key)) => inner.drop_local(&scope, Some(key)),
                        Some(Err(_)) => {
                            tracing::debug!("a write notice names a key this loader cannot read")
                        }
                    }
                }),
            );
        }
        self
    }

    /// Reports this loader's writes to `writes` (see [`Writes`]): each
    /// [`prime`](Loader::prime), [`invalidate`](Loader::invalidate) and
    /// [`invalidate_scope`](Loader::invalidate_scope), and each write
    /// notice from another instance, once the loader's own cache holds
    /// it. A loader reports to at most one, the first given.
    pub fn with_writes(self, writes: &Writes) -> Loader<K, V> {
        let _ = self.inner.writes.set(writes.clone());
        self
    }

    /// Loads `keys` in `scope`: each key the backend answered with its
    /// value, each key of a failed call with the call's error; keys the
    /// backend left out are absent. Each key comes once, in the order
    /// asked, those answered from the cache first (see [`Loaded`]). Keys
    /// cached in `scope` are answered from the cache; only the others go
    /// to the backend.
    ///
    /// A user-scoped loader refuses the shared scope: every key fails
    /// with a refused error and no backend is called.
    pub fn load_many<I>(
        &self,
        scope: Scope,
        keys: I,
    ) -> impl Future<Output = Loaded<K, V>> + Send + 'static
    where
        I: IntoIterator<Item = K>,
    {
        let keys = keys.into_iter();
        let mut seen = HashSet::with_capacity_and_hasher(
            keys.size_hint().0,
            foldhash::fast::RandomState::default(),
        );
        let keys: Vec<K> = keys.filter(|key| seen.insert(key.clone())).collect();
        let inner = Arc::clone(&self.inner);
        // Taken now, in the caller's task (the future may run elsewhere),
        // or else where the future first runs (it may be made before the
        // watch it runs in).
        let watch = expiry::current();
        async move {
            let watch = watch.or_else(expiry::current);
            let span = tracing::debug_span!(
                "load",
                loader = %inner.settings.name,
                keys = keys.len(),
                user = !scope.is_shared(),
                cache = Empty,
                local_hits = Empty,
                joined = Empty,
                batch_size = Empty,
                redis_hits = Empty,
            );
            inner.load(scope, keys, watch).instrument(span).await
        }
    }

    /// Loads one key: its value, `None` if the backend left it out, or the
    /// error of its call.
    pub fn load_one(
        &self,
        scope: Scope,
        key: K,
    ) -> impl Future<Output = Result<Option<V>, LoadError>> + Send + 'static {
        let loaded = self.load_many(scope, [key.clone()]);
        async move {
            let answer = loaded
                .await
                .into_iter()
                .find(|(answered, _)| *answered == key);
            answer.map(|(_, answer)| answer).transpose()
        }
    }

    /// The settings the loader was built with.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// How long a loaded value may be cached: what a route can put in
    /// `$expires` (as a negative, relative time) on the values it answers
    /// from this loader. `None` when the loader does not cache.
    pub fn cached_ttl(&self) -> Option<Duration> {
        self.inner.settings.cache_ttl()
    }

    /// Stores `value` as the value of `key` in `scope`, after a write that
    /// set it: later loads in `scope` answer it without a backend call.
    /// A call in flight for the key (which may answer the old value) is
    /// neither joined by later loads nor cached.
    ///
    /// Without a cache, or in the shared scope of a user-scoped loader
    /// (where nothing is ever loaded), it only forgets the call in flight.
    /// With a Redis tier, the value replaces Redis's too (awaited, within
    /// the tier's timeout), so other instances read it.
    ///
    /// Prime only with a value no other write can overtake (one that the
    /// key's single writer computed, say). After a write to a backend
    /// that other requests or instances may write too, call
    /// [`Loader::invalidate`] instead: two writes can reach the backend in
    /// one order and prime in the other, and the cache would then hold a
    /// value the backend does not.
    pub async fn prime(&self, scope: Scope, key: K, value: V) {
        let inner = &self.inner;
        let refused = inner.settings.user_scoped && scope.is_shared();
        if let (Some(remote), Some(ttl), false) =
            (inner.remote.get(), inner.settings.cache_ttl(), refused)
        {
            remote.store(&scope, &key, &value, ttl).await;
        }
        {
            let mut batches = inner.lock();
            batches.forget(&scope, &key);
            if let Some(cache) = &inner.cache {
                if !refused {
                    cache.insert(&scope, key, value);
                }
            }
        }
        // A refused prime wrote nothing.
        if !refused {
            inner.report(&scope);
        }
    }

    /// Drops the value of `key` in `scope`, after a write that changed it
    /// in a way the writer cannot prime: the next load calls the backend
    /// (and does not join a call that was in flight during the write).
    /// With a Redis tier, the Redis entry is deleted too.
    pub async fn invalidate(&self, scope: Scope, key: K) {
        let inner = &self.inner;
        if let (Some(remote), Some(ttl)) = (inner.remote.get(), inner.settings.cache_ttl()) {
            remote.invalidate(&scope, &key, ttl).await;
        }
        inner.drop_local(&scope, Some(key));
    }

    /// Drops the cached value of `key` in `scope` because it is past what
    /// it says of itself (a remote's `$expires`), not because of a
    /// write: the next load calls the backend, and nothing is reported
    /// to the loader's [`Writes`] (answers kept with it end by their own
    /// expiry).
    pub fn expire(&self, scope: &Scope, key: &K) {
        let inner = &self.inner;
        let mut batches = inner.lock();
        batches.forget(scope, key);
        if let Some(cache) = &inner.cache {
            cache.invalidate(scope, key);
        }
    }

    /// Drops every value of `scope` (say, one user's after a change to the
    /// user's list); other scopes keep theirs. With a Redis tier, the
    /// scope's Redis entries are deleted too (a scan of Redis's keys: meant
    /// for rare writes).
    pub async fn invalidate_scope(&self, scope: Scope) {
        let inner = &self.inner;
        if let Some(remote) = inner.remote.get() {
            remote.delete_scope(&scope).await;
        }
        inner.drop_local(&scope, None);
    }

    /// How many entries the cache holds, and their total weight, once the
    /// cache's pending evictions and expiries have run; `(0, 0)` without a
    /// cache. For metrics and tests.
    pub fn cached_size(&self) -> (u64, u64) {
        self.inner
            .cache
            .as_ref()
            .map_or((0, 0), |cache| cache.size())
    }

    /// Whether no key is waiting for a batch or in flight: every entry
    /// of a finished or abandoned load is gone.
    pub fn is_idle(&self) -> bool {
        self.inner.lock().is_idle()
    }
}

impl<K, V> Inner<K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// Forgets `key` (none: every key) of `scope` in this instance: the
    /// call in flight and the local entry; then reports the write. What
    /// an invalidation does here, and what other instances' writes do.
    fn drop_local(&self, scope: &Scope, key: Option<K>) {
        {
            let mut batches = self.lock();
            match key {
                Some(key) => {
                    batches.forget(scope, &key);
                    if let Some(cache) = &self.cache {
                        cache.invalidate(scope, &key);
                    }
                }
                None => {
                    batches.forget_scope(scope);
                    if let Some(cache) = &self.cache {
                        cache.invalidate_scope(scope);
                    }
                }
            }
        }
        self.report(scope);
    }

    /// Tells the loader's [`Writes`], if any, of a write in `scope` (out
    /// of the lock: hooks may take locks of their own).
    fn report(&self, scope: &Scope) {
        if let Some(writes) = self.writes.get() {
            writes.wrote(scope);
        }
    }

    fn lock(&self) -> MutexGuard<'_, Batches<K, V>> {
        // The lock is never held across user code, so a poisoned lock
        // still holds consistent state.
        self.batches.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Loads `keys` in `scope`, noting what it read into `watch`.
    async fn load(
        self: Arc<Self>,
        scope: Scope,
        keys: Vec<K>,
        watch: Option<Watch>,
    ) -> Loaded<K, V> {
        let settings = &self.settings;
        if keys.is_empty() {
            return Loaded::default();
        }
        // Without a cache, or without reporting its writes, nothing says
        // how long what it reads stays true.
        let watch = match watch {
            Some(watch) if self.cache.is_none() || self.writes.get().is_none() => {
                watch.unkept();
                None
            }
            watch => watch,
        };
        if settings.user_scoped && scope.is_shared() {
            if let Some(watch) = &watch {
                watch.unkept();
            }
            let refused = LoadError::refused(format!(
                "loader {} is user-scoped: it needs a user",
                settings.name
            ));
            return keys
                .into_iter()
                .map(|key| (key, Err(refused.clone())))
                .collect();
        }
        let traced = trace::current().map(|current| (current, std::time::Instant::now()));
        let Some(cache) = &self.cache else {
            return self.fetch(scope, keys, Vec::new(), traced, None).await;
        };
        let lookup = cache.lookup(&scope, keys);
        if let (Some(watch), Some(earliest)) = (&watch, lookup.earliest) {
            watch.noted(&scope, earliest);
        }
        if lookup.misses.is_empty() {
            let hits = lookup.hits.len();
            Cache::<K, V>::count(&settings.name, &scope, hits, 0);
            let figures = LoadFigures {
                keys: hits,
                local_hits: hits,
                joined: 0,
            };
            record_load(traced, &settings.name, &scope, figures);
            return lookup
                .hits
                .into_iter()
                .map(|(key, value)| (key, Ok(value)))
                .collect();
        }
        self.fetch(scope, lookup.misses, lookup.hits, traced, watch)
            .await
    }

    /// Loads `keys` through batches and calls in flight, answering `hits`
    /// (values already found in the cache) with them; records the load in
    /// the request's trace when `traced`, and how long what it read stays
    /// cached in `watch`.
    async fn fetch(
        self: Arc<Self>,
        scope: Scope,
        keys: Vec<K>,
        mut hits: Vec<(K, V)>,
        traced: Traced,
        watch: Option<Watch>,
    ) -> Loaded<K, V> {
        let settings = &self.settings;
        let asked = keys.len();
        let all_keys = asked + hits.len();
        let mut enqueued = self.lock().enqueue(
            &scope,
            keys,
            settings.max_batch_size,
            Instant::now() + settings.window,
            |key| {
                let (value, expires) = self.cache.as_ref()?.get(&scope, key)?;
                if let Some(watch) = &watch {
                    watch.noted(&scope, expires);
                }
                Some(value)
            },
        );
        if self.cache.is_some() {
            let late = enqueued.cached.len();
            Cache::<K, V>::count(&settings.name, &scope, hits.len() + late, asked - late);
            hits.append(&mut enqueued.cached);
        }
        if enqueued.shared > 0 {
            metrics::counter!("peregrine_backend_keys_shared_total", "loader" => settings.name.clone()).increment(enqueued.shared);
        }
        for launch in enqueued.launches {
            self.launch(launch);
        }
        if let Some((id, fire_at)) = enqueued.waiting {
            // Leaves the batch if this caller is dropped while waiting.
            let waiter = Waiter {
                inner: &self,
                scope: &scope,
                id,
            };
            if settings.window.is_zero() {
                for _ in 0..settings.yields {
                    tokio::task::yield_now().await;
                }
            } else {
                tokio::time::sleep_until(fire_at).await;
            }
            let launch = self.lock().fire(&scope, id);
            drop(waiter);
            if let Some(launch) = launch {
                self.launch(launch);
            }
        }
        let outcomes: KeyMap<_, _> = join_all(
            enqueued
                .handles
                .into_iter()
                .map(|(id, handle)| async move { (id, handle.await) }),
        )
        .await
        .into_iter()
        .collect();
        let figures = LoadFigures {
            keys: all_keys,
            local_hits: hits.len(),
            joined: usize::try_from(enqueued.shared).unwrap_or(usize::MAX),
        };
        record_load(traced, &settings.name, &scope, figures);
        if let (Some(watch), Some(cache)) = (&watch, &self.cache) {
            // The call filled the cache before answering: how long what
            // it answered stays there (a key it left out, or one a write
            // dropped meanwhile, is not kept).
            for (key, _) in &enqueued.keys {
                match cache.expiry(&scope, key) {
                    Some(expires) => watch.noted(&scope, expires),
                    None => watch.unkept(),
                }
            }
        }
        let mut loaded = Loaded::with_capacity(enqueued.keys.len() + hits.len());
        for (key, value) in hits {
            loaded.push(key, Ok(value));
        }
        // Keys of one batch come one after another: its outcome is looked
        // up once for them.
        let mut batch: Option<(u64, Option<&Outcome<K, V>>)> = None;
        for (key, id) in enqueued.keys {
            let outcome = match batch {
                Some((last, outcome)) if last == id => outcome,
                _ => {
                    let outcome = outcomes.get(&id);
                    batch = Some((id, outcome));
                    outcome
                }
            };
            let answer = outcome.and_then(|outcome| outcome.get(&key));
            match answer {
                Some(Ok(value)) => {
                    loaded.push(key, Ok(value.clone()));
                }
                Some(Err(error)) => {
                    loaded.push(key, Err(error.clone()));
                }
                None => {}
            }
        }
        loaded
    }

    /// Starts a fired batch's backend call in a task of its own.
    fn launch(self: &Arc<Self>, launch: Launch<K, V>) {
        let inner = Arc::clone(self);
        // The request (and route call) that fired the batch, if traced;
        // the load that fired it, and its request.
        let traced = trace::current();
        let span = match telemetry::is_on() {
            true => tracing::Span::current(),
            false => tracing::Span::none(),
        };
        span.record("batch_size", launch.keys.len());
        let origin = Origin::current();
        tokio::spawn(Origin::maybe_within(origin, async move {
            let started = std::time::Instant::now();
            let Launch {
                scope,
                id,
                keys,
                sender,
            } = launch;
            let name = &inner.settings.name;
            // Takes the keys out of flight however the call ends, even if
            // the task is dropped with its runtime, and caches the answer
            // when there is one.
            let mut finish = Finish {
                inner: &inner,
                scope: &scope,
                id,
                keys: &keys,
                outcome: None,
                expiries: KeyMap::default(),
            };
            let (found, asked) = match inner.remote.get() {
                Some(remote) => {
                    let read = inner.read_remote(remote, &scope, keys.clone());
                    read.instrument(span.clone()).await
                }
                None => (Vec::new(), keys.clone()),
            };
            let redis_hits = found.len();
            span.record("redis_hits", redis_hits);
            let answered = if asked.is_empty() {
                Ok(Ok(KeyMap::default()))
            } else {
                metrics::counter!("peregrine_backend_calls_total", "loader" => name.clone())
                    .increment(1);
                metrics::histogram!("peregrine_backend_batch_size", "loader" => name.clone())
                    .record(asked.len() as f64);
                inner
                    .call(scope.clone(), asked)
                    .instrument(span.clone())
                    .await
            };
            // The load's span ends with the load, not with the fill.
            drop(span);
            let answered = answered.unwrap_or_else(|_| {
                Err(LoadError::backend(format!(
                    "{name}: the batch function panicked"
                )))
            });
            // Values from Redis stand even when the backend call failed.
            let (mut values, failed) = match answered {
                Ok(values) => (values, None),
                Err(error) => (KeyMap::default(), Some(error)),
            };
            // What the backend answered goes to Redis, for the keys no
            // write has changed since the call began (a write from now on
            // leaves Redis a value or a tombstone, which the fill's `NX`
            // does not overwrite).
            let fill: Vec<(K, V)> = match inner.remote.get() {
                None => Vec::new(),
                Some(_) => {
                    let batches = inner.lock();
                    values
                        .iter()
                        .filter(|(key, _)| batches.is_current(&scope, id, key))
                        .map(|(key, value)| (key.clone(), value.clone()))
                        .collect()
                }
            };
            for found in found {
                finish.expiries.insert(found.key.clone(), found.expires);
                values.insert(found.key, found.value);
            }
            if let Some(current) = traced {
                let figures = BatchFigures {
                    keys: keys.len(),
                    redis_hits,
                };
                let error = failed.as_ref().map(ToString::to_string);
                current.trace.batch(
                    current.route,
                    name,
                    !scope.is_shared(),
                    figures,
                    started,
                    error,
                );
            }
            let outcome = Arc::new(Answered { values, failed });
            finish.outcome = Some(Arc::clone(&outcome));
            drop(finish);
            // Nobody may be waiting any more; that is fine.
            let _ = sender.send(outcome);
            // Off the callers' path.
            if let (Some(remote), Some(ttl)) = (inner.remote.get(), inner.settings.cache_ttl()) {
                let entries = fill.iter().map(|(key, value)| (key, value));
                remote.fill(&scope, entries, ttl).await;
            }
        }));
    }

    /// Calls the batch function for `keys`, within the loader's timeout;
    /// `Err` if it panicked.
    async fn call(
        &self,
        scope: Scope,
        keys: Vec<K>,
    ) -> Result<Result<KeyMap<K, V>, LoadError>, Box<dyn std::any::Any + Send>> {
        let name = &self.settings.name;
        let call = AssertUnwindSafe((self.batch)(scope, keys)).catch_unwind();
        match self.settings.timeout {
            None => call.await,
            Some(timeout) => tokio::time::timeout(timeout, call)
                .await
                .unwrap_or_else(|_| {
                    Ok(Err(LoadError::timed_out(format!(
                        "{name} took longer than {timeout:?}"
                    ))))
                }),
        }
    }

    /// Looks a batch's keys up in the Redis tier: what it held, and the
    /// keys still to ask the backend for (all of them when the tier is
    /// down).
    async fn read_remote(
        &self,
        remote: &Remote<K, V>,
        scope: &Scope,
        keys: Vec<K>,
    ) -> (Vec<Found<K, V>>, Vec<K>) {
        let Some(found) = remote.read(scope, &keys).await else {
            return (Vec::new(), keys);
        };
        let hits: HashSet<&K> = found.iter().map(|found| &found.key).collect();
        let misses: Vec<K> = keys
            .iter()
            .filter(|key| !hits.contains(key))
            .cloned()
            .collect();
        Cache::<K, V>::count_tier(
            "redis",
            &self.settings.name,
            scope,
            found.len(),
            misses.len(),
        );
        (found, misses)
    }
}

/// A traced request's load (begun at the instant beside its trace).
type Traced = Option<(trace::Current, std::time::Instant)>;

/// Records a load in the request's trace, when it is traced.
fn record_load(traced: Traced, loader: &str, scope: &Scope, figures: LoadFigures) {
    if telemetry::is_on() {
        let span = tracing::Span::current();
        let cache = match figures.local_hits {
            0 => "miss",
            hits if hits == figures.keys => "hit",
            _ => "partial",
        };
        span.record("cache", cache);
        span.record("local_hits", figures.local_hits);
        span.record("joined", figures.joined);
    }
    if let Some((current, started)) = traced {
        let user = !scope.is_shared();
        current
            .trace
            .load(current.route, loader, user, figures, started);
    }
}

struct Waiter<'a, K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    inner: &'a Inner<K, V>,
    scope: &'a Scope,
    id: u64,
}

impl<K, V> Drop for Waiter<'_, K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    fn drop(&mut self) {
        self.inner.lock().leave(self.scope, self.id);
    }
}

struct Finish<'a, K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    inner: &'a Inner<K, V>,
    scope: &'a Scope,
    id: u64,
    keys: &'a [K],
    outcome: Option<Outcome<K, V>>,
    /// When the values read from Redis expire (sooner than a full TTL).
    expiries: KeyMap<K, Instant>,
}

impl<K, V> Drop for Finish<'_, K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    fn drop(&mut self) {
        let inner = self.inner;
        let values = match (&inner.cache, self.outcome.as_deref()) {
            (Some(cache), Some(answered)) => Some((cache, &answered.values)),
            _ => None,
        };
        // Only values are cached: an error is the call's, not the key's,
        // and a key left out may be created by the next write.
        inner.lock().finish(self.scope, self.id, self.keys, |key| {
            if let Some((cache, values)) = values {
                if let Some(value) = values.get(key) {
                    match self.expiries.get(key) {
                        Some(expires) => {
                            cache.insert_until(self.scope, key.clone(), value.clone(), *expires)
                        }
                        None => cache.insert(self.scope, key.clone(), value.clone()),
                    }
                }
            }
        });
    }
}

impl<K, V> Clone for Loader<K, V> {
    fn clone(&self) -> Self {
        Loader {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<K, V> fmt::Debug for Loader<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loader")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

/// An empty [`KeyMap`] with room for `capacity` keys.
fn key_map<K, V>(capacity: usize) -> KeyMap<K, V> {
    HashMap::with_capacity_and_hasher(capacity, foldhash::fast::RandomState::default())
}
