//! The README's comparison rules, and the diffs shown when they fail.
//!
//! - JSON values compare with JSON Graph key rules: `1` and `"1"` are the
//!   same key, so integers and integer-like strings compare equal.
//! - Path sets compare as the sets of single paths they stand for, and the
//!   actual answer may not use more path sets than the expected one.

use std::collections::BTreeSet;

use peregrine::path::{count_all, Key, Path, PathSet};
use serde::Serialize;
use serde_json::{Number, Value};
use similar::TextDiff;

use crate::case::Outcome;

/// Beyond this many single paths a path-set comparison is refused rather
/// than expanded: conformance cases are small, and a typo such as
/// `{"from": 0, "to": 1e9}` should fail fast.
const MAX_EXPANDED_PATHS: u64 = 100_000;

/// Our answer as JSON. Serializing our types cannot fail in practice; if it
/// ever does, the failure becomes the value so that the diff shows it.
pub(crate) fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value)
        .unwrap_or_else(|err| Value::String(format!("<cannot write our answer as JSON: {err}>")))
}

/// Compares two JSON values with JSON Graph key rules.
pub(crate) fn json(expected: &Value, actual: &Value) -> Outcome {
    let (expected, actual) = (normalize(expected), normalize(actual));
    if expected == actual {
        Outcome::passed()
    } else {
        Outcome::failed(diff(&pretty(&expected), &pretty(&actual)))
    }
}

/// Compares path sets as sets of single paths, with the count rule.
pub(crate) fn path_sets(expected: &[PathSet], actual: &[PathSet]) -> Outcome {
    let (wanted, got) = match (single_paths(expected), single_paths(actual)) {
        (Ok(wanted), Ok(got)) => (wanted, got),
        (Err(problem), _) => return Outcome::failed(format!("expected: {problem}")),
        (_, Err(problem)) => return Outcome::failed(format!("actual: {problem}")),
    };
    if wanted != got {
        return Outcome::failed(format!(
            "the path sets stand for different paths (expanded, sorted):\n{}",
            diff(&lines(&wanted), &lines(&got))
        ));
    }
    if actual.len() > expected.len() {
        return Outcome::failed(format!(
            "the same paths, but in {} path sets where falcor needs {}:\n{}",
            actual.len(),
            expected.len(),
            diff(&lines(expected), &lines(actual))
        ));
    }
    Outcome::passed()
}

/// The single paths of `path_sets`, keys as the members they address.
fn single_paths(path_sets: &[PathSet]) -> Result<BTreeSet<Path>, String> {
    let count = count_all(path_sets);
    if count > MAX_EXPANDED_PATHS {
        return Err(format!(
            "{count} paths, more than the {MAX_EXPANDED_PATHS} a case may compare"
        ));
    }
    Ok(path_sets
        .iter()
        .flat_map(PathSet::expand)
        .map(|path| path.iter().map(Key::to_member).collect())
        .collect())
}

/// One compact JSON line per item, so that a line diff shows which differ.
fn lines<'a, T: Serialize + 'a>(items: impl IntoIterator<Item = &'a T>) -> String {
    items
        .into_iter()
        .map(|item| to_json(item).to_string() + "\n")
        .collect()
}

/// `value` with JSON Graph key rules applied: integer-like strings and
/// integral floats become integers.
pub(crate) fn normalize(value: &Value) -> Value {
    match value {
        Value::String(s) => match Key::from(s.as_str()).as_integer() {
            Some(n) => Value::from(n),
            None => value.clone(),
        },
        Value::Number(n) => Value::Number(integral(n).unwrap_or_else(|| n.clone())),
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(name, member)| (name.clone(), normalize(member)))
                .collect(),
        ),
        Value::Null | Value::Bool(_) => value.clone(),
    }
}

/// `2.0` as the integer 2; `None` for integers and non-integral numbers.
fn integral(n: &Number) -> Option<Number> {
    let float = n.as_f64().filter(|_| n.is_f64())?;
    // Integral floats within i64 convert exactly.
    let in_range = float.fract() == 0.0 && float.abs() < 9.0e18;
    in_range.then(|| Number::from(float as i64))
}

/// Pretty JSON, one member or element per line.
pub(crate) fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string()) + "\n"
}

/// A unified line diff of expected against actual.
pub(crate) fn diff(expected: &str, actual: &str) -> String {
    TextDiff::from_lines(expected, actual)
        .unified_diff()
        .context_radius(8)
        .header("expected", "actual")
        .to_string()
}
