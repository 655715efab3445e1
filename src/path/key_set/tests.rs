//! Tests of `key_set.rs`.

use super::*;

fn key_set(json: &str) -> KeySet {
    serde_json::from_str(json).expect(json)
}

#[test]
fn empty_ranges_are_skipped_and_never_hang() {
    // falcor's iterator spins forever on this key set.
    let set = key_set(r#"[{"from":3,"to":1},{"from":0,"to":2}]"#);
    let keys: Vec<Key> = set.keys().collect();
    assert_eq!(
        keys,
        vec![Key::integer(0), Key::integer(1), Key::integer(2)]
    );
    assert_eq!(set.count(), 3);
}

#[test]
fn a_list_of_one_is_its_element() {
    assert_eq!(key_set("[5]"), KeySet::Key(Key::integer(5)));
    assert_eq!(
        key_set(r#"[{"from":0,"to":1}]"#),
        KeySet::Range(Range::new(0, 1))
    );
}

#[test]
fn counts_saturate() {
    let set =
        key_set(r#"[{"from":0,"to":9223372036854775807},{"from":0,"to":9223372036854775807}]"#);
    assert_eq!(set.count(), u64::MAX);
}

#[test]
fn nested_lists_are_refused() {
    let err = serde_json::from_str::<KeySet>("[1,[2]]").expect_err("nested");
    assert!(err.to_string().contains("cannot be nested"), "{err}");
}
