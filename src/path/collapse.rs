//! Trees of paths, and collapsing many paths into few path sets.

use std::borrow::Borrow;
use std::collections::hash_map::Entry;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

use indexmap::IndexMap;
use rustc_hash::{FxBuildHasher, FxHashMap};

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::key::Key;
use super::key_set::{KeyOrRange, KeySet};
use super::path_set::PathSet;
use super::range::Range;

/// Paths stored as a tree: one node per distinct key at each depth.
///
/// Keys are stored as the JSON object members they address (`true` becomes
/// `"true"`), as falcor's `toTree` does. Unlike `toTree`, a node remembers
/// that a path ends at it even when longer paths go on below it, so
/// `[a, b]` is not lost beside `[a, b, c]`.
///
/// As JSON a tree is falcor's `toTree` shape: nested objects whose leaves
/// are `null` (`{"a": {"b": null, "c": {"d": null}}}`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PathTree {
    end: bool,
    // Insertion order is kept so that string keys come out in the order
    // they were asked for, as falcor's do.
    children: IndexMap<Key, PathTree, FxBuildHasher>,
}

impl PathTree {
    /// An empty tree.
    pub fn new() -> PathTree {
        PathTree::default()
    }

    /// A tree of every path of these path sets.
    pub fn from_path_sets<I>(path_sets: I) -> PathTree
    where
        I: IntoIterator,
        I::Item: Borrow<PathSet>,
    {
        let mut tree = PathTree::new();
        for set in path_sets {
            tree.insert(set.borrow());
        }
        tree
    }

    /// Adds every path of a path set. This builds one node per key, so the
    /// cost is the number of paths: apply path limits first. A path set
    /// with an empty key set holds no path and adds nothing.
    pub fn insert(&mut self, path_set: &[KeySet]) {
        if !path_set.iter().any(KeySet::is_empty) {
            self.insert_paths(path_set);
        }
    }

    fn insert_paths(&mut self, path_set: &[KeySet]) {
        match path_set.split_first() {
            None => self.end = true,
            Some((first, rest)) => {
                for key in first.keys() {
                    self.children
                        .entry(key.into_member())
                        .or_default()
                        .insert_paths(rest);
                }
            }
        }
    }

    /// Whether the tree holds no path.
    pub fn is_empty(&self) -> bool {
        !self.end && self.children.values().all(PathTree::is_empty)
    }

    /// The tree's paths as few path sets: sibling keys whose subtrees hold
    /// the same paths share one key set, and integer keys that follow each
    /// other become ranges.
    pub fn to_paths(&self) -> Vec<PathSet> {
        let mut shapes = Shapes::default();
        let id = shapes.intern(self);
        shapes.suffixes(id).to_vec()
    }

    /// The children in JavaScript's object key order: integer keys
    /// ascending, then the others in insertion order.
    fn ordered_children(&self) -> Vec<(&Key, &PathTree)> {
        let mut children: Vec<(&Key, &PathTree)> = self.children.iter().collect();
        // A stable sort keeps the insertion order among non-integers.
        children.sort_by_key(|(key, _)| key.as_integer().map_or((1, 0), |n| (0, n)));
        children
    }
}

/// The distinct shapes of a tree's subtrees. Two subtrees have the same
/// id exactly when they hold the same paths (whatever order their keys
/// were inserted in), so siblings are grouped by comparing ids, and the
/// path sets of each shape are built once however often it occurs: the
/// home request's hundred videos, each asked for the same fields, cost one
/// shape.
#[derive(Default)]
struct Shapes<'t> {
    ids: FxHashMap<Signature<'t>, usize>,
    shapes: Vec<Shape<'t>>,
}

/// A subtree's shape: whether a path ends at it, and its children's keys
/// (sorted) with their shape ids.
type Signature<'t> = (bool, Vec<(&'t Key, usize)>);

struct Shape<'t> {
    end: bool,
    /// The children in key order, by shape id.
    children: Vec<(&'t Key, usize)>,
    suffixes: Option<Rc<[PathSet]>>,
}

