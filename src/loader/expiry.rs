//! How long what a request read stays true: the earliest expiry of the
//! cached values its loads answered.
//!
//! [`watch`] runs a future (a request's routing) with a record beside it
//! (a tokio task-local, as traces are carried); every load started inside
//! it notes when the values it answered leave the cache. An answer built
//! only from those values is what a new request would get until the
//! earliest of them, unless a write changes one first (see
//! [`Writes`](super::Writes)).
//!
//! A load takes the record when it is started (`load_many` called), or
//! else when its future first runs: a load future spawned onto another
//! task still notes into the record it was started under, and one made
//! before the watch and run inside it notes too. A load started *and* run
//! inside a task that a handler spawned is not seen.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::time::Instant;

use super::Scope;

tokio::task_local! {
    static WATCHED: Watch;
}

/// A watched request's record, shared with the loads it starts.
#[derive(Clone)]
pub(super) struct Watch(Arc<Record>);

struct Record {
    /// The user the request is for: loads in another user's scope make
    /// an answer that is not only this user's.
    user: Option<Arc<str>>,
    read: Mutex<Reads>,
}

/// What the loads of a watched future read, for how long it stays true.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reads {
    earliest: Option<Instant>,
    loads: usize,
    unkept: bool,
    /// Whether a load read a user's data (in a user's scope).
    users: bool,
}

impl Reads {
    /// Until when every value loaded stays as it was read: the earliest
    /// expiry among them. `None` when a load read something no cache
    /// keeps (the loader's cache is off, the backend left a key out or
    /// failed, a write dropped the key meanwhile), something whose writes
    /// are not reported (a loader without [`Writes`](super::Writes)), or
    /// another user's data; or when nothing was loaded at all (the answer
    /// came from elsewhere, so nothing says how long it holds).
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

    /// Whether a load read a user's data: an answer holding it is that
    /// user's alone (HTTP caches: `private`).
    pub fn read_users_data(&self) -> bool {
        self.users
    }
}

/// Runs `future`, a request of `user` (or of nobody), noting the expiry
/// of every value its loads answer.
///
/// ```
/// use std::collections::HashMap;
/// use std::time::Duration;
/// use peregrine::loader::{expiry, Loader, Scope, Settings, Writes};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let settings = Settings::new("squares").cache(Duration::from_secs(60), 100);
/// let squares = Loader::new(settings, |_scope, keys: Vec<u64>| async move {
///     Ok(keys.into_iter().map(|k| (k, k * k)).collect::<HashMap<_, _>>())
/// })
/// .with_writes(&Writes::new());
/// let (nine, read) = expiry::watch(None, squares.load_one(Scope::shared(), 3)).await;
/// assert_eq!(nine, Ok(Some(9)));
/// assert!(read.until().is_some()); // cached for a minute
/// # }
/// ```
pub async fn watch<F: Future>(user: Option<&str>, future: F) -> (F::Output, Reads) {
    let watch = Watch(Arc::new(Record {
        user: user.map(Arc::from),
        read: Mutex::new(Reads::default()),
    }));
    let output = WATCHED.scope(watch.clone(), future).await;
    let reads = *watch.read();
    (output, reads)
}

/// Notes, for the watched request running this, a read from outside the
/// loaders: in `scope`, true until `until`, or (`None`) kept by no cache.
/// A remote router's answers are read so: the answer cache must not keep
/// an answer past what they say.
pub(crate) fn note_read(scope: &Scope, until: Option<Instant>) {
    if let Some(watch) = current() {
        match until {
            Some(until) => watch.noted(scope, until),
            None => watch.unkept(),
        }
    }
}

/// The record of the running future, if it is watched.
pub(super) fn current() -> Option<Watch> {
    WATCHED.try_with(Watch::clone).ok()
}

impl Watch {
    fn read(&self) -> std::sync::MutexGuard<'_, Reads> {
        // Only plain fields are written under the lock.
        self.0.read.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Notes a load in `scope` whose values stay cached until `expires`.
    pub(super) fn noted(&self, scope: &Scope, expires: Instant) {
        let foreign = scope
            .user_id()
            .is_some_and(|user| self.0.user.as_deref() != Some(user));
        let mut read = self.read();
        read.loads += 1;
        read.unkept |= foreign;
        read.users |= scope.user_id().is_some();
        read.earliest = Some(read.earliest.map_or(expires, |e| e.min(expires)));
    }

    /// Notes a load that read something no cache keeps.
    pub(super) fn unkept(&self) {
        let mut read = self.read();
        read.loads += 1;
        read.unkept = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn note(scope: &Scope, expires: Instant) {
        if let Some(watch) = current() {
            watch.noted(scope, expires);
        }
    }

    #[tokio::test]
    async fn the_earliest_expiry_wins() {
        let now = Instant::now();
        let soon = now + Duration::from_secs(5);
        let later = now + Duration::from_secs(60);
        let ((), read) = watch(Some("u1"), async {
            note(&Scope::shared(), later);
            note(&Scope::user("u1"), soon);
        })
        .await;
        assert_eq!(read.until(), Some(soon));
        assert_eq!(read.loads(), 2);
    }

    #[tokio::test]
    async fn anything_unkept_spoils_the_expiry() {
        let later = Instant::now() + Duration::from_secs(60);
        let ((), read) = watch(Some("u1"), async {
            note(&Scope::user("u1"), later);
            if let Some(watch) = current() {
                watch.unkept();
            }
        })
        .await;
        assert_eq!(read.until(), None);
    }

    #[tokio::test]
    async fn nothing_loaded_has_no_expiry() {
        let ((), read) = watch(Some("u1"), async {}).await;
        assert_eq!(read.until(), None, "nothing loaded: nothing says how long");
    }

    #[tokio::test]
    async fn another_users_data_is_not_kept_for_this_one() {
        let later = Instant::now() + Duration::from_secs(60);
        let ((), read) = watch(Some("u1"), async { note(&Scope::user("u2"), later) }).await;
        assert_eq!(read.until(), None);
        let ((), read) = watch(None, async { note(&Scope::user("u2"), later) }).await;
        assert_eq!(read.until(), None, "no user: only shared data");
    }

    #[tokio::test]
    async fn a_load_started_in_the_watch_notes_into_it_wherever_it_runs() {
        assert!(current().is_none());
        let later = Instant::now() + Duration::from_secs(60);
        let ((), read) = watch(None, async {
            let watch = current();
            tokio::spawn(async move {
                if let Some(watch) = watch {
                    watch.noted(&Scope::shared(), later);
                }
            })
            .await
            .expect("the task ends");
        })
        .await;
        assert_eq!(read.until(), Some(later));
    }
}
