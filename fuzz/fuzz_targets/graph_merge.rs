//! Fuzzes the JSON Graph: the input, read as JSON (invalid JSON is
//! skipped) and then as a JSON Graph, is merged into a fixed graph with
//! refs and read back, through refs, with the hop limit. Nothing may
//! panic, and:
//! - every leaf of the input stands at its path in the merged graph
//!   (the newer side wins a merge), and reading that path gives it back;
//! - reading past each ref of the input ends (a value, a branch, a
//!   missing path, or a circular or inner reference error);
//! - after `materialize`, nothing read is missing any more;
//! - the merged graph writes out as JSON that reads back as itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use peregrine::graph::{Graph, Value};
use peregrine::path::{Key, Path, PathSet};
use serde_json::Value as Json;

/// The hop limit: chains longer than this are circular references.
const HOPS: usize = 8;

/// At most this many paths of the input are checked, so that every input
/// stays quick.
const CHECKED: usize = 64;

/// What the input is merged into: refs, a chain of refs, a loop, atoms
/// and an error.
fn base() -> Graph {
    let graph = serde_json::json!({
        "lists": {
            "0": {"$type": "ref", "value": ["listsById", "A"]},
            "1": {"$type": "ref", "value": ["lists", 0]},
            "loop": {"$type": "ref", "value": ["lists", "loop"]},
        },
        "listsById": {"A": {"name": "Comedies", "0": {"$type": "ref", "value": ["videos", 7]}}},
        "videos": {
            "7": {"title": "Dark", "rating": {"$type": "atom", "value": 4.5, "$expires": -1000}},
            "8": {"$type": "error", "value": {"message": "unavailable"}},
        },
    });
    Graph::from_json(graph).expect("a valid graph")
}

/// The paths to read for a ref at `at` pointing at `target`: through it,
/// its target, and past its target.
fn through(at: &Path, target: &Path) -> Vec<PathSet> {
    let past = |path: &Path| {
        let mut path = path.clone();
        path.push(Key::from("title"));
        path.to_path_set()
    };
    vec![past(at), target.to_path_set(), past(target)]
}

fuzz_target!(|data: &[u8]| {
    let Ok(json) = serde_json::from_slice::<Json>(data) else {
        return;
    };
    let Ok(input) = Graph::from_json(json) else {
        return;
    };
    let mut merged = base();
    merged.merge(input.clone());

    let leaves = input.leaves();
    let mut paths = Vec::new();
    for (path, value) in leaves.iter().take(CHECKED) {
        // The newer side wins: the merged graph holds the input's leaf.
        assert_eq!(merged.value(path), Some(*value), "at {path:?}");
        // Read along branches only, a leaf is its own answer, be it a ref.
        let set = path.to_path_set();
        let reading = merged
            .read(std::slice::from_ref(&set), HOPS)
            .unwrap_or_else(|err| panic!("reading {set:?}, a leaf: {err}"));
        assert!(reading.missing.is_empty(), "{set:?}: {:?}", reading.missing);
        assert_eq!(reading.graph.value(path), Some(*value), "read at {path:?}");
        paths.push(set);
        if let Value::Ref(reference) = value {
            paths.extend(through(path, &reference.path));
        }
    }

    for set in &paths {
        let one = std::slice::from_ref(set);
        let read = merged.read(one, HOPS);
        let optimized = merged.optimize(one, HOPS);
        // The walk behind both is one: they fail alike.
        assert_eq!(read.is_ok(), optimized.is_ok(), "{set:?}");
        if let (Ok(reading), Ok(missing)) = (read, optimized) {
            assert_eq!(reading.missing, missing, "{set:?}");
            let mut filled = merged.clone();
            if filled.materialize(one, HOPS).is_ok() {
                let left = filled.optimize(one, HOPS);
                assert!(
                    left.as_ref().is_ok_and(Vec::is_empty),
                    "{set:?}: missing after materialize: {left:?}"
                );
            }
        }
        // Merging the input along the path follows the input's own refs.
        let mut along = Graph::new();
        let _ = along.merge_along(&input, one, HOPS);
    }

    let written = serde_json::to_value(&merged).expect("a graph writes out");
    let read_back = Graph::from_json(written).expect("what was written reads back");
    assert_eq!(read_back, merged);
});
