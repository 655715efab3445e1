//! The answer cache: whole `/model.json` get answers, kept per user and
//! request, for as long as every value in them stays cached.
//!
//! A TV reloading its home screen asks the same paths as last time. With
//! the values cached, the router still runs its waves, walks the graph
//! and writes the JSON: most of a cached request's cost. An answer cache
//! keeps the written answer instead, so that the same request of the same
//! user is one lookup.
//!
//! It stays as true as the loaders' caches it is built on:
//!
//! - **Keyed by user and request.** An answer is only ever read by the
//!   user who asked it (or, without a user, by requests without one), for
//!   the same request: a GET's query string as sent (read again, it asks
//!   the same paths; so a kept answer is found without reading them, see
//!   `shortcut.rs`), a POSTed get's path sets ([`AnswerKey`]).
//! - **Lives as long as its values.** An answer is kept until the
//!   earliest expiry of the cached values it was built from
//!   ([`expiry`](crate::loader::expiry)). An answer that read anything no cache keeps (a
//!   loader whose cache is off, a key the backend left out), that read
//!   nothing through a loader, or that holds the error of a failed route,
//!   is not kept.
//! - **Dropped by writes.** Loaders report their writes (and other
//!   instances' write notices) to a [`Writes`]; a write in a user's scope
//!   drops that user's answers, a write in the shared scope drops every
//!   answer. An answer being built while a write lands is not kept
//!   (the epoch check in [`Writes`]).
//!
//! An answer that read another user's data, or read through a loader that
//! reports no writes, is not kept either. So only turn it on when routes
//! answer from what they load and the request's user and paths alone: not
//! from other headers, the clock, or a backend called around the loaders
//! (as the catalog's routes do). Loads started inside a task a handler
//! spawns are not seen.
//!
//! An answer is kept in the encodings its clients asked for: gzip for a
//! client that accepts it (a home answer of 20 KB is 3 KB), the JSON as it
//! is for one that does not, both once both kinds asked. Each client gets
//! the kept bytes as they are; the other encoding is made once, the first
//! time it is asked for, and kept beside the first (see
//! docs/decisions/0017-kept-answers-in-the-encodings-asked.md).

use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault};
use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use rustc_hash::FxHasher;
use tokio::time::Instant;

use crate::loader::{Cache, CacheLimits, Scope, Writes};
use crate::path::PathSet;

use super::freshness::Freshness;
use super::model_json::json_body;

mod encoding;

pub(crate) use encoding::accepts_gzip;
use encoding::{compress, inflate, response};

/// Whole answers to gets, by user and request (see the module's docs).
///
/// ```
/// use peregrine::http::{AnswerCache, Config};
/// use peregrine::loader::Writes;
///
/// let writes = Writes::new(); // given to every loader: `Loader::with_writes`
/// let config = Config {
///     answers: Some(AnswerCache::new(16 << 20, &writes)),
///     ..Config::default()
/// };
/// # let _ = config;
/// ```
#[derive(Clone)]
pub struct AnswerCache {
    inner: Arc<Inner>,
}

struct Inner {
    /// The answers, by the asking user's scope (the shared scope for
    /// requests without a user) and the request ([`AnswerKey`]): the
    /// loaders' cache, so that an answer is read in its user's scope only
    /// and expires on read as a value does.
    entries: Cache<Box<[u8]>, Answer>,
    /// Hashes of the keys asked lately and not kept: an answer is kept
    /// the second time it is asked, so that requests asked once (a
    /// detail page among ten thousand) do not fill the cache.
    asked: quick_cache::sync::Cache<u64, ()>,
    writes: Writes,
}

/// A kept answer: its JSON in the encodings asked for (one at least).
#[derive(Clone)]
struct Answer {
    /// Gzip-compressed, once a client that accepts gzip asked for it.
    gzip: Option<Bytes>,
    /// As it is, once a client that does not accept gzip asked for it.
    json: Option<Bytes>,
    /// Its validator (a hash of the JSON), and whether it is a user's
    /// (for HTTP caches).
    etag: HeaderValue,
    private: bool,
}

/// Weighs an answer by the memory it holds: its bytes, its key's and
/// the entry itself, so that the bound is one of memory whatever the
/// request.
fn weigh(key: &[u8], answer: &Answer) -> u32 {
    let bytes = [&answer.gzip, &answer.json]
        .into_iter()
        .flatten()
        .map(Bytes::len)
        .sum::<usize>();
    u32::try_from(bytes + key.len() + 192).unwrap_or(u32::MAX)
}

