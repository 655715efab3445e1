//! Request traces: what one request did, wave by wave, for a person
//! debugging a slow screen.
//!
//! A [`Trace`] is put in a request's context
//! ([`Context::with_trace`](crate::router::Context::with_trace)) when the
//! client asks for one (the `Peregrine-Trace: 1` header, see
//! [`crate::http`]). As the request runs, the router records each wave and
//! each route call with its matched path sets, and the loaders record each
//! load a route handler made (keys asked, local cache hits, keys that
//! joined a call in flight) and each batch the request fired (keys, Redis
//! hits, the backend call's time). The answer carries the trace beside the
//! envelope, as [`Trace::to_json`] writes it; the explorer draws it as a
//! waterfall.
//!
//! Loaders do not see the request context: the router runs each route
//! handler inside a task-local scope naming the trace and the route call
//! ([`in_route`]), and loaders read it with [`current`]. A load made
//! outside any traced handler records nothing, at the cost of one
//! task-local lookup.
//!
//! Times are milliseconds since the trace began (the request's start).

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use serde::Serialize;

/// The record of one request's waves, route calls, loads and batches.
/// Cheap to clone: clones share the record.
///
/// ```
/// use peregrine::trace::Trace;
///
/// let trace = Trace::new();
/// let wave = trace.wave_started(vec!["videos[1].title".to_string()]);
/// trace.wave_ended(wave);
/// let json = trace.to_json();
/// assert_eq!(json["waves"][0]["paths"][0], "videos[1].title");
/// assert!(json["durationMs"].as_f64().is_some());
/// ```
#[derive(Clone, Debug)]
pub struct Trace {
    start: Instant,
    record: Arc<Mutex<Record>>,
}

