//! `GraphQl`: the dynamic async-graphql schema built from the model, and
//! the resolvers that shape an answered JSON Graph into the query's
//! answer.

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use async_graphql::dynamic::{
    Field as DynField, FieldFuture, FieldValue, InputValue, Object as DynObject, ResolverContext,
    Schema, TypeRef,
};
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};
use async_graphql::{ServerError, Value as GqlValue};
use async_graphql_parser::types::{BaseType, ExecutableDocument, Type};

use crate::graph::{ErrorValue, Graph, Node, Value};
use crate::path::{Key, KeySet, PathSet};
use crate::router::{Context, Router};

use super::answer::{answer, Prepared};
use super::error::{Error, ErrorKind};
use super::known::Known;
use super::model::{is_list, is_scalar, named_type, Field, Model, Write};
use super::plan::{fill, fill_json, fill_path, plan};
use super::reply::Reply;
use super::selection::Env;

/// The query limits, on by default (graphql-armor's defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How deep a selection may nest (default 6). Introspection fields
    /// (`__schema`, `__type`) are not counted, as graphql-armor does not:
    /// GraphiQL's own introspection query nests deeper than that.
    pub depth: usize,
    /// How many aliases a query may use (default 15).
    pub aliases: usize,
    /// The most fields a query may select, each costing 1 (default 5000).
    pub complexity: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            depth: 6,
            aliases: 15,
            complexity: 5000,
        }
    }
}

/// A GraphQL schema served over a router. Cheap to clone.
#[derive(Clone)]
pub struct GraphQl {
    schema: Schema,
    limits: Limits,
    model: Arc<Model>,
    router: Router,
    pub(super) known: Arc<Known>,
}

impl fmt::Debug for GraphQl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphQl")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// An object of the answer: a place in the answered graph (refs followed).
struct Place {
    graph: Arc<Graph>,
    path: Vec<Key>,
}

