//! The resolvers of the dynamic schema (mutations and introspection run
//! through them; queries through `executor.rs`): root fields plan, write,
//! get and shape; the others read their parent's place in the answered
//! JSON Graph.

use std::sync::Arc;

use async_graphql::dynamic::{
    Field as DynField, FieldFuture, FieldValue, InputValue, ResolverContext, TypeRef,
};
use async_graphql::Value as GqlValue;
use async_graphql_parser::types::{BaseType, Type};

use crate::graph::{ErrorValue, Graph, Node, Value};
use crate::path::{Key, KeySet, PathSet};
use crate::router::{Context, Router};

use super::mapping::{is_list, is_scalar, named_type, Field, Mapping};
use super::plan::{fill, plan_root};
use super::selection::Env;
use super::write::prepare;

/// An object of the answer: a place in the answered graph (refs
/// followed), and its key when it has one of its own (the target of the
/// ref followed to it, or the argument that named it).
struct Place {
    graph: Arc<Graph>,
    path: Vec<Key>,
    key: Option<Key>,
}

/// The async-graphql type of a parsed type.
fn type_ref(ty: &Type) -> TypeRef {
    let base = match &ty.base {
        BaseType::Named(name) => TypeRef::Named(name.to_string().into()),
        BaseType::List(inner) => TypeRef::List(Box::new(type_ref(inner))),
    };
    if ty.nullable {
        base
    } else {
        TypeRef::NonNull(Box::new(base))
    }
}

/// A field with its resolver: a root field plans and gets its paths; any
/// other reads its parent's place.
pub(super) fn dynamic_field(model: &Arc<Mapping>, root: bool, field: &Field) -> DynField {
    let model_here = model.clone();
    let field_here = Arc::new(field.clone());
    let mut dynamic = DynField::new(field.name.as_str(), type_ref(&field.ty), move |ctx| {
        let model = model_here.clone();
        let field = field_here.clone();
        FieldFuture::new(async move {
            // async-graphql fills in the defaults of arguments not given.
            let args = |name: &str| ctx.args.get(name).map(|value| value.as_value().clone());
            let answered = match fill(&field, &args) {
                _ if field.key => {
                    let place = ctx.parent_value.try_downcast_ref::<Place>()?;
                    key(&field, place.key.as_ref())
                }
                Err(message) => Err(message),
                Ok(relative) if field.write.is_some() => match write(&ctx, &field, &args).await {
                    Ok(()) => answer_root(&ctx, &model, &field, relative).await,
                    Err(message) => Err(message),
                },
                Ok(relative) if root => answer_root(&ctx, &model, &field, relative).await,
                Ok(relative) => {
                    let place = ctx.parent_value.try_downcast_ref::<Place>()?;
                    shape(&place.graph, &field, &place.path, relative)
                }
            };
            // A field's error is reported at its path, and the field is
            // null; the rest of the answer stands.
            answered.or_else(|message| {
                let error = async_graphql::Error::new(message).into_server_error(ctx.item.pos);
                ctx.add_error(ctx.set_error_path(error));
                Ok(None)
            })
        })
    });
    if let Some(description) = &field.description {
        dynamic = dynamic.description(description.as_str());
    }
    for argument in &field.arguments {
        let mut input = InputValue::new(argument.name.as_str(), type_ref(&argument.ty));
        if let Some(default) = &argument.default {
            input = input.default_value(default.clone());
        }
        dynamic = dynamic.argument(input);
    }
    dynamic
}

/// A root field: its selection planned into path sets, got from the
/// router as one request, and shaped.
async fn answer_root<'a>(
    ctx: &ResolverContext<'a>,
    model: &Mapping,
    field: &Field,
    base: Vec<KeySet>,
) -> Result<Option<FieldValue<'a>>, String> {
    let router = ctx.data::<Router>().map_err(|error| error.message)?;
    let request_ctx = ctx.data::<Context>().map_err(|error| error.message)?;
    let query = &ctx.ctx.query_env;
    let env = Env {
        variables: &query.variables,
        definitions: &query.operation.node.variable_definitions,
        fragments: &query.fragments,
    };
    let set = &ctx.ctx.item.node.selection_set.node;
    let paths = plan_root(model, &env, field, set, &base)?;
    if paths.is_empty() {
        return Ok(None);
    }
    let envelope = router
        .get(&paths, request_ctx)
        .await
        .map_err(|error| error.to_string())?;
    let graph = Arc::new(envelope.json_graph);
    shape(&graph, field, &[], base)
}

/// The key field `field` of the object standing at the key `at`.
fn key<'a>(field: &Field, at: Option<&Key>) -> Result<Option<FieldValue<'a>>, String> {
    field.key_of(at).map(|value| Some(FieldValue::value(value)))
}

