//! The HTTP server as clients and operators see it: Falcor's wire format
//! at `/model.json`, its limits, and what it does besides answering.
//!
//! The app is driven without a socket (`oneshot` on `peregrine::http::app`)
//! except where the socket is the point: graceful shutdown, connections.
//!
//! - `wire`: what clients send, good and bad, and what they get back.
//! - `limits`: each limit refuses with its status and a message naming
//!   the setting; load shedding.
//! - `serving`: compression, CORS, request ids, health and metrics.
//! - `shutdown`: `serve` on a real socket finishes what is in flight.
//! - `connections`: over a real socket, the header and idle timeouts and
//!   the head size limit.
//! - `traces`: the trace beside the envelope, when asked for.
//! - `answers`: the answer cache: repeated gets without routing, kept
//!   true across users, writes and time.

mod answers;
mod bad_input;
mod connections;
mod limits;
mod serving;
mod shutdown;
mod traces;
mod wire;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use peregrine::graph::PathValue;
use peregrine::http::{self, Config};
use peregrine::path::{Path, PathSet};
use peregrine::router::{Builder, HandlerError, Output, Router};
use serde_json::Value as Json;
use tower::ServiceExt;

/// Routes of a small catalog: `videos[{integers}].title` answers
/// "Video <id>" for any id.
fn catalog() -> Builder {
    Router::builder().get("videos[{integers:ids}].title", |req, _ctx| async move {
        Ok::<_, HandlerError>(
            req.integers("ids")?
                .into_iter()
                .map(|id| {
                    let at = Path::from(vec!["videos".into(), id.into(), "title".into()]);
                    PathValue::new(at.to_path_set(), format!("Video {id}"))
                })
                .collect::<Output>(),
        )
    })
}

/// The app of `routes` with `config`.
fn app_of(routes: Builder, config: Config) -> axum::Router {
    http::app(routes.build().expect("a valid route table"), config)
}

/// The catalog's app with the default config.
fn app() -> axum::Router {
    app_of(catalog(), Config::default())
}

/// A query string of `pairs`, percent-encoded as a browser would.
fn query(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).expect("encodable")
}

/// A path set in path syntax.
fn path_set(text: &str) -> PathSet {
    PathSet::parse(text).expect("valid path syntax")
}

/// A request without a body.
fn request(method: Method, uri: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::empty())
        .expect("a valid request")
}

/// A POST of `body` with its content type.
fn post(uri: &str, content_type: &str, body: impl Into<Body>) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::CONTENT_TYPE, content_type)
        .body(body.into())
        .expect("a valid request")
}

/// A whole response.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    /// A header's value as text, if the response has it.
    fn header(&self, name: impl header::AsHeaderName) -> Option<&str> {
        self.headers
            .get(name)
            .map(|value| value.to_str().expect("a text header"))
    }

    /// The body as JSON; the content type must say JSON.
    fn json(&self) -> Json {
        let content_type = self.header(header::CONTENT_TYPE).unwrap_or_default();
        assert!(
            content_type.starts_with("application/json"),
            "a JSON answer, not {content_type:?}: {self:?}"
        );
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// The `kind` and `message` of an error body `{"error": {...}}`.
    fn error(&self) -> (String, String) {
        let body = self.json();
        let text = |name: &str| {
            body["error"][name]
                .as_str()
                .unwrap_or_else(|| panic!("an error body with a `{name}`: {body}"))
                .to_owned()
        };
        (text("kind"), text("message"))
    }
}

/// Sends `request` to `app` (a clone: each request gets its own, as axum
/// gives each connection) and reads the whole answer.
async fn send(app: &axum::Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.expect("infallible");
    let (parts, body) = response.into_parts();
    let body = body.collect().await.expect("a readable body").to_bytes();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

/// GETs `uri` from `app`.
async fn get(app: &axum::Router, uri: &str) -> Answer {
    send(app, request(Method::GET, uri)).await
}
