//! A large branch of integer keys, most of their span present: a list's
//! indices (`list[0..999]`), a range of videos by id. Each member is found
//! and put by its distance from the first key, so a branch of 9,000 costs
//! per member what a branch of 100 does, where a B-tree's search grows
//! with it (docs/decisions/0020-dense-branches.md).

use std::collections::{vec_deque, VecDeque};

use super::Node;
use crate::path::Key;

/// The most empty slots a dense branch holds beyond one per member: past
/// it, a branch of far-apart keys becomes a B-tree.
const SLACK: usize = 64;

/// Integer keys from `first` on, a slot each, filled or not.
#[derive(Clone, Default)]
pub(in crate::graph) struct Dense {
    /// The key of the first slot.
    first: i64,
    /// A slot per key from `first` on: the member there, if any.
    slots: VecDeque<Option<(Key, Node)>>,
    /// How many slots are filled.
    len: usize,
}

impl Dense {
    /// `members` (in key order) and `next`, a key to be put, as a dense
    /// branch when every key is an integer and together they are dense
    /// enough; else `members` back.
    pub(super) fn of(members: Vec<(Key, Node)>, next: &Key) -> Result<Dense, Vec<(Key, Node)>> {
        // Integers sort before every other key: when the last member's
        // key is one, all are.
        let integer_at = |at: Option<&(Key, Node)>| at.and_then(|(key, _)| key.as_integer());
        let (Some(low), Some(high), Some(wanted)) = (
            integer_at(members.first()),
            integer_at(members.last()),
            next.as_integer(),
        ) else {
            return Err(members);
        };
        let (first, last) = (low.min(wanted), high.max(wanted));
        if !dense(first, last, members.len() + 1) {
            return Err(members);
        }
        let mut dense = Dense {
            first,
            slots: std::iter::repeat_with(|| None)
                .take(span(first, last))
                .collect(),
            len: 0,
        };
        for (key, node) in members {
            *dense.put(key, || Node::Value(super::Value::Null)) = node;
        }
        Ok(dense)
    }

    /// How many members there are.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// The slot of `key`, if it has one.
    fn index(&self, key: &Key) -> Option<usize> {
        let offset = key.as_integer()?.checked_sub(self.first)?;
        usize::try_from(offset)
            .ok()
            .filter(|&at| at < self.slots.len())
    }

    /// The node at `key`.
    pub(super) fn get(&self, key: &Key) -> Option<&Node> {
        let at = self.index(key)?;
        self.slots[at].as_ref().map(|(_, node)| node)
    }

    /// The node at `key`, to change.
    pub(super) fn get_mut(&mut self, key: &Key) -> Option<&mut Node> {
        let at = self.index(key)?;
        self.slots[at].as_mut().map(|(_, node)| node)
    }

    /// Whether `key` can be put here and the branch stay dense.
    pub(super) fn holds(&self, key: &Key) -> bool {
        let Some(wanted) = key.as_integer() else {
            return false;
        };
        let last = self.last();
        dense(self.first.min(wanted), last.max(wanted), self.len + 1)
    }

    /// The key of the last slot (the first's when there is none). The
    /// slots never pass `i64::MAX`: each is a key.
    fn last(&self) -> i64 {
        let count = i64::try_from(self.slots.len()).unwrap_or(i64::MAX);
        self.first.saturating_add(count.saturating_sub(1))
    }

    /// The node at `key`, made by `make` if there is none; `key` must be
    /// one the branch [holds](Dense::holds).
    pub(super) fn get_or_insert_with(
        &mut self,
        key: Key,
        make: impl FnOnce() -> Node,
    ) -> &mut Node {
        debug_assert!(self.holds(&key), "a key a dense branch does not hold");
        self.put(key, make)
    }

    /// [`Dense::get_or_insert_with`], for an integer key within the span
    /// the branch is to have.
    fn put(&mut self, key: Key, make: impl FnOnce() -> Node) -> &mut Node {
        let wanted = key.as_integer().unwrap_or(self.first);
        if self.slots.is_empty() {
            self.first = wanted;
        }
        // Room down to `wanted` a slot at a time at the front (the span
        // is bounded: `holds`), and up to it at the back.
        while wanted < self.first {
            self.slots.push_front(None);
            self.first -= 1;
        }
        let at = usize::try_from(wanted.abs_diff(self.first)).unwrap_or(usize::MAX);
        if at >= self.slots.len() {
            self.slots.resize_with(at.saturating_add(1), || None);
        }
        let slot = &mut self.slots[at];
        if slot.is_none() {
            self.len += 1;
        }
        let (_, node) = slot.get_or_insert_with(|| (key, make()));
        node
    }

    /// The members in key order.
    pub(super) fn iter(&self) -> Iter<'_> {
        Iter(self.slots.iter())
    }

    /// The members in key order, owned.
    pub(super) fn into_members(
        self,
    ) -> std::iter::Flatten<vec_deque::IntoIter<Option<(Key, Node)>>> {
        self.slots.into_iter().flatten()
    }
}

/// The number of keys from `first` to `last`, both counted.
fn span(first: i64, last: i64) -> usize {
    usize::try_from(last.abs_diff(first)).map_or(usize::MAX, |gap| gap.saturating_add(1))
}

/// Whether `count` members spread from `first` to `last` are dense: at
/// most one empty slot per member, plus [`SLACK`].
fn dense(first: i64, last: i64, count: usize) -> bool {
    span(first, last) <= count.saturating_mul(2).saturating_add(SLACK)
}

/// A dense branch's members in key order, borrowed.
pub(in crate::graph) struct Iter<'a>(vec_deque::Iter<'a, Option<(Key, Node)>>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a Key, &'a Node);

    fn next(&mut self) -> Option<(&'a Key, &'a Node)> {
        self.0
            .by_ref()
            .flatten()
            .next()
            .map(|(key, node)| (key, node))
    }
}
