//! What route handlers receive: the paths a route matched in one wave,
//! with typed access to the pattern's named parts, and for set and call
//! what came with the request.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde_json::Value as Json;

use crate::graph::{Graph, Value};
use crate::path::{Key, KeySet, Matcher, Path, PathSet, Pattern, Range};

use super::handler::HandlerError;

/// The paths a route was asked for in one wave: the union of everything
/// it matched, from any requested path set or ref, cut to the pattern's
/// length.
#[derive(Clone)]
pub struct Matched {
    pattern: Arc<Pattern>,
    path_sets: Vec<PathSet>,
}

impl Matched {
    pub(crate) fn new(pattern: Arc<Pattern>, path_sets: Vec<PathSet>) -> Matched {
        Matched { pattern, path_sets }
    }

    /// The route's pattern.
    pub fn pattern(&self) -> &Pattern {
        &self.pattern
    }

    /// The matched path sets, each as long as the pattern, standing for
    /// exactly the paths asked (no more).
    pub fn path_sets(&self) -> &[PathSet] {
        &self.path_sets
    }

    /// Every matched path, one at a time.
    pub fn every_path(&self) -> impl Iterator<Item = Path> + '_ {
        self.path_sets.iter().flat_map(PathSet::expand)
    }

    /// The position of the token named `name`.
    fn position(&self, name: &str) -> Result<usize, HandlerError> {
        self.pattern
            .iter()
            .position(|matcher| {
                matches!(matcher, Matcher::Token(token) if token.name.as_deref() == Some(name))
            })
            .ok_or_else(|| {
                HandlerError::new(format!(
                    "the route `{}` has no token named `{name}`",
                    self.pattern
                ))
            })
    }

    /// The integers asked at `position` as ascending runs. One matched
    /// path set (the usual case: the router merges what a route is asked)
    /// is read as it is, without the copy of its keys a union makes.
    fn integer_runs_at(&self, position: usize) -> Vec<Range> {
        match self.path_sets.as_slice() {
            [one] => one
                .get(position)
                .map(KeySet::integer_runs)
                .unwrap_or_default(),
            _ => self.union_at(position).integer_runs(),
        }
    }

    /// Every key asked at `position`, across all matched path sets, each
    /// once: integers ascending (ranges kept), then the others.
    fn union_at(&self, position: usize) -> KeySet {
        KeySet::union(self.path_sets.iter().filter_map(|set| set.get(position)))
    }

    /// The integers asked for the token `name` (`{integers:name}`), each
    /// once, ascending.
    pub fn integers(&self, name: &str) -> Result<Vec<i64>, HandlerError> {
        let position = self.position(name)?;
        let runs = self.integer_runs_at(position);
        // Room for them all, but never more than a request's worth up
        // front (a range may be long; what it expands to is bounded
        // elsewhere).
        let count = runs.iter().map(Range::count).fold(0, u64::saturating_add);
        let mut integers = Vec::with_capacity(usize::try_from(count.min(1024)).unwrap_or(1024));
        integers.extend(
            runs.iter()
                .flat_map(|range| range.iter())
                .filter_map(|key| key.as_integer()),
        );
        Ok(integers)
    }

    /// The integers asked for the token `name` as runs of consecutive
    /// integers (`{ranges:name}`): `[0..2, 5..5, 7..8]`.
    pub fn ranges(&self, name: &str) -> Result<Vec<Range>, HandlerError> {
        let position = self.position(name)?;
        Ok(self.integer_runs_at(position))
    }

    /// The keys asked for the token `name` (`{keys:name}`), each once,
    /// ranges expanded.
    pub fn keys(&self, name: &str) -> Result<Vec<Key>, HandlerError> {
        let position = self.position(name)?;
        Ok(self.keys_at(position))
    }

    /// The keys asked at a position of the pattern, each once, ranges
    /// expanded.
    pub fn keys_at(&self, position: usize) -> Vec<Key> {
        self.union_at(position).keys().collect()
    }
}

impl fmt::Debug for Matched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Matched")
            .field("route", &self.pattern.to_string())
            .field("path_sets", &self.path_sets)
            .finish()
    }
}

/// What a get handler receives: the paths to answer. It derefs to
/// [`Matched`] for typed access: `request.integers("ids")?`.
#[derive(Debug, Clone)]
pub struct Get {
    pub(crate) matched: Matched,
}

impl Deref for Get {
    type Target = Matched;
    fn deref(&self) -> &Matched {
        &self.matched
    }
}

/// What a set handler receives: the part of the request's JSON Graph its
/// route matched, at the paths the route serves (through any refs the
/// server answered on the way). It derefs to [`Matched`].
#[derive(Debug, Clone)]
pub struct Set {
    pub(crate) matched: Matched,
    pub(crate) graph: Graph,
}

impl Set {
    /// The values to set, as a JSON Graph.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The values to set, one per path.
    pub fn values(&self) -> Vec<(Path, &Value)> {
        self.graph.leaves()
    }
}

impl Deref for Set {
    type Target = Matched;
    fn deref(&self) -> &Matched {
        &self.matched
    }
}

/// What a call handler receives: the call path it matched (through refs),
/// the arguments, and the `pathSuffixes` and `paths` the caller wants back.
/// It derefs to [`Matched`].
#[derive(Debug, Clone)]
pub struct Call {
    pub(crate) matched: Matched,
    pub(crate) arguments: Vec<Json>,
    pub(crate) path_suffixes: Vec<PathSet>,
    pub(crate) paths: Vec<PathSet>,
}

impl Call {
    /// The call's arguments, as sent.
    pub fn arguments(&self) -> &[Json] {
        &self.arguments
    }

    /// The suffixes the caller wants read past each ref the call returns.
    pub fn path_suffixes(&self) -> &[PathSet] {
        &self.path_suffixes
    }

    /// The paths, relative to the call path's parent, the caller wants
    /// read after the call.
    pub fn paths(&self) -> &[PathSet] {
        &self.paths
    }
}

impl Deref for Call {
    type Target = Matched;
    fn deref(&self) -> &Matched {
        &self.matched
    }
}
