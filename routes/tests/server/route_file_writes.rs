//! Route files that share a load, set values and make calls, served over
//! a small notes service of the test's own: one call for several routes,
//! each set path with its own outcome and the cache dropped after it,
//! calls checked before they write, what they return, and what they
//! invalidate (the format is in docs/routes.md).

use crate::support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::support::{Dir, Harness};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{json, Value};

/// The notes service's state: notes by id (1 to 3 exist), each user's
/// pins, and the calls it received by `METHOD /path`.
#[derive(Default)]
struct Notes {
    notes: HashMap<i64, String>,
    pins: HashMap<String, Vec<i64>>,
    calls: HashMap<String, usize>,
}

type Shared = Arc<Mutex<Notes>>;
type Params = Query<HashMap<String, String>>;

fn lock<'a>(state: &'a Shared, call: &str) -> std::sync::MutexGuard<'a, Notes> {
    let mut notes = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    *notes.calls.entry(call.to_string()).or_default() += 1;
    notes
}

/// `GET /notes?ids=` → `{"1": {"text": "...", "meta": {"words": n}}}`;
/// `PUT /notes?id=` `{"text": "..."}` → `{"text": "..."}` (an unknown id:
/// `{}`); `GET /pins?user=` → `{"ids": [...]}`; `POST /pins?user=`
/// `{"id": n}` → `{"length": n}`; `DELETE /pins?user=&index=` →
/// `{"length": n}`.
async fn start_notes() -> (String, Shared) {
    let state: Shared = Arc::default();
    {
        let mut notes = lock(&state, "setup");
        for id in 1..=3 {
            notes.notes.insert(id, format!("note {id}"));
        }
    }
    let app = axum::Router::new()
        .route(
            "/notes",
            get(
                |State(state): State<Shared>, Query(query): Params| async move {
                    let notes = lock(&state, "GET /notes");
                    let asked = query.get("ids").map(String::as_str).unwrap_or_default();
                    if asked.split(',').any(|id| id == "13") {
                        let cursed = json!({"error": "note 13 is cursed"});
                        return (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(cursed));
                    }
                    let found: serde_json::Map<String, Value> = query
                        .get("ids")
                        .map(String::as_str)
                        .unwrap_or_default()
                        .split(',')
                        .filter_map(|id| {
                            let text = notes.notes.get(&id.parse().ok()?)?;
                            let words = text.split(' ').count();
                            Some((
                                id.to_string(),
                                json!({"text": text, "meta": {"words": words}}),
                            ))
                        })
                        .collect();
                    (StatusCode::OK, axum::Json(Value::Object(found)))
                },
            )
            .put(
                |State(state): State<Shared>,
                 Query(query): Params,
                 axum::Json(body): axum::Json<Value>| async move {
                    let mut notes = lock(&state, "PUT /notes");
                    let id: i64 = query.get("id").and_then(|id| id.parse().ok()).unwrap_or(-1);
                    let text = body["text"].as_str().unwrap_or_default().to_string();
                    match notes.notes.get_mut(&id) {
                        Some(stored) => {
                            *stored = text.clone();
                            axum::Json(json!({"text": text}))
                        }
                        None => axum::Json(json!({})),
                    }
                },
            ),
        )
        .route(
            "/pins",
            get(
                |State(state): State<Shared>, Query(query): Params| async move {
                    let notes = lock(&state, "GET /pins");
                    let user = query.get("user").cloned().unwrap_or_default();
                    axum::Json(json!({"ids": notes.pins.get(&user).cloned().unwrap_or_default()}))
                },
            )
            .post(
                |State(state): State<Shared>,
                 Query(query): Params,
                 axum::Json(body): axum::Json<Value>| async move {
                    let mut notes = lock(&state, "POST /pins");
                    let user = query.get("user").cloned().unwrap_or_default();
                    let pins = notes.pins.entry(user).or_default();
                    pins.push(body["id"].as_i64().unwrap_or(-1));
                    axum::Json(json!({"length": pins.len()}))
                },
            )
            .delete(
                |State(state): State<Shared>, Query(query): Params| async move {
                    let mut notes = lock(&state, "DELETE /pins");
                    let user = query.get("user").cloned().unwrap_or_default();
                    let index: usize = query
                        .get("index")
                        .and_then(|i| i.parse().ok())
                        .unwrap_or(usize::MAX);
                    let pins = notes.pins.entry(user).or_default();
                    if index < pins.len() {
                        pins.remove(index);
                    }
                    axum::Json(json!({"length": pins.len()}))
                },
            ),
        )
        .with_state(state.clone());
    let base = support::serve_app(app).await;
    (base, state)
}

