//! The cache of one loader: values by scope and key, with a time to live
//! and a weight bound.
//!
//! An entry's key is `(Scope, K)`, so an entry is only ever read in the
//! scope it was stored in: one user's value cannot be read in another
//! user's scope nor in the shared one, because no lookup can name it
//! without naming that user.
//!
//! The server's answer cache (`http::answers`) keeps its answers in one
//! too, under the asking user's scope.

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use metrics::SharedString;
use quick_cache::Equivalent;
use tokio::time::Instant;

use super::settings::CacheLimits;
use super::Scope;

/// How an entry is weighed against the loader's maximum weight.
pub(crate) type Weigher<K, V> = Arc<dyn Fn(&K, &V) -> u32 + Send + Sync>;

/// Values of one loader, by scope and key.
pub(crate) struct Cache<K, V> {
    entries: quick_cache::sync::Cache<Key<K>, Entry<V>, ByWeigher<K, V>>,
    ttl: Duration,
    /// The moment expiries count from (see [`Entry`]).
    epoch: Instant,
}

/// An entry's key: whose it is, and which.
#[derive(PartialEq, Eq, Clone)]
struct Key<K> {
    scope: Scope,
    key: K,
}

/// A lookup of a [`Key`] by reference (to the key or a form it borrows
/// as, as `[T]` for `Vec<T>`), so that a hit clones neither the scope
/// nor the key. It hashes as the key does.
struct KeyRef<'a, Q: ?Sized> {
    scope: &'a Scope,
    key: &'a Q,
}

impl<K: Hash> Hash for Key<K> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        KeyRef {
            scope: &self.scope,
            key: &self.key,
        }
        .hash(state);
    }
}

impl<Q: Hash + ?Sized> Hash for KeyRef<'_, Q> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.scope.hash(state);
        self.key.hash(state);
    }
}

impl<K: Borrow<Q>, Q: Eq + ?Sized> Equivalent<Key<K>> for KeyRef<'_, Q> {
    fn equivalent(&self, other: &Key<K>) -> bool {
        self.scope == &other.scope && self.key == other.key.borrow()
    }
}

/// A value and the moment it expires, in microseconds after the cache's
/// epoch: 8 bytes where an `Instant` takes 16. A user's ratings are most
/// of the entries a server holds (one per user and video asked), and for
/// them this is a quarter of the entry.
#[derive(Clone)]
struct Entry<V> {
    value: V,
    expires: u64,
}

/// The loader's weigher, as the cache asks for it.
struct ByWeigher<K, V>(Weigher<K, V>);

impl<K, V> Clone for ByWeigher<K, V> {
    fn clone(&self) -> Self {
        ByWeigher(self.0.clone())
    }
}

impl<K, V> quick_cache::Weighter<Key<K>, Entry<V>> for ByWeigher<K, V> {
    fn weight(&self, key: &Key<K>, entry: &Entry<V>) -> u64 {
        // A weight of 0 would make an entry that is never evicted.
        u64::from((self.0)(&key.key, &entry.value)).max(1)
    }
}

/// What a lookup found: the values, and the keys still to load.
pub(super) struct Lookup<K, V> {
    pub(super) hits: Vec<(K, V)>,
    pub(super) misses: Vec<K>,
    /// When the first of the hits expires.
    pub(super) earliest: Option<Instant>,
}