impl<'t> Shapes<'t> {
    fn intern(&mut self, tree: &'t PathTree) -> usize {
        let mut children: Vec<(&'t Key, usize)> = Vec::with_capacity(tree.children.len());
        for (key, child) in tree.ordered_children() {
            let id = self.intern(child);
            if !self.is_empty(id) {
                children.push((key, id));
            }
        }
        let mut signature = children.clone();
        signature.sort_unstable();
        let next = self.shapes.len();
        match self.ids.entry((tree.end, signature)) {
            Entry::Occupied(slot) => *slot.get(),
            Entry::Vacant(slot) => {
                slot.insert(next);
                self.shapes.push(Shape {
                    end: tree.end,
                    children,
                    suffixes: None,
                });
                next
            }
        }
    }

    fn is_empty(&self, id: usize) -> bool {
        !self.shapes[id].end && self.shapes[id].children.is_empty()
    }

    /// The path sets of the paths below a shape, relative to it.
    fn suffixes(&mut self, id: usize) -> Rc<[PathSet]> {
        if let Some(done) = &self.shapes[id].suffixes {
            return done.clone();
        }
        let mut out = Vec::new();
        if self.shapes[id].end {
            out.push(PathSet::default());
        }
        // Group the children by shape, in the order shapes first appear.
        let mut groups: Vec<(usize, Vec<Key>)> = Vec::new();
        let mut index: FxHashMap<usize, usize> = FxHashMap::default();
        for &(key, child) in &self.shapes[id].children {
            match index.entry(child) {
                Entry::Occupied(i) => groups[*i.get()].1.push(key.clone()),
                Entry::Vacant(slot) => {
                    slot.insert(groups.len());
                    groups.push((child, vec![key.clone()]));
                }
            }
        }
        for (child, keys) in groups {
            let below = self.suffixes(child);
            let set = key_set_of(keys);
            for suffix in below.iter() {
                let mut sets = Vec::with_capacity(suffix.len() + 1);
                sets.push(set.clone());
                sets.extend(suffix.iter().cloned());
                out.push(PathSet::new(sets));
            }
        }
        let done: Rc<[PathSet]> = out.into();
        self.shapes[id].suffixes = Some(done.clone());
        done
    }
}

/// The smallest key set of distinct keys given in key order (integers
/// ascending first): one key, one range, or a list in which runs of three
/// or more consecutive integers are ranges.
fn key_set_of(keys: Vec<Key>) -> KeySet {
    if keys.len() == 1 {
        return KeySet::list(keys.into_iter().map(KeyOrRange::Key).collect());
    }
    let integers: Vec<i64> = keys.iter().map_while(Key::as_integer).collect();
    if let (Some(&first), Some(&last)) = (integers.first(), integers.last()) {
        // Compared as `len - 1` (len >= 2 here): `abs_diff + 1` overflows
        // for the keys i64::MIN and i64::MAX.
        if integers.len() == keys.len() && last.abs_diff(first) == keys.len() as u64 - 1 {
            return KeySet::Range(Range::new(first, last));
        }
    }
    let mut items = Vec::with_capacity(keys.len());
    let mut i = 0;
    while i < integers.len() {
        let mut j = i;
        while j + 1 < integers.len() && integers[j + 1] == integers[j] + 1 {
            j += 1;
        }
        if j - i >= 2 {
            items.push(KeyOrRange::Range(Range::new(integers[i], integers[j])));
        } else {
            items.extend(
                integers[i..=j]
                    .iter()
                    .map(|&n| KeyOrRange::Key(Key::integer(n))),
            );
        }
        i = j + 1;
    }
    items.extend(keys.into_iter().skip(integers.len()).map(KeyOrRange::Key));
    KeySet::list(items)
}

/// Collapses paths or path sets into as few path sets as falcor-path-utils
/// would (no more, often fewer), standing for the same paths.
///
/// Paths are grouped by length first, as a shorter path and a longer one
/// through the same keys are different requests; groups come out shortest
/// first.
///
/// ```
/// use peregrine::path::{collapse, PathSet};
///
/// let paths = ["a[0].b", "a[1].b", "a[2].b", "c.name"].map(|p| PathSet::parse(p).unwrap());
/// let collapsed = collapse(&paths);
/// let printed: Vec<String> = collapsed.iter().map(ToString::to_string).collect();
/// assert_eq!(printed, ["c.name", "a[0..2].b"]);
/// ```
pub fn collapse<I>(paths: I) -> Vec<PathSet>
where
    I: IntoIterator,
    I::Item: Borrow<PathSet>,
{
    let mut by_length: BTreeMap<usize, PathTree> = BTreeMap::new();
    for path in paths {
        let path = path.borrow();
        by_length.entry(path.len()).or_default().insert(path);
    }
    by_length.values().flat_map(PathTree::to_paths).collect()
}

impl fmt::Debug for PathTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.children.is_empty() {
            return f.write_str(if self.end { "•" } else { "{}" });
        }
        let mut map = f.debug_map();
        if self.end {
            map.entry(&"•", &"");
        }
        map.entries(self.ordered_children()).finish()
    }
}

