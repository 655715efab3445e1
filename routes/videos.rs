//! `videos`: videos by id. Their fields come from the catalog service and
//! are the same for everyone; `rating` is the signed-in user's (ratings
//! service), and setting it stores it.
//!
//! | path | value |
//! | --- | --- |
//! | `videos[{integers}]['title','year','synopsis','boxshot','runtime','maturity']` | atoms |
//! | `videos[{integers}].rating` | the user's rating, 1.0 to 5.0 |
//! | set `videos[{integers}].rating` | the stored rating, path by path: an error value where that write failed |
//!
//! An unknown id has no value.
//!
//! Ratings carry `$expires` of `USER_TTL` (loaders.rs), as every
//! user-scoped value; catalog fields do not.

use peregrine::graph::{PathValue, Value};
use peregrine::loader::Scope;
use peregrine::path::{Key, Path, PathSet};
use peregrine::router::{Builder, HandlerError, Output};

use crate::client::Video;
use crate::loaders::{at, loaders, number, unavailable, user_scope, Loaders, USER_TTL};
use peregrine::router::writes::{self, Outcome};

/// The catalog fields a video has in the graph.
const FIELDS: &str = "'title','year','synopsis','boxshot','runtime','maturity'";

/// Adds the `videos` routes.
pub(crate) fn routes(builder: Builder) -> Builder {
    builder
        .get(
            &format!("videos[{{integers:ids}}][{FIELDS}]"),
            |request, ctx| async move {
                let ids = video_ids(request.integers("ids")?);
                let fields = request.keys_at(2);
                let loaded = loaders(&ctx)?
                    .videos
                    .load_many(Scope::shared(), ids.iter().copied())
                    .await;
                let mut output = Output::with_capacity(ids.len() * fields.len());
                // Unknown ids are left out: they have no value.
                for (id, video) in loaded {
                    let video = video.map_err(unavailable("catalog"))?;
                    for field in &fields {
                        if let Some(value) = field_of(&video, field) {
                            output.push(PathValue::new(
                                at([Key::from_static("videos"), number(id), field.clone()]),
                                value,
                            ));
                        }
                    }
                }
                Ok(output)
            },
        )
        // Ratings are the signed-in user's.
        .signed_in(|builder| {
            builder
                .get("videos[{integers:ids}].rating", |request, ctx| async move {
                    let ids = video_ids(request.integers("ids")?);
                    let scope = user_scope(&ctx, "your ratings")?;
                    let loaded = loaders(&ctx)?
                        .ratings
                        .load_many(scope, ids.iter().copied())
                        .await;
                    let mut output = Output::with_capacity(ids.len());
                    for (id, rating) in loaded {
                        let rating = rating.map_err(unavailable("ratings"))?;
                        output.push(rating_at(id, rating));
                    }
                    Ok::<_, HandlerError>(output)
                })
                .set("videos[{integers:ids}].rating", |request, ctx| async move {
                    let scope = ctx
                        .user()
                        .map(Scope::user)
                        .ok_or_else(|| HandlerError::new("sign in to rate videos"))?;
                    let loaders = loaders(&ctx)?.clone();
                    let mut output = Output::new();
                    let mut writes = Vec::new();
                    for (path, value) in request.values() {
                        let Some(id) = video_id(&path) else { continue };
                        match rating_of(value) {
                            Some(rating) => writes.push((id, rating)),
                            None => output.push(error_at(id, "a rating is a number from 1 to 5")),
                        }
                    }
                    // Each path has its own outcome: one failed write does
                    // not hide the others that were stored.
                    let ids: Vec<u64> = writes.iter().map(|&(id, _)| id).collect();
                    let outcomes = writes::each(&ctx, writes, move |(id, rating)| {
                        write_rating(loaders.clone(), scope.clone(), id, rating)
                    })
                    .await;
                    for (id, outcome) in ids.into_iter().zip(outcomes) {
                        match outcome {
                            Outcome::Done(Ok(Some(stored))) => output.push(rating_at(id, stored)),
                            // An unknown video: no value.
                            Outcome::Done(Ok(None)) => {}
                            Outcome::Done(Err(error)) => output.push(error_at(id, error.message())),
                            Outcome::Unknown => output.push(error_at(id, UNKNOWN)),
                        }
                    }
                    Ok::<_, HandlerError>(output)
                })
        })
}

/// The ids that can be videos (ids are positive).
fn video_ids(ids: Vec<i64>) -> Vec<u64> {
    ids.into_iter()
        .filter_map(|id| u64::try_from(id).ok())
        .collect()
}

fn field_of(video: &Video, field: &Key) -> Option<Value> {
    Some(match field.as_str()? {
        "title" => video.title.as_str().into(),
        "year" => video.year.into(),
        "synopsis" => video.synopsis.as_str().into(),
        "boxshot" => video.boxshot.as_str().into(),
        "runtime" => video.runtime.into(),
        "maturity" => video.maturity.as_str().into(),
        _ => return None,
    })
}

/// What a rating whose write did not answer in time says.
const UNKNOWN: &str = "the ratings service did not answer this write before the request's \
                       deadline: it may have been stored (read it again)";

/// Writes the user's rating of video `id` and answers what the service
/// stored: the rating, or `None` for an unknown video.
///
/// Afterwards the user's cached rating is dropped, not replaced by what
/// this write stored: two writes of one rating may reach the service in
/// one order and finish here in the other, so only the service knows the
/// last one, and the next read asks it. It is dropped whatever the write
/// answered, as a call that failed or timed out may still have been
/// stored.
async fn write_rating(
    loaders: Loaders,
    scope: Scope,
    id: u64,
    rating: f64,
) -> Result<Option<f64>, HandlerError> {
    let user = scope.user_id().unwrap_or_default();
    let written = loaders.clients.ratings.set(user, id, rating).await;
    loaders.ratings.invalidate(scope.clone(), id).await;
    written.map_err(unavailable("ratings"))
}

/// The video id of a set's path, `videos[id].rating`.
fn video_id(path: &Path) -> Option<u64> {
    path.get(1)
        .and_then(Key::as_integer)
        .and_then(|id| u64::try_from(id).ok())
}

fn error_at(id: u64, message: &str) -> PathValue {
    PathValue::new(rating_path(id), Value::error(message))
}

fn rating_at(id: u64, rating: f64) -> PathValue {
    PathValue::new(rating_path(id), Value::from(rating).expires_in(USER_TTL))
}

fn rating_path(id: u64) -> PathSet {
    at([
        Key::from_static("videos"),
        number(id),
        Key::from_static("rating"),
    ])
}

/// A rating a client sent: a number from 1 to 5, bare or in an atom.
fn rating_of(value: &Value) -> Option<f64> {
    let rating = match value {
        Value::Number(number) => number.as_f64(),
        Value::Atom(atom) => atom.value.as_ref()?.as_f64(),
        _ => None,
    }?;
    (1.0..=5.0).contains(&rating).then_some(rating)
}
