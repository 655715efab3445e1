//! OpenTelemetry as an operator runs it: the real `peregrine serve`
//! binary with `OTEL_EXPORTER_OTLP_ENDPOINT` set, exporting to an OTLP
//! receiver of the test's own (decoding each export with the official
//! opentelemetry-proto definitions), over a demo backend that records the
//! headers it is called with.

use crate::support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::support::process::Binary;
use crate::support::{home, instant, serve_app};
use axum::body::Bytes;
use futures::StreamExt;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use prost::Message;

/// One span as the receiver decoded it.
#[derive(Debug, Clone)]
struct Received {
    service: String,
    trace_id: String,
    span_id: String,
    parent: String,
    name: String,
    attributes: HashMap<String, String>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn text(value: Option<&Any>) -> String {
    match value {
        Some(Any::StringValue(text)) => text.clone(),
        Some(Any::IntValue(number)) => number.to_string(),
        Some(Any::BoolValue(flag)) => flag.to_string(),
        Some(Any::DoubleValue(number)) => number.to_string(),
        other => format!("{other:?}"),
    }
}

/// The spans of one export request.
fn decode(body: &[u8]) -> Vec<Received> {
    let export = ExportTraceServiceRequest::decode(body).expect("an OTLP trace export");
    let mut spans = Vec::new();
    for resource_spans in export.resource_spans {
        let service = resource_spans
            .resource
            .iter()
            .flat_map(|resource| &resource.attributes)
            .find(|attribute| attribute.key == "service.name")
            .map(|attribute| text(attribute.value.as_ref().and_then(|v| v.value.as_ref())))
            .unwrap_or_default();
        for span in resource_spans.scope_spans.into_iter().flat_map(|s| s.spans) {
            let attributes = span
                .attributes
                .iter()
                .map(|kv| {
                    let value = kv.value.as_ref().and_then(|v| v.value.as_ref());
                    (kv.key.clone(), text(value))
                })
                .collect();
            spans.push(Received {
                service: service.clone(),
                trace_id: hex(&span.trace_id),
                span_id: hex(&span.span_id),
                parent: hex(&span.parent_span_id),
                name: span.name,
                attributes,
            });
        }
    }
    spans
}

/// An OTLP/HTTP receiver on a runtime of its own, so that stopping it
/// closes every connection to it.
struct Receiver {
    port: u16,
    spans: Arc<Mutex<Vec<Received>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Receiver {
    fn start() -> Receiver {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("an address").port();
        listener.set_nonblocking(true).expect("non-blocking");
        let spans = Arc::new(Mutex::new(Vec::new()));
        let kept = spans.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("a listener");
                let app = axum::Router::new().route(
                    "/v1/traces",
                    axum::routing::post(move |body: Bytes| {
                        let kept = kept.clone();
                        async move {
                            let spans = decode(&body);
                            kept.lock()
                                .unwrap_or_else(PoisonError::into_inner)
                                .extend(spans);
                            // An empty ExportTraceServiceResponse.
                            ([("content-type", "application/x-protobuf")], Bytes::new())
                        }
                    }),
                );
                let serve = axum::serve(listener, app);
                tokio::select! {
                    _ = serve => {}
                    _ = stopped => {}
                }
            });
        });
        Receiver {
            port,
            spans,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn spans(&self) -> Vec<Received> {
        self.spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Stops it: its port refuses connections from now on.
    fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The demo backend, recording the `traceparent` and `x-request-id` of
/// each call.
async fn recording_backend() -> (String, Arc<Mutex<Vec<(String, String)>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let kept = seen.clone();
    let app = peregrine_routes::backend::app(instant()).layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let header = |name: &str| {
                let value = request.headers().get(name);
                value.and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
            };
            let call = (header("traceparent"), header("x-request-id"));
            kept.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(call);
            next.run(request)
        },
    ));
    (serve_app(app).await, seen)
}

fn home_url(model: &str) -> String {
    let query = [("method", "get"), ("paths", &home().to_string())];
    let query = serde_urlencoded::to_string(query).expect("encodable");
    format!("{model}?{query}")
}