/// The notes routes over the service at `base`.
fn notes_file(base: &str) -> String {
    format!(
        r#"[services.notes]
url = "{base}"

[loads.notes]
get = {{ service = "notes", path = "/notes?ids={{ids}}" }}
ttl_secs = 300

[[routes]]
pattern = "notes[{{integers:ids}}].text"
load = "notes"

[routes.set]
service = "notes"
path = "/notes?id={{ids}}"
body = {{ text = "{{value}}" }}
stored = "/text"
type = "string"

[[routes]]
pattern = "notes[{{integers:ids}}].words"
load = "notes"
fields = {{ words = "/meta/words" }}

[[routes]]
pattern = "fragile[{{integers:ids}}].text"
get = {{ service = "notes", path = "/notes?ids={{ids}}" }}
max_batch = 1

[loads.pins]
get = {{ service = "notes", path = "/pins?user={{user}}" }}
scope = "user"
ttl_secs = 60

[[routes]]
pattern = "pins.length"
load = "pins"
length = "/ids"

[[routes]]
pattern = "pins[{{integers:indices}}]"
load = "pins"
list = "/ids"
ref = ["notes", "{{value}}"]

[[routes]]
pattern = "pins.add"
scope = "user"

[routes.call]
service = "notes"
path = "/pins?user={{user}}"
body = {{ id = "{{args/0/value/1}}" }}
arguments = [{{ type = "ref", about = "a ref to a note" }}]
requires = {{ load = "notes", id = "{{args/0/value/1}}" }}
drops = ["pins"]
returns = [
    {{ path = ["pins", "length"], value = "{{answer/length}}" }},
    {{ path = ["pins", "{{answer/length - 1}}"], value = "{{args/0}}" }},
]

[[routes]]
pattern = "pins.remove"
scope = "user"

[routes.call]
service = "notes"
method = "DELETE"
path = "/pins?user={{user}}&index={{args/0}}"
arguments = ["integer"]
drops = ["pins"]
returns = [{{ path = ["pins", "length"], value = "{{answer/length}}" }}]
invalidates = [["pins", {{ from = "{{args/0}}", to = "{{answer/length}}" }}]]
"#
    )
}

/// The catalog and the notes routes over a notes service; the harness,
/// the service's state and the directory (kept while the test runs).
async fn serve() -> (Harness, Shared, Dir) {
    let (base, state) = start_notes().await;
    let dir = Dir::with(&[("notes.toml", notes_file(&base))]);
    (support::serve_route_files(&dir.0).await, state, dir)
}

/// How many calls of `call` the service received.
fn calls(state: &Shared, call: &str) -> usize {
    let notes = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    notes.calls.get(call).copied().unwrap_or(0)
}

fn set(paths: Value) -> Value {
    json!({"method": "set", "jsonGraph": {"jsonGraph": paths, "paths": [["notes", [1, 2, 9], "text"]]}})
}

fn call(path: &str, arguments: Value) -> Value {
    json!({"method": "call", "callPath": path.split('.').collect::<Vec<_>>(), "arguments": arguments})
}

#[tokio::test]
async fn routes_naming_one_load_make_one_call_per_wave() {
    let (harness, state, _dir) = serve().await;
    let graph = harness
        .get(None, json!([["notes", [1, 2, 7], ["text", "words"]]]))
        .await;
    assert_eq!(graph["notes"]["1"]["text"], "note 1");
    assert_eq!(graph["notes"]["2"]["words"], 2);
    assert_eq!(graph["notes"]["7"]["text"], json!({"$type": "atom"}));
    assert_eq!(
        calls(&state, "GET /notes"),
        1,
        "two routes, one load, one call"
    );
    // Both routes read the load's cache.
    harness
        .get(None, json!([["notes", 1, ["text", "words"]]]))
        .await;
    assert_eq!(calls(&state, "GET /notes"), 1);
}

#[tokio::test]
async fn a_failed_batch_fails_its_own_ids_paths_only() {
    let (harness, _state, _dir) = serve().await;
    let graph = harness
        .get(None, json!([["fragile", [1, 13, 2], "text"]]))
        .await;
    assert_eq!(graph["fragile"]["1"]["text"], "note 1", "{graph}");
    assert_eq!(graph["fragile"]["2"]["text"], "note 2", "{graph}");
    assert_eq!(graph["fragile"]["13"]["text"]["$type"], "error", "{graph}");
}

