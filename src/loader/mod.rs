//! Loaders: batching, dedupe, in-flight sharing and caching of backend
//! calls.
//!
//! A [`Loader`] stands for one backend operation (say "videos by id").
//! Route handlers ask it for keys; it turns what they ask into as few
//! backend calls as it can:
//!
//! - **Batching.** Keys asked for in one router wave, by any handlers,
//!   collect in one pending batch per [`Scope`]; the batch fires after the
//!   asking task has yielded a few times (every handler of the wave is
//!   polled in one `join_all`, so all of them have enqueued by then), or
//!   after a short window ([`Settings::window`]) so that concurrent
//!   requests coalesce too. Batches split at [`Settings::max_batch_size`].
//! - **Dedupe and sharing.** A key is asked once per batch however many
//!   callers want it, and a key whose call is in flight is not asked again:
//!   later callers in the same scope wait for that call
//!   (`peregrine_backend_keys_shared_total`).
//! - **Scopes.** Keys of different scopes never share a call: one user's
//!   keys are fetched and shared only within that user's scope, and a
//!   user-scoped loader refuses the shared scope.
//! - **Cache.** With [`Settings::cache`], a loader keeps the values its
//!   calls answered, keyed by `(Scope, key)`: a value is only ever read in
//!   the scope it was fetched in, so one user's value never reaches another
//!   user or the shared scope. Hits are answered before batching; only
//!   misses are batched and shared. Entries live for the TTL
//!   ([`Loader::cached_ttl`], for `$expires`), and past the maximum weight
//!   the values read least are evicted (S3-FIFO: a value in use stays while
//!   values read once pass through). Errors and keys the backend left
//!   out are not cached. Writes keep it true with [`Loader::invalidate`]
//!   and [`Loader::invalidate_scope`] (and [`Loader::prime`], for a value
//!   no concurrent write can overtake), which also stop later loads from
//!   joining (and the cache from keeping) a call that was in flight
//!   during the write. [`Settings::caching`] is the
//!   server's switch to turn it off.
//! - **Redis tier.** With [`Loader::with_tier`], a [`RedisTier`] shared
//!   by every instance sits under the cache: a fired batch looks its keys
//!   up in Redis first and writes what the backend answered there; writes
//!   update Redis and tell the other instances to drop their own copy.
//!   Redis failing or slow costs backend calls, never a request.
//! - **What is built on top.** [`expiry::watch`] tells how long what a
//!   request loaded stays cached (the earliest expiry), and a loader given
//!   a [`Writes`] ([`Loader::with_writes`]) reports each write to it: what
//!   the server's answer cache needs to keep whole answers true.
//! - **Traces.** A load made by a route handler of a traced request (see
//!   [`crate::trace`]) records its keys, local hits and joined keys, and
//!   each batch it fired records its keys and Redis hits.
//! - **Failure and cancellation.** A failing call gives its
//!   [`LoadError`] to every caller of its keys. Each call runs in a task of
//!   its own: a request that is cancelled leaves the call running for the
//!   others, and an unfired batch whose callers are all gone is dropped, so
//!   nothing is left behind.
//!
//! Metrics, labelled with the loader's name: `peregrine_backend_calls_total`,
//! `peregrine_backend_batch_size`, `peregrine_backend_keys_shared_total`,
//! and `peregrine_cache_hits_total` / `peregrine_cache_misses_total` with a
//! `scope` label of `shared` or `user` (never the user's id: one series per
//! user would grow without bound) and a `tier` label of `local` or `redis`;
//! `peregrine_redis_errors_total` and `peregrine_redis_skipped_total` by
//! operation.
//!
//! This module knows nothing of routes or of what the keys mean.
//!
//! # Why not the `dataloader` crate
//!
//! `dataloader` 0.18 (tokio runtime) batches and dedupes within one batch,
//! but: it has no scopes (one loader per user, or the user in every key);
//! its non-cached loader does not share calls in flight, and its cached
//! loader keeps every value until cleared (no TTL, no scope); it holds its
//! state lock and the batch function's lock across the backend call, so
//! calls of one loader run one at a time and callers cannot even enqueue
//! meanwhile; the call runs inside the caller that fired it, so cancelling
//! that request cancels it for everyone waiting; and its batch function
//! cannot fail (a missing key and a failed call look the same). The loader
//! here is small, does each of these, and keys its cache by the same scope.
//!
//! # Why `quick_cache` for the cache
//!
//! The cache is `quick_cache::sync::Cache` (sharded, weighted, S3-FIFO
//! eviction) with each value's expiry stored beside it and checked on
//! read. It replaced `moka`, whose reads cost too much of the server's
//! CPU on the home request with a warm cache (docs/decisions/0007).

mod batch;
mod cache;
mod error;
pub mod expiry;
mod fetch;
mod invalidate;
mod launch;
mod load;
mod loaded;
mod redis;
mod scope;
mod settings;
mod writes;

pub use self::redis::{RedisTier, TierError, TierErrorKind, TierSettings};
pub use error::{LoadError, LoadErrorKind};
pub use load::KeyMap;
pub use load::Loader;
pub use loaded::Loaded;
pub use scope::Scope;
pub use settings::Settings;
pub use writes::Writes;

pub(crate) use cache::Cache;
pub(crate) use settings::CacheLimits;
