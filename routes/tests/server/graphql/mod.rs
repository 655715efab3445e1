//! GraphQL over the catalog graph: the same data and the same backend
//! calls as the equivalent path sets, per-field errors, the limits,
//! introspection and the GraphiQL page; mutations (`mutations.rs`), what
//! is refused before anything runs (`refusals.rs`) and the HTTP
//! transport's rules (`transport.rs`).

mod allowlist;
mod mutations;
mod persisted;
mod refusals;
use crate::support;
mod transport;

use mutations::my_list_length;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use peregrine_routes::backend::Settings;
use serde_json::{json, Value};

use crate::support::{graphql, home, home_videos, instant, Harness};
use peregrine::graphql::{GraphQl, Limits};
use tower::ServiceExt;

const HOME: &str =
    "{ genreLists(from: 0, to: 9) { name videos(from: 0, to: 9) { title boxshot rating } } }";

/// The first error of `query` on the catalog schema with `limits`.
async fn refusal(limits: Limits, query: &str) -> String {
    let router = peregrine_routes::catalog::router("http://127.0.0.1:9").expect("the routes build");
    let schema = GraphQl::new(peregrine_routes::SCHEMA, router, limits).expect("the schema builds");
    let answer = schema
        .execute(
            async_graphql::Request::new(query),
            peregrine::router::Context::new(),
        )
        .await;
    answer
        .errors()
        .first()
        .map(|e| e.message.clone())
        .unwrap_or_default()
}

/// Sends `request` to the app; answers the status, the headers and the
/// JSON body.
async fn respond(harness: &Harness, request: Request<Body>) -> (StatusCode, HeaderMap, Value) {
    let response = harness
        .app
        .clone()
        .oneshot(request)
        .await
        .expect("infallible");
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.expect("a body").to_bytes();
    let body = serde_json::from_slice(&bytes).expect("a JSON body");
    (parts.status, parts.headers, body)
}

/// POSTs `body` as JSON to `/graphql` as `user`.
async fn post(harness: &Harness, user: Option<&str>, body: Value) -> (StatusCode, Value) {
    let mut request = Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
    if let Some(user) = user {
        request = request.header(header::AUTHORIZATION, format!("Bearer {user}"));
    }
    let request = request
        .body(Body::from(body.to_string()))
        .expect("a request");
    harness.send(request).await
}

#[tokio::test]
async fn a_selection_of_only_typename_answers_the_type_of_what_exists() {
    let harness = Harness::start(instant()).await;
    let (status, answer) = graphql(
        &harness,
        Some("u17"),
        "{ video(id: 1) { __typename } missing: video(id: 999999) { __typename } \
           genreLists(from: 0, to: 1) { __typename } myList { __typename } }",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer.get("errors").is_none(), "{answer}");
    assert_eq!(
        answer["data"],
        json!({
            "video": {"__typename": "Video"},
            "missing": null,
            "genreLists": [{"__typename": "List"}, {"__typename": "List"}],
            "myList": {"__typename": "MyList"}
        }),
        "{answer}"
    );
    // A mutation's read-back likewise.
    let (_, added) = graphql(
        &harness,
        Some("u17"),
        "mutation { addToMyList(id: 3) { __typename } }",
    )
    .await;
    assert_eq!(
        added["data"],
        json!({"addToMyList": {"__typename": "MyList"}}),
        "{added}"
    );
}

#[tokio::test]
async fn the_home_query_answers_what_the_home_paths_do_with_the_same_backend_calls() {
    // The cache off, so that each request's calls are its own.
    let harness = Harness::start_with(instant(), false).await;

    harness.reset_calls().await;
    let graph = harness.get(Some("u17"), home()).await;
    let by_paths = harness.calls_made().await;

    harness.reset_calls().await;
    let (status, answer) = graphql(&harness, Some("u17"), HOME).await;
    let by_graphql = harness.calls_made().await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer.get("errors").is_none(), "{answer}");
    assert_eq!(by_graphql, by_paths, "the same backend calls");

    // The same rows, videos, titles and ratings, in order.
    let rows = answer["data"]["genreLists"].as_array().expect("rows");
    assert_eq!(rows.len(), 10);
    let videos = home_videos(&graph);
    for (row, list) in rows.iter().enumerate() {
        let list_ref = &graph["genreLists"][row.to_string()]["value"];
        let list_id = list_ref[1].as_str().expect("a list id");
        assert_eq!(list["name"], graph["lists"][list_id]["name"]);
        let items = list["videos"].as_array().expect("videos");
        assert_eq!(items.len(), 10);
        for (column, video) in items.iter().enumerate() {
            let (_, expected) = &videos[row * 10 + column];
            assert_eq!(video["title"], expected["title"]);
            assert_eq!(video["boxshot"], expected["boxshot"]);
            assert_eq!(video["rating"], expected["rating"]);
        }
    }
}

