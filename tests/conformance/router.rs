//! Areas `router-get`, `router-set` and `router-call`: a route table built
//! from the case's data (see `harness`) answering one request.
//!
//! The request, `input.op`, runs on a current-thread tokio runtime. Then:
//!
//! - `output`: our envelope must equal it as JSON, with JSON Graph key
//!   rules, except that its `paths` and `invalidated` (a call's) compare
//!   as path sets: the same single paths, in no more path sets than
//!   falcor's, the order of the keys in a key set meaning nothing. A
//!   correction may write `"<any error>"` where any error value will do
//!   (the message being ours).
//! - `error`: our request must fail; our message is shown beside the pass.
//! - `constructorError`: building the route table must fail.
//! - `handlerCalls` or `handlerKeys`: see `calls`.

use std::future::Future;
use std::time::Duration;

use peregrine::graph::Envelope;
use peregrine::path::PathSet;
use peregrine::router::{self, Context, Router};
use serde::Deserialize;
use serde_json::Value as Json;

use crate::calls;
use crate::case::{decode, Case, Outcome};
use crate::compare;
use crate::harness::{self, Log};

/// Where a correction accepts any error value.
const ANY_ERROR: &str = "<any error>";

/// How long one request may take: the router must settle at once, and a
/// hang should fail its case rather than the whole run.
const TIME_LIMIT: Duration = Duration::from_secs(10);

/// What a router case expects.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Expected {
    output: Option<Json>,
    error: Option<Json>,
    #[serde(default)]
    constructor_error: bool,
    handler_calls: Option<Json>,
    handler_keys: Option<Json>,
}

/// The request of a case.
#[derive(Debug, Deserialize)]
#[serde(tag = "method", rename_all = "lowercase")]
enum Op {
    Get {
        paths: Json,
    },
    Set {
        #[serde(rename = "jsonGraphEnvelope")]
        envelope: Json,
    },
    #[serde(rename_all = "camelCase")]
    Call {
        call_path: Json,
        #[serde(default)]
        args: Option<Vec<Json>>,
        #[serde(default)]
        path_suffixes: Option<Json>,
        #[serde(default)]
        paths: Option<Json>,
    },
}

/// Checks one router case.
pub(crate) fn check(case: &Case) -> Outcome {
    Outcome::from_check(run(case))
}

fn run(case: &Case) -> Result<Outcome, String> {
    let expected: Expected = decode(&case.expected, "expected")?;
    let log = Log::default();
    let built = harness::build(case.input_field("routes")?, case.input.get("options"), &log)?;
    if expected.constructor_error {
        return Ok(match built {
            Ok(router) => Outcome::failed(format!(
                "the route table must be refused ({}), but it was built: {router:?}",
                expected.error.unwrap_or(Json::Null)
            )),
            Err(err) => Outcome::passed_with(format!("refused: {err}")),
        });
    }
    let router = match built {
        Ok(router) => router,
        Err(err) => {
            return Ok(Outcome::failed(format!(
                "the route table was refused: {err}"
            )))
        }
    };
    let op: Op = decode(case.input_field("op")?, "input.op")?;
    let answered = request(&router, op)?;
    let mut outcome = match (&expected.output, &expected.error, answered) {
        (Some(output), None, Ok(envelope)) => envelopes(output, &envelope)?,
        (Some(output), None, Err(err)) => Outcome::failed(format!(
            "the request failed where falcor answers\n{}our error: {err}",
            compare::pretty(output)
        )),
        (None, Some(falcor), Ok(envelope)) => Outcome::failed(format!(
            "the request must fail (falcor: {falcor}), but it answered\n{}",
            compare::pretty(&compare::to_json(&envelope))
        )),
        (None, Some(_), Err(err)) => Outcome::passed_with(format!("our error: {err}")),
        _ => {
            return Err(String::from(
                "malformed case: `expected` must hold exactly one of `output` and `error`",
            ))
        }
    };
    let ours = log.calls();
    let calls_checked = match (&expected.handler_calls, &expected.handler_keys) {
        (Some(wanted), None) => calls::check_calls(wanted, &ours),
        (None, Some(wanted)) => calls::check_keys(wanted, &ours),
        (None, None) => Ok(()),
        (Some(_), Some(_)) => Err(String::from(
            "malformed case: `expected` holds both `handlerCalls` and `handlerKeys`",
        )),
    };
    if let Err(why) = calls_checked {
        outcome = match outcome {
            Outcome::Failed { diff } => Outcome::failed(format!("{diff}\n{why}")),
            _ => Outcome::failed(why),
        };
    }
    Ok(outcome)
}

