//! Route files served: a team's service of its own, declared in TOML and
//! answered beside the catalog, with the engine's batching, caching,
//! scopes and failure isolation (the format is in docs/routes.md).

use crate::support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::support::{instant, start_backend, Build, Dir, Harness};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{json, Value};

/// The team's service: `/people?ids=` (some people), `/mine?user=&ids=`
/// (values that name their user), `/shelves` (lists of video ids),
/// `/broken` (500); with its call count.
async fn start_people() -> (String, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new()
        .route(
            "/people",
            get(|State(calls): State<Arc<AtomicUsize>>, Query(query): Query<HashMap<String, String>>| async move {
                calls.fetch_add(1, Ordering::SeqCst);
                let known = json!({
                    "1": {"name": "Ada", "born": 1815},
                    "2": {"name": "Alan"},
                });
                axum::Json(json!({ "people": support::asked_by_ids(&known, &query) }))
            }),
        )
        .route(
            "/mine",
            get(|Query(query): Query<HashMap<String, String>>| async move {
                let user = query.get("user").cloned().unwrap_or_default();
                let items: Vec<Value> = query
                    .get("ids")
                    .cloned()
                    .unwrap_or_default()
                    .split(',')
                    .map(|id| json!({"id": id.parse::<i64>().unwrap_or(-1), "note": format!("{user}'s {id}")}))
                    .collect();
                axum::Json(json!({ "items": items }))
            }),
        )
        .route(
            "/rows",
            get(|Query(query): Query<HashMap<String, String>>| async move {
                let rows = match query.get("user").map(String::as_str) {
                    Some("u1") => json!(["a", "b"]),
                    _ => json!(["b"]),
                };
                axum::Json(json!({ "rows": rows }))
            }),
        )
        .route(
            "/shelves",
            get(|| async { axum::Json(json!({"a": {"videos": [3, 1, 2]}, "b": {"videos": []}})) }),
        )
        .route("/broken", get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "down") }))
        .with_state(calls.clone());
    let base = support::serve_app(app).await;
    (base, calls)
}

/// The catalog and the routes of `dir`, over a demo backend.
async fn serve(dir: &Dir) -> Harness {
    support::serve_route_files(&dir.0).await
}

/// A user's notes over the service at `base` (items in an array by
/// `id`, `text` renamed from `note`), and `more` after the route.
fn notes(base: &str, more: &str) -> String {
    format!(
        r#"[services.people]
url = "{base}"

[[routes]]
pattern = "notes[{{integers:ids}}]['text']"
get = {{ service = "people", path = "/mine?user={{user}}&ids={{ids}}" }}
items = "/items"
key = "id"
fields = {{ text = "note" }}
scope = "user"
ttl_secs = 60
{more}"#
    )
}

/// The smallest route file, exactly as the issue and docs/routes.md write
/// it, over the service at `base`.
fn smallest(base: &str) -> String {
    format!(
        r#"[services.people]
url = "{base}"          # "${{NAME}}" in a value expands an environment variable

[[routes]]
pattern = "people[{{integers:ids}}]['name','born']"
get = {{ service = "people", path = "/people?ids={{ids}}" }}  # {{ids}}: the ids of one batch, comma-separated
items = "/people"                        # JSON Pointer to the answer's map of id -> object ("" is the whole answer)
scope = "shared"                         # or "user": cached per user, {{user}} in the path is the signed-in user
ttl_secs = 300
"#
    )
}