/// A mutation's write, through the router as a Falcor set or call would
/// make it (`write.rs`).
async fn write(
    ctx: &ResolverContext<'_>,
    field: &Field,
    args: &(dyn Fn(&str) -> Option<async_graphql::Value> + Sync),
) -> Result<(), String> {
    let router = ctx.data::<Router>().map_err(|error| error.message)?;
    let request_ctx = ctx.data::<Context>().map_err(|error| error.message)?;
    match prepare(field, args)? {
        Some(ready) => ready.make(router, request_ctx).await,
        None => Ok(()),
    }
}

/// The answer of `field` at `relative` under `parent` in `graph`; an
/// error value there is the message of the field's error.
fn shape<'a>(
    graph: &Arc<Graph>,
    field: &Field,
    parent: &[Key],
    relative: Vec<KeySet>,
) -> Result<Option<FieldValue<'a>>, String> {
    let object = !is_scalar(named_type(&field.ty));
    let relative = PathSet::new(relative);
    let item = |keys: &[Key]| -> Result<Option<FieldValue<'a>>, String> {
        let (path, node, through_ref) = locate(graph, parent, keys, object);
        match node {
            // An object with nothing under it (an unknown id, past the
            // end of a list) is no object.
            Some(branch @ Node::Branch(_)) if object => Ok(has_data(branch).then(|| {
                let named = through_ref || field.keyed;
                FieldValue::owned_any(Place {
                    graph: graph.clone(),
                    key: named.then(|| path.last().cloned()).flatten(),
                    path,
                })
            })),
            Some(Node::Value(value)) => scalar(value).map(|value| value.map(FieldValue::value)),
            _ => Ok(None),
        }
    };
    if is_list(&field.ty) {
        let mut items = Vec::new();
        for path in relative.expand() {
            // What stands at nothing (past the end of a list) is left out.
            if let Some(value) = item(&path)? {
                items.push(value);
            }
        }
        return Ok(Some(FieldValue::list(items)));
    }
    let mut paths = relative.expand();
    match (paths.next(), paths.next()) {
        (Some(path), None) => item(&path),
        _ => Err(format!(
            "`{}` reads more than one path but is not a list",
            field.name
        )),
    }
}

/// The place `keys` lead to from `parent` (a place already located), every
/// ref met along them followed (at most 50 hops), what stands there, and
/// whether the last key led through a ref. One walk: each key is one
/// lookup in the branch reached so far. The place's path is only kept
/// when `with_path` (objects need it, scalars do not).
pub(super) fn locate<'g>(
    graph: &'g Graph,
    parent: &[Key],
    keys: &[Key],
    with_path: bool,
) -> (Vec<Key>, Option<&'g Node>, bool) {
    let mut at: Vec<Key> = Vec::new();
    if with_path {
        at.reserve(parent.len() + keys.len());
        at.extend_from_slice(parent);
    }
    let mut branch: Option<&Graph> = if parent.is_empty() {
        Some(graph)
    } else {
        match graph.node(parent) {
            Some(Node::Branch(next)) => Some(next),
            _ => None,
        }
    };
    let mut node = None;
    let mut hops = 0;
    let mut through_ref = false;
    for key in keys {
        if with_path {
            at.push(key.clone());
        }
        node = branch.and_then(|branch| branch.get(key));
        through_ref = false;
        while let Some(Node::Value(Value::Ref(reference))) = node {
            if hops == 50 {
                break;
            }
            hops += 1;
            through_ref = true;
            if with_path {
                at = reference.path.to_vec();
            }
            node = graph.node(&reference.path);
        }
        branch = match node {
            Some(Node::Branch(next)) => Some(next),
            _ => None,
        };
    }
    (at, node, through_ref)
}

/// Whether anything but empty atoms stands under `node`.
pub(super) fn has_data(node: &Node) -> bool {
    match node {
        Node::Branch(graph) => graph.members().any(|(_, child)| has_data(child)),
        Node::Value(value) => !value.is_empty_atom(),
    }
}

/// A graph value as a GraphQL value; an error value is the field's error.
pub(super) fn scalar(value: &Value) -> Result<Option<GqlValue>, String> {
    // Strings and numbers, most of an answer, go across directly.
    let json = match value {
        Value::String(text) => return Ok(Some(GqlValue::String(text.clone()))),
        Value::Number(number) => return Ok(Some(GqlValue::Number(number.clone()))),
        Value::Bool(b) => return Ok(Some(GqlValue::Boolean(*b))),
        Value::Null => return Ok(Some(GqlValue::Null)),
        Value::Error(error) => return Err(error_message(error)),
        Value::Ref(_) => return Ok(None),
        Value::Atom(atom) => match &atom.value {
            Some(json) => json.clone(),
            None => return Ok(None),
        },
    };
    Ok(Some(GqlValue::from_json(json).unwrap_or(GqlValue::Null)))
}

/// The field error an error value stands for: its `message`.
pub(super) fn error_message(error: &ErrorValue) -> String {
    error
        .value
        .as_ref()
        .and_then(|value| value.get("message"))
        .and_then(|message| message.as_str())
        .map_or_else(|| "the path holds an error".to_owned(), str::to_owned)
}
