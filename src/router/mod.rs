//! The router: route patterns with their handlers, and the engine that
//! runs get, set and call over them in waves.
//!
//! It owns route patterns (`{integers}`, `{ranges}`, `{keys}`, named),
//! precedence, matching path sets without expanding them, running
//! requests in waves with ref following, and the request limits. It knows
//! nothing of HTTP or of any domain's types.
//!
//! # Writing routes
//!
//! A route is a pattern in route syntax and an async handler per method.
//! A get handler receives the paths its route matched, with typed access
//! to the pattern's named tokens, and the request [`Context`]; it answers
//! path values (or an envelope) or fails with a [`HandlerError`], which
//! becomes the error value at its paths.
//!
//! ```
//! use peregrine::graph::{PathValue, Value};
//! use peregrine::path::{Path, PathSet};
//! use peregrine::router::{Context, HandlerError, Output, Router};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let router = Router::builder()
//!     // get: one call for every id asked in this wave.
//!     .get("videos[{integers:ids}].title", |request, _ctx| async move {
//!         let ids = request.integers("ids")?;
//!         Ok::<_, HandlerError>(
//!             ids.into_iter()
//!                 .map(|id| PathValue::new(Path::from_iter(["videos".into(), id.into(), "title".into()]).to_path_set(), format!("Video {id}")))
//!                 .collect::<Output>(),
//!         )
//!     })
//!     // set: receives the values to write, answers what was written.
//!     .set("videos[{integers:ids}].rating", |request, ctx| async move {
//!         let user = ctx.user().ok_or_else(|| HandlerError::new("sign in to rate"))?;
//!         let mut written = Output::new();
//!         for (path, value) in request.values() {
//!             // ... store `value` for `user` ...
//!             # let _ = user;
//!             written.push(PathValue::new(path.to_path_set(), value.clone()));
//!         }
//!         Ok::<_, HandlerError>(written)
//!     })
//!     // call: a function of the graph, answering what it changed.
//!     .call("myList.push", |request, _ctx| async move {
//!         let video = request.arguments().first().cloned().unwrap_or_default();
//!         let _ = video; // ... append it ...
//!         Ok::<_, HandlerError>(
//!             Output::new()
//!                 .value(PathSet::parse("myList[5]")?, Value::reference(Path::from_iter(["videos".into(), 7.into()])))
//!                 .value(PathSet::parse("myList.length")?, 6),
//!         )
//!     })
//!     .build()?;
//!
//! let ctx = Context::new().with_user("u17");
//! let answer = router.get(&[PathSet::parse("videos[1..2]['title','rating']")?], &ctx).await?;
//! assert_eq!(
//!     serde_json::to_value(&answer)?,
//!     serde_json::json!({"jsonGraph": {"videos": {
//!         "1": {"title": "Video 1", "rating": {"$type": "atom"}},
//!         "2": {"title": "Video 2", "rating": {"$type": "atom"}}
//!     }}})
//! );
//!
//! let pushed = router.call(&PathSet::parse("myList.push")?, vec![], vec![PathSet::parse("title")?], vec![], &ctx).await?;
//! assert_eq!(
//!     serde_json::to_value(&pushed.paths)?,
//!     serde_json::json!([["myList", "length"], ["myList", 5, "title"]])
//! );
//! # Ok(())
//! # }
//! ```
//!
//! # How a request runs
//!
//! A request runs in waves. Each wave matches every pending path set at
//! once; where several routes match, precedence decides (per position: a
//! literal key scores 4, `{integers}`/`{ranges}` 2, `{keys}` 1, compared
//! as one number, so longer patterns win) and each route takes its share,
//! leaving the rest to the next. Each route is called at most once per
//! wave, with the union of everything it matched, and the routes of a
//! wave run concurrently. Refs answered before the end of a requested
//! path are followed in the next wave; paths that nothing answered become
//! empty atoms at their ref-resolved place.

mod builder;
mod call;
mod context;
mod error;
mod get;
mod handler;
mod hooks;
mod reach;
mod read_back;
mod request;
mod route_call;
mod set;
mod source;
mod table;
mod through;
mod wave;
mod whole;
pub mod writes;

pub use builder::Builder;
pub(crate) use builder::FALLBACK;
pub use context::{Context, Stats};
pub use error::{Error, ErrorKind};
pub use handler::{HandlerError, Output};
pub use hooks::{PathError, RouteCall, Summary};
pub use reach::Reach;
pub use request::{Call, Get, Matched, Set};
pub use source::DataSource;
pub use table::{Options, Router};
