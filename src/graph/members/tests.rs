//! Tests of `members.rs`.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::*;

fn leaf(n: i64) -> Node {
    Node::Value(Value::from(n))
}

proptest::proptest! {
    /// `find` answers as a binary search by `Key`'s own order, for
    /// keys of every kind.
    #[test]
    fn find_agrees_with_the_order_of_keys(
        members in proptest::collection::vec(any_key(), 0..40),
        wanted in any_key(),
    ) {
        let mut few: Vec<(Key, Node)> = members.into_iter().map(|key| (key, leaf(0))).collect();
        few.sort_by(|a, b| a.0.cmp(&b.0));
        few.dedup_by(|a, b| a.0 == b.0);
        let expected = few.binary_search_by(|(member, _)| member.cmp(&wanted));
        proptest::prop_assert_eq!(find(&few, &wanted), expected);
    }
}

fn any_key() -> impl Strategy<Value = Key> {
    prop_oneof![
        (-5i64..5).prop_map(Key::from),
        "[a-c]{0,3}".prop_map(|text| Key::from(text.as_str())),
        any::<bool>().prop_map(Key::from),
        Just(Key::NULL),
    ]
}

/// 179 members, more than a few, keys `0..179` times `step`, written in
/// a scrambled order (37 and 179 are coprime), each twice: the second,
/// `n + 1`, stands.
fn many_scrambled(step: i64) -> Members {
    let mut members = Members::default();
    let count = 179;
    assert!(count > FEW as i64);
    let order: Vec<i64> = (0..count).map(|i| (i * 37) % count).collect();
    for round in 0..2 {
        for &n in &order {
            members.insert(Key::from(n * step), leaf(n + round));
        }
    }
    members
}

#[test]
fn members_past_a_few_stay_in_key_order() {
    for step in [1, 1000] {
        let members = many_scrambled(step);
        assert_eq!(members.len(), 179);
        let keys: Vec<i64> = members
            .iter()
            .filter_map(|(key, _)| key.as_integer())
            .collect();
        assert_eq!(keys, (0..179).map(|n| n * step).collect::<Vec<_>>());
    }
}

#[test]
fn dense_integers_past_a_few_are_held_by_slot_and_sparse_ones_in_a_tree() {
    assert!(matches!(many_scrambled(1), Members::Dense(_)));
    assert!(matches!(many_scrambled(1000), Members::Many(_)));
}

#[test]
fn members_past_a_few_are_found_by_key() {
    for step in [1, 2, 1000] {
        let members = many_scrambled(step);
        assert_eq!(members.get(&Key::from(42 * step)), Some(&leaf(43)));
        assert_eq!(members.get(&Key::from(179 * step)), None);
        assert_eq!(members.get(&Key::from(-1)), None);
        assert_eq!(
            members.get(&Key::from("42")),
            members.get(&Key::from(42)),
            "a number's text"
        );
    }
}

proptest::proptest! {
    /// Whatever is put where, in whatever order, the members are a map
    /// in key order: what a B-tree holds, however they are held.
    #[test]
    fn members_hold_what_a_map_holds(
        puts in proptest::collection::vec((put_key(), 0i64..3), 0..600),
    ) {
        holds_what_a_map_holds(puts)?;
    }

    /// The same, of integers close together: held dense all along.
    #[test]
    fn dense_members_hold_what_a_map_holds(
        puts in proptest::collection::vec(((-20i64..200).prop_map(Key::from), 0i64..3), 0..600),
    ) {
        holds_what_a_map_holds(puts)?;
    }
}

proptest::proptest! {
    /// Merging two sets of members, each put in any order, holds what
    /// two maps merged hold: `other`'s member where both have one (here
    /// the sum, to see both were given), in key order.
    #[test]
    fn merged_members_hold_what_merged_maps_hold(
        mine in proptest::collection::vec((put_key(), 0i64..3), 0..200),
        theirs in prop_oneof![
            proptest::collection::vec((put_key(), 0i64..3), 0..4),
            proptest::collection::vec((put_key(), 0i64..3), 0..200),
        ],
    ) {
        let fill = |puts: &[(Key, i64)]| {
            let mut members = Members::default();
            let mut map = BTreeMap::new();
            for (key, value) in puts {
                members.insert(key.clone(), leaf(*value));
                map.insert(key.clone(), *value);
            }
            (members, map)
        };
        let ((mut members, mut map), (other, other_map)) = (fill(&mine), fill(&theirs));
        members.merge(other, |mine, theirs| {
            let number = |node: &Node| match node {
                Node::Value(Value::Number(n)) => n.as_i64().unwrap_or(-100),
                _ => -100,
            };
            *mine = leaf(number(mine) + number(&theirs));
        });
        for (key, value) in other_map {
            *map.entry(key).or_insert(0) += value;
        }
        let expected: Vec<(Key, Node)> = map.into_iter().map(|(key, value)| (key, leaf(value))).collect();
        prop_assert_eq!(members.len(), expected.len());
        prop_assert!(members.into_iter().eq(expected));
    }
}

