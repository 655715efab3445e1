//! Falcor conformance: runs every case of a cases file against peregrine
//! and reports, area by area, what passed, what failed and what could not
//! run yet.
//!
//! The cases, their format and the comparison rules are described in
//! `../shared/conformance/README.md`: each case's `expected` answer was
//! obtained from the real falcor npm packages, except where the case marks
//! a deliberate `difference`.
//!
//! # Running
//!
//! ```text
//! cargo test --test conformance
//! PEREGRINE_CASES=path/to/cases.json cargo test --test conformance
//! ```
//!
//! The first runs `../shared/conformance/falcor-cases.json` (beside the
//! repository); the second any file in the same format, a relative path
//! being read from the current directory (under `cargo test`, the package
//! root). The run prints each failing case with its input and a diff of
//! expected against actual, then one line per area. It fails if a case
//! failed or if no case ran at all; cases whose part of the engine does
//! not exist yet are reported as not run, never counted as passed.
//!
//! The runner itself is checked by `tests/data/conformance-selftest.json`,
//! one case that passes and one whose expectation is wrong on purpose:
//!
//! ```text
//! PEREGRINE_CASES=tests/data/conformance-selftest.json cargo test --test conformance
//! ```
//!
//! must print `selftest-fails` with a diff, the summary lines
//! `path-syntax: 1 passed, 0 failed` and `collapse: 0 passed, 1 failed`,
//! and exit with status 1.
//!
//! # Layout
//!
//! - `case`: the cases file, a case, and the [`Outcome`] of its check.
//! - `compare`: the README's comparison rules and the diffs.
//! - `corrections`: cases whose `expected` records falcor failing where we
//!   deliberately do better without the file marking a `difference`; their
//!   corrected answers live in `corrections.json` beside this file, and the
//!   summary lists them apart, with why.
//! - `report`: what is printed, and the exit status.
//! - `selfcheck`: cases whose outcome is known, run first: a runner that
//!   misjudges one fails the run.
//! - One module per area, each with `check(&Case) -> Outcome`:
//!   `path_syntax`, `collapse` (with `optimize` for `optimizePathSets`),
//!   `router` (`router-get`, `router-set`, `router-call`; with `harness`,
//!   routes declared as data built into a recording router, and `calls`,
//!   the handler calls compared) and `wire` (the HTTP app driven without
//!   a socket; with `model_result`, what the falcor client's Model
//!   returned looked for in our answer).
//!   Adding an area is adding its module and one line to [`checker`].

mod calls;
mod case;
mod collapse;
mod compare;
mod corrections;
mod harness;
mod model_result;
mod optimize;
mod path_syntax;
mod report;
mod router;
mod selfcheck;
mod wire;

use std::process::ExitCode;

use case::{Case, Malformed, Outcome, Source};
use report::{Checked, Report};

fn main() -> ExitCode {
    let misjudged = selfcheck::misjudged(collapse::check);
    if !misjudged.is_empty() {
        eprintln!("conformance: the runner misjudges cases whose outcome is known:");
        for line in misjudged {
            eprintln!("  {line}");
        }
        return ExitCode::FAILURE;
    }
    let source = Source::from_env();
    let mut entries = match source.load() {
        Ok(entries) => entries,
        Err(message) => {
            eprintln!("conformance: {message}");
            return ExitCode::FAILURE;
        }
    };
    let unused = match corrections::apply(&mut entries) {
        Ok(unused) => unused,
        Err(message) => {
            eprintln!("conformance: {message}");
            return ExitCode::FAILURE;
        }
    };
    let mut report = Report::default();
    report.unused_corrections = unused;
    for entry in &entries {
        report.record(check(entry));
    }
    report.finish(&source.to_string())
}

/// The check of each area.
fn checker(area: &str) -> Option<fn(&Case) -> Outcome> {
    match area {
        "path-syntax" => Some(path_syntax::check),
        "collapse" => Some(collapse::check),
        "router-get" | "router-set" | "router-call" => Some(router::check),
        "wire" => Some(wire::check),
        _ => None,
    }
}

/// Checks one element of the cases file.
fn check(entry: &Result<Case, Malformed>) -> Checked<'_> {
    match entry {
        Ok(case) => Checked {
            id: &case.id,
            area: &case.area,
            input: &case.input,
            difference: case.difference,
            correction: case.correction.as_deref(),
            outcome: match checker(&case.area) {
                Some(check) => check(case),
                None => Outcome::failed(format!("unknown area {:?}", case.area)),
            },
        },
        Err(malformed) => Checked {
            id: &malformed.id,
            area: &malformed.area,
            input: &malformed.element,
            difference: false,
            correction: None,
            outcome: Outcome::failed(malformed.problem.clone()),
        },
    }
}
