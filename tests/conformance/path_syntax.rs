//! Area `path-syntax`: parsing path syntax, and route syntax when the case
//! sets `extendedSyntax`.
//!
//! An expected `output` is compared as JSON with JSON Graph key rules. An
//! expected `error` only says that the parse must fail: the message is
//! ours, and it must say where, so it must name an offset inside the input.

use peregrine::path::{Error, PathSet, Pattern};
use serde_json::Value;

use crate::case::{Case, Expected, Outcome};
use crate::compare;

/// Checks one `path-syntax` case.
pub(crate) fn check(case: &Case) -> Outcome {
    Outcome::from_check(run(case))
}

fn run(case: &Case) -> Result<Outcome, String> {
    let path = case
        .input_field("path")?
        .as_str()
        .ok_or("malformed case: input.path is not a string")?;
    let extended = match case.input.get("extendedSyntax") {
        None => false,
        Some(flag) => flag
            .as_bool()
            .ok_or("malformed case: input.extendedSyntax is not a boolean")?,
    };
    let parsed = parse(path, extended);
    Ok(match case.expected()? {
        Expected::Output(output) => output_matches(output, parsed),
        Expected::Error(falcor) => refused_with_offset(path, falcor, parsed),
    })
}

/// The parse as JSON: a path set, or a route pattern in extended syntax.
fn parse(path: &str, extended: bool) -> Result<Value, Error> {
    if extended {
        Pattern::parse(path).map(|pattern| compare::to_json(&pattern))
    } else {
        PathSet::parse(path).map(|set| compare::to_json(&set))
    }
}

fn output_matches(expected: &Value, parsed: Result<Value, Error>) -> Outcome {
    match parsed {
        Ok(actual) => compare::json(expected, &actual),
        Err(err) => Outcome::failed(format!(
            "the parse failed where falcor answers\n{}our error: {err}",
            compare::pretty(expected)
        )),
    }
}

fn refused_with_offset(path: &str, falcor: &Value, parsed: Result<Value, Error>) -> Outcome {
    match parsed {
        Ok(actual) => Outcome::failed(format!(
            "the parse must fail (falcor: {falcor}), but it answered\n{}",
            compare::pretty(&actual)
        )),
        Err(err) if !err.to_string().contains("offset") => {
            Outcome::failed(format!("the error message does not name its offset: {err}"))
        }
        Err(err) if err.offset() > path.chars().count() => Outcome::failed(format!(
            "the error's offset {} is past the end of the input: {err}",
            err.offset()
        )),
        Err(_) => Outcome::passed(),
    }
}
