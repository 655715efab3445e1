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
    let found = step(&graph, &graph, &keys);
    assert!(
        matches!(found, Some(Node::Value(Value::String(title))) if title.as_str() == "Seven"),
        "{found:?}"
    );
}