#[tokio::test]
async fn the_smallest_route_answers_in_one_batched_call_then_from_the_cache() {
    let (base, calls) = start_people().await;
    let dir = Dir::with(&[("people.toml", smallest(&base))]);
    let harness = serve(&dir).await;
    let paths = json!([
        ["people", [1, 2, 3], ["name", "born"]],
        ["videos", 1, "title"]
    ]);
    let answer = harness.get(Some("u1"), paths.clone()).await;
    assert_eq!(answer["people"]["1"], json!({"name": "Ada", "born": 1815}));
    // A field or an id the service leaves out is an empty atom.
    assert_eq!(answer["people"]["2"]["born"], json!({"$type": "atom"}));
    assert_eq!(
        answer["people"]["3"],
        json!({"name": {"$type": "atom"}, "born": {"$type": "atom"}})
    );
    // The catalog answers beside it.
    assert!(answer["videos"]["1"]["title"].is_string(), "{answer}");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "one call for the three ids"
    );
    // Cached for ttl_secs, for any user: no call the second time (an id
    // the service left out is not cached, so it is asked again).
    let found = json!([["people", [1, 2], ["name", "born"]]]);
    let again = harness.get(Some("u2"), found).await;
    assert_eq!(again["people"]["1"], answer["people"]["1"]);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_failing_service_is_an_error_at_its_routes_paths_only() {
    let (base, _) = start_people().await;
    let file = format!(
        r#"[services.people]
url = "{base}"
retries = 0

[[routes]]
pattern = "broken[{{integers:ids}}]['name']"
get = {{ service = "people", path = "/broken?ids={{ids}}" }}
"#
    );
    let dir = Dir::with(&[("broken.toml", file)]);
    let harness = serve(&dir).await;
    let answer = harness
        .get(
            Some("u1"),
            json!([["broken", 1, "name"], ["videos", 1, "title"]]),
        )
        .await;
    let error = &answer["broken"]["1"]["name"];
    assert_eq!(error["$type"], json!("error"), "{answer}");
    assert_eq!(
        error["value"]["message"],
        json!("people service unavailable: it failed")
    );
    assert!(answer["videos"]["1"]["title"].is_string(), "{answer}");
}

/// The server of the notes file (each user's own notes), and its
/// directory.
async fn serve_notes() -> (Dir, Harness) {
    let (base, _) = start_people().await;
    let dir = Dir::with(&[("notes.toml", notes(&base, ""))]);
    let harness = serve(&dir).await;
    (dir, harness)
}

