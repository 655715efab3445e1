//! The members of a branch, in key order.
//!
//! Most branches of an answer hold a handful of members (a video's
//! fields, a row's ten refs): for them a sorted vector is one allocation
//! of what it holds, where a B-tree allocates a node of room for eleven;
//! filling, walking and dropping answers was mostly that. A branch that
//! grows past [`FEW`] members moves to a B-tree, so a branch of thousands
//! (`videos` of a long list) stays cheap to fill in any order.
//!
//! [`FEW`] is 128 so that the `videos` branch of a home screen (ten rows
//! of ten) stays a vector: a binary search of it compares integers only
//! (a third of the B-tree's search by `Key`'s order: docs/decisions/0011),
//! and a handler given `{integers}` (sorted) that loads them all
//! from its backend answers them in ascending order, so filling it
//! appends (cache hits come first, so with a cache it mostly does).
//! Filled in a random order, a vector of 128 moves ~5 KB per insert on
//! average, one memmove of a fraction of a microsecond.

use std::cmp::Ordering;
use std::collections::btree_map;
use std::collections::BTreeMap;

use super::node::Node;
use super::value::Value;
use crate::path::text_order;
use crate::path::{Key, KeyView};

/// The most members kept in a sorted vector.
const FEW: usize = 128;

/// A branch's members: a map from member key to node, in key order.
#[derive(Clone)]
pub(super) enum Members {
    /// Sorted by key, at most [`FEW`].
    Few(Vec<(Key, Node)>),
    /// More than [`FEW`].
    Many(BTreeMap<Key, Node>),
}

impl Default for Members {
    fn default() -> Members {
        Members::Few(Vec::new())
    }
}

impl std::fmt::Debug for Members {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl PartialEq for Members {
    /// The same members, however they are held.
    fn eq(&self, other: &Members) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Members {
    /// How many members there are.
    pub(super) fn len(&self) -> usize {
        match self {
            Members::Few(few) => few.len(),
            Members::Many(many) => many.len(),
        }
    }

    /// Whether there is no member.
    pub(super) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The node at `key`.
    pub(super) fn get(&self, key: &Key) -> Option<&Node> {
        match self {
            Members::Few(few) => find(few, key).ok().map(|at| &few[at].1),
            Members::Many(many) => many.get(key),
        }
    }

    /// The node at `key`, to change.
    pub(super) fn get_mut(&mut self, key: &Key) -> Option<&mut Node> {
        match self {
            Members::Few(few) => find(few, key).ok().map(|at| &mut few[at].1),
            Members::Many(many) => many.get_mut(key),
        }
    }

    /// Puts `node` at `key`, replacing what was there.
    pub(super) fn insert(&mut self, key: Key, node: Node) {
        *self.get_or_insert_with(key, || Node::Value(Value::Null)) = node;
    }

    /// The node at `key`, made by `make` if there is none.
    pub(super) fn get_or_insert_with(
        &mut self,
        key: Key,
        make: impl FnOnce() -> Node,
    ) -> &mut Node {
        if let Members::Few(few) = self {
            if few.len() >= FEW && find(few, &key).is_err() {
                let many = std::mem::take(few).into_iter().collect();
                *self = Members::Many(many);
            }
        }
        match self {
            Members::Few(few) => {
                let at = match find(few, &key) {
                    Ok(at) => at,
                    Err(at) => {
                        few.insert(at, (key, make()));
                        at
                    }
                };
                &mut few[at].1
            }
            Members::Many(many) => many.entry(key).or_insert_with(make),
        }
    }

    /// The members in key order.
    pub(super) fn iter(&self) -> Iter<'_> {
        match self {
            Members::Few(few) => Iter::Few(few.iter()),
            Members::Many(many) => Iter::Many(many.iter()),
        }
    }
}

/// Where `key` is in a sorted vector of members, or where it would go.
///
/// The same search as by `Key`'s order, with the key's kind looked at
/// once rather than at every probe: integers sort before every other key
/// and strings after integers, before booleans and `null` (`Key`'s
/// order). Lookups and inserts of a GraphQL home request make some 1,000
/// searches, each a little cheaper so (docs/decisions/0011).
fn find(few: &[(Key, Node)], key: &Key) -> Result<usize, usize> {
    match key.view() {
        KeyView::Integer(wanted) => few.binary_search_by(|(member, _)| match member.view() {
            KeyView::Integer(n) => n.cmp(&wanted),
            _ => Ordering::Greater,
        }),
        KeyView::String(wanted) => few.binary_search_by(|(member, _)| match member.view() {
            KeyView::Integer(_) => Ordering::Less,
            KeyView::String(text) => text_order(text, wanted),
            _ => Ordering::Greater,
        }),
        _ => few.binary_search_by(|(member, _)| member.cmp(key)),
    }
}

/// The members in key order, borrowed.
pub(super) enum Iter<'a> {
    /// Over a sorted vector.
    Few(std::slice::Iter<'a, (Key, Node)>),
    /// Over a B-tree.
    Many(btree_map::Iter<'a, Key, Node>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a Key, &'a Node);

    fn next(&mut self) -> Option<(&'a Key, &'a Node)> {
        match self {
            Iter::Few(few) => few.next().map(|(key, node)| (key, node)),
            Iter::Many(many) => many.next(),
        }
    }
}

/// The members in key order, owned.
pub(super) enum IntoIter {
    /// Out of a sorted vector.
    Few(std::vec::IntoIter<(Key, Node)>),
    /// Out of a B-tree.
    Many(btree_map::IntoIter<Key, Node>),
}

impl Iterator for IntoIter {
    type Item = (Key, Node);

