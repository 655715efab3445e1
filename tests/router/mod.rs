//! The router as backend teams and UIs see it: waves, merging, limits,
//! refs, and failures that stay local.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use peregrine::graph::{Envelope, PathValue, Value};
use peregrine::path::{Key, Path, PathSet};
use peregrine::router::{Context, ErrorKind, HandlerError, Output, Router};
use serde_json::json;

mod hooks;
mod sources;

pub(crate) fn sets(paths: &[&str]) -> Vec<PathSet> {
    paths.iter().map(|p| PathSet::parse(p).expect(p)).collect()
}

fn path(keys: &[Key]) -> PathSet {
    Path::from(keys.to_vec()).to_path_set()
}

pub(crate) fn run<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(future)
}

/// Each call: the route and the path sets it was asked, printed.
type Log = Vec<(String, Vec<String>)>;

/// What each route was asked, call by call.
#[derive(Clone, Default)]
pub(crate) struct Calls(Arc<Mutex<Log>>);

impl Calls {
    pub(crate) fn record(&self, route: &str, asked: &[PathSet]) {
        let asked = asked.iter().map(ToString::to_string).collect();
        self.0
            .lock()
            .expect("not poisoned")
            .push((route.to_owned(), asked));
    }

    pub(crate) fn of(&self, route: &str) -> Vec<Vec<String>> {
        let calls = self.0.lock().expect("not poisoned");
        calls
            .iter()
            .filter(|(r, _)| r == route)
            .map(|(_, asked)| asked.clone())
            .collect()
    }

    fn count(&self) -> usize {
        self.0.lock().expect("not poisoned").len()
    }
}

/// A small catalog answered from memory: two rows of three videos.
fn catalog(calls: &Calls) -> Router {
    let (c1, c2, c3, c4) = (calls.clone(), calls.clone(), calls.clone(), calls.clone());
    Router::builder()
        .get("rows[{integers:i}]", move |req, _ctx| {
            c1.record("rows", req.path_sets());
            async move {
                let mut out = Output::new();
                for i in req
                    .integers("i")?
                    .into_iter()
                    .filter(|i| (0..2).contains(i))
                {
                    out = out.value(
                        path(&["rows".into(), i.into()]),
                        Value::reference(Path::from(vec!["lists".into(), format!("L{i}").into()])),
                    );
                }
                Ok::<_, HandlerError>(out)
            }
        })
        .get("lists[{keys:ids}][{integers:i}]", move |req, _ctx| {
            c2.record("lists", req.path_sets());
            async move {
                let mut out = Output::new();
                for id in req.keys("ids")? {
                    let row: i64 = id.as_str().and_then(|s| s[1..].parse().ok()).unwrap_or(0);
                    for i in req
                        .integers("i")?
                        .into_iter()
                        .filter(|i| (0..3).contains(i))
                    {
                        out = out.value(
                            path(&["lists".into(), id.clone(), i.into()]),
                            Value::reference(Path::from(vec![
                                "videos".into(),
                                (10 * row + i).into(),
                            ])),
                        );
                    }
                }
                Ok::<_, HandlerError>(out)
            }
        })
        .get("videos[{integers:ids}].title", move |req, _ctx| {
            c3.record("titles", req.path_sets());
            async move {
                Ok::<_, HandlerError>(
                    req.integers("ids")?
                        .into_iter()
                        .map(|id| {
                            PathValue::new(
                                path(&["videos".into(), id.into(), "title".into()]),
                                format!("Video {id}"),
                            )
                        })
                        .collect::<Output>(),
                )
            }
        })
        .get("videos[{integers:ids}].rating", move |req, ctx| {
            c4.record("ratings", req.path_sets());
            async move {
                let user = ctx
                    .user()
                    .ok_or_else(|| HandlerError::new("ratings need a user"))?
                    .to_owned();
                Ok::<_, HandlerError>(
                    req.integers("ids")?
                        .into_iter()
                        .map(|id| {
                            PathValue::new(
                                path(&["videos".into(), id.into(), "rating".into()]),
                                format!("{user}:{id}"),
                            )
                        })
                        .collect::<Output>(),
                )
            }
        })
        .build()
        .expect("a valid route table")
}

