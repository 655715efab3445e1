//! The bookkeeping behind a loader: per scope, the batch still collecting
//! keys and the keys whose backend call is in flight.
//!
//! Everything here runs under the loader's lock and never awaits; the
//! waiting and the backend calls are in `load.rs`.

use std::collections::HashSet;

/// The batches' sets, hashed as [`KeyMap`]s are.
type Set<K> = HashSet<K, foldhash::fast::RandomState>;
type Map<K, V> = KeyMap<K, V>;
use std::hash::Hash;
use std::sync::Arc;

use futures::channel::oneshot;
use futures::future::{BoxFuture, FutureExt, Shared};
use tokio::time::Instant;

use super::{KeyMap, LoadError, Scope};

/// What one batch answered, shared by every caller of its keys.
pub(super) type Outcome<K, V> = Arc<Answered<K, V>>;

/// A batch's answer: the values found (in the Redis tier or by the
/// backend), and, when the backend call failed, its error, which is the
/// answer of every key without a value. Keys with neither were left out
/// by the backend: they do not exist.
#[derive(Debug)]
pub(super) struct Answered<K, V> {
    /// As the load function answered them.
    pub(super) values: KeyMap<K, V>,
    pub(super) failed: Option<LoadError>,
}

impl<K: Eq + Hash, V> Answered<K, V> {
    /// A failed batch with no value at all.
    pub(super) fn failed(error: LoadError) -> Answered<K, V> {
        Answered {
            values: KeyMap::default(),
            failed: Some(error),
        }
    }

    /// The answer of `key`: its value, the call's error, or nothing.
    pub(super) fn get(&self, key: &K) -> Option<Result<&V, &LoadError>> {
        match self.values.get(key) {
            Some(value) => Some(Ok(value)),
            None => self.failed.as_ref().map(Err),
        }
    }
}

/// A caller's handle on a batch's outcome: any number of callers await
/// clones of it; dropping some does not affect the others.
pub(super) type Handle<K, V> = Shared<BoxFuture<'static, Outcome<K, V>>>;

/// Per-scope state of one loader.
pub(super) struct Batches<K, V> {
    scopes: Map<Scope, ScopeBatches<K, V>>,
    next_id: u64,
}

struct ScopeBatches<K, V> {
    pending: Option<Pending<K, V>>,
    in_flight: Map<K, (u64, Handle<K, V>)>,
}

/// A batch collecting keys until it fires.
struct Pending<K, V> {
    id: u64,
    keys: Vec<K>,
    members: Set<K>,
    fire_at: Instant,
    /// Callers that will fire this batch after their wait; when the last
    /// one is dropped unfired, nobody wants the batch any more.
    waiters: usize,
    sender: oneshot::Sender<Outcome<K, V>>,
    handle: Handle<K, V>,
}

/// A batch that has fired: its backend call is to be started.
pub(super) struct Launch<K, V> {
    pub(super) scope: Scope,
    pub(super) id: u64,
    pub(super) keys: Vec<K>,
    pub(super) sender: oneshot::Sender<Outcome<K, V>>,
}

/// What one caller's enqueue did.
pub(super) struct Enqueued<K, V> {
    /// Each asked key and the batch that answers it.
    pub(super) keys: Vec<(K, u64)>,
    pub(super) handles: Map<u64, Handle<K, V>>,
    /// Keys that attached to a call already in flight.
    pub(super) shared: u64,
    /// Keys found cached at enqueue: a call that finished since the
    /// caller's lookup filled them.
    pub(super) cached: Vec<(K, V)>,
    /// The pending batch this caller must fire (or leave) after waiting.
    pub(super) waiting: Option<(u64, Instant)>,
    /// Batches that filled up and fired at once.
    pub(super) launches: Vec<Launch<K, V>>,
}

impl<K: Eq + Hash + Clone + Send + Sync + 'static, V: Clone + Send + Sync + 'static> Batches<K, V> {
    pub(super) fn new() -> Batches<K, V> {
        Batches {
            scopes: Map::default(),
            next_id: 0,
        }
    }

    /// Attaches `keys` (distinct) to calls in flight, or answers them from
    /// `cached`, or adds them to the scope's pending batch, which is
    /// created (to fire at `fire_at`) if there is none and fired at once
    /// when it reaches `max` keys.
    ///
    /// The cache is filled under the same lock as this runs, when a key
    /// leaves flight; so a key missed by the caller's lookup (made without
    /// the lock) whose call finished since is found here, not asked again.
    pub(super) fn enqueue(
        &mut self,
        scope: &Scope,
        keys: Vec<K>,
        max: usize,
        fire_at: Instant,
        mut cached: impl FnMut(&K) -> Option<V>,
    ) -> Enqueued<K, V> {
        let mut done = Enqueued {
            keys: Vec::with_capacity(keys.len()),
            handles: Map::default(),
            shared: 0,
            cached: Vec::new(),
            waiting: None,
            launches: Vec::new(),
        };
        let scoped = self
            .scopes
            .entry(scope.clone())
            .or_insert_with(|| ScopeBatches {
                pending: None,
                in_flight: Map::default(),
            });
        let room = keys.len();
        for key in keys {
            if let Some((id, handle)) = scoped.in_flight.get(&key) {
                done.handles.entry(*id).or_insert_with(|| handle.clone());
                done.keys.push((key, *id));
                done.shared += 1;
                continue;
            }
            if let Some(value) = cached(&key) {
                done.cached.push((key, value));
                continue;
            }
            let pending = scoped.pending.get_or_insert_with(|| {
                self.next_id += 1;
                Pending::new(self.next_id, fire_at, room)
            });
            if pending.members.insert(key.clone()) {
                pending.keys.push(key.clone());
            }
            done.handles
                .entry(pending.id)
                .or_insert_with(|| pending.handle.clone());
            done.keys.push((key, pending.id));
            if pending.keys.len() >= max {
                done.launches.extend(scoped.fire(scope));
            }
        }
        if let Some(pending) = &mut scoped.pending {
            if done.handles.contains_key(&pending.id) {
                pending.waiters += 1;
                done.waiting = Some((pending.id, pending.fire_at));
            }
        }
        if scoped.is_empty() {
            self.scopes.remove(scope);
        }
        done
    }

