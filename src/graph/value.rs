//! The values a JSON Graph holds at its leaves: primitives and the three
//! sentinels (atoms, refs and errors) with their metadata.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{Map, Number, Value as Json};

use super::error::{Error, Reason};
pub use super::metadata::Metadata;
use crate::path::{Key, Path};

/// A leaf of a JSON Graph.
///
/// Primitives stand bare (`"Comedies"`, `4.2`, `null`); the sentinels are
/// objects with a `$type`. Arrays and objects are not values: they travel
/// inside an atom ([`Value::atom`]), which returns them whole.
///
/// ```
/// use peregrine::graph::Value;
/// use peregrine::path::Path;
///
/// let title = Value::from("Dark");
/// let link = Value::reference(Path::from_iter(["videos".into(), 7.into()]));
/// let failed = Value::error("ratings service unavailable");
/// assert_eq!(serde_json::to_string(&title)?, r#""Dark""#);
/// assert_eq!(serde_json::to_string(&link)?, r#"{"$type":"ref","value":["videos",7]}"#);
/// assert_eq!(
///     serde_json::to_string(&failed)?,
///     r#"{"$type":"error","value":{"message":"ratings service unavailable"}}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, a value in its own right (not "missing").
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A JSON number, kept exactly as written.
    Number(Number),
    /// A string.
    String(String),
    /// `{"$type": "atom"}`: a boxed value, or none ("nothing here").
    Atom(Atom),
    /// `{"$type": "ref"}`: a link to another path of the graph.
    Ref(Ref),
    /// `{"$type": "error"}`: the value could not be produced.
    Error(ErrorValue),
}

/// A boxed value: any JSON, returned whole, or nothing at all (the empty
/// atom that stands for a path known to hold no value).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Atom {
    /// The boxed JSON; `None` for the empty atom.
    pub value: Option<Json>,
    /// `$expires`, `$size`, `$timestamp` and the like.
    pub meta: Metadata,
}

/// A link to another path of the graph: reading goes on at `path`.
#[derive(Debug, Clone, PartialEq)]
pub struct Ref {
    /// Where the ref points.
    pub path: Path,
    /// `$expires`, `$size`, `$timestamp` and the like.
    pub meta: Metadata,
}

/// A value that could not be produced, with what is known of why.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorValue {
    /// What routers put here is `{"message": "..."}`; `None` if absent.
    pub value: Option<Json>,
    /// `$expires`, `$size`, `$timestamp` and the like.
    pub meta: Metadata,
}

impl Value {
    /// An atom boxing any JSON (arrays and objects included).
    pub fn atom(value: impl Into<Json>) -> Value {
        Value::Atom(Atom {
            value: Some(value.into()),
            meta: Metadata::default(),
        })
    }

    /// The empty atom, `{"$type": "atom"}`: the path is known to hold
    /// nothing. Clients store it and do not ask again.
    pub fn empty_atom() -> Value {
        Value::Atom(Atom::default())
    }

    /// A ref to `path`.
    pub fn reference(path: impl Into<Path>) -> Value {
        Value::Ref(Ref {
            path: path.into(),
            meta: Metadata::default(),
        })
    }

    /// An error whose value is `{"message": message}`, as routers write
    /// the failures of handlers.
    pub fn error(message: impl Into<String>) -> Value {
        let mut value = Map::new();
        value.insert("message".to_owned(), Json::String(message.into()));
        Value::error_value(Json::Object(value))
    }

    /// An error with any JSON as its value.
    pub fn error_value(value: Json) -> Value {
        Value::Error(ErrorValue {
            value: Some(value),
            meta: Metadata::default(),
        })
    }

