//! The route table: patterns with their handlers, built once, checked for
//! collisions, and searched as a trie.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use crate::path::{Key, KeySet, Matcher, PathSet, Pattern, TokenKind};

use super::context::Context;
use super::error::{Error, ErrorKind};
use super::handler::{boxed, CallHandler, GetHandler, HandlerError, Output, SetHandler};
use super::hooks::Hooks;
use super::request::{Call, Get, Set};

/// The most literal keys one position of a pattern may list: the trie
/// holds one node per literal key.
const MAX_LITERAL_KEYS: u64 = 1024;

/// A route table with its limits: what turns requested path sets into
/// route handler calls and one JSON Graph answer. Build one with
/// [`Router::builder`]; it is cheap to clone and shared by all requests.
#[derive(Clone)]
pub struct Router {
    pub(crate) table: Arc<Table>,
    pub(crate) options: Options,
    pub(crate) hooks: Arc<Hooks>,
}

/// The router's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// The most paths one request may ask for, counted before any
    /// handler runs (default 9000, as falcor-router).
    pub max_paths: u64,
    /// How many refs in a row may be followed beyond the first (default
    /// 50, as falcor-router): a longer chain is taken for a cycle.
    pub max_ref_follow: usize,
    /// The most keys one requested path may have (default 64): deeper
    /// paths are refused before any handler runs.
    pub max_path_length: usize,
    /// The most values one set may write (default 100), counted before
    /// any handler runs: each value a route writes is a backend call, so
    /// one request must not turn into thousands of them.
    pub max_set_values: u64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_paths: 9000,
            max_ref_follow: 50,
            max_path_length: 64,
            max_set_values: 100,
        }
    }
}

/// The methods a route serves, and what a request or a handler call is
/// for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Method {
    Get,
    Set,
    Call,
}

impl Method {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Set => "set",
            Method::Call => "call",
        }
    }
}

/// One route: a pattern and its handlers.
pub(crate) struct Route {
    pub(crate) pattern: Arc<Pattern>,
    pub(crate) text: String,
    /// The precedence digits: 4 per literal, 2 per `{integers}` or
    /// `{ranges}`, 1 per `{keys}`.
    score: Vec<u8>,
    pub(crate) get: Option<GetHandler>,
    pub(crate) set: Option<SetHandler>,
    pub(crate) call: Option<CallHandler>,
    /// The methods whose handler needs a signed-in user (bits of
    /// [`Route::bit`]).
    signed_in: u8,
    /// Whether it answers whole paths, past its pattern's end: a
    /// [`DataSource`](super::DataSource) (a remote router, the fallback).
    pub(crate) whole: bool,
}

impl Route {
    fn bit(method: Method) -> u8 {
        match method {
            Method::Get => 1,
            Method::Set => 2,
            Method::Call => 4,
        }
    }

    /// Whether `method` on this route needs a signed-in user
    /// ([`Builder::signed_in`]).
    pub(crate) fn needs_user(&self, method: Method) -> bool {
        self.signed_in & Route::bit(method) != 0
    }

    pub(crate) fn has(&self, method: Method) -> bool {
        match method {
            Method::Get => self.get.is_some(),
            Method::Set => self.set.is_some(),
            Method::Call => self.call.is_some(),
        }
    }
}

/// A node of the trie: children by literal key, by integer class and by
/// any key, and the routes whose patterns end here.
#[derive(Default)]
struct Node {
    literals: HashMap<Key, Node>,
    integers: Option<Box<Node>>,
    keys: Option<Box<Node>>,
    ends: Vec<usize>,
}

/// The routes and the trie over their patterns.
pub(crate) struct Table {
    pub(crate) routes: Vec<Route>,
    root: Node,
}

/// A route that can answer part of a requested path set, and the part:
/// the requested keys it matches at each position of its pattern.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub(crate) route: usize,
    pub(crate) matched: Vec<KeySet>,
}

