//! Tests of `read.rs`.

use super::*;

fn graph(json: &str) -> Graph {
    serde_json::from_str(json).expect(json)
}

fn sets(paths: &[&str]) -> Vec<PathSet> {
    paths.iter().map(|p| PathSet::parse(p).expect(p)).collect()
}

fn printed(sets: &[PathSet]) -> Vec<String> {
    sets.iter().map(ToString::to_string).collect()
}

const LISTS: &str = r#"{
    "lists": {"0": {"$type": "ref", "value": ["listsById", "A"]},
              "1": {"$type": "ref", "value": ["listsById", "B"]}},
    "listsById": {"A": {"name": "Comedies", "0": {"$type": "ref", "value": ["videos", 10]}},
                  "B": {"$type": "atom", "value": "gone"}},
    "videos": {"10": {"title": "Ten"}}
}"#;

#[test]
fn optimize_reports_missing_paths_through_refs() {
    let g = graph(LISTS);
    let missing = g
        .optimize(
            &sets(&[
                "lists[0..2][0..1].title",
                "lists[0].name",
                "videos[10].title",
            ]),
            50,
        )
        .expect("no cycle");
    // lists.1 short-circuits on an atom, lists.0.0 is found, lists.2 is
    // missing as requested, listsById.A.1 through the ref.
    assert_eq!(
        printed(&missing),
        ["listsById.A[1].title", "lists[2][0..1].title"]
    );
}

#[test]
fn a_ref_at_the_end_is_an_answer_not_followed() {
    let g = graph(LISTS);
    assert!(g
        .optimize(&sets(&["lists[0]"]), 50)
        .expect("no cycle")
        .is_empty());
    let reading = g.read(&sets(&["lists[0]"]), 50).expect("no cycle");
    assert_eq!(
        serde_json::to_string(&reading.graph).expect("serializable"),
        r#"{"lists":{"0":{"$type":"ref","value":["listsById","A"]}}}"#
    );
}

#[test]
fn read_copies_values_and_the_refs_crossed() {
    let g = graph(LISTS);
    let reading = g
        .read(&sets(&["lists[0][0,5].title"]), 50)
        .expect("no cycle");
    assert_eq!(
        serde_json::to_value(&reading.graph).expect("serializable"),
        serde_json::json!({
            "lists": {"0": {"$type": "ref", "value": ["listsById", "A"]}},
            "listsById": {"A": {"0": {"$type": "ref", "value": ["videos", 10]}}},
            "videos": {"10": {"title": "Ten"}}
        })
    );
    assert_eq!(printed(&reading.missing), ["listsById.A[5].title"]);
}

#[test]
fn chains_of_refs_are_limited() {
    let chain = graph(
        r#"{"r0": {"$type":"ref","value":["r1"]}, "r1": {"$type":"ref","value":["r2"]},
            "r2": {"$type":"ref","value":["r3"]}, "r3": {"$type":"ref","value":["t"]},
            "t": {"x": "end"}}"#,
    );
    let request = sets(&["r0.x"]);
    // Four refs in a row: accepted up to max_ref_follow + 1.
    assert!(chain
        .optimize(&request, 3)
        .expect("within the limit")
        .is_empty());
    let err = chain.optimize(&request, 2).expect_err("over the limit");
    assert_eq!(
        err.kind(),
        crate::graph::ErrorKind::CircularReference,
        "{err}"
    );
    let cycle =
        graph(r#"{"a": {"$type":"ref","value":["b"]}, "b": {"$type":"ref","value":["a"]}}"#);
    assert!(
        cycle
            .optimize(&sets(&["a.x"]), 50)
            .expect_err("cycle")
            .kind()
            == crate::graph::ErrorKind::CircularReference
    );
}

#[test]
fn a_ref_into_a_value_short_circuits_where_the_value_stands() {
    let g = graph(
        r#"{"a": {"$type":"ref","value":["videos",7,"x"]}, "videos": {"7": {"$type":"atom","value":1}}}"#,
    );
    let reading = g.read(&sets(&["a.y"]), 50).expect("no cycle");
    assert_eq!(
        serde_json::to_value(&reading.graph).expect("serializable")["videos"],
        serde_json::json!({"7": {"$type": "atom", "value": 1}})
    );
    assert!(reading.missing.is_empty());
}

#[test]
fn inner_references_are_refused() {
    let g =
        graph(r#"{"a": {"$type":"ref","value":["b","c"]}, "b": {"$type":"ref","value":["d"]}}"#);
    let err = g.optimize(&sets(&["a.x"]), 50).expect_err("inner ref");
    assert_eq!(err.kind(), crate::graph::ErrorKind::InnerReference, "{err}");
    assert!(
        err.to_string().contains("through another ref at `b`"),
        "{err}"
    );
}

#[test]
fn materialize_fills_missing_paths_at_their_ref_resolved_place() {
    let mut g = graph(LISTS);
    g.materialize(
        &sets(&["lists[0]['name','length']", "lists[1].name", "x[0..1]"]),
        50,
    )
    .expect("no cycle");
    assert_eq!(
        serde_json::to_value(&g).expect("serializable")["listsById"]["A"]["length"],
        serde_json::json!({"$type": "atom"})
    );
    assert_eq!(
        serde_json::to_value(&g).expect("serializable")["x"],
        serde_json::json!({"0": {"$type": "atom"}, "1": {"$type": "atom"}})
    );
    // lists.1 ends on an atom: nothing is written below it.
    assert_eq!(
        serde_json::to_value(&g).expect("serializable")["listsById"]["B"],
        serde_json::json!({"$type": "atom", "value": "gone"})
    );
}

#[test]
fn missing_past_refs_keeps_only_what_lies_beyond_a_ref() {
    let g = graph(LISTS);
    let missing = g
        .missing_past_refs(
            &sets(&["lists[0..2][0..1].title", "listsById.A.rating"]),
            50,
        )
        .expect("no cycle");
    assert_eq!(printed(&missing), ["listsById.A[1].title"]);
}

#[test]
fn envelopes_merge_along_their_paths_only() {
    let envelope: Envelope = serde_json::from_str(
        r#"{"jsonGraph": {"a": {"0": "x", "1": "y", "5": "z"}}, "paths": [["a", 0]]}"#,
    )
    .expect("valid envelope");
    let mut g = Graph::new();
    g.merge_envelope(envelope, 50).expect("no cycle");
    assert_eq!(
        serde_json::to_string(&g).expect("serializable"),
        r#"{"a":{"0":"x"}}"#
    );
}
