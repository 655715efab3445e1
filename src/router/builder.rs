//! Registering routes and building the router: patterns parsed, the
//! trie built, collisions refused.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use crate::path::{Key, Matcher, Pattern, TokenKind};

use super::context::Context;
use super::error::{Error, Reason};
use super::handler::{boxed, CallHandler, GetHandler, HandlerError, Output, SetHandler};
use super::hooks::Hooks;
use super::request::{Call, Get, Set};
use super::table::{Method, Node, Options, Route, Router, Table, MAX_LITERAL_KEYS};

/// Registers routes, then builds the [`Router`], refusing what cannot
/// work: patterns that do not parse, and two routes of one method that
/// would match the same paths with the same precedence.
pub struct Builder {
    routes: Vec<Registered>,
    options: Options,
    signed_in: bool,
    hooks: Hooks,
}

/// A handler as registered: its route's pattern, whether it needs a
/// user, and what it answers.
struct Registered {
    text: String,
    handler: Handler,
    signed_in: bool,
    answers: Answers,
}

/// What a registered handler answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Answers {
    /// The keys its pattern matched (a route handler).
    Matched,
    /// Whole paths under its pattern (a source).
    Whole,
    /// Whole paths no other route serves (the fallback: a source with
    /// no pattern).
    Fallback,
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
        self.register(pattern, Handler::Get(boxed(handler)), Answers::Matched)
    }

    /// Serves set on `pattern` with an async handler, which receives the
    /// values to set and answers what it set.
    pub fn set<H, F, O>(self, pattern: &str, handler: H) -> Builder
    where
        H: Fn(Set, Context) -> F + Send + Sync + 'static,
        F: Future<Output = Result<O, HandlerError>> + Send + 'static,
        O: Into<Output>,
    {
        self.register(pattern, Handler::Set(boxed(handler)), Answers::Matched)
    }

    /// Serves call on `pattern` (the function's path, e.g. `myList.push`)
    /// with an async handler.
    pub fn call<H, F, O>(self, pattern: &str, handler: H) -> Builder
    where
        H: Fn(Call, Context) -> F + Send + Sync + 'static,
        F: Future<Output = Result<O, HandlerError>> + Send + 'static,
        O: Into<Output>,
    {
        self.register(pattern, Handler::Call(boxed(handler)), Answers::Matched)
    }

    /// The hooks, to add to.
    pub(super) fn hooks_mut(&mut self) -> &mut Hooks {
        &mut self.hooks
    }

    /// Adds a handler of `pattern`, answering as `answers` says.
    pub(super) fn register(mut self, pattern: &str, handler: Handler, answers: Answers) -> Builder {
        self.routes.push(Registered {
            text: pattern.to_owned(),
            handler,
            signed_in: self.signed_in,
            answers,
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
                answers,
            } = registered;
            let pattern = pattern_of(&text, answers)?;
            let whole = answers != Answers::Matched;
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
            if route.whole != whole {
                return Err(Error::new(Reason::SourceAndHandler { route: canonical }));
            }
            if route.has(handler.method()) {
                return Err(Error::new(Reason::Collision {
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

/// The pattern a route registered as `text` serves: the empty pattern
/// for the fallback; refused when it does not parse or reaches nothing.
fn pattern_of(text: &str, answers: Answers) -> Result<Pattern, Error> {
    let pattern = match answers {
        Answers::Fallback => return Ok(Pattern::new(Vec::new())),
        _ => Pattern::parse(text).map_err(|source| {
            Error::new(Reason::Pattern {
                route: text.to_owned(),
                source,
            })
        })?,
    };
    match pattern.is_empty() {
        true => Err(Error::new(Reason::EmptyPattern)),
        false => Ok(pattern),
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
                        return Err(Error::new(Reason::TooManyLiterals {
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
                    return Err(Error::new(Reason::Collision {
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
