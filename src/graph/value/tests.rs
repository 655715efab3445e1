//! Tests of `value.rs`.

use super::*;

fn sentinel(json: Json) -> Value {
    match json {
        Json::Object(map) => Value::from_sentinel(map, &[]).expect("a sentinel"),
        other => panic!("not an object: {other}"),
    }
}

#[test]
fn metadata_is_carried_compared_in_any_order_and_replaced_by_name() {
    let a = sentinel(serde_json::json!(
        {"$type": "atom", "value": 1, "$size": 5, "$expires": -10, "$_cache": "dropped"}
    ));
    let b = sentinel(serde_json::json!({"$type": "atom", "value": 1, "$expires": -10, "$size": 5}));
    assert_eq!(a, b, "the same members in another order");
    let meta = a.meta().expect("a sentinel's");
    assert_eq!(
        meta.get("$_cache"),
        None,
        "a client cache's own members are dropped"
    );
    assert_eq!(meta.size().and_then(Number::as_i64), Some(5));

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
    assert_ne!(
        sentinel(serde_json::json!({"$type": "atom", "$expires": 2})),
        sentinel(serde_json::json!({"$type": "atom", "$expires": 2, "custom": 3})),
    );
}
