//! The latency and faults each call is given, so that the backend stands
//! for real microservices (CONTRACT.md §2, "Latency").
//!
//! A call sleeps `latency_ms + per_item_us * ids / 1000` ms; a `slow_rate`
//! fraction of calls sleeps `slow_ms` more, and a `fail_rate` fraction
//! answers 503 once its sleep is over (a failing service takes time too).
//! Which calls are slow or fail is drawn from a hash of the seed and the
//! call's number in the process, so a run with one client in sequence is
//! reproducible; concurrent clients share the numbers in arrival order.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::random::{hash, unit};
use super::service::Error;
use super::Settings;

/// Keeps the fault draws apart from the data's streams.
const STREAM: u64 = 6;

/// The latency and fault settings, and the count of calls drawn so far.
#[derive(Debug)]
pub(crate) struct Faults {
    seed: u64,
    latency_us: u64,
    per_item_us: u64,
    fail_rate: f64,
    slow_rate: f64,
    slow: Duration,
    calls: AtomicU64,
}

impl Faults {
    pub(crate) fn new(settings: &Settings) -> Self {
        Faults {
            seed: settings.seed,
            latency_us: settings.latency_ms.saturating_mul(1000),
            per_item_us: settings.per_item_us,
            fail_rate: settings.fail_rate,
            slow_rate: settings.slow_rate,
            slow: Duration::from_millis(settings.slow_ms),
            calls: AtomicU64::new(0),
        }
    }

    /// Sleeps as long as a call asking for `items` ids takes, then fails
    /// it with 503 if it is one of the `fail_rate` fraction.
    pub(crate) async fn apply(&self, items: usize) -> Result<(), Error> {
        let call = self.calls.fetch_add(1, Ordering::Relaxed);
        let draw = |which: u64| unit(hash(&[self.seed, STREAM, call, which]));
        let mut delay = Duration::from_micros(
            self.latency_us
                .saturating_add(self.per_item_us.saturating_mul(items as u64)),
        );
        if draw(0) < self.slow_rate {
            delay += self.slow;
        }
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        if draw(1) < self.fail_rate {
            return Err(Error::injected());
        }
        Ok(())
    }
}
