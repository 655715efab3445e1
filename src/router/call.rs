//! call: run a function of the graph (`myList.push`) and report what it
//! changed.

use std::mem;

use serde_json::Value as Json;
use tracing::Instrument;

use crate::graph::{Envelope, Value};
use crate::path::{collapse, merge, Path, PathSet};

use super::context::Context;
use super::error::{Error, Reason};
use super::read_back::{ReadBack, Returned};
use super::table::{Method, Router};
use super::wave::{CallAnswer, CallPayload, Run};

impl Router {
    /// Calls the function at `call_path` with `arguments`, then reads what
    /// the caller asked back, as falcor-router does:
    /// - the paths the handler answered are reported in `paths`, a ref's
    ///   own path when there are no `path_suffixes`;
    /// - each ref it answered is read on with every suffix of
    ///   `path_suffixes`, and reported as a path under the caller's call
    ///   path;
    /// - each of `paths` is read relative to the call path's parent;
    /// - what it invalidated (with [`Output::invalidate`](super::Output::invalidate)
    ///   or an envelope's `invalidated`) is reported in `invalidated`.
    ///
    /// The positions before the function's name are resolved through get
    /// routes (`lists[0].push` reaches `listsById.A.push` through a ref).
    /// A call fails as a whole when no call route serves the path or the
    /// handler fails.
    ///
    /// Before the handler runs, the limits are checked on everything the
    /// call would read back, taking the refs the function returns to stand
    /// at least as deep as the call path (`myList.push` returns
    /// `myList[n]`): a function returning shallower refs may see a
    /// read-back refused that it could have made. A read-back that passes
    /// the limits only once the call is made is left unread.
    pub async fn call(
        &self,
        call_path: &PathSet,
        arguments: Vec<Json>,
        path_suffixes: Vec<PathSet>,
        paths: Vec<PathSet>,
        ctx: &Context,
    ) -> Result<Envelope, Error> {
        let span = tracing::info_span!("call", path = %call_path);
        async {
            self.check_call(call_path, &path_suffixes, &paths)?;
            let mut run = Run::new(self, ctx);
            let answered = self
                .run_call(&mut run, call_path, arguments, path_suffixes, paths)
                .await;
            let error = answered.as_ref().err().map(|e| e as _);
            run.summarize(Method::Call, std::slice::from_ref(call_path), error);
            answered
        }
        .instrument(span)
        .await
    }

    /// Runs the call in `run`: the function, then its read-back.
    async fn run_call(
        &self,
        run: &mut Run<'_>,
        call_path: &PathSet,
        arguments: Vec<Json>,
        path_suffixes: Vec<PathSet>,
        paths: Vec<PathSet>,
    ) -> Result<Envelope, Error> {
        run.payload.call = Some(CallPayload {
            arguments,
            path_suffixes: path_suffixes.clone(),
            paths: paths.clone(),
        });
        let requested = [call_path.clone()];
        let routed = run
            .through_sources(requested.to_vec(), Method::Call)
            .await?;
        run.settle(routed, Method::Call, &requested).await?;
        let answers = mem::take(&mut run.call_answers);
        if answers.is_empty() {
            return Err(Error::new(Reason::CallNotFound {
                path: call_path.clone(),
            }));
        }
        let max_ref_follow = self.options.max_ref_follow;
        let asked = (call_path, path_suffixes.as_slice(), paths.as_slice());
        let back = self.read_back(run, answers, asked)?;
        let ReadBack {
            mut reported,
            unread,
            mut queued,
            invalidated,
        } = back;
        // What the call's answer asks to read back counts toward the
        // limits too. The call has been made by now, so a read-back
        // past them is not a refusal (the client would take the call
        // as not made): it is left unread, and the client reads it
        // when it needs it.
        if let Err(error) = self.check(&queued, &[]) {
            tracing::info!(%error, "the call's read-back passes the limits: not read back");
            queued.clear();
            reported = unread;
        }
        let pending = run.response.optimize(&queued, max_ref_follow)?;
        run.settle(merge(pending), Method::Get, &queued).await?;
        run.response.materialize(&reported, max_ref_follow)?;
        Ok(Envelope {
            json_graph: mem::take(&mut run.response),
            paths: Some(collapse(&reported)),
            invalidated: (!invalidated.is_empty()).then(|| collapse(&invalidated)),
        })
    }
}

impl Router {
    /// What the call's `answers` report and ask to read back, their
    /// values merged into the response: a local handler's by the call's
    /// `(call path, path suffixes, paths)`, a source's as it said.
    fn read_back(
        &self,
        run: &mut Run<'_>,
        answers: Vec<CallAnswer>,
        (call_path, path_suffixes, paths): (&PathSet, &[PathSet], &[PathSet]),
    ) -> Result<ReadBack, Error> {
        let mut back = ReadBack::default();
        for answer in answers {
            let route = &self.table.routes[answer.route];
            let output = answer.answer.map_err(|err| call_error(&route.text, &err))?;
            if route.whole {
                let returned = merge_source_call(run, output, answer.route, &answer.prefixes);
                back.add_source(returned);
                continue;
            }
            let returned = merge_call_output(run, output, &route.text)?;
            back.add(returned, &answer.prefixes, call_path, path_suffixes, paths);
        }
        Ok(back)
    }
}

