//! What the server does besides answering: compression, CORS, request
//! ids, health and metrics.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use peregrine::http::Config;
use serde_json::json;

use super::{app, app_of, catalog, get, send};

/// A get with extra headers.
fn get_with(uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut request = Request::builder().method(Method::GET).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Body::empty()).expect("a valid request")
}

#[tokio::test]
async fn large_answers_are_gzipped_for_clients_that_accept_it() {
    let app = app();
    let uri = "/model.json?method=get&paths=videos[0..499].title";
    let plain = send(&app, get_with(uri, &[])).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(plain.header(header::CONTENT_ENCODING), None);
    assert_eq!(
        plain.json()["jsonGraph"]["videos"]["499"]["title"],
        "Video 499"
    );
    let gzipped = send(&app, get_with(uri, &[("accept-encoding", "gzip")])).await;
    assert_eq!(gzipped.status, StatusCode::OK);
    assert_eq!(gzipped.header(header::CONTENT_ENCODING), Some("gzip"));
    assert!(gzipped.body.starts_with(&[0x1f, 0x8b]), "a gzip stream");
    assert!(
        gzipped.body.len() * 4 < plain.body.len(),
        "{} bytes gzipped, {} plain",
        gzipped.body.len(),
        plain.body.len()
    );
}

/// The catalog's app, allowing the origin `https://tv.example` alone.
fn tv_example_only() -> axum::Router {
    app_of(
        catalog(),
        Config {
            cors_origins: vec!["https://tv.example".to_owned()],
            ..Config::default()
        },
    )
}

#[tokio::test]
async fn cors_allows_the_configured_origins_only() {
    let app = tv_example_only();
    let uri = "/model.json?method=get&paths=videos[1].title";
    let allowed = send(&app, get_with(uri, &[("origin", "https://tv.example")])).await;
    assert_eq!(allowed.status, StatusCode::OK);
    assert_eq!(
        allowed.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        Some("https://tv.example")
    );
    let other = send(&app, get_with(uri, &[("origin", "https://evil.example")])).await;
    assert_eq!(other.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), None);
    // The browser's preflight for falcor-http-datasource's POST, which
    // sends X-Requested-With.
    let preflight = Request::builder()
        .method(Method::OPTIONS)
        .uri("/model.json")
        .header("origin", "https://tv.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,x-requested-with",
        )
        .body(Body::empty())
        .expect("a valid request");
    let preflight = send(&app, preflight).await;
    assert!(preflight.status.is_success(), "{preflight:?}");
    assert_eq!(
        preflight.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        Some("https://tv.example")
    );
    let headers = preflight
        .header(header::ACCESS_CONTROL_ALLOW_HEADERS)
        .unwrap_or_default();
    assert!(headers.contains("x-requested-with"), "{headers}");
}

#[tokio::test]
async fn cors_lets_falcor_http_datasource_send_credentials() {
    let app = tv_example_only();
    let uri = "/model.json?method=get&paths=videos[1].title";
    let answer = send(&app, get_with(uri, &[("origin", "https://tv.example")])).await;
    assert_eq!(
        answer.header(header::ACCESS_CONTROL_ALLOW_CREDENTIALS),
        Some("true")
    );
}

#[tokio::test]
async fn a_request_id_is_echoed_or_made() {
    let app = app();
    let uri = "/model.json?method=get&paths=videos[1].title";
    let sent = send(&app, get_with(uri, &[("x-request-id", "tv-42")])).await;
    assert_eq!(sent.header("x-request-id"), Some("tv-42"));
    let first = get(&app, uri).await;
    let second = get(&app, uri).await;
    let made = first.header("x-request-id").expect("an id is made");
    assert!(!made.is_empty());
    assert_ne!(
        Some(made),
        second.header("x-request-id"),
        "each request its own id"
    );
    // Failures carry one too, for the logs.
    let failed = get(&app, "/model.json").await;
    assert!(failed.header("x-request-id").is_some(), "{failed:?}");
}

#[tokio::test]
async fn health_and_readiness_answer_200() {
    let app = app();
    let health = get(&app, "/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.json(), json!({"status": "ok"}));
    let ready = get(&app, "/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.json(), json!({"status": "ready"}));
}

/// The value of the sample of `metric` whose labels include all of
/// `labels`, in Prometheus text; 0 if there is none yet.
fn sample(text: &str, metric: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|line| line.starts_with(&format!("{metric}{{")))
        .filter(|line| labels.iter().all(|label| line.contains(label)))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// The metrics text before and after one answered and one refused
/// `/model.json` request.
async fn metrics_around_an_answer_and_a_refusal() -> (String, String) {
    let app = app();
    let metrics = |answer: super::Answer| {
        assert_eq!(answer.status, StatusCode::OK);
        let content_type = answer.header(header::CONTENT_TYPE).unwrap_or_default();
        assert!(content_type.starts_with("text/plain"), "{content_type}");
        String::from_utf8(answer.body.to_vec()).expect("text")
    };
    let before = metrics(get(&app, "/metrics").await);
    let answer = get(&app, "/model.json?method=get&paths=videos[1].title").await;
    assert_eq!(answer.status, StatusCode::OK);
    let answer = get(&app, "/model.json?method=get").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    (before, metrics(get(&app, "/metrics").await))
}

#[tokio::test]
async fn metrics_count_requests_by_method_and_outcome() {
    let (before, after) = metrics_around_an_answer_and_a_refusal().await;
    let ok = ["method=\"get\"", "outcome=\"ok\""];
    let refused = ["outcome=\"client_error\""];
    // Other tests run in this process too: counters only grow.
    let counted = |labels: &[&str]| {
        sample(&after, "peregrine_requests_total", labels)
            - sample(&before, "peregrine_requests_total", labels)
    };
    assert!(counted(&ok) >= 1.0, "{after}");
    assert!(counted(&refused) >= 1.0, "{after}");
}

#[tokio::test]
async fn metrics_show_the_routers_waves_per_request() {
    let (_, after) = metrics_around_an_answer_and_a_refusal().await;
    assert!(
        after.contains("peregrine_router_waves"),
        "the router's waves per request: {after}"
    );
}

#[tokio::test]
async fn static_files_are_served_under_their_prefix_with_index_html_for_app_paths() {
    let dir = std::env::temp_dir().join(format!("peregrine-static-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("assets")).expect("a temporary folder");
    std::fs::write(dir.join("index.html"), "<title>demo</title>").expect("written");
    std::fs::write(dir.join("assets/app.js"), "console.log(1)").expect("written");
    let app = app_of(
        catalog(),
        Config {
            static_files: vec![peregrine::http::StaticFiles {
                prefix: "/demo".to_owned(),
                dir: dir.clone(),
                unbuilt: None,
            }],
            ..Config::default()
        },
    );
    let bare = get(&app, "/demo").await;
    assert!(bare.status.is_redirection(), "{bare:?}");
    assert_eq!(bare.header(header::LOCATION), Some("/demo/"));
    let index = get(&app, "/demo/").await;
    assert_eq!(index.status, StatusCode::OK);
    assert_eq!(&index.body[..], b"<title>demo</title>");
    let script = get(&app, "/demo/assets/app.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert_eq!(&script.body[..], b"console.log(1)");
    let app_path = get(&app, "/demo/rows/3").await;
    assert_eq!(&app_path.body[..], b"<title>demo</title>");
    // The graph still answers beside it.
    let graph = get(&app, "/model.json?method=get&paths=videos[1].title").await;
    assert_eq!(graph.json()["jsonGraph"]["videos"]["1"]["title"], "Video 1");
    std::fs::remove_dir_all(&dir).expect("removed");
}
