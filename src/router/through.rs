//! Sets and calls through a source's refs into local routes.
//!
//! A set or call whose path no local route reaches goes to a source (a
//! remote router, the fallback) whole, and the source follows its own
//! refs. But a local route may serve the path's end once those refs are
//! followed: `genreLists[0].push` when `genreLists` is still the remote's
//! and `lists[{keys}].push` has moved here. So when a local route could
//! serve the path's last key, the source is first asked, as a get, where
//! the path's parent stands; a path that stands at its refs' target then
//! goes wherever that leads (the local route, or the source again at the
//! target), carrying its value.

use crate::graph::{Graph, Value};
use crate::path::{merge, KeySet, Matcher, PathSet, TokenKind};

use super::error::Error;
use super::table::Method;
use super::wave::{single_path, Run};

impl Run<'_> {
    /// `paths` of a set or call, each moved past the refs a source
    /// answers for its parent when a local route could serve its end
    /// there (see the module's docs); a set's values move with them.
    pub(crate) async fn through_sources(
        &mut self,
        paths: Vec<PathSet>,
        method: Method,
    ) -> Result<Vec<PathSet>, Error> {
        let (sourced, mut routed): (Vec<PathSet>, Vec<PathSet>) = paths
            .into_iter()
            .partition(|path| self.may_end_locally(path, method));
        if sourced.is_empty() {
            return Ok(routed);
        }
        let parents: Vec<PathSet> = sourced
            .iter()
            .map(|path| path[..path.len() - 1].iter().cloned().collect())
            .collect();
        // A probe of its own: what the source answers there (an atom for
        // a branch it has no route for, say) is not part of the answer.
        let mut probe = Run::new(self.router, self.ctx);
        if probe
            .settle(merge(parents.clone()), Method::Get, &parents)
            .await
            .is_err()
        {
            // The source's refs loop: it is asked as it was.
            routed.extend(sourced);
            return Ok(routed);
        }
        let max_ref_follow = self.router.options.max_ref_follow;
        for path in sourced {
            for single in path.expand() {
                let asked = [single.to_path_set()];
                let target = probe
                    .response
                    .optimize(&asked, max_ref_follow)
                    .ok()
                    .and_then(|missing| match missing.as_slice() {
                        [one] => single_path(one),
                        _ => None,
                    })
                    .filter(|target| *target != single);
                let Some(target) = target else {
                    routed.push(single.to_path_set());
                    continue;
                };
                // The refs crossed stand in the answer, as a local
                // route's would.
                if let Ok(reading) = probe.response.read(&asked, max_ref_follow) {
                    self.response.merge(refs_of(reading.graph));
                }
                if let Some(value) = self.payload.values.remove(&single) {
                    self.payload.values.insert(target.clone(), value);
                }
                routed.push(target.to_path_set());
            }
        }
        Ok(merge(routed))
    }

    /// Whether `path` goes to a source (no local route reaches it) while
    /// a local route of `method` could serve its last key elsewhere.
    fn may_end_locally(&self, path: &PathSet, method: Method) -> bool {
        let table = &self.router.table;
        let Some(last) = path.last() else {
            return false;
        };
        if path.len() < 2 {
            return false;
        }
        let local = |route: usize| !table.routes[route].whole;
        let reached = table
            .candidates(path, method)
            .iter()
            .any(|candidate| local(candidate.route));
        !reached
            && table.routes.iter().any(|route| {
                !route.whole
                    && route.has(method)
                    && route.pattern.last().is_some_and(|end| serves(end, last))
            })
    }
}

/// Whether a pattern's last matcher takes some key of `keys`.
fn serves(matcher: &Matcher, keys: &KeySet) -> bool {
    match matcher {
        Matcher::KeySet(listed) => !listed.intersect(keys).is_empty(),
        Matcher::Token(token) => match token.kind {
            TokenKind::Keys => true,
            TokenKind::Integers | TokenKind::Ranges => !keys.integers().is_empty(),
        },
    }
}

/// The refs of `graph` alone.
fn refs_of(graph: Graph) -> Graph {
    let mut refs = Graph::new();
    for (at, value) in graph.leaves() {
        if let Value::Ref(_) = value {
            refs.set_path(&at, value.clone());
        }
    }
    refs
}
