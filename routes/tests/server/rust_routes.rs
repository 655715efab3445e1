//! Rust route handlers, the engine's library API, served with route
//! files in one graph: one request answered by both, refs followed from
//! one into the other.

use crate::support::{instant, start_backend, Build, Harness};
use peregrine::graph::Value;
use peregrine::path::{Path, PathSet};
use peregrine::router::{Builder, HandlerError, Output, Router};
use serde_json::json;

/// The catalog's files beside a Rust route: `featured` is a ref to the
/// catalog's `videos[7]`.
fn with_featured() -> Builder {
    Router::builder().get("featured", |_request, _ctx| async {
        let featured = Path::from_iter(["videos".into(), 7.into()]);
        let path =
            PathSet::parse("featured").map_err(|error| HandlerError::new(error.to_string()))?;
        Ok::<_, HandlerError>(Output::new().value(path, Value::reference(featured)))
    })
}

#[tokio::test]
async fn a_rust_route_and_the_catalogs_files_answer_one_request() {
    let backend = start_backend(instant()).await;
    let build = Build {
        base: with_featured,
        ..Build::over(&backend)
    };
    let harness = Harness::build(build, |_| {});
    let graph = harness
        .get(
            Some("u1"),
            json!([["featured", ["title", "rating"]], ["videos", 8, "title"]]),
        )
        .await;
    assert_eq!(
        graph["featured"],
        json!({"$type": "ref", "value": ["videos", 7]})
    );
    assert!(graph["videos"]["7"]["title"].is_string(), "{graph}");
    assert!(graph["videos"]["7"]["rating"].is_number(), "{graph}");
    assert!(graph["videos"]["8"]["title"].is_string(), "{graph}");
}
