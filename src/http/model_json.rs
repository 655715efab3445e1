//! The JSON Graph endpoint (`/model.json`): read the request, run it
//! through the router, answer the envelope.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::response::{IntoResponse, Response};

use crate::excerpt::excerpt;
use crate::loader::expiry;
use crate::path::PathSet;
use crate::router::Context;
use crate::trace::Trace;

use super::answer_cache::AnswerKey;
use super::config::Traces;
use super::error::{Error, ErrorKind};
use super::freshness::{no_store, Freshness};
use super::wire::{Operation, Params};
use super::{metrics, shortcut, AppState, JSON};

/// Answers one `/model.json` request, recording its metrics.
pub(crate) async fn serve(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let started = Instant::now();
    let _in_flight = metrics::InFlight::start();
    let mut method = "unknown";
    // Route handlers are dropped at the deadline (`request_timeout` from
    // `started`) and their paths answered as errors (the router does it),
    // so a request is answered by then with what was found. This outer
    // bound is the backstop for anything else (writing a huge answer), a
    // little later.
    let answered = tokio::time::timeout(
        state.config.request_timeout + BACKSTOP,
        answer(&state, request, started, &mut method),
    )
    .await;
    let result = answered.unwrap_or_else(|_| Err(deadline_error(&state.config)));
    let outcome = match &result {
        Ok(_) => "ok",
        Err(err) if err.is_client_error() => "client_error",
        Err(_) => "server_error",
    };
    metrics::request_done(method, outcome, started.elapsed());
    match result {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

/// The answer to a method other than GET and POST.
pub(crate) async fn method_not_allowed(method: Method) -> Response {
    let error = Error::new(
        ErrorKind::MethodNotAllowed,
        format!(
            "the JSON Graph endpoint answers GET and POST (falcor's wire format), not {method}"
        ),
    );
    let mut response = error.into_response();
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    response
}

/// How long past its deadline a request may run before it is answered
/// 504 whatever it has.
const BACKSTOP: std::time::Duration = std::time::Duration::from_secs(1);

async fn answer(
    state: &AppState,
    request: Request,
    started: Instant,
    method: &mut &'static str,
) -> Result<Response, Error> {
    let config = &state.config;
    let deadline = started + config.request_timeout;
    let (mut parts, body) = request.into_parts();
    check_url(config, &parts.uri)?;
    let query = parts.uri.query().unwrap_or("");
    let params = if parts.method == Method::POST {
        let body = read_body(&parts.headers, body, config, deadline).await?;
        body_params(&parts.headers, &body, query)?
    } else {
        Params::from_form(query)?
    };
    let operation = params.operation()?;
    *method = operation.name();
    let ctx =
        shortcut::context(config, &mut parts.extensions, &parts.headers)?.with_deadline(deadline);
    let (ctx, trace) = traced(ctx, config.traces, &parts.headers, started, || {
        params.wants_trace()
    });
    // Gets say how long HTTP caches may keep them; they are answered
    // from the answer cache when it has them, and kept there when they
    // may be. Not traced ones: a trace shows the routing.
    if let (Operation::Get { paths }, None) = (&operation, &trace) {
        let key = if parts.method == Method::POST {
            AnswerKey::paths(paths)
        } else {
            Some(AnswerKey::query(query))
        };
        return get(state, paths, key.as_ref(), &ctx, &parts.headers).await;
    }
    let envelope = run(state, operation, &ctx).await?;
    metrics::router_done(ctx.stats());
    match trace {
        None => Ok(json_body(written(envelope.to_json())?)),
        Some(trace) => json_response(&Traced {
            envelope: &envelope,
            trace: trace.to_json(),
        }),
    }
}

/// Refuses a request URL longer than [`Config::max_url_bytes`](super::Config::max_url_bytes).
pub(super) fn check_url(config: &super::Config, uri: &axum::http::Uri) -> Result<(), Error> {
    let url_bytes = uri.path_and_query().map_or(0, |pq| pq.as_str().len());
    if url_bytes <= config.max_url_bytes {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::UrlTooLong,
        format!(
            "the request URL is {url_bytes} bytes, more than the limit of {} (max_url_bytes): \
             send long requests as POST",
            config.max_url_bytes
        ),
    ))
}

/// A get of `paths` (the request `key`): from the answer cache, or
/// routed (and kept there when it may be), with its freshness for HTTP
/// caches, or the 304 its `If-None-Match` asks for.
async fn get(
    state: &AppState,
    paths: &[PathSet],
    key: Option<&AnswerKey<'_>>,
    ctx: &Context,
    headers: &axum::http::HeaderMap,
) -> Result<Response, Error> {
    let answers = state.config.answers.as_ref().zip(key);
    let user = ctx.user();
    if let Some(response) = answers.and_then(|(answers, key)| answers.get(user, key, headers)) {
        return Ok(response);
    }
    let ticket = answers.map(|(answers, _)| answers.ticket());
    let served = state.served.current();
    let (envelope, read) = expiry::watch(user, served.router.get(paths, ctx)).await;
    let envelope = envelope?;
    metrics::router_done(ctx.stats());
    let json = written(envelope.to_json())?;
    let whole = ctx.stats().failed_route_calls() == 0;
    let Some(freshness) = Freshness::of(&json, &read, whole) else {
        return Ok(no_store(json_body(json)));
    };
    if let Some(not_modified) = freshness.not_modified(headers) {
        return Ok(not_modified);
    }
    let mut response = match (answers, ticket) {
        (Some((answers, key)), Some(ticket)) => {
            answers.keep(ticket, user, key, json, &freshness, headers)
        }
        _ => json_body(json),
    };
    freshness.mark(&mut response);
    Ok(response)
}

/// The header that asks for a trace of the request.
pub(crate) const TRACE_HEADER: &str = "peregrine-trace";

/// `ctx` recording into a trace of the request (begun at `started`) when
/// the request asks for one and `traces` allows it; `parameter` says
/// whether its parameters ask for one. The trace, to answer with.
pub(crate) fn traced(
    ctx: Context,
    traces: Traces,
    headers: &axum::http::HeaderMap,
    started: Instant,
    parameter: impl FnOnce() -> bool,
) -> (Context, Option<Trace>) {
    let header = || {
        headers
            .get(TRACE_HEADER)
            .is_some_and(|value| value == "1" || value == "true")
    };
    let asked = match traces {
        Traces::Off => false,
        Traces::Header => header(),
        Traces::HeaderOrParameter => header() || parameter(),
    };
    if !asked {
        return (ctx, None);
    }
    let trace = Trace::starting_at(started);
    (ctx.with_trace(trace.clone()), Some(trace))
}

/// An envelope with its request's trace beside it.
#[derive(serde::Serialize)]
struct Traced<'a> {
    #[serde(flatten)]
    envelope: &'a crate::graph::Envelope,
    trace: serde_json::Value,
}

