//! Paths (one key per position) and path sets (one key set per position).

use std::fmt;
use std::ops::Deref;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::key::Key;
use super::key_set::{KeySet, Keys};

/// A path: one key per position, `["videos", 7, "title"]`.
///
/// Refs point at paths, and [`PathSet::expand`] yields them. On the wire a
/// path is a JSON array of keys.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Path(Vec<Key>);

/// A path set: one key set per position, standing for every path that
/// takes one key from each, `genreLists[0..9]['name', 'length']`.
///
/// On the wire a path set is a JSON array of key sets. Decoding one refuses
/// an empty array (a path set names at least one key, as falcor requires);
/// in Rust an empty path set is the one empty path, which the router uses
/// for the part of a request left after a route's end.
#[derive(Clone, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PathSet(Vec<KeySet>);

impl Path {
    /// The path of these keys.
    pub fn new(keys: Vec<Key>) -> Path {
        Path(keys)
    }

    /// The keys, as a vector.
    pub fn into_keys(self) -> Vec<Key> {
        self.0
    }

    /// Appends a key.
    pub fn push(&mut self, key: Key) {
        self.0.push(key);
    }

    /// The same path as a path set of single keys.
    pub fn to_path_set(&self) -> PathSet {
        PathSet(self.0.iter().cloned().map(KeySet::Key).collect())
    }
}

impl PathSet {
    /// The path set of these key sets.
    pub fn new(key_sets: Vec<KeySet>) -> PathSet {
        PathSet(key_sets)
    }

    /// The key sets, as a vector.
    pub fn into_key_sets(self) -> Vec<KeySet> {
        self.0
    }

    /// Appends a key set.
    pub fn push(&mut self, key_set: KeySet) {
        self.0.push(key_set);
    }

    /// How many paths the set stands for: the product of its key sets'
    /// counts, saturating at `u64::MAX`. It costs one step per key set and
    /// range, whatever the number of paths: `a[0..4294967295]` is counted,
    /// never expanded.
    pub fn count(&self) -> u64 {
        let mut total: u64 = 1;
        for key_set in &self.0 {
            let n = key_set.count();
            if n == 0 {
                return 0;
            }
            total = total.saturating_mul(n);
        }
        total
    }

    /// Every path of the set, produced one at a time in order (the last
    /// position varies fastest). Only what is consumed is built.
    pub fn expand(&self) -> Expand<'_> {
        Expand::new(&self.0)
    }

    /// Whether the path set has no key set with more than one key, that
    /// is, whether it is one path.
    pub fn is_path(&self) -> bool {
        self.0.iter().all(|set| matches!(set, KeySet::Key(_)))
    }
}

/// The total number of paths of many path sets, saturating.
pub fn count_all<'a>(path_sets: impl IntoIterator<Item = &'a PathSet>) -> u64 {
    path_sets
        .into_iter()
        .map(PathSet::count)
        .fold(0, u64::saturating_add)
}

impl Deref for Path {
    type Target = [Key];
    fn deref(&self) -> &[Key] {
        &self.0
    }
}

impl Deref for PathSet {
    type Target = [KeySet];
    fn deref(&self) -> &[KeySet] {
        &self.0
    }
}

impl From<Vec<Key>> for Path {
    fn from(keys: Vec<Key>) -> Path {
        Path(keys)
    }
}

impl From<Vec<KeySet>> for PathSet {
    fn from(key_sets: Vec<KeySet>) -> PathSet {
        PathSet(key_sets)
    }
}

impl From<Path> for PathSet {
    fn from(path: Path) -> PathSet {
        PathSet(path.0.into_iter().map(KeySet::Key).collect())
    }
}

impl FromIterator<Key> for Path {
    fn from_iter<I: IntoIterator<Item = Key>>(iter: I) -> Path {
        Path(iter.into_iter().collect())
    }
}

