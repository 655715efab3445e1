//! The circuit breaker of an upstream: `failsafe`'s state machine with
//! Hystrix's policy (the share of failed calls in a rolling window, once
//! the window holds enough calls), and an instrument that logs and
//! measures its changes.
//!
//! failsafe's own `success_rate_over_time_window` was tried first and does
//! not fit: its success rate is a moving average weighted by the time
//! between calls, so a burst of failures within a millisecond barely moves
//! it, and it cannot open before a whole window has passed since start.
//! The policy here counts calls in failsafe's `WindowedAdder` slices.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use std::time::Duration;

use failsafe::{FailurePolicy, Instrument, StateMachine, WindowedAdder};
use metrics::SharedString;

use super::settings::BreakerSettings;

/// One upstream's breaker. Cloning shares it.
#[derive(Clone)]
pub(crate) struct Breaker {
    machine: StateMachine<FailureRatio, Changes>,
    open: Arc<AtomicBool>,
}

impl Breaker {
    pub(crate) fn new(name: SharedString, settings: &BreakerSettings) -> Breaker {
        let policy = FailureRatio::new(settings);
        let open = Arc::new(AtomicBool::new(false));
        let machine = failsafe::Config::new()
            .failure_policy(policy)
            .instrument(Changes {
                name,
                open: open.clone(),
                tripped: AtomicBool::new(false),
            })
            .build();
        Breaker { machine, open }
    }

    /// Whether a call may go through now (closed, or a trial call when
    /// half open).
    pub(crate) fn permits(&self) -> bool {
        self.machine.is_call_permitted()
    }

    /// Whether the breaker is open (calls fail at once).
    pub(crate) fn is_open(&self) -> bool {
        self.open.load(Ordering::Relaxed)
    }

    pub(crate) fn record(&self, success: bool) {
        if success {
            self.machine.on_success();
        } else {
            self.machine.on_error();
        }
    }
}

/// Opens when, over the rolling window, at least `min_calls` calls were
/// made and at least `failure_ratio` of them failed; stays open for
/// `open_for`.
struct FailureRatio {
    calls: WindowedAdder,
    failures: WindowedAdder,
    min_calls: i64,
    failure_ratio: f64,
    open_for: Duration,
}

impl FailureRatio {
    fn new(settings: &BreakerSettings) -> FailureRatio {
        // Ten slices, as Hystrix's rolling window has ten buckets.
        let window = settings.window.max(Duration::from_millis(10));
        FailureRatio {
            calls: WindowedAdder::new(window, 10),
            failures: WindowedAdder::new(window, 10),
            min_calls: i64::from(settings.min_calls.max(1)),
            failure_ratio: settings.failure_ratio.clamp(0.0, 1.0),
            open_for: settings.open_for,
        }
    }
}

impl FailurePolicy for FailureRatio {
    fn record_success(&mut self) {
        self.calls.add(1);
    }

    fn mark_dead_on_failure(&mut self) -> Option<Duration> {
        self.calls.add(1);
        self.failures.add(1);
        let calls = self.calls.sum();
        let failures = self.failures.sum();
        let open = calls >= self.min_calls && failures as f64 >= self.failure_ratio * calls as f64;
        open.then_some(self.open_for)
    }

    fn revived(&mut self) {
        self.calls.reset();
        self.failures.reset();
    }
}

/// Logs each change of state and keeps `peregrine_upstream_breaker_open`.
struct Changes {
    name: SharedString,
    open: Arc<AtomicBool>,
    /// Whether the breaker has opened since it was last closed: failsafe
    /// reports a new breaker as closed, which is no news to log.
    tripped: AtomicBool,
}

impl Instrument for Changes {
    fn on_call_rejected(&self) {}

    fn on_open(&self) {
        self.open.store(true, Ordering::Relaxed);
        self.tripped.store(true, Ordering::Relaxed);
        tracing::warn!(upstream = %self.name, "circuit breaker open: calls fail at once until a trial call succeeds");
        metrics::gauge!("peregrine_upstream_breaker_open", "upstream" => self.name.clone())
            .set(1.0);
    }

    fn on_half_open(&self) {
        self.open.store(false, Ordering::Relaxed);
        tracing::info!(upstream = %self.name, "circuit breaker half open: a trial call goes through");
    }

    fn on_closed(&self) {
        self.open.store(false, Ordering::Relaxed);
        if self.tripped.swap(false, Ordering::Relaxed) {
            tracing::info!(upstream = %self.name, "circuit breaker closed: the upstream answers again");
        }
        metrics::gauge!("peregrine_upstream_breaker_open", "upstream" => self.name.clone())
            .set(0.0);
    }
}
