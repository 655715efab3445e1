//! The GraphQL endpoint (`/graphql`, when [`Config::graphql`](super::Config::graphql)
//! is set): POST a JSON body `{"query", "variables", "operationName"}`, or
//! GET with the same in the query string; a GET without `query` is the
//! GraphiQL page. The same user context, deadline and body limit as
//! `/model.json`; a traced request (as there: the `Peregrine-Trace: 1`
//! header, or `trace=1` in the URL where allowed) gets its trace in the
//! answer's `extensions.trace`.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::error::Error;

use super::model::{json_body, read_body, traced, written};
use super::AppState;

/// Answers one `/graphql` request.
pub(crate) async fn serve(State(state): State<Arc<AppState>>, request: Request) -> Response {
    match answer(&state, request).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn answer(state: &AppState, request: Request) -> Result<Response, Error> {
    let config = &state.config;
    let Some(graphql) = &config.graphql else {
        return Err(Error::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "GraphQL is not served here",
        ));
    };
    let started = Instant::now();
    let deadline = started + config.request_timeout;
    let (parts, body) = request.into_parts();
    let request = match parts.method {
        Method::GET => {
            let query = parts.uri.query().unwrap_or("");
            let has_query = query
                .split('&')
                .any(|pair| pair == "query" || pair.starts_with("query="));
            if !has_query {
                if let Some(page) = &config.graphiql {
                    return Ok(axum::response::Redirect::temporary(page).into_response());
                }
                let page = async_graphql::http::GraphiQLSource::build()
                    .endpoint(parts.uri.path())
                    .finish();
                return Ok(Html(page).into_response());
            }
            async_graphql::http::parse_query_string(query).map_err(|error| {
                Error::bad_request(
                    "invalid_graphql_request",
                    format!("the query string: {error}"),
                )
            })?
        }
        Method::POST => {
            let body = read_body(&parts.headers, body, config, deadline).await?;
            serde_json::from_slice::<async_graphql::Request>(&body).map_err(|error| {
                Error::bad_request(
                    "invalid_graphql_request",
                    format!(
                        "the body must be JSON {{\"query\": \"...\", \"variables\": {{...}}}}: {error}"
                    ),
                )
            })?
        }
        other => {
            return Err(Error::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("the GraphQL endpoint answers GET and POST, not {other}"),
            ))
        }
    };
    let ctx = (config.context)(&parts.headers)?.with_deadline(deadline);
    let query = parts.uri.query().unwrap_or("");
    let (ctx, trace) = traced(ctx, config.traces, &parts.headers, started, || {
        query
            .split('&')
            .any(|pair| pair == "trace=1" || pair == "trace=true")
    });
    let mut reply = graphql.execute(request, ctx).await;
    if let Some(trace) = trace {
        reply.extend("trace", trace.to_json());
    }
    Ok(json_body(written(reply.to_json())?))
}
