//! The executor's output: values and errors written into the response
//! as JSON text, and the walk of a field's keys through the graph.

use async_graphql::{PathSegment, ServerError};
use async_graphql_parser::types::SelectionSet;
use serde::Serialize;

use crate::graph::{Atom, Graph, Node, Value};
use crate::path::Key;

use super::super::mapping::Field;
use super::super::resolve::error_message;
use super::{Bubble, Found, Segment, Shaper};

impl<'a> Shaper<'a> {
    /// Writes a graph value as a GraphQL value (as the resolvers'
    /// `scalar` converts it); an error value is the field's error.
    pub(super) fn scalar(&mut self, value: &Value) -> Result<Found, String> {
        match value {
            Value::String(text) => crate::graph::write_string(text, &mut self.out),
            Value::Number(number) => crate::graph::write_number(number, &mut self.out)
                .map_err(|error| format!("the value could not be written: {error}"))?,
            Value::Bool(true) => self.raw("true"),
            Value::Bool(false) => self.raw("false"),
            Value::Null => self.raw("null"),
            Value::Error(error) => return Err(error_message(error)),
            Value::Ref(_) | Value::Atom(Atom { value: None, .. }) => return Ok(Found::Nothing),
            Value::Atom(Atom {
                value: Some(json), ..
            }) => self.json(json)?,
        }
        Ok(Found::Written)
    }

    /// Writes the key field `field` of the object being written, which
    /// stands at the key `at`.
    pub(super) fn key(&mut self, field: &Field, at: Option<&Key>) -> Result<Found, String> {
        self.json(&field.key_of(at)?)?;
        Ok(Found::Written)
    }

    /// Writes `value` as JSON. Strings, numbers and JSON values always
    /// serialize; a failure would be the field's error, not a panic.
    pub(super) fn json(&mut self, value: &(impl Serialize + ?Sized)) -> Result<(), String> {
        serde_json::to_writer(&mut self.out, value)
            .map_err(|error| format!("the value could not be written: {error}"))
    }

    /// Writes `text` as it is: punctuation, `null`, and GraphQL names
    /// (response keys, type names), which hold nothing to escape.
    pub(super) fn raw(&mut self, text: &str) {
        self.out.extend_from_slice(text.as_bytes());
    }

    /// Writes each root field of `set` as null with the error `message`
    /// (the router answered nothing).
    pub(super) fn failed_roots(
        &mut self,
        set: &'a SelectionSet,
        message: &str,
    ) -> Result<(), Bubble> {
        let mut groups = Vec::new();
        self.env.collect_into("Query", set, &mut groups);
        self.out.push(b'{');
        for (index, group) in groups.into_iter().enumerate() {
            if index > 0 {
                self.out.push(b',');
            }
            self.out.push(b'"');
            self.raw(group.key);
            self.raw("\":");
            let selected = group.fields[0];
            let name = selected.node.name.node.as_str();
            if name == "__typename" {
                self.raw("\"Query\"");
                continue;
            }
            let nullable = self
                .model
                .field("Query", name)
                .is_none_or(|field| field.ty.nullable);
            self.path.push(Segment::Key(group.key));
            self.error(message.to_owned(), &selected.pos);
            self.path.pop();
            if !nullable {
                return Err(Bubble);
            }
            self.raw("null");
        }
        self.out.push(b'}');
        Ok(())
    }

    pub(super) fn error(&mut self, message: String, at: &async_graphql::Pos) {
        let mut error = ServerError::new(message, Some(*at));
        error.path = self
            .path
            .iter()
            .map(|segment| match segment {
                Segment::Key(key) => PathSegment::Field(key.to_string()),
                Segment::Index(index) => PathSegment::Index(*index),
            })
            .collect();
        self.errors.push(error);
    }
}

/// What `keys` lead to from `here`, every ref met along them followed
/// from the graph's `root` (at most 50 hops), and, when the last key led
/// through a ref, the key it stands at: the last key of the last ref
/// followed (`lists[0]` → `videos[7]`: 7).
pub(super) fn step<'g>(
    root: &'g Graph,
    here: &'g Graph,
    keys: &'g [Key],
) -> (Option<&'g Node>, Option<&'g Key>) {
    let mut branch = Some(here);
    let mut node = None;
    let mut at = None;
    let mut hops = 0;
    for key in keys {
        node = branch.and_then(|branch| branch.get(key));
        at = None;
        while let Some(Node::Value(Value::Ref(reference))) = node {
            if hops == 50 {
                break;
            }
            hops += 1;
            node = root.node(&reference.path);
            at = reference.path.last();
        }
        branch = match node {
            Some(Node::Branch(next)) => Some(next),
            _ => None,
        };
    }
    (node, at)
}