/// A request's body, within the body limit and the deadline: a body
/// announced over the limit is refused before it is sent (413), one that
/// grows past it too, a compressed one too (415), one that cannot be read
/// is a 400, and a stalled upload does not hold a concurrency permit past
/// the deadline (504).
pub(crate) async fn read_body(
    headers: &axum::http::HeaderMap,
    body: Body,
    config: &super::Config,
    deadline: Instant,
) -> Result<axum::body::Bytes, Error> {
    unencoded(headers)?;
    let too_large = || {
        Error::new(
            ErrorKind::BodyTooLarge,
            format!(
                "the request body is larger than the limit of {} bytes (max_body_bytes)",
                config.max_body_bytes
            ),
        )
    };
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if announced.is_some_and(|length| length > config.max_body_bytes as u64) {
        return Err(too_large());
    }
    let read = axum::body::to_bytes(body, config.max_body_bytes);
    tokio::time::timeout_at(deadline.into(), read)
        .await
        .map_err(|_| deadline_error(config))?
        .map_err(|error| {
            let error = error.into_inner();
            if error.is::<http_body_util::LengthLimitError>() {
                too_large()
            } else {
                Error::new(
                    ErrorKind::UnreadableBody,
                    format!("the request body could not be read: {error}"),
                )
            }
        })
}