impl Table {
    /// The routes that match part of `path_set`, with what they match, in
    /// precedence order (highest first). A route qualifies where its
    /// pattern ends: at the path's end it needs a handler for `method`
    /// (for set, a get handler will do), before the end a get handler,
    /// whose refs lead on.
    pub(crate) fn candidates(&self, path_set: &PathSet, method: Method) -> Vec<Candidate> {
        let mut found = Vec::new();
        let mut matched = Vec::with_capacity(path_set.len());
        self.descend(&self.root, path_set, method, &mut matched, &mut found);
        // A route whose pattern lists several literal keys is reached once
        // per key; what it matches is one product (the requested path set
        // cut by the pattern), so its candidates merge into one.
        let mut out: Vec<Candidate> = Vec::with_capacity(found.len());
        for candidate in found {
            match out.iter_mut().find(|c| c.route == candidate.route) {
                Some(merged) => {
                    for (keys, more) in merged.matched.iter_mut().zip(candidate.matched) {
                        if *keys != more {
                            *keys = KeySet::union([&*keys, &more]);
                        }
                    }
                }
                None => out.push(candidate),
            }
        }
        out.sort_by(|a, b| {
            let (a, b) = (&self.routes[a.route].score, &self.routes[b.route].score);
            b.len().cmp(&a.len()).then_with(|| b.cmp(a))
        });
        out
    }

    fn descend(
        &self,
        node: &Node,
        path_set: &PathSet,
        method: Method,
        matched: &mut Vec<KeySet>,
        out: &mut Vec<Candidate>,
    ) {
        let depth = matched.len();
        let at_end = depth == path_set.len();
        for &route in &node.ends {
            let candidate = &self.routes[route];
            let serves = match (method, at_end) {
                // A source answers the whole path, wherever its pattern ends.
                (method, _) if candidate.whole => candidate.has(method),
                (Method::Set, true) => candidate.has(Method::Set) || candidate.has(Method::Get),
                (method, true) => candidate.has(method),
                (_, false) => candidate.has(Method::Get),
            };
            if serves {
                out.push(Candidate {
                    route,
                    matched: matched.clone(),
                });
            }
        }
        let Some(asked) = path_set.get(depth) else {
            return;
        };
        for (literal, child) in &node.literals {
            if asked.contains(literal) {
                matched.push(KeySet::Key(literal.clone()));
                self.descend(child, path_set, method, matched, out);
                matched.pop();
            }
        }
        if let Some(child) = &node.integers {
            let integers = asked.integers();
            if !integers.is_empty() {
                matched.push(integers);
                self.descend(child, path_set, method, matched, out);
                matched.pop();
            }
        }
        if let Some(child) = &node.keys {
            if !asked.is_empty() {
                matched.push(asked.normalized());
                self.descend(child, path_set, method, matched, out);
                matched.pop();
            }
        }
    }
}

/// Registers routes, then builds the [`Router`], refusing what cannot
/// work: patterns that do not parse, and two routes of one method that
/// would match the same paths with the same precedence.
pub struct Builder {
    routes: Vec<Registered>,
    options: Options,
    signed_in: bool,
    hooks: Hooks,
}

/// A handler as registered: its route's pattern, and whether it needs a
/// user and answers whole paths.
struct Registered {
    text: String,
    handler: Handler,
    signed_in: bool,
    whole: bool,
}

/// The text the fallback is listed and logged as (no pattern reads so).
pub(crate) const FALLBACK: &str = "(fallback)";

pub(super) enum Handler {
    Get(GetHandler),
    Set(SetHandler),
    Call(CallHandler),
}

impl Handler {
    fn method(&self) -> Method {
        match self {
            Handler::Get(_) => Method::Get,
            Handler::Set(_) => Method::Set,
            Handler::Call(_) => Method::Call,
        }
    }
}

impl Router {
    /// A builder with no routes and the default [`Options`].
    pub fn builder() -> Builder {
        Builder {
            routes: Vec::new(),
            options: Options::default(),
            signed_in: false,
            hooks: Hooks::default(),
        }
    }

    /// The router's limits.
    pub fn options(&self) -> Options {
        self.options
    }

    /// Every route: its pattern (canonical route syntax, as logs name it)
    /// and the methods it serves (`get`, `set`, `call`). For tools and
    /// checks, such as a schema that must cover every route.
    ///
    /// ```
    /// use peregrine::router::{HandlerError, Output, Router};
    ///
    /// let router = Router::builder()
    ///     .get("videos[{integers:ids}].title", |_req, _ctx| async { Ok::<_, HandlerError>(Output::new()) })
    ///     .build()?;
    /// assert_eq!(router.routes(), [("videos[{integers:ids}].title".to_owned(), vec!["get"])]);
    /// # Ok::<(), peregrine::router::Error>(())
    /// ```
    pub fn routes(&self) -> Vec<(String, Vec<&'static str>)> {
        self.table
            .routes
            .iter()
            .map(|route| {
                let methods = [Method::Get, Method::Set, Method::Call]
                    .into_iter()
                    .filter(|method| route.has(*method))
                    .map(Method::name)
                    .collect();
                (route.text.clone(), methods)
            })
            .collect()
    }
}

