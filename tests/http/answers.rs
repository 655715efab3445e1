//! The answer cache: a user's repeated get is answered without routing
//! (kept the second time it is asked), and never with anything another
//! user, a write or the passing of time has made untrue.

use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderValue, Method};
use peregrine::graph::Value;
use peregrine::http::{AnswerCache, Config, Traces};
use peregrine::loader::{Loader, Scope, Settings, Writes};
use peregrine::router::Context;
use serde_json::json;

use super::*;

/// An app whose `scores[{integers}]` are each user's (`x-user` header),
/// read through a loader that caches them for `ttl`; `set` primes it.
/// `notes[{integers}]` are answered without a loader; `flaky[{integers}]`
/// reads scores too, but its second call fails.
struct Fixture {
    app: axum::Router,
    /// Calls of the scores route's get handler.
    routed: Arc<AtomicUsize>,
    /// Calls of the notes and flaky routes.
    notes: Arc<AtomicUsize>,
    flaky: Arc<AtomicUsize>,
    scores: Loader<u64, String>,
    writes: Writes,
    answers: AnswerCache,
}

impl Fixture {
    fn new(ttl: Duration) -> Fixture {
        let writes = Writes::new();
        let settings = Settings::new("scores").cache(ttl, 1000).user_scoped();
        let scores: Loader<u64, String> =
            Loader::new(settings, |scope: Scope, ids: Vec<u64>| async move {
                let user = scope.user_id().unwrap_or("nobody").to_owned();
                Ok(ids
                    .into_iter()
                    .map(|id| (id, format!("{user}:{id}")))
                    .collect::<HashMap<_, _>>())
            })
            .with_writes(&writes);
        let routed = Arc::new(AtomicUsize::new(0));
        let (notes, flaky) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (get_scores, set_scores, counter) = (scores.clone(), scores.clone(), routed.clone());
        let (flaky_scores, flaky_calls, note_calls) =
            (scores.clone(), flaky.clone(), notes.clone());
        let routes = Router::builder()
            .get("scores[{integers:ids}]", move |req, ctx| {
                let scores = get_scores.clone();
                counter.fetch_add(1, Ordering::SeqCst);
                async move {
                    let scope = Scope::user(ctx.user().unwrap_or("nobody"));
                    let ids: Vec<u64> = req
                        .integers("ids")?
                        .into_iter()
                        .map(|id| id as u64)
                        .collect();
                    let found = scores.load_many(scope, ids).await;
                    Ok::<_, HandlerError>(
                        found
                            .into_iter()
                            .filter_map(|(id, value)| Some((id, value.ok()?)))
                            .map(|(id, value)| PathValue::new(at("scores", id), value))
                            .collect::<Output>(),
                    )
                }
            })
            .set("scores[{integers:ids}]", move |req, ctx| {
                let scores = set_scores.clone();
                async move {
                    let scope = Scope::user(ctx.user().unwrap_or("nobody"));
                    let mut output = Output::new();
                    for (path, value) in req.values() {
                        let id = path.get(1).and_then(|key| key.as_integer()).unwrap_or(0) as u64;
                        let text = match value {
                            Value::String(text) => text.clone(),
                            _ => return Err(HandlerError::new("a score is a string")),
                        };
                        scores.prime(scope.clone(), id, text.clone()).await;
                        output.push(PathValue::new(at("scores", id), text));
                    }
                    Ok::<_, HandlerError>(output)
                }
            })
            .get("notes[{integers:ids}]", move |req, _ctx| {
                note_calls.fetch_add(1, Ordering::SeqCst);
                async move {
                    Ok::<_, HandlerError>(
                        req.integers("ids")?
                            .into_iter()
                            .map(|id| PathValue::new(at("notes", id as u64), "a note"))
                            .collect::<Output>(),
                    )
                }
            })
            .get("flaky[{integers:ids}]", move |req, ctx| {
                let call = flaky_calls.fetch_add(1, Ordering::SeqCst);
                let scores = flaky_scores.clone();
                async move {
                    let scope = Scope::user(ctx.user().unwrap_or("nobody"));
                    let ids: Vec<u64> = req
                        .integers("ids")?
                        .into_iter()
                        .map(|id| id as u64)
                        .collect();
                    let found = scores.load_many(scope, ids.clone()).await;
                    if call == 1 {
                        return Err(HandlerError::new("the flaky service failed"));
                    }
                    Ok(ids
                        .into_iter()
                        .filter(|id| found.contains_key(id))
                        .map(|id| PathValue::new(at("flaky", id), "fine"))
                        .collect::<Output>())
                }
            });
        let answers = AnswerCache::new(1 << 20, &writes);
        let config = Config {
            answers: Some(answers.clone()),
            traces: Traces::Header,
            context: Arc::new(|headers: &HeaderMap| {
                let user = headers.get("x-user").and_then(|value| value.to_str().ok());
                Ok(match user {
                    Some(user) => Context::new().with_user(user),
                    None => Context::new(),
                })
            }),
            ..Config::default()
        };
        Fixture {
            app: app_of(routes, config),
            routed,
            notes,
            flaky,
            scores,
            writes,
            answers,
        }
    }