/// Waits (10 s at most) until `done` holds of the spans received.
fn wait_for(receiver: &Receiver, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
    let started = Instant::now();
    loop {
        let spans = receiver.spans();
        if done(&spans) {
            return spans;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the spans did not arrive: {spans:#?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The binary over `backend`, exporting to `receiver` every 50 ms, with
/// `more` variables.
fn traced_server(receiver: &Receiver, backend: &str, more: &[(&str, &str)]) -> Binary {
    let endpoint = format!("http://127.0.0.1:{}", receiver.port);
    let mut env = vec![
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
        ("OTEL_BSP_SCHEDULE_DELAY", "50"),
    ];
    env.extend_from_slice(more);
    Binary::serve(backend, &[], &env)
}

/// u17's home request, sent with the caller's `traceparent`: answered.
async fn home_with_traceparent(server: &Binary) {
    let answer = reqwest::Client::new()
        .get(home_url(&server.url))
        .header("authorization", "Bearer u17")
        .header("traceparent", format!("00-{TRACE}-{CALLER}-01"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(answer.status(), 200);
}

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER: &str = "00f067aa0ba902b7";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_home_request_is_one_trace_under_the_callers_span_down_to_the_backend_calls() {
    let receiver = Receiver::start();
    let (backend, seen) = recording_backend().await;
    let endpoint = format!("http://127.0.0.1:{}", receiver.port);
    let server = Binary::serve(
        &backend,
        &["--log-requests"],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_SERVICE_NAME", "catalog-edge"),
            ("OTEL_BSP_SCHEDULE_DELAY", "50"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "1000"),
        ],
    );
    let http = reqwest::Client::new();
    let answer = http
        .get(home_url(&server.url))
        .header("authorization", "Bearer u17")
        .header("traceparent", format!("00-{TRACE}-{CALLER}-01"))
        .header("x-request-id", "home-1")
        .send()
        .await
        .expect("an answer");
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = answer.json().await.expect("JSON");
    assert!(body["jsonGraph"]["videos"].is_object(), "{body}");

    let spans = wait_for(&receiver, |spans| spans.iter().any(|s| s.name == "request"));
    check_tree(&spans);
    let backend_spans: Vec<&Received> = spans.iter().filter(|s| s.name == "backend").collect();

    // The backend was called with the trace and the request's id, each
    // call from its own backend span.
    let calls = seen.lock().unwrap_or_else(PoisonError::into_inner).clone();
    assert!(!calls.is_empty());
    for (traceparent, request_id) in &calls {
        assert!(
            traceparent.starts_with(&format!("00-{TRACE}-")),
            "{traceparent:?}"
        );
        let span_id = traceparent.split('-').nth(2).unwrap_or("");
        assert!(
            backend_spans.iter().any(|s| s.span_id == span_id),
            "{traceparent} names a backend span"
        );
        assert_eq!(request_id, "home-1");
    }
    // The request's log line names its trace.
    let logged = server.lines();
    assert!(
        logged
            .iter()
            .any(|line| line.contains("home-1") && line.contains(TRACE)),
        "{logged:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_receiver_stopped_no_request_is_lost_and_the_lost_spans_are_counted() {
    let mut receiver = Receiver::start();
    let (backend, _) = recording_backend().await;
    let server = traced_server(
        &receiver,
        &backend,
        &[("OTEL_EXPORTER_OTLP_TIMEOUT", "1000")],
    );
    receiver.stop();
    let http = reqwest::Client::new();
    lose_no_request(&http, &server.url).await;
    let metrics = server.url.replace("/model.json", "/metrics");
    let started = Instant::now();
    loop {
        let text = http.get(&metrics).send().await.expect("metrics");
        let text = text.text().await.expect("text");
        if text.contains("peregrine_trace_spans_dropped_total{reason=\"export_failed\"}") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "{text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every span of the request is in its trace, under the caller's span:
/// waves under the request's `get`, route calls under their wave, loads
/// under their route call, backend calls under their load.
fn check_tree(spans: &[Received]) {
    let by_id: HashMap<&str, &Received> = spans.iter().map(|s| (s.span_id.as_str(), s)).collect();
    let parent_name = |span: &Received| by_id.get(span.parent.as_str()).map(|p| p.name.clone());
    for span in spans {
        assert_eq!(span.trace_id, TRACE, "{span:?}");
        assert_eq!(span.service, "catalog-edge");
    }
    let named = |name: &'static str| spans.iter().filter(move |s| s.name == name);
    let request = named("request").next().expect("the request span");
    assert_eq!(request.parent, CALLER);
    assert_eq!(
        request.attributes.get("status").map(String::as_str),
        Some("200")
    );
    let get = named("get").next().expect("the router's span");
    assert_eq!(get.parent, request.span_id);
    assert!(named("wave").count() >= 3, "genreLists, lists, videos");
    for (name, under) in [
        ("wave", "get"),
        ("route", "wave"),
        ("load", "route"),
        ("backend", "load"),
    ] {
        assert!(named(name).count() > 0, "no {name} span");
        for span in named(name) {
            assert_eq!(parent_name(span).as_deref(), Some(under), "{span:?}");
        }
    }
    let route = named("route").next().expect("a route span");
    assert!(route.attributes.contains_key("route"), "{route:?}");
    assert!(named("load").any(
        |s| s.attributes.get("cache").map(String::as_str) == Some("miss")
            && s.attributes.contains_key("batch_size")
    ));
    assert!(
        named("backend").all(
            |s| s.attributes.get("status").map(String::as_str) == Some("200")
                && s.attributes.contains_key("service")
        )
    );
}

/// A load of home requests of 8 users: every one answered whole.
async fn lose_no_request(http: &reqwest::Client, model: &str) {
    let url = home_url(model);
    let requests = (0..400).map(|n| {
        let request = http
            .get(&url)
            .header("authorization", format!("Bearer u{}", n % 8 + 1));
        async move {
            let answer = request.send().await.expect("an answer");
            assert_eq!(answer.status(), 200);
            let body: serde_json::Value = answer.json().await.expect("JSON");
            assert!(body["jsonGraph"]["videos"].is_object(), "{body}");
        }
    });
    futures::stream::iter(requests)
        .buffer_unordered(16)
        .collect::<Vec<()>>()
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sampler_variables_are_honoured() {
    let receiver = Receiver::start();
    let (backend, seen) = recording_backend().await;
    let server = traced_server(
        &receiver,
        &backend,
        &[("OTEL_TRACES_SAMPLER", "always_off")],
    );
    home_with_traceparent(&server).await;
    // The trace goes on to the services, marked not sampled…
    let calls = seen.lock().unwrap_or_else(PoisonError::into_inner).clone();
    assert!(!calls.is_empty());
    for (traceparent, _) in &calls {
        assert!(
            traceparent.starts_with(&format!("00-{TRACE}-")),
            "{traceparent}"
        );
        assert!(traceparent.ends_with("-00"), "{traceparent}");
    }
    // …and nothing is exported.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(receiver.spans().is_empty(), "{:#?}", receiver.spans());
}

#[test]
fn an_unsupported_exporter_setting_is_refused_at_start_naming_it() {
    for (name, value, says) in [
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc", "http/protobuf"),
        ("OTEL_TRACES_EXPORTER", "zipkin", "OTLP only"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "soon", "not a whole number"),
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "collector:4318",
            "\"collector:4318\" is not an http:// or https:// URL",
        ),
    ] {
        let endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318");
        let (code, stderr) = support::process::refused(&[], &[endpoint, (name, value)]);
        assert_eq!(code, Some(1), "{stderr}");
        assert!(stderr.contains(name) && stderr.contains(says), "{stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_operations_are_spans_under_their_load() {
    let redis_port = support::process::free_port();
    let mut redis = std::process::Command::new("redis-server");
    redis.args(["--port", &redis_port.to_string(), "--bind", "127.0.0.1"]);
    redis.args(["--save", "", "--appendonly", "no"]);
    let _redis = support::process::Listening::start(&mut redis, redis_port);
    let receiver = Receiver::start();
    let (backend, _) = recording_backend().await;
    let redis_url = format!("redis://127.0.0.1:{redis_port}");
    let redis = [
        ("PEREGRINE_REDIS_URL", redis_url.as_str()),
        ("PEREGRINE_REDIS_TIMEOUT_MS", "500"),
    ];
    let server = traced_server(&receiver, &backend, &redis);
    home_with_traceparent(&server).await;
    let spans = wait_for(&receiver, |spans| {
        spans.iter().any(|s| s.name == "request") && spans.iter().any(|s| s.name == "redis")
    });
    let loads: HashMap<&str, &Received> = spans
        .iter()
        .filter(|s| s.name == "load")
        .map(|s| (s.span_id.as_str(), s))
        .collect();
    for span in spans.iter().filter(|s| s.name == "redis") {
        assert_eq!(span.trace_id, TRACE);
        assert!(
            loads.contains_key(span.parent.as_str()),
            "{span:?} not under a load"
        );
        assert_eq!(
            span.attributes.get("db.system").map(String::as_str),
            Some("redis")
        );
    }
}
