//! Request traces: asked for with the `Peregrine-Trace` header (or
//! `trace=1` where the config allows it), they come beside the envelope
//! and say what the request did; otherwise the answer is the plain
//! envelope.

use axum::http::Method;
use peregrine::http::{Config, Traces};
use serde_json::json;

use super::*;

/// A request for two videos' titles, with `extra` query parameters and
/// the trace header when `header`.
fn titles(extra: &[(&str, &str)], header: bool) -> Request<Body> {
    let mut pairs = vec![("method", "get"), ("paths", "[\"videos[1..2].title\"]")];
    pairs.extend_from_slice(extra);
    let mut request = request(Method::GET, &format!("/model.json?{}", query(&pairs)));
    if header {
        request
            .headers_mut()
            .insert("peregrine-trace", "1".parse().expect("a header value"));
    }
    request
}

fn traced_app(traces: Traces) -> axum::Router {
    app_of(
        catalog(),
        Config {
            traces,
            ..Config::default()
        },
    )
}

#[tokio::test]
async fn the_header_brings_the_trace_beside_the_envelope() {
    let answer = send(&traced_app(Traces::Header), titles(&[], true)).await;
    let body = answer.json();
    assert_eq!(
        body["jsonGraph"],
        json!({"videos": {"1": {"title": "Video 1"}, "2": {"title": "Video 2"}}})
    );
    let trace = &body["trace"];
    assert_eq!(trace["waves"].as_array().map(Vec::len), Some(1), "{trace}");
    assert_eq!(trace["waves"][0]["paths"], json!(["videos[1..2].title"]));
    let route = &trace["routes"][0];
    assert_eq!(route["route"], "videos[{integers:ids}].title");
    assert_eq!(route["method"], "get");
    assert_eq!(route["paths"], json!(["videos[1..2].title"]));
    assert_eq!(route["wave"], 0);
    assert_eq!(route["error"], Json::Null);
    let (start, end) = (route["startMs"].as_f64(), route["endMs"].as_f64());
    let duration = trace["durationMs"].as_f64().expect("a duration");
    assert!(
        start
            .zip(end)
            .is_some_and(|(s, e)| 0.0 <= s && s <= e && e <= duration),
        "{trace}"
    );
    // No loader ran: the handler answered on its own.
    assert_eq!(trace["loads"], json!([]));
    assert_eq!(trace["batches"], json!([]));
}

#[tokio::test]
async fn without_asking_or_when_traces_are_off_the_answer_is_the_envelope() {
    let plain = send(&traced_app(Traces::Header), titles(&[], false)).await;
    assert_eq!(plain.json().get("trace"), None);
    // The parameter is for development: the header-only default ignores it.
    let parameter = send(
        &traced_app(Traces::Header),
        titles(&[("trace", "1")], false),
    )
    .await;
    assert_eq!(parameter.json().get("trace"), None);
    let off = send(&traced_app(Traces::Off), titles(&[], true)).await;
    assert_eq!(off.json().get("trace"), None);
    // Off unless the server says otherwise.
    let default = send(&app(), titles(&[], true)).await;
    assert_eq!(default.json().get("trace"), None);
    assert_eq!(off.json()["jsonGraph"], plain.json()["jsonGraph"]);
}

#[tokio::test]
async fn in_development_the_parameter_asks_for_it_too() {
    let app = traced_app(Traces::HeaderOrParameter);
    let answer = send(&app, titles(&[("trace", "1")], false)).await;
    assert!(answer.json()["trace"]["waves"].is_array(), "{answer:?}");
    let twice = send(&app, titles(&[("trace", "1"), ("trace", "1")], false)).await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST);
    assert_eq!(twice.error().0, "duplicate_parameter");
}
