//! The HTTP server: Falcor's wire format at `/model.json`, health and
//! metrics endpoints, and the limits that keep the server up.
//!
//! It owns the axum application and is the one place where errors become
//! status codes ([`Error`]). It knows the router, not backends.
//!
//! ```no_run
//! use peregrine::http::{self, Config};
//! use peregrine::router::Router;
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let router = Router::builder().build()?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! http::serve(listener, router, Config::default(), http::shutdown_signal()).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Endpoints
//!
//! - `GET|POST /model.json` (see [`Config::model_path`]): get, set and
//!   call in falcor-express's wire format, as falcor-http-datasource sends
//!   them, and JSON bodies with the same fields. Answers
//!   `application/json` envelopes; bad requests get a 4xx JSON error
//!   naming what was wrong.
//! - `GET /healthz`: the process is up. `GET /readyz`: it takes requests
//!   (503 once shutdown has begun, so load balancers drain it).
//! - `GET /metrics`: Prometheus text format.
//! - `GET|POST /graphql`, when [`Config::graphql`] is set: GraphQL over
//!   the same router (see [`crate::graphql`]) as GraphQL over HTTP has
//!   it: a POST body is `application/json` (else 415), a mutation is
//!   POSTed (a GET one is 405); refusals are GraphQL responses with
//!   `errors`. A GET without `query` is the GraphiQL page.
//! - `GET /`, when [`Config::index_page`] is set: that page (the
//!   explorer).
//! - `GET /routes`, when [`Config::route_files`] is set: the route files
//!   served, each loaded or refused with its errors.
//!
//! # Traces
//!
//! A `/model.json` request with the header `Peregrine-Trace: 1` (or, with
//! [`Traces::HeaderOrParameter`], the parameter `trace=1`) is answered
//! with its [trace](crate::trace) beside the envelope:
//! `{"jsonGraph": ..., "trace": {"durationMs": ..., "waves": [...],
//! "routes": [...], "loads": [...], "batches": [...]}}`. Falcor clients
//! ignore the extra member.
//!
//! # The answer cache
//!
//! With [`Config::answers`], a get is answered from the [`AnswerCache`]
//! when the same user sent the same request before (a GET's query string
//! byte for byte, a POST's path sets) and nothing in the answer has
//! expired or been written since; see [`AnswerCache`]. A GET whose answer
//! is kept is answered before the inner layers run (`shortcut.rs`).
//!
//! # Limits
//!
//! Body size (413), URL length (414), request head size (431), paths per
//! request (the router's `max_paths`, 400), a deadline per request (504),
//! and one concurrency limit, shared by `/model.json` and `/graphql`,
//! past which requests are shed at once with 503 instead of queueing. A
//! connection is closed when a request head trickles in for longer than
//! [`Config::header_timeout`] or it idles longer than
//! [`Config::idle_timeout`] (`serve.rs` takes connections,
//! `connection.rs` serves each under these limits). Responses are
//! compressed (gzip, br) when the client accepts it; CORS origins are
//! configurable; each request carries an id, taken from `x-request-id` or
//! made, echoed in the response and in its logs.

mod answer_cache;
mod config;
mod connection;
mod error;
mod freshness;
mod graphql;
mod log;
mod metrics;
mod model_json;
mod pages;
mod reload;
mod serve;
mod shortcut;
mod wire;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::error_handling::HandleErrorLayer;
use axum::extract::State;
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::TraceLayer;

pub use answer_cache::AnswerCache;
pub use config::{Config, ContextMaker, Placeholder, StaticFiles, Traces, Unbuilt};
pub use error::{Error, ErrorKind};
pub use log::{init_logging, LogFormat};
pub use reload::{Reload, Served};
pub use serve::{serve, shutdown_signal};

use crate::router::Router;

/// The content type of every JSON answer, as falcor-express writes it.
pub(crate) const JSON: &str = "application/json; charset=utf-8";

