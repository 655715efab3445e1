//! The GraphQL endpoint (`/graphql`, when [`Config::graphql`](super::Config::graphql)
//! is set), as GraphQL over HTTP has it: POST an `application/json` body
//! `{"query", "variables", "operationName"}`, or GET with the same in the
//! query string; a GET without `query` is the GraphiQL page. Only a POST
//! may run a mutation (a GET one is 405), and only a JSON one: a
//! `text/plain` POST, which a browser sends cross-origin without asking,
//! is 415. The same user context, deadline and body limit as
//! `/model.json`; a traced request (as there: the `Peregrine-Trace: 1`
//! header, or `trace=1` in the URL where allowed) gets its trace in the
//! answer's `extensions.trace`. A request refused here is answered as a
//! GraphQL response with its `errors`.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Query, Request, State};
use axum::http::request::Parts;
use axum::http::Method;
use axum::response::{Html, IntoResponse, Response};

use crate::graphql::{GraphQl, PersistedErrorKind, Reply};
use crate::loader::expiry::{self, Reads};
use crate::router::Context;

use super::error::{Error, ErrorKind};

use super::freshness::{no_store, Freshness};
use super::model_json::{json_body, media_type, read_body, traced, written};
use super::AppState;

/// Answers one `/graphql` request.
pub(crate) async fn serve(State(state): State<Arc<AppState>>, request: Request) -> Response {
    match answer(&state, request).await {
        Ok(response) => response,
        Err(error) => error.in_graphql().into_response(),
    }
}

async fn answer(state: &AppState, request: Request) -> Result<Response, Error> {
    let config = &state.config;
    let served = state.served.current();
    let Some(graphql) = &served.graphql else {
        return Err(Error::new(
            ErrorKind::NotFound,
            "GraphQL is not served here",
        ));
    };
    let started = Instant::now();
    let deadline = started + config.request_timeout;
    let (parts, body) = request.into_parts();
    let Some(mut request) = read_request(config, &parts, body, deadline).await? else {
        return graphiql(config, graphql, &parts);
    };
    admit(config, graphql, &mut request)?;
    let ctx = (config.context)(&parts.headers)?.with_deadline(deadline);
    let query = parts.uri.query().unwrap_or("");
    let (ctx, trace) = traced(ctx, config.traces, &parts.headers, started, || {
        query
            .split('&')
            .any(|pair| pair == "trace=1" || pair == "trace=true")
    });
    let watched = ctx.clone();
    let (mut reply, read) = run(graphql, &parts.method, request, ctx).await?;
    // A GET's answer says how long HTTP caches may keep it, from what it
    // read (as /model.json's do); a traced one is not kept.
    let read = read.filter(|_| trace.is_none());
    if let Some(trace) = trace {
        reply.extend("trace", trace.to_json());
    }
    let json = written(reply.to_json())?;
    let whole = reply.errors().is_empty() && watched.stats().failed_route_calls() == 0;
    let freshness = read.and_then(|read| Freshness::of(&json, &read, whole));
    Ok(match freshness {
        Some(freshness) => freshness.respond(&parts.headers, json_body(json)),
        None => no_store(json_body(json)),
    })
}

/// Runs `request`: a POST runs any operation, a GET only a query (a
/// mutation is 405) and also says what it read, for HTTP caches.
async fn run(
    graphql: &GraphQl,
    method: &Method,
    request: async_graphql::Request,
    ctx: Context,
) -> Result<(Reply, Option<Reads>), Error> {
    if *method != Method::GET {
        return Ok((graphql.execute(request, ctx).await, None));
    }
    let user = ctx.user().map(str::to_owned);
    let (reply, read) =
        expiry::watch(user.as_deref(), graphql.execute_read_only(request, ctx)).await;
    match reply {
        Some(reply) => Ok((reply, Some(read))),
        None => Err(Error::new(
            ErrorKind::MethodNotAllowed,
            "a mutation runs only when POSTed (GraphQL over HTTP): a GET must not change anything",
        )
        .allowing("POST")),
    }
}

/// Gives `request` its text when it names a persisted query by hash
/// (those clients sent before, then the allowlist's texts), and refuses
/// an operation the allowlist, if there is one, does not name.
fn admit(
    config: &super::Config,
    graphql: &GraphQl,
    request: &mut async_graphql::Request,
) -> Result<(), Error> {
    let allowed = config.graphql_operations.as_deref();
    graphql
        .resolve_persisted(request, allowed)
        .map_err(|error| match error.kind() {
            PersistedErrorKind::NotFound => {
                Error::new(ErrorKind::PersistedQueryNotFound, error.to_string())
            }
            _ => Error::new(ErrorKind::PersistedQueryInvalid, error.to_string()),
        })?;
    match allowed {
        Some(operations) if !operations.allows(&request.query) => Err(Error::new(
            ErrorKind::OperationNotAllowed,
            "this operation is not one the server runs: only those of its allowlist are (--graphql-operations)",
        )),
        _ => Ok(()),
    }
}

