//! What the catalog's integration tests share: the graph app over embedded
//! backends on real loopback sockets (the routes call them over HTTP),
//! driven without a socket of its own (`oneshot`), and the workload's
//! requests.

// Each test file uses its own part of this.
#![allow(dead_code)]

pub(crate) mod cluster;
pub(crate) mod process;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use peregrine_routes::backend::{self, Settings};
use peregrine_routes::Auth;
pub(crate) use peregrine_routes::{Endpoints, Guards, Server};
use serde_json::{json, Value};
use tower::ServiceExt;

/// Sends `request` to `app` without a socket; answers the status and the
/// body.
pub(crate) async fn exchange(
    app: &axum::Router,
    request: Request<Body>,
) -> (StatusCode, axum::body::Bytes) {
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    (status, bytes)
}

/// The catalog and the route files of `dir` (reloaded on change), over a
/// demo backend of its own.
pub(crate) async fn serve_route_files(dir: &std::path::Path) -> Harness {
    let backend = start_backend(instant()).await;
    let build = Build {
        dirs: vec![dir.to_path_buf()],
        ..Build::over(&backend)
    };
    Harness::build(build, |_| {})
}

/// One instance of the server over `backend`, with `tier` under its
/// caches (instances sharing a tier share what they fetch).
pub(crate) fn instance(backend: &str, tier: &peregrine::loader::RedisTier) -> Harness {
    let build = Build {
        tier: Some(tier.clone()),
        ..Build::over(backend)
    };
    Harness::build(build, |_| {})
}

/// The members of `known` that a service's query asks for by `ids`
/// (comma-separated); unknown ids are left out.
pub(crate) fn asked_by_ids(
    known: &Value,
    query: &std::collections::HashMap<String, String>,
) -> serde_json::Map<String, Value> {
    let asked = query.get("ids").map_or("", String::as_str);
    asked
        .split(',')
        .filter_map(|id| Some((id.to_string(), known.get(id)?.clone())))
        .collect()
}

/// A loader of `name` over `tier` whose backend answers each key with
/// the version it reads when called, counting its calls in `calls`,
/// after `gate` lets it (if any).
pub(crate) fn versioned(
    name: &'static str,
    tier: &peregrine::loader::RedisTier,
    version: std::sync::Arc<std::sync::atomic::AtomicU64>,
    calls: std::sync::Arc<std::sync::atomic::AtomicU64>,
    gate: Option<std::sync::Arc<tokio::sync::Semaphore>>,
) -> peregrine::loader::Loader<u64, u64> {
    use std::sync::atomic::Ordering;
    let settings =
        peregrine::loader::Settings::new(name).cache(std::time::Duration::from_secs(60), 1000);
    peregrine::loader::Loader::new(settings, move |_scope, keys: Vec<u64>| {
        let now = version.load(Ordering::SeqCst);
        calls.fetch_add(1, Ordering::SeqCst);
        let gate = gate.clone();
        async move {
            if let Some(gate) = gate {
                let _permit = gate.acquire().await;
            }
            Ok(keys
                .into_iter()
                .map(|key| (key, now))
                .collect::<std::collections::HashMap<_, _>>())
        }
    })
    .with_tier(tier)
}

/// Has `b`, which never saw it, answer u17's home request as `a` did
/// (`through_a`), with no backend call: every batch of its trace was
/// answered by the Redis tier under both.
pub(crate) async fn answered_from_redis(a: &Harness, b: &Harness, through_a: &Value) {
    a.reset_calls().await;
    let traced = b.get_traced("u17", home()).await;
    assert_eq!(traced["jsonGraph"], *through_a);
    assert_eq!(b.calls_made().await, std::collections::HashMap::new());
    let batches = traced["trace"]["batches"].as_array().expect("batches");
    assert_eq!(batches.len(), 4, "{batches:?}");
    for batch in batches {
        assert_eq!(batch["redisHits"], batch["keys"], "{batch}");
    }
}

/// Whether an answer holds an error value anywhere.
pub(crate) fn has_errors(value: &Value) -> bool {
    match value {
        Value::Object(members) => {
            members.get("$type") == Some(&json!("error")) || members.values().any(has_errors)
        }
        Value::Array(items) => items.iter().any(has_errors),
        _ => false,
    }
}

