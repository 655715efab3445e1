//! `Settings`: how a loader batches.

use std::time::Duration;

use metrics::SharedString;

/// How one loader batches its backend operation.
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
    pub(super) max_batch_size: usize,
    pub(super) window: Duration,
    pub(super) yields: usize,
    pub(super) user_scoped: bool,
    pub(super) timeout: Option<Duration>,
}

impl Settings {
    /// Settings for the loader of one backend operation, named in metrics
    /// (`loader` label). Defaults: batches of at most 100 keys, no window
    /// (coalesce what arrives within [`Settings::yields`] yields), shared
    /// scope allowed, no timeout.
    pub fn new(name: impl Into<SharedString>) -> Settings {
        Settings {
            name: name.into(),
            max_batch_size: 100,
            window: Duration::ZERO,
            yields: 2,
            user_scoped: false,
            timeout: None,
        }
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

    /// The loader's name, as in metrics.
    pub fn name(&self) -> &str {
        &self.name
    }
}
