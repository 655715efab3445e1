//! Tests of `node.rs`.

use super::*;
use crate::path::PathSet;

fn graph(json: &str) -> Result<Graph, Error> {
    Graph::from_json(serde_json::from_str(json).expect(json))
}

#[test]
fn reads_and_writes_json_graphs_unchanged() {
    let text = r#"{"a":{"0":{"$type":"ref","value":["b","x"],"$expires":-1000},"1":null},"b":{"x":{"$type":"atom","value":[1,2],"$size":52},"y":{"$type":"error","value":{"message":"no"}},"z":{"$type":"atom"}}}"#;
    let parsed = graph(text).expect("valid graph");
    assert_eq!(serde_json::to_string(&parsed).expect("serializable"), text);
}

#[test]
fn says_where_a_graph_is_invalid() {
    for (json, says) in [
        (
            r#"{"a":{"b":[1]}}"#,
            "at `a.b`: a JSON Graph value cannot be a bare array",
        ),
        (
            r#"{"a":{"$type":"reff","value":[]}}"#,
            "at `a`: unknown `$type` \"reff\"",
        ),
        (
            r#"{"a":{"$type":"ref","value":"b"}}"#,
            "a ref's value must be a path",
        ),
        (
            r#"{"a":{"$type":"ref","value":[[1]]}}"#,
            "a ref's value must be a path of keys",
        ),
        ("[]", "a JSON Graph is an object, not an array"),
    ] {
        let err = graph(json).expect_err(json);
        assert_eq!(err.kind(), crate::graph::ErrorKind::Invalid);
        assert!(err.to_string().contains(says), "{json}: {err}");
    }
}

#[test]
fn drops_client_bookkeeping() {
    let parsed = graph(r#"{"a":{"$type":"atom","value":1,"$_version":3},"$__x":{},"$_parent":{}}"#)
        .expect("valid graph");
    assert_eq!(
        serde_json::to_string(&parsed).expect("serializable"),
        r#"{"a":{"$type":"atom","value":1}}"#
    );
}

#[test]
fn set_writes_every_path_of_its_path_set() {
    let mut g = Graph::new();
    g.set(&PathSet::parse("a[0..1].b").expect("valid"), Value::from(1));
    assert_eq!(
        serde_json::to_string(&g).expect("serializable"),
        r#"{"a":{"0":{"b":1},"1":{"b":1}}}"#
    );
}

#[test]
fn merge_lets_the_newer_win() {
    let mut g = Graph::new();
    g.set(&PathSet::parse("a[0..1].b").expect("valid"), Value::from(1));
    g.set(&PathSet::parse("a[1]").expect("valid"), Value::from("leaf"));
    let mut newer = Graph::new();
    newer.set(&PathSet::parse("a[1].c").expect("valid"), Value::from(2));
    g.merge(newer);
    assert_eq!(
        serde_json::to_string(&g).expect("serializable"),
        r#"{"a":{"0":{"b":1},"1":{"c":2}}}"#
    );
}
