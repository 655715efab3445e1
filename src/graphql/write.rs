//! A mutation's write (`@graph(set:, value:)` or `@graph(call:,
//! arguments:)`), made through the router as a Falcor set or call would
//! make it, and what is checked of a mutation before any of its writes.
//!
//! A mutation writes, then reads back: a refusal of the read-back (too
//! many paths) after the write would answer null for a write that was
//! made. So once async-graphql has validated a mutation, and before its
//! first root field runs, every root field's write is filled in and its
//! write and read-back are checked against the router's limits: a
//! mutation that would be refused writes nothing.

use async_graphql::{PathSegment, Positioned, ServerError};
use async_graphql_parser::types::OperationDefinition;
use async_graphql_value::ConstValue;
use serde_json::Value as Json;

use crate::graph::{Envelope, Graph, Node, Value};
use crate::path::{Path, PathSet};
use crate::router::{Context, Router};

use super::mapping::{Field, Mapping, Write};
use super::plan::{fill, fill_json, fill_path, plan_root};
use super::resolve::{locate, scalar};
use super::selection::Env;

/// A write with its arguments filled in, ready to be made.
pub(super) enum Ready {
    /// A set of one path: the envelope sent, and the path's keys (where
    /// a refusal is answered).
    Set { envelope: Envelope, keys: Path },
    /// A call of the function at `path`.
    Call { path: PathSet, arguments: Vec<Json> },
}

/// The write of `field` with its arguments (`args`) filled in; None for a
/// field that writes nothing.
pub(super) fn prepare(
    field: &Field,
    args: &dyn Fn(&str) -> Option<ConstValue>,
) -> Result<Option<Ready>, String> {
    match &field.write {
        None => Ok(None),
        Some(Write::Set { path, value }) => {
            let path = PathSet::new(fill_path(path, args)?);
            let mut paths = path.expand();
            let (Some(keys), None) = (paths.next(), paths.next()) else {
                return Err(format!("`{}` must set one path, not `{path}`", field.name));
            };
            let value = args(value)
                .ok_or_else(|| format!("no value for the argument `{value}`"))?
                .into_json()
                .map_err(|error| error.to_string())?;
            // The value, nested under the path's keys, as a JSON Graph.
            let json = keys.iter().rev().fold(value, |inner, key| {
                let member = key
                    .as_str()
                    .map(str::to_owned)
                    .or_else(|| key.as_integer().map(|n| n.to_string()))
                    .unwrap_or_default();
                serde_json::json!({ member: inner })
            });
            let graph = Graph::from_json(json).map_err(|error| error.to_string())?;
            let mut envelope = Envelope::new(graph);
            envelope.paths = Some(vec![path]);
            Ok(Some(Ready::Set { envelope, keys }))
        }
        Some(Write::Call {
            function,
            arguments,
        }) => {
            let path = PathSet::parse(function)
                .map_err(|error| format!("`{}`: the call path: {error}", field.name))?;
            let arguments = fill_json(arguments, args)?;
            Ok(Some(Ready::Call { path, arguments }))
        }
    }
}

impl Ready {
    /// The path sets the router is asked to write.
    fn paths(&self) -> &[PathSet] {
        match self {
            Ready::Set { envelope, .. } => envelope.paths.as_deref().unwrap_or_default(),
            Ready::Call { path, .. } => std::slice::from_ref(path),
        }
    }

    /// Makes the write for the request `ctx`.
    pub(super) async fn make(self, router: &Router, ctx: &Context) -> Result<(), String> {
        match self {
            Ready::Set { envelope, keys } => {
                let answer = router
                    .set(envelope, ctx)
                    .await
                    .map_err(|error| error.to_string())?;
                // A set the route refused answers an error at its path.
                match locate(&answer.json_graph, &[], &keys, false).1 {
                    Some(Node::Value(value @ Value::Error(_))) => scalar(value).map(|_| ()),
                    _ => Ok(()),
                }
            }
            Ready::Call { path, arguments } => router
                .call(&path, arguments, Vec::new(), Vec::new(), ctx)
                .await
                .map(|_| ())
                .map_err(|error| error.to_string()),
        }
    }
}

/// Checks each root field of the mutation `operation` (selected in `env`)
/// before any is run: its write filled in, and its write and its read-back
/// within the router's limits. The refusal names the field, at its path.
pub(super) fn preflight(
    model: &Mapping,
    router: &Router,
    env: &Env<'_>,
    operation: &Positioned<OperationDefinition>,
) -> Result<(), ServerError> {
    for group in env.collect("Mutation", &operation.node.selection_set.node) {
        let selected = group.fields[0];
        let Some(field) = model.field("Mutation", selected.node.name.node.as_str()) else {
            continue;
        };
        let args = |name: &str| {
            env.argument(&selected.node, name)
                .or_else(|| field.default_of(name))
        };
        let checked = (|| {
            let write = prepare(field, &args)?;
            let written = write.as_ref().map(Ready::paths).unwrap_or_default();
            router.check(written, &[]).map_err(|e| e.to_string())?;
            let base = fill(field, &args)?;
            let mut read = Vec::new();
            for selected in &group.fields {
                let set = &selected.node.selection_set.node;
                read.extend(plan_root(model, env, field, set, &base)?);
            }
            router.check(&read, &[]).map_err(|e| e.to_string())?;
            Ok::<_, String>(())
        })();
        if let Err(message) = checked {
            let message = format!(
                "the mutation was refused before any write: `{}`: {message}",
                field.name
            );
            let mut error = ServerError::new(message, Some(selected.pos));
            error.path = vec![PathSegment::Field(group.key.to_string())];
            return Err(error);
        }
    }
    Ok(())
}
