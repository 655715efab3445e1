//! How a wave's pending path sets are split among the routes, by
//! precedence.

use crate::path::PathSet;

use super::{Assignment, Match, Run};
use crate::router::table::Method;

impl Run<'_> {
    /// Splits the pending path sets among the routes: for each, the
    /// matching routes in precedence order each take their share of what
    /// is left. What no route takes stays unanswered (and is materialized
    /// as an empty atom at the end): then `true` beside the assignments.
    pub(super) fn assign(&self, pending: &[PathSet], method: Method) -> (Vec<Assignment>, bool) {
        let mut untaken = false;
        let table = &self.router.table;
        let mut assignments: Vec<Assignment> = Vec::new();
        for path_set in pending {
            let mut remaining = vec![path_set.clone()];
            for candidate in table.candidates(path_set, method) {
                if remaining.is_empty() {
                    break;
                }
                let len = candidate.matched.len();
                let route = &table.routes[candidate.route];
                let kind = match (method, len == path_set.len()) {
                    _ if route.whole => method,
                    (Method::Set, true) if route.set.is_some() => Method::Set,
                    (Method::Call, true) => Method::Call,
                    _ => Method::Get,
                };
                let pattern_keys = PathSet::new(candidate.matched);
                let mut left = Vec::with_capacity(remaining.len());
                for part in remaining {
                    let (head, tail) = part.split_at(len);
                    let head = PathSet::new(head.to_vec());
                    let Some(taken) = head.intersect(&pattern_keys) else {
                        left.push(part);
                        continue;
                    };
                    for piece in head.subtract(&taken) {
                        left.push(piece.iter().cloned().chain(tail.iter().cloned()).collect());
                    }
                    let found = assignments
                        .iter_mut()
                        .find(|a| a.route == candidate.route && a.kind == kind);
                    let matched = Match {
                        prefix: taken,
                        suffix: tail.to_vec(),
                    };
                    match found {
                        Some(assignment) => assignment.matches.push(matched),
                        None => assignments.push(Assignment {
                            route: candidate.route,
                            kind,
                            matches: vec![matched],
                        }),
                    }
                }
                remaining = left;
            }
            untaken |= !remaining.is_empty();
        }
        (assignments, untaken)
    }
}
