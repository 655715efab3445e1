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

use crate::graph::{Graph, Value};
use crate::loader::Loaded;
use crate::path::Key;
use crate::router::{Builder, Context, Get as Asked, HandlerError, Output};

use super::item::{member_pointer, Accessor, Item};
use super::read::{scope_of, Read};
use super::write::Setter;

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
    /// What it answers of each item, and where it reads it.
    reads: Reads,
    /// The `$expires` its values carry, if any.
    expires: Option<Duration>,
    read: Read,
    /// How its values are set, if they can be.
    set: Option<Setter>,
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

/// What a route answers of each item, with where it reads it.
#[derive(Debug)]
enum Reads {
    /// Each field the pattern names, and where it is.
    Fields(Vec<(Key, Accessor)>),
    List {
        at: Accessor,
        indices: String,
        /// The ref's keys, none standing for the element (`{value}`).
        target: Vec<Option<Key>>,
    },
    Length(Accessor),
}

/// What a route reads of each item: a JSON Pointer from the item for
/// each field of `fields` (with `renamed`'s places), or the one of a
/// list or a length (without a field).
pub(super) fn pointers(
    kind: &Kind,
    fields: &[String],
    renamed: &[(String, String)],
) -> Vec<(Option<String>, String)> {
    match kind {
        Kind::Fields => fields
            .iter()
            .map(|field| {
                let at = match renamed.iter().find(|(graph, _)| graph == field) {
                    Some((_, at)) if at.is_empty() || at.starts_with('/') => at.clone(),
                    Some((_, member)) => member_pointer(member),
                    None => member_pointer(field),
                };
                (Some(field.clone()), at)
            })
            .collect(),
        Kind::List { pointer, .. } | Kind::Length { pointer } => vec![(None, pointer.clone())],
    }
}

/// What a route answers, as [`Get::new`] takes it.
#[derive(Debug)]
pub(super) struct Spec {
    pub(super) pattern: String,
    pub(super) prefix: Vec<Key>,
    pub(super) ids: Option<String>,
    /// The fields its pattern names (for a route of fields).
    pub(super) fields: Vec<String>,
    pub(super) renamed: Vec<(String, String)>,
    pub(super) kind: Kind,
    pub(super) expires: Option<Duration>,
    pub(super) read: Read,
    pub(super) set: Option<Setter>,
}

