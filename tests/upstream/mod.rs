//! Upstream guards against a real HTTP service on loopback: retries only
//! for reads and within the budget, the bulkhead's bound on calls in
//! flight, the timeout (over the whole answer), and messages that name
//! the service, never its address.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{Method, Request, StatusCode};
use axum::routing::any;
use futures::StreamExt;
use peregrine::upstream::{Pool, Settings, Upstream, UpstreamErrorKind};

/// What the service saw.
#[derive(Default)]
struct Seen {
    calls: AtomicUsize,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

/// A service on loopback: `/flaky` answers 503 to every other call
/// (first 503), `/down` always 503, `/slow` waits 200 ms then 200,
/// `/big` answers 64 KiB, `/stalls` sends its headers and a first chunk, then nothing for 2 s.
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
                    let body = if what == "big" {
                        Body::from(vec![b' '; 64 * 1024])
                    } else if what == "stalls" {
                        let first =
                            futures::stream::once(async { Ok(Bytes::from("{\"videos\":")) });
                        let rest = futures::stream::once(async {
                            tokio::time::sleep(Duration::from_secs(2)).await;
                            Ok::<_, std::io::Error>(Bytes::from("[]}"))
                        });
                        Body::from_stream(first.chain(rest))
                    } else {
                        Body::from("{}")
                    };
                    (status, body)
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

fn request(method: Method, url: &str) -> Request<Bytes> {
    Request::builder()
        .method(method)
        .uri(url)
        .body(Bytes::new())
        .expect("a request")
}

#[tokio::test]
async fn a_failed_read_is_retried_once() {
    let (base, seen) = service().await;
    let upstream = Upstream::new("ratings", Settings::default(), Pool::default());
    let answer = upstream
        .send(request(Method::GET, &format!("{base}/flaky")))
        .await;
    let answer = answer.expect("the retry's answer");
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.body(), "{}", "the answer is read whole");
    assert_eq!(seen.calls.load(Ordering::SeqCst), 2, "the 503 was retried");
}

#[tokio::test]
async fn a_failed_write_is_never_retried() {
    let (base, seen) = service().await;
    let upstream = Upstream::new("ratings", Settings::default(), Pool::default());
    let error = upstream
        .send(request(Method::PUT, &format!("{base}/flaky")))
        .await
        .expect_err("the write's 503 is not retried");
    assert_eq!(seen.calls.load(Ordering::SeqCst), 1);
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
    let upstream = Upstream::new("catalog", settings, Pool::default());
    for _ in 0..5 {
        let failed = upstream
            .send(request(Method::GET, &format!("{base}/down")))
            .await;
        assert!(failed.is_err());
    }
    assert_eq!(seen.calls.load(Ordering::SeqCst), 5, "no budget, no retry");
}

/// Six calls of 200 ms to a service behind a bulkhead of 2 with a 500 ms
/// timeout, all at once: how many timed out, and the most the service
/// saw in flight.
async fn six_slow_calls_through_a_bulkhead_of_two() -> (usize, usize) {
    let (base, seen) = service().await;
    let settings = Settings {
        max_concurrent: 2,
        timeout: Duration::from_millis(500),
        retries: 0,
        ..Settings::default()
    };
    let upstream = Upstream::new("lists", settings, Pool::default());
    let calls: Vec<_> = (0..6)
        .map(|_| {
            let upstream = upstream.clone();
            let url = format!("{base}/slow");
            tokio::spawn(async move { upstream.send(request(Method::GET, &url)).await })
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
    (timed_out, seen.most_in_flight.load(Ordering::SeqCst))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bulkhead_bounds_calls_in_flight() {
    let (_, most_in_flight) = six_slow_calls_through_a_bulkhead_of_two().await;
    assert_eq!(most_in_flight, 2, "at most 2 at once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timeout_covers_the_wait_at_the_bulkhead() {
    let (timed_out, _) = six_slow_calls_through_a_bulkhead_of_two().await;
    // 6 calls of 200 ms, 2 at a time, within 500 ms: the last pair waits
    // past its timeout.
    assert!(timed_out >= 1, "every call finished within its timeout");
}

#[tokio::test]
async fn an_answer_that_stalls_after_its_headers_times_out() {
    let (base, _) = service().await;
    let settings = Settings {
        timeout: Duration::from_millis(300),
        retries: 0,
        ..Settings::default()
    };
    let upstream = Upstream::new("mylist", settings, Pool::default());
    let started = std::time::Instant::now();
    let error = upstream
        .send(request(Method::GET, &format!("{base}/stalls")))
        .await
        .expect_err("the body never ends in time");
    assert_eq!(error.kind(), UpstreamErrorKind::TimedOut, "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "gave up at the timeout, not when the body ended"
    );
}

#[tokio::test]
async fn a_service_that_is_not_there_is_named_without_its_address() {
    // A port that was free a moment ago: nothing listens on it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let address = listener.local_addr().expect("an address");
    drop(listener);
    let settings = Settings {
        retries: 0,
        ..Settings::default()
    };
    let upstream = Upstream::new("catalog", settings, Pool::default());
    let error = upstream
        .send(request(
            Method::GET,
            &format!("http://{address}/videos?ids=1"),
        ))
        .await
        .expect_err("nothing listens");
    assert_eq!(error.kind(), UpstreamErrorKind::Transport);
    assert_eq!(
        error.message(),
        "catalog service: GET /videos could not connect"
    );
}

#[tokio::test]
async fn an_answer_past_max_answer_bytes_fails_the_call_and_is_not_retried() {
    let (base, seen) = service().await;
    let settings = Settings {
        max_answer_bytes: 16 * 1024,
        ..Settings::default()
    };
    let upstream = Upstream::new("people", settings, Pool::default());
    let error = upstream
        .send(request(Method::GET, &format!("{base}/big")))
        .await
        .expect_err("64 KiB is past 16 KiB");
    assert_eq!(
        error.message(),
        "people service: GET /big answered more than 16384 bytes (max_answer_bytes)"
    );
    assert_eq!(seen.calls.load(Ordering::SeqCst), 1, "not retried");
    let answer = upstream
        .send(request(Method::GET, &format!("{base}/ok")))
        .await
        .expect("a small answer");
    assert_eq!(answer.body(), "{}");
}