#[tokio::test]
async fn the_detail_query_answers_what_the_detail_paths_do_with_the_same_backend_calls() {
    let harness = Harness::start_with(instant(), false).await;
    let fields = ["title", "synopsis", "year", "runtime", "maturity", "rating"];

    harness.reset_calls().await;
    let graph = harness
        .get(Some("u5"), json!([["videos", 42, fields]]))
        .await;
    let by_paths = harness.calls_made().await;

    harness.reset_calls().await;
    let (status, answer) = graphql(
        &harness,
        Some("u5"),
        "query Detail($id: Int!) { video(id: $id) { title synopsis year runtime maturity rating } }"
            .replace("$id: Int!", "$id: Int! = 42")
            .as_str(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(harness.calls_made().await, by_paths);
    for field in fields {
        assert_eq!(
            answer["data"]["video"][field], graph["videos"]["42"][field],
            "{field}"
        );
    }
    // An unknown video is null, not an error.
    let (_, answer) = graphql(&harness, Some("u5"), "{ video(id: 999999) { title } }").await;
    assert_eq!(answer["data"]["video"], Value::Null, "{answer}");
}

#[tokio::test]
async fn a_path_holding_an_error_is_that_fields_error_and_the_rest_is_answered() {
    let harness = Harness::start(instant()).await;
    let (status, answer) = graphql(&harness, None, "{ video(id: 7) { title rating } }").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer["data"]["video"]["title"].is_string(), "{answer}");
    assert_eq!(answer["data"]["video"]["rating"], Value::Null);
    let errors = answer["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{answer}");
    assert_eq!(errors[0]["path"], json!(["video", "rating"]), "{answer}");
    assert_eq!(
        errors[0]["message"],
        "sign in to see this: it is one user's data"
    );
    // Failing backends likewise: errors at their fields.
    let failing = Harness::start(Settings {
        fail_rate: 1.0,
        ..instant()
    })
    .await;
    let (status, answer) = graphql(&failing, Some("u1"), "{ video(id: 7) { title } }").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        answer["errors"][0]["message"],
        "catalog service unavailable: it failed"
    );
}

#[tokio::test]
async fn introspection_is_not_counted_against_the_depth() {
    let harness = Harness::start(instant()).await;
    // GraphiQL's own query nests deeper than 6.
    let deep =
        "{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }";
    let (_, answer) = graphql(&harness, Some("u1"), deep).await;
    assert!(answer.get("errors").is_none(), "{answer}");
}

#[tokio::test]
async fn queries_past_the_depth_or_complexity_limit_are_refused_naming_it() {
    let cases = [
        // The catalog's types nest 3 deep: a schema limited to 2 refuses.
        (
            Limits {
                depth: 2,
                ..Limits::default()
            },
            "{ genreLists { videos { title } } }",
            ["3 deep", "(depth)"],
        ),
        // Complexity: one per field; this query selects 6.
        (
            Limits {
                complexity: 4,
                ..Limits::default()
            },
            "{ genreLists { name videos { title boxshot rating } } }",
            ["selects 6 fields", "(complexity"],
        ),
    ];
    for (limits, query, named) in cases {
        let message = refusal(limits, query).await;
        assert!(named.iter().all(|part| message.contains(part)), "{message}");
    }
}

/// A query of `videos`' titles, each under the alias `v` and its id.
fn aliased(videos: std::ops::RangeInclusive<u32>) -> String {
    let aliases: Vec<String> = videos
        .map(|n| format!("v{n}: video(id: {n}) {{ title }}"))
        .collect();
    format!("{{ {} }}", aliases.join(" "))
}

#[tokio::test]
async fn queries_past_the_alias_limit_are_refused_naming_it() {
    let harness = Harness::start(instant()).await;
    let (_, answer) = graphql(&harness, Some("u1"), &aliased(0..=15)).await;
    let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("16 aliases") && message.contains("(aliases)"),
        "{answer}"
    );
    assert!(answer.get("data").is_none_or(Value::is_null), "{answer}");
}

