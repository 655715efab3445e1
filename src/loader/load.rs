//! `Loader`: asking a backend operation for keys, cached, batched and
//! shared.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use futures::future::{BoxFuture, FutureExt};
use serde::de::DeserializeOwned;
use serde::Serialize;

use tracing::field::Empty;
use tracing::Instrument;

use super::batch::Batches;
use super::cache::{Cache, Weigher};
use super::expiry;
use super::loaded::Loaded;
use super::redis::{scope_named, RedisTier, Remote};
use super::{LoadError, Scope, Settings, Writes};

type BatchFn<K, V> =
    Box<dyn Fn(Scope, Vec<K>) -> BoxFuture<'static, Result<KeyMap<K, V>, LoadError>> + Send + Sync>;

/// A map keyed by what requests ask for: hashed with foldhash, seeded
/// per map, rather than with std's SipHash, which showed in profiles of
/// the cache-off home request (docs/decisions/0006).
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
    pub(super) inner: Arc<Inner<K, V>>,
}

/// What a loader's clones share.
pub(super) struct Inner<K, V> {
    pub(super) settings: Settings,
    pub(super) batch: BatchFn<K, V>,
    batches: Mutex<Batches<K, V>>,
    /// Filled only under the `batches` lock, so that a write (which
    /// forgets the calls in flight under the same lock) cannot be
    /// overwritten by an older answer.
    pub(super) cache: Option<Cache<K, V>>,
    /// The shared tier under the cache, if the loader has one.
    pub(super) remote: OnceLock<Remote<K, V>>,
    /// Where writes are reported, if anywhere.
    pub(super) writes: OnceLock<Writes>,
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

impl<K, V> Inner<K, V> {
    pub(super) fn lock(&self) -> MutexGuard<'_, Batches<K, V>> {
        // The lock is never held across user code, so a poisoned lock
        // still holds consistent state.
        self.batches.lock().unwrap_or_else(PoisonError::into_inner)
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
pub(super) fn key_map<K, V>(capacity: usize) -> KeyMap<K, V> {
    HashMap::with_capacity_and_hasher(capacity, foldhash::fast::RandomState::default())
}
