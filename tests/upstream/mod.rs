//! Upstream guards against a real HTTP service on loopback: retries only
//! for reads and within the budget, the bulkhead's bound on calls in
//! flight, the timeout, and messages that name the service.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::any;
use peregrine::upstream::{Settings, Upstream, UpstreamErrorKind};

/// What the service saw.
#[derive(Default)]
struct Seen {
    calls: AtomicUsize,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

/// A service on loopback: `/flaky` answers 503 to every other call
/// (first 503), `/down` always 503, `/slow` waits 200 ms then 200.
async fn service() -> (String, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let counted = seen.clone();
    let app = axum::Router::new().route(
        "/{what}",
        any(
            move |axum::extract::Path(what): axum::extract::Path<String>| {
                let seen = counted.clone();
                async move {
                    let call = seen.calls.fetch_add(1, Ordering::SeqCst);
                    let now = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    seen.most_in_flight.fetch_max(now, Ordering::SeqCst);
                    let status = match what.as_str() {
                        "flaky" if call % 2 == 0 => StatusCode::SERVICE_UNAVAILABLE,
                        "down" => StatusCode::SERVICE_UNAVAILABLE,
                        "slow" => {
                            tokio::time::sleep(Duration::from_millis(200)).await;
                            StatusCode::OK
                        }
                        _ => StatusCode::OK,
                    };
                    seen.in_flight.fetch_sub(1, Ordering::SeqCst);
                    status
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, seen)
}

fn request(method: reqwest::Method, url: &str) -> reqwest::Request {
    reqwest::Client::new()
        .request(method, url)
        .build()
        .expect("a request")
}

#[tokio::test]
async fn a_failed_read_is_retried_once_and_a_write_never() {
    let (base, seen) = service().await;
    let upstream = Upstream::new("ratings", Settings::default(), reqwest::Client::new());
    let answer = upstream
        .send(request(reqwest::Method::GET, &format!("{base}/flaky")))
        .await;
    assert_eq!(
        answer.map(|r| r.status()).ok(),
        Some(reqwest::StatusCode::OK)
    );
    assert_eq!(seen.calls.load(Ordering::SeqCst), 2, "the 503 was retried");

    let error = upstream
        .send(request(reqwest::Method::PUT, &format!("{base}/flaky")))
        .await
        .expect_err("the write's 503 is not retried");
    assert_eq!(seen.calls.load(Ordering::SeqCst), 3);
    assert_eq!(error.kind(), UpstreamErrorKind::Status(503));
    assert_eq!(
        error.message(),
        "ratings service: PUT /flaky answered 503 Service Unavailable"
    );
}

#[tokio::test]
async fn retries_stop_when_the_budget_is_spent() {
    let (base, seen) = service().await;
    let settings = Settings {
        retry_ratio: 0.0,
        retry_floor: 0,
        ..Settings::default()
    };
    let upstream = Upstream::new("catalog", settings, reqwest::Client::new());
    for _ in 0..5 {
        let failed = upstream
            .send(request(reqwest::Method::GET, &format!("{base}/down")))
            .await;
        assert!(failed.is_err());
    }
    assert_eq!(seen.calls.load(Ordering::SeqCst), 5, "no budget, no retry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bulkhead_bounds_calls_in_flight_and_the_timeout_covers_the_wait() {
    let (base, seen) = service().await;
    let settings = Settings {
        max_concurrent: 2,
        timeout: Duration::from_millis(500),
        retries: 0,
        ..Settings::default()
    };
    let upstream = Upstream::new("lists", settings, reqwest::Client::new());
    let calls: Vec<_> = (0..6)
        .map(|_| {
            let upstream = upstream.clone();
            let url = format!("{base}/slow");
            tokio::spawn(async move { upstream.send(request(reqwest::Method::GET, &url)).await })
        })
        .collect();
    let mut timed_out = 0;
    for call in calls {
        match call.await.expect("the call's task ends") {
            Ok(_) => {}
            Err(error) => {
                assert_eq!(error.kind(), UpstreamErrorKind::TimedOut, "{error}");
                assert!(error.message().contains("lists service"), "{error}");
                timed_out += 1;
            }
        }
    }
    assert_eq!(
        seen.most_in_flight.load(Ordering::SeqCst),
        2,
        "at most 2 at once"
    );
    // 6 calls of 200 ms, 2 at a time, within 500 ms: the last pair waits
    // past its timeout.
    assert!(timed_out >= 1, "every call finished within its timeout");
}
