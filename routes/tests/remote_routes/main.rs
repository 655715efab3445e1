//! Remote Falcor routers behind Peregrine (a route's `remote`, the
//! `[fallback]`), over a scripted router of the test's own: asked once
//! per request with the whole paths, only its own part taken, refs
//! followed into local routes, failures at its own paths, the request's
//! `Authorization` forwarded as the service says, and answers cached by
//! scope until a write (docs/remote-routers.md). The router is
//! `legacy.rs`.

mod legacy;
#[path = "../support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use legacy::{received, set_mode, start_legacy, Mode, Shared};
use serde_json::{json, Value};
use support::{instant, start_backend, Build, Dir, Harness};

/// The catalog (local `videos`), and a route file sending `people` to the
/// legacy router with `members` added to its route.
async fn serve(members: &str) -> (Harness, Shared, Dir) {
    let (base, state) = start_legacy().await;
    let file = format!(
        "[services.legacy]\nurl = \"{base}\"\ntimeout_ms = 2000\nretries = 0\n\n\
         [[routes]]\npattern = \"people[{{keys}}]\"\nremote = {{ service = \"legacy\", path = \"/model.json\" }}\n{members}"
    );
    let dir = Dir::with(&[("legacy.toml", file)]);
    (support::serve_route_files(&dir.0).await, state, dir)
}

/// A server of the legacy remote's people, asked for Ada's name and
/// favorite and its title: the server, the remote's state, the server's
/// directory and the answer's JSON Graph.
async fn adas_favorite() -> (Harness, Shared, Dir, Value) {
    let (harness, state, dir) = serve("").await;
    let graph = harness
        .get(
            Some("u1"),
            json!([
                ["people", "ada", ["name", "favorite"]],
                ["people", "ada", "favorite", "title"]
            ]),
        )
        .await;
    (harness, state, dir, graph)
}

#[tokio::test]
async fn a_remotes_refs_lead_into_local_routes() {
    let (harness, _state, _dir, graph) = adas_favorite().await;
    assert_eq!(graph["people"]["ada"]["name"], "Ada", "{graph}");
    assert_eq!(
        graph["people"]["ada"]["favorite"],
        json!({"$type": "ref", "value": ["videos", 7]})
    );
    // The title is the catalog's, read by its local route.
    let title = graph["videos"]["7"]["title"]
        .as_str()
        .expect("a title")
        .to_owned();
    let catalog = harness.backend(reqwest::Method::GET, "/videos?ids=7").await;
    assert_eq!(title, catalog["7"]["title"], "{graph}");
}

#[tokio::test]
async fn a_remote_is_asked_once_with_the_whole_paths() {
    let (_harness, state, _dir, _) = adas_favorite().await;
    let calls = received(&state);
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(
        (calls[0].http_method.as_str(), calls[0].method.as_str()),
        ("GET", "get")
    );
    let asked: Value =
        serde_json::from_str(calls[0].paths.as_deref().expect("paths")).expect("JSON");
    assert_eq!(
        asked,
        json!([
            ["people", "ada", ["name", "favorite"]],
            ["people", "ada", "favorite", "title"]
        ])
    );
}

#[tokio::test]
async fn what_a_remote_answers_outside_its_paths_is_dropped() {
    let (harness, state, _dir) = serve("").await;
    set_mode(&state, Mode::Trespassing);
    let graph = harness
        .get(
            Some("u1"),
            json!([["people", "ada", "name"], ["videos", 7, "title"]]),
        )
        .await;
    assert_eq!(graph["people"], json!({"ada": {"name": "Ada"}}), "{graph}");
    assert_ne!(graph["videos"]["7"]["title"], "Hijacked", "{graph}");
}

