//! A service's answer read into items: down the `items` pointer, then
//! each item's members that a load keeps ([`Needs`]), straight from the
//! bytes. What no route reads is skipped without being built.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value as Json;

use crate::path::Key;

use super::item::{Item, Needs};

/// How to read an answer: where its items are and what to keep.
#[derive(Debug, Clone)]
pub(super) struct Reading {
    /// The `items` pointer's members, unescaped.
    pub(super) path: Vec<String>,
    /// With items in an array: the member holding each one's id.
    pub(super) key: Option<String>,
    pub(super) needs: Needs,
    /// Items by id; else the answer (at `items`) is the one item.
    pub(super) by_id: bool,
}

/// Why an answer could not be read.
#[derive(Debug)]
pub(super) enum Unreadable {
    /// Not JSON.
    Syntax(serde_json::Error),
    /// JSON, without items where the route file says: what it has there.
    Shape(&'static str),
}

impl Reading {
    /// The items of `bytes`: by id, or the one item (keyed `""`). An
    /// answer with nothing at `items` has no item of one per scope.
    pub(super) fn items(&self, bytes: &[u8]) -> Result<Vec<(Key, Item)>, Unreadable> {
        // Checked as UTF-8 once, ahead (the standard library's check runs
        // a word at a time over ASCII): its strings are then read without
        // a check each. Text that is not UTF-8 is read as bytes, for the
        // error to say where.
        match std::str::from_utf8(bytes) {
            Ok(text) => self.read(serde_json::Deserializer::from_str(text)),
            Err(_) => self.read(serde_json::Deserializer::from_slice(bytes)),
        }
    }

    fn read<'de, R: serde_json::de::Read<'de>>(
        &self,
        mut deserializer: serde_json::Deserializer<R>,
    ) -> Result<Vec<(Key, Item)>, Unreadable> {
        let found = Down {
            path: &self.path,
            reading: self,
        }
        .deserialize(&mut deserializer)
        .and_then(|found| deserializer.end().map(|()| found));
        match found {
            Ok(Some(items)) => Ok(items),
            Ok(None) if !self.by_id => Ok(vec![(Key::from(""), Item::whole(Json::Null))]),
            Ok(None) => Err(Unreadable::Shape("has nothing")),
            Err(error) if error.is_data() => Err(Unreadable::Shape(match self.key {
                Some(_) => "has no array",
                None => "has no object by id",
            })),
            Err(error) => Err(Unreadable::Syntax(error)),
        }
    }
}

/// Goes down `path`, then reads the items there; none if the path is
/// not in the answer.
struct Down<'a> {
    path: &'a [String],
    reading: &'a Reading,
}

impl<'de> DeserializeSeed<'de> for Down<'_> {
    type Value = Option<Vec<(Key, Item)>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        match self.path.split_first() {
            None if self.reading.by_id => Items(self.reading).deserialize(deserializer).map(Some),
            None => {
                let (item, _) = ItemSeed {
                    reading: self.reading,
                }
                .deserialize(deserializer)?;
                Ok(Some(vec![(Key::from(""), item)]))
            }
            Some(_) => deserializer.deserialize_any(self),
        }
    }
}

impl<'de> Visitor<'de> for Down<'_> {
    type Value = Option<Vec<(Key, Item)>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object or array on the way to the items")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let Some((first, rest)) = self.path.split_first() else {
            // At the items already: `deserialize` reads them, not this.
            return Ok(None);
        };
        let mut found = None;
        while let Some(name) = map.next_key::<Name<'de>>()? {
            if found.is_none() && name.as_str() == first.as_str() {
                found = map.next_value_seed(Down {
                    path: rest,
                    reading: self.reading,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let Some((first, rest)) = self.path.split_first() else {
            // At the items already: `deserialize` reads them, not this.
            return Ok(None);
        };
        let wanted: Option<usize> = first.parse().ok();
        let (mut index, mut found) = (0, None);
        loop {
            if Some(index) == wanted {
                let down = Down {
                    path: rest,
                    reading: self.reading,
                };
                match seq.next_element_seed(down)? {
                    Some(items) => found = items,
                    None => break,
                }
            } else if seq.next_element::<IgnoredAny>()?.is_none() {
                break;
            }
            index += 1;
        }
        Ok(found)
    }

    // A scalar on the way: the path is not in the answer.
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// The items at `items`: an object by id, or with `key`, an array.
struct Items<'a>(&'a Reading);

impl<'de> DeserializeSeed<'de> for Items<'_> {
    type Value = Vec<(Key, Item)>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        match self.0.key {
            Some(_) => deserializer.deserialize_seq(self),
            None => deserializer.deserialize_map(self),
        }
    }
}

impl<'de> Visitor<'de> for Items<'_> {
    type Value = Vec<(Key, Item)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the items: an object by id, or an array")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(map.size_hint().unwrap_or(16));
        while let Some(id) = map.next_key::<Name<'de>>()? {
            let (item, _) = map.next_value_seed(ItemSeed { reading: self.0 })?;
            items.push((Key::from(id.as_str()), item));
        }
        Ok(items)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(16));
        while let Some((item, id)) = seq.next_element_seed(ItemSeed { reading: self.0 })? {
            // An element without its id (or with one that is neither a
            // string nor an integer) is skipped.
            if let Some(id) = id {
                items.push((id, item));
            }
        }
        Ok(items)
    }
}

/// One item: the members kept, and with `key`, its id.
struct ItemSeed<'a> {
    reading: &'a Reading,
}