impl<K, V> Cache<K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    pub(super) fn new(limits: CacheLimits, weigher: Weigher<K, V>) -> Cache<K, V> {
        let estimate = usize::try_from(limits.max_weight.min(1 << 16)).unwrap_or(1 << 16);
        Cache::with_estimate(limits, weigher, estimate)
    }

    /// A cache of `limits`, whose first allocation is sized for
    /// `estimate` entries (the weight bound is what holds).
    pub(crate) fn with_estimate(
        limits: CacheLimits,
        weigher: Weigher<K, V>,
        estimate: usize,
    ) -> Cache<K, V> {
        let entries = quick_cache::sync::Cache::with_weighter(
            estimate,
            limits.max_weight,
            ByWeigher(weigher),
        );
        Cache {
            entries,
            ttl: limits.ttl,
            epoch: Instant::now(),
        }
    }

    /// `moment` in microseconds after the epoch (0 before it).
    fn micros(&self, moment: Instant) -> u64 {
        let micros = moment.saturating_duration_since(self.epoch).as_micros();
        u64::try_from(micros).unwrap_or(u64::MAX)
    }

    /// The moment `micros` after the epoch.
    fn instant(&self, micros: u64) -> Instant {
        self.epoch + Duration::from_micros(micros)
    }

    /// Splits `keys` into cached values and misses.
    pub(super) fn lookup(&self, scope: &Scope, keys: Vec<K>) -> Lookup<K, V> {
        let mut lookup = Lookup {
            hits: Vec::new(),
            misses: Vec::with_capacity(keys.len()),
            earliest: None,
        };
        let now = self.micros(Instant::now());
        let mut earliest: Option<u64> = None;
        for key in keys {
            match self.live(scope, &key, now) {
                Some(entry) => {
                    earliest = Some(earliest.map_or(entry.expires, |e| e.min(entry.expires)));
                    lookup.hits.push((key, entry.value));
                }
                None => lookup.misses.push(key),
            }
        }
        lookup.earliest = earliest.map(|micros| self.instant(micros));
        lookup
    }

    /// The value of `key` in `scope`, and when it expires.
    pub(crate) fn get<Q>(&self, scope: &Scope, key: &Q) -> Option<(V, Instant)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.live(scope, key, self.micros(Instant::now()))
            .map(|entry| (entry.value, self.instant(entry.expires)))
    }

    /// When the entry of `key` in `scope` expires, if there is one.
    pub(super) fn expiry(&self, scope: &Scope, key: &K) -> Option<Instant> {
        self.entries
            .peek(&KeyRef { scope, key })
            .map(|entry| entry.expires)
            .filter(|expires| *expires > self.micros(Instant::now()))
            .map(|expires| self.instant(expires))
    }

    /// The entry of `key` in `scope` if it has not expired by `now`; an
    /// expired one is dropped.
    fn live<Q>(&self, scope: &Scope, key: &Q, now: u64) -> Option<Entry<V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let lookup = KeyRef { scope, key };
        let entry = self.entries.get(&lookup)?;
        if entry.expires > now {
            return Some(entry);
        }
        self.entries.remove(&lookup);
        None
    }

    /// Counts one load's hits and misses in this (the local) tier.
    pub(super) fn count(name: &SharedString, scope: &Scope, hits: usize, misses: usize) {
        Cache::<K, V>::count_tier("local", name, scope, hits, misses);
    }

    /// Counts hits and misses in `tier` (`local` or `redis`).
    pub(super) fn count_tier(
        tier: &'static str,
        name: &SharedString,
        scope: &Scope,
        hits: usize,
        misses: usize,
    ) {
        // The label says which kind of scope, never whose: a user id
        // would make one time series per user.
        let kind = if scope.is_shared() { "shared" } else { "user" };
        if hits > 0 {
            metrics::counter!("peregrine_cache_hits_total", "loader" => name.clone(), "scope" => kind, "tier" => tier)
                .increment(hits as u64);
        }
        if misses > 0 {
            metrics::counter!("peregrine_cache_misses_total", "loader" => name.clone(), "scope" => kind, "tier" => tier)
                .increment(misses as u64);
        }
    }

    pub(super) fn insert(&self, scope: &Scope, key: K, value: V) {
        self.insert_until(scope, key, value, Instant::now() + self.ttl);
    }

    /// Stores a value until `expires` (at most the TTL from now).
    pub(crate) fn insert_until(&self, scope: &Scope, key: K, value: V, expires: Instant) {
        let entry = Entry {
            value,
            expires: self.micros(expires.min(Instant::now() + self.ttl)),
        };
        let key = Key {
            scope: scope.clone(),
            key,
        };
        self.entries.insert(key, entry);
    }

    /// Changes the value of `key` in `scope` where it is, if it is there,
    /// under the cache's lock (so that no write's drop can come between
    /// finding the entry and changing it), and weighs it again. Whether
    /// it was there.
    pub(crate) fn update(&self, scope: &Scope, key: K, change: impl FnOnce(&mut V)) -> bool {
        let key = Key {
            scope: scope.clone(),
            key,
        };
        // A zero timeout: never wait for a placeholder (this cache makes
        // none), and a vacant key's guard is dropped without inserting.
        let found = self.entries.entry(&key, Some(Duration::ZERO), |_, entry| {
            change(&mut entry.value);
            quick_cache::sync::EntryAction::Retain(())
        });
        matches!(found, quick_cache::sync::EntryResult::Retained(()))
    }

    pub(crate) fn invalidate<Q>(&self, scope: &Scope, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.entries.remove(&KeyRef { scope, key });
    }

    pub(crate) fn invalidate_scope(&self, scope: &Scope) {
        self.entries.retain(|entry, _| entry.scope != *scope);
    }

    /// Drops every entry of every scope.
    pub(crate) fn clear(&self) {
        self.entries.clear();
    }

    /// How many live entries the cache holds, and their weight (expired
    /// entries are dropped first).
    pub(crate) fn size(&self) -> (u64, u64) {
        let now = self.micros(Instant::now());
        self.entries.retain(|_, entry| entry.expires > now);
        (self.entries.len() as u64, self.entries.weight())
    }
}