fn holds_what_a_map_holds(puts: Vec<(Key, i64)>) -> Result<(), TestCaseError> {
    let mut members = Members::default();
    let mut map = BTreeMap::new();
    for (key, value) in puts {
        members.insert(key.clone(), leaf(value));
        map.insert(key, leaf(value));
    }
    prop_assert_eq!(members.len(), map.len());
    prop_assert!(members.iter().eq(map.iter()));
    for (key, node) in &map {
        prop_assert_eq!(members.get(key), Some(node));
    }
    prop_assert!(members.clone().into_iter().eq(map));
    Ok(())
}

/// Keys as branches get them: mostly a run of integers (some far off),
/// now and then a name.
fn put_key() -> impl Strategy<Value = Key> {
    prop_oneof![
        20 => (-50i64..400).prop_map(Key::from),
        1 => (i64::MIN..i64::MAX).prop_map(Key::from),
        1 => prop_oneof![Just(i64::MIN), Just(i64::MAX)].prop_map(Key::from),
        1 => "[a-c]{1,2}".prop_map(|text| Key::from(text.as_str())),
    ]
}

#[test]
fn a_dense_branch_filled_downwards_or_given_a_name_keeps_every_member() {
    let mut members = Members::default();
    for n in (0..300).rev() {
        members.insert(Key::from(n), leaf(n));
    }
    assert!(matches!(members, Members::Dense(_)));
    assert_eq!(members.get(&Key::from(0)), Some(&leaf(0)));
    members.insert(Key::from("length"), leaf(300));
    assert!(matches!(members, Members::Many(_)));
    assert_eq!(members.len(), 301);
    let last = members.iter().last().map(|(key, _)| key.clone());
    assert_eq!(last, Some(Key::from("length")));
    assert_eq!(members.get(&Key::from(299)), Some(&leaf(299)));
}

#[test]
fn the_same_members_are_equal_however_they_are_held() {
    let mut few = Members::default();
    let mut many = Members::default();
    for n in 0..(FEW as i64 + 1) {
        many.insert(Key::from(n), leaf(n));
    }
    for n in (0..FEW as i64).rev() {
        few.insert(Key::from(n), leaf(n));
    }
    assert!(matches!(few, Members::Few(_)));
    assert!(matches!(many, Members::Dense(_)));
    assert!(few != many);
    few.insert(Key::from(FEW as i64), leaf(FEW as i64));
    assert!(matches!(few, Members::Dense(_)));
    assert_eq!(few, many);
    let mut few_again = Members::default();
    for n in 0..3 {
        few_again.insert(Key::from(n), leaf(n));
    }
    let mut many_trimmed: Members = Members::Many(
        many.into_iter()
            .filter(|(key, _)| key.as_integer() < Some(3))
            .collect(),
    );
    assert_eq!(few_again, many_trimmed);
    *many_trimmed.get_or_insert_with(Key::from("name"), || leaf(0)) = leaf(7);
    assert_eq!(many_trimmed.get(&Key::from("name")), Some(&leaf(7)));
}

#[test]
fn dense_branches_reach_the_ends_of_the_integers() {
    let mut up = Members::default();
    for n in (i64::MAX - 300)..=i64::MAX {
        up.insert(Key::from(n), leaf(0));
    }
    assert!(matches!(up, Members::Dense(_)));
    assert_eq!(up.len(), 301);
    assert_eq!(up.get(&Key::from(i64::MAX)), Some(&leaf(0)));
    assert_eq!(
        up.iter().last().map(|(key, _)| key.clone()),
        Some(Key::from(i64::MAX))
    );
    let mut down = Members::default();
    for n in (i64::MIN..=(i64::MIN + 300)).rev() {
        down.insert(Key::from(n), leaf(0));
    }
    assert!(matches!(down, Members::Dense(_)));
    assert_eq!(down.len(), 301);
    assert_eq!(down.get(&Key::from(i64::MIN)), Some(&leaf(0)));
    down.insert(Key::from(i64::MAX), leaf(1));
    assert!(
        matches!(down, Members::Many(_)),
        "from one end to the other"
    );
    assert_eq!(down.len(), 302);
}