    fn next(&mut self) -> Option<(Key, Node)> {
        match self {
            IntoIter::Few(few) => few.next(),
            IntoIter::Many(many) => many.next(),
        }
    }
}

impl IntoIterator for Members {
    type Item = (Key, Node);
    type IntoIter = IntoIter;

    fn into_iter(self) -> IntoIter {
        match self {
            Members::Few(few) => IntoIter::Few(few.into_iter()),
            Members::Many(many) => IntoIter::Many(many.into_iter()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(n: i64) -> Node {
        Node::Value(Value::from(n))
    }

    proptest::proptest! {
        /// `find` answers as a binary search by `Key`'s own order, for
        /// keys of every kind.
        #[test]
        fn find_agrees_with_the_order_of_keys(
            members in proptest::collection::vec(any_key(), 0..40),
            wanted in any_key(),
        ) {
            let mut few: Vec<(Key, Node)> = members.into_iter().map(|key| (key, leaf(0))).collect();
            few.sort_by(|a, b| a.0.cmp(&b.0));
            few.dedup_by(|a, b| a.0 == b.0);
            let expected = few.binary_search_by(|(member, _)| member.cmp(&wanted));
            proptest::prop_assert_eq!(find(&few, &wanted), expected);
        }
    }

    fn any_key() -> impl proptest::strategy::Strategy<Value = Key> {
        use proptest::prelude::*;
        prop_oneof![
            (-5i64..5).prop_map(Key::from),
            "[a-c]{0,3}".prop_map(|text| Key::from(text.as_str())),
            any::<bool>().prop_map(Key::from),
            Just(Key::NULL),
        ]
    }

    /// 179 members, more than a few, written in a scrambled order (37 and
    /// 179 are coprime), each twice: the second, `n + 1`, stands.
    fn many_scrambled() -> Members {
        let mut members = Members::default();
        let count = 179;
        assert!(count > FEW as i64);
        let order: Vec<i64> = (0..count).map(|i| (i * 37) % count).collect();
        for round in 0..2 {
            for &n in &order {
                members.insert(Key::from(n), leaf(n + round));
            }
        }
        assert!(matches!(members, Members::Many(_)));
        members
    }

    #[test]
    fn members_past_a_few_stay_in_key_order() {
        let members = many_scrambled();
        assert_eq!(members.len(), 179);
        let keys: Vec<i64> = members
            .iter()
            .filter_map(|(key, _)| key.as_integer())
            .collect();
        assert_eq!(keys, (0..179).collect::<Vec<_>>());
    }

    #[test]
    fn members_past_a_few_are_found_by_key() {
        let members = many_scrambled();
        assert_eq!(members.get(&Key::from(42)), Some(&leaf(43)));
        assert_eq!(members.get(&Key::from(179)), None);
    }

    #[test]
    fn the_same_members_are_equal_however_they_are_held() {
        let mut few = Members::default();
        let mut many = Members::default();
        for n in 0..(FEW as i64 + 1) {
            many.insert(Key::from(n), leaf(n));
        }
        for n in (0..FEW as i64).rev() {
            few.insert(Key::from(n), leaf(n));
        }
        assert!(matches!(few, Members::Few(_)));
        assert!(matches!(many, Members::Many(_)));
        assert!(few != many);
        few.insert(Key::from(FEW as i64), leaf(FEW as i64));
        assert!(matches!(few, Members::Many(_)));
        let mut few_again = Members::default();
        for n in 0..3 {
            few_again.insert(Key::from(n), leaf(n));
        }
        let mut many_trimmed: Members = Members::Many(
            many.into_iter()
                .filter(|(key, _)| key.as_integer() < Some(3))
                .collect(),
        );
        assert_eq!(few_again, many_trimmed);
        *many_trimmed.get_or_insert_with(Key::from("name"), || leaf(0)) = leaf(7);
        assert_eq!(many_trimmed.get(&Key::from("name")), Some(&leaf(7)));
    }
}
