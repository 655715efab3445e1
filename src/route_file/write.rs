//! Declared writes: the call a set or a call makes, and a route's set.
//!
//! A set writes each value by one call of its own (8 at a time, in a task
//! that outlives the request), then drops the value's cached item
//! whatever the call answered, so that the next read asks the service:
//! caches never keep a value the service may not hold
//! (`docs/decisions/0001-writes-invalidate-not-prime.md`). Each path
//! answers its own outcome: the stored value, or an error value where
//! that write failed or did not answer by the request's deadline.

use std::sync::Arc;
use std::time::Duration;

use http::Method;
use serde_json::Value as Json;

use crate::graph::{PathValue, Value};
use crate::loader::{LoadError, Scope};
use crate::path::{Key, Path, PathSet};
use crate::router::writes::{self, Outcome};
use crate::router::{Builder, Context, HandlerError, Output, Set};

use super::fill::{Fill, Values};
use super::read::{scope_of, Read};
use super::route::value_of;
use super::service::Service;

/// A write call: service, method, path and body, filled from
/// [`Values`].
#[derive(Debug, Clone)]
pub(super) struct Writer {
    pub(super) service: Service,
    pub(super) method: Method,
    pub(super) path: Fill,
    pub(super) body: Option<Body>,
}

/// A body template: JSON whose strings are fills.
#[derive(Debug, Clone)]
pub(super) enum Body {
    Fixed(Json),
    Fill(Fill),
    Array(Vec<Body>),
    Object(Vec<(String, Body)>),
}

impl Body {
    /// The body filled in; none when a placeholder reads nothing.
    pub(super) fn fill(&self, values: &Values<'_>) -> Option<Json> {
        Some(match self {
            Body::Fixed(json) => json.clone(),
            Body::Fill(fill) => fill.json(values)?,
            Body::Array(items) => Json::Array(
                items
                    .iter()
                    .map(|item| item.fill(values))
                    .collect::<Option<_>>()?,
            ),
            Body::Object(members) => Json::Object(
                members
                    .iter()
                    .map(|(name, member)| Some((name.clone(), member.fill(values)?)))
                    .collect::<Option<_>>()?,
            ),
        })
    }
}

impl Writer {
    /// Makes the call with `values`; its answer as JSON.
    pub(super) async fn send(&self, values: &Values<'_>) -> Result<Json, LoadError> {
        let missing = || {
            LoadError::rejected(format!(
                "the {} service's call needs a value this write does not have",
                self.service.name()
            ))
        };
        let path = self.path.text(values, true).ok_or_else(missing)?;
        let body = match &self.body {
            Some(body) => Some(body.fill(values).ok_or_else(missing)?),
            None => None,
        };
        self.service.call(&self.method, &path, body.as_ref()).await
    }
}

/// What a set accepts: a type, and for numbers a range.
#[derive(Debug, Clone, Default)]
pub(super) struct Accepts {
    /// `number`, `integer`, `string` or `boolean`; none: any.
    pub(super) kind: Option<String>,
    pub(super) min: Option<f64>,
    pub(super) max: Option<f64>,
}

impl Accepts {
    /// Whether `value` is accepted; else what is.
    fn check(&self, value: &Json) -> Result<(), String> {
        let typed = match self.kind.as_deref() {
            None => true,
            Some("number") => value.is_number(),
            Some("integer") => value.is_i64() || value.is_u64(),
            Some("string") => value.is_string(),
            Some("boolean") => value.is_boolean(),
            Some(_) => false,
        };
        let number = value.as_f64();
        let in_range = self.min.is_none_or(|min| number.is_some_and(|n| n >= min))
            && self.max.is_none_or(|max| number.is_some_and(|n| n <= max));
        if typed && in_range {
            return Ok(());
        }
        let kind = self.kind.as_deref().unwrap_or("value");
        Err(match (self.min, self.max) {
            (Some(min), Some(max)) => format!("a {kind} from {min} to {max}"),
            (Some(min), None) => format!("a {kind} of at least {min}"),
            (None, Some(max)) => format!("a {kind} of at most {max}"),
            (None, None) => format!("a {kind}"),
        })
    }
}