/// What every handler shares.
pub(crate) struct AppState {
    /// What is served now (see [`Reload`]): each request takes it once.
    pub(crate) served: Reload,
    pub(crate) config: Config,
    ready: Arc<AtomicBool>,
}

/// The application: every endpoint with its layers, ready to be served
/// or driven in tests without a socket.
pub fn app(router: Router, config: Config) -> axum::Router {
    build(router, config, Arc::new(AtomicBool::new(true)))
}

fn build(router: Router, config: Config, ready: Arc<AtomicBool>) -> axum::Router {
    // A reload handle is served as it holds (it may have been replaced
    // already); else the router and GraphQL given.
    let served = match &config.reload {
        Some(reload) => reload.clone(),
        None => Reload::new(router, config.graphql.clone()),
    };
    metrics::install();
    let cors = cors(&config.cors_origins);
    let app = pages::pages(graph_endpoints(&config), &config);
    let state = Arc::new(AppState {
        served,
        config,
        ready,
    });
    let x_request_id = HeaderName::from_static("x-request-id");
    // The layers wrap the routes once, outermost first, rather than each
    // route (`Router::layer`): a request then clones one stack of plain
    // services, not a boxed service per layer and route (19 clones and
    // allocations a request; a fifth of a kept answer's instructions).
    // Kept answers are answered inside the request id and CORS layers,
    // before the others (`shortcut.rs`).
    let layered = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(
            x_request_id.clone(),
            MakeRequestUuid,
        ))
        .layer(PropagateRequestIdLayer::new(x_request_id))
        .layer(cors)
        .layer_fn(|inner| shortcut::Shortcut::new(inner, state.clone()))
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
        ]))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(log::request_span)
                .on_response(log::answered),
        )
        .layer(axum::middleware::from_fn(log::with_origin))
        .layer(CompressionLayer::new())
        .service(app.with_state(state.clone()));
    axum::Router::new().fallback_service(layered)
}

/// `/model.json` and `/graphql` behind one concurrency limit, and the
/// health, readiness and metrics endpoints.
fn graph_endpoints(config: &Config) -> axum::Router<Arc<AppState>> {
    // One limit for every request that can reach a backend: the permits
    // are shared by /model.json and /graphql, whatever the method (a
    // layer per route or per method would give each its own limit).
    let limit = GlobalConcurrencyLimitLayer::new(config.max_concurrent_requests.max(1));
    let shed = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
            metrics::request_shed();
            Error::new(ErrorKind::Overloaded,
                "the server is at its limit of concurrent requests (max_concurrent_requests): try again shortly",
            )
        }))
        .load_shed()
        .layer(limit);
    let mut limited = axum::Router::new().route(
        &config.model_path,
        get(model_json::serve)
            .post(model_json::serve)
            .fallback(model_json::method_not_allowed),
    );
    if config.graphql.is_some() {
        limited = limited.route("/graphql", get(graphql::serve).post(graphql::serve));
    }
    axum::Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::render))
        .merge(limited.route_layer(shed))
}

fn cors(origins: &[String]) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            HeaderName::from_static("x-requested-with"),
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static(model_json::TRACE_HEADER),
        ])
        .expose_headers([HeaderName::from_static("x-request-id")]);
    if origins.iter().any(|origin| origin == "*") {
        return layer.allow_origin(AllowOrigin::any());
    }
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    // falcor-http-datasource sends credentials (cookies) unless told
    // `withCredentials: false`; browsers then require this header and an
    // exact origin, never `*`.
    layer
        .allow_origin(AllowOrigin::list(allowed))
        .allow_credentials(true)
}

async fn healthz() -> Response {
    json_status(StatusCode::OK, "ok")
}

async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    if state.ready.load(Ordering::Relaxed) {
        json_status(StatusCode::OK, "ready")
    } else {
        json_status(StatusCode::SERVICE_UNAVAILABLE, "shutting down")
    }
}

fn json_status(status: StatusCode, text: &str) -> Response {
    let body = serde_json::json!({ "status": text }).to_string();
    (status, [(header::CONTENT_TYPE, JSON)], body).into_response()
}
