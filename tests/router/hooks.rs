//! The summary and path-error hooks: what falcor-router's `methodSummary`
//! and `pathError` told, for each request.

use std::sync::{Arc, Mutex};

use peregrine::graph::{PathValue, Value};
use peregrine::path::{Path, PathSet};
use peregrine::router::{Context, HandlerError, Output, PathError, Router, Summary};

use super::{run, sets};

/// A router of two rows of refs to videos whose titles answer and whose
/// ratings fail, with every summary and path error kept.
fn watched() -> (Router, Kept<Summary>, Kept<PathError>) {
    let summaries = Arc::new(Mutex::new(Vec::new()));
    let errors = Arc::new(Mutex::new(Vec::new()));
    let (kept, failed) = (summaries.clone(), errors.clone());
    let router = Router::builder()
        .get("rows[{integers:i}]", |get, _ctx| async move {
            Ok::<_, HandlerError>(
                get.integers("i")?
                    .into_iter()
                    .map(|i| {
                        let at = Path::from(vec!["rows".into(), i.into()]);
                        let to = Path::from(vec!["videos".into(), (10 + i).into()]);
                        PathValue::new(at.to_path_set(), Value::reference(to))
                    })
                    .collect::<Output>(),
            )
        })
        .get("videos[{integers:ids}].title", |get, _ctx| async move {
            Ok::<_, HandlerError>(
                get.integers("ids")?
                    .into_iter()
                    .map(|id| {
                        let at = Path::from(vec!["videos".into(), id.into(), "title".into()]);
                        PathValue::new(at.to_path_set(), format!("Video {id}"))
                    })
                    .collect::<Output>(),
            )
        })
        .get("videos[{integers:ids}].rating", |_get, _ctx| async move {
            Err::<Output, _>(HandlerError::new("ratings service unavailable"))
        })
        .on_summary(move |summary| kept.lock().expect("not poisoned").push(summary.clone()))
        .on_path_error(move |error| failed.lock().expect("not poisoned").push(error.clone()))
        .build()
        .expect("a valid table");
    (router, summaries, errors)
}

/// What a hook was given, kept.
type Kept<T> = Arc<Mutex<Vec<T>>>;

fn printed(paths: &[PathSet]) -> Vec<String> {
    paths.iter().map(ToString::to_string).collect()
}

#[test]
fn each_request_is_summarized_with_its_route_calls_in_wave_order() {
    let (router, summaries, _) = watched();
    run(router.get(&sets(&["rows[0..1]['title','rating']"]), &Context::new())).expect("answered");
    let summaries = summaries.lock().expect("not poisoned");
    let [summary] = summaries.as_slice() else {
        panic!("one summary: {summaries:?}")
    };
    assert_eq!(summary.method, "get");
    assert_eq!(printed(&summary.paths), [r#"rows[0..1]["title","rating"]"#]);
    assert_eq!(
        summary.error, None,
        "failed route calls do not fail the request"
    );
    let calls: Vec<(usize, &str, Vec<String>, Option<&str>)> = summary
        .calls
        .iter()
        .map(|call| {
            (
                call.wave,
                call.route.as_str(),
                printed(&call.paths),
                call.error.as_deref(),
            )
        })
        .collect();
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert_eq!(
        calls[0],
        (1, "rows[{integers:i}]", vec!["rows[0..1]".to_owned()], None)
    );
    assert!(calls.contains(&(
        2,
        "videos[{integers:ids}].title",
        vec!["videos[10..11].title".to_owned()],
        None
    )));
    assert!(calls.contains(&(
        2,
        "videos[{integers:ids}].rating",
        vec!["videos[10..11].rating".to_owned()],
        Some("ratings service unavailable")
    )));
    assert!(
        summary.duration
            >= summary
                .calls
                .iter()
                .map(|call| call.duration)
                .max()
                .unwrap_or_default()
    );
}

#[test]
fn each_route_failure_is_told_with_the_paths_it_fills() {
    let (router, _, errors) = watched();
    run(router.get(
        &sets(&["rows[0].rating", "videos[3].title"]),
        &Context::new(),
    ))
    .expect("answered");
    let errors = errors.lock().expect("not poisoned");
    let told: Vec<(&str, Vec<String>, &str)> = errors
        .iter()
        .map(|error| {
            (
                error.route.as_str(),
                printed(&error.paths),
                error.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        told,
        [(
            "videos[{integers:ids}].rating",
            vec!["videos[10].rating".to_owned()],
            "ratings service unavailable"
        )]
    );
}

#[test]
fn a_request_that_fails_whole_is_summarized_with_why() {
    let (router, summaries, _) = watched();
    let called = PathSet::parse("videos[1].play").expect("a path");
    let failed = run(router.call(&called, vec![], vec![], vec![], &Context::new()));
    assert!(failed.is_err());
    let summaries = summaries.lock().expect("not poisoned");
    assert_eq!(summaries.len(), 1);
    assert_eq!(summaries[0].method, "call");
    let error = summaries[0].error.as_deref().expect("why it failed");
    assert!(error.contains("videos[1].play"), "{error}");
}
