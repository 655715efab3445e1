//! The catalog graph (CONTRACT.md §3 and §4) over the embedded backend:
//! the backend on a real loopback socket (the routes call it over HTTP),
//! the graph app driven without one (`oneshot`).

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use peregrine_routes::backend::Settings;
use serde_json::{json, Value};

use crate::support::{home, home_videos, ids, instant, range, Harness};

#[tokio::test]
async fn home_answers_ten_rows_of_ten_videos_with_the_users_ratings() {
    let harness = Harness::start(instant()).await;
    let graph = harness.get(Some("u17"), home()).await;
    let videos = home_videos(&graph);
    assert_eq!(videos.len(), 100);
    let expected = harness
        .backend(
            reqwest::Method::GET,
            &format!("/ratings?user=u17&ids={}", ids(&videos)),
        )
        .await;
    for (id, video) in &videos {
        assert!(
            video["title"].as_str().is_some_and(|t| !t.is_empty()),
            "{video}"
        );
        assert_eq!(
            video["boxshot"],
            format!("https://img.example/boxshot/{id}.jpg")
        );
        assert_eq!(video["rating"], expected[id.to_string()], "video {id}");
    }

    // Another user's ratings of the same videos are theirs, not u17's.
    let paths = json!([[
        "videos",
        videos.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        "rating"
    ]]);
    let other = harness.get(Some("u18"), paths).await;
    let theirs = harness
        .backend(
            reqwest::Method::GET,
            &format!("/ratings?user=u18&ids={}", ids(&videos)),
        )
        .await;
    let mut differ = 0;
    for (id, video) in &videos {
        let rating = &other["videos"][id.to_string()]["rating"];
        assert_eq!(rating, &theirs[id.to_string()], "video {id}");
        differ += usize::from(rating != &video["rating"]);
    }
    assert!(differ > 0, "u17 and u18 were given the same ratings");
}

#[tokio::test]
async fn user_values_carry_expires_of_the_user_ttl_and_catalog_values_do_not() {
    let harness = Harness::start(instant()).await;
    let graph = harness
        .get_raw(
            "u17",
            json!([
                ["genreLists", 0],
                ["videos", 7, ["title", "rating"]],
                ["myList", [0, "length"]]
            ]),
        )
        .await;
    let sixty_seconds = json!(-60000);
    assert_eq!(graph["genreLists"]["0"]["$type"], "ref", "{graph}");
    assert_eq!(graph["genreLists"]["0"]["$expires"], sixty_seconds);
    let rating = &graph["videos"]["7"]["rating"];
    assert_eq!(rating["$type"], "atom", "{graph}");
    assert!(rating["value"]
        .as_f64()
        .is_some_and(|r| (1.0..=5.0).contains(&r)));
    assert_eq!(rating["$expires"], sixty_seconds);
    assert_eq!(graph["myList"]["0"]["$expires"], sixty_seconds);
    assert_eq!(graph["myList"]["length"]["$expires"], sixty_seconds);
    assert!(graph["videos"]["7"]["title"].is_string(), "{graph}");
}

#[tokio::test]
async fn a_cold_home_request_makes_one_call_per_backend_operation() {
    let harness = Harness::start(instant()).await;
    harness.reset_calls().await;
    harness.get(Some("u17"), home()).await;
    let expected: HashMap<String, u64> = ["GET /rows", "GET /lists", "GET /videos", "GET /ratings"]
        .into_iter()
        .map(|route| (route.to_owned(), 1))
        .collect();
    let made = harness.calls_made().await;
    assert_eq!(made, expected);
}

#[tokio::test]
async fn the_same_home_request_again_is_answered_from_the_cache() {
    let harness = Harness::start(instant()).await;
    let first = harness.get(Some("u17"), home()).await;
    harness.reset_calls().await;
    let again = harness.get(Some("u17"), home()).await;
    assert_eq!(again, first);
    assert_eq!(harness.calls_made().await, HashMap::new());
    // Another user shares the catalog data but not the private data.
    harness.get(Some("u18"), home()).await;
    let made = harness.calls_made().await;
    assert_eq!(made.get("GET /rows"), Some(&1), "{made:?}");
    assert_eq!(made.get("GET /ratings"), Some(&1), "{made:?}");
}