impl Builder {
    /// Serves get on `pattern` (route syntax, e.g.
    /// `videos[{integers:ids}]['title','year']`) with an async handler.
    pub fn get<H, F, O>(self, pattern: &str, handler: H) -> Builder
    where
        H: Fn(Get, Context) -> F + Send + Sync + 'static,
        F: Future<Output = Result<O, HandlerError>> + Send + 'static,
        O: Into<Output>,
    {
        self.register(pattern, Handler::Get(boxed(handler)), false)
    }

    /// Serves set on `pattern` with an async handler, which receives the
    /// values to set and answers what it set.
    pub fn set<H, F, O>(self, pattern: &str, handler: H) -> Builder
    where
        H: Fn(Set, Context) -> F + Send + Sync + 'static,
        F: Future<Output = Result<O, HandlerError>> + Send + 'static,
        O: Into<Output>,
    {
        self.register(pattern, Handler::Set(boxed(handler)), false)
    }

    /// Serves call on `pattern` (the function's path, e.g. `myList.push`)
    /// with an async handler.
    pub fn call<H, F, O>(self, pattern: &str, handler: H) -> Builder
    where
        H: Fn(Call, Context) -> F + Send + Sync + 'static,
        F: Future<Output = Result<O, HandlerError>> + Send + 'static,
        O: Into<Output>,
    {
        self.register(pattern, Handler::Call(boxed(handler)), false)
    }

    /// The hooks, to add to.
    pub(super) fn hooks_mut(&mut self) -> &mut Hooks {
        &mut self.hooks
    }

    /// Adds a handler of `pattern`; `whole`: it answers whole paths.
    pub(super) fn register(mut self, pattern: &str, handler: Handler, whole: bool) -> Builder {
        self.routes.push(Registered {
            text: pattern.to_owned(),
            handler,
            signed_in: self.signed_in,
            whole,
        });
        self
    }

    /// Adds the routes `routes` adds as routes that need a signed-in user
    /// (the context's [`user`](Context::user)). Without one, their handlers
    /// are not called: a get or set answers an error value at their paths
    /// ("sign in to see this"), while the rest of the request is answered;
    /// a call fails the request (an HTTP server answers 401).
    ///
    /// ```
    /// use peregrine::router::{HandlerError, Output, Router};
    ///
    /// let router = Router::builder()
    ///     .get("videos[{integers:ids}].title", |_req, _ctx| async { Ok::<_, HandlerError>(Output::new()) })
    ///     .signed_in(|routes| {
    ///         routes.get("videos[{integers:ids}].rating", |_req, ctx| async move {
    ///             let _user = ctx.user().expect("only called with a user");
    ///             Ok::<_, HandlerError>(Output::new())
    ///         })
    ///     })
    ///     .build()?;
    /// # Ok::<(), peregrine::router::Error>(())
    /// ```
    pub fn signed_in(mut self, routes: impl FnOnce(Builder) -> Builder) -> Builder {
        let outer = self.signed_in;
        self.signed_in = true;
        let mut builder = routes(self);
        builder.signed_in = outer;
        builder
    }

    /// Sets the most paths one request may ask for.
    pub fn max_paths(mut self, max_paths: u64) -> Builder {
        self.options.max_paths = max_paths;
        self
    }

    /// Sets how many refs in a row may be followed beyond the first.
    pub fn max_ref_follow(mut self, max_ref_follow: usize) -> Builder {
        self.options.max_ref_follow = max_ref_follow;
        self
    }

    /// Sets the most keys one requested path may have.
    pub fn max_path_length(mut self, max_path_length: usize) -> Builder {
        self.options.max_path_length = max_path_length;
        self
    }

    /// Sets the most values one set may write.
    pub fn max_set_values(mut self, max_set_values: u64) -> Builder {
        self.options.max_set_values = max_set_values;
        self
    }

