//! The circuit breaker of an upstream: `failsafe`'s state machine with a
//! success-rate policy over a time window, and an instrument that logs
//! and measures its changes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use failsafe::backoff::{self, Constant};
use failsafe::failure_policy::{self, SuccessRateOverTimeWindow};
use failsafe::{Instrument, StateMachine};
use metrics::SharedString;

use super::settings::BreakerSettings;

/// One upstream's breaker. Cloning shares it.
#[derive(Clone)]
pub(super) struct Breaker {
    machine: StateMachine<SuccessRateOverTimeWindow<Constant>, Changes>,
    open: Arc<AtomicBool>,
}

impl Breaker {
    pub(super) fn new(name: SharedString, settings: &BreakerSettings) -> Breaker {
        let required_success = (1.0 - settings.failure_ratio).clamp(0.0, 1.0);
        let policy = failure_policy::success_rate_over_time_window(
            required_success,
            settings.min_calls,
            settings.window,
            backoff::constant(settings.open_for),
        );
        let open = Arc::new(AtomicBool::new(false));
        let machine = failsafe::Config::new()
            .failure_policy(policy)
            .instrument(Changes {
                name,
                open: open.clone(),
            })
            .build();
        Breaker { machine, open }
    }

    /// Whether a call may go through now (closed, or a trial call when
    /// half open).
    pub(super) fn permits(&self) -> bool {
        self.machine.is_call_permitted()
    }

    /// Whether the breaker is open (calls fail at once).
    pub(super) fn is_open(&self) -> bool {
        self.open.load(Ordering::Relaxed)
    }

    pub(super) fn record(&self, success: bool) {
        if success {
            self.machine.on_success();
        } else {
            self.machine.on_error();
        }
    }
}

/// Logs each change of state and keeps `peregrine_upstream_breaker_open`.
struct Changes {
    name: SharedString,
    open: Arc<AtomicBool>,
}

impl Instrument for Changes {
    fn on_call_rejected(&self) {}

    fn on_open(&self) {
        self.open.store(true, Ordering::Relaxed);
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
        tracing::info!(upstream = %self.name, "circuit breaker closed: the upstream answers again");
        metrics::gauge!("peregrine_upstream_breaker_open", "upstream" => self.name.clone())
            .set(0.0);
    }
}
