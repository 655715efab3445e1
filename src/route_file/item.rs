//! Items: what a load keeps of each item of a service's answer.
//!
//! A load keeps only the members its routes read ([`Needs`]), read
//! straight from the answer's bytes: the members no route reads are
//! skipped, not built (a video's 2 KB of credits cost nothing when the
//! routes read its title). A route reads an item through an
//! [`Accessor`], made once when the table is built.

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

/// What a load kept of one item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) enum Item {
    /// A whole item that is a scalar (a rating).
    Scalar(Json),
    /// A whole item that is an object or an array.
    Whole(Arc<Json>),
    /// The members read, by slot (see [`Needs`]).
    Members(Arc<[Option<Json>]>),
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
            Json::Object(_) | Json::Array(_) => Item::Whole(Arc::new(json)),
            scalar => Item::Scalar(scalar),
        }
    }

    /// What `accessor` reads in the item, if anything.
    pub(super) fn get(&self, accessor: &Accessor) -> Option<&Json> {
        match (self, &accessor.slot) {
            (Item::Scalar(json), _) => json.pointer(&accessor.pointer),
            (Item::Whole(json), _) => json.pointer(&accessor.pointer),
            (Item::Members(slots), Some((slot, rest))) => slots.get(*slot)?.as_ref()?.pointer(rest),
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
    fn members_read_are_kept_by_slot_and_pointers_read_within_them() {
        let needs = Needs::of(["/title", "/life/died", "/a~1b"]);
        assert_eq!(needs.describe(), "a/b,life,title");
        let item = Item::Members(
            vec![
                Some(json!(1)),
                Some(json!({"died": 1852})),
                Some(json!("Ada")),
            ]
            .into(),
        );
        assert_eq!(item.get(&needs.accessor("/title")), Some(&json!("Ada")));
        assert_eq!(item.get(&needs.accessor("/life/died")), Some(&json!(1852)));
        assert_eq!(item.get(&needs.accessor("/a~1b")), Some(&json!(1)));
        assert_eq!(item.get(&needs.accessor("/other")), None);
    }

    #[test]
    fn an_item_read_whole_is_kept_whole() {
        let needs = Needs::of(["", "/x"]);
        assert!(needs.is_whole());
        assert_eq!(
            Item::whole(json!(4.5)).get(&needs.accessor("")),
            Some(&json!(4.5))
        );
        let item = Item::whole(json!({"x": [1]}));
        assert_eq!(item.get(&needs.accessor("/x/0")), Some(&json!(1)));
    }
}
