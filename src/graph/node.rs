//! The JSON Graph tree: branches of members down to values.

use std::fmt;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value as Json};

use super::envelope::PathValue;
use super::error::{Error, Reason};
use super::members::Members;
use super::value::Value;
use crate::path::{Key, KeySet, KeyView};

/// A JSON Graph: a tree of branches whose leaves are [`Value`]s, in which
/// refs link one path to another. A `Graph` is also a branch: the root.
///
/// Members are stored under the JSON object member they address (see
/// [`Key::to_member`]) and in key order, so output is deterministic.
///
/// As JSON a graph is an object; an object member with a `$type` is a
/// sentinel value, any other object is a branch.
#[derive(Clone, Default, PartialEq)]
pub struct Graph {
    members: Members,
}

/// A member of a branch: a branch of its own, or a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A branch, which holds members.
    Branch(Graph),
    /// A leaf.
    Value(Value),
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Graph {
        Graph::default()
    }

    /// An empty graph with room for `members` members (at most a few:
    /// past them a branch is held otherwise).
    pub(crate) fn with_capacity(members: usize) -> Graph {
        Graph {
            members: Members::with_capacity(members),
        }
    }

    /// How many members the graph has.
    pub(crate) fn len(&self) -> usize {
        self.members.len()
    }

    /// The branches among its members.
    pub(crate) fn branches(&self) -> impl Iterator<Item = &Graph> {
        self.members.iter().filter_map(|(_, node)| match node {
            Node::Branch(branch) => Some(branch),
            Node::Value(_) => None,
        })
    }

    /// Whether the graph has no member.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The member at `key`.
    pub fn get(&self, key: &Key) -> Option<&Node> {
        self.members.get(key.as_member().as_ref())
    }

    /// The node at `path`, walking branches only (refs are not followed).
    pub fn node(&self, path: &[Key]) -> Option<&Node> {
        let (last, init) = path.split_last()?;
        let mut branch = self;
        for key in init {
            match branch.get(key)? {
                Node::Branch(next) => branch = next,
                Node::Value(_) => return None,
            }
        }
        branch.get(last)
    }

    /// The value at `path`, walking branches only (refs are not followed).
    pub fn value(&self, path: &[Key]) -> Option<&Value> {
        match self.node(path)? {
            Node::Value(value) => Some(value),
            Node::Branch(_) => None,
        }
    }

    /// The members, in key order.
    pub fn members(&self) -> impl Iterator<Item = (&Key, &Node)> {
        self.members.iter()
    }

    /// Writes `value` at every path of a path set, replacing what was
    /// there: a value on the way becomes a branch. An empty path writes
    /// nothing, as the root is always a branch.
    pub fn set(&mut self, path: &[KeySet], value: Value) {
        if path.iter().any(KeySet::is_empty) {
            return;
        }
        // One path, the common case: no copy of the value.
        if path.iter().all(|set| matches!(set, KeySet::Key(_))) {
            let keys = path.iter().filter_map(|set| match set {
                KeySet::Key(key) => Some(key.clone()),
                _ => None,
            });
            self.set_keys(keys, value);
        } else {
            self.set_each(path, &value);
        }
    }

    /// Writes each path value in turn, with the same result as calling
    /// [`Graph::set`] for each in order. Values one after another under
    /// the same branch (a handler's fields of one video, say) share one
    /// walk down to it instead of one walk each from the root.
    pub fn set_all(&mut self, mut values: Vec<PathValue>) {
        let mut rest = values.as_mut_slice();
        while !rest.is_empty() {
            // A run of paths of single keys goes down together; a path
            // with ranges or lists of keys is written on its own.
            let simple = rest
                .iter()
                .take_while(|item| item.path.is_path() && !item.path.is_empty())
                .count();
            let (run, tail) = std::mem::take(&mut rest).split_at_mut(simple);
            self.set_run(run, 0);
            if let Some((item, tail)) = tail.split_first_mut() {
                self.set(&item.path, std::mem::replace(&mut item.value, Value::Null));
                rest = tail;
            }
        }
    }

    /// [`Graph::set_all`] for paths of single keys, each longer than
    /// `depth`: consecutive paths with the same key at `depth` share the
    /// lookup of that key.
    fn set_run(&mut self, items: &mut [PathValue], depth: usize) {
        let mut rest = items;
        while let Some(first) = rest.first() {
            let Some(key) = single_key(&first.path, depth).cloned() else {
                return;
            };
            let ends = first.path.len() == depth + 1;
            let len = rest
                .iter()
                .take_while(|item| {
                    single_key(&item.path, depth) == Some(&key)
                        && (item.path.len() == depth + 1) == ends
                })
                .count();
            let (run, tail) = std::mem::take(&mut rest).split_at_mut(len);
            let member = key.into_member();
            if ends {
                // Values written one after another at one path: the last
                // one stands.
                if let Some(last) = run.last_mut() {
                    let value = std::mem::replace(&mut last.value, Value::Null);
                    self.members.insert(member, Node::Value(value));
                }
            } else {
                self.branch_mut(member).set_run(run, depth + 1);
            }
            rest = tail;
        }
    }

    fn set_each(&mut self, path: &[KeySet], value: &Value) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        for key in first.keys() {
            let member = key.into_member();
            if rest.is_empty() {
                self.members.insert(member, Node::Value(value.clone()));
            } else {
                self.branch_mut(member).set_each(rest, value);
            }
        }
    }

    /// Writes `value` at one path, replacing what was there.
    pub fn set_path(&mut self, path: &[Key], value: Value) {
        self.set_keys(path.iter().cloned(), value);
    }

    /// Writes `value` at the path of these keys.
    fn set_keys(&mut self, keys: impl IntoIterator<Item = Key>, value: Value) {
        let mut keys = keys.into_iter().peekable();
        let mut branch = self;
        while let Some(key) = keys.next() {
            let member = key.into_member();
            if keys.peek().is_none() {
                branch.members.insert(member, Node::Value(value));
                return;
            }
            branch = branch.branch_mut(member);
        }
    }

    /// The branch at `path`, made (or made of a value on the way) if
    /// need be: for a handler writing many values under one branch.
    pub(crate) fn branch_at(&mut self, path: &[Key]) -> &mut Graph {
        path.iter().fold(self, |branch, key| {
            branch.branch_mut(key.clone().into_member())
        })
    }

    /// Puts `branch` at the member `key`, replacing what was there.
    pub(crate) fn put_branch(&mut self, key: Key, branch: Graph) {
        self.members.insert(key.into_member(), Node::Branch(branch));
    }

    /// Writes `value` at the member `key`, replacing what was there.
    pub(crate) fn put(&mut self, key: Key, value: Value) {
        self.members.insert(key.into_member(), Node::Value(value));
    }

    /// The branch at `member`, made (or made of a value) if need be.
    fn branch_mut(&mut self, member: Key) -> &mut Graph {
        let node = self
            .members
            .get_or_insert_with(member, || Node::Branch(Graph::new()));
        if let Node::Value(_) = node {
            *node = Node::Branch(Graph::new());
        }
        match node {
            Node::Branch(branch) => branch,
            Node::Value(_) => unreachable!("a value was just replaced by a branch"),
        }
    }

    /// Merges another graph into this one: branches merge member by
    /// member, and wherever both hold something else, `other` wins.
    pub fn merge(&mut self, other: Graph) {
        if self.is_empty() {
            *self = other;
            return;
        }
        self.members
            .merge(other.members, |mine, incoming| match (mine, incoming) {
                (Node::Branch(existing), Node::Branch(incoming)) => existing.merge(incoming),
                (mine, incoming) => *mine = incoming,
            });
    }

    /// Reads a graph from JSON, saying where it is not a JSON Graph.
    pub fn from_json(json: Json) -> Result<Graph, Error> {
        match json {
            Json::Object(map) => Graph::from_map(map, &mut Vec::new()),
            other => Err(Error::at(
                &[],
                Reason::Invalid(format!(
                    "a JSON Graph is an object, not {}",
                    kind_of(&other)
                )),
            )),
        }
    }

    fn from_map(map: Map<String, Json>, at: &mut Vec<Key>) -> Result<Graph, Error> {
        let mut members = Members::default();
        for (name, json) in map {
            // `$_` members are a client cache's private bookkeeping.
            if name.starts_with("$_") {
                continue;
            }
            at.push(Key::from(name));
            let node = match json {
                Json::Object(map) if map.contains_key("$type") => {
                    Node::Value(Value::from_sentinel(map, at)?)
                }
                Json::Object(map) => Node::Branch(Graph::from_map(map, at)?),
                other => Node::Value(Value::from_json(other, at)?),
            };
            if let Some(key) = at.pop() {
                members.insert(key, node);
            }
        }
        Ok(Graph { members })
    }
}