impl<'de> DeserializeSeed<'de> for ItemSeed<'_> {
    type Value = (Item, Option<Key>);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        if self.reading.needs.is_whole() {
            let json = Json::deserialize(deserializer)?;
            let id = self
                .reading
                .key
                .as_ref()
                .and_then(|key| Key::from_json(json.get(key)?));
            return Ok((Item::whole(json), id));
        }
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ItemSeed<'_> {
    type Value = (Item, Option<Key>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an item")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let needs = &self.reading.needs;
        let mut slots: Vec<Option<Json>> = vec![None; needs.len()];
        let mut id = None;
        let key = self.reading.key.as_deref();
        while let Some(name) = map.next_key::<Name<'de>>()? {
            let slot = needs.slot(name.as_str());
            let is_key = key == Some(name.as_str());
            if slot.is_none() && !is_key {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let value: Json = map.next_value()?;
            if is_key {
                id = Key::from_json(&value);
            }
            if let Some(slot) = slot.and_then(|slot| slots.get_mut(slot)) {
                *slot = Some(value);
            }
        }
        Ok((Item::members(slots), id))
    }

    // An item that is not an object is kept whole: a pointer may still
    // read into it (`/0` of an array).
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut elements = Vec::with_capacity(seq.size_hint().unwrap_or(8));
        while let Some(element) = seq.next_element::<Json>()? {
            elements.push(element);
        }
        Ok((Item::whole(Json::Array(elements)), None))
    }
    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Ok((Item::whole(Json::from(value)), None))
    }
    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        Ok((Item::whole(Json::from(value)), None))
    }
    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        Ok((Item::whole(Json::from(value)), None))
    }
    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        Ok((Item::whole(Json::from(value)), None))
    }
    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok((Item::whole(Json::from(value)), None))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok((Item::whole(Json::Null), None))
    }
}

/// A member's name, borrowed from the answer when it has no escapes (as
/// nearly all do): no allocation per member read or skipped.
enum Name<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Name<'_> {
    fn as_str(&self) -> &str {
        match self {
            Name::Borrowed(name) => name,
            Name::Owned(name) => name,
        }
    }
}

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Names;
        impl<'de> Visitor<'de> for Names {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member's name")
            }
            fn visit_borrowed_str<E: de::Error>(self, name: &'de str) -> Result<Name<'de>, E> {
                Ok(Name::Borrowed(name))
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<Name<'de>, E> {
                Ok(Name::Owned(name.to_string()))
            }
            fn visit_string<E: de::Error>(self, name: String) -> Result<Name<'de>, E> {
                Ok(Name::Owned(name))
            }
        }
        deserializer.deserialize_str(Names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reading(path: &[&str], key: Option<&str>, pointers: &[&str], by_id: bool) -> Reading {
        Reading {
            path: path.iter().map(ToString::to_string).collect(),
            key: key.map(str::to_string),
            needs: Needs::of(pointers.iter().copied()),
            by_id,
        }
    }

    #[test]
    fn items_by_id_keep_only_the_members_read() {
        let reading = reading(&["people"], None, &["/name"], true);
        let answer = json!({"other": [1], "people": {"1": {"name": "Ada", "bio": "long"}, "2": 5}});
        let items = reading.items(answer.to_string().as_bytes()).expect("read");
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].0, Key::from(1));
        assert_eq!(items[0].1, Item::members(vec![Some(json!("Ada"))]));
        assert_eq!(items[1].1, Item::whole(json!(5)));
    }

    #[test]
    fn items_in_an_array_are_keyed_by_their_member() {
        let reading = reading(&["data"], Some("id"), &["/name"], true);
        let answer = json!({"data": [{"id": 2, "name": "Alan"}, {"name": "no id"}, {"id": "x"}]});
        let items = reading.items(answer.to_string().as_bytes()).expect("read");
        let ids: Vec<Key> = items.iter().map(|(id, _)| id.clone()).collect();
        assert_eq!(ids, [Key::from(2), Key::from("x")]);
    }

    #[test]
    fn answers_without_items_where_the_file_says_are_told_apart() {
        let by_id = reading(&["people"], None, &["/name"], true);
        assert!(matches!(
            by_id.items(b"{\"persons\": {}}"),
            Err(Unreadable::Shape("has nothing"))
        ));
        assert!(matches!(
            by_id.items(b"{\"people\": [1]}"),
            Err(Unreadable::Shape("has no object by id"))
        ));
        assert!(matches!(
            by_id.items(b"{\"people\": "),
            Err(Unreadable::Syntax(_))
        ));
        let Err(Unreadable::Syntax(error)) = by_id.items(b"{\"people\": {\"1\": \"\xff\"}}") else {
            panic!("text that is not UTF-8 is a syntax error");
        };
        assert_eq!((error.line(), error.column()), (1, 19), "{error}");
        let keyed = reading(&[], Some("id"), &["/name"], true);
        assert!(matches!(
            keyed.items(b"{}"),
            Err(Unreadable::Shape("has no array"))
        ));
        // One item per scope: nothing there is an item with nothing.
        let one = reading(&["rows"], None, &["/0"], false);
        let items = one.items(b"{\"rows\": [\"a\"]}").expect("read");
        assert_eq!(items[0].1, Item::whole(json!(["a"])));
        let needs = Needs::of(["/0"]);
        let first = items[0].1.get(&needs.accessor("/0"));
        assert_eq!(first.map(std::borrow::Cow::into_owned), Some(json!("a")));
    }
}
