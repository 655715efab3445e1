//! Area `wire`: HTTP requests against the server of a case's routes,
//! `peregrine::http::app` with the default [`Config`], driven without a
//! socket on a current-thread tokio runtime.
//!
//! - A server case replays `input.method`, `input.path` (path and query
//!   exactly as given: some are deliberately not percent-encoded),
//!   `input.contentType` and `input.body`. The answer must have the
//!   expected `status` (`"4xx"`: any status from 400 to 499), a JSON
//!   content type (falcor-express writes `application/json;
//!   charset=utf-8`; any type whose essence is `application/json` will
//!   do), and the expected `body`, equal as JSON with JSON Graph key
//!   rules. `errorBody: true` asks for `{"error": {"kind", "message"}}`
//!   with a non-empty kind and message; the message is shown beside the
//!   pass, for people to judge whether it names what was wrong.
//! - A client case (`wire-client-*`, recognized by its
//!   `expected.request`) replays exactly what the falcor client put on the
//!   wire: method, URL, content type, `X-Requested-With` and body. The
//!   answer must be 200 JSON and hold every value of
//!   `expected.modelResult.json` (see `model_result`).

use std::future::Future;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, Request, StatusCode, Uri};
use http_body_util::BodyExt;
use peregrine::http::{self, Config};
use serde::Deserialize;
use serde_json::Value as Json;
use tower::ServiceExt;

use crate::case::{decode, Case, Outcome};
use crate::compare;
use crate::harness::{self, Log};
use crate::model_result;

/// How long one request may take before its case fails.
const TIME_LIMIT: Duration = Duration::from_secs(10);

/// An HTTP request as a case records it: a server case's `input`, or a
/// client case's `expected.request` (which calls the path and query
/// `url`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Replay {
    method: String,
    #[serde(alias = "path")]
    url: String,
    content_type: Option<String>,
    x_requested_with: Option<String>,
    body: Option<String>,
}

/// What a server case expects of the answer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Expected {
    /// A status code, or `"4xx"`.
    status: Json,
    content_type: Option<String>,
    body: Option<Json>,
    #[serde(default)]
    error_body: bool,
}

/// What a client case expects: the request the client sent, and what its
/// Model returned from the answer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ClientExpected {
    request: Replay,
    model_result: ModelResult,
}

#[derive(Debug, Deserialize)]
struct ModelResult {
    json: Json,
}

/// The server's answer.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    content_type: Option<String>,
    body: Bytes,
    /// How the request target was re-encoded, if it was (see [`target`]).
    reencoded: Option<String>,
}

/// Checks one wire case.
pub(crate) fn check(case: &Case) -> Outcome {
    Outcome::from_check(run(case))
}

fn run(case: &Case) -> Result<Outcome, String> {
    let log = Log::default();
    let built = harness::build(case.input_field("routes")?, case.input.get("options"), &log)?;
    let router = match built {
        Ok(router) => router,
        Err(err) => {
            return Ok(Outcome::failed(format!(
                "the route table was refused: {err}"
            )))
        }
    };
    let app = http::app(router, Config::default());
    if case.expected.get("request").is_some() {
        let expected: ClientExpected = decode(&case.expected, "expected")?;
        let answer = send(app, &expected.request)?;
        Ok(client_answer(&expected.model_result.json, &answer))
    } else {
        let replay: Replay = decode(&case.input, "input")?;
        let expected: Expected = decode(&case.expected, "expected")?;
        let answer = send(app, &replay)?;
        server_answer(&expected, &answer)
    }
}

/// Sends `replay` to `app` and reads the whole answer.
fn send(app: axum::Router, replay: &Replay) -> Result<Answer, String> {
    let (uri, reencoded) = target(&replay.url)?;
    let mut request = Request::builder().method(replay.method.as_str()).uri(uri);
    if let Some(content_type) = &replay.content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    if let Some(requested_with) = &replay.x_requested_with {
        request = request.header("x-requested-with", requested_with);
    }
    let body = Body::from(replay.body.clone().unwrap_or_default());
    let request = request.body(body).map_err(|err| {
        format!(
            "cannot make the request {} {}: {err}",
            replay.method, replay.url
        )
    })?;
    block_on(async move {
        let response = app
            .oneshot(request)
            .await
            .map_err(|err| format!("the app failed: {err}"))?;
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|err| format!("cannot read the response body: {err}"))?
            .to_bytes();
        Ok(Answer {
            status,
            content_type,
            body,
            reencoded,
        })
    })?
}

/// The request target for `url`: as given where the `http` crate takes
/// it. Where it does not (a raw `"`, `<`, `>` or space in the query, as
/// `wire-get-unencoded-json` sends), no hyper server can receive it
/// either: hyper answers such a request line with a bare 400 before the
/// app sees it. The bytes it refuses in the query are then
/// percent-encoded, so that the case still checks how the server reads
/// JSON in the query, and the returned note says so.
fn target(url: &str) -> Result<(Uri, Option<String>), String> {
    let refused = match Uri::try_from(url) {
        Ok(uri) => return Ok((uri, None)),
        Err(err) => err,
    };
    let Some((path, query)) = url.split_once('?') else {
        return Err(format!("the request target {url} is not a URI: {refused}"));
    };
    let mut encoded = format!("{path}?");
    for byte in query.bytes() {
        if carried_in_query(byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    let uri = Uri::try_from(encoded.as_str()).map_err(|err| {
        format!("the request target {url} is not a URI ({refused}), nor is {encoded}: {err}")
    })?;
    let note = format!(
        "replayed as {encoded}: the http crate refuses {url} ({refused}), so a hyper server answers it with \
         an empty 400 before the app sees it"
    );
    Ok((uri, Some(note)))
}

/// Whether the `http` crate takes `byte` unencoded in a query (its
/// `QUERY_MAP`, after the WHATWG query state). Other bytes than ASCII are
/// sent encoded here too: the cases are ASCII.
fn carried_in_query(byte: u8) -> bool {
    matches!(byte, 0x21 | 0x24..=0x3B | 0x3D | 0x3F..=0x7E)
}

/// Runs `future` to its end on a current-thread runtime, within the time
/// limit.
fn block_on<T>(future: impl Future<Output = T>) -> Result<T, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| format!("cannot start a tokio runtime: {err}"))?;
    runtime
        .block_on(async { tokio::time::timeout(TIME_LIMIT, future).await })
        .map_err(|_| {
            format!(
                "the request was not answered within {} seconds",
                TIME_LIMIT.as_secs()
            )
        })
}

