//! A load's way to its values: the cache first, then the calls in
//! flight and the batches (`Inner::load`, `Inner::fetch`), recorded in
//! the request's trace and span.

use std::hash::Hash;
use std::sync::Arc;

use futures::future::join_all;
use tokio::time::Instant;

use crate::telemetry;
use crate::trace::{self, LoadFigures};

use super::batch::Outcome;
use super::cache::Cache;
use super::expiry::Watch;
use super::load::{Inner, KeyMap};
use super::loaded::Loaded;
use super::{LoadError, Scope};

impl<K, V> Inner<K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// Loads `keys` in `scope`, noting what it read into `watch`.
    pub(super) async fn load(
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
            self.wait_and_fire(&scope, id, fire_at).await;
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
        if let Some(watch) = &watch {
            self.note_expiries(watch, &scope, &enqueued.keys);
        }
        answers(hits, enqueued.keys, &outcomes)
    }

    /// Waits for the pending batch `id` (the window, or a few yields
    /// with none) and fires it unless another caller did; leaves it if
    /// this caller is dropped meanwhile.
    async fn wait_and_fire(self: &Arc<Self>, scope: &Scope, id: u64, fire_at: Instant) {
        let settings = &self.settings;
        let waiter = Waiter {
            inner: self,
            scope,
            id,
        };
        if settings.window.is_zero() {
            for _ in 0..settings.yields {
                tokio::task::yield_now().await;
            }
        } else {
            tokio::time::sleep_until(fire_at).await;
        }
        let launch = self.lock().fire(scope, id);
        drop(waiter);
        if let Some(launch) = launch {
            self.launch(launch);
        }
    }

    /// Notes in `watch` how long what the calls answered for `keys` stays
    /// cached: each call filled the cache before answering (a key it left
    /// out, or one a write dropped meanwhile, is not kept).
    fn note_expiries(&self, watch: &Watch, scope: &Scope, keys: &[(K, u64)]) {
        let Some(cache) = &self.cache else {
            return;
        };
        for (key, _) in keys {
            match cache.expiry(scope, key) {
                Some(expires) => watch.noted(scope, expires),
                None => watch.unkept(),
            }
        }
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

/// Each key's answer: the cache `hits` first, then each key of a batch
/// from its batch's outcome (absent keys left out).
fn answers<K, V>(
    hits: Vec<(K, V)>,
    keys: Vec<(K, u64)>,
    outcomes: &KeyMap<u64, Outcome<K, V>>,
) -> Loaded<K, V>
where
    K: Eq + Hash + Clone,
    V: Clone,
{
    let mut loaded = Loaded::with_capacity(keys.len() + hits.len());
    for (key, value) in hits {
        loaded.push(key, Ok(value));
    }
    // Keys of one batch come one after another: its outcome is looked up
    // once for them.
    let mut batch: Option<(u64, Option<&Outcome<K, V>>)> = None;
    for (key, id) in keys {
        let outcome = match batch {
            Some((last, outcome)) if last == id => outcome,
            _ => {
                let outcome = outcomes.get(&id);
                batch = Some((id, outcome));
                outcome
            }
        };
        match outcome.and_then(|outcome| outcome.get(&key)) {
            Some(Ok(value)) => loaded.push(key, Ok(value.clone())),
            Some(Err(error)) => loaded.push(key, Err(error.clone())),
            None => {}
        }
    }
    loaded
}
