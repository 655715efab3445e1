//! The shortcut to kept answers: a GET of `/model.json` whose answer the
//! [`AnswerCache`](super::AnswerCache) keeps is answered before the inner
//! layers and the routes run.
//!
//! A kept answer needs none of them: it reaches no backend (so it takes
//! no concurrency permit and has no deadline to keep), it is already in
//! the encoding the client accepts, and at the default log level nothing
//! is logged of it. Its request's query string is its key (an
//! [`AnswerKey`]), so its paths are not read either. What is left of its
//! cost is HTTP itself (see docs/decisions/0019-the-shortcut-to-kept-answers.md).
//!
//! It keeps every rule a client sees: the answer is the same user's (the
//! context maker reads the user; a token it refuses goes the whole way,
//! to be refused, and the context made is passed on, so a token is
//! checked once), the URL limit holds, request ids and CORS are the outer
//! layers' (the shortcut sits inside them), the same metrics are counted
//! (requests and their latency, answer hits; not the requests-in-flight
//! gauge, which a request answered within one call never moves). A
//! request goes the whole way whenever the shortcut would answer it
//! otherwise: a trace asked for, logs at debug level or spans exported
//! (OpenTelemetry), an `Accept-Encoding` naming encodings but not gzip
//! (the compression layer may choose br) — and whenever its
//! answer is not kept. Any debug logging (`RUST_LOG=debug`,
//! `peregrine::loader=debug`, `[request]=debug`) sends every request the
//! whole way, so that nothing a log would show is skipped.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::Poll;
use std::time::Instant;

use axum::extract::Request;
use axum::http::{header, Extensions, HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use futures::future::{ready, Either, MapOk, Ready};
use futures::TryFutureExt;
use tower::Service;
use tracing::level_filters::LevelFilter;

use crate::router::Context;
use crate::telemetry;

use super::answer_cache::{accepts_gzip, AnswerKey};
use super::model_json::{check_url, TRACE_HEADER};
use super::{metrics, AppState, Config, Error};

/// `inner`, with kept answers answered before it (see the module's docs).
#[derive(Clone)]
pub(super) struct Shortcut<S> {
    inner: S,
    state: Arc<AppState>,
}

impl<S> Shortcut<S> {
    /// `inner` with the shortcut to the kept answers of `state`.
    pub(super) fn new(inner: S, state: Arc<AppState>) -> Shortcut<S> {
        Shortcut { inner, state }
    }
}

impl<S> Service<Request> for Shortcut<S>
where
    S: Service<Request, Error = Infallible>,
    S::Response: IntoResponse,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<Ready<Result<Response, Infallible>>, MapOk<S::Future, Answered<S>>>;

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        match kept(&self.state, &mut request) {
            Some(response) => Either::Left(ready(Ok(response))),
            None => Either::Right(
                self.inner
                    .call(request)
                    .map_ok(IntoResponse::into_response as Answered<S>),
            ),
        }
    }
}

/// How the inner layers' answer becomes a response.
type Answered<S> = fn(<S as Service<Request>>::Response) -> Response;

/// The kept answer to `request`, when the whole way would answer the
/// same; None: the request goes the whole way, with the context made
/// for it if one was (see [`context`]).
fn kept(state: &AppState, request: &mut Request) -> Option<Response> {
    let config = &state.config;
    let answers = config.answers.as_ref()?;
    let uri = request.uri();
    if request.method() != Method::GET || uri.path() != config.model_path {
        return None;
    }
    let query = uri.query()?;
    // A URL over the limit goes on, to be refused there.
    if check_url(config, uri).is_err() || !answered_alike(request.headers()) {
        return None;
    }
    let started = Instant::now();
    let made = (config.context)(request.headers());
    let found = match &made {
        Ok(ctx) => answers.find(ctx.user(), &AnswerKey::query(query), request.headers()),
        Err(_) => None,
    };
    let Some(response) = found else {
        request.extensions_mut().insert(Made(made));
        return None;
    };
    metrics::request_done("get", "ok", started.elapsed());
    Some(response)
}

/// The context the shortcut made for a request it did not answer (or
/// the context maker's refusal), for the whole way to use rather than
/// make it again: a token is checked once.
#[derive(Clone)]
struct Made(Result<Context, Error>);

/// The context of a request with `extensions` and `headers`: the one the
/// shortcut made, else made now by the context maker of `config`.
pub(super) fn context(
    config: &Config,
    extensions: &mut Extensions,
    headers: &HeaderMap,
) -> Result<Context, Error> {
    match extensions.remove::<Made>() {
        Some(Made(made)) => made,
        None => (config.context)(headers),
    }
}

/// Whether the whole way would answer a kept answer as the shortcut
/// does, by the request's `headers` and what is logged.
fn answered_alike(headers: &HeaderMap) -> bool {
    let traced = headers.contains_key(TRACE_HEADER);
    let encoding = accepts_gzip(headers) || !headers.contains_key(header::ACCEPT_ENCODING);
    !traced && encoding && !requests_logged()
}

/// Whether requests may be logged (their `answered` line, tower-http's
/// `started processing request`, at debug level) or their spans
/// exported. Any debug logging counts, wherever it is turned on: a
/// filter scoped to the request's span (`[request]=debug`) cannot be
/// asked about outside it.
fn requests_logged() -> bool {
    telemetry::is_on() || LevelFilter::current() >= LevelFilter::DEBUG
}
