//! The bounded span queue: spans wait here for the batch processor to
//! export them, at most so many at once; past that they are dropped and
//! counted, so that a slow or absent collector costs spans, never a
//! request's time or the server's memory.
//!
//! The SDK's batch processor drops spans when its own queue is full but
//! only says how many at shutdown. So a [`Counted`] processor in front of
//! it admits a span only while fewer than the capacity are queued or
//! being exported, and the [`Counting`] exporter behind it lets them go
//! once exported (or failed): the processor's own queue, no larger, never
//! fills, and every span lost is counted in
//! `peregrine_trace_spans_dropped_total{reason}` (`queue_full` or
//! `export_failed`), every span sent in
//! `peregrine_trace_spans_exported_total`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use opentelemetry::Context;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanExporter, SpanProcessor};
use opentelemetry_sdk::Resource;

use crate::upstream::Warnings;

/// Spans queued or being exported, out of a capacity.
#[derive(Debug)]
pub(super) struct Queue {
    held: AtomicUsize,
    capacity: usize,
    warnings: Warnings,
}

impl Queue {
    /// A queue holding at most `capacity` spans.
    pub(super) fn new(capacity: usize) -> Arc<Queue> {
        Arc::new(Queue {
            held: AtomicUsize::new(0),
            capacity,
            warnings: Warnings::default(),
        })
    }

    /// Takes a place for one span; false (and counted) when full.
    fn admit(&self) -> bool {
        let admitted = self
            .held
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |held| {
                (held < self.capacity).then_some(held + 1)
            })
            .is_ok();
        if !admitted {
            dropped("queue_full", 1);
        }
        admitted
    }

    /// Gives back the places of `spans` spans.
    fn release(&self, spans: usize) {
        let _ = self
            .held
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |held| {
                Some(held.saturating_sub(spans))
            });
    }
}

fn dropped(reason: &'static str, spans: usize) {
    metrics::counter!("peregrine_trace_spans_dropped_total", "reason" => reason)
        .increment(spans as u64);
}

/// A span processor admitting spans to `inner` only while its [`Queue`]
/// has room.
#[derive(Debug)]
pub(super) struct Counted<P> {
    pub(super) inner: P,
    pub(super) queue: Arc<Queue>,
}

impl<P: SpanProcessor> SpanProcessor for Counted<P> {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        self.inner.on_start(span, cx);
    }

    fn on_end(&self, span: SpanData) {
        if self.queue.admit() {
            self.inner.on_end(span);
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

/// An exporter giving back each batch's places in its [`Queue`] and
/// counting what it sent and what it lost.
#[derive(Debug)]
pub(super) struct Counting<E> {
    pub(super) inner: E,
    pub(super) queue: Arc<Queue>,
}

impl<E: SpanExporter> SpanExporter for Counting<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let spans = batch.len();
        let exported = self.inner.export(batch).await;
        self.queue.release(spans);
        match &exported {
            Ok(()) => {
                metrics::counter!("peregrine_trace_spans_exported_total").increment(spans as u64)
            }
            Err(error) => {
                dropped("export_failed", spans);
                match self.queue.warnings.admit() {
                    Some(unwritten) => tracing::warn!(
                        %error,
                        spans,
                        unwritten,
                        "spans could not be sent to the OpenTelemetry collector: they are dropped"
                    ),
                    None => tracing::debug!(%error, spans, "span export failed"),
                }
            }
        }
        exported
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_refuses_until_places_are_given_back() {
        let queue = Queue::new(2);
        assert!(queue.admit());
        assert!(queue.admit());
        assert!(!queue.admit(), "the third span is dropped");
        queue.release(2);
        assert!(queue.admit());
        queue.release(5);
        assert!(queue.admit(), "giving back more than held leaves it empty");
    }
}
