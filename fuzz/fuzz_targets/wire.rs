//! Fuzzes the wire decoding through the whole app, in process. The first
//! byte picks the HTTP method (GET or POST) and the body's content type
//! (form, JSON, none, other); the rest is the query string up to the
//! first NUL byte and the body after it. Whatever the input, the answer
//! is never a 5xx (503 and 504 need load or time, which a fuzz input
//! cannot make) and its body is JSON: an envelope when it succeeds, an
//! error naming what was wrong when it does not.

#![no_main]

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use peregrine::graph::{PathValue, Value};
use peregrine::http::{self, Config};
use peregrine::path::{Path, PathSet};
use peregrine::router::{HandlerError, Output, Router};
use serde_json::Value as Json;
use tower::ServiceExt;

/// The app and the runtime that drives it, built once.
struct Server {
    runtime: tokio::runtime::Runtime,
    app: axum::Router,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| Server {
        runtime: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime"),
        app: http::app(routes(), Config::default()),
    })
}

/// A small catalog: titles for any video, lists of refs to videos, a
/// set route that writes back what it is sent (refs included), and a
/// call that answers a ref, so that path suffixes are followed.
fn routes() -> Router {
    let video = |id: i64| Path::from(vec!["videos".into(), id.into()]);
    Router::builder()
        // Few paths per request, so that each input stays quick.
        .max_paths(300)
        .get("videos[{integers:ids}].title", |req, _ctx| async move {
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
        .get("lists[{integers:ids}]", move |req, _ctx| async move {
            Ok::<_, HandlerError>(
                req.integers("ids")?
                    .into_iter()
                    .map(|id| {
                        let at = Path::from(vec!["lists".into(), id.into()]);
                        PathValue::new(at.to_path_set(), Value::reference(video(id % 7)))
                    })
                    .collect::<Output>(),
            )
        })
        .set("items[{keys:ids}]", |req, _ctx| async move {
            Ok::<_, HandlerError>(
                req.values()
                    .into_iter()
                    .map(|(path, value)| PathValue::new(path.to_path_set(), value.clone()))
                    .collect::<Output>(),
            )
        })
        .call("lists.push", move |req, _ctx| async move {
            let id = req.arguments().first().and_then(Json::as_i64).unwrap_or(1);
            let at = PathSet::parse("lists[0]").map_err(|_| HandlerError::new("a path"))?;
            Ok::<_, HandlerError>(Output::new().value(at, Value::reference(video(id % 7))))
        })
        .build()
        .expect("a valid route table")
}

/// The bytes of a query string as a URI carries them: what a URI allows
/// in a query is kept (so `%zz` and raw `[` reach the decoder), the rest
/// percent-encoded.
fn query_of(bytes: &[u8]) -> String {
    let mut query = String::with_capacity(bytes.len());
    for &byte in bytes {
        let allowed =
            byte.is_ascii_alphanumeric() || b"!$%&'()*+,-./:;=?@_~[]{}|^`\\".contains(&byte);
        if allowed {
            query.push(char::from(byte));
        } else {
            query.push_str(&format!("%{byte:02X}"));
        }
    }
    query
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let method = if choice & 1 == 0 {
        Method::GET
    } else {
        Method::POST
    };
    let content_type = match (choice >> 1) & 3 {
        0 => Some("application/x-www-form-urlencoded"),
        1 => Some("application/json"),
        2 => None,
        _ => Some("text/plain"),
    };
    let (query, body) = match rest.iter().position(|&byte| byte == 0) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None if method == Method::GET => (rest, &[][..]),
        None => (&[][..], rest),
    };
    let mut builder = Request::builder()
        .method(method)
        .uri(format!("/model.json?{}", query_of(query)));
    if let Some(content_type) = content_type {
        builder = builder.header(header::CONTENT_TYPE, content_type);
    }
    let Ok(request) = builder.body(Body::from(body.to_vec())) else {
        return;
    };
    let server = server();
    let (status, content_type, body) = server.runtime.block_on(async {
        let response = server
            .app
            .clone()
            .oneshot(request)
            .await
            .expect("the app is infallible");
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("a readable body").to_bytes();
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (parts.status, content_type, body)
    });
    let shown = String::from_utf8_lossy(&body);
    assert!(
        !status.is_server_error()
            || status == StatusCode::SERVICE_UNAVAILABLE
            || status == StatusCode::GATEWAY_TIMEOUT,
        "{status}: {shown}"
    );
    assert!(
        content_type.starts_with("application/json"),
        "{status} {content_type:?}: {shown}"
    );
    let json: Json = serde_json::from_slice(&body)
        .unwrap_or_else(|err| panic!("{status}: not JSON ({err}): {shown}"));
    if status.is_success() {
        assert!(
            json.get("jsonGraph").is_some_and(Json::is_object),
            "{status}: {shown}"
        );
    } else {
        assert!(json["error"]["kind"].is_string(), "{status}: {shown}");
        assert!(json["error"]["message"].is_string(), "{status}: {shown}");
    }
});
