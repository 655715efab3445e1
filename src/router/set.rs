//! set: write values through the routes that serve them.

use std::collections::HashMap;

use tracing::Instrument;

use crate::graph::{Envelope, Node};
use crate::path::{collapse, count_all};

use super::context::Context;
use super::error::{Error, Reason};
use super::table::{Method, Router};
use super::wave::Run;

impl Router {
    /// Sets the values of a JSON Graph envelope and answers the JSON Graph
    /// of what was set.
    ///
    /// Each path of `envelope.paths` (or, when it has none, each leaf of
    /// its JSON Graph) is matched like a get, through the refs that get
    /// routes answer on the way; where a route with a set handler matches
    /// the whole path, that handler receives the values it matched. Where
    /// only a get handler does, the path is read-only: the get handler is
    /// called and its current value is the answer.
    ///
    /// Everything about the request is checked before any handler runs:
    /// its paths against the limits, at most
    /// [`max_set_values`](super::Options::max_set_values) values, and a
    /// value at every path; a refused set writes nothing.
    pub async fn set(&self, envelope: Envelope, ctx: &Context) -> Result<Envelope, Error> {
        let span = tracing::info_span!("set");
        async {
            let paths = match envelope.paths {
                Some(paths) => paths,
                None => collapse(
                    envelope
                        .json_graph
                        .leaves()
                        .into_iter()
                        .map(|(path, _)| path.to_path_set())
                        .collect::<Vec<_>>(),
                ),
            };
            let paths = self.check(&paths, &[])?;
            let count = count_all(&paths);
            if count > self.options.max_set_values {
                return Err(Error::new(Reason::TooManyValues {
                    count,
                    limit: self.options.max_set_values,
                }));
            }
            let mut values = HashMap::new();
            for set in &paths {
                for path in set.expand() {
                    let value = match envelope.json_graph.node(&path) {
                        Some(Node::Value(value)) => value.clone(),
                        Some(Node::Branch(_)) => {
                            return Err(Error::new(Reason::SetValueMissing {
                                path,
                                why: "a branch stands there, not a value",
                            }))
                        }
                        None => {
                            return Err(Error::new(Reason::SetValueMissing {
                                path,
                                why: "send a value for every path, at the path as sent",
                            }))
                        }
                    };
                    values.insert(path, value);
                }
            }
            let mut run = Run::new(self, ctx);
            run.payload.values = values;
            let routed = run.through_sources(paths.clone(), Method::Set).await?;
            let settled = match run.settle(routed, Method::Set, &paths).await {
                Ok(()) => run
                    .response
                    .materialize(&paths, self.options.max_ref_follow)
                    .map_err(Error::from),
                Err(error) => Err(error),
            };
            run.summarize(Method::Set, &paths, settled.as_ref().err().map(|e| e as _));
            settled?;
            Ok(Envelope::new(run.response))
        }
        .instrument(span)
        .await
    }
}
