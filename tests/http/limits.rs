//! The limits that keep the server up: each refuses with its status and a
//! message naming the setting to change.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{Method, StatusCode};
use peregrine::graphql::{GraphQl, Limits};
use peregrine::http::Config;
use peregrine::router::{Builder, HandlerError, Output, Router};
use tokio::sync::{mpsc, watch};

use super::{app_of, catalog, get, path_set, post, query, request, send, Answer};

/// A get of `count` single paths, each listed apart so that its text grows
/// with `count`: `[["videos",0,"title"],["videos",1,"title"],...]`.
fn many_paths(count: usize) -> String {
    let paths: Vec<String> = (0..count)
        .map(|i| format!(r#"["videos",{i},"title"]"#))
        .collect();
    query(&[
        ("method", "get"),
        ("paths", &format!("[{}]", paths.join(","))),
    ])
}

#[tokio::test]
async fn a_body_over_max_body_bytes_is_refused_with_413() {
    let body = many_paths(40);
    assert!(body.len() > 1000, "{}", body.len());
    let small = app_of(
        catalog(),
        Config {
            max_body_bytes: 1000,
            ..Config::default()
        },
    );
    let form = "application/x-www-form-urlencoded";
    let answer = send(&small, post("/model.json", form, body.clone())).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{answer:?}");
    let (kind, message) = answer.error();
    assert_eq!(kind, "body_too_large");
    assert!(
        message.contains("1000 bytes") && message.contains("max_body_bytes"),
        "{message}"
    );
    // The same body under a larger limit is answered.
    let large = app_of(catalog(), Config::default());
    let answer = send(&large, post("/model.json", form, body)).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(
        answer.json()["jsonGraph"]["videos"]["39"]["title"],
        "Video 39"
    );
}

/// The catalog's app with URLs of at most 1000 bytes.
fn short_urls() -> axum::Router {
    app_of(
        catalog(),
        Config {
            max_url_bytes: 1000,
            ..Config::default()
        },
    )
}

#[tokio::test]
async fn a_url_over_max_url_bytes_is_refused_with_414_advising_a_post() {
    let answer = get(&short_urls(), &format!("/model.json?{}", many_paths(40))).await;
    assert_eq!(answer.status, StatusCode::URI_TOO_LONG, "{answer:?}");
    let (kind, message) = answer.error();
    assert_eq!(kind, "url_too_long");
    assert!(
        message.contains("limit of 1000") && message.contains("max_url_bytes"),
        "{message}"
    );
    assert!(
        message.contains("POST"),
        "the message should say what to do: {message}"
    );
}

#[tokio::test]
async fn a_request_past_max_url_bytes_is_answered_as_a_post() {
    let params = many_paths(40);
    let app = short_urls();
    let refused = get(&app, &format!("/model.json?{params}")).await;
    assert_eq!(refused.status, StatusCode::URI_TOO_LONG, "{refused:?}");
    // As the refusal advises, the same request as a POST is answered.
    let form = "application/x-www-form-urlencoded";
    let answer = send(&app, post("/model.json", form, params)).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
}

#[tokio::test]
async fn a_request_for_too_many_paths_is_refused_with_400_before_any_handler_runs() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let routes =
        Router::builder()
            .max_paths(100)
            .get("videos[{integers}].title", move |_req, _ctx| {
                counted.fetch_add(1, Ordering::SeqCst);
                async { Ok::<_, HandlerError>(Output::new()) }
            });
    let app = app_of(routes, Config::default());
    let answer = get(&app, "/model.json?method=get&paths=videos[0..100].title").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{answer:?}");
    let (kind, message) = answer.error();
    assert_eq!(kind, "too_many_paths");
    assert!(
        message.contains("101 paths") && message.contains("limit of 100"),
        "{message}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    let answer = get(&app, "/model.json?method=get&paths=videos[0..99].title").await;
    assert_eq!(answer.status, StatusCode::OK, "at the limit: {answer:?}");
}

#[tokio::test]
async fn at_the_deadline_what_was_found_is_answered_and_the_rest_are_errors() {
    let routes = catalog().get("slow", |_req, _ctx| async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        Ok::<_, HandlerError>(Output::new().value(path_set("slow"), "too late"))
    });
    let app = app_of(
        routes,
        Config {
            request_timeout: Duration::from_millis(200),
            ..Config::default()
        },
    );
    let started = Instant::now();
    let uri = format!(
        "/model.json?{}",
        query(&[
            ("method", "get"),
            ("paths", r#"["slow", "videos[1].title"]"#)
        ])
    );
    let answer = get(&app, &uri).await;
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(200) && took < Duration::from_secs(1),
        "answered after {took:?}"
    );
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    let graph = &answer.json()["jsonGraph"];
    assert_eq!(graph["videos"]["1"]["title"], "Video 1", "{graph}");
    assert_eq!(graph["slow"]["$type"], "error", "{graph}");
    assert_eq!(
        graph["slow"]["value"]["message"],
        "not answered within the request's deadline"
    );
}

/// The catalog and `gated`, whose handler counts itself in `entered`
/// and answers "through" once `gate` is open.
fn gated(entered: Arc<AtomicUsize>, gate: watch::Receiver<bool>) -> Builder {
    catalog().get("gated", move |_req, _ctx| {
        entered.fetch_add(1, Ordering::SeqCst);
        let mut gate = gate.clone();
        async move {
            gate.wait_for(|open| *open)
                .await
                .map_err(|_| HandlerError::new("the test ended"))?;
            Ok::<_, HandlerError>(Output::new().value(path_set("gated"), "through"))
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn past_max_concurrent_requests_a_burst_is_shed_with_503_at_once() {
    const BURST: usize = 10;
    let entered = Arc::new(AtomicUsize::new(0));
    let (open, gate) = watch::channel(false);
    let app = app_of(
        gated(entered.clone(), gate),
        Config {
            max_concurrent_requests: 2,
            ..Config::default()
        },
    );
    let (answers, mut answered) = mpsc::unbounded_channel::<Answer>();
    for _ in 0..BURST {
        let (app, answers) = (app.clone(), answers.clone());
        tokio::spawn(async move {
            let answer = send(
                &app,
                request(Method::GET, "/model.json?method=get&paths=gated"),
            )
            .await;
            let _ = answers.send(answer);
        });
    }
    // All but two are answered while the two wait at the gate.
    let mut shed = Vec::new();
    for _ in 0..BURST - 2 {
        let answer = tokio::time::timeout(Duration::from_secs(5), answered.recv())
            .await
            .expect("shed at once, not queued")
            .expect("an answer");
        shed.push(answer);
    }
    for answer in &shed {
        assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{answer:?}");
        let (kind, message) = answer.error();
        assert_eq!(kind, "overloaded");
        assert!(message.contains("max_concurrent_requests"), "{message}");
    }
    // The two with a permit reach the gate (one may still be on its way
    // when the others have been shed).
    let started = std::time::Instant::now();
    while entered.load(Ordering::SeqCst) < 2 && started.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(entered.load(Ordering::SeqCst), 2);
    open.send_replace(true);
    for _ in 0..2 {
        let answer = tokio::time::timeout(Duration::from_secs(5), answered.recv())
            .await
            .expect("answered once through the gate")
            .expect("an answer");
        assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
        assert_eq!(answer.json()["jsonGraph"]["gated"], "through");
    }
    // Shedding passes with the load.
    let answer = get(&app, "/model.json?method=get&paths=gated").await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
}

#[tokio::test]
async fn a_body_that_never_arrives_is_answered_504_at_the_deadline() {
    let app = app_of(
        catalog(),
        Config {
            request_timeout: Duration::from_millis(100),
            ..Config::default()
        },
    );
    let stalled = Body::from_stream(futures::stream::pending::<Result<Bytes, std::io::Error>>());
    let form = "application/x-www-form-urlencoded";
    let answer = tokio::time::timeout(
        Duration::from_secs(5),
        send(&app, post("/model.json", form, stalled)),
    )
    .await
    .expect("answered at the deadline, not left waiting for the body");
    assert_eq!(answer.status, StatusCode::GATEWAY_TIMEOUT, "{answer:?}");
    assert_eq!(answer.error().0, "deadline");
}

/// Regression: the limit was one per HTTP method and `/graphql` had none,
/// so a limit of 10 let 10 GETs, 10 POSTs and any number of GraphQL
/// queries run at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_limit_covers_get_post_and_graphql_together() {
    const LIMIT: usize = 3;
    let entered = Arc::new(AtomicUsize::new(0));
    let (open, gate) = watch::channel(false);
    let routes = gated(entered.clone(), gate);
    let sdl = r#"
        directive @graph(path: String!) on FIELD_DEFINITION
        type Query { gated: String @graph(path: "gated") }
    "#;
    let router = routes.build().expect("a valid route table");
    let graphql = GraphQl::new(sdl, router.clone(), Limits::default()).expect("the schema builds");
    let config = Config {
        max_concurrent_requests: LIMIT,
        graphql: Some(graphql),
        ..Config::default()
    };
    let app = peregrine::http::app(router, config);
    let model_get = || request(Method::GET, "/model.json?method=get&paths=gated");
    let model_post = || {
        let form = "application/x-www-form-urlencoded";
        post("/model.json", form, "method=get&paths=gated")
    };
    let graphql = || post("/graphql", "application/json", r#"{"query": "{ gated }"}"#);
    // One of each kind holds the limit...
    let held: Vec<_> = [model_get(), model_post(), graphql()]
        .into_iter()
        .map(|request| {
            let app = app.clone();
            tokio::spawn(async move { send(&app, request).await })
        })
        .collect();
    let waited = Instant::now();
    while entered.load(Ordering::SeqCst) < LIMIT {
        assert!(
            waited.elapsed() < Duration::from_secs(5),
            "the three never ran"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // ...and the next of any kind is shed.
    for (kind, request) in [
        ("GET", model_get()),
        ("POST", model_post()),
        ("GraphQL", graphql()),
    ] {
        let answer = tokio::time::timeout(Duration::from_secs(5), send(&app, request))
            .await
            .unwrap_or_else(|_| panic!("{kind}: shed at once, not queued"));
        assert_eq!(
            answer.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{kind}: {answer:?}"
        );
        let (error, message) = answer.error();
        assert_eq!(error, "overloaded", "{kind}");
        assert!(
            message.contains("max_concurrent_requests"),
            "{kind}: {message}"
        );
    }
    // Endpoints that reach no backend are not limited.
    let health = get(&app, "/healthz").await;
    assert_eq!(health.status, StatusCode::OK, "{health:?}");
    open.send_replace(true);
    for request in held {
        let answer = request.await.expect("the request task ends");
        assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    }
    assert_eq!(entered.load(Ordering::SeqCst), LIMIT);
}
