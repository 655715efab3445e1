//! Inclusive integer ranges, as in `genreLists[0..9]`.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::key::{integer_from_f64, Key};

/// The integers `from..=to`. A range whose `to` is below its `from` is
/// empty: it holds no key, costs nothing and asks no handler.
///
/// On the wire a range is `{"from": 0, "to": 9}` or `{"from": 0, "length":
/// 10}`; a missing `from` is 0, as falcor reads it. It is always written
/// back as `{"from", "to"}`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Range {
    /// The first integer of the range.
    pub from: i64,
    /// The last integer of the range, included.
    pub to: i64,
}

impl Range {
    /// The integers `from..=to`.
    pub const fn new(from: i64, to: i64) -> Range {
        Range { from, to }
    }

    /// The `length` integers starting at `from` (empty when `length` is 0
    /// or less).
    pub fn with_length(from: i64, length: i64) -> Range {
        // A length reaching past i64::MAX is cut at i64::MAX.
        Range::new(from, from.saturating_add(length.saturating_sub(1)))
    }

    /// Whether the range holds no integer.
    pub fn is_empty(&self) -> bool {
        self.to < self.from
    }

    /// How many integers the range holds, saturating at `u64::MAX`.
    pub fn count(&self) -> u64 {
        if self.is_empty() {
            0
        } else {
            // At most 2^64 - 1 + 1: saturate the one value that overflows.
            (self.to.abs_diff(self.from)).saturating_add(1)
        }
    }

    /// Whether `n` is in the range.
    pub fn contains(&self, n: i64) -> bool {
        self.from <= n && n <= self.to
    }

    /// The integers of the range, in order, produced one at a time.
    pub fn iter(&self) -> RangeIter {
        RangeIter {
            next: self.from,
            to: self.to,
            done: self.is_empty(),
        }
    }
}

/// The integers of a [`Range`] as keys, produced lazily.
#[derive(Debug, Clone)]
pub struct RangeIter {
    next: i64,
    to: i64,
    done: bool,
}

impl Iterator for RangeIter {
    type Item = Key;

    fn next(&mut self) -> Option<Key> {
        if self.done {
            return None;
        }
        let n = self.next;
        if n >= self.to {
            self.done = true;
        } else {
            self.next = n + 1;
        }
        Some(Key::integer(n))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done {
            return (0, Some(0));
        }
        let left = self.to.abs_diff(self.next).saturating_add(1);
        match usize::try_from(left) {
            Ok(n) => (n, Some(n)),
            Err(_) => (usize::MAX, None),
        }
    }
}

impl fmt::Debug for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.from, self.to)
    }
}

impl Serialize for Range {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Range", 2)?;
        s.serialize_field("from", &self.from)?;
        s.serialize_field("to", &self.to)?;
        s.end()
    }
}

impl<'de> serde::Deserialize<'de> for Range {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Range, D::Error> {
        deserializer.deserialize_map(RangeVisitor)
    }
}

/// Reads `{"from", "to"}` or `{"from", "length"}`.
pub(crate) struct RangeVisitor;

/// One bound of a range: an integer, also when JSON spells it `2.0`.
struct Bound(i64);

impl<'de> serde::Deserialize<'de> for Bound {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Bound, D::Error> {
        struct BoundVisitor;
        impl Visitor<'_> for BoundVisitor {
            type Value = Bound;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Bound, E> {
                Ok(Bound(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Bound, E> {
                i64::try_from(v)
                    .map(Bound)
                    .map_err(|_| E::custom(format_args!("the range bound {v} is too large")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Bound, E> {
                integer_from_f64(v).map(Bound).ok_or_else(|| {
                    E::custom(format_args!("a range bound must be an integer, not {v}"))
                })
            }
        }
        deserializer.deserialize_any(BoundVisitor)
    }
}

impl<'de> Visitor<'de> for RangeVisitor {
    type Value = Range;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(r#"a range ({"from": 0, "to": 9} or {"from": 0, "length": 10})"#)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Range, A::Error> {
        let (mut from, mut to, mut length) = (None, None, None);
        while let Some(field) = map.next_key::<String>()? {
            let slot = match field.as_str() {
                "from" => &mut from,
                "to" => &mut to,
                "length" => &mut length,
                other => {
                    return Err(de::Error::custom(format_args!(
                        "a range has the fields \"from\", \"to\" and \"length\", not {other:?}"
                    )))
                }
            };
            if slot.is_some() {
                return Err(de::Error::custom(format_args!(
                    "the range field {field:?} is given twice"
                )));
            }
            *slot = Some(map.next_value::<Bound>()?.0);
        }
        let from = from.unwrap_or(0);
        match (to, length) {
            (Some(_), Some(_)) => Err(de::Error::custom(
                "a range has \"to\" or \"length\" beside \"from\", not both",
            )),
            (Some(to), None) => Ok(Range::new(from, to)),
            (None, Some(length)) => Ok(Range::with_length(from, length)),
            (None, None) => Err(de::Error::custom(
                "a range needs \"to\" or \"length\" beside \"from\"",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(json: &str) -> Result<Range, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn reads_every_wire_form() {
        assert_eq!(range(r#"{"from":0,"to":2}"#).ok(), Some(Range::new(0, 2)));
        assert_eq!(
            range(r#"{"from":2,"length":2}"#).ok(),
            Some(Range::new(2, 3))
        );
        assert_eq!(range(r#"{"to":2}"#).ok(), Some(Range::new(0, 2)));
        assert_eq!(range(r#"{"length":3}"#).ok(), Some(Range::new(0, 2)));
        assert!(range(r#"{"from":5,"length":0}"#).is_ok_and(|r| r.is_empty()));
        assert!(range(r#"{"from":3,"to":1}"#).is_ok_and(|r| r.is_empty()));
    }

    #[test]
    fn refuses_what_is_not_a_range() {
        for (json, says) in [
            (r#"{"from":2}"#, "needs \"to\" or \"length\""),
            (r#"{"from":1.5,"to":2}"#, "must be an integer"),
            (r#"{"from":0,"to":1,"step":2}"#, "not \"step\""),
            (r#"{"from":0,"to":1,"to":2}"#, "given twice"),
        ] {
            let err = range(json).expect_err(json).to_string();
            assert!(err.contains(says), "{json}: {err}");
        }
    }

    #[test]
    fn counts_without_iterating() {
        assert_eq!(Range::new(0, 4_294_967_295).count(), 4_294_967_296);
        assert_eq!(Range::new(i64::MIN, i64::MAX).count(), u64::MAX);
        assert_eq!(Range::new(3, 1).count(), 0);
        assert_eq!(
            Range::with_length(i64::MAX, 5),
            Range::new(i64::MAX, i64::MAX)
        );
    }

    #[test]
    fn iterates_to_the_last_integer_without_overflow() {
        let keys: Vec<Key> = Range::new(i64::MAX - 1, i64::MAX).iter().collect();
        assert_eq!(
            keys,
            vec![Key::integer(i64::MAX - 1), Key::integer(i64::MAX)]
        );
        assert_eq!(Range::new(3, 1).iter().count(), 0);
    }
}
