//! The answer of a query, shaped straight from the validated document:
//! all root fields planned into one router request, then one walk over
//! the answered JSON Graph that writes the response, field by field in
//! selection order.
//!
//! This is how queries run. async-graphql still parses, validates and
//! limits them (and answers introspection and mutations through the
//! resolvers of `resolve.rs`), but executing a query field by field
//! through its resolvers built a future, a boxed value and a walk from
//! the graph's root for each of the home query's ~330 fields: 0.9 ms of
//! the server's CPU per home query, as much as the routing and backend
//! calls of the request itself (ARCHITECTURE.md, figures).
//!
//! The rules are GraphQL's (spec §6.3 and §6.4): fields are grouped by
//! response key (fragments spread, `@skip` / `@include` applied), a
//! field's error is reported at its path with its location and the field
//! is null, and a null in a non-null place makes its parent null, up to
//! the nearest nullable one (the whole `data` at the root).

use std::sync::Arc;

use async_graphql::indexmap::IndexMap;
use async_graphql::{Name, PathSegment, Positioned, Response, ServerError, Value as GqlValue};
use async_graphql_parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, Field as Selected, OperationDefinition,
    OperationType, SelectionSet,
};

use crate::graph::{Graph, Node, Value};
use crate::path::{Key, PathSet};
use crate::router::{Context, Router};

use super::model::{is_list, is_scalar, named_type, Field, Model};
use super::plan::{fill, plan};
use super::resolve::{has_data, scalar};
use super::selection::{Env, Group};

/// A request's document and variables, kept for the executor (async-graphql
/// takes its own copy to validate).
pub(super) struct Prepared {
    pub(super) document: Arc<ExecutableDocument>,
    pub(super) variables: async_graphql::Variables,
    /// The request's key in [`Known`](super::known::Known), where the
    /// document is kept once validated and answered (None: not kept).
    pub(super) key: Option<String>,
}

impl Prepared {
    /// The operation `name` picks, if it is a query this executor answers:
    /// one with no root introspection field (`__schema`, `__type`), which
    /// async-graphql answers.
    pub(super) fn query(&self, name: Option<&str>) -> Option<&Positioned<OperationDefinition>> {
        let operation = match (&self.document.operations, name) {
            (DocumentOperations::Single(operation), _) => operation,
            (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name)?,
            (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
                operations.values().next()?
            }
            (DocumentOperations::Multiple(_), None) => return None,
        };
        if operation.node.ty != OperationType::Query {
            return None;
        }
        let env = self.env(operation);
        let introspects = env
            .collect("Query", &operation.node.selection_set.node)
            .iter()
            .flat_map(|group| &group.fields)
            .any(|field| matches!(field.node.name.node.as_str(), "__schema" | "__type"));
        (!introspects).then_some(operation)
    }

    fn env<'a>(&'a self, operation: &'a Positioned<OperationDefinition>) -> Env<'a> {
        Env {
            variables: &self.variables,
            definitions: &operation.node.variable_definitions,
            fragments: &self.document.fragments,
        }
    }
}

/// Answers the query `operation` of `prepared` for the request `ctx`.
pub(super) async fn answer(
    model: &Model,
    router: &Router,
    ctx: &Context,
    prepared: &Prepared,
    operation: &Positioned<OperationDefinition>,
) -> Response {
    let env = prepared.env(operation);
    let set = &operation.node.selection_set.node;
    let mut paths = Vec::new();
    let planned = plan(model, &env, "Query", set, &[], &mut paths);
    let graph = match planned {
        Err(message) => Err(message),
        Ok(()) if paths.is_empty() => Ok(Graph::new()),
        Ok(()) => router
            .get_answered(&paths, ctx)
            .await
            .map_err(|error| error.to_string()),
    };
    let mut shaper = Shaper {
        model,
        env,
        errors: Vec::new(),
        path: Vec::new(),
    };
    let data = match &graph {
        Ok(graph) => {
            let groups = env.collect("Query", set);
            shaper.object("Query", &groups, graph, graph)
        }
        Err(message) => {
            // Nothing was answered: each root field is that error.
            shaper.failed_roots(set, message)
        }
    };
    let mut response = Response::new(data.unwrap_or(GqlValue::Null));
    response.errors = shaper.errors;
    response
}

