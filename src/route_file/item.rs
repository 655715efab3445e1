//! Items: what a load keeps of each item of a service's answer.
//!
//! A load keeps only the members its routes read ([`Needs`]), read
//! straight from the answer's bytes: the members no route reads are
//! skipped, not built (a video's 2 KB of credits cost nothing when the
//! routes read its title). A route reads an item through an
//! [`Accessor`], made once when the table is built.

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// The members of an item that the routes of one load read: a JSON
/// Pointer from the item for each thing a route reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Needs {
    /// The item's members read, in slot order.
    members: Vec<String>,
    /// Whether a route reads the item whole (`""`): then it is kept
    /// whole.
    whole: bool,
}

/// What a load kept of one item: 16 bytes, as a user's ratings are most
/// of the items a server keeps (one per user and video asked).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) enum Item {
    /// A whole item that is `null`.
    Null,
    /// A whole item that is a boolean.
    Bool(bool),
    /// A whole item that is an integer.
    Int(i64),
    /// A whole item that is another number (a rating).
    Float(f64),
    /// A whole item that is a string.
    Text(Arc<String>),
    /// A whole item that is an object or an array.
    Whole(Arc<Json>),
    /// The members read, by slot (see [`Needs`]).
    Members(Arc<Vec<Option<Json>>>),
}

/// Where a route reads one thing in an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Accessor {
    /// The JSON Pointer from the item (for a whole item).
    pointer: String,
    /// The member's slot and the pointer within it (for members).
    slot: Option<(usize, String)>,
}

impl Needs {
    /// The needs of routes reading `pointers` (JSON Pointers from the
    /// item, `""` for the item itself).
    pub(super) fn of<'a>(pointers: impl IntoIterator<Item = &'a str>) -> Needs {
        let mut needs = Needs::default();
        for pointer in pointers {
            match first_member(pointer) {
                None => needs.whole = true,
                Some((member, _)) => {
                    if !needs.members.contains(&member) {
                        needs.members.push(member);
                    }
                }
            }
        }
        needs.members.sort();
        needs
    }

    /// The members kept, or `*` for the whole item: for a load's
    /// identity (a load whose needs change starts afresh).
    pub(super) fn describe(&self) -> String {
        match self.whole {
            true => "*".to_string(),
            false => self.members.join(","),
        }
    }

    /// Where `pointer` reads in the items kept under these needs.
    pub(super) fn accessor(&self, pointer: &str) -> Accessor {
        let slot = match self.whole {
            true => None,
            false => first_member(pointer).and_then(|(member, rest)| {
                let slot = self.members.iter().position(|kept| *kept == member)?;
                Some((slot, rest.to_string()))
            }),
        };
        Accessor {
            pointer: pointer.to_string(),
            slot,
        }
    }

    /// The slot of the member `name`, if it is kept.
    pub(super) fn slot(&self, name: &str) -> Option<usize> {
        self.members.iter().position(|member| member == name)
    }

    /// How many members are kept.
    pub(super) fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether items are kept whole.
    pub(super) fn is_whole(&self) -> bool {
        self.whole
    }
}

impl Item {
    /// An item kept whole.
    pub(super) fn whole(json: Json) -> Item {
        match json {
            Json::Null => Item::Null,
            Json::Bool(flag) => Item::Bool(flag),
            Json::Number(number) => match (number.as_i64(), number.as_f64()) {
                (Some(integer), _) => Item::Int(integer),
                (None, Some(float)) if number.is_f64() => Item::Float(float),
                _ => Item::Whole(Arc::new(Json::Number(number))),
            },
            Json::String(text) => Item::Text(Arc::new(text)),
            other => Item::Whole(Arc::new(other)),
        }
    }

    /// Members kept by slot.
    pub(super) fn members(slots: Vec<Option<Json>>) -> Item {
        Item::Members(Arc::new(slots))
    }

    /// What `accessor` reads in the item, if anything.
    pub(super) fn get(&self, accessor: &Accessor) -> Option<Cow<'_, Json>> {
        let scalar = |json: Json| match accessor.pointer.is_empty() {
            true => Some(Cow::Owned(json)),
            false => None,
        };
        match (self, &accessor.slot) {
            (Item::Null, _) => scalar(Json::Null),
            (Item::Bool(flag), _) => scalar(Json::Bool(*flag)),
            (Item::Int(integer), _) => scalar(Json::from(*integer)),
            (Item::Float(float), _) => scalar(Json::from(*float)),
            (Item::Text(text), _) => scalar(Json::String(text.to_string())),
            (Item::Whole(json), _) => json.pointer(&accessor.pointer).map(Cow::Borrowed),
            (Item::Members(slots), Some((slot, rest))) => {
                slots.get(*slot)?.as_ref()?.pointer(rest).map(Cow::Borrowed)
            }
            (Item::Members(_), None) => None,
        }
    }
}

/// The first member a JSON Pointer goes through (unescaped) and the rest
/// of the pointer; none for `""`, the item itself.
fn first_member(pointer: &str) -> Option<(String, &str)> {
    let rest = pointer.strip_prefix('/')?;
    let (first, rest) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, ""),
    };
    Some((first.replace("~1", "/").replace("~0", "~"), rest))
}

/// A member's name as a JSON Pointer from the item.
pub(super) fn member_pointer(name: &str) -> String {
    format!("/{}", name.replace('~', "~0").replace('/', "~1"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointers_are_read_within_the_members_kept_by_slot() {
        let needs = Needs::of(["/title", "/life/died", "/a~1b"]);
        assert_eq!(needs.describe(), "a/b,life,title");
        let item = Item::members(vec![
            Some(json!(1)),
            Some(json!({"died": 1852})),
            Some(json!("Ada")),
        ]);
        let get = |pointer: &str| item.get(&needs.accessor(pointer)).map(Cow::into_owned);
        assert_eq!(get("/title"), Some(json!("Ada")));
        assert_eq!(get("/life/died"), Some(json!(1852)));
        assert_eq!(get("/a~1b"), Some(json!(1)));
        assert_eq!(get("/other"), None);
    }

    #[test]
    fn an_item_is_two_words() {
        // A user's ratings are most of the items kept.
        assert_eq!(std::mem::size_of::<Item>(), 16);
    }

    #[test]
    fn an_item_read_whole_is_kept_whole() {
        let needs = Needs::of(["", "/x"]);
        assert!(needs.is_whole());
        for scalar in [json!(4.5), json!(4), json!("a"), json!(true), json!(null)] {
            let item = Item::whole(scalar.clone());
            let got = item.get(&needs.accessor("")).map(Cow::into_owned);
            assert_eq!(got, Some(scalar));
            assert_eq!(item.get(&needs.accessor("/x")), None);
        }
        let item = Item::whole(json!({"x": [1]}));
        let got = item.get(&needs.accessor("/x/0")).map(Cow::into_owned);
        assert_eq!(got, Some(json!(1)));
    }
}
