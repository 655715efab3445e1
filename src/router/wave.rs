//! Running a request in waves.
//!
//! A wave matches every pending path set at once, splits them among the
//! routes by precedence, calls each route once with the union of what it
//! matched (all routes of a wave concurrently), and merges the answers
//! into the response graph. Where a route's pattern ended before the
//! requested path did, the refs it answered are followed: the rest of the
//! path, at the ref's target, is what the next wave matches. The request
//! is settled when nothing is pending.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use futures::future::join_all;
use futures::FutureExt;
use tracing::Instrument;

use crate::graph::{Graph, Value};
use crate::path::{merge, KeySet, Path, PathSet};
use crate::trace;

use super::context::Context;
use super::error::{Error, ErrorKind};
use super::handler::{Answer, BoxFuture, HandlerError};
use super::hooks::Journal;
use super::request::{Call, Get, Matched, Set};
use super::table::{Method, Router};

/// A part of a requested path set that one route serves: the keys its
/// pattern matched, and the rest of the path beyond the pattern's end.
#[derive(Debug, Clone)]
pub(crate) struct Match {
    pub(crate) prefix: PathSet,
    pub(crate) suffix: Vec<KeySet>,
}

impl Match {
    /// The whole path set this match stands for.
    pub(crate) fn asked(&self) -> PathSet {
        self.prefix
            .iter()
            .cloned()
            .chain(self.suffix.iter().cloned())
            .collect()
    }
}

/// One route's share of a wave.
#[derive(Debug)]
pub(crate) struct Assignment {
    pub(crate) route: usize,
    /// What the route's handler is called as: get (also where a set or
    /// call goes through a route's refs), set, or call.
    pub(crate) kind: Method,
    pub(crate) matches: Vec<Match>,
}

/// What set and call requests bring beyond paths.
#[derive(Debug, Default)]
pub(crate) struct Payload {
    /// For set: the value to set at each path, by the path's current
    /// (ref-resolved) location.
    pub(crate) values: HashMap<Path, Value>,
    /// For call: the arguments, suffixes and paths of the call.
    pub(crate) call: Option<CallPayload>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct CallPayload {
    pub(crate) arguments: Vec<serde_json::Value>,
    pub(crate) path_suffixes: Vec<PathSet>,
    pub(crate) paths: Vec<PathSet>,
}

/// What a call handler answered, for the call to report.
#[derive(Debug)]
pub(crate) struct CallAnswer {
    pub(crate) route: usize,
    pub(crate) prefixes: Vec<PathSet>,
    pub(crate) answer: Result<super::handler::Output, HandlerError>,
}

/// One request being run: the router, the context, and the response
/// graph built so far.
pub(crate) struct Run<'r> {
    pub(crate) router: &'r Router,
    pub(crate) ctx: &'r Context,
    pub(crate) response: Graph,
    pub(crate) payload: Payload,
    pub(crate) call_answers: Vec<CallAnswer>,
    /// What each source route (by index) answered so far in this request,
    /// along the paths it was asked: read before it is asked again.
    pub(crate) kept: HashMap<usize, Graph>,
    /// The route calls, when a summary is wanted.
    pub(crate) journal: Option<Journal>,
    /// How many waves have run.
    waves: usize,
}

impl<'r> Run<'r> {
    /// Gives the request's summary to the router's hooks, if they want
    /// one: a request of `method` for `paths` that failed with `error`,
    /// if it did.
    pub(crate) fn summarize(
        &mut self,
        method: Method,
        paths: &[PathSet],
        error: Option<&dyn std::fmt::Display>,
    ) {
        if let Some(journal) = self.journal.take() {
            journal.finish(&self.router.hooks, method, paths, error);
        }
    }