#[test]
fn overlapping_path_sets_reach_a_route_once_per_wave() {
    let calls = Calls::default();
    let router = catalog(&calls);
    let requested = sets(&[
        "videos[1..3].title",
        "videos[2..5].title",
        "videos[3].title",
    ]);
    let answer = run(router.get(&requested, &Context::new())).expect("answered");
    assert_eq!(
        calls.of("titles"),
        vec![vec!["videos[1..5].title".to_owned()]]
    );
    let json = serde_json::to_value(&answer).expect("serializable");
    assert_eq!(json["jsonGraph"]["videos"]["5"]["title"], json!("Video 5"));
}

/// The catalog asked `rows[0..2][0..3]['title','rating']` as u7: the
/// calls made, how many waves it took and the answer's JSON Graph.
fn rows_of_lists_of_videos() -> (Calls, usize, serde_json::Value) {
    let calls = Calls::default();
    let router = catalog(&calls);
    let ctx = Context::new().with_user("u7");
    let requested = sets(&["rows[0..2][0..3]['title','rating']"]);
    let answer = run(router.get(&requested, &ctx)).expect("answered");
    let json = serde_json::to_value(&answer).expect("serializable");
    (calls, ctx.stats().waves(), json["jsonGraph"].clone())
}

#[test]
fn every_route_is_called_once_per_wave_with_all_it_matched() {
    let (calls, waves, _) = rows_of_lists_of_videos();
    assert_eq!(calls.of("rows"), vec![vec!["rows[0..2]".to_owned()]]);
    assert_eq!(
        calls.of("lists"),
        vec![vec!["lists[\"L0\",\"L1\"][0..3]".to_owned()]]
    );
    assert_eq!(
        calls.of("titles"),
        vec![vec!["videos[0..2,10..12].title".to_owned()]]
    );
    assert_eq!(calls.of("ratings").len(), 1);
    assert_eq!(waves, 3);
}

#[test]
fn refs_are_followed_wave_by_wave() {
    let (_, _, graph) = rows_of_lists_of_videos();
    assert_eq!(
        graph["rows"]["1"],
        json!({"$type": "ref", "value": ["lists", "L1"]})
    );
    assert_eq!(
        graph["videos"]["11"],
        json!({"title": "Video 11", "rating": "u7:11"})
    );
}

#[test]
fn paths_past_the_ends_are_empty_atoms_at_their_ref_resolved_place() {
    let (_, _, graph) = rows_of_lists_of_videos();
    // As falcor-router materializes them: at every path nothing answered.
    assert_eq!(graph["rows"]["2"]["3"]["title"], json!({"$type": "atom"}));
    assert_eq!(
        graph["lists"]["L0"]["3"]["rating"],
        json!({"$type": "atom"})
    );
}

#[test]
fn too_many_paths_are_refused_before_any_handler_runs() {
    let calls = Calls::default();
    let router = catalog(&calls);
    let err = run(router.get(&sets(&["videos[0..1000000].title"]), &Context::new()))
        .expect_err("over the limit");
    assert!(
        err.kind() == ErrorKind::TooManyPaths && err.kind().is_bad_request(),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "the request asks for 1000001 paths, more than the limit of 9000 (maximum number of paths exceeded)"
    );
    assert_eq!(calls.count(), 0);
}

#[test]
fn a_ref_cycle_fails_at_once_with_a_clear_error() {
    let router = Router::builder()
        .get("a", |_req, _ctx| async {
            Ok::<_, HandlerError>(PathValue::new(
                PathSet::parse("a")?,
                Value::reference(Path::from(vec!["b".into()])),
            ))
        })
        .get("b", |_req, _ctx| async {
            Ok::<_, HandlerError>(PathValue::new(
                PathSet::parse("b")?,
                Value::reference(Path::from(vec!["a".into()])),
            ))
        })
        .build()
        .expect("a valid route table");
    let started = Instant::now();
    let err = run(router.get(&sets(&["a.title"]), &Context::new())).expect_err("a cycle");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(err.kind(), ErrorKind::Reference, "{err}");
    assert!(err.to_string().contains("circular reference"), "{err}");
}

