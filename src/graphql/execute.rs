//! `GraphQl`: the dynamic async-graphql schema built from the model
//! (its resolvers in `resolve.rs`), and how a request runs through it:
//! the checks (`check.rs`), the kept documents (`document_cache.rs`), parsing,
//! async-graphql's validation, then our executor (`executor.rs`) for
//! queries and the resolvers for mutations and introspection.

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use async_graphql::dynamic::{Object as DynObject, Schema};
use async_graphql::{Response, ServerError};
use async_graphql_parser::types::OperationType;

use crate::router::{Context, Router};

use super::check::{self, Limits};
use super::direct::Direct;
use super::document_cache::DocumentCache;
use super::error::{Error, ErrorKind};
use super::executor::answer;
use super::mapping::Mapping;
use super::persisted::PersistedQueries;
use super::prepared::{operation, Prepared};
use super::resolve::dynamic_field;
use super::response::Reply;
use super::sdl::Sdl;
use super::unserved::Unserved;

/// A GraphQL schema served over a router. Cheap to clone.
#[derive(Clone)]
pub struct GraphQl {
    schema: Schema,
    limits: Limits,
    model: Arc<Mapping>,
    router: Router,
    pub(super) known: Arc<DocumentCache>,
    persisted: Arc<PersistedQueries>,
}

impl fmt::Debug for GraphQl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphQl")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// A query text longer than this is parsed on a blocking thread rather
/// than on the async worker, where it would hold up every other request:
/// parsing costs CPU in proportion to the text (a 1 MB query took
/// 130-250 ms), more than validating it.
const PARSED_INLINE: usize = 4 << 10;

/// Parses `request`'s query into it (a long one off the async workers);
/// the parser's error, with where.
async fn parse(request: &mut async_graphql::Request) -> Result<(), ServerError> {
    if request.query.len() > PARSED_INLINE {
        let query = request.query.clone();
        let parsed = tokio::task::spawn_blocking(move || async_graphql_parser::parse_query(query));
        // A pool that is shutting down leaves the parsing to this thread.
        if let Ok(parsed) = parsed.await {
            request.set_parsed_query(parsed?);
        }
    }
    request.parsed_query().map(|_| ())
}