impl FromIterator<KeySet> for PathSet {
    fn from_iter<I: IntoIterator<Item = KeySet>>(iter: I) -> PathSet {
        PathSet(iter.into_iter().collect())
    }
}

impl fmt::Debug for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.0).finish()
    }
}

impl fmt::Debug for PathSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.0).finish()
    }
}

impl<'de> Deserialize<'de> for PathSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<PathSet, D::Error> {
        struct PathSetVisitor;
        impl<'de> Visitor<'de> for PathSetVisitor {
            type Value = PathSet;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a path set (an array of key sets)")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PathSet, A::Error> {
                let mut sets = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(32));
                while let Some(set) = seq.next_element::<KeySet>()? {
                    sets.push(set);
                }
                if sets.is_empty() {
                    return Err(de::Error::custom(
                        "a path set must have at least one key set, and [] has none",
                    ));
                }
                Ok(PathSet(sets))
            }
        }
        deserializer.deserialize_seq(PathSetVisitor)
    }
}

/// The paths of a [`PathSet`], produced lazily (see [`PathSet::expand`]).
#[derive(Debug, Clone)]
pub struct Expand<'a> {
    sets: &'a [KeySet],
    iters: Vec<Keys<'a>>,
    current: Vec<Key>,
    done: bool,
}

impl<'a> Expand<'a> {
    fn new(sets: &'a [KeySet]) -> Expand<'a> {
        let mut iters = Vec::with_capacity(sets.len());
        let mut current = Vec::with_capacity(sets.len());
        let mut done = false;
        for set in sets {
            let mut keys = set.keys();
            match keys.next() {
                Some(key) => current.push(key),
                None => done = true,
            }
            iters.push(keys);
        }
        Expand {
            sets,
            iters,
            current,
            done,
        }
    }
}

impl Iterator for Expand<'_> {
    type Item = Path;

    fn next(&mut self) -> Option<Path> {
        if self.done {
            return None;
        }
        let path = Path(self.current.clone());
        // Advance like an odometer, the last position fastest.
        let mut position = self.sets.len();
        loop {
            if position == 0 {
                self.done = true;
                break;
            }
            position -= 1;
            if let Some(key) = self.iters[position].next() {
                self.current[position] = key;
                break;
            }
            let mut keys = self.sets[position].keys();
            if let Some(first) = keys.next() {
                self.current[position] = first;
            }
            self.iters[position] = keys;
        }
        Some(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::Range;

    fn path_set(json: &str) -> PathSet {
        serde_json::from_str(json).expect(json)
    }

    #[test]
    fn expands_in_order_last_position_fastest() {
        let paths: Vec<Path> = path_set(r#"["a",[0,1],["x","y"]]"#).expand().collect();
        let json = serde_json::to_string(&paths).expect("serializable");
        assert_eq!(json, r#"[["a",0,"x"],["a",0,"y"],["a",1,"x"],["a",1,"y"]]"#);
    }

    #[test]
    fn an_empty_key_set_expands_to_nothing() {
        assert_eq!(
            path_set(r#"["a",{"from":3,"to":1},"b"]"#).expand().count(),
            0
        );
        assert_eq!(path_set(r#"["a",[],"b"]"#).count(), 0);
    }

    #[test]
    fn huge_sets_are_counted() {
        assert_eq!(huge().count(), 4_294_967_296);
    }

    #[test]
    fn huge_sets_are_expanded_lazily() {
        assert_eq!(huge().expand().take(3).count(), 3);
    }

    /// `a[0..4294967295]`: more paths than a `u32` counts.
    fn huge() -> PathSet {
        PathSet::new(vec![
            KeySet::from("a"),
            KeySet::Range(Range::new(0, 4_294_967_295)),
        ])
    }

    #[test]
    fn decoding_refuses_an_empty_path_set() {
        let err = serde_json::from_str::<PathSet>("[]").expect_err("empty");
        assert!(err.to_string().contains("at least one key set"), "{err}");
    }
}