#[tokio::test]
async fn with_the_cache_off_every_request_asks_the_backends() {
    let harness = Harness::start_with(instant(), false).await;
    harness.get(Some("u17"), home()).await;
    harness.reset_calls().await;
    harness.get(Some("u17"), home()).await;
    let made = harness.calls_made().await;
    for route in ["GET /rows", "GET /lists", "GET /videos", "GET /ratings"] {
        assert_eq!(made.get(route), Some(&1), "{route}: {made:?}");
    }
}

#[tokio::test]
async fn detail_answers_every_field_of_the_catalog() {
    let harness = Harness::start(instant()).await;
    let fields = ["title", "synopsis", "year", "runtime", "maturity", "rating"];
    let graph = harness
        .get(Some("u17"), json!([["videos", 42, fields]]))
        .await;
    let video = &graph["videos"]["42"];
    let catalog = harness
        .backend(reqwest::Method::GET, "/videos?ids=42")
        .await;
    for field in ["title", "synopsis", "year", "runtime", "maturity"] {
        assert_eq!(video[field], catalog["42"][field], "{field}");
    }
    assert!(
        video["rating"]
            .as_f64()
            .is_some_and(|r| (1.0..=5.0).contains(&r)),
        "{video}"
    );
}

#[tokio::test]
async fn an_unknown_video_is_empty_atoms() {
    let harness = Harness::start(instant()).await;
    let fields = ["title", "synopsis", "year", "runtime", "maturity", "rating"];
    let graph = harness
        .get(Some("u17"), json!([["videos", [42, 20000], fields]]))
        .await;
    assert!(graph["videos"]["42"]["title"].is_string(), "{graph}");
    for field in fields {
        assert_eq!(
            graph["videos"]["20000"][field],
            json!({"$type": "atom"}),
            "{field}"
        );
    }
}

#[tokio::test]
async fn a_set_rating_is_read_back_by_its_user_only() {
    let harness = Harness::start(instant()).await;
    let before = harness
        .get(Some("u18"), json!([["videos", 7, "rating"]]))
        .await;
    // Read first, twice, so that the answer the set must replace is
    // kept (an answer is kept when asked a second time).
    harness
        .get(Some("u17"), json!([["videos", 7, "rating"]]))
        .await;
    let mine = harness
        .get(Some("u17"), json!([["videos", 7, "rating"]]))
        .await;
    assert_ne!(mine["videos"]["7"]["rating"], json!(4.5));
    assert_eq!(
        harness.answers.as_ref().expect("an answer cache").size().0,
        1,
        "u17's answer is kept"
    );
    let set = json!({
        "method": "set",
        "jsonGraph": {"jsonGraph": {"videos": {"7": {"rating": 4.5}}}, "paths": [["videos", 7, "rating"]]},
    });
    let (status, answer) = harness.post("u17", set).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["jsonGraph"]["videos"]["7"]["rating"], json!(4.5));
    let mine = harness
        .get(Some("u17"), json!([["videos", 7, "rating"]]))
        .await;
    assert_eq!(mine["videos"]["7"]["rating"], json!(4.5));
    let theirs = harness
        .get(Some("u18"), json!([["videos", 7, "rating"]]))
        .await;
    assert_eq!(theirs, before);
}

