//! One key of a path: a string, an integer, a boolean or null.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::de::{self, Deserializer, Visitor};
use serde::{Serialize, Serializer};

/// One step of a path into a JSON Graph.
///
/// A JSON Graph is made of JSON objects, whose keys are strings, so the
/// integer `1` and the string `"1"` address the same member. `Key` keeps that
/// rule in its representation: a string that is the canonical spelling of an
/// integer (`"1"`, `"-7"`, not `"01"` or `"1.5"`) is stored as that integer,
/// so two keys are equal exactly when they address the same member and
/// equality, hashing and ordering need no conversions.
///
/// Booleans and `null` are kept as they were sent, because routes and
/// handlers may care (falcor-router refuses a `null` key in a requested
/// path); in a JSON Graph they address the members `"true"`, `"false"` and
/// `"null"` (see [`Key::to_member`]).
///
/// ```
/// use peregrine::path::Key;
///
/// assert_eq!(Key::from("7"), Key::from(7));
/// assert_eq!(Key::from("07").as_str(), Some("07"));
/// assert_eq!(Key::from(true).to_member(), Key::from("true"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(Repr);

// The variant order is the sort order: integers ascending first, then
// strings, as JavaScript orders an object's integer-like keys.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Repr {
    Integer(i64),
    String(Text),
    Bool(bool),
    Null,
}

/// A string key's text: shared, or a literal of the program (which
/// costs no allocation to make, clone or drop). Compared, ordered and
/// hashed as the text it holds, whichever it is.
#[derive(Clone)]
enum Text {
    Shared(Arc<str>),
    Static(&'static str),
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Text::Shared(text) => text,
            Text::Static(text) => text,
        }
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        let (a, b) = (&**self, &**other);
        // The same text (one literal, or clones of one shared string) is
        // equal without reading it.
        std::ptr::eq(a, b) || a == b
    }
}

impl Eq for Text {}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Text) -> std::cmp::Ordering {
        text_order(self, other)
    }
}

/// `a`'s order against `b`, as strings. Member names mostly differ at
/// their first byte (`boxshot`, `rating`, `title`): that decides the
/// order without a call to memcmp, which a branch's binary search made
/// for every probe; the same text (one literal, or clones of one shared
/// string) is equal without reading it.
pub(crate) fn text_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.as_bytes().first(), b.as_bytes().first()) {
        (Some(x), Some(y)) if x != y => x.cmp(y),
        _ if std::ptr::eq(a, b) => std::cmp::Ordering::Equal,
        _ => a.cmp(b),
    }
}

impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

/// A borrowed view of a [`Key`], for matching on what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyView<'a> {
    /// An integer key (also what an integer-like string becomes).
    Integer(i64),
    /// A string key that is not the canonical spelling of an integer.
    String(&'a str),
    /// `true` or `false`, as sent in JSON.
    Bool(bool),
    /// `null`, as sent in JSON.
    Null,
}

impl Key {
    /// The key `null`.
    pub const NULL: Key = Key(Repr::Null);

    /// An integer key.
    pub const fn integer(value: i64) -> Key {
        Key(Repr::Integer(value))
    }

    /// The key of a string literal: [`Key::from`] without allocating, for
    /// the fixed names of a graph (`"videos"`, `"title"`) that handlers
    /// write into every path they answer.
    ///
    /// ```
    /// use peregrine::path::Key;
    ///
    /// assert_eq!(Key::from_static("videos"), Key::from("videos"));
    /// assert_eq!(Key::from_static("7"), Key::from(7));
    /// ```
    pub fn from_static(text: &'static str) -> Key {
        match canonical_integer(text) {
            Some(n) => Key(Repr::Integer(n)),
            None => Key(Repr::String(Text::Static(text))),
        }
    }

    /// What this key holds.
    pub fn view(&self) -> KeyView<'_> {
        match &self.0 {
            Repr::Integer(n) => KeyView::Integer(*n),
            Repr::String(s) => KeyView::String(s),
            Repr::Bool(b) => KeyView::Bool(*b),
            Repr::Null => KeyView::Null,
        }
    }

    /// The integer, if this key is one (integer-like strings are).
    pub fn as_integer(&self) -> Option<i64> {
        match self.0 {
            Repr::Integer(n) => Some(n),
            _ => None,
        }
    }

    /// The string, if this key is a string that is not integer-like.
    pub fn as_str(&self) -> Option<&str> {
        match &self.0 {
            Repr::String(s) => Some(s),
            _ => None,
        }
    }

    /// Whether this is the key `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.0, Repr::Null)
    }

    /// The key of the JSON object member this key addresses: booleans and
    /// `null` become the strings `"true"`, `"false"` and `"null"`, as they
    /// do when JavaScript uses them as property names.
    pub fn to_member(&self) -> Key {
        match self.0 {
            Repr::Bool(b) => Key::from_static(if b { "true" } else { "false" }),
            Repr::Null => Key::from_static("null"),
            _ => self.clone(),
        }
    }

    /// [`Key::to_member`] without a copy when the key is already its own
    /// member (every key but booleans and `null`).
    pub fn as_member(&self) -> Cow<'_, Key> {
        match self.0 {
            Repr::Bool(_) | Repr::Null => Cow::Owned(self.to_member()),
            _ => Cow::Borrowed(self),
        }
    }

    /// [`Key::to_member`], consuming the key.
    pub fn into_member(self) -> Key {
        match self.0 {
            Repr::Bool(_) | Repr::Null => self.to_member(),
            _ => self,
        }
    }

    /// The key as the JSON object member name it addresses.
    pub fn to_member_name(&self) -> String {
        self.to_string()
    }
}