#[derive(Debug, Default, Serialize)]
struct Record {
    waves: Vec<WaveRecord>,
    routes: Vec<RouteRecord>,
    loads: Vec<LoadRecord>,
    batches: Vec<BatchRecord>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct WaveRecord {
    index: usize,
    start_ms: f64,
    end_ms: Option<f64>,
    paths: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RouteRecord {
    id: usize,
    wave: usize,
    route: String,
    method: &'static str,
    paths: Vec<String>,
    start_ms: f64,
    end_ms: Option<f64>,
    error: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LoadRecord {
    route: Option<usize>,
    loader: String,
    scope: &'static str,
    keys: usize,
    local_hits: usize,
    joined: usize,
    start_ms: f64,
    end_ms: f64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct BatchRecord {
    route: Option<usize>,
    loader: String,
    scope: &'static str,
    keys: usize,
    redis_hits: usize,
    start_ms: f64,
    end_ms: f64,
    error: Option<String>,
}

/// What a loader reports of one load, for [`Trace::load`].
#[derive(Debug, Clone, Copy)]
pub struct LoadFigures {
    /// Distinct keys asked for.
    pub keys: usize,
    /// Keys answered by the process's own cache.
    pub local_hits: usize,
    /// Keys that joined a backend call already in flight.
    pub joined: usize,
}

/// What a loader reports of one batch this request fired, for
/// [`Trace::batch`].
#[derive(Debug, Clone, Copy)]
pub struct BatchFigures {
    /// Keys in the batch.
    pub keys: usize,
    /// Keys answered by the Redis tier (the backend was asked for the
    /// rest, if any).
    pub redis_hits: usize,
}

impl Default for Trace {
    fn default() -> Trace {
        Trace::new()
    }
}

impl Trace {
    /// A trace beginning now.
    pub fn new() -> Trace {
        Trace::starting_at(Instant::now())
    }

    /// A trace of a request that arrived at `start`.
    pub fn starting_at(start: Instant) -> Trace {
        Trace {
            start,
            record: Arc::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Record> {
        // Only plain pushes happen under the lock.
        self.record.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Milliseconds from the trace's start to `at`, to the microsecond.
    pub fn millis(&self, at: Instant) -> f64 {
        let micros = at.saturating_duration_since(self.start).as_micros();
        micros as f64 / 1000.0
    }

    fn now(&self) -> f64 {
        self.millis(Instant::now())
    }

    /// A wave starts, matching `paths` (path syntax); its index.
    pub fn wave_started(&self, paths: Vec<String>) -> usize {
        let start_ms = self.now();
        let mut record = self.lock();
        let index = record.waves.len();
        record.waves.push(WaveRecord {
            index,
            start_ms,
            end_ms: None,
            paths,
        });
        index
    }

    /// Wave `index` is over.
    pub fn wave_ended(&self, index: usize) {
        let end_ms = self.now();
        if let Some(wave) = self.lock().waves.get_mut(index) {
            wave.end_ms = Some(end_ms);
        }
    }

    /// A route handler is called in `wave` (route pattern `route`, method
    /// `method`) with `paths`, its matched path sets; the call's id.
    pub fn route_started(
        &self,
        wave: usize,
        route: String,
        method: &'static str,
        paths: Vec<String>,
    ) -> usize {
        let start_ms = self.now();
        let mut record = self.lock();
        let id = record.routes.len();
        record.routes.push(RouteRecord {
            id,
            wave,
            route,
            method,
            paths,
            start_ms,
            end_ms: None,
            error: None,
        });
        id
    }

    /// Route call `id` answered, with `error` if it failed as a whole.
    pub fn route_ended(&self, id: usize, error: Option<String>) {
        let end_ms = self.now();
        if let Some(route) = self.lock().routes.get_mut(id) {
            route.end_ms = Some(end_ms);
            route.error = error;
        }
    }

    /// A load of `loader` in a scope (`user` says which kind) under route
    /// call `route`, from `started` until now.
    pub fn load(
        &self,
        route: Option<usize>,
        loader: &str,
        user: bool,
        figures: LoadFigures,
        started: Instant,
    ) {
        let (start_ms, end_ms) = (self.millis(started), self.now());
        self.lock().loads.push(LoadRecord {
            route,
            loader: loader.to_string(),
            scope: scope_kind(user),
            keys: figures.keys,
            local_hits: figures.local_hits,
            joined: figures.joined,
            start_ms,
            end_ms,
        });
    }

    /// A batch of `loader` fired by this request under route call
    /// `route`, from `started` until now, failed with `error` or not.
    pub fn batch(
        &self,
        route: Option<usize>,
        loader: &str,
        user: bool,
        figures: BatchFigures,
        started: Instant,
        error: Option<String>,
    ) {
        let (start_ms, end_ms) = (self.millis(started), self.now());
        self.lock().batches.push(BatchRecord {
            route,
            loader: loader.to_string(),
            scope: scope_kind(user),
            keys: figures.keys,
            redis_hits: figures.redis_hits,
            start_ms,
            end_ms,
            error,
        });
    }

    /// The trace as the answer carries it: `durationMs` (until now),
    /// `waves`, `routes`, `loads` and `batches`, in the order they began.
    pub fn to_json(&self) -> serde_json::Value {
        let duration = self.now();
        let record = self.lock();
        let mut json = serde_json::to_value(&*record).unwrap_or_default();
        if let Some(object) = json.as_object_mut() {
            object.insert("durationMs".into(), duration.into());
        }
        json
    }
}

fn scope_kind(user: bool) -> &'static str {
    if user {
        "user"
    } else {
        "shared"
    }
}

/// The trace and route call a task is running for.
#[derive(Clone, Debug)]
pub struct Current {
    /// The request's trace.
    pub trace: Trace,
    /// The route call whose handler is running, if any.
    pub route: Option<usize>,
}

tokio::task_local! {
    static CURRENT: Current;
}

/// Runs `future` (a route handler's) as part of route call `route` of
/// `trace`: loads it makes are recorded there. Without a trace, runs it as
/// it is.
pub async fn in_route<F: Future>(
    trace: Option<Trace>,
    route: Option<usize>,
    future: F,
) -> F::Output {
    match trace {
        Some(trace) => CURRENT.scope(Current { trace, route }, future).await,
        None => future.await,
    }
}

/// The trace (and route call) the running task records into, if any.
pub fn current() -> Option<Current> {
    CURRENT.try_with(Current::clone).ok()
}