#[tokio::test]
async fn my_list_push_then_get_shows_the_new_item() {
    let harness = Harness::start(instant()).await;
    let paths = json!([["myList", [5, "length"]]]);
    harness.get(Some("u17"), paths.clone()).await;
    let before = harness.get(Some("u17"), paths.clone()).await;
    assert_eq!(before["myList"]["length"], json!(5));
    assert_eq!(
        harness.answers.as_ref().expect("an answer cache").size().0,
        1,
        "the answer is kept"
    );
    let push = json!({
        "method": "call",
        "callPath": ["myList", "push"],
        "arguments": [{"$type": "ref", "value": ["videos", 123]}],
    });
    let (status, answer) = harness.post("u17", push).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["jsonGraph"]["myList"]["length"], json!(6));
    assert_eq!(
        answer["jsonGraph"]["myList"]["5"],
        json!({"$type": "ref", "value": ["videos", 123]})
    );
    let graph = harness.get(Some("u17"), paths).await;
    assert_eq!(graph["myList"]["length"], json!(6));
    assert_eq!(
        graph["myList"]["5"],
        json!({"$type": "ref", "value": ["videos", 123]})
    );
    // Another user's list is untouched.
    let other = harness
        .get(Some("u18"), json!([["myList", "length"]]))
        .await;
    assert_eq!(other["myList"]["length"], json!(5));
}

#[tokio::test]
async fn my_list_remove_answers_the_length_and_invalidates_the_moved_items() {
    let harness = Harness::start(instant()).await;
    let before = harness
        .get(Some("u17"), json!([["myList", range(0, 4), "title"]]))
        .await;
    harness.get(Some("u17"), json!([["myList", [1, 4]]])).await;
    let kept = harness.get(Some("u17"), json!([["myList", [1, 4]]])).await;
    assert!(
        harness.answers.as_ref().expect("an answer cache").size().0 >= 1,
        "the answer is kept"
    );
    assert_ne!(kept["myList"]["4"], json!({"$type": "atom"}));
    let remove = json!({"method": "call", "callPath": ["myList", "remove"], "arguments": [1]});
    let (status, answer) = harness.post("u17", remove).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["jsonGraph"]["myList"]["length"], json!(4));
    assert_eq!(answer["invalidated"], json!([["myList", range(1, 4)]]));
    let after = harness.get(Some("u17"), json!([["myList", [1, 4]]])).await;
    assert_eq!(after["myList"]["1"], before["myList"]["2"]);
    assert_eq!(after["myList"]["4"], json!({"$type": "atom"}));
}

#[tokio::test]
async fn without_a_user_private_paths_are_errors_and_titles_still_arrive() {
    let harness = Harness::start(instant()).await;
    let paths = json!([
        ["videos", 5, ["title", "rating"]],
        ["myList", "length"],
        ["genreLists", "length"]
    ]);
    let graph = harness.get(None, paths).await;
    assert!(graph["videos"]["5"]["title"].is_string(), "{graph}");
    let sign_in = json!({"$type": "error", "value": {"message": "sign in to see this: it is one user's data"}});
    assert_eq!(graph["videos"]["5"]["rating"], sign_in);
    assert_eq!(graph["myList"]["length"], sign_in);
    assert_eq!(graph["genreLists"]["length"], sign_in);
}

/// A call of `myList.push` (one user's list) with a video.
fn push_video_5() -> Value {
    json!({
        "method": "call",
        "callPath": ["myList", "push"],
        "arguments": [{"$type": "ref", "value": ["videos", 5]}],
    })
}

#[tokio::test]
async fn without_a_user_a_call_that_needs_one_is_refused_whole_with_401() {
    let harness = Harness::start(instant()).await;
    let request = Request::post("/model.json")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(push_video_5().to_string()))
        .expect("a request");
    let (status, body) = harness.send(request).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"]["kind"], "unauthorized");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("myList.push")),
        "{body}"
    );
}

#[tokio::test]
async fn a_token_that_is_not_a_user_id_is_refused_not_taken_as_no_user() {
    let harness = Harness::start(instant()).await;
    let (status, body) = harness.post("admin", push_video_5()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("u17") && !m.contains("admin")),
        "{body}"
    );
}

