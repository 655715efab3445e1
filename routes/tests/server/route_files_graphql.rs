//! `*.graphql` files beside route files, as a team uses them: a route
//! file and a GraphQL file written to a watched directory are queried at
//! `/graphql`, edited and broken while the server serves; a field no
//! route serves is listed at `GET /routes`; and `peregrine routes check`
//! refuses a broken file with its place and warns of an unserved field
//! (the format is in docs/routes.md, "GraphQL").

use crate::support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::{graphql, Harness};
use axum::extract::Query;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use serde_json::{json, Value};

/// The people service: `/people?ids=` answers Ada and Alan.
async fn start_people() -> String {
    let app = axum::Router::new().route(
        "/people",
        get(|Query(query): Query<HashMap<String, String>>| async move {
            let known = json!({
                "1": {"name": "Ada", "born": 1815},
                "2": {"name": "Alan", "born": 1912},
            });
            axum::Json(json!({ "people": support::asked_by_ids(&known, &query) }))
        }),
    );
    let base = support::serve_app(app).await;
    base
}

/// A directory of the test's own, removed when dropped.
struct Dir(PathBuf);

impl Dir {
    fn new() -> Dir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "peregrine-route-files-graphql-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a directory");
        Dir(dir)
    }

    /// Writes `text` to the file `name`; its path.
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("written");
        path
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The people route of docs/routes.md, serving `fields`, over `base`.
fn people_toml(base: &str, fields: &str) -> String {
    format!(
        "[services.people]\nurl = \"{base}\"\n\n[[routes]]\npattern = \"people[{{integers:ids}}]{fields}\"\nget = {{ service = \"people\", path = \"/people?ids={{ids}}\" }}\nitems = \"/people\"\nttl_secs = 300\n"
    )
}

/// The people GraphQL file of docs/routes.md, its `Person` with `fields`.
fn people_graphql(fields: &str) -> String {
    format!(
        "extend type Query {{\n  \"A person by id.\"\n  person(id: Int!): Person @graph(path: \"people[{{id}}]\")\n}}\n\n\"Someone the people service knows.\"\ntype Person {{\n{fields}}}\n"
    )
}

const NAME: &str = "  name: String @graph(path: \"name\")\n";
const BORN: &str = "  born: Int @graph(path: \"born\")\n";

