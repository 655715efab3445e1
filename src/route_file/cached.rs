//! A remote router's answers, cached by scope: one entry per distinct
//! set of paths asked (a TV's home screen asks the same ones each time),
//! through a [`Loader`], so that concurrent identical asks share one call
//! and the server's answer cache sees what each request read.
//!
//! An entry lives for the route's TTL, and no longer than the earliest
//! `$expires` the remote put on its values: a remote that says a value
//! expires now (`$expires: 0`) is asked again next time. A set or call
//! through the remote drops the entries of the writer's scope.

use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderValue;
use tokio::time::Instant;

use crate::graph::{Envelope, Graph};
use crate::loader::{expiry, LoadError, Loader, Scope, Settings};
use crate::path::PathSet;
use crate::router::Context;

use super::live::Sources;
use super::read::scope_of;
use super::remote::Remote;

/// The cache of one remote route (or of the fallback).
#[derive(Clone)]
pub(super) struct Cached {
    loader: Loader<Query, Arc<Answered>>,
    user: bool,
}

/// What a remote route caches and for how long, as [`Cached::new`] takes
/// it.
pub(super) struct Spec {
    /// The loader's name (metrics, logs).
    pub(super) name: String,
    /// Whether answers are the signed-in user's.
    pub(super) user: bool,
    pub(super) ttl: Duration,
    /// The most values (leaves) kept in all.
    pub(super) max_values: u64,
}

/// The paths of one ask, and the `Authorization` its call carries. Two
/// asks are the same entry when their paths are: in a user's scope the
/// header is that user's whichever token it is, in the shared scope the
/// answer is everyone's.
#[derive(Clone)]
struct Query {
    paths: Arc<[PathSet]>,
    authorization: Option<HeaderValue>,
}

impl PartialEq for Query {
    fn eq(&self, other: &Query) -> bool {
        self.paths == other.paths
    }
}

impl Eq for Query {}

impl Hash for Query {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.paths.hash(state);
    }
}

/// A remote's answer, when it came, and when the first of its
/// `$expires` falls.
struct Answered {
    graph: Graph,
    fetched: Instant,
    until: Option<Instant>,
}

impl Cached {
    /// The cache `spec` declares over `remote` (uncached), as `sources`
    /// says (the server's cache switch, its answer cache's writes).
    pub(super) fn new(spec: Spec, remote: Remote, sources: &Sources) -> Cached {
        let mut settings = Settings::new(spec.name)
            .max_batch_size(1)
            .caching(sources.caching)
            .cache(spec.ttl, spec.max_values);
        if spec.user {
            settings = settings.user_scoped();
        }
        let weigh = |_: &Query, answered: &Arc<Answered>| {
            u32::try_from(answered.graph.leaf_count()).unwrap_or(u32::MAX)
        };
        let mut loader =
            Loader::with_weigher(settings, weigh, move |_scope, queries: Vec<Query>| {
                let remote = remote.clone();
                async move {
                    let mut found = Vec::with_capacity(queries.len());
                    for query in queries {
                        let envelope = remote
                            .fetch(&query.paths, query.authorization.clone())
                            .await?;
                        found.push((query, Arc::new(Answered::new(envelope))));
                    }
                    Ok::<_, LoadError>(found)
                }
            });
        if let Some(writes) = &sources.writes {
            loader = loader.with_writes(writes);
        }
        Cached {
            loader,
            user: spec.user,
        }
    }

    /// The answer to `paths`: cached in the request's scope, else asked
    /// of the remote (and cached). Without a user, a user-scoped route's
    /// answers are asked each time.
    pub(super) async fn load(
        &self,
        remote: &Remote,
        paths: Vec<PathSet>,
        authorization: Option<HeaderValue>,
        ctx: &Context,
    ) -> Result<Envelope, LoadError> {
        let Some(scope) = scope_of(self.user, ctx.user()) else {
            // Nothing keeps it: an answer holding it is not kept.
            expiry::note_read(&Scope::shared(), None);
            return remote.fetch(&paths, authorization).await;
        };
        let query = Query {
            paths: paths.into(),
            authorization,
        };
        let asked = Instant::now();
        let mut answered = self.loader.load_one(scope.clone(), query.clone()).await?;
        // A cached answer past a value's `$expires` is asked again; one
        // fetched for this ask is taken as it is.
        if answered
            .as_ref()
            .is_some_and(|answered| answered.fetched < asked && answered.expired())
        {
            self.loader.expire(&scope, &query);
            answered = self.loader.load_one(scope.clone(), query).await?;
        }
        let Some(answered) = answered else {
            return Ok(Envelope::default());
        };
        // What the remote said of its values' lives bounds the answer's.
        if let Some(until) = answered.until {
            expiry::note_read(&scope, Some(until));
        }
        Ok(Envelope::new(answered.graph.clone()))
    }

    /// Drops what is cached in the scope of `ctx`'s request (after a write).
    pub(super) async fn forget(&self, ctx: &Context) {
        if let Some(scope) = scope_of(self.user, ctx.user()) {
            self.loader.invalidate_scope(scope).await;
        }
    }
}

impl Answered {
    fn new(envelope: Envelope) -> Answered {
        let until = envelope
            .json_graph
            .leaves()
            .into_iter()
            .filter_map(|(_, value)| value.meta()?.expires()?.as_f64())
            .filter_map(expiry)
            .min();
        Answered {
            graph: envelope.json_graph,
            fetched: Instant::now(),
            until,
        }
    }

    fn expired(&self) -> bool {
        self.until.is_some_and(|until| until <= Instant::now())
    }
}

/// When a value of `$expires` `ms` expires: 1 is never, 0 or less than
/// 0 is relative to now (0: at once), more is milliseconds since the Unix
/// epoch (Falcor's rules). A moment too far to count is never.
fn expiry(ms: f64) -> Option<Instant> {
    let now = Instant::now();
    if ms == 1.0 {
        return None;
    }
    let after = if ms <= 0.0 {
        Duration::try_from_secs_f64(-ms / 1000.0).ok()?
    } else {
        let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).ok()?;
        Duration::try_from_secs_f64(ms / 1000.0)
            .ok()?
            .saturating_sub(since_epoch)
    };
    now.checked_add(after)
}

impl std::fmt::Debug for Cached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cached").field("user", &self.user).finish()
    }
}
