//! Reading path sets out of a JSON Graph: following refs, optimizing
//! paths through them, and materializing what nothing filled. All of it
//! rests on one walk, with falcor's path evaluation rules:
//! - a missing node makes the path missing, reported at its *optimized*
//!   location (rewritten through every ref crossed) with the keys left;
//! - a value met before the end of the path short-circuits it: the value
//!   is the answer for the whole rest of the path;
//! - a ref met before the end is followed, a ref at the end is the answer,
//!   and a path ending at a branch is found (the branch is its answer);
//! - following a ref, a chain of more than `max_ref_follow + 1` refs in a
//!   row is a circular reference, and a ref whose target path goes through
//!   another ref is refused ("inner reference").

use super::envelope::Envelope;
use super::error::{Error, Reason};
use super::node::{Graph, Node};
use super::value::{Ref, Value};
use crate::path::{Key, KeySet, Path, PathSet};

/// What reading path sets out of a graph gave: the part of the graph that
/// answers them, and the paths that nothing in the graph answers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    /// The values found and the refs crossed, at their places.
    pub graph: Graph,
    /// The missing paths, optimized (rewritten through the refs crossed).
    pub missing: Vec<PathSet>,
}

/// What the walk reports.
trait Visit {
    /// A value found at `at` (a ref there is the end of its path).
    fn found(&mut self, at: &[Key], value: &Value);
    /// A ref at `at` that the walk follows.
    fn crossed(&mut self, at: &[Key], reference: &Ref);
    /// Nothing at `at`; `rest` are the keys that were still to read;
    /// `via_ref` tells whether the walk crossed a ref on the way.
    fn missing(&mut self, at: &[Key], rest: &[KeySet], via_ref: bool);
}

/// Where following a ref ended.
enum Target<'g> {
    Missing,
    Branch(&'g Graph),
    Value(&'g Value),
}

struct Walk<'g, 'v, V> {
    root: &'g Graph,
    max_ref_follow: usize,
    visit: &'v mut V,
    /// How many refs the path being walked has crossed so far.
    crossed: usize,
    /// Paths given back after use, to hold the next ref's target
    /// without allocating.
    spare: Vec<Vec<Key>>,
    /// Whether refs met before a path's end are followed; when not, the
    /// ref is found there, as the answer of the rest of the path.
    follow_refs: bool,
}

impl<'g, V: Visit> Walk<'g, '_, V> {
    fn branch(
        &mut self,
        branch: &'g Graph,
        set: &[KeySet],
        depth: usize,
        at: &mut Vec<Key>,
    ) -> Result<(), Error> {
        let Some(key_set) = set.get(depth) else {
            // The path ends at a branch: found.
            return Ok(());
        };
        let rest = &set[depth + 1..];
        for key in key_set.keys() {
            let key = key.into_member();
            let node = branch.get(&key);
            at.push(key);
            match node {
                None => self.visit.missing(at, rest, self.crossed > 0),
                Some(Node::Branch(next)) => self.branch(next, set, depth + 1, at)?,
                Some(Node::Value(Value::Ref(reference)))
                    if !rest.is_empty() && self.follow_refs =>
                {
                    self.visit.crossed(at, reference);
                    let (target, mut target_at) = self.follow(reference, at)?;
                    self.crossed += 1;
                    let walked = match target {
                        Target::Missing => {
                            self.visit.missing(&target_at, rest, true);
                            Ok(())
                        }
                        Target::Branch(next) => self.branch(next, set, depth + 1, &mut target_at),
                        Target::Value(value) => {
                            self.visit.found(&target_at, value);
                            Ok(())
                        }
                    };
                    self.crossed -= 1;
                    self.spare.push(target_at);
                    walked?;
                }
                Some(Node::Value(value)) => self.visit.found(at, value),
            }
            at.pop();
        }
        Ok(())
    }

    /// Follows a ref met at `from` to the end of its chain.
    fn follow(
        &mut self,
        reference: &'g Ref,
        from: &[Key],
    ) -> Result<(Target<'g>, Vec<Key>), Error> {
        let mut path: &'g Path = &reference.path;
        let mut hops = 0;
        'chain: loop {
            let mut branch = self.root;
            for (i, key) in path.iter().enumerate() {
                let last = i + 1 == path.len();
                match branch.get(key) {
                    None => return Ok((Target::Missing, self.members(path))),
                    Some(Node::Branch(next)) if last => {
                        return Ok((Target::Branch(next), self.members(path)))
                    }
                    Some(Node::Branch(next)) => branch = next,
                    Some(Node::Value(Value::Ref(next))) if last => {
                        hops += 1;
                        if hops > self.max_ref_follow {
                            return Err(Error::at(
                                from,
                                Reason::CircularReference {
                                    limit: self.max_ref_follow,
                                },
                            ));
                        }
                        let at = self.members(path);
                        self.visit.crossed(&at, next);
                        self.spare.push(at);
                        path = &next.path;
                        continue 'chain;
                    }
                    Some(Node::Value(Value::Ref(_))) => {
                        return Err(Error::at(
                            from,
                            Reason::InnerReference {
                                inner: Path::from(members(&path[..=i])),
                            },
                        ))
                    }
                    // A value part way along the target short-circuits there.
                    Some(Node::Value(value)) => {
                        return Ok((Target::Value(value), self.members(&path[..=i])))
                    }
                }
            }
            // A ref to the empty path points at the root.
            return Ok((Target::Branch(self.root), Vec::new()));
        }
    }

    /// The member keys of `path`, in a spare vector when there is one.
    fn members(&mut self, path: &[Key]) -> Vec<Key> {
        let mut at = self.spare.pop().unwrap_or_default();
        at.clear();
        at.extend(path.iter().map(Key::to_member));
        at
    }
}

