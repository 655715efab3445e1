//! A declared read: the route handler and the loader behind it.
//!
//! `people[{integers:ids}]['name','born']` with `get = { service =
//! "people", path = "/people?ids={ids}" }`: the ids a wave asks for are
//! loaded through one loader per route (batched, shared in flight, cached
//! by scope), the items found under `items` in each answer, and each
//! asked field of each item answered at its path. An id or a field the
//! service leaves out is not answered, so the router makes it an empty
//! atom.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value as Json;

use crate::graph::{PathValue, Value};
use crate::loader::{LoadError, Loader, RedisTier, Scope, Settings, Writes};
use crate::path::{Key, KeySet, PathSet};
use crate::router::{Builder, Context, Get as Asked, HandlerError, Output};

use super::service::Service;
use super::template::Template;

/// A declared read, ready to be added to a router.
#[derive(Debug, Clone)]
pub(super) struct Get {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// The pattern, as the file writes it.
    pattern: String,
    /// The pattern as the router prints it.
    canonical: String,
    /// The keys before the ids (`people`).
    prefix: Vec<Key>,
    /// The name of the ids' token; none for a route of one item per
    /// scope (a user's rows, say).
    ids: Option<String>,
    /// Fields whose member in an item has another name.
    renamed: Vec<(String, String)>,
    /// What it answers of each item.
    kind: Kind,
    /// Whether the values are the signed-in user's.
    user: bool,
    /// The `$expires` its values carry, if any.
    expires: Option<Duration>,
    service: String,
    loader: Loader<Key, Arc<Json>>,
}

/// What a route answers of each item.
#[derive(Debug, Clone)]
pub(super) enum Kind {
    /// The asked fields (the pattern's last position).
    Fields,
    /// The array at `pointer`, by index (the token `indices`), each
    /// element a ref to `target` with the element for `{value}`.
    List {
        pointer: String,
        indices: String,
        target: Vec<String>,
    },
    /// The length of the array at `pointer`.
    Length { pointer: String },
}

/// What a route reads, as [`Get::new`] takes it.
#[derive(Debug)]
pub(super) struct Spec {
    /// The loader's name.
    pub(super) name: String,
    pub(super) pattern: String,
    pub(super) prefix: Vec<Key>,
    pub(super) ids: Option<String>,
    pub(super) renamed: Vec<(String, String)>,
    pub(super) kind: Kind,
    pub(super) user: bool,
    pub(super) service: Service,
    pub(super) path: Template,
    /// The JSON Pointer to the items.
    pub(super) items: String,
    /// With items in an array, the member holding each one's id.
    pub(super) key: Option<String>,
    pub(super) ttl: Duration,
    pub(super) expires: Option<Duration>,
    pub(super) max_entries: u64,
    pub(super) max_batch: usize,
    /// The server's cache switch.
    pub(super) caching: bool,
}

impl Get {
    /// The route `spec` declares.
    pub(super) fn new(spec: Spec) -> Get {
        let mut settings = Settings::new(spec.name)
            .max_batch_size(spec.max_batch)
            .caching(spec.caching);
        if !spec.ttl.is_zero() {
            settings = settings.cache(spec.ttl, spec.max_entries);
        }
        if spec.user {
            settings = settings.user_scoped();
        }
        let (service, path, items, key) = (spec.service, spec.path, spec.items, spec.key);
        let name = service.name().to_string();
        let whole = spec.ids.is_none();
        let batch = Arc::new((service, path, items, key));
        let loader = Loader::new(settings, move |scope: Scope, ids: Vec<Key>| {
            let batch = Arc::clone(&batch);
            async move {
                let (service, path, items, key) = &*batch;
                let answer = service.get(&path.render(&ids, scope.user_id())).await?;
                if whole {
                    // One item per scope: the answer (at `items`) itself.
                    let item = answer.pointer(items).cloned().unwrap_or(Json::Null);
                    return Ok(vec![(only(), Arc::new(item))]);
                }
                found(answer, items, key.as_deref(), service.name()).inspect_err(|error| {
                    // The route file and the service disagree: the
                    // operator needs to hear it.
                    service.warn(error);
                })
            }
        });
        Get {
            inner: Arc::new(Inner {
                canonical: crate::path::Pattern::parse(&spec.pattern)
                    .map_or_else(|_| spec.pattern.clone(), |pattern| pattern.to_string()),
                pattern: spec.pattern,
                prefix: spec.prefix,
                ids: spec.ids,
                renamed: spec.renamed,
                kind: spec.kind,
                user: spec.user,
                expires: spec.expires,
                service: name,
                loader,
            }),
        }
    }

