//! OpenTelemetry traces: the spans of each request, exported over
//! OTLP/HTTP to a collector, and the trace context passed on to the
//! services a request calls.
//!
//! Tracing is on when the standard `OTEL_EXPORTER_OTLP_ENDPOINT` (or
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set ([`Telemetry::from_env`]);
//! the other standard variables are honoured too: `OTEL_SERVICE_NAME`
//! (default `peregrine`) and `OTEL_RESOURCE_ATTRIBUTES`,
//! `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` (default
//! `parentbased_always_on`), `OTEL_EXPORTER_OTLP_HEADERS` and
//! `OTEL_EXPORTER_OTLP_TIMEOUT`, `OTEL_BSP_*` for the batches,
//! `OTEL_SDK_DISABLED` and `OTEL_TRACES_EXPORTER=none`.
//!
//! The spans are `tracing` spans, made where the work is and turned into
//! OpenTelemetry spans by the layer [`Telemetry::layer`] adds to the
//! process's subscriber: `request` (the HTTP layer; its parent is the
//! caller's `traceparent`), the router's `get`/`set`/`call`, one `wave`
//! each, one `route` call each (its route, its error), one `load` per
//! loader call (its loader, keys, cache outcome, and the batch it fired),
//! `backend` for each call of a service or remote router (the service,
//! method, status) and `redis` for each Redis operation. Their attributes
//! are the spans' fields.
//!
//! Spans are exported in batches from a thread of their own through a
//! bounded queue (see `queue.rs`): a slow or absent collector never
//! slows a request; spans it cannot take are dropped and counted.
//!
//! Every backend and remote-router call carries `traceparent` and the
//! request's `x-request-id` ([`inject`]); the request span records its
//! `trace_id`, so every log line of the request names it.

mod collector;
mod propagation;
mod queue;

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{SpanExporter, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::trace::{BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider};
use opentelemetry_sdk::Resource;
use tracing::{Level, Subscriber};
use tracing_subscriber::filter::{filter_fn, Filtered};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

pub use propagation::{adopt, carry, inject, trace_id, Origin};

use crate::upstream::{Pool, Trust};
use collector::Collector;
use queue::{Counted, Counting, Queue};

/// Whether a [`Telemetry`] layer is installed: spans are exported and
/// their context passed on.
static ON: AtomicBool = AtomicBool::new(false);

/// Whether spans are exported: what only they need can be skipped when
/// not.
pub(crate) fn is_on() -> bool {
    ON.load(Ordering::Relaxed)
}

/// The OpenTelemetry export of one process: its tracer provider, with
/// the batch processor and the OTLP/HTTP exporter behind it.
#[derive(Debug)]
pub struct Telemetry {
    provider: SdkTracerProvider,
    endpoint: String,
}

/// Why tracing could not be set up from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelemetryError {
    kind: TelemetryErrorKind,
    message: String,
}

/// What kind of [`TelemetryError`] it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TelemetryErrorKind {
    /// A variable asks for what Peregrine does not do (an exporter other
    /// than OTLP, OTLP over gRPC).
    Unsupported,
    /// A variable's value cannot be used.
    Invalid,
}

impl TelemetryError {
    /// What kind of error it is.
    pub fn kind(&self) -> TelemetryErrorKind {
        self.kind
    }

    fn new(kind: TelemetryErrorKind, message: String) -> TelemetryError {
        TelemetryError { kind, message }
    }
}

impl fmt::Display for TelemetryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TelemetryError {}

/// A variable's value, when set to something.
fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|value| value.trim().to_string())
        .filter(|value| !value.is_empty())
}

/// A number of milliseconds, or items, from a variable.
fn number(name: &str, default: u64) -> Result<u64, TelemetryError> {
    match var(name) {
        None => Ok(default),
        Some(text) => text.parse().map_err(|_| {
            TelemetryError::new(
                TelemetryErrorKind::Invalid,
                format!("{name}={text:?} is not a whole number"),
            )
        }),
    }
}

impl Telemetry {
    /// The export the `OTEL_*` variables ask for; `None` when no OTLP
    /// endpoint is set, or tracing is turned off. An `https://` collector
    /// is checked against the system's roots, or the PEM file
    /// `OTEL_EXPORTER_OTLP_CERTIFICATE` names. Must be called within a
    /// tokio runtime.
    pub fn from_env() -> Result<Option<Telemetry>, TelemetryError> {
        if var("OTEL_SDK_DISABLED").is_some_and(|value| value.eq_ignore_ascii_case("true")) {
            return Ok(None);
        }
        match var("OTEL_TRACES_EXPORTER").as_deref() {
            None | Some("otlp") => {}
            Some("none") => return Ok(None),
            Some(other) => {
                return Err(TelemetryError::new(
                    TelemetryErrorKind::Unsupported,
                    format!("OTEL_TRACES_EXPORTER={other:?}: Peregrine exports traces over OTLP only (`otlp`, or `none` for no traces)"),
                ))
            }
        }
        let endpoint = [
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "OTEL_EXPORTER_OTLP_ENDPOINT",
        ]
        .into_iter()
        .find_map(|name| var(name).map(|value| (name, value)));
        let Some((name, endpoint)) = endpoint else {
            return Ok(None);
        };
        check_endpoint(name, &endpoint)?;
        check_protocol()?;
        let exporter = exporter(name, &endpoint)?;
        let capacity =
            usize::try_from(number("OTEL_BSP_MAX_QUEUE_SIZE", 2048)?.max(1)).unwrap_or(usize::MAX);
        let queue = Queue::new(capacity);
        let batches = BatchSpanProcessor::builder(Counting {
            inner: exporter,
            queue: queue.clone(),
        })
        .with_batch_config(
            BatchConfigBuilder::default()
                .with_max_queue_size(capacity)
                .build(),
        )
        .build();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(Counted {
                inner: batches,
                queue,
            })
            .with_resource(resource())
            .build();
        Ok(Some(Telemetry { provider, endpoint }))
    }

