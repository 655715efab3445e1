//! Comparing the handler calls a request made with falcor's.
//!
//! `handlerCalls` is compared per route and method (the route keyed by our
//! printer's form of its text): the single paths asked must be the same
//! set, and a route may be called fewer times than falcor called it, never
//! more. What a call was asked is
//!
//! - for a get: its matched path sets, expanded;
//! - for a set-style call (`jsonGraphArg`, which falcor also gives a get
//!   handler that a set falls back to): the leaf paths of that JSON Graph,
//!   so our fallback call with the path set compares equal; where both
//!   sides have a JSON Graph, the values at its leaves must match too;
//! - for a call: the call path, and the arguments, suffixes and paths must
//!   be the same.
//!
//! `handlerKeys` gives, per named token, the keys received across all
//! calls, in any order.

use std::collections::{BTreeMap, BTreeSet};

use peregrine::graph::Graph;
use peregrine::path::{Key, Path, PathSet};
use serde::Deserialize;
use serde_json::{Map, Value as Json};

use crate::case::decode;
use crate::compare;
use crate::harness::{canonical_route, Invocation};

/// One of falcor's recorded handler calls.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExpectedCall {
    method: String,
    route: String,
    path_set: Option<PathSet>,
    json_graph_arg: Option<Graph>,
    args: Option<Json>,
    path_suffixes: Option<Json>,
    paths: Option<Json>,
}

/// What one route was asked for one method, over all its calls.
#[derive(Debug, Default)]
struct Asked {
    calls: usize,
    paths: BTreeSet<Path>,
    /// The values set handlers were given, where known.
    values: BTreeMap<Path, Json>,
    /// Each call's arguments, suffixes and paths, as compact JSON.
    call_arguments: BTreeSet<String>,
}

impl Asked {
    fn add_path_sets(&mut self, path_sets: &[PathSet]) {
        self.paths
            .extend(path_sets.iter().flat_map(PathSet::expand).map(member_path));
    }

    fn add_graph(&mut self, graph: &Graph) {
        for (path, value) in graph.leaves() {
            let path = member_path(path);
            self.values.insert(path.clone(), compare::to_json(value));
            self.paths.insert(path);
        }
    }
}

/// `path` with each key as the member it addresses.
fn member_path(path: Path) -> Path {
    path.iter().map(Key::to_member).collect()
}

type ByRoute = BTreeMap<(String, String), Asked>;

/// Checks `handlerCalls` against our calls; `Err` holds why they differ.
pub(crate) fn check_calls(expected: &Json, ours: &[Invocation]) -> Result<(), String> {
    let expected: Vec<ExpectedCall> = decode(expected, "expected.handlerCalls")?;
    let mut wanted = ByRoute::new();
    for call in &expected {
        let route = canonical_route(&call.route)?;
        let asked = wanted.entry((route, call.method.clone())).or_default();
        asked.calls += 1;
        match (&call.path_set, &call.json_graph_arg) {
            (Some(set), None) => asked.add_path_sets(std::slice::from_ref(set)),
            (None, Some(graph)) => asked.add_graph(graph),
            _ => return Err(String::from(
                "malformed case: a handler call needs exactly one of `pathSet` and `jsonGraphArg`",
            )),
        }
        if call.method == "call" {
            asked.call_arguments.insert(arguments_line(
                call.args.as_ref(),
                call.path_suffixes.as_ref(),
                call.paths.as_ref(),
            ));
        }
    }
    let mut got = ByRoute::new();
    for call in ours {
        let asked = got
            .entry((call.route.clone(), call.method.to_owned()))
            .or_default();
        asked.calls += 1;
        match &call.graph {
            Some(graph) => asked.add_graph(graph),
            None => asked.add_path_sets(&call.path_sets),
        }
        if let Some(arguments) = &call.call {
            asked.call_arguments.insert(arguments_line(
                Some(&arguments.args),
                Some(&arguments.path_suffixes),
                Some(&arguments.paths),
            ));
        }
    }
    let problems: Vec<String> = wanted
        .keys()
        .chain(got.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter_map(|key| {
            let empty = Asked::default();
            let wanted = wanted.get(key).unwrap_or(&empty);
            let got = got.get(key).unwrap_or(&empty);
            compare_route(wanted, got).map(|why| format!("{} `{}`: {why}", key.1, key.0))
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the handler calls differ:\n{}\nour calls:\n{}",
            problems.join("\n"),
            describe(ours)
        ))
    }
}