#[test]
fn a_ref_at_a_path_nobody_asked_for_is_returned_not_followed() {
    // falcor-router loops forever here: it follows every ref a handler
    // returns. Peregrine follows only refs on requested paths.
    let calls = Calls::default();
    let seen = calls.clone();
    let router = Router::builder()
        .get("a[{integers}].b", move |req, _ctx| {
            seen.record("a", req.path_sets());
            async {
                Ok::<_, HandlerError>(Output::new().value(PathSet::parse("a[1].b")?, "one").value(
                    PathSet::parse("a[0].b")?,
                    Value::reference(Path::from(vec!["a".into(), 1.into(), "b".into()])),
                ))
            }
        })
        .build()
        .expect("a valid route table");
    let answer = run(router.get(&sets(&["a[1].b.c"]), &Context::new())).expect("answered");
    assert_eq!(calls.count(), 1);
    assert_eq!(
        serde_json::to_value(&answer).expect("serializable")["jsonGraph"]["a"],
        json!({"0": {"b": {"$type": "ref", "value": ["a", 1, "b"]}}, "1": {"b": "one"}})
    );
}

#[test]
fn a_failing_or_panicking_handler_affects_only_its_own_paths() {
    let router = Router::builder()
        .get("videos[{integers}].title", |_req, _ctx| async {
            Err::<Output, _>(HandlerError::new("catalog service unavailable"))
        })
        .get("videos[{integers}].rating", |_req, _ctx| async {
            if true {
                panic!("bug in the ratings route");
            }
            Ok::<Output, HandlerError>(Output::new())
        })
        .get("videos[{integers:ids}].year", |req, _ctx| async move {
            Ok::<_, HandlerError>(
                req.integers("ids")?
                    .into_iter()
                    .map(|id| {
                        PathValue::new(
                            path(&["videos".into(), id.into(), "year".into()]),
                            1990 + id,
                        )
                    })
                    .collect::<Output>(),
            )
        })
        .build()
        .expect("a valid route table");
    let answer = run(router.get(
        &sets(&["videos[1,2]['title','rating','year']"]),
        &Context::new(),
    ))
    .expect("the request as a whole succeeds");
    let videos = &serde_json::to_value(&answer).expect("serializable")["jsonGraph"]["videos"];
    assert_eq!(
        videos["1"],
        json!({
            "title": {"$type": "error", "value": {"message": "catalog service unavailable"}},
            "rating": {"$type": "error", "value": {"message": "the route handler failed unexpectedly"}},
            "year": 1991
        })
    );
    assert_eq!(videos["2"]["year"], json!(1992));
}

#[test]
fn handlers_of_one_wave_run_concurrently() {
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let mut builder = Router::builder();
    for field in ["title", "year", "rating"] {
        let (running, most) = (running.clone(), most.clone());
        builder = builder.get(
            &format!("videos[{{integers}}].{field}"),
            move |_req, _ctx| {
                let (running, most) = (running.clone(), most.clone());
                async move {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    running.fetch_sub(1, Ordering::SeqCst);
                    Ok::<_, HandlerError>(Output::new())
                }
            },
        );
    }
    let router = builder.build().expect("a valid route table");
    run(router.get(
        &sets(&["videos[1]['title','year','rating']"]),
        &Context::new(),
    ))
    .expect("answered");
    assert_eq!(most.load(Ordering::SeqCst), 3);
}

#[test]
fn the_route_table_refuses_what_cannot_work() {
    let build = |patterns: &[&str]| {
        let mut builder = Router::builder();
        for pattern in patterns {
            builder = builder.get(pattern, |_req, _ctx| async {
                Ok::<_, HandlerError>(Output::new())
            });
        }
        builder
            .build()
            .map(|_| ())
            .expect_err("refused")
            .to_string()
    };
    assert_eq!(
        build(&["a[{integers}]", "a[{ranges}]"]),
        "the get routes `a[{integers}]` and `a[{ranges}]` match the same paths with the same \
         precedence (two routes cannot have the same precedence or path)"
    );
    assert!(build(&["a['b','c']", "a['c','d']"]).contains("`a[\"b\",\"c\"]` and `a[\"c\",\"d\"]`"));
    assert!(build(&["a.b", "a.b"]).contains("match the same paths"));
    assert!(build(&["videos[{integer}]"])
        .starts_with("route `videos[{integer}]`: invalid path at offset 8"));
    assert!(build(&["a[0..5000]"]).contains("more than 1024 literal keys"));
    // A get and a set of one pattern are one route.
    Router::builder()
        .get("a.b", |_req, _ctx| async {
            Ok::<_, HandlerError>(Output::new())
        })
        .set("a.b", |_req, _ctx| async {
            Ok::<_, HandlerError>(Output::new())
        })
        .build()
        .expect("get and set of one pattern");
}