impl Serialize for PathTree {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.children.is_empty() && self.end {
            return serializer.serialize_unit();
        }
        let mut map = serializer.serialize_map(Some(self.children.len()))?;
        for (key, child) in self.ordered_children() {
            map.serialize_entry(&key.to_member_name(), child)?;
        }
        map.end()
    }
}

impl<'de> serde::Deserialize<'de> for PathTree {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<PathTree, D::Error> {
        struct TreeVisitor;
        impl<'de> Visitor<'de> for TreeVisitor {
            type Value = PathTree;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a path tree (an object of subtrees, with null where a path ends)")
            }
            fn visit_unit<E: de::Error>(self) -> Result<PathTree, E> {
                Ok(PathTree {
                    end: true,
                    children: IndexMap::default(),
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PathTree, A::Error> {
                let mut tree = PathTree::new();
                while let Some((key, child)) = map.next_entry::<String, PathTree>()? {
                    tree.children.insert(Key::from(key), child);
                }
                Ok(tree)
            }
        }
        deserializer.deserialize_any(TreeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sets(paths: &[&str]) -> Vec<PathSet> {
        paths.iter().map(|p| PathSet::parse(p).expect(p)).collect()
    }

    fn printed(sets: &[PathSet]) -> Vec<String> {
        sets.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn groups_siblings_with_the_same_subtree() {
        assert_eq!(
            printed(&collapse(sets(&["a.b", "a.c", "d.b", "d.c"]))),
            ["[\"a\",\"d\"][\"b\",\"c\"]"]
        );
        assert_eq!(
            printed(&collapse(sets(&["a.b", "a.c", "d.b"]))),
            ["a[\"b\",\"c\"]", "d.b"]
        );
        assert_eq!(
            printed(&collapse(sets(&["a[0].x", "a[1].y"]))),
            ["a[0].x", "a[1].y"]
        );
    }

    #[test]
    fn integers_become_ranges_where_they_follow_each_other() {
        assert_eq!(
            printed(&collapse(sets(&["a[0..1]", "a[5..6]"]))),
            ["a[0,1,5,6]"]
        );
        assert_eq!(
            printed(&collapse(sets(&["a[0..4]", "a[9]", "a.length"]))),
            ["a[0..4,9,\"length\"]"]
        );
        assert_eq!(printed(&collapse(sets(&["a['0']", "a[1]"]))), ["a[0..1]"]);
    }

    #[test]
    fn paths_of_different_lengths_stay_apart() {
        assert_eq!(
            printed(&collapse(sets(&["a.b.c", "a.b"]))),
            ["a.b", "a.b.c"]
        );
        let tree = PathTree::from_path_sets(sets(&["a.b.c", "a.b"]));
        assert_eq!(printed(&tree.to_paths()), ["a.b", "a.b.c"]);
    }

    #[test]
    fn trees_read_and_write_falcors_shape() {
        let tree = PathTree::from_path_sets(sets(&["a.b", "a.c.d"]));
        let json = serde_json::to_string(&tree).expect("serializable");
        assert_eq!(json, r#"{"a":{"b":null,"c":{"d":null}}}"#);
        let back: PathTree = serde_json::from_str(&json).expect("valid tree");
        assert_eq!(back, tree);
    }
}
