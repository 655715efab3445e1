//! Data sources: parts of the graph answered whole by something else, such
//! as a remote Falcor router, and the fallback for every path no route
//! serves (falcor-router's `routeUnhandledPathsTo`).
//!
//! A source's route differs from a handler's in three ways, all for the
//! sake of composing routers that each own a part of the graph:
//!
//! - **Whole paths.** It is asked for the whole requested paths, past its
//!   pattern's end, once per wave: a remote router follows its own refs.
//! - **Only its own part is taken.** Its answer is read along the paths it
//!   was asked, where they stand (refs are not followed into other parts
//!   of the graph); each ref it answers is followed by the router in the
//!   next wave, into whichever route serves the target. What it answered
//!   beyond its paths is dropped and counted
//!   ([`Stats::dropped_values`](super::Stats::dropped_values)); what it
//!   answered through its own refs is kept for the rest of the request, so
//!   the next wave's paths it serves again are not asked twice.
//! - **Errors at its paths.** A failing source fills the paths it was
//!   asked with its error; the rest of the answer arrives.

use std::sync::Arc;

use futures::future::BoxFuture;

use crate::graph::Envelope;

use super::builder::{Answers, Builder, Handler, FALLBACK};
use super::context::Context;
use super::handler::{HandlerError, Output};
use super::request::{Call, Get, Set};

/// Something that answers whole path sets with JSON Graph envelopes, as
/// a Falcor `DataSource` does: a remote router over HTTP, another
/// [`Router`](super::Router), a test double.
///
/// The requests it receives are the router's own: [`Get::path_sets`]
/// holds the whole paths asked (not cut to a pattern), [`Set::graph`] the
/// values to set, [`Call`] the function's path, arguments, suffixes and
/// paths as the client sent them.
///
/// ```
/// use futures::future::BoxFuture;
/// use peregrine::graph::{Envelope, Graph};
/// use peregrine::path::PathSet;
/// use peregrine::router::{Call, Context, DataSource, Get, HandlerError, Router, Set};
///
/// /// Answers every path with the same title (a stand-in for a remote).
/// struct Titles;
///
/// impl DataSource for Titles {
///     fn get(&self, get: Get, _ctx: Context) -> BoxFuture<'static, Result<Envelope, HandlerError>> {
///         let mut graph = Graph::new();
///         for path in get.every_path() {
///             graph.set_path(&path, "Dark".into());
///         }
///         Box::pin(async move { Ok(Envelope::new(graph)) })
///     }
///     fn set(&self, _set: Set, _ctx: Context) -> BoxFuture<'static, Result<Envelope, HandlerError>> {
///         Box::pin(async { Err(HandlerError::new("read only")) })
///     }
///     fn call(&self, _call: Call, _ctx: Context) -> BoxFuture<'static, Result<Envelope, HandlerError>> {
///         Box::pin(async { Err(HandlerError::new("no functions here")) })
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let router = Router::builder().fallback(Titles).build()?;
/// let answer = router.get(&[PathSet::parse("videos[7].title")?], &Context::new()).await?;
/// assert_eq!(serde_json::to_string(&answer)?, r#"{"jsonGraph":{"videos":{"7":{"title":"Dark"}}}}"#);
/// # Ok(())
/// # }
/// ```
pub trait DataSource: Send + Sync + 'static {
    /// Answers the whole paths of `get`.
    fn get(&self, get: Get, ctx: Context) -> BoxFuture<'static, Result<Envelope, HandlerError>>;

    /// Sets the values of `set` and answers what it set.
    fn set(&self, set: Set, ctx: Context) -> BoxFuture<'static, Result<Envelope, HandlerError>>;

    /// Calls the function of `call` and answers what it changed, with
    /// the envelope's `paths` (and `invalidated`) as a Falcor router's.
    fn call(&self, call: Call, ctx: Context) -> BoxFuture<'static, Result<Envelope, HandlerError>>;
}

impl Builder {
    /// Serves `pattern` (`people[{keys}]`: this key and every path under
    /// it) from `source`, for get, set and call alike: see the [module's
    /// docs](self) for how its answers are taken.
    pub fn source(self, pattern: &str, source: impl DataSource) -> Builder {
        self.source_at(pattern, Arc::new(source))
    }

    /// Serves every path no route serves from `source`, for get, set and
    /// call (falcor-router's `routeUnhandledPathsTo`): a Falcor router
    /// put behind this one keeps answering what has not moved yet.
    pub fn fallback(self, source: impl DataSource) -> Builder {
        self.add_source(FALLBACK, Arc::new(source), Answers::Fallback)
    }

    /// [`Builder::source`] of a shared source.
    pub fn source_at(self, pattern: &str, source: Arc<dyn DataSource>) -> Builder {
        self.add_source(pattern, source, Answers::Whole)
    }

    fn add_source(self, pattern: &str, source: Arc<dyn DataSource>, answers: Answers) -> Builder {
        let (getter, setter, caller) = (source.clone(), source.clone(), source);
        self.register(
            pattern,
            Handler::Get(Arc::new(move |get, ctx| {
                let answer = getter.get(get, ctx);
                Box::pin(async move { answer.await.map(Output::from) })
            })),
            answers,
        )
        .register(
            pattern,
            Handler::Set(Arc::new(move |set, ctx| {
                let answer = setter.set(set, ctx);
                Box::pin(async move { answer.await.map(Output::from) })
            })),
            answers,
        )
        .register(
            pattern,
            Handler::Call(Arc::new(move |call, ctx| {
                let answer = caller.call(call, ctx);
                Box::pin(async move { answer.await.map(Output::from) })
            })),
            answers,
        )
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A source that answers nothing.
    pub(crate) struct Nothing;

    impl DataSource for Nothing {
        fn get(&self, _: Get, _: Context) -> BoxFuture<'static, Result<Envelope, HandlerError>> {
            Box::pin(async { Ok(Envelope::default()) })
        }
        fn set(&self, _: Set, _: Context) -> BoxFuture<'static, Result<Envelope, HandlerError>> {
            Box::pin(async { Ok(Envelope::default()) })
        }
        fn call(&self, _: Call, _: Context) -> BoxFuture<'static, Result<Envelope, HandlerError>> {
            Box::pin(async { Ok(Envelope::default()) })
        }
    }
}