/// Refuses a body with a `Content-Encoding` other than `identity`: it
/// would otherwise be read as form or JSON text and refused as garbled.
fn unencoded(headers: &axum::http::HeaderMap) -> Result<(), Error> {
    let encodings = headers.get_all(header::CONTENT_ENCODING).iter();
    let Some(encoding) = encodings
        .map(|value| String::from_utf8_lossy(value.as_bytes()))
        .find(|value| {
            value
                .split(',')
                .map(str::trim)
                .any(|coding| !coding.is_empty() && !coding.eq_ignore_ascii_case("identity"))
        })
    else {
        return Ok(());
    };
    // Named as sent, within reason: the header may be long.
    let named = excerpt(encoding.trim(), 64);
    Err(Error::new(
        ErrorKind::UnsupportedEncoding,
        format!(
            "a request body with Content-Encoding {named:?} cannot be read: send it uncompressed"
        ),
    ))
}

/// `value` as a JSON answer (200).
pub(crate) fn json_response(value: &impl serde::Serialize) -> Result<Response, Error> {
    Ok(json_body(to_json(value)?))
}

/// `value` as JSON text.
fn to_json(value: &impl serde::Serialize) -> Result<Vec<u8>, Error> {
    written(serde_json::to_vec(value))
}

/// JSON text that was written, or the error that it could not be.
pub(crate) fn written(json: serde_json::Result<Vec<u8>>) -> Result<Vec<u8>, Error> {
    json.map_err(|_| Error::new(ErrorKind::Internal, "the answer could not be written"))
}

/// JSON text as an answer (200).
pub(crate) fn json_body(json: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(json));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    response
}

/// The answer to a request that outlived `request_timeout` without
/// anything to answer.
fn deadline_error(config: &super::Config) -> Error {
    Error::new(
        ErrorKind::Deadline,
        format!(
            "the request was not answered within {} ms (request_timeout)",
            config.request_timeout.as_millis()
        ),
    )
}

/// The media type of a request's `Content-Type`, without its parameters,
/// in lower case (`application/json`); None without one.
pub(crate) fn media_type(headers: &axum::http::HeaderMap) -> Option<String> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = content_type.split(';').next().unwrap_or("").trim();
    Some(essence.to_ascii_lowercase())
}

/// The parameters of a POST body, by its content type. An empty body
/// falls back to the query string.
fn body_params(headers: &axum::http::HeaderMap, body: &[u8], query: &str) -> Result<Params, Error> {
    if body.is_empty() {
        return Params::from_form(query);
    }
    let essence = media_type(headers);
    match essence.as_deref().unwrap_or("application/x-www-form-urlencoded") {
        "application/x-www-form-urlencoded" | "" => {
            let text = std::str::from_utf8(body).map_err(|err| {
                Error::new(ErrorKind::InvalidEncoding, format!("the form body is not UTF-8: {err}"))
            })?;
            Params::from_form(text)
        }
        "application/json" => Params::from_json(body),
        other => Err(Error::new(ErrorKind::UnsupportedMediaType,
            format!(
                "a POST body of type {other:?} cannot be read: send application/x-www-form-urlencoded \
                 (as falcor-http-datasource does) or application/json"
            ),
        )),
    }
}

async fn run(
    state: &AppState,
    operation: Operation,
    ctx: &Context,
) -> Result<crate::graph::Envelope, Error> {
    let served = state.served.current();
    let router = &served.router;
    let envelope = match operation {
        Operation::Get { paths } => router.get(&paths, ctx).await?,
        Operation::Set { envelope } => router.set(envelope, ctx).await?,
        Operation::Call {
            call_path,
            arguments,
            path_suffixes,
            paths,
        } => {
            router
                .call(&call_path, arguments, path_suffixes, paths, ctx)
                .await?
        }
    };
    Ok(envelope)
}
