//! `Upstream`: one backend service behind its guards.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, Uri};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use metrics::SharedString;
use tower::retry::budget::{Budget, TpsBudget};
use tower::util::BoxCloneSyncService;
use tower::{BoxError, ServiceBuilder, ServiceExt};
use tracing::field::Empty;
use tracing::Instrument;

use super::breaker::Breaker;
use super::error::{UpstreamError, UpstreamErrorKind};
use super::pool::Pool;
use super::retry::RetryReads;
use super::settings::Settings;
use super::warnings::Warnings;
use crate::telemetry;

/// One backend service behind a circuit breaker, retries, a timeout and a
/// bulkhead (see the [module](super)). Cloning is cheap and shares the
/// guards: clone it into every task that calls the service.
#[derive(Clone)]
pub struct Upstream {
    inner: Arc<Inner>,
}

struct Inner {
    name: SharedString,
    settings: Settings,
    breaker: Breaker,
    budget: Arc<TpsBudget>,
    stack: BoxCloneSyncService<Request<Bytes>, Response<Bytes>, BoxError>,
    warnings: Warnings,
}

/// An answer longer than the upstream's `max_answer_bytes`.
#[derive(Debug)]
pub(super) struct TooLarge(usize);

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "answered more than {} bytes (max_answer_bytes)", self.0)
    }
}

impl std::error::Error for TooLarge {}

/// A 5xx answer, as an error of the stack (so that it is retried and
/// counted against the breaker).
#[derive(Debug)]
struct ServerError(StatusCode);

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "answered {}", self.0)
    }
}

impl std::error::Error for ServerError {}

impl Upstream {
    /// The upstream `name` (used in messages, logs and metric labels),
    /// called over `pool`'s connections (share one pool between
    /// upstreams).
    pub fn new(name: impl Into<SharedString>, settings: Settings, pool: Pool) -> Upstream {
        let name = name.into();
        let budget = Arc::new(TpsBudget::new(
            Duration::from_secs(10),
            settings.retry_floor,
            settings.retry_ratio.clamp(0.0, 1000.0),
        ));
        let max_answer_bytes = settings.max_answer_bytes;
        let attempt = ServiceBuilder::new()
            .timeout(settings.timeout)
            .concurrency_limit(settings.max_concurrent.max(1))
            .service_fn(move |request| exchange(pool.clone(), request, max_answer_bytes));
        let retry = RetryReads {
            left: settings.retries,
            budget: budget.clone(),
            name: name.clone(),
        };
        let stack = BoxCloneSyncService::new(ServiceBuilder::new().retry(retry).service(attempt));
        Upstream {
            inner: Arc::new(Inner {
                breaker: Breaker::new(name.clone(), &settings.breaker),
                name,
                settings,
                budget,
                stack,
                warnings: Warnings::default(),
            }),
        }
    }

    /// The upstream's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Logs a failed call of this upstream as a warning, at most one line
    /// per upstream every 10 s, each saying how many failures were not
    /// written since the last (the rest go to the debug level). For
    /// failures [`Upstream::send`] cannot see, such as an answer its
    /// caller could not read; `send` logs its own.
    pub fn warn(&self, error: &dyn fmt::Display) {
        let name = &self.inner.name;
        match self.inner.warnings.admit() {
            Some(0) => tracing::warn!(upstream = %name, %error, "upstream call failed"),
            Some(unwritten) => tracing::warn!(
                upstream = %name,
                %error,
                unwritten,
                "upstream call failed ({unwritten} more failures since the last warning)"
            ),
            None => tracing::debug!(upstream = %name, %error, "upstream call failed"),
        }
    }

    /// Whether its circuit breaker is open: calls fail at once.
    pub fn is_open(&self) -> bool {
        self.inner.breaker.is_open()
    }

    /// Sends `request` (its URI absolute: `http://host:port/path?query`)
    /// through the guards and reads the whole answer, within the
    /// attempt's timeout. A 2xx to 4xx answer is the upstream's (a 4xx is
    /// the caller's to read); a 5xx, a timeout, no connection, an open
    /// breaker or a full bulkhead is an [`UpstreamError`].
    pub async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, UpstreamError> {
        self.send_counting(request, false).await
    }

    /// As [`Upstream::send`], for a call whose failure the service
    /// answers with a 500 while it is up (a Falcor router answers a set
    /// or call that threw so): such an answer fails the call but does
    /// not count against the breaker, so one client's failing calls do
    /// not pause the service for everyone. A timeout, no connection or
    /// another 5xx (a proxy's 502, 503, 504) still counts.
    pub async fn send_answered(
        &self,
        request: Request<Bytes>,
    ) -> Result<Response<Bytes>, UpstreamError> {
        self.send_counting(request, true).await
    }