    /// The pattern, as the file writes it.
    pub(super) fn pattern(&self) -> &str {
        &self.inner.pattern
    }

    /// The pattern as the router prints it.
    pub(super) fn canonical(&self) -> &str {
        &self.inner.canonical
    }

    /// The service it calls.
    pub(super) fn service(&self) -> &str {
        &self.inner.service
    }

    /// Whether its values are the signed-in user's.
    pub(super) fn is_user(&self) -> bool {
        self.inner.user
    }

    /// The same route with its loader over the Redis tier.
    pub(super) fn with_tier(&self, tier: &RedisTier) -> Get {
        self.with_loader(self.inner.loader.clone().with_tier(tier))
    }

    /// The same route with its loader reporting writes to `writes`.
    pub(super) fn with_writes(&self, writes: &Writes) -> Get {
        self.with_loader(self.inner.loader.clone().with_writes(writes))
    }

    fn with_loader(&self, loader: Loader<Key, Arc<Json>>) -> Get {
        let inner = &self.inner;
        Get {
            inner: Arc::new(Inner {
                pattern: inner.pattern.clone(),
                canonical: inner.canonical.clone(),
                prefix: inner.prefix.clone(),
                ids: inner.ids.clone(),
                renamed: inner.renamed.clone(),
                kind: inner.kind.clone(),
                user: inner.user,
                expires: inner.expires,
                service: inner.service.clone(),
                loader,
            }),
        }
    }

    /// Adds the route to `builder` (signed in for a user's values, so that
    /// without a user its paths say to sign in).
    pub(super) fn add_to(&self, builder: Builder) -> Builder {
        let route = self.clone();
        let pattern = self.inner.pattern.clone();
        let add = move |builder: Builder| {
            builder.get(&pattern, move |request: Asked, ctx: Context| {
                let route = route.clone();
                async move { route.answer(&request, &ctx).await }
            })
        };
        if self.inner.user {
            builder.signed_in(add)
        } else {
            add(builder)
        }
    }

    async fn answer(&self, request: &Asked, ctx: &Context) -> Result<Output, HandlerError> {
        let inner = &*self.inner;
        let ids = match &inner.ids {
            Some(name) => request.keys(name)?,
            None => vec![only()],
        };
        let scope = match (inner.user, ctx.user()) {
            (false, _) => Scope::shared(),
            (true, Some(user)) => Scope::user(user),
            (true, None) => return Err(HandlerError::new("sign in to see these values")),
        };
        let last = request.keys_at(inner.prefix.len() + usize::from(inner.ids.is_some()));
        let indices = match &inner.kind {
            Kind::List { indices, .. } => request.integers(indices)?,
            _ => Vec::new(),
        };
        let loaded = inner.loader.load_many(scope, ids).await;
        let mut output = Output::with_capacity(loaded.len() * last.len());
        for (id, item) in loaded {
            let item =
                item.map_err(|error| HandlerError::new(error.for_clients(&inner.service)))?;
            let id = inner.ids.as_ref().map(|_| &id);
            let at = |key: Key| -> PathSet {
                inner
                    .prefix
                    .iter()
                    .chain(id)
                    .cloned()
                    .chain([key])
                    .map(KeySet::Key)
                    .collect()
            };
            for (key, value) in self.values(&item, &last, &indices) {
                let value = match inner.expires {
                    Some(expires) => value.expires_in(expires),
                    None => value,
                };
                output.push(PathValue::new(at(key), value));
            }
        }
        Ok(output)
    }

