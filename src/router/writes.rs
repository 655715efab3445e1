//! Writes that outlive their request: what a set or call handler uses to
//! write to a backend.
//!
//! A route handler is dropped at the request's deadline, and a request is
//! dropped when its client goes away. A backend write already sent may
//! then still be stored, and what must follow it (dropping the cached
//! value, so that every cache agrees with the service) must still happen.
//! So each write runs in a task of its own, with what follows it, and the
//! handler only waits for it.
//!
//! A set of many values writes them [`AT_ONCE`] at a time, starts none
//! past a cutoff shortly before the deadline, and answers by the cutoff
//! with each write's own outcome: done, or not known (still running, or
//! not started).

use std::future::Future;
use std::time::Duration;

use crate::router::{Context, HandlerError};
use crate::telemetry;
use futures::stream::{self, StreamExt};
use tokio::time::Instant;

/// How many writes of one set run at once: enough to finish a screenful
/// quickly, few enough to leave the service's other callers their share
/// of its connections.
pub const AT_ONCE: usize = 8;

/// How long before the request's deadline a set stops waiting (and
/// starting writes), so that it answers each path itself instead of the
/// router writing the deadline's error over all of them.
const MARGIN: Duration = Duration::from_millis(100);

/// What became of one write of [`each`].
#[derive(Debug)]
pub enum Outcome<T> {
    /// The write answered this.
    Done(T),
    /// It had not answered by the cutoff: it may be stored or not.
    Unknown,
}

/// Runs `write` in a task of its own and waits for it (see the module).
pub async fn detached<T: Send + 'static>(
    write: impl Future<Output = T> + Send + 'static,
) -> Result<T, HandlerError> {
    tokio::spawn(telemetry::carry(write))
        .await
        .map_err(|_| HandlerError::new("the write failed"))
}

/// Runs `write` on each of `items`, [`AT_ONCE`] at a time, in one task
/// that outlives the request, and answers each item's outcome in order.
/// With a deadline in `ctx`, no write starts past the cutoff and the
/// answer comes by it.
pub async fn each<I, T, F, Fut>(ctx: &Context, items: Vec<I>, write: F) -> Vec<Outcome<T>>
where
    I: Send + 'static,
    T: Send + 'static,
    F: Fn(I) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = T> + Send,
{
    let cutoff = ctx.deadline().map(|deadline| {
        Instant::from_std(deadline)
            .checked_sub(MARGIN)
            .unwrap_or_else(Instant::now)
    });
    let mut outcomes: Vec<Outcome<T>> = items.iter().map(|_| Outcome::Unknown).collect();
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(telemetry::carry(async move {
        let write = &write;
        stream::iter(items.into_iter().enumerate())
            .for_each_concurrent(AT_ONCE, |(index, item)| {
                let sender = sender.clone();
                let late = cutoff.is_some_and(|cutoff| Instant::now() >= cutoff);
                async move {
                    if !late {
                        // Nobody may be listening any more: the write
                        // stands all the same.
                        let _ = sender.send((index, write(item).await));
                    }
                }
            })
            .await;
    }));
    let collect = async {
        while let Some((index, done)) = receiver.recv().await {
            if let Some(outcome) = outcomes.get_mut(index) {
                *outcome = Outcome::Done(done);
            }
        }
    };
    match cutoff {
        Some(cutoff) => {
            let _ = tokio::time::timeout_at(cutoff, collect).await;
        }
        None => collect.await,
    }
    outcomes
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// Thirty writes of 400 ms each, 8 at a time, under a request whose
    /// deadline is 1 s away: their outcomes, and how many have finished.
    /// 0..8 end at 400 ms, 8..16 at 800, 16..24 start at 800 (before the
    /// cutoff at 900) and end at 1200, after it; 24..30 would start at 1200.
    async fn thirty_writes() -> (Vec<Outcome<u32>>, Arc<AtomicUsize>) {
        let deadline = std::time::Instant::now() + Duration::from_secs(1);
        let ctx = Context::new().with_deadline(deadline);
        let finished = Arc::new(AtomicUsize::new(0));
        let counted = finished.clone();
        let outcomes = each(&ctx, (0..30).collect(), move |item: u32| {
            let counted = counted.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(400)).await;
                counted.fetch_add(1, Ordering::SeqCst);
                item * 2
            }
        })
        .await;
        (outcomes, finished)
    }

    #[tokio::test(start_paused = true)]
    async fn writes_past_the_cutoff_are_unknown() {
        let (outcomes, _) = thirty_writes().await;
        let done: Vec<u32> = outcomes
            .iter()
            .filter_map(|outcome| match outcome {
                Outcome::Done(value) => Some(*value),
                Outcome::Unknown => None,
            })
            .collect();
        assert_eq!(done, (0..16).map(|item| item * 2).collect::<Vec<_>>());
    }

    #[tokio::test(start_paused = true)]
    async fn writes_started_before_the_cutoff_go_on_without_the_request() {
        let (_, finished) = thirty_writes().await;
        // The writes started before the cutoff finish after the answer;
        // none starts after it.
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert_eq!(finished.load(Ordering::SeqCst), 24);
    }
}
