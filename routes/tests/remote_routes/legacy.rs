//! The scripted Falcor router the remote route tests put behind
//! Peregrine: a falcor-express-like `/model.json` over a small graph,
//! answering as each test sets it (`Mode`), recording each request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use peregrine::graph::Graph;
use peregrine::path::PathSet;
use serde_json::{json, Value};

/// How the scripted router answers.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Mode {
    /// What its graph holds along the paths asked, following its refs.
    Graph,
    /// That, and values nobody asked it for.
    Trespassing,
    /// 500.
    Failing,
    /// 500 for sets and calls (a function that throws), gets answered.
    FailingWrites,
    /// A JSON body that is not an envelope.
    NotAnEnvelope,
    /// Nothing for ten seconds.
    Stalling,
}

/// One request the router received.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) http_method: String,
    pub(crate) method: String,
    pub(crate) paths: Option<String>,
    pub(crate) authorization: Option<String>,
}

pub(crate) struct Legacy {
    graph: Graph,
    mode: Mode,
    received: Vec<Received>,
}

pub(crate) type Shared = Arc<Mutex<Legacy>>;

fn lock(state: &Shared) -> std::sync::MutexGuard<'_, Legacy> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The legacy router's graph: people with a favourite video (a ref into
/// the catalog's local `videos` routes) and a per-row list.
fn legacy_graph() -> Graph {
    serde_json::from_value(json!({
        "people": {
            "ada": {"name": "Ada", "favorite": {"$type": "ref", "value": ["videos", 7]}},
            "alan": {"name": "Alan", "born": {"$type": "atom", "value": 1912, "$expires": 0}}
        },
        "shelf": {"length": 2, "0": {"$type": "ref", "value": ["people", "ada"]},
                  "1": {"$type": "ref", "value": ["people", "alan"]}}
    }))
    .expect("a JSON Graph")
}

/// A falcor-express-like router at `/model.json`: get by query or form,
/// set and call by form (a set writes its values where they stand).
pub(crate) async fn start_legacy() -> (String, Shared) {
    let state: Shared = Arc::new(Mutex::new(Legacy {
        graph: legacy_graph(),
        mode: Mode::Graph,
        received: Vec::new(),
    }));
    let app = axum::Router::new()
        .route(
            "/model.json",
            get(
                |state: State<Shared>,
                 headers: HeaderMap,
                 Query(query): Query<HashMap<String, String>>| {
                    answer(state, headers, "GET", query)
                },
            )
            .post(
                |state: State<Shared>,
                 headers: HeaderMap,
                 Form(form): Form<HashMap<String, String>>| {
                    answer(state, headers, "POST", form)
                },
            ),
        )
        .with_state(state.clone());
    let base = crate::support::serve_app(app).await;
    (base, state)
}

async fn answer(
    State(state): State<Shared>,
    headers: HeaderMap,
    http_method: &str,
    fields: HashMap<String, String>,
) -> Response {
    let method = fields.get("method").cloned().unwrap_or_default();
    let mode = {
        let mut legacy = lock(&state);
        legacy.received.push(Received {
            http_method: http_method.to_owned(),
            method: method.clone(),
            paths: fields.get("paths").cloned(),
            authorization: headers
                .get("authorization")
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
        });
        legacy.mode
    };
    match mode {
        Mode::Failing => return (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response(),
        Mode::NotAnEnvelope => return axum::Json(json!({"people": "not a graph"})).into_response(),
        Mode::Stalling => tokio::time::sleep(Duration::from_secs(10)).await,
        Mode::FailingWrites if method != "get" => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "<pre>TypeError</pre>").into_response()
        }
        Mode::Graph | Mode::Trespassing | Mode::FailingWrites => {}
    }
    let mut legacy = lock(&state);
    let paths: Vec<PathSet> = match method.as_str() {
        "set" => {
            let envelope: Value =
                serde_json::from_str(fields.get("jsonGraph").map_or("{}", String::as_str))
                    .unwrap_or_default();
            let written: Graph =
                serde_json::from_value(envelope["jsonGraph"].clone()).unwrap_or_default();
            legacy.graph.merge(written);
            serde_json::from_value(envelope["paths"].clone()).unwrap_or_default()
        }
        _ => serde_json::from_str(fields.get("paths").map_or("[]", String::as_str))
            .unwrap_or_default(),
    };
    let mut graph = legacy.graph.read(&paths, 50).expect("no cycle").graph;
    if mode == Mode::Trespassing {
        let foreign: Graph = serde_json::from_value(json!({
            "videos": {"7": {"title": "Hijacked"}},
            "people": {"grace": {"name": "Grace"}}
        }))
        .expect("a graph");
        graph.merge(foreign);
    }
    axum::Json(json!({"jsonGraph": graph})).into_response()
}

pub(crate) fn set_mode(state: &Shared, mode: Mode) {
    lock(state).mode = mode;
}

pub(crate) fn received(state: &Shared) -> Vec<Received> {
    lock(state).received.clone()
}
