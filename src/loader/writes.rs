//! `Writes`: where loaders tell that a cached value changed, for what is
//! built on top of their values (the server's answer cache).
//!
//! A loader given a `Writes` ([`Loader::with_writes`](super::Loader::with_writes))
//! reports each [`prime`](super::Loader::prime),
//! [`invalidate`](super::Loader::invalidate) and
//! [`invalidate_scope`](super::Loader::invalidate_scope), and each write
//! notice from another instance, after its own cache holds the change. A
//! report bumps the epoch and then calls every hook with the scope written.
//!
//! The epoch lets a reader built on loaded values keep what it built only
//! if no write happened meanwhile: read the epoch, load, keep the result,
//! then read the epoch again and drop the result if it moved. A write
//! that lands before the second read is seen there; one that lands after
//! it runs the hooks after the result is kept, and the hooks drop it.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use super::Scope;

/// A hook called with the scope of each write.
type Hook = Arc<dyn Fn(&Scope) + Send + Sync>;

/// Where loaders report writes. Cloning is cheap; clones share the epoch
/// and hooks.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use peregrine::loader::{Scope, Writes};
///
/// let writes = Writes::new();
/// let heard = Arc::new(Mutex::new(Vec::new()));
/// let log = heard.clone();
/// writes.on_write(move |scope| log.lock().unwrap().push(scope.clone()));
/// let before = writes.epoch();
/// writes.wrote(&Scope::user("u17"));
/// assert_ne!(writes.epoch(), before);
/// assert_eq!(*heard.lock().unwrap(), vec![Scope::user("u17")]);
/// ```
#[derive(Clone, Default)]
pub struct Writes {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    epoch: AtomicU64,
    hooks: RwLock<Vec<Hook>>,
}

impl Writes {
    /// No writes yet, and no hooks.
    pub fn new() -> Writes {
        Writes::default()
    }

    /// A number that changes with every write.
    pub fn epoch(&self) -> u64 {
        self.inner.epoch.load(Ordering::SeqCst)
    }

    /// Calls `hook` with the scope of every write from now on (the
    /// shared scope: a write everyone may read).
    pub fn on_write(&self, hook: impl Fn(&Scope) + Send + Sync + 'static) {
        self.inner
            .hooks
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Arc::new(hook));
    }

    /// Reports a write in `scope`, once the loader's own cache holds it:
    /// bumps the epoch, then calls the hooks.
    pub fn wrote(&self, scope: &Scope) {
        self.inner.epoch.fetch_add(1, Ordering::SeqCst);
        let hooks = self
            .inner
            .hooks
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for hook in hooks {
            hook(scope);
        }
    }
}

impl fmt::Debug for Writes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Writes")
            .field("epoch", &self.epoch())
            .finish_non_exhaustive()
    }
}