/// What a kept answer is found by, besides its user: the request as it
/// was sent. A GET's query string (`method=get&paths=...`), byte for
/// byte: read again it asks the same paths, so the answer is found
/// without reading them (the same paths spelled another way are another
/// entry). A POSTed get's path sets, as JSON after a NUL byte, which no
/// query string holds.
pub(crate) struct AnswerKey<'a>(std::borrow::Cow<'a, [u8]>);

impl AnswerKey<'_> {
    /// The key of a GET whose query string is `query`.
    pub(crate) fn query(query: &str) -> AnswerKey<'_> {
        AnswerKey(query.as_bytes().into())
    }

    /// The key of a get of `paths` sent in a POST body; none if they
    /// cannot be written (path sets always can).
    pub(crate) fn paths(paths: &[PathSet]) -> Option<AnswerKey<'static>> {
        let mut key = vec![0];
        serde_json::to_writer(&mut key, paths).ok()?;
        Some(AnswerKey(key.into()))
    }

    /// The key's bytes, as entries are keyed.
    fn bytes(&self) -> &[u8] {
        &self.0
    }
}

/// How many recently asked, not yet kept, answers are remembered.
const ASKED: usize = 1 << 14;

/// The longest an answer is kept, whatever its values say.
const MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// What a request may do with the cache, read before it is routed.
pub(crate) struct Ticket {
    epoch: u64,
}

/// The scope an answer to `user` is kept in.
fn scope_of(user: Option<&str>) -> Scope {
    user.map_or(Scope::Shared, Scope::user)
}

impl AnswerCache {
    /// An answer cache of at most `max_bytes` of answers,
    /// dropping answers on the writes reported to `writes`.
    pub fn new(max_bytes: u64, writes: &Writes) -> AnswerCache {
        let limits = CacheLimits {
            ttl: MAX_AGE,
            max_weight: max_bytes.max(1),
        };
        let estimate = usize::try_from((max_bytes / 4096).clamp(16, 1 << 16)).unwrap_or(16);
        let inner = Arc::new(Inner {
            entries: Cache::with_estimate(
                limits,
                Arc::new(|key: &_, answer: &Answer| weigh(key, answer)),
                estimate,
            ),
            asked: quick_cache::sync::Cache::new(ASKED),
            writes: writes.clone(),
        });
        let weak: Weak<Inner> = Arc::downgrade(&inner);
        writes.on_write(move |scope| {
            if let Some(inner) = weak.upgrade() {
                // A write in a user's scope may change that user's
                // answers; one in the shared scope, anyone's.
                match scope {
                    Scope::Shared => inner.entries.clear(),
                    Scope::User(_) => inner.entries.invalidate_scope(scope),
                }
            }
        });
        AnswerCache { inner }
    }

    /// The kept answer of `user` to the request `key`, as a response for
    /// a client whose `Accept-Encoding` is in `headers`; a miss is
    /// counted.
    pub(crate) fn get(
        &self,
        user: Option<&str>,
        key: &AnswerKey<'_>,
        headers: &HeaderMap,
    ) -> Option<Response> {
        let found = self.find(user, key, headers);
        if found.is_none() {
            metrics::counter!("peregrine_answers_total", "outcome" => "miss").increment(1);
        }
        found
    }

    /// [`AnswerCache::get`] without counting a miss: for a lookup whose
    /// miss is looked up again.
    pub(crate) fn find(
        &self,
        user: Option<&str>,
        key: &AnswerKey<'_>,
        headers: &HeaderMap,
    ) -> Option<Response> {
        let scope = scope_of(user);
        let ticket = self.ticket();
        let (answer, until) = self.inner.entries.get(&scope, key.bytes())?;
        let freshness = Freshness {
            until,
            private: answer.private,
            etag: answer.etag.clone(),
        };
        let hit = || metrics::counter!("peregrine_answers_total", "outcome" => "hit").increment(1);
        // A client holding it already is told so, without a body.
        if let Some(not_modified) = freshness.not_modified(headers) {
            hit();
            return Some(not_modified);
        }
        let gzip = accepts_gzip(headers);
        let kept = if gzip { &answer.gzip } else { &answer.json };
        let bytes = match kept {
            Some(bytes) => bytes.clone(),
            None => self.add_encoding(ticket, &scope, key, &answer, gzip)?,
        };
        hit();
        let mut response = response(bytes, gzip);
        freshness.mark(&mut response);
        Some(response)
    }