    /// Checks the routes and builds the router.
    pub fn build(self) -> Result<Router, Error> {
        let mut routes: Vec<Route> = Vec::new();
        let mut by_text: HashMap<String, usize> = HashMap::new();
        for registered in self.routes {
            let Registered {
                text,
                handler,
                signed_in,
                whole,
            } = registered;
            let pattern = match text.as_str() {
                FALLBACK if whole => Pattern::new(Vec::new()),
                _ => Pattern::parse(&text).map_err(|source| {
                    Error::new(ErrorKind::Pattern {
                        route: text.clone(),
                        source,
                    })
                })?,
            };
            if pattern.is_empty() && !whole {
                return Err(Error::new(ErrorKind::EmptyPattern));
            }
            let canonical = match pattern.is_empty() {
                true => FALLBACK.to_owned(),
                false => pattern.to_string(),
            };
            let index = *by_text.entry(canonical.clone()).or_insert_with(|| {
                routes.push(Route {
                    score: score(&pattern),
                    pattern: Arc::new(pattern),
                    text: canonical.clone(),
                    get: None,
                    set: None,
                    call: None,
                    signed_in: 0,
                    whole,
                });
                routes.len() - 1
            });
            let route = &mut routes[index];
            if route.has(handler.method()) || route.whole != whole {
                return Err(Error::new(ErrorKind::Collision {
                    method: handler.method().name(),
                    route: text,
                    other: route.text.clone(),
                }));
            }
            if signed_in {
                route.signed_in |= Route::bit(handler.method());
            }
            match handler {
                Handler::Get(h) => route.get = Some(h),
                Handler::Set(h) => route.set = Some(h),
                Handler::Call(h) => route.call = Some(h),
            }
        }
        let mut root = Node::default();
        for index in 0..routes.len() {
            insert(&mut root, &routes, index)?;
        }
        Ok(Router {
            table: Arc::new(Table { routes, root }),
            options: self.options,
            hooks: Arc::new(self.hooks),
        })
    }
}

fn score(pattern: &Pattern) -> Vec<u8> {
    pattern
        .iter()
        .map(|matcher| match matcher {
            Matcher::KeySet(_) => 4,
            Matcher::Token(token) => match token.kind {
                TokenKind::Integers | TokenKind::Ranges => 2,
                TokenKind::Keys => 1,
            },
        })
        .collect()
}

/// Adds a route's pattern to the trie, refusing a second route of the
/// same method wherever both patterns end at one node.
fn insert(root: &mut Node, routes: &[Route], index: usize) -> Result<(), Error> {
    let route = &routes[index];
    let mut nodes: Vec<&mut Node> = vec![root];
    for matcher in route.pattern.iter() {
        let mut next: Vec<&mut Node> = Vec::new();
        for node in nodes {
            match matcher {
                Matcher::KeySet(set) => {
                    if set.count() > MAX_LITERAL_KEYS {
                        return Err(Error::new(ErrorKind::TooManyLiterals {
                            route: route.text.clone(),
                            limit: MAX_LITERAL_KEYS,
                        }));
                    }
                    // Several literal keys lead to one child each; collect
                    // the children through one mutable borrow of the map.
                    let keys: Vec<Key> = set.keys().map(|key| key.to_member()).collect();
                    for key in &keys {
                        node.literals.entry(key.clone()).or_default();
                    }
                    next.extend(
                        node.literals
                            .iter_mut()
                            .filter(|(key, _)| keys.contains(key))
                            .map(|(_, child)| child),
                    );
                }
                Matcher::Token(token) => {
                    let slot = match token.kind {
                        TokenKind::Integers | TokenKind::Ranges => &mut node.integers,
                        TokenKind::Keys => &mut node.keys,
                    };
                    next.push(slot.get_or_insert_with(Default::default));
                }
            }
        }
        nodes = next;
    }
    for node in nodes {
        for &other in &node.ends {
            for method in [Method::Get, Method::Set, Method::Call] {
                if route.has(method) && routes[other].has(method) {
                    return Err(Error::new(ErrorKind::Collision {
                        method: method.name(),
                        route: route.text.clone(),
                        other: routes[other].text.clone(),
                    }));
                }
            }
        }
        node.ends.push(index);
    }
    Ok(())
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Router")
            .field(
                "routes",
                &self
                    .table
                    .routes
                    .iter()
                    .map(|r| r.text.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("options", &self.options)
            .finish()
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field(
                "routes",
                &self
                    .routes
                    .iter()
                    .map(|registered| registered.text.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("options", &self.options)
            .finish()
    }
}