impl GraphQl {
    /// The schema of `sdl` (see the [module](super)) over `router`.
    ///
    /// ```
    /// use peregrine::graphql::{GraphQl, Limits};
    /// use peregrine::router::Router;
    ///
    /// let sdl = r#"
    ///   directive @graph(path: String!) on FIELD_DEFINITION
    ///   type Query { video(id: Int!): Video @graph(path: "videos[{id}]") }
    ///   type Video { title: String @graph(path: "title") }
    /// "#;
    /// let graphql = GraphQl::new(sdl, Router::builder().build()?, Limits::default())?;
    /// assert!(graphql.sdl().contains("video(id: Int!): Video"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(sdl: &str, router: Router, limits: Limits) -> Result<GraphQl, Error> {
        let model = Arc::new(Model::parse(sdl)?);
        let mutation = model.objects.contains_key("Mutation").then_some("Mutation");
        let known = Arc::new(Known::new());
        let mut builder = Schema::build("Query", mutation, None)
            .data(router.clone())
            .limit_complexity(limits.complexity)
            .extension(Direct {
                known: known.clone(),
            });
        for type_name in &model.order {
            let object = &model.objects[type_name];
            let mut dynamic = DynObject::new(type_name.as_str());
            if let Some(description) = &object.description {
                dynamic = dynamic.description(description.as_str());
            }
            for field in &object.fields {
                let root = type_name == "Query" || type_name == "Mutation";
                dynamic = dynamic.field(dynamic_field(&model, root, field));
            }
            builder = builder.register(dynamic);
        }
        let schema = builder
            .finish()
            .map_err(|error| Error::new(ErrorKind::Schema(error.0)))?;
        Ok(GraphQl {
            schema,
            limits,
            model,
            router,
            known,
        })
    }

    /// Runs `request` for the request context `ctx` (its user, deadline
    /// and loaders).
    pub async fn execute(&self, mut request: async_graphql::Request, ctx: Context) -> Reply {
        // A query answered before goes straight to the executor (`known.rs`).
        let key = Known::key(&request);
        if let Some(document) = key.as_deref().and_then(|key| self.known.get(key)) {
            let prepared = Prepared::new(document, request.variables, None);
            let name = request.operation_name.as_deref();
            if let Some(operation) = prepared.query(name) {
                let written = answer(&self.model, &self.router, &ctx, &prepared, operation).await;
                return Reply::written(written);
            }
            request.variables = prepared.variables;
        }
        // Parsed once: the request keeps the document for validation, and
        // a copy is kept for our executor (`answer.rs`). A query that does
        // not parse is left to async-graphql's message.
        let Ok(document) = request.parsed_query() else {
            return Reply::resolved(self.schema.execute(request.data(ctx)).await);
        };
        if let Some(refused) = self.past_limits(document) {
            return Reply::resolved(async_graphql::Response::from_errors(vec![refused]));
        }
        let document = Arc::new(document.clone());
        let prepared = Arc::new(Prepared::new(document, request.variables.clone(), key));
        let name = request.operation_name.clone();
        let request = request.data(prepared.clone()).data(ctx.clone());
        let response = self.schema.execute(request).await;
        if prepared.validated.load(Ordering::Acquire) {
            if let Some(operation) = prepared.query(name.as_deref()) {
                let written = answer(&self.model, &self.router, &ctx, &prepared, operation).await;
                return Reply::written(written);
            }
        }
        Reply::resolved(response)
    }

    /// Runs `request` through async-graphql's execution and the resolvers
    /// alone, as mutations and introspection are: the executor's tests
    /// compare the two.
    #[cfg(test)]
    pub(super) async fn execute_with_resolvers(
        &self,
        request: async_graphql::Request,
        ctx: Context,
    ) -> Reply {
        Reply::resolved(self.schema.execute(request.data(ctx)).await)
    }

    /// The schema in SDL, as introspection sees it.
    pub fn sdl(&self) -> String {
        self.schema.sdl()
    }

    /// The error for a query past the alias, depth or complexity limit,
    /// naming it (async-graphql's own complexity check stays as a
    /// backstop, in words that do not name the limit).
    fn past_limits(&self, document: &ExecutableDocument) -> Option<ServerError> {
        let fragments = &document.fragments;
        let mut aliases = 0;
        let mut depth = 0;
        let mut fields = 0;
        for (_, operation) in document.operations.iter() {
            let set = &operation.node.selection_set.node;
            aliases += count_aliases(set);
            let shape = measure(set, fragments, 0);
            depth = depth.max(shape.depth);
            fields += shape.fields;
        }
        for fragment in fragments.values() {
            aliases += count_aliases(&fragment.node.selection_set.node);
        }
        let refuse = |message: String| Some(ServerError::new(message, None));
        if aliases > self.limits.aliases {
            return refuse(format!(
                "the query uses {aliases} aliases, more than the limit of {} (aliases)",
                self.limits.aliases
            ));
        }
        if depth > self.limits.depth {
            return refuse(format!(
                "the query nests fields {depth} deep, more than the limit of {} (depth)",
                self.limits.depth
            ));
        }
        if fields > self.limits.complexity {
            return refuse(format!(
                "the query selects {fields} fields, more than the limit of {} (complexity, one per field)",
                self.limits.complexity
            ));
        }
        None
    }
}

/// The extension that stops async-graphql before it executes a query our
/// executor answers (`answer.rs`), once it has validated it, and keeps
/// its document for the next time (`known.rs`); mutations and
/// introspection go on to the resolvers.
struct Direct {
    known: Arc<Known>,
}

impl ExtensionFactory for Direct {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Direct {
            known: self.known.clone(),
        })
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for Direct {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> async_graphql::Response {
        if let Some(prepared) = ctx.data_opt::<Arc<Prepared>>() {
            if prepared.query(operation_name).is_some() {
                if let Some(key) = &prepared.key {
                    self.known.keep(key.clone(), prepared.document.clone());
                }
                // `GraphQl::execute` answers it, and drops this response.
                prepared.validated.store(true, Ordering::Release);
                return async_graphql::Response::new(GqlValue::Null);
            }
        }
        next.run(ctx, operation_name).await
    }
}

/// How deep fields nest in a selection set, and how many it selects.
struct Shape {
    depth: usize,
    fields: usize,
}

/// The shape of `set`, fragments spread in place (a fragment that spreads
/// itself counts once: validation refuses it anyway). Introspection fields
/// (`__schema`, `__type`) count for neither.
fn measure(
    set: &async_graphql_parser::types::SelectionSet,
    fragments: &std::collections::HashMap<
        async_graphql::Name,
        async_graphql_parser::Positioned<async_graphql_parser::types::FragmentDefinition>,
    >,
    spread: usize,
) -> Shape {
    use async_graphql_parser::types::Selection;
    let mut shape = Shape {
        depth: 0,
        fields: 0,
    };
    if spread > fragments.len() {
        return shape;
    }
    for item in &set.items {
        let inner = match &item.node {
            Selection::Field(field) if field.node.name.node.starts_with("__") => continue,
            Selection::Field(field) => {
                let inner = measure(&field.node.selection_set.node, fragments, spread);
                Shape {
                    depth: inner.depth + 1,
                    fields: inner.fields + 1,
                }
            }
            Selection::InlineFragment(fragment) => {
                measure(&fragment.node.selection_set.node, fragments, spread)
            }
            Selection::FragmentSpread(name) => match fragments.get(&name.node.fragment_name.node) {
                Some(fragment) => measure(&fragment.node.selection_set.node, fragments, spread + 1),
                None => continue,
            },
        };
        shape.depth = shape.depth.max(inner.depth);
        shape.fields += inner.fields;
    }
    shape
}

