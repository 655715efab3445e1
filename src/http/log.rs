//! Logs: human-readable lines by default, JSON lines on request; the
//! level from `RUST_LOG` (default `info`, and errors only from the
//! redis client).

use std::io::IsTerminal;
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tower_http::request_id::RequestId;
use tracing::field::Empty;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::telemetry::{self, Origin, Telemetry};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// One readable line per event.
    #[default]
    Human,
    /// One JSON object per event, for log pipelines.
    Json,
}

/// Sets up logging for the process (once; later calls do nothing), and
/// the export of its spans when `telemetry` is given. Request logs carry
/// the request's id, and its trace id when it is traced; tokens and
/// cookies are never logged.
pub fn init_logging(format: LogFormat, telemetry: Option<&Telemetry>) {
    let filter = EnvFilter::try_from_default_env()
        // redis-rs warns of each attempt to reconnect; the tier says when
        // Redis is down and back.
        .unwrap_or_else(|_| EnvFilter::new("info,redis=error"));
    let lines = match format {
        // Colours only for a person at a terminal: written into a file or
        // a pipe they are noise, and formatting them into every request
        // span's fields was 7% of a kept answer's instructions.
        LogFormat::Human => tracing_subscriber::fmt::layer()
            .with_ansi(std::io::stdout().is_terminal())
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .boxed(),
    };
    let _already_set = tracing_subscriber::registry()
        .with(lines.with_filter(filter))
        .with(telemetry.map(Telemetry::layer))
        .try_init();
}

/// The span of one request: its id, method and path, the trace it
/// belongs to (a child of the caller's `traceparent` when traced) and,
/// once answered, its status.
pub(super) fn request_span<B>(request: &http::Request<B>) -> tracing::Span {
    let id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or("-");
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %request.method(),
        path = %request.uri().path(),
        trace_id = Empty,
        status = Empty,
    );
    telemetry::adopt(&span, request.headers());
    if let Some(trace_id) = telemetry::trace_id(&span) {
        span.record("trace_id", trace_id);
    }
    span
}

/// Records a request's status on its span.
pub(super) fn answered<B>(response: &http::Response<B>, latency: Duration, span: &tracing::Span) {
    let status = response.status().as_u16();
    span.record("status", status);
    tracing::debug!(status, latency_ms = latency.as_secs_f64() * 1e3, "answered");
}

/// Runs a request as the work of its [`Origin`], so that the services
/// it calls get its `x-request-id`.
pub(super) async fn with_origin(request: Request, next: Next) -> Response {
    let id = request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.header_value().clone());
    Origin::new(id).within(next.run(request)).await
}
