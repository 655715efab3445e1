//! The latency and faults each call is given, so that the backend stands
//! for real microservices (CONTRACT.md §2, "Latency").
//!
//! A call sleeps `latency_ms + per_item_us * ids / 1000` ms; a `slow_rate`
//! fraction of calls sleeps `slow_ms` more, and a `fail_rate` fraction
//! answers 503 once its sleep is over (a failing service takes time too).
//! Which calls are slow or fail is drawn from a hash of the seed and the
//! call's number in the process, so a run with one client in sequence is
//! reproducible; concurrent clients share the numbers in arrival order.
//!
//! The rates can be changed while the backend runs (`PUT /_faults`), so
//! that a test or a demo can make a service fail and then recover.

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
    /// `f64` bits, changed by `PUT /_faults`.
    fail_rate: AtomicU64,
    /// `f64` bits.
    slow_rate: AtomicU64,
    slow_ms: AtomicU64,
    calls: AtomicU64,
}

/// The faults that can change while the backend runs: the body of `PUT
/// /_faults` (members left out keep their value) and the answer of `GET
/// /_faults`.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub(crate) struct Rates {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) fail_rate: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) slow_rate: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) slow_ms: Option<u64>,
}

impl Faults {
    pub(crate) fn new(settings: &Settings) -> Self {
        Faults {
            seed: settings.seed,
            latency_us: settings.latency_ms.saturating_mul(1000),
            per_item_us: settings.per_item_us,
            fail_rate: AtomicU64::new(settings.fail_rate.to_bits()),
            slow_rate: AtomicU64::new(settings.slow_rate.to_bits()),
            slow_ms: AtomicU64::new(settings.slow_ms),
            calls: AtomicU64::new(0),
        }
    }

    /// The rates now.
    pub(crate) fn rates(&self) -> Rates {
        Rates {
            fail_rate: Some(f64::from_bits(self.fail_rate.load(Ordering::Relaxed))),
            slow_rate: Some(f64::from_bits(self.slow_rate.load(Ordering::Relaxed))),
            slow_ms: Some(self.slow_ms.load(Ordering::Relaxed)),
        }
    }

    /// Changes the rates given; a rate outside `0..=1` is refused.
    pub(crate) fn set(&self, rates: Rates) -> Result<Rates, Error> {
        for (name, rate) in [
            ("fail_rate", rates.fail_rate),
            ("slow_rate", rates.slow_rate),
        ] {
            if let Some(rate) = rate {
                if !(0.0..=1.0).contains(&rate) {
                    return Err(Error::bad_request(format!(
                        "{name} must be from 0 to 1, not {rate}"
                    )));
                }
            }
        }
        if let Some(rate) = rates.fail_rate {
            self.fail_rate.store(rate.to_bits(), Ordering::Relaxed);
        }
        if let Some(rate) = rates.slow_rate {
            self.slow_rate.store(rate.to_bits(), Ordering::Relaxed);
        }
        if let Some(ms) = rates.slow_ms {
            self.slow_ms.store(ms, Ordering::Relaxed);
        }
        Ok(self.rates())
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
        let rate = |rate: &AtomicU64| f64::from_bits(rate.load(Ordering::Relaxed));
        if draw(0) < rate(&self.slow_rate) {
            delay += Duration::from_millis(self.slow_ms.load(Ordering::Relaxed));
        }
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        if draw(1) < rate(&self.fail_rate) {
            return Err(Error::injected());
        }
        Ok(())
    }
}
