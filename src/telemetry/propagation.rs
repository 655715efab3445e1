//! What goes along with a request to the services it calls: its W3C
//! `traceparent` (the calling span, when tracing is on) and its
//! `x-request-id`.
//!
//! The request id lives in a task-local [`Origin`] that the HTTP layer
//! sets around each request ([`Origin::within`]); work a request hands to
//! a task of its own (a loader's batch, a write that outlives the
//! request) takes it along with [`carry`], together with the span it was
//! started from. A batch shared by several requests carries the id and
//! trace of the request that fired it.

use std::future::Future;

use http::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The request a piece of work is done for.
#[derive(Debug, Clone)]
pub struct Origin {
    request_id: Option<HeaderValue>,
}

tokio::task_local! {
    static ORIGIN: Origin;
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

impl Origin {
    /// The origin of a request with this `x-request-id` (none: calls
    /// carry no id).
    pub fn new(request_id: Option<HeaderValue>) -> Origin {
        Origin { request_id }
    }

    /// Runs `work` as done for this origin.
    pub async fn within<F: Future>(self, work: F) -> F::Output {
        ORIGIN.scope(self, work).await
    }

    /// The origin of the work running now, if it has one.
    pub fn current() -> Option<Origin> {
        ORIGIN.try_with(Origin::clone).ok()
    }

    /// Runs `work` as done for `origin`, if there is one.
    pub async fn maybe_within<F: Future>(origin: Option<Origin>, work: F) -> F::Output {
        match origin {
            Some(origin) => origin.within(work).await,
            None => work.await,
        }
    }
}

/// `work`, made to run in another task as part of the current request:
/// under the current span and with the current [`Origin`].
pub fn carry<F: Future>(work: F) -> impl Future<Output = F::Output> {
    let span = tracing::Span::current();
    Origin::maybe_within(Origin::current(), work.instrument(span))
}

/// Adds the `traceparent` of `span` (when tracing is on and it is being
/// traced) and the current request's `x-request-id` (unless the call
/// already has one) to a call's `headers`.
pub fn inject(headers: &mut HeaderMap, span: &tracing::Span) {
    if super::is_on() && !span.is_none() {
        TraceContextPropagator::new().inject_context(&span.context(), &mut Headers(headers));
    }
    if headers.contains_key(REQUEST_ID) {
        return;
    }
    let id = ORIGIN
        .try_with(|origin| origin.request_id.clone())
        .ok()
        .flatten();
    if let Some(id) = id {
        headers.insert(REQUEST_ID, id);
    }
}

/// Makes `span` (just made, not yet entered) the child of the trace the
/// caller sent in its `traceparent`, if it sent a valid one. Nothing
/// when tracing is off.
pub fn adopt(span: &tracing::Span, headers: &HeaderMap) {
    if !super::is_on() || !headers.contains_key("traceparent") {
        return;
    }
    let parent = TraceContextPropagator::new().extract(&ReadHeaders(headers));
    // Only fails for a span tracing does not record.
    let _ = span.set_parent(parent);
}

/// The id of the trace `span` belongs to, as hex, when it is traced.
pub fn trace_id(span: &tracing::Span) -> Option<String> {
    use opentelemetry::trace::TraceContextExt;
    if !super::is_on() {
        return None;
    }
    let context = span.context();
    let span_context = context.span().span_context().clone();
    span_context
        .is_valid()
        .then(|| span_context.trace_id().to_string())
}

/// A header map as the propagator's carrier.
struct Headers<'a>(&'a mut HeaderMap);

impl Injector for Headers<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(key.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

/// A header map as the propagator's source.
struct ReadHeaders<'a>(&'a HeaderMap);

impl Extractor for ReadHeaders<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }
}
