//! `Metadata`: the members of a sentinel beside `$type` and `value`.

use std::borrow::Cow;

use serde_json::{Number, Value as Json};

/// The members of a sentinel other than `$type` and `value`: `$expires`,
/// `$size`, `$timestamp` and anything else a producer put there. The
/// server never interprets them; it carries them through unchanged.
/// Members starting with `$_` are a client cache's private bookkeeping and
/// are dropped on the way in.
///
/// Held as a short list, not a map: a sentinel has a member or two, and
/// every user-scoped value a handler answers carries `$expires` (a map
/// cost three allocations per rating of a home request; this costs one).
#[derive(Debug, Clone, Default)]
pub struct Metadata(pub(super) Vec<(Cow<'static, str>, Json)>);

impl Metadata {
    /// The member `name`, if present.
    pub fn get(&self, name: &str) -> Option<&Json> {
        self.0
            .iter()
            .find(|(member, _)| member == name)
            .map(|(_, value)| value)
    }

    /// Sets the member `name` (`"$expires"` and the like), replacing it
    /// if present.
    pub fn insert(&mut self, name: impl AsRef<str> + Into<String>, value: Json) {
        if let Some((_, present)) = self
            .0
            .iter_mut()
            .find(|(member, _)| member == name.as_ref())
        {
            *present = value;
            return;
        }
        // The names falcor knows are kept without a copy.
        let name = match KNOWN.iter().find(|known| **known == name.as_ref()) {
            Some(known) => Cow::Borrowed(*known),
            None => Cow::Owned(name.into()),
        };
        self.0.push((name, value));
    }

    /// `$expires`: 1 never, 0 at once, negative relative to now (ms),
    /// otherwise an absolute epoch time in ms.
    pub fn expires(&self) -> Option<&Number> {
        self.get("$expires").and_then(Json::as_number)
    }

    /// `$size`: the client cache's accounting size of the value.
    pub fn size(&self) -> Option<&Number> {
        self.get("$size").and_then(Json::as_number)
    }

    /// `$timestamp`: when the value last changed, in epoch ms.
    pub fn timestamp(&self) -> Option<&Number> {
        self.get("$timestamp").and_then(Json::as_number)
    }

    /// Whether there is no metadata.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (&str, &Json)> {
        self.0.iter().map(|(name, value)| (&**name, value))
    }
}

/// The metadata members falcor itself reads.
const KNOWN: [&str; 3] = ["$expires", "$size", "$timestamp"];

impl PartialEq for Metadata {
    /// The same members, in any order (as JSON objects compare).
    fn eq(&self, other: &Metadata) -> bool {
        self.0.len() == other.0.len()
            && self
                .iter()
                .all(|(name, value)| other.get(name) == Some(value))
    }
}
