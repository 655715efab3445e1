//! Taking a source's answers: along the paths it was asked, where they
//! stand; the rest of what it answered through its refs kept for the
//! request's later waves; anything else dropped and counted (see
//! [`DataSource`](super::DataSource)).

use crate::graph::{Graph, Value};
use crate::path::{PathSet, Pattern};

use super::error::Error;
use super::handler::Answer;
use super::table::Method;
use super::wave::{Assignment, Match, Run};

impl Run<'_> {
    /// Answers what a source's assignment asks from what the source
    /// answered earlier in the request, and leaves in the assignment only
    /// what is still to ask.
    pub(crate) fn answer_kept(&mut self, assignment: &mut Assignment) {
        let Some(kept) = self.kept.get(&assignment.route) else {
            return;
        };
        let asked: Vec<PathSet> = assignment.matches.iter().map(Match::asked).collect();
        let reading = kept.read_here(&asked);
        self.response.merge(reading.graph);
        let pattern = &self.router.table.routes[assignment.route].pattern;
        assignment.matches = reading
            .missing
            .into_iter()
            .map(|missing| split(&missing, pattern))
            .collect();
    }

    /// Merges a source's answer to `asked`: what stands at those paths
    /// into the response, what it answered through its refs kept; a
    /// failure is its error at every path asked.
    pub(crate) fn merge_whole(&mut self, route: usize, answer: Answer, asked: &[PathSet]) {
        match answer {
            Ok(output) => {
                let parts = output.into_parts();
                let mut graph = parts.graph;
                graph.set_all(parts.values);
                for envelope in parts.envelopes {
                    graph.merge(envelope.json_graph);
                }
                let here = self.take_source_graph(route, graph, asked);
                self.response.merge(here);
            }
            Err(err) => {
                let value = err.into_value();
                for path in asked {
                    self.response.set(path, value.clone());
                }
            }
        }
    }

    /// Of what source `route` answered for `asked`: keeps what its refs
    /// lead to for later waves, counts (and drops) what lies outside, and
    /// answers the part at the paths themselves.
    pub(crate) fn take_source_graph(
        &mut self,
        route: usize,
        graph: Graph,
        asked: &[PathSet],
    ) -> Graph {
        let here = graph.read_here(asked);
        // A source's refs that loop are its own affair: only what stands
        // at its paths is taken then, and the walk of the next wave names
        // the loop.
        let related = graph
            .read(asked, self.router.options.max_ref_follow)
            .map_or_else(|_| here.graph.clone(), |reading| reading.graph);
        let dropped = graph.leaf_count().saturating_sub(related.leaf_count());
        if dropped > 0 {
            let text = &self.router.table.routes[route].text;
            tracing::info!(
                route = %text,
                dropped,
                "a source answered values outside the paths it was asked: dropped"
            );
            metrics::counter!("peregrine_source_dropped_values_total", "route" => text.clone())
                .increment(dropped as u64);
            self.ctx.stats().add_dropped_values(dropped);
        }
        self.kept.entry(route).or_default().merge(related);
        here.graph
    }
}

impl Run<'_> {
    /// Whether the router asks source `route` for `path`: it is the
    /// route of the highest precedence there.
    pub(crate) fn owns(&self, route: usize, path: &PathSet) -> bool {
        let table = &self.router.table;
        table
            .candidates(path, Method::Get)
            .first()
            .is_some_and(|candidate| candidate.route == route)
    }

    /// Fills the paths of a source's `matches` with the error of the refs
    /// it answered there, which cannot be followed (`error`).
    pub(crate) fn refs_failed(&mut self, matches: &[Match], error: &Error) {
        tracing::info!(%error, "a source answered refs that cannot be followed");
        let value = Value::error(format!("the remote's refs cannot be followed: {error}"));
        for matched in matches {
            self.response.set(&matched.asked(), value.clone());
        }
    }
}

/// A path set as a match of `pattern`: its keys up to the pattern's
/// length, and the rest.
fn split(path: &PathSet, pattern: &Pattern) -> Match {
    let (prefix, suffix) = path.split_at(pattern.len().min(path.len()));
    Match {
        prefix: PathSet::new(prefix.to_vec()),
        suffix: suffix.to_vec(),
    }
}
