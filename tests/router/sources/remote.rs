//! A Falcor router over an in-memory JSON Graph, as the data source the
//! source tests put behind the router.

use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use peregrine::graph::{Envelope, Graph, Value};
use peregrine::path::{Path, PathSet};
use peregrine::router::{Call, Context, DataSource, Get, HandlerError, Set};

use crate::router::Calls;

/// A Falcor router over an in-memory JSON Graph: it answers what its
/// graph holds along the paths asked, following its own refs, as
/// falcor-router does; `extra` is merged into every answer (a remote
/// that writes outside its paths); `failing` makes every call fail.
#[derive(Clone)]
pub(crate) struct Remote {
    pub(crate) graph: Arc<Mutex<Graph>>,
    pub(crate) extra: Graph,
    pub(crate) failing: bool,
    pub(crate) calls: Calls,
}

impl Remote {
    pub(crate) fn new(graph: serde_json::Value, calls: &Calls) -> Remote {
        Remote {
            graph: Arc::new(Mutex::new(
                serde_json::from_value(graph).expect("a JSON Graph"),
            )),
            extra: Graph::new(),
            failing: false,
            calls: calls.clone(),
        }
    }

    fn answer(&self, paths: &[PathSet]) -> Result<Envelope, HandlerError> {
        if self.failing {
            return Err(HandlerError::new("the legacy router is down"));
        }
        let graph = self.graph.lock().expect("not poisoned");
        // A graph whose refs loop is sent whole, as a broken router would.
        let mut answer = graph
            .read(paths, 50)
            .map_or_else(|_| graph.clone(), |r| r.graph);
        answer.merge(self.extra.clone());
        Ok(Envelope::new(answer))
    }
}

impl DataSource for Remote {
    fn get(&self, get: Get, _ctx: Context) -> BoxFuture<'static, Result<Envelope, HandlerError>> {
        self.calls.record("remote get", get.path_sets());
        let answer = self.answer(get.path_sets());
        Box::pin(async move { answer })
    }

    fn set(&self, set: Set, _ctx: Context) -> BoxFuture<'static, Result<Envelope, HandlerError>> {
        self.calls.record("remote set", set.path_sets());
        for (path, value) in set.values() {
            let mut graph = self.graph.lock().expect("not poisoned");
            let at = resolved(&graph, &path);
            graph.set_path(&at, value.clone());
        }
        let answer = self.answer(set.path_sets());
        Box::pin(async move { answer })
    }

    fn call(
        &self,
        call: Call,
        _ctx: Context,
    ) -> BoxFuture<'static, Result<Envelope, HandlerError>> {
        self.calls.record("remote call", call.path_sets());
        // OBJECT.push(ref): appends to the object where its refs lead,
        // answers the new item and the length there (as falcor-router
        // reports them, at their optimized place), what the suffixes read
        // under the new item, and invalidates the object's `rows`.
        let target = call.arguments().first().cloned().unwrap_or_default();
        let called: Path = call.every_path().next().expect("a call path");
        let answer = (|| {
            let reference: Value = serde_json::from_value(target).map_err(HandlerError::from)?;
            let mut graph = self.graph.lock().expect("not poisoned");
            let object = resolved(&graph, &Path::from(called[..called.len() - 1].to_vec()));
            let at = |key: peregrine::path::Key| {
                Path::from(object.iter().cloned().chain([key]).collect::<Vec<_>>())
            };
            let length = graph
                .value(&at("length".into()))
                .and_then(|value| serde_json::to_value(value).ok())
                .and_then(|json| json.as_i64())
                .unwrap_or(0);
            graph.set_path(&at(length.into()), reference);
            graph.set_path(&at("length".into()), (length + 1).into());
            let item = at(length.into());
            let mut paths = vec![item.to_path_set(), at("length".into()).to_path_set()];
            for suffix in call.path_suffixes() {
                paths.push(
                    item.iter()
                        .cloned()
                        .map(Into::into)
                        .chain(suffix.iter().cloned())
                        .collect(),
                );
            }
            let json_graph = graph.read(&paths, 50).expect("no cycle").graph;
            Ok(Envelope {
                json_graph,
                paths: Some(paths),
                invalidated: Some(vec![at("rows".into()).to_path_set()]),
            })
        })();
        Box::pin(async move { answer })
    }
}

/// `path` with the refs along it followed, as a router sets it.
fn resolved(graph: &Graph, path: &Path) -> Path {
    let mut at: Vec<peregrine::path::Key> = Vec::new();
    for key in path.iter() {
        at.push(key.clone());
        if let Some(Value::Ref(reference)) = graph.value(&at) {
            at = reference.path.to_vec();
        }
    }
    Path::from(at)
}