/// What kind of JSON value `json` is, for error messages ("an array").
pub(crate) fn kind_of(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// The key at `depth` of a path of single keys.
fn single_key(path: &[KeySet], depth: usize) -> Option<&Key> {
    match path.get(depth)? {
        KeySet::Key(key) => Some(key),
        _ => None,
    }
}

impl fmt::Debug for Graph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.members.fmt(f)
    }
}

impl Serialize for Graph {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.members.len()))?;
        for (key, node) in self.members.iter() {
            map.serialize_key(&MemberName(key))?;
            match node {
                Node::Branch(branch) => map.serialize_value(branch)?,
                Node::Value(value) => map.serialize_value(value)?,
            }
        }
        map.end()
    }
}

/// A key written as the member name it addresses, without allocating.
struct MemberName<'a>(&'a Key);

impl Serialize for MemberName<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // serde_json writes an integer map key as a quoted name, without
        // the formatting machinery `collect_str` goes through.
        match self.0.view() {
            KeyView::Integer(n) => serializer.serialize_i64(n),
            KeyView::String(text) => serializer.serialize_str(text),
            KeyView::Bool(b) => serializer.serialize_str(if b { "true" } else { "false" }),
            KeyView::Null => serializer.serialize_str("null"),
        }
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Branch(branch) => branch.serialize(serializer),
            Node::Value(value) => value.serialize(serializer),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Graph {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Graph, D::Error> {
        let json = Json::deserialize(deserializer)?;
        Graph::from_json(json).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
