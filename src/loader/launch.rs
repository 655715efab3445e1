//! A fired batch's backend call (`Inner::launch`): in a task of its own,
//! Redis first, then the batch function within the loader's timeout;
//! the answer cached (`Finish`, however the call ends) and written to
//! Redis after the callers have it.

use std::collections::HashSet;
use std::hash::Hash;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::future::FutureExt;
use tokio::time::Instant;
use tracing::{Instrument, Span};

use crate::telemetry::{self, Origin};
use crate::trace::{self, BatchFigures};

use super::batch::{Answered, Launch, Outcome};
use super::cache::Cache;
use super::load::{Inner, KeyMap};
use super::redis::{Found, Remote};
use super::{LoadError, Scope};

impl<K, V> Inner<K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// Starts a fired batch's backend call in a task of its own.
    pub(super) fn launch(self: &Arc<Self>, launch: Launch<K, V>) {
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
        // Boxed: the call's future is large (the backend client's state
        // in it), and a task moves its future in as it starts and its
        // stage out as it ends; a box moves a pointer (memcpy of these
        // futures was a tenth of a GraphQL home request's instructions
        // with the caches off).
        let run = Box::pin(async move { inner.run(launch, traced, span).await });
        tokio::spawn(Origin::maybe_within(origin, run));
    }

    /// A fired batch, to its end: its keys asked, the answer cached and
    /// sent to its callers, then written to Redis.
    async fn run(&self, launch: Launch<K, V>, traced: Option<trace::Current>, span: Span) {
        let started = std::time::Instant::now();
        let Launch {
            scope,
            id,
            keys,
            sender,
        } = launch;
        // Takes the keys out of flight however the call ends, even if
        // the task is dropped with its runtime, and caches the answer
        // when there is one.
        let mut finish = Finish {
            inner: self,
            scope: &scope,
            id,
            keys: &keys,
            outcome: None,
            expiries: KeyMap::default(),
        };
        let (found, answered) = self.ask(&scope, &keys, span).await;
        let redis_hits = found.len();
        // Values from Redis stand even when the backend call failed.
        let (mut values, failed) = match answered {
            Ok(values) => (values, None),
            Err(error) => (KeyMap::default(), Some(error)),
        };
        let fill = self.still_current(&scope, id, &values);
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
            let user = !scope.is_shared();
            let name = &self.settings.name;
            current
                .trace
                .batch(current.route, name, user, figures, started, error);
        }
        let outcome = Arc::new(Answered { values, failed });
        finish.outcome = Some(Arc::clone(&outcome));
        drop(finish);
        // Nobody may be waiting any more; that is fine.
        let _ = sender.send(outcome);
        // Off the callers' path.
        if let (Some(remote), Some(ttl)) = (self.remote.get(), self.settings.cache_ttl()) {
            let entries = fill.iter().map(|(key, value)| (key, value));
            remote.fill(&scope, entries, ttl).await;
        }
    }

    /// Redis for `keys`, then the backend for those it did not hold,
    /// under the load's `span` (ended here: the fill is not the load's).
    async fn ask(
        &self,
        scope: &Scope,
        keys: &[K],
        span: Span,
    ) -> (Vec<Found<K, V>>, Result<KeyMap<K, V>, LoadError>) {
        let name = &self.settings.name;
        let (found, asked) = match self.remote.get() {
            Some(remote) => {
                let read = self.read_remote(remote, scope, keys.to_vec());
                read.instrument(span.clone()).await
            }
            None => (Vec::new(), keys.to_vec()),
        };
        span.record("redis_hits", found.len());
        if asked.is_empty() {
            return (found, Ok(KeyMap::default()));
        }
        metrics::counter!("peregrine_backend_calls_total", "loader" => name.clone()).increment(1);
        metrics::histogram!("peregrine_backend_batch_size", "loader" => name.clone())
            .record(asked.len() as f64);
        let answered = self.call(scope.clone(), asked).instrument(span).await;
        let answered = answered.unwrap_or_else(|_| {
            Err(LoadError::backend(format!(
                "{name}: the batch function panicked"
            )))
        });
        (found, answered)
    }

    /// What the backend answered that goes to Redis: the keys no write
    /// has changed since the call began (a write from now on leaves
    /// Redis a value or a tombstone, which the fill's `NX` does not
    /// overwrite).
    fn still_current(&self, scope: &Scope, id: u64, values: &KeyMap<K, V>) -> Vec<(K, V)> {
        if self.remote.get().is_none() {
            return Vec::new();
        }
        let batches = self.lock();
        values
            .iter()
            .filter(|(key, _)| batches.is_current(scope, id, key))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
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
