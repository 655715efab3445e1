//! Tests of `executor.rs`.

use super::*;
use crate::graph::Value;

#[test]
fn a_step_follows_refs_from_the_root() {
    let graph = Graph::from_json(serde_json::json!({
        "lists": {"a": {"0": {"$type": "ref", "value": ["videos", 7]}}},
        "videos": {"7": {"title": "Seven"}}
    }))
    .expect("graph");
    let keys = [
        Key::from("lists"),
        Key::from("a"),
        Key::from(0),
        Key::from("title"),
    ];
    let (found, _) = step(&graph, &graph, &keys);
    assert!(
        matches!(found, Some(Node::Value(Value::String(title))) if title.as_str() == "Seven"),
        "{found:?}"
    );
}

#[test]
fn a_step_through_a_ref_ends_at_the_key_of_the_ref_followed() {
    let graph = Graph::from_json(serde_json::json!({
        "lists": {"a": {"0": {"$type": "ref", "value": ["videos", 7]}}},
        "videos": {"7": {"title": "Seven"}}
    }))
    .expect("graph");
    let through_ref = [Key::from("lists"), Key::from("a"), Key::from(0)];
    let (_, at) = step(&graph, &graph, &through_ref);
    assert_eq!(at, Some(&Key::from(7)));
    // Reached without a ref, an object's last key is where it stands in
    // its parent, not a key of its own.
    let direct = [Key::from("videos"), Key::from(7)];
    let (_, at) = step(&graph, &graph, &direct);
    assert_eq!(at, None);
}