/// The line and column (from 1, in characters) where `needle` starts in
/// `text`, where it is once.
fn at(text: &str, needle: &str) -> (usize, usize) {
    assert_eq!(text.matches(needle).count(), 1, "{needle:?} once in {text}");
    let before = &text[..text.find(needle).expect("found")];
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// The catalog and the files of `dir`, as `peregrine serve --routes`
/// serves them: reloaded on change, `GET /routes` shown.
async fn serve(dir: &Dir) -> Harness {
    support::serve_route_files(&dir.0).await
}

/// `GET /routes`.
async fn routes(harness: &Harness) -> Value {
    let request = Request::get("/routes")
        .body(axum::body::Body::empty())
        .expect("a request");
    harness.send(request).await.1
}

/// Asks `ask` until `done` holds for its answer, for at most 5 s (a
/// reload follows a change within a few hundred milliseconds).
async fn eventually<F, A>(ask: A, done: impl Fn(&Value) -> bool) -> Value
where
    A: Fn() -> F,
    F: std::future::Future<Output = Value>,
{
    let started = Instant::now();
    loop {
        let answer = ask().await;
        if done(&answer) {
            return answer;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "not within 5 s: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graphql_file_is_served_edited_and_a_broken_one_refused_at_its_place() {
    let base = start_people().await;
    let dir = Dir::new();
    let harness = serve(&dir).await;
    let person = |query: &'static str| {
        let harness = harness.clone();
        move || {
            let harness = harness.clone();
            async move { graphql(&harness, Some("u1"), query).await.1 }
        }
    };

    // Written beside the route file: the new root field answers.
    dir.write("people.toml", &people_toml(&base, "['name','born']"));
    let file = dir.write("people.graphql", &people_graphql(NAME));
    let name = "{ person(id: 1) { name } }";
    let answer = eventually(person(name), |answer| {
        answer["data"]["person"]["name"] == "Ada"
    })
    .await;
    assert!(answer.get("errors").is_none(), "{answer}");

    // Edited: a new field.
    dir.write("people.graphql", &people_graphql(&format!("{NAME}{BORN}")));
    let both = "{ person(id: 1) { name born } }";
    eventually(person(both), |answer| {
        answer["data"]["person"]["born"] == 1815
    })
    .await;
    let listed = routes(&harness).await;
    assert_eq!(
        listed["graphql"]["files"],
        json!([{"file": file.display().to_string(), "state": "loaded", "errors": []}])
    );

    // Broken: refused with its line and column, the last good schema
    // still served.
    let broken = people_graphql(NAME).replace("person(id: Int!)", "person(id: Int!");
    dir.write("people.graphql", &broken);
    let (line, column) = at(&broken, ": Person @graph");
    let place = format!("{}:{line}:{column}: ", file.display());
    let status = eventually(
        || routes(&harness),
        |status| status["lastReloadRefused"] == true,
    )
    .await;
    let entry = &status["graphql"]["files"][0];
    assert_eq!(entry["state"], "refused", "{status}");
    let error = entry["errors"][0].as_str().unwrap_or_default();
    assert!(error.starts_with(&place), "{error} at {place}");
    assert!(error.contains("does not parse"), "{error}");
    let (code, answer) = graphql(&harness, Some("u1"), both).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(
        answer["data"],
        json!({"person": {"name": "Ada", "born": 1815}})
    );

    // Fixed: served again.
    dir.write("people.graphql", &people_graphql(NAME));
    eventually(
        || routes(&harness),
        |status| status["lastReloadRefused"] == false,
    )
    .await;
    let (_, answer) = graphql(&harness, Some("u1"), both).await;
    assert!(answer["errors"].to_string().contains("born"), "{answer}");
}

/// A server of the people route file (names only) and a GraphQL file
/// that also asks `born`: its directory, the server, the GraphQL file and
/// its text.
async fn serve_people_born_unserved() -> (Dir, Harness, PathBuf, String) {
    let base = start_people().await;
    let dir = Dir::new();
    dir.write("people.toml", &people_toml(&base, ".name"));
    let text = people_graphql(&format!("{NAME}{BORN}"));
    let file = dir.write("people.graphql", &text);
    let harness = serve(&dir).await;
    (dir, harness, file, text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_field_no_route_serves_is_listed_at_routes() {
    let (_dir, harness, file, text) = serve_people_born_unserved().await;
    let (line, column) = at(&text, "born: Int");
    let status = routes(&harness).await;
    assert_eq!(
        status["graphql"]["unserved"],
        json!([format!(
            "{}:{line}:{column}: `Person.born`: `people[{{id}}].born` matches no route",
            file.display()
        )]),
        "only the file's unserved field; the catalog's are all served"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_field_no_route_serves_is_null_in_answers() {
    let (_dir, harness, _, _) = serve_people_born_unserved().await;
    let (_, answer) = graphql(&harness, Some("u1"), "{ person(id: 1) { name born } }").await;
    assert_eq!(
        answer["data"],
        json!({"person": {"name": "Ada", "born": null}})
    );
}

/// What one run of the binary did: its exit code, stdout and stderr.
fn peregrine(args: &[&str], dir: &Path) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_peregrine"))
        .args(args)
        .arg(dir)
        .env_remove("PEREGRINE_ROUTES")
        .output()
        .expect("the binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn routes_check_refuses_a_broken_graphql_file_at_its_place() {
    let dir = Dir::new();
    dir.write(
        "people.toml",
        &people_toml("http://127.0.0.1:9100", "['name','born']"),
    );
    let broken = people_graphql(NAME).replace("type Person {", "type Person {{");
    let file = dir.write("people.graphql", &broken);
    let (line, column) = at(&broken, "{\n  name");
    let (code, stdout, stderr) = peregrine(&["routes", "check"], &dir.0);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stdout, "");
    let prefix = format!(
        "{}:{line}:{column}: the GraphQL schema does not parse: ",
        file.display()
    );
    assert!(stderr.starts_with(&prefix), "{stderr}\nexpected {prefix}");
    assert!(stderr.ends_with("\n1 refused\n"), "{stderr}");

    // A root field the catalog has: placed at the file's, naming the
    // catalog's.
    let twice =
        "extend type Query {\n  video(id: Int!): Person @graph(path: \"people[{id}]\")\n}\n";
    dir.write(
        "people.graphql",
        &format!("{twice}{}", people_graphql(NAME)),
    );
    let (line, column) = at(peregrine_routes::SCHEMA, "video(id: Int!): Video");
    let (code, _, stderr) = peregrine(&["routes", "check"], &dir.0);
    assert_eq!(code, Some(1), "{stderr}");
    let expected = format!(
        "{}:2:3: the GraphQL schema is not valid: the field `Query.video` is defined at schema/catalog.graphql:{line}:{column} too: a field is defined once\n1 refused\n",
        file.display()
    );
    assert_eq!(stderr, expected);

    // `serve` does not start.
    let (code, _, stderr) = peregrine(
        &[
            "serve",
            "--dev-auth",
            "--backend",
            "http://127.0.0.1:9",
            "--port",
            "0",
            "--routes",
        ],
        &dir.0,
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("`Query.video` is defined at"), "{stderr}");
}

#[test]
fn routes_check_warns_of_a_field_no_route_serves_and_passes() {
    let dir = Dir::new();
    dir.write(
        "people.toml",
        &people_toml("http://127.0.0.1:9100", ".name"),
    );
    let text = people_graphql(&format!("{NAME}{BORN}"));
    let file = dir.write("people.graphql", &text);
    let (line, column) = at(&text, "born: Int");
    let (code, stdout, stderr) = peregrine(&["routes", "check"], &dir.0);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "{}:{line}:{column}: warning: `Person.born`: `people[{{id}}].born` matches no route\n",
            file.display()
        )
    );
    assert_eq!(
        stdout,
        "route files: 1, routes: 1, GraphQL files: 1; 1 warning\n"
    );

    // Served: no warning.
    dir.write(
        "people.toml",
        &people_toml("http://127.0.0.1:9100", "['name','born']"),
    );
    let (code, stdout, stderr) = peregrine(&["routes", "check"], &dir.0);
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
    assert_eq!(
        stdout,
        "route files: 1, routes: 1, GraphQL files: 1; all good\n"
    );
}

#[test]
fn without_the_catalog_the_graphql_files_alone_are_the_schema() {
    let dir = Dir::new();
    dir.write(
        "people.toml",
        &people_toml("http://127.0.0.1:9100", "['name','born']"),
    );
    dir.write("people.graphql", &people_graphql(&format!("{NAME}{BORN}")));
    // Their `extend type Query` defines `Query`; no catalog field is
    // there to be reported unserved.
    let (code, stdout, stderr) = peregrine(&["routes", "check", "--no-catalog"], &dir.0);
    assert_eq!((code, stderr.as_str()), (Some(0), ""), "{stdout}");
    assert_eq!(
        stdout,
        "route files: 1, routes: 1, GraphQL files: 1; all good\n"
    );
    // A field of the catalog's schema is not there to be extended.
    dir.write(
        "more.graphql",
        "extend type Video {\n  cast: [Person] @graph(path: \"cast[0..9]\")\n}\n",
    );
    let (code, _, stderr) = peregrine(&["routes", "check", "--no-catalog"], &dir.0);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("no type `Video` is defined to extend"),
        "{stderr}"
    );
}
