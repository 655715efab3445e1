//! A declared service: a base URL behind the upstream guards, answering
//! JSON.

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Method, Request};
use serde_json::Value as Json;

use crate::loader::LoadError;
use std::time::Duration;

use toml::Spanned;

use crate::upstream::{endpoint, reason, Trust, Upstream};

use super::check::unusable;
use super::error::{Error, ErrorKind, Source};
use super::format;
use super::live::Sources;
use super::template::expand_environment;

/// A service of a route file: its name, base URL and guards.
#[derive(Debug, Clone)]
pub(super) struct Service {
    name: Arc<str>,
    base: Arc<str>,
    upstream: Upstream,
    /// What a remote router's calls carry of the request's
    /// `Authorization`.
    authorization: Forwarding,
}

/// What the calls to a remote router carry of the request's
/// `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Forwarding {
    /// The request's own, if it has one.
    Forward,
    /// None.
    Drop,
    /// This one, whatever the request's.
    Fixed(HeaderValue),
}

/// A body sent to a service, with its content type.
pub(super) struct Body {
    pub(super) content_type: &'static str,
    pub(super) bytes: Bytes,
    /// Whether a 500 answer is the call's failure rather than the
    /// service's (a remote router's set or call that threw): it does not
    /// count against the breaker ([`Upstream::send_answered`]).
    pub(super) answers_failures: bool,
}

/// The content type of a form.
pub(super) const FORM: &str = "application/x-www-form-urlencoded";

impl Service {
    /// The service `name` at `base` (checked), called through `upstream`.
    pub(super) fn new(
        name: &str,
        base: &str,
        upstream: Upstream,
        authorization: Forwarding,
    ) -> Service {
        Service {
            name: name.into(),
            base: base.into(),
            upstream,
            authorization,
        }
    }

    /// The `Authorization` a remote call carries for a request that
    /// sent `asked`.
    pub(super) fn authorization(&self, asked: Option<&HeaderValue>) -> Option<HeaderValue> {
        match &self.authorization {
            Forwarding::Forward => asked.cloned().map(|mut value| {
                value.set_sensitive(true);
                value
            }),
            Forwarding::Drop => None,
            Forwarding::Fixed(value) => Some(value.clone()),
        }
    }

    /// Its name, as the route files write it.
    pub(super) fn name(&self) -> &str {
        &self.name
    }

    /// Logs a failure of this service's as a warning (rate-limited, see
    /// [`Upstream::warn`]).
    pub(super) fn warn(&self, error: &dyn std::fmt::Display) {
        self.upstream.warn(error);
    }

    /// `GET` of `path` (with its query): the answer's bytes (see
    /// [`Service::send`]).
    pub(super) async fn get(&self, path: &str) -> Result<Bytes, LoadError> {
        self.send(&Method::GET, path, None).await
    }

    /// `method` on `path` (with its query), with `body` as JSON, its
    /// answer read as JSON (an empty answer is `null`); see
    /// [`Service::send`].
    pub(super) async fn call(
        &self,
        method: &Method,
        path: &str,
        body: Option<&Json>,
    ) -> Result<Json, LoadError> {
        let answer = self.send(method, path, body).await?;
        if answer.is_empty() {
            return Ok(Json::Null);
        }
        serde_json::from_slice(&answer).map_err(|error| self.unreadable(method, path, &error))
    }

    /// The failure of a call whose answer is not JSON.
    pub(super) fn unreadable(
        &self,
        method: &Method,
        path: &str,
        error: &dyn std::fmt::Display,
    ) -> LoadError {
        self.failed(
            method,
            path,
            &format_args!("answered unreadable JSON ({error})"),
        )
    }

    /// A failed call, named by the service and the call (never its host
    /// or query: messages may reach clients), and warned of.
    fn failed(&self, method: &Method, path: &str, what: &dyn std::fmt::Display) -> LoadError {
        let message = format!("{} service: {method} {} {what}", self.name, route_of(path));
        self.upstream.warn(&message);
        LoadError::backend(message)
    }

    /// `method` on `path` (with its query), with `body` as JSON: the
    /// answer's bytes. A 4xx is a rejected load with the service's
    /// reason; a failure or a 5xx fails the load naming the service and
    /// the call.
    pub(super) async fn send(
        &self,
        method: &Method,
        path: &str,
        body: Option<&Json>,
    ) -> Result<Bytes, LoadError> {
        let body = body.map(|body| Body {
            content_type: "application/json",
            bytes: Bytes::from(body.to_string()),
            answers_failures: false,
        });
        self.exchange(method, path, body, None).await
    }

    /// [`Service::send`] of any body, with an `Authorization` header.
    pub(super) async fn exchange(
        &self,
        method: &Method,
        path: &str,
        body: Option<Body>,
        authorization: Option<HeaderValue>,
    ) -> Result<Bytes, LoadError> {
        let answered = body.as_ref().is_some_and(|body| body.answers_failures);
        let failed = |what: &dyn std::fmt::Display| self.failed(method, path, what);
        let mut request = Request::builder()
            .method(method.clone())
            .uri(format!("{}{path}", self.base));
        if let Some(authorization) = authorization {
            request = request.header(http::header::AUTHORIZATION, authorization);
        }
        let body = match body {
            Some(body) => {
                request = request.header(http::header::CONTENT_TYPE, body.content_type);
                body.bytes
            }
            None => Bytes::new(),
        };
        let request = request
            .body(body)
            .map_err(|error| failed(&format_args!("not sent ({error})")))?;
        let response = match answered {
            true => self.upstream.send_answered(request).await?,
            false => self.upstream.send(request).await?,
        };
        let status = response.status();
        if status.is_client_error() {
            let why = reason(response.body()).unwrap_or_else(|| status.to_string());
            tracing::debug!(service = %self.name, %status, %why, "backend refused a call");
            return Err(LoadError::rejected(why));
        }
        if !status.is_success() {
            return Err(failed(&format_args!("answered {status}")));
        }
        Ok(response.into_body())
    }
}

