//! Key sets: one key, one range, or a list of keys and ranges.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Serialize, Serializer};

use super::key::{integer_from_f64, not_an_integer, Key};
use super::range::{Range, RangeIter, RangeVisitor};

/// The keys asked for at one position of a path set: `title`, `0..9` or
/// `['title', 'rating', 0..2]`.
///
/// Build lists with [`KeySet::list`], which unwraps a list of one element,
/// so that a key set has one spelling for each meaning (`[5]` and `5` are the
/// same key set).
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum KeySet {
    /// One key.
    Key(Key),
    /// The integers of a range.
    Range(Range),
    /// Every key and range of the list, in order.
    List(Vec<KeyOrRange>),
}

/// An element of a [`KeySet::List`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum KeyOrRange {
    /// One key.
    Key(Key),
    /// The integers of a range.
    Range(Range),
}

impl KeySet {
    /// A key set of the given elements: the element itself when there is
    /// only one, a list otherwise.
    pub fn list(mut items: Vec<KeyOrRange>) -> KeySet {
        if items.len() == 1 {
            match items.pop() {
                Some(KeyOrRange::Key(key)) => return KeySet::Key(key),
                Some(KeyOrRange::Range(range)) => return KeySet::Range(range),
                None => {}
            }
        }
        KeySet::List(items)
    }

    /// How many keys the set holds (ranges counted, not expanded), saturating
    /// at `u64::MAX`. A key listed twice counts twice, as falcor counts it.
    pub fn count(&self) -> u64 {
        match self {
            KeySet::Key(_) => 1,
            KeySet::Range(range) => range.count(),
            KeySet::List(items) => items
                .iter()
                .map(KeyOrRange::count)
                .fold(0, u64::saturating_add),
        }
    }

    /// The keys of the set in order, ranges expanded one key at a time.
    /// Empty ranges yield nothing (falcor's iterator hangs on an empty range
    /// followed by another range; this one cannot).
    pub fn keys(&self) -> Keys<'_> {
        match self {
            KeySet::Key(key) => Keys {
                items: [].iter(),
                current: Current::Key(Some(key)),
            },
            KeySet::Range(range) => Keys {
                items: [].iter(),
                current: Current::Range(range.iter()),
            },
            KeySet::List(items) => Keys {
                items: items.iter(),
                current: Current::Key(None),
            },
        }
    }

    /// Whether `key` is one of the set's keys.
    pub fn contains(&self, key: &Key) -> bool {
        match self {
            KeySet::Key(k) => k == key,
            KeySet::Range(range) => key.as_integer().is_some_and(|n| range.contains(n)),
            KeySet::List(items) => items.iter().any(|item| item.contains(key)),
        }
    }
}

impl KeyOrRange {
    /// How many keys the element holds.
    pub fn count(&self) -> u64 {
        match self {
            KeyOrRange::Key(_) => 1,
            KeyOrRange::Range(range) => range.count(),
        }
    }

    /// Whether `key` is in the element.
    pub fn contains(&self, key: &Key) -> bool {
        match self {
            KeyOrRange::Key(k) => k == key,
            KeyOrRange::Range(range) => key.as_integer().is_some_and(|n| range.contains(n)),
        }
    }
}

impl From<Key> for KeySet {
    fn from(key: Key) -> KeySet {
        KeySet::Key(key)
    }
}

impl From<Range> for KeySet {
    fn from(range: Range) -> KeySet {
        KeySet::Range(range)
    }
}

impl From<&str> for KeySet {
    fn from(key: &str) -> KeySet {
        KeySet::Key(Key::from(key))
    }
}

impl From<i64> for KeySet {
    fn from(key: i64) -> KeySet {
        KeySet::Key(Key::integer(key))
    }
}

impl From<Key> for KeyOrRange {
    fn from(key: Key) -> KeyOrRange {
        KeyOrRange::Key(key)
    }
}

impl From<Range> for KeyOrRange {
    fn from(range: Range) -> KeyOrRange {
        KeyOrRange::Range(range)
    }
}

impl From<&str> for KeyOrRange {
    fn from(key: &str) -> KeyOrRange {
        KeyOrRange::Key(Key::from(key))
    }
}

impl From<i64> for KeyOrRange {
    fn from(key: i64) -> KeyOrRange {
        KeyOrRange::Key(Key::integer(key))
    }
}

/// The keys of a [`KeySet`], produced lazily (see [`KeySet::keys`]).
#[derive(Debug, Clone)]
pub struct Keys<'a> {
    items: std::slice::Iter<'a, KeyOrRange>,
    current: Current<'a>,
}