#[tokio::test]
async fn a_remote_that_fails_stalls_or_answers_no_envelope_errs_at_its_own_paths_only() {
    let (harness, state, _dir) = serve("").await;
    for mode in [Mode::Failing, Mode::NotAnEnvelope, Mode::Stalling] {
        set_mode(&state, mode);
        let started = Instant::now();
        let graph = harness
            .get(
                Some("u1"),
                json!([["people", "ada", "name"], ["videos", 7, "year"]]),
            )
            .await;
        let error = &graph["people"]["ada"]["name"];
        assert_eq!(error["$type"], "error", "{graph}");
        assert!(
            error["value"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("legacy service unavailable")),
            "{graph}"
        );
        assert!(
            graph["videos"]["7"]["year"].is_number(),
            "the local route answers: {graph}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the stall is cut at the service's timeout"
        );
    }
}

#[tokio::test]
async fn a_get_past_the_url_limit_is_posted() {
    let (harness, state, _dir) = serve("").await;
    let names: Vec<String> = (0..600).map(|i| format!("person-{i}")).collect();
    let graph = harness
        .get(
            Some("u1"),
            json!([["people", names, "name"], ["people", "ada", "name"]]),
        )
        .await;
    assert_eq!(graph["people"]["ada"]["name"], "Ada");
    assert_eq!(
        graph["people"]["person-9"]["name"],
        json!({"$type": "atom"})
    );
    let calls = received(&state);
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].http_method.as_str(), calls[0].method.as_str()),
        ("POST", "get")
    );
}

