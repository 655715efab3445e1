//! The fault suite: one backend service failing, slow or down, the others
//! healthy. The ratings service runs on a backend of its own (the routes
//! give each service its own URL), so its faults touch nothing else.
//!
//! What must hold: every request is answered 200; errors appear only at
//! the faulty service's paths (`videos[..].rating`); its circuit breaker
//! opens under sustained failure and closes once it recovers; a slow
//! service costs at most its timeout; a service that is down does not
//! slow the others.

use std::time::{Duration, Instant};

use peregrine::upstream::{BreakerSettings, Settings as Guard};
use peregrine_routes::backend::Settings;
use peregrine_routes::Auth;
use peregrine_routes::{Endpoints, Guards};
use serde_json::{json, Value};

use crate::support::{home, home_videos, instant, start_backend, Harness};

/// How many different videos a home answer holds (a video may be in two
/// rows).
fn videos(graph: &Value) -> usize {
    let ids: std::collections::HashSet<u64> =
        home_videos(graph).into_iter().map(|(id, _)| id).collect();
    ids.len()
}

/// The graph over a healthy backend for every service but ratings, which
/// is served by a backend of its own with `ratings` settings and guarded
/// by `guard`; the cache off, so every request calls the services.
/// Answers the harness and the ratings backend's URL.
async fn with_ratings(healthy: Settings, ratings: Settings, guard: Guard) -> (Harness, String) {
    let main = start_backend(healthy).await;
    let faulty = start_backend(ratings).await;
    let endpoints = Endpoints {
        ratings: faulty.clone(),
        ..Endpoints::all(&main)
    };
    let guards = Guards {
        ratings: guard,
        ..Guards::default()
    };
    (
        Harness::over(main, &endpoints, &guards, false, Auth::Development),
        faulty,
    )
}

/// Every error value in `graph`, with the path it is at.
fn errors(graph: &Value) -> Vec<(String, Value)> {
    fn walk(node: &Value, path: &mut Vec<String>, found: &mut Vec<(String, Value)>) {
        let Value::Object(object) = node else { return };
        if object.get("$type") == Some(&json!("error")) {
            found.push((path.join("."), node.clone()));
            return;
        }
        if object.contains_key("$type") {
            return;
        }
        for (key, child) in object {
            path.push(key.clone());
            walk(child, path, found);
            path.pop();
        }
    }
    let mut found = Vec::new();
    walk(graph, &mut Vec::new(), &mut found);
    found
}

/// Whether `path` (dotted) is a rating: `videos.N.rating`.
fn is_rating(path: &str) -> bool {
    let parts: Vec<&str> = path.split('.').collect();
    matches!(parts.as_slice(), ["videos", _, "rating"])
}

async fn put_faults(harness: &Harness, backend: &str, faults: Value) {
    let response = harness
        .http
        .put(format!("{backend}/_faults"))
        .json(&faults)
        .send()
        .await
        .expect("the backend answers");
    assert!(response.status().is_success(), "{}", response.status());
}

