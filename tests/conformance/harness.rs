//! Routes declared as data, built into a [`Router`] whose handlers record
//! what they were given.
//!
//! A case's `input.routes` is a list of `{route, get?, set?, call?}`; each
//! handler is declared in the small language of the cases README:
//!
//! | handler | answers |
//! | --- | --- |
//! | `{returns: X}` | X: a path value, an envelope, or a list of them; `{path, invalidated: true}` invalidates `path`. What does not decode fails the handler with the reason |
//! | `{}` | nothing ([`Output::new`]) |
//! | `{table: {...}}` | one path value per path it was given whose keys, as strings, JSON-encoded, are a key of the table |
//! | `{throw: msg}` | `HandlerError::new(msg)` |
//! | `{throwString: s}` | an error value without a message (falcor loses it) |
//! | `{throwJSONGraphError: v}` | the error value `v` |
//! | `{echo: true}` | set: the JSON Graph it was given, as an envelope without `paths` |
//! | `{echoAsPathValues: true}` | set: each leaf of it as a path value |
//!
//! `async: "promise"` or `"observable"` answers the same after yielding to
//! the runtime; `"promise-reject"` fails after yielding, with
//! `rejectMessage` (or the `throw` message).
//!
//! Every handler call is recorded in the shared [`Log`] before it answers.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use peregrine::graph::{Envelope, Graph, PathValue, Value};
use peregrine::path::{Key, Matcher, PathSet, Pattern};
use peregrine::router::{self, Builder, HandlerError, Matched, Output, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value as Json};

use crate::case::decode;

/// What one handler was given, as recorded when it was called.
#[derive(Debug, Clone)]
pub(crate) struct Invocation {
    /// The route's pattern as our printer writes it.
    pub(crate) route: String,
    /// `get`, `set` or `call`: the handler that ran (a get handler that a
    /// set falls back to records `get`).
    pub(crate) method: &'static str,
    /// The matched path sets, cut to the pattern's length (for a call,
    /// the call path).
    pub(crate) path_sets: Vec<PathSet>,
    /// A set handler's JSON Graph.
    pub(crate) graph: Option<Graph>,
    /// A call handler's arguments, suffixes and paths, as JSON.
    pub(crate) call: Option<CallArguments>,
    /// The keys each named token received.
    pub(crate) named: BTreeMap<String, Vec<Key>>,
}

/// What a call handler was given besides its path.
#[derive(Debug, Clone)]
pub(crate) struct CallArguments {
    pub(crate) args: Json,
    pub(crate) path_suffixes: Json,
    pub(crate) paths: Json,
}

/// The handler calls of one request, in the order they were made.
#[derive(Debug, Clone, Default)]
pub(crate) struct Log(Arc<Mutex<Vec<Invocation>>>);

impl Log {
    fn record(&self, invocation: Invocation) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(invocation);
    }

    /// Every call recorded so far.
    pub(crate) fn calls(&self) -> Vec<Invocation> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A route as the case declares it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteSpec {
    route: String,
    get: Option<HandlerSpec>,
    set: Option<HandlerSpec>,
    call: Option<HandlerSpec>,
}

/// A handler as the case declares it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct HandlerSpec {
    returns: Option<Json>,
    table: Option<Map<String, Json>>,
    throw: Option<String>,
    throw_string: Option<Json>,
    #[serde(rename = "throwJSONGraphError")]
    throw_json_graph_error: Option<Json>,
    #[serde(default)]
    echo: bool,
    #[serde(default)]
    echo_as_path_values: bool,
    #[serde(rename = "async")]
    asynchrony: Option<String>,
    reject_message: Option<String>,
}

/// The router's options as the case declares them; falcor reads 0 as the
/// default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct OptionsSpec {
    #[serde(default)]
    max_paths: u64,
    #[serde(default)]
    max_ref_follow: usize,
}

/// What a handler answers, decided when the route table is built.
#[derive(Debug)]
enum Answer {
    /// A fixed answer, or why it does not decode.
    Returns(Result<Output, String>),
    /// A value per path, by the path's keys as strings.
    Table(HashMap<Vec<String>, Value>),
    Fail(Value),
    Echo,
    EchoAsPathValues,
}

/// When a handler answers.
#[derive(Debug, Clone)]
enum Timing {
    Now,
    Later,
    Reject(String),
}

#[derive(Debug)]
struct Behaviour {
    answer: Answer,
    timing: Timing,
}

