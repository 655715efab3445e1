//! Calling one route's handler for one wave: its matched paths (a
//! source's whole paths), the user it needs, its panics caught, the
//! request's deadline, its trace, and how long it took.

use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use futures::FutureExt;
use tracing::Instrument;

use crate::path::{merge, PathSet};
use crate::trace;

use super::context::Context;
use super::handler::{Answer, BoxFuture, HandlerError};
use super::request::{Call, Get, Matched, Set};
use super::table::{Method, Route};
use super::wave::{Assignment, Run};

impl Run<'_> {
    /// Builds a route's handler call for one wave: its matched path sets
    /// (collapsed into as few as can be) and, for set, its values. When
    /// the request is traced (`wave` is its index), the call is recorded
    /// and its handler runs as that route call ([`trace::in_route`]).
    pub(crate) fn call_route(
        &self,
        assignment: &Assignment,
        wave: Option<usize>,
    ) -> impl std::future::Future<Output = (Vec<PathSet>, Answer, Duration)> + Send + 'static {
        let route = &self.router.table.routes[assignment.route];
        // A source is asked for the whole paths, and fails at them.
        let prefixes = merge(
            assignment
                .matches
                .iter()
                .map(|m| match route.whole {
                    true => m.asked(),
                    false => m.prefix.clone(),
                })
                .collect(),
        );
        let matched = Matched::new(route.pattern.clone(), prefixes.clone());
        let ctx = self.ctx.clone();
        // A route that needs a user is not called without one.
        if route.needs_user(assignment.kind) && ctx.user().is_none() {
            ctx.stats().add_failed_route_call();
            let refused = HandlerError::sign_in("sign in to see this: it is one user's data");
            let refused = (prefixes, Err(refused), Duration::ZERO);
            return futures::future::Either::Left(std::future::ready(refused));
        }
        let future = self.start_handler(route, assignment.kind, matched, ctx);
        let span = tracing::debug_span!(
            "route",
            route = %route.text,
            method = assignment.kind.name(),
            paths = prefixes.len(),
            error = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
        );
        let deadline = self.ctx.deadline().map(tokio::time::Instant::from_std);
        let trace = self.ctx.trace().cloned();
        // The answer is counted in the request's stats.
        let request = self.ctx.clone();
        let traced = trace.as_ref().zip(wave).map(|(trace, wave)| {
            let paths = prefixes.iter().map(PathSet::to_string).collect();
            trace.route_started(wave, route.text.clone(), assignment.kind.name(), paths)
        });
        let handler = Handler {
            future,
            deadline,
            trace,
            traced,
            request,
        };
        let answered = async move {
            let started = Instant::now();
            let answer = handler.run().await;
            (prefixes, answer, started.elapsed())
        }
        .instrument(span);
        futures::future::Either::Right(answered)
    }
}

impl Run<'_> {
    /// The handler of `route` for `kind`, called with what it matched. A
    /// handler may panic before its future exists (in the closure body):
    /// that is caught here, its future's panics when it runs.
    fn start_handler(
        &self,
        route: &Route,
        kind: Method,
        matched: Matched,
        ctx: Context,
    ) -> std::thread::Result<Option<BoxFuture>> {
        std::panic::catch_unwind(AssertUnwindSafe(|| -> Option<BoxFuture> {
            match kind {
                Method::Get => route
                    .get
                    .as_ref()
                    .map(|handler| handler(Get { matched }, ctx)),
                Method::Set => route.set.as_ref().map(|handler| {
                    let graph = self.set_graph(&matched);
                    handler(Set { matched, graph }, ctx)
                }),
                Method::Call => route.call.as_ref().map(|handler| {
                    let payload = self.payload.call.clone().unwrap_or_default();
                    let call = Call {
                        matched,
                        arguments: payload.arguments,
                        path_suffixes: payload.path_suffixes,
                        paths: payload.paths,
                    };
                    handler(call, ctx)
                }),
            }
        }))
    }
}

/// A route call's handler, ready to run within the request's deadline,
/// recorded in its trace and stats.
struct Handler {
    future: std::thread::Result<Option<BoxFuture>>,
    deadline: Option<tokio::time::Instant>,
    trace: Option<trace::Trace>,
    traced: Option<usize>,
    /// The request, whose stats count a failed call.
    request: Context,
}

impl Handler {
    /// Runs the handler: past the request's deadline it is dropped and
    /// its paths are errors (the rest of the answer stands); a panic is
    /// an error that leaks nothing.
    async fn run(self) -> Answer {
        let Handler {
            future,
            deadline,
            trace,
            traced,
            request,
        } = self;
        let answer = match future {
            Ok(Some(future)) => {
                let run =
                    AssertUnwindSafe(trace::in_route(trace.clone(), traced, future)).catch_unwind();
                let done = match deadline {
                    Some(deadline) => tokio::time::timeout_at(deadline, run)
                        .await
                        .unwrap_or_else(|_| Ok(Err(past_deadline()))),
                    None => run.await,
                };
                done.unwrap_or_else(|panic| Err(panicked(panic)))
            }
            Err(panic) => Err(panicked(panic)),
            // Candidates are chosen for their handlers: not reached.
            Ok(None) => Ok(super::handler::Output::new()),
        };
        if let Err(err) = &answer {
            let span = tracing::Span::current();
            span.record("error", tracing::field::display(err));
            span.record("otel.status_code", "ERROR");
            tracing::debug!(error = %err, "route handler failed");
            request.stats().add_failed_route_call();
        }
        if let (Some(trace), Some(id)) = (&trace, traced) {
            let error = answer.as_ref().err().map(ToString::to_string);
            trace.route_ended(id, error);
        }
        answer
    }
}

/// The error a panicking handler answers: logged with what it said, and
/// a message for the client that leaks nothing.
fn panicked(panic: Box<dyn std::any::Any + Send>) -> HandlerError {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %what, "route handler panicked");
    HandlerError::new("the route handler failed unexpectedly")
}

/// The error of a route that had not answered by the request's deadline.
fn past_deadline() -> HandlerError {
    tracing::warn!("route handler dropped at the request's deadline");
    HandlerError::new("not answered within the request's deadline")
}
