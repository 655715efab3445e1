//! `Settings`: how a loader batches and caches.

use std::time::Duration;

use metrics::SharedString;

/// How one loader batches its backend operation, and whether it caches
/// what the operation answers.
///
/// ```
/// use std::time::Duration;
/// use peregrine::loader::Settings;
///
/// let settings = Settings::new("videos").max_batch_size(100).window(Duration::from_micros(500));
/// assert_eq!(settings.name(), "videos");
/// ```
#[derive(Clone, Debug)]
pub struct Settings {
    pub(super) name: SharedString,
    pub(super) tier_key: Option<SharedString>,
    pub(super) max_batch_size: usize,
    pub(super) window: Duration,
    pub(super) yields: usize,
    pub(super) user_scoped: bool,
    pub(super) timeout: Option<Duration>,
    pub(super) cache: Option<CacheLimits>,
    pub(super) caching: bool,
}

/// A loader's cache: how long entries live and how much they may weigh.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CacheLimits {
    pub(crate) ttl: Duration,
    pub(crate) max_weight: u64,
}

impl Settings {
    /// Settings for the loader of one backend operation, named in metrics
    /// (`loader` label). Defaults: batches of at most 100 keys, no window
    /// (coalesce what arrives within [`Settings::yields`] yields), shared
    /// scope allowed, no timeout.
    pub fn new(name: impl Into<SharedString>) -> Settings {
        Settings {
            name: name.into(),
            tier_key: None,
            max_batch_size: 100,
            window: Duration::ZERO,
            yields: 2,
            user_scoped: false,
            timeout: None,
            cache: None,
            caching: true,
        }
    }

    /// The name its values are kept and its writes announced under in
    /// the Redis tier (default: its name). Give two versions of one
    /// loader that read different values different keys: during a
    /// rollout, neither then reads the other's entries.
    pub fn tier_key(mut self, key: impl Into<SharedString>) -> Settings {
        self.tier_key = Some(key.into());
        self
    }

    /// The name of its entries in the Redis tier.
    pub(super) fn tier_name(&self) -> &SharedString {
        self.tier_key.as_ref().unwrap_or(&self.name)
    }

    /// The most keys one backend call is asked for; more are split into
    /// several calls. Zero counts as one.
    pub fn max_batch_size(mut self, size: usize) -> Settings {
        self.max_batch_size = size.max(1);
        self
    }

    /// How long a batch waits for more keys after its first one, so that
    /// concurrent requests coalesce. Zero (the default) means the batch
    /// fires after [`Settings::yields`] yields of the task that asked:
    /// every handler of a router wave has enqueued by then.
    pub fn window(mut self, window: Duration) -> Settings {
        self.window = window;
        self
    }

    /// How many times a caller yields to its runtime before firing its
    /// batch, when the window is zero (default 2).
    pub fn yields(mut self, yields: usize) -> Settings {
        self.yields = yields;
        self
    }

    /// Declares the operation user-scoped: its answers depend on the user,
    /// so loads in [`Scope::Shared`](super::Scope::Shared) are refused.
    pub fn user_scoped(mut self) -> Settings {
        self.user_scoped = true;
        self
    }

    /// A deadline for each backend call; a call that passes it fails its
    /// keys with a timed-out [`LoadError`](super::LoadError).
    pub fn timeout(mut self, timeout: Duration) -> Settings {
        self.timeout = Some(timeout);
        self
    }

    /// Caches each value the backend answers, in the scope it was loaded
    /// in, for `ttl` after it was fetched (or primed), in at most
    /// `max_weight` of weight: an entry weighs 1 unless the loader was
    /// built with [`Loader::with_weigher`](super::Loader::with_weigher).
    /// Past the bound the entries read least are evicted (S3-FIFO). Errors
    /// and keys the backend left out are not cached.
    ///
    /// Off unless set. A zero `ttl` or `max_weight` means no cache.
    ///
    /// ```
    /// use std::time::Duration;
    /// use peregrine::loader::Settings;
    ///
    /// let settings = Settings::new("videos").cache(Duration::from_secs(60), 10_000);
    /// assert_eq!(settings.cache_ttl(), Some(Duration::from_secs(60)));
    /// assert_eq!(settings.caching(false).cache_ttl(), None);
    /// ```
    pub fn cache(mut self, ttl: Duration, max_weight: u64) -> Settings {
        self.cache = (!ttl.is_zero() && max_weight > 0).then_some(CacheLimits { ttl, max_weight });
        self
    }

    /// The server-wide switch: `false` turns the cache off whatever
    /// [`Settings::cache`] says, so every load calls the backend (batching
    /// and in-flight sharing stay). The server passes its one setting to
    /// every loader it builds; there is no process-global state, so loaders
    /// of different servers (or tests) do not affect each other.
    pub fn caching(mut self, enabled: bool) -> Settings {
        self.caching = enabled;
        self
    }

    /// How long cached entries live, or `None` when the loader does not
    /// cache (never set, or switched off).
    pub fn cache_ttl(&self) -> Option<Duration> {
        self.active_cache().map(|cache| cache.ttl)
    }

    /// The most weight the cache may hold, or `None` when the loader does
    /// not cache.
    pub fn cache_max_weight(&self) -> Option<u64> {
        self.active_cache().map(|cache| cache.max_weight)
    }

    pub(super) fn active_cache(&self) -> Option<CacheLimits> {
        self.cache.filter(|_| self.caching)
    }

    /// The loader's name, as in metrics.
    pub fn name(&self) -> &str {
        &self.name
    }
}