fn compare_route(wanted: &Asked, got: &Asked) -> Option<String> {
    if wanted.paths != got.paths {
        return Some(format!(
            "asked for other paths (expanded, sorted):\n{}",
            compare::diff(&lines(&wanted.paths), &lines(&got.paths))
        ));
    }
    if got.calls > wanted.calls {
        return Some(format!(
            "called {} times where falcor calls it {} times",
            got.calls, wanted.calls
        ));
    }
    let differing: Vec<String> = wanted
        .values
        .iter()
        .filter_map(|(path, value)| {
            let ours = got.values.get(path)?;
            (compare::normalize(ours) != compare::normalize(value)).then(|| {
                format!(
                    "at {}: falcor's handler was given {value}, ours {ours}",
                    compare::to_json(path)
                )
            })
        })
        .collect();
    if !differing.is_empty() {
        return Some(format!("was given other values:\n{}", differing.join("\n")));
    }
    if wanted.call_arguments != got.call_arguments {
        return Some(format!(
            "was given other arguments:\n{}",
            compare::diff(
                &lines_of(&wanted.call_arguments),
                &lines_of(&got.call_arguments)
            )
        ));
    }
    None
}

/// A call's arguments, suffixes and paths as one line (absent as `[]`).
fn arguments_line(args: Option<&Json>, suffixes: Option<&Json>, paths: Option<&Json>) -> String {
    let or_empty = |json: Option<&Json>| match json {
        None | Some(Json::Null) => Json::Array(Vec::new()),
        Some(json) => compare::normalize(json),
    };
    let mut line = Map::new();
    line.insert(String::from("args"), or_empty(args));
    line.insert(String::from("pathSuffixes"), or_empty(suffixes));
    line.insert(String::from("paths"), or_empty(paths));
    Json::Object(line).to_string()
}

fn lines(paths: &BTreeSet<Path>) -> String {
    paths
        .iter()
        .map(|path| compare::to_json(path).to_string() + "\n")
        .collect()
}

fn lines_of(items: &BTreeSet<String>) -> String {
    items.iter().map(|item| format!("{item}\n")).collect()
}

/// Our calls, one a line, for failure messages.
pub(crate) fn describe(ours: &[Invocation]) -> String {
    if ours.is_empty() {
        return String::from("  (none)");
    }
    ours.iter()
        .map(|call| {
            let given = match &call.graph {
                Some(graph) => format!("jsonGraph {}", compare::to_json(graph)),
                None => format!("pathSets {}", compare::to_json(&call.path_sets)),
            };
            let extra = match &call.call {
                Some(arguments) => format!(
                    " args {} pathSuffixes {} paths {}",
                    arguments.args, arguments.path_suffixes, arguments.paths
                ),
                None => String::new(),
            };
            format!("  {} `{}`: {given}{extra}", call.method, call.route)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Checks `handlerKeys`: per named token, the keys received across all
/// calls, as a set.
pub(crate) fn check_keys(expected: &Json, ours: &[Invocation]) -> Result<(), String> {
    let expected: BTreeMap<String, Vec<Key>> = decode(expected, "expected.handlerKeys")?;
    let problems: Vec<String> = expected
        .iter()
        .filter_map(|(name, keys)| {
            let wanted: BTreeSet<Key> = keys.iter().map(Key::to_member).collect();
            let got: BTreeSet<Key> = ours
                .iter()
                .filter_map(|call| call.named.get(name))
                .flatten()
                .map(Key::to_member)
                .collect();
            (wanted != got).then(|| {
                format!(
                    "the token `{name}` received {} where falcor's should receive {}",
                    compare::to_json(&got),
                    compare::to_json(&wanted)
                )
            })
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\nour calls:\n{}",
            problems.join("\n"),
            describe(ours)
        ))
    }
}
