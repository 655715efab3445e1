//! What the falcor Model returned, looked for in our answer: a
//! `wire-client-*` case passes when our JSON Graph holds every value of
//! the Model's `json` output.
//!
//! Each leaf of that output (but `$__path`, the client's own bookkeeping)
//! is read from our JSON Graph along its path, following refs met on the
//! way or at the end as a JSON Graph read does, and must equal it as JSON
//! with JSON Graph key rules, atoms unboxed on both sides.

use serde_json::Value as Json;

use crate::compare;

/// How many refs a read may follow before it is taken for a cycle.
const MAX_REF_HOPS: usize = 50;

/// What `graph` lacks of `model_json`: one line per leaf it does not hold.
pub(crate) fn missing(model_json: &Json, graph: &Json) -> Vec<String> {
    let mut problems = Vec::new();
    holds(model_json, &mut Vec::new(), graph, &mut problems);
    problems
}

/// Checks that `graph` holds every leaf of `expected`, the Model's JSON
/// below `path`, noting each one it does not.
fn holds(expected: &Json, path: &mut Vec<String>, graph: &Json, problems: &mut Vec<String>) {
    match expected {
        Json::Object(members) if !members.contains_key("$type") => {
            for (name, member) in members {
                if name == "$__path" {
                    continue;
                }
                path.push(name.clone());
                holds(member, path, graph, problems);
                path.pop();
            }
        }
        leaf => {
            let wanted = compare::normalize(unbox(leaf));
            match read(graph, path) {
                Ok(found) if compare::normalize(unbox(found)) == wanted => {}
                Ok(found) => problems.push(format!(
                    "at {}: the Model returned {leaf}, our answer holds {found}",
                    Json::from(path.clone())
                )),
                Err(why) => problems.push(format!(
                    "at {}: the Model returned {leaf}, but {why}",
                    Json::from(path.clone())
                )),
            }
        }
    }
}

/// An atom's value; any other value as it is.
fn unbox(value: &Json) -> &Json {
    match value.get("$type").and_then(Json::as_str) {
        Some("atom") => value.get("value").unwrap_or(value),
        _ => value,
    }
}

/// The value at `path` in `graph`, read as a JSON Graph is: refs met on
/// the way, or at the end, are followed from the root.
fn read<'a>(graph: &'a Json, path: &[String]) -> Result<&'a Json, String> {
    let mut hops = 0;
    let mut node = graph;
    for (depth, key) in path.iter().enumerate() {
        node = step(graph, node, key, &path[..depth], &mut hops)?;
    }
    follow(graph, node, &mut hops)
}

/// The member `key` of `node` (at `at`), following a ref at `node` first.
fn step<'a>(
    graph: &'a Json,
    node: &'a Json,
    key: &str,
    at: &[String],
    hops: &mut usize,
) -> Result<&'a Json, String> {
    let node = follow(graph, node, hops)?;
    if let Some(kind) = node.get("$type") {
        return Err(format!(
            "our answer has a {kind} at {}, not a branch",
            Json::from(at.to_vec())
        ));
    }
    node.get(key).ok_or_else(|| {
        let mut path = at.to_vec();
        path.push(key.to_owned());
        format!("our answer has nothing at {}", Json::from(path))
    })
}

/// Where `node` leads: its target if it is a ref (followed again if that
/// is one too), else `node` itself.
fn follow<'a>(graph: &'a Json, node: &'a Json, hops: &mut usize) -> Result<&'a Json, String> {
    if node.get("$type").and_then(Json::as_str) != Some("ref") {
        return Ok(node);
    }
    *hops += 1;
    if *hops > MAX_REF_HOPS {
        return Err(format!(
            "more than {MAX_REF_HOPS} refs are followed: a cycle?"
        ));
    }
    let target = node
        .get("value")
        .and_then(Json::as_array)
        .ok_or_else(|| format!("our answer has a ref without a path: {node}"))?;
    let mut keys = Vec::with_capacity(target.len());
    for key in target {
        keys.push(match key {
            Json::String(name) => name.clone(),
            Json::Number(n) => n.to_string(),
            other => return Err(format!("our answer has a ref with the key {other}: {node}")),
        });
    }
    let mut at = graph;
    for (depth, key) in keys.iter().enumerate() {
        at = step(graph, at, key, &keys[..depth], hops)?;
    }
    follow(graph, at, hops)
}
