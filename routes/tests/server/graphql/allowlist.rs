//! `--graphql-operations FILE`: the operations it names run, every other
//! one is refused; the texts it holds are served by hash alone.

use axum::http::StatusCode;
use peregrine::graphql::Operations;
use serde_json::json;

use super::persisted::sha256;
use super::post;
use super::support::{self, instant, Dir, Harness};
use super::transport::message;

const TITLE: &str = "{ video(id: 7) { title } }";

/// The catalog allowing the operations of the file `name` holding `text`.
async fn allowing(name: &str, text: String) -> Harness {
    let dir = Dir::with(&[(name, text)]);
    let operations = Operations::read(&dir.0.join(name)).expect("the allowlist reads");
    let backend = support::start_backend(instant()).await;
    let build = support::Build {
        graphql_operations: Some(operations),
        ..support::Build::over(&backend)
    };
    Harness::build(build, |_| {})
}

#[tokio::test]
async fn an_operation_the_allowlist_names_runs() {
    let harness = allowing("operations.json", json!([TITLE]).to_string()).await;
    let (status, answer) = post(&harness, None, json!({ "query": TITLE })).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer["data"]["video"]["title"].is_string(), "{answer}");
}

#[tokio::test]
async fn any_other_operation_is_refused_naming_the_allowlist() {
    let harness = allowing("operations.json", json!([TITLE]).to_string()).await;
    let other = "{ video(id: 8) { title } }";
    let (status, answer) = post(&harness, None, json!({ "query": other })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(
        answer["errors"][0]["extensions"]["code"],
        "OPERATION_NOT_ALLOWED"
    );
    assert!(
        message(&answer).contains("--graphql-operations"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_manifests_operation_is_served_by_hash_alone() {
    let manifest = json!({
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{"id": sha256(TITLE), "name": "Title", "type": "query", "body": TITLE}]
    });
    let harness = allowing("manifest.json", manifest.to_string()).await;
    let extensions = json!({"persistedQuery": {"version": 1, "sha256Hash": sha256(TITLE)}});
    let (status, answer) = post(&harness, None, json!({ "extensions": extensions })).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer["data"]["video"]["title"].is_string(), "{answer}");
}

#[tokio::test]
async fn a_file_of_hashes_allows_the_operations_of_those_hashes() {
    let lines = format!("# the TV app's home screen\n{}\n", sha256(TITLE));
    let harness = allowing("operations.txt", lines).await;
    let (status, answer) = post(&harness, None, json!({ "query": TITLE })).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, _) = post(&harness, None, json!({ "query": "{ __typename }" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[test]
fn an_allowlist_that_is_not_one_is_refused_at_start_naming_the_file_and_line() {
    let dir = Dir::with(&[("operations.txt", "abc123\n".to_owned())]);
    let file = dir.0.join("operations.txt");
    let file = file.display().to_string();
    let (code, stderr) = support::process::refused(&["--graphql-operations", &file], &[]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("operations.txt") && stderr.contains("line 1: `abc123` is not a SHA-256"),
        "{stderr}"
    );
}
