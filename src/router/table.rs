//! The route table: patterns with their handlers, built once, checked for
//! collisions, and searched as a trie.

use std::collections::HashMap;
use std::fmt;

use std::sync::Arc;

use crate::path::{Key, KeySet, PathSet, Pattern};

use super::handler::{CallHandler, GetHandler, SetHandler};
use super::hooks::Hooks;

/// The most literal keys one position of a pattern may list: the trie
/// holds one node per literal key.
pub(super) const MAX_LITERAL_KEYS: u64 = 1024;

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
    pub(super) score: Vec<u8>,
    pub(crate) get: Option<GetHandler>,
    pub(crate) set: Option<SetHandler>,
    pub(crate) call: Option<CallHandler>,
    /// The methods whose handler needs a signed-in user (bits of
    /// [`Route::bit`]).
    pub(super) signed_in: u8,
    /// Whether it answers whole paths, past its pattern's end: a
    /// [`DataSource`](super::DataSource) (a remote router, the fallback).
    pub(crate) whole: bool,
}

impl Route {
    pub(super) fn bit(method: Method) -> u8 {
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
pub(super) struct Node {
    pub(super) literals: HashMap<Key, Node>,
    pub(super) integers: Option<Box<Node>>,
    pub(super) keys: Option<Box<Node>>,
    pub(super) ends: Vec<usize>,
}

/// The routes and the trie over their patterns.
pub(crate) struct Table {
    pub(crate) routes: Vec<Route>,
    pub(super) root: Node,
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

impl Router {
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
