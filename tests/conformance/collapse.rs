//! Area `collapse`: falcor-path-utils' functions, each mapped to its
//! counterpart in `peregrine::path` (or `peregrine::graph` for
//! `optimizePathSets`).
//!
//! | fn | ours | compared |
//! | --- | --- | --- |
//! | `collapse` | [`collapse`] | as sets of single paths, no more path sets |
//! | `toTree` | [`PathTree::from_path_sets`] | as JSON |
//! | `toPaths` | [`PathTree::to_paths`] per length | as `collapse` |
//! | `pathCount` | [`PathSet::count`]; an expected error: decoding refuses | as JSON |
//! | `iterateKeySet` | [`KeySet::keys`] | as a JSON list, in order |
//! | `optimizePathSets` | `Graph::optimize` | as `collapse`, or both fail |

use peregrine::path::{collapse, Key, KeySet, PathSet, PathTree};
use serde_json::{Map, Value};

use crate::case::{decode, input, Case, Expected, Outcome};
use crate::{compare, optimize};

/// Checks one `collapse` case.
pub(crate) fn check(case: &Case) -> Outcome {
    Outcome::from_check(run(case))
}

fn run(case: &Case) -> Result<Outcome, String> {
    let function = case
        .input_field("fn")?
        .as_str()
        .ok_or("malformed case: input.fn is not a string")?;
    let arg = case.input_field("arg")?;
    let expected = case.expected()?;
    match function {
        "collapse" => collapse_paths(arg, &expected),
        "toTree" => to_tree(arg, &expected),
        "toPaths" => to_paths(arg, &expected),
        "pathCount" => path_count(arg, &expected),
        "iterateKeySet" => iterate_key_set(arg, &expected),
        "optimizePathSets" => optimize::check(arg, &expected),
        other => Err(format!(
            "malformed case: no function {other:?} in this area"
        )),
    }
}

/// The expected answer, for functions that never fail.
fn output<'a>(expected: &Expected<'a>) -> Result<&'a Value, String> {
    match expected {
        Expected::Output(output) => Ok(output),
        Expected::Error(_) => Err(String::from(
            "malformed case: this function cannot fail, yet `expected` is an error",
        )),
    }
}

fn collapse_paths(arg: &Value, expected: &Expected<'_>) -> Result<Outcome, String> {
    let paths: Vec<PathSet> = match input(arg, "input.arg", expected.fails()) {
        Ok(paths) => paths,
        Err(decided) => return Ok(decided),
    };
    let wanted: Vec<PathSet> = decode(output(expected)?, "expected.output")?;
    Ok(compare::path_sets(&wanted, &collapse(&paths)))
}

fn to_tree(arg: &Value, expected: &Expected<'_>) -> Result<Outcome, String> {
    let paths: Vec<PathSet> = match input(arg, "input.arg", expected.fails()) {
        Ok(paths) => paths,
        Err(decided) => return Ok(decided),
    };
    let tree = PathTree::from_path_sets(&paths);
    Ok(compare::json(output(expected)?, &compare::to_json(&tree)))
}

/// `toPaths` takes falcor's trees by path length, `{"2": tree, "3": tree}`.
fn to_paths(arg: &Value, expected: &Expected<'_>) -> Result<Outcome, String> {
    let by_length: Map<String, Value> = decode(arg, "input.arg")?;
    let mut paths = Vec::new();
    for (length, tree) in &by_length {
        let what = format!("the tree of length {length}");
        match input::<PathTree>(tree, &what, expected.fails()) {
            Ok(tree) => paths.extend(tree.to_paths()),
            Err(decided) => return Ok(decided),
        }
    }
    let wanted: Vec<PathSet> = decode(output(expected)?, "expected.output")?;
    Ok(compare::path_sets(&wanted, &paths))
}

/// Falcor's `pathCount` throws on an empty path set; ours cannot be given
/// one, because decoding refuses it, so that refusal is what is checked.
fn path_count(arg: &Value, expected: &Expected<'_>) -> Result<Outcome, String> {
    let set: PathSet = match input(arg, "input.arg", expected.fails()) {
        Ok(set) => set,
        Err(decided) => return Ok(decided),
    };
    Ok(match expected {
        Expected::Output(wanted) => compare::json(wanted, &Value::from(set.count())),
        Expected::Error(falcor) => Outcome::failed(format!(
            "our decoding must refuse the path set (falcor: {falcor}), but it counted {} paths",
            set.count()
        )),
    })
}

fn iterate_key_set(arg: &Value, expected: &Expected<'_>) -> Result<Outcome, String> {
    let set: KeySet = match input(arg, "input.arg", expected.fails()) {
        Ok(set) => set,
        Err(decided) => return Ok(decided),
    };
    let keys: Vec<Key> = set.keys().collect();
    Ok(compare::json(output(expected)?, &compare::to_json(&keys)))
}