    /// This value with `$expires` set `ttl` from now, in falcor's relative
    /// form (`-milliseconds`, at least 1), so that a client's cache drops
    /// it then and asks again. A primitive is boxed into an atom to carry
    /// it; falcor clients unbox atoms, so what a UI reads is unchanged.
    ///
    /// ```
    /// use std::time::Duration;
    /// use peregrine::graph::Value;
    ///
    /// let rating = Value::from(4.5).expires_in(Duration::from_secs(60));
    /// assert_eq!(
    ///     serde_json::to_value(&rating).unwrap(),
    ///     serde_json::json!({"$type": "atom", "value": 4.5, "$expires": -60000}),
    /// );
    /// ```
    pub fn expires_in(self, ttl: Duration) -> Value {
        let millis = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX).max(1);
        let mut value = match self {
            Value::Null => Value::atom(Json::Null),
            Value::Bool(b) => Value::atom(b),
            Value::Number(n) => Value::atom(n),
            Value::String(s) => Value::atom(s),
            sentinel => sentinel,
        };
        let meta = match &mut value {
            Value::Atom(atom) => &mut atom.meta,
            Value::Ref(reference) => &mut reference.meta,
            Value::Error(error) => &mut error.meta,
            _ => return value,
        };
        meta.insert("$expires", Json::from(-millis));
        value
    }

    /// The ref, if this value is one.
    pub fn as_reference(&self) -> Option<&Ref> {
        match self {
            Value::Ref(reference) => Some(reference),
            _ => None,
        }
    }

    /// Whether this value is an error sentinel.
    pub fn is_error(&self) -> bool {
        matches!(self, Value::Error(_))
    }

    /// Whether this value is the empty atom (an atom without `value`).
    pub fn is_empty_atom(&self) -> bool {
        matches!(self, Value::Atom(Atom { value: None, .. }))
    }

    /// The sentinel's metadata; `None` for primitives.
    pub fn meta(&self) -> Option<&Metadata> {
        match self {
            Value::Atom(atom) => Some(&atom.meta),
            Value::Ref(reference) => Some(&reference.meta),
            Value::Error(error) => Some(&error.meta),
            _ => None,
        }
    }

    /// Reads a value from JSON as it stands at a leaf of a JSON Graph:
    /// a primitive, or an object with a `$type`. `at` names the place for
    /// error messages.
    pub(crate) fn from_json(json: Json, at: &[Key]) -> Result<Value, Error> {
        match json {
            Json::Null => Ok(Value::Null),
            Json::Bool(b) => Ok(Value::Bool(b)),
            Json::Number(n) => Ok(Value::Number(n)),
            Json::String(s) => Ok(Value::String(s)),
            Json::Array(_) => Err(Error::at(
                at,
                Reason::Invalid(
                    "a JSON Graph value cannot be a bare array: box it in an atom, {\"$type\": \"atom\", \"value\": [...]}"
                        .to_owned(),
                ),
            )),
            Json::Object(map) => Value::from_sentinel(map, at),
        }
    }

    /// Reads an object with a `$type` member.
    pub(crate) fn from_sentinel(mut map: Map<String, Json>, at: &[Key]) -> Result<Value, Error> {
        let invalid = |message: String| Error::at(at, Reason::Invalid(message));
        let kind = match map.remove("$type") {
            Some(Json::String(kind)) => kind,
            Some(other) => return Err(invalid(format!("`$type` must be a string, not {other}"))),
            None => {
                return Err(invalid(
                    "expected a value, found an object without `$type`".to_owned(),
                ))
            }
        };
        let value = map.remove("value");
        let meta = Metadata(
            map.into_iter()
                .filter(|(name, _)| !name.starts_with("$_"))
                .map(|(name, value)| (Cow::Owned(name), value))
                .collect(),
        );
        match kind.as_str() {
            "atom" => Ok(Value::Atom(Atom { value, meta })),
            "error" => Ok(Value::Error(ErrorValue { value, meta })),
            "ref" => {
                let path = match value {
                    Some(path @ Json::Array(_)) => {
                        serde_json::from_value::<Path>(path).map_err(|err| {
                            invalid(format!("a ref's value must be a path of keys: {err}"))
                        })?
                    }
                    _ => {
                        return Err(invalid(
                            "a ref's value must be a path (an array of keys)".to_owned(),
                        ))
                    }
                };
                Ok(Value::Ref(Ref { path, meta }))
            }
            other => Err(invalid(format!(
                "unknown `$type` {other:?}: expected \"atom\", \"ref\" or \"error\""
            ))),
        }
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Value {
        Value::String(value.to_owned())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Value {
        Value::String(value)
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Value {
        Value::Bool(value)
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Value {
        Value::Number(value.into())
    }
}

impl From<u64> for Value {
    fn from(value: u64) -> Value {
        Value::Number(value.into())
    }
}

impl From<i32> for Value {
    fn from(value: i32) -> Value {
        Value::Number(value.into())
    }
}

impl From<f64> for Value {
    /// A number; NaN and the infinities, which JSON cannot hold, become
    /// `null`, as `JSON.stringify` writes them.
    fn from(value: f64) -> Value {
        Number::from_f64(value).map_or(Value::Null, Value::Number)
    }
}

/// Writes a sentinel: `$type`, then `value` if any, then the metadata.
fn serialize_sentinel<S: Serializer, T: Serialize>(
    serializer: S,
    kind: &str,
    value: Option<&T>,
    meta: &Metadata,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(None)?;
    map.serialize_entry("$type", kind)?;
    if let Some(value) = value {
        map.serialize_entry("value", value)?;
    }
    for (name, member) in meta.iter() {
        map.serialize_entry(name, member)?;
    }
    map.end()
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(n) => n.serialize(serializer),
            Value::String(s) => serializer.serialize_str(s),
            Value::Atom(atom) => {
                serialize_sentinel(serializer, "atom", atom.value.as_ref(), &atom.meta)
            }
            Value::Ref(reference) => {
                serialize_sentinel(serializer, "ref", Some(&reference.path), &reference.meta)
            }
            Value::Error(error) => {
                serialize_sentinel(serializer, "error", error.value.as_ref(), &error.meta)
            }
        }
    }
}

impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        let json = Json::deserialize(deserializer)?;
        Value::from_json(json, &[]).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Value {
    /// Writes the value as JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match serde_json::to_string(self) {
            Ok(json) => f.write_str(&json),
            Err(_) => Err(fmt::Error),
        }
    }
}

#[cfg(test)]
mod tests;