impl GraphQl {
    /// The schema of `sdl` (see the [module](super)) over `router`; an
    /// error is placed as `schema:line:column` ([`GraphQl::build`] names
    /// its sources).
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
        GraphQl::build(&[Sdl::new("schema", sdl)], router, limits)
    }

    /// The schema of several SDL `sources`, read in order, over `router`:
    /// each adds its types, and fields to the types before it with
    /// `extend type Query { ... }` (see [`Sdl`]). An error is placed in
    /// the source it is in.
    ///
    /// ```
    /// use peregrine::graphql::{GraphQl, Limits, Sdl};
    /// use peregrine::router::Router;
    ///
    /// let catalog = Sdl::new("catalog.graphql", r#"
    ///   directive @graph(path: String!) on FIELD_DEFINITION
    ///   type Query { video(id: Int!): Video @graph(path: "videos[{id}]") }
    ///   type Video { title: String @graph(path: "title") }
    /// "#);
    /// let people = Sdl::new("people.graphql", r#"
    ///   extend type Query { person(id: Int!): Person @graph(path: "people[{id}]") }
    ///   type Person { name: String @graph(path: "name") }
    /// "#);
    /// let router = Router::builder().build()?;
    /// let graphql = GraphQl::build(&[catalog.clone(), people], router.clone(), Limits::default())?;
    /// assert!(graphql.sdl().contains("person(id: Int!): Person"));
    ///
    /// let twice = Sdl::new("twice.graphql", "extend type Query { video: Video @graph(path: \"v\") }");
    /// let error = GraphQl::build(&[catalog, twice], router, Limits::default()).unwrap_err();
    /// assert!(error.to_string().starts_with("twice.graphql:1:21: "), "{error}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build(sources: &[Sdl], router: Router, limits: Limits) -> Result<GraphQl, Error> {
        let model = Arc::new(Mapping::parse(sources)?);
        let mutation = model.objects.contains_key("Mutation").then_some("Mutation");
        let known = Arc::new(DocumentCache::new());
        let mut builder = Schema::build("Query", mutation, None)
            .data(router.clone())
            .limit_complexity(limits.complexity)
            .extension(Direct {
                known: known.clone(),
                model: model.clone(),
                router: router.clone(),
            });
        if !limits.introspection {
            builder = builder.disable_introspection();
        }
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
            persisted: Arc::new(PersistedQueries::new()),
        })
    }

    /// Runs `request` for the request context `ctx` (its user, deadline
    /// and loaders).
    pub async fn execute(&self, request: async_graphql::Request, ctx: Context) -> Reply {
        let reply = self.run(request, ctx, true).await;
        // Not asked to stop at a mutation, it always answers.
        reply.unwrap_or_else(|| Reply::resolved(Response::from_errors(Vec::new())))
    }

    /// Runs `request` as [`execute`](GraphQl::execute) does unless it
    /// picks a mutation, which GraphQL over HTTP runs only when POSTed:
    /// None then, and nothing is run.
    pub async fn execute_read_only(
        &self,
        request: async_graphql::Request,
        ctx: Context,
    ) -> Option<Reply> {
        self.run(request, ctx, false).await
    }

    /// Checks, parses, checks again, validates and answers `request`;
    /// None when it picks a mutation and `mutations` is false.
    async fn run(
        &self,
        mut request: async_graphql::Request,
        ctx: Context,
        mutations: bool,
    ) -> Option<Reply> {
        if let Some(error) = check::text(&self.limits, &request.query) {
            return refused(error);
        }
        // A query answered before goes straight to the executor (`document_cache.rs`).
        let key = DocumentCache::key(&request);
        if let Some(document) = key.as_deref().and_then(|key| self.known.get(key)) {
            let prepared = Prepared::new(document, request.variables, None);
            let name = request.operation_name.as_deref();
            if let Some(operation) = prepared.query(name) {
                let written = answer(&self.model, &self.router, &ctx, &prepared, operation).await;
                return Some(Reply::written(written));
            }
            request.variables = prepared.variables;
        }
        // Parsed once: the request keeps the document for validation, and
        // a copy is kept for our executor (`executor.rs`).
        if let Err(error) = parse(&mut request).await {
            return refused(error);
        }
        let name = request.operation_name.clone();
        let Ok(document) = request.parsed_query() else {
            return Some(Reply::resolved(
                self.schema.execute(request.data(ctx)).await,
            ));
        };
        if let Some(error) = check::shape(&self.limits, document) {
            return refused(error);
        }
        let mutation = operation(document, name.as_deref())
            .is_some_and(|operation| operation.node.ty == OperationType::Mutation);
        if mutation && !mutations {
            return None;
        }
        let document = Arc::new(document.clone());
        if let Some(error) = check::ints(&self.model, &document, &request.variables) {
            return refused(error);
        }
        let prepared = Arc::new(Prepared::new(document, request.variables.clone(), key));
        let request = request.data(prepared.clone()).data(ctx.clone());
        let response = self.schema.execute(request).await;
        if prepared.validated.load(Ordering::Acquire) {
            if let Some(operation) = prepared.query(name.as_deref()) {
                let written = answer(&self.model, &self.router, &ctx, &prepared, operation).await;
                return Some(Reply::written(written));
            }
        }
        Some(Reply::resolved(response))
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

    /// The fields no route of the router serves, each once: the schema's
    /// agreement with its routes, from the patterns alone. What is
    /// checked, and how refs are judged, is in `docs/routes.md`
    /// ("GraphQL") and [`Router::reach`].
    pub fn unserved(&self) -> Vec<Unserved> {
        super::unserved::unserved(&self.model, &self.router)
    }

    /// Gives `request` the text of the persisted query it names by hash
    /// (`extensions.persistedQuery`, as Apollo's clients send it): one a
    /// client sent before with its hash, or a text of the `allowed`
    /// operations; keeps a text sent with its hash. A request without the
    /// extension is left as it is.
    pub fn resolve_persisted(
        &self,
        request: &mut async_graphql::Request,
        allowed: Option<&super::Operations>,
    ) -> Result<(), super::PersistedError> {
        self.persisted.resolve(request, allowed)
    }

    /// Whether introspection is answered ([`Limits::introspection`]).
    pub fn introspects(&self) -> bool {
        self.limits.introspection
    }

    /// The schema in SDL, as introspection sees it.
    pub fn sdl(&self) -> String {
        self.schema.sdl()
    }
}

/// The answer to a request refused before it ran: the error alone.
fn refused(error: ServerError) -> Option<Reply> {
    Some(Reply::resolved(Response::from_errors(vec![error])))
}
