//! `Live`: route files kept in step with their directories while the
//! server serves them.
//!
//! A reload (a file changed, or SIGHUP) reads every file again and builds
//! the whole new table before using it. A refused table changes nothing:
//! the last good one goes on serving, and the refusals are reported (in
//! the log, in [`Live::status`], in metrics). A good one is handed to the
//! server whole, which swaps it in atomically. Routes declared as before
//! keep their loaders, so their cached values survive the reload.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value as Json};

use crate::loader::{RedisTier, Scope, Writes};
use crate::router::{Builder, Router};
use crate::upstream::{Pool, Settings};

use super::{Declared, Error};

/// How long a reload waits after a change for the changes that come
/// with it (an editor writes a file in several steps).
const SETTLE: Duration = Duration::from_millis(200);

/// Where the route files are and how their routes are served.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// Route files built into the server (its default graph), read
    /// before the directories' and never reloaded: each a name (shown as
    /// its file) and its text.
    pub embedded: Vec<(PathBuf, Arc<str>)>,
    /// The directories of route files.
    pub dirs: Vec<PathBuf>,
    /// The operator's settings of services by name, over what the files
    /// declare: a base URL, guards.
    pub services: BTreeMap<String, ServiceSettings>,
    /// The connections their services are called over.
    pub pool: Pool,
    /// Whether their routes cache what they load (the server's
    /// `--no-cache` turns it off).
    pub caching: bool,
    /// The guards of their services, where a file does not set its own
    /// (the server's `--backend-*` and `--breaker-*` flags).
    pub guard: Settings,
    /// The Redis tier under their caches, if any.
    pub tier: Option<RedisTier>,
    /// Where their loaders report writes (the answer cache's), if any; a
    /// reload reports a write in the shared scope, which drops every kept
    /// answer.
    pub writes: Option<Writes>,
}

/// The operator's settings of one declared service (from the server's
/// flags), over the file's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceSettings {
    /// Its base URL, instead of the file's `url`.
    pub url: Option<String>,
    /// Its guards, instead of the file's settings and the defaults.
    pub guard: Option<Settings>,
}

/// Builds the routes beside the route files' (the Rust routes).
type Base = Box<dyn Fn() -> Builder + Send + Sync>;
/// Serves a new router.
type Apply = Box<dyn Fn(Router) -> Result<(), String> + Send + Sync>;

/// Route files that reload (see the module). Cloning is cheap.
#[derive(Clone)]
pub struct Live {
    inner: Arc<Inner>,
}

struct Inner {
    sources: Sources,
    base: Base,
    apply: Apply,
    /// Held through a reload.
    reloading: Mutex<()>,
    state: Mutex<State>,
}

impl Inner {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

struct State {
    /// The table served.
    declared: Declared,
    /// Why the last reload was refused; empty once one is good.
    refused: Vec<Error>,
    /// When the last reload was tried.
    at: SystemTime,
    reloads: u64,
}

impl Live {
    /// Loads the route files of `sources` and builds the router of
    /// `base`'s routes and theirs; `apply` serves each later table (and
    /// may refuse it, with why). The first router is the caller's to
    /// serve. Fails with every refusal found.
    pub fn start(
        sources: Sources,
        base: impl Fn() -> Builder + Send + Sync + 'static,
        apply: impl Fn(Router) -> Result<(), String> + Send + Sync + 'static,
    ) -> Result<(Live, Router), Vec<Error>> {
        let declared = Declared::load(&sources)?;
        let router = declared.build(base())?;
        let live = Live {
            inner: Arc::new(Inner {
                sources,
                base: Box::new(base),
                apply: Box::new(apply),
                reloading: Mutex::new(()),
                state: Mutex::new(State {
                    declared,
                    refused: Vec::new(),
                    at: SystemTime::now(),
                    reloads: 0,
                }),
            }),
        };
        Ok((live, router))
    }

    /// Reads the files again and serves the new table if it is good;
    /// answers whether it was.
    pub fn reload(&self) -> bool {
        let inner = &*self.inner;
        let sources = &inner.sources;
        // One reload at a time; the state is locked only to read and
        // write it, so `status` never waits for a reload.
        let _reloading = inner
            .reloading
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let current = inner.state().declared.clone();
        let built = current.reload(sources).and_then(|declared| {
            if declared.same_as(&current) {
                return Ok((declared, false));
            }
            let router = declared.build((inner.base)())?;
            (inner.apply)(router).map_err(|why| {
                let file = sources.dirs.first().cloned().unwrap_or_default();
                vec![Error::whole(super::ErrorKind::Value, &file, why)]
            })?;
            Ok((declared, true))
        });
        let mut state = inner.state();
        state.at = SystemTime::now();
        state.reloads += 1;
        match built {
            Ok((declared, changed)) => {
                tracing::info!(
                    files = declared.files().len(),
                    routes = declared.len(),
                    changed,
                    "route files reloaded"
                );
                state.declared = declared;
                state.refused.clear();
                // Kept answers may hold what a changed route answered.
                if let (true, Some(writes)) = (changed, &sources.writes) {
                    writes.wrote(&Scope::shared());
                }
                metrics::counter!("peregrine_route_reloads_total", "outcome" => "loaded")
                    .increment(1);
                true
            }
            Err(errors) => {
                for error in &errors {
                    tracing::warn!(%error, "route files refused: the last good table goes on serving");
                }
                state.refused = errors;
                metrics::counter!("peregrine_route_reloads_total", "outcome" => "refused")
                    .increment(1);
                false
            }
        }
    }

