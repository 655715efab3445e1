//! The demo backend against CONTRACT.md §1 and §2: its data, every route's
//! answer, the 400s, `/_stats`, latency and injected faults.
//!
//! Routes are driven through `app()` with `oneshot` (no socket); one test
//! goes over a real socket to cover `serve` and its graceful shutdown.

use std::collections::HashSet;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use peregrine_routes::backend::data::{Catalog, MY_LIST_LENGTH};
use peregrine_routes::backend::{self, Settings};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

/// The contract's data with no latency, so tests answer at once.
fn instant() -> Settings {
    Settings {
        latency_ms: 0,
        per_item_us: 0,
        ..Settings::default()
    }
}

async fn call(app: &Router, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
    let body = body.map_or_else(Body::empty, |body| Body::from(body.to_string()));
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .body(body)
        .expect("a valid request");
    let (status, bytes) = crate::support::exchange(app, request).await;
    let value = serde_json::from_slice(&bytes).unwrap_or_else(|error| {
        panic!("{method} {uri}: not JSON ({error}): {bytes:?}");
    });
    (status, value)
}

async fn get(app: &Router, uri: &str) -> Value {
    let (status, value) = call(app, "GET", uri, None).await;
    assert_eq!(status, StatusCode::OK, "GET {uri}: {value}");
    value
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[test]
fn data_is_a_pure_function_of_the_seed() {
    let first = Catalog::generate(&Settings::default());
    let second = Catalog::generate(&Settings::default());
    assert_eq!(first, second);
    let user = first.user("u17").expect("u17 exists");
    assert_eq!(first.rows(user), second.rows(user));
    assert_eq!(first.starting_my_list(user), second.starting_my_list(user));
    assert_eq!(
        first.predicted_rating(user, 5),
        second.predicted_rating(user, 5)
    );

    let other = Catalog::generate(&Settings {
        seed: 43,
        ..Settings::default()
    });
    assert_ne!(first.videos(), other.videos());
    assert_ne!(first.lists(), other.lists());
    assert_ne!(first.rows(user), other.rows(user));
    let ratings = |catalog: &Catalog| -> Vec<f64> {
        (1..=100)
            .map(|video| catalog.predicted_rating(user, video))
            .collect()
    };
    assert_ne!(ratings(&first), ratings(&other));
}

#[test]
fn data_has_the_contract_counts_and_ranges() {
    let catalog = Catalog::generate(&Settings::default());
    let videos = catalog.videos();
    assert_eq!(videos.len(), 10_000);
    let maturities: HashSet<String> = videos
        .iter()
        .map(|video| serde_json::to_value(video.maturity).expect("serializes"))
        .map(|maturity| maturity.as_str().expect("a string").to_owned())
        .collect();
    let expected: HashSet<String> = ["G", "PG", "PG-13", "R", "TV-MA"].map(String::from).into();
    assert_eq!(maturities, expected);
    for (index, video) in videos.iter().enumerate() {
        assert_eq!(video.id, index as u64 + 1);
        assert!((1950..=2026).contains(&video.year), "{video:?}");
        assert!((100..=300).contains(&video.synopsis.chars().count()));
        assert_eq!(
            video.boxshot,
            format!("https://img.example/boxshot/{}.jpg", video.id)
        );
        assert!(video.runtime > 0 && !video.title.is_empty());
    }

    assert_eq!(catalog.lists().len(), 200);
    for list in catalog.lists() {
        assert!(!list.name.is_empty());
        assert_eq!(list.videos.len(), 75);
        assert_eq!(list.videos.iter().collect::<HashSet<_>>().len(), 75);
        assert!(list.videos.iter().all(|&id| catalog.video(id).is_some()));
    }

    assert!(catalog.user("u1000").is_some() && catalog.user("u1001").is_none());
    let user = catalog.user("u1").expect("u1 exists");
    let rows = catalog.rows(user);
    assert_eq!(rows.len(), 40);
    assert_eq!(rows.iter().collect::<HashSet<_>>().len(), 40);
    assert!(rows.iter().all(|id| catalog.list(id).is_some()));
    let my_list = catalog.starting_my_list(user);
    assert_eq!(my_list.len(), MY_LIST_LENGTH);
    assert!(my_list.iter().all(|&id| catalog.video(id).is_some()));

    let mut seen = HashSet::new();
    for video in 1..=2_000 {
        let rating = catalog.predicted_rating(user, video);
        assert!((1.0..=5.0).contains(&rating));
        assert_eq!(rating, (rating * 10.0).round() / 10.0, "one decimal");
        seen.insert((rating * 10.0) as u32);
    }
    assert_eq!(seen.len(), 41, "every rating from 1.0 to 5.0 occurs");
}

#[test]
fn counts_are_settings() {
    let small = Catalog::generate(&Settings {
        videos: 30,
        lists: 6,
        list_length: 50,
        users: 3,
        rows_per_user: 4,
        ..Settings::default()
    });
    assert_eq!(small.videos().len(), 30);
    assert_eq!(small.lists().len(), 6);
    // A list cannot hold more distinct videos than there are.
    assert!(small.lists().iter().all(|list| list.videos.len() == 30));
    assert!(small.user("u3").is_some() && small.user("u4").is_none());
    let user = small.user("u2").expect("u2 exists");
    assert_eq!(small.rows(user).len(), 4);
}

#[tokio::test]
async fn videos_answers_known_ids_keyed_by_id() {
    let app = backend::app(instant());
    let catalog = Catalog::generate(&instant());
    let answer = get(&app, "/videos?ids=1,2,99999,0,2").await;
    assert_eq!(keys(&answer), ["1", "2"]);
    let expected = serde_json::to_value(catalog.video(2)).expect("serializes");
    assert_eq!(answer["2"], expected);
    let video = answer["1"].as_object().expect("an object");
    let fields: HashSet<&str> = video.keys().map(String::as_str).collect();
    assert_eq!(
        fields,
        HashSet::from(["id", "title", "year", "synopsis", "boxshot", "runtime", "maturity"])
    );
    assert_eq!(video["id"], 1);
    assert_eq!(video["boxshot"], "https://img.example/boxshot/1.jpg");

    assert_eq!(get(&app, "/videos?ids=99999").await, json!({}));
    assert_eq!(get(&app, "/videos?ids=").await, json!({}));
}

#[tokio::test]
async fn rows_are_the_users_forty_list_ids() {
    let app = backend::app(instant());
    let catalog = Catalog::generate(&instant());
    let answer = get(&app, "/rows?user=u1").await;
    let rows: Vec<String> = serde_json::from_value(answer["rows"].clone()).expect("strings");
    assert_eq!(rows, catalog.rows(catalog.user("u1").expect("u1")));
    assert_eq!(rows.len(), 40);
    let other = get(&app, "/rows?user=u2").await;
    assert_ne!(answer, other, "users have their own rows");
    assert_eq!(answer, get(&app, "/rows?user=u1").await);
}

#[tokio::test]
async fn lists_answers_known_lists_with_name_and_videos() {
    let app = backend::app(instant());
    let catalog = Catalog::generate(&instant());
    let answer = get(&app, "/lists?ids=list-17,list-3,list-999,bogus").await;
    assert_eq!(keys(&answer), ["list-17", "list-3"]);
    let list = catalog.list("list-17").expect("list-17");
    assert_eq!(
        answer["list-17"],
        json!({"name": list.name, "videos": list.videos})
    );
    assert_eq!(
        answer["list-3"]["videos"].as_array().map(Vec::len),
        Some(75)
    );
}

#[tokio::test]
async fn ratings_are_the_predictions_of_known_videos() {
    let app = backend::app(instant());
    let catalog = Catalog::generate(&instant());
    let answer = get(&app, "/ratings?user=u1&ids=1,2,99999").await;
    assert_eq!(keys(&answer), ["1", "2"]);
    let u1 = catalog.user("u1").expect("u1");
    assert_eq!(answer["1"], catalog.predicted_rating(u1, 1));
    assert_eq!(answer["2"], catalog.predicted_rating(u1, 2));

    let many = |user: &str| format!("/ratings?user={user}&ids={}", ids(1..=50));
    assert_ne!(get(&app, &many("u1")).await, get(&app, &many("u2")).await);
}

fn ids(range: std::ops::RangeInclusive<u64>) -> String {
    range.map(|id| id.to_string()).collect::<Vec<_>>().join(",")
}

#[tokio::test]
async fn a_set_rating_replaces_the_prediction_for_that_user_only() {
    let app = backend::app(instant());
    let catalog = Catalog::generate(&instant());
    let (u1, u2) = (
        catalog.user("u1").expect("u1"),
        catalog.user("u2").expect("u2"),
    );
    let predicted = catalog.predicted_rating(u1, 5);
    let rating = if predicted == 1.5 { 4.5 } else { 1.5 };

    let (status, answer) = call(
        &app,
        "PUT",
        "/ratings?user=u1&id=5",
        Some(json!({ "rating": rating })),
    )
    .await;
    assert_eq!(
        (status, answer),
        (StatusCode::OK, json!({ "rating": rating }))
    );
    assert_eq!(
        get(&app, "/ratings?user=u1&ids=5").await,
        json!({ "5": rating })
    );
    assert_eq!(
        get(&app, "/ratings?user=u2&ids=5").await,
        json!({ "5": catalog.predicted_rating(u2, 5) })
    );
    assert_eq!(
        get(&app, "/ratings?user=u1&ids=6").await,
        json!({ "6": catalog.predicted_rating(u1, 6) })
    );

    // The bounds are allowed; an unknown video is left out.
    for (rating, answer) in [(1.0, json!({"rating": 1.0})), (5.0, json!({"rating": 5.0}))] {
        let body = Some(json!({ "rating": rating }));
        let (status, got) = call(&app, "PUT", "/ratings?user=u1&id=7", body).await;
        assert_eq!((status, got), (StatusCode::OK, answer));
    }
    let body = Some(json!({ "rating": 3.0 }));
    let (status, got) = call(&app, "PUT", "/ratings?user=u1&id=99999", body).await;
    assert_eq!((status, got), (StatusCode::OK, json!({})));
}

/// u1's list, as the backend answers it.
async fn u1s_list(app: &Router) -> Vec<u64> {
    serde_json::from_value(get(app, "/mylist?user=u1").await["videos"].clone()).expect("ids")
}

/// A backend, and the list it starts u1 with (what it answers at first).
async fn u1s_starting_list() -> (Router, Vec<u64>) {
    let app = backend::app(instant());
    let catalog = Catalog::generate(&instant());
    let start = catalog.starting_my_list(catalog.user("u1").expect("u1"));
    assert_eq!(u1s_list(&app).await, start);
    (app, start)
}

#[tokio::test]
async fn my_list_push_appends_the_video_answering_the_new_length() {
    let (app, start) = u1s_starting_list().await;
    let (status, answer) = call(&app, "POST", "/mylist?user=u1", Some(json!({"id": 5}))).await;
    assert_eq!((status, answer), (StatusCode::OK, json!({"length": 6})));
    let mut expected = start;
    expected.push(5);
    assert_eq!(u1s_list(&app).await, expected);
}

#[tokio::test]
async fn my_list_remove_drops_the_index_answering_the_new_length() {
    let (app, start) = u1s_starting_list().await;
    let (status, answer) = call(&app, "DELETE", "/mylist?user=u1&index=0", None).await;
    let length = start.len() - 1;
    assert_eq!(
        (status, answer),
        (StatusCode::OK, json!({ "length": length }))
    );
    let mut expected = start;
    expected.remove(0);
    assert_eq!(u1s_list(&app).await, expected);
}

#[tokio::test]
async fn my_list_remove_past_the_end_removes_nothing() {
    let (app, start) = u1s_starting_list().await;
    let (_, answer) = call(&app, "DELETE", "/mylist?user=u1&index=5", None).await;
    assert_eq!(answer, json!({"length": 5}));
    assert_eq!(u1s_list(&app).await, start);
}

#[tokio::test]
async fn my_list_push_of_an_unknown_video_adds_nothing() {
    let (app, start) = u1s_starting_list().await;
    let (_, answer) = call(&app, "POST", "/mylist?user=u1", Some(json!({"id": 99999}))).await;
    assert_eq!(answer, json!({"length": 5}));
    assert_eq!(u1s_list(&app).await, start);
}

#[tokio::test]
async fn another_users_list_is_their_own() {
    let (app, _) = u1s_starting_list().await;
    let (status, _) = call(&app, "POST", "/mylist?user=u1", Some(json!({"id": 5}))).await;
    assert_eq!(status, StatusCode::OK);
    let catalog = Catalog::generate(&instant());
    let u2 = catalog.starting_my_list(catalog.user("u2").expect("u2"));
    let theirs: Vec<u64> =
        serde_json::from_value(get(&app, "/mylist?user=u2").await["videos"].clone()).expect("ids");
    assert_eq!(theirs, u2);
}

#[tokio::test]
async fn each_malformed_request_is_a_400_naming_the_problem() {
    let app = backend::app(instant());
    let rating = |value: Value| Some(json!({ "rating": value }));
    let cases: Vec<(&str, &str, Option<Value>, &str)> = vec![
        ("GET", "/videos", None, "missing parameter `ids`"),
        (
            "GET",
            "/videos?ids=1,abc",
            None,
            "\"abc\" is not a video id",
        ),
        ("GET", "/videos?ids=-1", None, "\"-1\" is not a video id"),
        ("GET", "/videos?ids=1,,2", None, "empty id"),
        (
            "GET",
            "/videos?ids=1&ids=2",
            None,
            "`ids` is given more than once",
        ),
        ("GET", "/rows", None, "missing parameter `user`"),
        ("GET", "/rows?user=u0", None, "unknown user \"u0\""),
        ("GET", "/rows?user=u1001", None, "unknown user \"u1001\""),
        ("GET", "/rows?user=bob", None, "unknown user \"bob\""),
        ("GET", "/lists", None, "missing parameter `ids`"),
        ("GET", "/lists?ids=list-1,", None, "empty id"),
        ("GET", "/ratings?ids=1", None, "missing parameter `user`"),
        ("GET", "/ratings?user=u1", None, "missing parameter `ids`"),
        ("GET", "/ratings?user=u9999&ids=1", None, "unknown user"),
        ("PUT", "/ratings?user=u1&id=5", None, "JSON"),
        ("PUT", "/ratings?user=u1&id=5", Some(json!("4.0")), "JSON"),
        ("PUT", "/ratings?user=u1&id=5", Some(json!({})), "`rating`"),
        (
            "PUT",
            "/ratings?user=u1&id=5",
            rating(json!(6)),
            "`rating` 6 is outside 1..=5",
        ),
        (
            "PUT",
            "/ratings?user=u1&id=5",
            rating(json!(0.9)),
            "outside 1..=5",
        ),
        (
            "PUT",
            "/ratings?user=u1&id=5",
            rating(json!("high")),
            "JSON",
        ),
        (
            "PUT",
            "/ratings?user=u1",
            rating(json!(4)),
            "missing parameter `id`",
        ),
        (
            "PUT",
            "/ratings?user=u1&id=x",
            rating(json!(4)),
            "\"x\" is not a video id",
        ),
        (
            "PUT",
            "/ratings?id=5",
            rating(json!(4)),
            "missing parameter `user`",
        ),
        ("GET", "/mylist", None, "missing parameter `user`"),
        ("POST", "/mylist?user=u1", Some(json!({})), "`id`"),
        ("POST", "/mylist?user=u1", Some(json!({"id": "5"})), "JSON"),
        ("POST", "/mylist?user=u1", Some(json!({"id": -5})), "JSON"),
        (
            "POST",
            "/mylist?user=x",
            Some(json!({"id": 5})),
            "unknown user \"x\"",
        ),
        (
            "DELETE",
            "/mylist?user=u1",
            None,
            "missing parameter `index`",
        ),
        (
            "DELETE",
            "/mylist?user=u1&index=-1",
            None,
            "\"-1\" is not an index",
        ),
        (
            "DELETE",
            "/mylist?user=u1&index=first",
            None,
            "\"first\" is not an index",
        ),
    ];
    for (method, uri, body, problem) in cases {
        let (status, answer) = call(&app, method, uri, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{method} {uri} {body:?}: {answer}"
        );
        let message = answer["error"].as_str().unwrap_or_default();
        assert!(
            message.contains(problem),
            "{method} {uri} {body:?}: {message:?} does not say {problem:?}"
        );
        assert_eq!(keys(&answer), ["error"]);
    }
}

#[tokio::test]
async fn other_paths_and_methods_get_json_errors() {
    let app = backend::app(instant());
    let (status, answer) = call(&app, "GET", "/nothing", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(answer["error"].is_string());
    let (status, answer) = call(&app, "PATCH", "/videos?ids=1", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(answer["error"].is_string());
}

/// A backend that has been called on each of its routes.
async fn called_on_each_route() -> Router {
    let app = backend::app(instant());
    get(&app, "/videos?ids=1,2,3").await;
    get(&app, "/videos?ids=4,99999").await;
    get(&app, "/lists?ids=list-1,list-2").await;
    get(&app, "/rows?user=u1").await;
    get(&app, "/ratings?user=u1&ids=1,2,3,4").await;
    call(
        &app,
        "PUT",
        "/ratings?user=u1&id=1",
        Some(json!({"rating": 2.0})),
    )
    .await;
    get(&app, "/mylist?user=u1").await;
    call(&app, "POST", "/mylist?user=u1", Some(json!({"id": 9}))).await;
    call(&app, "DELETE", "/mylist?user=u1&index=0", None).await;
    call(&app, "DELETE", "/mylist?user=u1&index=0", None).await;
    app
}

#[tokio::test]
async fn stats_count_each_routes_calls_and_items() {
    let app = called_on_each_route().await;
    let stats = get(&app, "/_stats").await;
    assert_eq!(
        stats,
        json!({
            "calls": {
                "GET /videos": 2, "GET /rows": 1, "GET /lists": 1, "GET /ratings": 1,
                "PUT /ratings": 1, "GET /mylist": 1, "POST /mylist": 1, "DELETE /mylist": 2,
            },
            "items": {
                "GET /videos": 5, "GET /rows": 1, "GET /lists": 2, "GET /ratings": 4,
                "PUT /ratings": 1, "GET /mylist": 1, "POST /mylist": 1, "DELETE /mylist": 2,
            },
        })
    );
}

#[tokio::test]
async fn stats_reset_to_zero_then_count_afresh() {
    let app = called_on_each_route().await;
    let (status, _) = call(&app, "POST", "/_stats/reset", None).await;
    assert_eq!(status, StatusCode::OK);
    let stats = get(&app, "/_stats").await;
    for counts in [&stats["calls"], &stats["items"]] {
        let counts = counts.as_object().expect("an object");
        assert_eq!(counts.len(), 8);
        assert!(counts.values().all(|count| count == 0), "{stats}");
    }
    get(&app, "/videos?ids=1").await;
    let stats = get(&app, "/_stats").await;
    assert_eq!(stats["calls"]["GET /videos"], 1);
    assert_eq!(stats["items"]["GET /videos"], 1);
}

async fn time(app: &Router, uri: &str) -> Duration {
    let start = Instant::now();
    get(app, uri).await;
    start.elapsed()
}

#[tokio::test(start_paused = true)]
async fn each_call_sleeps_its_latency_plus_its_per_id_cost() {
    let fixed = backend::app(Settings {
        latency_ms: 50,
        per_item_us: 0,
        ..Settings::default()
    });
    let took = time(&fixed, "/videos?ids=1").await;
    assert!((50..60).contains(&took.as_millis()), "{took:?}");
    let took = time(&fixed, "/rows?user=u1").await;
    assert!((50..60).contains(&took.as_millis()), "{took:?}");

    // 200 ids at 1000 µs each: 200 ms on top of 2 ms.
    let per_item = backend::app(Settings {
        latency_ms: 2,
        per_item_us: 1_000,
        ..Settings::default()
    });
    let took = time(&per_item, &format!("/videos?ids={}", ids(1..=200))).await;
    assert!((202..212).contains(&took.as_millis()), "{took:?}");

    let none = backend::app(instant());
    assert!(time(&none, "/videos?ids=1,2,3").await < Duration::from_millis(1));
    // /_stats is not a service call: no latency.
    assert!(time(&fixed, "/_stats").await < Duration::from_millis(1));
}

#[tokio::test(start_paused = true)]
async fn slow_rate_makes_that_fraction_of_calls_slow() {
    let always = backend::app(Settings {
        slow_rate: 1.0,
        slow_ms: 500,
        ..instant()
    });
    for _ in 0..5 {
        let took = time(&always, "/videos?ids=1").await;
        assert!((500..510).contains(&took.as_millis()), "{took:?}");
    }
    let never = backend::app(Settings {
        slow_rate: 0.0,
        slow_ms: 500,
        ..instant()
    });
    for _ in 0..20 {
        assert!(time(&never, "/videos?ids=1").await < Duration::from_millis(1));
    }
}

/// One call of each of the backend's routes: method, URI and body.
fn one_of_each() -> [(&'static str, &'static str, Option<Value>); 8] {
    [
        ("GET", "/videos?ids=1", None),
        ("GET", "/rows?user=u1", None),
        ("GET", "/lists?ids=list-1", None),
        ("GET", "/ratings?user=u1&ids=1", None),
        ("PUT", "/ratings?user=u1&id=1", Some(json!({"rating": 3.0}))),
        ("GET", "/mylist?user=u1", None),
        ("POST", "/mylist?user=u1", Some(json!({"id": 1}))),
        ("DELETE", "/mylist?user=u1&index=0", None),
    ]
}

#[tokio::test]
async fn fail_rate_one_fails_every_call() {
    let failing = backend::app(Settings {
        fail_rate: 1.0,
        ..instant()
    });
    for _ in 0..5 {
        for (method, uri, body) in one_of_each() {
            let (status, answer) = call(&failing, method, uri, body).await;
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{method} {uri}");
            assert_eq!(answer, json!({"error": "injected failure"}));
        }
    }
    // Failed calls are counted, and /_stats itself never fails.
    let (status, stats) = call(&failing, "GET", "/_stats", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stats["calls"]["POST /mylist"], 5);
}

#[tokio::test]
async fn fail_rate_zero_fails_none() {
    let fine = backend::app(Settings {
        fail_rate: 0.0,
        ..instant()
    });
    for _ in 0..20 {
        for (method, uri, body) in one_of_each() {
            let (status, _) = call(&fine, method, uri, body).await;
            assert_eq!(status, StatusCode::OK, "{method} {uri}");
        }
    }
}

#[tokio::test]
async fn fail_rate_one_half_fails_about_half_the_calls() {
    let app = backend::app(Settings {
        fail_rate: 0.5,
        ..instant()
    });
    let mut failed = 0;
    for _ in 0..400 {
        let (status, _) = call(&app, "GET", "/videos?ids=1", None).await;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            failed += 1;
        }
    }
    assert!((140..=260).contains(&failed), "{failed} of 400 failed");
}

#[tokio::test]
async fn serve_answers_over_a_socket_and_stops_on_shutdown() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let address = listener.local_addr().expect("an address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(backend::serve(listener, instant(), async {
        let _ = stopped.await;
    }));

    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connects");
    stream
        .write_all(b"GET /lists?ids=list-3 HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .await
        .expect("writes");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("reads");
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(
        response
            .to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{response}"
    );
    let body = response.split("\r\n\r\n").nth(1).expect("a body");
    let answer: Value = serde_json::from_str(body).expect("JSON");
    assert_eq!(keys(&answer), ["list-3"]);

    stop.send(()).expect("the server waits");
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("stops in time")
        .expect("does not panic")
        .expect("serves without error");
}