/// Parses `s` as an integer if it is the canonical spelling of one: what
/// JavaScript's `String(Number(s)) === s` accepts for integers in range.
fn canonical_integer(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let first = digits.bytes().next()?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // "0" is canonical, "00", "01" and "-0" are not.
    if first == b'0' && (digits.len() > 1 || s.starts_with('-')) {
        return None;
    }
    s.parse().ok()
}

impl Key {
    /// The key a JSON value stands for in a path: a string or an
    /// integer (`"list-1"`, `5`); none for anything else.
    pub fn from_json(json: &serde_json::Value) -> Option<Key> {
        match json {
            serde_json::Value::String(text) => Some(Key::from(text.as_str())),
            serde_json::Value::Number(number) => number.as_i64().map(Key::from),
            _ => None,
        }
    }
}

impl From<&str> for Key {
    fn from(value: &str) -> Key {
        match canonical_integer(value) {
            Some(n) => Key(Repr::Integer(n)),
            None => Key(Repr::String(Text::Shared(Arc::from(value)))),
        }
    }
}

impl From<String> for Key {
    fn from(value: String) -> Key {
        match canonical_integer(&value) {
            Some(n) => Key(Repr::Integer(n)),
            None => Key(Repr::String(Text::Shared(Arc::from(value)))),
        }
    }
}

impl From<i64> for Key {
    fn from(value: i64) -> Key {
        Key(Repr::Integer(value))
    }
}

impl From<i32> for Key {
    fn from(value: i32) -> Key {
        Key(Repr::Integer(value.into()))
    }
}

impl From<u32> for Key {
    fn from(value: u32) -> Key {
        Key(Repr::Integer(value.into()))
    }
}

impl From<bool> for Key {
    fn from(value: bool) -> Key {
        Key(Repr::Bool(value))
    }
}

impl fmt::Display for Key {
    /// Writes the JSON object member name the key addresses.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Integer(n) => write!(f, "{n}"),
            Repr::String(s) => f.write_str(s),
            Repr::Bool(b) => write!(f, "{b}"),
            Repr::Null => f.write_str("null"),
        }
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Integer(n) => write!(f, "{n}"),
            Repr::String(s) => write!(f, "{:?}", &**s),
            Repr::Bool(b) => write!(f, "{b}"),
            Repr::Null => f.write_str("null"),
        }
    }
}

impl Serialize for Key {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Repr::Integer(n) => serializer.serialize_i64(*n),
            Repr::String(s) => serializer.serialize_str(s),
            Repr::Bool(b) => serializer.serialize_bool(*b),
            Repr::Null => serializer.serialize_unit(),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_any(KeyVisitor)
    }
}

/// Reads a key from JSON: a string, an integer, a boolean or null.
pub(crate) struct KeyVisitor;

/// The error for a JSON number that cannot be a key.
pub(crate) fn not_an_integer<E: de::Error>(value: f64) -> E {
    if value.fract() == 0.0 {
        return E::custom(format_args!(
            "the key {value} does not fit in a 64-bit integer: send it as a string"
        ));
    }
    E::custom(format_args!(
        "a key must be a string, an integer, a boolean or null, and {value} is not an integer"
    ))
}

/// Converts a JSON float to an integer key when it holds an integer exactly.
pub(crate) fn integer_from_f64(value: f64) -> Option<i64> {
    // 2^63 as f64; every integral f64 in (-2^63, 2^63) converts exactly.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    (value.fract() == 0.0 && value > -LIMIT && value < LIMIT).then_some(value as i64)
}

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key (a string, an integer, a boolean or null)")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Key, E> {
        Ok(Key::from(value))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Key, E> {
        Ok(Key::from(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Key, E> {
        Ok(Key::integer(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Key, E> {
        i64::try_from(value)
            .map(Key::integer)
            .map_err(|_| E::custom(format_args!("the key {value} is too large")))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Key, E> {
        integer_from_f64(value)
            .map(Key::integer)
            .ok_or_else(|| not_an_integer(value))
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Key, E> {
        Ok(Key::from(value))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Key, E> {
        Ok(Key::NULL)
    }
}

#[cfg(test)]
mod tests;