#[tokio::test]
async fn a_failing_backend_gives_error_values_in_a_200() {
    let harness = Harness::start(Settings {
        fail_rate: 1.0,
        ..instant()
    })
    .await;
    let graph = harness
        .get(
            Some("u17"),
            json!([
                ["videos", 5, ["title", "rating"]],
                ["genreLists", 0, "name"]
            ]),
        )
        .await;
    let error = |service: &str| json!({"$type": "error", "value": {"message": format!("{service} service unavailable: it failed")}});
    assert_eq!(graph["videos"]["5"]["title"], error("catalog"));
    assert_eq!(graph["videos"]["5"]["rating"], error("ratings"));
    assert_eq!(graph["genreLists"]["0"], error("lists"));
    assert!(!graph.to_string().contains("127.0.0.1"), "{graph}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_home_requests_of_many_users_share_catalog_calls() {
    // The contract's default backend latency, so that requests overlap.
    let harness = Harness::start(Settings::default()).await;
    harness.reset_calls().await;
    let requests: Vec<_> = (1..=50)
        .map(|n| {
            let harness = harness.clone();
            tokio::spawn(async move { harness.get(Some(&format!("u{n}")), home()).await })
        })
        .collect();
    for request in requests {
        let graph = request.await.expect("the request task ends");
        assert_eq!(home_videos(&graph).len(), 100);
    }
    let made = harness.calls_made().await;
    // Each user's rows and ratings are theirs: one call per user each.
    assert_eq!(made.get("GET /rows"), Some(&50), "{made:?}");
    assert_eq!(made.get("GET /ratings"), Some(&50), "{made:?}");
    // Lists and videos are shared: concurrent requests coalesce.
    for route in ["GET /lists", "GET /videos"] {
        let calls = made.get(route).copied().unwrap_or(0);
        assert!(
            calls <= 20,
            "{route}: {calls} calls for 50 requests ({made:?})"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_concurrent_load_every_user_sees_only_their_own_ratings() {
    let harness = Harness::start(instant()).await;
    // 20 users, 5 rounds each, all at once, cache on: every rating in
    // every answer must be the backend's for that answer's user.
    let requests: Vec<_> = (1..=100)
        .map(|n| {
            let harness = harness.clone();
            let user = format!("u{}", 1 + n % 20);
            tokio::spawn(async move {
                let graph = harness.get(Some(&user), home()).await;
                (user, graph)
            })
        })
        .collect();
    let mut answers = Vec::new();
    for request in requests {
        answers.push(request.await.expect("the request task ends"));
    }
    for (user, graph) in &answers {
        let videos = home_videos(graph);
        let truth = harness
            .backend(
                reqwest::Method::GET,
                &format!("/ratings?user={user}&ids={}", ids(&videos)),
            )
            .await;
        for (id, video) in &videos {
            assert_eq!(video["rating"], truth[id.to_string()], "{user}, video {id}");
        }
    }
}

#[tokio::test]
async fn a_key_too_long_to_be_a_list_id_has_no_value_and_leaves_the_others_answered() {
    let harness = Harness::start(instant()).await;
    let long = "x".repeat(5_000);
    let graph = harness
        .get(
            None,
            json!([["lists", [long.as_str(), "list-1", 7], "name"]]),
        )
        .await;
    assert!(
        graph["lists"]["list-1"]["name"].is_string(),
        "list-1 is answered: {graph}"
    );
    let long_name = &graph["lists"][long.as_str()]["name"];
    assert!(
        long_name.get("value").is_none() && long_name["$type"] == "atom",
        "the long key holds nothing"
    );
    // "7" is asked as a list id (and is none): numbers are keys too.
    assert!(graph["lists"]["7"]["name"]["$type"] == "atom");
    assert_eq!(harness.calls_made().await.get("GET /lists"), Some(&1));
    let stats = harness.backend(reqwest::Method::GET, "/_stats").await;
    assert_eq!(
        stats["items"]["GET /lists"], 2,
        "list-1 and 7 were asked of the service, the long key was not"
    );
}
