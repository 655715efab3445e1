//! Envelopes written as JSON text by hand: the answer of every request
//! is one, so it skips serde's machinery. A string with nothing to
//! escape (most names, titles and URLs) is copied whole, integers are
//! written without formatting, and a sentinel's fixed members are copied
//! as text. The text is byte for byte what serde_json writes of the same
//! envelope (the tests below compare them); a boxed value, a number
//! that is not an integer and a string to escape are written by
//! serde_json itself.

use serde::Serialize;
use serde_json::Value as Json;

use super::envelope::Envelope;
use super::metadata::Metadata;
use super::node::{Graph, Node};
use super::value::Value;
use crate::path::{Key, KeyView};

impl Envelope {
    /// The envelope as JSON text, as `serde_json::to_vec` writes it.
    ///
    /// ```
    /// use peregrine::graph::{Envelope, Graph};
    ///
    /// let graph = Graph::from_json(serde_json::json!({"videos": {"7": {"title": "Dark"}}}))?;
    /// let envelope = Envelope::new(graph);
    /// assert_eq!(envelope.to_json()?, serde_json::to_vec(&envelope)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(4096);
        out.extend_from_slice(b"{\"jsonGraph\":");
        graph(&self.json_graph, &mut out)?;
        if let Some(paths) = &self.paths {
            out.extend_from_slice(b",\"paths\":");
            serde_json::to_writer(&mut out, paths)?;
        }
        if let Some(invalidated) = &self.invalidated {
            out.extend_from_slice(b",\"invalidated\":");
            serde_json::to_writer(&mut out, invalidated)?;
        }
        out.push(b'}');
        Ok(out)
    }
}

/// A branch: its members in key order, each under the name it addresses.
fn graph(branch: &Graph, out: &mut Vec<u8>) -> serde_json::Result<()> {
    out.push(b'{');
    for (index, (key, node)) in branch.members().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        member_name(key, out);
        out.push(b':');
        match node {
            Node::Branch(branch) => graph(branch, out)?,
            Node::Value(value) => self::value(value, out)?,
        }
    }
    out.push(b'}');
    Ok(())
}

/// A key as the member name it addresses (`"7"`, `"true"`).
fn member_name(key: &Key, out: &mut Vec<u8>) {
    match key.view() {
        KeyView::Integer(n) => {
            out.push(b'"');
            out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
            out.push(b'"');
        }
        KeyView::String(text) => string(text, out),
        KeyView::Bool(flag) => string(if flag { "true" } else { "false" }, out),
        KeyView::Null => string("null", out),
    }
}

/// A leaf: a primitive bare, a sentinel as its object.
fn value(value: &Value, out: &mut Vec<u8>) -> serde_json::Result<()> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(flag) => out.extend_from_slice(if *flag { b"true" } else { b"false" }),
        Value::Number(number) => self::number(number, out)?,
        Value::String(text) => string(text, out),
        Value::Atom(atom) => boxed(b"atom", atom.value.as_ref(), &atom.meta, out)?,
        Value::Ref(reference) => {
            out.extend_from_slice(b"{\"$type\":\"ref\",\"value\":[");
            for (index, key) in reference.path.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                path_key(key, out);
            }
            out.push(b']');
            metadata(&reference.meta, out)?;
        }
        Value::Error(error) => boxed(b"error", error.value.as_ref(), &error.meta, out)?,
    }
    Ok(())
}

/// A sentinel of `kind` boxing `value` (an atom, an error), then its
/// metadata.
fn boxed(
    kind: &[u8],
    value: Option<&Json>,
    meta: &Metadata,
    out: &mut Vec<u8>,
) -> serde_json::Result<()> {
    out.extend_from_slice(b"{\"$type\":\"");
    out.extend_from_slice(kind);
    out.push(b'"');
    if let Some(value) = value {
        out.extend_from_slice(b",\"value\":");
        json(value, out)?;
    }
    metadata(meta, out)
}

/// A key of a ref's path, as JSON: integers as numbers, `true` as true.
fn path_key(key: &Key, out: &mut Vec<u8>) {
    match key.view() {
        KeyView::Integer(n) => out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes()),
        KeyView::String(text) => string(text, out),
        KeyView::Bool(flag) => out.extend_from_slice(if flag { b"true" } else { b"false" }),
        KeyView::Null => out.extend_from_slice(b"null"),
    }
}

/// A sentinel's metadata members, then the sentinel's closing brace.
fn metadata(meta: &Metadata, out: &mut Vec<u8>) -> serde_json::Result<()> {
    for (name, member) in meta.iter() {
        out.push(b',');
        string(name, out);
        out.push(b':');
        json(member, out)?;
    }
    out.push(b'}');
    Ok(())
}

/// Any JSON: an integer (an `$expires`) by hand, the rest by serde_json.
fn json(json: &Json, out: &mut Vec<u8>) -> serde_json::Result<()> {
    match json.as_i64() {
        Some(n) => out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes()),
        None => json.serialize(&mut serde_json::Serializer::new(&mut *out))?,
    }
    Ok(())
}

/// A number: an integer by hand, another by serde_json.
pub(crate) fn number(number: &serde_json::Number, out: &mut Vec<u8>) -> serde_json::Result<()> {
    match number.as_i64() {
        Some(n) => out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes()),
        None => serde_json::to_writer(&mut *out, number)?,
    }
    Ok(())
}

/// A string, quoted: copied whole when nothing in it needs escaping (a
/// control character, `"` or `\`, what serde_json escapes), else
/// written by serde_json.
pub(crate) fn string(text: &str, out: &mut Vec<u8>) {
    if to_escape(text.as_bytes()) {
        return escaped(text, out);
    }
    out.reserve(text.len() + 2);
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
}

/// Whether `bytes` hold a byte serde_json escapes. No early exit: the
/// loop is vectorized, and strings are short.
fn to_escape(bytes: &[u8]) -> bool {
    let mut found = 0u8;
    for &byte in bytes {
        found |= u8::from(byte < 0x20) | u8::from(byte == b'"') | u8::from(byte == b'\\');
    }
    found != 0
}

/// A string with characters to escape, as serde_json writes it.
fn escaped(text: &str, out: &mut Vec<u8>) {
    let mut serializer = serde_json::Serializer::new(out);
    // Writing a string into a vector cannot fail.
    let _ = serde::Serializer::serialize_str(&mut serializer, text);
}

#[cfg(test)]
mod tests;
