//! A remote Falcor router: the [`DataSource`] of a route's `remote =
//! { service, path }` and of `[fallback]`, speaking falcor-express's wire
//! format to it.
//!
//! - get: `GET {path}?method=get&paths=[…]`, or the same as a form `POST`
//!   when the URL would pass [`MAX_URL_BYTES`];
//! - set: `POST` of `method=set&jsonGraph={"jsonGraph": …, "paths": […]}`;
//! - call: `POST` of `method=call&callPath=…&arguments=…&pathSuffixes=…&paths=…`.
//!
//! Each call goes through the service's guards and carries the request's
//! `Authorization` as the service says ([`Forwarding`](super::service::Forwarding)).
//! An answer that is not a JSON Graph envelope fails the call. With a
//! TTL, get answers are cached by scope ([`Cached`]); a set or call
//! through the remote drops what is cached in its scope.

use std::sync::Arc;

use bytes::Bytes;
use futures::future::BoxFuture;
use http::{HeaderValue, Method};

use crate::graph::Envelope;
use crate::loader::{expiry, LoadError, LoadErrorKind, Scope};
use crate::path::PathSet;
use crate::router::{Builder, Call, Context, DataSource, Get, HandlerError, Set};

use super::cached::{Cached, Spec};
use super::live::Sources;
use super::service::{Body, Service, FORM};

/// The longest `GET` URL sent (path and query): past it, a get is a form
/// `POST`, as falcor-express reads either. Node's HTTP server refuses
/// heads over 16 KiB.
pub(super) const MAX_URL_BYTES: usize = 8 * 1024;

/// The request's `Authorization` header, which remote routers may be
/// sent (see a service's `authorization`). The server's context maker
/// puts it in each request's [`Context`] ([`Context::with`]).
#[derive(Debug, Clone)]
pub struct Authorization(pub HeaderValue);

/// A remote router: its service, the path of its model, and its cache.
#[derive(Debug, Clone)]
pub(super) struct Remote {
    inner: Arc<Inner>,
    /// Its answers by scope, when it has a TTL.
    cached: Option<Cached>,
}

#[derive(Debug)]
struct Inner {
    service: Service,
    /// The path of its `model.json`, with any query of its own.
    path: String,
    /// Whether its answers are the signed-in user's (cached per user).
    user: bool,
}

impl Remote {
    /// The remote at `path` of `service`, uncached; `user`: its answers
    /// are the signed-in user's.
    pub(super) fn new(service: Service, path: String, user: bool) -> Remote {
        Remote {
            inner: Arc::new(Inner {
                service,
                path,
                user,
            }),
            cached: None,
        }
    }

    /// The same remote with its answers cached as `spec` says.
    pub(super) fn cached(self, spec: Spec, sources: &Sources) -> Remote {
        let cached = Cached::new(spec, self.clone(), sources);
        Remote {
            cached: Some(cached),
            ..self
        }
    }

    /// The service it calls.
    pub(super) fn service(&self) -> &Service {
        &self.inner.service
    }

    /// Whether its answers are the signed-in user's.
    pub(super) fn is_user(&self) -> bool {
        self.inner.user
    }

    /// The URL path of a call with `query`.
    fn url(&self, query: &str) -> String {
        let inner = &*self.inner;
        let joint = if inner.path.contains('?') { '&' } else { '?' };
        format!("{}{joint}{query}", inner.path)
    }

    /// Asks the remote for `paths` (uncached).
    pub(super) async fn fetch(
        &self,
        paths: &[PathSet],
        authorization: Option<HeaderValue>,
    ) -> Result<Envelope, LoadError> {
        let query = form(&[("method", "get"), ("paths", &json(paths))]);
        let url = self.url(&query);
        if url.len() <= MAX_URL_BYTES {
            return self.exchange(Method::GET, &url, None, authorization).await;
        }
        let body = Body {
            content_type: FORM,
            bytes: Bytes::from(query),
            answers_failures: false,
        };
        let path = self.inner.path.clone();
        self.exchange(Method::POST, &path, Some(body), authorization)
            .await
    }