    /// What the route answers of `item`, by the key under the item's id:
    /// the asked fields (`last`), the refs at the asked `indices`, or the
    /// length (at the one key of `last`).
    fn values(&self, item: &Json, last: &[Key], indices: &[i64]) -> Vec<(Key, Value)> {
        match &self.inner.kind {
            Kind::Fields => last
                .iter()
                .filter_map(|field| Some((field.clone(), self.member(item, field)?)))
                .collect(),
            Kind::List {
                pointer, target, ..
            } => {
                let Some(elements) = item.pointer(pointer).and_then(Json::as_array) else {
                    return Vec::new();
                };
                indices
                    .iter()
                    .filter_map(|&index| {
                        let element = elements.get(usize::try_from(index).ok()?)?;
                        let path: crate::path::Path = target
                            .iter()
                            .map(|key| match key.as_str() {
                                "{value}" => element_key(element),
                                key => Some(Key::from(key)),
                            })
                            .collect::<Option<_>>()?;
                        Some((Key::from(index), Value::reference(path)))
                    })
                    .collect()
            }
            Kind::Length { pointer } => {
                let length = item.pointer(pointer).and_then(Json::as_array).map(Vec::len);
                match (last.first(), length) {
                    (Some(key), Some(length)) => {
                        vec![(
                            key.clone(),
                            Value::from(u64::try_from(length).unwrap_or(u64::MAX)),
                        )]
                    }
                    _ => Vec::new(),
                }
            }
        }
    }

    /// The value of `field` in `item`: its member of the same name, or
    /// where `fields` says (a member's name, a JSON Pointer from `/`, or
    /// `""` for the item itself); none when there is nothing or null.
    fn member(&self, item: &Json, field: &Key) -> Option<Value> {
        let field = field.to_string();
        let found = match self.inner.renamed.iter().find(|(graph, _)| *graph == field) {
            None => item.get(&field),
            Some((_, at)) if at.is_empty() || at.starts_with('/') => item.pointer(at),
            Some((_, member)) => item.get(member),
        };
        Some(match found? {
            Json::Null => return None,
            Json::Bool(flag) => Value::Bool(*flag),
            Json::Number(number) => Value::Number(number.clone()),
            Json::String(text) => Value::String(text.clone()),
            other => Value::atom(other.clone()),
        })
    }
}

/// The key of the one item of a route without ids.
fn only() -> Key {
    Key::from("")
}

/// An element of a list as the key a ref goes through: a string or an
/// integer; none for anything else.
fn element_key(element: &Json) -> Option<Key> {
    match element {
        Json::String(text) => Some(Key::from(text.as_str())),
        Json::Number(number) => number.as_i64().map(Key::from),
        _ => None,
    }
}

/// The items of `answer` under the pointer `items`, by id: the members of
/// an object, or with `key`, the elements of an array by that member.
fn found(
    answer: Json,
    items: &str,
    key: Option<&str>,
    service: &str,
) -> Result<Vec<(Key, Arc<Json>)>, LoadError> {
    let unexpected = |what: &str| {
        LoadError::backend(format!(
            "{service} service: its answer {what} at `{items}`, where the route file expects its items"
        ))
    };
    let mut answer = answer;
    let Some(at) = answer.pointer_mut(items) else {
        return Err(unexpected("has nothing"));
    };
    match (at.take(), key) {
        (Json::Object(members), None) => Ok(members
            .into_iter()
            .map(|(id, item)| (Key::from(id), Arc::new(item)))
            .collect()),
        (Json::Array(elements), Some(key)) => Ok(elements
            .into_iter()
            .filter_map(|item| {
                let id = match item.get(key)? {
                    Json::String(id) => Key::from(id.as_str()),
                    Json::Number(id) => Key::from(id.as_i64()?),
                    _ => return None,
                };
                Some((id, Arc::new(item)))
            })
            .collect()),
        (_, None) => Err(unexpected("has no object by id")),
        (_, Some(_)) => Err(unexpected("has no array")),
    }
}
