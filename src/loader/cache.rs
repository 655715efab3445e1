//! The cache of one loader: values by scope and key, with a time to live
//! and a weight bound, evicting the least recently used.
//!
//! An entry's key is `(Scope, K)`, so an entry is only ever read in the
//! scope it was stored in: one user's value cannot be read in another
//! user's scope nor in the shared one, because no lookup can name it
//! without naming that user.

use std::hash::Hash;
use std::sync::Arc;

use metrics::SharedString;
use moka::policy::EvictionPolicy;

use super::settings::CacheLimits;
use super::Scope;

/// How an entry is weighed against the loader's maximum weight.
pub(super) type Weigher<K, V> = Arc<dyn Fn(&K, &V) -> u32 + Send + Sync>;

/// Values of one loader, by scope and key.
pub(super) struct Cache<K, V> {
    entries: moka::sync::Cache<(Scope, K), V>,
}

/// What a lookup found: the values, and the keys still to load.
pub(super) struct Lookup<K, V> {
    pub(super) hits: Vec<(K, V)>,
    pub(super) misses: Vec<K>,
}

impl<K, V> Cache<K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    pub(super) fn new(limits: CacheLimits, weigher: Weigher<K, V>) -> Cache<K, V> {
        let entries = moka::sync::Cache::builder()
            .time_to_live(limits.ttl)
            .max_capacity(limits.max_weight)
            .weigher(move |(_, key): &(Scope, K), value: &V| weigher(key, value))
            // What the issue asks for, and predictable for writes: a primed
            // entry is kept, where TinyLFU may refuse a newcomer.
            .eviction_policy(EvictionPolicy::lru())
            .support_invalidation_closures()
            .build();
        Cache { entries }
    }

    /// Splits `keys` into cached values and misses.
    pub(super) fn lookup(&self, scope: &Scope, keys: Vec<K>) -> Lookup<K, V> {
        let mut lookup = Lookup {
            hits: Vec::new(),
            misses: Vec::with_capacity(keys.len()),
        };
        for key in keys {
            let entry = (scope.clone(), key);
            match self.entries.get(&entry) {
                Some(value) => lookup.hits.push((entry.1, value)),
                None => lookup.misses.push(entry.1),
            }
        }
        lookup
    }

    pub(super) fn get(&self, scope: &Scope, key: &K) -> Option<V> {
        self.entries.get(&(scope.clone(), key.clone()))
    }

    /// Counts one load's hits and misses.
    pub(super) fn count(name: &SharedString, scope: &Scope, hits: usize, misses: usize) {
        // The label says which kind of scope, never whose: a user id
        // would make one time series per user.
        let kind = if scope.is_shared() { "shared" } else { "user" };
        if hits > 0 {
            metrics::counter!("peregrine_cache_hits_total", "loader" => name.clone(), "scope" => kind)
                .increment(hits as u64);
        }
        if misses > 0 {
            metrics::counter!("peregrine_cache_misses_total", "loader" => name.clone(), "scope" => kind)
                .increment(misses as u64);
        }
    }

    pub(super) fn insert(&self, scope: &Scope, key: K, value: V) {
        self.entries.insert((scope.clone(), key), value);
    }

    pub(super) fn invalidate(&self, scope: &Scope, key: K) {
        self.entries.invalidate(&(scope.clone(), key));
    }

    pub(super) fn invalidate_scope(&self, scope: &Scope) {
        let scope = scope.clone();
        // Only fails when invalidation closures are not enabled, and they
        // are; fall back to clearing everything rather than keeping a
        // stale entry.
        if self
            .entries
            .invalidate_entries_if(move |(entry_scope, _), _| *entry_scope == scope)
            .is_err()
        {
            self.entries.invalidate_all();
        }
    }

    /// How many entries and how much weight the cache holds, once its
    /// pending evictions and expiries are done.
    pub(super) fn size(&self) -> (u64, u64) {
        self.entries.run_pending_tasks();
        (self.entries.entry_count(), self.entries.weighted_size())
    }
}
