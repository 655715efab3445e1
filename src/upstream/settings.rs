//! How an upstream is guarded, with safe defaults.

use std::time::Duration;

/// The guards of one upstream. The defaults are Hystrix's where it has
/// one (1 s timeout, the breaker's 20 calls / 10 s / 50 % / 5 s).
///
/// ```
/// use std::time::Duration;
/// use peregrine::upstream::Settings;
///
/// let settings = Settings::default();
/// assert_eq!(settings.timeout, Duration::from_secs(1));
/// assert_eq!(settings.max_concurrent, 32);
/// assert_eq!(settings.breaker.min_calls, 20);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// How long one attempt may take (default 1 s).
    pub timeout: Duration,
    /// How many calls may be in flight at once (default 32); past that a
    /// call waits for a slot, within `timeout` × (1 + `retries`) for the
    /// whole call.
    pub max_concurrent: usize,
    /// How many more attempts an idempotent read may make after a
    /// failure (default 1; 0 turns retries off).
    pub retries: u32,
    /// The retry budget: the share of calls that may be retried (default
    /// 0.2), on top of [`Settings::retry_floor`].
    pub retry_ratio: f32,
    /// Retries per second always allowed, however few calls there are
    /// (default 10).
    pub retry_floor: u32,
    /// The circuit breaker.
    pub breaker: BreakerSettings,
    /// The most bytes one answer may have (default 8 MiB): reading stops
    /// past it and the call fails, so that one service cannot exhaust the
    /// server's memory.
    pub max_answer_bytes: usize,
}

/// When the circuit breaker opens and how long it stays open.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakerSettings {
    /// The window calls are counted over (default 10 s; whole seconds).
    pub window: Duration,
    /// How many calls the window must hold before the breaker may open
    /// (default 20).
    pub min_calls: u32,
    /// The share of failed calls that opens it (default 0.5).
    pub failure_ratio: f64,
    /// How long it stays open before a trial call (default 5 s).
    pub open_for: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            timeout: Duration::from_secs(1),
            max_concurrent: 32,
            retries: 1,
            retry_ratio: 0.2,
            retry_floor: 10,
            breaker: BreakerSettings::default(),
            max_answer_bytes: 8 << 20,
        }
    }
}

impl Default for BreakerSettings {
    fn default() -> BreakerSettings {
        BreakerSettings {
            window: Duration::from_secs(10),
            min_calls: 20,
            failure_ratio: 0.5,
            open_for: Duration::from_secs(5),
        }
    }
}
