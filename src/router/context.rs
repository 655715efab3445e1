//! The request context handlers receive: the user, the deadline, and
//! per-request state such as loaders.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crate::trace::Trace;

/// What a handler knows of the request it serves. Cheap to clone: every
/// handler of a request shares one.
///
/// ```
/// use peregrine::router::Context;
///
/// struct Loaders { backend: &'static str }
///
/// let ctx = Context::new().with_user("u17").with(Loaders { backend: "http://127.0.0.1:9000" });
/// assert_eq!(ctx.user(), Some("u17"));
/// assert_eq!(ctx.get::<Loaders>().map(|l| l.backend), Some("http://127.0.0.1:9000"));
/// ```
#[derive(Clone, Default)]
pub struct Context {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    user: Option<Arc<str>>,
    deadline: Option<Instant>,
    extensions: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
    stats: Arc<Stats>,
    trace: Option<Trace>,
}

// A context derived with `with_*` is a new request's: it shares the
// state but counts its own stats.
impl Clone for Inner {
    fn clone(&self) -> Inner {
        Inner {
            user: self.user.clone(),
            deadline: self.deadline,
            extensions: self.extensions.clone(),
            stats: Arc::default(),
            trace: self.trace.clone(),
        }
    }
}

/// What running a request took, counted as it runs.
#[derive(Debug, Default)]
pub struct Stats {
    waves: AtomicUsize,
    route_calls: AtomicUsize,
    failed_route_calls: AtomicUsize,
    dropped_values: AtomicUsize,
}

impl Stats {
    /// How many waves of route calls ran.
    pub fn waves(&self) -> usize {
        self.waves.load(Ordering::Relaxed)
    }

    /// How many route handlers were called.
    pub fn route_calls(&self) -> usize {
        self.route_calls.load(Ordering::Relaxed)
    }

    /// How many route handlers failed (an error, a panic, the deadline,
    /// a refusal for want of a user): their paths hold errors.
    pub fn failed_route_calls(&self) -> usize {
        self.failed_route_calls.load(Ordering::Relaxed)
    }

    /// How many values sources answered outside the paths they were
    /// asked, which were dropped (see [`DataSource`](super::DataSource)).
    pub fn dropped_values(&self) -> usize {
        self.dropped_values.load(Ordering::Relaxed)
    }

    pub(crate) fn add_dropped_values(&self, count: usize) {
        self.dropped_values.fetch_add(count, Ordering::Relaxed);
    }

    pub(crate) fn add_failed_route_call(&self) {
        self.failed_route_calls.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn add_wave(&self, route_calls: usize) {
        self.waves.fetch_add(1, Ordering::Relaxed);
        self.route_calls.fetch_add(route_calls, Ordering::Relaxed);
    }
}

impl Context {
    /// A context with no user, no deadline and no state.
    pub fn new() -> Context {
        Context::default()
    }

    fn inner_mut(&mut self) -> &mut Inner {
        Arc::make_mut(&mut self.inner)
    }

    /// The same context for a signed-in user.
    pub fn with_user(mut self, user: impl Into<Arc<str>>) -> Context {
        self.inner_mut().user = Some(user.into());
        self
    }

    /// The same context with a deadline for the whole request.
    pub fn with_deadline(mut self, deadline: Instant) -> Context {
        self.inner_mut().deadline = Some(deadline);
        self
    }

    /// The same context recording what the request does into `trace`
    /// (see [`crate::trace`]).
    pub fn with_trace(mut self, trace: Trace) -> Context {
        self.inner_mut().trace = Some(trace);
        self
    }

    /// The request's trace, when it is traced.
    pub fn trace(&self) -> Option<&Trace> {
        self.inner.trace.as_ref()
    }

    /// The same context holding `value`, which handlers read with
    /// [`Context::get`] (one value per type).
    pub fn with<T: Any + Send + Sync>(mut self, value: T) -> Context {
        self.inner_mut()
            .extensions
            .insert(TypeId::of::<T>(), Arc::new(value));
        self
    }

    /// The signed-in user's id, if any.
    pub fn user(&self) -> Option<&str> {
        self.inner.user.as_deref()
    }

    /// When the request must be answered by, if it has a deadline.
    pub fn deadline(&self) -> Option<Instant> {
        self.inner.deadline
    }

    /// The value of type `T` the context holds, if any.
    pub fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.inner
            .extensions
            .get(&TypeId::of::<T>())
            .and_then(|value| value.downcast_ref::<T>())
    }

    /// What the request has taken so far: waves and route calls.
    pub fn stats(&self) -> &Stats {
        &self.inner.stats
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("user", &self.inner.user)
            .field("deadline", &self.inner.deadline)
            .field("extensions", &self.inner.extensions.len())
            .field("stats", &self.inner.stats)
            .field("traced", &self.inner.trace.is_some())
            .finish()
    }
}