    pub(crate) fn new(router: &'r Router, ctx: &'r Context) -> Run<'r> {
        Run {
            router,
            ctx,
            response: Graph::new(),
            payload: Payload::default(),
            call_answers: Vec::new(),
            kept: HashMap::new(),
            journal: router.hooks.wants_summary().then(Journal::new),
            waves: 0,
        }
    }

    fn max_ref_follow(&self) -> usize {
        self.router.options.max_ref_follow
    }

    /// Runs waves until nothing is pending. `method` says what the paths
    /// are for; `original` are the requested paths, used to name a ref
    /// cycle if the waves do not settle.
    pub(crate) async fn settle(
        &mut self,
        mut pending: Vec<PathSet>,
        method: Method,
        original: &[PathSet],
    ) -> Result<(), Error> {
        // Each wave either consumes a key of a requested path or follows
        // one more ref of a chain, so a request settles within this many.
        let longest = pending.iter().map(|set| set.len()).max().unwrap_or(0);
        let limit = longest + self.max_ref_follow() + 2;
        let mut wave = 0;
        while !pending.is_empty() {
            wave += 1;
            if wave > limit {
                self.response.optimize(original, self.max_ref_follow())?;
                return Err(Error::new(ErrorKind::TooManyWaves { limit }));
            }
            let assignments = self.assign(&pending, method);
            self.waves += 1;
            let span = tracing::debug_span!("wave", wave, routes = assignments.len());
            let trace = self.ctx.trace();
            let traced = trace
                .map(|trace| trace.wave_started(pending.iter().map(PathSet::to_string).collect()));
            pending = self
                .run_wave(assignments, method, traced)
                .instrument(span)
                .await?;
            if let (Some(trace), Some(index)) = (trace, traced) {
                trace.wave_ended(index);
            }
        }
        Ok(())
    }

    /// Splits the pending path sets among the routes: for each, the
    /// matching routes in precedence order each take their share of what
    /// is left. What no route takes stays unanswered (and is materialized
    /// as an empty atom at the end).
    fn assign(&self, pending: &[PathSet], method: Method) -> Vec<Assignment> {
        let table = &self.router.table;
        let mut assignments: Vec<Assignment> = Vec::new();
        for path_set in pending {
            let mut remaining = vec![path_set.clone()];
            for candidate in table.candidates(path_set, method) {
                if remaining.is_empty() {
                    break;
                }
                let len = candidate.matched.len();
                let route = &table.routes[candidate.route];
                let kind = match (method, len == path_set.len()) {
                    _ if route.whole => method,
                    (Method::Set, true) if route.set.is_some() => Method::Set,
                    (Method::Call, true) => Method::Call,
                    _ => Method::Get,
                };
                let pattern_keys = PathSet::new(candidate.matched);
                let mut left = Vec::with_capacity(remaining.len());
                for part in remaining {
                    let (head, tail) = part.split_at(len);
                    let head = PathSet::new(head.to_vec());
                    let Some(taken) = head.intersect(&pattern_keys) else {
                        left.push(part);
                        continue;
                    };
                    for piece in head.subtract(&taken) {
                        left.push(piece.iter().cloned().chain(tail.iter().cloned()).collect());
                    }
                    let found = assignments
                        .iter_mut()
                        .find(|a| a.route == candidate.route && a.kind == kind);
                    let matched = Match {
                        prefix: taken,
                        suffix: tail.to_vec(),
                    };
                    match found {
                        Some(assignment) => assignment.matches.push(matched),
                        None => assignments.push(Assignment {
                            route: candidate.route,
                            kind,
                            matches: vec![matched],
                        }),
                    }
                }
                remaining = left;
            }
        }
        assignments
    }

    /// Calls every assigned route at once, merges their answers, and
    /// returns what the next wave must match.
    /// `wave` is the wave's index in the request's trace, when traced.
    async fn run_wave(
        &mut self,
        assignments: Vec<Assignment>,
        method: Method,
        wave: Option<usize>,
    ) -> Result<Vec<PathSet>, Error> {
        // Sources first give what they answered earlier in the request;
        // only the rest is asked of them, and all of it is followed.
        let mut followed = Vec::with_capacity(assignments.len());
        let mut called = Vec::with_capacity(assignments.len());
        for mut assignment in assignments {
            let whole = self.router.table.routes[assignment.route].whole;
            if !whole || assignment.kind == Method::Call {
                called.push(assignment);
                continue;
            }
            followed.push((true, assignment.matches.clone()));
            self.answer_kept(&mut assignment);
            if !assignment.matches.is_empty() {
                called.push(assignment);
            }
        }
        let assignments = called;
        self.ctx.stats().add_wave(assignments.len());
        let calls: Vec<_> = assignments
            .iter()
            .map(|assignment| self.call_route(assignment, wave))
            .collect();
        let answers = join_all(calls).await;
        for (assignment, (prefixes, answer, took)) in assignments.into_iter().zip(answers) {
            let route = &self.router.table.routes[assignment.route];
            let whole = route.whole;
            if let Some(journal) = &mut self.journal {
                journal.record(
                    &route.text,
                    assignment.kind,
                    self.waves,
                    &prefixes,
                    (&answer, took),
                );
            }
            if let Err(error) = &answer {
                self.router.hooks.path_error(&route.text, &prefixes, error);
            }
            if assignment.kind == Method::Call {
                self.call_answers.push(CallAnswer {
                    route: assignment.route,
                    prefixes,
                    answer,
                });
                continue;
            }
            if whole {
                self.merge_whole(assignment.route, answer, &prefixes);
                continue;
            }
            let asked: Vec<PathSet> = assignment.matches.iter().map(Match::asked).collect();
            self.merge_answer(answer, &prefixes, &asked)?;
            followed.push((false, assignment.matches));
        }
        // Refs are followed once every answer of the wave is in, so that
        // what another route answered in this wave is not asked again.
        let mut next = Vec::new();
        for (whole, matches) in &followed {
            next.extend(self.follow(matches, method, *whole)?);
        }
        Ok(merge(next))
    }

    /// Builds a route's handler call for one wave: its matched path sets
    /// (collapsed into as few as can be) and, for set, its values. When
    /// the request is traced (`wave` is its index), the call is recorded
    /// and its handler runs as that route call ([`trace::in_route`]).
    fn call_route(
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
        // A handler may panic before its future exists (in the closure
        // body): that is caught here, the future's panics below.
        let future = std::panic::catch_unwind(AssertUnwindSafe(|| -> Option<BoxFuture> {
            match assignment.kind {
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
                    handler(
                        Call {
                            matched,
                            arguments: payload.arguments,
                            path_suffixes: payload.path_suffixes,
                            paths: payload.paths,
                        },
                        ctx,
                    )
                }),
            }
        }));
        let span = tracing::debug_span!("route", route = %route.text, kind = ?assignment.kind);
        let deadline = self.ctx.deadline().map(tokio::time::Instant::from_std);
        let trace = self.ctx.trace().cloned();
        // The answer is counted in the request's stats.
        let request = self.ctx.clone();
        let traced = trace.as_ref().zip(wave).map(|(trace, wave)| {
            let paths = prefixes.iter().map(PathSet::to_string).collect();
            trace.route_started(wave, route.text.clone(), assignment.kind.name(), paths)
        });
        let answered = async move {
            let started = Instant::now();
            let answer = match future {
                // Past the request's deadline the handler is dropped and
                // its paths are errors; the rest of the answer stands.
                Ok(Some(future)) => {
                    let run = AssertUnwindSafe(trace::in_route(trace.clone(), traced, future))
                        .catch_unwind();
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
                tracing::debug!(error = %err, "route handler failed");
                request.stats().add_failed_route_call();
            }
            if let (Some(trace), Some(id)) = (&trace, traced) {
                let error = answer.as_ref().err().map(ToString::to_string);
                trace.route_ended(id, error);
            }
            (prefixes, answer, started.elapsed())
        }
        .instrument(span);
        futures::future::Either::Right(answered)
    }

    /// The part of a set request's values that a set route matched.
    fn set_graph(&self, matched: &Matched) -> Graph {
        let mut graph = Graph::new();
        for path in matched.every_path() {
            if let Some(value) = self.payload.values.get(&path) {
                graph.set_path(&path, value.clone());
            }
        }
        graph
    }

    /// Merges a get or set handler's answer: its path values wherever they
    /// point, its envelopes along their paths (or along what it was asked),
    /// or its error at every path it was asked for.
    fn merge_answer(
        &mut self,
        answer: Answer,
        prefixes: &[PathSet],
        asked: &[PathSet],
    ) -> Result<(), Error> {
        let max_ref_follow = self.max_ref_follow();
        match answer {
            Ok(output) => {
                let (values, envelopes, _invalidated) = output.into_parts();
                self.response.set_all(values);
                for envelope in envelopes {
                    let paths = envelope.paths.as_deref().unwrap_or(asked);
                    self.response
                        .merge_along(&envelope.json_graph, paths, max_ref_follow)?;
                }
            }
            Err(err) => {
                let value = err.into_value();
                for prefix in prefixes {
                    self.response.set(prefix, value.clone());
                }
            }
        }
        Ok(())
    }

    /// What the next wave must match after these matches were answered:
    /// the rest of each path past the refs its route answered (a source's
    /// refs anywhere along its paths: `whole`).
    fn follow(
        &mut self,
        matches: &[Match],
        method: Method,
        whole: bool,
    ) -> Result<Vec<PathSet>, Error> {
        let max_ref_follow = self.max_ref_follow();
        let mut next = Vec::new();
        for matched in matches.iter().filter(|m| whole || !m.suffix.is_empty()) {
            if method != Method::Set {
                next.extend(
                    self.response
                        .missing_past_refs(&[matched.asked()], max_ref_follow)?,
                );
                continue;
            }
            // A set path keeps its value as it moves through refs.
            for path in matched.asked().expand() {
                let Some(value) = self.payload.values.get(&path).cloned() else {
                    continue;
                };
                let moved = self
                    .response
                    .missing_past_refs(&[path.to_path_set()], max_ref_follow)?;
                for target in moved {
                    if let Some(target_path) = single_path(&target) {
                        self.payload.values.insert(target_path, value.clone());
                    }
                    next.push(target);
                }
            }
        }
        Ok(next)
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

/// The one path of a path set of single keys.
fn single_path(set: &PathSet) -> Option<Path> {
    set.iter()
        .map(|keys| match keys {
            KeySet::Key(key) => Some(key.clone()),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .map(Path::from)
}