fn count_aliases(set: &async_graphql_parser::types::SelectionSet) -> usize {
    use async_graphql_parser::types::Selection;
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some())
                    + count_aliases(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => count_aliases(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
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
fn dynamic_field(model: &Arc<Model>, root: bool, field: &Field) -> DynField {
    let model_here = model.clone();
    let field_here = Arc::new(field.clone());
    let mut dynamic = DynField::new(field.name.as_str(), type_ref(&field.ty), move |ctx| {
        let model = model_here.clone();
        let field = field_here.clone();
        FieldFuture::new(async move {
            // async-graphql fills in the defaults of arguments not given.
            let args = |name: &str| ctx.args.get(name).map(|value| value.as_value().clone());
            let answered = match fill(&field, &args) {
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
    model: &Model,
    field: &Field,
    base: Vec<KeySet>,
) -> Result<Option<FieldValue<'a>>, String> {
    let router = ctx.data::<Router>().map_err(|error| error.message)?;
    let request_ctx = ctx.data::<Context>().map_err(|error| error.message)?;
    let type_name = named_type(&field.ty);
    let mut paths = Vec::new();
    if is_scalar(type_name) {
        paths.push(PathSet::new(base.clone()));
    } else {
        let query = &ctx.ctx.query_env;
        let env = Env {
            variables: &query.variables,
            definitions: &query.operation.node.variable_definitions,
            fragments: &query.fragments,
        };
        let set = &ctx.ctx.item.node.selection_set.node;
        plan(model, &env, type_name, set, &base, &mut paths)?;
    }
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

/// A mutation's write, through the router as a Falcor set or call would.
async fn write(
    ctx: &ResolverContext<'_>,
    field: &Field,
    args: &(dyn Fn(&str) -> Option<async_graphql::Value> + Sync),
) -> Result<(), String> {
    let router = ctx.data::<Router>().map_err(|error| error.message)?;
    let request_ctx = ctx.data::<Context>().map_err(|error| error.message)?;
    match &field.write {
        None => Ok(()),
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
            let mut envelope = crate::graph::Envelope::new(graph);
            envelope.paths = Some(vec![path]);
            let answer = router
                .set(envelope, request_ctx)
                .await
                .map_err(|error| error.to_string())?;
            // A set the route refused answers an error at its path.
            match locate(&answer.json_graph, &[], &keys, false).1 {
                Some(Node::Value(value @ Value::Error(_))) => scalar(value).map(|_| ()),
                _ => Ok(()),
            }
        }
        Some(Write::Call {
            function,
            arguments,
        }) => {
            let call_path = PathSet::parse(function)
                .map_err(|error| format!("`{}`: the call path: {error}", field.name))?;
            let arguments = fill_json(arguments, args)?;
            router
                .call(&call_path, arguments, Vec::new(), Vec::new(), request_ctx)
                .await
                .map(|_| ())
                .map_err(|error| error.to_string())
        }
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
        let (path, node) = locate(graph, parent, keys, object);
        match node {
            // An object with nothing under it (an unknown id, past the
            // end of a list) is no object.
            Some(branch @ Node::Branch(_)) if object => Ok(has_data(branch).then(|| {
                FieldValue::owned_any(Place {
                    graph: graph.clone(),
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
/// ref met along them followed (at most 50 hops), and what stands there.
/// One walk: each key is one lookup in the branch reached so far. The
/// place's path is only kept when `with_path` (objects need it, scalars
/// do not).
fn locate<'g>(
    graph: &'g Graph,
    parent: &[Key],
    keys: &[Key],
    with_path: bool,
) -> (Vec<Key>, Option<&'g Node>) {
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
    for key in keys {
        if with_path {
            at.push(key.clone());
        }
        node = branch.and_then(|branch| branch.get(key));
        while let Some(Node::Value(Value::Ref(reference))) = node {
            if hops == 50 {
                break;
            }
            hops += 1;
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
    (at, node)
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