/// Builds the case's routes into a router whose handlers record into
/// `log`. The outer error is a malformed case; the inner one is the
/// router refusing the table.
pub(crate) fn build(
    routes: &Json,
    options: Option<&Json>,
    log: &Log,
) -> Result<Result<Router, router::Error>, String> {
    let routes: Vec<RouteSpec> = decode(routes, "input.routes")?;
    let options: OptionsSpec = match options {
        Some(options) => decode(options, "input.options")?,
        None => OptionsSpec::default(),
    };
    let mut builder = Router::builder();
    if options.max_paths > 0 {
        builder = builder.max_paths(options.max_paths);
    }
    if options.max_ref_follow > 0 {
        builder = builder.max_ref_follow(options.max_ref_follow);
    }
    for spec in routes {
        builder = add_route(builder, spec, log)?;
    }
    Ok(builder.build())
}

fn add_route(mut builder: Builder, spec: RouteSpec, log: &Log) -> Result<Builder, String> {
    let text = spec.route.as_str();
    let context = |method: &str| format!("the {method} handler of route `{text}`");
    if let Some(handler) = spec.get {
        let behaviour = Arc::new(behaviour(handler, false, &context("get"))?);
        let log = log.clone();
        builder = builder.get(text, move |request, _ctx| {
            log.record(invocation(&request, "get", None, None));
            respond(&behaviour, &request, None)
        });
    }
    if let Some(handler) = spec.set {
        let behaviour = Arc::new(behaviour(handler, true, &context("set"))?);
        let log = log.clone();
        builder = builder.set(text, move |request, _ctx| {
            let graph = Some(request.graph().clone());
            log.record(invocation(&request, "set", graph, None));
            respond(&behaviour, &request, Some(request.graph()))
        });
    }
    if let Some(handler) = spec.call {
        let behaviour = Arc::new(behaviour(handler, false, &context("call"))?);
        let log = log.clone();
        builder = builder.call(text, move |request, _ctx| {
            let call = CallArguments {
                args: Json::Array(request.arguments().to_vec()),
                path_suffixes: crate::compare::to_json(&request.path_suffixes()),
                paths: crate::compare::to_json(&request.paths()),
            };
            log.record(invocation(&request, "call", None, Some(call)));
            respond(&behaviour, &request, None)
        });
    }
    Ok(builder)
}

fn invocation(
    request: &Matched,
    method: &'static str,
    graph: Option<Graph>,
    call: Option<CallArguments>,
) -> Invocation {
    let named = request
        .pattern()
        .iter()
        .filter_map(|matcher| match matcher {
            Matcher::Token(token) => token.name.as_deref(),
            Matcher::KeySet(_) => None,
        })
        .filter_map(|name| Some((name.to_owned(), request.keys(name).ok()?)))
        .collect();
    Invocation {
        route: request.pattern().to_string(),
        method,
        path_sets: request.path_sets().to_vec(),
        graph,
        call,
        named,
    }
}

/// The answer of `behaviour` to `request` (with `graph` for a set), as a
/// future that settles per its timing.
fn respond(
    behaviour: &Behaviour,
    request: &Matched,
    graph: Option<&Graph>,
) -> impl std::future::Future<Output = Result<Output, HandlerError>> + Send + 'static {
    let answer = answer(&behaviour.answer, request, graph);
    let timing = behaviour.timing.clone();
    async move {
        match timing {
            Timing::Now => answer,
            Timing::Later => {
                tokio::task::yield_now().await;
                answer
            }
            Timing::Reject(message) => {
                tokio::task::yield_now().await;
                Err(HandlerError::new(message))
            }
        }
    }
}

fn answer(
    answer: &Answer,
    request: &Matched,
    graph: Option<&Graph>,
) -> Result<Output, HandlerError> {
    match answer {
        Answer::Returns(Ok(output)) => Ok(output.clone()),
        Answer::Returns(Err(why)) => Err(HandlerError::new(why.clone())),
        Answer::Table(table) => Ok(request
            .every_path()
            .filter_map(|path| {
                let names: Vec<String> = path.iter().map(Key::to_member_name).collect();
                let value = table.get(&names)?.clone();
                Some(PathValue::new(path.to_path_set(), value))
            })
            .collect()),
        Answer::Fail(value) => Err(HandlerError::value(value.clone())),
        Answer::Echo => Ok(Envelope::new(set_graph(graph)?.clone()).into()),
        Answer::EchoAsPathValues => Ok(set_graph(graph)?
            .leaves()
            .into_iter()
            .map(|(path, value)| PathValue::new(path.to_path_set(), value.clone()))
            .collect()),
    }
}

