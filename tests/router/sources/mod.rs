//! Data sources (a remote router, the fallback) composed with local
//! routes: whole paths asked once per request, only their own part of the
//! graph taken, refs followed into local routes, errors at their paths.

use peregrine::graph::{Envelope, PathValue};
use peregrine::path::{Path, PathSet};
use peregrine::router::{Context, HandlerError, Output, Router};
use serde_json::json;

use super::{run, sets, Calls};

mod remote;

use remote::Remote;

/// The legacy router's graph: one user's rows, lists of videos, titles
/// and ratings, and a list of favourites.
fn legacy() -> serde_json::Value {
    json!({
        "genreLists": {"0": {"$type": "ref", "value": ["lists", "A"]}},
        "lists": {"A": {
            "name": "Comedies",
            "0": {"$type": "ref", "value": ["videos", 1]},
            "1": {"$type": "ref", "value": ["videos", 2]}
        }},
        "videos": {
            "1": {"title": "Remote 1", "rating": 4},
            "2": {"title": "Remote 2", "rating": 5},
            "3": {"title": "Remote 3", "rating": 3}
        },
        "people": {"ada": {"name": "Ada", "favorite": {"$type": "ref", "value": ["videos", 3]}}},
        "myList": {"length": 0}
    })
}

/// A local route for the videos' titles, recorded as `titles`.
fn with_local_titles(calls: &Calls) -> peregrine::router::Builder {
    let calls = calls.clone();
    Router::builder().get("videos[{integers:ids}].title", move |get, _ctx| {
        calls.record("titles", get.path_sets());
        async move {
            Ok::<_, HandlerError>(
                get.integers("ids")?
                    .into_iter()
                    .map(|id| {
                        let at = Path::from(vec!["videos".into(), id.into(), "title".into()]);
                        PathValue::new(at.to_path_set(), format!("Local {id}"))
                    })
                    .collect::<Output>(),
            )
        }
    })
}

fn answer(router: &Router, paths: &[&str], ctx: &Context) -> serde_json::Value {
    let envelope = run(router.get(&sets(paths), ctx)).expect("answered");
    serde_json::to_value(envelope).expect("serializable")["jsonGraph"].clone()
}

/// The local titles with the legacy router as fallback.
fn with_a_fallback(calls: &Calls) -> Router {
    with_local_titles(calls)
        .fallback(Remote::new(legacy(), calls))
        .build()
        .expect("a valid table")
}

/// The local titles with the legacy router as fallback, asked two
/// genre lists' titles and ratings and the first's name: the calls made
/// and the answer's JSON Graph.
fn genre_lists_through_the_fallback() -> (Calls, serde_json::Value) {
    let calls = Calls::default();
    let router = with_a_fallback(&calls);
    let graph = answer(
        &router,
        &[
            "genreLists[0][0..1]['title','rating']",
            "genreLists[0].name",
        ],
        &Context::new(),
    );
    (calls, graph)
}

#[test]
fn the_fallback_answers_what_no_route_serves() {
    let (_, graph) = genre_lists_through_the_fallback();
    assert_eq!(
        graph["genreLists"]["0"],
        json!({"$type": "ref", "value": ["lists", "A"]})
    );
    assert_eq!(graph["lists"]["A"]["name"], "Comedies");
    // Titles from the local route, ratings from the remote.
    assert_eq!(
        graph["videos"]["1"],
        json!({"title": "Local 1", "rating": 4})
    );
    assert_eq!(
        graph["videos"]["2"],
        json!({"title": "Local 2", "rating": 5})
    );
}

#[test]
fn the_fallback_is_asked_once_for_the_whole_paths() {
    let (calls, _) = genre_lists_through_the_fallback();
    // What it answered through its refs served the later waves.
    assert_eq!(
        calls.of("remote get"),
        [vec![
            r#"genreLists[0][0..1]["title","rating"]"#.to_owned(),
            "genreLists[0].name".to_owned()
        ]]
    );
    assert_eq!(calls.of("titles"), [vec!["videos[1..2].title".to_owned()]]);
}

/// The local titles with the legacy router as the source of
/// `people[{keys}]`.
fn people_from_a_source(calls: &Calls) -> Router {
    with_local_titles(calls)
        .source("people[{keys}]", Remote::new(legacy(), calls))
        .build()
        .expect("a valid table")
}

#[test]
fn a_source_route_answers_under_its_pattern() {
    let calls = Calls::default();
    let router = people_from_a_source(&calls);
    let graph = answer(&router, &["people.ada['name','favorite']"], &Context::new());
    assert_eq!(graph["people"]["ada"]["name"], "Ada");
}

