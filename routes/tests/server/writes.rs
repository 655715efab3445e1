//! Writes: a write's answer says exactly what was stored, and every cache
//! agrees with the service once the write has answered; a request that is
//! refused writes nothing; a set is bounded.
//!
//! Two instances sharing Redis are in `redis.rs`.

use crate::support::{instant, start_backend, Build, Harness};
use axum::http::StatusCode;
use futures::future::join_all;
use peregrine::upstream::{BreakerSettings, Settings as Guard};
use peregrine_routes::backend::Settings;
use peregrine_routes::Auth;
use peregrine_routes::{Endpoints, Guards};
use serde_json::{json, Value};

/// A set of `videos[id].rating` to each rating of `ratings`.
fn set_ratings(ratings: &[(u64, f64)]) -> Value {
    let mut videos = serde_json::Map::new();
    for (id, rating) in ratings {
        videos.insert(id.to_string(), json!({ "rating": rating }));
    }
    let paths: Vec<Value> = ratings
        .iter()
        .map(|(id, _)| json!(["videos", id, "rating"]))
        .collect();
    json!({
        "method": "set",
        "jsonGraph": {"jsonGraph": {"videos": videos}, "paths": paths},
    })
}

/// What the ratings service holds for `user`, by video id (asked again
/// while it answers a failure: some tests make it fail on purpose).
async fn stored(harness: &Harness, user: &str, ids: &[u64]) -> Value {
    let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
    let url = format!(
        "{}/ratings?user={user}&ids={}",
        harness.backend,
        ids.join(",")
    );
    for _ in 0..50 {
        let response = harness
            .http
            .get(&url)
            .send()
            .await
            .expect("the service answers");
        if response.status().is_success() {
            return response.json().await.expect("JSON");
        }
    }
    panic!("{url} failed 50 times in a row");
}