    async fn send_counting(
        &self,
        mut request: Request<Bytes>,
        answers_are_healthy: bool,
    ) -> Result<Response<Bytes>, UpstreamError> {
        let inner = &*self.inner;
        let span = backend_span(&inner.name, &request);
        telemetry::inject(request.headers_mut(), &span);
        let what = Called {
            method: request.method().clone(),
            uri: request.uri().clone(),
        };
        if !inner.breaker.permits() {
            count(&inner.name, "open");
            return Err(UpstreamError::new(
                UpstreamErrorKind::Open,
                &inner.name,
                format_args!(
                    "{what} not sent: the circuit breaker is open after repeated failures (next trial within {:?})",
                    inner.settings.breaker.open_for
                ),
            ));
        }
        inner.budget.deposit();
        // Each attempt has its timeout (tower's, from the call on); the
        // wait for a bulkhead slot comes before the call, so the whole
        // call, waits and attempts, is bounded here too.
        let attempts = inner.settings.retries.saturating_add(1);
        let bound = inner.settings.timeout.saturating_mul(attempts);
        let result = tokio::time::timeout(bound, inner.stack.clone().oneshot(request))
            .instrument(span.clone())
            .await
            .unwrap_or_else(|elapsed| Err(BoxError::from(elapsed)));
        let answered = matches!(
            &result,
            Err(error) if error
                .downcast_ref::<ServerError>()
                .is_some_and(|ServerError(status)| *status == http::StatusCode::INTERNAL_SERVER_ERROR)
        );
        inner
            .breaker
            .record(result.is_ok() || (answers_are_healthy && answered));
        match result {
            Ok(response) => {
                count(&inner.name, "ok");
                span.record("status", response.status().as_u16());
                Ok(response)
            }
            Err(error) => {
                let error = self.classify(&what, error);
                span.record("error", tracing::field::display(&error));
                span.record("otel.status_code", "ERROR");
                count(&inner.name, outcome(error.kind()));
                self.warn(&error);
                Err(error)
            }
        }
    }

    fn classify(&self, what: &Called, error: BoxError) -> UpstreamError {
        let name = &self.inner.name;
        let new = |kind, text: fmt::Arguments<'_>| UpstreamError::new(kind, name, text);
        if error.is::<tower::timeout::error::Elapsed>() || error.is::<tokio::time::error::Elapsed>()
        {
            return new(
                UpstreamErrorKind::TimedOut,
                format_args!(
                    "{what} timed out after {:?} (waiting for one of its {} call slots, or for its answer)",
                    self.inner.settings.timeout, self.inner.settings.max_concurrent
                ),
            );
        }
        if let Some(ServerError(status)) = error.downcast_ref::<ServerError>() {
            return new(
                UpstreamErrorKind::Status(status.as_u16()),
                format_args!("{what} answered {status}"),
            );
        }
        if let Some(too_large) = error.downcast_ref::<TooLarge>() {
            return new(
                UpstreamErrorKind::Transport,
                format_args!("{what} {too_large}"),
            );
        }
        if let Some(reason) = super::trust::tls_reason(error.as_ref()) {
            return UpstreamError::tls(
                name,
                format_args!("{what} could not connect over TLS"),
                reason,
            );
        }
        let reason = match error.downcast_ref::<hyper_util::client::legacy::Error>() {
            Some(error) if error.is_connect() => "could not connect",
            _ => "failed",
        };
        new(
            UpstreamErrorKind::Transport,
            format_args!("{what} {reason}"),
        )
    }
}

/// One attempt: the request sent over `pool`, its whole answer read, up
/// to `max_bytes`. A 5xx is an error (retried, counted against the
/// breaker), its body left unread.
async fn exchange(
    pool: Pool,
    request: Request<Bytes>,
    max_bytes: usize,
) -> Result<Response<Bytes>, BoxError> {
    let response = pool.client().request(request.map(Full::new)).await?;
    let status = response.status();
    if status.is_server_error() {
        return Err(BoxError::from(ServerError(status)));
    }
    let (parts, body) = response.into_parts();
    let body = Limited::new(body, max_bytes)
        .collect()
        .await
        .map_err(|error| match error.downcast::<LengthLimitError>() {
            Ok(_) => BoxError::from(TooLarge(max_bytes)),
            Err(error) => error,
        })?
        .to_bytes();
    Ok(Response::from_parts(parts, body))
}

/// What a call was, for its messages: the method and the path, never the
/// host (messages may reach clients).
struct Called {
    method: Method,
    uri: Uri,
}

impl fmt::Display for Called {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.uri.path())
    }
}

fn outcome(kind: UpstreamErrorKind) -> &'static str {
    match kind {
        UpstreamErrorKind::Open => "open",
        UpstreamErrorKind::TimedOut => "timed_out",
        UpstreamErrorKind::Status(_) => "server_error",
        UpstreamErrorKind::Transport => "transport",
        UpstreamErrorKind::Tls => "tls",
    }
}

fn count(name: &SharedString, outcome: &'static str) {
    metrics::counter!("peregrine_upstream_calls_total", "upstream" => name.clone(), "outcome" => outcome)
        .increment(1);
}

impl fmt::Debug for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upstream")
            .field("name", &self.inner.name)
            .field("settings", &self.inner.settings)
            .field("open", &self.is_open())
            .finish_non_exhaustive()
    }
}

/// The span of one call of the service `name` (its traceparent is what
/// the call carries): a child of the load or route call making it.
fn backend_span(name: &str, request: &Request<Bytes>) -> tracing::Span {
    tracing::debug_span!(
        "backend",
        otel.kind = "client",
        service = %name,
        method = %request.method(),
        path = %request.uri().path(),
        status = Empty,
        error = Empty,
        otel.status_code = Empty,
    )
}
