//! Hooks: what a request did, for teams that watched falcor-router's
//! `methodSummary` and `pathError`.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use peregrine::path::PathSet;
//! use peregrine::router::{Context, HandlerError, Output, Router};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let seen = Arc::new(Mutex::new(Vec::new()));
//! let errors = seen.clone();
//! let router = Router::builder()
//!     .get("videos[{integers:ids}].rating", |_req, _ctx| async {
//!         Err::<Output, _>(HandlerError::new("ratings service unavailable"))
//!     })
//!     .on_summary(|summary| println!("{} {} route calls", summary.method, summary.calls.len()))
//!     .on_path_error(move |error| errors.lock().unwrap().push(error.paths.clone()))
//!     .build()?;
//! router.get(&[PathSet::parse("videos[1..2].rating")?], &Context::new()).await?;
//! assert_eq!(*seen.lock().unwrap(), [vec![PathSet::parse("videos[1..2].rating")?]]);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::path::PathSet;

use super::builder::Builder;
use super::handler::{Answer, HandlerError};
use super::table::Method;

/// What one request did: given to [`Builder::on_summary`] once the
/// request is answered (or has failed).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Summary {
    /// `get`, `set` or `call`.
    pub method: &'static str,
    /// The paths asked (for a call, the function's path).
    pub paths: Vec<PathSet>,
    /// When the request started.
    pub started: SystemTime,
    /// How long it took.
    pub duration: Duration,
    /// Each route handler called, in the order the waves called them.
    pub calls: Vec<RouteCall>,
    /// Why the request failed as a whole, if it did (a ref cycle, a call
    /// that failed); failed route calls alone do not fail it.
    pub error: Option<String>,
}

/// One route handler call of a request.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RouteCall {
    /// The route's pattern (`(fallback)` for the fallback).
    pub route: String,
    /// What it was called as: `get`, `set` or `call`.
    pub method: &'static str,
    /// The wave that called it, from 1.
    pub wave: usize,
    /// The paths it was asked.
    pub paths: Vec<PathSet>,
    /// How long it took to answer.
    pub duration: Duration,
    /// Why it failed, if it did: its paths hold this error.
    pub error: Option<String>,
}

/// A route handler's failure at the paths it was asked: given to
/// [`Builder::on_path_error`] as it happens.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PathError {
    /// The route's pattern.
    pub route: String,
    /// The paths that hold the error.
    pub paths: Vec<PathSet>,
    /// The error's message.
    pub message: String,
}

type SummaryHook = Arc<dyn Fn(&Summary) + Send + Sync>;
type PathErrorHook = Arc<dyn Fn(&PathError) + Send + Sync>;

/// The hooks a router calls.
#[derive(Clone, Default)]
pub(crate) struct Hooks {
    summary: Vec<SummaryHook>,
    path_error: Vec<PathErrorHook>,
}

impl Hooks {
    /// Whether anything wants summaries (so route calls are recorded).
    pub(crate) fn wants_summary(&self) -> bool {
        !self.summary.is_empty()
    }

    /// Tells the path-error hooks that `route` failed at `paths`.
    pub(crate) fn path_error(&self, route: &str, paths: &[PathSet], error: &HandlerError) {
        if self.path_error.is_empty() {
            return;
        }
        let error = PathError {
            route: route.to_owned(),
            paths: paths.to_vec(),
            message: error.message().to_owned(),
        };
        for hook in &self.path_error {
            hook(&error);
        }
    }
}

/// What a request records for its summary, when one is wanted.
pub(crate) struct Journal {
    started: SystemTime,
    clock: Instant,
    calls: Vec<RouteCall>,
}

impl Journal {
    pub(crate) fn new() -> Journal {
        Journal {
            started: SystemTime::now(),
            clock: Instant::now(),
            calls: Vec::new(),
        }
    }

    /// Records a route call that answered `answer` in `duration`.
    pub(crate) fn record(
        &mut self,
        route: &str,
        method: Method,
        wave: usize,
        paths: &[PathSet],
        (answer, duration): (&Answer, Duration),
    ) {
        self.calls.push(RouteCall {
            route: route.to_owned(),
            method: method.name(),
            wave,
            paths: paths.to_vec(),
            duration,
            error: answer
                .as_ref()
                .err()
                .map(|error| error.message().to_owned()),
        });
    }

    /// Gives the summary of a request of `method` for `paths` to `hooks`.
    pub(crate) fn finish(
        self,
        hooks: &Hooks,
        method: Method,
        paths: &[PathSet],
        error: Option<&dyn fmt::Display>,
    ) {
        let summary = Summary {
            method: method.name(),
            paths: paths.to_vec(),
            started: self.started,
            duration: self.clock.elapsed(),
            calls: self.calls,
            error: error.map(ToString::to_string),
        };
        for hook in &hooks.summary {
            hook(&summary);
        }
    }
}

impl Builder {
    /// Calls `hook` with the [`Summary`] of each request once it is
    /// answered: its method, paths, timing, and each route call with its
    /// paths, timing and outcome (falcor-router's `methodSummary`).
    /// Route calls are recorded only when a summary hook is set.
    pub fn on_summary(mut self, hook: impl Fn(&Summary) + Send + Sync + 'static) -> Builder {
        self.hooks_mut().summary.push(Arc::new(hook));
        self
    }

    /// Calls `hook` with each route handler failure and the paths it
    /// fills with its error (falcor-router's `pathError`).
    pub fn on_path_error(mut self, hook: impl Fn(&PathError) + Send + Sync + 'static) -> Builder {
        self.hooks_mut().path_error.push(Arc::new(hook));
        self
    }
}

impl Builder {
    /// Logs each request's summary (`info`, target `peregrine::request`)
    /// and each route failure (`warn`, target `peregrine::path_error`) as
    /// structured events: what `--log-requests` turns on in the server.
    pub fn log_requests(self) -> Builder {
        self.on_summary(log_summary).on_path_error(|error| {
            tracing::warn!(
                target: "peregrine::path_error",
                route = %error.route,
                paths = %joined(&error.paths),
                message = %error.message,
                "a route failed at its paths"
            );
        })
    }
}

fn log_summary(summary: &Summary) {
    let calls: Vec<serde_json::Value> = summary
        .calls
        .iter()
        .map(|call| {
            serde_json::json!({
                "route": call.route,
                "method": call.method,
                "wave": call.wave,
                "paths": call.paths,
                "ms": call.duration.as_secs_f64() * 1000.0,
                "error": call.error,
            })
        })
        .collect();
    let failed = summary
        .calls
        .iter()
        .filter(|call| call.error.is_some())
        .count();
    tracing::info!(
        target: "peregrine::request",
        method = summary.method,
        paths = %joined(&summary.paths),
        ms = summary.duration.as_secs_f64() * 1000.0,
        route_calls = summary.calls.len(),
        failed_route_calls = failed,
        calls = %serde_json::Value::from(calls),
        error = summary.error.as_deref(),
        "request"
    );
}

/// Path sets in path syntax, separated by `, `.
fn joined(paths: &[PathSet]) -> String {
    paths
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks")
            .field("summary", &self.summary.len())
            .field("path_error", &self.path_error.len())
            .finish()
    }
}