fn members(path: &[Key]) -> Vec<Key> {
    path.iter().map(Key::to_member).collect()
}

impl Graph {
    fn walk<V: Visit>(
        &self,
        path_sets: &[PathSet],
        max_ref_follow: usize,
        visit: &mut V,
    ) -> Result<(), Error> {
        self.walk_with(path_sets, max_ref_follow, true, visit)
    }

    fn walk_with<V: Visit>(
        &self,
        path_sets: &[PathSet],
        max_ref_follow: usize,
        follow_refs: bool,
        visit: &mut V,
    ) -> Result<(), Error> {
        let mut walk = Walk {
            root: self,
            max_ref_follow,
            visit,
            crossed: 0,
            spare: Vec::new(),
            follow_refs,
        };
        let mut at = Vec::new();
        for set in path_sets {
            walk.branch(self, set, 0, &mut at)?;
        }
        Ok(())
    }

    /// The paths of `path_sets` that nothing in the graph answers,
    /// rewritten through the refs they cross (falcor's `optimizePathSets`).
    /// The keys before the point where a path went missing are expanded,
    /// the rest are kept as key sets; collapse the result to regroup it.
    ///
    /// ```
    /// use peregrine::graph::Graph;
    /// use peregrine::path::PathSet;
    ///
    /// let graph: Graph = serde_json::from_str(r#"{
    ///     "lists": {"0": {"$type": "ref", "value": ["listsById", "A"]}},
    ///     "listsById": {"A": {"name": "Comedies"}}
    /// }"#)?;
    /// let missing = graph.optimize(&[PathSet::parse("lists[0]['name','rating']")?], 50)?;
    /// assert_eq!(missing, [PathSet::parse("listsById.A.rating")?]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn optimize(
        &self,
        path_sets: &[PathSet],
        max_ref_follow: usize,
    ) -> Result<Vec<PathSet>, Error> {
        let mut optimize = Optimize::default();
        self.walk(path_sets, max_ref_follow, &mut optimize)?;
        Ok(optimize.missing)
    }

    /// The missing paths of `path_sets` that are missing beyond a ref,
    /// optimized: where a reader must go on after following refs. Paths
    /// missing without crossing a ref are left out. The router uses this
    /// to follow the refs a route answered into the next wave.
    pub fn missing_past_refs(
        &self,
        path_sets: &[PathSet],
        max_ref_follow: usize,
    ) -> Result<Vec<PathSet>, Error> {
        let mut optimize = Optimize {
            past_refs_only: true,
            ..Optimize::default()
        };
        self.walk(path_sets, max_ref_follow, &mut optimize)?;
        Ok(optimize.missing)
    }

    /// Every leaf of the graph with its path, in key order.
    pub fn leaves(&self) -> Vec<(Path, &Value)> {
        fn visit<'g>(branch: &'g Graph, at: &mut Vec<Key>, out: &mut Vec<(Path, &'g Value)>) {
            for (key, node) in branch.members() {
                at.push(key.clone());
                match node {
                    Node::Branch(next) => visit(next, at, out),
                    Node::Value(value) => out.push((Path::from(at.clone()), value)),
                }
                at.pop();
            }
        }
        let mut out = Vec::new();
        visit(self, &mut Vec::new(), &mut out);
        out
    }

    /// Reads `path_sets` out of the graph: the values found and every ref
    /// crossed, at their places, and the paths missing (optimized).
    pub fn read(&self, path_sets: &[PathSet], max_ref_follow: usize) -> Result<Reading, Error> {
        let mut reading = Reading::default();
        self.walk(path_sets, max_ref_follow, &mut reading)?;
        Ok(reading)
    }

    /// Reads `path_sets` where they stand, without following refs: a ref
    /// met before a path's end is found there (the rest of the path is
    /// read at its target by whoever follows it). What a producer wrote
    /// under other paths, its refs' targets included, is not read.
    ///
    /// ```
    /// use peregrine::graph::Graph;
    /// use peregrine::path::PathSet;
    ///
    /// let graph: Graph = serde_json::from_str(r#"{
    ///     "people": {"1": {"$type": "ref", "value": ["videos", 7]}},
    ///     "videos": {"7": {"title": "Dark"}}
    /// }"#)?;
    /// let reading = graph.read_here(&[PathSet::parse("people[1..2].title")?]);
    /// assert_eq!(serde_json::to_string(&reading.graph)?, r#"{"people":{"1":{"$type":"ref","value":["videos",7]}}}"#);
    /// assert_eq!(reading.missing, [PathSet::parse("people[2].title")?]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_here(&self, path_sets: &[PathSet]) -> Reading {
        let mut reading = Reading::default();
        // No ref is followed, so no chain can be too long.
        match self.walk_with(path_sets, 0, false, &mut reading) {
            Ok(()) => reading,
            Err(_) => Reading::default(),
        }
    }

    /// How many leaves (values and refs) the graph holds.
    pub fn leaf_count(&self) -> usize {
        self.members()
            .map(|(_, node)| match node {
                Node::Branch(branch) => branch.leaf_count(),
                Node::Value(_) => 1,
            })
            .sum()
    }

    /// Writes an empty atom, `{"$type": "atom"}`, at the optimized place of
    /// every path of `requested` that nothing in the graph answers, so the
    /// answer says "nothing here" rather than leaving clients to ask again.
    pub fn materialize(
        &mut self,
        requested: &[PathSet],
        max_ref_follow: usize,
    ) -> Result<(), Error> {
        for missing in self.optimize(requested, max_ref_follow)? {
            self.set(&missing, Value::empty_atom());
        }
        Ok(())
    }

    /// Merges what `source` holds along `paths`, following the refs of
    /// `source` (a producer's envelope is merged along its own paths; data
    /// it holds elsewhere is not part of the answer).
    pub fn merge_along(
        &mut self,
        source: &Graph,
        paths: &[PathSet],
        max_ref_follow: usize,
    ) -> Result<(), Error> {
        let reading = source.read(paths, max_ref_follow)?;
        self.merge(reading.graph);
        Ok(())
    }

    /// Merges an envelope: along its `paths` when it has them, whole
    /// otherwise.
    pub fn merge_envelope(
        &mut self,
        envelope: Envelope,
        max_ref_follow: usize,
    ) -> Result<(), Error> {
        match &envelope.paths {
            Some(paths) => self.merge_along(&envelope.json_graph, paths, max_ref_follow),
            None => {
                self.merge(envelope.json_graph);
                Ok(())
            }
        }
    }
}

#[derive(Default)]
struct Optimize {
    missing: Vec<PathSet>,
    past_refs_only: bool,
}

impl Visit for Optimize {
    fn found(&mut self, _at: &[Key], _value: &Value) {}

    fn crossed(&mut self, _at: &[Key], _reference: &Ref) {}

    fn missing(&mut self, at: &[Key], rest: &[KeySet], via_ref: bool) {
        if via_ref || !self.past_refs_only {
            self.missing.push(missing_path(at, rest));
        }
    }
}

impl Visit for Reading {
    fn found(&mut self, at: &[Key], value: &Value) {
        self.graph.set_path(at, value.clone());
    }

    fn crossed(&mut self, at: &[Key], reference: &Ref) {
        self.graph.set_path(at, Value::Ref(reference.clone()));
    }

    fn missing(&mut self, at: &[Key], rest: &[KeySet], _via_ref: bool) {
        self.missing.push(missing_path(at, rest));
    }
}

fn missing_path(at: &[Key], rest: &[KeySet]) -> PathSet {
    at.iter()
        .cloned()
        .map(KeySet::Key)
        .chain(rest.iter().cloned())
        .collect()
}

#[cfg(test)]
mod tests;