/// For each of `ids`, a rating other than the one `before` holds.
fn changed(before: &Value, ids: &[u64]) -> Vec<(u64, f64)> {
    let other = |id: u64| match before[id.to_string()] == json!(5.0) {
        true => 1.0,
        false => 5.0,
    };
    ids.iter().map(|&id| (id, other(id))).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sets_of_one_rating_leave_every_cache_agreeing_with_the_service() {
    let harness = Harness::start(Settings {
        latency_ms: 1,
        per_item_us: 0,
        ..Settings::default()
    })
    .await;
    let rating = json!([["videos", 7, "rating"]]);
    for round in 0..30_u32 {
        // The value and the whole answer are cached (an answer is kept
        // when asked a second time), as a user's screen has them.
        harness.get(Some("u17"), rating.clone()).await;
        harness.get(Some("u17"), rating.clone()).await;
        let sets = (0..4_u32).map(|writer| {
            let harness = harness.clone();
            let sent = f64::from(1 + (round + writer) % 5);
            tokio::spawn(async move {
                let (status, answer) = harness.post("u17", set_ratings(&[(7, sent)])).await;
                assert_eq!(status, StatusCode::OK, "{answer}");
                // What this write stored.
                assert_eq!(answer["jsonGraph"]["videos"]["7"]["rating"], json!(sent));
            })
        });
        for set in join_all(sets).await {
            set.expect("the set answered");
        }
        let service = stored(&harness, "u17", &[7]).await["7"].clone();
        for read in 0..2 {
            let answer = harness.get(Some("u17"), rating.clone()).await;
            assert_eq!(
                answer["videos"]["7"]["rating"], service,
                "round {round}, read {read}: the server answers one rating, the service holds another"
            );
        }
    }
}

#[tokio::test]
async fn a_partly_failed_set_reports_each_paths_own_outcome() {
    let main = start_backend(instant()).await;
    let ratings = start_backend(Settings {
        fail_rate: 0.3,
        ..instant()
    })
    .await;
    let endpoints = Endpoints {
        ratings: ratings.clone(),
        ..Endpoints::all(&main)
    };
    // A breaker that stays closed, so that every write reaches the service.
    let guards = Guards {
        ratings: Guard {
            breaker: BreakerSettings {
                min_calls: u32::MAX,
                ..BreakerSettings::default()
            },
            ..Guard::default()
        },
        ..Guards::default()
    };
    let harness = Harness::over(ratings, &endpoints, &guards, true, Auth::Development);
    let ids: Vec<u64> = (1..=20).collect();
    let before = stored(&harness, "u17", &ids).await;
    let sent = changed(&before, &ids);
    let (status, answer) = harness.post("u17", set_ratings(&sent)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let after = stored(&harness, "u17", &ids).await;
    let (mut written, mut failed) = (0, 0);
    for (id, rating) in &sent {
        let key = id.to_string();
        let answered = &answer["jsonGraph"]["videos"][&key]["rating"];
        if answered["$type"] == json!("error") {
            failed += 1;
            assert_eq!(
                after[&key], before[&key],
                "video {id}: an error, and nothing stored"
            );
            let message = answered["value"]["message"].as_str().unwrap_or_default();
            assert!(message.starts_with("ratings service"), "{message}");
        } else {
            written += 1;
            assert_eq!(answered, &json!(rating), "video {id}: {answered}");
            assert_eq!(after[&key], json!(rating), "video {id}: answered as stored");
        }
    }
    assert!(
        written > 0 && failed > 0,
        "{written} written, {failed} failed"
    );
}

#[tokio::test]
async fn a_set_past_the_limit_is_refused_before_any_write() {
    let harness = Harness::start(instant()).await;
    harness.reset_calls().await;
    let sent: Vec<(u64, f64)> = (1..=101).map(|id| (id, 3.0)).collect();
    let (status, answer) = harness.post("u17", set_ratings(&sent)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(
        answer["error"]["kind"],
        json!("too_many_values"),
        "{answer}"
    );
    let message = answer["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("101 values") && message.contains("limit of 100"),
        "{message}"
    );
    assert_eq!(harness.calls_made().await.get("PUT /ratings"), None);

    let sent: Vec<(u64, f64)> = (1..=100).map(|id| (id, 3.0)).collect();
    let (status, answer) = harness.post("u17", set_ratings(&sent)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(harness.calls_made().await.get("PUT /ratings"), Some(&100));
}

/// `myList.push` of video 123 with `extra`'s members added.
fn push(extra: Value) -> Value {
    let mut call = json!({
        "method": "call",
        "callPath": ["myList", "push"],
        "arguments": [{"$type": "ref", "value": ["videos", 123]}],
    });
    if let (Some(call), Value::Object(extra)) = (call.as_object_mut(), extra) {
        call.extend(extra);
    }
    call
}

#[tokio::test]
async fn a_call_refused_for_its_read_back_or_arguments_writes_nothing() {
    let harness = Harness::start(instant()).await;
    harness.reset_calls().await;
    let suffix = |keys: usize| json!([vec![json!("title"); keys]]);
    let refused = [
        (
            push(json!({ "pathSuffixes": suffix(63) })),
            "path_too_long",
            "65 keys",
        ),
        (
            push(json!({ "paths": [vec![json!("length"); 64]] })),
            "path_too_long",
            "65 keys",
        ),
        (
            push(json!({ "arguments": [["videos", 123], ["videos", 124]] })),
            "call_rejected",
            "it was sent 2",
        ),
        (
            push(json!({ "arguments": [] })),
            "call_rejected",
            "it was sent none",
        ),
        (
            json!({"method": "call", "callPath": ["myList", "remove"], "arguments": [0, 1]}),
            "call_rejected",
            "takes one argument: an index; it was sent 2",
        ),
    ];
    for (call, kind, says) in refused {
        let (status, answer) = harness.post("u17", call.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{call}: {answer}");
        assert_eq!(answer["error"]["kind"], json!(kind), "{call}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{call}: {message}");
    }
    let made = harness.calls_made().await;
    assert_eq!(made.get("POST /mylist"), None, "{made:?}");
    assert_eq!(made.get("DELETE /mylist"), None, "{made:?}");

    // At the limit, the call is made and read back.
    let (status, answer) = harness
        .post("u17", push(json!({ "pathSuffixes": suffix(62) })))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        answer["jsonGraph"]["myList"]["length"],
        json!(6),
        "{answer}"
    );
}

#[tokio::test]
async fn a_user_the_service_does_not_know_is_named_as_such() {
    let harness = Harness::start(instant()).await;
    let answer = harness
        .get(Some("u99999"), json!([["videos", 7, "rating"]]))
        .await;
    let error = &answer["videos"]["7"]["rating"];
    assert_eq!(error["$type"], json!("error"), "{answer}");
    let message = error["value"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("ratings service refused the call: unknown user \"u99999\""),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_set_cut_short_by_the_deadline_says_which_writes_it_knows_of() {
    // Each write takes 200 ms, 8 at a time: 40 writes need 1 s, and the
    // request has 500 ms.
    let backend = start_backend(Settings {
        latency_ms: 200,
        per_item_us: 0,
        ..Settings::default()
    })
    .await;
    let harness = Harness::build(Build::over(&backend), |config| {
        config.request_timeout = std::time::Duration::from_millis(500);
    });
    let ids: Vec<u64> = (1..=40).collect();
    let before = stored(&harness, "u17", &ids).await;
    let sent = changed(&before, &ids);
    let (status, answer) = harness.post("u17", set_ratings(&sent)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    // The writes started go on after the answer; let them finish.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let after = stored(&harness, "u17", &ids).await;
    // Whatever was answered, the server now reads what the service holds.
    let read = harness
        .get(Some("u17"), json!([["videos", ids, "rating"]]))
        .await;
    let (mut written, mut unknown) = (0, 0);
    for (id, rating) in &sent {
        let key = id.to_string();
        let answered = &answer["jsonGraph"]["videos"][&key]["rating"];
        if answered == &json!(rating) {
            written += 1;
            assert_eq!(after[&key], json!(rating), "video {id}: answered as stored");
        } else {
            unknown += 1;
            let message = answered["value"]["message"].as_str().unwrap_or_default();
            assert!(
                message.contains("may have been stored"),
                "video {id}: {answered}"
            );
        }
        assert_eq!(read["videos"][&key]["rating"], after[&key], "video {id}");
    }
    assert!(
        written >= 8 && unknown >= 8,
        "{written} written, {unknown} not known"
    );
}
