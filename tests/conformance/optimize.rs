//! `optimizePathSets` (a function of area `collapse`): the paths a graph
//! lacks, rewritten through its refs, as `Graph::optimize` answers them.
//!
//! The case's `arg` is `{cache, paths, maxRefFollow}` (`maxRefFollow`
//! left out is falcor-path-utils' default, 5); its expected output
//! is the optimized paths, compared as sets of single paths, or
//! `{"error": message}`, in which case ours must fail too (any message: it
//! is shown beside the pass so that people can judge it).

use peregrine::graph::Graph;
use peregrine::path::PathSet;
use serde_json::Value;

use crate::case::{decode, input, Expected, Outcome};
use crate::compare;

/// falcor-path-utils' `maxRefFollow` when a caller gives none.
const DEFAULT_MAX_REF_FOLLOW: usize = 5;

/// Checks one `optimizePathSets` case.
pub(crate) fn check(arg: &Value, expected: &Expected<'_>) -> Result<Outcome, String> {
    let Expected::Output(wanted) = expected else {
        return Err(String::from(
            "malformed case: optimizePathSets reports failures as `output: {error}`",
        ));
    };
    let field = |name: &str| {
        arg.get(name)
            .ok_or_else(|| format!("malformed case: input.arg has no `{name}`"))
    };
    let fails = wanted.get("error").is_some();
    let read = || -> Result<(Graph, Vec<PathSet>), Outcome> {
        let graph = input(
            field("cache").map_err(Outcome::failed)?,
            "input.arg.cache",
            fails,
        )?;
        let paths = input(
            field("paths").map_err(Outcome::failed)?,
            "input.arg.paths",
            fails,
        )?;
        Ok((graph, paths))
    };
    let (graph, paths) = match read() {
        Ok(read) => read,
        Err(decided) => return Ok(decided),
    };
    let max_ref_follow: usize = match arg.get("maxRefFollow") {
        Some(max) => decode(max, "input.arg.maxRefFollow")?,
        None => DEFAULT_MAX_REF_FOLLOW,
    };
    let optimized = graph.optimize(&paths, max_ref_follow);
    Ok(match (wanted.get("error"), optimized) {
        (None, Ok(actual)) => {
            let wanted: Vec<PathSet> = decode(wanted, "expected.output")?;
            compare::path_sets(&wanted, &actual)
        }
        (None, Err(err)) => Outcome::failed(format!(
            "optimize failed where falcor answers\n{}our error: {err}",
            compare::pretty(wanted)
        )),
        (Some(message), Ok(actual)) => Outcome::failed(format!(
            "optimize must fail ({message}), but it answered\n{}",
            compare::pretty(&compare::to_json(&actual))
        )),
        (Some(_), Err(err)) => Outcome::passed_with(format!("our error: {err}")),
    })
}