#[test]
fn set_reaches_the_set_route_through_server_refs() {
    let calls = Calls::default();
    let seen = calls.clone();
    let router = Router::builder()
        .get("rows[{integers}]", |_req, _ctx| async {
            Ok::<_, HandlerError>(PathValue::new(
                PathSet::parse("rows[0]")?,
                Value::reference(Path::from(vec!["videos".into(), 7.into()])),
            ))
        })
        .set("videos[{integers}].rating", move |req, _ctx| {
            seen.record("set", req.path_sets());
            async move {
                Ok::<_, HandlerError>(
                    req.values()
                        .into_iter()
                        .map(|(at, value)| PathValue::new(at.to_path_set(), value.clone()))
                        .collect::<Output>(),
                )
            }
        })
        .build()
        .expect("a valid route table");
    let envelope: Envelope = serde_json::from_value(
        json!({"jsonGraph": {"rows": {"0": {"rating": 4}}}, "paths": [["rows", 0, "rating"]]}),
    )
    .expect("an envelope");
    let answer = run(router.set(envelope, &Context::new())).expect("set");
    assert_eq!(calls.of("set"), vec![vec!["videos[7].rating".to_owned()]]);
    assert_eq!(
        serde_json::to_value(&answer).expect("serializable"),
        json!({"jsonGraph": {"rows": {"0": {"$type": "ref", "value": ["videos", 7]}}, "videos": {"7": {"rating": 4}}}})
    );
    let missing: Envelope = serde_json::from_value(
        json!({"jsonGraph": {"videos": {}}, "paths": [["videos", 7, "rating"]]}),
    )
    .expect("an envelope");
    let err = run(router.set(missing, &Context::new())).expect_err("no value");
    assert!(
        err.kind().is_bad_request() && err.to_string().contains("no value at `videos[7].rating`"),
        "{err}"
    );
}

#[test]
fn a_call_reports_its_paths_and_invalidations() {
    let router = Router::builder()
        .get("lists[{integers}]", |_req, _ctx| async {
            Ok::<_, HandlerError>(PathValue::new(
                PathSet::parse("lists[0]")?,
                Value::reference(Path::from(vec!["listsById".into(), "A".into()])),
            ))
        })
        .call("listsById[{keys}].remove", |req, _ctx| async move {
            let index = req
                .arguments()
                .first()
                .and_then(|a| a.as_i64())
                .ok_or_else(|| HandlerError::new("remove needs an index"))?;
            Ok::<_, HandlerError>(
                Output::new()
                    .value(PathSet::parse("listsById.A.length")?, 4)
                    .invalidate(PathSet::parse(&format!("listsById.A[{index}..4]"))?),
            )
        })
        .build()
        .expect("a valid route table");
    let answer = run(router.call(
        &PathSet::parse("lists[0].remove").expect("valid"),
        vec![json!(2)],
        vec![],
        vec![],
        &Context::new(),
    ))
    .expect("called");
    assert_eq!(
        serde_json::to_value(&answer).expect("serializable"),
        json!({
            "jsonGraph": {"lists": {"0": {"$type": "ref", "value": ["listsById", "A"]}}, "listsById": {"A": {"length": 4}}},
            "paths": [["listsById", "A", "length"]],
            "invalidated": [["listsById", "A", {"from": 2, "to": 4}]]
        })
    );
    let err = run(router.call(
        &PathSet::parse("lists[0].remove").expect("valid"),
        vec![],
        vec![],
        vec![],
        &Context::new(),
    ))
    .expect_err("the handler fails");
    assert_eq!(
        err.to_string(),
        "the call handler of `listsById[{keys}].remove` failed: remove needs an index"
    );
    let err = run(router.call(
        &PathSet::parse("lists[0].push").expect("valid"),
        vec![],
        vec![],
        vec![],
        &Context::new(),
    ))
    .expect_err("no such function");
    assert!(
        err.kind() == ErrorKind::CallNotFound && err.kind().is_bad_request(),
        "{err}"
    );
}