/// Runs the case's request. The outer error is a malformed request (or a
/// runtime that cannot start); the inner one is our router failing it.
fn request(router: &Router, op: Op) -> Result<Result<Envelope, String>, String> {
    let ctx = Context::new();
    match op {
        Op::Get { paths } => {
            let paths: Vec<PathSet> = match decode(&paths, "input.op.paths") {
                Ok(paths) => paths,
                Err(why) => return Ok(Err(format!("refused while decoding: {why}"))),
            };
            block_on(router.get(&paths, &ctx))
        }
        Op::Set { envelope } => {
            let envelope: Envelope = match decode(&envelope, "input.op.jsonGraphEnvelope") {
                Ok(envelope) => envelope,
                Err(why) => return Ok(Err(format!("refused while decoding: {why}"))),
            };
            block_on(router.set(envelope, &ctx))
        }
        Op::Call {
            call_path,
            args,
            path_suffixes,
            paths,
        } => {
            let decoded = (|| {
                let call_path: PathSet = decode(&call_path, "input.op.callPath")?;
                let suffixes: Vec<PathSet> = decode_or_empty(path_suffixes, "pathSuffixes")?;
                let paths: Vec<PathSet> = decode_or_empty(paths, "paths")?;
                Ok::<_, String>((call_path, suffixes, paths))
            })();
            let (call_path, suffixes, paths) = match decoded {
                Ok(decoded) => decoded,
                Err(why) => return Ok(Err(format!("refused while decoding: {why}"))),
            };
            let args = args.unwrap_or_default();
            block_on(router.call(&call_path, args, suffixes, paths, &ctx))
        }
    }
}

/// Path sets sent with a call; absent or `null` is none, as in falcor.
fn decode_or_empty(json: Option<Json>, name: &str) -> Result<Vec<PathSet>, String> {
    match json {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(json) => decode(&json, &format!("input.op.{name}")),
    }
}

/// Runs a request to its end on a current-thread runtime, within the time
/// limit.
fn block_on(
    request: impl Future<Output = Result<Envelope, router::Error>>,
) -> Result<Result<Envelope, String>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|err| format!("cannot start a tokio runtime: {err}"))?;
    runtime.block_on(async {
        match tokio::time::timeout(TIME_LIMIT, request).await {
            Ok(answer) => Ok(answer.map_err(|err| err.to_string())),
            Err(_) => Err(format!(
                "the request did not finish within {} seconds",
                TIME_LIMIT.as_secs()
            )),
        }
    })
}

/// Compares our envelope with the expected one: `paths` and `invalidated`
/// as path sets (the same single paths, in no more path sets; the order
/// of keys in a key set means nothing), the rest as JSON.
fn envelopes(expected: &Json, ours: &Envelope) -> Result<Outcome, String> {
    let mut wanted = expected.clone();
    let mut actual = compare::to_json(ours);
    let mut problems = Vec::new();
    for member in ["paths", "invalidated"] {
        let wanted = wanted
            .as_object_mut()
            .and_then(|wanted| wanted.remove(member));
        let actual = actual
            .as_object_mut()
            .and_then(|actual| actual.remove(member));
        let problem = match (wanted, actual) {
            (None, None) => continue,
            (Some(wanted), None) => format!("`{member}`: ours has none, falcor's is {wanted}"),
            (None, Some(actual)) => format!("`{member}`: ours is {actual}, falcor has none"),
            (Some(wanted), Some(actual)) => {
                let wanted: Vec<PathSet> = decode(&wanted, &format!("expected.output.{member}"))?;
                let actual: Vec<PathSet> = decode(&actual, &format!("our {member}"))?;
                match compare::path_sets(&wanted, &actual) {
                    Outcome::Failed { diff } => format!("`{member}`: {diff}"),
                    _ => continue,
                }
            }
        };
        problems.push(problem);
    }
    accept_any_errors(&wanted, &mut actual);
    if let Outcome::Failed { diff } = compare::json(&wanted, &actual) {
        problems.insert(0, diff);
    }
    Ok(if problems.is_empty() {
        Outcome::passed()
    } else {
        Outcome::failed(problems.join("\n"))
    })
}

/// Replaces each error value of `actual` that stands where `expected`
/// accepts any error by the placeholder, so that the two compare equal.
fn accept_any_errors(expected: &Json, actual: &mut Json) {
    match (expected, actual) {
        (Json::String(placeholder), actual)
            if placeholder == ANY_ERROR
                && actual.get("$type").and_then(Json::as_str) == Some("error") =>
        {
            *actual = expected.clone();
        }
        (Json::Object(wanted), Json::Object(members)) => {
            for (name, wanted) in wanted {
                if let Some(member) = members.get_mut(name) {
                    accept_any_errors(wanted, member);
                }
            }
        }
        _ => {}
    }
}