#[tokio::test]
async fn a_query_at_the_alias_limit_runs() {
    let harness = Harness::start(instant()).await;
    let (_, answer) = graphql(&harness, Some("u1"), &aliased(1..=15)).await;
    assert!(answer["data"]["v15"]["title"].is_string(), "{answer}");
}

#[tokio::test]
async fn introspection_answers_a_types_fields() {
    let harness = Harness::start(instant()).await;
    let (status, answer) = graphql(
        &harness,
        None,
        "{ __type(name: \"Video\") { fields { name type { name } } } }",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let fields: Vec<&str> = answer["data"]["__type"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|field| field["name"].as_str())
        .collect();
    assert_eq!(
        fields,
        ["id", "title", "year", "synopsis", "boxshot", "runtime", "maturity", "rating"]
    );
}

#[tokio::test]
async fn a_get_without_a_query_is_the_graphiql_page() {
    let harness = Harness::start(instant()).await;
    let page = harness.text("/graphql").await;
    assert!(page.to_lowercase().contains("graphiql"), "{page}");
}

#[tokio::test]
async fn a_request_whose_query_is_not_text_gets_a_400() {
    let harness = Harness::start(instant()).await;
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"query\": 5}"))
        .expect("a request");
    let (status, body) = harness.send(request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "INVALID_GRAPHQL_REQUEST"
    );
}

#[tokio::test]
async fn a_query_that_does_not_parse_gets_graphqls_error_placed() {
    let harness = Harness::start(instant()).await;
    // GraphQL's own error, with where.
    let (_, answer) = graphql(&harness, None, "{ video(id: 1) { title }").await;
    assert!(answer["errors"][0]["locations"].is_array(), "{answer}");
}

#[tokio::test]
async fn a_traced_query_carries_the_trace_of_its_router_request_in_extensions() {
    let harness = Harness::start(instant()).await;
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, "Bearer u17")
        .header("peregrine-trace", "1")
        .body(Body::from(json!({ "query": HOME }).to_string()))
        .expect("a request");
    let (status, body) = harness.send(request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["data"]["genreLists"].is_array(), "{body}");
    let trace = &body["extensions"]["trace"];
    // The waves of the path sets the query was planned into, and one
    // batch per backend read, as for the same request as path sets.
    assert_eq!(trace["waves"].as_array().map(Vec::len), Some(3), "{trace}");
    let mut batches: Vec<(String, u64)> = trace["batches"]
        .as_array()
        .expect("batches")
        .iter()
        .map(|b| {
            (
                b["loader"].as_str().unwrap_or("").to_string(),
                b["keys"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    batches.sort();
    let expected = [
        ("lists", 10),
        ("ratings", 100),
        ("rows", 1),
        ("videos", 100),
    ]
    .map(|(loader, keys)| (loader.to_string(), keys));
    assert_eq!(batches, expected);
    // Untraced, no extensions.
    let (_, plain) = graphql(&harness, Some("u17"), HOME).await;
    assert_eq!(plain.get("extensions"), None, "{plain}");
}

/// The catalog with `--no-introspection`.
async fn without_introspection() -> Harness {
    let backend = support::start_backend(instant()).await;
    let build = support::Build {
        introspection: false,
        ..support::Build::over(&backend)
    };
    Harness::build(build, |_| {})
}

#[tokio::test]
async fn with_introspection_off_schema_and_type_queries_are_refused() {
    let harness = without_introspection().await;
    for (query, field) in [
        ("{ __schema { types { name } } }", "__schema"),
        ("{ __type(name: \"Video\") { name } }", "__type"),
    ] {
        let (_, answer) = graphql(&harness, None, query).await;
        assert!(answer["data"].is_null(), "{answer}");
        assert_eq!(
            answer["errors"][0]["message"],
            format!("Unknown field \"{field}\" on type \"Query\"."),
            "{answer}"
        );
    }
}

#[tokio::test]
async fn with_introspection_off_typename_and_data_are_still_answered() {
    let harness = without_introspection().await;
    let (status, answer) = graphql(&harness, None, "{ __typename video(id: 7) { title } }").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["data"]["__typename"], "Query", "{answer}");
    assert!(answer["data"]["video"]["title"].is_string(), "{answer}");
}

#[tokio::test]
async fn with_introspection_off_no_graphiql_page_is_served() {
    let harness = without_introspection().await;
    let request = Request::get("/graphql")
        .body(Body::empty())
        .expect("a request");
    let (status, body) = harness.send(request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains("introspection is off"), "{body}");
}
