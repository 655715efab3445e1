//! The JSON Graph walk checked against a reading done by hand: `optimize`
//! reports exactly the paths a step-by-step walk finds missing, at the
//! places the walk ends up after following refs.

use std::collections::BTreeSet;

use peregrine::graph::{Graph, Node, PathValue, Value};
use peregrine::path::{Key, PathSet};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use serde_json::{json, Value as Json};

const MAX_REF_FOLLOW: usize = 1;

fn key() -> impl Strategy<Value = String> {
    prop_oneof![Just("a"), Just("b"), Just("c"), Just("0"), Just("1")].prop_map(str::to_owned)
}

/// A key of a written path: the graph's keys, and booleans and null,
/// which address the members "true", "false" and "null".
fn written_key() -> impl Strategy<Value = Json> {
    prop_oneof![
        4 => key().prop_map(Json::from),
        1 => Just(json!(true)),
        1 => Just(json!("true")),
        1 => Just(json!(null)),
    ]
}

/// A path set to write: single keys, lists of keys (empty ones too),
/// or ranges.
fn written_path_set() -> impl Strategy<Value = Vec<Json>> {
    vec(
        prop_oneof![
            4 => written_key(),
            1 => vec(written_key(), 0..3).prop_map(Json::from),
            1 => (0..2i64, 0..3i64).prop_map(|(from, length)| json!({"from": from, "length": length})),
        ],
        1..5,
    )
}

fn leaf() -> impl Strategy<Value = Json> {
    prop_oneof![
        Just(json!("text")),
        Just(json!(null)),
        Just(json!({"$type": "atom", "value": 1})),
        Just(json!({"$type": "atom"})),
        vec(key(), 1..4).prop_map(|path| json!({"$type": "ref", "value": path})),
    ]
}

/// A small JSON Graph whose refs point anywhere, cycles included.
fn graph() -> impl Strategy<Value = Json> {
    leaf()
        .prop_recursive(3, 40, 4, |inner| {
            btree_map(key(), inner, 1..4)
                .prop_map(|members| Json::Object(members.into_iter().collect()))
        })
        .prop_map(|root| {
            // The root is a branch: a leaf (sentinels included) goes under `a`.
            if root.is_object() && root.get("$type").is_none() {
                root
            } else {
                json!({ "a": root })
            }
        })
}

/// A path set over the same keys: single keys or pairs.
fn path_set() -> impl Strategy<Value = Vec<Json>> {
    vec(
        prop_oneof![
            key().prop_map(Json::from),
            vec(key(), 2..3).prop_map(Json::from)
        ],
        1..5,
    )
}

enum Walked {
    Found,
    Missing(Vec<String>),
}

/// Reads one path out of `root` step by step, as falcor describes it.
fn walk(root: &Json, path: &[String]) -> Result<Walked, ()> {
    let mut node = root;
    let mut at: Vec<String> = Vec::new();
    for (i, key) in path.iter().enumerate() {
        let rest = &path[i + 1..];
        let Some(next) = node.get(key) else {
            at.push(key.clone());
            at.extend(rest.iter().cloned());
            return Ok(Walked::Missing(at));
        };
        let is_ref = next.get("$type") == Some(&json!("ref"));
        if is_ref && !rest.is_empty() {
            // Follow the chain of refs from the root.
            let mut target = next["value"].as_array().ok_or(())?.clone();
            let mut hops = 0;
            'chain: loop {
                let mut there = root;
                for (j, step) in target.iter().enumerate() {
                    let step = step.as_str().ok_or(())?;
                    let last = j + 1 == target.len();
                    match there.get(step) {
                        None => {
                            let mut missing: Vec<String> = target
                                .iter()
                                .filter_map(|k| k.as_str().map(str::to_owned))
                                .collect();
                            missing.extend(rest.iter().cloned());
                            return Ok(Walked::Missing(missing));
                        }
                        Some(found) if found.get("$type") == Some(&json!("ref")) => {
                            if !last {
                                return Err(()); // an inner reference
                            }
                            hops += 1;
                            if hops > MAX_REF_FOLLOW {
                                return Err(()); // a cycle, or too long a chain
                            }
                            target = found["value"].as_array().ok_or(())?.clone();
                            continue 'chain;
                        }
                        Some(found) if found.is_object() && found.get("$type").is_none() => {
                            there = found
                        }
                        Some(_) => return Ok(Walked::Found), // a value: short-circuit
                    }
                }
                break;
            }
            node = there_of(root, &target);
            at = target
                .iter()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect();
            continue;
        }
        if next.is_object() && next.get("$type").is_none() {
            at.push(key.clone());
            node = next;
            continue;
        }
        return Ok(Walked::Found);
    }
    Ok(Walked::Found)
}