/// What a field came to.
enum Shaped {
    /// A value (maybe null, where the field is nullable).
    Value(GqlValue),
    /// Null in a non-null place: the parent is null too.
    Bubble,
}

/// What stands at a field, before nulls are checked against its type.
enum Found {
    Value(GqlValue),
    /// Nothing, and no error said why.
    Nothing,
    /// Null because a non-null field under it was (its error is reported).
    Bubbled,
}

/// The walk that writes the response.
struct Shaper<'a> {
    model: &'a Model,
    env: Env<'a>,
    errors: Vec<ServerError>,
    /// Where the walk is, for errors' paths (made into async-graphql's
    /// owned segments only when an error is reported).
    path: Vec<Segment<'a>>,
}

/// A step of the walk: a response key or a list index.
#[derive(Clone, Copy)]
enum Segment<'a> {
    Key(&'a Name),
    Index(usize),
}

impl<'a> Shaper<'a> {
    /// The fields of type `type_name` that `selected` select (one field
    /// selected twice brings both selections).
    fn groups(&self, type_name: &str, selected: &[&'a Positioned<Selected>]) -> Vec<Group<'a>> {
        let mut groups = Vec::new();
        for field in selected {
            self.env
                .collect_into(type_name, &field.node.selection_set.node, &mut groups);
        }
        groups
    }

    /// The object of type `type_name` at `here` with the fields of
    /// `groups`; `None` when a non-null field of it was null.
    fn object(
        &mut self,
        type_name: &str,
        groups: &[Group<'a>],
        root: &Graph,
        here: &Graph,
    ) -> Option<GqlValue> {
        let mut object = IndexMap::with_capacity(groups.len());
        for group in groups {
            let value = if group.fields[0].node.name.node == "__typename" {
                GqlValue::String(type_name.to_owned())
            } else {
                let name = group.fields[0].node.name.node.as_str();
                // Validation lets through only the type's own fields.
                let Some(field) = self.model.field(type_name, name) else {
                    continue;
                };
                self.path.push(Segment::Key(group.key));
                let shaped = self.field(field, &group.fields, root, here);
                self.path.pop();
                match shaped {
                    Shaped::Value(value) => value,
                    Shaped::Bubble => return None,
                }
            };
            object.insert(group.key.clone(), value);
        }
        Some(GqlValue::Object(object))
    }

    /// `field` (selected as `selected`) of the object at `here`.
    fn field(
        &mut self,
        field: &Field,
        selected: &[&'a Positioned<Selected>],
        root: &Graph,
        here: &Graph,
    ) -> Shaped {
        let reported = match self.find(field, selected, root, here) {
            Ok(Found::Value(value)) => return Shaped::Value(value),
            Ok(Found::Nothing) => false,
            Ok(Found::Bubbled) => true,
            Err(message) => {
                self.error(message, &selected[0].pos);
                true
            }
        };
        if field.ty.nullable {
            return Shaped::Value(GqlValue::Null);
        }
        if !reported {
            self.error(
                format!(
                    "`{}` is non-null but nothing stands at its path in the graph",
                    field.name
                ),
                &selected[0].pos,
            );
        }
        Shaped::Bubble
    }

    /// What stands at `field`: a list of what its path set expands to, or
    /// the one thing at its path.
    fn find(
        &mut self,
        field: &Field,
        selected: &[&'a Positioned<Selected>],
        root: &Graph,
        here: &Graph,
    ) -> Result<Found, String> {
        // An object's fields, collected once for all the items of a list.
        let type_name = named_type(&field.ty);
        let groups = if is_scalar(type_name) {
            Vec::new()
        } else {
            self.groups(type_name, selected)
        };
        if let (Some(keys), false) = (&field.keys, is_list(&field.ty)) {
            // Most fields (`title`): one path, known when the schema was read.
            return self.item(type_name, &groups, root, here, keys);
        }
        let args = |argument: &str| {
            self.env
                .argument(&selected[0].node, argument)
                .or_else(|| field.default_of(argument))
        };
        let relative = PathSet::new(fill(field, &args)?);
        if let BaseType::List(inner) = &field.ty.base {
            let mut items = Vec::new();
            for keys in relative.expand() {
                self.path.push(Segment::Index(items.len()));
                let item = self.item(type_name, &groups, root, here, &keys);
                self.path.pop();
                match item? {
                    Found::Value(value) => items.push(value),
                    // What stands at nothing (past the end of a list) is
                    // left out.
                    Found::Nothing => {}
                    Found::Bubbled if inner.nullable => items.push(GqlValue::Null),
                    Found::Bubbled => return Ok(Found::Bubbled),
                }
            }
            return Ok(Found::Value(GqlValue::List(items)));
        }
        let mut paths = relative.expand();
        match (paths.next(), paths.next()) {
            (Some(keys), None) => self.item(type_name, &groups, root, here, &keys),
            _ => Err(format!(
                "`{}` reads more than one path but is not a list",
                field.name
            )),
        }
    }

    /// What stands at `keys` from `here`, read as `type_name` (an object
    /// with the fields of `groups`, or a scalar); an error value there is
    /// the field's error.
    fn item(
        &mut self,
        type_name: &str,
        groups: &[Group<'a>],
        root: &Graph,
        here: &Graph,
        keys: &[Key],
    ) -> Result<Found, String> {
        match step(root, here, keys) {
            // An object with nothing under it (an unknown id, past the
            // end of a list) is no object.
            Some(node @ Node::Branch(branch)) if !is_scalar(type_name) => {
                if !has_data(node) {
                    return Ok(Found::Nothing);
                }
                Ok(match self.object(type_name, groups, root, branch) {
                    Some(object) => Found::Value(object),
                    None => Found::Bubbled,
                })
            }
            Some(Node::Value(value)) => Ok(match scalar(value)? {
                Some(value) => Found::Value(value),
                None => Found::Nothing,
            }),
            _ => Ok(Found::Nothing),
        }
    }

    /// Each root field of `set` null with the error `message` (the router
    /// answered nothing).
    fn failed_roots(&mut self, set: &'a SelectionSet, message: &str) -> Option<GqlValue> {
        let mut groups = Vec::new();
        self.env.collect_into("Query", set, &mut groups);
        let mut data = IndexMap::new();
        for group in groups {
            let selected = group.fields[0];
            let name = selected.node.name.node.as_str();
            if name == "__typename" {
                data.insert(group.key.clone(), GqlValue::String("Query".to_owned()));
                continue;
            }
            let nullable = self
                .model
                .field("Query", name)
                .is_none_or(|field| field.ty.nullable);
            self.path.push(Segment::Key(group.key));
            self.error(message.to_owned(), &selected.pos);
            self.path.pop();
            if !nullable {
                return None;
            }
            data.insert(group.key.clone(), GqlValue::Null);
        }
        Some(GqlValue::Object(data))
    }

    fn error(&mut self, message: String, at: &async_graphql::Pos) {
        let mut error = ServerError::new(message, Some(*at));
        error.path = self
            .path
            .iter()
            .map(|segment| match segment {
                Segment::Key(key) => PathSegment::Field(key.to_string()),
                Segment::Index(index) => PathSegment::Index(*index),
            })
            .collect();
        self.errors.push(error);
    }
}

/// What `keys` lead to from `here`, every ref met along them followed
/// from the graph's `root` (at most 50 hops).
fn step<'g>(root: &'g Graph, here: &'g Graph, keys: &[Key]) -> Option<&'g Node> {
    let mut branch = Some(here);
    let mut node = None;
    let mut hops = 0;
    for key in keys {
        node = branch.and_then(|branch| branch.get(key));
        while let Some(Node::Value(Value::Ref(reference))) = node {
            if hops == 50 {
                break;
            }
            hops += 1;
            node = root.node(&reference.path);
        }
        branch = match node {
            Some(Node::Branch(next)) => Some(next),
            _ => None,
        };
    }
    node
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_follows_refs_from_the_root() {
        let graph = Graph::from_json(serde_json::json!({
            "lists": {"a": {"0": {"$type": "ref", "value": ["videos", 7]}}},
            "videos": {"7": {"title": "Seven"}}
        }))
        .expect("graph");
        let keys = [
            Key::from("lists"),
            Key::from("a"),
            Key::from(0),
            Key::from("title"),
        ];
        let found = step(&graph, &graph, &keys);
        assert!(
            matches!(found, Some(Node::Value(Value::String(title))) if title.as_str() == "Seven"),
            "{found:?}"
        );
    }
}
