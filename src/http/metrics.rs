//! Prometheus metrics: requests by method and outcome, latency, requests
//! in flight, router waves and route calls per request.

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::router::Stats;

/// How often the recorder folds the histogram samples recorded since into
/// its buckets. Until then each sample is kept, so without this a server
/// nobody scrapes would keep every request's timings (at 15,000 requests
/// a second, megabytes every few seconds).
const UPKEEP_EVERY: Duration = Duration::from_secs(1);

/// The process's Prometheus recorder, installed on first use, with a
/// thread that runs its upkeep. If another recorder was installed first,
/// `/metrics` renders an empty page.
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Suffix("duration_seconds".to_owned()),
                &[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ],
            )
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Prefix("peregrine_router_".to_owned()),
                    &[1.0, 2.0, 3.0, 4.0, 5.0, 8.0, 13.0, 21.0, 34.0, 55.0],
                )
            });
        let recorder = match builder {
            Ok(builder) => builder.build_recorder(),
            Err(_) => PrometheusBuilder::new().build_recorder(),
        };
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed: /metrics will be empty");
            return handle;
        }
        // A thread rather than a task: the recorder is process-wide, and
        // may be made before (or outlive) any runtime.
        let upkeep = handle.clone();
        let spawned = std::thread::Builder::new()
            .name("metrics-upkeep".to_owned())
            .spawn(move || loop {
                std::thread::sleep(UPKEEP_EVERY);
                upkeep.run_upkeep();
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "no metrics upkeep thread: histogram samples are folded only when /metrics is read");
        }
        handle
    })
}

/// Makes sure the recorder exists before the first request.
pub(crate) fn install() {
    handle();
}

/// `GET /metrics`: the Prometheus text format.
pub(crate) async fn render() -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        handle().render(),
    )
}

/// Counts a request in flight for as long as it lives.
pub(crate) struct InFlight;

impl InFlight {
    pub(crate) fn start() -> InFlight {
        metrics::gauge!("peregrine_requests_in_flight").increment(1.0);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::gauge!("peregrine_requests_in_flight").decrement(1.0);
    }
}

/// Records a finished JSON Graph request.
pub(crate) fn request_done(method: &'static str, outcome: &'static str, took: Duration) {
    metrics::counter!("peregrine_requests_total", "method" => method, "outcome" => outcome)
        .increment(1);
    metrics::histogram!("peregrine_request_duration_seconds", "method" => method)
        .record(took.as_secs_f64());
}

/// Records a request shed by the concurrency limit.
pub(crate) fn request_shed() {
    metrics::counter!("peregrine_requests_total", "method" => "unknown", "outcome" => "shed")
        .increment(1);
}

/// Records what the router did for one request.
pub(crate) fn router_done(stats: &Stats) {
    metrics::histogram!("peregrine_router_waves").record(stats.waves() as f64);
    metrics::histogram!("peregrine_router_route_calls").record(stats.route_calls() as f64);
}