    fn routed(&self) -> usize {
        self.routed.load(Ordering::SeqCst)
    }

    /// `user` gets `paths` twice, so that the answer is kept.
    async fn get_twice(&self, user: &str, paths: &str) -> Answer {
        let first = self.get(user, paths, &[]).await;
        let second = self.get(user, paths, &[]).await;
        assert_eq!(first.body, second.body);
        second
    }

    /// `user` gets `paths` (path syntax), with `headers` more.
    async fn get(&self, user: &str, paths: &str, headers: &[(&'static str, &str)]) -> Answer {
        let uri = format!(
            "/model.json?{}",
            query(&[("method", "get"), ("paths", &format!("[\"{paths}\"]"))])
        );
        let mut request = request(Method::GET, &uri);
        request.headers_mut().insert(
            "x-user",
            HeaderValue::from_str(user).expect("a user header"),
        );
        for (name, value) in headers {
            let value = HeaderValue::from_str(value).expect("a header value");
            request.headers_mut().insert(*name, value);
        }
        send(&self.app, request).await
    }
}

fn at(name: &'static str, id: u64) -> PathSet {
    Path::from(vec![name.into(), (id as i64).into()]).to_path_set()
}

#[tokio::test]
async fn a_users_repeated_get_is_answered_as_first_without_routing_it_again() {
    let fixture = Fixture::new(Duration::from_secs(60));
    let first = fixture.get("u1", "scores[1..3]", &[]).await;
    assert_eq!(
        first.json(),
        json!({"jsonGraph": {"scores": {"1": "u1:1", "2": "u1:2", "3": "u1:3"}}})
    );
    assert_eq!(fixture.routed(), 1);
    let second = fixture.get("u1", "scores[1..3]", &[]).await;
    assert_eq!(second.body, first.body);
    assert_eq!(fixture.routed(), 2, "asked once before: routed, and kept");
    for _ in 0..3 {
        let again = fixture.get("u1", "scores[1..3]", &[]).await;
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(again.body, first.body, "the same bytes");
        assert_eq!(
            again.header(header::CONTENT_TYPE),
            first.header(header::CONTENT_TYPE)
        );
    }
    assert_eq!(fixture.routed(), 2, "answered from the answer cache");
    // Other paths are another answer.
    fixture.get("u1", "scores[1..2]", &[]).await;
    assert_eq!(fixture.routed(), 3);
}

#[tokio::test]
async fn one_users_answer_never_reaches_another() {
    let fixture = Fixture::new(Duration::from_secs(60));
    fixture.get_twice("u1", "scores[7]").await;
    assert_eq!(fixture.routed(), 2);
    let other = fixture.get_twice("u2", "scores[7]").await;
    assert_eq!(
        other.json(),
        json!({"jsonGraph": {"scores": {"7": "u2:7"}}})
    );
    assert_eq!(fixture.routed(), 4, "u1's kept answer is not u2's");
    for (user, value) in [("u1", "u1:7"), ("u2", "u2:7")] {
        let kept = fixture.get(user, "scores[7]", &[]).await;
        assert_eq!(kept.json(), json!({"jsonGraph": {"scores": {"7": value}}}));
    }
    assert_eq!(fixture.routed(), 4, "each user's own answer, each kept");
}

#[tokio::test]
async fn a_write_drops_the_writers_answers_and_no_one_elses() {
    let fixture = Fixture::new(Duration::from_secs(60));
    fixture.get_twice("u1", "scores[1]").await;
    fixture.get_twice("u2", "scores[1]").await;
    assert_eq!(fixture.routed(), 4);

    let body = json!({"jsonGraph": {"scores": {"1": "new"}}, "paths": [["scores", 1]]});
    let form = query(&[("method", "set"), ("jsonGraph", &body.to_string())]);
    let mut set = post("/model.json", "application/x-www-form-urlencoded", form);
    set.headers_mut()
        .insert("x-user", HeaderValue::from_static("u1"));
    assert_eq!(send(&fixture.app, set).await.status, StatusCode::OK);

    let after = fixture.get("u1", "scores[1]", &[]).await;
    assert_eq!(after.json(), json!({"jsonGraph": {"scores": {"1": "new"}}}));
    assert_eq!(fixture.routed(), 5, "the writer's answer was routed again");
    let other = fixture.get("u2", "scores[1]", &[]).await;
    assert_eq!(
        other.json(),
        json!({"jsonGraph": {"scores": {"1": "u2:1"}}})
    );
    assert_eq!(fixture.routed(), 5, "the other user's answer still kept");

    // An invalidation (what another instance's write notice does) goes
    // the same way.
    fixture.scores.invalidate(Scope::user("u2"), 1).await;
    fixture.get("u2", "scores[1]", &[]).await;
    assert_eq!(fixture.routed(), 6);
    // And a write in the shared scope drops every answer.
    // (u1's answer was asked once since the set: asked again, it is
    // kept.)
    fixture.get_twice("u1", "scores[1]").await;
    assert_eq!(fixture.routed(), 7, "kept again");
    fixture.writes.wrote(&Scope::shared());
    fixture.get("u1", "scores[1]", &[]).await;
    assert_eq!(fixture.routed(), 8);
}

#[tokio::test]
async fn an_answer_lives_no_longer_than_the_values_it_holds() {
    let fixture = Fixture::new(Duration::from_millis(300));
    fixture.get_twice("u1", "scores[1]").await;
    fixture.get("u1", "scores[1]", &[]).await;
    assert_eq!(fixture.routed(), 2);
    tokio::time::sleep(Duration::from_millis(400)).await;
    fixture.get("u1", "scores[1]", &[]).await;
    assert_eq!(fixture.routed(), 3, "the value expired, so did the answer");
}

#[tokio::test]
async fn answers_with_errors_or_values_no_loader_keeps_are_not_kept() {
    let fixture = Fixture::new(Duration::from_secs(60));
    let fine = fixture.get("u1", "flaky[1]", &[]).await;
    assert_eq!(fine.json(), json!({"jsonGraph": {"flaky": {"1": "fine"}}}));
    // Asked again: this one would be kept, but the route fails.
    let failed = fixture.get("u1", "flaky[1]", &[]).await;
    assert_eq!(failed.json()["jsonGraph"]["flaky"]["1"]["$type"], "error");
    let again = fixture.get("u1", "flaky[1]", &[]).await;
    assert_eq!(again.body, fine.body);
    assert_eq!(
        fixture.flaky.load(Ordering::SeqCst),
        3,
        "the error was not kept"
    );
    let kept = fixture.get("u1", "flaky[1]", &[]).await;
    assert_eq!(kept.body, fine.body);
    assert_eq!(
        fixture.flaky.load(Ordering::SeqCst),
        3,
        "the good answer was"
    );

    // Nothing read through a loader: nothing says how long it holds.
    for _ in 0..3 {
        let answer = fixture.get("u1", "notes[1]", &[]).await;
        assert_eq!(
            answer.json(),
            json!({"jsonGraph": {"notes": {"1": "a note"}}})
        );
    }
    assert_eq!(fixture.notes.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_client_that_accepts_gzip_gets_the_kept_bytes_and_a_trace_is_routed() {
    let fixture = Fixture::new(Duration::from_secs(60));
    let plain = fixture.get("u1", "scores[1..9]", &[]).await;
    for _ in 0..2 {
        let zipped = fixture
            .get("u1", "scores[1..9]", &[("accept-encoding", "gzip, br")])
            .await;
        assert_eq!(zipped.header(header::CONTENT_ENCODING), Some("gzip"));
        let mut json = Vec::new();
        flate2::read::GzDecoder::new(zipped.body.as_ref())
            .read_to_end(&mut json)
            .expect("gzip");
        assert_eq!(json, plain.body);
    }
    assert_eq!(fixture.routed(), 2, "kept on the first gzip request");

    let traced = fixture
        .get("u1", "scores[1..9]", &[("peregrine-trace", "1")])
        .await;
    assert!(traced.json()["trace"]["routes"].is_array());
    assert_eq!(
        fixture.routed(),
        3,
        "a trace shows the routing, so it routes"
    );
}

#[tokio::test]
async fn an_answer_asked_once_is_not_kept() {
    let fixture = Fixture::new(Duration::from_secs(60));
    for id in 1..=20 {
        fixture.get("u1", &format!("scores[{id}]"), &[]).await;
    }
    assert_eq!(fixture.routed(), 20);
    assert_eq!(fixture.answers.size().0, 0, "nothing kept");
}