#[tokio::test]
async fn a_user_route_asks_a_caller_without_a_user_to_sign_in() {
    let (_dir, harness) = serve_notes().await;
    let anonymous = harness.get(None, json!([["notes", 1, "text"]])).await;
    let message = anonymous["notes"]["1"]["text"]["value"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(message.starts_with("sign in"), "{anonymous}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_route_answers_each_user_their_own() {
    let (_dir, harness) = serve_notes().await;
    // Many users at once, each asking twice (the second from the cache):
    // each sees only their own.
    let reads = (1..=40).map(|n| {
        let harness = harness.clone();
        tokio::spawn(async move {
            let user = format!("u{n}");
            for _ in 0..2 {
                let answer = harness
                    .get(Some(&user), json!([["notes", [1, 2], "text"]]))
                    .await;
                assert_eq!(answer["notes"]["1"]["text"], json!(format!("{user}'s 1")));
                assert_eq!(answer["notes"]["2"]["text"], json!(format!("{user}'s 2")));
            }
        })
    });
    for read in futures::future::join_all(reads).await {
        read.expect("answered");
    }
}

/// Reads `paths` as `u1` until `done` holds for the answer, for at most
/// 5 s (a reload follows a change within a few hundred milliseconds).
async fn eventually(harness: &Harness, paths: Value, done: impl Fn(&Value) -> bool) -> Value {
    let started = std::time::Instant::now();
    loop {
        let answer = harness.get(Some("u1"), paths.clone()).await;
        if done(&answer) {
            return answer;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "not within 5 s: {answer}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The people route's GraphQL: `person(id:)` with `name`, `born` and
/// `more` fields.
fn person_graphql(more: &str) -> String {
    format!(
        "extend type Query {{\n  person(id: Int!): Person @graph(path: \"people[{{id}}]\")\n}}\n\ntype Person {{\n  name: String @graph(path: \"name\")\n  born: Int @graph(path: \"born\")\n{more}}}\n"
    )
}

/// Asks `query` of `/graphql` until its data is `done`, for at most 5 s.
async fn eventually_graphql(harness: &Harness, query: &str, done: impl Fn(&Value) -> bool) {
    let started = std::time::Instant::now();
    loop {
        let (status, answer) = support::graphql(harness, Some("u1"), query).await;
        if status == StatusCode::OK && done(&answer["data"]) {
            return;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "not within 5 s: {answer}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn route_files_reload_while_serving_and_a_broken_one_is_refused_alone() {
    let (base, calls) = start_people().await;
    let dir = Dir::with(&[]);
    let backend = start_backend(instant()).await;
    let build = Build {
        dirs: vec![dir.0.clone()],
        ..Build::over(&backend)
    };
    let harness = Harness::build(build, |config| {
        // Every request routed, none answered whole from a kept answer.
        config.answers = None;
    });
    // Home requests of many users all along, with a route file's path:
    // none may fail because of a reload.
    let load = {
        let harness = harness.clone();
        tokio::spawn(async move {
            let mut answered = 0;
            let stop = std::time::Instant::now() + std::time::Duration::from_secs(4);
            while std::time::Instant::now() < stop {
                let user = format!("u{}", 1 + answered % 50);
                let mut paths = support::home();
                if let Some(paths) = paths.as_array_mut() {
                    paths.push(json!(["people", 1, "name"]));
                }
                let home = harness.get(Some(&user), paths).await;
                assert_eq!(support::home_videos(&home).len(), 100);
                let name = &home["people"]["1"]["name"];
                assert!(
                    *name == json!({"$type": "atom"}) || *name == json!("Ada"),
                    "{name}"
                );
                answered += 1;
            }
            answered
        })
    };

    // A new file: its key is served, over /model.json and /graphql.
    std::fs::write(dir.0.join("people.graphql"), person_graphql("")).expect("written");
    std::fs::write(dir.0.join("people.toml"), smallest(&base)).expect("written");
    let people = json!([["people", 1, ["name", "born"]]]);
    eventually(&harness, people.clone(), |answer| {
        answer["people"]["1"]["name"] == json!("Ada")
    })
    .await;
    eventually_graphql(&harness, "{ person(id: 1) { name born } }", |data| {
        data["person"] == json!({"name": "Ada", "born": 1815})
    })
    .await;

    // Edited: a new field.
    let edited = smallest(&base)
        .replace("['name','born']", "['name','born','year']")
        .replace(
            "ttl_secs = 300",
            "ttl_secs = 300\nfields = { year = \"born\" }",
        );
    std::fs::write(dir.0.join("people.toml"), edited).expect("written");
    std::fs::write(
        dir.0.join("people.graphql"),
        person_graphql("  year: Int @graph(path: \"year\")\n"),
    )
    .expect("written");
    let year = json!([["people", 1, "year"]]);
    eventually(&harness, year, |answer| {
        answer["people"]["1"]["year"] == json!(1815)
    })
    .await;
    eventually_graphql(&harness, "{ person(id: 1) { year } }", |data| {
        data["person"]["year"] == json!(1815)
    })
    .await;

    // Another team's file: the people route is unchanged, so its cached
    // values stay (no call to the service).
    let made = calls.load(Ordering::SeqCst);
    let other = format!(
        "[services.other]\nurl = \"{base}\"\n\n[[routes]]\npattern = \"others[{{integers:ids}}]['name']\"\nget = {{ service = \"other\", path = \"/people?ids={{ids}}\" }}\nitems = \"/people\"\n"
    );
    std::fs::write(dir.0.join("other.toml"), other).expect("written");
    let others = json!([["others", 2, "name"]]);
    eventually(&harness, others, |answer| {
        answer["others"]["2"]["name"] == json!("Alan")
    })
    .await;
    harness.get(Some("u1"), people.clone()).await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        made + 1,
        "only the new route called"
    );

    // A broken file: refused with its place, and everything else answers.
    std::fs::write(
        dir.0.join("broken.toml"),
        "[[routes]]\npattern = \"x[{integers:ids}]['a']\"\nget = { service = \"nope\", path = \"/x?ids={ids}\" }\n",
    )
    .expect("written");
    let started = std::time::Instant::now();
    let listed = loop {
        let (_, status) = harness
            .send(
                axum::http::Request::get("/routes")
                    .body(axum::body::Body::empty())
                    .expect("a request"),
            )
            .await;
        if status["files"].to_string().contains("refused") {
            break status;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{status}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let text = listed.to_string();
    assert!(
        text.contains("broken.toml:3:19: no file declares the service `nope`"),
        "{text}"
    );
    let answer = harness.get(Some("u1"), people).await;
    assert_eq!(answer["people"]["1"]["name"], json!("Ada"));
    // GraphQL is served over each new table.
    let (status, answer) =
        support::graphql(&harness, Some("u1"), "{ video(id: 1) { title } }").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer["data"]["video"]["title"].is_string(), "{answer}");

    let answered = load.await.expect("no failed home request");
    assert!(answered > 10, "{answered} home requests");
}

#[tokio::test]
async fn values_carry_the_expires_their_route_declares() {
    let (base, _) = start_people().await;
    let file = notes(
        &base,
        r#"expires_secs = 60

[[routes]]
pattern = "people[{integers:ids}]['name']"
get = { service = "people", path = "/people?ids={ids}" }
items = "/people"
"#,
    );
    let dir = Dir::with(&[("notes.toml", file)]);
    let harness = serve(&dir).await;
    let answer = harness
        .get_raw("u3", json!([["notes", 1, "text"], ["people", 1, "name"]]))
        .await;
    assert_eq!(
        answer["notes"]["1"]["text"],
        json!({"$type": "atom", "value": "u3's 1", "$expires": -60000})
    );
    // Without `expires_secs`, a plain value.
    assert_eq!(answer["people"]["1"]["name"], json!("Ada"));
}

/// The server of a shelves file (a list of videos and its length), and
/// its directory.
async fn serve_shelves() -> (Dir, Harness) {
    let (base, _) = start_people().await;
    let file = format!(
        r#"[services.shelves]
url = "{base}"

[[routes]]
pattern = "shelves[{{keys:ids}}][{{integers:indices}}]"
get = {{ service = "shelves", path = "/shelves?ids={{ids}}" }}
list = "/videos"
ref = ["videos", "{{value}}"]
ttl_secs = 60

[[routes]]
pattern = "shelves[{{keys:ids}}].length"
get = {{ service = "shelves", path = "/shelves?ids={{ids}}" }}
length = "/videos"
"#
    );
    let dir = Dir::with(&[("shelves.toml", file)]);
    let harness = serve(&dir).await;
    (dir, harness)
}

#[tokio::test]
async fn a_lists_length_is_answered() {
    let (_dir, harness) = serve_shelves().await;
    let answer = harness
        .get(Some("u1"), json!([["shelves", ["a", "b"], "length"]]))
        .await;
    assert_eq!(answer["shelves"]["a"]["length"], json!(3));
    assert_eq!(answer["shelves"]["b"]["length"], json!(0));
}

#[tokio::test]
async fn a_list_answers_refs_that_are_followed_into_other_routes() {
    let (_dir, harness) = serve_shelves().await;
    let answer = harness
        .get(
            Some("u1"),
            json!([["shelves", "a", {"from": 0, "to": 3}, "title"]]),
        )
        .await;
    assert_eq!(
        answer["shelves"]["a"]["0"],
        json!({"$type": "ref", "value": ["videos", 3]})
    );
    // Followed into the catalog's videos route.
    let title = &answer["videos"]["3"]["title"];
    assert!(title.is_string(), "{answer}");
    let direct = harness
        .get(Some("u1"), json!([["videos", 3, "title"]]))
        .await;
    assert_eq!(direct["videos"]["3"]["title"], *title);
    // Past the end: nothing there.
    assert_eq!(
        answer["shelves"]["a"]["3"],
        json!({"title": {"$type": "atom"}}),
        "{answer}"
    );
}

#[tokio::test]
async fn a_route_without_ids_reads_one_item_per_user() {
    let (base, _) = start_people().await;
    let file = format!(
        r#"[services.shelves]
url = "{base}"

[[routes]]
pattern = "myShelves[{{integers:indices}}]"
get = {{ service = "shelves", path = "/rows?user={{user}}" }}
list = "/rows"
ref = ["shelves", "{{value}}"]
scope = "user"

[[routes]]
pattern = "myShelves.length"
get = {{ service = "shelves", path = "/rows?user={{user}}" }}
length = "/rows"
scope = "user"

[[routes]]
pattern = "shelves[{{keys:ids}}].length"
get = {{ service = "shelves", path = "/shelves?ids={{ids}}" }}
length = "/videos"
"#
    );
    let dir = Dir::with(&[("rows.toml", file)]);
    let harness = serve(&dir).await;
    let paths = json!([["myShelves", "length"], ["myShelves", {"from": 0, "to": 1}, "length"]]);
    let mine = harness.get(Some("u1"), paths.clone()).await;
    assert_eq!(mine["myShelves"]["length"], json!(2), "{mine}");
    assert_eq!(
        mine["myShelves"]["0"],
        json!({"$type": "ref", "value": ["shelves", "a"]})
    );
    // Followed: the shelves' own lengths.
    assert_eq!(mine["shelves"]["a"]["length"], json!(3), "{mine}");
    assert_eq!(mine["shelves"]["b"]["length"], json!(0), "{mine}");
    let theirs = harness.get(Some("u2"), paths).await;
    assert_eq!(theirs["myShelves"]["length"], json!(1), "{theirs}");
    assert_eq!(
        theirs["myShelves"]["0"],
        json!({"$type": "ref", "value": ["shelves", "b"]})
    );
}
