//! GraphQL over HTTP: which methods and bodies may run what, and the
//! answers to requests of a shape Peregrine does not take (batches),
//! each naming why.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};

use super::support::{instant, Harness};
use super::{my_list_length, post, respond};

/// `GET /graphql` with `params` in the query string, as u17.
pub(super) fn get(params: &[(&str, &str)]) -> Request<Body> {
    let query = serde_urlencoded::to_string(params).expect("encodable");
    Request::get(format!("/graphql?{query}"))
        .header(header::AUTHORIZATION, "Bearer u17")
        .body(Body::empty())
        .expect("a request")
}

/// The message of the first error of a GraphQL answer.
pub(super) fn message(answer: &Value) -> &str {
    answer["errors"][0]["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_mutation_over_get_is_refused_405_and_writes_nothing() {
    let harness = Harness::start(instant()).await;
    let before = my_list_length(&harness, "u17").await;

    let request = get(&[("query", "mutation { addToMyList(id: 5) { length } }")]);
    let (status, headers, answer) = respond(&harness, request).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{answer}");
    assert_eq!(headers[header::ALLOW], "POST");
    assert!(message(&answer).contains("POST"), "{answer}");
    assert_eq!(
        answer["errors"][0]["extensions"]["code"],
        "METHOD_NOT_ALLOWED"
    );
    assert_eq!(my_list_length(&harness, "u17").await, before);

    // The operation named picks: a query of the same document runs.
    let document = "query Q { myList { length } } mutation M { addToMyList(id: 5) { length } }";
    let request = get(&[("query", document), ("operationName", "M")]);
    let (status, _, answer) = respond(&harness, request).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{answer}");
    let request = get(&[("query", document), ("operationName", "Q")]);
    let (status, _, answer) = respond(&harness, request).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        answer["data"]["myList"]["length"],
        json!(before),
        "{answer}"
    );
    assert_eq!(my_list_length(&harness, "u17").await, before);
    // Variables come as JSON in their parameter.
    let document = "query Title($id: Int!) { video(id: $id) { __typename } }";
    let request = get(&[("query", document), ("variables", r#"{"id": 7}"#)]);
    let (status, _, answer) = respond(&harness, request).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["data"]["video"]["__typename"], "Video", "{answer}");
}

#[tokio::test]
async fn a_post_that_is_not_application_json_is_refused_415_and_writes_nothing() {
    let harness = Harness::start(instant()).await;
    let before = my_list_length(&harness, "u17").await;
    let body = json!({"query": "mutation { addToMyList(id: 5) { length } }"}).to_string();
    // `text/plain` is what a browser's cross-origin form or `fetch` sends
    // without a preflight; no type at all is no better.
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut request = Request::post("/graphql").header(header::AUTHORIZATION, "Bearer u17");
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let request = request.body(Body::from(body.clone())).expect("a request");
        let (status, _, answer) = respond(&harness, request).await;
        assert_eq!(
            status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}: {answer}"
        );
        assert!(message(&answer).contains("application/json"), "{answer}");
    }
    assert_eq!(my_list_length(&harness, "u17").await, before);
    // With its parameters, application/json runs it.
    let request = Request::post("/graphql")
        .header(header::AUTHORIZATION, "Bearer u17")
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(Body::from(body))
        .expect("a request");
    let (status, _, answer) = respond(&harness, request).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(my_list_length(&harness, "u17").await, before + 1);
}

#[tokio::test]
async fn a_batch_is_refused_saying_to_send_one_operation_per_request() {
    let harness = Harness::start(instant()).await;
    let batch = json!([{"query": "{ __typename }"}, {"query": "{ __typename }"}]);
    let (status, answer) = post(&harness, None, batch).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let text = message(&answer);
    assert!(
        text.contains("batch") && text.contains("one operation per request"),
        "{answer}"
    );
}
