//! The members of a branch, in key order.
//!
//! Most branches of an answer hold a handful of members (a video's
//! fields, a row's ten refs): for them a sorted vector is one allocation
//! of what it holds, where a B-tree allocates a node of room for eleven;
//! filling, walking and dropping answers was mostly that. A branch that
//! grows past [`FEW`] members moves to a slot per key when its keys are
//! dense integers (below), else to a B-tree, so a branch of thousands
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
//!
//! A large branch of integer keys that fill most of their span (a list's
//! indices, a range of ids) is [`Dense`]: a slot per key, so that reading
//! or filling 9,000 members costs per member what 100 do.

use std::cmp::Ordering;
use std::collections::btree_map;
use std::collections::BTreeMap;

mod dense;

use dense::Dense;

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
    /// More than [`FEW`], integers, most of their span present.
    Dense(Dense),
    /// More than [`FEW`], others.
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
            Members::Dense(dense) => dense.len(),
            Members::Many(many) => many.len(),
        }
    }

    /// No members, with room for `members` of them in a sorted vector
    /// (at most [`FEW`]).
    pub(super) fn with_capacity(members: usize) -> Members {
        Members::Few(Vec::with_capacity(members.min(FEW)))
    }

    /// Whether there is no member.
    pub(super) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The node at `key`.
    pub(super) fn get(&self, key: &Key) -> Option<&Node> {
        match self {
            Members::Few(few) => find(few, key).ok().map(|at| &few[at].1),
            Members::Dense(dense) => dense.get(key),
            Members::Many(many) => many.get(key),
        }
    }

    /// The node at `key`, to change.
    pub(super) fn get_mut(&mut self, key: &Key) -> Option<&mut Node> {
        match self {
            Members::Few(few) => find(few, key).ok().map(|at| &mut few[at].1),
            Members::Dense(dense) => dense.get_mut(key),
            Members::Many(many) => many.get_mut(key),
        }
    }

    /// Puts `node` at `key`, replacing what was there.
    pub(super) fn insert(&mut self, key: Key, node: Node) {
        match self {
            Members::Few(few) if few.len() < FEW => match place(few, &key) {
                Ok(at) => few[at].1 = node,
                Err(at) => few.insert(at, (key, node)),
            },
            _ => *self.get_or_insert_with(key, || Node::Value(Value::Null)) = node,
        }
    }

    /// Moves `other`'s members in: a key only `other` has is moved as
    /// it is, one both have is given to `both` (this one's node, then
    /// `other`'s). Two sorted vectors are merged in one pass.
    pub(super) fn merge(&mut self, other: Members, both: impl FnMut(&mut Node, Node)) {
        match (&mut *self, other) {
            (Members::Few(mine), Members::Few(theirs)) => {
                merge_sorted(mine, theirs, both);
                if let Some((last, _)) = mine.last().filter(|_| mine.len() > FEW) {
                    let last = last.clone();
                    *self = outgrown(std::mem::take(mine), &last);
                }
            }
            (_, other) => self.merge_each(other, both),
        }
    }

    /// [`Members::merge`] one member at a time.
    fn merge_each(&mut self, other: Members, mut both: impl FnMut(&mut Node, Node)) {
        for (key, node) in other {
            match self.get_mut(&key) {
                Some(mine) => both(mine, node),
                None => self.insert(key, node),
            }
        }
    }

    /// The node at `key`, made by `make` if there is none.
    pub(super) fn get_or_insert_with(
        &mut self,
        key: Key,
        make: impl FnOnce() -> Node,
    ) -> &mut Node {
        self.make_room(&key);
        match self {
            Members::Few(few) => {
                let at = match place(few, &key) {
                    Ok(at) => at,
                    Err(at) => {
                        few.insert(at, (key, make()));
                        at
                    }
                };
                &mut few[at].1
            }
            Members::Dense(dense) => dense.get_or_insert_with(key, make),
            Members::Many(many) => many.entry(key).or_insert_with(make),
        }
    }

    /// Moves the members to what can hold `key` too: past [`FEW`], a
    /// dense branch if they and `key` are dense integers, else a B-tree.
    fn make_room(&mut self, key: &Key) {
        match self {
            Members::Few(few) if few.len() >= FEW && find(few, key).is_err() => {
                *self = outgrown(std::mem::take(few), key);
            }
            Members::Dense(dense) if !dense.holds(key) => {
                let dense = std::mem::take(dense);
                *self = Members::Many(dense.into_members().collect());
            }
            _ => {}
        }
    }

    /// The members in key order.
    pub(super) fn iter(&self) -> Iter<'_> {
        match self {
            Members::Few(few) => Iter::Few(few.iter()),
            Members::Dense(dense) => Iter::Dense(dense.iter()),
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

/// Members too many for a sorted vector, `key` among them or next: by
/// slot if dense enough, else in a B-tree.
fn outgrown(few: Vec<(Key, Node)>, key: &Key) -> Members {
    match Dense::of(few, key) {
        Ok(dense) => Members::Dense(dense),
        Err(few) => Members::Many(few.into_iter().collect()),
    }
}

/// Merges two sorted vectors of members into `mine`, in one pass; a key
/// both hold goes to `both`.
fn merge_sorted(
    mine: &mut Vec<(Key, Node)>,
    theirs: Vec<(Key, Node)>,
    mut both: impl FnMut(&mut Node, Node),
) {
    // All after ours (a handler's next ids): appended.
    if mine
        .last()
        .zip(theirs.first())
        .is_none_or(|((a, _), (b, _))| a < b)
    {
        mine.extend(theirs);
        return;
    }
    // One or two (a video's rating beside its title): put in place.
    if theirs.len() <= 2 {
        for (key, node) in theirs {
            match place(mine, &key) {
                Ok(at) => both(&mut mine[at].1, node),
                Err(at) => mine.insert(at, (key, node)),
            }
        }
        return;
    }
    let mut ours = std::mem::take(mine).into_iter().peekable();
    let mut theirs = theirs.into_iter().peekable();
    mine.reserve(ours.len() + theirs.len());
    while let (Some((a, _)), Some((b, _))) = (ours.peek(), theirs.peek()) {
        let next = match a.cmp(b) {
            Ordering::Less => ours.next(),
            Ordering::Greater => theirs.next(),
            Ordering::Equal => {
                ours.next()
                    .zip(theirs.next())
                    .map(|((key, mut node), (_, incoming))| {
                        both(&mut node, incoming);
                        (key, node)
                    })
            }
        };
        mine.extend(next);
    }
    mine.extend(ours);
    mine.extend(theirs);
}

/// [`find`], looking at the end first: members mostly come in key order
/// (a handler's ids and fields, sorted), and then each goes at the end.
fn place(few: &[(Key, Node)], key: &Key) -> Result<usize, usize> {
    match few.last() {
        None => Err(0),
        Some((last, _)) if last < key => Err(few.len()),
        Some(_) => find(few, key),
    }
}

/// The members in key order, borrowed.
pub(super) enum Iter<'a> {
    /// Over a sorted vector.
    Few(std::slice::Iter<'a, (Key, Node)>),
    /// Over a dense branch's slots.
    Dense(dense::Iter<'a>),
    /// Over a B-tree.
    Many(btree_map::Iter<'a, Key, Node>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a Key, &'a Node);

    fn next(&mut self) -> Option<(&'a Key, &'a Node)> {
        match self {
            Iter::Few(few) => few.next().map(|(key, node)| (key, node)),
            Iter::Dense(dense) => dense.next(),
            Iter::Many(many) => many.next(),
        }
    }
}

/// The members in key order, owned.
pub(super) enum IntoIter {
    /// Out of a sorted vector.
    Few(std::vec::IntoIter<(Key, Node)>),
    /// Out of a dense branch's slots.
    Dense(std::iter::Flatten<std::collections::vec_deque::IntoIter<Option<(Key, Node)>>>),
    /// Out of a B-tree.
    Many(btree_map::IntoIter<Key, Node>),
}

impl Iterator for IntoIter {
    type Item = (Key, Node);

    fn next(&mut self) -> Option<(Key, Node)> {
        match self {
            IntoIter::Few(few) => few.next(),
            IntoIter::Dense(dense) => dense.next(),
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
            Members::Dense(dense) => IntoIter::Dense(dense.into_members()),
            Members::Many(many) => IntoIter::Many(many.into_iter()),
        }
    }
}

#[cfg(test)]
mod tests;
