//! `Live`: route files kept in step with their directories while the
//! server serves them.
//!
//! A reload (a file changed, or SIGHUP) reads every file again and builds
//! the whole new table before using it. A refused table changes nothing:
//! the last good one goes on serving, and the refusals are reported (in
//! the log, in [`Live::status`], in metrics). A good one is handed to the
//! server whole, which swaps it in atomically. Routes declared as before
//! keep their loaders, so their cached values survive the reload. The
//! table includes the GraphQL over its router: the server's schema and
//! the `*.graphql` files, read again and checked with the `*.toml` ones.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use serde_json::Value as Json;

use crate::graphql::{GraphQl, Limits, Sdl};
use crate::loader::{RedisTier, Scope, Writes};
use crate::router::{Builder, Router};
use crate::upstream::{Pool, Settings};

use super::schema::{self, Schema};
use super::served::Served;
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
    /// The server's GraphQL schema, which the `*.graphql` files of the
    /// directories add to; None: no GraphQL is served, and those files
    /// are not read.
    pub schema: Option<Sdl>,
    /// The GraphQL query limits.
    pub graphql_limits: Limits,
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
/// Serves a new router and the GraphQL over it.
type Apply = Box<dyn Fn(Router, Option<GraphQl>) + Send + Sync>;

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

pub(super) struct State {
    /// The table served.
    pub(super) declared: Declared,
    /// The GraphQL served over it, with the `*.graphql` files read.
    pub(super) schema: Option<Schema>,
    /// Why the last reload was refused; empty once one is good.
    pub(super) refused: Vec<Error>,
    /// When the last reload was tried.
    pub(super) at: SystemTime,
    pub(super) reloads: u64,
}

impl Live {
    /// Loads the route files and the `*.graphql` files of `sources`, and
    /// builds the router of `base`'s routes and theirs, with the GraphQL
    /// over it ([`Live::graphql`]); `apply` serves each later table. The
    /// first router is the caller's to serve. Fails with every refusal
    /// found.
    pub fn start(
        sources: Sources,
        base: impl Fn() -> Builder + Send + Sync + 'static,
        apply: impl Fn(Router, Option<GraphQl>) + Send + Sync + 'static,
    ) -> Result<(Live, Router), Vec<Error>> {
        let declared = Declared::load(&sources);
        let table = Served::assemble(&sources, declared, schema::read(&sources), base())?;
        if let Some(schema) = &table.schema {
            schema.warn_unserved();
        }
        let live = Live {
            inner: Arc::new(Inner {
                sources,
                base: Box::new(base),
                apply: Box::new(apply),
                reloading: Mutex::new(()),
                state: Mutex::new(State {
                    declared: table.declared,
                    schema: table.schema,
                    refused: Vec::new(),
                    at: SystemTime::now(),
                    reloads: 0,
                }),
            }),
        };
        Ok((live, table.router))
    }

    /// The GraphQL served now, if any.
    pub fn graphql(&self) -> Option<GraphQl> {
        let state = self.inner.state();
        state.schema.as_ref().map(|schema| schema.graphql().clone())
    }

    /// Reads the files again and serves the new table if it is good;
    /// answers whether it was.
    pub fn reload(&self) -> bool {
        let inner = &*self.inner;
        // One reload at a time; the state is locked only to read and
        // write it, so `status` never waits for a reload.
        let _reloading = inner
            .reloading
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let built = self.rebuild();
        let mut state = inner.state();
        state.at = SystemTime::now();
        state.reloads += 1;
        match built {
            Ok(None) => {
                tracing::info!("route files reloaded: nothing changed");
                state.refused.clear();
                metrics::counter!("peregrine_route_reloads_total", "outcome" => "loaded")
                    .increment(1);
                true
            }
            Ok(Some(table)) => {
                tracing::info!(
                    files = table.declared.files().len(),
                    routes = table.declared.len(),
                    "route files reloaded"
                );
                if let Some(schema) = &table.schema {
                    schema.warn_unserved();
                }
                state.declared = table.declared;
                state.schema = table.schema;
                state.refused.clear();
                // Kept answers may hold what a changed route answered.
                if let Some(writes) = &inner.sources.writes {
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

    /// The new table, served already; None when the files declare what
    /// is served (a file touched, a SIGHUP).
    fn rebuild(&self) -> Result<Option<Served>, Vec<Error>> {
        let inner = &*self.inner;
        let sources = &inner.sources;
        let (current, files_now) = {
            let state = inner.state();
            let files = state
                .schema
                .as_ref()
                .map(|schema| schema.sources().to_vec());
            (state.declared.clone(), files.unwrap_or_default())
        };
        let declared = current.reload(sources);
        let files = schema::read(sources);
        if let (Ok(declared), Ok(files)) = (&declared, &files) {
            if declared.same_as(&current) && *files == files_now {
                return Ok(None);
            }
        }
        let table = Served::assemble(sources, declared, files, (inner.base)())?;
        (inner.apply)(table.router.clone(), table.graphql());
        Ok(Some(table))
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
    /// routes, the GraphQL files and the schema's fields no route serves,
    /// the time of the last reload, and how many there were (the shape
    /// is in docs/routes.md).
    pub fn status(&self) -> Json {
        super::status::status(&self.inner.state())
    }
}

/// Whether a watcher's `event` calls for a reload: a change to a route
/// file or a GraphQL file (not a read, not an editor's swap file), or an
/// error, after which events may have been lost.
fn is_change(event: notify::Result<notify::Event>) -> bool {
    match event {
        Ok(event) => {
            !event.kind.is_access()
                && event.paths.iter().any(|path| {
                    path.extension()
                        .is_some_and(|ext| ext == "toml" || ext == "graphql")
                })
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