#[test]
fn a_source_routes_refs_lead_into_local_routes() {
    let calls = Calls::default();
    let router = people_from_a_source(&calls);
    let graph = answer(
        &router,
        &["people.ada['name','favorite']", "people.ada.favorite.title"],
        &Context::new(),
    );
    // The remote's ref is followed into the local route, whose answer
    // stands, not the title the remote read through its own ref.
    assert_eq!(graph["videos"]["3"], json!({"title": "Local 3"}));
    assert_eq!(calls.of("titles"), [vec!["videos[3].title".to_owned()]]);
}

#[test]
fn paths_outside_a_source_routes_pattern_are_not_asked_of_it() {
    let calls = Calls::default();
    let router = people_from_a_source(&calls);
    let graph = answer(&router, &["videos[2].rating"], &Context::new());
    assert_eq!(graph["videos"]["2"]["rating"], json!({"$type": "atom"}));
    assert_eq!(calls.of("remote get").len(), 0);
}

#[test]
fn what_a_source_answers_outside_its_paths_is_dropped_and_counted() {
    let calls = Calls::default();
    let mut remote = Remote::new(legacy(), &calls);
    remote.extra = serde_json::from_value(json!({
        "videos": {"1": {"title": "Hijacked"}},
        "people": {"grace": {"name": "Grace"}}
    }))
    .expect("a graph");
    let router = with_local_titles(&calls)
        .source("people[{keys}]", remote)
        .build()
        .expect("a valid table");
    let ctx = Context::new();
    let graph = answer(&router, &["people.ada.name", "videos[1].title"], &ctx);
    assert_eq!(graph["people"], json!({"ada": {"name": "Ada"}}));
    assert_eq!(graph["videos"]["1"]["title"], "Local 1");
    assert_eq!(ctx.stats().dropped_values(), 2);
}

#[test]
fn a_failing_source_fills_only_its_own_paths_with_its_error() {
    let calls = Calls::default();
    let mut remote = Remote::new(legacy(), &calls);
    remote.failing = true;
    let router = with_local_titles(&calls)
        .fallback(remote)
        .build()
        .expect("a valid table");
    let graph = answer(&router, &["videos[1]['title','rating']"], &Context::new());
    assert_eq!(graph["videos"]["1"]["title"], "Local 1");
    assert_eq!(
        graph["videos"]["1"]["rating"],
        json!({"$type": "error", "value": {"message": "the legacy router is down"}})
    );
}

#[test]
fn a_set_is_forwarded_to_the_source_and_read_back_from_its_answer() {
    let calls = Calls::default();
    let router = with_a_fallback(&calls);
    let ctx = Context::new();
    let set: Envelope = serde_json::from_value(json!({
        "jsonGraph": {"genreLists": {"0": {"0": {"rating": 1}}}},
        "paths": [["genreLists", 0, 0, "rating"]]
    }))
    .expect("an envelope");
    let written = run(router.set(set, &ctx)).expect("set");
    let written = serde_json::to_value(written).expect("serializable");
    assert_eq!(
        written["jsonGraph"]["videos"]["1"]["rating"], 1,
        "{written}"
    );
    assert_eq!(
        calls.of("remote set").len(),
        1,
        "one set, through the remote's refs"
    );
}

#[test]
fn a_call_is_forwarded_to_the_source_and_read_back_from_its_answer() {
    let calls = Calls::default();
    let router = with_a_fallback(&calls);
    let ctx = Context::new();
    let pushed = run(router.call(
        &PathSet::parse("myList.push").expect("a path"),
        vec![json!({"$type": "ref", "value": ["videos", 2]})],
        sets(&["['title','rating']"]),
        vec![],
        &ctx,
    ))
    .expect("called");
    let pushed = serde_json::to_value(pushed).expect("serializable");
    assert_eq!(
        pushed["jsonGraph"]["myList"]["0"],
        json!({"$type": "ref", "value": ["videos", 2]})
    );
    assert_eq!(pushed["jsonGraph"]["myList"]["length"], 1);
    // The title is the local route's, the rating the remote's read-back.
    assert_eq!(
        pushed["jsonGraph"]["videos"]["2"],
        json!({"title": "Local 2", "rating": 5})
    );
    assert_eq!(calls.of("remote call").len(), 1);
    assert_eq!(
        calls.of("remote get").len(),
        0,
        "the read-back came with the call's answer"
    );
}

#[test]
fn two_fallbacks_are_refused() {
    let calls = Calls::default();
    let err = Router::builder()
        .fallback(Remote::new(legacy(), &calls))
        .fallback(Remote::new(legacy(), &calls))
        .build()
        .expect_err("two fallbacks");
    assert!(err.to_string().contains("(fallback)"), "{err}");
}