#[derive(Debug, Clone)]
enum Current<'a> {
    Key(Option<&'a Key>),
    Range(RangeIter),
}

impl Iterator for Keys<'_> {
    type Item = Key;

    fn next(&mut self) -> Option<Key> {
        loop {
            match &mut self.current {
                Current::Key(key) => {
                    if let Some(key) = key.take() {
                        return Some(key.clone());
                    }
                }
                Current::Range(range) => {
                    if let Some(key) = range.next() {
                        return Some(key);
                    }
                }
            }
            self.current = match self.items.next()? {
                KeyOrRange::Key(key) => Current::Key(Some(key)),
                KeyOrRange::Range(range) => Current::Range(range.iter()),
            };
        }
    }
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySet::Key(key) => key.fmt(f),
            KeySet::Range(range) => range.fmt(f),
            KeySet::List(items) => f.debug_list().entries(items).finish(),
        }
    }
}

impl fmt::Debug for KeyOrRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyOrRange::Key(key) => key.fmt(f),
            KeyOrRange::Range(range) => range.fmt(f),
        }
    }
}

impl Serialize for KeySet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            KeySet::Key(key) => key.serialize(serializer),
            KeySet::Range(range) => range.serialize(serializer),
            KeySet::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
        }
    }
}

impl Serialize for KeyOrRange {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            KeyOrRange::Key(key) => key.serialize(serializer),
            KeyOrRange::Range(range) => range.serialize(serializer),
        }
    }
}

impl<'de> serde::Deserialize<'de> for KeySet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<KeySet, D::Error> {
        deserializer.deserialize_any(KeySetVisitor)
    }
}

impl<'de> serde::Deserialize<'de> for KeyOrRange {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<KeyOrRange, D::Error> {
        deserializer.deserialize_any(ElementVisitor)
    }
}

struct KeySetVisitor;

impl<'de> Visitor<'de> for KeySetVisitor {
    type Value = KeySet;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key set (a key, a range, or a list of keys and ranges)")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<KeySet, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element::<KeyOrRange>()? {
            items.push(item);
        }
        Ok(KeySet::list(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<KeySet, A::Error> {
        RangeVisitor.visit_map(map).map(KeySet::Range)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<KeySet, E> {
        Ok(KeySet::Key(Key::from(v)))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<KeySet, E> {
        Ok(KeySet::Key(Key::from(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<KeySet, E> {
        Ok(KeySet::Key(Key::integer(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<KeySet, E> {
        ElementVisitor.visit_u64(v).map(KeyOrRange::into_key_set)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<KeySet, E> {
        ElementVisitor.visit_f64(v).map(KeyOrRange::into_key_set)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<KeySet, E> {
        Ok(KeySet::Key(Key::from(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<KeySet, E> {
        Ok(KeySet::Key(Key::NULL))
    }
}

impl KeyOrRange {
    fn into_key_set(self) -> KeySet {
        match self {
            KeyOrRange::Key(key) => KeySet::Key(key),
            KeyOrRange::Range(range) => KeySet::Range(range),
        }
    }
}

struct ElementVisitor;

impl<'de> Visitor<'de> for ElementVisitor {
    type Value = KeyOrRange;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key or a range (lists of keys cannot be nested)")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<KeyOrRange, A::Error> {
        Err(de::Error::custom(
            "lists of keys cannot be nested: a key set is a key, a range, or one list of them",
        ))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<KeyOrRange, A::Error> {
        RangeVisitor.visit_map(map).map(KeyOrRange::Range)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyOrRange, E> {
        Ok(KeyOrRange::Key(Key::from(v)))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<KeyOrRange, E> {
        Ok(KeyOrRange::Key(Key::from(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<KeyOrRange, E> {
        Ok(KeyOrRange::Key(Key::integer(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<KeyOrRange, E> {
        i64::try_from(v)
            .map(|n| KeyOrRange::Key(Key::integer(n)))
            .map_err(|_| E::custom(format_args!("the key {v} is too large")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<KeyOrRange, E> {
        integer_from_f64(v)
            .map(|n| KeyOrRange::Key(Key::integer(n)))
            .ok_or_else(|| not_an_integer(v))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<KeyOrRange, E> {
        Ok(KeyOrRange::Key(Key::from(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<KeyOrRange, E> {
        Ok(KeyOrRange::Key(Key::NULL))
    }
}

#[cfg(test)]
mod tests;
