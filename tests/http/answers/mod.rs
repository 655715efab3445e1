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
use tokio::sync::Notify;

use super::*;

/// An app over a loader of scores, each user's own (`x-user` header),
/// cached for `ttl` and reporting its writes to the answer cache's
/// `Writes`; the backend leaves id 404 out. Routes:
///
/// - `scores[{integers}]`: the user's scores; `set` primes them;
/// - `notes[{integers}]`: answered without a loader;
/// - `flaky[{integers}]`: the user's scores, but its second call fails;
/// - `others[{integers}]`: user u9's scores, whoever asks;
/// - `plain[{integers}]`: scores through a loader that reports no writes;
/// - `slow[{integers}]`: the user's scores, then waits for `proceed`.
struct Fixture {
    app: axum::Router,
    calls: HashMap<&'static str, Arc<AtomicUsize>>,
    scores: Loader<u64, String>,
    writes: Writes,
    answers: AnswerCache,
    /// Signalled by `slow` once it has loaded; `slow` answers once
    /// `proceed` is.
    loaded: Arc<Notify>,
    proceed: Arc<Notify>,
}

/// A loader of scores (`{user}:{id}`) cached for `ttl`.
fn scores_loader(name: &'static str, ttl: Duration) -> Loader<u64, String> {
    let settings = Settings::new(name).cache(ttl, 1000).user_scoped();
    Loader::new(settings, |scope: Scope, ids: Vec<u64>| async move {
        let user = scope.user_id().unwrap_or("nobody").to_owned();
        Ok(ids
            .into_iter()
            .filter(|id| *id != 404)
            .map(|id| (id, format!("{user}:{id}")))
            .collect::<HashMap<_, _>>())
    })
}

/// The values of `name[ids]` from what `loader` found.
async fn answer(
    name: &'static str,
    loader: &Loader<u64, String>,
    scope: Scope,
    ids: Vec<i64>,
) -> Output {
    let ids = ids.into_iter().map(|id| id as u64);
    loader
        .load_many(scope, ids)
        .await
        .into_iter()
        .filter_map(|(id, value)| Some(PathValue::new(at(name, id), value.ok()?)))
        .collect()
}

impl Fixture {
    fn new(ttl: Duration) -> Fixture {
        Fixture::configured(ttl, |_| {})
    }

    /// [`Fixture::new`], its config changed by `change`.
    fn configured(ttl: Duration, change: impl FnOnce(&mut Config)) -> Fixture {
        let writes = Writes::new();
        let scores = scores_loader("scores", ttl).with_writes(&writes);
        let plain = scores_loader("plain", ttl);
        let names = ["scores", "notes", "flaky", "others", "plain", "slow"];
        let calls: HashMap<_, _> = names
            .into_iter()
            .map(|name| (name, Arc::new(AtomicUsize::new(0))))
            .collect();
        // Counts a call of `name`'s handler; answers the calls before it.
        let counter = |name: &str| {
            let calls = calls[name].clone();
            move || calls.fetch_add(1, Ordering::SeqCst)
        };
        let user = |ctx: &Context| Scope::user(ctx.user().unwrap_or("nobody"));
        let (loaded, proceed) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
        let count = counter("scores");
        let loader = scores.clone();
        let routes = Router::builder().get("scores[{integers:ids}]", move |req, ctx| {
            count();
            let loader = loader.clone();
            async move {
                Ok::<_, HandlerError>(
                    answer("scores", &loader, user(&ctx), req.integers("ids")?).await,
                )
            }
        });
        let loader = scores.clone();
        let routes = routes.set("scores[{integers:ids}]", move |req, ctx| {
            let loader = loader.clone();
            async move {
                let mut output = Output::new();
                for (path, value) in req.values() {
                    let id = path.get(1).and_then(|key| key.as_integer()).unwrap_or(0) as u64;
                    let Value::String(text) = value else {
                        return Err(HandlerError::new("a score is a string"));
                    };
                    loader.prime(user(&ctx), id, text.clone()).await;
                    output.push(PathValue::new(at("scores", id), text.clone()));
                }
                Ok::<_, HandlerError>(output)
            }
        });
        let count = counter("notes");
        let routes = routes.get("notes[{integers:ids}]", move |req, _ctx| {
            count();
            async move {
                let ids = req.integers("ids")?;
                Ok::<_, HandlerError>(
                    ids.into_iter()
                        .map(|id| PathValue::new(at("notes", id as u64), "a note"))
                        .collect::<Output>(),
                )
            }
        });
        let count = counter("flaky");
        let loader = scores.clone();
        let routes = routes.get("flaky[{integers:ids}]", move |req, ctx| {
            let call = count();
            let loader = loader.clone();
            async move {
                let found = answer("flaky", &loader, user(&ctx), req.integers("ids")?).await;
                if call == 1 {
                    return Err(HandlerError::new("the flaky service failed"));
                }
                Ok(found)
            }
        });
        let count = counter("others");
        let loader = scores.clone();
        let routes = routes.get("others[{integers:ids}]", move |req, _ctx| {
            count();
            let loader = loader.clone();
            async move {
                Ok::<_, HandlerError>(
                    answer("others", &loader, Scope::user("u9"), req.integers("ids")?).await,
                )
            }
        });
        let count = counter("plain");
        let routes = routes.get("plain[{integers:ids}]", move |req, ctx| {
            count();
            let loader = plain.clone();
            async move {
                Ok::<_, HandlerError>(
                    answer("plain", &loader, user(&ctx), req.integers("ids")?).await,
                )
            }
        });
        let count = counter("slow");
        let (loader, signal, wait) = (scores.clone(), loaded.clone(), proceed.clone());
        let routes = routes.get("slow[{integers:ids}]", move |req, ctx| {
            count();
            let (loader, signal, wait) = (loader.clone(), signal.clone(), wait.clone());
            async move {
                let found = answer("slow", &loader, user(&ctx), req.integers("ids")?).await;
                signal.notify_one();
                wait.notified().await;
                Ok::<_, HandlerError>(found)
            }
        });
        let answers = AnswerCache::new(1 << 20, &writes);
        let mut config = Config {
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
        change(&mut config);
        Fixture {
            app: app_of(routes, config),
            calls,
            scores,
            writes,
            answers,
            loaded,
            proceed,
        }
    }

    /// How many times the route `name`'s handler was called.
    fn calls(&self, name: &str) -> usize {
        self.calls[name].load(Ordering::SeqCst)
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
        let user = HeaderValue::from_str(user).expect("a user header");
        request.headers_mut().insert("x-user", user);
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

mod kept;
mod shortcut;
