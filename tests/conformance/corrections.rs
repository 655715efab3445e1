//! Corrections: cases whose `expected` records falcor failing where the
//! project deliberately does better, without the case being marked as a
//! `difference` in the shared file.
//!
//! `corrections.json`, beside this module, maps a case id to
//! `{"why": "...", "expected": {...}}`: the corrected expected answer, in
//! the same shape as a case's, worked out from falcor's rules and the
//! README's list of deliberate differences. The runner checks a corrected
//! case against its correction and reports it apart, with its `why`, so
//! that nobody takes it for a pass of falcor's behaviour.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::case::{Case, Malformed};

/// The corrections file, read when the runner is built.
const CORRECTIONS: &str = include_str!("corrections.json");

/// The file's name, for messages.
pub(crate) const FILE: &str = "tests/conformance/corrections.json";

/// One correction.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Correction {
    why: String,
    expected: Value,
}

/// Replaces the `expected` of every case that has a correction, marking
/// it corrected. Answers the ids of corrections that matched no case (the
/// cases file may be another one, or a case may have been renamed).
pub(crate) fn apply(entries: &mut [Result<Case, Malformed>]) -> Result<Vec<String>, String> {
    let mut corrections: BTreeMap<String, Correction> = serde_json::from_str(CORRECTIONS)
        .map_err(|err| format!("{FILE} is not a map of case ids to {{why, expected}}: {err}"))?;
    for case in entries.iter_mut().filter_map(|entry| entry.as_mut().ok()) {
        if let Some(correction) = corrections.remove(&case.id) {
            case.expected = correction.expected;
            case.correction = Some(correction.why);
        }
    }
    Ok(corrections.into_keys().collect())
}