impl Get {
    /// The route `spec` declares.
    pub(super) fn new(spec: Spec) -> Get {
        let mut read = pointers(&spec.kind, &spec.fields, &spec.renamed)
            .into_iter()
            .map(|(field, pointer)| (field, spec.read.accessor(&pointer)));
        let reads = match spec.kind {
            Kind::Fields => Reads::Fields(
                read.filter_map(|(field, accessor)| Some((Key::from(field?), accessor)))
                    .collect(),
            ),
            Kind::List {
                indices, target, ..
            } => Reads::List {
                at: read
                    .next()
                    .map(|(_, at)| at)
                    .unwrap_or_else(|| spec.read.accessor("")),
                indices,
                target: target
                    .iter()
                    .map(|key| (key != "{value}").then(|| Key::from(key.as_str())))
                    .collect(),
            },
            Kind::Length { .. } => Reads::Length(
                read.next()
                    .map(|(_, at)| at)
                    .unwrap_or_else(|| spec.read.accessor("")),
            ),
        };
        Get {
            inner: Arc::new(Inner {
                canonical: crate::path::Pattern::parse(&spec.pattern)
                    .map_or_else(|_| spec.pattern.clone(), |pattern| pattern.to_string()),
                pattern: spec.pattern,
                prefix: spec.prefix,
                ids: spec.ids,
                reads,
                expires: spec.expires,
                read: spec.read,
                set: spec.set,
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
        self.inner.read.service().name()
    }

    /// Whether its values are the signed-in user's.
    pub(super) fn is_user(&self) -> bool {
        self.inner.read.is_user()
    }

    /// Whether its values can be set.
    pub(super) fn is_set(&self) -> bool {
        self.inner.set.is_some()
    }

    /// Adds the route to `builder` (signed in for a user's values, so that
    /// without a user its paths say to sign in).
    pub(super) fn add_to(&self, builder: Builder) -> Builder {
        let route = self.clone();
        let pattern = self.inner.pattern.clone();
        let set = self.inner.set.clone();
        let add = move |builder: Builder| {
            let builder = builder.get(&pattern, move |request: Asked, ctx: Context| {
                let route = route.clone();
                async move { route.answer(&request, &ctx).await }
            });
            match &set {
                Some(set) => set.add_to(builder, &pattern),
                None => builder,
            }
        };
        if self.inner.read.is_user() {
            builder.signed_in(add)
        } else {
            add(builder)
        }
    }

    async fn answer(&self, request: &Asked, ctx: &Context) -> Result<Output, HandlerError> {
        let inner = &*self.inner;
        let ids = match &inner.ids {
            Some(name) => Some(request.keys(name)?),
            None => None,
        };
        let scope = scope_of(inner.read.is_user(), ctx.user())
            .ok_or_else(|| HandlerError::new("sign in to see these values"))?;
        let last = request.keys_at(inner.prefix.len() + usize::from(inner.ids.is_some()));
        let indices = match &inner.reads {
            Reads::List { indices, .. } => request.integers(indices)?,
            _ => Vec::new(),
        };
        let ids_asked = ids.as_ref().map_or(1, Vec::len);
        let loaded = inner.read.load(scope, ids).await;
        let items = self.items(loaded, &last, &indices)?;
        // Every value is written at an asked id and an asked key: as many
        // as the ids times the keys is every path asked.
        let asked = match &inner.reads {
            Reads::List { .. } => indices.len(),
            _ => last.len(),
        } * ids_asked;
        let answered: usize = match inner.ids {
            Some(_) => items.branches().map(Graph::len).sum(),
            None => items.len(),
        };
        let complete = answered == asked;
        let mut graph = Graph::new();
        if !items.is_empty() {
            *graph.branch_at(&inner.prefix) = items;
        }
        let output = Output::new().graph(graph);
        Ok(if complete { output.complete() } else { output })
    }

    /// What the route answers of the items `loaded`, as a tree: a branch
    /// per item that answers something (or the one item's values), the
    /// values in it; no path per value.
    fn items(
        &self,
        loaded: Loaded<Key, Item>,
        last: &[Key],
        indices: &[i64],
    ) -> Result<Graph, HandlerError> {
        let inner = &*self.inner;
        let mut items = Graph::with_capacity(loaded.len());
        for (id, item) in loaded {
            let values = match item {
                Ok(item) => self.values(&item, last, indices),
                // One item per scope: the route's paths are all its.
                Err(error) if inner.ids.is_none() => {
                    return Err(HandlerError::new(error.for_clients(self.service())))
                }
                // A failed batch fails its own ids' paths, not the other
                // batches'.
                Err(error) => {
                    let failed = Value::error(error.for_clients(self.service()));
                    let keys = match &inner.reads {
                        Reads::List { .. } => {
                            indices.iter().map(|&index| Key::from(index)).collect()
                        }
                        _ => last.to_vec(),
                    };
                    keys.into_iter().map(|key| (key, failed.clone())).collect()
                }
            };
            if values.is_empty() {
                continue;
            }
            let mut branch = Graph::with_capacity(values.len());
            for (key, value) in values {
                let value = match inner.expires {
                    Some(expires) => value.expires_in(expires),
                    None => value,
                };
                branch.put(key, value);
            }
            match inner.ids {
                Some(_) => items.put_branch(id, branch),
                None => items = branch,
            }
        }
        Ok(items)
    }

    /// What the route answers of `item`, by the key under the item's id:
    /// the asked fields (`last`), the refs at the asked `indices`, or the
    /// length (at the one key of `last`).
    fn values(&self, item: &Item, last: &[Key], indices: &[i64]) -> Vec<(Key, Value)> {
        match &self.inner.reads {
            Reads::Fields(fields) => last
                .iter()
                .filter_map(|asked| {
                    let (_, at) = fields.iter().find(|(field, _)| field == asked)?;
                    Some((asked.clone(), value_of(item.get(at)?.as_ref())?))
                })
                .collect(),
            Reads::List { at, target, .. } => {
                let found = item.get(at);
                let Some(elements) = found.as_deref().and_then(Json::as_array) else {
                    return Vec::new();
                };
                indices
                    .iter()
                    .filter_map(|&index| {
                        let element = elements.get(usize::try_from(index).ok()?)?;
                        let path: crate::path::Path = target
                            .iter()
                            .map(|key| match key {
                                None => Key::from_json(element),
                                Some(key) => Some(key.clone()),
                            })
                            .collect::<Option<_>>()?;
                        Some((Key::from(index), Value::reference(path)))
                    })
                    .collect()
            }
            Reads::Length(at) => {
                let found = item.get(at);
                let length = found.as_deref().and_then(Json::as_array).map(Vec::len);
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
}

/// A member of an answer as the value answered: none for null, an atom
/// boxing an array or an object.
pub(super) fn value_of(json: &Json) -> Option<Value> {
    Some(match json {
        Json::Null => return None,
        Json::Bool(flag) => Value::Bool(*flag),
        Json::Number(number) => Value::Number(number.clone()),
        Json::String(text) => Value::String(text.clone()),
        other => Value::atom(other.clone()),
    })
}