#[test]
fn requests_that_could_exhaust_the_server_are_refused_or_cost_nothing() {
    let calls = Calls::default();
    let router = catalog(&calls);
    let ctx = Context::new();
    // Deeper than max_path_length (64): refused before anything runs, so
    // no graph that deep is ever built.
    let deep: PathSet = (0..15_000)
        .map(|_| peregrine::path::KeySet::from(0))
        .collect();
    let err = run(router.get(&[deep], &ctx)).expect_err("too deep");
    assert_eq!(
        err.to_string(),
        "a requested path has 15000 keys, more than the limit of 64 (max_path_length)"
    );
    // A huge range is counted, not walked, when looking for null keys.
    let huge: PathSet = serde_json::from_value(
        json!(["videos", {"from": 0, "to": 1_000_000_000_000_i64}, "title"]),
    )
    .expect("a path set");
    assert!(
        run(router.get(&[huge], &ctx)).expect_err("too many").kind() == ErrorKind::TooManyPaths
    );
    // An empty key set makes a path set of no path: nothing is asked,
    // however large the rest.
    let empty = sets(&["videos[0..50000000][1..0]"]);
    let answer = run(router.get(&empty, &ctx)).expect("answered");
    assert_eq!(
        serde_json::to_value(&answer).expect("serializable"),
        json!({"jsonGraph": {}})
    );
    assert_eq!(calls.count(), 0);
    let err = run(router.get(
        &[serde_json::from_value(json!(["videos", [1, null]])).expect("a path set")],
        &ctx,
    ))
    .expect_err("null key");
    assert!(
        err.to_string().contains("null as its key at position 1"),
        "{err}"
    );
}

#[test]
fn a_handler_that_panics_before_its_future_fails_only_its_paths() {
    let router = Router::builder()
        .get("videos[{integers:ids}].title", |req, _ctx| {
            let _typo = req.integers("idz").expect("a mistyped token name");
            async { Ok::<_, HandlerError>(Output::new()) }
        })
        .get("videos[{integers}].year", |_req, _ctx| async {
            Ok::<_, HandlerError>(Output::new().value(PathSet::parse("videos[1].year")?, 1999))
        })
        .build()
        .expect("a valid route table");
    let answer =
        run(router.get(&sets(&["videos[1]['title','year']"]), &Context::new())).expect("answered");
    assert_eq!(
        serde_json::to_value(&answer).expect("serializable")["jsonGraph"]["videos"]["1"],
        json!({"title": {"$type": "error", "value": {"message": "the route handler failed unexpectedly"}}, "year": 1999})
    );
}

#[test]
fn refs_are_followed_after_every_answer_of_the_wave_is_in() {
    let calls = Calls::default();
    let (lists, items) = (calls.clone(), calls.clone());
    let router = Router::builder()
        .get("lists[{integers}]", move |req, _ctx| {
            lists.record("lists", req.path_sets());
            async {
                Ok::<_, HandlerError>(PathValue::new(
                    PathSet::parse("lists[0]")?,
                    Value::reference(Path::from(vec!["items".into(), "x".into()])),
                ))
            }
        })
        .get("items[{keys}].name", move |req, _ctx| {
            items.record("items", req.path_sets());
            async {
                Ok::<_, HandlerError>(Output::new().value(PathSet::parse("items.x.name")?, "X"))
            }
        })
        .build()
        .expect("a valid route table");
    let answer = run(router.get(&sets(&["lists[0].name", "items.x.name"]), &Context::new()))
        .expect("answered");
    // The items route answered items.x.name in the first wave; following
    // lists.0 to it asks nothing more.
    assert_eq!(calls.of("items").len(), 1);
    assert_eq!(
        serde_json::to_value(&answer).expect("serializable")["jsonGraph"]["items"],
        json!({"x": {"name": "X"}})
    );
}

#[test]
fn each_request_context_counts_its_own_stats() {
    let calls = Calls::default();
    let router = catalog(&calls);
    let template = Context::new().with_user("u1");
    for _ in 0..3 {
        let ctx = template
            .clone()
            .with_deadline(Instant::now() + Duration::from_secs(5));
        run(router.get(&sets(&["videos[1].title"]), &ctx)).expect("answered");
        assert_eq!(ctx.stats().waves(), 1);
    }
}

#[test]
fn an_error_passed_on_with_question_mark_does_not_reach_clients() {
    let router = Router::builder()
        .get("videos[{integers}].title", |_req, _ctx| async {
            let backend: Result<Output, std::io::Error> = Err(std::io::Error::other(
                "connection refused: http://10.1.2.3:8080/videos",
            ));
            Ok::<_, HandlerError>(backend?)
        })
        .build()
        .expect("a valid route table");
    let answer = run(router.get(&sets(&["videos[1].title"]), &Context::new())).expect("answered");
    let text = serde_json::to_string(&answer).expect("serializable");
    assert!(!text.contains("10.1.2.3"), "{text}");
    assert!(text.contains("the route could not answer"), "{text}");
}