    /// Where spans are sent, as configured.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The layer that turns Peregrine's spans into OpenTelemetry spans
    /// (and warnings and errors within them into span events), for the
    /// process's subscriber; from its making on, calls carry
    /// `traceparent`.
    pub fn layer<S>(&self) -> impl Layer<S> + Send + Sync + 'static
    where
        S: Subscriber + for<'span> LookupSpan<'span> + Send + Sync,
    {
        ON.store(true, Ordering::Relaxed);
        let tracer = self.provider.tracer("peregrine");
        let layer: Filtered<_, _, S> = tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .with_threads(false)
            .with_location(false)
            .with_tracked_inactivity(false)
            .with_filter(filter_fn(|metadata| {
                metadata.target().starts_with("peregrine")
                    && (metadata.is_span() || *metadata.level() <= Level::WARN)
            }));
        layer
    }

    /// Sends the spans still queued and stops exporting (blocks until
    /// they are sent or the export times out: call it off the runtime's
    /// threads, with `spawn_blocking`).
    pub fn shutdown(&self) {
        if let Err(error) = self.provider.shutdown() {
            tracing::warn!(%error, "the last spans could not be sent");
        }
    }
}

/// The OTLP/HTTP exporter to `endpoint` (the variable `name` gave it),
/// its calls through our own client within the exporter's timeout.
fn exporter(name: &str, endpoint: &str) -> Result<SpanExporter, TelemetryError> {
    let timeout = Duration::from_millis(number("OTEL_EXPORTER_OTLP_TIMEOUT", 10_000)?);
    let timeout = Duration::from_millis(number(
        "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
        timeout.as_millis().try_into().unwrap_or(u64::MAX),
    )?);
    let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
        TelemetryError::new(
            TelemetryErrorKind::Invalid,
            "traces are set up within a tokio runtime".into(),
        )
    })?;
    SpanExporter::builder()
        .with_http()
        .with_timeout(timeout)
        .with_http_client(Collector::new(pool()?, runtime, timeout))
        .build()
        .map_err(|error| {
            TelemetryError::new(
                TelemetryErrorKind::Invalid,
                format!("{name}={endpoint:?}: {error}"),
            )
        })
}

/// The connections to the collector.
fn pool() -> Result<Pool, TelemetryError> {
    let certificate = [
        "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
        "OTEL_EXPORTER_OTLP_CERTIFICATE",
    ]
    .into_iter()
    .find_map(|name| var(name).map(|value| (name, value)));
    let trust = match certificate {
        None => Trust::system(),
        Some((name, file)) => Trust::system().with_pem_file(&file).map_err(|error| {
            TelemetryError::new(TelemetryErrorKind::Invalid, format!("{name}: {error}"))
        })?,
    };
    Ok(Pool::with_trust(Duration::from_secs(2), 4, trust))
}

/// The service's resource: `OTEL_SERVICE_NAME` and
/// `OTEL_RESOURCE_ATTRIBUTES` as set, `service.name` `peregrine` if
/// neither names it.
fn resource() -> Resource {
    let named = var("OTEL_SERVICE_NAME").is_some()
        || var("OTEL_RESOURCE_ATTRIBUTES").is_some_and(|set| set.contains("service.name="));
    let resource = Resource::builder();
    match named {
        true => resource.build(),
        false => resource.with_service_name("peregrine").build(),
    }
}

fn check_endpoint(name: &str, endpoint: &str) -> Result<(), TelemetryError> {
    let uri: Option<http::Uri> = endpoint.parse().ok();
    let fine = uri.is_some_and(|uri| {
        matches!(uri.scheme_str(), Some("http" | "https")) && uri.authority().is_some()
    });
    match fine {
        true => Ok(()),
        false => Err(TelemetryError::new(
            TelemetryErrorKind::Invalid,
            format!("{name}={endpoint:?} is not an http:// or https:// URL of an OTLP collector (such as http://127.0.0.1:4318)"),
        )),
    }
}

fn check_protocol() -> Result<(), TelemetryError> {
    for name in [
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
    ] {
        match var(name).as_deref() {
            None | Some("http/protobuf") => {}
            Some(other) => {
                return Err(TelemetryError::new(
                    TelemetryErrorKind::Unsupported,
                    format!("{name}={other:?}: Peregrine exports OTLP over HTTP with protobuf (`http/protobuf`)"),
                ))
            }
        }
    }
    Ok(())
}