/// The GraphQL request a GET's query string or a POST's JSON body holds;
/// None for a GET with neither a query nor extensions (a browser: the
/// GraphiQL page).
async fn read_request(
    config: &super::Config,
    parts: &Parts,
    body: axum::body::Body,
    deadline: Instant,
) -> Result<Option<async_graphql::Request>, Error> {
    let request = match parts.method {
        Method::GET => match from_query_string(parts)? {
            Some(request) => request,
            None => return Ok(None),
        },
        Method::POST => {
            json_only(parts)?;
            let body = read_body(&parts.headers, body, config, deadline).await?;
            from_body(&body)?
        }
        ref other => {
            return Err(Error::new(
                ErrorKind::MethodNotAllowed,
                format!("the GraphQL endpoint answers GET and POST, not {other}"),
            )
            .allowing("GET, POST"))
        }
    };
    Ok(Some(request))
}

/// The request in a GET's query string; None when it holds neither a
/// query nor extensions (a browser: the GraphiQL page). Read here, not by
/// async-graphql's `parse_query_string`, which does not know the
/// `operationName` parameter (it reads `operation_name`).
fn from_query_string(parts: &Parts) -> Result<Option<async_graphql::Request>, Error> {
    /// The parameters, as GraphQL over HTTP names them.
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Parameters {
        query: Option<String>,
        operation_name: Option<String>,
        variables: Option<String>,
        extensions: Option<String>,
    }
    let bad = |message: String| Error::new(ErrorKind::InvalidGraphqlRequest, message);
    let Query(parameters) = Query::<Parameters>::try_from_uri(&parts.uri)
        .map_err(|error| bad(format!("the query string: {}", error.body_text())))?;
    if parameters.query.is_none() && parameters.extensions.is_none() {
        return Ok(None);
    }
    let mut request = async_graphql::Request::new(parameters.query.unwrap_or_default());
    request.operation_name = parameters.operation_name;
    if let Some(variables) = parameters.variables {
        let variables = serde_json::from_str(&variables)
            .map_err(|error| bad(format!("the `variables` parameter: {error}")))?;
        request.variables = async_graphql::Variables::from_json(variables);
    }
    if let Some(extensions) = parameters.extensions {
        request.extensions = serde_json::from_str(&extensions)
            .map_err(|error| bad(format!("the `extensions` parameter: {error}")))?;
    }
    Ok(Some(request))
}

/// The GraphiQL page, or a redirect to the one configured; refused when
/// introspection is off (GraphiQL could not read the schema).
fn graphiql(config: &super::Config, graphql: &GraphQl, parts: &Parts) -> Result<Response, Error> {
    if !graphql.introspects() {
        return Err(Error::new(
            ErrorKind::InvalidGraphqlRequest,
            "a GET needs a `query` parameter (GraphiQL is not served: introspection is off)",
        ));
    }
    if let Some(page) = &config.graphiql {
        return Ok(axum::response::Redirect::temporary(page).into_response());
    }
    let page = async_graphql::http::GraphiQLSource::build()
        .endpoint(parts.uri.path())
        .finish();
    Ok(Html(page).into_response())
}

/// Refuses a POST whose body is not `application/json`, the one type
/// GraphQL over HTTP reads (415), before the body is read.
fn json_only(parts: &Parts) -> Result<(), Error> {
    let media_type = media_type(&parts.headers);
    if media_type.as_deref() == Some("application/json") {
        return Ok(());
    }
    let sent = match media_type {
        Some(other) => format!("not {other:?}"),
        None => "the request has no Content-Type".to_owned(),
    };
    Err(Error::new(
        ErrorKind::UnsupportedMediaType,
        format!("a GraphQL POST body must be application/json (GraphQL over HTTP): {sent}"),
    ))
}

/// The request in a POST's JSON body. A batch (a JSON array of requests)
/// is refused naming what to do instead.
fn from_body(body: &[u8]) -> Result<async_graphql::Request, Error> {
    let first = body.iter().find(|byte| !byte.is_ascii_whitespace());
    if first == Some(&b'[') {
        return Err(Error::new(
            ErrorKind::BatchNotSupported,
            "batched requests (a JSON array of operations) are not supported: \
             send one operation per request",
        ));
    }
    serde_json::from_slice::<async_graphql::Request>(body).map_err(|error| {
        Error::new(
            ErrorKind::InvalidGraphqlRequest,
            format!(
                "the body must be JSON {{\"query\": \"...\", \"variables\": {{...}}}}: {error}"
            ),
        )
    })
}