/// A route's set. Cloning is cheap.
#[derive(Debug, Clone)]
pub(super) struct Setter {
    inner: Arc<SetInner>,
}

/// What [`Setter::new`] takes.
#[derive(Debug)]
pub(super) struct SetInner {
    pub(super) writer: Writer,
    /// A JSON Pointer to the stored value in the answer; none: the value
    /// sent.
    pub(super) stored: Option<String>,
    pub(super) accepts: Accepts,
    /// The position of the id in a path (none: one item per scope).
    pub(super) id_at: Option<usize>,
    /// The read whose item a write drops.
    pub(super) read: Read,
    pub(super) expires: Option<Duration>,
}

impl Setter {
    /// The set `inner` declares.
    pub(super) fn new(inner: SetInner) -> Setter {
        Setter {
            inner: Arc::new(inner),
        }
    }

    /// Adds the set of `pattern` to `builder`.
    pub(super) fn add_to(&self, builder: Builder, pattern: &str) -> Builder {
        let set = self.clone();
        builder.set(pattern, move |request: Set, ctx: Context| {
            let set = set.clone();
            async move { set.answer(&request, &ctx).await }
        })
    }

    async fn answer(&self, request: &Set, ctx: &Context) -> Result<Output, HandlerError> {
        let inner = &self.inner;
        let scope = scope_of(inner.read.is_user(), ctx.user())
            .ok_or_else(|| HandlerError::new("sign in to set these values"))?;
        let mut output = Output::new();
        let mut sent = Vec::new();
        for (path, value) in request.values() {
            let json = json_of(value);
            match inner.accepts.check(&json) {
                Ok(()) => sent.push((path, json)),
                Err(accepted) => {
                    let message = format!("a {} is {accepted}", field_of(&path));
                    output.push(PathValue::new(PathSet::from(path), Value::error(message)));
                }
            }
        }
        let paths: Vec<Path> = sent.iter().map(|(path, _)| path.clone()).collect();
        let set = self.clone();
        let outcomes = writes::each(ctx, sent, move |(path, json)| {
            let (set, scope) = (set.clone(), scope.clone());
            async move { set.write(&scope, &path, &json).await }
        })
        .await;
        let service = inner.writer.service.name();
        for (path, outcome) in paths.into_iter().zip(outcomes) {
            let value = match outcome {
                Outcome::Done(Ok(Some(value))) => match inner.expires {
                    Some(expires) => value.expires_in(expires),
                    None => value,
                },
                // The service did not store it (an unknown item): no value.
                Outcome::Done(Ok(None)) => continue,
                Outcome::Done(Err(error)) => Value::error(error.for_clients(service)),
                Outcome::Unknown => Value::error(format!(
                    "the {service} service did not answer this write before the request's \
                     deadline: it may have been stored (read it again)"
                )),
            };
            output.push(PathValue::new(PathSet::from(path), value));
        }
        Ok(output)
    }

    /// Writes `json` at `path`, then drops the item's cached value
    /// whatever the call answered; the stored value, if any.
    async fn write(
        &self,
        scope: &Scope,
        path: &Path,
        json: &Json,
    ) -> Result<Option<Value>, LoadError> {
        let inner = &self.inner;
        let id: Option<Key> = inner.id_at.and_then(|at| path.get(at).cloned());
        let values = Values {
            user: scope.user_id(),
            value: Some(json),
            id: id.as_ref(),
            ..Values::default()
        };
        let written = inner.writer.send(&values).await;
        inner.read.invalidate(scope.clone(), id).await;
        let answer = written?;
        Ok(match &inner.stored {
            Some(pointer) => answer.pointer(pointer).and_then(value_of),
            None => value_of(json),
        })
    }
}

/// A value a client sent as JSON: an atom's boxed value, a ref or an
/// error as its JSON Graph form.
fn json_of(value: &Value) -> Json {
    match value {
        Value::Atom(atom) => atom.value.clone().unwrap_or(Json::Null),
        other => serde_json::to_value(other).unwrap_or(Json::Null),
    }
}

/// The last key of `path`, for messages (`rating is a number from 1 to
/// 5`).
fn field_of(path: &Path) -> String {
    path.last().map_or_else(String::new, ToString::to_string)
}