/// The path of a call without its query (messages may reach clients; ids
/// and users stay out of them).
fn route_of(path: &str) -> &str {
    path.split_once('?').map_or(path, |(route, _)| route)
}

/// The service `name` as declared: its URL expanded and checked, its
/// guards set.
pub(super) fn declared(
    source: &Source,
    name: &str,
    declared: &Spanned<format::Service>,
    sources: &Sources,
) -> Result<Service, Error> {
    let at = declared.span().start;
    let declared = declared.get_ref();
    if let Some(why) = unusable(declared) {
        return Err(source.error(ErrorKind::Value, at, format!("the service `{name}`: {why}")));
    }
    let set = sources.services.get(name);
    let url_span = declared.url.span();
    let written = match set.and_then(|set| set.url.as_ref()) {
        Some(url) => url,
        None => declared.url.get_ref(),
    };
    let url = expand_environment(written).map_err(|unknown| {
        source.error_in(
            ErrorKind::Environment,
            &url_span,
            unknown.offset,
            format!("the environment variable `{}` is not set", unknown.name),
        )
    })?;
    let base =
        endpoint(name, &url).map_err(|error| match set.and_then(|set| set.url.as_ref()) {
            // The server's flags gave it: the file is not where to look.
            Some(_) => Error::whole(
                ErrorKind::Url,
                &source.path,
                format!("{error} (set by the server's flags)"),
            ),
            None => source.error(ErrorKind::Url, url_span.start, error.to_string()),
        })?;
    let settings = match set.and_then(|set| set.guard.as_ref()) {
        // The server's flags gave it.
        Some(guard) => guard.clone(),
        None => guard(declared, sources.guard.clone()),
    };
    let pool = match &declared.ca_file {
        Some(file) => sources.pool.trusting(&private_ca(source, file)?),
        None => sources.pool.clone(),
    };
    let upstream = Upstream::new(name.to_string(), settings, pool);
    let authorization = forwarding(source, declared)?;
    Ok(Service::new(name, base, upstream, authorization))
}

/// The guard a service declares: `defaults` (the server's) with what
/// its file sets.
fn guard(
    declared: &format::Service,
    defaults: crate::upstream::Settings,
) -> crate::upstream::Settings {
    let mut settings = defaults;
    if let Some(ms) = declared.timeout_ms {
        settings.timeout = Duration::from_millis(ms);
    }
    if let Some(max) = declared.max_concurrent {
        settings.max_concurrent = max;
    }
    if let Some(retries) = declared.retries {
        settings.retries = retries;
    }
    if let Some(calls) = declared.breaker_min_calls {
        settings.breaker.min_calls = calls;
    }
    if let Some(ratio) = declared.breaker_failure_ratio {
        settings.breaker.failure_ratio = ratio;
    }
    if let Some(secs) = declared.breaker_window_secs {
        settings.breaker.window = Duration::from_secs(secs);
    }
    if let Some(ms) = declared.breaker_open_ms {
        settings.breaker.open_for = Duration::from_millis(ms);
    }
    if let Some(bytes) = declared.max_answer_bytes {
        settings.max_answer_bytes = bytes;
    }
    settings
}

/// The private CA of a service's `ca_file`, read relative to the file's
/// directory.
fn private_ca(source: &Source, file: &Spanned<String>) -> Result<Trust, Error> {
    let at = file.span().start;
    let written = expand_environment(file.get_ref()).map_err(|unknown| {
        source.error(
            ErrorKind::Environment,
            at,
            format!("the environment variable `{}` is not set", unknown.name),
        )
    })?;
    let path = match source.path.parent() {
        Some(dir) => dir.join(&written),
        None => std::path::PathBuf::from(&written),
    };
    Trust::system()
        .with_pem_file(&path)
        .map_err(|error| source.error(ErrorKind::Read, at, error.to_string()))
}

/// What a service's remote calls carry of the request's `Authorization`.
fn forwarding(source: &Source, declared: &format::Service) -> Result<Forwarding, Error> {
    let Some(written) = &declared.authorization else {
        return Ok(Forwarding::Forward);
    };
    let at = written.span().start;
    match written.get_ref() {
        format::Authorization::Mode(mode) if mode == "forward" => Ok(Forwarding::Forward),
        format::Authorization::Mode(mode) if mode == "drop" => Ok(Forwarding::Drop),
        format::Authorization::Mode(other) => Err(source.error(
            ErrorKind::Value,
            at,
            format!(
                "`authorization = \"{other}\"`: write \"forward\", \"drop\" or {{ fixed = \"...\" }}"
            ),
        )),
        format::Authorization::Fixed { fixed } => {
            let value = expand_environment(fixed).map_err(|unknown| {
                source.error(
                    ErrorKind::Environment,
                    at,
                    format!("the environment variable `{}` is not set", unknown.name),
                )
            })?;
            let value = HeaderValue::from_str(&value).map(|mut value| {
                value.set_sensitive(true);
                value
            });
            value.map(Forwarding::Fixed).map_err(|_| {
                source.error(
                    ErrorKind::Value,
                    at,
                    "the fixed `authorization` is not a valid header value",
                )
            })
        }
    }
}
