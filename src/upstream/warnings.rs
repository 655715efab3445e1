//! `Warnings`: one upstream's failed calls in the log, at most one line
//! per interval.
//!
//! A failing service under load fails thousands of calls a second until
//! its breaker opens; a line per call buried the log (5,000 to 8,000
//! lines in under 2 s). Each line that is written says how many failures
//! went unwritten since the one before, so nothing is hidden, only
//! counted; every failure is still in `peregrine_upstream_calls_total`.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// How often an upstream's failures may be written to the log.
pub(crate) const INTERVAL: Duration = Duration::from_secs(10);

/// When the last line was written, and how many failures were not.
#[derive(Debug, Default)]
pub(crate) struct Warnings {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    last: Option<Instant>,
    unwritten: u64,
}

impl Warnings {
    /// Notes a failure: `Some(n)` when it is to be written now, `n` being
    /// the failures left unwritten since the last line; `None` when it is
    /// only counted.
    pub(crate) fn admit(&self) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        match state.last {
            Some(last) if now.duration_since(last) < INTERVAL => {
                state.unwritten += 1;
                None
            }
            _ => {
                state.last = Some(now);
                Some(std::mem::take(&mut state.unwritten))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn one_line_per_interval_says_how_many_were_not_written() {
        let warnings = Warnings::default();
        assert_eq!(warnings.admit(), Some(0), "the first failure is written");
        for _ in 0..4999 {
            assert_eq!(warnings.admit(), None);
        }
        tokio::time::advance(INTERVAL).await;
        assert_eq!(warnings.admit(), Some(4999));
        assert_eq!(warnings.admit(), None);
        tokio::time::advance(INTERVAL * 3).await;
        assert_eq!(warnings.admit(), Some(1));
    }
}