fn set_graph(graph: Option<&Graph>) -> Result<&Graph, HandlerError> {
    graph.ok_or_else(|| HandlerError::new("echo: only a set handler is given a JSON Graph"))
}

/// Reads a handler's declaration; `what` names it in messages.
fn behaviour(spec: HandlerSpec, is_set: bool, what: &str) -> Result<Behaviour, String> {
    let mut answers = Vec::new();
    if let Some(returns) = &spec.returns {
        answers.push(Answer::Returns(returns_output(returns)));
    }
    if let Some(table) = &spec.table {
        answers.push(Answer::Table(read_table(table, what)?));
    }
    if let Some(message) = &spec.throw {
        answers.push(Answer::Fail(Value::error(message.clone())));
    }
    if spec.throw_string.is_some() {
        // Falcor turns a thrown non-Error into an error value without a
        // message.
        answers.push(Answer::Fail(Value::error_value(json!({}))));
    }
    if let Some(sentinel) = &spec.throw_json_graph_error {
        let value = decode(sentinel, &format!("the throwJSONGraphError of {what}"))?;
        answers.push(Answer::Fail(value));
    }
    if spec.echo {
        answers.push(Answer::Echo);
    }
    if spec.echo_as_path_values {
        answers.push(Answer::EchoAsPathValues);
    }
    if answers.len() > 1 {
        return Err(format!(
            "malformed case: {what} declares more than one answer"
        ));
    }
    let answer = answers.pop().unwrap_or(Answer::Returns(Ok(Output::new())));
    if matches!(answer, Answer::Echo | Answer::EchoAsPathValues) && !is_set {
        return Err(format!(
            "malformed case: {what} echoes, which only a set handler can"
        ));
    }
    let timing = match spec.asynchrony.as_deref() {
        None => Timing::Now,
        Some("promise" | "observable") => Timing::Later,
        Some("promise-reject") => Timing::Reject(
            spec.reject_message
                .or(spec.throw)
                .unwrap_or_else(|| String::from("the handler's promise was rejected")),
        ),
        Some(other) => {
            return Err(format!(
                "malformed case: {what} has unknown async {other:?}"
            ))
        }
    };
    Ok(Behaviour { answer, timing })
}

/// A `returns` declaration as an [`Output`], or why it is not one: a path
/// value, an envelope, `{path, invalidated: true}`, or a list of these.
fn returns_output(returns: &Json) -> Result<Output, String> {
    let items = match returns {
        Json::Array(items) => items.as_slice(),
        single => std::slice::from_ref(single),
    };
    let mut output = Output::new();
    for item in items {
        let problem = |err: serde_json::Error, what: &str| {
            format!("the handler's answer {item} is not {what}: {err}")
        };
        if item.get("jsonGraph").is_some() {
            let envelope = Envelope::deserialize(item).map_err(|e| problem(e, "an envelope"))?;
            output = output.envelope(envelope);
        } else if item.get("invalidated") == Some(&Json::Bool(true)) {
            let path = item.get("path").unwrap_or(&Json::Null);
            let path = PathSet::deserialize(path).map_err(|e| problem(e, "an invalidation"))?;
            output = output.invalidate(path);
        } else {
            let value = PathValue::deserialize(item).map_err(|e| problem(e, "a path value"))?;
            output.push(value);
        }
    }
    Ok(output)
}

/// A table's keys (JSON arrays of strings) as lists of strings, its values
/// as JSON Graph values.
fn read_table(
    table: &Map<String, Json>,
    what: &str,
) -> Result<HashMap<Vec<String>, Value>, String> {
    table
        .iter()
        .map(|(key, value)| {
            let names: Vec<String> = serde_json::from_str(key).map_err(|err| {
                format!("malformed case: the table key {key:?} of {what} is not a JSON array of strings: {err}")
            })?;
            let value: Value = decode(value, &format!("the table value at {key} of {what}"))?;
            Ok((names, value))
        })
        .collect()
}

/// The canonical text of a route pattern, as our printer writes it.
pub(crate) fn canonical_route(text: &str) -> Result<String, String> {
    Pattern::parse(text)
        .map(|pattern| pattern.to_string())
        .map_err(|err| format!("malformed case: the route `{text}` does not parse: {err}"))
}