    /// Posts the form `fields` (a set or a call) and drops what is
    /// cached in the request's scope, whatever the remote answered.
    async fn write(
        &self,
        fields: &[(&str, &str)],
        ctx: &Context,
    ) -> Result<Envelope, HandlerError> {
        let body = Body {
            content_type: FORM,
            bytes: Bytes::from(form(fields)),
            answers_failures: true,
        };
        let path = self.inner.path.clone();
        let authorization = self.authorization(ctx);
        let answer = self
            .exchange(Method::POST, &path, Some(body), authorization)
            .await;
        if let Some(cached) = &self.cached {
            cached.forget(ctx).await;
        }
        answer.map_err(|error| {
            // The router answered, and failed the write: say so, rather
            // than that it is unavailable.
            let name = self.inner.service.name();
            match (error.kind() == LoadErrorKind::Backend, fields.first()) {
                (true, Some(("method", method))) => {
                    HandlerError::new(format!("{name} service failed the {method}"))
                }
                _ => self.for_clients(&error),
            }
        })
    }

    async fn exchange(
        &self,
        method: Method,
        path: &str,
        body: Option<Body>,
        authorization: Option<HeaderValue>,
    ) -> Result<Envelope, LoadError> {
        let service = &self.inner.service;
        let answer = service.exchange(&method, path, body, authorization).await?;
        serde_json::from_slice::<Envelope>(&answer).map_err(|error| {
            service.unreadable(
                &method,
                path,
                &format_args!("not a JSON Graph envelope: {error}"),
            )
        })
    }

    fn authorization(&self, ctx: &Context) -> Option<HeaderValue> {
        // A shared remote's answers are everyone's: no one's token goes
        // to it (a fixed one still does).
        let asked = ctx
            .get::<Authorization>()
            .map(|header| &header.0)
            .filter(|_| self.inner.user);
        self.inner.service.authorization(asked)
    }

    fn for_clients(&self, error: &LoadError) -> HandlerError {
        HandlerError::new(error.for_clients(self.inner.service.name()))
    }

    async fn get_paths(&self, paths: Vec<PathSet>, ctx: Context) -> Result<Envelope, HandlerError> {
        let authorization = self.authorization(&ctx);
        let answer = match &self.cached {
            Some(cached) => cached.load(self, paths, authorization, &ctx).await,
            None => {
                // Nothing keeps it: an answer holding it is not kept.
                expiry::note_read(&Scope::shared(), None);
                self.fetch(&paths, authorization).await
            }
        };
        answer.map_err(|error| self.for_clients(&error))
    }
}

impl DataSource for Remote {
    fn get(&self, get: Get, ctx: Context) -> BoxFuture<'static, Result<Envelope, HandlerError>> {
        let remote = self.clone();
        let paths = get.path_sets().to_vec();
        Box::pin(async move { remote.get_paths(paths, ctx).await })
    }

    fn set(&self, set: Set, ctx: Context) -> BoxFuture<'static, Result<Envelope, HandlerError>> {
        let remote = self.clone();
        let envelope = Envelope {
            json_graph: set.graph().clone(),
            paths: Some(set.path_sets().to_vec()),
            invalidated: None,
        };
        Box::pin(async move {
            let envelope = json(&envelope);
            remote
                .write(&[("method", "set"), ("jsonGraph", &envelope)], &ctx)
                .await
        })
    }

    fn call(&self, call: Call, ctx: Context) -> BoxFuture<'static, Result<Envelope, HandlerError>> {
        let remote = self.clone();
        let fields = [
            (
                "callPath",
                call.path_sets().first().map(json).unwrap_or_default(),
            ),
            ("arguments", json(&call.arguments())),
            ("pathSuffixes", json(&call.path_suffixes())),
            ("paths", json(&call.paths())),
        ];
        Box::pin(async move {
            let mut form: Vec<(&str, &str)> = vec![("method", "call")];
            form.extend(fields.iter().map(|(name, value)| (*name, value.as_str())));
            remote.write(&form, &ctx).await
        })
    }
}

/// `value` as JSON text (what it is made of always serializes).
fn json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// `fields` as `application/x-www-form-urlencoded`.
fn form(fields: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// A remote route as declared: its pattern (the fallback's is
/// `(fallback)`) and its remote.
#[derive(Debug, Clone)]
pub(super) struct Routed {
    pub(super) pattern: String,
    pub(super) canonical: String,
    pub(super) remote: Remote,
}

impl Routed {
    /// The fallback's pattern, as listed.
    pub(super) const FALLBACK: &'static str = crate::router::FALLBACK;

    /// Adds it to `builder`: a source of its pattern, or the fallback.
    pub(super) fn add_to(&self, builder: Builder) -> Builder {
        match self.pattern.as_str() {
            Routed::FALLBACK => builder.fallback(self.remote.clone()),
            pattern => builder.source(pattern, self.remote.clone()),
        }
    }
}