#[test]
fn a_call_through_the_remotes_ref_reaches_a_function_that_moved_here() {
    let calls = Calls::default();
    let pushed = calls.clone();
    let router = Router::builder()
        .call("lists[{keys:ids}].push", move |call, _ctx| {
            pushed.record("local push", call.path_sets());
            async move {
                Ok::<_, HandlerError>(
                    Output::new().value(PathSet::parse("lists.A.length").expect("a path"), 3),
                )
            }
        })
        .fallback(Remote::new(legacy(), &calls))
        .build()
        .expect("a valid table");
    let called = PathSet::parse("genreLists[0].push").expect("a path");
    let answer =
        run(router.call(&called, vec![json!(1)], vec![], vec![], &Context::new())).expect("called");
    assert_eq!(calls.of("local push"), [vec!["lists.A.push".to_owned()]]);
    assert!(
        calls.of("remote call").is_empty(),
        "the remote only told where the list is"
    );
    let answer = serde_json::to_value(answer).expect("serializable");
    // Reported where it stands, as falcor-router reports it.
    assert_eq!(
        answer["paths"],
        json!([["lists", "A", "length"]]),
        "{answer}"
    );
    assert_eq!(answer["jsonGraph"]["lists"]["A"]["length"], 3, "{answer}");
}

#[test]
fn a_set_through_the_remotes_ref_is_made_by_the_route_that_moved_here() {
    let calls = Calls::default();
    let written = calls.clone();
    let router = Router::builder()
        .set("lists[{keys:ids}].name", move |set, _ctx| {
            written.record("local set", set.path_sets());
            let values: Vec<PathValue> = set
                .values()
                .into_iter()
                .map(|(path, value)| PathValue::new(path.to_path_set(), value.clone()))
                .collect();
            async move { Ok::<_, HandlerError>(Output::from(values)) }
        })
        .fallback(Remote::new(legacy(), &calls))
        .build()
        .expect("a valid table");
    let set: Envelope = serde_json::from_value(json!({
        "jsonGraph": {"genreLists": {"0": {"name": "Comedy"}}},
        "paths": [["genreLists", 0, "name"]]
    }))
    .expect("an envelope");
    let answer = run(router.set(set, &Context::new())).expect("set");
    assert_eq!(calls.of("local set"), [vec!["lists.A.name".to_owned()]]);
    assert!(calls.of("remote set").is_empty(), "written once, here");
    let answer = serde_json::to_value(answer).expect("serializable");
    assert_eq!(
        answer["jsonGraph"]["genreLists"]["0"],
        json!({"$type": "ref", "value": ["lists", "A"]})
    );
    assert_eq!(
        answer["jsonGraph"]["lists"]["A"]["name"], "Comedy",
        "{answer}"
    );
}

#[test]
fn a_call_the_remote_makes_through_its_refs_reports_what_it_wrote_there() {
    let calls = Calls::default();
    let router = Router::builder()
        .fallback(Remote::new(legacy(), &calls))
        .build()
        .expect("a valid table");
    let called = PathSet::parse("genreLists[0].push").expect("a path");
    let video = json!({"$type": "ref", "value": ["videos", 3]});
    let answer = run(router.call(
        &called,
        vec![video.clone()],
        vec![],
        vec![],
        &Context::new(),
    ))
    .expect("called");
    let answer = serde_json::to_value(answer).expect("serializable");
    assert_eq!(answer["jsonGraph"]["lists"]["A"]["0"], video, "{answer}");
    assert_eq!(answer["jsonGraph"]["lists"]["A"]["length"], 1, "{answer}");
    assert_eq!(
        answer["paths"],
        json!([["lists", "A", [0, "length"]]]),
        "{answer}"
    );
    assert_eq!(
        answer["invalidated"],
        json!([["lists", "A", "rows"]]),
        "{answer}"
    );
}

#[test]
fn refs_of_the_remote_that_loop_are_its_error_and_the_rest_arrives() {
    let calls = Calls::default();
    let looping = json!({
        "a": {"$type": "ref", "value": ["b"]},
        "b": {"$type": "ref", "value": ["a"]},
        "c": {"$type": "ref", "value": ["d", "e"]},
        "d": {"$type": "ref", "value": ["f"]}
    });
    let router = with_local_titles(&calls)
        .fallback(Remote::new(looping, &calls))
        .build()
        .expect("a valid table");
    let graph = answer(&router, &["a.x", "c.y", "videos[1].title"], &Context::new());
    assert_eq!(graph["videos"]["1"]["title"], "Local 1");
    // The errors stand where the paths went missing, past the refs.
    assert_eq!(graph["a"], json!({"$type": "ref", "value": ["b"]}));
    for at in [&graph["b"]["x"], &graph["d"]["e"]["y"]] {
        assert_eq!(at["$type"], "error", "{graph}");
        let message = at["value"]["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with("the remote's refs cannot be followed"),
            "{graph}"
        );
    }
}
