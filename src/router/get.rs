//! get: read path sets out of the virtual graph.

use tracing::Instrument;

use crate::graph::Envelope;
use crate::path::{count_all, PathSet};

use super::context::Context;
use super::error::{Error, ErrorKind};
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
    /// [`Options::max_paths`](super::Options::max_paths) paths, a `null`
    /// key) or bad refs (a cycle, an inner reference).
    pub async fn get(&self, paths: &[PathSet], ctx: &Context) -> Result<Envelope, Error> {
        let span = tracing::info_span!("get", path_sets = paths.len());
        async {
            self.check(paths)?;
            let mut run = Run::new(self, ctx);
            run.settle(paths.to_vec(), Method::Get, paths).await?;
            run.response
                .materialize(paths, self.options.max_ref_follow)?;
            Ok(Envelope::new(run.response))
        }
        .instrument(span)
        .await
    }

    /// Refuses requested path sets that hold a `null` key or count more
    /// paths than the limit, before any handler runs.
    pub(crate) fn check(&self, paths: &[PathSet]) -> Result<(), Error> {
        if let Some(path) = paths
            .iter()
            .find(|set| set.iter().any(|keys| keys.keys().any(|key| key.is_null())))
        {
            return Err(Error::new(ErrorKind::NullKey { path: path.clone() }));
        }
        let count = count_all(paths);
        if count > self.options.max_paths {
            return Err(Error::new(ErrorKind::TooManyPaths {
                count,
                limit: self.options.max_paths,
            }));
        }
        Ok(())
    }
}