    /// Fires batch `id` of `scope` if it is still pending.
    pub(super) fn fire(&mut self, scope: &Scope, id: u64) -> Option<Launch<K, V>> {
        let scoped = self.scopes.get_mut(scope)?;
        if scoped.pending.as_ref()?.id != id {
            return None;
        }
        scoped.fire(scope)
    }

    /// A waiter of batch `id` is gone; the batch is dropped unfired when
    /// it was the last.
    pub(super) fn leave(&mut self, scope: &Scope, id: u64) {
        let Some(scoped) = self.scopes.get_mut(scope) else {
            return;
        };
        if let Some(pending) = &mut scoped.pending {
            if pending.id == id {
                pending.waiters -= 1;
                if pending.waiters == 0 {
                    scoped.pending = None;
                }
            }
        }
        if scoped.is_empty() {
            self.scopes.remove(scope);
        }
    }

    /// Batch `id`'s call is over: its keys are no longer in flight. Calls
    /// `current` with each key that was still this call's, that is, not
    /// forgotten by a write while the call ran: only those may be cached.
    pub(super) fn finish(
        &mut self,
        scope: &Scope,
        id: u64,
        keys: &[K],
        mut current: impl FnMut(&K),
    ) {
        let Some(scoped) = self.scopes.get_mut(scope) else {
            return;
        };
        for key in keys {
            if scoped
                .in_flight
                .get(key)
                .is_some_and(|(flight, _)| *flight == id)
            {
                scoped.in_flight.remove(key);
                current(key);
            }
        }
        if scoped.is_empty() {
            self.scopes.remove(scope);
        }
    }

    /// Whether `key` of `scope` is still in flight under call `id` (no
    /// write has forgotten it since the call began).
    pub(super) fn is_current(&self, scope: &Scope, id: u64, key: &K) -> bool {
        self.scopes.get(scope).is_some_and(|scoped| {
            scoped
                .in_flight
                .get(key)
                .is_some_and(|(flight, _)| *flight == id)
        })
    }

    /// A write changed `key` in `scope`: a call in flight for it may answer
    /// the old value, so later loads must not join it, nor may it be
    /// cached. Its callers so far still get its answer.
    pub(super) fn forget(&mut self, scope: &Scope, key: &K) {
        if let Some(scoped) = self.scopes.get_mut(scope) {
            scoped.in_flight.remove(key);
            if scoped.is_empty() {
                self.scopes.remove(scope);
            }
        }
    }

    /// As [`Batches::forget`], for every key in flight in `scope`.
    pub(super) fn forget_scope(&mut self, scope: &Scope) {
        if let Some(scoped) = self.scopes.get_mut(scope) {
            scoped.in_flight.clear();
            if scoped.is_empty() {
                self.scopes.remove(scope);
            }
        }
    }

    /// Whether no key is pending or in flight, in any scope.
    pub(super) fn is_idle(&self) -> bool {
        self.scopes.is_empty()
    }
}

impl<K: Eq + Hash + Clone + Send + Sync + 'static, V: Clone + Send + Sync + 'static>
    ScopeBatches<K, V>
{
    fn fire(&mut self, scope: &Scope) -> Option<Launch<K, V>> {
        let pending = self.pending.take()?;
        self.in_flight.reserve(pending.keys.len());
        for key in &pending.keys {
            self.in_flight
                .insert(key.clone(), (pending.id, pending.handle.clone()));
        }
        Some(Launch {
            scope: scope.clone(),
            id: pending.id,
            keys: pending.keys,
            sender: pending.sender,
        })
    }

    fn is_empty(&self) -> bool {
        self.pending.is_none() && self.in_flight.is_empty()
    }
}

impl<K: Eq + Hash + Clone + Send + Sync + 'static, V: Clone + Send + Sync + 'static> Pending<K, V> {
    /// A batch with room for `room` keys (those of the call that makes it).
    fn new(id: u64, fire_at: Instant, room: usize) -> Pending<K, V> {
        let (sender, receiver) = oneshot::channel();
        let handle = receiver
            .map(|outcome| {
                // The call's task ended without answering: the runtime is
                // shutting down.
                outcome.unwrap_or_else(|_| {
                    Arc::new(Answered::failed(LoadError::backend(
                        "the backend call was abandoned",
                    )))
                })
            })
            .boxed()
            .shared();
        Pending {
            id,
            keys: Vec::with_capacity(room),
            members: Set::with_capacity_and_hasher(room, Default::default()),
            fire_at,
            waiters: 0,
            sender,
            handle,
        }
    }
}