async fn ratings_calls(harness: &Harness, backend: &str) -> u64 {
    let stats: Value = harness
        .http
        .get(format!("{backend}/_stats"))
        .send()
        .await
        .expect("the backend answers")
        .json()
        .await
        .expect("JSON");
    stats["calls"]["GET /ratings"].as_u64().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_fifth_of_ratings_calls_failing_errors_are_only_at_ratings() {
    let no_retries = Guard {
        retries: 0,
        ..Guard::default()
    };
    let (harness, _) = with_ratings(
        instant(),
        Settings {
            fail_rate: 0.2,
            ..instant()
        },
        no_retries,
    )
    .await;
    let mut failed_ratings = 0;
    let mut answered = 0;
    for n in 1..=60 {
        // `get` asserts the 200.
        let graph = harness.get(Some(&format!("u{n}")), home()).await;
        let errors = errors(&graph);
        for (path, error) in &errors {
            assert!(is_rating(path), "an error at {path}: {error}");
            assert_eq!(
                error["value"]["message"], "ratings service unavailable: it failed",
                "{path}"
            );
        }
        if errors.is_empty() {
            answered += 1;
        } else {
            assert_eq!(
                errors.len(),
                videos(&graph),
                "a failed ratings call fails every rating"
            );
            failed_ratings += 1;
        }
    }
    // About a fifth, drawn from the backend's seed: never none, never all.
    assert!(
        (4..=24).contains(&failed_ratings),
        "{failed_ratings} of 60 ratings calls failed"
    );
    assert_eq!(answered + failed_ratings, 60);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_breaker_opens_under_sustained_failure_and_closes_after_recovery() {
    let guard = Guard {
        retries: 0,
        breaker: BreakerSettings {
            window: Duration::from_secs(1),
            min_calls: 5,
            failure_ratio: 0.5,
            open_for: Duration::from_millis(300),
        },
        ..Guard::default()
    };
    let (harness, ratings) = with_ratings(
        instant(),
        Settings {
            fail_rate: 1.0,
            ..instant()
        },
        guard,
    )
    .await;
    let rating = json!([["videos", [1, 2, 3], ["title", "rating"]]]);
    let message = |graph: &Value| graph["videos"]["1"]["rating"]["value"]["message"].clone();

    // Failing calls until the breaker opens.
    let mut opened = false;
    for _ in 0..40 {
        let graph = harness.get(Some("u17"), rating.clone()).await;
        assert_eq!(
            graph["videos"]["1"]["title"]
                .as_str()
                .map(|t| !t.is_empty()),
            Some(true)
        );
        if message(&graph)
            == "ratings service unavailable: it is failing, so calls to it are paused"
        {
            opened = true;
            break;
        }
        assert_eq!(message(&graph), "ratings service unavailable: it failed");
    }
    assert!(opened, "the breaker never opened");

    // While open, requests do not reach the service.
    let before = ratings_calls(&harness, &ratings).await;
    for _ in 0..10 {
        let graph = harness.get(Some("u17"), rating.clone()).await;
        assert_eq!(graph["videos"]["1"]["rating"]["$type"], "error");
    }
    assert_eq!(
        ratings_calls(&harness, &ratings).await,
        before,
        "calls went through an open breaker"
    );

    // The service recovers; after open_for a trial call goes through and
    // closes the breaker.
    put_faults(&harness, &ratings, json!({"fail_rate": 0.0})).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let graph = harness.get(Some("u17"), rating.clone()).await;
    assert!(graph["videos"]["1"]["rating"].is_number(), "{graph}");
    let graph = harness.get(Some("u18"), rating.clone()).await;
    assert!(graph["videos"]["2"]["rating"].is_number(), "{graph}");
    assert!(ratings_calls(&harness, &ratings).await > before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_service_costs_at_most_its_timeout() {
    let guard = Guard {
        timeout: Duration::from_millis(200),
        retries: 0,
        ..Guard::default()
    };
    let (harness, _) = with_ratings(
        instant(),
        Settings {
            slow_rate: 0.5,
            slow_ms: 3_000,
            ..instant()
        },
        guard,
    )
    .await;
    let mut latencies = Vec::new();
    let mut slow = 0;
    for round in 0..5 {
        let requests: Vec<_> = (1..=8)
            .map(|n| {
                let harness = harness.clone();
                tokio::spawn(async move {
                    let started = Instant::now();
                    let graph = harness
                        .get(Some(&format!("u{}", round * 8 + n)), home())
                        .await;
                    (started.elapsed(), graph)
                })
            })
            .collect();
        for request in requests {
            let (took, graph) = request.await.expect("the request task ends");
            latencies.push(took);
            let errors = errors(&graph);
            for (path, error) in &errors {
                assert!(is_rating(path), "an error at {path}: {error}");
                assert_eq!(
                    error["value"]["message"],
                    "ratings service unavailable: it did not answer in time"
                );
            }
            slow += usize::from(!errors.is_empty());
        }
    }
    latencies.sort();
    let p99 = latencies[latencies.len() * 99 / 100];
    // The timeout, plus the rest of the request on a loaded CI machine;
    // far below the 3 s a slow call takes.
    assert!(
        p99 < Duration::from_millis(1_000),
        "p99 {p99:?}: {latencies:?}"
    );
    assert!(slow > 0, "no ratings call was slow");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_one_service_down_the_others_are_served_at_their_normal_speed() {
    // The contract's latency, so that "normal speed" means something.
    let healthy = start_backend(Settings::default()).await;
    // A port that nothing listens on.
    let down = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        format!("http://{}", listener.local_addr().expect("an address"))
    };
    let all_up = Harness::over(
        healthy.clone(),
        &Endpoints::all(&healthy),
        &Guards::default(),
        false,
        Auth::Development,
    );
    let endpoints = Endpoints {
        ratings: down,
        ..Endpoints::all(&healthy)
    };
    let ratings_down = Harness::over(
        healthy.clone(),
        &endpoints,
        &Guards::default(),
        false,
        Auth::Development,
    );

    async fn median(harness: &Harness, check: impl Fn(&Value)) -> Duration {
        let mut latencies = Vec::new();
        for n in 1..=30 {
            let started = Instant::now();
            let graph = harness.get(Some(&format!("u{n}")), home()).await;
            latencies.push(started.elapsed());
            check(&graph);
        }
        latencies.sort();
        latencies[latencies.len() / 2]
    }
    let normal = median(&all_up, |graph| {
        assert!(errors(graph).is_empty(), "{graph}")
    })
    .await;
    let degraded = median(&ratings_down, |graph| {
        let errors = errors(graph);
        assert_eq!(errors.len(), videos(graph));
        assert!(errors.iter().all(|(path, _)| is_rating(path)));
    })
    .await;
    assert!(
        degraded <= normal * 2 + Duration::from_millis(20),
        "with ratings down the median home request took {degraded:?}, against {normal:?} with all up"
    );
}
