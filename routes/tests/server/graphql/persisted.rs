//! Automatic persisted queries, as Apollo's clients and urql's
//! `persistedExchange` speak them: the hash alone first, then the hash
//! and the query, then the hash alone, over POST or GET.

use axum::http::{header, HeaderMap, StatusCode};
use serde_json::{json, Value};

use super::support::{instant, Harness};
use super::transport::{get, message};
use super::{post, respond};

const TITLE: &str = "{ video(id: 7) { title } }";

/// The SHA-256 of `query`, as hex.
pub(super) fn sha256(query: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, query.as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The `extensions` naming `query` by its hash.
fn by_hash(query: &str) -> Value {
    json!({"persistedQuery": {"version": 1, "sha256Hash": sha256(query)}})
}

#[tokio::test]
async fn a_hash_the_server_does_not_hold_is_persisted_query_not_found() {
    let harness = Harness::start(instant()).await;
    let (status, answer) = post(&harness, None, json!({"extensions": by_hash(TITLE)})).await;
    // 200, the message and the code the clients look for, to send the text.
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(message(&answer), "PersistedQueryNotFound", "{answer}");
    assert_eq!(
        answer["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );
}

#[tokio::test]
async fn once_sent_with_its_query_the_hash_alone_answers() {
    let harness = Harness::start(instant()).await;
    let with_text = json!({"query": TITLE, "extensions": by_hash(TITLE)});
    let (status, first) = post(&harness, None, with_text).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert!(first["data"]["video"]["title"].is_string(), "{first}");
    let (status, again) = post(&harness, None, json!({"extensions": by_hash(TITLE)})).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["data"], first["data"]);
}

/// A server that has seen [`TITLE`] with its hash; asked it again by GET
/// with the hash alone: the status, headers and JSON of its answer.
async fn persisted_title_by_get() -> (StatusCode, HeaderMap, Value) {
    let harness = Harness::start(instant()).await;
    let with_text = json!({"query": TITLE, "extensions": by_hash(TITLE)});
    post(&harness, None, with_text).await;
    let extensions = by_hash(TITLE).to_string();
    respond(&harness, get(&[("extensions", &extensions)])).await
}

#[tokio::test]
async fn a_persisted_query_by_get_is_answered() {
    let (status, _, answer) = persisted_title_by_get().await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer["data"]["video"]["title"].is_string(), "{answer}");
}

#[tokio::test]
async fn a_persisted_query_by_get_is_cacheable() {
    let (_, headers, answer) = persisted_title_by_get().await;
    let cache_control = headers[header::CACHE_CONTROL].to_str().unwrap_or("");
    assert!(
        cache_control.starts_with("public, max-age="),
        "{cache_control}: {answer}"
    );
    assert!(headers.contains_key(header::ETAG));
}

#[tokio::test]
async fn a_persisted_mutation_by_get_is_refused() {
    let harness = Harness::start(instant()).await;
    let mutation = "mutation { rateVideo(id: 7, rating: 4) { rating } }";
    let with_text = json!({"query": mutation, "extensions": by_hash(mutation)});
    let (status, _) = post(&harness, Some("u17"), with_text).await;
    assert_eq!(status, StatusCode::OK);
    let extensions = by_hash(mutation).to_string();
    let (status, headers, answer) = respond(&harness, get(&[("extensions", &extensions)])).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{answer}");
    assert_eq!(headers[header::ALLOW], "POST");
}

#[tokio::test]
async fn a_query_whose_hash_is_not_its_own_is_refused_naming_it() {
    let harness = Harness::start(instant()).await;
    let wrong = json!({"query": TITLE, "extensions": by_hash("{ __typename }")});
    let (status, answer) = post(&harness, None, wrong).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(
        answer["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_INVALID"
    );
    let text = message(&answer);
    assert!(
        text.contains("provided sha does not match query") && text.contains(&sha256(TITLE)),
        "{answer}"
    );
}