impl Router {
    /// Checks all that can be checked about a call before its handler
    /// runs, so that a refused call has made no change: the limits on its
    /// paths, one function named, and the length of what it reads back.
    /// A suffix is read under a ref the function returns, which stands at
    /// least as deep as the call path (`myList.push` returns
    /// `myList[n]`); each of `paths` is read under the call path's parent.
    fn check_call(
        &self,
        call_path: &PathSet,
        path_suffixes: &[PathSet],
        paths: &[PathSet],
    ) -> Result<(), Error> {
        self.check(std::slice::from_ref(call_path), &[path_suffixes, paths])?;
        if call_path.count() != 1 {
            return Err(Error::new(Reason::CallPathNotOne {
                path: call_path.clone(),
                count: call_path.count(),
            }));
        }
        let limit = self.options.max_path_length;
        let read_back = path_suffixes
            .iter()
            .map(|suffix| call_path.len() + suffix.len())
            .chain(
                paths
                    .iter()
                    .map(|path| call_path.len().saturating_sub(1) + path.len()),
            );
        match read_back.max() {
            Some(length) if length > limit => {
                Err(Error::new(Reason::ReadBackTooLong { length, limit }))
            }
            _ => Ok(()),
        }
    }
}

/// The error of a call whose handler of `route` failed with `err`.
fn call_error(route: &str, err: &super::handler::HandlerError) -> Error {
    let route = route.to_owned();
    let message = err.message().to_owned();
    Error::new(if err.is_sign_in() {
        Reason::SignInRequired { route, message }
    } else if err.is_bad_request() {
        Reason::CallRejected { route, message }
    } else {
        Reason::CallFailed { route, message }
    })
}

/// Takes what a source's function answered: the paths it reports under
/// the function's object (`myList` for `myList.push`) or where the router
/// would ask it anyway, its suffixes and paths read back already, where
/// they stand; the rest of its read-back
/// kept for the read-back's waves (see [`Run::take_source_graph`]);
/// paths elsewhere are dropped.
fn merge_source_call(
    run: &mut Run<'_>,
    output: super::handler::Output,
    route: usize,
    called: &[PathSet],
) -> Returned {
    let parts = output.into_parts();
    let mut returned = Returned {
        invalidated: parts.invalidated,
        ..Returned::default()
    };
    let mut graph = parts.graph;
    graph.set_all(parts.values);
    let mut reported = Vec::new();
    for envelope in parts.envelopes {
        graph.merge(envelope.json_graph);
        reported.extend(envelope.paths.unwrap_or_default());
        returned
            .invalidated
            .extend(envelope.invalidated.unwrap_or_default());
    }
    let objects: Vec<Path> = called
        .iter()
        .flat_map(PathSet::expand)
        .map(|path| Path::from(path[..path.len().saturating_sub(1)].to_vec()))
        .collect();
    let under_object = |path: &PathSet| {
        objects.iter().any(|object| {
            path.len() >= object.len()
                && object.iter().zip(path.iter()).all(|(key, keys)| {
                    keys.keys()
                        .all(|asked| asked.into_member() == key.to_member())
                })
        })
    };
    // What it reports under the function's object, or where the router
    // would ask it anyway (a source reports where its refs led).
    reported.retain(|path| under_object(path) || run.owns(route, path));
    returned
        .invalidated
        .retain(|path| under_object(path) || run.owns(route, path));
    let here = run.take_source_graph(route, graph, &reported);
    run.response.merge(here);
    returned.read_back = reported;
    returned
}

/// Sorts a value a call answered at `at` into refs and other values.
fn note(returned: &mut Returned, at: Path, value: &Value) {
    match value {
        Value::Ref(_) => returned.refs.push(at),
        _ => returned.values.push(at),
    }
}

/// Merges what a call handler answered into the response and sorts it
/// into refs, values and invalidations.
fn merge_call_output(
    run: &mut Run<'_>,
    output: super::handler::Output,
    route: &str,
) -> Result<Returned, Error> {
    let max_ref_follow = run.router.options.max_ref_follow;
    let parts = output.into_parts();
    let mut returned = Returned {
        invalidated: parts.invalidated,
        ..Returned::default()
    };
    for (at, value) in parts.graph.leaves() {
        note(&mut returned, at, value);
    }
    run.response.merge(parts.graph);
    for path_value in &parts.values {
        run.response.merge_path_value(path_value);
        for at in path_value.path.expand() {
            note(&mut returned, at, &path_value.value);
        }
    }
    for envelope in parts.envelopes {
        let Some(paths) = &envelope.paths else {
            return Err(Error::new(Reason::CallEnvelopeWithoutPaths {
                route: route.to_owned(),
            }));
        };
        let reading = envelope.json_graph.read(paths, max_ref_follow)?;
        for (at, value) in reading.graph.leaves() {
            note(&mut returned, at, value);
        }
        run.response.merge(reading.graph);
        returned
            .invalidated
            .extend(envelope.invalidated.unwrap_or_default());
    }
    Ok(returned)
}
