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

use futures::future::join_all;
use tracing::Instrument;

use crate::graph::{Graph, Value};
use crate::path::{merge, KeySet, Path, PathSet};

use super::context::Context;
use super::error::{Error, Reason};
use super::handler::{Answer, HandlerError};
use super::hooks::Journal;
use super::request::Matched;
use super::table::{Method, Router};

mod assign;

/// The matches to follow refs from, each marked whether a source's.
type Followed = Vec<(bool, Vec<Match>)>;

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
    /// Whether a path asked may be left unanswered: one no route took,
    /// or one given to a route whose answer is not known to answer all
    /// it was asked. When not, no path is left to materialize.
    pub(crate) unsure: bool,
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
            unsure: false,
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
                return Err(Error::new(Reason::TooManyWaves { limit }));
            }
            let (assignments, untaken) = self.assign(&pending, method);
            self.unsure |= untaken;
            self.waves += 1;
            let span = tracing::debug_span!(
                "wave",
                wave,
                paths = pending.len(),
                routes = assignments.len()
            );
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

    /// Calls every assigned route at once, merges their answers, and
    /// returns what the next wave must match.
    /// `wave` is the wave's index in the request's trace, when traced.
    async fn run_wave(
        &mut self,
        assignments: Vec<Assignment>,
        method: Method,
        wave: Option<usize>,
    ) -> Result<Vec<PathSet>, Error> {
        let (assignments, mut followed) = self.kept_first(assignments);
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
                self.unsure = true;
                self.merge_whole(assignment.route, answer, &prefixes);
                continue;
            }
            // A failure is its error at every path asked: an answer.
            self.unsure |= answer.as_ref().is_ok_and(|output| !output.is_complete());
            let asked: Vec<PathSet> = assignment.matches.iter().map(Match::asked).collect();
            self.merge_answer(answer, &prefixes, &asked)?;
            followed.push((false, assignment.matches));
        }
        // Refs are followed once every answer of the wave is in, so that
        // what another route answered in this wave is not asked again.
        self.follow_all(&followed, method)
    }

    /// The wave's calls: sources first give what they answered earlier
    /// in the request, and only the rest is asked of them; and the
    /// matches to follow refs from, a source's whole (`true`) with all
    /// it matched.
    fn kept_first(&mut self, assignments: Vec<Assignment>) -> (Vec<Assignment>, Followed) {
        let mut followed = Vec::with_capacity(assignments.len());
        let mut called = Vec::with_capacity(assignments.len());
        for mut assignment in assignments {
            let whole = self.router.table.routes[assignment.route].whole;
            if !whole || assignment.kind == Method::Call {
                called.push(assignment);
                continue;
            }
            // A source answers what it has, not known to be all.
            self.unsure = true;
            followed.push((true, assignment.matches.clone()));
            self.answer_kept(&mut assignment);
            if !assignment.matches.is_empty() {
                called.push(assignment);
            }
        }
        (called, followed)
    }

    /// The next wave's paths: the refs answered before each match's end,
    /// followed. A source's refs that loop or pass through other refs are
    /// its failure, at its own paths.
    fn follow_all(&mut self, followed: &Followed, method: Method) -> Result<Vec<PathSet>, Error> {
        let mut next = Vec::new();
        for (whole, matches) in followed {
            match self.follow(matches, method, *whole) {
                Ok(more) => next.extend(more),
                Err(error) if *whole => self.refs_failed(matches, &error),
                Err(error) => return Err(error),
            }
        }
        Ok(merge(next))
    }

    /// The part of a set request's values that a set route matched.
    pub(crate) fn set_graph(&self, matched: &Matched) -> Graph {
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
                let parts = output.into_parts();
                self.response.merge(parts.graph);
                self.response.set_all(parts.values);
                for envelope in parts.envelopes {
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

/// The one path of a path set of single keys.
pub(crate) fn single_path(set: &PathSet) -> Option<Path> {
    set.iter()
        .map(|keys| match keys {
            KeySet::Key(key) => Some(key.clone()),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .map(Path::from)
}
