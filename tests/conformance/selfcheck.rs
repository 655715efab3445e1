//! The runner checked on cases whose outcome is known, before the cases
//! file runs: a runner that misjudges a case would make every report
//! meaningless, so a misjudgement fails the run.
//!
//! Each case states whether the runner must pass or fail it:
//! - an input the engine refuses where falcor fails too passes (a refusal
//!   is the engine's answer, not a malformed case), and fails where
//!   falcor answers;
//! - an optional argument left out is falcor's default (`optimizePathSets`
//!   follows at most 5 refs);
//! - a wrong expectation fails.

use serde_json::{json, Value};

use crate::case::{Case, Outcome};

/// `(id, case, whether the runner must pass it)`.
fn cases() -> Vec<(&'static str, Value, bool)> {
    let chain = json!({
        "a": {"$type": "ref", "value": ["b"]},
        "b": {"$type": "ref", "value": ["c"]},
        "c": {"$type": "ref", "value": ["d"]},
        "d": {"$type": "ref", "value": ["e"]},
        "e": {"$type": "ref", "value": ["f"]},
        "f": {"$type": "ref", "value": ["g"]},
        "g": {"$type": "ref", "value": ["h"]},
        "h": {}
    });
    vec![
        (
            "a refusal where falcor fails passes",
            json!({"area": "collapse", "input": {"fn": "pathCount", "arg": []},
                   "expected": {"error": "falcor throws"}}),
            true,
        ),
        (
            "a refusal where falcor answers fails",
            json!({"area": "collapse", "input": {"fn": "iterateKeySet", "arg": {"from": "x"}},
                   "expected": {"output": ["x"]}}),
            false,
        ),
        (
            "optimizePathSets without maxRefFollow follows at most 5 refs",
            json!({"area": "collapse",
                   "input": {"fn": "optimizePathSets", "arg": {"cache": chain, "paths": [["a", "x"]]}},
                   "expected": {"output": {"error": "circular reference"}}}),
            true,
        ),
        (
            "a wrong expectation fails",
            json!({"area": "collapse", "input": {"fn": "collapse", "arg": [["a", 0], ["a", 1]]},
                   "expected": {"output": [["a", 0]]}}),
            false,
        ),
    ]
}

/// What the runner misjudged, one line each; empty when it judged every
/// case right.
pub(crate) fn misjudged(check: impl Fn(&Case) -> Outcome) -> Vec<String> {
    let mut wrong = Vec::new();
    for (id, mut case, must_pass) in cases() {
        case["id"] = Value::from(id);
        let case: Case = match serde_json::from_value(case) {
            Ok(case) => case,
            Err(err) => {
                wrong.push(format!("{id}: the self-check case does not read: {err}"));
                continue;
            }
        };
        let outcome = check(&case);
        let passed = matches!(outcome, Outcome::Passed { .. });
        if passed != must_pass {
            wrong.push(format!(
                "{id}: must {} but {outcome:?}",
                if must_pass { "pass" } else { "fail" }
            ));
        }
    }
    wrong
}