fn there_of<'g>(root: &'g Json, target: &[Json]) -> &'g Json {
    target
        .iter()
        .fold(root, |node, step| &node[step.as_str().unwrap_or_default()])
}

fn single_paths(set: &PathSet) -> Vec<Vec<String>> {
    set.expand()
        .map(|path| path.iter().map(|key| key.to_string()).collect())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn optimize_agrees_with_a_walk_by_hand(root in graph(), requested in vec(path_set(), 1..4)) {
        let graph: Graph = serde_json::from_value(root.clone()).expect("a JSON Graph");
        let sets: Vec<PathSet> = requested
            .iter()
            .map(|set| serde_json::from_value(Json::from(set.clone())).expect("a path set"))
            .collect();
        let mut expected: Result<BTreeSet<Vec<String>>, ()> = Ok(BTreeSet::new());
        for path in sets.iter().flat_map(single_paths) {
            match walk(&root, &path) {
                Err(()) => expected = Err(()),
                Ok(Walked::Missing(at)) => {
                    if let Ok(missing) = &mut expected {
                        missing.insert(at);
                    }
                }
                Ok(Walked::Found) => {}
            }
        }
        let actual = graph
            .optimize(&sets, MAX_REF_FOLLOW)
            .map(|missing| missing.iter().flat_map(single_paths).collect::<BTreeSet<_>>())
            .map_err(|_| ());
        prop_assert_eq!(actual, expected, "graph {} requested {:?}", root, requested);
    }

    #[test]
    fn writing_values_together_is_writing_them_one_by_one(
        root in graph(),
        writes in vec((written_path_set(), any::<bool>()), 0..12),
    ) {
        let mut one_by_one: Graph = serde_json::from_value(root.clone()).expect("a JSON Graph");
        let mut together = one_by_one.clone();
        // Each value is its own index; `again` writes at the path before.
        let mut values: Vec<PathValue> = Vec::new();
        for (n, (path, again)) in writes.iter().enumerate() {
            let path: PathSet = match values.last() {
                Some(before) if *again => before.path.clone(),
                _ => serde_json::from_value(Json::from(path.clone())).expect("a path set"),
            };
            values.push(PathValue::new(path, Value::from(n as i64)));
        }
        for value in values.clone() {
            one_by_one.set(&value.path, value.value);
        }
        together.set_all(values);
        prop_assert_eq!(together, one_by_one, "graph {} writes {:?}", root, writes);
    }
}

#[test]
fn a_branch_written_past_a_few_members_keeps_every_member_in_order() {
    // 40 siblings, written in a scrambled order by `set_all` and by `set`.
    let values: Vec<PathValue> = (0..40i64)
        .map(|n| (n * 17) % 40)
        .map(|id| {
            let path = PathSet::parse(&format!("videos[{id}].title")).expect("a path set");
            PathValue::new(path, Value::from(id))
        })
        .collect();
    let mut together = Graph::new();
    together.set_all(values.clone());
    let mut one_by_one = Graph::new();
    for value in values {
        one_by_one.set(&value.path, value.value);
    }
    assert_eq!(together, one_by_one);
    let Some(Node::Branch(videos)) = together.get(&Key::from("videos")) else {
        panic!("no videos branch in {together:?}");
    };
    let ids: Vec<Option<i64>> = videos.members().map(|(id, _)| id.as_integer()).collect();
    assert_eq!(ids, (0..40).map(Some).collect::<Vec<_>>());
}