/// The graph app over a fresh backend of its own.
#[derive(Clone)]
pub(crate) struct Harness {
    pub(crate) app: axum::Router,
    pub(crate) backend: String,
    pub(crate) http: reqwest::Client,
    /// The app's answer cache (none with the cache off).
    pub(crate) answers: Option<peregrine::http::AnswerCache>,
}

/// A demo backend on a free loopback port, serving until the test ends;
/// answers its base URL.
pub(crate) async fn start_backend(settings: Settings) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let backend = format!("http://{}", listener.local_addr().expect("an address"));
    tokio::spawn(backend::serve(listener, settings, std::future::pending()));
    backend
}

/// A service of a test's own (`app`) on a free loopback port, serving
/// until the test ends; answers its base URL.
pub(crate) async fn serve_app(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

/// POSTs `query` to `/graphql` as `user`; answers the status and body.
pub(crate) async fn graphql(
    harness: &Harness,
    user: Option<&str>,
    query: &str,
) -> (StatusCode, Value) {
    let mut request = Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
    if let Some(user) = user {
        request = request.header(header::AUTHORIZATION, format!("Bearer {user}"));
    }
    let body = json!({ "query": query }).to_string();
    harness
        .send(request.body(Body::from(body)).expect("a request"))
        .await
}

/// The contract's data with no latency, so tests answer at once.
pub(crate) fn instant() -> Settings {
    Settings {
        latency_ms: 0,
        per_item_us: 0,
        ..Settings::default()
    }
}

/// What a harness serves: the catalog over the services at `endpoints`
/// behind `guards`, and the route files of `dirs`, assembled as the
/// binary assembles it ([`peregrine_routes::Server`]).
pub(crate) struct Build {
    /// The backend `/_stats` and `backend()` ask.
    pub(crate) backend: String,
    pub(crate) endpoints: Endpoints,
    pub(crate) guards: Guards,
    pub(crate) cache: bool,
    pub(crate) auth: Auth,
    pub(crate) tier: Option<peregrine::loader::RedisTier>,
    pub(crate) dirs: Vec<std::path::PathBuf>,
    /// The connections to the services (default: the system's roots).
    pub(crate) pool: Option<peregrine::upstream::Pool>,
    /// Rust routes beside the route files.
    pub(crate) base: fn() -> peregrine::router::Builder,
    pub(crate) log_requests: bool,
    pub(crate) introspection: bool,
    pub(crate) graphql_operations: Option<peregrine::graphql::Operations>,
}

impl Build {
    /// The catalog over `backend` for every service, cached, in
    /// development mode.
    pub(crate) fn over(backend: &str) -> Build {
        Build {
            backend: backend.to_string(),
            endpoints: Endpoints::all(backend),
            guards: Guards::default(),
            cache: true,
            auth: Auth::Development,
            tier: None,
            dirs: Vec::new(),
            pool: None,
            base: peregrine::router::Router::builder,
            log_requests: false,
            introspection: true,
            graphql_operations: None,
        }
    }

    /// The server the binary would run with these parts (an 8 MiB
    /// answer cache).
    pub(crate) fn server(&self) -> Server {
        let mut server = Server::new(self.endpoints.clone(), self.auth.clone());
        server.guards = self.guards.clone();
        server.caching = self.cache;
        server.answer_cache_bytes = 8 << 20;
        server.tier = self.tier.clone();
        server.routes = self.dirs.clone();
        if let Some(pool) = &self.pool {
            server.pool = pool.clone();
        }
        server.base = self.base;
        server.log_requests = self.log_requests;
        server.introspection = self.introspection;
        server.graphql_operations = self.graphql_operations.clone().map(std::sync::Arc::new);
        server
    }
}

impl Harness {
    pub(crate) async fn start(settings: Settings) -> Harness {
        Harness::start_with(settings, true).await
    }

    pub(crate) async fn start_with(settings: Settings, cache: bool) -> Harness {
        let backend = start_backend(settings).await;
        Harness::build(
            Build {
                cache,
                ..Build::over(&backend)
            },
            |_| {},
        )
    }

    /// The graph app over the services at `endpoints` behind `guards`;
    /// `backend` is the one `/_stats` and `backend()` ask.
    pub(crate) fn over(
        backend: String,
        endpoints: &Endpoints,
        guards: &Guards,
        cache: bool,
        auth: Auth,
    ) -> Harness {
        Harness::build(
            Build {
                endpoints: endpoints.clone(),
                guards: guards.clone(),
                cache,
                auth,
                ..Build::over(&backend)
            },
            |_| {},
        )
    }

    /// The graph app `build` says, assembled as the binary assembles it,
    /// with the HTTP configuration changed by `adjust`.
    pub(crate) fn build(
        build: Build,
        adjust: impl FnOnce(&mut peregrine::http::Config),
    ) -> Harness {
        let app = build
            .server()
            .assemble()
            .unwrap_or_else(|error| panic!("the server is refused: {error}"));
        let mut config = app.config;
        adjust(&mut config);
        Harness {
            answers: config.answers.clone(),
            app: peregrine::http::app(app.router, config),
            backend: build.backend,
            http: reqwest::Client::new(),
        }
    }

    /// Sends `request` to the app; answers the status and the body.
    pub(crate) async fn exchange(&self, request: Request<Body>) -> (StatusCode, axum::body::Bytes) {
        exchange(&self.app, request).await
    }

    /// Sends a graph request; answers the status and the JSON body.
    pub(crate) async fn send(&self, request: Request<Body>) -> (StatusCode, Value) {
        let (status, bytes) = self.exchange(request).await;
        let body = serde_json::from_slice(&bytes).expect("a JSON body");
        (status, plain(body))
    }

    /// GETs `uri`; answers the body as text (a page).
    pub(crate) async fn text(&self, uri: &str) -> String {
        let request = Request::get(uri).body(Body::empty()).expect("a request");
        let (_, bytes) = self.exchange(request).await;
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Like `get`, the answer as sent, `$expires` and all.
    pub(crate) async fn get_raw(&self, user: &str, paths: Value) -> Value {
        let query = serde_urlencoded::to_string([("method", "get"), ("paths", &paths.to_string())])
            .expect("encodable");
        let request = Request::get(format!("/model.json?{query}"))
            .header(header::AUTHORIZATION, format!("Bearer {user}"))
            .body(Body::empty())
            .expect("a request");
        let (status, bytes) = self.exchange(request).await;
        assert_eq!(status, StatusCode::OK);
        serde_json::from_slice::<Value>(&bytes).expect("a JSON body")["jsonGraph"].clone()
    }

    /// `get` of `paths` as `user` with the trace header; asserts 200 and
    /// answers the whole body (`jsonGraph` and `trace`).
    pub(crate) async fn get_traced(&self, user: &str, paths: Value) -> Value {
        let query = serde_urlencoded::to_string([("method", "get"), ("paths", &paths.to_string())])
            .expect("encodable");
        let request = Request::get(format!("/model.json?{query}"))
            .header(header::AUTHORIZATION, format!("Bearer {user}"))
            .header("peregrine-trace", "1")
            .body(Body::empty())
            .expect("a request");
        let (status, body) = self.send(request).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// `get` of `paths` (JSON paths) as `user`; asserts 200.
    pub(crate) async fn get(&self, user: Option<&str>, paths: Value) -> Value {
        let query = serde_urlencoded::to_string([("method", "get"), ("paths", &paths.to_string())])
            .expect("encodable");
        let mut request = Request::get(format!("/model.json?{query}"));
        if let Some(user) = user {
            request = request.header(header::AUTHORIZATION, format!("Bearer {user}"));
        }
        let (status, body) = self
            .send(request.body(Body::empty()).expect("a request"))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["jsonGraph"].clone()
    }

    /// A set or call as a JSON body, as `user`.
    pub(crate) async fn post(&self, user: &str, params: Value) -> (StatusCode, Value) {
        let request = Request::post("/model.json")
            .header(header::AUTHORIZATION, format!("Bearer {user}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(params.to_string()))
            .expect("a request");
        self.send(request).await
    }

    /// A backend call, straight.
    pub(crate) async fn backend(&self, method: reqwest::Method, path: &str) -> Value {
        let response = self
            .http
            .request(method, format!("{}{path}", self.backend))
            .send()
            .await
            .expect("the backend answers");
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.expect("JSON")
    }

    pub(crate) async fn calls(&self) -> Value {
        self.backend(reqwest::Method::GET, "/_stats").await["calls"].clone()
    }

    /// Starts the backend's call counts afresh.
    pub(crate) async fn reset_calls(&self) {
        self.backend(reqwest::Method::POST, "/_stats/reset").await;
    }

    /// The backend calls made since the last reset, by route, leaving out
    /// routes not called.
    pub(crate) async fn calls_made(&self) -> std::collections::HashMap<String, u64> {
        let calls: std::collections::HashMap<String, u64> =
            serde_json::from_value(self.calls().await).expect("counts");
        calls.into_iter().filter(|(_, n)| *n > 0).collect()
    }
}

/// The answer as a falcor client reads it, without the `$expires` that
/// user-scoped values carry: an atom that only carried it is its value.
pub(crate) fn plain(value: Value) -> Value {
    match value {
        Value::Object(mut object) => {
            object.remove("$expires");
            if object.len() == 2 && object.get("$type") == Some(&json!("atom")) {
                if let Some(inner) = object.remove("value") {
                    return inner;
                }
            }
            Value::Object(object.into_iter().map(|(k, v)| (k, plain(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(plain).collect()),
        other => other,
    }
}

pub(crate) fn range(from: u32, to: u32) -> Value {
    json!({"from": from, "to": to})
}

/// CONTRACT §4's home request.
pub(crate) fn home() -> Value {
    json!([
        ["genreLists", range(0, 9), "name"],
        [
            "genreLists",
            range(0, 9),
            range(0, 9),
            ["title", "boxshot", "rating"]
        ]
    ])
}

/// The videos of the home answer: `(video id, its node)` per row and
/// column, following the refs.
pub(crate) fn home_videos(graph: &Value) -> Vec<(u64, Value)> {
    let mut videos = Vec::new();
    for row in 0..10 {
        let list = &graph["genreLists"][row.to_string()]["value"];
        assert_eq!(list[0], "lists", "row {row}: {graph}");
        let list = &graph["lists"][list[1].as_str().expect("a list id")];
        assert!(
            list["name"].as_str().is_some_and(|name| !name.is_empty()),
            "row {row}: {list}"
        );
        for column in 0..10 {
            let video = &list[column.to_string()]["value"];
            assert_eq!(video[0], "videos", "{list}");
            let id = video[1].as_u64().expect("a video id");
            videos.push((id, graph["videos"][id.to_string()].clone()));
        }
    }
    videos
}

pub(crate) fn ids(videos: &[(u64, Value)]) -> String {
    let ids: Vec<String> = videos.iter().map(|(id, _)| id.to_string()).collect();
    ids.join(",")
}

/// Captures every log line and span of this test process from now on, at
/// `level` and finer. A process-wide subscriber, not a thread's: with
/// `set_default`, spans of callsites first met by another test's thread
/// could be missed. Call it once per test file.
pub(crate) fn capture_logs(level: tracing::Level) -> Captured {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::NEW)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("one capture per test file");
    captured
}

/// Log lines, captured (see [`capture_logs`]).
#[derive(Clone, Default)]
pub(crate) struct Captured(pub(crate) std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Captured {
    /// What was logged so far.
    pub(crate) fn text(&self) -> String {
        let bytes = self.0.lock().expect("not poisoned").clone();
        String::from_utf8(bytes).expect("UTF-8 logs")
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A directory holding `files` (name, text), removed when dropped.
pub(crate) struct Dir(pub(crate) std::path::PathBuf);

impl Dir {
    pub(crate) fn with(files: &[(&str, String)]) -> Dir {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "peregrine-route-files-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).expect("a directory");
        for (name, text) in files {
            std::fs::write(dir.join(name), text).expect("written");
        }
        Dir(dir)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
