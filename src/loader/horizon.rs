//! How long what a request read stays true: the earliest expiry of the
//! cached values its loads answered.
//!
//! [`watch`] runs a future (a request's routing) with a record beside it
//! (a tokio task-local, as traces are carried); every load made inside it
//! notes when the values it answered leave the cache. An answer built only
//! from those values is what a new request would get until the earliest of
//! them, unless a write changes one first (see [`Writes`](super::Writes)).

use std::cell::Cell;
use std::future::Future;

use tokio::time::Instant;

tokio::task_local! {
    static WATCHED: Record;
}

/// What loads noted while watched.
#[derive(Default)]
struct Record {
    earliest: Cell<Option<Instant>>,
    loads: Cell<usize>,
    unkept: Cell<bool>,
}

/// What the loads of a watched future read, for how long it stays true.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Horizon {
    earliest: Option<Instant>,
    loads: usize,
    unkept: bool,
}

impl Horizon {
    /// Until when every value loaded stays as it was read: the earliest
    /// expiry among them. `None` when a load read something no cache
    /// keeps (the loader's cache is off, the backend left a key out or
    /// failed, a write dropped the key meanwhile), or when nothing was
    /// loaded at all (the answer came from elsewhere, so nothing says how
    /// long it holds).
    pub fn until(&self) -> Option<Instant> {
        if self.unkept || self.loads == 0 {
            return None;
        }
        self.earliest
    }

    /// How many loads noted values.
    pub fn loads(&self) -> usize {
        self.loads
    }
}

/// Runs `future`, noting the expiry of every value its loads answer.
///
/// ```
/// use std::collections::HashMap;
/// use std::time::Duration;
/// use peregrine::loader::{horizon, Loader, Scope, Settings};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let settings = Settings::new("squares").cache(Duration::from_secs(60), 100);
/// let squares = Loader::new(settings, |_scope, keys: Vec<u64>| async move {
///     Ok(keys.into_iter().map(|k| (k, k * k)).collect::<HashMap<_, _>>())
/// });
/// let (nine, read) = horizon::watch(squares.load_one(Scope::shared(), 3)).await;
/// assert_eq!(nine, Ok(Some(9)));
/// assert!(read.until().is_some()); // cached for a minute
/// # }
/// ```
pub async fn watch<F: Future>(future: F) -> (F::Output, Horizon) {
    WATCHED
        .scope(Record::default(), async move {
            let output = future.await;
            let horizon = WATCHED.with(|record| Horizon {
                earliest: record.earliest.get(),
                loads: record.loads.get(),
                unkept: record.unkept.get(),
            });
            (output, horizon)
        })
        .await
}

/// Whether the running future is watched (so loads need not look up
/// expiries otherwise).
pub(super) fn watched() -> bool {
    WATCHED.try_with(|_| ()).is_ok()
}

/// Notes a load whose values stay cached until `expires`.
pub(super) fn noted(expires: Instant) {
    let _ = WATCHED.try_with(|record| {
        record.loads.set(record.loads.get() + 1);
        let earliest = record.earliest.get().map_or(expires, |e| e.min(expires));
        record.earliest.set(Some(earliest));
    });
}

/// Notes a load that read something no cache keeps.
pub(super) fn unkept() {
    let _ = WATCHED.try_with(|record| {
        record.loads.set(record.loads.get() + 1);
        record.unkept.set(true);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn the_earliest_expiry_wins_and_anything_unkept_spoils_it() {
        let now = Instant::now();
        let soon = now + Duration::from_secs(5);
        let later = now + Duration::from_secs(60);
        let ((), read) = watch(async {
            noted(later);
            noted(soon);
        })
        .await;
        assert_eq!(read.until(), Some(soon));
        assert_eq!(read.loads(), 2);

        let ((), read) = watch(async {
            noted(later);
            unkept();
        })
        .await;
        assert_eq!(read.until(), None);

        let ((), read) = watch(async {}).await;
        assert_eq!(read.until(), None, "nothing loaded: nothing says how long");
    }

    #[tokio::test]
    async fn outside_a_watch_nothing_is_noted() {
        assert!(!watched());
        noted(Instant::now());
        unkept();
        let (inside, _) = watch(async { watched() }).await;
        assert!(inside);
    }
}
