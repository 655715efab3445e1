//! get: read path sets out of the virtual graph.

use tracing::Instrument;

use crate::graph::{Envelope, Graph};
use crate::path::{KeyOrRange, KeySet, PathSet};

use super::context::Context;
use super::error::{Error, Reason};
use super::table::{Method, Router};
use super::wave::Run;

impl Router {
    /// Answers `paths` with one JSON Graph: every route that matches is
    /// called (once per wave with everything it matched), refs met before
    /// the end of a path are followed, and each path nothing answered is
    /// an empty atom at its ref-resolved place. A failing handler fills its
    /// own paths with its error; the rest of the answer still arrives.
    ///
    /// Fails as a whole only for a bad request (more than
    /// [`Options::max_paths`](super::Options::max_paths) paths, a path
    /// longer than [`Options::max_path_length`](super::Options::max_path_length),
    /// a `null` key) or bad refs (a cycle, an inner reference).
    pub async fn get(&self, paths: &[PathSet], ctx: &Context) -> Result<Envelope, Error> {
        self.answer(paths, ctx, true).await.map(Envelope::new)
    }

    /// The graph [`get`](Router::get) answers, but without the empty atoms
    /// of the paths nothing answered: for a reader that takes a missing
    /// path as null anyway (the GraphQL executor), which saves a walk of
    /// every requested path through its refs (docs/decisions/0013).
    pub(crate) async fn get_answered(
        &self,
        paths: &[PathSet],
        ctx: &Context,
    ) -> Result<Graph, Error> {
        self.answer(paths, ctx, false).await
    }

    async fn answer(
        &self,
        paths: &[PathSet],
        ctx: &Context,
        materialize: bool,
    ) -> Result<Graph, Error> {
        let span = tracing::info_span!("get", path_sets = paths.len());
        async {
            let paths = self.check(paths, &[])?;
            let mut run = Run::new(self, ctx);
            let settled = match run.settle(paths.clone(), Method::Get, &paths).await {
                // When every path was given to a route that answered all
                // it was asked, none is missing: no walk to find them.
                Ok(()) if materialize && run.unsure => run
                    .response
                    .materialize(&paths, self.options.max_ref_follow)
                    .map_err(Error::from),
                settled => settled,
            };
            run.summarize(Method::Get, &paths, settled.as_ref().err().map(|e| e as _));
            settled?;
            Ok(run.response)
        }
        .instrument(span)
        .await
    }

    /// Checks requested path sets before any handler runs: refuses a
    /// `null` key, a path longer than the limit, and more paths in all than
    /// the limit; drops path sets that hold no path (an empty range or
    /// list somewhere), which ask for nothing. `also` are more path sets
    /// counted toward the limit (a call's suffixes and paths).
    pub(crate) fn check(
        &self,
        paths: &[PathSet],
        also: &[&[PathSet]],
    ) -> Result<Vec<PathSet>, Error> {
        let all = || paths.iter().chain(also.iter().flat_map(|more| more.iter()));
        for set in all() {
            if set.len() > self.options.max_path_length {
                return Err(Error::new(Reason::PathTooLong {
                    length: set.len(),
                    limit: self.options.max_path_length,
                }));
            }
            // A range never holds null: only single keys need a look.
            let null = set.iter().position(|keys| match keys {
                KeySet::Key(key) => key.is_null(),
                KeySet::List(items) => items
                    .iter()
                    .any(|item| matches!(item, KeyOrRange::Key(key) if key.is_null())),
                KeySet::Range(_) => false,
            });
            if let Some(position) = null {
                return Err(Error::new(Reason::NullKey { position }));
            }
        }
        let count = all().map(PathSet::count).fold(0, u64::saturating_add);
        if count > self.options.max_paths {
            return Err(Error::new(Reason::TooManyPaths {
                count,
                limit: self.options.max_paths,
            }));
        }
        Ok(paths
            .iter()
            .filter(|set| set.count() > 0)
            .cloned()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::graph::PathValue;
    use crate::path::Key;
    use crate::router::{HandlerError, Output};

    /// A route that answers every id it is asked and says so, with a ref
    /// at `a[0]` to a place no route serves.
    fn router() -> Router {
        Router::builder()
            .get("a[{integers:ids}].b", |request, _ctx| async move {
                let mut output = Output::new();
                for id in request.integers("ids")? {
                    let at = PathSet::parse(&format!("a[{id}].b"))?;
                    let value = match id {
                        0 => crate::graph::Value::reference(crate::path::Path::from(vec![
                            Key::from("nowhere"),
                            Key::from(1),
                        ])),
                        _ => crate::graph::Value::from(id),
                    };
                    output.push(PathValue::new(at, value));
                }
                Ok::<_, HandlerError>(output.complete())
            })
            .build()
            .expect("a valid route table")
    }

    /// The test router's answer to `paths`, as JSON.
    async fn answer(paths: &[&str]) -> serde_json::Value {
        let paths: Vec<PathSet> = paths
            .iter()
            .map(|path| PathSet::parse(path).expect("a path set"))
            .collect();
        let answer = router()
            .get(&paths, &Context::new())
            .await
            .expect("answered");
        serde_json::to_value(&answer).expect("written")
    }

    #[tokio::test]
    async fn beside_complete_answers_what_no_route_takes_is_still_an_empty_atom() {
        let json = answer(&["a[1..2].b", "a[1].c", "a[0].b.x", "z"]).await;
        assert_eq!(
            json["jsonGraph"]["a"]["1"],
            json!({"b": 1, "c": {"$type": "atom"}})
        );
        assert_eq!(json["jsonGraph"]["a"]["2"], json!({"b": 2}));
        assert_eq!(json["jsonGraph"]["z"], json!({"$type": "atom"}));
        // Past the ref, where no route serves: at the ref's target.
        assert_eq!(
            json["jsonGraph"]["nowhere"]["1"]["x"],
            json!({"$type": "atom"})
        );
    }

    #[tokio::test]
    async fn a_request_every_route_answered_whole_has_no_empty_atom() {
        let json = answer(&["a[1..3].b"]).await;
        assert_eq!(
            json,
            json!({"jsonGraph": {"a": {"1": {"b": 1}, "2": {"b": 2}, "3": {"b": 3}}}})
        );
    }
}