    /// The bytes of `answer` (kept for `key` in `scope`) in the encoding
    /// it is not kept in yet (gzip if `gzip`, else the JSON), made from
    /// the one it is and kept beside it, unless a write landed since
    /// `ticket`. None if they cannot be made (the answer is then dropped).
    fn add_encoding(
        &self,
        ticket: Ticket,
        scope: &Scope,
        key: &AnswerKey<'_>,
        answer: &Answer,
        gzip: bool,
    ) -> Option<Bytes> {
        let made = if gzip {
            answer.json.as_deref().and_then(compress)
        } else {
            answer.gzip.as_deref().and_then(inflate).map(Bytes::from)
        };
        let Some(bytes) = made else {
            tracing::warn!("a kept answer could not be re-encoded; answering afresh");
            self.inner.entries.invalidate(scope, key.bytes());
            return None;
        };
        // Only into the entry it was made from (the same JSON, by its
        // ETag), found and changed under the cache's lock: one a write
        // dropped meanwhile stays dropped.
        if self.inner.writes.epoch() == ticket.epoch {
            let added = bytes.clone();
            self.inner
                .entries
                .update(scope, key.bytes().into(), |kept| {
                    if kept.etag == answer.etag {
                        let slot = if gzip { &mut kept.gzip } else { &mut kept.json };
                        *slot = Some(added);
                    }
                });
        }
        Some(bytes)
    }

    /// What a request must hold to keep its answer: taken before it is
    /// routed.
    pub(crate) fn ticket(&self) -> Ticket {
        Ticket {
            epoch: self.inner.writes.epoch(),
        }
    }

    /// Keeps `json`, the answer of `user` to the request `key` built under `ticket`,
    /// until its `freshness` ends, if it was asked lately already and no
    /// write landed since the ticket, in the encoding `headers` accept.
    /// Answers the response to send (before its freshness is marked): the
    /// gzip bytes for a client that accepts them, else `json`.
    pub(crate) fn keep(
        &self,
        ticket: Ticket,
        user: Option<&str>,
        key: &AnswerKey<'_>,
        json: Vec<u8>,
        freshness: &Freshness,
        headers: &HeaderMap,
    ) -> Response {
        let until = freshness.until;
        // Built across a write, or already expired: not kept (and not
        // counted as asked: the next one may be).
        if self.inner.writes.epoch() != ticket.epoch || until <= Instant::now() {
            return json_body(json);
        }
        // The first time, only remember that it was asked.
        let scope = scope_of(user);
        let hash = BuildHasherDefault::<FxHasher>::default().hash_one((&scope, key.bytes()));
        if self.inner.asked.remove(&hash).is_none() {
            self.inner.asked.insert(hash, ());
            return json_body(json);
        }
        let gzip = accepts_gzip(headers);
        let bytes = if gzip {
            let Some(bytes) = compress(&json) else {
                tracing::warn!("an answer could not be compressed to keep");
                return json_body(json);
            };
            bytes
        } else {
            // Kept for long: no spare capacity.
            let mut json = json;
            json.shrink_to_fit();
            Bytes::from(json)
        };
        let answer = Answer {
            gzip: gzip.then(|| bytes.clone()),
            json: (!gzip).then(|| bytes.clone()),
            etag: freshness.etag.clone(),
            private: freshness.private,
        };
        let entries = &self.inner.entries;
        entries.insert_until(&scope, key.bytes().into(), answer, until);
        // A write that landed since the check above has run (or will run)
        // its hooks after this insert: either the epoch shows it here, or
        // a hook drops the entry.
        if self.inner.writes.epoch() != ticket.epoch {
            entries.invalidate(&scope, key.bytes());
        } else {
            metrics::counter!("peregrine_answers_kept_total").increment(1);
        }
        response(bytes, gzip)
    }

    /// How many answers are kept, and their weight in bytes.
    pub fn size(&self) -> (u64, u64) {
        self.inner.entries.size()
    }
}

impl fmt::Debug for AnswerCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnswerCache").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