#[test]
fn a_call_refusing_its_arguments_is_a_bad_request() {
    let router = Router::builder()
        .call("myList.remove", |req, _ctx| async move {
            let index = req
                .arguments()
                .first()
                .and_then(|a| a.as_u64())
                .ok_or_else(|| {
                    HandlerError::bad_request("myList.remove takes one argument: an index")
                })?;
            Ok::<_, HandlerError>(
                Output::new().value(PathSet::parse("myList.length")?, index as i64),
            )
        })
        .build()
        .expect("a valid route table");
    let err = run(router.call(
        &PathSet::parse("myList.remove").expect("valid"),
        vec![json!("x")],
        vec![],
        vec![],
        &Context::new(),
    ))
    .expect_err("refused");
    assert!(err.kind().is_bad_request(), "{err}");
    assert_eq!(
        err.to_string(),
        "`myList.remove` refused the call: myList.remove takes one argument: an index"
    );
}

#[test]
fn a_call_whose_read_back_passes_the_limits_is_answered_without_it() {
    // The handler answers more refs than a read-back of every suffix
    // under each of them may ask for; it has run by then, so the call is
    // answered with the refs it made, not refused.
    let made = Arc::new(AtomicUsize::new(0));
    let counted = made.clone();
    let router = Router::builder()
        .max_paths(10)
        .call("shelf.fill", move |_req, _ctx| {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                let refs = (0..6).map(|slot| {
                    PathValue::new(
                        PathSet::parse(&format!("shelf[{slot}]")).expect("valid"),
                        Value::reference(Path::from(vec!["videos".into(), slot.into()])),
                    )
                });
                Ok::<_, HandlerError>(refs.collect::<Output>())
            }
        })
        .build()
        .expect("a valid route table");
    let answer = run(router.call(
        &PathSet::parse("shelf.fill").expect("valid"),
        vec![],
        sets(&["title", "year"]),
        vec![],
        &Context::new(),
    ))
    .expect("answered: the call was made");
    assert_eq!(made.load(Ordering::SeqCst), 1);
    let answer = serde_json::to_value(&answer).expect("serializable");
    assert_eq!(
        answer["paths"],
        json!([["shelf", {"from": 0, "to": 5}]]),
        "{answer}"
    );
    assert_eq!(
        answer["jsonGraph"]["shelf"]["5"],
        json!({"$type": "ref", "value": ["videos", 5]})
    );
}

#[test]
fn a_call_or_set_refused_by_a_limit_runs_no_handler() {
    let ran = Arc::new(AtomicUsize::new(0));
    let (on_call, on_set) = (ran.clone(), ran.clone());
    let router = Router::builder()
        .max_set_values(2)
        .call("list.push", move |_req, _ctx| {
            on_call.fetch_add(1, Ordering::SeqCst);
            async { Ok::<_, HandlerError>(Output::new()) }
        })
        .set("items[{integers}]", move |_req, _ctx| {
            on_set.fetch_add(1, Ordering::SeqCst);
            async { Ok::<_, HandlerError>(Output::new()) }
        })
        .build()
        .expect("a valid route table");
    let deep = format!("a{}", ".b".repeat(63));
    let err = run(router.call(
        &PathSet::parse("list.push").expect("valid"),
        vec![],
        sets(&[&deep]),
        vec![],
        &Context::new(),
    ))
    .expect_err("the read-back would pass max_path_length");
    assert!(err.kind().is_bad_request(), "{err}");
    assert_eq!(err.kind().name(), "path_too_long");
    let envelope: Envelope = serde_json::from_value(json!({
        "jsonGraph": {"items": {"0": 1, "1": 2, "2": 3}},
        "paths": [["items", {"from": 0, "to": 2}]]
    }))
    .expect("an envelope");
    let err = run(router.set(envelope, &Context::new())).expect_err("three values, limit two");
    assert_eq!(err.kind().name(), "too_many_values");
    assert_eq!(
        err.to_string(),
        "the set writes 3 values, more than the limit of 2 (max_set_values): send them in several requests"
    );
    assert_eq!(ran.load(Ordering::SeqCst), 0, "no handler ran");
}
