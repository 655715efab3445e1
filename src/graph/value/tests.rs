//! Tests of `value.rs`.

use super::*;

fn sentinel(json: Json) -> Value {
    match json {
        Json::Object(map) => Value::from_sentinel(map, &[]).expect("a sentinel"),
        other => panic!("not an object: {other}"),
    }
}

/// An atom of 1 with `$size` 5 and `$expires` -10, its members in the
/// order given, and a client cache's own `$_cache`.
fn sized_atom_with_a_clients_members() -> Value {
    sentinel(serde_json::json!(
        {"$type": "atom", "value": 1, "$size": 5, "$expires": -10, "$_cache": "dropped"}
    ))
}

#[test]
fn metadata_is_compared_in_any_order() {
    let b = sentinel(serde_json::json!({"$type": "atom", "value": 1, "$expires": -10, "$size": 5}));
    assert_eq!(
        sized_atom_with_a_clients_members(),
        b,
        "the same members in another order"
    );
}

#[test]
fn metadata_is_carried_without_a_client_caches_own_members() {
    let a = sized_atom_with_a_clients_members();
    let meta = a.meta().expect("a sentinel's");
    assert_eq!(
        meta.get("$_cache"),
        None,
        "a client cache's own members are dropped"
    );
    assert_eq!(meta.size().and_then(Number::as_i64), Some(5));
}

#[test]
fn metadata_is_replaced_by_name() {
    let mut meta = Metadata::default();
    meta.insert("$expires", Json::from(1));
    meta.insert(String::from("$expires"), Json::from(2));
    meta.insert(String::from("custom"), Json::from(3));
    assert_eq!(
        meta.expires().and_then(Number::as_i64),
        Some(2),
        "replaced, not added"
    );
    let written =
        serde_json::to_value(Value::Atom(Atom { value: None, meta })).expect("serializable");
    assert_eq!(
        written,
        serde_json::json!({"$type": "atom", "$expires": 2, "custom": 3})
    );
}

#[test]
fn atoms_differing_only_in_custom_metadata_differ() {
    assert_ne!(
        sentinel(serde_json::json!({"$type": "atom", "$expires": 2})),
        sentinel(serde_json::json!({"$type": "atom", "$expires": 2, "custom": 3})),
    );
}