/// Compares a server case's answer with what it expects.
fn server_answer(expected: &Expected, answer: &Answer) -> Result<Outcome, String> {
    let mut problems = Vec::new();
    if !status_matches(&expected.status, answer.status)? {
        problems.push(format!(
            "status: expected {}, got {}",
            expected.status, answer.status
        ));
    }
    let json_type = expected
        .content_type
        .as_deref()
        .unwrap_or("application/json");
    problems.extend(content_type_problem(json_type, answer));
    let body = match serde_json::from_slice::<Json>(&answer.body) {
        Ok(body) => body,
        Err(err) => {
            problems.push(format!(
                "the body is not JSON ({err}):\n{}",
                String::from_utf8_lossy(&answer.body)
            ));
            return Ok(Outcome::failed(problems.join("\n")));
        }
    };
    if let Some(wanted) = &expected.body {
        if let Outcome::Failed { diff } = compare::json(wanted, &body) {
            problems.push(format!("body:\n{diff}"));
        }
    }
    let mut notes: Vec<String> = answer.reencoded.iter().cloned().collect();
    if expected.error_body {
        match error_message(&body) {
            Ok(message) => notes.push(format!("{}: {message}", answer.status)),
            Err(why) => problems.push(why),
        }
    }
    Ok(if !problems.is_empty() {
        Outcome::failed(problems.join("\n"))
    } else if notes.is_empty() {
        Outcome::passed()
    } else {
        Outcome::passed_with(notes.join("; "))
    })
}

/// Whether `actual` is the status a case expects: a code, or `"4xx"`.
fn status_matches(expected: &Json, actual: StatusCode) -> Result<bool, String> {
    match expected {
        Json::Number(code) => Ok(code.as_u64() == Some(u64::from(actual.as_u16()))),
        Json::String(class) if class == "4xx" => Ok(actual.is_client_error()),
        other => Err(format!(
            "malformed case: expected.status is {other}, neither a status code nor \"4xx\""
        )),
    }
}

/// Why the answer's content type is not of the essence of `wanted`, if it
/// is not: parameters such as `charset` do not matter.
fn content_type_problem(wanted: &str, answer: &Answer) -> Option<String> {
    let essence = |text: &str| {
        text.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    };
    match &answer.content_type {
        Some(actual) if essence(actual) == essence(wanted) => None,
        Some(actual) => Some(format!("content type: expected {wanted}, got {actual}")),
        None => Some(format!("content type: expected {wanted}, got none")),
    }
}

/// The message of an error body `{"error": {"kind", "message"}}`, or why
/// the body is not one.
fn error_message(body: &Json) -> Result<String, String> {
    let not_one = |why: &str| {
        format!(
            "the body must be {{\"error\": {{\"kind\": ..., \"message\": ...}}}}, but {why}:\n{}",
            compare::pretty(body)
        )
    };
    let members = body
        .as_object()
        .ok_or_else(|| not_one("it is not an object"))?;
    if members.len() != 1 {
        return Err(not_one("it has members besides `error`"));
    }
    let error = members
        .get("error")
        .ok_or_else(|| not_one("it has no `error`"))?;
    let text = |name: &str| {
        error
            .get(name)
            .and_then(Json::as_str)
            .filter(|text| !text.trim().is_empty())
            .ok_or_else(|| not_one(&format!("its `error.{name}` is not a non-empty string")))
    };
    let kind = text("kind")?;
    let message = text("message")?;
    Ok(format!("{kind}: {message}"))
}

/// Checks that a client case's answer is 200 JSON holding every value the
/// falcor Model returned.
fn client_answer(model_json: &Json, answer: &Answer) -> Outcome {
    let mut problems = Vec::new();
    if answer.status != StatusCode::OK {
        problems.push(format!("status: expected 200, got {}", answer.status));
    }
    problems.extend(content_type_problem("application/json", answer));
    match serde_json::from_slice::<Json>(&answer.body) {
        Ok(envelope) => {
            let graph = envelope.get("jsonGraph").unwrap_or(&Json::Null);
            problems.extend(model_result::missing(model_json, graph));
            if !problems.is_empty() {
                problems.push(format!("our answer:\n{}", compare::pretty(&envelope)));
            }
        }
        Err(err) => problems.push(format!(
            "the body is not JSON ({err}):\n{}",
            String::from_utf8_lossy(&answer.body)
        )),
    }
    match (problems.is_empty(), &answer.reencoded) {
        (false, _) => Outcome::failed(problems.join("\n")),
        (true, Some(note)) => Outcome::passed_with(note.clone()),
        (true, None) => Outcome::passed(),
    }
}