/// A get of `paths` as `user`, sent with `authorization` as it is.
async fn get_with(harness: &Harness, authorization: &str, paths: Value) -> Value {
    let query = serde_urlencoded::to_string([("method", "get"), ("paths", &paths.to_string())])
        .expect("encodable");
    let request = axum::http::Request::get(format!("/model.json?{query}"))
        .header("authorization", authorization)
        .body(axum::body::Body::empty())
        .expect("a request");
    let (status, body) = harness.send(request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["jsonGraph"].clone()
}

#[tokio::test]
async fn the_request_authorization_is_forwarded_dropped_or_fixed_as_each_service_says() {
    let (base, state) = start_legacy().await;
    let file = format!(
        r#"[services.forwarded]
url = "{base}"

[services.dropped]
url = "{base}"
authorization = "drop"

[services.fixed]
url = "{base}"
authorization = {{ fixed = "Bearer legacy-service-token" }}

[[routes]]
pattern = "people[{{keys}}]"
remote = {{ service = "forwarded" }}

[[routes]]
pattern = "shelf.length"
remote = {{ service = "dropped" }}

[[routes]]
pattern = "shelf[{{integers}}]"
remote = {{ service = "fixed" }}
"#
    );
    let dir = Dir::with(&[("legacy.toml", file)]);
    let harness = support::serve_route_files(&dir.0).await;
    for paths in [
        json!([["people", "ada", "name"]]),
        json!([["shelf", "length"]]),
        json!([["shelf", 0]]),
    ] {
        get_with(&harness, "Bearer u7", paths).await;
    }
    let sent: Vec<Option<String>> = received(&state)
        .into_iter()
        .map(|r| r.authorization)
        .collect();
    assert_eq!(
        sent,
        [
            Some("Bearer u7".to_owned()),
            None,
            Some("Bearer legacy-service-token".to_owned())
        ]
    );
}

#[tokio::test]
async fn remote_answers_are_cached_per_user_until_the_user_writes_through_the_remote() {
    let (harness, state, _dir) = serve("ttl_secs = 60\n").await;
    let ada = json!([["people", "ada", "name"]]);
    harness.get(Some("u1"), ada.clone()).await;
    harness.get(Some("u1"), ada.clone()).await;
    assert_eq!(
        received(&state).len(),
        1,
        "the second answer came from the cache"
    );
    harness.get(Some("u2"), ada.clone()).await;
    assert_eq!(received(&state).len(), 2, "another user's scope asks again");
    // A set through the remote drops u1's cached answers.
    let (status, answer) = harness
        .post(
            "u1",
            json!({"method": "set", "jsonGraph": {"jsonGraph": {"people": {"ada": {"name": "Ada L."}}}, "paths": [["people", "ada", "name"]]}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        answer["jsonGraph"]["people"]["ada"]["name"], "Ada L.",
        "{answer}"
    );
    let graph = harness.get(Some("u1"), ada.clone()).await;
    assert_eq!(graph["people"]["ada"]["name"], "Ada L.");
    let methods: Vec<String> = received(&state).into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["get", "get", "set", "get"]);
}

#[tokio::test]
async fn a_value_the_remote_says_expires_now_is_asked_again() {
    let (harness, state, _dir) = serve("ttl_secs = 60\n").await;
    let born = json!([["people", "alan", "born"]]);
    let graph = harness.get_raw("u1", born.clone()).await;
    assert_eq!(
        graph["people"]["alan"]["born"],
        json!({"$type": "atom", "value": 1912, "$expires": 0})
    );
    // Asked three times: the answer cache (which keeps an answer the
    // second time it is asked) does not keep it either.
    for _ in 0..2 {
        harness.get(Some("u1"), born.clone()).await;
    }
    assert_eq!(
        received(&state).len(),
        3,
        "$expires 0: not served from a cache"
    );
}

#[tokio::test]
async fn an_answer_holding_uncached_remote_values_is_not_kept_whole() {
    let (harness, state, _dir) = serve("").await;
    // With the catalog's cached title beside it, the answer would be
    // kept, were the remote's value not unkept.
    let paths = json!([["people", "ada", "name"], ["videos", 7, "title"]]);
    for _ in 0..3 {
        harness.get(Some("u1"), paths.clone()).await;
    }
    assert_eq!(received(&state).len(), 3);
}

#[tokio::test]
async fn with_log_requests_each_request_and_each_route_failure_is_a_structured_event() {
    let logs = support::capture_logs(tracing::Level::INFO);
    let (base, state) = start_legacy().await;
    set_mode(&state, Mode::Failing);
    let file = format!(
        "[services.legacy]\nurl = \"{base}\"\nretries = 0\n\n[fallback]\nremote = {{ service = \"legacy\" }}\n"
    );
    let dir = Dir::with(&[("legacy.toml", file)]);
    let backend = start_backend(instant()).await;
    let build = Build {
        dirs: vec![dir.0.clone()],
        log_requests: true,
        ..Build::over(&backend)
    };
    let harness = Harness::build(build, |_| {});
    harness
        .get(
            Some("u1"),
            json!([["logbook", "entries", 0], ["videos", 3, "title"]]),
        )
        .await;
    let text = logs.text();
    let request = text
        .lines()
        .find(|line| line.contains("peregrine::request") && line.contains("logbook"))
        .unwrap_or_else(|| panic!("a request event in:\n{text}"));
    for part in [
        "method=\"get\"",
        "route_calls=2",
        "failed_route_calls=1",
        "\"route\":\"(fallback)\"",
        "\"error\":\"legacy service unavailable: it failed\"",
    ] {
        assert!(request.contains(part), "{part} in {request}");
    }
    let failure = text
        .lines()
        .find(|line| line.contains("peregrine::path_error") && line.contains("logbook"))
        .unwrap_or_else(|| panic!("a path error event in:\n{text}"));
    assert!(failure.contains("route=(fallback)"), "{failure}");
    assert!(failure.contains("paths=logbook.entries[0]"), "{failure}");
}

#[tokio::test]
async fn calls_the_remote_fails_do_not_pause_it_for_everyone() {
    let (harness, state, _dir) = serve("").await;
    set_mode(&state, Mode::FailingWrites);
    // More than the breaker's 20 calls in its window, all failed.
    for _ in 0..30 {
        let (status, answer) = harness
            .post("u1", json!({"method": "call", "callPath": ["people", "ada", "shuffle"], "arguments": []}))
            .await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{answer}");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("legacy service failed the call"),
            "{answer}"
        );
    }
    let graph = harness
        .get(Some("u2"), json!([["people", "ada", "name"]]))
        .await;
    assert_eq!(graph["people"]["ada"]["name"], "Ada", "{graph}");
}