    /// Reloads whenever a file of the directories changes, and on SIGHUP,
    /// until the returned task is aborted.
    pub fn watch(&self) -> Result<tokio::task::JoinHandle<()>, notify::Error> {
        use notify::Watcher;
        let (changed, mut changes) = tokio::sync::mpsc::unbounded_channel::<()>();
        let on_change = changed.clone();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                if is_change(event) {
                    let _ = on_change.send(());
                }
            })?;
        for dir in &self.inner.sources.dirs {
            watcher.watch(dir, notify::RecursiveMode::NonRecursive)?;
        }
        hangups(changed);
        let live = self.clone();
        Ok(tokio::spawn(async move {
            // Watching as long as the task lives.
            let _watcher = watcher;
            while changes.recv().await.is_some() {
                tokio::time::sleep(SETTLE).await;
                while changes.try_recv().is_ok() {}
                let live = live.clone();
                let _ = tokio::task::spawn_blocking(move || live.reload()).await;
            }
        }))
    }

    /// What is served and why the last reload was refused, as JSON: each
    /// file with its state (`loaded`, or `refused` with its errors) and
    /// routes, the time of the last reload, and how many there were.
    pub fn status(&self) -> Json {
        let state = self.inner.state();
        let declared = &state.declared;
        let table = declared.table();
        let errors_of = |file: &std::path::Path| -> Vec<String> {
            state
                .refused
                .iter()
                .filter(|error| error.file() == file)
                .map(ToString::to_string)
                .collect()
        };
        let mut files: Vec<Json> = declared
            .files()
            .iter()
            .map(|file| {
                let shown = file.display().to_string();
                let services: Vec<&str> = declared
                    .services()
                    .filter(|(_, declaring)| *declaring == file.as_path())
                    .map(|(name, _)| name)
                    .collect();
                let routes: Vec<Json> = table
                    .iter()
                    .filter(|route| route.place.starts_with(&format!("{shown}:")))
                    .map(|route| {
                        json!({"pattern": route.pattern, "method": route.method,
                               "service": route.service, "scope": route.scope, "place": route.place})
                    })
                    .collect();
                let errors = errors_of(file);
                let state = if errors.is_empty() { "loaded" } else { "refused" };
                json!({"file": shown, "state": state, "errors": errors,
                       "services": services, "routes": routes})
            })
            .collect();
        // Files refused that the good table does not have (new ones),
        // each once.
        let mut new: Vec<&std::path::Path> = state
            .refused
            .iter()
            .map(Error::file)
            .filter(|file| declared.files().iter().all(|known| known != file))
            .collect();
        new.sort();
        new.dedup();
        for file in new {
            files.push(
                json!({"file": file.display().to_string(), "state": "refused",
                              "errors": errors_of(file), "services": [], "routes": []}),
            );
        }
        let at = state
            .at
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_millis());
        json!({
            "files": files,
            "lastReloadRefused": !state.refused.is_empty(),
            "reloadedAtMs": u64::try_from(at).unwrap_or(u64::MAX),
            "reloads": state.reloads,
        })
    }
}

/// Whether a watcher's `event` calls for a reload: a change to a route
/// file (not a read, not an editor's swap file), or an error, after
/// which events may have been lost.
fn is_change(event: notify::Result<notify::Event>) -> bool {
    match event {
        Ok(event) => {
            !event.kind.is_access()
                && event
                    .paths
                    .iter()
                    .any(|path| path.extension().is_some_and(|ext| ext == "toml"))
        }
        Err(error) => {
            tracing::warn!(%error, "watching the route files: reading them again");
            true
        }
    }
}

/// Sends on `changed` at each SIGHUP (Unix only).
fn hangups(changed: tokio::sync::mpsc::UnboundedSender<()>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut hangup) = signal(SignalKind::hangup()) else {
            return;
        };
        while hangup.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading the route files");
            if changed.send(()).is_err() {
                return;
            }
        }
    });
    #[cfg(not(unix))]
    drop(changed);
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live")
            .field("sources", &self.inner.sources)
            .finish_non_exhaustive()
    }
}
