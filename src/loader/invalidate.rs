//! A loader's writes (`prime`, `invalidate`, `expire`,
//! `invalidate_scope`): what each does to the calls in flight, the
//! local cache and Redis, and how it is reported to the answer cache and
//! the other instances.

use std::hash::Hash;

use super::load::{Inner, Loader};
use super::Scope;

impl<K, V> Loader<K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
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
}

impl<K, V> Inner<K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// Forgets `key` (none: every key) of `scope` in this instance: the
    /// call in flight and the local entry; then reports the write. What
    /// an invalidation does here, and what other instances' writes do.
    pub(super) fn drop_local(&self, scope: &Scope, key: Option<K>) {
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
    pub(super) fn report(&self, scope: &Scope) {
        if let Some(writes) = self.writes.get() {
            writes.wrote(scope);
        }
    }
}