/// A server whose notes 1 and 2 are cached, after a set of note 1 (a
/// text), note 2 (a number, refused) and note 9 (unknown to the
/// service): the server, its service's state, its directory and the
/// set's answer.
async fn three_notes_set() -> (Harness, Shared, Dir, Value) {
    let (harness, state, dir) = serve().await;
    harness.get(None, json!([["notes", [1, 2], "text"]])).await;
    let (status, answer) = harness
        .post(
            "u1",
            set(
                json!({"notes": {"1": {"text": "hello"}, "2": {"text": 5}, "9": {"text": "lost"}}}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    (harness, state, dir, answer)
}

#[tokio::test]
async fn a_set_answers_each_paths_outcome() {
    let (_harness, state, _dir, answer) = three_notes_set().await;
    let notes = &answer["jsonGraph"]["notes"];
    assert_eq!(notes["1"]["text"], "hello", "{answer}");
    assert_eq!(
        notes["2"]["text"]["value"]["message"], "a text is a string",
        "refused before writing: {answer}"
    );
    assert!(
        notes["9"]["text"].get("value").is_none(),
        "the service stored nothing for an unknown note: {answer}"
    );
    assert_eq!(calls(&state, "PUT /notes"), 2, "note 2 was not written");
}

#[tokio::test]
async fn after_a_set_the_next_read_asks_the_service() {
    let (harness, state, _dir, _) = three_notes_set().await;
    // The cached note was dropped: the next read asks the service.
    let before = calls(&state, "GET /notes");
    let graph = harness.get(None, json!([["notes", [1, 2], "text"]])).await;
    assert_eq!(graph["notes"]["1"]["text"], "hello");
    assert_eq!(graph["notes"]["2"]["text"], "note 2");
    assert_eq!(calls(&state, "GET /notes"), before + 1);
}

/// A ref to the note `id`.
fn ref_to(id: i64) -> Value {
    json!({"$type": "ref", "value": ["notes", id]})
}

/// A server where u1, whose pins' length is cached at 0, has pinned
/// notes 2 and 3 (the second as a bare path, taken as a ref): the
/// server, its service's state, its directory and the second pin's answer.
async fn two_pins_added() -> (Harness, Shared, Dir, Value) {
    let (harness, state, dir) = serve().await;
    assert_eq!(
        harness.get(Some("u1"), json!([["pins", "length"]])).await["pins"]["length"],
        0
    );
    let (status, answer) = harness
        .post("u1", call("pins.add", json!([ref_to(2)])))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, answer) = harness
        .post("u1", call("pins.add", json!([["notes", 3]])))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    (harness, state, dir, answer)
}

#[tokio::test]
async fn a_call_returns_what_it_wrote() {
    let (_harness, _state, _dir, answer) = two_pins_added().await;
    let pins = &answer["jsonGraph"]["pins"];
    assert_eq!(pins["length"], 2, "{answer}");
    assert_eq!(pins["1"], ref_to(3), "{answer}");
}

#[tokio::test]
async fn a_call_drops_the_cached_items_it_changed() {
    let (harness, _state, _dir, _) = two_pins_added().await;
    // The user's cached pins were dropped: read again, and followed.
    let graph = harness
        .get(
            Some("u1"),
            json!([["pins", [0, 1], "text"], ["pins", "length"]]),
        )
        .await;
    assert_eq!(graph["pins"]["length"], 2);
    assert_eq!(graph["notes"]["2"]["text"], "note 2", "{graph}");
}

#[tokio::test]
async fn a_call_with_arguments_it_cannot_take_is_refused_before_writing() {
    let (harness, state, _dir) = serve().await;
    // An unknown note, the wrong arguments.
    let posts = calls(&state, "POST /pins");
    let (status, answer) = harness
        .post("u1", call("pins.add", json!([ref_to(99)])))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("there is no 99 in `notes`"),
        "{answer}"
    );
    let (status, answer) = harness.post("u1", call("pins.add", json!([1, 2]))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("pins.add takes one argument: a ref to a note; it was sent 2"),
        "{answer}"
    );
    assert_eq!(calls(&state, "POST /pins"), posts);
}

#[tokio::test]
async fn a_call_that_moves_items_invalidates_them() {
    let (harness, _state, _dir, _) = two_pins_added().await;
    // Removing the first moves the rest down: the client forgets them.
    let (status, answer) = harness.post("u1", call("pins.remove", json!([0]))).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["jsonGraph"]["pins"]["length"], 1, "{answer}");
    assert_eq!(
        answer["invalidated"],
        json!([["pins", {"from": 0, "to": 1}]]),
        "{answer}"
    );
}

#[tokio::test]
async fn a_users_call_changes_only_their_own_items() {
    let (harness, _state, _dir, _) = two_pins_added().await;
    assert_eq!(
        harness.get(Some("u2"), json!([["pins", "length"]])).await["pins"]["length"],
        0
    );
}

#[tokio::test]
async fn a_users_call_without_a_user_is_refused_with_401() {
    let (harness, _state, _dir) = serve().await;
    let request = axum::http::Request::post("/model.json")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            call("pins.add", json!([ref_to(1)])).to_string(),
        ))
        .expect("a request");
    let (status, _) = harness.send(request).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
